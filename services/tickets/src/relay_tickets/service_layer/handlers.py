"""Use cases of the tickets service; each runs in one unit of work."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from relay_tickets.domain.ticket import Ticket
from relay_tickets.service_layer.unit_of_work import TicketsUnitOfWork
from relaykit.errors import NotFound

UowFactory = Callable[[], TicketsUnitOfWork]


@dataclass(frozen=True)
class CreateTicket:
    subject: str
    description: str = ""
    channel: str = "api"


def create_ticket(uow_factory: UowFactory, cmd: CreateTicket, now: datetime | None = None) -> Ticket:
    with uow_factory() as uow:
        ticket = Ticket.register(
            id=str(uuid.uuid4()),
            number=uow.tickets.next_number(),
            subject=cmd.subject,
            description=cmd.description,
            channel=cmd.channel,
            now=now or datetime.now(UTC),
        )
        uow.tickets.add(ticket)
        uow.commit()
        return ticket


def get_ticket(uow_factory: UowFactory, number: int) -> Ticket:
    with uow_factory() as uow:
        ticket = uow.tickets.get(number)
        if ticket is None:
            raise NotFound(f"there is no ticket #{number}", field="number")
        return ticket


def list_tickets(
    uow_factory: UowFactory, *, statuses: Sequence[str] = (), before: int | None = None, limit: int = 50
) -> tuple[list[Ticket], int | None]:
    """A page and the cursor of the next one (None on the last page)."""
    with uow_factory() as uow:
        page = uow.tickets.page(statuses=statuses, before=before, limit=limit + 1)
    more = len(page) > limit
    page = page[:limit]
    return page, (page[-1].number if more and page else None)
