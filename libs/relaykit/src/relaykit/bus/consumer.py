"""Consuming: validate, handle once, commit, then acknowledge.

Messages the broker has already delivered are handled together: each in its own
savepoint (so one failure does not undo the others) inside one transaction that
also claims every message id in the inbox; only after the commit are they
acknowledged. One commit per batch instead of per message is what lets a
consumer keep up with the broker. A failing handler is retried through delay
queues (attempt counted in `x-relay-attempt`); after the last delay it goes to
`<queue>.dead` with the reason. A message that breaks its contract goes there
at once: retrying cannot mend it. Database outages are not the message's fault:
the messages go back to the queue without using a try.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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
# How long to wait for more already-delivered messages before handling a batch.
_GATHER_SECONDS = 0.002


class PermanentFailure(Exception):
    """Raised by a handler when retrying cannot help: the message is dead-lettered at once."""


class _HandlerFailed(Exception):
    """A handler raised in a batch run without savepoints: the batch must be redone."""


def _cursor_key(d: _Delivery) -> inbox.CursorKey:
    return (d.spec.name, d.msg.aggregate_type, d.msg.aggregate_id)


@dataclass(frozen=True)
class ConsumerSpec:
    name: str
    handlers: Mapping[str, Handler]
    # Skip a message whose aggregate sequence is not newer than the last one applied.
    ordered: bool = False

    def binding(self, service: str) -> ConsumerBinding:
        return ConsumerBinding(service, self.name, tuple(sorted(self.handlers)))


@dataclass
class _Delivery:
    spec: ConsumerSpec
    message: Any  # kombu Message
    msg: Message
    handler: Handler
    attempt: int
    outcome: str | Exception = "pending"


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
        max_batch: int = 50,
        inbox_retention: timedelta = timedelta(days=30),
    ) -> None:
        self.service = service
        self.db = db
        self.specs = specs
        self.amqp_url = amqp_url
        self.topology = topology
        self.validate = validate
        self.prefetch = prefetch
        self.max_batch = max(1, min(max_batch, prefetch))
        self.publisher = ConfirmingPublisher(amqp_url)
        self.ready = threading.Event()
        self._pending: list[tuple[ConsumerSpec, Any]] = []
        self.inbox_retention = inbox_retention
        self._last_housekeeping = 0.0

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
                            on_message=partial(self._receive, spec),
                            prefetch_count=self.prefetch,
                        )
                        for spec in self.specs
                    ]
                    for c in consumers:
                        c.consume()
                    log.info("consumers ready", extra={"service": self.service, "queues": [b.queue for b in bindings]})
                    backoff = 0.5
                    self.ready.set()
                    self._loop(conn, stop)
            except Exception as e:
                self.ready.clear()
                self._pending.clear()  # unacknowledged: the broker delivers them again
                log.warning(
                    "consumer connection lost; reconnecting",
                    extra={"service": self.service, "error": f"{type(e).__name__}: {e}", "retry_in": backoff},
                )
                stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)
        self.publisher.close()

    def _loop(self, conn, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                conn.drain_events(timeout=1.0)
            except TimeoutError:
                conn.heartbeat_check()
                self._housekeeping()
                continue
            while len(self._pending) < self.max_batch:
                try:
                    conn.drain_events(timeout=_GATHER_SECONDS)
                except TimeoutError:
                    break
            batch, self._pending = self._pending, []
            self.handle_batch(batch)

    def _housekeeping(self) -> None:
        now = time.monotonic()
        if now - self._last_housekeeping < 600:
            return
        self._last_housekeeping = now
        try:
            with self.db.session() as s:
                forgotten = inbox.forget_before(s, datetime.now(UTC) - self.inbox_retention)
            if forgotten:
                log.info("inbox pruned", extra={"service": self.service, "rows": forgotten})
        except Exception:
            log.warning("inbox pruning failed", exc_info=True)

    def _receive(self, spec: ConsumerSpec, message) -> None:
        self._pending.append((spec, message))

    # -- handling ----------------------------------------------------------------
    def handle_batch(self, batch: list[tuple[ConsumerSpec, Any]]) -> None:
        deliveries = [d for spec, message in batch if (d := self._prepare(spec, message)) is not None]
        if not deliveries:
            return
        try:
            try:
                self._apply(deliveries, isolate=False)
            except _HandlerFailed:
                # Someone's handler failed: redo the batch with a savepoint per message,
                # so the others' effects commit and only the failure is retried.
                self._apply(deliveries, isolate=True)
        except _TRANSIENT_DB_ERRORS as e:
            log.warning("database unavailable; messages requeued", extra={"error": str(e), "count": len(deliveries)})
            time.sleep(1.0)
            for d in deliveries:
                d.message.requeue()
            return
        except Exception:
            if len(deliveries) == 1:
                deliveries[0].outcome = RuntimeError("the transaction failed to commit")
            else:
                # The commit itself failed: isolate the culprit by handling one at a time.
                log.exception("batch commit failed; handling its messages one by one")
                for d in deliveries:
                    self.handle_batch([(d.spec, d.message)])
                return
        for spec_name in {d.spec.name for d in deliveries}:
            faults.point("after-commit", spec_name)
        for d in deliveries:
            self._settle(d)

    def _prepare(self, spec: ConsumerSpec, message) -> _Delivery | None:
        headers = dict(message.headers or {})
        attempt = int(headers.get("x-relay-attempt", 0))
        type_ = headers.get("x-relay-type") or message.delivery_info.get("routing_key") or "?"
        try:
            body = json.loads(message.body)
            self.validate(body)
            msg = Message.from_dict(body)
        except (ValueError, ContractError) as e:
            self._dead_letter(spec, message, type_, f"contract violation: {e}", attempt, "contract")
            return None
        handler = spec.handlers.get(msg.type)
        if handler is None:
            metrics.events_consumed.labels(self.service, spec.name, msg.type, "ignored").inc()
            message.ack()
            return None
        return _Delivery(spec, message, msg, handler, attempt)

    def _apply(self, deliveries: list[_Delivery], *, isolate: bool) -> None:
        """One transaction for the batch: claim every id, apply the new ones in order."""
        with self.db.session() as s:
            fresh = inbox.claim(s, [(d.spec.name, d.msg.id) for d in deliveries])
            cursors = inbox.Cursors(s, [_cursor_key(d) for d in deliveries if d.spec.ordered])
            for d in deliveries:
                key = (d.spec.name, d.msg.id)
                if key not in fresh:
                    log.info("duplicate message ignored", extra={"consumer": d.spec.name, "message_id": d.msg.id})
                    d.outcome = "duplicate"
                    continue
                fresh.discard(key)  # the same id twice in one batch: the second is a duplicate
                if d.spec.ordered and not cursors.is_newer(_cursor_key(d), d.msg.sequence):
                    d.outcome = "stale"
                    continue
                d.outcome = self._run_handler(s, d, isolate)
                if d.outcome == "handled" and d.spec.ordered:
                    cursors.advance(_cursor_key(d), d.msg.sequence)
            cursors.save()

    def _run_handler(self, s: Session, d: _Delivery, isolate: bool) -> str | Exception:
        started = time.perf_counter()
        with correlation.bound(d.msg.correlation_id):
            token = current_cause.set(d.msg.id)
            try:
                if not isolate:
                    d.handler(s, d.msg)
                    return "handled"
                try:
                    with s.begin_nested():
                        d.handler(s, d.msg)
                    return "handled"
                except _TRANSIENT_DB_ERRORS:
                    raise
                except Exception as e:
                    log.exception(
                        "handler failed", extra={"consumer": d.spec.name, "type": d.msg.type, "attempt": d.attempt}
                    )
                    inbox.unclaim(s, d.spec.name, d.msg.id)
                    return e
            except _TRANSIENT_DB_ERRORS:
                raise
            except Exception as e:
                raise _HandlerFailed() from e
            finally:
                current_cause.reset(token)
                metrics.handler_seconds.labels(self.service, d.spec.name, d.msg.type).observe(
                    time.perf_counter() - started
                )

    def _settle(self, d: _Delivery) -> None:
        """After the commit: acknowledge, or route the failure to a retry or the DLQ."""
        if isinstance(d.outcome, PermanentFailure):
            self._dead_letter(d.spec, d.message, d.msg.type, f"permanent failure: {d.outcome}", d.attempt, "permanent")
        elif isinstance(d.outcome, Exception):
            self._retry_or_dead_letter(
                d.spec, d.message, d.msg.type, f"{type(d.outcome).__name__}: {d.outcome}", d.attempt
            )
        else:
            d.message.ack()
            metrics.events_consumed.labels(self.service, d.spec.name, d.msg.type, d.outcome).inc()

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
