"""probe: a table of effects, one row per handled message (deliberately not idempotent)

Revision ID: probe_0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "probe_0001"
down_revision = None
branch_labels = ("probe",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "probe_effects",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("message_id", sa.String(36), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("correlation_id", sa.String(200), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("probe_effects")
