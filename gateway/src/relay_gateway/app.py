"""The gateway's Flask app: limit, authenticate, sign the identity, forward.

What reaches a service is the gateway's account of the request, never the client's:
the client's X-Forwarded-* headers are dropped (believed only from the proxies in
RELAY_TRUSTED_PROXIES, see relaykit.forwarded) and the gateway sets its own; a
service's kit paths (/healthz, /readyz, /metrics, /openapi.json) are not forwarded.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from flask import Flask, Response, g, jsonify, redirect, request, url_for

from relay_gateway import openapi_merge, ui
from relay_gateway.limits import RateLimiter
from relay_gateway.tokens import token_hash, token_store
from relay_gateway.upstreams import HttpUpstream, WsgiUpstream, from_environment
from relaykit import correlation, identity
from relaykit.app import create_app
from relaykit.errors import NotAuthenticated, NotFound
from relaykit.forwarded import TrustedProxies
from relaykit.http import current_identity, endpoint, public
from relaykit.service import Runtime

log = logging.getLogger(__name__)

STRIPPED = {
    "authorization",
    "cookie",
    identity.HEADER.lower(),
    correlation.HEADER.lower(),
    "host",
    "forwarded",
    "x-real-ip",
}
# A service's own paths for probes, scrapers and the gateway itself: not public API.
KIT_PATHS = frozenset({"healthz", "readyz", "metrics", "openapi.json"})


def _upstreams(runtime: Runtime) -> dict[str, WsgiUpstream | HttpUpstream]:
    if runtime.upstreams:
        return {
            name: WsgiUpstream(name, target) if not isinstance(target, str) else HttpUpstream(name, target)
            for name, target in runtime.upstreams.items()
        }
    return from_environment()


def create_gateway_app(runtime: Runtime) -> Flask:
    tokens = token_store(runtime)
    upstreams = _upstreams(runtime)
    settings = runtime.settings
    limiter = RateLimiter.from_settings(settings)

    def authenticate() -> identity.Identity:
        # request.remote_addr is the client: TrustedProxies has read it off a trusted proxy's headers.
        address = request.remote_addr or ""
        g.relay_limited = True
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            limiter.check(address)
            raise NotAuthenticated("send `Authorization: Bearer <API token>`; create one with `relay token create`")
        g.relay_allowance = limiter.check(address, token_hash(token))
        try:
            return tokens.authenticate(token)
        except NotAuthenticated:
            limiter.failed(address)
            raise

    def routes(app: Flask, _rt: Runtime) -> None:
        spec_cache: dict[str, Any] = {"at": 0.0, "doc": None}
        spec_lock = threading.Lock()

        @app.before_request
        def _limit_the_rest() -> None:
            # Public and unknown paths: authenticate() counted the others.
            if not g.get("relay_limited"):
                limiter.check(request.remote_addr or "")

        @app.after_request
        def _allowance(response: Response) -> Response:
            allowance = g.get("relay_allowance")
            if allowance is not None:
                response.headers["RateLimit-Limit"] = str(allowance.limit)
                response.headers["RateLimit-Remaining"] = str(allowance.remaining)
            return response

        ui.install(app, runtime.db, settings, upstreams, limiter)

        @app.get("/")
        @public
        def index():
            # A browser goes to the agents' UI; an API client gets the map of the API.
            if request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html":
                return redirect(url_for("ui.home"))
            return jsonify(
                name="Relay",
                description="Service desk: tickets, SLA, routing, notifications, mail intake",
                api="/api/openapi.json",
                services={name: f"/api/{name}/" for name in sorted(upstreams)},
            )

        @app.get("/api/openapi.json")
        @public
        def merged_openapi():
            with spec_lock:
                if spec_cache["doc"] is None or time.monotonic() - spec_cache["at"] > 30:
                    docs = {}
                    for name, upstream in upstreams.items():
                        try:
                            docs[name] = upstream.get_json("/openapi.json")
                        except Exception as e:  # one service down must not hide the others
                            log.warning("openapi unavailable", extra={"upstream": name, "error": str(e)})
                    spec_cache.update(doc=openapi_merge.merge(docs), at=time.monotonic())
                return jsonify(spec_cache["doc"])

        @app.route("/api/<service>/<path:path>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
        @endpoint(roles=identity.ROLES, summary="Forward to a service")
        def forward(service: str, path: str):
            upstream = upstreams.get(service)
            if upstream is None:
                raise NotFound(f"no service named {service!r}", field="service")
            if path in KIT_PATHS:
                raise NotFound(f"/{path} of a service is not part of the API; see /api/openapi.json", field="path")
            caller = current_identity()
            headers = {
                k: v
                for k, v in request.headers.items()
                if k.lower() not in STRIPPED and not k.lower().startswith("x-forwarded-")
            }
            headers[identity.HEADER] = identity.sign(caller, settings.identity_secret, settings.identity_ttl)
            headers[correlation.HEADER] = correlation.current_or_new()
            # The gateway's own account of the request; services believe it because it comes signed.
            headers["X-Forwarded-For"] = request.remote_addr or ""
            headers["X-Forwarded-Proto"] = request.scheme
            headers["X-Forwarded-Host"] = request.host
            headers["X-Forwarded-Prefix"] = f"{request.script_root}/api/{service}"
            return upstream.forward(request.environ, _raw_tail(service, path), headers)

    app = create_app(
        runtime, routes, authenticate=authenticate, proxy=lambda wsgi: TrustedProxies(wsgi, settings.trusted_proxies)
    )
    app.extensions["relay.tokens"] = tokens
    return app


def _raw_tail(service: str, path: str) -> str:
    """The path after /api/<service> as the client sent it, in WSGI form (its bytes as
    Latin-1 characters); routing saw it decoded as UTF-8, which a WSGI environ cannot hold."""
    raw = request.environ.get("PATH_INFO", "")
    prefix = f"/api/{service}/"
    if raw.startswith(prefix):
        return raw[len(prefix) - 1 :]
    return ("/" + path).encode("utf-8").decode("latin-1")
