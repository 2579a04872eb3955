"""notify: the directory, tickets and settings copied from events; configuration,
templates, preferences; notifications; webhook subscriptions and deliveries

Revision ID: notify_0001
Revises:
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from relaykit.db_types import UtcDateTime

revision = "notify_0001"
down_revision = None
branch_labels = ("notify",)
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer, "sqlite")
TABLES = (
    "notify_webhook_attempts",
    "notify_webhook_deliveries",
    "notify_webhooks",
    "notify_failing_addresses",
    "notify_notifications",
    "notify_preferences",
    "notify_templates",
    "notify_config",
    "notify_catalog",
    "notify_tickets",
    "notify_people",
)


def upgrade() -> None:
    op.create_table(
        "notify_catalog",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("sequence", BigId, nullable=False),
    )
    op.create_table(
        "notify_config",
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("value", sa.JSON, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "notify_failing_addresses",
        sa.Column("address", sa.String(320), primary_key=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("since", UtcDateTime, nullable=False),
    )
    op.create_table(
        "notify_notifications",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(60), nullable=False),
        sa.Column("ticket_id", sa.String(36), nullable=True),
        sa.Column("ticket_number", BigId, nullable=True),
        sa.Column("notification", sa.String(40), nullable=False),
        sa.Column("audience", sa.String(10), nullable=False),
        sa.Column("recipient_kind", sa.String(10), nullable=False),
        sa.Column("recipient_id", sa.String(36), nullable=True),
        sa.Column("recipient_name", sa.String(200), nullable=True),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("address", sa.String(320), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("html", sa.Text, nullable=True),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", UtcDateTime, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("message_id", sa.String(250), nullable=True),
        sa.Column("digest_id", sa.String(36), nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("sent_at", UtcDateTime, nullable=True),
        sa.Column("read_at", UtcDateTime, nullable=True),
    )
    op.create_index("notify_notifications_due", "notify_notifications", ["state", "next_attempt_at"], unique=False)
    op.create_index("notify_notifications_ticket", "notify_notifications", ["ticket_id", "created_at"], unique=False)
    op.create_index(
        "notify_notifications_thread",
        "notify_notifications",
        ["channel", "address", "ticket_id", "created_at"],
        unique=False,
    )
    op.create_index(
        "notify_notifications_once", "notify_notifications", ["event_id", "channel", "address"], unique=True
    )
    op.create_index(
        "notify_notifications_feed", "notify_notifications", ["recipient_id", "channel", "created_at"], unique=False
    )
    op.create_table(
        "notify_people",
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "notify_preferences",
        sa.Column("employee_id", sa.String(36), primary_key=True),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "notify_templates",
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("language", sa.String(8), primary_key=True),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("html", sa.Text, nullable=True),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("updated_by", sa.String(120), nullable=True),
    )
    op.create_table(
        "notify_tickets",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("number", BigId, nullable=False, unique=True),
        sa.Column("snapshot", sa.JSON, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("root_message_id", sa.String(250), nullable=True),
    )
    op.create_table(
        "notify_webhook_attempts",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("delivery_id", sa.String(36), nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("status", sa.Integer, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("elapsed_ms", sa.Float, nullable=False),
    )
    op.create_index("ix_notify_webhook_attempts_delivery_id", "notify_webhook_attempts", ["delivery_id"], unique=False)
    op.create_table(
        "notify_webhook_deliveries",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("subscription_id", sa.String(36), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(60), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", UtcDateTime, nullable=True),
        sa.Column("last_status", sa.Integer, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("elapsed_ms", sa.Float, nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("delivered_at", UtcDateTime, nullable=True),
    )
    op.create_index(
        "notify_webhook_deliveries_once", "notify_webhook_deliveries", ["subscription_id", "event_id"], unique=True
    )
    op.create_index(
        "notify_webhook_deliveries_due", "notify_webhook_deliveries", ["state", "next_attempt_at"], unique=False
    )
    op.create_index(
        "notify_webhook_deliveries_log", "notify_webhook_deliveries", ["subscription_id", "created_at"], unique=False
    )
    op.create_table(
        "notify_webhooks",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("event_types", sa.JSON, nullable=False),
        sa.Column("secret", sa.String(200), nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("failure_streak", sa.Integer, nullable=False),
        sa.Column("disabled_reason", sa.Text, nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )


def downgrade() -> None:
    for name in TABLES:
        op.drop_table(name)
