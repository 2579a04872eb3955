"""Agents' saved ticket-list views and canned responses."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from relay_tickets.adapters.tables.base import json_col, metadata, position_col, serial_pk
from relaykit.db_types import NAME_KEY_LENGTH, UtcDateTime

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
    serial_pk(),
    Column("name", String(200), nullable=False, unique=True),
    # relaykit.db_types.name_key(name): unique however the name is written (Ärger, ÄRGER).
    Column("name_key", String(NAME_KEY_LENGTH), nullable=True),
    position_col(),
    Index("uq_canned_response_groups_name_key", "name_key", unique=True),
)

canned_responses = Table(
    "canned_responses",
    metadata,
    serial_pk(),
    Column("group_id", Integer, ForeignKey("canned_response_groups.id", ondelete="CASCADE"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    position_col(),
    Index("ix_canned_responses_group", "group_id", "position"),
)
