"""Consuming: validate, handle once, commit, then acknowledge.

Each message runs in one database transaction that also claims its id in the
inbox; only after the commit is it acknowledged. A failing handler is retried
through delay queues (attempt counted in `x-relay-attempt`); after the last
delay it goes to `<queue>.dead` with the reason. A message that breaks its
contract goes there at once: retrying cannot mend it. Database outages are not
the message's fault: the message goes back to the queue without using a try.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from kombu import Consumer
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from relay_contracts import ConsumerBinding, ContractError
from relaykit import correlation, faults, metrics
from relaykit.bus import inbox
from relaykit.bus.connection import connect
from relaykit.bus.envelope import Message, current_cause
from relaykit.bus.publisher import ConfirmingPublisher
from relaykit.bus.topology import Topology
from relaykit.db import Database

log = logging.getLogger(__name__)

Handler = Callable[[Session, Message], None]

_TRANSIENT_DB_ERRORS = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError)


class PermanentFailure(Exception):
    """Raised by a handler when retrying cannot help: the message is dead-lettered at once."""


@dataclass(frozen=True)
class ConsumerSpec:
    name: str
    handlers: Mapping[str, Handler]
    # Skip a message whose aggregate sequence is not newer than the last one applied.
    ordered: bool = False

    def binding(self, service: str) -> ConsumerBinding:
        return ConsumerBinding(service, self.name, tuple(sorted(self.handlers)))


class ConsumerWorker:
    name = "consumers"

    def __init__(
        self,
        *,
        service: str,
        db: Database,
        specs: list[ConsumerSpec],
        amqp_url: str,
        topology: Topology,
        validate: Callable[[Any], None],
        prefetch: int = 64,
    ) -> None:
        self.service = service
        self.db = db
        self.specs = specs
        self.amqp_url = amqp_url
        self.topology = topology
        self.validate = validate
        self.prefetch = prefetch
        self.publisher = ConfirmingPublisher(amqp_url)
        self.ready = threading.Event()

    def run(self, stop: threading.Event) -> None:
        backoff = 0.5
        bindings = [s.binding(self.service) for s in self.specs]
        while not stop.is_set():
            try:
                with connect(self.amqp_url) as conn:
                    conn.ensure_connection(max_retries=1)
                    channel = conn.channel()
                    self.topology.declare(channel, bindings)
                    consumers = [
                        Consumer(
                            channel,
                            queues=[self.topology.work_queue(spec.binding(self.service))],
                            on_message=partial(self._on_message, spec),
                            prefetch_count=self.prefetch,
                        )
                        for spec in self.specs
                    ]
                    for c in consumers:
                        c.consume()
                    log.info("consumers ready", extra={"service": self.service, "queues": [b.queue for b in bindings]})
                    backoff = 0.5
                    self.ready.set()
                    while not stop.is_set():
                        try:
                            conn.drain_events(timeout=1.0)
                        except TimeoutError:
                            conn.heartbeat_check()
            except Exception as e:
                self.ready.clear()
                log.warning(
                    "consumer connection lost; reconnecting",
                    extra={"service": self.service, "error": f"{type(e).__name__}: {e}", "retry_in": backoff},
                )
                stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)
        self.publisher.close()

    # -- one message -----------------------------------------------------------
    def _on_message(self, spec: ConsumerSpec, message) -> None:
        headers = dict(message.headers or {})
        attempt = int(headers.get("x-relay-attempt", 0))
        type_ = headers.get("x-relay-type") or message.delivery_info.get("routing_key") or "?"
        try:
            body = json.loads(message.body)
            self.validate(body)
            msg = Message.from_dict(body)
        except (ValueError, ContractError) as e:
            self._dead_letter(spec, message, type_, f"contract violation: {e}", attempt, "contract")
            return
        handler = spec.handlers.get(msg.type)
        if handler is None:
            metrics.events_consumed.labels(self.service, spec.name, msg.type, "ignored").inc()
            message.ack()
            return
        with correlation.bound(msg.correlation_id):
            token = current_cause.set(msg.id)
            started = time.perf_counter()
            try:
                outcome = self._apply(spec, handler, msg)
            except _TRANSIENT_DB_ERRORS as e:
                log.warning("database unavailable; message requeued", extra={"error": str(e)})
                time.sleep(1.0)
                message.requeue()
                return
            except PermanentFailure as e:
                self._dead_letter(spec, message, msg.type, f"permanent failure: {e}", attempt, "permanent")
                return
            except Exception as e:
                log.exception("handler failed", extra={"consumer": spec.name, "type": msg.type, "attempt": attempt})
                self._retry_or_dead_letter(spec, message, msg.type, f"{type(e).__name__}: {e}", attempt)
                return
            finally:
                current_cause.reset(token)
                metrics.handler_seconds.labels(self.service, spec.name, msg.type).observe(time.perf_counter() - started)
        faults.point("after-commit", spec.name)
        message.ack()
        metrics.events_consumed.labels(self.service, spec.name, msg.type, outcome).inc()

    def _apply(self, spec: ConsumerSpec, handler: Handler, msg: Message) -> str:
        with self.db.session() as s:
            if not inbox.claim(s, spec.name, msg.id):
                log.info("duplicate message ignored", extra={"consumer": spec.name, "message_id": msg.id})
                return "duplicate"
            if spec.ordered and not inbox.advance(s, spec.name, msg.aggregate_type, msg.aggregate_id, msg.sequence):
                return "stale"
            handler(s, msg)
        return "handled"

    # -- failure paths ----------------------------------------------------------
    def _queue(self, spec: ConsumerSpec) -> str:
        return self.topology.queue_name(self.service, spec.name)

    def _retry_or_dead_letter(self, spec: ConsumerSpec, message, type_: str, reason: str, attempt: int) -> None:
        if attempt >= len(self.topology.retry_delays):
            self._dead_letter(spec, message, type_, reason, attempt + 1, "exhausted")
            return
        metrics.events_failed.labels(self.service, spec.name, type_).inc()
        next_attempt = attempt + 1
        headers = dict(message.headers or {}) | {
            "x-relay-attempt": next_attempt,
            "x-relay-last-error": reason[:1000],
            "x-relay-type": type_,
        }
        props = _properties(message, headers)
        if self.topology.delay_queues:
            self.publisher.publish_to_queue(
                self.topology.retry_queue_name(self._queue(spec), next_attempt), message.body, **props
            )
        else:
            delay = self.topology.retry_delays[attempt]
            _later(delay, self.amqp_url, self._queue(spec), message.body, props)
        message.ack()

    def _dead_letter(self, spec: ConsumerSpec, message, type_: str, reason: str, attempts: int, kind: str) -> None:
        queue = self._queue(spec)
        headers = dict(message.headers or {}) | {
            "x-relay-dead-reason": reason[:2000],
            "x-relay-dead-at": datetime.now(UTC).isoformat(),
            "x-relay-attempts": attempts,
            "x-relay-queue": queue,
            "x-relay-type": type_,
        }
        self.publisher.publish_to_queue(
            self.topology.dead_queue_name(queue), message.body, **_properties(message, headers)
        )
        message.ack()
        metrics.events_dead_lettered.labels(self.service, spec.name, type_, kind).inc()
        log.error("message dead-lettered", extra={"consumer": spec.name, "type": type_, "reason": reason})


def _properties(message, headers: dict[str, Any]) -> dict[str, Any]:
    props = message.properties or {}
    return {
        "headers": headers,
        "content_type": message.content_type or "application/json",
        "content_encoding": message.content_encoding or "utf-8",
        "message_id": props.get("message_id"),
        "correlation_id": props.get("correlation_id"),
    }


def _later(delay: float, amqp_url: str, queue: str, body: bytes, props: dict[str, Any]) -> None:
    """Retry delay for the memory transport, which has no TTL dead-lettering."""

    def fire() -> None:
        publisher = ConfirmingPublisher(amqp_url)
        try:
            publisher.publish_to_queue(queue, body, **props)
        finally:
            publisher.close()

    timer = threading.Timer(delay, fire)
    timer.daemon = True
    timer.start()
