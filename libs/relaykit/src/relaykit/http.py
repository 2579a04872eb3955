"""Declaring endpoints: who may call them, what they take, what they return.

    @app.post("/tickets")
    @endpoint(roles=STAFF, body=TicketCreate, response=TicketOut, status=201,
              summary="Register a ticket", tags=["tickets"])
    def create_ticket(body): ...

The role check runs before anything else in the view; the body is parsed as
JSON (relaykit.json_body: depth, Unicode, number limits) and loaded by the
marshmallow schema (unknown fields are refused); the result is dumped by the
response schema. The same declaration feeds OpenAPI. Request schemas get their
default bounds when declared (relaykit.fields.harden); a path id no row can have
answers 404 naming the parameter (relaykit.path_params).

A route that also takes multipart/form-data declares the form's schema as `form`
(files as `relaykit.fields.Upload`) and parses the parts itself (`load_form` for
the text ones); headers it reads or answers are declared as `Header`s:

    @endpoint(roles=READERS, summary="Comment", body=CommentCreate, form=CommentForm,
              headers=[IF_MATCH], response=CommentOut, response_headers=[ETAG], status=201)
    def add_comment(number, body): ...   # body None when the request was multipart
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Response, g, jsonify, request
from marshmallow import Schema, ValidationError

from relaykit import correlation, json_body
from relaykit.errors import (
    Forbidden,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    RelayError,
    UnsupportedMediaType,
    problem_body,
)
from relaykit.fields import harden
from relaykit.path_params import first_problem

PUBLIC_ATTR = "_relay_public"
ENDPOINT_ATTR = "_relay_endpoint"


@dataclass(frozen=True)
class Header:
    """A header a route reads or answers with, as OpenAPI shows it; `errors` are the
    problems a wrong or stale value of a request header answers."""

    name: str
    description: str
    schema: dict[str, Any] = field(default_factory=lambda: {"type": "string", "maxLength": 200})
    errors: tuple[int, ...] = ()


IF_MATCH = Header(
    "If-Match",
    'The ETag read before (`"3"`): the change is refused with 409 if the resource changed since. '
    "Without it (or with `*`) the change applies to whatever version is current.",
    errors=(400, 409),
)
IDEMPOTENCY_KEY = Header(
    "Idempotency-Key",
    "A key of your choosing: the same request sent again with it gets the first answer, not a second effect.",
    errors=(409, 422),
)
ETAG = Header("ETag", 'The version of what the answer shows (`"3"`), to send back in If-Match.')
LOCATION = Header("Location", "Where the created resource is read.")


@dataclass(frozen=True)
class EndpointDoc:
    roles: frozenset[str]
    summary: str
    body: Schema | None = None
    query: Schema | None = None
    response: Schema | None = None
    status: int = 200
    tags: tuple[str, ...] = ()
    errors: tuple[int, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    # Other successful answers the route gives without a body (a DELETE that answers 204,
    # or 200 with what it did instead); OpenAPI lists them beside `status`.
    also: tuple[int, ...] = ()
    # The answer is a file of whatever type it was stored with, not JSON from `response`.
    download: bool = False
    form: Schema | None = None
    headers: tuple[Header, ...] = ()
    response_headers: tuple[Header, ...] = ()

    @property
    def media_types(self) -> tuple[str, ...]:
        return (("application/json",) if self.body is not None else ()) + (
            ("multipart/form-data",) if self.form is not None else ()
        )


def public(fn: Callable) -> Callable:
    """Mark a view that anyone may call (health, metrics, the OpenAPI document)."""
    setattr(fn, PUBLIC_ATTR, True)
    return fn


def is_guarded(view: Callable) -> bool:
    return bool(getattr(view, PUBLIC_ATTR, False) or getattr(view, ENDPOINT_ATTR, None))


def _schema(s: Schema | type[Schema] | None) -> Schema | None:
    return s() if isinstance(s, type) else s


def flatten_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested error dict -> {"items.0.name": ["..."]}."""
    if isinstance(messages, dict):
        out: dict[str, list[str]] = {}
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema":
                name = prefix or "body"
            out.update(flatten_errors(value, name))
        return out
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return {prefix or "body": list(messages)}
    return {prefix or "body": [str(messages)]}


def _validation_problem(e: ValidationError, where: str) -> InvalidInput:
    errors = flatten_errors(e.messages)
    first = next(iter(errors.items()))
    return InvalidInput(f"{where}: {first[0]}: {first[1][0]}", errors=errors)


def _is_json() -> bool:
    return request.mimetype == "application/json" or request.mimetype.endswith("+json")


