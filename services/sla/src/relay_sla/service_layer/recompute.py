"""Following calendar edits: when an administrator adds a holiday or changes the hours,
the open tickets counting on that calendar get deadlines computed with the new one.

Every ticket row remembers the calendar version its deadlines came from, so the work
left is an indexed query (`calendar_id`, `calendar_version` below the calendar's), done
in batches by the worker, each committed with the planned-times commands it raises. A
restart picks up where it stopped; replicas split the rows with SKIP LOCKED.
"""

from __future__ import annotations

import logging

from sqlalchemy import exists, select, update

from relay_sla.adapters.orm import calendars, tickets
from relay_sla.domain.clocks import REACTION, RESOLUTION, Clocks
from relay_sla.service_layer.book import book
from relay_sla.service_layer.clocks import tell_tickets, timelines_of
from relaykit.runner import BatchLoop
from relaykit.service import Runtime

log = logging.getLogger(__name__)

_DERIVED = ("reaction_due_at", "resolution_due_at", "next_fire_at")


class CalendarFollower(BatchLoop):
    name = "sla-calendar-follower"

    def __init__(self, runtime: Runtime, interval: float = 1.0, batch: int = 500) -> None:
        self.runtime = runtime
        self.interval = interval
        self.batch = batch

    def tick(self) -> int:
        """Bring up to one batch of tickets per edited calendar to its newest version;
        returns how many rows it looked at."""
        # Most ticks find nothing: one query, an index probe per calendar, says so.
        behind = exists().where(
            tickets.c.calendar_id == calendars.c.id, tickets.c.calendar_version < calendars.c.version
        )
        with self.runtime.db.sessions() as session:
            edited = session.execute(select(calendars.c.id, calendars.c.version).where(behind)).all()
        return sum(self._follow(calendar_id, version) for calendar_id, version in edited)

    def _follow(self, calendar_id: int, version: int) -> int:
        behind = (tickets.c.calendar_id == calendar_id) & (tickets.c.calendar_version < version)
        with self.runtime.db.sessions() as session:
            # A resolved or closed ticket has nothing left to fall due; should it reopen,
            # its deadlines are computed afresh then.
            session.execute(
                update(tickets).where(behind, tickets.c.state == "stopped").values(calendar_version=version)
            )
            query = select(tickets).where(behind).order_by(tickets.c.ticket_id).limit(self.batch)
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = session.execute(query).all()
            if rows:
                current, calendar = book(self.runtime).calendar_and_version(session, calendar_id)
                timelines = timelines_of(session, [r.ticket_id for r in rows])
                for row in rows:
                    clocks = Clocks.derive(timelines[row.ticket_id])
                    pending = clocks.pending(calendar)
                    derived = {
                        "reaction_due_at": clocks.due_at(calendar, REACTION),
                        "resolution_due_at": clocks.due_at(calendar, RESOLUTION),
                        "next_fire_at": pending[0].moment if pending else None,
                    }
                    values = {"calendar_version": current}
                    if any(derived[k] != getattr(row, k) for k in _DERIVED):
                        values |= derived | {"version": row.version + 1}
                        tell_tickets(
                            self.runtime,
                            session,
                            row.ticket_id,
                            derived | {"rule_name": row.rule_name},
                            version=row.version + 1,
                            before=row,
                        )
                    session.execute(update(tickets).where(tickets.c.ticket_id == row.ticket_id).values(**values))
            session.commit()
        if rows:
            log.info("deadlines follow an edited calendar", extra={"calendar_id": calendar_id, "tickets": len(rows)})
        return len(rows)
