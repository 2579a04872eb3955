"""The embedded bus's storage: queues, bindings and messages in one SQLite file.

A message is a row from the moment it is published until it is acknowledged, so a
process killed at any point loses nothing:

- getting a message *leases* its row to the getting process (its owner id) and
  channel; the row stays, invisible to other getters;
- an ack deletes the row, a requeue clears the lease, a reject without requeue deletes it;
- a channel that closes clears its leases, and the leases of a process that died
  (kill -9 included) are cleared by the next process that opens the file, or by
  any live one within `SWEEP_SECONDS`: each owner holds an exclusive `flock` on its
  own file in `<bus file>-owners/` for as long as it lives, and the kernel drops
  that lock when the process ends, however it ends.

A queue declared with `x-message-ttl` and a dead-letter exchange (RabbitMQ's delay
queue) keeps no messages: a message put there goes straight to its dead-letter
destination with a `ready_at` in the future, so a retry that is waiting survives a
crash too. Everything else (routing, the order of `ready_at, id`) is plain SQL.

Needs a POSIX system (flock). One file serves many processes on one machine; it is
no substitute for a broker across machines.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
# How often a live process looks for the leases of processes that died.
SWEEP_SECONDS = 15.0
# How long a cached routing table is trusted before asking whether another process changed it.
ROUTING_RECHECK_SECONDS = 1.0
SUPPORTED_QUEUE_ARGUMENTS = frozenset({"x-message-ttl", "x-dead-letter-exchange", "x-dead-letter-routing-key"})

_SCHEMA = """
CREATE TABLE IF NOT EXISTS bus_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO bus_meta (key, value) VALUES ('routing', 0);
CREATE TABLE IF NOT EXISTS bus_exchanges (name TEXT PRIMARY KEY, type TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS bus_queues (
    name TEXT PRIMARY KEY,
    ttl_ms INTEGER,
    dead_letter_exchange TEXT,
    dead_letter_routing_key TEXT
);
CREATE TABLE IF NOT EXISTS bus_bindings (
    exchange TEXT NOT NULL,
    routing_key TEXT NOT NULL,
    queue TEXT NOT NULL,
    PRIMARY KEY (exchange, routing_key, queue)
);
CREATE TABLE IF NOT EXISTS bus_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    queue TEXT NOT NULL,
    payload TEXT NOT NULL,
    ready_at REAL NOT NULL,
    lease_owner TEXT,
    lease_channel TEXT,
    deliveries INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS bus_messages_ready ON bus_messages (queue, ready_at, id) WHERE lease_owner IS NULL;
CREATE INDEX IF NOT EXISTS bus_messages_leased ON bus_messages (lease_owner, lease_channel)
    WHERE lease_owner IS NOT NULL;
"""


class UnsupportedDeclaration(ValueError):
    """A queue or exchange feature the embedded bus does not have (it says so rather than ignore it)."""


@dataclass(frozen=True)
class Delivery:
    id: int
    queue: str
    payload: dict[str, Any]
    deliveries: int


@dataclass(frozen=True)
class _QueueArgs:
    ttl_ms: int | None = None
    dead_letter_exchange: str | None = None
    dead_letter_routing_key: str | None = None


def topic_matches(pattern: str, key: str) -> bool:
    """AMQP topic matching: `*` is exactly one word, `#` zero or more."""
    return _match(pattern.split("."), key.split("."))


def _match(pattern: list[str], words: list[str]) -> bool:
    if not pattern:
        return not words
    head, rest = pattern[0], pattern[1:]
    if head == "#":
        return any(_match(rest, words[i:]) for i in range(len(words) + 1))
    return bool(words) and head in ("*", words[0]) and _match(rest, words[1:])


@contextmanager
def write(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction, the write lock taken up front (writers queue, none fails).
    Inside a transaction held open by its channel (`put(hold=True)`), part of that one."""
    if db.in_transaction:
        yield db
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _placeholders(n: int) -> str:
    return ",".join("?" * n)


class BusFile:
    """One bus file as seen by this process; every connection of the process to that
    file shares it (its routing cache, its owner id, its wake-up signal)."""

    _registry: dict[tuple[int, Path], BusFile] = {}
    _registry_lock = threading.Lock()

    @classmethod
    def open(cls, path: str | Path) -> BusFile:
        key = (os.getpid(), Path(path).resolve())
        with cls._registry_lock:
            found = cls._registry.get(key)
            if found is None:
                found = cls._registry[key] = cls(key[1])
            return found

    def __init__(self, path: Path) -> None:
        self.path = path
        self.owner = uuid.uuid4().hex
        self.owners_dir = path.with_name(path.name + "-owners")
        path.parent.mkdir(parents=True, exist_ok=True)
        self._owner_fd = _hold_owner_lock(self.owners_dir, self.owner)
        self._lock = threading.Lock()
        self._changed = threading.Condition()
        self.generation = 0
        self.live_channels: set[str] = set()
        self._exchanges: dict[str, str] = {}
        self._bindings: dict[str, list[tuple[str, str]]] = {}
        self._queues: dict[str, _QueueArgs] = {}
        self._routes: dict[tuple[str, str], list[str]] = {}
        self._routing_version = -1
        self._routing_checked = 0.0
        self._last_sweep = 0.0
        db = self.connect()
        try:
            if db.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(_SCHEMA)
                db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            self.sweep(db)
        finally:
            db.close()

    def connect(self) -> sqlite3.Connection:
        """A connection of its own for one channel (sqlite3 connections are not shared)."""
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA synchronous=NORMAL")
        return db

    # -- waking ---------------------------------------------------------------------
    def notify(self) -> None:
        """Messages became ready in this process: wake its waiting consumers at once."""
        with self._changed:
            self.generation += 1
            self._changed.notify_all()

    def wait(self, seen: int, timeout: float) -> None:
        with self._changed:
            if self.generation == seen:
                self._changed.wait(timeout)

    # -- routing --------------------------------------------------------------------
    def _load_routing(self, db: sqlite3.Connection) -> None:
        version = db.execute("SELECT value FROM bus_meta WHERE key = 'routing'").fetchone()[0]
        self._routing_checked = time.monotonic()
        if version == self._routing_version:
            return
        exchanges = dict(db.execute("SELECT name, type FROM bus_exchanges"))
        bindings: dict[str, list[tuple[str, str]]] = {}
        for exchange, key, queue in db.execute("SELECT exchange, routing_key, queue FROM bus_bindings"):
            bindings.setdefault(exchange, []).append((key, queue))
        queues = {name: _QueueArgs(ttl, dlx, dlrk) for name, ttl, dlx, dlrk in db.execute("SELECT * FROM bus_queues")}
        self._exchanges, self._bindings, self._queues = exchanges, bindings, queues
        self._routes = {}
        self._routing_version = version

    def _fresh_routing(self, db: sqlite3.Connection) -> None:
        if time.monotonic() - self._routing_checked > ROUTING_RECHECK_SECONDS:
            self._load_routing(db)

    def _bump_routing(self, db: sqlite3.Connection) -> None:
        db.execute("UPDATE bus_meta SET value = value + 1 WHERE key = 'routing'")
        self._routing_version = -1  # reload on next use, with what we just wrote

    def declare_exchange(self, db: sqlite3.Connection, name: str, type_: str) -> None:
        if type_ not in ("direct", "topic", "fanout"):
            raise UnsupportedDeclaration(f"the embedded bus has no {type_!r} exchanges")
        with self._lock:
            self._fresh_routing(db)
            known = self._exchanges.get(name)
            if known == type_:
                return
            if known is not None:
                raise UnsupportedDeclaration(f"exchange {name!r} exists as {known!r}, not {type_!r}")
            with write(db):
                if db.execute("INSERT OR IGNORE INTO bus_exchanges VALUES (?, ?)", (name, type_)).rowcount:
                    self._bump_routing(db)
            self._load_routing(db)

    def declare_queue(self, db: sqlite3.Connection, name: str, arguments: Mapping[str, Any] | None = None) -> None:
        arguments = dict(arguments or {})
        unknown = set(arguments) - SUPPORTED_QUEUE_ARGUMENTS
        if unknown:
            raise UnsupportedDeclaration(f"queue {name!r}: the embedded bus does not support {sorted(unknown)}")
        ttl = arguments.get("x-message-ttl")
        dlx = arguments.get("x-dead-letter-exchange")
        if (ttl is None) != (dlx is None):
            # A TTL alone would drop messages; a dead-letter exchange alone serves rejects,
            # which Relay never sends there. Neither is implemented, so neither is accepted.
            raise UnsupportedDeclaration(f"queue {name!r}: x-message-ttl and x-dead-letter-exchange go together here")
        args = _QueueArgs(None if ttl is None else int(ttl), dlx, arguments.get("x-dead-letter-routing-key"))
        with self._lock:
            self._fresh_routing(db)
            if self._queues.get(name) == args:
                return
            with write(db):
                db.execute(
                    "INSERT INTO bus_queues VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET"
                    " ttl_ms = excluded.ttl_ms, dead_letter_exchange = excluded.dead_letter_exchange,"
                    " dead_letter_routing_key = excluded.dead_letter_routing_key",
                    (name, args.ttl_ms, args.dead_letter_exchange, args.dead_letter_routing_key),
                )
                self._bump_routing(db)
            self._load_routing(db)

    def bind(self, db: sqlite3.Connection, exchange: str, routing_key: str, queue: str) -> None:
        with self._lock:
            self._fresh_routing(db)
            if (routing_key, queue) in self._bindings.get(exchange, ()):
                return
            with write(db):
                if db.execute(
                    "INSERT OR IGNORE INTO bus_bindings VALUES (?, ?, ?)", (exchange, routing_key, queue)
                ).rowcount:
                    self._bump_routing(db)
            self._load_routing(db)

    def unbind(self, db: sqlite3.Connection, exchange: str, routing_key: str, queue: str) -> None:
        with self._lock, write(db):
            db.execute(
                "DELETE FROM bus_bindings WHERE exchange = ? AND routing_key = ? AND queue = ?",
                (exchange, routing_key, queue),
            )
            self._bump_routing(db)

    def delete_queue(self, db: sqlite3.Connection, name: str) -> None:
        with self._lock, write(db):
            db.execute("DELETE FROM bus_messages WHERE queue = ?", (name,))
            db.execute("DELETE FROM bus_bindings WHERE queue = ?", (name,))
            db.execute("DELETE FROM bus_queues WHERE name = ?", (name,))
            self._bump_routing(db)

    def has_queue(self, db: sqlite3.Connection, name: str) -> bool:
        with self._lock:
            self._load_routing(db)
            return name in self._queues

    def exchanges(self, db: sqlite3.Connection) -> dict[str, str]:
        with self._lock:
            self._load_routing(db)
            return dict(self._exchanges)

    def bindings(self, db: sqlite3.Connection) -> list[tuple[str, str, str]]:
        with self._lock:
            self._load_routing(db)
            return [(q, e, k) for e, pairs in self._bindings.items() for k, q in pairs]

    def route(self, db: sqlite3.Connection, exchange: str, routing_key: str) -> list[str]:
        """The queues a publish reaches: the named queue for the default exchange (declared
        if new, so nothing published is dropped), else the exchange's matching bindings."""
        if not exchange:
            with self._lock:
                self._fresh_routing(db)
                known = routing_key in self._queues
            if not known:
                self.declare_queue(db, routing_key)
            return [routing_key]
        with self._lock:
            self._fresh_routing(db)
            cached = self._routes.get((exchange, routing_key))
            if cached is not None:
                return cached
            type_ = self._exchanges.get(exchange)
            if type_ is None:
                self._load_routing(db)  # declared by another process a moment ago?
                type_ = self._exchanges.get(exchange)
            pairs = self._bindings.get(exchange, [])
            if type_ == "fanout":
                queues = [q for _, q in pairs]
            elif type_ == "topic":
                queues = [q for k, q in pairs if topic_matches(k, routing_key)]
            else:
                queues = [q for k, q in pairs if k == routing_key]
            queues = list(dict.fromkeys(queues))
            self._routes[(exchange, routing_key)] = queues
            return queues

    def _destination(self, db: sqlite3.Connection, queue: str, routing_key: str) -> tuple[list[str], float]:
        """Where a message put into `queue` is kept, and its delay: a delay queue hands it
        to its dead-letter destination at once, ready after the queue's TTL."""
        with self._lock:
            args = self._queues.get(queue)
        if args is None or args.ttl_ms is None:
            return [queue], 0.0
        targets = self.route(db, args.dead_letter_exchange or "", args.dead_letter_routing_key or routing_key)
        return targets, args.ttl_ms / 1000.0

    # -- messages -------------------------------------------------------------------
    def put(
        self, db: sqlite3.Connection, queues: Iterable[str], payload: dict[str, Any], routing_key: str, *, hold=False
    ) -> int:
        """Store one message in each queue, in one transaction. Returns how many rows.
        With `hold`, the transaction stays open for more (a publisher's batch): nothing is
        stored, nor visible, until `commit`."""
        now = time.time()
        rows = []
        text = json.dumps(payload, separators=(",", ":"))
        for queue in queues:
            targets, delay = self._destination(db, queue, routing_key)
            rows += [(target, text, now + delay) for target in targets]
        if not rows:
            return 0
        if hold:
            if not db.in_transaction:
                db.execute("BEGIN IMMEDIATE")
            db.executemany("INSERT INTO bus_messages (queue, payload, ready_at) VALUES (?, ?, ?)", rows)
            return len(rows)
        with write(db):
            db.executemany("INSERT INTO bus_messages (queue, payload, ready_at) VALUES (?, ?, ?)", rows)
        self.notify()
        return len(rows)

    def commit(self, db: sqlite3.Connection) -> None:
        """Store what a held transaction published (it is then as good as confirmed)."""
        if db.in_transaction:
            db.execute("COMMIT")
            self.notify()

    def ready(self, db: sqlite3.Connection, queues: Iterable[str], limit: int) -> tuple[list[int], float | None]:
        """Ids of up to `limit` messages ready now in `queues` (oldest first), and when the
        next one that is not ready yet will be (epoch seconds), if any."""
        now = time.time()
        found: list[tuple[float, int]] = []
        later: float | None = None
        for queue in queues:
            for id_, ready_at in db.execute(
                "SELECT id, ready_at FROM bus_messages WHERE queue = ? AND lease_owner IS NULL"
                " ORDER BY ready_at, id LIMIT ?",
                (queue, limit),
            ):
                if ready_at <= now:
                    found.append((ready_at, id_))
                else:
                    later = ready_at if later is None else min(later, ready_at)
                    break
        found.sort()
        return [id_ for _, id_ in found[:limit]], later

    def lease(self, db: sqlite3.Connection, ids: list[int], channel: str, acked: list[int]) -> list[Delivery]:
        """Lease the rows `ids` to `channel` (those still free), deleting the `acked` rows
        in the same transaction."""
        with write(db):
            if acked:
                db.execute(f"DELETE FROM bus_messages WHERE id IN ({_placeholders(len(acked))})", acked)
            rows = (
                db.execute(
                    "UPDATE bus_messages SET lease_owner = ?, lease_channel = ?, deliveries = deliveries + 1"
                    f" WHERE id IN ({_placeholders(len(ids))}) AND lease_owner IS NULL"
                    " RETURNING id, queue, payload, deliveries, ready_at",
                    [self.owner, channel, *ids],
                ).fetchall()
                if ids
                else []
            )
        rows.sort(key=lambda r: (r[4], r[0]))
        return [Delivery(r[0], r[1], json.loads(r[2]), r[3]) for r in rows]

    def take(self, db: sqlite3.Connection, queue: str) -> Delivery | None:
        """Remove and return the oldest ready message of `queue` (a get without ack)."""
        with write(db):
            row = db.execute(
                "DELETE FROM bus_messages WHERE id = (SELECT id FROM bus_messages WHERE queue = ?"
                " AND lease_owner IS NULL AND ready_at <= ? ORDER BY ready_at, id LIMIT 1)"
                " RETURNING id, queue, payload, deliveries",
                (queue, time.time()),
            ).fetchone()
        return None if row is None else Delivery(row[0], row[1], json.loads(row[2]), row[3] + 1)

    def delete(self, db: sqlite3.Connection, ids: list[int]) -> None:
        if ids:
            with write(db):
                db.execute(f"DELETE FROM bus_messages WHERE id IN ({_placeholders(len(ids))})", ids)

    def release(self, db: sqlite3.Connection, ids: list[int]) -> None:
        """Give leased rows back: visible again, in their old place."""
        if ids:
            with write(db):
                db.execute(
                    "UPDATE bus_messages SET lease_owner = NULL, lease_channel = NULL"
                    f" WHERE id IN ({_placeholders(len(ids))}) AND lease_owner = ?",
                    [*ids, self.owner],
                )
            self.notify()

    def release_channel(self, db: sqlite3.Connection, channel: str) -> int:
        with write(db):
            n = db.execute(
                "UPDATE bus_messages SET lease_owner = NULL, lease_channel = NULL"
                " WHERE lease_owner = ? AND lease_channel = ?",
                (self.owner, channel),
            ).rowcount
        if n:
            self.notify()
        return n

    def size(self, db: sqlite3.Connection, queue: str) -> int:
        return db.execute(
            "SELECT count(*) FROM bus_messages WHERE queue = ? AND lease_owner IS NULL", (queue,)
        ).fetchone()[0]

    def purge(self, db: sqlite3.Connection, queue: str) -> int:
        with write(db):
            return db.execute("DELETE FROM bus_messages WHERE queue = ? AND lease_owner IS NULL", (queue,)).rowcount

    # -- recovery -------------------------------------------------------------------
    def maybe_sweep(self, db: sqlite3.Connection) -> None:
        if time.monotonic() - self._last_sweep > SWEEP_SECONDS:
            self.sweep(db)

    def sweep(self, db: sqlite3.Connection) -> int:
        """Make visible again what dead processes and closed channels of this one had leased."""
        self._last_sweep = time.monotonic()
        released = 0
        owners = {
            o for (o,) in db.execute("SELECT DISTINCT lease_owner FROM bus_messages WHERE lease_owner IS NOT NULL")
        }
        files = set()
        for p in self.owners_dir.iterdir():
            if p.name.startswith("."):
                _remove_if_stale(p)
            else:
                files.add(p.name)
        for owner in (owners | files) - {self.owner}:
            fd = _lock_if_dead(self.owners_dir / owner)
            if fd is None:
                continue
            try:
                with write(db):
                    n = db.execute(
                        "UPDATE bus_messages SET lease_owner = NULL, lease_channel = NULL WHERE lease_owner = ?",
                        (owner,),
                    ).rowcount
                if n:
                    log.warning("bus: messages of a process that died are delivered again", extra={"messages": n})
                released += n
                (self.owners_dir / owner).unlink(missing_ok=True)
            finally:
                if fd >= 0:
                    os.close(fd)
        with self._lock:
            live = set(self.live_channels)
        for (channel,) in db.execute(
            "SELECT DISTINCT lease_channel FROM bus_messages WHERE lease_owner = ?", (self.owner,)
        ).fetchall():
            if channel not in live:
                released += self.release_channel(db, channel)
        if released:
            self.notify()
        return released


def _hold_owner_lock(directory: Path, owner: str) -> int:
    """Create this process's owner file and keep it locked for the life of the process. It
    is locked under a temporary name first, so no sweeper ever sees it unlocked."""
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / f".{owner}.tmp"
    fd = os.open(tmp, os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.rename(tmp, directory / owner)
    return fd


def _lock_if_dead(path: Path) -> int | None:
    """None if the owner of `path` is alive; else an fd holding its lock (-1: no file)."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return -1
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def _remove_if_stale(path: Path) -> None:
    """A temporary owner file left by a process killed between creating and naming it
    (a young one may belong to a process starting right now: left alone)."""
    try:
        if time.time() - path.stat().st_mtime < 60:
            return
    except FileNotFoundError:
        return
    fd = _lock_if_dead(path)
    if fd is not None and fd >= 0:
        path.unlink(missing_ok=True)
        os.close(fd)


def _forget_after_fork() -> None:
    # A child must not pass for its parent: new owner, new files. Closing the inherited
    # lock fds leaves the parent's locks held (the parent still has them open).
    for bus in BusFile._registry.values():
        with suppress(OSError):
            os.close(bus._owner_fd)
    BusFile._registry = {}
    BusFile._registry_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)
