"""Serving a WSGI app: gunicorn for an API process, werkzeug's threaded server
for the all-in-one process and a worker's health/metrics port."""

from __future__ import annotations

import os
import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

from relaykit import logs


def gunicorn_serve(app_loader: Any, bind: str, *, threads: int | None = None) -> None:
    from gunicorn.app.base import BaseApplication

    class _Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", bind)
            # One process per container, many threads: metrics stay in one registry;
            # scale with replicas, not forks.
            self.cfg.set("workers", int(os.environ.get("RELAY_WEB_WORKERS", "1")))
            self.cfg.set("worker_class", os.environ.get("RELAY_WEB_WORKER_CLASS", "gthread"))
            self.cfg.set("threads", threads or int(os.environ.get("RELAY_WEB_THREADS", "16")))
            self.cfg.set("accesslog", None)
            self.cfg.set("graceful_timeout", 10)
            # Several gunicorns run side by side (`relay up`); none needs the control socket.
            self.cfg.set("control_socket_disable", True)
            self.cfg.set(
                "logconfig_dict",
                logs.dict_config(os.environ.get("RELAY_LOG_LEVEL", "INFO"), os.environ.get("RELAY_LOG_FORMAT", "json")),
            )

        def load(self):
            # After the fork, so every worker opens its own database connections.
            return app_loader()

    _Server().run()


def background_server(app: Any, host: str, port: int) -> BaseWSGIServer:
    server = make_server(host, port, app, threaded=True)
    threading.Thread(target=server.serve_forever, name=f"http:{port}", daemon=True).start()
    return server
