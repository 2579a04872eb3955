"""From an event to the messages it makes: who hears of it (domain.recipients), in
which language, rendered from the desk's templates, written as notification rows in the
transaction that records the event in the inbox; and a delivery per webhook
subscription that wants the event type. The sender (service_layer.sender) sends them.

A row is unique per (event, channel, address): an event handled twice (a redelivery
after a crash between commit and ack) cannot make a second message.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from prometheus_client import Counter
from sqlalchemy import and_, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from relay_notify.adapters.orm import notifications, webhook_deliveries, webhooks
from relay_notify.domain import sms_text
from relay_notify.domain import templates as tpl
from relay_notify.domain.recipients import Audience, Delivery, Event, Preferences, plan
from relay_notify.domain.switches import EMAIL, ESSENTIAL, INAPP, SMS
from relay_notify.service_layer import config, copies, doorbell, unsubscribes
from relay_notify.service_layer.templating import Library, context
from relaykit import mail_tokens
from relaykit.bus import Message
from relaykit.service import Runtime

log = logging.getLogger(__name__)

PENDING, SENT, FAILED, DIGESTED, SUPPRESSED = "pending", "sent", "failed", "digested", "suppressed"
UNSUBSCRIBED = "the address unsubscribed from this notification"

planned_total = Counter(
    "relay_notify_planned_total", "Notifications written, by channel and notification", ["channel", "notification"]
)


def mail_domain(desk: dict[str, Any]) -> str:
    from urllib.parse import urlsplit

    host = urlsplit(desk.get("url") or "").hostname or "relay.local"
    return "relay.local" if host in ("127.0.0.1", "localhost") else host


def event_of(message: Message, ticket: dict[str, Any]) -> Event:
    d = message.data
    responsible = d.get("responsible") or {}
    return Event(
        type=message.type,
        ticket=ticket,
        actor=d.get("actor") or {},
        comment=d.get("comment"),
        status_to=d.get("to"),
        status_reason=d.get("reason"),
        responsible_before=responsible.get("before"),
        merged_contact=d.get("contact"),
    )


def _extra(message: Message, names: copies.Directory, language: str, zone: str) -> dict[str, Any]:
    d = message.data
    if message.type in ("sla.warning", "sla.breached"):
        fraction = d.get("fraction") or 1
        due = d.get("due_at")
        return {
            "sla": {
                "clock": d.get("clock") or "",
                "due_at": tpl.format_datetime(datetime.fromisoformat(due), language, zone) if due else "",
                "percent": str(round(fraction * 100)),
            }
        }
    if message.type == "ticket.merged":
        target = d.get("ticket") or {}
        return {"merged_into": {"number": target.get("number") or "", "subject": target.get("subject") or ""}}
    if message.type == "ticket.status_changed":
        return {
            "status": {
                "from_name": names.label("statuses", d.get("from")),
                "to_name": names.label("statuses", d.get("to")),
            }
        }
    return {}


def handle(runtime: Runtime, session: Session, message: Message) -> None:
    """The consumer's handler for every event that can notify."""
    d = message.data
    if message.type.startswith("ticket."):
        snapshot = d["source"] if message.type == "ticket.merged" else d["ticket"]
        copies.keep_ticket(session, d["ticket"])
        if message.type == "ticket.merged":
            copies.keep_ticket(session, d["source"])
    else:
        snapshot = copies.ticket(session, ticket_id=d.get("ticket_id")) or copies.ticket(
            session, number=d.get("number")
        )
        if snapshot is None:
            log.warning("an SLA event for a ticket notify has no copy of", extra={"ticket": d.get("number")})
            return
    write(runtime, session, message, snapshot)
    queue_webhooks(runtime, session, message)


def copy_and_hook(runtime: Runtime, session: Session, message: Message) -> None:
    """Events that tell nobody by themselves: the ticket copy follows, webhooks get them."""
    copies.keep_ticket(session, message.data["ticket"])
    queue_webhooks(runtime, session, message)


def _preferences(session: Session) -> tuple[dict[str, Preferences], bool]:
    """The transaction's preferences and whether they are everyone's (loaded at once)."""
    found = session.info.get("notify.preferences")
    if found is None:
        every = config.every_preference(session)
        found = session.info["notify.preferences"] = (every if every is not None else {}, every is not None)
    return found


