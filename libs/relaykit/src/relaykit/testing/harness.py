"""Building and running service runtimes inside a test, and calling their APIs as someone."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from relaykit import identity
from relaykit.runner import TaskRunner
from relaykit.service import Runtime, ServiceSpec
from relaykit.settings import DEV_IDENTITY_SECRET, Settings


def signed(
    role: str = identity.ADMINISTRATOR,
    subject: str = "test-user",
    organization: str | None = None,
    secret: str = DEV_IDENTITY_SECRET,
    ttl: int = 12 * 3600,
) -> dict[str, str]:
    """Headers a gateway would add for this caller. Valid for hours, not the gateway's
    minutes: test modules sign their callers once, at import, and a run lasts longer."""
    who = identity.Identity(subject=subject, role=role, organization=organization)
    return {identity.HEADER: identity.sign(who, secret, ttl=ttl)}


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}")
        time.sleep(interval)


def publish(rt: Runtime, *messages: dict[str, Any]) -> None:
    """Put message envelopes on the runtime's bus as another service's relay would (no
    outbox, no contract check: a test may send what a buggy producer would)."""
    from kombu import Producer

    from relaykit.bus.connection import connect

    with connect(rt.settings.amqp_url) as conn:
        channel = conn.channel()
        rt.topology.declare(channel, rt.bindings())
        producer = Producer(channel, exchange=rt.topology.exchange)
        for m in messages:
            producer.publish(json.dumps(m), routing_key=m["type"], content_type="application/json", retry=False)


class Harness:
    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.runtimes: list[Runtime] = []
        self.runners: list[TaskRunner] = []

    def runtime(
        self,
        spec: ServiceSpec,
        *,
        database_url: str | None = None,
        amqp_url: str = "memory://",
        namespace: str = "",
        migrate: bool = True,
        **overrides: Any,
    ) -> Runtime:
        settings = Settings(
            service=spec.name,
            database_url=database_url or f"sqlite:///{self.tmp_path}/{spec.name}.db",
            amqp_url=amqp_url,
            namespace=namespace,
            data_dir=self.tmp_path,
            retry_delays=overrides.pop("retry_delays", (0.2, 0.4)),
            outbox_idle_seconds=overrides.pop("outbox_idle_seconds", 0.5),
            **overrides,
        )
        rt = Runtime(spec, settings)
        if migrate:
            rt.migrate()
        self.runtimes.append(rt)
        return rt

    def start(self, runtime: Runtime, tasks: list | None = None) -> TaskRunner:
        runner = TaskRunner()
        runner.start(tasks if tasks is not None else runtime.tasks(), owner=runtime.spec.name)
        self.runners.append(runner)
        return runner

    def close(self) -> None:
        for runner in self.runners:
            runner.shutdown(timeout=5)
        for rt in self.runtimes:
            rt.db.dispose()
