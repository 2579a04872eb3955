"""tickets: a specialist's tickets include those they registered

A specialist lists the tickets they are responsible for (or their groups are),
observe, or registered. The first two are prefixes of ix_tickets_responsible and
ticket_observers' keys; this index makes "registered by" one too, so PostgreSQL
can gather a specialist's tickets from indexes alone (a BitmapOr) when they are
few among many, instead of walking every ticket in number order to test each.

Revision ID: tickets_0012
Revises: tickets_0011
Create Date: 2026-12-04
"""

from alembic import op

revision = "tickets_0012"
down_revision = "tickets_0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_tickets_created_by", "tickets", ["created_by_kind", "created_by_id", "number"])


def downgrade() -> None:
    op.drop_index("ix_tickets_created_by", "tickets")
