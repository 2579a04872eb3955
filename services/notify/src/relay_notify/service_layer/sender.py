"""Sending what the planner wrote: email through SMTP (the desk's server, or the local
sink), SMS through the HTTP gateway, webhooks to their subscribers. At least once,
never twice for an event (the rows are unique per event):

- a worker claims due rows with a lease (`next_attempt_at` moved past the send), commits,
  sends, and records the outcome; a worker killed mid-send leaves its claimed rows to
  come due again when the lease ends: the messages that were on the wire at the kill
  (one per SMTP pool connection) may go a second time, the others were not sent yet
  (at least once);
- several workers claim with FOR UPDATE SKIP LOCKED on PostgreSQL, so none sends
  another's rows;
- a temporary failure (4xx, timeout, connection refused) is tried again with backoff,
  a permanent one (5xx, an invalid number, a refused recipient) is recorded at once.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr
from typing import Any

from prometheus_client import Counter, Histogram
from sqlalchemy import and_, select, tuple_, update
from sqlalchemy.orm import Session

from relay_notify.adapters import webhooks as hooks
from relay_notify.adapters.orm import (
    failing_addresses,
    notifications,
    tickets,
    webhook_attempts,
    webhook_deliveries,
    webhooks,
)
from relay_notify.domain.switches import EMAIL, ESSENTIAL, SMS
from relay_notify.service_layer import config, doorbell, mail, unsubscribes
from relay_notify.service_layer.planner import DIGESTED, FAILED, PENDING, SENT, SUPPRESSED
from relaykit.service import Runtime

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
_UTF8 = Charset("utf-8")
_UTF8.body_encoding = QP  # readable in the raw source, unlike base64
BATCH = 50
WEBHOOK_MAX_ATTEMPTS = 12

sent_total = Counter("relay_notify_sent_total", "Messages sent, by channel and outcome", ["channel", "outcome"])
send_seconds = Histogram("relay_notify_send_seconds", "Time to hand one message over, by channel", ["channel"])


def retry_delay(attempt: int) -> timedelta:
    """30 s, 2 min, 8 min, 30 min, then hourly: a mail server down for a night still gets it."""
    return timedelta(seconds=min(3600, 30 * 4 ** max(0, attempt - 1)))


def _claim(session: Session, table, now: datetime, channels: tuple[str, ...] | None, limit: int) -> list[Any]:
    cond = [table.c.state == PENDING, table.c.next_attempt_at <= now]
    if channels is not None:
        cond.append(table.c.channel.in_(channels))
    stmt = select(table).where(and_(*cond)).order_by(table.c.next_attempt_at).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    rows = session.execute(stmt).mappings().all()
    if rows:
        session.execute(
            update(table)
            .where(table.c.id.in_([r["id"] for r in rows]))
            .values(next_attempt_at=now + LEASE, attempts=table.c.attempts + 1)
        )
    return [dict(r) for r in rows]


# -- email and SMS ----------------------------------------------------------------------------
def send_due(runtime: Runtime, limit: int = BATCH) -> int:
    """Claim and send one batch of due email and SMS; returns how many were handled."""
    now = runtime.clock.now()
    with runtime.db.session() as session:
        rows = _claim(session, notifications, now, (EMAIL, SMS), limit)
        work, gathered = [], set()
        # What every row of the batch needs, asked once for the batch, not once per row.
        failing = _failing(session, {r["address"] for r in rows if r["channel"] == EMAIL})
        roots = _roots(session, {r["ticket_id"] for r in rows if r["channel"] == EMAIL and r["ticket_id"]})
        bursts = _bursts(session, rows)
        for r in rows:
            # A burst's held mails come due together: the first gathers the others into
            # its digest, and those must not go on their own as well.
            if r["id"] in gathered:
                continue
            row, extra = _prepare(session, r, failing, roots, bursts)
            gathered.update(m["id"] for m in (extra or {}).get("digest") or ())
            work.append((row, extra))
        settings = {k: config.get(runtime, session, k) for k in ("smtp", "sms", "delivery", "desk")}
        session.commit()
    todo = [(row, extra) for row, extra in work if row is not None]

    def one(item: tuple[dict[str, Any], dict[str, Any]]) -> None:
        row, extra = item
        outcome = _send_one(runtime, row, extra, settings)
        with runtime.db.session() as session:
            _record(runtime, session, row, outcome, settings["delivery"], bool(extra.get("digest")))
            session.commit()

    # As many at once as the SMTP pool holds connections: the server's round trips (and
    # its fsync before 250) are the wait, not this process.
    width = max(1, min(int(settings["smtp"].get("pool_size") or 4), len(todo)))
    if width == 1:
        for item in todo:
            one(item)
    else:
        with ThreadPoolExecutor(width, thread_name_prefix="notify-send") as workers:
            list(workers.map(one, todo))
    return len(rows)


def _failing(session: Session, addresses: set[str]) -> dict[str, str]:
    if not addresses:
        return {}
    found = session.execute(
        select(failing_addresses.c.address, failing_addresses.c.reason).where(
            failing_addresses.c.address.in_(addresses)
        )
    )
    return {address: reason for address, reason in found}


def _roots(session: Session, ticket_ids: set[str]) -> dict[str, str | None]:
    if not ticket_ids:
        return {}
    found = session.execute(select(tickets.c.id, tickets.c.root_message_id).where(tickets.c.id.in_(ticket_ids)))
    return {ticket_id: root for ticket_id, root in found}


def _bursts(session: Session, rows: list[dict[str, Any]]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Every pending non-essential mail to the same address about the same ticket as a row
    of the claim that may gather a digest, oldest first, in one query for the claim."""
    pairs = {
        (r["address"], r["ticket_id"])
        for r in rows
        if r["channel"] == EMAIL and r["ticket_id"] and r["notification"] not in ESSENTIAL
    }
    if not pairs:
        return {}
    c = notifications.c
    found = session.execute(
        select(notifications)
        .where(
            c.state == PENDING,
            c.channel == EMAIL,
            tuple_(c.address, c.ticket_id).in_(pairs),
            c.notification.not_in(ESSENTIAL),
        )
        .order_by(c.created_at)
    ).mappings()
    bursts: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for m in found:
        bursts.setdefault((m["address"], m["ticket_id"]), []).append(dict(m))
    return bursts


