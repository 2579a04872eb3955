"""The sender on the real PostgreSQL: several workers on one database share the due mail
without sending any twice. Each claim is `SELECT ... FOR UPDATE SKIP LOCKED` plus the
lease in one transaction, so a row locked by one worker's claim is skipped by the
other's, and once that claim commits the row is not due until the lease ends.

Needs PostgreSQL (RELAY_TEST_POSTGRES_URL): skipped without it, a failure under CI=true."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from relay_notify.bootstrap import spec
from relay_notify.service_layer import mail, sender
from relay_notify.service_layer.planner import SENT
from relaykit.mail_sink import SmtpSink

pytestmark = pytest.mark.integration

MAILS = 200


@pytest.fixture
def pg_notify(harness, bus_namespace, clock, pg_url):
    rt = harness.runtime(spec, database_url=pg_url, namespace=bus_namespace)
    assert rt.db.is_postgres
    rt.clock = clock
    yield rt
    mail.close_all()


def test_two_senders_on_one_database_send_each_mail_exactly_once(pg_notify, desk_for):
    desk = desk_for(pg_notify)
    carol = desk.contact("Carol Client")
    tickets = [desk.ticket(contact=carol, subject=f"Request {n}") for n in range(MAILS)]
    # One transaction for the lot, the way the consumer worker commits a batch.
    with pg_notify.db.session() as session:
        for t in tickets:
            msg = desk.created(t)
            desk.handlers[msg.type](session, msg)
    due = desk.rows(channel="email")
    assert len(due) == MAILS and len({r["message_id"] for r in due}) == MAILS

    with SmtpSink(pg_notify.settings.data_dir) as sink:
        desk.put_config("smtp", {"host": "127.0.0.1", "port": sink.port, "pool_size": 2})
        start = threading.Barrier(2)
        handled: dict[str, int] = {}
        failures: list[BaseException] = []

        def work(name: str) -> None:
            try:
                start.wait(10)
                total = 0
                # Small claims, so the two workers' claims overlap many times over.
                while n := sender.send_due(pg_notify, limit=5):
                    total += n
                handled[name] = total
            except BaseException as e:  # pragma: no cover - reported below
                failures.append(e)

        workers = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(2)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(60)
        assert not failures, failures
        assert not any(w.is_alive() for w in workers)
        mail.close_all()  # while the sink still answers QUIT

    assert sum(handled.values()) == MAILS
    assert all(handled.values()), handled  # both did share the work
    kept = Counter(desk.message_ids())
    assert len(kept) == MAILS
    assert set(kept.values()) == {1}, [mid for mid, n in kept.items() if n > 1]
    assert set(kept) == {r["message_id"] for r in due}
    rows = desk.rows(channel="email")
    assert {r["state"] for r in rows} == {SENT}
    assert {r["attempts"] for r in rows} == {1}  # each claimed once, by one worker
