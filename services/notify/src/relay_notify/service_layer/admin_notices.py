"""Notices to the desk's administrators about delivery itself (a webhook disabled after a
failure streak): in their feed and by email, written like any notification."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from relay_notify.adapters.orm import notifications, people
from relay_notify.domain import templates as tpl
from relay_notify.domain.recipients import Recipient
from relay_notify.domain.switches import EMAIL, INAPP
from relay_notify.service_layer import config, copies
from relay_notify.service_layer.planner import PENDING, SENT
from relay_notify.service_layer.templating import Library, context
from relaykit.service import Runtime


def administrators(session: Session) -> list[dict[str, Any]]:
    found = session.scalars(select(people.c.data).where(people.c.kind == "employee")).all()
    return [e for e in found if e.get("role") == "administrator" and e.get("active", True)]


def webhook_disabled(runtime: Runtime, session: Session, sub: dict[str, Any], streak: int) -> int:
    desk = config.get(runtime, session, "desk")
    customers = config.get(runtime, session, "customers")
    library, names, now = Library(session), copies.Directory(session), runtime.clock.now()
    rows = []
    for admin in administrators(session):
        prefs = config.preferences_of(session, admin["id"])
        language = prefs.language or customers.get("default_language") or "en"
        who = Recipient("employee", "employee", admin["id"], admin.get("name") or "", admin.get("email"))
        ctx = context(
            ticket={},
            names=names,
            recipient=who,
            language=language,
            desk=desk,
            zone=customers.get("time_zone") or "UTC",
            secret=runtime.settings.identity_secret,
            extra={"webhook": {"url": sub["url"], "failures": str(streak)}},
        )
        rendered = tpl.render(library.template("webhook_disabled", language), library.design(language), ctx)
        for channel, address in ((INAPP, admin["id"]), (EMAIL, (admin.get("email") or "").lower())):
            if not address:
                continue
            rows.append(
                {
                    "id": str(uuid.uuid4()),
                    "event_id": f"webhook-disabled:{sub['id']}:{sub.get('version', 1)}:{streak}",
                    "event_type": "notify.webhook_disabled",
                    "ticket_id": None,
                    "ticket_number": None,
                    "notification": "webhook_disabled",
                    "audience": "employee",
                    "recipient_kind": "employee",
                    "recipient_id": admin["id"],
                    "recipient_name": admin.get("name") or "",
                    "channel": channel,
                    "address": address,
                    "language": language,
                    "subject": rendered.subject,
                    "text": rendered.text,
                    "html": rendered.html,
                    "state": SENT if channel == INAPP else PENDING,
                    "attempts": 0,
                    "next_attempt_at": None if channel == INAPP else now,
                    "last_error": None,
                    "message_id": None,
                    "digest_id": None,
                    "created_at": now,
                    "sent_at": now if channel == INAPP else None,
                    "read_at": None,
                }
            )
    if rows:
        session.execute(notifications.insert(), rows)
    return len(rows)
