"""Bounds on every request field, in validation and in the OpenAPI document alike.

`relaykit.http.endpoint` passes each request schema (body, query, form) through
`harden` when the route is declared. A field that declares its own bounds keeps
them (declare them where the database column is narrower: a String(120) column is
`validate.Length(max=120)`); one that declares none gets the defaults below:

    string           at most TEXT_MAX characters; with a minimum length of 1, not
                     blank either (spaces alone are not a name)
    integer          the 32-bit range of PostgreSQL's INTEGER (declare INT64 for a
                     BIGINT column); in a JSON body a JSON number, never "12" or 1.5
    float            +-FLOAT_MAX (NaN and Infinity are refused by marshmallow)
    list             at most LIST_MAX items; a map at most MAP_MAX entries, its keys
                     strings of at most KEY_MAX
    date, date-time  years YEAR_MIN to YEAR_MAX (date arithmetic stays in range)

A field no default can bound (`fields.Raw`, a `fields.Dict` without `values`) is an
error at app creation (`UnboundedField`), so a new route cannot take an unbounded
value by accident: say what it holds.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from relaykit import json_body
from relaykit.errors import RelayError

TEXT_MAX = 10_000
KEY_MAX = 200
LIST_MAX = 1_000
MAP_MAX = 100
INT32 = (-(2**31), 2**31 - 1)
INT64 = (json_body.INT64_MIN, json_body.INT64_MAX)
FLOAT_MAX = 1e15
YEAR_MIN, YEAR_MAX = 1900, 2999
UPLOAD_MAX = 100 * 1024 * 1024

_HARDENED = "_relay_hardened"


class UnboundedField(RuntimeError):
    pass


class NotBlank(validate.Validator):
    """Something other than white space; documented as the pattern `\\S`."""

    regex = re.compile(r"\S")
    error = "Must not be blank."

    def __call__(self, value: str) -> str:
        if not self.regex.search(value):
            raise ValidationError(self.error)
        return value


not_blank = NotBlank()


class MaxEntries(validate.Validator):
    """At most `max` entries in a map (documented as maxProperties)."""

    def __init__(self, max: int) -> None:
        self.max = max

    def __call__(self, value: dict) -> dict:
        if len(value) > self.max:
            raise ValidationError(f"At most {self.max} entries.")
        return value


class YearRange(validate.Validator):
    def __init__(self, low: int = YEAR_MIN, high: int = YEAR_MAX) -> None:
        self.low, self.high = low, high

    def __call__(self, value: dt.date) -> dt.date:
        if not self.low <= value.year <= self.high:
            raise ValidationError(f"The year must be from {self.low} to {self.high}.")
        return value


class JsonText(fields.Field):
    """A multipart form part whose text is JSON (a form has no other way to send a list),
    loaded by `inner` after the checks of relaykit.json_body."""

    def __init__(self, inner: fields.Field, *, max_length: int = TEXT_MAX, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.inner = inner
        self.max_length = max_length

    def _bind_to_schema(self, field_name: str, parent: Any) -> None:
        super()._bind_to_schema(field_name, parent)
        self.inner = copy.deepcopy(self.inner)
        self.inner._bind_to_schema(field_name, self)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, str):
            raise ValidationError("Not a valid string.")
        if len(value) > self.max_length:
            raise ValidationError(f"Longer than maximum length {self.max_length}.")
        try:
            parsed = json_body.parse(value)
        except RelayError as e:
            raise ValidationError(e.detail.replace("the body", "the text")) from None
        return self.inner.deserialize(parsed, **kwargs)


class JsonDocument(fields.Field):
    """A JSON document a domain checks itself (a calendar, rule conditions), held to sizes:
    at most `max_depth` levels below the top, strings of `max_length`, lists of
    `max_items`, objects of `max_entries` (keys of KEY_MAX), numbers within +-FLOAT_MAX.
    `shape` is its JSON Schema for the OpenAPI document: what the domain accepts, with
    the sizes above."""

    def __init__(
        self,
        shape: dict[str, Any],
        *,
        max_depth: int = 4,
        max_length: int = TEXT_MAX,
        max_items: int = LIST_MAX,
        max_entries: int = MAP_MAX,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.shape = shape
        self.max_depth, self.max_length, self.max_items, self.max_entries = (
            max_depth,
            max_length,
            max_items,
            max_entries,
        )

    def _problem(self, value: Any, depth: int) -> str | None:
        if isinstance(value, str):
            return f"Longer than maximum length {self.max_length}." if len(value) > self.max_length else None
        if isinstance(value, bool) or value is None:
            return None
        if isinstance(value, (int, float)):
            return None if -FLOAT_MAX <= value <= FLOAT_MAX else f"Must be between {-FLOAT_MAX:g} and {FLOAT_MAX:g}."
        if depth >= self.max_depth:
            return f"Nested deeper than {self.max_depth} levels."
        if isinstance(value, list) and len(value) > self.max_items:
            return f"At most {self.max_items} items."
        if isinstance(value, dict):
            if len(value) > self.max_entries:
                return f"At most {self.max_entries} entries."
            if any(len(k) > KEY_MAX for k in value):
                return f"Keys are at most {KEY_MAX} characters."
        return None

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        expected = {"object": dict, "array": list}.get(self.shape.get("type", ""))
        if expected is not None and not isinstance(value, expected):
            raise ValidationError(f"Must be a JSON {self.shape['type']}.")
        stack: list[tuple[Any, tuple[Any, ...], int]] = [(value, (), -1)]
        while stack:
            node, path, depth = stack.pop()
            if (why := self._problem(node, depth)) is not None:
                message: Any = [why]
                for step in reversed(path):
                    message = {step: message}
                raise ValidationError(message)
            if isinstance(node, (dict, list)):
                items = node.items() if isinstance(node, dict) else enumerate(node)
                stack.extend((child, (*path, key), depth + 1) for key, child in items)
        return value


class Upload(fields.Field):
    """A file part of a multipart form: documented here, streamed by the route itself."""

    def __init__(self, *, max_bytes: int = UPLOAD_MAX, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_bytes = max_bytes

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        raise ValidationError("Send a file here, not a text field.")


def _validators(field: fields.Field, kind: type) -> list[Any]:
    return [v for v in field.validators if isinstance(v, kind)]


def _sides(field: fields.Field, kind: type) -> tuple[Any, Any]:
    """The tightest (min, max) the field's validators of this kind declare."""
    found = _validators(field, kind)
    lows = [v.min for v in found if v.min is not None] + [v.equal for v in found if getattr(v, "equal", None)]
    highs = [v.max for v in found if v.max is not None] + [v.equal for v in found if getattr(v, "equal", None)]
    return (max(lows) if lows else None), (min(highs) if highs else None)


