"""tickets: PostgreSQL numbers new tickets in the INSERT itself

Revision ID: tickets_0008
Revises: tickets_0007
Create Date: 2026-11-23
"""

from alembic import op

revision = "tickets_0008"
down_revision = "tickets_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE tickets ALTER COLUMN number SET DEFAULT nextval('ticket_number_seq')")
        op.execute("ALTER SEQUENCE ticket_number_seq OWNED BY tickets.number")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER SEQUENCE ticket_number_seq OWNED BY NONE")
        op.execute("ALTER TABLE tickets ALTER COLUMN number DROP DEFAULT")
