"""Request and response shapes of comments, attachments, time entries, rating,
history and time in status (marshmallow; also the OpenAPI source)."""

from __future__ import annotations

from marshmallow import Schema, fields, post_load, validate

from relay_tickets.domain.comments import BODY_MAX, FORMATS, MENTION_KINDS, Mention
from relay_tickets.domain.ticket import RATINGS
from relaykit.fields import INT64, JsonText, Upload

MAX_FILES = 10  # in one request
MENTIONS_MAX = 50


class MentionSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(MENTION_KINDS))
    id = fields.String(required=True, validate=validate.Length(min=1, max=36))

    @post_load
    def make(self, data, **_):
        return Mention(data["kind"], data["id"])


class CommentCreateSchema(Schema):
    """As JSON, or as multipart/form-data fields (mentions then a JSON-encoded list) with files `attachments`."""

    body = fields.String(required=True, validate=validate.Length(min=1, max=BODY_MAX))
    public = fields.Boolean(load_default=None, allow_none=True)
    format = fields.String(load_default="text", validate=validate.OneOf(FORMATS))
    mentions = fields.List(fields.Nested(MentionSchema), load_default=list, validate=validate.Length(max=MENTIONS_MAX))


def _files(**kwargs) -> fields.List:
    return fields.List(Upload(), validate=validate.Length(max=MAX_FILES), **kwargs)


class CommentFormSchema(CommentCreateSchema):
    """multipart/form-data: the comment's fields as text parts, mentions as JSON text; its files."""

    mentions = JsonText(
        fields.List(fields.Nested(MentionSchema), validate=validate.Length(max=MENTIONS_MAX)),
        load_default=list,
        max_length=MENTIONS_MAX * 64,
        metadata={"description": '[{"kind": "employee", "id": "..."}, ...]'},
    )
    attachments = _files(metadata={"description": "the files, each up to the desk's attachment_max_bytes"})


class AttachmentFormSchema(Schema):
    """multipart/form-data: files in `attachments`."""

    attachments = _files(required=True, metadata={"description": "each up to the desk's attachment_max_bytes"})


class PageQuerySchema(Schema):
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))
    cursor = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0, max=INT64[1]))


class ActorSchema(Schema):
    kind = fields.String()
    id = fields.String()
    name = fields.String(allow_none=True)
    channel = fields.String()


class AttachmentSchema(Schema):
    id = fields.String()
    comment_id = fields.String(allow_none=True)
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    url = fields.String()
    created_at = fields.DateTime()


class AttachmentListSchema(Schema):
    items = fields.List(fields.Nested(AttachmentSchema))


class TicketRefSchema(Schema):
    id = fields.String()
    number = fields.Integer()


class TicketNumberSchema(Schema):
    number = fields.Integer()


class CommentSchema(Schema):
    id = fields.String()
    ticket = fields.Nested(TicketRefSchema)
    public = fields.Boolean()
    format = fields.String()
    body = fields.String(metadata={"description": "The text, or the HTML once sanitised."})
    body_text = fields.String(metadata={"description": "The plain-text rendering."})
    author = fields.Nested(ActorSchema)
    channel = fields.String()
    mentions = fields.List(fields.Dict())
    attachments = fields.List(fields.Nested(AttachmentSchema))
    created_at = fields.DateTime()
    follow_up_ticket = fields.Nested(
        TicketRefSchema,
        allow_none=True,
        metadata={"description": "Set when the ticket was closed too long ago: the comment went to this new ticket."},
    )
    merged_from = fields.Nested(
        TicketNumberSchema,
        allow_none=True,
        metadata={"description": "The ticket it was written on, when a merge moved it here."},
    )
    split_into = fields.Nested(
        TicketNumberSchema,
        allow_none=True,
        metadata={"description": "The ticket this comment was split off into (staff only)."},
    )


class CommentPageSchema(Schema):
    items = fields.List(fields.Nested(CommentSchema))
    next_cursor = fields.Integer(allow_none=True)


class TimeEntryCreateSchema(Schema):
    minutes = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=24 * 60))
    work_date = fields.Date(load_default=None, allow_none=True)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    employee_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=36))


class TimeEntrySchema(Schema):
    id = fields.String()
    employee_id = fields.String()
    employee_name = fields.String(allow_none=True)
    minutes = fields.Integer()
    work_date = fields.Date()
    note = fields.String(allow_none=True)
    logged_by = fields.Dict()
    created_at = fields.DateTime()


class TimeEntriesSchema(Schema):
    items = fields.List(fields.Nested(TimeEntrySchema))
    total_minutes = fields.Integer()
    ticket_version = fields.Integer()


class TimeLoggedSchema(Schema):
    entry = fields.Nested(TimeEntrySchema)
    total_minutes = fields.Integer()
    ticket_version = fields.Integer()


class RatingCreateSchema(Schema):
    rating = fields.String(required=True, validate=validate.OneOf(RATINGS))
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class RatingSchema(Schema):
    rating = fields.String()
    comment = fields.String(allow_none=True)
    rated_at = fields.DateTime()
    ticket_version = fields.Integer()


class HistoryEntrySchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor = fields.Nested(ActorSchema)
    channel = fields.String()
    field = fields.String()
    old = fields.Raw(allow_none=True)
    new = fields.Raw(allow_none=True)


class HistoryPageSchema(Schema):
    items = fields.List(fields.Nested(HistoryEntrySchema))
    next_cursor = fields.Integer(allow_none=True)


class StatusIntervalSchema(Schema):
    status = fields.String()
    started_at = fields.DateTime()
    ended_at = fields.DateTime(allow_none=True)
    seconds = fields.Float()


class StatusTimesSchema(Schema):
    items = fields.List(fields.Nested(StatusIntervalSchema))
    totals = fields.Dict(keys=fields.String(), values=fields.Float(), metadata={"description": "Seconds per status."})
    now = fields.DateTime()
