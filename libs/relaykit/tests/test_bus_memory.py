"""The bus on kombu's memory transport and SQLite (the all-in-one composition)."""

import json

import pytest
from probe import BINDING, Behaviour, effect_count, effect_rows, probe_spec, publish_raw, ticket_created
from sqlalchemy import select

from relay_contracts import validate
from relaykit import correlation
from relaykit.bus.connection import connect
from relaykit.bus.deadletters import list_dead, replay
from relaykit.kit_schema import inbox, outbox
from relaykit.testing.harness import wait_for


@pytest.fixture
def probe(harness, bus_namespace):
    behaviour = Behaviour()
    rt = harness.runtime(probe_spec(behaviour, publishes=("ticket.created",)), namespace=bus_namespace)
    return behaviour, rt


def _emit(rt, number, cid=None):
    with correlation.bound(cid), rt.db.session() as s:
        body = ticket_created(number)
        rt.outbox.emit(
            s,
            "ticket.created",
            body["data"],
            aggregate_type="ticket",
            aggregate_id=body["aggregate_id"],
            sequence=1,
        )


def test_outbox_rows_are_validated_and_committed_with_the_state(probe):
    _, rt = probe
    _emit(rt, 1, cid="req-1")
    with rt.db.sessions() as s:
        row = s.execute(select(outbox)).one()
    body = json.loads(row.body)
    validate(body)
    assert (row.type, row.correlation_id, row.published_at) == ("ticket.created", "req-1", None)


def test_an_invalid_message_is_never_committed(probe):
    _, rt = probe
    with pytest.raises(ValueError), rt.db.session() as s:
        rt.outbox.emit(
            s, "ticket.created", {"ticket": {"id": "x"}}, aggregate_type="ticket", aggregate_id="x", sequence=1
        )
    with rt.db.sessions() as s:
        assert s.execute(select(outbox)).all() == []


def test_a_rolled_back_transaction_publishes_nothing(probe, harness):
    _, rt = probe
    with pytest.raises(RuntimeError), correlation.bound(None), rt.db.session() as s:
        body = ticket_created(1)
        rt.outbox.emit(s, "ticket.created", body["data"], aggregate_type="ticket", aggregate_id="a", sequence=1)
        raise RuntimeError("state change failed")
    harness.start(rt)
    with rt.db.sessions() as s:
        assert s.execute(select(outbox)).all() == []


def test_events_flow_from_outbox_to_consumer_once_with_their_correlation_id(probe, harness):
    _behaviour, rt = probe
    harness.start(rt)
    wait_for(lambda: rt.tasks, what="tasks")
    for n in range(1, 21):
        _emit(rt, n, cid=f"req-{n}")
    wait_for(lambda: effect_count(rt.db) == 20, what="20 effects")
    rows = effect_rows(rt.db)
    assert sorted(n for _, n in rows) == list(range(1, 21))
    with rt.db.sessions() as s:
        cids = dict(
            s.execute(select(__import__("probe").effects.c.number, __import__("probe").effects.c.correlation_id)).all()
        )
        assert cids[7] == "req-7"
        assert s.scalar(select(outbox.c.id).where(outbox.c.published_at.is_(None))) is None


def test_duplicates_are_applied_once(probe, harness):
    _behaviour, rt = probe
    harness.start(rt)
    body = ticket_created(5)
    publish_raw(rt.settings.amqp_url, rt.topology, [body, body, body], declare=[BINDING])
    publish_raw(rt.settings.amqp_url, rt.topology, [ticket_created(6)], declare=[BINDING])
    wait_for(lambda: effect_count(rt.db) == 2, what="2 effects")
    assert sorted(n for _, n in effect_rows(rt.db)) == [5, 6]
    with rt.db.sessions() as s:
        assert len(s.execute(select(inbox)).all()) == 2


