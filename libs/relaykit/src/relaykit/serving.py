"""Serving a WSGI app: gunicorn for an API process, werkzeug's threaded server
for the all-in-one process and every operations listener (relaykit.ops).

No server names its version: werkzeug's handler says `relay`, gunicorn says only
`gunicorn`, and the gateway drops the Server header of the answers it forwards.

Long answers (the gateway's event streams) register with `on_stop`: when the process
stops serving (gunicorn's SIGTERM, SIGINT or SIGQUIT; the all-in-one's stop) they end at
once instead of holding the graceful shutdown until it gives up on them.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from collections.abc import Callable
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from relaykit import logs

log = logging.getLogger(__name__)
DEFAULT_WEB_THREADS = 16
_stop_callbacks: list[Callable[[], None]] = []
_stopped = threading.Event()


def on_stop(callback: Callable[[], None]) -> None:
    """Run `callback` once when this process stops serving (at once if it has stopped)."""
    _stop_callbacks.append(callback)
    if _stopped.is_set():
        callback()


def stop() -> None:
    """This process stops serving: the callbacks of on_stop run now."""
    if _stopped.is_set():
        return
    _stopped.set()
    for callback in list(_stop_callbacks):
        try:
            callback()
        except Exception:
            log.exception("stop callback failed")


def web_threads(default: int | None = None) -> int:
    """Threads of a gunicorn process: RELAY_WEB_THREADS, else the service's own default."""
    return int(os.environ.get("RELAY_WEB_THREADS") or default or DEFAULT_WEB_THREADS)


def _stop_on_signals() -> None:
    """In a gunicorn worker's main thread: its stop signals call stop() first (on a thread,
    not in the signal handler, which may have interrupted code holding a lock)."""
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT):
        previous = signal.getsignal(signum)

        def handler(sig: int, frame: Any, previous: Any = previous) -> None:
            threading.Thread(target=stop, name="stopping", daemon=True).start()
            if callable(previous):
                previous(sig, frame)

        signal.signal(signum, handler)


class _Handler(WSGIRequestHandler):
    def version_string(self) -> str:
        return "relay"


class OpsListener:
    """The operations port of a gunicorn process. The socket is bound before gunicorn
    forks (a port in use stops the process at once, and port 0 is resolved once);
    every worker then serves it from a thread, accepting on the shared socket the
    way gunicorn's workers share the public one, so a scrape reaches a live worker."""

    def __init__(self, host: str, port: int, app_loader: Callable[[], Any]) -> None:
        self.host = host
        self.app_loader = app_loader
        self.sock = socket.create_server((host, port), family=_family(host), backlog=64)
        # Several processes accept on it: the losers of a race must not block.
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]

    def start(self) -> BaseWSGIServer:
        return background_server(self.app_loader(), self.host, self.port, sock=self.sock)


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def gunicorn_serve(app_loader: Any, bind: str, *, threads: int | None = None, ops: OpsListener | None = None) -> None:
    from gunicorn.app.base import BaseApplication

    def _post_worker_init(_worker: Any) -> None:
        _stop_on_signals()
        if ops is not None:
            ops.start()

    class _Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", bind)
            # One process per container, many threads: metrics stay in one registry;
            # scale with replicas, not forks.
            self.cfg.set("workers", int(os.environ.get("RELAY_WEB_WORKERS", "1")))
            self.cfg.set("worker_class", os.environ.get("RELAY_WEB_WORKER_CLASS", "gthread"))
            self.cfg.set("threads", threads or web_threads())
            self.cfg.set("accesslog", None)
            self.cfg.set("graceful_timeout", 10)
            # Several gunicorns run side by side (`relay up`); none needs the control socket.
            self.cfg.set("control_socket_disable", True)
            self.cfg.set(
                "logconfig_dict",
                logs.dict_config(os.environ.get("RELAY_LOG_LEVEL", "INFO"), os.environ.get("RELAY_LOG_FORMAT", "json")),
            )
            self.cfg.set("post_worker_init", _post_worker_init)

        def load(self):
            # After the fork, so every worker opens its own database connections.
            return app_loader()

    _Server().run()


def public_server(app: Any, host: str, port: int) -> BaseWSGIServer:
    """werkzeug's threaded server for the all-in-one process, run by the caller."""
    return make_server(host, port, app, threaded=True, request_handler=_Handler)


def background_server(app: Any, host: str, port: int, *, sock: socket.socket | None = None) -> BaseWSGIServer:
    """A threaded server on a daemon thread (port 0: any free port, see `.port`)."""
    fd = sock.fileno() if sock is not None else None
    server = make_server(host, port, app, threaded=True, request_handler=_Handler, fd=fd)
    threading.Thread(target=server.serve_forever, name=f"http:{server.port}", daemon=True).start()
    return server
