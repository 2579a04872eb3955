"""Registering tickets whose registration failed, once the cause is gone.

A ticket's clocks start from its first event. When that fails (a rule's calendar has no
working time, its registration lies outside the years the calendars cover, any error of
the handler), retrying the message cannot help: the cause is in the SLA settings, and the
ticket may send no other event for days. So the failure is not left to the bus's retries
and dead-letter queue: the ticket is recorded in `sla_unregistered` with the reason and
the snapshots it came with, the message is acknowledged, and the worker's
`RegistrationRetry` registers it again as soon as calendars or rules change (an
administrator fixed the cause) and, for causes elsewhere, on a backoff schedule. Later
events of an unregistered ticket update its record, so the retry starts its clocks from
the first snapshot and brings them to the newest one.

A database outage is not such a failure: it propagates, and the consumer puts the
message back without using a try.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, exists, func, or_, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from relay_sla.adapters.orm import calendars, rules, tickets, unregistered
from relay_sla.service_layer import clocks
from relay_sla.service_layer.book import book
from relaykit.runner import BatchLoop
from relaykit.service import Runtime

log = logging.getLogger(__name__)

# The database errors the consumer treats as an outage (retried without counting a try).
_OUTAGES = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError)
_FIRST_RETRY = timedelta(minutes=1)
_LAST_RETRY = timedelta(hours=1)


def register(runtime: Runtime, session: Session, doc: dict[str, Any], now: datetime) -> bool:
    """ticket.created: start the ticket's clocks, or record why they could not start."""
    record = _record(session, doc["id"])
    if record is not None:
        return _settle(runtime, session, doc["id"], doc.get("number"), now, first=doc, record=record)
    # The usual case, on the hot path of every new ticket: compute first, write after,
    # so a failure needs no savepoint (nothing was written) and the insert's ON CONFLICT
    # answers "already registered" without a lookup. A failure while writing is a fault
    # of the code or the database, not of the settings: it goes the bus's way.
    try:
        plan = clocks.plan_registration(runtime, session, doc)
    except _OUTAGES:
        raise
    except Exception as exc:
        _failed(session, doc["id"], doc.get("number"), doc, None, None, exc, None, now)
        return False
    clocks.write_registration(runtime, session, plan, now)
    return True


def observe(runtime: Runtime, session: Session, doc: dict[str, Any], at: datetime, now: datetime) -> bool:
    """A later ticket event. A registered ticket's clocks follow it as they always do (a
    failure there goes the bus's way); an unregistered one tries its registration again."""
    ticket_id = doc["id"]
    registered, pending = session.execute(
        select(
            select(tickets.c.ticket_id).where(tickets.c.ticket_id == ticket_id).exists(),
            select(unregistered.c.ticket_id).where(unregistered.c.ticket_id == ticket_id).exists(),
        )
    ).one()
    if registered and not pending:
        clocks.observe(runtime, session, doc, at, now)
        return True
    return _settle(runtime, session, ticket_id, doc.get("number"), now, latest=doc, latest_at=at)


# Asked for every new ticket: built once (building a statement costs about what running it does).
_RECORD = select(unregistered).where(unregistered.c.ticket_id == bindparam("ticket_id"))
_RECORD_LOCKED = _RECORD.with_for_update()


def _record(session: Session, ticket_id: str):
    query = _RECORD_LOCKED if session.get_bind().dialect.name == "postgresql" else _RECORD
    return session.execute(query, {"ticket_id": ticket_id}).first()


def _settle(
    runtime: Runtime,
    session: Session,
    ticket_id: str,
    number: int | None,
    now: datetime,
    *,
    first: dict[str, Any] | None = None,
    latest: dict[str, Any] | None = None,
    latest_at: datetime | None = None,
    record=None,
) -> bool:
    """Bring the ticket's clocks to what is known of it; True if that worked, else its
    record holds the reason and what to try again with."""
    record = record if record is not None else _record(session, ticket_id)
    if record is not None:
        # A ticket.created arriving after a later event still gives the starting point,
        # and a later event replaces an earlier one (the consumer delivers them in order).
        first = first or record.first_snapshot
        if latest is None:
            latest, latest_at = record.latest_snapshot, record.latest_at
    try:
        with session.begin_nested():
            _replay(runtime, session, ticket_id, first, latest, latest_at, now)
    except _OUTAGES:
        raise
    except Exception as exc:
        _failed(session, ticket_id, number, first, latest, latest_at, exc, record, now)
        return False
    if record is not None:
        session.execute(delete(unregistered).where(unregistered.c.ticket_id == ticket_id))
        log.info("ticket registered after all", extra={"ticket_id": ticket_id, "attempts": record.attempts})
    return True


