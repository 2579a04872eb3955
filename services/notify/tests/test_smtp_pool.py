"""The notify service's SMTP pool against real SMTP servers: the kit's SmtpSink for mail
that goes through, and small aiosmtpd handlers that refuse, defer or hang up."""

from __future__ import annotations

import asyncio
import logging
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from relay_notify.adapters.smtp import SendResult, SmtpConfig, SmtpPool
from relaykit.mail_sink import SmtpSink, messages, read

# --- servers ---------------------------------------------------------------------------


class Server:
    """An aiosmtpd server on a free port (or the one it had, on restart) that counts the
    connections clients open to it."""

    def __init__(self, handler: Any, **kwargs: Any) -> None:
        self.handler = handler
        self.kwargs = kwargs
        self.port = 0
        self.connections = 0
        self._controller: Any = None

    def start(self) -> Server:
        outer = self

        class CountingController(Controller):
            def _create_server(self) -> Any:
                # Controller itself cannot bind port 0: it needs the port to wake up.
                async def create() -> asyncio.AbstractServer:
                    server = await self.loop.create_server(
                        self._factory_invoker, host=self.hostname, port=self.port, ssl=self.ssl_context
                    )
                    self.port = server.sockets[0].getsockname()[1]
                    return server

                return create()

            def factory(self) -> Any:
                outer.connections += 1
                return super().factory()

        self._controller = CountingController(
            self.handler, hostname="127.0.0.1", port=self.port, server_hostname="tests.server", **self.kwargs
        )
        self._controller.start()
        self.port = self._controller.port
        self.connections = 0  # not the controller's own wake-up connection
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


class Recording:
    """Accepts everything, remembering envelopes; subclasses refuse or hang up."""

    def __init__(self) -> None:
        self.mails: list[tuple[str, list[str], bytes]] = []
        self.mail_commands = 0
        self.tls_sessions = 0

    async def handle_MAIL(self, server, session, envelope, address, options):
        self.mail_commands += 1
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.mails.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        if session.ssl is not None:
            self.tls_sessions += 1
        return "250 2.0.0 Queued"


class RefusesSome(Recording):
    def __init__(self, code: str, *bad: str) -> None:
        super().__init__()
        self.code = code
        self.bad = set(bad)

    async def handle_RCPT(self, server, session, envelope, address, options):
        if address in self.bad:
            return f"{self.code} <{address}>: no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"


class AnswersData(Recording):
    def __init__(self, reply: str) -> None:
        super().__init__()
        self.reply = reply

    async def handle_DATA(self, server, session, envelope):
        await super().handle_DATA(server, session, envelope)
        return self.reply


class RefusesSender(Recording):
    def __init__(self, reply: str) -> None:
        super().__init__()
        self.reply = reply

    async def handle_MAIL(self, server, session, envelope, address, options):
        self.mail_commands += 1
        return self.reply


class HangsUpAtMail(Recording):
    """Closes the connection instead of answering MAIL, the first `times` times."""

    def __init__(self, times: int) -> None:
        super().__init__()
        self.times = times

    async def handle_MAIL(self, server, session, envelope, address, options):
        if self.mail_commands < self.times:
            self.mail_commands += 1
            server.transport.close()
            return "421 going away"  # lost: the transport is already closed
        return await super().handle_MAIL(server, session, envelope, address, options)


class HangsUpAfterData(Recording):
    async def handle_DATA(self, server, session, envelope):
        await super().handle_DATA(server, session, envelope)
        server.transport.close()
        return "250 never heard"


class Users:
    def __init__(self, **users: str) -> None:
        self.users = users

    def __call__(self, server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            login, password = auth_data.login.decode(), auth_data.password.decode()
            if self.users.get(login) == password:
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


@pytest.fixture
def serve(servers):
    def start(handler: Any, **kwargs: Any) -> Server:
        server = Server(handler, **kwargs).start()
        servers.append(server)
        return server

    return start


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[SmtpSink]:
    with SmtpSink(tmp_path) as running:
        yield running


@pytest.fixture
def pools() -> Iterator[list[SmtpPool]]:
    made: list[SmtpPool] = []
    yield made
    for pool in made:
        pool.close()


@pytest.fixture
def make_pool(pools):
    def make(port: int, *, ssl_context: ssl.SSLContext | None = None, **overrides: Any) -> SmtpPool:
        pool = SmtpPool(config(port, **overrides), ssl_context=ssl_context)
        pools.append(pool)
        return pool

    return make


def config(port: int, **overrides: Any) -> SmtpConfig:
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "username": None,
        "password": None,
        "from_address": "relay@example.com",
        "from_name": "Relay Desk",
        "timeout": 5,
        "pool_size": 2,
        "helo": "tests.client",
    }
    values.update(overrides)
    return SmtpConfig(**values)


