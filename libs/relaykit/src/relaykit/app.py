"""The Flask app factory every service shares.

It owns the cross-cutting parts: correlation ids, JSON problem errors, identity
verification, request metrics, /healthz, /readyz, /metrics and /openapi.json.
A service adds only its routes; each route must declare who may call it
(`relaykit.http.endpoint(roles=...)`) or be explicitly `public`, and the app
refuses to start otherwise.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from flask import Flask, Response, g, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from relaykit import correlation, identity, metrics
from relaykit.errors import RelayError, Unavailable, problem_body
from relaykit.health import Readiness
from relaykit.http import PUBLIC_ATTR, is_guarded, problem_response, public
from relaykit.openapi import build_openapi

if TYPE_CHECKING:
    from relaykit.service import Runtime

log = logging.getLogger(__name__)

Authenticator = Callable[[], identity.Identity | None]


def signed_header_authenticator(secret: str) -> Authenticator:
    def authenticate() -> identity.Identity:
        return identity.verify(request.headers.get(identity.HEADER), secret)

    return authenticate


_STATUS_TITLES = {404: "Not found", 405: "Method not allowed", 413: "Payload too large"}


def create_app(
    runtime: Runtime,
    routes: Callable[[Flask, Runtime], None] | None = None,
    *,
    authenticate: Authenticator | None = None,
) -> Flask:
    settings = runtime.settings
    service = runtime.spec.name
    app = Flask(f"relay.{service}", static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.config["JSON_SORT_KEYS"] = False
    app.extensions["relay.runtime"] = runtime
    # Services are reachable only through the gateway, whose X-Forwarded-* headers
    # (prefix /api/<service>) make generated URLs right for the caller.
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_prefix=1)
    auth = authenticate or signed_header_authenticator(settings.identity_secret)
    readiness = Readiness(runtime)

    @app.before_request
    def _begin() -> None:
        g.relay_started = time.perf_counter()
        g.relay_cid_token = correlation._current.set(
            correlation.clean(request.headers.get(correlation.HEADER)) or correlation.current_or_new()
        )
        view = app.view_functions.get(request.endpoint) if request.endpoint else None
        g.identity = None
        if view is not None and not getattr(view, PUBLIC_ATTR, False):
            g.identity = auth()

    @app.after_request
    def _finish(response: Response) -> Response:
        cid = correlation.current()
        if cid:
            response.headers[correlation.HEADER] = cid
        started = g.get("relay_started")
        if started is not None:
            route = request.url_rule.rule if request.url_rule else "<unmatched>"
            metrics.http_request_seconds.labels(service, request.method, route, str(response.status_code)).observe(
                time.perf_counter() - started
            )
        return response

    @app.teardown_request
    def _teardown(_exc: BaseException | None) -> None:
        token = g.pop("relay_cid_token", None)
        if token is not None:
            correlation._current.reset(token)

    @app.errorhandler(RelayError)
    def _relay_error(err: RelayError):
        return problem_response(err)

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        code = err.code or 500
        wrapped = RelayError(err.description or err.name)
        wrapped.status, wrapped.title = code, _STATUS_TITLES.get(code, err.name)
        wrapped.slug = err.name.lower().replace(" ", "-")
        if code == 413:
            wrapped.errors = {"body": [f"the body is larger than {settings.max_body_bytes} bytes"]}
        return problem_response(wrapped)

    @app.errorhandler(sa_exc.OperationalError)
    @app.errorhandler(sa_exc.InterfaceError)
    def _database_away(err: Exception):
        log.warning("database unavailable", extra={"path": request.path, "error": str(err)[:300]})
        return problem_response(Unavailable("the database is unavailable; retry in a moment"))

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        log.exception("unhandled error", extra={"path": request.path})
        return problem_response(RelayError("an unexpected error happened; it has been logged"))

    @app.get("/healthz")
    @public
    def healthz():
        return jsonify(status="ok", service=service)

    @app.get("/readyz")
    @public
    def readyz():
        problems = readiness.check()
        if problems:
            err = Unavailable("not ready: " + "; ".join(f"{k}: {v}" for k, v in problems.items()))
            body = problem_body(err, correlation.current()) | {"checks": problems}
            return jsonify(body), 503, {"Content-Type": "application/problem+json"}
        return jsonify(status="ready", service=service)

    @app.get("/metrics")
    @public
    def prometheus_metrics():
        return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)

    @app.get("/openapi.json")
    @public
    def openapi():
        return jsonify(build_openapi(app, title=runtime.spec.title, service=service))

    if routes is not None:
        routes(app, runtime)
    unguarded = [rule.rule for rule in app.url_map.iter_rules() if not is_guarded(app.view_functions[rule.endpoint])]
    if unguarded:
        raise RuntimeError(f"{service}: routes without a role check: {', '.join(sorted(unguarded))}")
    return app
