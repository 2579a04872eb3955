"""The local mail sink: mail that would be sent is written as .eml files under the data
directory (`var/mail-sink/`) and logged, so the all-in-one mode works with no SMTP
server and a person can read what was "sent". The notify service's real delivery
replaces it where SMTP is configured.

Three ways in and one way out:

- `deliver()` writes a message built here (the gateway's password links);
- `SmtpSink` is a real SMTP server that keeps whatever it is sent, so code that speaks
  SMTP (the notify service's pool) can be pointed at it unchanged;
- `messages()` lists the files, newest first, and `read()` summarises one for a viewer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import ssl
import threading
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import format_datetime, getaddresses, make_msgid
from pathlib import Path
from types import TracebackType
from typing import Any

log = logging.getLogger(__name__)

FOLDER = "mail-sink"

# The envelope recipients, written into each file the SMTP sink keeps: Bcc recipients
# appear nowhere else, and a viewer wants to show who the message actually went to.
RECIPIENTS_HEADER = "X-Relay-Sink-Recipients"


def deliver(data_dir: Path, to: str, subject: str, text: str, sender: str = "relay@localhost") -> Path:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = make_msgid(domain="relay.local")
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    folder = Path(data_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}.eml"
    path.write_bytes(bytes(msg))
    log.info("mail kept in the local sink", extra={"to": to, "subject": subject, "file": str(path)})
    return path


def messages(data_dir: Path, limit: int = 100) -> list[Path]:
    folder = Path(data_dir) / FOLDER
    if not folder.is_dir():
        return []
    return sorted(folder.glob("*.eml"), reverse=True)[:limit]


# --- the SMTP sink -------------------------------------------------------------------


class SmtpSink:
    """A real SMTP server on `host:port` that keeps every accepted message as a .eml file
    in `<data_dir>/mail-sink/`, beside the ones `deliver()` writes, so `messages()` and
    `read()` see both.

    The reply 250 is sent only once the file is on disk (written under a temporary name,
    fsynced, renamed, the folder fsynced): a client that got 250 may forget the message.
    Port 0 binds a free port; `.port` is the bound one after `start()`, and a restart of
    the same object binds that port again, so connected clients see a restarted server.

    AUTH is off unless `users` ({login: password}) is given, then required. STARTTLS is
    offered only with `tls_context` (a server-side context with a certificate loaded).
    """

    def __init__(
        self,
        data_dir: Path,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        tls_context: ssl.SSLContext | None = None,
        users: Mapping[str, str] | None = None,
        server_hostname: str = "relay-mail-sink",
        data_size_limit: int = 32 * 1024 * 1024,
    ) -> None:
        self.folder = Path(data_dir) / FOLDER
        self.host = host
        self._port = port
        self._tls_context = tls_context
        self._users = dict(users) if users is not None else None
        # A fixed name: aiosmtpd would otherwise ask the resolver for the FQDN at start.
        self._server_hostname = server_hostname
        self._data_size_limit = data_size_limit
        self._controller: Any = None
        self._lock = threading.Lock()
        self._last_stamp: datetime | None = None
        self._connections = 0

    @property
    def port(self) -> int:
        return self._port

    @property
    def running(self) -> bool:
        return self._controller is not None

    @property
    def connections(self) -> int:
        """Client connections accepted since the last `start()`: lets tests and the
        all-in-one's diagnostics see whether a client reuses its connections."""
        return self._connections

    def start(self) -> SmtpSink:
        if self._controller is not None:
            return self
        self.folder.mkdir(parents=True, exist_ok=True)
        # aiosmtpd logs every SMTP verb at INFO: a line per recipient would drown the log.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        kwargs: dict[str, Any] = {
            "server_hostname": self._server_hostname,
            "data_size_limit": self._data_size_limit,
            "enable_SMTPUTF8": True,
        }
        if self._tls_context is not None:
            kwargs["tls_context"] = self._tls_context
        if self._users is not None:
            kwargs["authenticator"] = _Authenticator(self._users)
            kwargs["auth_required"] = True
            # Plain-text AUTH is refused only where TLS is available to go first; a
            # local sink without TLS is for development, where that is the point.
            kwargs["auth_require_tls"] = self._tls_context is not None
        # A new controller each time: aiosmtpd closes its event loop on stop.
        controller = _controller_class()(_SinkHandler(self), hostname=self.host, port=self._port, **kwargs)
        controller.start()
        self._port = controller.port
        # start() made one connection of its own to wake the server: not a client's.
        self._connections = 0
        self._controller = controller
        log.info("SMTP mail sink listening", extra={"host": self.host, "port": self._port, "folder": str(self.folder)})
        return self

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is None:
            return
        controller.stop()
        log.info("SMTP mail sink stopped", extra={"port": self._port})

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _counted(self) -> None:
        with self._lock:
            self._connections += 1

    def _name(self) -> str:
        # Microseconds and a guard against a clock standing still or stepping back, so
        # that names sort in arrival order and messages() is newest first even for mail
        # that came in the same second.
        with self._lock:
            now = datetime.now(UTC)
            if self._last_stamp is not None and now <= self._last_stamp:
                now = self._last_stamp + timedelta(microseconds=1)
            self._last_stamp = now
        return f"{now:%Y%m%dT%H%M%S}.{now:%f}-{uuid.uuid4().hex[:8]}.eml"

    def _store(self, recipients: list[str], content: bytes) -> Path:
        # SMTP data lines always end in CRLF; the added header matches them. A recipient
        # cannot carry a line break into the header (the command parser splits on CRLF,
        # but a bare CR or LF would otherwise start a header of its own).
        clean = [r.replace("\r", "").replace("\n", "") for r in recipients]
        header = f"{RECIPIENTS_HEADER}: " + ",\r\n ".join(clean) + "\r\n"
        data = header.encode("utf-8") + content
        self.folder.mkdir(parents=True, exist_ok=True)
        name = self._name()
        path = self.folder / name
        tmp = self.folder / f".{name}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        # The rename is durable only once the folder's entry is on disk too.
        dir_fd = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        return path


