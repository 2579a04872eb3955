"""The sender's doorbell: the consumer rings it when a transaction that queued mail or SMS
commits, so a sender in the same process starts at once instead of at its next tick.

A sender elsewhere (another worker process) still finds the rows on its tick: the bell
only shortens the wait, the database stays the one source of what is due.
"""

from __future__ import annotations

import threading

from sqlalchemy import event
from sqlalchemy.orm import Session

from relaykit.service import Runtime


def bell(runtime: Runtime) -> threading.Event:
    return runtime.extensions.setdefault("notify.doorbell", threading.Event())


def ring_after_commit(runtime: Runtime, session: Session) -> None:
    """Ring once this session's transaction commits (never before: the rows must be visible)."""
    if session.info.get("notify.doorbell"):
        return  # one listener per session, however many events its transaction handles

    def ring(_session: Session) -> None:
        session.info.pop("notify.doorbell", None)
        bell(runtime).set()

    session.info["notify.doorbell"] = True
    event.listen(session, "after_commit", ring, once=True)
