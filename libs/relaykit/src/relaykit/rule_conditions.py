"""The conditions of rules, declared once per kind of rule and checked strictly.

Rules in Relay (SLA rules today; routing and automation rules later) carry their
conditions as a JSON object: each key names something the rule looks at, its value says
which values match, and a key left out matches everything. So a key nobody reads, or a
value of the wrong shape, must be refused, never stored: `{"priority": ["high"]}` for
`{"priorities": ["high"]}` would be ignored and the rule would match every ticket.

Declare the keys and their shapes once, in the domain that reads them:

    from relaykit import rule_conditions as rc

    CONDITIONS = rc.ConditionSet(
        "RoutingRuleConditions",
        "All given conditions must hold; a key left out matches every ticket.",
        {
            "channels": rc.keys("channels, any of which matches", choices=("email", "portal", "api")),
            "priorities": rc.keys("priority keys, any of which matches", max_length=60),
            "client_categories": rc.ids("client category ids, any of which matches"),
            "registered": rc.group(
                "RegistrationWindow",
                "when the ticket was registered",
                {"calendar_id": rc.identifier("a calendar"), "inside": rc.flag("inside its working hours")},
            ),
        },
    )

then use the one declaration everywhere the conditions come in:

- in a request schema, `conditions = CONDITIONS.field()`: a nested marshmallow schema, so
  the OpenAPI document shows every key with its shape and bounds, that refuses unknown
  keys and wrong shapes; relaykit.http answers 422 naming `conditions.<key>` (and
  `conditions.<key>.<index>` inside a list);
- anywhere else (a stored rule, a command, a demo loader), `CONDITIONS.load(doc)` returns
  the checked document or raises InvalidInput naming the same fields.

The shapes only say what a value looks like. Whether a priority key exists, or a calendar
id names a calendar, is the service's own check after loading.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from relaykit.errors import InvalidInput
from relaykit.http import flatten_errors

# Bounds every shape has unless it says otherwise: a rule names a handful of values, and
# the database columns they are compared with are no wider than this.
MAX_ITEMS = 100
MAX_KEY_LENGTH = 60
MAX_ID = 2**31 - 1
_TIME_OF_DAY = r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$"


@dataclass(frozen=True)
class Shape:
    """What one condition's value looks like: a factory of its (bounded) marshmallow field."""

    description: str
    kind: str
    options: tuple[tuple[str, Any], ...] = ()

    def field(self) -> fields.Field:
        return _FIELDS[self.kind](self.description, dict(self.options))


def keys(
    description: str, *, max_length: int = MAX_KEY_LENGTH, max_items: int = MAX_ITEMS, choices: Sequence[str] = ()
) -> Shape:
    """A list of strings (keys, names, uuids), optionally from a fixed set."""
    return Shape(
        description, "keys", (("max_length", max_length), ("max_items", max_items), ("choices", tuple(choices)))
    )


def ids(description: str, *, max_items: int = MAX_ITEMS, maximum: int = MAX_ID) -> Shape:
    """A list of positive integer ids."""
    return Shape(description, "ids", (("max_items", max_items), ("maximum", maximum)))


def identifier(description: str, *, maximum: int = MAX_ID) -> Shape:
    """One positive integer id."""
    return Shape(description, "identifier", (("maximum", maximum),))


def flag(description: str) -> Shape:
    """true or false (no 1, 0 or "yes")."""
    return Shape(description, "flag")


def text(description: str, *, max_length: int = MAX_KEY_LENGTH) -> Shape:
    """One non-empty string."""
    return Shape(description, "text", (("max_length", max_length),))


def time_of_day(description: str) -> Shape:
    """A wall-clock time "HH:MM", 00:00 to 24:00."""
    return Shape(description, "time_of_day")


def group(
    name: str, description: str, shapes: Mapping[str, Shape], *, exclusive: Iterable[Iterable[str]] = ()
) -> Shape:
    """An object with its own declared keys (unknown ones refused). `exclusive` lists sets of
    keys that are alternative forms: keys of two different sets may not be used together."""
    forms = tuple(tuple(form) for form in exclusive)
    return Shape(description, "group", (("name", name), ("shapes", tuple(shapes.items())), ("exclusive", forms)))


