"""Statuses and the transitions between them, as data (after RT's lifecycles).

One structure that administrators edit and that the API, the domain and the
UI all obey: the statuses that exist (each open or closed, pausing the SLA
clock or not) and, per ticket type, which status may follow which.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from relaykit.errors import Conflict, InvalidInput

OPENED, POSTPONED, RESOLVED, CLOSED = "opened", "postponed", "resolved", "closed"
OPEN_KIND, CLOSED_KIND = "open", "closed"


@dataclass(frozen=True)
class Status:
    key: str
    name: str
    kind: str  # open or closed
    sla_pausing: bool = False
    builtin: bool = False
    position: int = 0

    @property
    def is_open(self) -> bool:
        return self.kind == OPEN_KIND


DEFAULT_STATUSES = (
    Status(OPENED, "Opened", OPEN_KIND, builtin=True, position=10),
    Status(POSTPONED, "Postponed", OPEN_KIND, sla_pausing=True, builtin=True, position=20),
    Status(RESOLVED, "Resolved", CLOSED_KIND, builtin=True, position=30),
    Status(CLOSED, "Closed", CLOSED_KIND, builtin=True, position=40),
)

DEFAULT_TRANSITIONS: Mapping[str, frozenset[str]] = {
    OPENED: frozenset({POSTPONED, RESOLVED}),
    POSTPONED: frozenset({OPENED, RESOLVED}),
    RESOLVED: frozenset({CLOSED, OPENED}),
    CLOSED: frozenset(),
}


class TransitionForbidden(Conflict):
    def __init__(self, current: str, target: str, allowed: Iterable[str]) -> None:
        allowed = sorted(allowed)
        hint = ", ".join(allowed) if allowed else "none: it is final"
        super().__init__(
            f"a ticket cannot go from {current!r} to {target!r}; allowed from {current!r}: {hint}",
            field="status",
            current=current,
            allowed=allowed,
        )


@dataclass(frozen=True)
class Lifecycle:
    """The allowed transitions of one ticket type."""

    transitions: Mapping[str, frozenset[str]] = field(default_factory=lambda: dict(DEFAULT_TRANSITIONS))

    def allowed_from(self, status: str) -> frozenset[str]:
        return self.transitions.get(status, frozenset())

    def check(self, current: str, target: str) -> None:
        if target not in self.allowed_from(current):
            raise TransitionForbidden(current, target, self.allowed_from(current))

    def statuses(self) -> set[str]:
        return set(self.transitions) | {s for targets in self.transitions.values() for s in targets}

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]], known: Iterable[str]) -> Lifecycle:
        """Build from (from, to) rows; every status must exist and opened must be reachable."""
        known = set(known)
        graph: dict[str, set[str]] = {}
        for i, (a, b) in enumerate(pairs):
            for s in (a, b):
                if s not in known:
                    raise InvalidInput(f"unknown status {s!r}", field=f"transitions.{i}")
            if a == b:
                raise InvalidInput(f"a status cannot lead to itself ({a!r})", field=f"transitions.{i}")
            graph.setdefault(a, set()).add(b)
        if OPENED not in graph:
            raise InvalidInput("a lifecycle must say where 'opened' tickets can go", field="transitions")
        return cls({k: frozenset(v) for k, v in graph.items()})

    def pairs(self) -> list[tuple[str, str]]:
        return sorted((a, b) for a, targets in self.transitions.items() for b in targets)
