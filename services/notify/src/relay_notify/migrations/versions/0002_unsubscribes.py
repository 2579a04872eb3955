"""notify: addresses that unsubscribed from a notification (List-Unsubscribe)

Revision ID: notify_0002
Revises: notify_0001
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from relaykit.db_types import UtcDateTime

revision = "notify_0002"
down_revision = "notify_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notify_unsubscribes",
        sa.Column("address", sa.String(320), primary_key=True),
        sa.Column("notification", sa.String(40), primary_key=True),
        sa.Column("since", UtcDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("notify_unsubscribes")
