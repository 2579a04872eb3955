"""The gateway: who gets in, what identity services see, where requests go."""

import json
import socket

import pytest
from sqlalchemy import select

from relay_gateway.bootstrap import spec as gateway_spec
from relay_gateway.tokens import CACHE_SECONDS, api_tokens
from relay_tickets.bootstrap import spec as tickets_spec
from relaykit.kit_schema import outbox
from relaykit.serving import background_server


@pytest.fixture
def tickets(harness, bus_namespace):
    return harness.runtime(tickets_spec, namespace=bus_namespace)


def _gateway(harness, upstreams):
    gw = harness.runtime(gateway_spec)
    gw.upstreams = upstreams
    return gw


@pytest.fixture
def gateway(harness, tickets):
    return _gateway(harness, {"tickets": tickets.app})


@pytest.fixture
def client(gateway):
    return gateway.app.test_client()


def _token(gateway, role="administrator", **kw):
    return gateway.app.extensions["relay.tokens"].create(f"{role} token", role, **kw)


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def _problem(resp, status):
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.headers["Content-Type"] == "application/problem+json"
    return resp.get_json()


def test_tokens_are_stored_only_as_hashes(gateway):
    token, _info = _token(gateway)
    with gateway.db.sessions() as s:
        row = s.execute(select(api_tokens)).one()
    assert token.startswith("rly_") and token not in json.dumps([str(v) for v in row])
    assert row.token_hash != token and len(row.token_hash) == 64


def test_requests_go_through_with_a_token_and_its_role(client, gateway):
    token, _ = _token(gateway, role="specialist")
    r = client.post("/api/tickets/tickets", json={"subject": "Through the gateway"}, headers=_bearer(token))
    assert r.status_code == 201, r.get_data(as_text=True)
    assert r.headers["Location"] == "/api/tickets/tickets/1"
    assert client.get("/api/tickets/tickets/1", headers=_bearer(token)).get_json()["subject"] == "Through the gateway"


def test_callers_without_a_good_token_are_refused(client, gateway):
    _problem(client.get("/api/tickets/tickets"), 401)
    _problem(client.get("/api/tickets/tickets", headers={"Authorization": "Basic dXNlcjpwdw=="}), 401)
    _problem(client.get("/api/tickets/tickets", headers=_bearer("rly_not-a-token")), 401)
    token, info = _token(gateway)
    assert client.get("/api/tickets/tickets", headers=_bearer(token)).status_code == 200
    gateway.app.extensions["relay.tokens"].revoke(info.id)
    _problem(client.get("/api/tickets/tickets", headers=_bearer(token)), 401)
    assert CACHE_SECONDS <= 5


def test_a_client_cannot_smuggle_its_own_identity_header(client, gateway, tickets):
    from relaykit.testing.harness import signed

    token, _ = _token(gateway, role="contact", organization="acme")
    forged = signed(role="administrator")  # even correctly signed: the gateway replaces it
    r = client.get("/api/tickets/tickets", headers=_bearer(token) | forged)
    assert r.status_code == 403  # the service saw the contact, not the administrator


def test_roles_are_enforced_by_the_services_behind_the_gateway(client, gateway):
    token, _ = _token(gateway, role="contact", organization="acme")
    _problem(client.post("/api/tickets/tickets", json={"subject": "x"}, headers=_bearer(token)), 403)


def test_unknown_services_are_404(client, gateway):
    token, _ = _token(gateway)
    body = _problem(client.get("/api/nothing/here", headers=_bearer(token)), 404)
    assert body["errors"][0]["field"] == "service"


def test_the_correlation_id_travels_from_the_caller_into_the_event(client, gateway, tickets):
    token, _ = _token(gateway)
    r = client.post(
        "/api/tickets/tickets",
        json={"subject": "Traced"},
        headers=_bearer(token) | {"X-Correlation-Id": "trace-77"},
    )
    assert r.headers["X-Correlation-Id"] == "trace-77"
    with tickets.db.sessions() as s:
        assert s.execute(select(outbox.c.correlation_id)).scalar_one() == "trace-77"


def test_the_merged_openapi_document_covers_every_service(client):
    doc = client.get("/api/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    assert {"/api/tickets/tickets", "/api/tickets/tickets/{number}"} <= set(doc["paths"])
    create = doc["paths"]["/api/tickets/tickets"]["post"]
    ref = create["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.removeprefix("#/components/schemas/") in doc["components"]["schemas"]
    assert "bearerAuth" in doc["components"]["securitySchemes"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_forwarding_over_http_to_a_separate_service_process(harness, tickets):
    port = _free_port()
    server = background_server(tickets.app, "127.0.0.1", port)
    try:
        gateway = _gateway(harness, {"tickets": f"http://127.0.0.1:{port}"})
        client = gateway.app.test_client()
        token, _ = _token(gateway)
        r = client.post("/api/tickets/tickets", json={"subject": "Over HTTP"}, headers=_bearer(token))
        assert r.status_code == 201 and r.headers["Location"] == "/api/tickets/tickets/1"
        _problem(client.post("/api/tickets/tickets", json={}, headers=_bearer(token)), 422)
        assert client.get("/api/openapi.json").get_json()["paths"]
    finally:
        server.shutdown()
    down = _gateway(harness, {"tickets": f"http://127.0.0.1:{_free_port()}"})
    token, _ = _token(down)
    _problem(down.app.test_client().get("/api/tickets/tickets", headers=_bearer(token)), 502)


def test_token_cli_creates_lists_and_revokes(harness, monkeypatch, tmp_path):
    from click.testing import CliRunner

    from relaykit.cli import main

    monkeypatch.setenv("GATEWAY_DATABASE_URL", f"sqlite:///{tmp_path}/gw-cli.db")
    runner = CliRunner()
    created = runner.invoke(main, ["token", "create", "--name", "CRM", "--role", "system"])
    assert created.exit_code == 0, created.output
    token_id = created.output.split("token id:")[1].split()[0]
    assert "rly_" in created.output
    assert "CRM" in runner.invoke(main, ["token", "list"]).output
    assert runner.invoke(main, ["token", "revoke", token_id]).exit_code == 0
    assert "revoked" in runner.invoke(main, ["token", "list"]).output
    bad = runner.invoke(main, ["token", "create", "--name", "x", "--role", "root"])
    assert bad.exit_code != 0
