"""Webhook subscriptions as administrators manage them: the URL is checked (http(s) only;
in production mode nothing on loopback, link-local or private networks, and again at
connect time by the adapter), the signing secret is generated and shown once, a
disabled subscription is enabled again by setting it active, and each delivery can be
sent again from its log."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from sqlalchemy import delete as sql_delete
from sqlalchemy import select, update

from relay_notify.adapters import webhooks as hooks
from relay_notify.adapters.orm import webhook_attempts, webhook_deliveries, webhooks
from relay_notify.service_layer import config
from relaykit.errors import InvalidInput, NotFound
from relaykit.service import Runtime

PUBLIC = [c for c in webhooks.c if c.name != "secret"]


def _check(runtime: Runtime, session, url: str) -> None:
    production = bool(config.get(runtime, session, "delivery").get("production"))
    try:
        hooks.check_url(url, production=production)
    except hooks.UnsafeUrl as err:
        raise InvalidInput(f"the URL is refused: {err.reason}", field="url") from None


def list_all(runtime: Runtime) -> list[dict[str, Any]]:
    with runtime.db.session() as session:
        return [dict(r) for r in session.execute(select(*PUBLIC).order_by(webhooks.c.created_at)).mappings()]


def get(runtime: Runtime, id_: str) -> dict[str, Any]:
    with runtime.db.session() as session:
        row = session.execute(select(*PUBLIC).where(webhooks.c.id == id_)).mappings().first()
    if row is None:
        raise NotFound(f"no webhook subscription {id_}", field="id")
    return dict(row)


def create(runtime: Runtime, body: dict[str, Any]) -> dict[str, Any]:
    now = runtime.clock.now()
    secret = body.get("secret") or secrets.token_urlsafe(32)
    row = {
        "id": str(uuid.uuid4()),
        "url": body["url"],
        "event_types": body["event_types"],
        "secret": secret,
        "description": body.get("description") or "",
        "active": body.get("active", True),
        "failure_streak": 0,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }
    with runtime.db.session() as session:
        _check(runtime, session, body["url"])
        session.execute(webhooks.insert().values(**row))
        session.commit()
    return {**get(runtime, row["id"]), "signing_secret": secret}


def change(runtime: Runtime, id_: str, body: dict[str, Any]) -> dict[str, Any]:
    get(runtime, id_)
    values = dict(body)
    if values.get("active"):
        # Enabled again by a person: the streak starts over.
        values |= {"failure_streak": 0, "disabled_reason": None}
    with runtime.db.session() as session:
        if "url" in values:
            _check(runtime, session, values["url"])
        session.execute(
            update(webhooks)
            .where(webhooks.c.id == id_)
            .values(**values, version=webhooks.c.version + 1, updated_at=runtime.clock.now())
        )
        session.commit()
    return get(runtime, id_)


def delete(runtime: Runtime, id_: str) -> None:
    get(runtime, id_)
    with runtime.db.session() as session:
        ids = select(webhook_deliveries.c.id).where(webhook_deliveries.c.subscription_id == id_)
        session.execute(sql_delete(webhook_attempts).where(webhook_attempts.c.delivery_id.in_(ids)))
        session.execute(sql_delete(webhook_deliveries).where(webhook_deliveries.c.subscription_id == id_))
        session.execute(sql_delete(webhooks).where(webhooks.c.id == id_))
        session.commit()


def _log(session, delivery_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {i: [] for i in delivery_ids}
    if delivery_ids:
        for a in session.execute(
            select(webhook_attempts)
            .where(webhook_attempts.c.delivery_id.in_(delivery_ids))
            .order_by(webhook_attempts.c.id)
        ).mappings():
            out[a["delivery_id"]].append(dict(a))
    return out


def deliveries(runtime: Runtime, id_: str, limit: int = 100) -> list[dict[str, Any]]:
    get(runtime, id_)
    with runtime.db.session() as session:
        rows = [
            dict(r)
            for r in session.execute(
                select(webhook_deliveries)
                .where(webhook_deliveries.c.subscription_id == id_)
                .order_by(webhook_deliveries.c.created_at.desc())
                .limit(limit)
            ).mappings()
        ]
        log = _log(session, [r["id"] for r in rows])
    return [{**r, "log": log[r["id"]]} for r in rows]


def resend(runtime: Runtime, id_: str, delivery_id: str) -> dict[str, Any]:
    get(runtime, id_)
    with runtime.db.session() as session:
        done = session.execute(
            update(webhook_deliveries)
            .where(webhook_deliveries.c.id == delivery_id, webhook_deliveries.c.subscription_id == id_)
            .values(state="pending", attempts=0, next_attempt_at=runtime.clock.now())
        ).rowcount
        if not done:
            raise NotFound(f"no delivery {delivery_id} of this subscription", field="delivery_id")
        session.commit()
    return next(d for d in deliveries(runtime, id_) if d["id"] == delivery_id)
