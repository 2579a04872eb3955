"""tickets: the ticket table and its number sequence

Revision ID: tickets_0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from relaykit.db_types import UtcDateTime

revision = "tickets_0001"
down_revision = None
branch_labels = ("tickets",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("number", sa.BigInteger, nullable=False, unique=True),
        sa.Column("subject", sa.String(250), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_tickets_status_number", "tickets", ["status", "number"])
    op.create_table(
        "ticket_number_counter",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE ticket_number_seq START 1")
    else:
        op.execute("INSERT INTO ticket_number_counter (id, value) VALUES (1, 0)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE ticket_number_seq")
    op.drop_table("ticket_number_counter")
    op.drop_index("ix_tickets_status_number", "tickets")
    op.drop_table("tickets")
