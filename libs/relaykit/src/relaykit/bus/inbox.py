"""The consumer side of exactly-once effects: handled message ids and aggregate cursors,
written in the same transaction as the handler's effect."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from relaykit.bus.envelope import utcnow
from relaykit.kit_schema import aggregate_cursor, inbox


def _insert(session: Session, table):
    return (postgresql if session.bind.dialect.name == "postgresql" else sqlite).insert(table)


def claim(session: Session, consumer: str, message_id: str) -> bool:
    """Record the message as handled by `consumer`; False if it already was.

    On PostgreSQL a concurrent claim of the same id waits for the first
    transaction and then finds the row, so two deliveries never both win.
    """
    stmt = (
        _insert(session, inbox)
        .values(consumer=consumer, message_id=message_id, handled_at=utcnow())
        .on_conflict_do_nothing()
        .returning(inbox.c.message_id)
    )
    # RETURNING, not rowcount: psycopg reports -1 for INSERT .. ON CONFLICT.
    return session.execute(stmt).first() is not None


def advance(session: Session, consumer: str, aggregate_type: str, aggregate_id: str, sequence: int) -> bool:
    """Move the consumer's cursor for one aggregate forward; False if the message is stale
    (a newer state of the aggregate was already applied)."""
    ins = _insert(session, aggregate_cursor).values(
        consumer=consumer, aggregate_type=aggregate_type, aggregate_id=aggregate_id, sequence=sequence
    )
    stmt = ins.on_conflict_do_update(
        index_elements=["consumer", "aggregate_type", "aggregate_id"],
        set_={"sequence": ins.excluded.sequence},
        where=aggregate_cursor.c.sequence < ins.excluded.sequence,
    ).returning(aggregate_cursor.c.sequence)
    return session.execute(stmt).first() is not None
