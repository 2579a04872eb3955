"""Notify end to end on the real code: events fed to its consumer handlers, the sender
run by hand on a frozen clock, mail to a real SMTP server (the kit's sink, or small
aiosmtpd servers that refuse or defer), webhooks to a real local HTTP server."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from http_receivers import running_receiver

from relay_notify.adapters import webhooks as hooks
from relay_notify.adapters.orm import failing_addresses
from relay_notify.service_layer import sender
from relay_notify.service_layer.planner import DIGESTED, FAILED, PENDING, SENT
from relaykit import mail_tokens
from relaykit.testing.harness import publish, signed, wait_for

ADMIN = signed(role="administrator", subject="adm-api")


@pytest.fixture
def people(desk):
    """An administrator, a specialist with the ticket, a contact."""
    admin = desk.employee("Alex Admin", role="administrator")
    sam = desk.employee("Sam Specialist")
    carol = desk.contact("Carol Client")
    return admin, sam, carol


def send_all(rt) -> int:
    total = 0
    while n := sender.send_due(rt):
        total += n
    return total


# -- 1. an assignment: one mail, one feed item, exactly once --------------------------------
def test_an_assignment_makes_one_mail_and_one_feed_item_exactly_once(notify, desk, sink, people):
    admin, sam, _ = people
    ticket = desk.ticket()  # no contact: the assignment mail is the ticket's first mail
    desk.handle(desk.created(ticket, admin))
    assignment = desk.assigned(ticket, sam, admin)
    desk.handle(assignment)
    assert send_all(notify) == 1

    mine = desk.rows(recipient_id=sam["id"])
    assert sorted((r["notification"], r["channel"], r["state"]) for r in mine) == [
        ("assigned", "email", SENT),
        ("assigned", "inapp", SENT),
    ]
    mails = desk.mails_to(sam["email"])
    assert len(mails) == 1
    first = mails[0]
    assert sam["email"] in first["to"][0]
    assert first["subject"].startswith(f"[#{ticket['number']}] ")
    assert ticket["subject"] in first["subject"]
    headers = dict(first["headers"])
    assert headers["Auto-Submitted"] == "auto-generated"
    assert mail_tokens.ticket_of_message_id(first["message_id"], notify.settings.identity_secret) == ticket["number"]
    assert mail_tokens.ticket_of_message_id(first["message_id"], "another deployment's secret") is None
    assert "In-Reply-To" not in headers

    # The same event again (a redelivery after a crash between commit and ack): nothing new.
    desk.handle(assignment)
    assert send_all(notify) == 0
    assert len(desk.rows(recipient_id=sam["id"])) == 2
    assert len(desk.mails_to(sam["email"])) == 1

    # A later mail about the ticket (past the digest window) names the first one.
    desk.clock.advance(timedelta(minutes=5))
    desk.handle(desk.breached(ticket))
    send_all(notify)
    second = desk.mails_to(sam["email"])[1]
    headers = dict(second["headers"])
    assert second["message_id"] != first["message_id"]
    assert headers["In-Reply-To"] == first["message_id"]
    assert headers["References"] == first["message_id"]
    assert mail_tokens.ticket_of_message_id(second["message_id"], notify.settings.identity_secret) == ticket["number"]


def test_every_later_mail_of_a_ticket_refers_to_its_first_whoever_it_went_to(notify, desk, sink, people):
    admin, sam, carol = people
    ticket = desk.ticket(contact=carol)
    desk.handle(desk.created(ticket, admin))
    send_all(notify)
    (registered,) = desk.mails_to(carol["emails"][0])
    desk.handle(desk.assigned(ticket, sam, admin))
    send_all(notify)
    (assigned,) = desk.mails_to(sam["email"])
    assert dict(assigned["headers"])["References"] == registered["message_id"]


def test_the_consumer_worker_handles_a_redelivered_event_once(harness, notify, desk, sink, people):
    """Through the real consumer task on the memory bus: the inbox drops the second copy."""
    admin, sam, carol = people
    ticket = desk.ticket(contact=carol)
    harness.start(notify, [t for t in notify.tasks() if t.name == "consumers"])
    assignment = desk.assigned(ticket, sam, admin).to_dict()
    publish(notify, assignment, assignment)
    wait_for(lambda: desk.rows(recipient_id=sam["id"]), what="the assignment's notifications")
    harness.runners[-1].shutdown(timeout=5)  # both copies were taken: the queue is drained
    assert len(desk.rows(recipient_id=sam["id"])) == 2
    send_all(notify)
    assert len(desk.mails_to(sam["email"])) == 1


# -- 2. a webhook receiver failing twice, then taking it -----------------------------------
@pytest.fixture
def receiver():
    with running_receiver() as r:
        yield r


def subscribe(api, url: str, *event_types: str) -> dict:
    r = api.post("/webhooks", json={"url": url, "event_types": list(event_types) or ["ticket.#"]}, headers=ADMIN)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_a_webhook_failing_twice_is_delivered_once_with_two_failed_attempts_logged(notify, desk, api, receiver, people):
    admin, _, carol = people
    sub = subscribe(api, receiver.url(), "ticket.created")
    receiver.fail(2, status=500)
    ticket = desk.ticket(contact=carol)
    event = desk.created(ticket, admin)
    desk.handle(event)

    assert sender.deliver_webhooks(notify) == 1  # 500
    (delivery,) = desk.deliveries(sub["id"])
    assert delivery["state"] == PENDING and delivery["last_status"] == 500
    wait = delivery["next_attempt_at"] - notify.clock.now()
    assert timedelta(seconds=24) <= wait <= timedelta(seconds=36)  # the first step of the schedule, jittered
    assert sender.deliver_webhooks(notify) == 0  # not due yet: nothing is sent early
    assert len(receiver.requests) == 1

    desk.clock.advance(wait)
    assert sender.deliver_webhooks(notify) == 1  # 500 again
    (delivery,) = desk.deliveries(sub["id"])
    wait = delivery["next_attempt_at"] - notify.clock.now()
    assert timedelta(seconds=96) <= wait <= timedelta(seconds=144)
    desk.clock.advance(wait)
    assert sender.deliver_webhooks(notify) == 1  # 200
    desk.clock.advance(timedelta(hours=7))
    assert sender.deliver_webhooks(notify) == 0  # done: never again

    assert len(receiver.requests) == 3
    ids = {r.headers[hooks.DELIVERY_HEADER] for r in receiver.requests}
    assert ids == {delivery["id"]}  # one delivery id on every try: receivers can drop duplicates
    for request in receiver.requests:
        assert request.headers[hooks.EVENT_HEADER] == "ticket.created"
        assert hooks.verify(sub["signing_secret"], request.headers[hooks.SIGNATURE_HEADER], request.body)
        assert not hooks.verify("not the secret", request.headers[hooks.SIGNATURE_HEADER], request.body)
        assert request.body.decode() == delivery["body"]
    assert receiver.requests[0].body == receiver.requests[-1].body
    assert json.loads(receiver.requests[-1].body)["id"] == event.id

    r = api.get(f"/webhooks/{sub['id']}/deliveries", headers=ADMIN)
    assert r.status_code == 200
    (shown,) = r.get_json()["items"]
    assert shown["state"] == SENT and shown["delivered_at"] and shown["last_status"] == 200
    assert [a["status"] for a in shown["log"]] == [500, 500, 200]
    assert [bool(a["error"]) for a in shown["log"]] == [True, True, False]
    assert desk.webhook(sub["id"])["failure_streak"] == 0


# -- 3. a failure streak disables the subscription and tells the administrators --------------
def test_a_failure_streak_disables_the_subscription_and_tells_the_administrators_once(
    notify, desk, api, receiver, people
):
    admin, sam, _ = people
    other_admin = desk.employee("Olga Admin", role="administrator")
    retired = desk.employee("Rita Retired", role="administrator", active=False)
    sub = subscribe(api, receiver.url(), "ticket.created")
    receiver.fail(1000, status=503)
    extra = 5
    for _ in range(hooks.MAX_FAILURE_STREAK + extra):
        desk.handle(desk.created(desk.ticket(), admin))

    # One batch holds them all: the subscription is disabled in the middle of it.
    sender.deliver_webhooks(notify)
    assert len(receiver.requests) == hooks.MAX_FAILURE_STREAK
    row = desk.webhook(sub["id"])
    assert row["active"] is False
    assert row["failure_streak"] == hooks.MAX_FAILURE_STREAK
    assert f"{hooks.MAX_FAILURE_STREAK} failed deliveries" in row["disabled_reason"]
    assert "HTTP 503" in row["disabled_reason"]

    notices = desk.rows(notification="webhook_disabled")
    inapp = sorted(r["recipient_id"] for r in notices if r["channel"] == "inapp")
    assert inapp == sorted([admin["id"], other_admin["id"]])  # each active administrator, once
    assert not [r for r in notices if r["recipient_id"] in (sam["id"], retired["id"])]
    assert receiver.url() in notices[0]["subject"] + notices[0]["text"]
    feed = api.get("/feed", headers=signed(role="administrator", subject=admin["id"])).get_json()
    assert [i["notification"] for i in feed["items"]] == ["webhook_disabled"]
    assert feed["unread"] == 1

    # Nothing more goes to a disabled subscription, nor is queued for it.
    desk.clock.advance(timedelta(hours=7))
    sender.deliver_webhooks(notify)
    desk.handle(desk.created(desk.ticket(), admin))
    sender.deliver_webhooks(notify)
    assert len(receiver.requests) == hooks.MAX_FAILURE_STREAK
    assert len(desk.rows(notification="webhook_disabled")) == len(notices)

    # Enabled again by a person: the streak starts over, and deliveries flow.
    r = api.patch(f"/webhooks/{sub['id']}", json={"active": True}, headers=ADMIN)
    assert r.status_code == 200, r.get_json()
    shown = r.get_json()
    assert shown["active"] is True and shown["failure_streak"] == 0 and shown["disabled_reason"] is None
    receiver.fail(0)
    desk.handle(desk.created(desk.ticket(), admin))
    sender.deliver_webhooks(notify)
    assert receiver.requests[-1].headers[hooks.EVENT_HEADER] == "ticket.created"
    assert desk.webhook(sub["id"])["failure_streak"] == 0
    assert [d["state"] for d in desk.deliveries(sub["id"])].count(SENT) == 1


# -- 4. a burst of updates: one mail at once, one digest for the rest, every feed item ---------
def test_a_burst_of_ten_comments_makes_one_mail_one_digest_and_ten_feed_items(notify, desk, sink, people):
    _, sam, carol = people
    ticket = desk.ticket(contact=carol, responsible=sam)
    for n in range(1, 11):
        desk.handle(desk.comment(ticket, carol, f"Update number {n} from the customer"))
        sender.send_due(notify)  # the sender runs all along
        desk.clock.advance(timedelta(seconds=5))

    mails = desk.mails_to(sam["email"])
    assert len(mails) == 1  # the first went at once
    assert "Update number 1 " in mails[0]["text"]

    desk.clock.set(desk.rows(channel="email")[0]["created_at"] + timedelta(seconds=60))
    send_all(notify)
    mails = desk.mails_to(sam["email"])
    assert len(mails) == 2
    digest = mails[1]["text"]
    assert all(f"Update number {n} " in digest for n in range(2, 11))
    assert "Update number 1 " not in digest
    assert [digest.index(f"Update number {n} ") for n in range(2, 11)] == sorted(
        digest.index(f"Update number {n} ") for n in range(2, 11)
    )
    assert dict(mails[1]["headers"])["In-Reply-To"] == mails[0]["message_id"]

    emails = desk.rows(recipient_id=sam["id"], channel="email")
    assert [r["state"] for r in emails].count(SENT) == 2
    assert [r["state"] for r in emails].count(DIGESTED) == 8
    assert all(r["sent_at"] for r in emails)
    assert len(desk.rows(recipient_id=sam["id"], channel="inapp")) == 10
    desk.clock.advance(timedelta(hours=1))
    assert send_all(notify) == 0
    assert len(desk.mails_to(sam["email"])) == 2


# -- 5. a worker killed mid-send -------------------------------------------------------------
class Killed(BaseException):
    """The process dying: not an Exception anything would catch and carry on after."""


def test_a_worker_killed_mid_send_resends_at_most_the_message_in_flight(notify, desk, sink, people, monkeypatch):
    """The guarantee: at least once, and at most one duplicate per kill. The worker claims
    a batch (a lease: `next_attempt_at` moved LEASE ahead, committed) and then sends and
    records one row at a time. Killed after the server said 250 but before the outcome was
    recorded, the row in flight comes due again when the lease ends and is sent a second
    time; the rows it had claimed but not reached are sent once, by whoever claims them
    after the lease; nothing is lost and nothing else is sent twice."""
    admin, sam, _ = people
    # One send at a time (the pool's width): with N connections, up to N are on the wire.
    desk.put_config("smtp", {"pool_size": 1})
    tickets = [desk.ticket() for _ in range(3)]
    for t in tickets:
        desk.handle(desk.assigned(t, sam, admin))
    real_record = sender._record
    calls = []

    def dies_once(runtime, session, row, outcome, *rest):
        calls.append(row["id"])
        if len(calls) == 1:
            assert outcome.ok  # the server took it: the kill comes after the 250
            raise Killed()
        real_record(runtime, session, row, outcome, *rest)

    monkeypatch.setattr(sender, "_record", dies_once)
    with pytest.raises(Killed):
        sender.send_due(notify)
    in_flight = calls[0]
    assert len(desk.mails_to(sam["email"])) == 1
    claimed = desk.rows(channel="email")
    assert all(r["state"] == PENDING for r in claimed)
    assert all(r["next_attempt_at"] == notify.clock.now() + sender.LEASE for r in claimed)

    # A worker started at once finds nothing: the dead one's lease still holds.
    assert sender.send_due(notify) == 0
    desk.clock.advance(sender.LEASE + timedelta(seconds=1))
    assert send_all(notify) == 3

    rows = {r["id"]: r for r in desk.rows(channel="email")}
    assert all(r["state"] == SENT for r in rows.values())
    sent = [m["message_id"] for m in desk.mails_to(sam["email"])]
    assert len(sent) == 4
    assert sent.count(rows[in_flight]["message_id"]) == 2
    assert all(sent.count(r["message_id"]) == 1 for i, r in rows.items() if i != in_flight)
    desk.clock.advance(sender.LEASE * 2)
    assert send_all(notify) == 0


# -- 6. SMTP servers that refuse or defer ----------------------------------------------------
class SmtpServer:
    """An aiosmtpd server on a free port with a handler of the test's."""

    def __init__(self, handler) -> None:
        outer = self

        class FreePort(Controller):
            def _create_server(self):
                async def create():
                    server = await self.loop.create_server(self._factory_invoker, host=self.hostname, port=0)
                    self.port = outer.port = server.sockets[0].getsockname()[1]
                    return server

                return create()

        self.port = 0
        self.controller = FreePort(handler, hostname="127.0.0.1", port=0, server_hostname="tests.server")

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


