"""Request and response shapes of the notify API (marshmallow; also the OpenAPI source)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from relay_notify.domain.recipients import COPY_MODES
from relay_notify.domain.switches import CHANNELS, NOTIFICATIONS

_KEYS = list(NOTIFICATIONS)
_TEXT = 20_000
_LANG = fields.String(validate=validate.OneOf(["en", "ru"]))


class NotificationSchema(Schema):
    id = fields.String()
    event_type = fields.String()
    ticket_number = fields.Integer(allow_none=True)
    notification = fields.String()
    audience = fields.String()
    recipient_kind = fields.String()
    recipient_id = fields.String(allow_none=True)
    recipient_name = fields.String(allow_none=True)
    channel = fields.String()
    address = fields.String()
    language = fields.String()
    subject = fields.String()
    text = fields.String()
    state = fields.String(metadata={"description": "pending, sent, failed, digested, suppressed"})
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    message_id = fields.String(allow_none=True)
    digest_id = fields.String(allow_none=True)
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)
    read_at = fields.DateTime(allow_none=True)


class NotificationListSchema(Schema):
    items = fields.List(fields.Nested(NotificationSchema))
    next = fields.String(allow_none=True, metadata={"description": "Pass as `after` for the next page"})


class NotificationQuerySchema(Schema):
    ticket = fields.Integer(validate=validate.Range(min=1, max=2**53))
    state = fields.String(validate=validate.OneOf(["pending", "sent", "failed", "digested", "suppressed"]))
    channel = fields.String(validate=validate.OneOf(list(CHANNELS)))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    after = fields.String(validate=validate.Length(max=80))


class FeedQuerySchema(Schema):
    unread = fields.Boolean(load_default=False)
    limit = fields.Integer(load_default=30, validate=validate.Range(min=1, max=100))
    after = fields.String(validate=validate.Length(max=80))


class FeedItemSchema(Schema):
    id = fields.String()
    notification = fields.String()
    ticket_number = fields.Integer(allow_none=True)
    subject = fields.String()
    text = fields.String()
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class FeedSchema(Schema):
    items = fields.List(fields.Nested(FeedItemSchema))
    unread = fields.Integer()
    next = fields.String(allow_none=True)


class UnreadSchema(Schema):
    unread = fields.Integer()


class ReadAllSchema(Schema):
    marked = fields.Integer()


# -- settings -----------------------------------------------------------------------------------
class ChannelsSchema(Schema):
    email = fields.Boolean()
    sms = fields.Boolean()
    inapp = fields.Boolean()


class SwitchSchema(Schema):
    notification = fields.String(required=True, validate=validate.OneOf(_KEYS))
    audience = fields.String(dump_only=True, validate=validate.Length(max=10))
    channels = fields.Nested(ChannelsSchema, required=True)


class SwitchesSchema(Schema):
    switches = fields.List(fields.Nested(SwitchSchema), validate=validate.Length(max=len(_KEYS)))
    status_targets = fields.List(
        fields.String(validate=validate.Length(min=1, max=40)), validate=validate.Length(max=50)
    )


class CustomersSchema(Schema):
    company_copy = fields.String(validate=validate.OneOf(list(COPY_MODES)))
    default_language = _LANG
    time_zone = fields.String(validate=validate.Length(min=1, max=64))


class DeskSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=120))
    colour = fields.String(validate=validate.Regexp(r"^#[0-9a-fA-F]{6}$"))
    logo_url = fields.String(validate=validate.Length(max=500))
    url = fields.Url(require_tld=False, schemes={"http", "https"}, validate=validate.Length(max=500))


class DeliverySchema(Schema):
    digest_seconds = fields.Integer(validate=validate.Range(min=0, max=3600))
    max_attempts = fields.Integer(validate=validate.Range(min=1, max=50))
    production = fields.Boolean(metadata={"description": "Refuse webhook and SMS URLs on private networks"})


class SmtpSchema(Schema):
    host = fields.String(validate=validate.Length(max=255), metadata={"description": "Blank: the local mail sink"})
    port = fields.Integer(validate=validate.Range(min=1, max=65535))
    security = fields.String(validate=validate.OneOf(["none", "starttls", "tls"]))
    username = fields.String(validate=validate.Length(max=255))
    password = fields.String(validate=validate.Length(max=255), load_only=True)
    password_set = fields.Boolean(dump_only=True)
    forget = fields.List(
        fields.String(validate=validate.OneOf(["password"])),
        load_only=True,
        validate=validate.Length(max=1),
        metadata={"description": "Secrets to remove (a blank one is kept, not removed)"},
    )
    from_address = fields.Email(validate=validate.Length(max=320))
    from_name = fields.String(validate=validate.Length(max=120))
    pool_size = fields.Integer(validate=validate.Range(min=1, max=32))


class SmsSchema(Schema):
    enabled = fields.Boolean()
    url_template = fields.String(validate=validate.Length(max=2000))
    method = fields.String(validate=validate.OneOf(["GET", "POST", "PUT"]))
    body_template = fields.String(validate=validate.Length(max=4000))
    headers = fields.Dict(
        keys=fields.String(validate=validate.Length(max=100)),
        values=fields.String(validate=validate.Length(max=1000)),
        validate=validate.Length(max=20),
    )
    username = fields.String(validate=validate.Length(max=255))
    password = fields.String(validate=validate.Length(max=255), load_only=True)
    password_set = fields.Boolean(dump_only=True)
    token = fields.String(validate=validate.Length(max=1000), load_only=True)
    token_set = fields.Boolean(dump_only=True)
    forget = fields.List(
        fields.String(validate=validate.OneOf(["password", "token"])),
        load_only=True,
        validate=validate.Length(max=2),
        metadata={"description": "Secrets to remove (a blank one is kept, not removed)"},
    )
    success_status = fields.List(
        fields.Integer(validate=validate.Range(min=100, max=599)), validate=validate.Length(max=10)
    )
    success_contains = fields.String(validate=validate.Length(max=200))
    employee_text = fields.String(validate=validate.Length(max=500))
    contact_text = fields.String(validate=validate.Length(max=500))


class TestSendSchema(Schema):
    to = fields.String(required=True, validate=validate.Length(min=3, max=320))


class OutcomeSchema(Schema):
    ok = fields.Boolean()
    permanent = fields.Boolean()
    error = fields.String(allow_none=True)


# -- templates ----------------------------------------------------------------------------------
class TemplateSchema(Schema):
    key = fields.String(dump_only=True, validate=validate.Length(max=40))
    language = fields.String(dump_only=True, validate=validate.Length(max=8))
    subject = fields.String(required=True, validate=validate.Length(max=1000))
    text = fields.String(required=True, validate=validate.Length(max=_TEXT))
    html = fields.String(allow_none=True, validate=validate.Length(max=_TEXT))
    customised = fields.Boolean(dump_only=True)
    updated_at = fields.DateTime(dump_only=True, allow_none=True)


class TemplateListSchema(Schema):
    items = fields.List(fields.Nested(TemplateSchema))


class PreviewSchema(Schema):
    subject = fields.String(required=True, validate=validate.Length(max=1000))
    text = fields.String(required=True, validate=validate.Length(max=_TEXT))
    html = fields.String(allow_none=True, validate=validate.Length(max=_TEXT))
    ticket = fields.Integer(
        validate=validate.Range(min=1, max=2**53),
        metadata={"description": "Render with this ticket's values; omitted: sample values"},
    )


class RenderedSchema(Schema):
    subject = fields.String()
    text = fields.String()
    html = fields.String()


class VariablesSchema(Schema):
    variables = fields.Dict(keys=fields.String(), values=fields.String())


# -- preferences --------------------------------------------------------------------------------
class PreferencesSchema(Schema):
    channels = fields.Nested(ChannelsSchema)
    own_actions = fields.Boolean(metadata={"description": "Also tell me of what I did myself"})
    language = fields.String(allow_none=True, validate=validate.OneOf(["en", "ru"]))


# -- webhooks -----------------------------------------------------------------------------------
class WebhookSchema(Schema):
    id = fields.String(dump_only=True, validate=validate.Length(max=36))
    url = fields.String(required=True, validate=validate.Length(min=8, max=2000))
    event_types = fields.List(
        fields.String(validate=validate.Regexp(r"^[a-z_#*]+(\.[a-z_#*]+)*$")),
        required=True,
        validate=validate.Length(min=1, max=50),
    )
    secret = fields.String(
        load_only=True,
        validate=validate.Length(min=16, max=200),
        metadata={"description": "Omitted on create: one is generated and shown once"},
    )
    description = fields.String(validate=validate.Length(max=200))
    active = fields.Boolean()
    failure_streak = fields.Integer(dump_only=True, validate=validate.Range(min=0, max=10**6))
    disabled_reason = fields.String(dump_only=True, allow_none=True, validate=validate.Length(max=2000))
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class WebhookCreatedSchema(WebhookSchema):
    signing_secret = fields.String(
        dump_only=True, validate=validate.Length(max=200), metadata={"description": "Shown once"}
    )


class WebhookPatchSchema(Schema):
    url = fields.String(validate=validate.Length(min=8, max=2000))
    event_types = fields.List(
        fields.String(validate=validate.Regexp(r"^[a-z_#*]+(\.[a-z_#*]+)*$")), validate=validate.Length(min=1, max=50)
    )
    description = fields.String(validate=validate.Length(max=200))
    active = fields.Boolean()


class WebhookListSchema(Schema):
    items = fields.List(fields.Nested(WebhookSchema))


class AttemptSchema(Schema):
    at = fields.DateTime()
    status = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)
    elapsed_ms = fields.Float()


class DeliverySchema_(Schema):
    id = fields.String()
    event_id = fields.String()
    event_type = fields.String()
    state = fields.String()
    attempts = fields.Integer()
    last_status = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    elapsed_ms = fields.Float(allow_none=True)
    created_at = fields.DateTime()
    delivered_at = fields.DateTime(allow_none=True)
    next_attempt_at = fields.DateTime(allow_none=True)
    log = fields.List(fields.Nested(AttemptSchema))


class DeliveryListSchema(Schema):
    items = fields.List(fields.Nested(DeliverySchema_))


# -- outbox (the local sink) --------------------------------------------------------------------
class OutboxItemSchema(Schema):
    name = fields.String()
    message_id = fields.String(allow_none=True)
    subject = fields.String(allow_none=True)
    to = fields.String(allow_none=True)
    date = fields.String(allow_none=True)


class OutboxListSchema(Schema):
    items = fields.List(fields.Nested(OutboxItemSchema))


class OutboxMessageSchema(OutboxItemSchema):
    sender = fields.String(allow_none=True, data_key="from")
    headers = fields.List(fields.List(fields.String()))
    text = fields.String(allow_none=True)
    html = fields.String(allow_none=True, metadata={"description": "Sanitised"})
    attachments = fields.List(fields.String())


# -- unsubscribes (List-Unsubscribe) --------------------------------------------------------------
class UnsubscribeSchema(Schema):
    token = fields.String(required=True, validate=validate.Length(min=10, max=200))


class UnsubscribedSchema(Schema):
    address = fields.String(required=True, validate=validate.Length(min=3, max=320))
    notification = fields.String(required=True, validate=validate.OneOf(_KEYS))
    since = fields.DateTime(dump_only=True)


class UnsubscribedListSchema(Schema):
    items = fields.List(fields.Nested(UnsubscribedSchema))


class UnsubscribedQuerySchema(Schema):
    address = fields.String(validate=validate.Length(min=3, max=320))
