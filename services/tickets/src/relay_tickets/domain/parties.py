"""Who a ticket points at and who acts on it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from relaykit.errors import InvalidInput
from relaykit.identity import ADMINISTRATOR

EMPLOYEE = "employee"
GROUP = "group"
CONTACT = "contact"
SYSTEM = "system"


@dataclass(frozen=True, order=True)
class Party:
    """An employee or a group: a responsible, an observer, a manager."""

    kind: str
    id: str

    def __post_init__(self) -> None:
        if self.kind not in (EMPLOYEE, GROUP):
            raise InvalidInput(f"must be an employee or a group, not {self.kind!r}", field="kind")

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "id": self.id}

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> Party | None:
        return None if d is None else cls(d["kind"], str(d["id"]))


@dataclass(frozen=True)
class Actor:
    """Who did something to a ticket, and through which channel."""

    kind: str  # employee, contact or system
    id: str
    channel: str = "api"
    name: str | None = None
    # The verified caller's role (relaykit.identity); None for Relay's own code (SYSTEM_ACTOR).
    # Not in to_dict: events name who acted, what they may do is this service's business.
    role: str | None = None

    @property
    def is_employee(self) -> bool:
        return self.kind == EMPLOYEE

    @property
    def is_contact(self) -> bool:
        return self.kind == CONTACT

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "name": self.name, "channel": self.channel}


SYSTEM_ACTOR = Actor(SYSTEM, "tickets", "system", "Relay")


def is_administrator(actor: Actor) -> bool:
    """May this actor widen someone's access (a customer's reach, a member of staff, the
    desk's settings)? An administrator's call, or Relay's own code acting as SYSTEM_ACTOR
    (the demo): a caller of the API always carries its role, so it is never that one."""
    return actor == SYSTEM_ACTOR or actor.role == ADMINISTRATOR