def _prepare(
    session: Session,
    row: dict[str, Any],
    failing: dict[str, str],
    roots: dict[str, str | None],
    bursts: dict[tuple[str, str], list[dict[str, Any]]],
):
    """Inside the claim: suppress mail to failing addresses, gather a digest, thread it."""
    if row["channel"] == EMAIL:
        if reason := failing.get(row["address"]):
            session.execute(
                update(notifications)
                .where(notifications.c.id == row["id"])
                .values(state=SUPPRESSED, last_error=f"the address is failing: {reason}", next_attempt_at=None)
            )
            return None, None
        others = []
        if row["notification"] not in ESSENTIAL and row["ticket_id"]:
            # The first row of a burst takes the rest of it; they are gone from the burst then.
            burst = bursts.pop((row["address"], row["ticket_id"]), [])
            others = [m for m in burst if m["id"] != row["id"]]
            if others:
                session.execute(
                    update(notifications)
                    .where(notifications.c.id.in_([m["id"] for m in others]))
                    .values(state=DIGESTED, digest_id=row["id"], next_attempt_at=None)
                )
        thread = _thread(session, row, roots)
        return row, {"digest": others, "thread": thread}
    return row, {}


def _thread(session: Session, row: dict[str, Any], roots: dict[str, str | None]) -> str | None:
    """The ticket's first mail: the root every later one refers to (`roots`: the batch's
    tickets' roots, kept up to date as this batch sets them)."""
    if not row["ticket_id"] or not row["message_id"]:
        return None
    root = roots.get(row["ticket_id"])
    if root is None:
        session.execute(
            update(tickets).where(tickets.c.id == row["ticket_id"]).values(root_message_id=row["message_id"])
        )
        roots[row["ticket_id"]] = row["message_id"]
    return root


