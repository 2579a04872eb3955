"""One OpenAPI document for the whole API: every service's paths under /api/<service>."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

SHARED = {"Problem"}
# The gateway's own answer to any operation (relay_gateway.limits).
TOO_MANY = {
    "description": "Too many requests: a rate limit of the gateway; retry after the given seconds",
    "headers": {
        "Retry-After": {"description": "seconds to wait", "schema": {"type": "integer", "minimum": 1}},
        "RateLimit-Limit": {"description": "requests the limit allows per window", "schema": {"type": "integer"}},
        "RateLimit-Remaining": {"description": "0", "schema": {"type": "integer"}},
    },
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
}
# What the gateway adds to every answer of an authenticated request (relay_gateway.app).
ALLOWANCE = {
    "RateLimit-Limit": {"description": "requests the token's limit allows per window", "schema": {"type": "integer"}},
    "RateLimit-Remaining": {"description": "requests left in this window", "schema": {"type": "integer"}},
}


def _rename_refs(node: Any, service: str) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/components/schemas/"):
                name = value.rsplit("/", 1)[-1]
                out[key] = value if name in SHARED else f"#/components/schemas/{service}.{name}"
            else:
                out[key] = _rename_refs(value, service)
        return out
    if isinstance(node, list):
        return [_rename_refs(v, service) for v in node]
    return node


def merge(documents: dict[str, dict[str, Any]], title: str = "Relay API") -> dict[str, Any]:
    merged: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": "1.0.0",
            "description": "Every Relay service behind the gateway. Authenticate with `Authorization: Bearer <token>`.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "paths": {},
        "components": {
            "schemas": {},
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        },
        "tags": [],
    }
    for service, doc in sorted(documents.items()):
        doc = _rename_refs(doc, service)
        for path, ops in doc.get("paths", {}).items():
            for op in ops.values():
                if isinstance(op, dict) and "responses" in op:
                    op["responses"].setdefault("429", dict(TOO_MANY))
                    for response in op["responses"].values():
                        response["headers"] = ALLOWANCE | response.get("headers", {})
            merged["paths"][f"/api/{service}{path}"] = ops
        for name, schema in doc.get("components", {}).get("schemas", {}).items():
            key = name if name in SHARED else f"{service}.{name}"
            merged["components"]["schemas"][key] = schema
        merged["tags"].append({"name": service, "description": doc.get("info", {}).get("title", service)})
    return merged
