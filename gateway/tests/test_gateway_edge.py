"""What the gateway tells a service about a request, and what it refuses to pass on:
the client's X-Forwarded-* headers never (in both kinds of upstream), paths in any
script, no kit paths of a service, no metrics on the public port, security headers
on every answer."""

from pathlib import Path

import pytest
from flask import jsonify, request, url_for

from relay_gateway.bootstrap import spec as gateway_spec
from relaykit import identity
from relaykit.http import endpoint
from relaykit.service import ServiceSpec
from relaykit.serving import background_server

PROBE_MIGRATIONS = Path(__file__).parent / "no-migrations"  # the probe has no tables
EVIL = {
    "X-Forwarded-Prefix": "//evil.example/x",
    "X-Forwarded-Host": "evil.example",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-For": "203.0.113.9",
    "Forwarded": "for=203.0.113.9;host=evil.example",
    "X-Real-IP": "203.0.113.9",
}


def _probe_routes(app, rt):
    @app.get("/where")
    @endpoint(roles=identity.ROLES, summary="How the request looks here")
    def where():
        return {
            "root": request.script_root,
            "host": request.host,
            "scheme": request.scheme,
            "address": request.remote_addr,
            "forwarded": sorted(
                k for k, _ in request.headers.items() if "forwarded" in k.lower() or "real" in k.lower()
            ),
        }

    @app.post("/things")
    @endpoint(roles=identity.ROLES, summary="Make a thing", status=201)
    def make():
        return {"ok": True}, {"Location": url_for("thing", name="x")}

    @app.get("/things/<name>")
    @endpoint(roles=identity.ROLES, summary="A thing")
    def thing(name):
        return jsonify(name=name, query=request.args.to_dict())


PROBE = ServiceSpec(name="probe", title="Probe", migrations=PROBE_MIGRATIONS, routes=_probe_routes)


@pytest.fixture
def probe(harness):
    return harness.runtime(PROBE, migrate=False)


@pytest.fixture(params=["wsgi", "http"])
def upstream(request, probe):
    """The probe service in process (all-in-one) or over HTTP (distributed)."""
    if request.param == "wsgi":
        yield probe.app
        return
    server = background_server(probe.app, "127.0.0.1", 0)
    yield f"http://127.0.0.1:{server.port}"
    server.shutdown()


def _gateway(harness, upstream, **settings):
    gw = harness.runtime(gateway_spec, **settings)
    gw.upstreams = {"probe": upstream}
    return gw


@pytest.fixture
def gateway(harness, upstream):
    return _gateway(harness, upstream)


def _auth(gateway):
    token, _ = gateway.app.extensions["relay.tokens"].create("edge", identity.SYSTEM)
    return {"Authorization": f"Bearer {token}"}


def test_the_clients_forwarded_headers_never_reach_the_service(gateway):
    client, auth = gateway.app.test_client(), _auth(gateway)
    seen = client.get("/api/probe/where", headers=auth | EVIL).get_json()
    assert seen["root"] == "/api/probe"
    assert (seen["host"], seen["scheme"], seen["address"]) == ("localhost", "http", "127.0.0.1")
    # Only the gateway's own account of the request arrives.
    assert "Forwarded" not in seen["forwarded"] and "X-Real-Ip" not in seen["forwarded"]
    created = client.post("/api/probe/things", headers=auth | EVIL)
    assert created.status_code == 201
    assert created.headers["Location"] == "/api/probe/things/x"


def test_a_trusted_proxy_sets_the_prefix_host_and_client_of_the_urls(harness, upstream):
    gateway = _gateway(harness, upstream, trusted_proxies=("127.0.0.0/8",))
    client, auth = gateway.app.test_client(), _auth(gateway)
    ingress = {
        "X-Forwarded-For": "192.0.2.1, 198.51.100.4",
        "X-Forwarded-Prefix": "/relay",
        "X-Forwarded-Host": "desk.example.com",
        "X-Forwarded-Proto": "https",
    }
    seen = client.get("/api/probe/where", headers=auth | ingress).get_json()
    assert seen["root"] == "/relay/api/probe"
    assert (seen["host"], seen["scheme"], seen["address"]) == ("desk.example.com", "https", "198.51.100.4")
    assert client.post("/api/probe/things", headers=auth | ingress).headers["Location"] == "/relay/api/probe/things/x"
    # Even the trusted proxy cannot point the URLs at another site.
    evil = ingress | {"X-Forwarded-Prefix": "//evil.example/x"}
    assert client.post("/api/probe/things", headers=auth | evil).headers["Location"] == "/api/probe/things/x"


@pytest.mark.parametrize("name", ["€", "Ärger", "日本", "a b", "100%", "a;b=c"])
def test_a_path_in_any_script_reaches_the_service_as_sent(gateway, name):
    client, auth = gateway.app.test_client(), _auth(gateway)
    r = client.get(f"/api/probe/things/{name}", query_string={"q": "ü€"}, headers=auth)
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.get_json() == {"name": name, "query": {"q": "ü€"}}


def test_a_non_latin_path_the_service_does_not_know_is_its_404(gateway):
    r = gateway.app.test_client().get("/api/probe/nothing/€", headers=_auth(gateway))
    assert r.status_code == 404 and r.headers["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("path", ["healthz", "readyz", "metrics", "openapi.json"])
def test_a_services_kit_paths_are_not_forwarded(gateway, path):
    client = gateway.app.test_client()
    r = client.get(f"/api/probe/{path}", headers=_auth(gateway))
    assert r.status_code == 404 and r.headers["Content-Type"] == "application/problem+json"
    assert r.get_json()["errors"][0]["field"] == "path"
    assert client.get(f"/api/probe/{path}").status_code == 401


def test_no_metrics_on_the_gateways_public_port(gateway):
    client = gateway.app.test_client()
    client.get("/api/probe/where", headers=_auth(gateway))
    for headers in ({}, _auth(gateway)):
        r = client.get("/metrics", headers=headers)
        assert r.status_code == 404 and b"relay_http_request" not in r.data


def test_every_answer_through_the_gateway_carries_the_security_headers(gateway):
    client, auth = gateway.app.test_client(), _auth(gateway)
    answers = {
        "forwarded": client.get("/api/probe/where", headers=auth),
        "service 404": client.get("/api/probe/nothing", headers=auth),
        "gateway 404": client.get("/nowhere"),
        "401": client.get("/api/probe/where"),
        "index": client.get("/"),
    }
    for what, r in answers.items():
        assert r.headers["X-Content-Type-Options"] == "nosniff", what
        assert r.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'", what
        assert r.headers["Referrer-Policy"] == "no-referrer", what
        assert len(r.headers.getlist("Content-Security-Policy")) == 1, what
        assert "Server" not in r.headers, what  # the upstream's; the gateway's server adds its own, versionless
    assert answers["forwarded"].headers["Cache-Control"] == "no-store"
    assert answers["forwarded"].headers["RateLimit-Limit"]


def test_the_merged_document_names_the_429_of_every_operation(gateway):
    doc = gateway.app.test_client().get("/api/openapi.json").get_json()
    operations = [op for ops in doc["paths"].values() for op in ops.values()]
    assert operations
    for op in operations:
        assert "Retry-After" in op["responses"]["429"]["headers"]
        # Every answer carries the token's allowance, so every answer documents it.
        for answer in op["responses"].values():
            assert {"RateLimit-Limit", "RateLimit-Remaining"} <= set(answer["headers"])
