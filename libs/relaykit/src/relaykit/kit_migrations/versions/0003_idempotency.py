"""kit: idempotency keys

Revision ID: kit_0003
Revises: kit_0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "kit_0003"
down_revision = "kit_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "relay_idempotency",
        sa.Column("scope", sa.String(200), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("resource", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key"),
    )
    op.create_index("ix_relay_idempotency_created_at", "relay_idempotency", ["created_at"])


def downgrade() -> None:
    op.drop_table("relay_idempotency")
