"""The consumer side of exactly-once effects: handled message ids and aggregate cursors,
written in the same transaction as the handlers' effects, a batch at a time."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from relaykit.bus.envelope import utcnow
from relaykit.kit_schema import aggregate_cursor, inbox

CursorKey = tuple[str, str, str]  # consumer, aggregate type, aggregate id


def _insert(session: Session, table):
    return (postgresql if session.bind.dialect.name == "postgresql" else sqlite).insert(table)


def claim(session: Session, pairs: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """Record (consumer, message id) pairs as handled; return those that were new.

    On PostgreSQL a concurrent claim of the same id waits for the first
    transaction and then finds the row, so two deliveries never both win.
    """
    unique = list(dict.fromkeys(pairs))
    if not unique:
        return set()
    now = utcnow()
    stmt = (
        _insert(session, inbox)
        .values([{"consumer": c, "message_id": m, "handled_at": now} for c, m in unique])
        .on_conflict_do_nothing()
        # RETURNING, not rowcount: psycopg reports -1 for INSERT .. ON CONFLICT.
        .returning(inbox.c.consumer, inbox.c.message_id)
    )
    return {(r.consumer, r.message_id) for r in session.execute(stmt)}


def unclaim(session: Session, consumer: str, message_id: str) -> None:
    """Forget a claim whose handler failed, so the retry is not mistaken for a duplicate."""
    session.execute(delete(inbox).where(inbox.c.consumer == consumer, inbox.c.message_id == message_id))


def forget_before(session: Session, cutoff) -> int:
    """Drop handled-message ids older than `cutoff` (the inbox would grow forever)."""
    return session.execute(delete(inbox).where(inbox.c.handled_at < cutoff)).rowcount or 0


class Cursors:
    """The last applied sequence per (consumer, aggregate), read once and written once
    per batch. Existing rows are locked, so two replicas do not both apply the same
    aggregate's messages out of order."""

    def __init__(self, session: Session, keys: Iterable[CursorKey]) -> None:
        self.session = session
        keys = list(dict.fromkeys(keys))
        self.current: dict[CursorKey, int] = {}
        self.changed: dict[CursorKey, int] = {}
        if keys:
            q = select(
                aggregate_cursor.c.consumer,
                aggregate_cursor.c.aggregate_type,
                aggregate_cursor.c.aggregate_id,
                aggregate_cursor.c.sequence,
            ).where(
                tuple_(
                    aggregate_cursor.c.consumer, aggregate_cursor.c.aggregate_type, aggregate_cursor.c.aggregate_id
                ).in_(keys)
            )
            if session.bind.dialect.name == "postgresql":
                q = q.with_for_update()
            self.current = {(r[0], r[1], r[2]): r[3] for r in session.execute(q)}

    def is_newer(self, key: CursorKey, sequence: int) -> bool:
        return sequence > self.current.get(key, -1)

    def advance(self, key: CursorKey, sequence: int) -> None:
        self.current[key] = sequence
        self.changed[key] = sequence

    def save(self) -> None:
        if not self.changed:
            return
        ins = _insert(self.session, aggregate_cursor).values(
            [
                {"consumer": c, "aggregate_type": t, "aggregate_id": i, "sequence": s}
                for (c, t, i), s in self.changed.items()
            ]
        )
        self.session.execute(
            ins.on_conflict_do_update(
                index_elements=["consumer", "aggregate_type", "aggregate_id"],
                set_={"sequence": ins.excluded.sequence},
                where=aggregate_cursor.c.sequence < ins.excluded.sequence,
            )
        )
        self.changed = {}
