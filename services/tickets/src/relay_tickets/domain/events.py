"""What happens to tickets, as plain values (published as ticket.* messages)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class TicketCreated:
    type: ClassVar[str] = "ticket.created"
    version: ClassVar[int] = 1
    aggregate_type: ClassVar[str] = "ticket"
    ticket: dict[str, Any]

    @property
    def aggregate_id(self) -> str:
        return self.ticket["id"]

    @property
    def sequence(self) -> int:
        return self.ticket["version"]

    def data(self) -> dict[str, Any]:
        return {"ticket": self.ticket}
