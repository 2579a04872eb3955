"""What a service believes about a request, what every answer carries, and where the
metrics are: forwarded headers only with a signed identity, security headers on
every answer, no /metrics on the public app, no server version."""

from pathlib import Path

import pytest
import requests
from flask import Response, jsonify, request

from relaykit import identity
from relaykit.forwarded import TrustedProxies
from relaykit.http import endpoint, public
from relaykit.ops import create_ops_app
from relaykit.service import Runtime, ServiceSpec
from relaykit.serving import background_server
from relaykit.settings import Settings
from relaykit.testing.harness import signed

EMPTY = Path(__file__).parent / "probe_migrations" / "versions"
EVIL = {
    "X-Forwarded-Prefix": "//evil.example/x",
    "X-Forwarded-Host": "evil.example",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-For": "203.0.113.9",
}
GATEWAY = {
    "X-Forwarded-Prefix": "/api/demo",
    "X-Forwarded-Host": "desk.example.com",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-For": "198.51.100.4",
}


def _where():
    return {
        "root": request.script_root,
        "host": request.host,
        "scheme": request.scheme,
        "address": request.remote_addr,
        "forwarded": sorted(k for k, _ in request.headers.items() if k.lower().startswith("x-forwarded")),
    }


def _routes(app, rt):
    @app.get("/where")
    @endpoint(roles=identity.ROLES, summary="Where the request came from")
    def where():
        return _where()

    @app.get("/open-where")
    @public
    def open_where():
        return jsonify(_where())

    @app.get("/download")
    @endpoint(roles=identity.ROLES, summary="A file")
    def download():
        return Response(b"MZ", mimetype="application/octet-stream", headers={"Content-Security-Policy": "sandbox"})


@pytest.fixture
def runtime(tmp_path):
    spec = ServiceSpec(name="demo", title="Demo", migrations=EMPTY, routes=_routes)
    return Runtime(spec, Settings(service="demo", database_url=f"sqlite:///{tmp_path}/d.db"))


@pytest.fixture
def client(runtime):
    return runtime.app.test_client()


def test_forwarded_headers_count_on_requests_the_gateway_signed(client):
    seen = client.get("/where", headers=signed() | GATEWAY).get_json()
    assert seen["root"] == "/api/demo" and seen["host"] == "desk.example.com"
    assert (seen["scheme"], seen["address"]) == ("https", "198.51.100.4")


@pytest.mark.parametrize(
    "identity_headers",
    [{}, signed(secret="not-the-secret"), {identity.HEADER: "garbage"}],
    ids=["unsigned", "forged", "malformed"],
)
def test_forwarded_headers_of_anyone_else_are_dropped_before_the_app_sees_them(client, identity_headers):
    seen = client.get("/open-where", headers=identity_headers | EVIL | {"Forwarded": "for=1.2.3.4"}).get_json()
    assert seen == {"root": "", "host": "localhost", "scheme": "http", "address": "127.0.0.1", "forwarded": []}
    # And the refusal of a guarded route stays a refusal.
    assert client.get("/where", headers=identity_headers | EVIL).status_code == 401


def test_the_identity_is_verified_once_per_request(client, monkeypatch):
    calls = []
    real = identity.verify

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(identity, "verify", counting)
    assert client.get("/where", headers=signed() | GATEWAY).status_code == 200
    assert len(calls) == 1
    assert client.get("/where", headers=signed(secret="nope")).status_code == 401
    assert len(calls) == 2


def test_every_answer_carries_the_security_headers(client):
    for r in (
        client.get("/where", headers=signed()),
        client.get("/where"),  # 401
        client.get("/nowhere"),  # 404
        client.get("/healthz"),
    ):
        assert r.headers["X-Content-Type-Options"] == "nosniff", r.status_code
        assert r.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
        assert r.headers["Referrer-Policy"] == "no-referrer"
    assert client.get("/where", headers=signed()).headers["Cache-Control"] == "no-store"
    assert "Cache-Control" not in client.get("/healthz").headers  # nobody's data


def test_a_route_that_sets_its_own_policy_keeps_it(client):
    r = client.get("/download", headers=signed())
    assert r.headers["Content-Security-Policy"] == "sandbox"
    assert r.headers.getlist("Content-Security-Policy") == ["sandbox"]
    assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["Cache-Control"] == "no-store"


