"""The gateway's Flask app: authenticate, sign the identity, forward."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from flask import Flask, jsonify, request

from relay_gateway import openapi_merge
from relay_gateway.tokens import token_store
from relay_gateway.upstreams import HttpUpstream, WsgiUpstream, from_environment
from relaykit import correlation, identity
from relaykit.app import create_app
from relaykit.errors import NotAuthenticated, NotFound
from relaykit.http import current_identity, endpoint, public
from relaykit.service import Runtime

log = logging.getLogger(__name__)

STRIPPED = {"authorization", "cookie", identity.HEADER.lower(), correlation.HEADER.lower(), "host"}


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

    def authenticate() -> identity.Identity:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthenticated("send `Authorization: Bearer <API token>`; create one with `relay token create`")
        return tokens.authenticate(token.strip())

    def routes(app: Flask, _rt: Runtime) -> None:
        spec_cache: dict[str, Any] = {"at": 0.0, "doc": None}
        spec_lock = threading.Lock()

        @app.get("/")
        @public
        def index():
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
            caller = current_identity()
            headers = {k: v for k, v in request.headers.items() if k.lower() not in STRIPPED}
            headers[identity.HEADER] = identity.sign(caller, settings.identity_secret, settings.identity_ttl)
            headers[correlation.HEADER] = correlation.current_or_new()
            forwarded_for = request.headers.get("X-Forwarded-For")
            client = request.remote_addr or ""
            headers["X-Forwarded-For"] = f"{forwarded_for}, {client}" if forwarded_for else client
            return upstream.forward(request.environ, "/" + path, headers)

    app = create_app(runtime, routes, authenticate=authenticate)
    app.extensions["relay.tokens"] = tokens
    return app
