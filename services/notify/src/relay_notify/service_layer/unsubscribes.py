"""One-click unsubscribe (RFC 2369 List-Unsubscribe, RFC 8058 List-Unsubscribe-Post) for
the non-essential mails: each carries a link with a signed token naming the notification
row it came in, so following it (or a mail client's one-click POST) stops that kind of
mail to that address, without signing in. Essential mail (registered, resolved, merged,
mentions) has no such link and is never held back by an unsubscribe.

The unsubscribed mails are still planned and recorded, as suppressed with the reason, so
the ticket card shows why someone was not told.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from relay_notify.adapters.orm import notifications, unsubscribes
from relay_notify.domain.switches import EMAIL, ESSENTIAL
from relaykit import mail_tokens
from relaykit.db import upsert
from relaykit.errors import InvalidInput, NotFound
from relaykit.service import Runtime

ACTION = "unsubscribe"
TTL = 365 * 86400  # mail is read long after it is sent
AT_ONCE = 5000  # up to this many unsubscribes are read once per transaction


def link(base_url: str, row: dict[str, Any], secret: str) -> str:
    token = mail_tokens.link_token(ACTION, int(row["ticket_number"] or 0), row["id"], secret, ttl=TTL)
    return f"{base_url.rstrip('/')}/unsubscribe/{token}"


def wanted(row: dict[str, Any]) -> bool:
    return row["channel"] == EMAIL and row["notification"] not in ESSENTIAL


def is_unsubscribed(session: Session, address: str, notification: str) -> bool:
    """Whether `address` asked for no more `notification` mail (read once per transaction
    while there are at most AT_ONCE of them, one query per address and kind after that)."""
    cache = session.info.get("notify.unsubscribes")
    if cache is None:
        found = session.execute(select(unsubscribes.c.address, unsubscribes.c.notification).limit(AT_ONCE + 1)).all()
        cache = session.info["notify.unsubscribes"] = (
            {(a.lower(), n) for a, n in found} if len(found) <= AT_ONCE else None
        )
    if cache is not None:
        return (address.lower(), notification) in cache
    return (
        session.scalar(
            select(unsubscribes.c.address).where(
                unsubscribes.c.address == address.lower(), unsubscribes.c.notification == notification
            )
        )
        is not None
    )


def unsubscribe(runtime: Runtime, token: str) -> dict[str, Any]:
    claim = mail_tokens.read_link_token(token, runtime.settings.identity_secret)
    if claim is None or claim.action != ACTION:
        raise InvalidInput("the link is not valid any more", field="token")
    with runtime.db.session() as session:
        row = session.execute(
            select(notifications.c.address, notifications.c.notification).where(notifications.c.id == claim.subject)
        ).first()
        if row is None:
            raise NotFound("the mail this link came in is gone")
        found = {"address": row.address.lower(), "notification": row.notification, "since": runtime.clock.now()}
        upsert(session, unsubscribes, found, ["address", "notification"], update=[])
        session.commit()
    return found


def listing(runtime: Runtime, address: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    stmt = select(unsubscribes).order_by(unsubscribes.c.since.desc()).limit(limit)
    if address:
        stmt = stmt.where(unsubscribes.c.address == address.lower())
    with runtime.db.reading() as session:
        return [dict(r) for r in session.execute(stmt).mappings()]


def resubscribe(runtime: Runtime, address: str, notification: str) -> None:
    with runtime.db.session() as session:
        gone = session.execute(
            delete(unsubscribes).where(
                unsubscribes.c.address == address.lower(), unsubscribes.c.notification == notification
            )
        )
        if not gone.rowcount:
            raise NotFound("that address is not unsubscribed from that notification")
        session.commit()
