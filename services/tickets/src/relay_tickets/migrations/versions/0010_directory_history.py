"""tickets: the directory's history (who changed which entry's field, from what, to what)

Changing who a customer may see, or what a member of staff may do, is an
administrator's act; each change of a directory entry, and of the settings that
decide what is shown to whom, is kept here.

Revision ID: tickets_0010
Revises: tickets_0009
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from relaykit.db_types import UtcDateTime

revision = "tickets_0010"
down_revision = "tickets_0009"
branch_labels = None
depends_on = None

_BigId = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "directory_history",
        sa.Column("id", _BigId, primary_key=True, autoincrement=True),
        sa.Column("entry_kind", sa.String(20), nullable=False),
        sa.Column("entry_id", sa.String(36), nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("actor_kind", sa.String(10), nullable=False),
        sa.Column("actor_id", sa.String(120), nullable=False),
        sa.Column("actor_name", sa.String(200), nullable=True),
        sa.Column("actor_role", sa.String(20), nullable=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("field", sa.String(60), nullable=False),
        sa.Column("old_value", sa.JSON, nullable=True),
        sa.Column("new_value", sa.JSON, nullable=True),
    )
    op.create_index("ix_directory_history_entry", "directory_history", ["entry_kind", "entry_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_directory_history_entry", "directory_history")
    op.drop_table("directory_history")
