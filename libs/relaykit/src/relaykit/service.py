"""What a service is, to the kit: a spec (static description) and a runtime
(its database, outbox, topology and tasks, built from settings).

Services announce their spec through the `relay.services` entry point group,
which is how `relay run` finds every service without importing them by name.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import MetaData

from relay_contracts import ConsumerBinding, catalog, validate
from relaykit import migrations
from relaykit.bus.consumer import ConsumerSpec, ConsumerWorker
from relaykit.bus.outbox import Outbox
from relaykit.bus.relay import OutboxRelay
from relaykit.bus.topology import Topology
from relaykit.clock import Clock, SystemClock
from relaykit.db import Database, ensure_database
from relaykit.settings import Settings
from relaykit.uow import UnitOfWork

if TYPE_CHECKING:
    from flask import Flask


class Task(Protocol):
    name: str

    def run(self, stop: threading.Event) -> None: ...


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    title: str
    migrations: Path
    metadata: MetaData | None = None
    # Registers the service's routes on the kit's app; None: health and metrics only.
    routes: Callable[[Flask, Runtime], None] | None = None
    consumers: Callable[[Runtime], Sequence[ConsumerSpec]] | None = None
    background: Callable[[Runtime], Sequence[Task]] | None = None
    publishes: tuple[str, ...] = ()
    demo: Callable[[Runtime], None] | None = None
    # The gateway builds its own app (token authentication, proxying).
    app_factory: Callable[[Runtime], Flask] | None = None
    edge: bool = False
    # gunicorn threads of the API process unless RELAY_WEB_THREADS says; None: the kit's default.
    web_threads: int | None = None

    @property
    def has_api(self) -> bool:
        return self.routes is not None or self.app_factory is not None


@dataclass
class Runtime:
    spec: ServiceSpec
    settings: Settings
    # The gateway's upstreams: service name -> WSGI app (all-in-one) or base URL.
    upstreams: dict[str, Any] = field(default_factory=dict)
    # Where "now" comes from; tests put a FrozenClock here.
    clock: Clock = field(default_factory=SystemClock)
    # Anything a service keeps for the life of the process (caches, stores).
    extensions: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def db(self) -> Database:
        return Database(self.settings.database_url)

    @cached_property
    def outbox(self) -> Outbox:
        return Outbox(self.spec.name, self.db, validate)

    @cached_property
    def topology(self) -> Topology:
        return Topology(
            self.settings.namespace,
            self.settings.retry_delays,
            delay_queues=not self.settings.uses_memory_bus,
        )

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.db, self.outbox)

    def migrate(self) -> None:
        ensure_database(self.settings.database_url)
        migrations.upgrade(self.db, self.spec.migrations, self.spec.metadata)

    @cached_property
    def app(self) -> Flask:
        if self.spec.app_factory is not None:
            return self.spec.app_factory(self)
        from relaykit.app import create_app

        return create_app(self, self.spec.routes)

    @cached_property
    def consumer_specs(self) -> list[ConsumerSpec]:
        return list(self.spec.consumers(self)) if self.spec.consumers else []

    def bindings(self) -> list[ConsumerBinding]:
        """Every consumer queue in the catalogue: publishers declare them all first."""
        return catalog().consumers()

    def tasks(self) -> list[Task]:
        tasks: list[Task] = []
        if self.spec.publishes:
            tasks.append(
                OutboxRelay(
                    service=self.spec.name,
                    db=self.db,
                    outbox=self.outbox,
                    amqp_url=self.settings.amqp_url,
                    topology=self.topology,
                    bindings=self.bindings(),
                    batch=self.settings.outbox_batch,
                    idle_seconds=self.settings.outbox_idle_seconds,
                    retention=timedelta(hours=self.settings.outbox_retention_hours),
                )
            )
        if self.consumer_specs:
            tasks.append(
                ConsumerWorker(
                    service=self.spec.name,
                    db=self.db,
                    specs=self.consumer_specs,
                    amqp_url=self.settings.amqp_url,
                    topology=self.topology,
                    validate=validate,
                    prefetch=self.settings.prefetch,
                    inbox_retention=timedelta(days=self.settings.inbox_retention_days),
                )
            )
        if self.spec.background:
            tasks.extend(self.spec.background(self))
        return tasks


def discover() -> dict[str, ServiceSpec]:
    """Every installed service, by name, in a stable order (edge last)."""
    specs = [ep.load() for ep in entry_points(group="relay.services")]
    specs.sort(key=lambda s: (s.edge, s.name))
    return {s.name: s for s in specs}
