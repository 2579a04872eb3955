"""Does a schema change break producers or consumers already in production?

Every released schema has a frozen copy under released/. A change to a schema
that keeps its version must be compatible both ways during a rolling deploy:
messages from old producers must still validate, and new messages must not
carry anything an old consumer rejects or misreads. Rules:

- adding an optional property is fine; documentation keywords are free;
- removing a property, requiring a new one or un-requiring an old one breaks;
- any change to a validating keyword (type, const, enum, format, pattern,
  bounds, additionalProperties, $ref, ...) breaks.

A breaking change needs a new file <type>.v<N+1>.json instead.
"""

from __future__ import annotations

from typing import Any

_FREE = {"title", "description", "examples", "$comment", "default", "deprecated"}
_STRUCTURAL = {"properties", "required", "allOf", "anyOf", "oneOf", "items", "prefixItems", "$defs"}


def breaking_changes(old: Any, new: Any, path: str = "#") -> list[str]:
    if not isinstance(old, dict) or not isinstance(new, dict):
        return [] if old == new else [f"{path}: changed from {old!r} to {new!r}"]
    problems: list[str] = []
    for key in (set(old) | set(new)) - _FREE - _STRUCTURAL:
        if old.get(key) != new.get(key):
            problems.append(f"{path}/{key}: changed from {old.get(key)!r} to {new.get(key)!r}")

    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for name in old_props:
        if name not in new_props:
            problems.append(f"{path}/properties/{name}: removed")
        else:
            problems += breaking_changes(old_props[name], new_props[name], f"{path}/properties/{name}")

    old_req, new_req = set(old.get("required", [])), set(new.get("required", []))
    for name in sorted(new_req - old_req):
        problems.append(f"{path}/required: {name} became required")
    for name in sorted(old_req - new_req):
        problems.append(f"{path}/required: {name} is no longer required")

    for key in ("allOf", "anyOf", "oneOf", "prefixItems"):
        a, b = old.get(key, []), new.get(key, [])
        if len(a) != len(b):
            problems.append(f"{path}/{key}: number of subschemas changed")
        else:
            for i, (x, y) in enumerate(zip(a, b, strict=True)):
                problems += breaking_changes(x, y, f"{path}/{key}/{i}")
    if "items" in old or "items" in new:
        problems += breaking_changes(old.get("items"), new.get("items"), f"{path}/items")
    for name, sub in old.get("$defs", {}).items():
        problems += breaking_changes(sub, new.get("$defs", {}).get(name), f"{path}/$defs/{name}")
    return problems
