"""The one MetaData of the tickets service, and column helpers its tables share."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Integer, MetaData, String

from relaykit.db_types import UtcDateTime

metadata = MetaData()
# Objects only PostgreSQL has (full-text search column and index), created by the
# migrations and not described here; the migrations-match-models test skips them.
metadata.info["db_only"] = {"tickets.search", "ix_tickets_search"}

BigId = BigInteger().with_variant(Integer, "sqlite")


def uuid_pk() -> Column:
    return Column("id", String(36), primary_key=True)


def serial_pk() -> Column:
    return Column("id", Integer, primary_key=True, autoincrement=True)


def position_col() -> Column:
    """Where an entry stands among its kind, in the order administrators give them."""
    return Column("position", Integer, nullable=False, default=0)


def stamps() -> list[Column]:
    return [
        Column("created_at", UtcDateTime, nullable=False),
        Column("updated_at", UtcDateTime, nullable=False),
        Column("version", Integer, nullable=False, default=1),
    ]


def party(prefix: str, nullable: bool = True) -> list[Column]:
    """An employee or a group: <prefix>_kind + <prefix>_id."""
    return [
        Column(f"{prefix}_kind", String(10), nullable=nullable),
        Column(f"{prefix}_id", String(36), nullable=nullable),
    ]


def json_col(name: str, nullable: bool = False) -> Column:
    return Column(name, JSON, nullable=nullable)
