"""The domain classes mapped onto the tables, from the outside (the domain imports nothing of this)."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import registry, relationship

from relay_tickets.adapters.tables import metadata
from relay_tickets.adapters.tables.tickets import ticket_observers, tickets
from relay_tickets.domain.ticket import Ticket, TicketObserver

mapper_registry = registry(metadata=metadata)
_mapped = False


def start_mappers() -> None:
    global _mapped
    if _mapped:
        return
    mapper_registry.map_imperatively(TicketObserver, ticket_observers)
    mapper_registry.map_imperatively(
        Ticket,
        tickets,
        properties={
            "observers": relationship(TicketObserver, cascade="all, delete-orphan", lazy="selectin"),
        },
        # The domain bumps the version once per event; the UPDATE checks the loaded one,
        # so a concurrent change of the same ticket fails instead of being overwritten.
        version_id_col=tickets.c.version,
        version_id_generator=False,
        # The number comes back with the INSERT (RETURNING) on PostgreSQL.
        eager_defaults=True,
    )
    event.listen(Ticket, "load", _init_transient)
    _mapped = True


def _init_transient(ticket: Ticket, _context) -> None:
    ticket.events = []
    ticket.pending_history = []
    ticket.pending_statuses = []
