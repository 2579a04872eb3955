"""A real local HTTP server for the delivery adapters' tests: it records what it was
sent and answers as told (fail N times, be slow, redirect, any status and body)."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    headers: Message
    body: bytes

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.path).query)


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class Receiver:
    """Answers with ``answer`` (after ``fail_next`` answers of ``fail_status``)."""

    def __init__(self, server: ThreadingHTTPServer, scheme: str) -> None:
        self._server = server
        self.scheme = scheme
        self.port = server.server_address[1]
        self.requests: list[Recorded] = []
        self.answer = Answer()
        self.fail_next = 0
        self.fail_status = 500
        self._lock = threading.Lock()
        # Set on shutdown so a handler told to be slow does not outlive the test.
        self.released = threading.Event()

    def url(self, path: str = "/hook", host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"

    def respond(self, status: int = 200, body: bytes = b"ok", headers: dict[str, str] | None = None) -> None:
        self.answer = Answer(status, body, headers or {}, self.answer.delay)

    def fail(self, times: int, status: int = 500) -> None:
        self.fail_next, self.fail_status = times, status

    def slow(self, seconds: float) -> None:
        self.answer.delay = seconds

    def redirect(self, location: str, status: int = 302) -> None:
        self.respond(status, b"moved", {"Location": location})

    def _next_answer(self, recorded: Recorded) -> Answer:
        with self._lock:
            self.requests.append(recorded)
            if self.fail_next > 0:
                self.fail_next -= 1
                return Answer(self.fail_status, b"receiver failure", {}, self.answer.delay)
            return self.answer


class _Handler(BaseHTTPRequestHandler):
    server: ThreadingHTTPServer
    protocol_version = "HTTP/1.1"

    def _handle(self) -> None:
        receiver: Receiver = self.server.receiver  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        answer = receiver._next_answer(Recorded(self.command, self.path, self.headers, body))
        if answer.delay and receiver.released.wait(answer.delay):
            return
        try:
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)
        except OSError:
            pass  # the client gave up (a timeout test): nothing to answer

    do_GET = do_POST = do_PUT = _handle

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def running_receiver(tls: ssl.SSLContext | None = None) -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
        # A client refusing the certificate fails the handshake: expected, not worth a traceback.
        server.handle_error = lambda request, address: None  # type: ignore[method-assign]
    receiver = Receiver(server, "https" if tls else "http")
    server.receiver = receiver  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.released.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeDns:
    """Stands in for socket.getaddrinfo for some names; each name answers its addresses in
    turn (the last one repeats), so a test can make a name change between two lookups."""

    def __init__(self, real: Callable[..., list], answers: dict[str, list[str]]) -> None:
        self._real = real
        self._answers = {name: list(addresses) for name, addresses in answers.items()}
        self.lookups: list[str] = []

    def __call__(self, host: object, port: object, *args: object, **kwargs: object) -> list:
        name = host.decode() if isinstance(host, bytes) else host
        if name not in self._answers:
            if isinstance(name, str) and name.endswith(".test"):
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            return self._real(host, port, *args, **kwargs)
        self.lookups.append(name)
        queue = self._answers[name]
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        results = []
        for address in answer.split(","):
            port_number = int(port) if port is not None else 0
            if ":" in address:
                results.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port_number, 0, 0)))
            else:
                results.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port_number)))
        return results
