"""The embedded bus (relaykit.bus.embedded): the all-in-one's transport, which must lose
nothing when its process is killed."""

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from kombu import Consumer, Exchange, Producer, Queue, binding
from probe import BINDING, Behaviour, effect_count, effect_rows, probe_spec, publish_raw, ticket_created
from sqlalchemy import select

from relaykit import faults
from relaykit.bus.busfile import BusFile, topic_matches
from relaykit.bus.connection import connect
from relaykit.bus.deadletters import list_dead, replay
from relaykit.kit_schema import inbox
from relaykit.testing.harness import wait_for

PEER = [sys.executable, str(Path(__file__).parent / "bus_peer.py")]
EXCHANGE = Exchange("relay.events", type="topic", durable=True)


@pytest.fixture
def url(tmp_path):
    return f"embedded+sqlite:///{tmp_path}/bus.db"


def _file(url: str) -> str:
    return url.removeprefix("embedded+sqlite:///")


def _rows(url: str, sql: str = "SELECT queue, lease_owner FROM bus_messages ORDER BY id") -> list[tuple]:
    with sqlite3.connect(_file(url)) as db:
        return db.execute(sql).fetchall()


def _declare(conn, name: str = "svc.work", keys: tuple[str, ...] = ("ticket.*",)) -> Queue:
    queue = Queue(name, bindings=[binding(EXCHANGE, routing_key=k) for k in keys], durable=True)
    queue(conn.channel()).declare()
    return queue


def _publish(conn, bodies, routing_key: str = "ticket.created") -> None:
    producer = Producer(conn.channel(), exchange=EXCHANGE)
    for body in bodies:
        producer.publish(body, routing_key=routing_key, serializer="json", retry=False)


def _get(conn, queue: Queue):
    return queue(conn.channel()).get(no_ack=False)


def _drain(conn, queue: Queue, ack: bool = True, prefetch: int = 0) -> list:
    """Consume what is there (kombu's consumer path, as the ConsumerWorker does)."""
    got = []

    def on_message(body, message):
        got.append(body)
        if ack:
            message.ack()

    channel = conn.channel()
    consumer = Consumer(channel, queues=[queue], callbacks=[on_message], prefetch_count=prefetch or None)
    consumer.consume()
    while True:
        try:
            conn.drain_events(timeout=0.3)
        except TimeoutError:
            break
    consumer.cancel()
    return got


def _peer(url: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen([*PEER, url, *args], stdout=subprocess.PIPE, text=True)


def _lines_until_holding(peer: subprocess.Popen) -> list[str]:
    lines = []
    for line in peer.stdout:
        if line.strip() == "holding":
            return lines
        lines.append(json.loads(line))
    raise AssertionError(f"the peer ended early with {peer.wait()}")


# -- routing ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("pattern", "key", "matches"),
    [
        ("ticket.*", "ticket.created", True),
        ("ticket.*", "ticket.comment.added", False),
        ("ticket.#", "ticket.comment.added", True),
        ("ticket.#", "ticket", True),
        ("#", "anything.at.all", True),
        ("*.created", "ticket.created", True),
        ("*.created", "created", False),
        ("ticket.created", "ticket.updated", False),
        ("#.added", "ticket.comment.added", True),
    ],
)
def test_topic_patterns_follow_amqp(pattern, key, matches):
    assert topic_matches(pattern, key) is matches


def test_a_topic_exchange_reaches_only_the_bound_queues(url):
    with connect(url) as conn:
        tickets = _declare(conn, "svc.tickets", ("ticket.*",))
        everything = _declare(conn, "svc.all", ("#",))
        _publish(conn, [{"n": 1}], "ticket.created")
        _publish(conn, [{"n": 2}], "comment.added")
        assert _drain(conn, tickets) == [{"n": 1}]
        assert _drain(conn, everything) == [{"n": 1}, {"n": 2}]
    assert _rows(url) == []  # acknowledged: gone


