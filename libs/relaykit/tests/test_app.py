"""The app factory: problems instead of stack traces, role checks everywhere, correlation ids."""

from pathlib import Path

import pytest
from flask import jsonify
from marshmallow import Schema, fields

from relaykit import identity
from relaykit.app import create_app
from relaykit.http import endpoint, public
from relaykit.service import Runtime, ServiceSpec
from relaykit.settings import Settings
from relaykit.testing.harness import signed

EMPTY = Path(__file__).parent / "probe_migrations" / "versions"


class EchoSchema(Schema):
    name = fields.String(required=True)
    count = fields.Integer(load_default=1)
    tags = fields.List(fields.String(), load_default=list)


def _routes(app, rt):
    @app.post("/echo")
    @endpoint(roles={identity.ADMINISTRATOR, identity.SPECIALIST}, summary="Echo", body=EchoSchema)
    def echo(body):
        return body

    @app.get("/boom")
    @endpoint(roles=identity.ROLES, summary="Fail")
    def boom():
        raise RuntimeError("secret internals")


@pytest.fixture
def app(tmp_path):
    spec = ServiceSpec(name="demo", title="Demo", migrations=EMPTY, routes=_routes)
    rt = Runtime(spec, Settings(service="demo", database_url=f"sqlite:///{tmp_path}/d.db", max_body_bytes=2048))
    return rt.app


@pytest.fixture
def client(app):
    return app.test_client()


def _problem(resp, status, field=None):
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.headers["Content-Type"] == "application/problem+json"
    body = resp.get_json()
    assert body["status"] == status and body["title"] and body["detail"]
    if field:
        assert field in [e["field"] for e in body["errors"]], body
    return body


def test_valid_call_and_correlation_id_round_trip(client):
    r = client.post("/echo", json={"name": "x"}, headers=signed() | {"X-Correlation-Id": "abc-123"})
    assert r.status_code == 200
    assert r.get_json() == {"name": "x", "count": 1, "tags": []}
    assert r.headers["X-Correlation-Id"] == "abc-123"


def test_a_correlation_id_is_made_when_none_is_given(client):
    r = client.post("/echo", json={"name": "x"}, headers=signed())
    assert len(r.headers["X-Correlation-Id"]) == 36


@pytest.mark.parametrize(
    ("kwargs", "status", "field"),
    [
        ({"json": {}}, 422, "name"),
        ({"json": {"name": 5}}, 422, "name"),
        ({"json": {"name": "x", "count": "many"}}, 422, "count"),
        ({"json": {"name": "x", "surprise": True}}, 422, "surprise"),
        ({"json": {"name": "x", "tags": [1, {}]}}, 422, "tags.0"),
        ({"json": [1, 2]}, 422, "body"),
        ({"data": b'{"name": ', "content_type": "application/json"}, 400, "body"),
        ({"data": b"\xff\xfe", "content_type": "application/json"}, 400, "body"),
        ({"data": "name=x", "content_type": "application/x-www-form-urlencoded"}, 415, "Content-Type"),
        ({"data": b'{"name": "' + b"x" * 5000 + b'"}', "content_type": "application/json"}, 413, "body"),
    ],
    ids=[
        "missing",
        "wrong-type",
        "wrong-int",
        "unknown",
        "nested",
        "array",
        "malformed",
        "not-utf8",
        "form",
        "oversize",
    ],
)
def test_bad_input_is_a_problem_naming_the_field(client, kwargs, status, field):
    _problem(client.post("/echo", headers=signed(), **kwargs), status, field)


def test_unexpected_errors_are_problems_without_internals(client):
    body = _problem(client.get("/boom", headers=signed()), 500)
    assert "secret internals" not in str(body)
    assert body["correlation_id"]


def test_unknown_route_and_method_are_problems(client):
    _problem(client.get("/nowhere", headers=signed()), 404)
    _problem(client.delete("/echo", headers=signed()), 405)


def test_unsigned_forged_and_wrong_role_callers_are_refused(client):
    _problem(client.post("/echo", json={"name": "x"}), 401)
    _problem(client.post("/echo", json={"name": "x"}, headers=signed(secret="not-the-secret")), 401)
    _problem(client.post("/echo", json={"name": "x"}, headers=signed(role=identity.CONTACT)), 403)
    _problem(client.post("/echo", json={"name": "x"}, headers=signed(role=identity.LEAD_SPECIALIST)), 403)


def test_health_and_openapi_are_public_metrics_are_not_here(client):
    assert client.get("/healthz").get_json()["status"] == "ok"
    assert client.get("/readyz").get_json()["status"] == "ready"
    client.post("/echo", json={"name": "x"}, headers=signed())
    _problem(client.get("/metrics"), 404)  # on the operations listener (test_edge.py)
    doc = client.get("/openapi.json").get_json()
    op = doc["paths"]["/echo"]["post"]
    assert op["x-relay-roles"] == ["administrator", "specialist"]
    assert "422" in op["responses"] and "requestBody" in op


def test_readiness_reports_an_unreachable_database(tmp_path):
    spec = ServiceSpec(name="demo", title="Demo", migrations=EMPTY, routes=_routes, publishes=("x.y",))
    settings = Settings(
        service="demo",
        database_url="postgresql+psycopg://nobody@127.0.0.1:1/none",
        amqp_url="amqp://guest:guest@127.0.0.1:1//",
    )
    r = Runtime(spec, settings).app.test_client().get("/readyz")
    body = _problem(r, 503)
    assert set(body["checks"]) == {"database", "broker"}


def test_a_route_without_a_role_check_stops_the_service_from_starting(tmp_path):
    def unguarded(app, rt):
        @app.get("/open")
        def open_door():
            return jsonify(ok=True)

    spec = ServiceSpec(name="demo", title="Demo", migrations=EMPTY, routes=unguarded)
    with pytest.raises(RuntimeError, match="/open"):
        Runtime(spec, Settings(service="demo", database_url=f"sqlite:///{tmp_path}/d.db")).app  # noqa: B018


def test_public_routes_are_explicit(tmp_path):
    def routes(app, rt):
        @app.get("/status")
        @public
        def status():
            return jsonify(ok=True)

    spec = ServiceSpec(name="demo", title="Demo", migrations=EMPTY, routes=routes)
    app = Runtime(spec, Settings(service="demo", database_url=f"sqlite:///{tmp_path}/d.db")).app
    assert app.test_client().get("/status").status_code == 200
    assert create_app  # the factory the runtime used


def test_log_lines_carry_the_correlation_id_as_json(client):
    import io
    import json as _json
    import logging

    from relaykit.logs import JsonFormatter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())  # formats at emit time, inside the request
    logger = logging.getLogger("relaykit.app")
    logger.addHandler(handler)
    try:
        client.get("/boom", headers=signed() | {"X-Correlation-Id": "log-cid-1"})
    finally:
        logger.removeHandler(handler)
    line = _json.loads(stream.getvalue().splitlines()[0])
    assert line["correlation_id"] == "log-cid-1" and line["level"] == "error" and "exc" in line
