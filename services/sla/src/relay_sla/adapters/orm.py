"""Tables of the SLA service."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, MetaData, String, Table

from relaykit.db_types import UtcDateTime

metadata = MetaData()

# The tickets whose clocks this service keeps, as learnt from ticket.* events.
tracked_tickets = Table(
    "sla_tracked_tickets",
    metadata,
    Column("ticket_id", String(36), primary_key=True),
    Column("number", BigInteger, nullable=False),
    Column("status", String(40), nullable=False),
    Column("registered_at", UtcDateTime, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
)
