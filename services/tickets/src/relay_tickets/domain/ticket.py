"""The ticket aggregate. Plain Python: the ORM maps it from the outside."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from relay_tickets.domain.events import TicketCreated
from relaykit.errors import InvalidInput

OPENED = "opened"
CHANNELS = ("agent", "portal", "email", "api", "web_form", "recurring")
SUBJECT_MAX = 250


@dataclass(eq=False)
class Ticket:
    id: str
    number: int
    subject: str
    description: str
    status: str
    channel: str
    created_at: datetime
    updated_at: datetime
    version: int = 1
    events: list[Any] = field(default_factory=list, repr=False)

    @classmethod
    def register(cls, *, id: str, number: int, subject: str, description: str, channel: str, now: datetime) -> Ticket:
        subject = subject.strip()
        if not subject:
            raise InvalidInput("a ticket needs a subject", field="subject")
        if len(subject) > SUBJECT_MAX:
            raise InvalidInput(f"the subject is longer than {SUBJECT_MAX} characters", field="subject")
        if channel not in CHANNELS:
            raise InvalidInput(f"unknown channel {channel!r}", field="channel")
        ticket = cls(
            id=id,
            number=number,
            subject=subject,
            description=description,
            status=OPENED,
            channel=channel,
            created_at=now,
            updated_at=now,
            version=1,
        )
        ticket.events.append(TicketCreated(ticket.snapshot()))
        return ticket

    def snapshot(self) -> dict[str, Any]:
        """The state ticket.* events carry (contracts/schemas/ticket.snapshot.v1.json)."""
        return {
            "id": self.id,
            "number": self.number,
            "subject": self.subject,
            "description": self.description,
            "status": self.status,
            "channel": self.channel,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "version": self.version,
        }