def _send_one(runtime: Runtime, row: dict[str, Any], extra: dict[str, Any], settings: dict[str, Any]) -> mail.Outcome:
    with send_seconds.labels(row["channel"]).time():
        if row["channel"] == EMAIL:
            smtp = settings["smtp"]
            link = ""
            if unsubscribes.wanted(row) and (base := settings["desk"].get("url")):
                link = unsubscribes.link(base, row, runtime.settings.identity_secret)
            message = build_email(row, extra.get("digest") or [], extra.get("thread"), smtp, link)
            return mail.transport(runtime, smtp).send(message, [row["address"]])
        production = bool(settings["delivery"].get("production"))
        return mail.send_sms(settings["sms"], row["address"], row["text"], production=production)


def build_email(
    row: dict[str, Any], digest: list[dict[str, Any]], root: str | None, smtp: dict[str, Any], unsubscribe: str = ""
) -> Message:
    """The mail of a notification row (with the digest's other rows); `unsubscribe` is
    its one-click unsubscribe link, for the non-essential ones."""
    number = row["ticket_number"]
    subject, text, html = row["subject"], row["text"], row["html"]
    if digest:
        # One mail for a burst: the newest subject, every update's text in order.
        everything = [*digest, row]
        everything.sort(key=lambda r: r["created_at"])
        subject = everything[-1]["subject"]
        text = "\n\n-----\n\n".join(r["text"] for r in everything)
        html = "<hr>".join(r["html"] or "" for r in everything) or None
    if number and f"[#{number}]" not in subject:
        subject = f"[#{number}] {subject}"
    # The compat32 classes: a third of the cost of EmailMessage's header objects, which
    # were most of the sender's time per mail, for the same MIME on the wire.
    body = MIMEText(text, "plain", _UTF8)
    msg: Message = body
    if html:
        msg = MIMEMultipart("alternative")
        msg.attach(body)
        msg.attach(MIMEText(html, "html", _UTF8))
    msg["From"] = formataddr((smtp.get("from_name") or "", smtp.get("from_address") or "support@relay.local"), "utf-8")
    msg["To"] = formataddr((row.get("recipient_name") or "", row["address"]), "utf-8")
    msg["Subject"] = subject if subject.isascii() else Header(subject, "utf-8")
    msg["Date"] = format_datetime(row["created_at"])
    if row["message_id"]:
        msg["Message-ID"] = row["message_id"]
    if root:
        msg["In-Reply-To"] = root
        msg["References"] = root
    # Auto-replies to this mail would make tickets or loops: ask servers not to send them.
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    msg["X-Relay-Notification"] = row["notification"]
    if row["ticket_number"]:
        msg["X-Relay-Ticket"] = str(row["ticket_number"])
    if unsubscribe:
        # RFC 8058: a mail client may unsubscribe with one POST, without opening a page.
        msg["List-Unsubscribe"] = f"<{unsubscribe}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return msg


def _record(
    runtime: Runtime,
    session: Session,
    row: dict[str, Any],
    outcome: mail.Outcome,
    delivery: dict[str, Any],
    digested: bool,
) -> None:
    now = runtime.clock.now()
    channel = row["channel"]
    if outcome.ok:
        session.execute(
            update(notifications)
            .where(notifications.c.id == row["id"])
            .values(state=SENT, sent_at=now, next_attempt_at=None, last_error=outcome.error)
        )
        if digested:
            session.execute(update(notifications).where(notifications.c.digest_id == row["id"]).values(sent_at=now))
        sent_total.labels(channel, "sent").inc()
        return
    max_attempts = int(delivery.get("max_attempts") or 8)
    if outcome.permanent or row["attempts"] + 1 >= max_attempts:
        values = {"state": FAILED, "next_attempt_at": None, "last_error": outcome.error}
        if outcome.refused and channel == EMAIL:
            from relaykit.db import upsert

            upsert(
                session,
                failing_addresses,
                {"address": row["address"], "reason": outcome.error or "refused", "since": now},
                ["address"],
            )
        sent_total.labels(channel, "failed").inc()
    else:
        values = {"next_attempt_at": now + retry_delay(row["attempts"] + 1), "last_error": outcome.error}
        sent_total.labels(channel, "retry").inc()
    session.execute(update(notifications).where(notifications.c.id == row["id"]).values(**values))
    if not digested:
        return
    # The burst's other updates fail with it, or wait for its next try (and are gathered again).
    members = update(notifications).where(notifications.c.digest_id == row["id"])
    if values.get("state") == FAILED:
        session.execute(members.values(state=FAILED, last_error=outcome.error))
    else:
        session.execute(members.values(state=PENDING, digest_id=None, next_attempt_at=values["next_attempt_at"]))


