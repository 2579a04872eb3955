"""Finding and storing tickets, and what they recorded on the way (history, status intervals)."""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from relay_tickets.adapters.tables.activity import status_intervals, ticket_history
from relay_tickets.adapters.tables.tickets import ticket_links, ticket_number_counter, tickets
from relay_tickets.domain.ticket import Ticket


class TicketRepository:
    def __init__(self, session: Session, track) -> None:
        self.session = session
        self._track = track

    def next_number(self) -> int | None:
        """Sequential, never reused: a rolled-back number is skipped, not handed out again.
        None on PostgreSQL: the INSERT takes it from the sequence (one round trip less)."""
        if self.session.bind.dialect.name == "postgresql":
            return None
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

    def get_by_id(self, ticket_id: str) -> Ticket | None:
        ticket = self.session.get(Ticket, ticket_id)
        if ticket is not None:
            self._track(ticket)
        return ticket

    def exists(self, ticket_id: str) -> bool:
        return self.session.scalar(select(tickets.c.id).where(tickets.c.id == ticket_id)) is not None

    def link(self, ticket_id: str, related_id: str, kind: str) -> None:
        self.session.execute(insert(ticket_links).values(ticket_id=ticket_id, related_id=related_id, kind=kind))

    def links(self, ticket_id: str) -> list[dict]:
        rows = self.session.execute(
            select(ticket_links.c.related_id, ticket_links.c.kind, tickets.c.number)
            .join(tickets, tickets.c.id == ticket_links.c.related_id)
            .where(ticket_links.c.ticket_id == ticket_id)
        )
        return [{"ticket_id": r.related_id, "number": r.number, "kind": r.kind} for r in rows]

    def write_pending(self, ticket: Ticket) -> None:
        """History rows and status intervals the ticket recorded (after the ticket row is flushed)."""
        if ticket.pending_history:
            self.session.execute(
                insert(ticket_history),
                [
                    {
                        "ticket_id": ticket.id,
                        "at": h.at,
                        "actor_kind": h.actor.kind,
                        "actor_id": h.actor.id,
                        "actor_name": h.actor.name,
                        "channel": h.actor.channel,
                        "field": h.field,
                        "old_value": h.old,
                        "new_value": h.new,
                    }
                    for h in ticket.pending_history
                ],
            )
            ticket.pending_history.clear()
        for status, at, ends_previous in ticket.pending_statuses:
            if ends_previous:
                self.session.execute(
                    update(status_intervals)
                    .where(status_intervals.c.ticket_id == ticket.id, status_intervals.c.ended_at.is_(None))
                    .values(ended_at=at)
                )
            self.session.execute(insert(status_intervals).values(ticket_id=ticket.id, status=status, started_at=at))
        ticket.pending_statuses.clear()
