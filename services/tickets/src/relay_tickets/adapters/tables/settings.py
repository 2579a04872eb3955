"""What administrators configure: categories, types, priorities, statuses, lifecycles,
custom attributes, desk settings."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, UniqueConstraint

from relay_tickets.adapters.tables.base import json_col, metadata, position_col, serial_pk

client_categories = Table(
    "client_categories",
    metadata,
    serial_pk(),
    Column("name", String(120), nullable=False, unique=True),
    position_col(),
)

ticket_types = Table(
    "ticket_types",
    metadata,
    serial_pk(),
    Column("key", String(60), nullable=False, unique=True),
    Column("name", String(120), nullable=False),
    Column("internal", Boolean, nullable=False, default=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("own_lifecycle", Boolean, nullable=False, default=False),
    Column("is_default", Boolean, nullable=False, default=False),
    position_col(),
)

priorities = Table(
    "priorities",
    metadata,
    serial_pk(),
    Column("key", String(60), nullable=False, unique=True),
    Column("name", String(120), nullable=False),
    Column("colour", String(7), nullable=False),
    position_col(),
    Column("is_default", Boolean, nullable=False, default=False),
    Column("active", Boolean, nullable=False, default=True),
)

statuses = Table(
    "statuses",
    metadata,
    Column("key", String(40), primary_key=True),
    Column("name", String(120), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("sla_pausing", Boolean, nullable=False, default=False),
    Column("builtin", Boolean, nullable=False, default=False),
    position_col(),
)

# (type_id NULL) rows are the default lifecycle, used by types without their own.
lifecycle_transitions = Table(
    "lifecycle_transitions",
    metadata,
    serial_pk(),
    Column("type_id", Integer, ForeignKey("ticket_types.id", ondelete="CASCADE"), nullable=True),
    Column("from_status", String(40), ForeignKey("statuses.key"), nullable=False),
    Column("to_status", String(40), ForeignKey("statuses.key"), nullable=False),
    UniqueConstraint("type_id", "from_status", "to_status"),
)

attribute_definitions = Table(
    "attribute_definitions",
    metadata,
    serial_pk(),
    Column("type_id", Integer, ForeignKey("ticket_types.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(60), nullable=False),
    Column("name", String(120), nullable=False),
    Column("kind", String(10), nullable=False),
    json_col("options"),
    Column("required", Boolean, nullable=False, default=False),
    json_col("visible_roles"),
    Column("visible_to_contacts", Boolean, nullable=False, default=False),
    position_col(),
    Column("active", Boolean, nullable=False, default=True),
    UniqueConstraint("type_id", "key"),
)

desk_settings = Table(
    "desk_settings",
    metadata,
    Column("key", String(60), primary_key=True),
    json_col("value"),
)