class _SinkHandler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        recipients = list(envelope.rcpt_tos)
        loop = asyncio.get_running_loop()
        try:
            # In a worker thread: an fsync must not hold up the other sessions.
            path = await loop.run_in_executor(None, self.sink._store, recipients, envelope.original_content)
        except Exception:
            log.exception("the mail sink could not store a message")
            return "451 4.3.0 Could not store the message, try again later"
        log.info(
            "mail kept in the local sink",
            extra={"mail_from": envelope.mail_from, "to": recipients, "file": str(path)},
        )
        return "250 2.0.0 Message accepted"


class _Authenticator:
    def __init__(self, users: Mapping[str, str]) -> None:
        self.users = users

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        if isinstance(auth_data, LoginPassword):
            login = auth_data.login.decode("utf-8", "replace")
            password = auth_data.password.decode("utf-8", "replace")
            if login in self.users and self.users[login] == password:
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


_CONTROLLER: Any = None


def _controller_class() -> Any:
    """aiosmtpd's threaded Controller, taught to bind port 0 and count connections.

    Imported on first use: only the all-in-one and tests run a sink, and the kit does
    not make every service install aiosmtpd."""
    global _CONTROLLER
    if _CONTROLLER is not None:
        return _CONTROLLER
    from aiosmtpd.controller import Controller

    class SinkController(Controller):  # type: ignore[misc]
        def _create_server(self) -> Any:
            # Controller connects to self.port once bound to wake the server up, so the
            # port the system chose for 0 must be known before that.
            async def create() -> asyncio.AbstractServer:
                server = await self.loop.create_server(
                    self._factory_invoker, host=self.hostname, port=self.port, ssl=self.ssl_context
                )
                self.port = server.sockets[0].getsockname()[1]
                return server

            return create()

        def factory(self) -> Any:
            self.handler.sink._counted()
            return super().factory()

    _CONTROLLER = SinkController
    return _CONTROLLER


# --- reading a kept message ----------------------------------------------------------


def read(path: Path | str) -> dict[str, Any]:
    """A summary of one .eml file for a viewer.

    Keys: file, message_id, from, to, cc, recipients, subject, date, headers
    [(name, value)], text, html (as written: the viewer sanitises it), attachments
    (names) and defects (what the parser found wrong). `recipients` are the envelope
    recipients the SMTP sink recorded, else the To, Cc and Bcc addresses.

    Never raises on a malformed file: what cannot be parsed is shown as raw text. Only
    an unreadable file (missing, no permission) raises OSError.
    """
    path = Path(path)
    raw = path.read_bytes()
    summary: dict[str, Any] = {
        "file": path.name,
        "message_id": None,
        "from": None,
        "to": [],
        "cc": [],
        "recipients": [],
        "subject": None,
        "date": None,
        "headers": [],
        "text": None,
        "html": None,
        "attachments": [],
        "defects": [],
    }
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as error:  # the parser is lenient; this is the last resort
        summary["text"] = raw.decode("utf-8", "replace")
        summary["defects"].append(f"unparsable: {error!r}")
        return summary
    try:
        _fill_headers(msg, summary)
    except Exception as error:
        summary["defects"].append(f"headers: {error!r}")
    try:
        body: dict[str, Any] = {"text": [], "html": None, "attachments": []}
        _walk(msg, body, 0)
        summary["text"] = "\n".join(body["text"]) if body["text"] else None
        summary["html"] = body["html"]
        summary["attachments"] = body["attachments"]
    except Exception as error:
        summary["text"] = _raw_body(raw)
        summary["defects"].append(f"body: {error!r}")
    with contextlib.suppress(Exception):
        summary["defects"].extend(_defects(msg))
    return summary


