"""Tables of the notify service.

What it knows of tickets, people and settings is copied from events (event-carried
state): `notify_people` (employees, contacts, companies, groups), `notify_tickets`
(each ticket's latest snapshot and its mail thread) and `notify_catalog` (the ticket
settings). What it owns: its configuration, templates, each employee's preferences, the
notifications themselves (one row per message, written in the transaction that records
the event in the inbox: an event makes each message exactly once) and the webhook
subscriptions with their deliveries.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Boolean, Column, Float, Index, Integer, MetaData, String, Table, Text

from relaykit.db_types import UtcDateTime

metadata = MetaData()

BigId = BigInteger().with_variant(Integer, "sqlite")

people = Table(
    "notify_people",
    metadata,
    Column("kind", String(16), primary_key=True),  # employee | contact | company | group
    Column("id", String(36), primary_key=True),
    Column("data", JSON, nullable=False),
    Column("version", Integer, nullable=False),
)

tickets = Table(
    "notify_tickets",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("number", BigId, nullable=False, unique=True),
    Column("snapshot", JSON, nullable=False),
    Column("version", Integer, nullable=False),
    # The Message-ID of the first mail about the ticket: every later one names it in
    # References, so mail clients keep one thread per ticket.
    Column("root_message_id", String(250), nullable=True),
)

catalog = Table(
    "notify_catalog",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("data", JSON, nullable=False),
    Column("sequence", BigId, nullable=False),
)

config = Table(
    "notify_config",
    metadata,
    Column("key", String(40), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("version", Integer, nullable=False, default=1),
    Column("updated_at", UtcDateTime, nullable=False),
)

templates = Table(
    "notify_templates",
    metadata,
    Column("key", String(40), primary_key=True),
    Column("language", String(8), primary_key=True),
    Column("subject", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("html", Text, nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("updated_by", String(120), nullable=True),
)

preferences = Table(
    "notify_preferences",
    metadata,
    Column("employee_id", String(36), primary_key=True),
    Column("data", JSON, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

notifications = Table(
    "notify_notifications",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("event_id", String(64), nullable=False),
    Column("event_type", String(60), nullable=False),
    Column("ticket_id", String(36), nullable=True),
    Column("ticket_number", BigId, nullable=True),
    Column("notification", String(40), nullable=False),
    Column("audience", String(10), nullable=False),  # employee | customer
    Column("recipient_kind", String(10), nullable=False),  # employee | contact | company | address
    Column("recipient_id", String(36), nullable=True),
    Column("recipient_name", String(200), nullable=True),
    Column("channel", String(10), nullable=False),  # email | sms | inapp
    Column("address", String(320), nullable=False),
    Column("language", String(8), nullable=False),
    Column("subject", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("html", Text, nullable=True),
    # pending -> sent | failed (permanent, or out of tries) | digested (sent inside another's
    # digest) | suppressed (the recipient's address is failing); inapp rows are born sent.
    Column("state", String(10), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("message_id", String(250), nullable=True),
    Column("digest_id", String(36), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime, nullable=True),
    Column("read_at", UtcDateTime, nullable=True),
    Index("notify_notifications_once", "event_id", "channel", "address", unique=True),
    Index("notify_notifications_due", "state", "next_attempt_at"),
    Index("notify_notifications_ticket", "ticket_id", "created_at"),
    Index("notify_notifications_thread", "channel", "address", "ticket_id", "created_at"),
    Index("notify_notifications_feed", "recipient_id", "channel", "created_at"),
)

# Addresses that bounced or were refused for good: nothing more is sent to them until an
# administrator clears them (or a later delivery to them succeeds).
failing_addresses = Table(
    "notify_failing_addresses",
    metadata,
    Column("address", String(320), primary_key=True),
    Column("reason", Text, nullable=False),
    Column("since", UtcDateTime, nullable=False),
)

# An address that asked (List-Unsubscribe, one click) for no more of one non-essential
# notification: its mails of that kind are recorded as suppressed, not sent.
unsubscribes = Table(
    "notify_unsubscribes",
    metadata,
    Column("address", String(320), primary_key=True),
    Column("notification", String(40), primary_key=True),
    Column("since", UtcDateTime, nullable=False),
)

webhooks = Table(
    "notify_webhooks",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("url", String(2000), nullable=False),
    Column("event_types", JSON, nullable=False),
    Column("secret", String(200), nullable=False),
    Column("description", String(200), nullable=False, default=""),
    Column("active", Boolean, nullable=False, default=True),
    Column("failure_streak", Integer, nullable=False, default=0),
    Column("disabled_reason", Text, nullable=True),
    Column("version", Integer, nullable=False, default=1),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

webhook_deliveries = Table(
    "notify_webhook_deliveries",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("subscription_id", String(36), nullable=False),
    Column("event_id", String(64), nullable=False),
    Column("event_type", String(60), nullable=False),
    Column("body", Text, nullable=False),
    Column("state", String(10), nullable=False),  # pending | sent | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime, nullable=True),
    Column("last_status", Integer, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("elapsed_ms", Float, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("delivered_at", UtcDateTime, nullable=True),
    Index("notify_webhook_deliveries_once", "subscription_id", "event_id", unique=True),
    Index("notify_webhook_deliveries_due", "state", "next_attempt_at"),
    Index("notify_webhook_deliveries_log", "subscription_id", "created_at"),
)

webhook_attempts = Table(
    "notify_webhook_attempts",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("delivery_id", String(36), nullable=False, index=True),
    Column("at", UtcDateTime, nullable=False),
    Column("status", Integer, nullable=True),
    Column("error", Text, nullable=True),
    Column("elapsed_ms", Float, nullable=False),
)
