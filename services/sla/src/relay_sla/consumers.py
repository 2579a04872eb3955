"""Messages the SLA service reacts to."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert
from sqlalchemy.orm import Session

from relay_sla.adapters.orm import tracked_tickets
from relaykit.bus import Message
from relaykit.bus.consumer import ConsumerSpec
from relaykit.service import Runtime


def register_ticket(session: Session, message: Message) -> None:
    """Start tracking a new ticket: the registration moment is where its clocks start."""
    ticket = message.data["ticket"]
    session.execute(
        insert(tracked_tickets).values(
            ticket_id=ticket["id"],
            number=ticket["number"],
            status=ticket["status"],
            registered_at=datetime.fromisoformat(ticket["created_at"]),
            recorded_at=datetime.now(UTC),
        )
    )


def consumers(_runtime: Runtime) -> list[ConsumerSpec]:
    return [ConsumerSpec("ticket-register", {"ticket.created": register_ticket}, ordered=True)]
