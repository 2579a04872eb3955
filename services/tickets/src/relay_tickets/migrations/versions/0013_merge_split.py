"""tickets: comments remember a merge that moved them and a split that copied them

A merge moves the merged ticket's comments onto the ticket it was merged into; each
keeps the number of the ticket it was written on, so the conversation can say
"from #N". A comment split into a ticket of its own keeps that ticket's number.

Revision ID: tickets_0013
Revises: tickets_0012
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "tickets_0013"
down_revision = "tickets_0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("comments") as batch:
        batch.add_column(sa.Column("merged_from_number", sa.BigInteger, nullable=True))
        batch.add_column(sa.Column("split_into_number", sa.BigInteger, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("comments") as batch:
        batch.drop_column("split_into_number")
        batch.drop_column("merged_from_number")
