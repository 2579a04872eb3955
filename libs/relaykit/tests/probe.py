"""A probe service for the kit's tests: it consumes ticket.created and appends one row
per handled message, with no unique key, so a message applied twice shows as two rows.

Also runnable as a worker process (`python probe.py`) for the tests that kill it.
"""

from __future__ import annotations

import os
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kombu import Producer
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select

from relay_contracts import ConsumerBinding
from relaykit import correlation
from relaykit.bus import Message
from relaykit.bus.connection import connect
from relaykit.bus.consumer import ConsumerSpec
from relaykit.bus.topology import Topology
from relaykit.service import ServiceSpec

metadata = MetaData()
effects = Table(
    "probe_effects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("message_id", String(36), nullable=False),
    Column("number", Integer, nullable=False),
    Column("correlation_id", String(200)),
)
MIGRATIONS = Path(__file__).parent / "probe_migrations" / "versions"
CONSUMER = "sink"


class Behaviour:
    """What the probe's handler does; tests flip it while the worker runs."""

    def __init__(self) -> None:
        self.fail_numbers: set[int] = set()
        self.seen = threading.Event()

    def handle(self, session, message: Message) -> None:
        number = message.data["ticket"]["number"]
        if number in self.fail_numbers:
            raise RuntimeError(f"boom on ticket {number}")
        session.execute(
            insert(effects).values(message_id=message.id, number=number, correlation_id=correlation.current())
        )
        self.seen.set()


def probe_spec(behaviour: Behaviour, *, publishes: tuple[str, ...] = ()) -> ServiceSpec:
    return ServiceSpec(
        name="probe",
        title="probe",
        migrations=MIGRATIONS,
        metadata=metadata,
        consumers=lambda rt: [ConsumerSpec(CONSUMER, {"ticket.created": behaviour.handle})],
        publishes=publishes,
    )


BINDING = ConsumerBinding("probe", CONSUMER, ("ticket.created",))


def ticket_created(number: int, *, message_id: str | None = None, cid: str | None = None) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat()
    ticket_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"probe-ticket-{number}"))
    return {
        "id": message_id or str(uuid.uuid4()),
        "type": "ticket.created",
        "version": 1,
        "kind": "event",
        "occurred_at": now,
        "producer": "probe",
        "correlation_id": cid or str(uuid.uuid4()),
        "causation_id": None,
        "aggregate_type": "ticket",
        "aggregate_id": ticket_id,
        "sequence": 1,
        "data": {
            "ticket": {
                "id": ticket_id,
                "number": number,
                "subject": f"probe {number}",
                "description": "",
                "status": "opened",
                "channel": "api",
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
        },
    }


def publish_raw(amqp_url: str, topology: Topology, bodies: list[Any], *, declare: list[ConsumerBinding]) -> None:
    """Publish straight to the exchange (as a misbehaving or external producer would)."""
    import json

    with connect(amqp_url) as conn:
        channel = conn.channel()
        topology.declare(channel, declare)
        producer = Producer(channel, exchange=topology.exchange)
        for body in bodies:
            text = body if isinstance(body, str) else json.dumps(body)
            rk = body.get("type", "ticket.created") if isinstance(body, dict) else "ticket.created"
            producer.publish(text, routing_key=rk, content_type="application/json", delivery_mode=2, retry=False)


def effect_rows(db) -> list[tuple[str, int]]:
    with db.sessions() as s:
        return [tuple(r) for r in s.execute(select(effects.c.message_id, effects.c.number)).all()]


def effect_count(db) -> int:
    with db.sessions() as s:
        return s.scalar(select(func.count()).select_from(effects)) or 0


def _main() -> None:  # the worker process used by the kill tests
    from relaykit import logs
    from relaykit.runner import TaskRunner
    from relaykit.service import Runtime
    from relaykit.settings import Settings

    logs.configure("INFO", "json")
    behaviour = Behaviour()
    settings = Settings(
        service="probe",
        database_url=os.environ["DATABASE_URL"],
        amqp_url=os.environ["AMQP_URL"],
        namespace=os.environ["RELAY_NAMESPACE"],
        retry_delays=(0.2, 0.4),
    )
    rt = Runtime(probe_spec(behaviour), settings)
    runner = TaskRunner()
    runner.start(rt.tasks(), owner="probe")
    stop = threading.Event()
    import signal

    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    runner.shutdown()


if __name__ == "__main__":
    _main()
