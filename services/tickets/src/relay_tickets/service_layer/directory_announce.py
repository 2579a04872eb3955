"""Announcing directory entries again: `<kind>.changed` with change `updated` and the
entry's current version as its sequence. A consumer that already holds that version
skips it (its aggregate cursor); one that came later, or lost its copy, learns it.

The gateway needs this most: it lets a token act only for an employee or contact its
own copy knows. The worker announces every employee when it starts (staff are few,
and a gateway that has not heard of them refuses their tokens); contacts can be many,
so they are announced when an operator asks (`relay directory announce`).
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import select

from relay_tickets.adapters.directory_repository import TABLES, DirectoryRepository
from relay_tickets.domain.directory import UPDATED, Employee, Entry
from relaykit.service import Runtime

log = logging.getLogger(__name__)

BATCH = 500


def announce(runtime: Runtime, cls: type[Entry], batch: int = BATCH) -> int:
    """Announce every entry of `cls`, a batch per transaction, in id order; returns how many."""
    table = TABLES[cls]
    after, count = "", 0
    while True:
        with runtime.db.session() as session:
            ids = list(session.scalars(select(table.c.id).where(table.c.id > after).order_by(table.c.id).limit(batch)))
            for entry in DirectoryRepository(session).get_many(cls, ids):
                runtime.outbox.emit(
                    session,
                    entry.event_type,
                    {entry.KIND: entry.snapshot(), "change": UPDATED},
                    aggregate_type=entry.KIND,
                    aggregate_id=entry.id,
                    sequence=entry.version,
                )
        count += len(ids)
        if len(ids) < batch:
            return count
        after = ids[-1]


class AnnounceStaffAtStart:
    name = "staff-announcer"

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                count = announce(self.runtime, Employee)
                log.info("employees announced", extra={"count": count})
                return
            except Exception:
                log.exception("could not announce the employees; retrying")
                stop.wait(5)
