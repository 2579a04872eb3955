"""The SLA clock: fires warnings and breaches at their moment.

Each ticket row carries its next due moment (`next_fire_at`, indexed), so a tick reads
only what is due, never every open ticket. Firing appends to the ticket's timeline,
moves `next_fire_at` on and writes the event to the outbox in one transaction: after a
crash or restart nothing is lost (the row still says it is due) or doubled (the
timeline says it fired). Several replicas may run the clock: rows are taken with
SKIP LOCKED on PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime

from prometheus_client import Counter, Histogram
from sqlalchemy import bindparam, select, update

from relay_sla.adapters.orm import tickets
from relay_sla.domain.clocks import Clocks, Entry, Firing
from relay_sla.service_layer.book import book
from relay_sla.service_layer.clocks import append_many, timelines_of
from relaykit.runner import BatchLoop
from relaykit.service import Runtime

FIRED = Counter("relay_sla_fired_total", "Warnings and breaches fired", ["kind", "clock"])
LATENESS = Histogram(
    "relay_sla_fire_lateness_seconds",
    "How long after its moment a warning or breach fired",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 30, 300),
)


class SlaClock(BatchLoop):
    name = "sla-clock"

    def __init__(self, runtime: Runtime, interval: float = 0.2, batch: int = 500) -> None:
        self.runtime = runtime
        self.interval = interval
        self.batch = batch

    def tick(self, now: datetime | None = None) -> int:
        """Fire everything due by now; returns how many tickets fired something."""
        now = now or self.runtime.clock.now()
        with self.runtime.db.sessions() as session:
            query = (
                select(tickets.c.ticket_id, tickets.c.version, tickets.c.number)
                .where(tickets.c.next_fire_at <= now)
                .order_by(tickets.c.next_fire_at)
                .limit(self.batch)
            )
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            due = session.execute(query).all()
            if not due:
                return 0
            # One read of every due ticket's timeline, one write of what fired.
            timelines = timelines_of(session, [row.ticket_id for row in due])
            calendars: dict[int, object] = {}
            fired_entries: list[tuple[str, Entry]] = []
            moved: list[dict] = []
            for row in due:
                clocks = Clocks.derive(timelines[row.ticket_id])
                calendar_id = clocks.targets.calendar_id
                if calendar_id not in calendars:
                    calendars[calendar_id] = book(self.runtime).calendar(session, calendar_id)
                calendar = calendars[calendar_id]
                pending = clocks.pending(calendar)
                ready = [f for f in pending if f.moment <= now]
                for offset, firing in enumerate(ready, start=1):
                    fired_entries.append((row.ticket_id, clocks.fired_entry(firing, now)))
                    self._publish(
                        session, row.ticket_id, row.number, clocks, calendar, firing, row.version + offset, now
                    )
                later = [f for f in pending if f.moment > now]
                moved.append(
                    {
                        "key": row.ticket_id,
                        "next_fire_at": later[0].moment if later else None,
                        "version": row.version + len(ready),
                    }
                )
            append_many(session, fired_entries, now)
            session.execute(
                update(tickets)
                .where(tickets.c.ticket_id == bindparam("key"))
                .values(next_fire_at=bindparam("next_fire_at"), version=bindparam("version")),
                moved,
            )
            session.commit()
        return len(due)

    def _publish(self, session, ticket_id, number, clocks: Clocks, calendar, firing: Firing, sequence, now) -> None:
        kind = "breached" if firing.is_breach else "warning"
        due = clocks.moment(calendar, firing.clock)
        data = {
            "ticket_id": ticket_id,
            "number": number,
            "clock": firing.clock,
            "fraction": firing.level,
            "due_at": due.isoformat() if due else None,
            "moment": firing.moment.isoformat(),
            "fired_at": now.isoformat(),
            "rule": clocks.targets.rule_name,
        }
        self.runtime.outbox.emit(
            session, f"sla.{kind}", data, aggregate_type="ticket", aggregate_id=ticket_id, sequence=sequence
        )
        FIRED.labels(kind, firing.clock).inc()
        LATENESS.observe(max(0.0, (now - firing.moment).total_seconds()))
