"""The live hub: which tickets changed, in order, for the pages that are open, and who
has which ticket card open (and is typing a reply).

Every change gets the next sequence number; an event stream's `Last-Event-ID` is
`<epoch>.<sequence>`, the epoch naming the hub's life (a process in the all-in-one mode,
the Redis data in the distributed one), so a number from another life is never
mistaken for one of this. The last `ring` changes are kept: a client that comes back
within them gets what it missed, in order; one further behind, or from another epoch,
gets a reset (its page reloads its data).

Two backends behind one interface:

- `MemoryHub`: the all-in-one process, whose consumer runs beside the web app.
- `RedisHub` (RELAY_REDIS_URL set): the gateway-worker's consumer appends to a Redis
  stream (trimmed to about `ring` entries) with a Lua script that numbers it; every
  gateway web process has one reader thread (XREAD BLOCK) that copies the stream into
  its own ring and wakes its local clients. Presence is a Redis hash per ticket whose
  entries carry their expiry; a second, short stream tells every replica which ticket's
  presence changed.

A change says only the ticket's number, version, event type and id: the page fetches
what it shows through the API as the person signed in, who may not see that ticket.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
import weakref
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from relaykit import serving
from relaykit.bus import Message
from relaykit.bus.consumer import ConsumerSpec
from relaykit.settings import Settings

log = logging.getLogger(__name__)

RING = 1000  # changes kept for catching up; GATEWAY_LIVE_RING
PRESENCE_SECONDS = 30.0  # a card that stops saying it is open is gone after this
TYPING_SECONDS = 12.0  # "is typing" without a fresh word from the box ends after this
# Web threads kept for ordinary requests when the event streams take the rest.
RESERVED_THREADS = 32
EXTENSION = "relay.live"


class TooManyStreams(Exception):
    """This process serves as many event streams as it may (its threads are for pages too)."""


@dataclass(frozen=True)
class Change:
    seq: int
    data: dict[str, Any]  # number, version, type, ticket (the id)


@dataclass(frozen=True)
class Presence:
    viewers: tuple[str, ...] = ()  # names of the others who have the card open
    typing: tuple[str, ...] = ()  # ... and of those typing a reply on it


@dataclass(frozen=True)
class _Entry:
    employee_id: str
    name: str
    until: float
    typing_until: float

    def typing(self, now: float) -> bool:
        return self.typing_until > now


def parse_cursor(text: str | None) -> tuple[str, int] | None:
    """`<epoch>.<sequence>` -> (epoch, sequence); None for anything else."""
    epoch, dot, seq = (text or "").strip().partition(".")
    if not dot or not epoch or len(epoch) > 40 or not seq.isdigit() or len(seq) > 18:
        return None
    return epoch, int(seq)


def summarise(entries: Iterable[_Entry], exclude: str | None, now: float) -> Presence:
    viewers: dict[str, str] = {}
    typing: dict[str, str] = {}
    for e in entries:
        if e.until <= now or e.employee_id == exclude:
            continue
        viewers[e.employee_id] = e.name
        if e.typing(now):
            typing[e.employee_id] = e.name
    return Presence(tuple(sorted(viewers.values(), key=str.casefold)), tuple(sorted(typing.values(), key=str.casefold)))


@dataclass
class Wake:
    """What a listener woke up to."""

    changes: list[Change] = field(default_factory=list)
    reset: bool = False
    presence: bool = False
    closed: bool = False


class Hub:
    """The local fan-out both backends share: a ring of changes in sequence order, a
    condition every event stream of this process waits on, and per ticket a counter
    that moves when its presence changes."""

    def __init__(self, ring: int = RING, max_streams: int = 1000) -> None:
        self.ring_size = max(10, ring)
        self.max_streams = max_streams
        self.epoch = secrets.token_hex(4)
        self._ring: deque[Change] = deque(maxlen=self.ring_size)
        self._head = 0
        self._resets = 0  # moves when this process lost track: every listener gets a reset
        self._marks: dict[int, int] = {}
        self._cond = threading.Condition()
        self._closed = False
        self._streams = 0

    # -- the writer's side (the bus consumer) ------------------------------------------------
    def publish(self, data: dict[str, Any]) -> None:
        raise NotImplementedError

    # -- presence --------------------------------------------------------------------------------
    def present(self, ticket: int, tab: str, employee_id: str, name: str, typing: bool) -> None:
        raise NotImplementedError

    def leave(self, ticket: int, tab: str) -> None:
        raise NotImplementedError

    def presence(self, ticket: int, exclude: str | None = None) -> Presence:
        raise NotImplementedError

    def is_present(self, ticket: int, tab: str) -> bool:
        raise NotImplementedError

    # -- the readers' side (event streams) ------------------------------------------------------
    @property
    def closed(self) -> bool:
        return self._closed

    def head(self) -> int:
        self._ensure_reading()
        return self._head

    def cursor(self) -> str:
        """The Last-Event-ID a page rendered now starts from."""
        head = self.head()
        return f"{self.epoch}.{head}"

    def since(self, after: int) -> list[Change] | None:
        """The changes after `after`, or None when they are no longer all kept."""
        self._ensure_reading()
        with self._cond:
            found = self._from_ring(after)
        return found if found is not None else self._older(after)

    def listen(self, after: int, ticket: int | None) -> Listener:
        self._ensure_reading()
        with self._cond:
            if self._streams >= self.max_streams:
                raise TooManyStreams(f"{self._streams} event streams open")
            self._streams += 1
            return Listener(self, after, ticket, self._resets, self._marks.get(ticket, 0) if ticket else 0)

    def close(self) -> None:
        """Every listener wakes up closed (the process stops serving)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    @property
    def streams(self) -> int:
        return self._streams

    # -- for the backends ---------------------------------------------------------------------
    def _ensure_reading(self) -> None:
        """RedisHub starts its reader on first use; the memory hub has nothing to read."""

    def _older(self, after: int) -> list[Change] | None:
        return None

    def _from_ring(self, after: int) -> list[Change] | None:
        if after >= self._head:
            return []
        if not self._ring or self._ring[0].seq > after + 1:
            return None
        return [c for c in self._ring if c.seq > after]

    def _append(self, changes: Iterable[Change]) -> None:
        with self._cond:
            for c in changes:
                if c.seq <= self._head:
                    continue
                self._ring.append(c)
                self._head = c.seq
            self._cond.notify_all()

    def _lost_track(self, epoch: str | None = None, head: int | None = None) -> None:
        """Changes went by unseen (or the numbering started again): every listener resets."""
        with self._cond:
            if epoch is not None:
                self.epoch = epoch
            self._ring.clear()
            if head is not None:
                self._head = head
            self._resets += 1
            self._cond.notify_all()

    def _presence_moved(self, ticket: int) -> None:
        with self._cond:
            self._marks[ticket] = self._marks.get(ticket, 0) + 1
            if len(self._marks) > 50_000:
                # Counters only need to move; dropping them wakes the cards once, harmlessly.
                self._marks = {ticket: self._marks[ticket]}
            self._cond.notify_all()

    def _release(self) -> None:
        with self._cond:
            self._streams -= 1