def _unescape(value: str) -> str:
    """8-bit bytes in a header, which the parser keeps as surrogates, as text: UTF-8
    (RFC 6532, what SMTPUTF8 mail carries), else Latin-1 (older mailers' raw 8-bit)."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    data = value.encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _header_text(name: str, value: str) -> str:
    try:
        return str(policy.default.header_fetch_parse(name, value))
    except Exception:
        # Unparsable structured header: the raw value as it stands, unfolded.
        return "".join(value.splitlines())


def _addresses(name: str, value: str) -> list[str]:
    try:
        header = policy.default.header_fetch_parse(name, value)
        return [str(a) for a in header.addresses]
    except Exception:
        return [f"{n} <{a}>" if n else a for n, a in getaddresses([_header_text(name, value)]) if a]


def _addr_specs(name: str, value: str) -> list[str]:
    try:
        header = policy.default.header_fetch_parse(name, value)
        return [a.addr_spec for a in header.addresses]
    except Exception:
        return [a for _, a in getaddresses([_header_text(name, value)]) if a]


def _fill_headers(msg: Message, summary: dict[str, Any]) -> None:
    # raw_items(): the values as found, each parsed on its own, so one broken header
    # costs only itself.
    first: dict[str, tuple[str, str]] = {}
    bcc: list[str] = []
    envelope: list[str] | None = None
    for name, raw_value in msg.raw_items():
        value = _unescape(raw_value)
        text = _header_text(name, value)
        summary["headers"].append((name, text))
        key = name.lower()
        first.setdefault(key, (name, value))
        if key == "to":
            summary["to"].extend(_addresses(name, value))
        elif key == "cc":
            summary["cc"].extend(_addresses(name, value))
        elif key == "bcc":
            bcc.extend(_addr_specs(name, value))
        elif key == RECIPIENTS_HEADER.lower() and envelope is None:
            envelope = [r.strip() for r in text.split(",") if r.strip()]
    for key, field in (("message-id", "message_id"), ("from", "from"), ("subject", "subject"), ("date", "date")):
        if key in first:
            summary[field] = _header_text(*first[key])
    if envelope is None:
        # Not through SMTP (deliver() writes no envelope): the addressed recipients.
        envelope = [a for key in ("to", "cc") for a in _addr_specs_all(msg, key)] + bcc
    summary["recipients"] = envelope


def _addr_specs_all(msg: Message, key: str) -> list[str]:
    return [a for name, value in msg.raw_items() if name.lower() == key for a in _addr_specs(name, _unescape(value))]


def _walk(part: Message, body: dict[str, Any], depth: int) -> None:
    # By hand rather than get_body()/iter_attachments(): those give up on odd
    # structures, and a viewer should still show whatever text there is.
    if depth > 30:
        return
    ctype = part.get_content_type()
    if ctype == "message/rfc822" or (part.get_content_maintype() == "message" and depth > 0):
        body["attachments"].append(_attachment_name(part, ctype))
        return
    if part.is_multipart():
        payload = part.get_payload()
        if isinstance(payload, list):
            for sub in payload:
                if isinstance(sub, Message):
                    _walk(sub, body, depth + 1)
        return
    if part.get_content_maintype() == "multipart":
        # The boundary was never found: the parser left the whole body as one text.
        body["text"].append(_content(part).replace("\r\n", "\n"))
        return
    disposition = part.get_content_disposition()
    filename = _filename(part)
    if disposition == "attachment":
        body["attachments"].append(filename or _attachment_name(part, ctype))
    elif ctype == "text/plain" and not filename:
        body["text"].append(_content(part).replace("\r\n", "\n"))
    elif ctype == "text/html" and not filename and body["html"] is None:
        body["html"] = _content(part)
    elif filename or part.get_content_maintype() != "text":
        body["attachments"].append(filename or _attachment_name(part, ctype))


def _filename(part: Message) -> str | None:
    try:
        return part.get_filename()
    except Exception:
        return None


def _attachment_name(part: Message, ctype: str) -> str:
    name = _filename(part)
    if name:
        return name
    if ctype == "message/rfc822":
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            try:
                subject = inner[0].get("Subject")
                if subject:
                    return f"{subject}.eml"
            except Exception:
                pass
        return "message.eml"
    return f"(unnamed {ctype})"


def _content(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
        if isinstance(content, str):
            return content
    except Exception:
        pass
    # An unknown charset or a broken transfer encoding: the bytes as UTF-8, or as
    # they stand.
    try:
        data = part.get_payload(decode=True)
        if isinstance(data, bytes):
            charset = part.get_content_charset() or "utf-8"
            try:
                return data.decode(charset, "replace")
            except LookupError:
                return data.decode("utf-8", "replace")
    except Exception:
        pass
    payload = part.get_payload()
    return payload if isinstance(payload, str) else ""


def _raw_body(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace").replace("\r\n", "\n")
    _head, sep, rest = text.partition("\n\n")
    return rest if sep else text


def _defects(msg: Message) -> list[str]:
    found: list[str] = []
    for part in msg.walk():
        for defect in getattr(part, "defects", []):
            found.append(type(defect).__name__)
    return found
