"""The kit's own tables, present in every service's database (migrations branch `relaykit`)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

metadata = MetaData()

# SQLite only auto-increments an INTEGER PRIMARY KEY.
_BigId = BigInteger().with_variant(Integer, "sqlite")

outbox = Table(
    "relay_outbox",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("message_id", String(36), nullable=False, unique=True),
    Column("type", String(120), nullable=False),
    Column("version", Integer, nullable=False),
    Column("aggregate_id", String(120), nullable=False),
    Column("sequence", BigInteger, nullable=False),
    Column("correlation_id", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=True),
    Index(
        "ix_relay_outbox_unpublished",
        "id",
        postgresql_where=Column("published_at").is_(None),
        sqlite_where=Column("published_at").is_(None),
    ),
    Index("ix_relay_outbox_published_at", "published_at"),
)

inbox = Table(
    "relay_inbox",
    metadata,
    Column("consumer", String(120), nullable=False),
    Column("message_id", String(36), nullable=False),
    Column("handled_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("consumer", "message_id"),
    Index("ix_relay_inbox_handled_at", "handled_at"),
)

aggregate_cursor = Table(
    "relay_aggregate_cursor",
    metadata,
    Column("consumer", String(120), nullable=False),
    Column("aggregate_type", String(60), nullable=False),
    Column("aggregate_id", String(120), nullable=False),
    Column("sequence", BigInteger, nullable=False),
    PrimaryKeyConstraint("consumer", "aggregate_type", "aggregate_id"),
)

# Idempotency keys of requests and commands (relaykit.idempotency): scope is the
# caller (or the command's sender), key is theirs.
idempotency = Table(
    "relay_idempotency",
    metadata,
    Column("scope", String(200), nullable=False),
    Column("key", String(200), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("resource", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("scope", "key"),
    Index("ix_relay_idempotency_created_at", "created_at"),
)
