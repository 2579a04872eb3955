"""The SLA service learns new tickets from ticket.created, once, and in order."""

import copy
import json
import uuid

import pytest
from click.testing import CliRunner
from kombu import Producer
from sqlalchemy import func, select

from relay_contracts import registry
from relay_sla.adapters.orm import tickets as tracked_tickets
from relay_sla.bootstrap import spec
from relaykit.bus.connection import connect
from relaykit.cli import main as relay_cli
from relaykit.testing.harness import wait_for


def ticket_created(number: int, *, sequence: int = 1, ticket_id: str | None = None) -> dict:
    message = copy.deepcopy(registry().schema("ticket.created", 1).schema["examples"][0])
    ticket_id = ticket_id or str(uuid.uuid4())
    message.update(id=str(uuid.uuid4()), aggregate_id=ticket_id, sequence=sequence)
    message["data"]["ticket"].update(id=ticket_id, number=number, version=sequence)
    return message


def publish(rt, *bodies) -> None:
    with connect(rt.settings.amqp_url) as conn:
        channel = conn.channel()
        rt.topology.declare(channel, rt.bindings())
        producer = Producer(channel, exchange=rt.topology.exchange)
        for body in bodies:
            text = body if isinstance(body, str) else json.dumps(body)
            producer.publish(text, routing_key="ticket.created", content_type="application/json", retry=False)


def tracked(rt) -> dict[int, str]:
    with rt.db.sessions() as s:
        return dict(s.execute(select(tracked_tickets.c.number, tracked_tickets.c.status)).all())


def count(rt) -> int:
    with rt.db.sessions() as s:
        return s.scalar(select(func.count()).select_from(tracked_tickets))


def test_new_tickets_are_tracked_once(harness, bus_namespace):
    rt = harness.runtime(spec, namespace=bus_namespace)
    harness.start(rt)
    first = ticket_created(1)
    publish(rt, first, first, ticket_created(2))
    wait_for(lambda: count(rt) == 2, what="two tracked tickets")
    assert tracked(rt) == {1: "opened", 2: "opened"}


def test_a_repeated_registration_of_the_same_ticket_changes_nothing(harness, bus_namespace):
    rt = harness.runtime(spec, namespace=bus_namespace)
    harness.start(rt)
    ticket_id = str(uuid.uuid4())
    publish(rt, ticket_created(5, sequence=3, ticket_id=ticket_id))
    wait_for(lambda: count(rt) == 1, what="tracked")
    publish(rt, ticket_created(5, sequence=2, ticket_id=ticket_id), ticket_created(6))
    wait_for(lambda: count(rt) == 2, what="the next ticket")
    assert sorted(tracked(rt)) == [5, 6]  # the repeat did not fail, duplicate or overwrite


@pytest.mark.integration
def test_operators_list_and_replay_dead_letters_with_the_cli(harness, pg_url, amqp_url, bus_namespace, monkeypatch):
    rt = harness.runtime(spec, database_url=pg_url, amqp_url=amqp_url, namespace=bus_namespace)
    (worker,) = [t for t in rt.tasks() if t.name == "consumers"]
    harness.start(rt, [worker])
    wait_for(worker.ready.is_set, what="consumer ready")
    broken = ticket_created(7)
    del broken["data"]["ticket"]["subject"]
    publish(rt, broken, ticket_created(8))
    wait_for(lambda: count(rt) == 1, what="the good ticket")

    for key, value in {"AMQP_URL": amqp_url, "RELAY_NAMESPACE": bus_namespace, "SLA_DATABASE_URL": pg_url}.items():
        monkeypatch.setenv(key, value)
    runner = CliRunner()
    listed = wait_for(
        lambda: (
            (r := runner.invoke(relay_cli, ["dlq", "list", "--service", "sla", "--json"])).exit_code == 0
            and json.loads(r.output)
        ),
        what="a dead letter",
    )
    (letter,) = listed
    assert letter["message_id"] == broken["id"] and "subject" in letter["reason"]
    assert letter["queue"] == f"{bus_namespace}sla.ticket-register.dead"

    text = runner.invoke(relay_cli, ["dlq", "list", "--service", "sla"])
    assert "1 dead letter" in text.output and "contract violation" in text.output
    replayed = runner.invoke(relay_cli, ["dlq", "replay", f"{bus_namespace}sla.ticket-register", "--id", broken["id"]])
    assert replayed.exit_code == 0 and "replayed 1" in replayed.output, replayed.output
    # Still broken: it comes back to the dead-letter queue, and the consumer goes on.
    wait_for(lambda: len(json.loads(runner.invoke(relay_cli, ["dlq", "list", "--json"]).output)) == 1, what="back")
    assert runner.invoke(relay_cli, ["dlq", "replay", "sla.nothing", "--all"]).exit_code != 0