def _replay(
    runtime: Runtime,
    session: Session,
    ticket_id: str,
    first: dict[str, Any] | None,
    latest: dict[str, Any] | None,
    latest_at: datetime | None,
    now: datetime,
) -> None:
    known = session.scalar(select(tickets.c.ticket_id).where(tickets.c.ticket_id == ticket_id)) is not None
    if not known and first is not None:
        clocks.register(runtime, session, first, now)
    if latest is not None:
        # Registers from the newest snapshot itself when no ticket.created was seen.
        clocks.observe(runtime, session, latest, latest_at or now, now)


def _failed(session: Session, ticket_id, number, first, latest, latest_at, exc: Exception, record, now) -> None:
    _remember(session, ticket_id, number, first, latest, latest_at, f"{type(exc).__name__}: {exc}", record, now)
    log.warning(
        "ticket not registered; it is tried again when calendars or rules change",
        extra={"ticket_id": ticket_id, "reason": str(exc), "attempts": 1 + (record.attempts if record else 0)},
        exc_info=not isinstance(exc, ValueError),
    )


def _remember(session: Session, ticket_id, number, first, latest, latest_at, reason: str, record, now) -> None:
    attempts = 1 + (record.attempts if record is not None else 0)
    delay = min(_FIRST_RETRY * 2 ** min(attempts - 1, 10), _LAST_RETRY)
    values = {
        "number": number,
        "first_snapshot": first,
        "latest_snapshot": latest,
        "latest_at": latest_at,
        "reason": reason[:2000],
        "attempts": attempts,
        "failed_at": now,
        "next_try_at": now + delay,
        "settings_stamp": settings_stamp(session),
    }
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    # Two consumers (ticket-register and ticket-clocks) may record the same ticket at once.
    statement = dialect.insert(unregistered).values(ticket_id=ticket_id, **values)
    session.execute(statement.on_conflict_do_update(index_elements=[unregistered.c.ticket_id], set_=values))


def settings_stamp(session: Session) -> str:
    """A fingerprint of everything a registration reads from the SLA settings: it moves
    when a calendar or a rule is added, changed, reordered, enabled or removed."""
    cal = session.execute(
        select(
            func.count(), func.coalesce(func.sum(calendars.c.id), 0), func.coalesce(func.sum(calendars.c.version), 0)
        )
    ).one()
    rule = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(rules.c.id), 0),
            func.coalesce(func.sum(rules.c.version), 0),
            func.coalesce(func.sum(rules.c.position * rules.c.id), 0),
        )
    ).one()
    return "calendars:{}.{}.{} rules:{}.{}.{}.{}".format(*cal, *rule)


def unregistered_reason(session: Session, ticket_id: str) -> str | None:
    return session.scalar(select(unregistered.c.reason).where(unregistered.c.ticket_id == ticket_id))


def list_unregistered(runtime: Runtime) -> list[dict[str, Any]]:
    with runtime.db.sessions() as s:
        rows = s.execute(
            select(
                unregistered.c.ticket_id,
                unregistered.c.number,
                unregistered.c.reason,
                unregistered.c.attempts,
                unregistered.c.failed_at,
                unregistered.c.next_try_at,
            ).order_by(unregistered.c.failed_at, unregistered.c.ticket_id)
        )
        return [dict(r._mapping) for r in rows]


class RegistrationRetry(BatchLoop):
    """Tries the unregistered tickets again: every one once calendars or rules changed
    since its last try, the others when their backoff has passed."""

    name = "sla-registration-retry"

    def __init__(self, runtime: Runtime, interval: float = 2.0, batch: int = 200) -> None:
        self.runtime = runtime
        self.interval = interval
        self.batch = batch
        self._stamp: str | None = None

    def tick(self) -> int:
        """One batch; returns how many tickets it tried."""
        with self.runtime.db.sessions() as session:
            # The usual answer: none, from one query.
            if not session.scalar(select(exists().select_from(unregistered))):
                return 0
            stamp = settings_stamp(session)
            if stamp != self._stamp:
                # Rules are cached for a few seconds per process; the change that may have
                # fixed these tickets must be read now.
                book(self.runtime).forget_rules()
                self._stamp = stamp
            now = self.runtime.clock.now()
            query = (
                select(unregistered)
                .where(or_(unregistered.c.settings_stamp != stamp, unregistered.c.next_try_at <= now))
                .order_by(unregistered.c.next_try_at)
                .limit(self.batch)
            )
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            due = session.execute(query).all()
            done = sum(_settle(self.runtime, session, row.ticket_id, row.number, now, record=row) for row in due)
            session.commit()
        if due:
            log.info("unregistered tickets tried again", extra={"tried": len(due), "registered": done})
        return len(due)