class Refusing:
    """Answers RCPT with `code` for the first `times` recipients, then takes mail."""

    def __init__(self, code: int, times: int = 10**6) -> None:
        self.code, self.times = code, times
        self.refused = 0
        self.accepted: list[list[str]] = []

    async def handle_RCPT(self, server, session, envelope, address, options):
        if self.refused < self.times:
            self.refused += 1
            text = "5.1.1 no such user here" if self.code >= 500 else "4.2.0 mailbox busy, try later"
            return f"{self.code} {text}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0)
        self.accepted.append(list(envelope.rcpt_tos))
        return "250 2.0.0 Queued"


def test_a_refused_recipient_fails_the_mail_with_the_reason_and_marks_the_address(notify, desk, people):
    admin, sam, _ = people
    handler = Refusing(550)
    with SmtpServer(handler) as server:
        desk.put_config("smtp", {"host": "127.0.0.1", "port": server.port})
        ticket = desk.ticket()
        desk.handle(desk.assigned(ticket, sam, admin))
        send_all(notify)
        (row,) = desk.rows(recipient_id=sam["id"], channel="email")
        assert row["state"] == FAILED
        assert "550" in row["last_error"] and "no such user" in row["last_error"]
        assert row["next_attempt_at"] is None
        with notify.db.session() as s:
            failing = s.execute(failing_addresses.select()).mappings().all()
        assert [(f["address"], "550" in f["reason"]) for f in failing] == [(sam["email"], True)]

        # Later mail to the failing address is not attempted at all.
        desk.clock.advance(timedelta(minutes=5))
        desk.handle(desk.breached(ticket))
        desk.clock.advance(timedelta(hours=2))
        send_all(notify)
        later = desk.rows(recipient_id=sam["id"], channel="email")[-1]
        assert later["state"] == "suppressed" and "failing" in later["last_error"]
        assert handler.refused == 1 and handler.accepted == []


