"""The tickets unit of work: the kit's, with the tickets repository on it."""

from __future__ import annotations

from typing import Self

from relay_tickets.adapters.repository import TicketRepository
from relaykit.uow import UnitOfWork


class TicketsUnitOfWork(UnitOfWork):
    tickets: TicketRepository

    def __enter__(self) -> Self:
        super().__enter__()
        self.tickets = TicketRepository(self.session, self.track)
        return self