class Listener:
    """One event stream's place in the hub."""

    def __init__(self, hub: Hub, after: int, ticket: int | None, resets: int, mark: int) -> None:
        self.hub = hub
        self.after = after
        self.ticket = ticket
        self._resets = resets
        self._mark = mark
        self._open = True

    def _ready(self) -> bool:
        h = self.hub
        return (
            h._closed
            or h._head > self.after
            or h._resets != self._resets
            or (self.ticket is not None and h._marks.get(self.ticket, 0) != self._mark)
        )

    def wait(self, timeout: float) -> Wake:
        h = self.hub
        with h._cond:
            h._cond.wait_for(self._ready, timeout=max(0.0, timeout))
            wake = Wake(closed=h._closed)
            if h._resets != self._resets:
                self._resets = h._resets
                self.after = h._head
                wake.reset = True
            elif h._head > self.after:
                found = h._from_ring(self.after)
                if found is None:
                    # Further behind than the ring: too much went by while this one waited.
                    wake.reset = True
                else:
                    wake.changes = found
                self.after = h._head
            if self.ticket is not None:
                mark = h._marks.get(self.ticket, 0)
                if mark != self._mark:
                    self._mark = mark
                    wake.presence = True
        return wake

    def close(self) -> None:
        if self._open:
            self._open = False
            self.hub._release()


