"""Outgoing mail over SMTP, through a small pool of open connections.

Opening an SMTP connection costs a TCP handshake, a greeting, EHLO, often a TLS
handshake and AUTH: several round trips before the first message. A burst of
notifications (one ticket event, many watchers) goes much faster over a few connections
kept open, so `SmtpPool` keeps up to `pool_size` of them and hands one to each send.

Every outcome comes back as a `SendResult`, never as an exception, sorted the way the
caller's retry policy needs it: `permanent` (a 5xx answer about this message: retrying
cannot help) or temporary (4xx, timeouts, refused or dropped connections, TLS or AUTH
trouble: worth another try later).
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import Message
from email.utils import format_datetime, formataddr, make_msgid
from types import TracebackType
from typing import Any, Literal

log = logging.getLogger(__name__)

Security = Literal["none", "starttls", "tls"]
_SECURITY = ("none", "starttls", "tls")


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: Security
    username: str | None
    # Kept out of repr: configs end up in logs and error reports.
    password: str | None = field(repr=False)
    from_address: str
    from_name: str
    timeout: float = 20
    pool_size: int = 4
    helo: str | None = None

    def __post_init__(self) -> None:
        if self.security not in _SECURITY:
            raise ValueError(f"security must be one of {_SECURITY}, not {self.security!r}")
        if self.pool_size < 1:
            raise ValueError("pool_size must be at least 1")
        if self.timeout <= 0:
            raise ValueError("timeout must be positive")


@dataclass(frozen=True)
class SendResult:
    ok: bool
    permanent: bool
    code: int | None
    error: str | None
    # Recipients the server refused, {address: (code, reply)}: filled on partial
    # success (ok=True) and when every recipient was refused.
    refused: dict[str, tuple[int, str]] = field(default_factory=dict)


def _temporary(error: str, code: int | None = None, refused: dict[str, tuple[int, str]] | None = None) -> SendResult:
    return SendResult(ok=False, permanent=False, code=code, error=error, refused=refused or {})


def _is_permanent(code: int | None) -> bool:
    return code is not None and 500 <= code < 600


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


class _Tracking:
    """Marks the moment DATA begins on a connection. A connection that drops before it
    cannot have delivered the message, so the send is safe to repeat; one that drops
    after may have (the server can have queued it just before the reply was lost), and
    repeating it could deliver twice."""

    relay_data_started = False
    relay_data_reply: tuple[int, bytes] | None = None

    def data(self, msg: Any) -> tuple[int, bytes]:
        self.relay_data_started = True
        reply = super().data(msg)  # type: ignore[misc]
        self.relay_data_reply = reply
        return reply


class _SMTP(_Tracking, smtplib.SMTP):
    pass


class _SMTPSSL(_Tracking, smtplib.SMTP_SSL):
    pass


class _Conn:
    __slots__ = ("last_used", "reused", "smtp")

    def __init__(self, smtp: smtplib.SMTP) -> None:
        self.smtp = smtp
        self.last_used = time.monotonic()
        self.reused = False


class SmtpPool:
    """Up to `config.pool_size` open SMTP connections shared by threads.

    A connection is used by one send at a time and put back after. Before reuse, one
    idle longer than `max_idle` seconds is closed (servers drop idle clients, commonly
    after a minute or five), and one idle longer than `check_after` seconds must answer
    NOOP. A connection found dropped during a send is discarded and the send repeated
    once on a fresh one, but only when the drop came before DATA (so the message cannot
    arrive twice) and never when the server answered with a code.

    `ssl_context` verifies the server for STARTTLS and implicit TLS; the default is the
    system's trust store with host name checking.
    """

    max_idle: float = 60.0
    check_after: float = 5.0

    def __init__(self, config: SmtpConfig, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self.config = config
        self._ssl_context = ssl_context
        self._slots = threading.BoundedSemaphore(config.pool_size)
        self._lock = threading.Lock()
        self._idle: list[_Conn] = []
        self._closed = False
        self._local_name: str | None = config.helo
        self.opened = 0  # connections opened over the pool's life: for metrics and tests

    # --- public -----------------------------------------------------------------------

    def send(self, msg: Message, recipients: list[str]) -> SendResult:
        """Send `msg` to the envelope `recipients` (Bcc headers are not sent).

        Fills From (from the config), Date and Message-ID on `msg` when they are
        missing. The envelope sender is `config.from_address`. Never raises."""
        try:
            return self._send(msg, recipients)
        except Exception as error:  # the contract is a result, whatever went wrong
            log.exception("unexpected failure sending mail")
            return _temporary(f"unexpected error: {error!r}")

    def test_connection(self) -> SendResult:
        """Connect, EHLO, STARTTLS and AUTH as configured, NOOP, QUIT: for a settings
        page's "test" button. Uses a connection of its own, outside the pool."""
        try:
            smtp = self._open()
        except Exception as error:
            return self._setup_failure(error)
        try:
            code, reply = smtp.noop()
            if code != 250:
                return SendResult(False, _is_permanent(code), code, f"NOOP answered {code} {_text(reply)}")
            return SendResult(True, False, code, None)
        except Exception as error:
            return self._setup_failure(error)
        finally:
            self._quit(smtp)

    def close(self) -> None:
        """Close every idle connection now and those in use as their sends finish;
        later sends fail (temporarily) with "pool closed"."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            self._quit(conn.smtp)

    def __enter__(self) -> SmtpPool:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- sending ----------------------------------------------------------------------

    def _send(self, msg: Message, recipients: list[str]) -> SendResult:
        rcpts = list(dict.fromkeys(r.strip() for r in recipients if r and r.strip()))
        if not rcpts:
            return SendResult(False, True, None, "no recipients")
        if self._closed:
            return _temporary("pool closed")
        self._complete(msg)
        # Bounded: a send holding a slot finishes within a few socket timeouts.
        if not self._slots.acquire(timeout=self.config.timeout * 3):
            return _temporary("all SMTP connections busy")
        try:
            fresh = False
            while True:
                conn, failure = self._checkout(fresh)
                if conn is None:
                    assert failure is not None
                    return failure
                result, keep, dropped = self._attempt(conn, msg, rcpts)
                if keep:
                    self._checkin(conn)
                else:
                    self._discard(conn.smtp)
                if dropped and not fresh:
                    if conn.reused:
                        # A server that dropped one pooled connection (restart, idle
                        # timeout) has most likely dropped the others too.
                        self._flush_idle()
                    log.info("SMTP connection dropped before DATA; sending again on a fresh one")
                    fresh = True
                    continue
                return result
        finally:
            self._slots.release()

    def _attempt(self, conn: _Conn, msg: Message, rcpts: list[str]) -> tuple[SendResult, bool, bool]:
        """One try on one connection: (result, keep the connection, dropped before DATA)."""
        smtp = conn.smtp
        smtp.relay_data_started = False  # type: ignore[attr-defined]
        smtp.relay_data_reply = None  # type: ignore[attr-defined]
        try:
            refused = smtp.send_message(msg, from_addr=self.config.from_address, to_addrs=rcpts)
        except smtplib.SMTPRecipientsRefused as error:
            refused = {addr: (code, _text(reply)) for addr, (code, reply) in error.recipients.items()}
            codes = [code for code, _ in refused.values()]
            permanent = bool(codes) and all(_is_permanent(c) for c in codes)
            code = codes[0] if codes else None
            # smtplib sent RSET after the refusals: the connection is clean unless the
            # server is closing it (421).
            result = SendResult(False, permanent, code, "all recipients refused", refused)
            return result, 421 not in codes, False
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as error:
            what = "sender refused" if isinstance(error, smtplib.SMTPSenderRefused) else "message refused"
            code = error.smtp_code
            # 530 "authentication required": the settings lack a login, which is not
            # the message's fault (as with a refused login, see _setup_failure).
            permanent = _is_permanent(code) and code != 530
            result = SendResult(False, permanent, code, f"{what}: {code} {_text(error.smtp_error)}")
            return result, code != 421, False
        except smtplib.SMTPServerDisconnected as error:
            if isinstance(error.__context__, TimeoutError):
                # A slow server, not a dead connection: repeating would double the wait
                # and might deliver twice.
                return _temporary(f"timed out: {error}"), False, False
            before_data = not smtp.relay_data_started  # type: ignore[attr-defined]
            stage = "before" if before_data else "during or after"
            return _temporary(f"connection dropped {stage} DATA: {error}"), False, before_data
        except smtplib.SMTPNotSupportedError as error:
            # Non-ASCII addresses to a server without SMTPUTF8: this message cannot go
            # through this server. Raised before any command, so the connection is fine.
            return SendResult(False, True, None, f"not supported by the server: {error}"), True, False
        except smtplib.SMTPResponseException as error:
            code = error.smtp_code
            return _temporary(f"{code} {_text(error.smtp_error)}", code), False, False
        except TimeoutError as error:
            return _temporary(f"timed out: {error}"), False, False
        except ValueError as error:
            # send_message() refuses a message it cannot work out (several Resent-
            # blocks, say) before talking to the server.
            return SendResult(False, True, None, f"message cannot be sent: {error}"), True, False
        except (smtplib.SMTPException, OSError) as error:
            return _temporary(f"{type(error).__name__}: {error}"), False, False
        reply = smtp.relay_data_reply  # type: ignore[attr-defined]
        code = reply[0] if reply else 250
        partial = {addr: (c, _text(r)) for addr, (c, r) in refused.items()}
        if partial:
            log.info("some recipients refused", extra={"refused": sorted(partial)})
        return SendResult(True, False, code, None, partial), True, False

    def _complete(self, msg: Message) -> None:
        cfg = self.config
        if msg.get("From") is None:
            try:
                msg["From"] = Address(display_name=cfg.from_name, addr_spec=cfg.from_address)
            except Exception:
                msg["From"] = formataddr((cfg.from_name, cfg.from_address))
        if msg.get("Date") is None:
            msg["Date"] = format_datetime(datetime.now(UTC))
        if msg.get("Message-ID") is None:
            domain = cfg.from_address.rpartition("@")[2] or None
            msg["Message-ID"] = make_msgid(domain=domain)

    # --- connections ------------------------------------------------------------------

    def _checkout(self, fresh: bool) -> tuple[_Conn | None, SendResult | None]:
        if not fresh:
            while True:
                now = time.monotonic()
                with self._lock:
                    # Expired ones are dropped from the whole list, not just the one
                    # taken, so an idle pool does not hold sockets the server has closed.
                    expired = [c for c in self._idle if now - c.last_used > self.max_idle]
                    self._idle = [c for c in self._idle if now - c.last_used <= self.max_idle]
                    # The most recently used: the least likely to have gone stale, and
                    # the rest age out when the load falls.
                    conn = self._idle.pop() if self._idle else None
                for old in expired:
                    self._quit(old.smtp)
                if conn is None:
                    break
                if now - conn.last_used > self.check_after and not self._alive(conn.smtp):
                    self._discard(conn.smtp)
                    continue
                conn.reused = True
                return conn, None
        try:
            smtp = self._open()
        except Exception as error:
            return None, self._setup_failure(error)
        return _Conn(smtp), None

    def _checkin(self, conn: _Conn) -> None:
        conn.last_used = time.monotonic()
        with self._lock:
            if not self._closed:
                self._idle.append(conn)
                return
        self._quit(conn.smtp)

    def _flush_idle(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            self._discard(conn.smtp)

    def _alive(self, smtp: smtplib.SMTP) -> bool:
        try:
            code, _ = smtp.noop()
        except (smtplib.SMTPException, OSError):
            return False
        return code == 250

    def _context(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            self._ssl_context = ssl.create_default_context()
        return self._ssl_context

    def _open(self) -> smtplib.SMTP:
        cfg = self.config
        if self._local_name is None:
            # Once: smtplib would ask the resolver for it on every connection.
            self._local_name = socket.getfqdn()
        # The host goes to the constructor, which connects: smtplib takes the name the
        # certificate is checked against (implicit TLS and STARTTLS) from there only.
        smtp: smtplib.SMTP
        if cfg.security == "tls":
            smtp = _SMTPSSL(
                cfg.host, cfg.port, local_hostname=self._local_name, timeout=cfg.timeout, context=self._context()
            )
        else:
            smtp = _SMTP(cfg.host, cfg.port, local_hostname=self._local_name, timeout=cfg.timeout)
        try:
            smtp.ehlo_or_helo_if_needed()
            if cfg.security == "starttls":
                smtp.starttls(context=self._context())
                smtp.ehlo_or_helo_if_needed()
            if cfg.username:
                smtp.login(cfg.username, cfg.password or "")
        except BaseException:
            self._discard(smtp)
            raise
        with self._lock:
            self.opened += 1
        return smtp

    def _setup_failure(self, error: BaseException) -> SendResult:
        """Failures to connect, greet, start TLS or log in: all temporary. A refused
        login (535) is a 5xx, but the fault is in the settings, not the message, which
        should go once the password is put right."""
        where = f"{self.config.host}:{self.config.port}"
        if isinstance(error, smtplib.SMTPAuthenticationError):
            result = _temporary(f"authentication failed: {error.smtp_code} {_text(error.smtp_error)}", error.smtp_code)
        elif isinstance(error, smtplib.SMTPResponseException):
            result = _temporary(f"{where} answered {error.smtp_code} {_text(error.smtp_error)}", error.smtp_code)
        elif isinstance(error, smtplib.SMTPNotSupportedError):
            result = _temporary(f"{where}: {error}")
        elif isinstance(error, ConnectionRefusedError):
            result = _temporary(f"connection refused by {where}")
        elif isinstance(error, socket.gaierror):
            result = _temporary(f"cannot resolve {self.config.host}: {error}")
        elif isinstance(error, TimeoutError) or isinstance(error.__context__, TimeoutError):
            result = _temporary(f"timed out talking to {where}")
        elif isinstance(error, ssl.SSLError):
            result = _temporary(f"TLS with {where} failed: {error}")
        elif isinstance(error, smtplib.SMTPServerDisconnected):
            result = _temporary(f"{where} closed the connection: {error}")
        else:
            result = _temporary(f"cannot connect to {where}: {type(error).__name__}: {error}")
        log.warning(
            "SMTP connection failed", extra={"host": self.config.host, "port": self.config.port, "error": result.error}
        )
        return result

    def _quit(self, smtp: smtplib.SMTP) -> None:
        # Politely, but briefly: a server that has gone quiet must not hold up close().
        try:
            if smtp.sock is not None:
                smtp.sock.settimeout(min(self.config.timeout, 5.0))
            smtp.quit()
        except Exception:
            self._discard(smtp)

    @staticmethod
    def _discard(smtp: smtplib.SMTP) -> None:
        with contextlib.suppress(Exception):
            smtp.close()
