"""Every operation of the merged OpenAPI document, fuzzed by schemathesis against the
all-in-one system in this process, as an administrator and as a contact.

schemathesis makes one test item per operation (times the two roles), so `pytest -n auto`
spreads them over the workers, and a route added tomorrow is fuzzed by tomorrow's run.
Each item runs the coverage phase (boundary and invalid values of every parameter and
field, unexpected methods) and a bounded fuzzing phase, from a fixed seed, so a finding
reproduces and the whole run stays within its budget. Requests also carry what the
generator never makes by itself (lone surrogates, integers beyond 64 bits). Path ids
are drawn at random and from things that exist. Any finding fails the build.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import fuzz_support
import pytest
import schemathesis
from flask import Flask
from flask import Response as FlaskResponse
from hypothesis import strategies as st
from schemathesis.checks import CheckContext
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from relaykit.identity import ADMINISTRATOR, CONTACT

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20_260_801,
        "suppress-health-check": ["all"],
        # The document has no examples, and stateful runs are the CLI's; what remains is
        # the coverage phase (deterministic) and fuzzing (seeded, max-examples per item).
        "phases": {"examples": {"enabled": False}, "stateful": {"enabled": False}},
        "generation": {"max-examples": 25, "database": "none"},
    }
)
DOCUMENT = fuzz_support.merged_openapi()
schema = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG)
PROBLEM_FIELDS = frozenset({"type", "title", "status", "detail"})
# Operation label -> path parameters that name existing things, set once the system runs
# (the strategies are drawn only inside the test, after the fixture).
KNOWN: dict[str, list[dict]] = {}
DENIED_CASES = 20
DENIED_SENT: Counter[tuple[str, str]] = Counter()
# JSON bodies no generator writes, sent once per operation and role that takes JSON;
# each must be a 4xx problem, whatever the route does with its body.
RAW_BODIES = {
    "nested 100,000 deep": b"[" * 100_000 + b"]" * 100_000,
    "not UTF-8": b'{"name": "\xff\xfe"}',
    "a number no float holds": b'{"name": 1e400}',
    "NaN": b'{"name": NaN}',
}
RAW_SENT: set[tuple[str, str]] = set()


def problem_json_on_errors(ctx: CheckContext, response: schemathesis.Response, case: schemathesis.Case) -> None:
    """Every 4xx/5xx is application/problem+json with relaykit.errors.problem_body's fields."""
    if response.status_code < 400:
        return
    content_type = (response.headers.get("content-type") or [""])[0]
    assert content_type.split(";")[0].strip() == "application/problem+json", (
        f"{response.status_code} answered as {content_type!r}, not application/problem+json"
    )
    body = response.json()
    assert isinstance(body, dict), f"the problem body is not an object: {body!r}"
    missing = PROBLEM_FIELDS - body.keys()
    assert not missing, f"the problem body lacks {sorted(missing)}: {body!r}"
    assert body["status"] == response.status_code, f"the problem says {body['status']} on a {response.status_code}"
    for error in body.get("errors", []):
        assert {"field", "message"} <= error.keys(), f"an entry of `errors` lacks field/message: {error!r}"


def not_a_server_error(ctx: CheckContext, response: schemathesis.Response, case: schemathesis.Case) -> None:
    # schemathesis' own not_a_server_error also counts a 501 the document lists as fine;
    # here no 5xx is, since the gateway and the services run in this very process.
    assert response.status_code < 500, f"server error {response.status_code}: {response.text[:2000]}"


# Headers that say something about this answer; each must be in the operation's document
# for the status given (schemathesis checks the documented ones; this, that none is missing).
# The ones every answer carries alike (security, correlation, caching) are the kit's.
MEANINGFUL_HEADERS = frozenset(
    {"location", "etag", "content-disposition", "content-range", "retry-after"}
    | {"ratelimit-limit", "ratelimit-remaining"}
)


def answer_headers_are_documented(ctx: CheckContext, response: schemathesis.Response, case: schemathesis.Case) -> None:
    responses = case.operation.definition.raw.get("responses", {})
    documented = responses.get(str(response.status_code)) or responses.get("default")
    if documented is None:
        return  # an answer of another method, or an undocumented status: status_code_conformance's
    declared = {name.lower() for name in documented.get("headers", {})}
    missing = sorted({name.lower() for name in response.headers} & MEANINGFUL_HEADERS - declared)
    assert not missing, f"a {response.status_code} answer carries {missing}, which its operation does not document"


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    problem_json_on_errors,
    answer_headers_are_documented,
]


@schema.hook
def before_generate_path_parameters(context, strategy):
    """Random ids reach the not-found paths; ids of things that exist reach the code behind."""
    label = context.operation.label
    known = st.deferred(lambda: st.sampled_from(KNOWN[label]) if KNOWN.get(label) else st.nothing())
    return st.one_of(strategy, known)


def _leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def _replace_leaves(value: Any, replace: Callable[[Any], Any]) -> Any:
    if isinstance(value, dict):
        return {k: _replace_leaves(v, replace) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_leaves(v, replace) for v in value]
    return replace(value)


def _lone_surrogates(value: Any) -> Any:
    return _replace_leaves(value, lambda v: v + "\ud800" if isinstance(v, str) else v)