def write(runtime: Runtime, session: Session, message: Message, ticket: dict[str, Any]) -> list[dict[str, Any]]:
    names = copies.directory(session)
    # Preferences, templates and subscriptions change only through the API, never in a
    # consumer's transaction: read once for the whole batch of events.
    prefs_cache, complete = _preferences(session)

    def prefs(employee_id: str):
        if employee_id not in prefs_cache:
            # Loaded at once: someone not there never changed the defaults.
            found = Preferences.from_data(None) if complete else config.preferences_of(session, employee_id)
            prefs_cache[employee_id] = found
        return prefs_cache[employee_id]

    customers = config.get(runtime, session, "customers")
    sms = config.get(runtime, session, "sms")
    who = Audience(
        switches=config.switches(runtime, session),
        lookup=names,
        preferences=prefs,
        company_copy=customers.get("company_copy") or "no_contact_email",
        sms_ready=bool(sms.get("enabled") and sms.get("url_template")),
    )
    deliveries = plan(event_of(message, ticket), who)
    if not deliveries:
        return []
    desk = config.get(runtime, session, "desk")
    delivery = config.get(runtime, session, "delivery")
    zone = customers.get("time_zone") or "UTC"
    library = session.info.get("notify.library")
    if library is None:
        library = session.info["notify.library"] = Library(session)
    now = runtime.clock.now()
    rows = []
    for dv in deliveries:
        language = dv.recipient.language or customers.get("default_language") or "en"
        rows.append(_row(runtime, session, message, ticket, dv, language, names, library, desk, zone, delivery, now))
    _insert(session, rows)
    if any(r["channel"] != INAPP for r in rows):
        doorbell.ring_after_commit(runtime, session)
    for r in rows:
        planned_total.labels(r["channel"], r["notification"]).inc()
    return rows


def _row(runtime, session, message, ticket, dv: Delivery, language, names, library, desk, zone, delivery, now):
    ctx = context(
        ticket=ticket,
        names=names,
        recipient=dv.recipient,
        language=language,
        desk=desk,
        zone=zone,
        secret=runtime.settings.identity_secret,
        actor=message.data.get("actor"),
        comment=message.data.get("comment"),
        extra=_extra(message, names, language, zone),
    )
    state, error, subject, text, html = PENDING, None, "", "", None
    try:
        rendered = tpl.render(
            library.template(dv.notification, language), library.design(language), ctx, html=dv.channel == EMAIL
        )
        subject, text, html = rendered.subject, rendered.text, rendered.html or None
    except tpl.TemplateError as err:
        # Recorded, visible on the card and in the delivery log; never a lost event.
        state, error = FAILED, f"template: {err}"
    if dv.channel == SMS:
        text = _sms_text(config.get(runtime, session, "sms"), dv, ticket, names, desk, language, subject)
        html = None
    number = ticket.get("number")
    row = {
        "id": str(uuid.uuid4()),
        "event_id": message.id,
        "event_type": message.type,
        "ticket_id": ticket.get("id"),
        "ticket_number": number,
        "notification": dv.notification,
        "audience": dv.recipient.audience,
        "recipient_kind": dv.recipient.kind,
        "recipient_id": dv.recipient.id,
        "recipient_name": (dv.recipient.name or "")[:200],
        "channel": dv.channel,
        "address": dv.address[:320],
        "language": language,
        "subject": subject,
        "text": text,
        "html": html,
        "state": state,
        "attempts": 0,
        "next_attempt_at": now if state == PENDING else None,
        "last_error": error,
        "message_id": None,
        "digest_id": None,
        "created_at": now,
        "sent_at": None,
        "read_at": None,
    }
    if dv.channel == INAPP and state == PENDING:
        row.update(state=SENT, sent_at=now, next_attempt_at=None)
    if (
        state == PENDING
        and unsubscribes.wanted(row)
        and unsubscribes.is_unsubscribed(session, row["address"], row["notification"])
    ):
        row.update(state=SUPPRESSED, next_attempt_at=None, last_error=UNSUBSCRIBED)
    if dv.channel == EMAIL and number:
        row["message_id"] = mail_tokens.message_id(number, runtime.settings.identity_secret, mail_domain(desk))
        if row["state"] == PENDING and dv.notification not in ESSENTIAL:
            row["next_attempt_at"] = _held_until(session, row, delivery, now)
    return row


