"""The outbox relay: publishes committed outbox rows in commit order, with confirms.

One relay per service is active at a time. On PostgreSQL it holds an advisory
lock on a dedicated connection (a second relay waits as a hot standby) and
LISTENs for the NOTIFY that every outbox write sends at commit, so it wakes
within milliseconds instead of polling. On SQLite (one process) the outbox's
in-process commit signal does the same.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import psycopg
from kombu import Producer
from sqlalchemy import bindparam, delete, func, select, update

from relay_contracts import ConsumerBinding
from relaykit import metrics
from relaykit.bus.confirms import BatchConfirms
from relaykit.bus.connection import connect
from relaykit.bus.outbox import NOTIFY_CHANNEL, Outbox, relay_lock_key
from relaykit.bus.topology import Topology
from relaykit.db import Database, normalize_url
from relaykit.kit_schema import outbox as outbox_table

log = logging.getLogger(__name__)


# Built once: the relay runs them for every batch, often of one row.
_PENDING = (
    select(
        outbox_table.c.id,
        outbox_table.c.message_id,
        outbox_table.c.type,
        outbox_table.c.correlation_id,
        outbox_table.c.body,
        outbox_table.c.created_at,
    )
    .where(outbox_table.c.published_at.is_(None))
    .order_by(outbox_table.c.id)
    .limit(bindparam("limit"))
)
_MARK_PUBLISHED = (
    update(outbox_table)
    .where(outbox_table.c.id.in_(bindparam("ids", expanding=True)))
    .values(published_at=bindparam("now"))
)


class _Standby(Exception):
    """Another relay holds the lock for this service."""


class _PgSignal:
    """Leadership lock and commit notifications over one psycopg connection."""

    def __init__(self, db: Database, service: str) -> None:
        url = normalize_url(db.url).set(drivername="postgresql")
        self.conn = psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)
        got = self.conn.execute("SELECT pg_try_advisory_lock(%s)", (relay_lock_key(service),)).fetchone()
        if not got or not got[0]:
            self.conn.close()
            raise _Standby()
        self.conn.execute(f"LISTEN {NOTIFY_CHANNEL}")

    def wait(self, timeout: float) -> None:
        for _ in self.conn.notifies(timeout=timeout, stop_after=1):
            pass
        # Collapse the notifications that piled up while we were publishing.
        for _ in self.conn.notifies(timeout=0):
            pass

    def close(self) -> None:
        self.conn.close()


class _LocalSignal:
    def __init__(self, outbox: Outbox) -> None:
        self.event = outbox.committed

    def wait(self, timeout: float) -> None:
        self.event.wait(timeout)
        self.event.clear()

    def close(self) -> None:
        pass


class OutboxRelay:
    name = "outbox-relay"

    def __init__(
        self,
        *,
        service: str,
        db: Database,
        outbox: Outbox,
        amqp_url: str,
        topology: Topology,
        bindings: Iterable[ConsumerBinding],
        batch: int = 500,
        idle_seconds: float = 1.0,
        retention: timedelta = timedelta(hours=24),
    ) -> None:
        self.service = service
        self.db = db
        self.outbox = outbox
        self.amqp_url = amqp_url
        self.topology = topology
        self.bindings = list(bindings)
        self.batch = batch
        self.idle_seconds = idle_seconds
        self.retention = retention
        self._last_housekeeping = 0.0

    # -- lifecycle -----------------------------------------------------------
    def run(self, stop: threading.Event) -> None:
        backoff = 0.5
        while not stop.is_set():
            signal = None
            try:
                signal = _PgSignal(self.db, self.service) if self.db.is_postgres else _LocalSignal(self.outbox)
                with connect(self.amqp_url, confirm_each=False) as conn:
                    conn.ensure_connection(max_retries=1)
                    channel = conn.channel()
                    self.topology.declare(channel, self.bindings)
                    confirms = BatchConfirms(conn, channel)
                    producer = Producer(channel, exchange=self.topology.exchange)
                    log.info("outbox relay publishing", extra={"service": self.service})
                    backoff = 0.5
                    self._pump(producer, confirms, signal, stop)
            except _Standby:
                stop.wait(2.0)
            except Exception as e:  # broker or database away: rows stay, we come back
                self._refresh_backlog()
                log.warning(
                    "outbox relay interrupted; retrying",
                    extra={"service": self.service, "error": f"{type(e).__name__}: {e}", "retry_in": backoff},
                )
                stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)
            finally:
                if signal is not None:
                    signal.close()

    def _pump(self, producer: Producer, confirms: BatchConfirms, signal, stop: threading.Event) -> None:
        while not stop.is_set():
            published = self.publish_batch(producer, confirms)
            self._housekeeping()
            if published < self.batch:
                signal.wait(self.idle_seconds)

    # -- work ------------------------------------------------------------------
    def publish_batch(self, producer: Producer, confirms: BatchConfirms) -> int:
        with self.db.reading() as s:
            rows = s.execute(_PENDING, {"limit": self.batch}).all()
        if not rows:
            return 0
        try:
            for row in rows:
                producer.publish(
                    row.body,
                    exchange=self.topology.exchange,
                    routing_key=row.type,
                    content_type="application/json",
                    content_encoding="utf-8",
                    delivery_mode=2,
                    message_id=row.message_id,
                    correlation_id=row.correlation_id,
                    headers={"x-correlation-id": row.correlation_id, "x-relay-type": row.type},
                    retry=False,
                )
                confirms.published(row)
            confirms.wait()
        finally:
            # Rows confirmed before a failure are marked, so only the unconfirmed
            # remainder is published again (and consumers' inboxes absorb that).
            done = confirms.take_confirmed()
            if done:
                self._mark_published(done)
        return len(done)

    def _mark_published(self, rows) -> None:
        now = datetime.now(UTC)
        with self.db.session() as s:
            s.execute(_MARK_PUBLISHED, {"ids": [r.id for r in rows], "now": now})
        for row in rows:
            metrics.events_published.labels(self.service, row.type).inc()
            created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
            metrics.outbox_publish_lag_seconds.labels(self.service).observe(max(0.0, (now - created).total_seconds()))

    def _housekeeping(self) -> None:
        now = time.monotonic()
        if now - self._last_housekeeping < 5.0:
            return
        self._last_housekeeping = now
        with self.db.session() as s:
            s.execute(delete(outbox_table).where(outbox_table.c.published_at < datetime.now(UTC) - self.retention))
        self._refresh_backlog()

    def backlog(self) -> int:
        with self.db.reading() as s:
            return (
                s.scalar(select(func.count()).select_from(outbox_table).where(outbox_table.c.published_at.is_(None)))
                or 0
            )

    def _refresh_backlog(self) -> None:
        try:
            metrics.outbox_backlog.labels(self.service).set(self.backlog())
        except Exception:  # the database may be the thing that is away
            log.debug("outbox backlog unavailable", exc_info=True)