# -- webhooks --------------------------------------------------------------------------------
def deliver_webhooks(runtime: Runtime, limit: int = BATCH) -> int:
    now = runtime.clock.now()
    with runtime.db.session() as session:
        rows = _claim(session, webhook_deliveries, now, None, limit)
        subs = {}
        if rows:
            ids = {r["subscription_id"] for r in rows}
            subs = {
                s["id"]: dict(s) for s in session.execute(select(webhooks).where(webhooks.c.id.in_(ids))).mappings()
            }
        production = bool(config.get(runtime, session, "delivery").get("production"))
        session.commit()
    for row in rows:
        sub = subs.get(row["subscription_id"])
        if sub is None or not sub["active"]:
            with runtime.db.session() as session:
                session.execute(
                    update(webhook_deliveries)
                    .where(webhook_deliveries.c.id == row["id"])
                    .values(state=FAILED, next_attempt_at=None, last_error="the subscription is disabled or gone")
                )
                session.commit()
            continue
        result = hooks.deliver(
            sub["url"], sub["secret"], row["event_type"], row["id"], row["body"].encode(), production=production
        )
        with runtime.db.session() as session:
            record_webhook(runtime, session, row, sub, result)
            session.commit()
    return len(rows)


def record_webhook(runtime: Runtime, session: Session, row: dict[str, Any], sub: dict[str, Any], result) -> None:
    now = runtime.clock.now()
    session.execute(
        webhook_attempts.insert().values(
            delivery_id=row["id"], at=now, status=result.status, error=result.error, elapsed_ms=result.elapsed_ms
        )
    )
    common = {"last_status": result.status, "last_error": result.error, "elapsed_ms": result.elapsed_ms}
    if result.ok:
        session.execute(
            update(webhook_deliveries)
            .where(webhook_deliveries.c.id == row["id"])
            .values(state=SENT, delivered_at=now, next_attempt_at=None, **common)
        )
        session.execute(update(webhooks).where(webhooks.c.id == sub["id"]).values(failure_streak=0))
        sent_total.labels("webhook", "sent").inc()
        return
    attempts = row["attempts"] + 1
    done = attempts >= WEBHOOK_MAX_ATTEMPTS
    session.execute(
        update(webhook_deliveries)
        .where(webhook_deliveries.c.id == row["id"])
        .values(
            state=FAILED if done else PENDING,
            next_attempt_at=None if done else now + hooks.backoff(attempts),
            **common,
        )
    )
    # Locked (PostgreSQL): two workers failing the same subscription count one streak and
    # only the one that disables it tells the administrators.
    current = session.execute(
        select(webhooks.c.failure_streak, webhooks.c.active).where(webhooks.c.id == sub["id"]).with_for_update()
    ).first()
    streak = (current.failure_streak if current else 0) + 1
    values: dict[str, Any] = {"failure_streak": streak}
    if streak >= hooks.MAX_FAILURE_STREAK and current is not None and current.active:
        values |= {"active": False, "disabled_reason": f"{streak} failed deliveries in a row; last: {result.error}"}
        from relay_notify.service_layer import admin_notices

        admin_notices.webhook_disabled(runtime, session, sub, streak)
        # The rest of this batch's deliveries to it are not sent (deliver_webhooks checks).
        sub["active"] = False
    session.execute(update(webhooks).where(webhooks.c.id == sub["id"]).values(**values))
    sent_total.labels("webhook", "failed" if done else "retry").inc()


class Sender:
    """The background task: sends what is due, wakes at least every `interval` seconds."""

    name = "notify-sender"

    def __init__(self, runtime: Runtime, interval: float = 0.5) -> None:
        self.runtime = runtime
        self.interval = interval

    def run(self, stop: threading.Event) -> None:
        bell = doorbell.bell(self.runtime)
        while not stop.is_set():
            busy = 0
            bell.clear()  # before the claim: a ring during this round means another round
            try:
                busy = send_due(self.runtime) + deliver_webhooks(self.runtime)
            except Exception:  # a database outage: try again on the next tick
                log.exception("sending failed; trying again")
            if not busy:
                bell.wait(self.interval)