# -- in process ---------------------------------------------------------------------------------
class MemoryHub(Hub):
    def __init__(self, ring: int = RING, max_streams: int = 1000, clock: Any = time.time) -> None:
        super().__init__(ring, max_streams)
        self.clock = clock
        self._lock = threading.Lock()
        self._seq = 0
        self._presence: dict[int, dict[str, _Entry]] = {}

    def publish(self, data: dict[str, Any]) -> None:
        with self._lock:
            self._seq += 1
            change = Change(self._seq, dict(data))
            self._append([change])

    def present(self, ticket: int, tab: str, employee_id: str, name: str, typing: bool) -> None:
        now = self.clock()
        entry = _Entry(employee_id, name, now + PRESENCE_SECONDS, now + TYPING_SECONDS if typing else 0.0)
        with self._lock:
            cards = self._presence.setdefault(ticket, {})
            old = cards.get(tab)
            cards[tab] = entry
            changed = old is None or old.until <= now or old.typing(now) != typing or old.name != name
        if changed:
            self._presence_moved(ticket)

    def leave(self, ticket: int, tab: str) -> None:
        with self._lock:
            cards = self._presence.get(ticket, {})
            gone = cards.pop(tab, None)
            if not cards:
                self._presence.pop(ticket, None)
        if gone is not None:
            self._presence_moved(ticket)

    def is_present(self, ticket: int, tab: str) -> bool:
        with self._lock:
            entry = self._presence.get(ticket, {}).get(tab)
        return entry is not None and entry.until > self.clock()

    def presence(self, ticket: int, exclude: str | None = None) -> Presence:
        now = self.clock()
        with self._lock:
            cards = self._presence.get(ticket)
            if not cards:
                return Presence()
            for tab in [t for t, e in cards.items() if e.until <= now]:
                del cards[tab]
            entries = list(cards.values())
            if not cards:
                del self._presence[ticket]
        return summarise(entries, exclude, now)


# -- Redis --------------------------------------------------------------------------------------
# Numbers the change and appends it; numbering that starts again over an old stream (the
# counter was lost) or without an epoch (Redis lost its data) starts a new epoch and
# stream, so no reader mistakes the new numbers for old ones.
_PUBLISH = """
local n = redis.call('INCR', KEYS[2])
local epoch = redis.call('GET', KEYS[3])
if not epoch or (n == 1 and redis.call('EXISTS', KEYS[1]) == 1) then
  redis.call('DEL', KEYS[1])
  epoch = ARGV[3]
  redis.call('SET', KEYS[3], epoch)
end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], n .. '-0', 'e', epoch, 'd', ARGV[2])
return n
"""


