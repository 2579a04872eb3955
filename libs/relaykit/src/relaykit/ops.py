"""The operations listener: /metrics, /healthz and /readyz on a port of their own.

Metrics name every route with its timings, every message type, and the process;
they are for the scraper, not for whoever reaches the public port. So every process
serves them on a separate port that no Service, Ingress or gateway route publishes
(`--metrics-port`, `RELAY_METRICS_PORT`; a worker's only port is this one), and the
public apps (the gateway and every service API) have no /metrics at all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from werkzeug.exceptions import HTTPException

from relaykit.app import add_probes, secure
from relaykit.errors import RelayError
from relaykit.health import Readiness
from relaykit.http import problem_response, public

if TYPE_CHECKING:
    from relaykit.service import Runtime


def create_ops_app(runtime: Runtime) -> Flask:
    service = runtime.spec.name
    app = Flask(f"relay.{service}.ops", static_folder=None)
    add_probes(app, service, Readiness(runtime))

    @app.get("/metrics")
    @public
    def prometheus_metrics():
        return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        wrapped = RelayError(err.description or err.name)
        wrapped.status, wrapped.title, wrapped.slug = err.code or 500, err.name, err.name.lower().replace(" ", "-")
        return problem_response(wrapped)

    @app.after_request
    def _secure(response: Response) -> Response:
        return secure(response, authenticated=False)

    return app
