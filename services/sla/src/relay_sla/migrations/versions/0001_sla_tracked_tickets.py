"""sla: tracked tickets

Revision ID: sla_0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from relaykit.db_types import UtcDateTime

revision = "sla_0001"
down_revision = None
branch_labels = ("sla",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sla_tracked_tickets",
        sa.Column("ticket_id", sa.String(36), primary_key=True),
        sa.Column("number", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("registered_at", UtcDateTime, nullable=False),
        sa.Column("recorded_at", UtcDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sla_tracked_tickets")