def _sms_text(sms: dict[str, Any], dv: Delivery, ticket: dict[str, Any], names, desk, language, subject) -> str:
    template = sms.get("employee_text" if dv.recipient.audience == "employee" else "contact_text") or ""
    values = {
        "number": ticket.get("number"),
        "subject": ticket.get("subject"),
        "event": tpl.event_words(dv.notification, language),
        "status": names.label("statuses", ticket.get("status")),
        "desk": desk.get("name"),
    }
    return sms_text.render(template, values, fallback=subject or f"#{ticket.get('number')}")


def _held_until(session: Session, row: dict[str, Any], delivery: dict[str, Any], now: datetime) -> datetime:
    """Throttle and digest: when this address already had a mail about this ticket within the
    window, this one waits for the window's end, when everything waiting goes as one."""
    window = int(delivery.get("digest_seconds") or 0)
    if window <= 0:
        return now
    since = now - timedelta(seconds=window)
    c = notifications.c
    thread = and_(c.channel == EMAIL, c.address == row["address"], c.ticket_id == row["ticket_id"])
    # The window opens with a mail that went (sent_at: the sender clears next_attempt_at
    # once it has sent, so that alone cannot tell) or one about to go at once.
    # Both in one round trip: this runs for every non-essential mail that is planned.
    sent, going = session.execute(
        select(
            select(func.max(c.sent_at)).where(thread, c.sent_at > since).scalar_subquery(),
            select(func.max(c.created_at))
            .where(
                thread,
                c.state == PENDING,
                c.created_at > since,
                c.digest_id.is_(None),
                c.next_attempt_at <= c.created_at,
            )
            .scalar_subquery(),
        )
    ).one()
    last = max((t for t in (sent, going) if t is not None), default=None)
    return last + timedelta(seconds=window) if last is not None else now


def _insert(session: Session, rows: list[dict[str, Any]]) -> None:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(notifications).on_conflict_do_nothing(
        index_elements=[notifications.c.event_id, notifications.c.channel, notifications.c.address]
    )
    session.execute(stmt, rows)


# -- webhooks --------------------------------------------------------------------------------
def wants(patterns: list[str], event_type: str) -> bool:
    """Subscription patterns read as RabbitMQ binding keys: `*` one word, `#` any number
    of words (`ticket.#`, `#.breached`, `*.changed`)."""
    words = event_type.split(".")
    return any(_topic(p.split("."), words) for p in patterns)


def _topic(pattern: list[str], words: list[str]) -> bool:
    if not pattern:
        return not words
    head, rest = pattern[0], pattern[1:]
    if head == "#":
        return any(_topic(rest, words[i:]) for i in range(len(words) + 1))
    return bool(words) and head in ("*", words[0]) and _topic(rest, words[1:])


def queue_webhooks(runtime: Runtime, session: Session, message: Message) -> int:
    subs = session.info.get("notify.webhooks")
    if subs is None:
        subs = session.info["notify.webhooks"] = session.execute(
            select(webhooks.c.id, webhooks.c.event_types).where(webhooks.c.active.is_(True))
        ).all()
    wanted = [s.id for s in subs if wants(list(s.event_types or ()), message.type)]
    if not wanted:
        return 0
    now = runtime.clock.now()
    body = json.dumps(message.to_dict(), separators=(",", ":"), ensure_ascii=False)
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(webhook_deliveries).on_conflict_do_nothing(
        index_elements=[webhook_deliveries.c.subscription_id, webhook_deliveries.c.event_id]
    )
    session.execute(
        stmt,
        [
            {
                "id": str(uuid.uuid4()),
                "subscription_id": sid,
                "event_id": message.id,
                "event_type": message.type,
                "body": body,
                "state": PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for sid in wanted
        ],
    )
    return len(wanted)
