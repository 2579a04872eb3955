"""tickets: names unique however they are written (canned response groups, staff groups)

A second group "ärger" beside "Ärger" used to pass the check (SQLite's lower() folds
only ASCII) and then either stand beside it or fail on the exact unique index as a 500.
Each row now carries relaykit.db_types.name_key(name) under a unique index, the same
on SQLite and PostgreSQL. Twins stored before this migration keep their names; the
later one's key is made from its id too, so the index can be built (rename one to
clear it up).

Revision ID: tickets_0011
Revises: tickets_0010
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from relaykit.db_types import NAME_KEY_LENGTH, name_key

revision = "tickets_0011"
down_revision = "tickets_0010"
branch_labels = None
depends_on = None

TABLES = ("canned_response_groups", "groups")


def upgrade() -> None:
    conn = op.get_bind()
    for name in TABLES:
        # Nullable: adding it needs no table rebuild on SQLite; every write sets it.
        op.add_column(name, sa.Column("name_key", sa.String(NAME_KEY_LENGTH), nullable=True))
        table = sa.table(name, sa.column("id"), sa.column("name"), sa.column("name_key"))
        taken: set[str] = set()
        for row in conn.execute(sa.select(table.c.id, table.c.name).order_by(table.c.id)).all():
            key = name_key(row.name)
            if key in taken:
                key = name_key(f"{row.name}\x00{row.id}")
            taken.add(key)
            conn.execute(sa.update(table).where(table.c.id == row.id).values(name_key=key))
        op.create_index(f"uq_{name}_name_key", name, ["name_key"], unique=True)


def downgrade() -> None:
    for name in TABLES:
        op.drop_index(f"uq_{name}_name_key", name)
        with op.batch_alter_table(name) as batch:
            batch.drop_column("name_key")
