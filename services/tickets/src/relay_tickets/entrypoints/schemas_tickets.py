"""Request shapes of the tickets API (marshmallow; also the OpenAPI source)."""

from __future__ import annotations

from marshmallow import Schema, fields, post_load, validate

from relay_tickets.domain.parties import Party
from relay_tickets.domain.ticket import CHANNELS, SUBJECT_MAX, ContactRef
from relaykit.fields import FLOAT_MAX, MAP_MAX, JsonDocument, not_blank

__all__ = ["not_blank"]  # the schemas of the other modules take it from here

OBSERVERS_MAX = 50
ATTRIBUTE_TEXT_MAX = 10_000
# What domain.catalog.AttributeDefinition.clean takes: text, a number, a date, a list option; null clears.
ATTRIBUTES_SHAPE = {
    "type": "object",
    "maxProperties": MAP_MAX,
    "propertyNames": {"type": "string", "maxLength": 60},
    "additionalProperties": {
        "type": ["string", "number", "null"],
        "maxLength": ATTRIBUTE_TEXT_MAX,
        "minimum": -FLOAT_MAX,
        "maximum": FLOAT_MAX,
    },
    "description": "custom attribute key: value (text, number, YYYY-MM-DD or a list option); null clears it",
}


def _attributes(**kwargs) -> JsonDocument:
    return JsonDocument(ATTRIBUTES_SHAPE, max_depth=0, max_length=ATTRIBUTE_TEXT_MAX, **kwargs)


def _parties(**kwargs) -> fields.List:
    return fields.List(fields.Nested(PartySchema), validate=validate.Length(max=OBSERVERS_MAX), **kwargs)


class PartySchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["employee", "group"]))
    id = fields.String(required=True, validate=validate.Length(min=1, max=36))

    @post_load
    def make(self, data, **_):
        return Party(data["kind"], data["id"])


class ContactRefSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["contact", "employee"]))
    id = fields.String(required=True, validate=validate.Length(min=1, max=36))

    @post_load
    def make(self, data, **_):
        return ContactRef(data["kind"], data["id"])


_id = {"validate": validate.Length(min=1, max=36), "allow_none": True}


class TicketCreateSchema(Schema):
    subject = fields.String(required=True, validate=[validate.Length(min=1, max=SUBJECT_MAX), not_blank])
    description = fields.String(load_default="", validate=validate.Length(max=100_000))
    type = fields.String(load_default=None, validate=validate.Length(min=1, max=60))
    priority = fields.String(load_default=None, validate=validate.Length(min=1, max=60))
    channel = fields.String(load_default=None, validate=validate.OneOf(CHANNELS))
    company_id = fields.String(load_default=None, **_id)
    contact = fields.Nested(ContactRefSchema, load_default=None, allow_none=True)
    service_object_id = fields.String(load_default=None, **_id)
    responsible = fields.Nested(PartySchema, load_default=None, allow_none=True)
    observers = _parties(load_default=list)
    attributes = _attributes(load_default=dict)
    parent_id = fields.String(load_default=None, **_id)
    planned_reaction_at = fields.AwareDateTime(load_default=None, allow_none=True)
    planned_resolution_at = fields.AwareDateTime(load_default=None, allow_none=True)


class TicketEditSchema(Schema):
    """Only the fields present are changed; null clears a reference."""

    subject = fields.String(validate=[validate.Length(min=1, max=SUBJECT_MAX), not_blank])
    description = fields.String(validate=validate.Length(max=100_000))
    type = fields.String(validate=validate.Length(min=1, max=60))
    priority = fields.String(validate=validate.Length(min=1, max=60))
    company_id = fields.String(**_id)
    contact = fields.Nested(ContactRefSchema, allow_none=True)
    service_object_id = fields.String(**_id)
    attributes = _attributes()
    parent_id = fields.String(**_id)
    planned_reaction_at = fields.AwareDateTime(allow_none=True)
    planned_resolution_at = fields.AwareDateTime(allow_none=True)


class StatusChangeSchema(Schema):
    status = fields.String(required=True, validate=validate.Length(min=1, max=40))
    until = fields.AwareDateTime(load_default=None, allow_none=True)


class AssignSchema(Schema):
    responsible = fields.Nested(PartySchema, allow_none=True)
    add_observers = _parties(load_default=list)
    remove_observers = _parties(load_default=list)


class TicketSchema(Schema):
    """A ticket as shown to the caller (contacts see fewer fields)."""

    id = fields.String()
    number = fields.Integer()
    subject = fields.String()
    description = fields.String()
    type = fields.String()
    type_name = fields.String()
    internal = fields.Boolean()
    priority = fields.String()
    priority_name = fields.String()
    priority_colour = fields.String()
    status = fields.String()
    status_name = fields.String()
    allowed_statuses = fields.List(fields.String())
    channel = fields.String()
    company_id = fields.String(allow_none=True)
    contact = fields.Dict(allow_none=True)
    service_object_id = fields.String(allow_none=True)
    responsible = fields.Dict(allow_none=True)
    observers = fields.List(fields.Dict())
    planned_reaction_at = fields.String(allow_none=True)
    planned_resolution_at = fields.String(allow_none=True)
    planned_source = fields.String(allow_none=True)
    sla_rule = fields.String(allow_none=True)
    attributes = fields.Dict()
    parent_id = fields.String(allow_none=True)
    links = fields.List(fields.Dict())
    postponed_until = fields.String(allow_none=True)
    first_reaction_at = fields.String(allow_none=True)
    resolved_at = fields.String(allow_none=True)
    closed_at = fields.String(allow_none=True)
    time_spent_minutes = fields.Integer()
    rating = fields.String(allow_none=True)
    rating_comment = fields.String(allow_none=True)
    created_by = fields.Dict(allow_none=True)
    last_comment_by = fields.String(
        allow_none=True,
        metadata={"description": "staff lists only: who wrote the newest comment (contact, employee, system)"},
    )
    created_at = fields.String()
    updated_at = fields.String()
    version = fields.Integer()