def load_json(schema: Schema) -> Any:
    if not _is_json():
        raise UnsupportedMediaType(
            f"send the body as application/json (got {request.mimetype or 'nothing'})", field="Content-Type"
        )
    data = json_body.parse(request.get_data(cache=True))
    if not isinstance(data, dict) and not schema.many:
        raise InvalidInput("the body must be a JSON object", field="body")
    try:
        return harden(schema, body=True).load(data)
    except ValidationError as e:
        raise _validation_problem(e, "invalid body") from None


def _refuse_unstorable(data: dict[str, Any], where: str) -> None:
    for key, value in data.items():
        for text in [key, *(value if isinstance(value, list) else [value])]:
            if (why := json_body.text_problem(text)) is not None:
                raise InvalidInput(f"invalid {where}: {key}: {why}", field=ascii(key)[1:-1])


def load_query(schema: Schema) -> Any:
    # Single values unless the schema field is a List; then every repetition.
    data: dict[str, Any] = {}
    for key in request.args:
        values = request.args.getlist(key)
        field_obj = schema.fields.get(key)
        is_list = field_obj is not None and field_obj.__class__.__name__ == "List"
        data[key] = values if is_list else values[-1]
    _refuse_unstorable(data, "query")
    try:
        return harden(schema, body=False).load(data)
    except ValidationError as e:
        raise _validation_problem(e, "invalid query") from None


def load_form(schema: Schema, data: dict[str, str]) -> Any:
    """The text parts of a multipart form, loaded by `schema` (the route's `form`)."""
    _refuse_unstorable(data, "form")
    try:
        return harden(schema, body=False).load(data)
    except ValidationError as e:
        raise _validation_problem(e, "invalid form") from None


def problem_response(err: RelayError) -> tuple[Response, int, dict[str, str]]:
    return (
        jsonify(problem_body(err, correlation.current())),
        err.status,
        {"Content-Type": "application/problem+json"},
    )


def current_identity():
    ident = g.get("identity")
    if ident is None:
        raise NotAuthenticated("authentication required")
    return ident


def endpoint(
    *,
    roles: Iterable[str],
    summary: str,
    body: Schema | type[Schema] | None = None,
    query: Schema | type[Schema] | None = None,
    response: Schema | type[Schema] | None = None,
    status: int = 200,
    tags: Iterable[str] = (),
    errors: Iterable[int] = (),
    form: Schema | type[Schema] | None = None,
    headers: Iterable[Header] = (),
    response_headers: Iterable[Header] = (),
    also: Iterable[int] = (),
    download: bool = False,
) -> Callable[[Callable], Callable]:
    doc = EndpointDoc(
        roles=frozenset(roles),
        summary=summary,
        body=_schema(body),
        query=_schema(query),
        response=_schema(response),
        status=status,
        tags=tuple(tags),
        errors=tuple(errors),
        form=_schema(form),
        headers=tuple(headers),
        response_headers=tuple(response_headers),
        also=tuple(also),
        download=download,
    )
    if not doc.roles:
        raise ValueError(f"endpoint {summary!r} must allow at least one role")
    for part, schema, is_body in (("body", doc.body, True), ("query", doc.query, False), ("form", doc.form, False)):
        if schema is not None:
            harden(schema, body=is_body, name=f"{summary} ({part})")

    def decorate(fn: Callable) -> Callable:
        @wraps(fn)
        def view(**kwargs: Any):
            ident = current_identity()
            if ident.role not in doc.roles:
                raise Forbidden(f"the {ident.role} role may not: {summary.lower()}")
            if (bad := first_problem(kwargs)) is not None:
                name, problem = bad
                raise NotFound(f"no {name} {problem.text}: it {problem.reason}", field=name)
            if doc.query is not None:
                kwargs["query"] = load_query(doc.query)
            if doc.form is not None and request.mimetype == "multipart/form-data":
                if doc.body is not None:
                    kwargs["body"] = None
            elif doc.form is not None and (doc.body is None or not _is_json()):
                raise UnsupportedMediaType(
                    f"send {' or '.join(doc.media_types)} (got {request.mimetype or 'nothing'})", field="Content-Type"
                )
            elif doc.body is not None:
                kwargs["body"] = load_json(doc.body)
            result = fn(**kwargs)
            if isinstance(result, Response):
                return result
            answer_headers: dict[str, str] = {}
            if isinstance(result, tuple):
                result, answer_headers = result
            data = doc.response.dump(result) if doc.response is not None else result
            return jsonify(data), doc.status, answer_headers

        setattr(view, ENDPOINT_ATTR, doc)
        return view

    return decorate