def message(subject: str = "Ticket #7 updated", to: str = "anna@example.com") -> EmailMessage:
    msg = EmailMessage()
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(f"{subject}\n")
    return msg


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- the happy path --------------------------------------------------------------------


def test_a_message_goes_through_with_from_date_and_id_filled(sink, tmp_path, make_pool):
    pool = make_pool(sink.port)
    msg = message()
    msg["Bcc"] = "hidden@example.com"
    result = pool.send(msg, ["anna@example.com", "hidden@example.com"])
    assert result == SendResult(ok=True, permanent=False, code=250, error=None, refused={})

    [path] = messages(tmp_path)
    summary = read(path)
    assert summary["from"] == "Relay Desk <relay@example.com>"
    assert summary["date"]
    assert summary["message_id"].endswith("@example.com>")
    assert summary["recipients"] == ["anna@example.com", "hidden@example.com"]
    # Bcc travels in the envelope only.
    assert "Bcc" not in {name for name, _ in summary["headers"]}
    assert summary["subject"] == "Ticket #7 updated"


def test_non_ascii_recipient_and_subject_go_with_smtputf8(sink, tmp_path, make_pool):
    pool = make_pool(sink.port)
    to = "jörg@例子.test"
    result = pool.send(message("Grüße, 世界", to=to), [to])
    assert result.ok, result
    summary = read(messages(tmp_path)[0])
    assert summary["recipients"] == [to]
    assert summary["subject"] == "Grüße, 世界"


def test_connections_are_reused(sink, tmp_path, make_pool):
    pool = make_pool(sink.port, pool_size=2)
    results = [pool.send(message(f"n{n}"), ["anna@example.com"]) for n in range(50)]
    assert all(r.ok for r in results)
    assert len(messages(tmp_path)) == 50
    assert sink.connections <= 2
    assert pool.opened == sink.connections


def test_eight_threads_share_two_connections(sink, tmp_path, make_pool):
    pool = make_pool(sink.port, pool_size=2)
    results: list[SendResult] = []
    lock = threading.Lock()

    def worker(t: int) -> None:
        for n in range(6):
            result = pool.send(message(f"t{t} n{n}"), [f"user{t}@example.com"])
            with lock:
                results.append(result)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(results) == 48
    assert all(r.ok for r in results), [r for r in results if not r.ok]
    subjects = {read(p)["subject"] for p in messages(tmp_path)}
    assert subjects == {f"t{t} n{n}" for t in range(8) for n in range(6)}
    assert 1 <= sink.connections <= 2


def test_idle_connections_are_replaced(sink, make_pool):
    pool = make_pool(sink.port)
    pool.max_idle = 0  # every pooled connection counts as idle too long
    for n in range(3):
        assert pool.send(message(f"n{n}"), ["anna@example.com"]).ok
    assert sink.connections == 3


# --- dropped connections ---------------------------------------------------------------


def test_a_server_restart_is_survived_and_the_message_sent_once(sink, tmp_path, make_pool, caplog):
    caplog.set_level(logging.INFO, logger="relay_notify.adapters.smtp")
    pool = make_pool(sink.port)
    assert pool.send(message("before"), ["anna@example.com"]).ok
    sink.stop()
    sink.start()  # same port; the pooled connection died with the old server
    result = pool.send(message("after"), ["anna@example.com"])
    assert result.ok, result
    assert [read(p)["subject"] for p in messages(tmp_path)] == ["after", "before"]
    assert pool.opened == 2
    assert sink.connections == 1
    # Found out by the send itself (reused within check_after: no NOOP first).
    assert "dropped before DATA" in caplog.text


