"""Every request field of the whole API has a bound in the merged OpenAPI document (the
gateway's /api/openapi.json over every service): strings a maximum length, numbers a
range, lists and maps a maximum size, nested and array items included. What the
document promises is what relaykit.fields enforces, so a field added without one fails
here as well as at app creation."""

from typing import Any

import pytest

from relaykit.service import discover

# Strings whose grammar bounds them.
BOUNDED_FORMATS = {"date", "date-time", "time", "uuid"}


@pytest.fixture(scope="module")
def document(tmp_path_factory):
    from relaykit.testing.harness import Harness

    harness = Harness(tmp_path_factory.mktemp("openapi"))
    try:
        specs = discover()
        services = {n: harness.runtime(s) for n, s in specs.items() if not s.edge}
        (edge,) = [s for s in specs.values() if s.edge]
        gateway = harness.runtime(edge)
        gateway.upstreams = {n: rt.app for n, rt in services.items() if rt.spec.has_api}
        yield gateway.app.test_client().get("/api/openapi.json").get_json()
    finally:
        harness.close()


class Walker:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.components = doc["components"]["schemas"]
        self.problems: list[str] = []

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = self.components[node["$ref"].rsplit("/", 1)[-1]]
        return node

    def walk(self, node: Any, where: str, depth: int = 0) -> None:
        if depth > 30:
            self.problems.append(f"{where}: nests deeper than the walk follows (recursive?)")
            return
        if not isinstance(node, dict):
            self.problems.append(f"{where}: {node!r} is no schema")
            return
        node = self.resolve(node)
        branches = [*node.get("anyOf", []), *node.get("oneOf", []), *node.get("allOf", [])]
        for branch in branches:
            self.walk(branch, where, depth + 1)
        if "enum" in node or "const" in node:
            return
        types = node.get("type")
        types = [types] if isinstance(types, str) else list(types or [])
        if not types and not branches:
            self.problems.append(f"{where}: takes any value")
        for kind in types:
            self.check(kind, node, where, depth)

    def check(self, kind: str, node: dict[str, Any], where: str, depth: int) -> None:
        if kind in ("null", "boolean"):
            return
        if kind == "string" and "maxLength" not in node and node.get("format") not in BOUNDED_FORMATS:
            self.problems.append(f"{where}: a string without maxLength")
        elif kind in ("integer", "number") and not {"minimum", "maximum"} <= set(node):
            self.problems.append(f"{where}: a number without minimum and maximum")
        elif kind == "array":
            if "maxItems" not in node:
                self.problems.append(f"{where}: an array without maxItems")
            if "items" in node:
                self.walk(node["items"], f"{where}[]", depth + 1)
            else:
                self.problems.append(f"{where}: an array whose items are anything")
        elif kind == "object":
            for name, prop in node.get("properties", {}).items():
                self.walk(prop, f"{where}.{name}", depth + 1)
            extra = node.get("additionalProperties", True)
            if extra is False:
                return
            if "maxProperties" not in node:
                self.problems.append(f"{where}: an object with open keys but no maxProperties")
            if "propertyNames" in node:
                self.walk({"type": "string"} | node["propertyNames"], f"{where}.<key>", depth + 1)
            else:
                self.problems.append(f"{where}: an object whose keys have no maxLength")
            if isinstance(extra, dict):
                self.walk(extra, f"{where}.*", depth + 1)
            else:
                self.problems.append(f"{where}: an object whose values are anything")
        if "contentSchema" in node:
            self.walk(node["contentSchema"], f"{where}<json>", depth + 1)


def _operations(doc):
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            yield f"{method.upper()} {path}", op


def test_every_request_field_of_the_whole_api_has_a_bound(document):
    walker = Walker(document)
    operations = list(_operations(document))
    assert len(operations) > 100  # the whole API, every service
    for name, op in operations:
        for param in op.get("parameters", []):
            walker.walk(param["schema"], f"{name} {param['in']} {param['name']}")
        for media, content in op.get("requestBody", {}).get("content", {}).items():
            walker.walk(content["schema"], f"{name} {media} body")
    assert walker.problems == []


def test_the_walk_finds_unbounded_fields():
    doc = {
        "components": {
            "schemas": {
                "Inner": {"type": "object", "additionalProperties": False, "properties": {"n": {"type": "integer"}}}
            }
        },
        "paths": {},
    }
    walker = Walker(doc)
    walker.walk({"type": "string"}, "s")
    walker.walk({"type": ["integer", "null"], "minimum": 1}, "i")
    walker.walk({"type": "array", "maxItems": 3, "items": {"$ref": "#/components/schemas/Inner"}}, "a")
    walker.walk({"type": "object", "additionalProperties": {}}, "o")
    walker.walk({}, "x")
    assert walker.problems == [
        "s: a string without maxLength",
        "i: a number without minimum and maximum",
        "a[].n: a number without minimum and maximum",
        "o: an object with open keys but no maxProperties",
        "o: an object whose keys have no maxLength",
        "o.*: takes any value",
        "x: takes any value",
    ]
    walker.problems.clear()
    walker.walk({"type": "string", "format": "date-time"}, "d")
    walker.walk({"type": "array", "maxItems": 2, "items": {"type": "string", "enum": ["a"]}}, "e")
    assert walker.problems == []
