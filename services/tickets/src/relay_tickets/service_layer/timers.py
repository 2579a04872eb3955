"""Relay's own clock-driven rules for tickets: a postponed ticket returns to
`opened` when its time comes; a resolved ticket nobody answered closes itself
after the desk's timeout.

A background task of the tickets worker looks for due tickets through indexed
columns (postponed_until, (status, resolved_at)) once a second; several
replicas may run it, each ticket is changed once (row lock + version check).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from relay_tickets.adapters.tables.tickets import tickets
from relay_tickets.domain.access import Viewer
from relay_tickets.domain.lifecycle import CLOSED, OPENED, POSTPONED, RESOLVED
from relay_tickets.domain.parties import SYSTEM_ACTOR
from relay_tickets.service_layer.unit_of_work import TicketsUnitOfWork, settings_store
from relaykit.identity import SYSTEM, Identity

log = logging.getLogger(__name__)
RELAY = Viewer(Identity("tickets", SYSTEM, name="Relay", channel="system"))
BATCH = 200


class TicketTimers:
    name = "ticket-timers"

    def __init__(self, runtime, interval: float = 1.0) -> None:
        self.runtime = runtime
        self.interval = interval

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.tick()
            except Exception:
                log.exception("ticket timers failed; retrying")
            stop.wait(self.interval)

    def tick(self) -> dict[str, int]:
        """Apply every due rule now; returns how many tickets each rule moved."""
        now = self.runtime.clock.now()
        config = settings_store(self.runtime).current()
        returned = self._apply(
            select(tickets.c.id).where(tickets.c.status == POSTPONED, tickets.c.postponed_until <= now),
            now,
            lambda t: t.due_to_return(now),
            OPENED,
            "the time it was postponed until has come",
        )
        closed = self._apply(
            select(tickets.c.id).where(
                tickets.c.status == RESOLVED, tickets.c.resolved_at <= now - config.auto_close_after
            ),
            now,
            lambda t: t.due_to_close(now, config.auto_close_after),
            CLOSED,
            "resolved without a reply from the customer",
        )
        return {"returned": returned, "closed": closed}

    def _apply(self, due_query, now: datetime, still_due, target: str, reason: str) -> int:
        with self.runtime.db.sessions() as s:
            ids = list(s.scalars(due_query.limit(BATCH)))
        moved = 0
        for ticket_id in ids:
            with TicketsUnitOfWork(self.runtime) as uow:
                ticket = uow.tickets.get_by_id(ticket_id)
                if ticket is None or not still_due(ticket):
                    continue  # someone moved it meanwhile
                config = uow.config
                ticket.change_status(
                    target,
                    SYSTEM_ACTOR,
                    now,
                    lifecycle=config.lifecycle(ticket.type),
                    statuses=config.statuses,
                    forced=True,
                    reason=reason,
                )
                try:
                    uow.commit()
                    moved += 1
                except StaleDataError:
                    log.info("ticket changed while its timer fired; left as it is", extra={"ticket": ticket_id})
        return moved