def test_a_dead_idle_connection_fails_noop_and_is_replaced(sink, tmp_path, make_pool, caplog):
    caplog.set_level(logging.INFO, logger="relay_notify.adapters.smtp")
    pool = make_pool(sink.port)
    pool.check_after = 0  # NOOP before every reuse
    assert pool.send(message("before"), ["anna@example.com"]).ok
    sink.stop()
    sink.start()
    assert pool.send(message("after"), ["anna@example.com"]).ok
    assert len(messages(tmp_path)) == 2
    assert pool.opened == 2
    assert "dropped" not in caplog.text  # NOOP found it before any send was tried


def test_a_drop_before_data_is_retried_once_on_a_fresh_connection(serve, make_pool):
    server = serve(HangsUpAtMail(times=1))
    result = make_pool(server.port).send(message(), ["anna@example.com"])
    assert result.ok, result
    assert server.handler.mail_commands == 2
    assert len(server.handler.mails) == 1
    assert server.connections == 2


def test_a_drop_before_data_is_retried_only_once(serve, make_pool):
    server = serve(HangsUpAtMail(times=10))
    result = make_pool(server.port).send(message(), ["anna@example.com"])
    assert not result.ok
    assert not result.permanent
    assert "dropped" in result.error
    assert server.handler.mail_commands == 2


def test_a_drop_after_data_is_not_retried(serve, make_pool):
    # The server may have kept the message: sending again could deliver it twice.
    server = serve(HangsUpAfterData())
    result = make_pool(server.port).send(message(), ["anna@example.com"])
    assert (result.ok, result.permanent) == (False, False)
    assert len(server.handler.mails) == 1


# --- refusals --------------------------------------------------------------------------


def test_550_for_the_only_recipient_is_permanent(serve, make_pool):
    server = serve(RefusesSome("550 5.1.1", "nobody@example.com"))
    pool = make_pool(server.port)
    result = pool.send(message(), ["nobody@example.com"])
    assert (result.ok, result.permanent, result.code) == (False, True, 550)
    assert result.refused == {"nobody@example.com": (550, "5.1.1 <nobody@example.com>: no such user")}
    # The server answered: the connection is still good and is reused.
    assert pool.send(message(), ["anna@example.com"]).ok
    assert server.connections == 1


def test_some_recipients_refused_is_a_success_with_the_refusals(serve, make_pool):
    server = serve(RefusesSome("550 5.1.1", "nobody@example.com"))
    result = make_pool(server.port).send(message(), ["anna@example.com", "nobody@example.com", "boris@example.com"])
    assert result.ok
    assert set(result.refused) == {"nobody@example.com"}
    assert result.refused["nobody@example.com"][0] == 550
    assert server.handler.mails[0][1] == ["anna@example.com", "boris@example.com"]


def test_all_refused_with_a_4xx_among_them_is_temporary(serve, make_pool):
    server = serve(RefusesSome("450 4.2.1", "busy@example.com"))
    result = make_pool(server.port).send(message(), ["busy@example.com"])
    assert (result.ok, result.permanent, result.code) == (False, False, 450)


def test_451_at_data_is_temporary(serve, make_pool):
    server = serve(AnswersData("451 4.3.0 Try again later"))
    pool = make_pool(server.port)
    result = pool.send(message(), ["anna@example.com"])
    assert (result.ok, result.permanent, result.code) == (False, False, 451)
    assert "Try again later" in result.error
    # Answered with a code: not repeated.
    assert len(server.handler.mails) == 1


def test_554_at_data_is_permanent(serve, make_pool):
    server = serve(AnswersData("554 5.6.0 Message rejected"))
    result = make_pool(server.port).send(message(), ["anna@example.com"])
    assert (result.ok, result.permanent, result.code) == (False, True, 554)


def test_sender_refused(serve, make_pool):
    permanent = serve(RefusesSender("553 5.7.1 Sender not allowed"))
    result = make_pool(permanent.port).send(message(), ["anna@example.com"])
    assert (result.ok, result.permanent, result.code) == (False, True, 553)
    assert permanent.handler.mail_commands == 1
    temporary = serve(RefusesSender("451 4.7.1 Greylisted"))
    result = make_pool(temporary.port).send(message(), ["anna@example.com"])
    assert (result.ok, result.permanent, result.code) == (False, False, 451)


# --- unreachable servers ---------------------------------------------------------------


def test_a_closed_port_is_a_temporary_failure(make_pool):
    pool = make_pool(free_port())
    result = pool.send(message(), ["anna@example.com"])
    assert (result.ok, result.permanent, result.code) == (False, False, None)
    assert "refused" in result.error
    assert not pool.test_connection().ok


