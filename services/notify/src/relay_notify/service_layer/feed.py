"""Each employee's in-app feed (the bell): their inapp notifications, unread count, mark
read; and their notification preferences."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update

from relay_notify.adapters.orm import notifications
from relay_notify.adapters.orm import preferences as preference_rows
from relay_notify.domain.switches import INAPP
from relay_notify.service_layer import config
from relaykit.db import upsert
from relaykit.errors import InvalidInput, NotFound
from relaykit.service import Runtime

FEED_COLUMNS = [
    notifications.c[n] for n in ("id", "notification", "ticket_number", "subject", "text", "created_at", "read_at")
]


def after_cursor(after: str):
    """Rows after a page's last one (newest first); the cursor is `<created_at>|<id>`."""
    created, _, ident = after.partition("|")
    try:
        at = datetime.fromisoformat(created)
    except ValueError:
        raise InvalidInput("not a cursor this list gave", field="after") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    c = notifications.c
    return (c.created_at < at) | ((c.created_at == at) & (c.id < ident))


def _mine(employee_id: str):
    return (notifications.c.recipient_id == employee_id) & (notifications.c.channel == INAPP)


def list_feed(runtime: Runtime, employee_id: str, query: dict[str, Any]) -> dict[str, Any]:
    stmt = select(*FEED_COLUMNS).where(_mine(employee_id))
    if query.get("unread"):
        stmt = stmt.where(notifications.c.read_at.is_(None))
    if after := query.get("after"):
        stmt = stmt.where(after_cursor(after))
    limit = query["limit"]
    with runtime.db.session() as session:
        rows = [
            dict(r)
            for r in session.execute(
                stmt.order_by(notifications.c.created_at.desc(), notifications.c.id.desc()).limit(limit + 1)
            ).mappings()
        ]
        count = _unread(session, employee_id)
    more = len(rows) > limit
    rows = rows[:limit]
    nxt = f"{rows[-1]['created_at'].isoformat()}|{rows[-1]['id']}" if more and rows else None
    return {"items": rows, "unread": count, "next": nxt}


def _unread(session, employee_id: str) -> int:
    return session.scalar(
        select(func.count()).select_from(notifications).where(_mine(employee_id), notifications.c.read_at.is_(None))
    )


def unread(runtime: Runtime, employee_id: str) -> int:
    with runtime.db.session() as session:
        return _unread(session, employee_id)


def mark_read(runtime: Runtime, employee_id: str, item_id: str) -> dict[str, Any]:
    with runtime.db.session() as session:
        session.execute(
            update(notifications)
            .where(_mine(employee_id), notifications.c.id == item_id, notifications.c.read_at.is_(None))
            .values(read_at=runtime.clock.now())
        )
        row = (
            session.execute(select(*FEED_COLUMNS).where(_mine(employee_id), notifications.c.id == item_id))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound(f"no notification {item_id} in your feed", field="id")
        session.commit()
        return dict(row)


def mark_all_read(runtime: Runtime, employee_id: str) -> int:
    with runtime.db.session() as session:
        done = session.execute(
            update(notifications)
            .where(_mine(employee_id), notifications.c.read_at.is_(None))
            .values(read_at=runtime.clock.now())
        ).rowcount
        session.commit()
        return done


def preferences(runtime: Runtime, employee_id: str) -> dict[str, Any]:
    with runtime.db.session() as session:
        p = config.preferences_of(session, employee_id)
    return {"channels": p.channels, "own_actions": p.own_actions, "language": p.language}


def set_preferences(runtime: Runtime, employee_id: str, body: dict[str, Any]) -> dict[str, Any]:
    current = preferences(runtime, employee_id)
    merged = {**current, **body, "channels": {**current["channels"], **(body.get("channels") or {})}}
    with runtime.db.session() as session:
        upsert(
            session,
            preference_rows,
            {"employee_id": employee_id, "data": merged, "updated_at": runtime.clock.now()},
            ["employee_id"],
        )
        session.commit()
    return preferences(runtime, employee_id)