def _limit_range(field: fields.Field, low: Any, high: Any) -> None:
    have_low, have_high = _sides(field, validate.Range)
    if have_low is None or have_high is None:
        field.validators.append(
            validate.Range(min=low if have_low is None else None, max=high if have_high is None else None)
        )


def _bound(field: fields.Field, *, body: bool) -> None:
    if isinstance(field, fields.String):
        # A string field that turns its text into something else checks its own length and
        # says so in metadata (validators see what it made, not the text).
        if "maxLength" not in field.metadata and not _validators(field, (validate.OneOf, validate.Equal)):
            low, high = _sides(field, validate.Length)
            if high is None:
                field.validators.append(validate.Length(max=TEXT_MAX))
            if (low or 0) >= 1 and not _validators(field, NotBlank):
                field.validators.append(not_blank)
    elif isinstance(field, fields.Integer):
        _limit_range(field, *INT32)
        if body:
            field.strict = True
    elif isinstance(field, (fields.Float, fields.Decimal)):
        _limit_range(field, -FLOAT_MAX, FLOAT_MAX)
    elif isinstance(field, fields.List):
        if _sides(field, validate.Length)[1] is None:
            field.validators.append(validate.Length(max=LIST_MAX))
    elif isinstance(field, fields.Mapping):
        if not _validators(field, MaxEntries):
            field.validators.append(MaxEntries(MAP_MAX))
        if field.key_field is None:
            field.key_field = fields.String(validate=validate.Length(max=KEY_MAX))
    elif isinstance(field, (fields.DateTime, fields.Date)) and not _validators(field, YearRange):
        field.validators.append(YearRange())


def _children(field: fields.Field) -> Iterator[tuple[str, fields.Field]]:
    if isinstance(field, fields.List):
        yield "*", field.inner
    elif isinstance(field, fields.Tuple):
        yield from ((str(i), f) for i, f in enumerate(field.tuple_fields))
    elif isinstance(field, fields.Mapping):
        for part in (field.key_field, field.value_field):
            if part is not None:
                yield ("<key>" if part is field.key_field else "*"), part
    elif isinstance(field, JsonText):
        yield "", field.inner


def _walk(schema: Schema, prefix: str = "") -> Iterator[tuple[str, fields.Field]]:
    """Every loadable field of the schema, nested ones included, with its dotted path."""
    seen: set[int] = set()
    stack: list[tuple[Schema, str]] = [(schema, prefix)]
    while stack:
        current, path = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        for name, field in current.load_fields.items():
            todo = [(f"{path}{field.data_key or name}", field)]
            while todo:
                where, f = todo.pop()
                yield where, f
                if isinstance(f, fields.Nested):
                    stack.append((f.schema, f"{where}."))
                else:
                    todo.extend((f"{where}.{step}" if step else where, child) for step, child in _children(f))


_BOUNDED = (
    fields.String,
    fields.Number,
    fields.Boolean,
    fields.List,
    fields.Tuple,
    fields.Nested,
    fields.DateTime,
    fields.Date,
    fields.Time,
    fields.UUID,
    fields.Enum,
    fields.Constant,
    fields.IP,
    JsonText,
    JsonDocument,
    Upload,
)


def unbounded(schema: Schema) -> list[str]:
    """The paths of fields whose values nothing bounds."""
    out = []
    for where, field in _walk(schema):
        if isinstance(field, fields.Mapping):
            if field.value_field is None:
                out.append(f"{where}.*")
        elif not isinstance(field, _BOUNDED):
            out.append(where)
    return out


def harden(schema: Schema, *, body: bool, name: str = "request") -> Schema:
    """Give each field of `schema` (nested ones too) the default bounds it lacks, once;
    UnboundedField if some field still takes anything."""
    if getattr(schema, _HARDENED, False):
        return schema
    for _where, field in _walk(schema):
        _bound(field, body=body)
    missing = unbounded(schema)
    if missing:
        raise UnboundedField(
            f"{name}: {', '.join(missing)} take values of any size; give the fields a shape "
            "(fields.Dict(values=...), a nested schema) instead of fields.Raw or a bare fields.Dict"
        )
    setattr(schema, _HARDENED, True)
    return schema
