"""Rate limits at the gateway: per API token, per client address, and a much stricter
one per address on failed authentications (unknown or revoked tokens).

Each limit is `count` requests per `seconds`, counted as a sliding window: the
current fixed window plus the previous one weighted by how much of it the sliding
window still covers. That needs two counters per key and no per-request history,
and has no burst of twice the limit at a window's edge.

Counts live in Redis when RELAY_REDIS_URL is set, so every gateway replica sees the
same numbers: one pipelined round trip per request for all its limits. Otherwise
they live in this process. If Redis cannot be reached the gateway counts in process
for a few seconds and then tries Redis again: the limits loosen, the API stays up.

Refused requests count too: a client that ignores Retry-After stays refused.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from relaykit import metrics
from relaykit.errors import TooManyRequests
from relaykit.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    name: str
    count: int
    seconds: float

    @classmethod
    def parse(cls, name: str, text: str) -> Limit | None:
        """`200/10` is 200 requests per 10 seconds; `off` (or `0`) is no limit."""
        if text.strip().lower() in ("off", "0", "none"):
            return None
        try:
            count, _, seconds = text.partition("/")
            limit = cls(name, int(count), float(seconds))
        except ValueError:
            raise ValueError(f"rate limit {name}: {text!r} is not <count>/<seconds> (or off)") from None
        if limit.count < 1 or not 0 < limit.seconds <= 86400:
            raise ValueError(f"rate limit {name}: {text!r} needs a count >= 1 and 0 < seconds <= 86400")
        return limit

    def window(self, now: float) -> int:
        return int(now // self.seconds)

    def estimate(self, current: int, previous: int, now: float) -> float:
        covered = 1.0 - (now % self.seconds) / self.seconds
        return previous * covered + current

    def retry_after(self, current: int, previous: int, now: float) -> int:
        """Whole seconds until one more request fits."""
        start = self.window(now) * self.seconds
        room = self.count - 1 - current
        if room >= 0 and previous > 0:
            # Within this window, once enough of the previous one has slid out.
            wait = start + self.seconds * (1.0 - room / previous) - now
        else:
            # In the next window this one becomes the previous, weighted down as it slides.
            wait = start + self.seconds * (2.0 - (self.count - 1) / max(current, 1)) - now
        return max(1, math.ceil(wait))


# A key to count (hit) or to read only (peek), with its limit.
Key = tuple[str, Limit]


class MemoryCounts:
    """Counts of this process: key -> [window, current, previous]."""

    sweep_above = 50_000

    def __init__(self) -> None:
        self._counts: dict[str, list[Any]] = {}
        self._lock = threading.Lock()

    def count(self, hits: Sequence[Key], peeks: Sequence[Key], now: float) -> list[tuple[int, int]]:
        out = []
        with self._lock:
            for i, (key, limit) in enumerate((*hits, *peeks)):
                w = limit.window(now)
                entry = self._counts.get(key)
                if entry is None or entry[0] < w - 1:
                    entry = [w, 0, 0, limit.seconds]
                elif entry[0] == w - 1:
                    entry = [w, 0, entry[1], limit.seconds]
                if i < len(hits):
                    entry[1] += 1
                    self._counts[key] = entry
                out.append((entry[1], entry[2]))
            if len(self._counts) > self.sweep_above:
                self._sweep(now)
        return out

    def _sweep(self, now: float) -> None:
        for key in [k for k, e in self._counts.items() if e[0] < int(now // e[3]) - 1]:
            del self._counts[key]


class RedisCounts:
    """Counts in Redis, shared by every gateway replica; `prefix` keeps installations
    (and test runs) on one server apart."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=0.25, socket_connect_timeout=0.25)
        self.prefix = prefix

    def count(self, hits: Sequence[Key], peeks: Sequence[Key], now: float) -> list[tuple[int, int]]:
        pipe = self.client.pipeline(transaction=False)
        for key, limit in hits:
            w = limit.window(now)
            current = f"{self.prefix}{key}:{w}"
            pipe.incr(current)
            pipe.expire(current, math.ceil(2 * limit.seconds) + 1)
            pipe.get(f"{self.prefix}{key}:{w - 1}")
        for key, limit in peeks:
            w = limit.window(now)
            pipe.get(f"{self.prefix}{key}:{w}")
            pipe.get(f"{self.prefix}{key}:{w - 1}")
        replies = pipe.execute()
        out = []
        for i in range(len(hits)):
            out.append((int(replies[3 * i]), int(replies[3 * i + 2] or 0)))
        base = 3 * len(hits)
        for i in range(len(peeks)):
            out.append((int(replies[base + 2 * i] or 0), int(replies[base + 2 * i + 1] or 0)))
        return out


