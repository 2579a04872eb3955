"""Declaring endpoints: who may call them, what they take, what they return.

    @app.post("/tickets")
    @endpoint(roles=STAFF, body=TicketCreate, response=TicketOut, status=201,
              summary="Register a ticket", tags=["tickets"])
    def create_ticket(body): ...

The role check runs before anything else in the view; the body is parsed as
JSON and loaded by the marshmallow schema (unknown fields are refused); the
result is dumped by the response schema. The same declaration feeds OpenAPI.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Response, g, jsonify, request
from marshmallow import Schema, ValidationError

from relaykit import correlation
from relaykit.errors import (
    BadRequest,
    Forbidden,
    InvalidInput,
    NotAuthenticated,
    RelayError,
    UnsupportedMediaType,
    problem_body,
)

PUBLIC_ATTR = "_relay_public"
ENDPOINT_ATTR = "_relay_endpoint"


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


def load_json(schema: Schema) -> Any:
    if not (request.mimetype == "application/json" or request.mimetype.endswith("+json")):
        raise UnsupportedMediaType(
            f"send the body as application/json (got {request.mimetype or 'nothing'})", field="Content-Type"
        )
    raw = request.get_data(cache=True)
    try:
        data = json.loads(raw)
    except ValueError as e:
        raise BadRequest(f"the body is not valid JSON: {e}", field="body") from None
    if not isinstance(data, dict) and not schema.many:
        raise InvalidInput("the body must be a JSON object", field="body")
    try:
        return schema.load(data)
    except ValidationError as e:
        raise _validation_problem(e, "invalid body") from None


def load_query(schema: Schema) -> Any:
    # Single values unless the schema field is a List; then every repetition.
    data: dict[str, Any] = {}
    for key in request.args:
        values = request.args.getlist(key)
        field_obj = schema.fields.get(key)
        is_list = field_obj is not None and field_obj.__class__.__name__ == "List"
        data[key] = values if is_list else values[-1]
    try:
        return schema.load(data)
    except ValidationError as e:
        raise _validation_problem(e, "invalid query") from None


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
    )
    if not doc.roles:
        raise ValueError(f"endpoint {summary!r} must allow at least one role")

    def decorate(fn: Callable) -> Callable:
        @wraps(fn)
        def view(**kwargs: Any):
            ident = current_identity()
            if ident.role not in doc.roles:
                raise Forbidden(f"the {ident.role} role may not: {summary.lower()}")
            if doc.query is not None:
                kwargs["query"] = load_query(doc.query)
            if doc.body is not None:
                kwargs["body"] = load_json(doc.body)
            result = fn(**kwargs)
            if isinstance(result, Response):
                return result
            headers: dict[str, str] = {}
            if isinstance(result, tuple):
                result, headers = result
            data = doc.response.dump(result) if doc.response is not None else result
            return jsonify(data), doc.status, headers

        setattr(view, ENDPOINT_ATTR, doc)
        return view

    return decorate
