"""The directory's forms: which inputs each kind of entry has, how an entry read from the
tickets service fills them, how what a person posted becomes the service's JSON body,
and where the service's field errors (`emails.1`, `manager.id`,
`notification_list.emails.0`) go back to in the form.

The form holds text the way people type it (one address a line, `employee:<id>` for a
manager); the service checks and normalises every value, so the form checks nothing
itself and shows whatever the service says next to the input it names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from relay_gateway.ui.web import _

# How an input reads and writes its value.
TEXT, OPTIONAL, LINES, SELECT, CATEGORY, PARTY, PARTIES, IDS = (
    "text",
    "optional",
    "lines",
    "select",
    "category",
    "party",
    "parties",
    "ids",
)
_SPLIT = re.compile(r"[\n,;]+")
MAX_INPUT = 5000  # characters of one posted value kept (the service's own limits are far lower)
MAX_VALUES = 200  # values of one multiple choice kept


@dataclass(frozen=True)
class Input:
    name: str  # the form input's name
    how: str  # TEXT, OPTIONAL, LINES, ...
    body: str  # the service's field: `name`, or `notification_list.emails`
    ordered: bool = False  # a list whose order means something (a contact's first email is the main one)


def _inputs(*specs: tuple[str, str] | tuple[str, str, str]) -> tuple[Input, ...]:
    out = []
    for spec in specs:
        name, how = spec[0], spec[1]
        body = spec[2] if len(spec) > 2 else name
        out.append(Input(name, how, body, ordered=name in ("emails", "phones")))
    return tuple(out)


FORMS: dict[str, tuple[Input, ...]] = {
    "companies": _inputs(
        ("name", TEXT),
        ("email", OPTIONAL),
        ("phone", OPTIONAL),
        ("domains", LINES),
        ("category_id", CATEGORY),
        ("manager", PARTY),
        ("observers", PARTIES),
    ),
    "contacts": _inputs(
        ("name", TEXT),
        ("emails", LINES),
        ("phones", LINES),
        ("company_id", SELECT),
        ("portal_access", TEXT),
        ("service_object_ids", IDS),
        ("supervised_company_ids", IDS),
        ("copy_to", OPTIONAL),
        ("manager", PARTY),
        ("observers", PARTIES),
    ),
    "service-objects": _inputs(
        ("company_id", TEXT),
        ("name", TEXT),
        ("address", OPTIONAL),
        ("manager", PARTY),
        ("observers", PARTIES),
    ),
    "employees": _inputs(
        ("name", TEXT),
        ("email", TEXT),
        ("phone", OPTIONAL),
        ("role", TEXT),
        ("groups", IDS),
    ),
    "groups": _inputs(
        ("name", TEXT),
        ("members", IDS),
        ("notification_employees", IDS, "notification_list.employees"),
        ("notification_emails", LINES, "notification_list.emails"),
    ),
}


def _party_text(party: Mapping[str, Any] | None) -> str:
    return f"{party['kind']}:{party['id']}" if party else ""


def _party(text: str) -> dict[str, str] | None:
    kind, sep, ident = text.partition(":")
    # Anything else goes on as written, for the service to name what is wrong with it.
    return {"kind": kind, "id": ident} if sep else ({"kind": "", "id": text} if text else None)


def _get(entry: Mapping[str, Any], path: str) -> Any:
    value: Any = entry
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def values_of(kind: str, entry: Mapping[str, Any]) -> dict[str, Any]:
    """The form's inputs filled from an entry as the service shows it."""
    out: dict[str, Any] = {}
    for i in FORMS[kind]:
        v = _get(entry, i.body)
        if i.how in (TEXT, OPTIONAL, SELECT) or i.how == CATEGORY:
            out[i.name] = "" if v is None else str(v)
        elif i.how == LINES:
            out[i.name] = "\n".join(v or [])
        elif i.how == PARTY:
            out[i.name] = _party_text(v)
        elif i.how == PARTIES:
            out[i.name] = [_party_text(p) for p in v or []]
        elif i.how == IDS:
            out[i.name] = list(v or [])
    return out


def posted(kind: str, form: MultiDict) -> dict[str, Any]:
    """The form's inputs as posted."""
    out: dict[str, Any] = {}
    for i in FORMS[kind]:
        if i.how in (PARTIES, IDS):
            out[i.name] = [v.strip()[:200] for v in form.getlist(i.name) if v.strip()][:MAX_VALUES]
        else:
            out[i.name] = form.get(i.name, "")[:MAX_INPUT]
    return out


