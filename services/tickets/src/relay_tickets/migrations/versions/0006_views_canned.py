"""tickets: saved views and canned responses

Revision ID: tickets_0006
Revises: tickets_0005
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from relaykit.db_types import UtcDateTime

revision = "tickets_0006"
down_revision = "tickets_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saved_views",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("owner_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("shared", sa.Boolean, nullable=False),
        sa.Column("filters", sa.JSON, nullable=False),
        sa.Column("columns", sa.JSON, nullable=False),
        sa.Column("sort", sa.String(60), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("owner_id", "name", name="uq_saved_views_owner_name"),
    )
    op.create_index("ix_saved_views_owner_id", "saved_views", ["owner_id"])
    op.create_table(
        "canned_response_groups",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_table(
        "canned_responses",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "group_id", sa.Integer, sa.ForeignKey("canned_response_groups.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_index("ix_canned_responses_group", "canned_responses", ["group_id", "position"])


def downgrade() -> None:
    for table in ("canned_responses", "canned_response_groups", "saved_views"):
        op.drop_table(table)
