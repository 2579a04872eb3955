"""Request and response shapes of merging tickets and splitting a comment off
(marshmallow; also the OpenAPI source)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from relay_tickets.domain.ticket import SUBJECT_MAX
from relay_tickets.entrypoints.schemas_tickets import ATTRIBUTE_TEXT_MAX, ATTRIBUTES_SHAPE, TicketSchema, not_blank
from relaykit.fields import JsonDocument
from relaykit.path_params import ID_MIN, INT32_MAX

_number = {"strict": True, "validate": validate.Range(min=ID_MIN, max=INT32_MAX)}


class MergeSchema(Schema):
    into = fields.Integer(
        required=True, metadata={"description": "The number of the ticket that takes this one in."}, **_number
    )
    force = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Merge tickets of different clients, or a customer's ticket into an internal one; "
            "what the customer of the merged ticket could read becomes private."
        },
    )
    into_version = fields.Integer(
        load_default=None,
        allow_none=True,
        metadata={"description": "The target's ETag as read: 409 if it changed since (If-Match is the source's)."},
        **_number,
    )


class MovedSchema(Schema):
    comments = fields.Integer()
    made_private = fields.Integer(metadata={"description": "Of the comments, those that were public and now are not."})
    attachments = fields.Integer()
    time_entries = fields.Integer()
    minutes = fields.Integer()
    observers = fields.Integer(metadata={"description": "Observers of the merged ticket the target did not have."})


class MergedSchema(Schema):
    source = fields.Nested(
        TicketSchema, metadata={"description": "The merged ticket, closed and linked (merged_into)."}
    )
    target = fields.Nested(TicketSchema, metadata={"description": "The ticket it was merged into (merged_from)."})
    moved = fields.Nested(MovedSchema)


class SplitSchema(Schema):
    subject = fields.String(
        load_default=None,
        allow_none=True,
        validate=[validate.Length(min=1, max=SUBJECT_MAX), not_blank],
        metadata={"description": "Without one, the comment's first line."},
    )
    type = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=1, max=60),
        metadata={"description": "The original's type unless given; a private comment needs an internal one."},
    )
    attributes = JsonDocument(
        ATTRIBUTES_SHAPE,
        max_depth=0,
        max_length=ATTRIBUTE_TEXT_MAX,
        load_default=dict,
        metadata={"description": "Over the original's values (as far as the new type has them)."},
    )
