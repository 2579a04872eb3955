"""Tables of the tickets service and the mapping of the domain classes onto them."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, String, Table, Text, event
from sqlalchemy.orm import registry

from relay_tickets.domain.ticket import Ticket
from relaykit.db_types import UtcDateTime

metadata = MetaData()
mapper_registry = registry(metadata=metadata)

tickets = Table(
    "tickets",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("number", BigInteger, nullable=False, unique=True),
    Column("subject", String(250), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("status", String(40), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_tickets_status_number", "status", "number"),
)

# SQLite has no sequences; PostgreSQL uses ticket_number_seq (see the migration).
ticket_number_counter = Table(
    "ticket_number_counter",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("value", BigInteger, nullable=False),
)

_mapped = False


def start_mappers() -> None:
    global _mapped
    if _mapped:
        return
    mapper_registry.map_imperatively(Ticket, tickets)
    _mapped = True


@event.listens_for(Ticket, "load")
def _init_events(ticket: Ticket, _context) -> None:
    ticket.events = []
