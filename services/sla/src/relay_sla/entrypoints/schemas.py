"""Request and response shapes of the SLA API (marshmallow; also the OpenAPI source).

Calendar definitions and rule conditions are JSON documents checked by the domain
(relay_sla.domain.calendar.parse_calendar, service_layer.admin), which name the
field at fault; the schemas here check their outer shape.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate


def _name() -> fields.String:
    return fields.String(required=True, validate=validate.Length(min=1, max=120))


def _minutes() -> fields.Integer:
    return fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=1))


class CalendarCreateSchema(Schema):
    name = _name()
    definition = fields.Dict(
        required=True,
        metadata={
            "description": "timezone (IANA), always_open (24x7), week {mon: [['09:00','13:00'], ...]}, "
            "exceptions [{date, intervals, name}] (no intervals: a day off)"
        },
    )


class CalendarPatchSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=120))
    definition = fields.Dict()


class CalendarSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    definition = fields.Dict()
    version = fields.Integer()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class CalendarListSchema(Schema):
    items = fields.List(fields.Nested(CalendarSchema))


class HolidayImportSchema(Schema):
    country = fields.String(required=True, validate=validate.Length(min=2, max=3), metadata={"example": "DE"})
    year = fields.Integer(required=True, strict=True, validate=validate.Range(min=1970, max=2100))
    subdivision = fields.String(load_default=None, metadata={"example": "BY"})


class RuleCreateSchema(Schema):
    name = _name()
    enabled = fields.Boolean(truthy={True}, falsy={False})
    conditions = fields.Dict(
        metadata={
            "description": "types [keys], priorities [keys], client_categories [ids], companies [ids], "
            "registered {calendar_id, inside} or {timezone, days [mon..sun], from 'HH:MM', to 'HH:MM'}"
        }
    )
    calendar_id = fields.Integer(required=True, strict=True)
    reaction_minutes = _minutes()
    resolution_minutes = _minutes()
    warn_fractions = fields.List(fields.Float(), metadata={"example": [0.75]})


class RulePatchSchema(RuleCreateSchema):
    name = fields.String(validate=validate.Length(min=1, max=120))
    calendar_id = fields.Integer(strict=True)


class RuleSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    position = fields.Integer()
    enabled = fields.Boolean()
    is_default = fields.Boolean()
    conditions = fields.Dict()
    calendar_id = fields.Integer()
    reaction_minutes = fields.Integer(allow_none=True)
    resolution_minutes = fields.Integer(allow_none=True)
    warn_fractions = fields.List(fields.Float())
    version = fields.Integer()
    updated_at = fields.AwareDateTime()


class RuleListSchema(Schema):
    items = fields.List(fields.Nested(RuleSchema))


class RuleOrderSchema(Schema):
    ids = fields.List(fields.Integer(strict=True), required=True)


class PauseSchema(Schema):
    start = fields.AwareDateTime(required=True)
    end = fields.AwareDateTime(required=True)


class _PreviewSchema(Schema):
    calendar_id = fields.Integer(strict=True)
    calendar = fields.Dict(metadata={"description": "an inline calendar definition, instead of calendar_id"})
    start = fields.AwareDateTime(required=True)
    pauses = fields.List(fields.Nested(PauseSchema), load_default=list)


class DuePreviewSchema(_PreviewSchema):
    minutes = fields.Float(required=True, validate=validate.Range(min=0, max=60 * 24 * 366 * 5))


class DueSchema(Schema):
    start = fields.AwareDateTime()
    minutes = fields.Float()
    due = fields.AwareDateTime()


class BetweenPreviewSchema(_PreviewSchema):
    end = fields.AwareDateTime(required=True)


class BetweenSchema(Schema):
    start = fields.AwareDateTime()
    end = fields.AwareDateTime()
    working_seconds = fields.Float()
    working_minutes = fields.Float()


class ClockStateSchema(Schema):
    target_minutes = fields.Float(allow_none=True)
    due_at = fields.AwareDateTime(allow_none=True, metadata={"description": "null while paused or resolved"})
    met_at = fields.AwareDateTime(allow_none=True)
    running = fields.Boolean()
    breached = fields.Boolean()


class TicketSlaSchema(Schema):
    ticket_id = fields.String()
    number = fields.Integer()
    status = fields.String()
    state = fields.String(metadata={"description": "running, paused or stopped"})
    registered_at = fields.AwareDateTime()
    rule = fields.Dict()
    calendar_id = fields.Integer()
    next_fire_at = fields.AwareDateTime(allow_none=True)
    reaction = fields.Nested(ClockStateSchema)
    resolution = fields.Nested(ClockStateSchema)
    figures = fields.Dict(
        metadata={"description": "first_response and resolution {wall_seconds, working_seconds}, net of paused time"}
    )
    pauses = fields.List(fields.Dict())


class TimelineEntrySchema(Schema):
    at = fields.AwareDateTime()
    kind = fields.String()
    data = fields.Dict()


class TimelineSchema(Schema):
    items = fields.List(fields.Nested(TimelineEntrySchema))
