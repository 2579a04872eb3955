"""tickets: a covering index for filters that reach tickets through another table

"Tickets I observe" finds ticket ids in ticket_observers, then must check each
ticket's status and priority and sort by updated_at; with those columns in the
index, PostgreSQL answers that from the index instead of visiting every row.

Revision ID: tickets_0009
Revises: tickets_0008
Create Date: 2026-11-23
"""

from alembic import op

revision = "tickets_0009"
down_revision = "tickets_0008"
branch_labels = None
depends_on = None

COVERED = ["status", "priority", "internal", "updated_at"]


def upgrade() -> None:
    op.create_index("ix_tickets_id_covering", "tickets", ["id"], postgresql_include=COVERED)


def downgrade() -> None:
    op.drop_index("ix_tickets_id_covering", "tickets")