class RedisHub(Hub):
    block_ms = 5000
    backoff_max = 10.0

    def __init__(
        self, url: str, prefix: str, ring: int = RING, max_streams: int = 1000, clock: Any = time.time
    ) -> None:
        import redis

        super().__init__(ring, max_streams)
        self.clock = clock
        self.client = redis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=1.0)
        # XREAD BLOCK waits block_ms: its socket must wait longer.
        self._reader = redis.Redis.from_url(url, socket_timeout=self.block_ms / 1000 + 5, socket_connect_timeout=1.0)
        # One hash slot for the three keys the script touches (Redis Cluster).
        self.changes_key = f"{prefix}{{live}}:changes"
        self.seq_key = f"{prefix}{{live}}:seq"
        self.epoch_key = f"{prefix}{{live}}:epoch"
        self.presence_prefix = f"{prefix}live:presence:"
        self.moves_key = f"{prefix}live:presence-moves"
        self._publish = self.client.register_script(_PUBLISH)
        self._start_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._presence_last = "0-0"
        self.epoch = "unread"  # until the reader has seen Redis: any cursor resets

    def publish(self, data: dict[str, Any]) -> None:
        self._publish(
            keys=[self.changes_key, self.seq_key, self.epoch_key],
            args=[self.ring_size, json.dumps(data, separators=(",", ":")), secrets.token_hex(4)],
        )

    # -- presence ---------------------------------------------------------------------------------
    def _key(self, ticket: int) -> str:
        return f"{self.presence_prefix}{ticket}"

    def present(self, ticket: int, tab: str, employee_id: str, name: str, typing: bool) -> None:
        now = self.clock()
        value = json.dumps(
            {"e": employee_id, "n": name, "u": now + PRESENCE_SECONDS, "t": now + TYPING_SECONDS if typing else 0},
            separators=(",", ":"),
        )
        key = self._key(ticket)
        pipe = self.client.pipeline(transaction=False)
        pipe.hget(key, tab)
        pipe.hset(key, tab, value)
        pipe.expire(key, int(PRESENCE_SECONDS) + 5)
        old_raw = pipe.execute()[0]
        old = _entry(old_raw)
        if old is None or old.until <= now or old.typing(now) != typing or old.name != name:
            self._moved(ticket)

    def leave(self, ticket: int, tab: str) -> None:
        if self.client.hdel(self._key(ticket), tab):
            self._moved(ticket)

    def is_present(self, ticket: int, tab: str) -> bool:
        entry = _entry(self.client.hget(self._key(ticket), tab))
        return entry is not None and entry.until > self.clock()

    def presence(self, ticket: int, exclude: str | None = None) -> Presence:
        now = self.clock()
        key = self._key(ticket)
        raw = self.client.hgetall(key)
        entries = {tab: _entry(v) for tab, v in raw.items()}
        stale = [tab for tab, e in entries.items() if e is None or e.until <= now]
        if stale:
            self.client.hdel(key, *stale)
        return summarise((e for e in entries.values() if e is not None), exclude, now)

    def _moved(self, ticket: int) -> None:
        self.client.xadd(self.moves_key, {"t": str(ticket)}, maxlen=1000, approximate=True)

    # -- reading --------------------------------------------------------------------------------
    def _ensure_reading(self) -> None:
        if self._thread is not None or self._closed:
            return
        with self._start_lock:
            if self._thread is not None:
                return
            try:
                self._catch_up_head()
            except Exception as e:  # the reader keeps trying; pages work meanwhile
                log.warning("live updates: Redis unreachable", extra={"error": str(e)[:200]})
            self._thread = threading.Thread(target=self._read, name="live-reader", daemon=True)
            self._thread.start()

    def _catch_up_head(self) -> None:
        """Where the stream is now: this process's ring starts empty, after its last entry."""
        last = self.client.xrevrange(self.changes_key, count=1)
        if last:
            entry_id, fields = last[0]
            head, epoch = _seq(entry_id), fields[b"e"].decode()
        else:
            self.client.set(self.epoch_key, secrets.token_hex(4), nx=True)
            raw = self.client.get(self.epoch_key)
            head, epoch = 0, raw.decode() if raw else "unread"
        moves = self.client.xrevrange(self.moves_key, count=1)
        self._presence_last = moves[0][0].decode() if moves else "0-0"
        self._lost_track(epoch=epoch, head=head)

    def _older(self, after: int) -> list[Change] | None:
        try:
            entries = self.client.xrange(self.changes_key, min=f"{after + 1}-0", count=self.ring_size + 1)
        except Exception:
            return None
        changes = []
        for entry_id, fields in entries:
            if fields[b"e"].decode() != self.epoch:
                return None
            changes.append(Change(_seq(entry_id), json.loads(fields[b"d"])))
        if not changes or changes[0].seq != after + 1 or len(changes) > self.ring_size:
            return None  # trimmed away, or more than a client should replay
        return changes

    def _read(self) -> None:
        backoff = 0.5
        known = self._head > 0 or self.epoch != "unread"
        while not self._closed:
            try:
                if not known:
                    self._catch_up_head()
                    known = True
                reply = self._reader.xread(
                    {self.changes_key: f"{self._head}-0", self.moves_key: self._presence_last},
                    block=self.block_ms,
                    count=500,
                )
                if reply:
                    self._take(reply)
                else:
                    # Quiet: a good moment to see whether the numbering started again below
                    # this process's head, where XREAD would never show it.
                    epoch = self._reader.get(self.epoch_key)
                    if epoch is not None and epoch.decode() != self.epoch:
                        self._catch_up_head()
                backoff = 0.5
            except Exception as e:
                if self._closed:
                    return
                log.warning(
                    "live updates: Redis read failed; retrying", extra={"error": str(e)[:200], "retry_in": backoff}
                )
                time.sleep(backoff)
                backoff = min(backoff * 2, self.backoff_max)

    def _take(self, reply: Any) -> None:
        for stream, entries in reply or []:
            name = stream.decode() if isinstance(stream, bytes) else stream
            if name == self.moves_key:
                for entry_id, fields in entries:
                    self._presence_last = entry_id.decode()
                    try:
                        self._presence_moved(int(fields[b"t"]))
                    except (KeyError, ValueError):
                        continue
                continue
            batch: list[Change] = []
            for entry_id, fields in entries:
                seq, epoch = _seq(entry_id), fields[b"e"].decode()
                expected = (batch[-1].seq if batch else self._head) + 1
                if epoch != self.epoch or seq != expected:
                    # A new epoch, or entries trimmed before this process read them.
                    self._append(batch)
                    batch = []
                    self._lost_track(epoch=epoch, head=seq - 1)
                batch.append(Change(seq, json.loads(fields[b"d"])))
            self._append(batch)


