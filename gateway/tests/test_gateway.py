"""The gateway: who gets in, what identity services see, where requests go."""

import json
import socket

from sqlalchemy import select

from relay_gateway.bootstrap import spec as gateway_spec
from relay_gateway.tokens import CACHE_SECONDS, api_tokens
from relaykit.kit_schema import outbox
from relaykit.serving import background_server

# The fixtures (tickets, gateway, client, people) are in conftest.py: every token acts
# for an employee or contact the tickets service created and the gateway's copy holds.


def _gateway(harness, upstreams, namespace):
    gw = harness.runtime(gateway_spec, namespace=namespace)
    gw.upstreams = upstreams
    return gw


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def _problem(resp, status):
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.headers["Content-Type"] == "application/problem+json"
    return resp.get_json()


def test_tokens_are_stored_only_as_hashes(gateway, people):
    token, _info = people.token()
    with gateway.db.sessions() as s:
        row = s.execute(select(api_tokens)).one()
    assert token.startswith("rly_") and token not in json.dumps([str(v) for v in row])
    assert row.token_hash != token and len(row.token_hash) == 64


def test_requests_go_through_with_a_token_and_its_role(client, people):
    token, _ = people.token(role="specialist")
    r = client.post("/api/tickets/tickets", json={"subject": "Through the gateway"}, headers=_bearer(token))
    assert r.status_code == 201, r.get_data(as_text=True)
    assert r.headers["Location"] == "/api/tickets/tickets/1"
    assert client.get("/api/tickets/tickets/1", headers=_bearer(token)).get_json()["subject"] == "Through the gateway"


def test_callers_without_a_good_token_are_refused(client, gateway, people):
    _problem(client.get("/api/tickets/tickets"), 401)
    _problem(client.get("/api/tickets/tickets", headers={"Authorization": "Basic dXNlcjpwdw=="}), 401)
    _problem(client.get("/api/tickets/tickets", headers=_bearer("rly_not-a-token")), 401)
    token, info = people.token()
    assert client.get("/api/tickets/tickets", headers=_bearer(token)).status_code == 200
    gateway.app.extensions["relay.tokens"].revoke(info.id)
    _problem(client.get("/api/tickets/tickets", headers=_bearer(token)), 401)
    assert CACHE_SECONDS <= 5


def test_a_client_cannot_smuggle_its_own_identity_header(client, people):
    from relaykit.testing.harness import signed

    staff, _ = people.token(role="specialist")
    r = client.post("/api/tickets/tickets", json={"subject": "Not theirs"}, headers=_bearer(staff))
    assert r.status_code == 201
    token, _ = people.token(role="contact")
    forged = signed(role="administrator")  # even correctly signed: the gateway replaces it
    r = client.get("/api/tickets/employees", headers=_bearer(token) | forged)
    assert r.status_code == 403  # the service saw the contact, not the administrator
    assert client.get("/api/tickets/tickets", headers=_bearer(token) | forged).get_json()["items"] == []


def test_roles_are_enforced_by_the_services_behind_the_gateway(client, people):
    token, _ = people.token(role="contact")
    _problem(client.get("/api/tickets/employees", headers=_bearer(token)), 403)
    priority = {"key": "x", "name": "X", "colour": "#000000"}
    _problem(client.post("/api/tickets/settings/priorities", json=priority, headers=_bearer(token)), 403)


def test_unknown_services_are_404(client, people):
    token, _ = people.token()
    body = _problem(client.get("/api/nothing/here", headers=_bearer(token)), 404)
    assert body["errors"][0]["field"] == "service"


def test_the_correlation_id_travels_from_the_caller_into_the_event(client, tickets, people):
    token, _ = people.token()
    r = client.post(
        "/api/tickets/tickets",
        json={"subject": "Traced"},
        headers=_bearer(token) | {"X-Correlation-Id": "trace-77"},
    )
    assert r.headers["X-Correlation-Id"] == "trace-77"
    with tickets.db.sessions() as s:
        created = select(outbox.c.correlation_id).where(outbox.c.type == "ticket.created")
        assert s.execute(created).scalar_one() == "trace-77"


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


def test_forwarding_over_http_to_a_separate_service_process(harness, tickets, people, bus_namespace):
    port = _free_port()
    server = background_server(tickets.app, "127.0.0.1", port)
    try:
        # Another gateway process on the same database (and so the same directory copy).
        gateway = _gateway(harness, {"tickets": f"http://127.0.0.1:{port}"}, bus_namespace)
        client = gateway.app.test_client()
        token, _ = people.token()
        r = client.post("/api/tickets/tickets", json={"subject": "Over HTTP"}, headers=_bearer(token))
        assert r.status_code == 201 and r.headers["Location"] == "/api/tickets/tickets/1"
        _problem(client.post("/api/tickets/tickets", json={}, headers=_bearer(token)), 422)
        assert client.get("/api/openapi.json").get_json()["paths"]
    finally:
        server.shutdown()
    down = _gateway(harness, {"tickets": f"http://127.0.0.1:{_free_port()}"}, bus_namespace)
    token, _ = people.token()
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
