"""Telling other services what the ticket settings now are (settings.changed).

The whole catalogue goes out with every change, in the change's own transaction, so
a consumer needs only the newest message. At start the worker announces it once
more: a service that came up after the last change (or a desk that never changed
its defaults) learns it too.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from relay_tickets.adapters.tables.settings import client_categories, priorities, statuses, ticket_types
from relaykit.service import Runtime

log = logging.getLogger(__name__)


def catalogue(session: Session) -> dict[str, Any]:
    def rows(table, *cols, order):
        result = session.execute(select(*(table.c[c] for c in cols)).order_by(*order))
        return [{str(k): v for k, v in r._mapping.items()} for r in result]

    return {
        "types": rows(ticket_types, "key", "name", "internal", "active", order=[ticket_types.c.position]),
        "priorities": rows(priorities, "key", "name", "position", "active", order=[priorities.c.position]),
        "statuses": rows(statuses, "key", "name", "kind", "sla_pausing", order=[statuses.c.position]),
        "client_categories": rows(client_categories, "id", "name", order=[client_categories.c.position]),
    }


def announce(runtime: Runtime, session: Session) -> None:
    # Changes are serialised by the settings lock, so the clock gives a rising sequence.
    runtime.outbox.emit(
        session,
        "settings.changed",
        catalogue(session),
        aggregate_type="settings",
        aggregate_id="desk",
        sequence=time.time_ns() // 1000,
    )


class AnnounceAtStart:
    name = "settings-announcer"

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                with self.runtime.db.sessions() as session:
                    announce(self.runtime, session)
                    session.commit()
                return
            except Exception:
                log.exception("could not announce the ticket settings; retrying")
                stop.wait(5)
