"""The settings API on PostgreSQL: the key flows, the JSON scan of ticket attributes,
and "exactly one default" under concurrent administrators."""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from helpers import add_attribute, ok, problem
from sqlalchemy import func, select

from relay_tickets import bootstrap
from relay_tickets.adapters.tables.settings import priorities, ticket_types
from relay_tickets.entrypoints.api_settings import register_settings_routes
from relay_tickets.service_layer.unit_of_work import settings_store
from relaykit.testing.harness import signed

pytestmark = pytest.mark.integration


def _routes(app, rt):
    bootstrap._routes(app, rt)
    if "settings_list_ticket_types" not in app.view_functions:  # once bootstrap registers them itself
        register_settings_routes(app, rt)


@pytest.fixture
def pg(harness, pg_url, bus_namespace):
    return harness.runtime(
        dataclasses.replace(bootstrap.spec, routes=_routes), database_url=pg_url, namespace=bus_namespace
    )


@pytest.fixture
def api(pg):
    return pg.app.test_client()


def test_custom_lifecycle_required_attribute_and_desk_on_postgres(api, admin, pg):
    ok(
        api.post("/settings/statuses", json={"key": "in_review", "name": "In review", "kind": "open"}, headers=admin),
        201,
    )
    pairs = [["opened", "in_review"], ["in_review", "resolved"], ["resolved", "closed"]]
    ok(api.put("/settings/ticket-types/2/lifecycle", json={"transitions": pairs}, headers=admin))
    add_attribute(api, admin, 2, key="severity", name="Severity", kind="number", required=True)

    problem(
        api.post("/tickets", json={"subject": "down", "type": "incident"}, headers=admin), 422, "attributes.severity"
    )
    ticket = ok(
        api.post(
            "/tickets", json={"subject": "down", "type": "incident", "attributes": {"severity": 2}}, headers=admin
        ),
        201,
    )
    body = problem(
        api.post(f"/tickets/{ticket['number']}/status", json={"status": "resolved"}, headers=admin), 409, "status"
    )
    assert body["allowed"] == ["in_review"]
    ok(api.post(f"/tickets/{ticket['number']}/status", json={"status": "in_review"}, headers=admin))
    body = problem(api.delete("/settings/ticket-types/2/lifecycle", headers=admin), 409, "transitions")
    assert body["stranded"] == {"in_review": 1}
    problem(api.delete("/settings/statuses/in_review", headers=admin), 409, "key")

    store = settings_store(pg)
    store.ttl = 3600
    assert store.current().reopen_window == timedelta(days=7)
    ok(api.patch("/settings/desk", json={"reopen_window_days": 30}, headers=admin))
    assert store.current().reopen_window == timedelta(days=30)
    assert ok(api.get("/settings/desk", headers=signed(role="specialist")))["reopen_window_days"] == 30


def test_list_options_in_use_are_found_in_postgres_json(api, admin):
    attr = add_attribute(api, admin, 1, key="site", name="Site", kind="list", options=["Paris", "Lyon", "Nice"])
    for site in ("Paris", "Lyon", "Lyon"):
        ok(api.post("/tickets", json={"subject": "x", "attributes": {"site": site}}, headers=admin), 201)
    body = problem(
        api.patch(f"/settings/attributes/{attr['id']}", json={"options": ["Nice"]}, headers=admin), 409, "options"
    )
    assert body["values_in_use"] == {"Paris": 1, "Lyon": 2}
    assert ok(api.patch(f"/settings/attributes/{attr['id']}", json={"options": ["Paris", "Lyon"]}, headers=admin))[
        "options"
    ] == ["Paris", "Lyon"]
    ok(api.patch(f"/settings/attributes/{attr['id']}", json={"options": ["Paris"], "force": True}, headers=admin))
    removal = ok(api.delete(f"/settings/attributes/{attr['id']}", headers=admin))
    assert removal["outcome"] == "deactivated" and removal["tickets"] == 3
    body = problem(api.delete("/settings/ticket-types/1", headers=admin), 409, "id")
    assert "3 ticket" in body["detail"]


def test_concurrent_administrators_leave_exactly_one_default(api, admin, pg):
    keys = [f"type_{i}" for i in range(6)]
    for key in keys:
        ok(api.post("/settings/ticket-types", json={"key": key, "name": key}, headers=admin), 201)
    ids = [t["id"] for t in ok(api.get("/settings/ticket-types", headers=admin))["items"]]

    def make_default(type_id):
        return api.patch(f"/settings/ticket-types/{type_id}", json={"is_default": True}, headers=admin).status_code

    def add_default_priority(i):
        return api.post(
            "/settings/priorities", json={"key": f"p{i}", "name": f"P{i}", "is_default": True}, headers=admin
        ).status_code

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(make_default, ids * 3)) == {200}
        assert set(pool.map(add_default_priority, range(12))) == {201}
    with pg.db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ticket_types).where(ticket_types.c.is_default)) == 1
        assert s.scalar(select(func.count()).select_from(priorities).where(priorities.c.is_default)) == 1