def test_a_deferring_server_gets_the_mail_again_later_with_backoff(notify, desk, people):
    admin, sam, _ = people
    handler = Refusing(451, times=2)
    with SmtpServer(handler) as server:
        desk.put_config("smtp", {"host": "127.0.0.1", "port": server.port})
        desk.handle(desk.assigned(desk.ticket(), sam, admin))
        assert sender.send_due(notify) == 1
        (row,) = desk.rows(recipient_id=sam["id"], channel="email")
        assert row["state"] == PENDING and "451" in row["last_error"]
        assert row["next_attempt_at"] == notify.clock.now() + sender.retry_delay(1)

        desk.clock.advance(sender.retry_delay(1) - timedelta(seconds=1))
        assert sender.send_due(notify) == 0  # not before its time
        desk.clock.advance(timedelta(seconds=1))
        assert sender.send_due(notify) == 1  # 451 again: the wait grows
        (row,) = desk.rows(recipient_id=sam["id"], channel="email")
        assert row["state"] == PENDING and row["attempts"] == 2
        assert row["next_attempt_at"] == notify.clock.now() + sender.retry_delay(2)
        assert sender.retry_delay(2) > sender.retry_delay(1)

        desk.clock.advance(sender.retry_delay(2))
        assert sender.send_due(notify) == 1
        (row,) = desk.rows(recipient_id=sam["id"], channel="email")
        assert row["state"] == SENT and row["attempts"] == 3
        assert handler.accepted == [[sam["email"]]]
        with notify.db.session() as s:
            assert s.execute(failing_addresses.select()).first() is None
