"""Request and response shapes of the tickets API (marshmallow; also the OpenAPI source)."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from relay_tickets.domain.ticket import CHANNELS, SUBJECT_MAX


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("Must not be blank.")


class TicketCreateSchema(Schema):
    subject = fields.String(required=True, validate=[validate.Length(min=1, max=SUBJECT_MAX), _not_blank])
    description = fields.String(load_default="", validate=validate.Length(max=100_000))
    channel = fields.String(load_default="api", validate=validate.OneOf(CHANNELS))


class TicketSchema(Schema):
    id = fields.String()
    number = fields.Integer()
    subject = fields.String()
    description = fields.String()
    status = fields.String()
    channel = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    version = fields.Integer()


class TicketListQuerySchema(Schema):
    status = fields.List(fields.String(validate=validate.Length(min=1, max=40)), load_default=list)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))


class TicketPageSchema(Schema):
    items = fields.List(fields.Nested(TicketSchema))
    next_cursor = fields.Integer(allow_none=True)