def _lines(text: str) -> list[str]:
    return [part.strip() for part in _SPLIT.split(text) if part.strip()]


def body_of(kind: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The service's JSON body for the form's inputs (every field of the form)."""
    body: dict[str, Any] = {}
    for i in FORMS[kind]:
        v = values.get(i.name)
        if i.how == TEXT:
            out: Any = (v or "").strip()
        elif i.how in (OPTIONAL, SELECT):
            out = (v or "").strip() or None
        elif i.how == CATEGORY:
            text = (v or "").strip()
            out = int(text) if text.isdigit() else (text or None)
        elif i.how == LINES:
            out = _lines(v or "")
        elif i.how == PARTY:
            out = _party((v or "").strip())
        elif i.how == PARTIES:
            out = [p for p in (_party(t) for t in v or []) if p]
        else:
            out = list(v or [])
        head, _sep, rest = i.body.partition(".")
        if rest:
            body.setdefault(head, {})[rest] = out
        else:
            body[head] = out
    return body


def _canon(kind: str, name: str, value: Any) -> str:
    ordered = {i.body.partition(".")[0] for i in FORMS[kind] if i.ordered}

    def tidy(v: Any, key: str) -> Any:
        if isinstance(v, dict):
            return {k: tidy(x, k) for k, x in v.items()}
        if isinstance(v, list) and key not in ordered:
            return sorted((tidy(x, key) for x in v), key=lambda x: json.dumps(x, sort_keys=True))
        return v

    return json.dumps(tidy(value, name), sort_keys=True)


def create_body(kind: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """What a new entry is created with: the inputs given (an empty one says nothing)."""
    body = body_of(kind, values)
    return {k: v for k, v in body.items() if v not in (None, [], {}) or k == "name"}


def changes(kind: str, values: Mapping[str, Any], original: Mapping[str, Any]) -> dict[str, Any]:
    """Only the fields the person changed, against the form as it was filled for them: a
    PATCH that leaves the rest alone (nor sends unchanged a field they may not touch)."""
    new = body_of(kind, values)
    old = body_of(kind, original)
    return {k: v for k, v in new.items() if _canon(kind, k, v) != _canon(kind, k, old.get(k))}


def changed_inputs(kind: str, values: Mapping[str, Any], original: Mapping[str, Any]) -> set[str]:
    """The inputs the person changed (to carry over onto an entry that moved on meanwhile)."""
    fields = changes(kind, values, original)
    return {i.name for i in FORMS[kind] if i.body.partition(".")[0] in fields}


def original_of(kind: str, text: str) -> dict[str, Any] | None:
    """The form's values as first shown, sent back with the form (the hidden `original`)."""
    try:
        found = json.loads(text)
    except ValueError:
        return None
    if not isinstance(found, dict):
        return None
    out: dict[str, Any] = {}
    for i in FORMS[kind]:
        v = found.get(i.name)
        if i.how in (PARTIES, IDS):
            out[i.name] = [str(x) for x in v][:MAX_VALUES] if isinstance(v, list) else []
        else:
            out[i.name] = v if isinstance(v, str) else ""
    return out


def route(kind: str, field: str) -> str | None:
    """The form input a service's field name is about, or None (the whole form)."""
    for i in FORMS[kind]:
        if field == i.body or field.startswith(i.body + "."):
            return i.name
    head = field.partition(".")[0]
    if kind == "groups" and head == "notification_list":
        return "notification_emails"
    return next((i.name for i in FORMS[kind] if i.body == head), None)


def _line_of(kind: str, name: str, field: str) -> int | None:
    """For a list typed one value a line, the line a field name's index points at."""
    spec = next((i for i in FORMS[kind] if i.name == name), None)
    if spec is None or spec.how != LINES:
        return None
    index = field.removeprefix(spec.body + ".").partition(".")[0]
    return int(index) + 1 if index.isdigit() else None


def place_errors(kind: str, errors: Mapping[str, list[str]]) -> tuple[dict[str, str], list[str]]:
    """The service's errors by input (as the form macros take them), and the ones about
    no input of the form, for the top of the form: nothing the service said is lost."""
    placed: dict[str, list[str]] = {}
    rest: list[str] = []
    for field, messages in errors.items():
        target = route(kind, field) if field else None
        for message in messages:
            if target is None:
                rest.append(f"{field}: {message}" if field and field != "body" else message)
                continue
            line = _line_of(kind, target, field)
            placed.setdefault(target, []).append(_("Line {n}: ", n=line) + message if line else message)
    return {k: "; ".join(v) for k, v in placed.items()}, rest