class FailoverCounts:
    """Redis first; in process while Redis is away (retried every `pause` seconds)."""

    pause = 5.0

    def __init__(self, primary: RedisCounts) -> None:
        self.primary = primary
        self.fallback = MemoryCounts()
        self._away_until = 0.0

    def count(self, hits: Sequence[Key], peeks: Sequence[Key], now: float) -> list[tuple[int, int]]:
        if time.monotonic() >= self._away_until:
            try:
                return self.primary.count(hits, peeks, now)
            except Exception as e:  # redis.RedisError, OSError: either way, keep answering
                self._away_until = time.monotonic() + self.pause
                log.warning("rate-limit store unreachable; counting in process", extra={"error": str(e)[:200]})
        return self.fallback.count(hits, peeks, now)


@dataclass(frozen=True)
class Allowance:
    """The tightest limit a request passed: for the RateLimit-* headers of its answer."""

    limit: int
    remaining: int


class RateLimiter:
    def __init__(
        self,
        token: Limit | None,
        address: Limit | None,
        failures: Limit | None,
        store: MemoryCounts | RedisCounts | FailoverCounts | None = None,
    ) -> None:
        self.token, self.address, self.failures = token, address, failures
        self.store = store or MemoryCounts()

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimiter:
        store = None
        if settings.redis_url:
            store = FailoverCounts(RedisCounts(settings.redis_url, f"{settings.namespace}relay:ratelimit:"))
        return cls(
            Limit.parse("token", settings.rate_limit_token),
            Limit.parse("address", settings.rate_limit_address),
            Limit.parse("auth-failures", settings.rate_limit_auth_failures),
            store,
        )

    def check(self, address: str, token_digest: str | None = None) -> Allowance | None:
        """Counts one request from `address` (with the token whose digest is given);
        raises TooManyRequests if it is over a limit, or if the address has failed to
        authenticate too often and presents a token again."""
        hits: list[Key] = []
        if self.address is not None:
            hits.append((f"a:{address}", self.address))
        if token_digest is not None and self.token is not None:
            hits.append((f"t:{token_digest}", self.token))
        peeks: list[Key] = []
        if token_digest is not None and self.failures is not None:
            peeks.append((f"f:{address}", self.failures))
        if not hits and not peeks:
            return None
        now = time.time()
        counts = self.store.count(hits, peeks, now)
        tightest: Allowance | None = None
        for (_, limit), (current, previous) in zip((*hits, *peeks), counts, strict=True):
            used = limit.estimate(current, previous, now)
            over = used >= limit.count if limit is self.failures else used > limit.count
            if over:
                metrics.rate_limited.labels(limit.name).inc()
                raise TooManyRequests(
                    _detail(limit),
                    retry_after=limit.retry_after(current, previous, now),
                    limit=limit.count,
                    field="Authorization" if limit is self.failures else None,
                )
            if limit is not self.failures:
                remaining = max(0, int(limit.count - used))
                if tightest is None or remaining < tightest.remaining:
                    tightest = Allowance(limit.count, remaining)
        return tightest

    def failed(self, address: str) -> None:
        """Counts a presented token that did not authenticate."""
        if self.failures is not None:
            self.store.count([(f"f:{address}", self.failures)], [], time.time())


def _detail(limit: Limit) -> str:
    every = f"{limit.seconds:g} seconds"
    if limit.name == "auth-failures":
        return f"more than {limit.count} unknown or revoked tokens from this address in {every}; wait before retrying"
    if limit.name == "token":
        return f"more than {limit.count} requests with this token in {every}"
    return f"more than {limit.count} requests from this address in {every}"
