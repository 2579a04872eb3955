"""OpenAPI 3.1 from the endpoint declarations (relaykit.http.endpoint)."""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from marshmallow import fields

from relaykit.fields import JsonDocument, JsonText, MaxEntries, Upload
from relaykit.http import ENDPOINT_ATTR, EndpointDoc, Header

_PARAM = re.compile(r"<(?:(?P<conv>[a-z]+):)?(?P<name>[a-zA-Z_]+)>")

PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details; `errors` names each offending field.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "correlation_id": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}


def _bodies(doc: EndpointDoc) -> list[Any]:
    return [s for s in (doc.body, doc.form) if s is not None]


def _header(h: Header) -> dict[str, Any]:
    return {"description": h.description, "schema": h.schema}


def _kit_field_properties(self: Any, field: fields.Field, **_kw: Any) -> dict[str, Any]:
    """OpenAPI for the kit's bounds and fields that apispec does not know (a method of its converter)."""
    if isinstance(field, fields.Mapping):
        entries = [v.max for v in field.validators if isinstance(v, MaxEntries)]
        out: dict[str, Any] = {"maxProperties": min(entries)} if entries else {}
        if field.key_field is not None:
            out["propertyNames"] = self.field2property(field.key_field)
        return out
    if isinstance(field, JsonText):
        return {
            "type": "string",
            "maxLength": field.max_length,
            "contentMediaType": "application/json",
            "contentSchema": self.field2property(field.inner),
        }
    if isinstance(field, JsonDocument):
        return dict(field.shape)
    if isinstance(field, Upload):
        return {"type": "string", "format": "binary", "maxLength": field.max_bytes}
    return {}


def _path_schema(app: Flask, converter: str | None) -> dict[str, Any]:
    cls = app.url_map.converters.get(converter or "default")
    return dict(getattr(cls, "openapi", None) or {"type": "string"})


def _operation(doc: EndpointDoc, path_params: list[dict[str, Any]]) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": doc.summary,
        "tags": list(doc.tags),
        "x-relay-roles": sorted(doc.roles),
        "parameters": list(path_params),
        "responses": {},
    }
    if doc.query is not None:
        op["parameters"].append({"in": "query", "schema": doc.query})
    op["parameters"].extend(
        {"in": "header", "name": h.name, "required": False, "description": h.description, "schema": h.schema}
        for h in doc.headers
    )
    content = {media: {"schema": s} for media, s in zip(doc.media_types, _bodies(doc), strict=True)}
    if content:
        op["requestBody"] = {"required": True, "content": content}
    ok: dict[str, Any] = {"description": "Success"}
    if doc.response_headers:
        ok["headers"] = {h.name: _header(h) for h in doc.response_headers}
    if doc.response is not None:
        ok["content"] = {"application/json": {"schema": doc.response}}
    if doc.download:
        ok["content"] = {"*/*": {"schema": {"type": "string", "format": "binary"}}}
    op["responses"][str(doc.status)] = ok
    for code in doc.also:
        op["responses"][str(code)] = {"description": HTTPStatus(code).phrase}
    problem = {"content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    codes = {401, 403, *doc.errors, *(code for h in doc.headers for code in h.errors)}
    if path_params:
        codes.add(404)  # an id out of every column's range (relaykit.path_params)
    if content:
        codes |= {400, 413, 415, 422}
    if doc.query is not None:
        codes.add(422)
    for code in sorted(codes):
        op["responses"][str(code)] = {"description": "Problem"} | problem
    return op


def build_openapi(app: Flask, *, title: str, service: str, version: str = "1.0.0") -> dict[str, Any]:
    plugin = MarshmallowPlugin()
    spec = APISpec(title=title, version=version, openapi_version="3.1.0", plugins=[plugin])
    plugin.converter.add_attribute_function(_kit_field_properties)
    spec.components.schema("Problem", PROBLEM)
    rules = sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
    declared = [(rule, getattr(app.view_functions[rule.endpoint], ENDPOINT_ATTR, None)) for rule in rules]
    # A schema used in requests and answers is documented from a request's instance, which
    # carries the bounds relaykit.fields gave it, whichever route comes first.
    for _rule, doc in declared:
        for schema in _bodies(doc) if doc is not None else ():
            plugin.converter.resolve_nested_schema(schema)
    paths: dict[str, dict[str, Any]] = {}
    for rule, doc in declared:
        if doc is None:
            continue
        params = [
            {"in": "path", "name": m["name"], "required": True, "schema": _path_schema(app, m["conv"])}
            for m in _PARAM.finditer(rule.rule)
        ]
        path = _PARAM.sub(lambda m: "{" + m["name"] + "}", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(doc, params)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    result = spec.to_dict()
    result["x-relay-service"] = service
    return result
