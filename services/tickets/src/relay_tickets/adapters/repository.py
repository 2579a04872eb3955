"""Finding and storing tickets."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from relay_tickets.adapters.orm import ticket_number_counter, tickets
from relay_tickets.domain.ticket import Ticket


class TicketRepository:
    def __init__(self, session: Session, track) -> None:
        self.session = session
        self._track = track

    def next_number(self) -> int:
        """Sequential, never reused: a rolled-back number is skipped, not handed out again."""
        if self.session.bind.dialect.name == "postgresql":
            return int(self.session.scalar(text("SELECT nextval('ticket_number_seq')")))
        return int(
            self.session.scalar(
                update(ticket_number_counter)
                .where(ticket_number_counter.c.id == 1)
                .values(value=ticket_number_counter.c.value + 1)
                .returning(ticket_number_counter.c.value)
            )
        )

    def add(self, ticket: Ticket) -> None:
        self.session.add(ticket)
        self._track(ticket)

    def get(self, number: int) -> Ticket | None:
        ticket = self.session.scalar(select(Ticket).where(tickets.c.number == number))
        if ticket is not None:
            self._track(ticket)
        return ticket

    def page(self, *, statuses: Sequence[str] = (), before: int | None = None, limit: int = 50) -> list[Ticket]:
        """Newest first; keyset pagination on the number."""
        q = select(Ticket).order_by(tickets.c.number.desc()).limit(limit)
        if statuses:
            q = q.where(tickets.c.status.in_(statuses))
        if before is not None:
            q = q.where(tickets.c.number < before)
        return list(self.session.scalars(q))