def _keys_field(description: str, o: dict[str, Any]) -> fields.Field:
    inner = [validate.Length(min=1, max=o["max_length"])]
    if o["choices"]:
        inner.append(validate.OneOf(o["choices"]))
    return fields.List(
        fields.String(validate=inner),
        validate=validate.Length(max=o["max_items"]),
        metadata={"description": description},
    )


def _ids_field(description: str, o: dict[str, Any]) -> fields.Field:
    return fields.List(
        fields.Integer(strict=True, validate=validate.Range(min=1, max=o["maximum"])),
        validate=validate.Length(max=o["max_items"]),
        metadata={"description": description},
    )


def _identifier_field(description: str, o: dict[str, Any]) -> fields.Field:
    return fields.Integer(
        strict=True, validate=validate.Range(min=1, max=o["maximum"]), metadata={"description": description}
    )


class _Flag(fields.Boolean):
    """JSON true or false only: marshmallow's truthy={True} would let 1 and 0 through (1 == True)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


def _flag_field(description: str, o: dict[str, Any]) -> fields.Field:
    return _Flag(metadata={"description": description})


def _text_field(description: str, o: dict[str, Any]) -> fields.Field:
    return fields.String(validate=validate.Length(min=1, max=o["max_length"]), metadata={"description": description})


def _time_field(description: str, o: dict[str, Any]) -> fields.Field:
    return fields.String(
        validate=[validate.Length(max=5), validate.Regexp(_TIME_OF_DAY, error="Not a time of day HH:MM.")],
        metadata={"description": description, "example": "09:00"},
    )


def _group_field(description: str, o: dict[str, Any]) -> fields.Field:
    schema = _strict_schema(o["name"], description, dict(o["shapes"]), o["exclusive"])
    return fields.Nested(schema, metadata={"description": description})


_FIELDS = {
    "keys": _keys_field,
    "ids": _ids_field,
    "identifier": _identifier_field,
    "flag": _flag_field,
    "text": _text_field,
    "time_of_day": _time_field,
    "group": _group_field,
}


def _strict_schema(
    name: str, description: str, shapes: Mapping[str, Shape], exclusive: Sequence[Sequence[str]] = ()
) -> type[Schema]:
    known = ", ".join(shapes)

    def check_forms(self: Schema, data: dict[str, Any], **kwargs: Any) -> None:
        used = [form for form in exclusive if any(key in data for key in form)]
        if len(used) > 1:
            # Name a key of the later form: the earlier one is what the rest of the object says.
            offending = next(key for key in used[1] if key in data)
            others = ", ".join(key for key in used[0] if key in data)
            raise ValidationError(f"Cannot be combined with {others}.", offending)

    attrs: dict[str, Any] = {key: shape.field() for key, shape in shapes.items()}
    attrs["Meta"] = type("Meta", (), {"register": False})
    attrs["error_messages"] = {"unknown": f"Unknown condition; use one of {known}."}
    attrs["__doc__"] = description
    if exclusive:
        attrs["_check_forms"] = validates_schema(check_forms)
    return type(name, (Schema,), attrs)


class ConditionSet:
    """The condition keys one kind of rule understands, each with its shape."""

    def __init__(self, name: str, description: str, shapes: Mapping[str, Shape]) -> None:
        self.name = name
        self.description = description
        self.shapes = dict(shapes)

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(self.shapes)

    @cached_property
    def schema(self) -> type[Schema]:
        """The strict marshmallow schema of the conditions (a class, named for OpenAPI)."""
        return _strict_schema(self.name, self.description, self.shapes)

    def field(self, **kwargs: Any) -> fields.Nested:
        """The conditions as a field of a request schema (not null; {} matches everything)."""
        kwargs.setdefault("metadata", {"description": self.description})
        return fields.Nested(self.schema, **kwargs)

    def load(self, doc: Any, *, field: str = "conditions") -> dict[str, Any]:
        """The checked conditions; InvalidInput naming `<field>.<key>` otherwise."""
        if not isinstance(doc, Mapping):
            raise InvalidInput("conditions must be a JSON object", field=field)
        try:
            return self.schema().load(dict(doc))
        except ValidationError as e:
            errors = flatten_errors(e.messages, field)
            where, messages = next(iter(errors.items()))
            raise InvalidInput(f"{where}: {messages[0]}", errors=errors) from None
