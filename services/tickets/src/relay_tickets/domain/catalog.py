"""What tickets are made of, as administrators define it: types, priorities and
custom attributes per type."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from relaykit.errors import InvalidInput
from relaykit.identity import ADMINISTRATOR, LEAD_SPECIALIST, SPECIALIST

ATTRIBUTE_KINDS = ("text", "number", "date", "list")
STAFF_ROLES = (ADMINISTRATOR, LEAD_SPECIALIST, SPECIALIST)
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,59}$")


def visible_keys(types: Iterable[TypeSchema], role: str) -> set[str]:
    """Attribute keys `role` may see whatever the ticket's type: defined somewhere, and
    visible in every type that defines them (a value's type is not always known, as in
    an old history entry)."""
    hidden, known = set(), set()
    for schema in types:
        for a in schema.attributes:
            known.add(a.key)
            if not a.visible_to(role):
                hidden.add(a.key)
    return known - hidden


def attribute_audience(schema: TypeSchema | None, keys: Iterable[str] = ()) -> dict[str, dict[str, Any]]:
    """Who may read each attribute of a ticket (its type's, and any other `keys` it holds):
    the staff roles by name, and whether the ticket's contact may. An attribute no
    definition describes is nobody's to read."""
    defined = {a.key: a for a in schema.attributes} if schema is not None else {}
    out = {}
    for key in sorted(set(defined) | set(keys)):
        a = defined.get(key)
        out[key] = {
            "roles": [r for r in STAFF_ROLES if a is not None and a.visible_to(r)],
            "contacts": bool(a is not None and a.visible_to_contacts),
        }
    return out


def check_key(value: str, field_name: str = "key") -> str:
    if not _KEY.match(value or ""):
        raise InvalidInput("use lowercase letters, digits and _ (starting with a letter)", field=field_name)
    return value


@dataclass(frozen=True)
class TicketType:
    id: int
    key: str
    name: str
    internal: bool = False
    active: bool = True
    own_lifecycle: bool = False
    is_default: bool = False
    position: int = 0


@dataclass(frozen=True)
class Priority:
    id: int
    key: str
    name: str
    colour: str = "#808080"
    position: int = 0
    is_default: bool = False
    active: bool = True

    def __post_init__(self) -> None:
        if not _COLOUR.match(self.colour):
            raise InvalidInput("a colour is #RRGGBB", field="colour")


@dataclass(frozen=True)
class AttributeDefinition:
    id: int
    type_id: int
    key: str
    name: str
    kind: str
    options: tuple[str, ...] = ()
    required: bool = False
    visible_roles: tuple[str, ...] = ()  # empty: every staff role
    visible_to_contacts: bool = False
    position: int = 0
    active: bool = True

    def __post_init__(self) -> None:
        if self.kind not in ATTRIBUTE_KINDS:
            raise InvalidInput(f"kind must be one of {', '.join(ATTRIBUTE_KINDS)}", field="kind")
        if self.kind == "list" and not self.options:
            raise InvalidInput("a list attribute needs its values", field="options")

    def clean(self, value: Any) -> Any:
        """The stored form of a value (None clears it); InvalidInput names the attribute."""
        where = f"attributes.{self.key}"
        if value is None or value == "":
            return None
        if self.kind == "text":
            if not isinstance(value, str):
                raise InvalidInput("must be text", field=where)
            if len(value) > 10_000:
                raise InvalidInput("is longer than 10000 characters", field=where)
            return value
        if self.kind == "number":
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise InvalidInput("must be a number", field=where)
            try:
                number = Decimal(str(value))
            except InvalidOperation:
                raise InvalidInput("must be a number", field=where) from None
            if not number.is_finite():
                raise InvalidInput("must be a finite number", field=where)
            return int(number) if number == number.to_integral_value() else float(number)
        if self.kind == "date":
            if not isinstance(value, str):
                raise InvalidInput("must be a date (YYYY-MM-DD)", field=where)
            try:
                return date.fromisoformat(value).isoformat()
            except ValueError:
                raise InvalidInput("must be a date (YYYY-MM-DD)", field=where) from None
        if value not in self.options:
            raise InvalidInput(f"must be one of: {', '.join(self.options)}", field=where)
        return value

    def visible_to(self, role: str) -> bool:
        if role == "contact":
            return self.visible_to_contacts
        if role == "system":
            return True
        return not self.visible_roles or role in self.visible_roles


@dataclass(frozen=True)
class TypeSchema:
    """A type with its attribute definitions: what a ticket of that type may carry.

    `hidden` are the keys of attributes the caller may not see: to them those do not
    exist, so a value sent for one is refused as for an unknown attribute, and one
    required of others is not required of them."""

    type: TicketType
    attributes: tuple[AttributeDefinition, ...] = field(default_factory=tuple)
    hidden: frozenset[str] = frozenset()

    def for_role(self, role: str) -> TypeSchema:
        """The schema as someone of `role` may fill it."""
        hidden = frozenset(a.key for a in self.attributes if not a.visible_to(role))
        return TypeSchema(self.type, self.attributes, self.hidden | hidden)

    def clean_attributes(
        self, values: dict[str, Any], *, creating: bool, current: dict[str, Any] | None = None
    ) -> dict:
        if not isinstance(values, dict):
            raise InvalidInput("attributes is an object of key: value", field="attributes")
        by_key = {a.key: a for a in self.attributes if a.active and a.key not in self.hidden}
        unknown = sorted(set(values) - set(by_key))
        if unknown:
            raise InvalidInput(f"{self.type.name} has no attribute {unknown[0]!r}", field=f"attributes.{unknown[0]}")
        result = dict(current or {})
        for key, value in values.items():
            cleaned = by_key[key].clean(value)
            if cleaned is None:
                result.pop(key, None)
            else:
                result[key] = cleaned
        if creating:
            for a in by_key.values():
                if a.required and result.get(a.key) is None:
                    raise InvalidInput(f"{a.name} is required for {self.type.name}", field=f"attributes.{a.key}")
        return result
