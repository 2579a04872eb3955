"""gateway: the web UI's accounts and sessions; employees' email in the copy

Revision ID: gateway_0003
Revises: gateway_0002
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from relaykit.db_types import UtcDateTime

revision = "gateway_0003"
down_revision = "gateway_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("gateway_directory_employees", sa.Column("email", sa.String(320), nullable=True))
    op.create_index("ix_gateway_directory_employees_email", "gateway_directory_employees", ["email"])
    op.create_table(
        "gateway_accounts",
        sa.Column("employee_id", sa.String(120), primary_key=True),
        sa.Column("password_hash", sa.String(200), nullable=True),
        sa.Column("password_changed_at", UtcDateTime, nullable=True),
        sa.Column("failed_signins", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked_until", UtcDateTime, nullable=True),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("invited_at", UtcDateTime, nullable=True),
    )
    op.create_table(
        "gateway_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("employee_id", sa.String(120), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("last_seen_at", UtcDateTime, nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
        sa.Column("revoked_at", UtcDateTime, nullable=True),
        sa.Column("address", sa.String(64), nullable=True),
        sa.Column("user_agent", sa.String(300), nullable=True),
    )
    op.create_index("ix_gateway_sessions_employee", "gateway_sessions", ["employee_id"])


def downgrade() -> None:
    op.drop_table("gateway_sessions")
    op.drop_table("gateway_accounts")
    op.drop_index("ix_gateway_directory_employees_email", "gateway_directory_employees")
    with op.batch_alter_table("gateway_directory_employees") as batch:
        batch.drop_column("email")
