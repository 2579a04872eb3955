"""tickets: comments, attachments, time entries, history, status intervals

Revision ID: tickets_0005
Revises: tickets_0004
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from relaykit.db_types import UtcDateTime

revision = "tickets_0005"
down_revision = "tickets_0004"
branch_labels = None
depends_on = None

_BigId = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "comments",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("ticket_id", sa.String(36), sa.ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("ticket_version", sa.Integer, nullable=False),
        sa.Column("format", sa.String(10), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("body_text", sa.Text, nullable=False),
        sa.Column("public", sa.Boolean, nullable=False),
        sa.Column("author_kind", sa.String(10), nullable=False),
        sa.Column("author_id", sa.String(120), nullable=False),
        sa.Column("author_name", sa.String(200), nullable=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("mentions", sa.JSON, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_comments_ticket", "comments", ["ticket_id", "ticket_version"], unique=True)
    op.create_table(
        "attachments",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("ticket_id", sa.String(36), sa.ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("comment_id", sa.String(36), sa.ForeignKey("comments.id", ondelete="SET NULL"), nullable=True),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(200), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("storage_key", sa.String(300), nullable=False),
        sa.Column("uploaded_by_kind", sa.String(10), nullable=False),
        sa.Column("uploaded_by_id", sa.String(120), nullable=False),
        sa.Column("uploaded_by_name", sa.String(200), nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_attachments_ticket", "attachments", ["ticket_id"])
    op.create_index("ix_attachments_comment", "attachments", ["comment_id"])
    op.create_table(
        "time_entries",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("ticket_id", sa.String(36), sa.ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("employee_id", sa.String(36), sa.ForeignKey("employees.id"), nullable=False),
        sa.Column("minutes", sa.Integer, nullable=False),
        sa.Column("work_date", sa.Date, nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("logged_by_kind", sa.String(10), nullable=False),
        sa.Column("logged_by_id", sa.String(120), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_time_entries_ticket", "time_entries", ["ticket_id"])
    op.create_index("ix_time_entries_employee", "time_entries", ["employee_id", "work_date"])
    op.create_table(
        "ticket_history",
        sa.Column("id", _BigId, primary_key=True, autoincrement=True),
        sa.Column("ticket_id", sa.String(36), sa.ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("actor_kind", sa.String(10), nullable=False),
        sa.Column("actor_id", sa.String(120), nullable=False),
        sa.Column("actor_name", sa.String(200), nullable=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("field", sa.String(60), nullable=False),
        sa.Column("old_value", sa.JSON, nullable=True),
        sa.Column("new_value", sa.JSON, nullable=True),
    )
    op.create_index("ix_ticket_history_ticket", "ticket_history", ["ticket_id", "id"])
    op.create_table(
        "status_intervals",
        sa.Column("id", _BigId, primary_key=True, autoincrement=True),
        sa.Column("ticket_id", sa.String(36), sa.ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("started_at", UtcDateTime, nullable=False),
        sa.Column("ended_at", UtcDateTime, nullable=True),
    )
    op.create_index("ix_status_intervals_ticket", "status_intervals", ["ticket_id", "started_at"])
    op.create_index("ix_status_intervals_status", "status_intervals", ["status", "started_at"])
    # Tickets that existed before: their current status started when they were created.
    op.execute(
        "INSERT INTO status_intervals (ticket_id, status, started_at) SELECT id, status, created_at FROM tickets"
    )


def downgrade() -> None:
    for table in ("status_intervals", "ticket_history", "time_entries", "attachments", "comments"):
        op.drop_table(table)
