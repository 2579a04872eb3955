"""Agents' saved ticket-list views and canned responses."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from relay_tickets.adapters.tables.base import json_col, metadata
from relaykit.db_types import UtcDateTime

saved_views = Table(
    "saved_views",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("owner_id", String(36), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("shared", Boolean, nullable=False, default=False),
    json_col("filters"),
    json_col("columns"),
    Column("sort", String(60), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # An agent tells their views apart by name.
    UniqueConstraint("owner_id", "name", name="uq_saved_views_owner_name"),
)

canned_response_groups = Table(
    "canned_response_groups",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("position", Integer, nullable=False, default=0),
)

canned_responses = Table(
    "canned_responses",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("group_id", Integer, ForeignKey("canned_response_groups.id", ondelete="CASCADE"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("position", Integer, nullable=False, default=0),
    Index("ix_canned_responses_group", "group_id", "position"),
)
