"""kit tables: outbox, inbox, aggregate cursors

Revision ID: kit_0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "kit_0001"
down_revision = None
branch_labels = ("relaykit",)
depends_on = None

_BigId = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "relay_outbox",
        sa.Column("id", _BigId, primary_key=True, autoincrement=True),
        sa.Column("message_id", sa.String(36), nullable=False, unique=True),
        sa.Column("type", sa.String(120), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("aggregate_id", sa.String(120), nullable=False),
        sa.Column("sequence", sa.BigInteger, nullable=False),
        sa.Column("correlation_id", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "ix_relay_outbox_unpublished",
        "relay_outbox",
        ["id"],
        postgresql_where=sa.text("published_at IS NULL"),
        sqlite_where=sa.text("published_at IS NULL"),
    )
    op.create_index("ix_relay_outbox_published_at", "relay_outbox", ["published_at"])
    op.create_table(
        "relay_inbox",
        sa.Column("consumer", sa.String(120), nullable=False),
        sa.Column("message_id", sa.String(36), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "message_id"),
    )
    op.create_index("ix_relay_inbox_handled_at", "relay_inbox", ["handled_at"])
    op.create_table(
        "relay_aggregate_cursor",
        sa.Column("consumer", sa.String(120), nullable=False),
        sa.Column("aggregate_type", sa.String(60), nullable=False),
        sa.Column("aggregate_id", sa.String(120), nullable=False),
        sa.Column("sequence", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("consumer", "aggregate_type", "aggregate_id"),
    )


def downgrade() -> None:
    op.drop_table("relay_aggregate_cursor")
    op.drop_table("relay_inbox")
    op.drop_table("relay_outbox")