def test_bindings_declared_by_one_process_route_the_publishes_of_another(url):
    with connect(url) as conn:
        queue = _declare(conn)
    # A fresh process that declares nothing publishes to the exchange.
    code = (
        "import sys; from kombu import Producer; from relaykit.bus.connection import connect\n"
        "with connect(sys.argv[1]) as c:\n"
        "    Producer(c.channel()).publish({'n': 7}, exchange='relay.events', routing_key='ticket.created')\n"
    )
    subprocess.run([sys.executable, "-c", code, url], check=True, timeout=60)
    with connect(url) as conn:
        assert _drain(conn, queue) == [{"n": 7}]


def test_declarations_it_cannot_honour_are_refused(url):
    with connect(url) as conn:
        channel = conn.channel()
        with pytest.raises(Exception, match="headers"):
            Exchange("h", type="headers")(channel).declare()
        with pytest.raises(Exception, match="x-max-priority"):
            Queue("p", queue_arguments={"x-max-priority": 5})(channel).declare()
        with pytest.raises(Exception, match="together"):
            Queue("ttl-only", queue_arguments={"x-message-ttl": 1000})(channel).declare()


# -- acknowledgement, leases, redelivery ---------------------------------------------------
def test_an_unacknowledged_message_comes_back_when_its_channel_closes(url):
    with connect(url) as conn:
        queue = _declare(conn)
        _publish(conn, [{"n": 1}, {"n": 2}])
        assert _drain(conn, queue, ack=False) == [{"n": 1}, {"n": 2}]
        assert [owner is not None for _, owner in _rows(url)] == [True, True]  # leased, kept
    with connect(url) as conn:
        assert _drain(conn, queue) == [{"n": 1}, {"n": 2}]  # the same, in the same order
    assert _rows(url) == []


def test_a_requeued_message_keeps_its_place_and_a_rejected_one_is_dropped(url):
    with connect(url) as conn:
        queue = _declare(conn)
        _publish(conn, [{"n": 1}, {"n": 2}, {"n": 3}])
        bound = queue(conn.channel())
        first = bound.get(no_ack=False)
        second = bound.get(no_ack=False)
        first.requeue()
        second.reject()
        assert [m.payload for m in iter(lambda: bound.get(no_ack=False), None)] == [{"n": 1}, {"n": 3}]


def test_prefetch_bounds_what_a_consumer_holds(url):
    with connect(url) as conn:
        queue = _declare(conn)
        _publish(conn, [{"n": n} for n in range(10)])
        assert len(_drain(conn, queue, ack=False, prefetch=3)) == 3
        assert sum(owner is not None for _, owner in _rows(url)) == 3


