"""The Flask app factory every service shares.

It owns the cross-cutting parts: correlation ids, JSON problem errors, identity
verification, which forwarded headers to believe (relaykit.forwarded), security
headers on every answer, request metrics, /healthz, /readyz and /openapi.json.
/metrics is not here: it is served on the operations listener (relaykit.ops).
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
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from relaykit import correlation, identity, metrics
from relaykit.errors import NotAuthenticated, RelayError, Unavailable, problem_body
from relaykit.forwarded import IDENTITY_KEY, SignedForwarded, StripForwarded
from relaykit.health import Readiness
from relaykit.http import PUBLIC_ATTR, is_guarded, problem_response, public
from relaykit.openapi import build_openapi
from relaykit.path_params import CONVERTERS

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

    from relaykit.service import Runtime

log = logging.getLogger(__name__)

Authenticator = Callable[[], identity.Identity | None]
# Wraps the app's WSGI callable: decides which X-Forwarded-* headers the app sees.
ProxyPolicy = Callable[["WSGIApplication"], "WSGIApplication"]

# On every answer unless the route set its own (an attachment download sets a
# sandboxing CSP). The API answers JSON only: nothing to load, nothing to frame.
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
    ("Referrer-Policy", "no-referrer"),
)


def secure(response: Response, authenticated: bool) -> Response:
    headers = response.headers
    for name, value in SECURITY_HEADERS:
        headers.setdefault(name, value)
    if authenticated:
        # What a caller may read is never for a shared cache; send_file's own default
        # ("no-cache") would still let one store it.
        cache = headers.get("Cache-Control", "")
        if "no-store" not in cache and "private" not in cache:
            headers["Cache-Control"] = "no-store"
    return response


def signed_header_authenticator(secret: str) -> Authenticator:
    def authenticate() -> identity.Identity:
        # SignedForwarded has verified the header already, before the app ran.
        verified = request.environ.get(IDENTITY_KEY)
        if isinstance(verified, identity.Identity):
            return verified
        if isinstance(verified, NotAuthenticated):
            raise verified
        return identity.verify(request.headers.get(identity.HEADER), secret)

    return authenticate


_STATUS_TITLES = {404: "Not found", 405: "Method not allowed", 413: "Payload too large"}


def create_app(
    runtime: Runtime,
    routes: Callable[[Flask, Runtime], None] | None = None,
    *,
    authenticate: Authenticator | None = None,
    proxy: ProxyPolicy | None = None,
) -> Flask:
    """`authenticate` replaces the signed-identity check (the gateway checks tokens);
    `proxy` replaces the forwarded-header policy: by default a service believes them
    on requests the gateway signed, and an app with its own `authenticate` believes none."""
    settings = runtime.settings
    service = runtime.spec.name
    app = Flask(f"relay.{service}", static_folder=None)
    app.url_map.converters.update(CONVERTERS)  # ids no row can have answer 404, not a database error
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.config["JSON_SORT_KEYS"] = False
    app.extensions["relay.runtime"] = runtime
    # The gateway's X-Forwarded-* headers (prefix /api/<service>) make generated URLs
    # right for the caller; anyone else's are dropped before the app sees them.
    if proxy is None:
        proxy = StripForwarded if authenticate else lambda wsgi: SignedForwarded(wsgi, settings.identity_secret)
    app.wsgi_app = proxy(app.wsgi_app)
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
        return secure(response, g.get("identity") is not None)

    @app.teardown_request
    def _teardown(_exc: BaseException | None) -> None:
        token = g.pop("relay_cid_token", None)
        if token is not None:
            correlation._current.reset(token)

    @app.errorhandler(RelayError)
    def _relay_error(err: RelayError):
        body, status, headers = problem_response(err)
        return body, status, headers | getattr(err, "headers", {})

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

    add_probes(app, service, readiness)

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


def add_probes(app: Flask, service: str, readiness: Readiness) -> None:
    """/healthz and /readyz: on the public port (probes, load balancers) and on the
    operations listener alike."""

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
