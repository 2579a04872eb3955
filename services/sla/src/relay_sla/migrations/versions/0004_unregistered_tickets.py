"""sla: tickets whose registration failed, kept with the reason until it succeeds

Revision ID: sla_0004
Revises: sla_0003
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from relaykit.db_types import UtcDateTime

revision = "sla_0004"
down_revision = "sla_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sla_unregistered",
        sa.Column("ticket_id", sa.String(36), primary_key=True),
        sa.Column("number", sa.BigInteger, nullable=True),
        sa.Column("first_snapshot", sa.JSON, nullable=True),
        sa.Column("latest_snapshot", sa.JSON, nullable=True),
        sa.Column("latest_at", UtcDateTime, nullable=True),
        sa.Column("reason", sa.String(2000), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("failed_at", UtcDateTime, nullable=False),
        sa.Column("next_try_at", UtcDateTime, nullable=False),
        sa.Column("settings_stamp", sa.String(200), nullable=False),
    )
    op.create_index("ix_sla_unregistered_next_try_at", "sla_unregistered", ["next_try_at"])


def downgrade() -> None:
    op.drop_index("ix_sla_unregistered_next_try_at", table_name="sla_unregistered")
    op.drop_table("sla_unregistered")