def test_a_server_that_never_greets_times_out(make_pool):
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        pool = make_pool(silent.getsockname()[1], timeout=0.5)
        result = pool.send(message(), ["anna@example.com"])
    assert (result.ok, result.permanent) == (False, False)
    assert "timed out" in result.error


def test_send_never_raises(sink, make_pool):
    pool = make_pool(sink.port)
    assert pool.send(message(), []) == SendResult(False, True, None, "no recipients")
    broken = pool.send(object(), ["anna@example.com"])  # type: ignore[arg-type]
    assert not broken.ok
    pool.close()
    closed = pool.send(message(), ["anna@example.com"])
    assert (closed.ok, closed.permanent, closed.error) == (False, False, "pool closed")


def test_close_closes_the_idle_connections(sink, make_pool):
    pool = make_pool(sink.port)
    assert pool.send(message(), ["anna@example.com"]).ok
    [conn] = pool._idle
    pool.close()
    assert pool._idle == []
    assert conn.smtp.sock is None


def test_config_is_checked_and_hides_the_password():
    with pytest.raises(ValueError):
        config(25, security="ssl")
    with pytest.raises(ValueError):
        config(25, pool_size=0)
    assert "hunter2" not in repr(config(25, password="hunter2"))


# --- AUTH and TLS ----------------------------------------------------------------------

# These servers take AUTH without TLS (test only); aiosmtpd warns about it.
auth_without_tls = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")


@auth_without_tls
def test_auth(serve, make_pool):
    server = serve(Recording(), authenticator=Users(relay="s3cret"), auth_required=True, auth_require_tls=False)
    good = make_pool(server.port, username="relay", password="s3cret")
    assert good.test_connection().ok
    assert good.send(message(), ["anna@example.com"]).ok
    assert len(server.handler.mails) == 1

    wrong = make_pool(server.port, username="relay", password="wrong").send(message(), ["anna@example.com"])
    # A 5xx, but about the settings rather than the message: worth sending later.
    assert (wrong.ok, wrong.permanent, wrong.code) == (False, False, 535)
    assert "authentication" in wrong.error

    anonymous = make_pool(server.port).send(message(), ["anna@example.com"])
    assert (anonymous.ok, anonymous.permanent, anonymous.code) == (False, False, 530)
    assert len(server.handler.mails) == 1


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """(server context, client context trusting it) for a self-signed certificate for
    127.0.0.1, made with the openssl tool: the `cryptography` package is not installed."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed: no certificate for the TLS tests")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    return server_ctx, ssl.create_default_context(cafile=str(cert))


def test_implicit_tls(serve, make_pool, certificate):
    server_ctx, client_ctx = certificate
    server = serve(Recording(), ssl_context=server_ctx)
    pool = make_pool(server.port, security="tls", ssl_context=client_ctx)
    assert pool.test_connection().ok
    for n in range(3):
        assert pool.send(message(f"n{n}"), ["anna@example.com"]).ok
    assert len(server.handler.mails) == 3
    assert server.connections == 2  # test_connection's own, then one pooled

    # The system's trust store does not know the self-signed certificate.
    untrusted = make_pool(server.port, security="tls").send(message(), ["anna@example.com"])
    assert (untrusted.ok, untrusted.permanent) == (False, False)
    assert "TLS" in untrusted.error


def test_starttls_with_auth(serve, make_pool, certificate):
    server_ctx, client_ctx = certificate
    server = serve(
        Recording(),
        tls_context=server_ctx,
        require_starttls=True,
        authenticator=Users(relay="s3cret"),
        auth_required=True,
    )
    pool = make_pool(server.port, security="starttls", ssl_context=client_ctx, username="relay", password="s3cret")
    assert pool.test_connection().ok
    assert pool.send(message(), ["anna@example.com"]).ok
    assert server.handler.tls_sessions == 1

    # Without STARTTLS the server will not go on.
    plain = make_pool(server.port, username="relay", password="s3cret").send(message(), ["anna@example.com"])
    assert not plain.ok and not plain.permanent


def test_starttls_against_a_server_without_it(sink, make_pool):
    result = make_pool(sink.port, security="starttls").send(message(), ["anna@example.com"])
    assert (result.ok, result.permanent) == (False, False)
    assert "STARTTLS" in result.error
