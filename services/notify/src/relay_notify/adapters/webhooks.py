"""Outgoing webhooks: signing, the SSRF guard, one delivery attempt, the retry schedule.

A pure adapter: no database. The service layer calls :func:`deliver`, stores the
:class:`Result`, and plans the next attempt with :func:`backoff`.

Request
-------
``POST <url>`` with the event as the JSON body and these headers:

``Content-Type: application/json``
``User-Agent: Relay-Webhooks/1``
``X-Relay-Event: <event type>``, e.g. ``ticket.created``
``X-Relay-Delivery: <delivery id>``: the same id on every retry of one delivery, so
a receiver can drop duplicates (a retry after a timeout may deliver twice).
``X-Relay-Signature: t=<timestamp>,v1=<signature>``

Signature (the scheme Stripe uses)
----------------------------------
``timestamp`` is Unix seconds at sending time; ``signature`` is the lower-case hex
HMAC-SHA256, keyed with the subscription's secret (UTF-8), of the bytes
``<timestamp>.`` followed by the raw request body exactly as received::

    v1 = hex(HMAC_SHA256(secret, f"{t}." + body))

A receiver recomputes it over the raw body (before any JSON parsing), compares in
constant time, and refuses timestamps more than five minutes away from its clock,
so a captured request cannot be replayed later. Receivers must ignore header
fields they do not know (a later scheme would be added as ``v2=``) and accept the
request when any ``v1`` matches (during secret rotation there may be two).
:data:`VERIFY_SNIPPET` is the receiver's side in ten lines of plain Python.

Delivery rules
--------------
Success is a 2xx answer. Redirects are not followed (the next hop could be an
internal address), so a 3xx is a failure with its status. Timeouts, connection and
TLS errors, non-2xx answers and refused addresses all give ``ok=False`` and an
error text; :func:`deliver` never raises.

In production mode the target must be public: :func:`check_url` resolves the
host and refuses loopback, private, link-local, multicast, reserved and
unspecified addresses, and the connection itself (:func:`guarded_session`)
checks again what the name resolves to at connect time and connects to that
checked address, so a DNS answer that changes between the check and the
connection (DNS rebinding) cannot reach an internal host.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import random
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError, ReadTimeoutError

SIGNATURE_HEADER = "X-Relay-Signature"
EVENT_HEADER = "X-Relay-Event"
DELIVERY_HEADER = "X-Relay-Delivery"
USER_AGENT = "Relay-Webhooks/1"

#: Seconds a signature's timestamp may be away from the receiver's clock.
SIGNATURE_TOLERANCE = 300

#: Characters of the receiver's answer kept with a delivery, enough to show why it failed.
EXCERPT_CHARS = 500
# More of the body is read than kept so that the SMS adapter's success_contains can
# look past the excerpt; the cap keeps a hostile receiver from streaming gigabytes.
_READ_LIMIT = 64 * 1024

#: Delay before the next attempt after the n-th consecutive failure (n = 1, 2, ...);
#: past the table every retry waits MAX_BACKOFF. Roughly exponential: a receiver
#: that is down for a deploy gets retried within minutes, one down for a day is not
#: hammered.
RETRY_SCHEDULE: tuple[timedelta, ...] = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
    timedelta(hours=1),
    timedelta(hours=2),
    timedelta(hours=4),
)
MAX_BACKOFF = timedelta(hours=6)
#: Each delay is scaled by a random factor in [1 - BACKOFF_JITTER, 1 + BACKOFF_JITTER]
#: (and still capped at MAX_BACKOFF): when a receiver comes back after an outage,
#: the deliveries queued for it arrive spread out instead of all at the same second.
BACKOFF_JITTER = 0.2

#: The service disables a subscription after this many consecutive failed
#: deliveries. With RETRY_SCHEDULE that is about three and a half days of a
#: receiver failing every attempt; any success resets the streak.
MAX_FAILURE_STREAK = 20


VERIFY_SNIPPET = """\
import hashlib, hmac, time

