"""What happens on a ticket over time: comments, attachments, time entries, the
history of every field, and the time spent in each status."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Date, ForeignKey, Index, Integer, String, Table, Text

from relay_tickets.adapters.tables.base import BigId, json_col, metadata
from relaykit.db_types import UtcDateTime

comments = Table(
    "comments",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("ticket_id", String(36), ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
    # The ticket's version the comment_added event carried: orders a ticket's comments
    # exactly (many can share a timestamp) and ties each to its event.
    Column("ticket_version", Integer, nullable=False),
    Column("format", String(10), nullable=False),  # text or html (sanitised before it is stored)
    Column("body", Text, nullable=False),
    # The plain-text rendering: what mail notifications and search read.
    Column("body_text", Text, nullable=False),
    Column("public", Boolean, nullable=False),
    Column("author_kind", String(10), nullable=False),
    Column("author_id", String(120), nullable=False),
    Column("author_name", String(200), nullable=True),
    Column("channel", String(20), nullable=False),
    json_col("mentions"),
    Column("created_at", UtcDateTime, nullable=False),
    # The ticket it was written on, when a merge moved it here (shown as "from #N").
    Column("merged_from_number", BigInteger, nullable=True),
    # The ticket it was split into (at most one).
    Column("split_into_number", BigInteger, nullable=True),
    Index("ix_comments_ticket", "ticket_id", "ticket_version", unique=True),
)

# The bytes live outside the database (see adapters/attachments.py); this is the record.
attachments = Table(
    "attachments",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("ticket_id", String(36), ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
    Column("comment_id", String(36), ForeignKey("comments.id", ondelete="SET NULL"), nullable=True),
    Column("filename", String(255), nullable=False),
    Column("content_type", String(200), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("storage_key", String(300), nullable=False),
    Column("uploaded_by_kind", String(10), nullable=False),
    Column("uploaded_by_id", String(120), nullable=False),
    Column("uploaded_by_name", String(200), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_attachments_ticket", "ticket_id"),
    Index("ix_attachments_comment", "comment_id"),
)

time_entries = Table(
    "time_entries",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("ticket_id", String(36), ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
    Column("employee_id", String(36), ForeignKey("employees.id"), nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("work_date", Date, nullable=False),
    Column("note", Text, nullable=True),
    # Who wrote the entry: a lead may log time for another employee.
    Column("logged_by_kind", String(10), nullable=False),
    Column("logged_by_id", String(120), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_time_entries_ticket", "ticket_id"),
    Index("ix_time_entries_employee", "employee_id", "work_date"),
)

ticket_history = Table(
    "ticket_history",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("ticket_id", String(36), ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("actor_kind", String(10), nullable=False),
    Column("actor_id", String(120), nullable=False),
    Column("actor_name", String(200), nullable=True),
    Column("channel", String(20), nullable=False),
    Column("field", String(60), nullable=False),
    json_col("old_value", nullable=True),
    json_col("new_value", nullable=True),
    Index("ix_ticket_history_ticket", "ticket_id", "id"),
)

# Written on each status change; a ticket's first interval (opened, from its
# created_at) has no row until something changes (ActivityRepository.status_intervals).
status_intervals = Table(
    "status_intervals",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("ticket_id", String(36), ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(40), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime, nullable=True),
    Index("ix_status_intervals_ticket", "ticket_id", "started_at"),
    Index("ix_status_intervals_status", "status", "started_at"),
)
