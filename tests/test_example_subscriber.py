"""examples/subscriber/subscriber.py against the real RabbitMQ, run as an integrator runs it.

The subscriber is a subprocess on this run's vhost (the `amqp_url` fixture) with this
test's own exchange and queue (the `bus_namespace` prefix). The events are the examples
carried by the schema files, with fresh ids: what Relay publishes, without Relay.
"""

from __future__ import annotations

import copy
import json
import signal
import sqlite3
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path

import pika
import pytest

from relaykit.testing.harness import wait_for

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parent.parent
SUBSCRIBER = ROOT / "examples" / "subscriber" / "subscriber.py"
SCHEMAS = ROOT / "contracts" / "schemas"


def example(type_: str) -> dict:
    return json.loads((SCHEMAS / "events" / f"{type_}.v1.json").read_text("utf-8"))["examples"][0]


def event(type_: str, number: int) -> dict:
    """The schema's own example as a new message: a fresh id, another ticket number."""
    message = copy.deepcopy(example(type_))
    message["id"] = str(uuid.uuid4())
    message["data"]["ticket"]["number"] = number
    return message


class Bus:
    """This test's exchange and the subscriber's queue on the run's vhost."""

    def __init__(self, amqp_url: str, namespace: str) -> None:
        self.url, self.exchange, self.queue = amqp_url, f"{namespace}relay.events", f"{namespace}crm-sync"

    def publish(self, *messages: dict | bytes) -> None:
        with pika.BlockingConnection(pika.URLParameters(self.url)) as conn:
            channel = conn.channel()
            channel.confirm_delivery()  # each publish returns once the broker has it...
            for m in messages:
                body = m if isinstance(m, bytes) else json.dumps(m).encode()
                props = pika.BasicProperties(content_type="application/json", delivery_mode=2)
                if isinstance(m, dict):
                    props.message_id = m["id"]
                routing_key = m["type"] if isinstance(m, dict) else "ticket.created"
                # ...and mandatory raises if no queue is bound: nothing is silently dropped.
                channel.basic_publish(self.exchange, routing_key, body, properties=props, mandatory=True)

    def queue_state(self) -> tuple[int, int]:
        """(ready messages, consumers) of the subscriber's queue."""
        with pika.BlockingConnection(pika.URLParameters(self.url)) as conn:
            ok = conn.channel().queue_declare(self.queue, passive=True).method
            return ok.message_count, ok.consumer_count

    def delete(self) -> None:
        with pika.BlockingConnection(pika.URLParameters(self.url)) as conn:
            channel = conn.channel()
            channel.queue_delete(self.queue)
            channel.exchange_delete(self.exchange)


@pytest.fixture
def bus(amqp_url: str, bus_namespace: str):
    b = Bus(amqp_url, bus_namespace)
    yield b
    b.delete()


class Subscriber:
    def __init__(self, bus: Bus, tmp_path: Path) -> None:
        self.bus, self.db, self.log = bus, tmp_path / "crm-sync.sqlite3", tmp_path / "subscriber.log"
        self.proc: subprocess.Popen | None = None

    def start(self, *options: str) -> subprocess.Popen:
        self.log.write_text("")
        with self.log.open("w") as log:
            self.proc = subprocess.Popen(
                [sys.executable, str(SUBSCRIBER), "--url", self.bus.url, "--exchange", self.bus.exchange,
                 "--queue", self.bus.queue, "--schemas", str(SCHEMAS), "--db", str(self.db), *options],
                stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        # Bound once it says so: only then does a publish reach its queue.
        wait_for(lambda: "consuming" in self.log.read_text() or self.proc.poll() is not None, what="subscriber up")
        assert self.proc.poll() is None, self.log.read_text()
        return self.proc

    def wait(self, timeout: float = 15) -> str:
        assert self.proc.wait(timeout=timeout) == 0, self.log.read_text()
        return self.log.read_text()

    def rows(self, sql: str) -> list[tuple]:
        db = sqlite3.connect(self.db)
        try:
            return db.execute(sql).fetchall()
        finally:
            db.close()

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def subscriber(bus: Bus, tmp_path: Path):
    s = Subscriber(bus, tmp_path)
    yield s
    s.kill()


def test_each_valid_event_once_duplicates_ignored_invalid_rejected(bus, subscriber):
    created, commented = event("ticket.created", 7), event("ticket.comment_added", 7)
    invalid = event("ticket.created", 8)
    del invalid["data"]["ticket"]["number"]
    subscriber.start("--idle-exit", "1")

    bus.publish(created, commented, created, invalid, b"{not json")
    log = subscriber.wait()

    rows = subscriber.rows("SELECT message_id, type, ticket_number, body FROM events ORDER BY seq")
    assert [(r[0], r[1], r[2]) for r in rows] == [
        (created["id"], "ticket.created", 7),
        (commented["id"], "ticket.comment_added", 7),
    ]
    assert json.loads(rows[1][3]) == commented
    assert {r[0] for r in subscriber.rows("SELECT message_id FROM handled")} == {created["id"], commented["id"]}
    assert "'number' is a required property" in log and "not JSON" in log
    assert "stopped: handled 2, duplicate 1, rejected 2" in log
    # Everything was acked or rejected: nothing went back to the queue, nobody holds any.
    assert bus.queue_state() == (0, 0)


def test_every_message_applied_once_across_a_kill_and_restart(bus, subscriber):
    first = [event("ticket.created", n) for n in range(1, 201)]
    subscriber.start()
    bus.publish(*first)
    # Killed mid-stream: some handled, some prefetched and unacked, maybe one committed
    # but not yet acked (the broker redelivers it, the inbox recognises it).
    wait_for(lambda: subscriber.rows("SELECT count(*) FROM handled")[0][0] >= 20, what="some handled")
    subscriber.proc.send_signal(signal.SIGKILL)
    subscriber.proc.wait()
    handled_before = subscriber.rows("SELECT count(*) FROM handled")[0][0]

    # More while it is down, and some of the first ones again (a publisher retrying).
    later = [event("ticket.comment_added", n) for n in range(201, 251)]
    bus.publish(*later, *first[:10])
    subscriber.start("--idle-exit", "1")
    log = subscriber.wait()

    expected = {m["id"] for m in first + later}
    per_id = Counter(r[0] for r in subscriber.rows("SELECT message_id FROM events"))
    assert set(per_id) == expected
    assert set(per_id.values()) == {1}
    assert {r[0] for r in subscriber.rows("SELECT message_id FROM handled")} == expected
    assert "duplicate" in log and handled_before >= 20
    assert bus.queue_state() == (0, 0)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_stops_cleanly_on_a_signal(bus, subscriber, signum):
    subscriber.start()
    bus.publish(event("ticket.created", 1))
    wait_for(lambda: subscriber.rows("SELECT count(*) FROM handled")[0][0] == 1, what="handled")
    subscriber.proc.send_signal(signum)
    assert "stopped: handled 1" in subscriber.wait(timeout=5)
    assert bus.queue_state() == (0, 0)
