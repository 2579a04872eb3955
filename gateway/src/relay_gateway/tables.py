"""The gateway's own tables: API tokens, and its copy of who may sign in."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, Integer, MetaData, String, Table, Text

from relaykit.db_types import UtcDateTime

metadata = MetaData()

api_tokens = Table(
    "gateway_api_tokens",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(120), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("role", String(40), nullable=False),
    Column("subject", String(120), nullable=False),
    Column("organization", String(120), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_used_at", UtcDateTime, nullable=True),
    Column("revoked_at", UtcDateTime, nullable=True),
    # Why it stopped working when nobody revoked it by hand (e.g. "employee deactivated").
    Column("revoked_reason", String(200), nullable=True),
    Index("ix_gateway_api_tokens_subject", "subject"),
)

# Filled only from employee.changed: the tickets service owns the directory.
directory_employees = Table(
    "gateway_directory_employees",
    metadata,
    Column("id", String(120), primary_key=True),
    Column("name", Text, nullable=False),
    Column("role", String(40), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# Filled only from contact.changed.
directory_contacts = Table(
    "gateway_directory_contacts",
    metadata,
    Column("id", String(120), primary_key=True),
    Column("name", Text, nullable=False),
    Column("company_id", String(120), nullable=True),
    Column("portal_access", String(40), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
