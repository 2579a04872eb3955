"""The embedded bus: a kombu transport on one SQLite file, `embedded+sqlite:///var/bus.db`.

What the all-in-one runs on (no broker to install) and what it must not lose: every
message is a row of the bus file (relaykit.bus.busfile) until its consumer acks it,
so a kill -9 at any moment redelivers what was in flight, and the consumers' inboxes
absorb the duplicates. Topic, direct and fanout exchanges, durable queues, RabbitMQ's
delay queues (TTL + dead-letter exchange) and dead-letter queues behave as the
distributed mode expects, so the same topology, relay and consumers run on both, and
`relay dlq list|replay` work from another process against the running one's file.

Consumers in the process that published are woken at once; a message published by
another process is seen within `polling_interval` (0.2 s), and a delayed one when it
is due. Idle, a consumer makes one indexed query per queue per `polling_interval`.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
import uuid
from queue import Empty
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, virtual
from sqlalchemy.engine import make_url

from relaykit.bus.busfile import BusFile, Delivery, UnsupportedDeclaration

log = logging.getLogger(__name__)

ALIAS = "embedded"
# A consumer leases at most this many messages in one transaction.
LEASE_BATCH = 64


def bus_path(url: str) -> str:
    """The file of an `embedded+sqlite:///<path>` URL (kombu hands us the part after the `+`)."""
    rest = url.removeprefix(f"{ALIAS}+")
    parsed = make_url(rest)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        raise ValueError(f"the embedded bus needs a file: {ALIAS}+sqlite:///<path>, not {url!r}")
    return parsed.database


def is_embedded(url: str) -> bool:
    return url.startswith(f"{ALIAS}+")


class QoS(virtual.QoS):
    """kombu's bookkeeping of unacknowledged deliveries, with the rows behind them: an ack
    deletes the row, a requeue (or closing the channel) gives the lease back."""

    def ack(self, delivery_tag: str) -> None:
        self.channel._ack(delivery_tag)
        super().ack(delivery_tag)

    def reject(self, delivery_tag: str, requeue: bool = False) -> None:
        self.channel._reject(delivery_tag, requeue)
        self._quick_ack(delivery_tag)

    def restore_unacked(self) -> list:
        self._flush()
        self._delivered.clear()
        self.channel._release_all()
        return []

    def restore_unacked_once(self, stderr: Any = None) -> None:
        self._on_collect.cancel()
        if getattr(self._delivered, "restored", False):
            return
        self._delivered.restored = True
        self.restore_unacked()


class Channel(virtual.Channel):
    QoS = QoS
    supports_fanout = True

    def __init__(self, connection: Transport, **kwargs: Any) -> None:
        super().__init__(connection, **kwargs)
        self.bus: BusFile = connection.bus
        self.lease_id = uuid.uuid4().hex
        self._lock = threading.RLock()
        self._db: sqlite3.Connection | None = self.bus.connect()
        self._leased: dict[str, int] = {}  # delivery tag -> row id
        self._acked: list[int] = []
        # When the next message that is not ready yet will be (epoch seconds).
        self.next_ready: float | None = None
        # Publishes wait in one open transaction for commit_held() (relaykit.bus.confirms).
        self._hold = False
        with self.bus._lock:
            self.bus.live_channels.add(self.lease_id)

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise ChannelError("channel closed")
        return self._db

    # -- declarations -----------------------------------------------------------------
    def exchange_declare(
        self,
        exchange: str | None = None,
        type: str = "direct",
        durable: bool = False,
        auto_delete: bool = False,
        arguments: dict | None = None,
        nowait: bool = False,
        passive: bool = False,
    ) -> None:
        if not exchange:
            return
        with self._lock:
            if passive:
                if exchange not in self.bus.exchanges(self.db):
                    raise ChannelError(f"NOT_FOUND - no exchange {exchange!r}", (50, 10), "Channel.exchange_declare")
                return
            try:
                self.bus.declare_exchange(self.db, exchange, type or "direct")
            except UnsupportedDeclaration as e:
                raise ChannelError(str(e)) from e

    def exchange_delete(self, exchange: str, if_unused: bool = False, nowait: bool = False) -> None:
        with self._lock:
            for queue, source, key in self.bus.bindings(self.db):
                if source == exchange:
                    self.bus.unbind(self.db, source, key, queue)

    def _new_queue(self, queue: str, **kwargs: Any) -> None:
        with self._lock:
            try:
                self.bus.declare_queue(self.db, queue, kwargs.get("arguments"))
            except UnsupportedDeclaration as e:
                raise ChannelError(str(e)) from e

    def _has_queue(self, queue: str, **kwargs: Any) -> bool:
        with self._lock:
            return self.bus.has_queue(self.db, queue)

    def _size(self, queue: str) -> int:
        with self._lock:
            return self.bus.size(self.db, queue)

    def _purge(self, queue: str) -> int:
        with self._lock:
            return self.bus.purge(self.db, queue)

    def queue_bind(self, queue: str, exchange: str | None = None, routing_key: str = "", arguments=None, **kw) -> None:
        if not exchange:
            return  # the default exchange reaches every queue by its name
        with self._lock:
            self.bus.bind(self.db, exchange, routing_key, queue)

    def queue_unbind(self, queue: str, exchange: str | None = None, routing_key: str = "", arguments=None, **kw):
        if exchange:
            with self._lock:
                self.bus.unbind(self.db, exchange, routing_key, queue)

    def queue_delete(self, queue: str, if_unused: bool = False, if_empty: bool = False, **kwargs: Any) -> None:
        with self._lock:
            if if_empty and self.bus.size(self.db, queue):
                return
            self.bus.delete_queue(self.db, queue)

    def list_bindings(self):
        with self._lock:
            return iter(self.bus.bindings(self.db))

    def get_exchanges(self) -> list[str]:
        with self._lock:
            return list(self.bus.exchanges(self.db))

    # -- publishing ---------------------------------------------------------------------
    def basic_publish(self, message: dict, exchange: str, routing_key: str, **kwargs: Any) -> None:
        self._inplace_augment_message(message, exchange, routing_key)
        with self._lock:
            queues = self.bus.route(self.db, exchange, routing_key)
            if not queues:
                log.debug("bus: no queue bound", extra={"exchange": exchange, "routing_key": routing_key})
            self.bus.put(self.db, queues, message, routing_key, hold=self._hold)

    def hold_commits(self) -> None:
        """From now on, what this channel publishes is stored by `commit_held()`, all at
        once: a batch of publishes costs one transaction, like a batch of confirms."""
        self._hold = True

    def commit_held(self) -> None:
        with self._lock:
            self.bus.commit(self.db)

    def _put(self, queue: str, message: dict, **kwargs: Any) -> None:
        with self._lock:
            self.bus.put(self.db, [queue], message, queue)

    # -- getting ------------------------------------------------------------------------
    def _payload(self, d: Delivery) -> dict:
        payload = d.payload
        tag = f"{d.id}.{d.deliveries}"
        props = payload.setdefault("properties", {})
        props["delivery_tag"] = tag
        props.setdefault("delivery_info", {})["redelivered"] = d.deliveries > 1
        self._leased[tag] = d.id
        return payload

    def _take_acked(self) -> list[int]:
        acked, self._acked = self._acked, []
        return acked

    def _get(self, queue: str, timeout: float | None = None) -> dict:
        with self._lock:
            ids, _ = self.bus.ready(self.db, [queue], 1)
            got = self.bus.lease(self.db, ids, self.lease_id, self._take_acked()) if ids else []
            if not got:
                raise Empty()
            return self._payload(got[0])

    def basic_get(self, queue: str, no_ack: bool = False, **kwargs: Any):
        if not no_ack:
            return super().basic_get(queue, no_ack=False, **kwargs)
        with self._lock:
            taken = self.bus.take(self.db, queue)
        return None if taken is None else self.Message(self._payload(taken), channel=self)

    def _get_many(self, queues: list[str], timeout: float | None = None) -> None:
        """Lease what is ready in the consumed queues, up to what prefetch allows, in one
        transaction (with the acks since the last one), and deliver it."""
        room = self.qos.can_consume_max_estimate()
        limit = LEASE_BATCH if room is None else min(room, LEASE_BATCH)
        with self._lock:
            ids, self.next_ready = self.bus.ready(self.db, queues, limit) if limit else ([], None)
            acked = self._take_acked()
            if not ids:
                self.bus.delete(self.db, acked)
                raise Empty()
            got = self.bus.lease(self.db, ids, self.lease_id, acked)
            payloads = [(self._payload(d), d.queue) for d in got]
        if not payloads:
            raise Empty()
        for payload, queue in payloads:
            self.connection._deliver(payload, queue)

    # -- settling -------------------------------------------------------------------------
    def _ack(self, delivery_tag: str) -> None:
        with self._lock:
            row = self._leased.pop(delivery_tag, None)
            if row is not None:
                # Deleted with the next lease (or when idle, or at close): one transaction
                # for a batch's acks. Lost in a crash, they only cause redeliveries.
                self._acked.append(row)

    def _reject(self, delivery_tag: str, requeue: bool) -> None:
        with self._lock:
            row = self._leased.pop(delivery_tag, None)
            if row is None or self._db is None:
                return
            if requeue:
                self.bus.release(self.db, [row])
            else:
                self.bus.delete(self.db, [row])

    def settle_acks(self) -> None:
        with self._lock:
            if self._acked and self._db is not None:
                self.bus.delete(self.db, self._take_acked())

    def _release_all(self) -> None:
        with self._lock:
            if self._db is None or not (self._leased or self._acked):
                return
            self.bus.delete(self.db, self._take_acked())
            self.bus.release_channel(self.db, self.lease_id)
            self._leased.clear()

    def close(self) -> None:
        with self._lock:
            if self._db is None:
                return
            try:
                self._release_all()
            except sqlite3.Error:
                # The leases stay; the sweep of this process gives them back (the
                # channel is no longer live).
                log.warning("bus: could not give back a closing channel's messages", exc_info=True)
            super().close()
            self._db.close()
            self._db = None
        with self.bus._lock:
            self.bus.live_channels.discard(self.lease_id)


class Transport(virtual.Transport):
    Channel = Channel
    driver_type = "sqlite"
    driver_name = "relay-embedded"
    can_parse_url = True
    default_port = None
    polling_interval = 0.2
    connection_errors = (sqlite3.OperationalError, sqlite3.InterfaceError)
    channel_errors = (ChannelError,)
    implements = virtual.Transport.implements.extend(
        asynchronous=False, exchange_type=frozenset(["direct", "topic", "fanout"]), heartbeats=False
    )

    def __init__(self, client, **kwargs: Any) -> None:
        super().__init__(client, **kwargs)
        self.bus = BusFile.open(bus_path(client.hostname))

    def driver_version(self) -> str:
        return sqlite3.sqlite_version

    def drain_events(self, connection, timeout: float | None = None) -> None:
        """Deliver what is ready, else wait: for a publish in this process, a message
        coming due, or `polling_interval` (another process may have published)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            seen = self.bus.generation
            try:
                self.cycle.get(self._deliver, timeout=timeout)
                return
            except Empty:
                pass
            for channel in list(self.channels):
                channel.settle_acks()
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                raise TimeoutError()
            nap = self.polling_interval if deadline is None else min(self.polling_interval, deadline - now)
            due = [c.next_ready for c in self.channels if c.next_ready is not None]
            if due:
                nap = min(nap, max(0.001, min(due) - time.time()))
            self.bus.wait(seen, nap)
            if self.channels:
                with self.channels[0]._lock:
                    self.bus.maybe_sweep(self.channels[0].db)


TRANSPORT_ALIASES.setdefault(ALIAS, "relaykit.bus.embedded:Transport")