def _seq(entry_id: bytes | str) -> int:
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    return int(text.split("-", 1)[0])


def _entry(raw: bytes | str | None) -> _Entry | None:
    if not raw:
        return None
    try:
        v = json.loads(raw)
        return _Entry(str(v["e"]), str(v["n"]), float(v["u"]), float(v["t"]))
    except (ValueError, KeyError, TypeError):
        return None


# -- one hub per gateway runtime ----------------------------------------------------------------
def max_streams(settings: Settings, web_threads: int | None) -> int:
    """GATEWAY_LIVE_MAX_STREAMS, else the web threads less those kept for pages."""
    configured = settings.extra.get("GATEWAY_LIVE_MAX_STREAMS")
    if configured:
        return max(0, int(configured))
    return max(1, serving.web_threads(web_threads) - RESERVED_THREADS)


def make_hub(settings: Settings, web_threads: int | None = None) -> Hub:
    ring = int(settings.extra.get("GATEWAY_LIVE_RING", RING))
    limit = max_streams(settings, web_threads)
    hub: Hub
    if settings.redis_url:
        hub = RedisHub(settings.redis_url, f"{settings.namespace}relay:", ring, limit)
    else:
        hub = MemoryHub(ring, limit)
    ref = weakref.ref(hub)
    serving.on_stop(lambda: (h := ref()) is not None and h.close())
    return hub


def hub_for(runtime: Any) -> Hub:
    """The one hub of a gateway runtime: its consumer publishes to it, its pages listen."""
    hub = runtime.extensions.get(EXTENSION)
    if hub is None:
        hub = runtime.extensions.setdefault(EXTENSION, make_hub(runtime.settings, runtime.spec.web_threads))
    return hub


# -- the bus consumer ---------------------------------------------------------------------------
def ticket_events() -> list[str]:
    """Every ticket event of the catalogue: whatever changed a ticket, its open pages hear."""
    from relay_contracts import catalog

    return sorted(c for c in catalog().channels() if c.startswith("ticket."))


def consumers(hub: Hub) -> list[ConsumerSpec]:
    """The gateway's `live` consumer: each ticket event becomes a change in the hub.
    Unordered: a late or repeated message only makes a page fetch again. A hub that
    cannot be reached is logged, not retried: its readers lose track too and reset
    their pages, which fetch again."""

    def handle(_session: Session, message: Message) -> None:
        ticket = message.data.get("ticket")
        if not isinstance(ticket, dict) or "number" not in ticket:
            return
        change = {
            "number": ticket["number"],
            "version": ticket.get("version"),
            "type": message.type,
            "ticket": ticket.get("id", message.aggregate_id),
        }
        try:
            hub.publish(change)
        except Exception as e:  # redis.RedisError, OSError
            log.warning("live updates: a change was not published", extra={"error": str(e)[:200], **change})

    return [ConsumerSpec("live", {name: handle for name in ticket_events()})]
