"""The API reference (all staff): the gateway's merged OpenAPI document as a page, every
operation grouped by service and tag with its method, path, summary, who may call it,
its parameters, the fields of its request body and its answers; the schemas it names
follow, each field linked to the schema it refers to. A search box filters the
operations in the page (static/settings.js). The raw document stays at /api/openapi.json.

The page itself carries only each operation's line and each schema's name; the details
of one are fetched (htmx) when it opens, because the whole of it is most of a megabyte and
a browser took seconds to lay it out.

The document is what the gateway's own /api/openapi.json route answers (it keeps it for
30 s); the page's reading of it is kept as long.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from flask import current_app

from relay_gateway.ui.web import STAFF, _, bp, page, render

METHODS = ("get", "post", "put", "patch", "delete")
_REF = "#/components/schemas/"
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    ref: str | None
    required: bool
    description: str
    constraints: str


@dataclass(frozen=True)
class Parameter:
    name: str
    where: str
    type: str
    required: bool
    description: str
    constraints: str


@dataclass(frozen=True)
class Body:
    media: str
    type: str
    ref: str | None
    fields: list[Field]


@dataclass(frozen=True)
class Answer:
    status: str
    description: str
    media: str
    type: str
    ref: str | None


@dataclass
class Operation:
    anchor: str
    method: str
    path: str
    summary: str
    description: str
    roles: list[str]
    parameters: list[Parameter]
    bodies: list[Body]
    answers: list[Answer]
    search: str = ""


@dataclass
class Group:
    service: str
    title: str
    tags: dict[str, list[Operation]] = field(default_factory=dict)


@dataclass
class Reference:
    title: str
    version: str
    description: str
    groups: list[Group]
    schemas: dict[str, list[Field]]
    count: int
    operations: dict[str, Operation] = field(default_factory=dict)


def schema_anchor(name: str) -> str:
    return "schema-" + _SLUG.sub("-", name.lower()).strip("-")


def _ref_name(node: Any) -> str | None:
    if isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith(_REF):
        return node["$ref"][len(_REF) :]
    return None


def type_of(node: Any) -> tuple[str, str | None]:
    """A schema as a short type ("string", "array of tickets.Party", "integer | null") and
    the schema it refers to, if one."""
    if not isinstance(node, dict):
        return "any", None
    ref = _ref_name(node)
    if ref:
        return ref, ref
    for combo in ("anyOf", "oneOf", "allOf"):
        if isinstance(node.get(combo), list):
            parts = [type_of(p) for p in node[combo]]
            refs = [r for _t, r in parts if r]
            return " | ".join(t for t, _r in parts), (refs[0] if refs else None)
    kind = node.get("type")
    kinds = kind if isinstance(kind, list) else [kind] if kind else []
    words = []
    ref = None
    for k in kinds:
        if k == "array":
            inner, ref = type_of(node.get("items"))
            words.append(f"array of {inner}")
        elif k == "object" and isinstance(node.get("additionalProperties"), dict):
            inner, ref = type_of(node["additionalProperties"])
            words.append(f"map of {inner}")
        else:
            words.append(str(k))
    text = " | ".join(words) or "any"
    if node.get("format"):
        text += f" ({node['format']})"
    return text, ref


def constraints_of(node: Any) -> str:
    if not isinstance(node, dict):
        return ""
    out = []
    if isinstance(node.get("enum"), list):
        out.append("one of " + ", ".join("null" if v is None else str(v) for v in node["enum"]))
    for key, label in (
        ("minLength", "min length"),
        ("maxLength", "max length"),
        ("minimum", "min"),
        ("maximum", "max"),
        ("minItems", "min items"),
        ("maxItems", "max items"),
        ("maxProperties", "max entries"),
    ):
        if key in node:
            out.append(f"{label} {node[key]}")
    if "pattern" in node and node["pattern"] != "\\S":
        out.append(f"pattern {node['pattern']}")
    if "default" in node:
        out.append(f"default {json.dumps(node['default'], ensure_ascii=False)}")
    if node.get("type") == "array":
        inner = constraints_of(node.get("items"))
        if inner:
            out.append(f"each: {inner}")
    return "; ".join(out)


def fields_of(schema: Any, schemas: dict[str, Any]) -> list[Field]:
    """The top-level fields of an object schema (following one $ref)."""
    name = _ref_name(schema)
    if name:
        schema = schemas.get(name, {})
    if not isinstance(schema, dict) or not isinstance(schema.get("properties"), dict):
        return []
    required = set(schema.get("required") or [])
    out = []
    for prop, node in schema["properties"].items():
        kind, ref = type_of(node)
        out.append(
            Field(
                str(prop),
                kind,
                ref,
                prop in required,
                str(node.get("description", "")) if isinstance(node, dict) else "",
                constraints_of(node),
            )
        )
    return out


def _service_of(path: str) -> str:
    parts = path.split("/")
    return parts[2] if len(parts) > 2 and parts[1] == "api" else "gateway"


def read(doc: dict[str, Any]) -> Reference:
    schemas = doc.get("components", {}).get("schemas", {}) or {}
    titles = {t.get("name"): t.get("description") or t.get("name") for t in doc.get("tags", []) if isinstance(t, dict)}
    groups: dict[str, Group] = {}
    count = 0
    by_anchor: dict[str, Operation] = {}
    for path, ops in sorted((doc.get("paths") or {}).items()):
        if not isinstance(ops, dict):
            continue
        service = _service_of(path)
        group = groups.setdefault(service, Group(service, str(titles.get(service) or service)))
        shared_params = ops.get("parameters") or []
        for method in METHODS:
            op = ops.get(method)
            if not isinstance(op, dict):
                continue
            count += 1
            params = []
            for p in [*shared_params, *(op.get("parameters") or [])]:
                if not isinstance(p, dict):
                    continue
                kind, _ref = type_of(p.get("schema"))
                params.append(
                    Parameter(
                        str(p.get("name", "")),
                        str(p.get("in", "")),
                        kind,
                        bool(p.get("required")),
                        str(p.get("description", "")),
                        constraints_of(p.get("schema")),
                    )
                )
            bodies = []
            for media, content in ((op.get("requestBody") or {}).get("content") or {}).items():
                schema = (content or {}).get("schema")
                kind, ref = type_of(schema)
                bodies.append(Body(media, kind, ref, fields_of(schema, schemas)))
            answers = []
            for status, answer in sorted((op.get("responses") or {}).items()):
                if not isinstance(answer, dict):
                    continue
                content = answer.get("content") or {"": {}}
                for media, body in content.items():
                    kind, ref = type_of((body or {}).get("schema")) if media else ("", None)
                    answers.append(Answer(str(status), str(answer.get("description", "")), media, kind, ref))
            tag = (op.get("tags") or ["other"])[0]
            summary = str(op.get("summary", ""))
            operation = Operation(
                anchor=f"op-{method}-" + _SLUG.sub("-", path.lower()).strip("-"),
                method=method.upper(),
                path=path,
                summary=summary,
                description=str(op.get("description", "")),
                roles=[str(r) for r in op.get("x-relay-roles") or []],
                parameters=params,
                bodies=bodies,
                answers=answers,
            )
            operation.search = " ".join([method, path, summary, str(tag), service, *(p.name for p in params)]).lower()
            group.tags.setdefault(str(tag), []).append(operation)
            by_anchor[operation.anchor] = operation
    info = doc.get("info") or {}
    return Reference(
        title=str(info.get("title", "API")),
        version=str(info.get("version", "")),
        description=str(info.get("description", "")),
        groups=[groups[k] for k in sorted(groups)],
        schemas={name: fields_of(schema, schemas) for name, schema in sorted(schemas.items())},
        count=count,
        operations=by_anchor,
    )


REFERENCE_TTL = 30.0  # as long as the gateway keeps its merged document
_cache: dict[str, Any] = {"at": 0.0, "reference": None}
_lock = threading.Lock()


def merged_document() -> dict[str, Any]:
    """What the gateway's /api/openapi.json answers, asked of its own view (no HTTP)."""
    response = current_app.view_functions["merged_openapi"]()
    return response.get_json()


def reference() -> Reference:
    with _lock:
        if _cache["reference"] is None or time.monotonic() - _cache["at"] > REFERENCE_TTL:
            _cache.update(reference=read(merged_document()), at=time.monotonic())
        return _cache["reference"]


@bp.get("/api-reference")
@page(STAFF)
def api_reference() -> tuple[str, int]:
    ref = reference()
    return render("settings/api_reference.html", ref=ref, schema_anchor=schema_anchor, title=_("API reference"))


@bp.get("/api-reference/operations/<anchor>")
@page(STAFF)
def api_reference_operation(anchor: str) -> tuple[str, int]:
    op = reference().operations.get(anchor)
    if op is None:
        return render("_alert.html", 404, level="error", title=_("No such operation."))
    return render("settings/api_operation.html", op=op, schema_anchor=schema_anchor)


@bp.get("/api-reference/schemas/<path:name>")
@page(STAFF)
def api_reference_schema(name: str) -> tuple[str, int]:
    schemas = reference().schemas
    if name not in schemas:
        return render("_alert.html", 404, level="error", title=_("No such schema."))
    return render("settings/api_schema.html", name=name, fields=schemas[name], schema_anchor=schema_anchor)