def _beyond_64_bit_ints(value: Any) -> Any:
    return _replace_leaves(value, lambda v: v + 2**70 if isinstance(v, int) and not isinstance(v, bool) else v)


def _with_beyond_64_bit_ints(case: schemathesis.Case) -> schemathesis.Case:
    for part in ("path_parameters", "query", "body"):
        value = getattr(case, part)
        if isinstance(value, dict | list):
            setattr(case, part, _beyond_64_bit_ints(value))
    return case


@schema.hook
def before_generate_case(context, strategy):
    """Integers beyond 64 bits in every number of the path, query and body, on top of
    what the generator draws (it keeps to the documented ranges): each must be refused
    with a 4xx naming the field."""
    return st.one_of(strategy, strategy.map(_with_beyond_64_bit_ints))


@pytest.fixture(scope="session")
def system(tmp_path_factory):
    running = fuzz_support.start(tmp_path_factory.mktemp("fuzz") / "var")
    for path, operations in DOCUMENT["paths"].items():
        for method in operations:
            KNOWN[f"{method.upper()} {path}"] = running.known_parameters(path, method.upper())
    yield running
    running.stop()


@pytest.mark.parametrize("role", [ADMINISTRATOR, CONTACT])
@schema.parametrize()
def test_api(case, role, system):
    if role not in case.operation.definition.raw.get("x-relay-roles", ()):
        # Refused by role before anything of the request is read (the path and headers
        # already went through the gateway and the routing): a few cases show it for
        # every operation; the rest would show the same 403 again.
        DENIED_SENT[(case.operation.label, role)] += 1
        if DENIED_SENT[(case.operation.label, role)] > DENIED_CASES:
            return
    headers = system.auth(role)
    _check(case, system, headers, case.call(app=system.gateway.app, headers=headers))
    if case.media_type == "application/json" and (case.operation.label, role) not in RAW_SENT:
        RAW_SENT.add((case.operation.label, role))
        for what, raw in RAW_BODIES.items():
            _check_raw(case, system, headers, raw, what)
    if case.media_type == "application/json" and any(isinstance(v, str) for v in _leaves(case.body)):
        # The same request with a lone UTF-16 surrogate in every string: valid JSON (as
        # \ud800 escapes) that no generator draws, since it is no storable text. Sent as
        # bytes: schemathesis would check the case against its schema, which cannot hold it.
        raw = json.dumps(_lone_surrogates(case.body)).encode()
        _check_raw(case, system, headers, raw, "a lone surrogate in every string")


def _check(case: schemathesis.Case, system, headers: dict[str, str], response) -> None:
    case.validate_response(response, checks=CHECKS, headers=headers, transport_kwargs={"app": system.gateway.app})


def _check_raw(case: schemathesis.Case, system, headers: dict[str, str], raw: bytes, what: str) -> None:
    """The case's request with `raw` as its body, checked like any other answer."""
    try:
        _check(case, system, headers, case.call(app=system.gateway.app, headers=headers, data=raw))
    except Exception as e:
        e.add_note(f"(the body sent instead of the case's: {what}, {raw[:200]!r})")
        raise


def _answer(status: int, content_type: str, body: bytes, headers: dict | None = None) -> schemathesis.Response:
    app = Flask(__name__)
    app.add_url_rule("/", "answer", lambda: FlaskResponse(body, status, headers=headers, content_type=content_type))
    return schemathesis.Response.from_any(app.test_client().get("/"))


def test_the_problem_check_refuses_an_error_that_is_not_a_problem():
    with pytest.raises(AssertionError, match="not application/problem"):
        problem_json_on_errors(None, _answer(404, "text/html", b"<h1>Not Found</h1>"), None)
    with pytest.raises(AssertionError, match="lacks"):
        problem_json_on_errors(None, _answer(409, "application/problem+json", b'{"status": 409}'), None)
    with pytest.raises(AssertionError, match="says 400"):
        body = b'{"type": "t", "title": "t", "status": 400, "detail": "d"}'
        problem_json_on_errors(None, _answer(422, "application/problem+json", body), None)
    fine = b'{"type": "t", "title": "t", "status": 422, "detail": "d", "errors": [{"field": "f", "message": "m"}]}'
    problem_json_on_errors(None, _answer(422, "application/problem+json", fine), None)
    problem_json_on_errors(None, _answer(200, "text/plain", b"ok"), None)


def test_the_header_check_refuses_an_answer_header_its_operation_does_not_document():
    tiny = schemathesis.openapi.from_dict(
        {
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {
                "/things": {
                    "post": {"responses": {"201": {"description": "made", "headers": {"Location": {"schema": {}}}}}}
                }
            },
        }
    )
    case = tiny["/things"]["POST"].Case()
    made = _answer(201, "text/plain", b"", {"Location": "/things/1"})
    answer_headers_are_documented(None, made, case)
    with pytest.raises(AssertionError, match="etag"):
        answer_headers_are_documented(None, _answer(201, "text/plain", b"", {"Location": "/", "ETag": '"1"'}), case)
    # An undocumented status is status_code_conformance's to judge.
    answer_headers_are_documented(None, _answer(405, "text/plain", b"", {"ETag": '"1"'}), case)
