"""kit: wake outbox relays from a trigger

A statement-level trigger sends the NOTIFY, so writers pay no extra round trip,
and a NOTIFY inside a rolled-back savepoint is discarded with it.

Revision ID: kit_0002
Revises: kit_0001
Create Date: 2026-11-23
"""

from alembic import op

revision = "kit_0002"
down_revision = "kit_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE OR REPLACE FUNCTION relay_outbox_notify() RETURNS trigger AS $$
        BEGIN
            PERFORM pg_notify('relay_outbox', '');
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql
        """
    )
    op.execute(
        "CREATE TRIGGER relay_outbox_notify AFTER INSERT ON relay_outbox "
        "FOR EACH STATEMENT EXECUTE FUNCTION relay_outbox_notify()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS relay_outbox_notify ON relay_outbox")
    op.execute("DROP FUNCTION IF EXISTS relay_outbox_notify()")
