"""OpenAPI 3.1 from the endpoint declarations (relaykit.http.endpoint)."""

from __future__ import annotations

import re
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask

from relaykit.http import ENDPOINT_ATTR, EndpointDoc

_PARAM = re.compile(r"<(?:(?P<conv>[a-z]+):)?(?P<name>[a-zA-Z_]+)>")
_PARAM_TYPES = {"int": {"type": "integer"}, "float": {"type": "number"}}

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
    if doc.body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": doc.body}}}
    ok: dict[str, Any] = {"description": "Success"}
    if doc.response is not None:
        ok["content"] = {"application/json": {"schema": doc.response}}
    op["responses"][str(doc.status)] = ok
    problem = {"content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    codes = {401, 403, *doc.errors}
    if doc.body is not None:
        codes |= {400, 413, 415, 422}
    if doc.query is not None:
        codes.add(422)
    for code in sorted(codes):
        op["responses"][str(code)] = {"description": "Problem"} | problem
    return op


def build_openapi(app: Flask, *, title: str, service: str, version: str = "1.0.0") -> dict[str, Any]:
    spec = APISpec(title=title, version=version, openapi_version="3.1.0", plugins=[MarshmallowPlugin()])
    spec.components.schema("Problem", PROBLEM)
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        doc = getattr(app.view_functions[rule.endpoint], ENDPOINT_ATTR, None)
        if doc is None:
            continue
        params = [
            {
                "in": "path",
                "name": m["name"],
                "required": True,
                "schema": _PARAM_TYPES.get(m["conv"] or "", {"type": "string"}),
            }
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
