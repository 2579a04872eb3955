"""gateway: its copy of who may sign in (employees, contacts); why a token was revoked

Revision ID: gateway_0002
Revises: gateway_0001
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from relaykit.db_types import UtcDateTime

revision = "gateway_0002"
down_revision = "gateway_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("gateway_api_tokens", sa.Column("revoked_reason", sa.String(200), nullable=True))
    op.create_index("ix_gateway_api_tokens_subject", "gateway_api_tokens", ["subject"])
    op.create_table(
        "gateway_directory_employees",
        sa.Column("id", sa.String(120), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "gateway_directory_contacts",
        sa.Column("id", sa.String(120), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("company_id", sa.String(120), nullable=True),
        sa.Column("portal_access", sa.String(40), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("gateway_directory_contacts")
    op.drop_table("gateway_directory_employees")
    op.drop_index("ix_gateway_api_tokens_subject", "gateway_api_tokens")
    with op.batch_alter_table("gateway_api_tokens") as batch:  # SQLite rebuilds the table
        batch.drop_column("revoked_reason")