def verify(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    fields = [part.split("=", 1) for part in header.split(",") if "=" in part]
    stamps = [value for key, value in fields if key.strip() == "t"]
    if len(stamps) != 1 or not stamps[0].strip().isdigit() or abs(time.time() - int(stamps[0])) > tolerance:
        return False
    signed = stamps[0].strip().encode() + b"." + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest().encode()
    return any(hmac.compare_digest(expected, value.strip().encode()) for key, value in fields if key.strip() == "v1")
"""
"""What :func:`verify` does, for a receiver to copy (shown in the README)."""


@dataclass
class Result:
    """The outcome of one HTTP delivery attempt (webhook or SMS gateway)."""

    ok: bool
    status: int | None
    error: str | None
    elapsed_ms: float
    response_excerpt: str


# --- signatures ---------------------------------------------------------------------


def _unix(now: datetime | float | None) -> float:
    if now is None:
        return time.time()
    if isinstance(now, datetime):
        return now.timestamp()
    return float(now)


def _signature(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The :data:`SIGNATURE_HEADER` value for ``body`` sent at ``timestamp`` (Unix seconds)."""
    return f"t={int(timestamp)},v1={_signature(secret, int(timestamp), body)}"


def verify(
    secret: str,
    header: str | None,
    body: bytes,
    *,
    tolerance: int = SIGNATURE_TOLERANCE,
    now: datetime | float | None = None,
) -> bool:
    """Whether ``header`` is a valid signature of ``body`` with ``secret``, made within ``tolerance`` seconds."""
    if not header:
        return False
    stamps: list[str] = []
    signatures: list[str] = []
    for part in header.split(","):
        key, sep, value = part.partition("=")
        if not sep:
            continue
        if key.strip() == "t":
            stamps.append(value.strip())
        elif key.strip() == "v1":
            signatures.append(value.strip())
    # Two timestamps would let an attacker pick which one a lax parser checks.
    if len(stamps) != 1 or not stamps[0].isdigit():
        return False
    timestamp = int(stamps[0])
    if abs(_unix(now) - timestamp) > tolerance:
        return False
    expected = _signature(secret, timestamp, body).encode()
    # Every candidate is compared (no early exit) so timing says nothing about which matched.
    matches = [hmac.compare_digest(expected, candidate.encode("utf-8")) for candidate in signatures]
    return any(matches)


# --- the SSRF guard -----------------------------------------------------------------


class UnsafeUrl(ValueError):
    """A target URL (or the address it resolves to) that Relay will not send to."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def address_problem(address: str) -> str | None:
    """Why Relay must not connect to ``address`` in production, or None when it is public."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        # IPv6 forms that carry an IPv4 address reach that IPv4 host: judge the IPv4 one.
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            problem = address_problem(str(embedded))
            return f"{problem} (as {ip})" if problem else None
    for kind in ("unspecified", "loopback", "link_local", "multicast", "private", "reserved"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    # Shared address space (100.64.0.0/10), documentation ranges and the like.
    if not ip.is_global:
        return "not globally routable"
    return None


def _resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _refuse_unsafe(host: str, addresses: list[str]) -> None:
    if not addresses:
        raise UnsafeUrl(f"{host} resolves to no address")
    # Any bad address refuses the host: which one a connection picks is not ours to choose.
    for address in addresses:
        problem = address_problem(address)
        if problem:
            shown = host if host == address else f"{host} resolves to {address}"
            raise UnsafeUrl(f"{shown}: {problem} address")


def check_url(url: str, *, production: bool) -> None:
    """Raise :class:`UnsafeUrl` unless ``url`` is an acceptable delivery target.

    Always: http or https, a host, no user:password part (credentials in a URL end
    up in logs and delivery records). In production also: every address the host
    resolves to is public. Outside production (tests, the all-in-one) local
    addresses are allowed.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as e:
        raise UnsafeUrl(f"not a valid URL: {e}") from None
    if parts.scheme not in ("http", "https"):
        raise UnsafeUrl(f"scheme {parts.scheme or '(none)'!r} is not allowed, only http and https")
    if "@" in parts.netloc:
        raise UnsafeUrl("credentials in the URL are not allowed")
    host = parts.hostname
    if not host:
        raise UnsafeUrl("the URL has no host")
    if not production:
        return
    try:
        addresses = _resolve(host, port or (443 if parts.scheme == "https" else 80))
    except (OSError, UnicodeError) as e:
        raise UnsafeUrl(f"cannot resolve {host}: {e}") from None
    _refuse_unsafe(host, addresses)


class _GuardedConnectionMixin:
    """Resolve at connect time, refuse non-public answers, connect to the checked address.

    Only the address used for the TCP connection is replaced: ``self.host`` stays the
    name, so the Host header, TLS SNI and certificate verification still use it.
    """

    _dns_host: str
    host: str
    port: int

    def _new_conn(self) -> socket.socket:
        original = self._dns_host
        try:
            addresses = _resolve(original.strip("[]"), self.port)
        except socket.gaierror as e:
            raise NameResolutionError(self.host, self, e) from e  # type: ignore[arg-type]
        _refuse_unsafe(self.host, addresses)
        failure: Exception | None = None
        try:
            for address in addresses:
                self._dns_host = address
                try:
                    return super()._new_conn()  # type: ignore[misc]
                except (NewConnectionError, ConnectTimeoutError) as e:
                    failure = e
        finally:
            self._dns_host = original
        assert failure is not None
        raise failure


class _GuardedHTTPConnection(_GuardedConnectionMixin, HTTPConnection):
    pass


class _GuardedHTTPSConnection(_GuardedConnectionMixin, HTTPSConnection):
    pass


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class GuardedAdapter(HTTPAdapter):
    """A requests transport whose connections only go to public addresses."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _GuardedHTTPPool, "https": _GuardedHTTPSPool}

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        # Through a proxy the peer is the proxy; the target's address is never seen.
        raise UnsafeUrl("production deliveries do not go through a proxy")


def guarded_session() -> requests.Session:
    """A session for production deliveries: connect-time address checks, no proxies.

    Environment settings are ignored (``trust_env``): a proxy would hide the address
    connected to, and ~/.netrc credentials must not be sent to third-party receivers.
    """
    session = requests.Session()
    session.trust_env = False
    session.mount("http://", GuardedAdapter())
    session.mount("https://", GuardedAdapter())
    return session


def _plain_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    return session


# --- one HTTP exchange (shared with the SMS adapter) ---------------------------------


@dataclass
class Exchange:
    """What came back from one request; ``status`` is None when no answer came."""

    status: int | None
    error: str | None
    elapsed_ms: float
    text: str
    location: str | None = None

    @property
    def excerpt(self) -> str:
        return self.text[:EXCERPT_CHARS]


def _root_cause(e: BaseException) -> BaseException:
    seen: set[int] = set()
    while id(e) not in seen:
        seen.add(id(e))
        inner = getattr(e, "reason", None)
        if not isinstance(inner, BaseException) and e.args and isinstance(e.args[0], BaseException):
            inner = e.args[0]
        if not isinstance(inner, BaseException):
            break
        e = inner
    return e


def _describe(e: requests.RequestException) -> str:
    cause = _root_cause(e)
    if isinstance(cause, NameResolutionError):
        return f"cannot resolve host: {cause}"
    if isinstance(cause, NewConnectionError):
        return f"connection failed: {cause}"
    return f"connection failed: {cause or e}"


def _read_text(response: requests.Response, deadline: float) -> str:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(4096):
        chunks.append(chunk)
        size += len(chunk)
        # A receiver trickling bytes would otherwise keep the worker forever.
        if size >= _READ_LIMIT or time.monotonic() > deadline:
            break
    data = b"".join(chunks)[:_READ_LIMIT]
    try:
        return data.decode(response.encoding or "utf-8", errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


def http_exchange(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    data: bytes | None = None,
    auth: tuple[str, str] | None = None,
    timeout: float = 10.0,
    production: bool = False,
    session: requests.Session | None = None,
) -> Exchange:
    """One request under the delivery rules (URL check, no redirects, bounded read); never raises."""
    started = time.monotonic()

    def done(status: int | None, error: str | None, text: str = "", location: str | None = None) -> Exchange:
        return Exchange(status, error, (time.monotonic() - started) * 1000, text, location)

    own_session = session is None
    try:
        check_url(url, production=production)
        if session is None:
            session = guarded_session() if production else _plain_session()
        elif production and not isinstance(session.get_adapter(url), GuardedAdapter):
            return done(None, "refused: a production delivery needs a session from guarded_session()")
        with session.request(
            method,
            url,
            headers=dict(headers),
            data=data,
            auth=auth,
            timeout=timeout,
            allow_redirects=False,
            stream=True,
        ) as response:
            text = _read_text(response, started + 2 * timeout)
            return done(response.status_code, None, text, response.headers.get("Location"))
    except UnsafeUrl as e:
        return done(None, f"refused: {e.reason}")
    except requests.Timeout:
        return done(None, f"timed out after {timeout:g} s")
    except requests.exceptions.SSLError as e:
        return done(None, f"TLS error: {_root_cause(e)}")
    except requests.ConnectionError as e:
        # A read timeout while streaming the body surfaces as a ConnectionError.
        if isinstance(_root_cause(e), ReadTimeoutError):
            return done(None, f"timed out after {timeout:g} s")
        return done(None, _describe(e))
    except requests.RequestException as e:
        return done(None, f"request failed: {e}")
    except Exception as e:  # deliberately broad: a delivery attempt reports, it does not crash the worker
        return done(None, f"unexpected error: {type(e).__name__}: {e}")
    finally:
        if own_session and session is not None:
            session.close()


# --- webhook delivery ---------------------------------------------------------------


def deliver(
    url: str,
    secret: str,
    event_type: str,
    delivery_id: str,
    body: bytes,
    *,
    timeout: float = 10.0,
    production: bool = False,
    session: requests.Session | None = None,
    now: datetime | float | None = None,
) -> Result:
    """POST one signed event to ``url``; ok on 2xx. Never raises.

    In production pass a session from :func:`guarded_session` (or none: one is made).
    """
    timestamp = int(_unix(now))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        EVENT_HEADER: event_type,
        DELIVERY_HEADER: delivery_id,
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }
    exchange = http_exchange(
        "POST", url, headers=headers, data=body, timeout=timeout, production=production, session=session
    )
    status = exchange.status
    error = exchange.error
    if error is None and status is not None and not 200 <= status < 300:
        if 300 <= status < 400:
            where = f" to {exchange.location}" if exchange.location else ""
            error = f"HTTP {status}: redirect{where} not followed"
        else:
            error = f"HTTP {status}"
    return Result(
        ok=error is None,
        status=status,
        error=error,
        elapsed_ms=exchange.elapsed_ms,
        response_excerpt=exchange.excerpt,
    )


def backoff(attempt: int, *, rng: random.Random | None = None) -> timedelta:
    """Delay before the next try after ``attempt`` consecutive failures (1 = the first failure)."""
    if attempt < 1:
        raise ValueError("attempt counts failures and starts at 1")
    base = RETRY_SCHEDULE[attempt - 1] if attempt <= len(RETRY_SCHEDULE) else MAX_BACKOFF
    factor = (rng or random).uniform(1 - BACKOFF_JITTER, 1 + BACKOFF_JITTER)
    return min(base * factor, MAX_BACKOFF)
