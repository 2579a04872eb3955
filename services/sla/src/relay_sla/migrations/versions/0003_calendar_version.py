"""sla: remember which calendar version each ticket's deadlines were computed with

Revision ID: sla_0003
Revises: sla_0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "sla_0003"
down_revision = "sla_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sla_tickets") as batch:
        batch.add_column(sa.Column("calendar_version", sa.Integer, nullable=False, server_default=sa.text("0")))
    # Deadlines already stored were computed with the calendars as they are now.
    op.execute(
        "UPDATE sla_tickets SET calendar_version = "
        "COALESCE((SELECT version FROM sla_calendars WHERE sla_calendars.id = sla_tickets.calendar_id), 0)"
    )
    op.create_index("ix_sla_tickets_calendar", "sla_tickets", ["calendar_id", "calendar_version"])


def downgrade() -> None:
    op.drop_index("ix_sla_tickets_calendar", table_name="sla_tickets")
    with op.batch_alter_table("sla_tickets") as batch:
        batch.drop_column("calendar_version")