def test_a_killed_process_s_messages_are_delivered_again_by_the_next_one(url):
    with connect(url) as conn:
        queue = _declare(conn)
        _publish(conn, [{"n": n} for n in range(3)])
    peer = _peer(url, "lease-and-die", queue.name, "2")
    assert peer.wait(60) == -9
    assert sum(owner is not None for _, owner in _rows(url)) == 2  # the dead process's leases
    code = (
        "import sys; from kombu import Queue; from relaykit.bus.connection import connect\n"
        "with connect(sys.argv[1]) as c:\n"
        "    q = Queue('svc.work', no_declare=True).bind(c.channel())\n"
        "    print([m.payload['n'] for m in iter(lambda: q.get(no_ack=False), None)])\n"
    )
    out = subprocess.run([sys.executable, "-c", code, url], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[0, 1, 2]"


def test_a_live_process_keeps_its_messages_when_another_one_opens_the_file(url):
    with connect(url) as conn:
        queue = _declare(conn)
        _publish(conn, [{"n": 1}, {"n": 2}])
    peer = _peer(url, "lease", queue.name, "1")
    try:
        assert _lines_until_holding(peer) == ['{"n": 1}']
        with connect(url) as conn:
            conn.ensure_connection()
            bus = BusFile.open(_file(url))
            with sqlite3.connect(_file(url)) as db:
                assert bus.sweep(db) == 0  # its owner lives: nothing is taken from it
            assert _drain(conn, queue) == [{"n": 2}]
            peer.kill()
            peer.wait(30)
            with sqlite3.connect(_file(url)) as db:
                assert bus.sweep(db) == 1
            assert _drain(conn, queue) == [{"n": 1}]
    finally:
        peer.kill()
        peer.stdout.close()


def test_a_delayed_message_is_kept_in_the_file_until_it_is_due(url):
    work = Queue("svc.work", durable=True)
    delay = Queue(
        "svc.work.retry.5s",
        durable=True,
        queue_arguments={"x-message-ttl": 5000, "x-dead-letter-exchange": "", "x-dead-letter-routing-key": "svc.work"},
    )
    with connect(url) as conn:
        work(conn.channel()).declare()
        delay(conn.channel()).declare()
    before = time.time()
    peer = _peer(url, "delay", delay.name, '{"n": 1}')
    assert peer.wait(60) == -9  # the publisher is gone before the delay is over
    ((queue, ready_at),) = _rows(url, "SELECT queue, ready_at FROM bus_messages")
    assert queue == "svc.work" and ready_at >= before + 5  # waiting in its work queue, due later
    with connect(url) as conn:
        bound = work(conn.channel())
        got = wait_for(lambda: bound.get(no_ack=False), timeout=30, interval=0.2, what="the delayed message")
        assert got.payload == {"n": 1}
        assert time.time() >= ready_at
        got.ack()


def test_a_forked_child_is_an_owner_of_its_own(url):
    with connect(url) as conn:
        conn.ensure_connection()
    parent = BusFile.open(_file(url)).owner
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover (the child)
        os.write(write, BusFile.open(_file(url)).owner.encode())
        os._exit(0)
    os.waitpid(pid, 0)
    child = os.read(read, 100).decode()
    assert child and child != parent


# -- the kit's consumers on the embedded bus --------------------------------------------------
@pytest.fixture
def embedded_probe(harness, bus_namespace, tmp_path):
    behaviour = Behaviour()
    rt = harness.runtime(
        probe_spec(behaviour), amqp_url=f"embedded+sqlite:///{tmp_path}/bus.db", namespace=bus_namespace
    )
    return behaviour, rt


def test_failures_wait_in_the_file_retry_then_dead_letter_and_replay_puts_them_back(embedded_probe, harness):
    behaviour, rt = embedded_probe
    assert rt.topology.delay_queues  # the durable delay queues, not an in-process timer
    behaviour.fail_numbers = {2}
    harness.start(rt)
    url = rt.settings.amqp_url
    bodies = [ticket_created(1), ticket_created(2), "{not json", ticket_created(3)]
    publish_raw(url, rt.topology, bodies, declare=[BINDING])
    wait_for(lambda: effect_count(rt.db) == 2, what="the good messages")
    work_queue = rt.topology.queue_name("probe", "sink")
    dead_queue = rt.topology.dead_queue_name(work_queue)

    def dead():
        with connect(url) as conn:
            return list_dead(conn, dead_queue)

    letters = wait_for(lambda: len(d := dead()) == 2 and d, what="two dead letters")
    boom = next(d for d in letters if "boom on ticket 2" in (d.reason or ""))
    assert boom.attempts == 3  # the first try and the two retries
    assert any("contract violation" in (d.reason or "") for d in letters)
    assert len(dead()) == 2  # listing removed nothing

    behaviour.fail_numbers = set()
    with connect(url) as conn:
        assert replay(conn, url, dead_queue, {boom.message_id}) == 1
    wait_for(lambda: effect_count(rt.db) == 3, what="the replayed message")
    assert sorted(n for _, n in effect_rows(rt.db)) == [1, 2, 3]
    assert [d.reason for d in dead()] == [next(d.reason for d in letters if d is not boom)]


def test_a_retry_that_waits_is_a_row_of_the_file(url, harness, bus_namespace):
    behaviour = Behaviour()
    behaviour.fail_numbers = {5}
    rt = harness.runtime(probe_spec(behaviour), amqp_url=url, namespace=bus_namespace, retry_delays=(60.0,))
    harness.start(rt)
    publish_raw(rt.settings.amqp_url, rt.topology, [ticket_created(5)], declare=[BINDING])
    work_queue = rt.topology.queue_name("probe", "sink")

    def retries():
        rows = _rows(url, f"SELECT ready_at, payload FROM bus_messages WHERE queue = '{work_queue}'")
        return [r for r in rows if json.loads(r[1])["headers"].get("x-relay-attempt") == 1]

    ((ready_at, _),) = wait_for(retries, what="the retry, back in its work queue")
    assert ready_at > time.time() + 30  # not before its delay, whoever reads the file next
    wait_for(lambda: len(_rows(url)) == 1, what="the failed delivery acknowledged")


def test_a_consumer_killed_between_commit_and_ack_applies_the_message_once(url, bus_namespace, harness, tmp_path):
    behaviour = Behaviour()
    db_url = f"sqlite:///{tmp_path}/probe.db"
    rt = harness.runtime(probe_spec(behaviour), database_url=db_url, amqp_url=url, namespace=bus_namespace)
    publish_raw(url, rt.topology, [ticket_created(n) for n in range(1, 6)], declare=[BINDING])
    env = os.environ | {
        "DATABASE_URL": db_url,
        "AMQP_URL": url,
        "RELAY_NAMESPACE": bus_namespace,
        "RELAY_FAULT": "after-commit:sink",
        "RELAY_FAULT_ONCE_FILE": str(tmp_path / "crashed-once"),
        "PYTHONPATH": str(Path(__file__).parent),
    }
    probe_py = str(Path(__file__).parent / "probe.py")
    first = subprocess.run([sys.executable, probe_py], env=env, capture_output=True, text=True, timeout=60)
    assert first.returncode == faults.EXIT_CODE, first.stderr
    committed = effect_rows(rt.db)
    assert committed  # applied, never acknowledged: still rows of the bus file
    assert len(_rows(url)) == 5

    log = tmp_path / "second.log"
    with log.open("w") as out:
        second = subprocess.Popen([sys.executable, probe_py], env=env, stderr=out)
        try:
            wait_for(lambda: effect_count(rt.db) == 5, timeout=30, what="all five")
            wait_for(lambda: _rows(url) == [], timeout=30, what="every message acknowledged")
        finally:
            second.terminate()
            second.wait(30)
    assert "duplicate message ignored" in log.read_text()
    assert sorted(n for _, n in effect_rows(rt.db)) == [1, 2, 3, 4, 5]  # none applied twice
    with rt.db.sessions() as s:
        assert len(s.execute(select(inbox)).all()) == 5


def test_readiness_does_not_open_the_bus_file(harness, tmp_path):
    """An API process (a Kubernetes gateway pod has no AMQP_URL) never opens the embedded
    bus: its readiness must not create the file in a read-only container either."""
    from relaykit.health import Readiness

    rt = harness.runtime(probe_spec(Behaviour()), amqp_url=f"embedded+sqlite:///{tmp_path}/nowhere/bus.db")
    assert Readiness(rt).check() == {}
    assert not (tmp_path / "nowhere").exists()


def test_a_relay_batch_is_one_transaction_confirmed_only_by_its_commit(url):
    from relaykit.bus.confirms import BatchConfirms

    with connect(url) as conn:
        queue = _declare(conn)
        channel = conn.channel()
        confirms = BatchConfirms(conn, channel)
        producer = Producer(channel, exchange=EXCHANGE)
        for n in range(3):
            producer.publish({"n": n}, routing_key="ticket.created", serializer="json", retry=False)
            confirms.published(n)
        assert _rows(url) == [] and confirms.take_confirmed() == []  # not stored yet: not confirmed
        confirms.wait()
        assert confirms.take_confirmed() == [0, 1, 2]
        assert len(_rows(url)) == 3
        producer.publish({"n": 3}, routing_key="ticket.created", serializer="json", retry=False)
        confirms.published(3)
    # The connection went away before the batch was confirmed: none of it was stored,
    # and the outbox rows stay unpublished (the relay publishes them again).
    assert confirms.take_confirmed() == []
    with connect(url) as conn:
        assert _drain(conn, queue) == [{"n": 0}, {"n": 1}, {"n": 2}]