def test_no_metrics_on_the_public_app_only_on_the_operations_listener(client, runtime):
    client.get("/where", headers=signed())
    r = client.get("/metrics")
    assert r.status_code == 404 and r.headers["Content-Type"] == "application/problem+json"
    ops = create_ops_app(runtime).test_client()
    text = ops.get("/metrics").get_data(as_text=True)
    assert 'relay_http_request_duration_seconds_count{method="GET",route="/where",service="demo",status="200"}' in text
    assert ops.get("/healthz").get_json()["status"] == "ok"
    assert ops.get("/readyz").get_json()["status"] == "ready"
    missing = ops.get("/where")
    assert missing.status_code == 404 and missing.headers["Content-Type"] == "application/problem+json"
    assert ops.get("/metrics").headers["X-Content-Type-Options"] == "nosniff"


def test_the_werkzeug_servers_name_no_version(runtime):
    server = background_server(runtime.app, "127.0.0.1", 0)
    try:
        r = requests.get(f"http://127.0.0.1:{server.port}/healthz", timeout=5)
    finally:
        server.shutdown()
    assert r.status_code == 200
    assert r.headers["Server"] == "relay"


def test_the_operations_listener_serves_a_socket_shared_between_processes(runtime):
    """What gunicorn's workers do with it: each accepts on the one listening socket."""
    import os

    from relaykit.serving import OpsListener

    ops = OpsListener("127.0.0.1", 0, lambda: create_ops_app(runtime))
    child = os.fork()
    if child == 0:  # pragma: no cover (the child serves until killed)
        try:
            ops.start()
            import time

            time.sleep(30)
        finally:
            os._exit(0)
    try:
        ops.start()
        answers = [requests.get(f"http://127.0.0.1:{ops.port}/healthz", timeout=5) for _ in range(20)]
    finally:
        os.kill(child, 9)
        os.waitpid(child, 0)
    assert all(r.status_code == 200 and r.headers["Server"] == "relay" for r in answers)


# The gateway's policy (relaykit.forwarded.TrustedProxies), tested on a bare WSGI app.


def _seen_through(networks, environ_extra):
    seen = {}

    def app(environ, start_response):
        seen.update(environ)
        start_response("204 No Content", [])
        return []

    environ = {"REMOTE_ADDR": "10.0.0.5", "SCRIPT_NAME": "", "wsgi.url_scheme": "http", "HTTP_HOST": "gw:8080"}
    list(TrustedProxies(app, networks)(environ | environ_extra, lambda *a: None))
    return seen


def test_a_trusted_proxy_is_believed_and_its_headers_do_not_go_further():
    seen = _seen_through(
        ["10.0.0.0/8"],
        {
            "HTTP_X_FORWARDED_FOR": "192.0.2.1, 198.51.100.4, 10.1.2.3",
            "HTTP_X_FORWARDED_PROTO": "https",
            "HTTP_X_FORWARDED_HOST": "desk.example.com",
            "HTTP_X_FORWARDED_PREFIX": "/relay",
            "HTTP_FORWARDED": "for=1.1.1.1",
        },
    )
    # The rightmost address no trusted proxy owns: 192.0.2.1 is the client's own claim.
    assert seen["REMOTE_ADDR"] == "198.51.100.4"
    assert (seen["wsgi.url_scheme"], seen["HTTP_HOST"], seen["SCRIPT_NAME"]) == ("https", "desk.example.com", "/relay")
    assert not [k for k in seen if "FORWARDED" in k]


@pytest.mark.parametrize("prefix", ["//evil.example/x", "/a//b", "https://evil", "/a\\b", "x"])
def test_even_a_trusted_proxy_cannot_set_a_prefix_that_leaves_the_site(prefix):
    seen = _seen_through(["10.0.0.0/8"], {"HTTP_X_FORWARDED_PREFIX": prefix, "HTTP_X_FORWARDED_HOST": "a b"})
    assert seen["SCRIPT_NAME"] == "" and seen["HTTP_HOST"] == "gw:8080"


def test_an_untrusted_peer_is_not_believed():
    for networks in ([], ["192.168.0.0/16"]):
        seen = _seen_through(networks, {"HTTP_X_FORWARDED_FOR": "198.51.100.4", "HTTP_X_FORWARDED_PREFIX": "/relay"})
        assert (seen["REMOTE_ADDR"], seen["SCRIPT_NAME"]) == ("10.0.0.5", "")
        assert "HTTP_X_FORWARDED_FOR" not in seen


def test_a_typo_in_the_trusted_proxies_stops_the_process():
    with pytest.raises(ValueError, match="RELAY_TRUSTED_PROXIES"):
        TrustedProxies(lambda e, s: [], ["10.0.0.0/33"])
