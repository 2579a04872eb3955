"""Every operation of the merged OpenAPI document, fuzzed by schemathesis against the
all-in-one system in this process, as an administrator and as a contact.

schemathesis makes one test item per operation (times the two roles), so `pytest -n auto`
spreads them over the workers, and a route added tomorrow is fuzzed by tomorrow's run.
Each item runs the coverage phase (boundary and invalid values of every parameter and
field, unexpected methods) and a bounded fuzzing phase, from a fixed seed, so a finding
reproduces and the whole run stays within its budget. Any finding fails the build.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from typing import Any

import fuzz_support
import pytest
import schemathesis
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


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    problem_json_on_errors,
]


@schema.hook
def before_generate_path_parameters(context, strategy):
    """Random ids reach the not-found paths; ids of things that exist reach the code behind."""
    label = context.operation.label
    known = st.deferred(lambda: st.sampled_from(KNOWN[label]) if KNOWN.get(label) else st.nothing())
    return st.one_of(strategy, known)


@pytest.fixture(scope="session")
def system(tmp_path_factory):
    running = fuzz_support.start(tmp_path_factory.mktemp("fuzz") / "var")
    for path, operations in DOCUMENT["paths"].items():
        for method in operations:
            KNOWN[f"{method.upper()} {path}"] = running.known_parameters(path, method.upper())
    yield running
    running.stop()


def _leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def _sent(case: schemathesis.Case) -> Iterator[Any]:
    yield from _leaves(case.path_parameters or {})
    yield from _leaves(case.query or {})
    if isinstance(case.body, dict | list):
        yield from _leaves(case.body)


def _beyond_64_bits(case: schemathesis.Case) -> bool:
    return any(isinstance(v, int) and not isinstance(v, bool) and abs(v) >= 2**63 for v in _sent(case))


# PENDING, to be emptied: 500s whose causes other changes of issue 8 are fixing right
# now, recognised by what the request carried. Such a case is reported as a warning
# instead of failing the item, so every other finding of the same operation still
# fails it.
PENDING: dict[str, Callable[[schemathesis.Case], bool]] = {
    "integer beyond 64 bits in a path id, query or body": _beyond_64_bits,
}


# XFAIL, to be emptied: items with a known finding being fixed, by operation and role.
XFAIL: dict[tuple[str, str], str] = {
    ("DELETE /api/tickets/settings/attributes/{attribute_id}", ADMINISTRATOR): (
        "answers 204 when no ticket holds a value, but only 200 is documented"
    ),
}


@pytest.fixture(autouse=True)
def _known_finding(request):
    # The item's name is test_api[<operation>][<role>].
    label, _, role = request.node.name.removeprefix("test_api[").removesuffix("]").partition("][")
    if (reason := XFAIL.get((label, role))) is not None:
        request.applymarker(pytest.mark.xfail(reason=reason, strict=True))


@pytest.mark.parametrize("role", [ADMINISTRATOR, CONTACT])
@schema.parametrize()
def test_api(case, role, system):
    headers = system.auth(role)
    response = case.call(app=system.gateway.app, headers=headers)
    if response.status_code >= 500:
        for cause, applies in PENDING.items():
            if applies(case):
                warnings.warn(f"pending finding: {case.operation.label} as {role}: {cause}", stacklevel=1)
                return
    case.validate_response(response, checks=CHECKS, headers=headers, transport_kwargs={"app": system.gateway.app})
