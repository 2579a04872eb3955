"""Changing many tickets at once: each through the same use case as one, in its own
transaction, so one ticket's refusal (a forbidden transition, a concurrent edit)
neither stops nor undoes the others. What is wrong for every ticket alike (an
unknown status, a responsible who does not exist) is refused before any change."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from relay_tickets.domain.access import Viewer
from relay_tickets.domain.parties import Party
from relay_tickets.domain.ticket import UNSET, Ticket
from relay_tickets.service_layer import tickets as use
from relay_tickets.service_layer.unit_of_work import TicketsUnitOfWork, settings_store
from relaykit.errors import RelayError


@dataclass(frozen=True)
class Outcome:
    number: int
    ok: bool
    version: int | None = None
    problem: dict[str, Any] | None = None  # status, detail, field


def _each(numbers: Sequence[int], change: Callable[[int], Ticket]) -> list[Outcome]:
    outcomes = []
    for number in numbers:
        try:
            ticket = change(number)
        except RelayError as e:
            field = next(iter(e.errors), None)
            outcomes.append(Outcome(number, False, problem={"status": e.status, "detail": e.detail, "field": field}))
        else:
            outcomes.append(Outcome(number, True, version=ticket.version))
    return outcomes


def change_status(
    runtime, numbers: Sequence[int], target: str, viewer: Viewer, *, until: datetime | None = None
) -> list[Outcome]:
    viewer.require_staff("change tickets in bulk")
    settings_store(runtime).current().status(target)
    return _each(numbers, lambda n: use.change_status(runtime, n, target, viewer, until=until))


def assign(
    runtime,
    numbers: Sequence[int],
    viewer: Viewer,
    *,
    responsible: Party | None = UNSET,
    add_observers: tuple[Party, ...] = (),
    remove_observers: tuple[Party, ...] = (),
) -> list[Outcome]:
    viewer.require_staff("assign tickets in bulk")
    with TicketsUnitOfWork(runtime) as uow:
        if responsible is not UNSET:
            use.check_party(uow, responsible, "responsible", responsible=True)
        for i, p in enumerate(add_observers):
            use.check_party(uow, p, f"add_observers.{i}")
    return _each(
        numbers,
        lambda n: use.assign(
            runtime,
            n,
            viewer,
            responsible=responsible,
            add_observers=add_observers,
            remove_observers=remove_observers,
        ),
    )
