"""Shapes of ticket lists, saved views and bulk changes (marshmallow; also the OpenAPI source).

The list filters are one schema, used for the GET /tickets query and for a saved
view's `filters`, so a view can hold exactly what a query can say. Loaded, the
filters hold Party / ContactRef / datetime values; dumped, the same strings a
query string carries (what a view stores).
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from relay_tickets.adapters.ticket_queries import DEFAULT_SORT, SORTS
from relay_tickets.domain.parties import Party
from relay_tickets.domain.ticket import CHANNELS, ContactRef
from relay_tickets.entrypoints.schemas_tickets import PartySchema, TicketSchema, not_blank
from relay_tickets.service_layer.views import COLUMNS, DEFAULT_COLUMNS

MAX_VALUES = 50  # repeated values of one filter
BULK_MAX = 500


class KindIdRef(fields.String):
    """`<kind>:<id>` in a query string (`employee:42`, `group:7`); a reference object once loaded."""

    def __init__(self, kinds: tuple[str, ...], make: type, **kwargs: Any) -> None:
        # The length is checked here, on the text: validators see the reference it becomes.
        self.max_length = max(map(len, kinds)) + 37
        super().__init__(metadata={"maxLength": self.max_length}, **kwargs)
        self.kinds = kinds
        self.make = make

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > self.max_length:
            raise ValidationError(f"Longer than maximum length {self.max_length}.")
        kind, sep, id_ = text.partition(":")
        if not sep or kind not in self.kinds or not 1 <= len(id_) <= 36:
            raise ValidationError(f"Write {' or '.join(f'{k}:<id>' for k in self.kinds)}.")
        return self.make(kind, id_)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else f"{value.kind}:{value.id}"


def party_ref(**kwargs: Any) -> KindIdRef:
    return KindIdRef(("employee", "group"), Party, **kwargs)


def contact_ref(**kwargs: Any) -> KindIdRef:
    return KindIdRef(("contact", "employee"), ContactRef, **kwargs)


def time_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValidationError("Not a known IANA time zone (e.g. Europe/Berlin).") from None


def unique(values: list) -> None:
    if len(set(values)) != len(values):
        raise ValidationError("Each value may be given once.")


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    return isinstance(value, list) and any(_has_nul(v) for v in value)


class NoNulSchema(Schema):
    """PostgreSQL text cannot hold NUL: refused here, naming the field, rather than failing there."""

    @pre_load
    def no_nul(self, data, **_):
        if isinstance(data, dict):
            for key, value in data.items():
                field = self.fields.get(key)
                if isinstance(field, fields.Nested) and isinstance(field.schema, NoNulSchema):
                    continue  # it names the field inside
                if _has_nul(value):
                    raise ValidationError("Must not contain NUL characters.", key)
        return data


def _many(inner: fields.Field) -> fields.List:
    return fields.List(inner, validate=validate.Length(max=MAX_VALUES))


def _key(length: int) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=length))


class TicketFilterSchema(NoNulSchema):
    """Every criterion is optional; what is given must all hold (a repeated one: any value)."""

    status = _many(_key(40))
    status_kind = fields.String(validate=validate.OneOf(["open", "closed"]))
    priority = _many(_key(60))
    type = _many(_key(60))
    responsible = _many(party_ref())
    no_personal_responsible = fields.Boolean(metadata={"description": "no responsible, or a group"})
    observer = party_ref()
    company_id = _many(_key(36))
    contact = _many(contact_ref())
    channel = _many(fields.String(validate=validate.OneOf(CHANNELS)))
    created_from = fields.AwareDateTime(metadata={"description": "inclusive"})
    created_to = fields.AwareDateTime(metadata={"description": "exclusive"})
    updated_from = fields.AwareDateTime()
    updated_to = fields.AwareDateTime()
    overdue = fields.Boolean(metadata={"description": "planned resolution passed, status open"})
    due_today = fields.Boolean(metadata={"description": "planned resolution today in `tz`"})
    tz = fields.String(validate=[validate.Length(max=64), time_zone], metadata={"description": "IANA zone; UTC"})
    q = fields.String(validate=validate.Length(max=200), metadata={"description": "text search; #123 a number"})

    @validates_schema
    def ranges(self, data, **_):
        for low, high in (("created_from", "created_to"), ("updated_from", "updated_to")):
            if data.get(low) and data.get(high) and data[low] > data[high]:
                raise ValidationError(f"Must not be before {low}.", high)


class TicketListQuerySchema(TicketFilterSchema):
    sort = fields.String(validate=validate.OneOf(SORTS), metadata={"description": f"default {DEFAULT_SORT}"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.String(validate=validate.Length(min=1, max=500), metadata={"description": "next_cursor"})
    view = fields.String(validate=validate.Length(min=1, max=36), metadata={"description": "a saved view's id"})


class TicketPageSchema(Schema):
    items = fields.List(fields.Nested(TicketSchema))
    next_cursor = fields.String(allow_none=True)


class TicketListSchema(Schema):
    items = fields.List(fields.Nested(TicketSchema))


# -- saved views ----------------------------------------------------------------------------
def _columns(**kwargs: Any) -> fields.List:
    return fields.List(
        fields.String(validate=validate.OneOf(COLUMNS)),
        validate=[validate.Length(min=1, max=len(COLUMNS)), unique],
        **kwargs,
    )


_NAME = [validate.Length(min=1, max=200), not_blank]


class ViewCreateSchema(NoNulSchema):
    name = fields.String(required=True, validate=_NAME)
    shared = fields.Boolean(load_default=False)
    filters = fields.Nested(TicketFilterSchema, load_default=dict)
    columns = _columns(load_default=lambda: list(DEFAULT_COLUMNS))
    sort = fields.String(load_default=DEFAULT_SORT, validate=validate.OneOf(SORTS))


class ViewEditSchema(NoNulSchema):
    """Only the fields sent change; `filters` and `columns` are replaced whole."""

    name = fields.String(validate=_NAME)
    shared = fields.Boolean()
    filters = fields.Nested(TicketFilterSchema)
    columns = _columns()
    sort = fields.String(validate=validate.OneOf(SORTS))


class ViewSchema(Schema):
    id = fields.String()
    name = fields.String()
    owner_id = fields.String()
    shared = fields.Boolean()
    editable = fields.Boolean(metadata={"description": "whether the caller may change it"})
    filters = fields.Dict()
    columns = fields.List(fields.String())
    sort = fields.String()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class ViewListSchema(Schema):
    items = fields.List(fields.Nested(ViewSchema))


# -- bulk changes ------------------------------------------------------------------------------
def _numbers() -> fields.List:
    return fields.List(
        fields.Integer(strict=True, validate=validate.Range(min=1)),
        required=True,
        validate=[validate.Length(min=1, max=BULK_MAX), unique],
    )


class BulkStatusSchema(NoNulSchema):
    numbers = _numbers()
    status = fields.String(required=True, validate=validate.Length(min=1, max=40))
    until = fields.AwareDateTime(load_default=None, allow_none=True)


class BulkAssignSchema(NoNulSchema):
    numbers = _numbers()
    responsible = fields.Nested(PartySchema, allow_none=True, metadata={"description": "null: nobody"})
    add_observers = fields.List(fields.Nested(PartySchema), load_default=list, validate=validate.Length(max=50))
    remove_observers = fields.List(fields.Nested(PartySchema), load_default=list, validate=validate.Length(max=50))

    @validates_schema
    def something(self, data, **_):
        if "responsible" not in data and not data.get("add_observers") and not data.get("remove_observers"):
            raise ValidationError("Give a responsible or observers to add or remove.", "responsible")


class OutcomeProblemSchema(Schema):
    status = fields.Integer()
    detail = fields.String()
    field = fields.String(allow_none=True)


class OutcomeSchema(Schema):
    number = fields.Integer()
    ok = fields.Boolean()
    version = fields.Integer(metadata={"description": "the ticket's new version (ETag), when ok"})
    problem = fields.Nested(OutcomeProblemSchema, metadata={"description": "why not, when not ok"})


class BulkResultSchema(Schema):
    results = fields.List(fields.Nested(OutcomeSchema))
    succeeded = fields.Integer()
    failed = fields.Integer()
