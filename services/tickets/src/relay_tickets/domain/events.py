"""What happens to tickets, as plain values (published as ticket.* messages).

Every event carries the ticket snapshot after the change and the actor; the
snapshot's version is the event's sequence, so consumers can drop stale ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

CREATED = "ticket.created"
UPDATED = "ticket.updated"
STATUS_CHANGED = "ticket.status_changed"
ASSIGNED = "ticket.assigned"
COMMENT_ADDED = "ticket.comment_added"
RATED = "ticket.rated"
TIME_LOGGED = "ticket.time_logged"
MERGED = "ticket.merged"  # on the ticket that took the other one in
SPLIT = "ticket.split"  # on the ticket a comment was split off
TICKET_EVENTS = (CREATED, UPDATED, STATUS_CHANGED, ASSIGNED, COMMENT_ADDED, RATED, TIME_LOGGED, MERGED, SPLIT)


@dataclass(frozen=True)
class TicketEvent:
    type: str
    ticket: dict[str, Any]
    details: dict[str, Any] = field(default_factory=dict)
    version: ClassVar[int] = 1
    aggregate_type: ClassVar[str] = "ticket"

    @property
    def aggregate_id(self) -> str:
        return self.ticket["id"]

    @property
    def sequence(self) -> int:
        return self.ticket["version"]

    def data(self) -> dict[str, Any]:
        return {"ticket": self.ticket, **self.details}
