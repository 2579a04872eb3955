"""The delivery guarantees on the real RabbitMQ and PostgreSQL."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from probe import BINDING, Behaviour, effect_count, effect_rows, probe_spec, publish_raw, ticket_created
from sqlalchemy import func, select

from relaykit import correlation, faults
from relaykit.bus.connection import connect
from relaykit.bus.deadletters import list_dead, replay
from relaykit.bus.relay import OutboxRelay
from relaykit.kit_schema import inbox, outbox
from relaykit.testing.harness import wait_for

pytestmark = pytest.mark.integration


def _emit(rt, numbers, cid=None):
    for n in numbers:
        body = ticket_created(n)
        with correlation.bound(cid), rt.db.session() as s:
            rt.outbox.emit(
                s,
                "ticket.created",
                body["data"],
                aggregate_type="ticket",
                aggregate_id=body["aggregate_id"],
                sequence=1,
            )


def _unpublished(rt) -> int:
    with rt.db.sessions() as s:
        return s.scalar(select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None)))


@pytest.fixture
def pair(harness, pg_database_factory, amqp_url, bus_namespace, tcp_proxy):
    """A producer and a consumer service, each with its own PostgreSQL database,
    both reaching RabbitMQ through a proxy the test can cut."""
    proxy, proxied_url = tcp_proxy(amqp_url)
    behaviour = Behaviour()
    producer = harness.runtime(
        probe_spec(Behaviour(), publishes=("ticket.created",)).__class__(
            name="producer",
            title="producer",
            migrations=probe_spec(behaviour).migrations,
            publishes=("ticket.created",),
        ),
        database_url=pg_database_factory(),
        amqp_url=proxied_url,
        namespace=bus_namespace,
    )
    consumer = harness.runtime(
        probe_spec(behaviour), database_url=pg_database_factory(), amqp_url=proxied_url, namespace=bus_namespace
    )
    return proxy, producer, consumer, behaviour


def test_broker_outage_loses_nothing_and_doubles_nothing(pair, harness):
    proxy, producer, consumer, _ = pair
    (worker,) = consumer.tasks()
    harness.start(consumer, [worker])
    wait_for(worker.ready.is_set, what="consumer ready")
    harness.start(producer)

    _emit(producer, range(1, 21))
    wait_for(lambda: effect_count(consumer.db) == 20, what="first 20")

    proxy.cut()
    _emit(producer, range(21, 51))  # the service keeps working while the broker is away
    time.sleep(1.0)
    assert _unpublished(producer) == 30
    assert effect_count(consumer.db) == 20

    proxy.restore()
    wait_for(lambda: effect_count(consumer.db) == 50, timeout=40, what="all 50 after the outage")
    time.sleep(1.0)  # anything doubled would arrive now
    numbers = sorted(n for _, n in effect_rows(consumer.db))
    assert numbers == list(range(1, 51))
    assert _unpublished(producer) == 0
    with consumer.db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(inbox)) == 50


def test_a_consumer_killed_between_commit_and_ack_applies_the_message_once(
    pg_url, amqp_url, bus_namespace, harness, tmp_path
):
    behaviour = Behaviour()
    rt = harness.runtime(probe_spec(behaviour), database_url=pg_url, amqp_url=amqp_url, namespace=bus_namespace)
    publish_raw(amqp_url, rt.topology, [ticket_created(n) for n in range(1, 6)], declare=[BINDING])
    once = tmp_path / "crashed-once"
    env = os.environ | {
        "DATABASE_URL": pg_url,
        "AMQP_URL": amqp_url,
        "RELAY_NAMESPACE": bus_namespace,
        "RELAY_FAULT": "after-commit:sink",
        "RELAY_FAULT_ONCE_FILE": str(once),
        "PYTHONPATH": str(Path(__file__).parent),
    }
    probe_py = str(Path(__file__).parent / "probe.py")
    first = subprocess.run([sys.executable, probe_py], env=env, capture_output=True, text=True, timeout=60)
    assert first.returncode == faults.EXIT_CODE, first.stderr
    committed = effect_rows(rt.db)  # committed, never acknowledged
    assert committed

    log = tmp_path / "second.log"
    with log.open("w") as out:
        second = subprocess.Popen([sys.executable, probe_py], env=env, stderr=out)
        try:
            wait_for(lambda: effect_count(rt.db) == 5, timeout=30, what="all five")
            # Every committed-but-unacknowledged message comes back and is recognised.
            wait_for(
                lambda: all(f'"message_id": "{m}"' in log.read_text() for m, _ in committed),
                timeout=30,
                what="the redeliveries",
            )
            time.sleep(0.5)
        finally:
            second.terminate()
            second.wait(30)
    assert "duplicate message ignored" in log.read_text()
    assert sorted(n for _, n in effect_rows(rt.db)) == [1, 2, 3, 4, 5]  # none applied twice


def test_poison_and_failing_messages_are_dead_lettered_and_the_consumer_goes_on(
    pg_url, amqp_url, bus_namespace, harness
):
    behaviour = Behaviour()
    behaviour.fail_numbers = {2}
    rt = harness.runtime(probe_spec(behaviour), database_url=pg_url, amqp_url=amqp_url, namespace=bus_namespace)
    (worker,) = rt.tasks()
    harness.start(rt, [worker])
    wait_for(worker.ready.is_set, what="consumer ready")
    bad_contract = ticket_created(9)
    bad_contract["data"]["ticket"]["number"] = "nine"
    publish_raw(
        amqp_url,
        rt.topology,
        [ticket_created(1), ticket_created(2), "{oops", bad_contract, ticket_created(3), ticket_created(4)],
        declare=[BINDING],
    )
    wait_for(lambda: effect_count(rt.db) == 3, what="the healthy messages")
    dead_queue = rt.topology.dead_queue_name(rt.topology.queue_name("probe", "sink"))

    def dead():
        with connect(amqp_url) as conn:
            return list_dead(conn, dead_queue)

    letters = wait_for(lambda: (d := dead()) and len(d) == 3 and d, timeout=20, what="3 dead letters")
    by_reason = {d.reason.split(":")[0]: d for d in letters}
    assert set(by_reason) == {"RuntimeError", "contract violation"} and len(letters) == 3
    assert "data/ticket/number" in next(d.reason for d in letters if "nine" in d.reason)
    assert by_reason["RuntimeError"].attempts == 3
    assert by_reason["RuntimeError"].type == "ticket.created"

    behaviour.fail_numbers = set()
    with connect(amqp_url) as conn:
        assert replay(conn, amqp_url, dead_queue) == 3  # all of them
    wait_for(lambda: effect_count(rt.db) == 4, what="the replayed failure handled")
    # The poison ones are still poison: back in the dead-letter queue, nothing applied twice.
    wait_for(lambda: len(dead()) == 2, timeout=20, what="poison back in the DLQ")
    assert sorted(n for _, n in effect_rows(rt.db)) == [1, 2, 3, 4]


def test_only_one_relay_per_service_publishes(pg_url, amqp_url, bus_namespace, harness):
    """Two worker replicas of one service: one relay publishes, the other waits as a
    standby, so the events of one ticket never overtake each other."""
    rt = harness.runtime(
        probe_spec(Behaviour(), publishes=("ticket.created",)),
        database_url=pg_url,
        amqp_url=amqp_url,
        namespace=bus_namespace,
    )
    relays = [t for t in rt.tasks() if isinstance(t, OutboxRelay)]
    second = [t for t in rt.tasks() if isinstance(t, OutboxRelay)]
    published = []
    for relay in (relays[0], second[0]):
        original = relay.publish_batch

        def counting(*args, _original=original, _relay=relay):
            n = _original(*args)
            if n:
                published.append(_relay)
            return n

        relay.publish_batch = counting
    harness.start(rt, [relays[0], second[0]])
    _emit(rt, range(1, 31))
    wait_for(lambda: _unpublished(rt) == 0, what="all published")
    assert len(set(map(id, published))) == 1


def test_a_duplicate_delivery_of_the_same_message_id_is_ignored(pg_url, amqp_url, bus_namespace, harness):
    behaviour = Behaviour()
    rt = harness.runtime(probe_spec(behaviour), database_url=pg_url, amqp_url=amqp_url, namespace=bus_namespace)
    (worker,) = rt.tasks()
    harness.start(rt, [worker])
    wait_for(worker.ready.is_set, what="consumer ready")
    body = ticket_created(1)
    publish_raw(amqp_url, rt.topology, [body] * 5 + [ticket_created(2)], declare=[BINDING])
    wait_for(lambda: effect_count(rt.db) == 2, what="two effects")
    time.sleep(0.5)
    assert sorted(n for _, n in effect_rows(rt.db)) == [1, 2]
