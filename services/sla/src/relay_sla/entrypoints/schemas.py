"""Request and response shapes of the SLA API (marshmallow; also the OpenAPI source).

Calendar definitions are JSON documents checked by the domain
(relay_sla.domain.calendar.parse_calendar), which names the field at fault; the schema
here holds them to sizes. Rule conditions are loaded by the strict schema their domain
declaration builds (relay_sla.domain.rules.CONDITIONS, relaykit.rule_conditions): an
unknown key or a wrong shape is refused as `conditions.<key>`; the service layer then
checks the values against the announced ticket settings.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from relay_sla.domain.calendar import MAX_EXCEPTIONS, MAX_INTERVALS_PER_DAY, MAX_NAME_LENGTH
from relay_sla.domain.rules import CONDITIONS
from relaykit.fields import JsonDocument

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_ZONE = {"type": "string", "maxLength": 64, "description": "IANA time zone, e.g. Europe/Berlin"}
_HHMM = {"type": "string", "maxLength": 5, "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$"}
_INTERVALS = {
    "type": "array",
    "maxItems": MAX_INTERVALS_PER_DAY,
    "items": {"type": "array", "minItems": 2, "maxItems": 2, "items": _HHMM},
    "description": '[["09:00", "13:00"], ...]: working intervals, in order, not overlapping',
}
# What relay_sla.domain.calendar.parse_calendar accepts (it names the field at fault).
CALENDAR_SHAPE = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "timezone": _ZONE,
        "always_open": {"type": "boolean", "description": "24x7"},
        "week": {
            "type": "object",
            "maxProperties": 7,
            "propertyNames": {"enum": WEEKDAYS},
            "additionalProperties": _INTERVALS,
        },
        "exceptions": {
            "type": "array",
            "maxItems": MAX_EXCEPTIONS,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "date": {"type": "string", "format": "date", "maxLength": 10},
                    "intervals": _INTERVALS | {"description": "none: a day off"},
                    "name": {"type": "string", "maxLength": MAX_NAME_LENGTH},
                },
            },
        },
    },
}


def _calendar(**kwargs) -> JsonDocument:
    return JsonDocument(CALENDAR_SHAPE, max_length=MAX_NAME_LENGTH, max_items=MAX_EXCEPTIONS, max_entries=7, **kwargs)


def _name() -> fields.String:
    return fields.String(required=True, validate=validate.Length(min=1, max=120))


# Five years of working time: further out than any deadline a desk keeps, and well inside
# the years the calendar arithmetic covers.
MINUTES_MAX = 60 * 24 * 366 * 5


def _minutes() -> fields.Integer:
    return fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=1, max=MINUTES_MAX))


class CalendarCreateSchema(Schema):
    name = _name()
    definition = _calendar(required=True)


class CalendarPatchSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=120))
    definition = _calendar()


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
    subdivision = fields.String(load_default=None, validate=validate.Length(min=1, max=10), metadata={"example": "BY"})


class RuleCreateSchema(Schema):
    name = _name()
    enabled = fields.Boolean(truthy={True}, falsy={False})
    conditions = CONDITIONS.field()
    calendar_id = fields.Integer(required=True, strict=True)
    reaction_minutes = _minutes()
    resolution_minutes = _minutes()
    warn_fractions = fields.List(
        fields.Float(validate=validate.Range(min=0, max=1)),
        validate=validate.Length(max=10),
        metadata={"example": [0.75]},
    )


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
    ids = fields.List(fields.Integer(strict=True, validate=validate.Range(min=1)), required=True)


class PauseSchema(Schema):
    start = fields.AwareDateTime(required=True)
    end = fields.AwareDateTime(required=True)


class _PreviewSchema(Schema):
    calendar_id = fields.Integer(strict=True)
    calendar = _calendar(metadata={"description": "an inline calendar definition, instead of calendar_id"})
    start = fields.AwareDateTime(required=True)
    pauses = fields.List(fields.Nested(PauseSchema), load_default=list, validate=validate.Length(max=1000))


class DuePreviewSchema(_PreviewSchema):
    minutes = fields.Float(required=True, validate=validate.Range(min=0, max=MINUTES_MAX))


class DueSchema(Schema):
    start = fields.AwareDateTime()
    minutes = fields.Float()
    due = fields.AwareDateTime()


class TicketPreviewSchema(Schema):
    """What the rules look at, for a ticket not registered yet (the new-ticket form)."""

    type = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=60))
    priority = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=60))
    company_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=36))
    client_category_id = fields.Integer(strict=True, load_default=None, allow_none=True)
    start = fields.AwareDateTime(
        load_default=None, allow_none=True, metadata={"description": "the registration moment; default now"}
    )


class RuleRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class TicketDueSchema(Schema):
    rule = fields.Nested(RuleRefSchema)
    calendar_id = fields.Integer()
    start = fields.AwareDateTime()
    reaction_due = fields.AwareDateTime(allow_none=True, metadata={"description": "null: the rule sets no reaction"})
    resolution_due = fields.AwareDateTime(allow_none=True, metadata={"description": "null: no resolution time"})


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


class UnregisteredSchema(Schema):
    ticket_id = fields.String()
    number = fields.Integer(allow_none=True)
    reason = fields.String()
    attempts = fields.Integer()
    failed_at = fields.AwareDateTime()
    next_try_at = fields.AwareDateTime(
        metadata={"description": "the next scheduled try; a settings change comes first"}
    )


class UnregisteredListSchema(Schema):
    items = fields.List(fields.Nested(UnregisteredSchema))


class TimelineEntrySchema(Schema):
    at = fields.AwareDateTime()
    kind = fields.String()
    data = fields.Dict()


class TimelineSchema(Schema):
    items = fields.List(fields.Nested(TimelineEntrySchema))
