"""The gateway's own tables: API tokens, its copy of who may sign in, and the web
UI's accounts and sessions."""

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
    # Lower-cased: how a person signing in is found.
    Column("email", String(320), nullable=True),
    Index("ix_gateway_directory_employees_email", "email"),
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

# Who signs in to the web UI: credentials for employees of the directory copy (the
# email comes from the copy). No row: the employee was never invited or set a password.
accounts = Table(
    "gateway_accounts",
    metadata,
    Column("employee_id", String(120), primary_key=True),
    Column("password_hash", String(200), nullable=True),
    Column("password_changed_at", UtcDateTime, nullable=True),
    Column("failed_signins", Integer, nullable=False, default=0),
    Column("locked_until", UtcDateTime, nullable=True),
    Column("language", String(8), nullable=True),
    Column("invited_at", UtcDateTime, nullable=True),
)

# Browser sessions: the cookie holds a random id (signed); only its SHA-256 is kept,
# so a read of this table gives no usable session.
sessions = Table(
    "gateway_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("employee_id", String(120), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_seen_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
    Column("address", String(64), nullable=True),
    Column("user_agent", String(300), nullable=True),
    Index("ix_gateway_sessions_employee", "employee_id"),
)