def test_failures_retry_then_dead_letter_and_replay_puts_them_back(probe, harness):
    behaviour, rt = probe
    behaviour.fail_numbers = {2}
    harness.start(rt)
    publish_raw(
        rt.settings.amqp_url,
        rt.topology,
        [
            ticket_created(1),
            ticket_created(2),
            "{not json",
            {"type": "ticket.created", "version": 1},
            ticket_created(3),
        ],
        declare=[BINDING],
    )
    wait_for(lambda: effect_count(rt.db) == 2, what="the good messages")
    dead_queue = rt.topology.dead_queue_name(rt.topology.queue_name("probe", "sink"))
    url = rt.settings.amqp_url

    def dead():
        with connect(url) as conn:
            return list_dead(conn, dead_queue)

    letters = wait_for(lambda: len(dead()) == 3 and dead(), what="three dead letters")
    reasons = sorted(d.reason for d in letters)
    assert any("boom on ticket 2" in r for r in reasons)
    assert sum("contract violation" in r for r in reasons) == 2
    boom = next(d for d in letters if "boom" in d.reason)
    assert boom.attempts == 3  # the first try and two retries
    assert len(dead()) == 3  # listing removed nothing

    behaviour.fail_numbers = set()
    with connect(url) as conn:
        assert replay(conn, url, dead_queue, {boom.message_id}) == 1
    wait_for(lambda: effect_count(rt.db) == 3, what="the replayed message")
    assert len(dead()) == 2


def test_handlers_log_and_emit_under_the_message_correlation_id(harness, bus_namespace):
    """A handler's log lines and the messages it writes carry the id of the request that
    caused the message it is handling; the new messages name that message as their cause."""
    import io
    import logging

    from probe import probe_spec as make_spec

    from relaykit.bus.consumer import ConsumerSpec
    from relaykit.logs import JsonFormatter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("probe.handler")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    rt_holder = {}

    def handle(session, message):
        logger.info("handling %s", message.id)
        ticket = message.data["ticket"]
        rt_holder["rt"].outbox.emit(
            session,
            "ticket.created",
            {"ticket": ticket | {"number": ticket["number"] + 1000}},
            aggregate_type="ticket",
            aggregate_id=ticket["id"] + "-x",
            sequence=1,
        )

    spec = make_spec(Behaviour()).__class__(
        name="probe",
        title="probe",
        migrations=make_spec(Behaviour()).migrations,
        consumers=lambda rt: [ConsumerSpec("sink", {"ticket.created": handle})],
    )
    rt = rt_holder["rt"] = harness.runtime(spec, namespace=bus_namespace)
    harness.start(rt)
    body = ticket_created(1, cid="req-from-http")
    publish_raw(rt.settings.amqp_url, rt.topology, [body], declare=[BINDING])
    try:
        wait_for(lambda: "handling" in stream.getvalue(), what="the handler's log line")
    finally:
        logger.removeHandler(handler)
    line = json.loads(stream.getvalue().splitlines()[0])
    assert line["correlation_id"] == "req-from-http"
    with rt.db.sessions() as s:
        emitted = json.loads(s.execute(select(outbox.c.body)).scalar_one())
    assert emitted["correlation_id"] == "req-from-http" and emitted["causation_id"] == body["id"]


def test_an_ordered_consumer_skips_messages_older_than_what_it_applied(harness, bus_namespace):
    from probe import probe_spec as make_spec

    from relaykit.bus.consumer import ConsumerSpec

    applied = []

    def handle(session, message):
        applied.append(message.sequence)

    spec = make_spec(Behaviour()).__class__(
        name="probe",
        title="probe",
        migrations=make_spec(Behaviour()).migrations,
        consumers=lambda rt: [ConsumerSpec("sink", {"ticket.created": handle}, ordered=True)],
    )
    rt = harness.runtime(spec, namespace=bus_namespace)
    (worker,) = rt.tasks()
    harness.start(rt, [worker])
    wait_for(worker.ready.is_set, what="ready")
    first = ticket_created(1) | {"sequence": 5}
    stale = ticket_created(1) | {"sequence": 3}  # same ticket (same aggregate id), older
    same = ticket_created(1) | {"sequence": 5}  # a different message at the same sequence
    newer = ticket_created(1) | {"sequence": 7}
    publish_raw(rt.settings.amqp_url, rt.topology, [first], declare=[BINDING])
    wait_for(lambda: applied == [5], what="the first")
    publish_raw(rt.settings.amqp_url, rt.topology, [stale, same, newer], declare=[BINDING])
    wait_for(lambda: applied == [5, 7], what="only the newer one")
    with rt.db.sessions() as s:
        assert len(s.execute(select(inbox)).all()) == 4  # every message was seen once and settled
