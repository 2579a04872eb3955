"""Bulk status changes and assignment through HTTP: each ticket on its own, one
refusal never stops the others, what is wrong for all is refused before any change."""

import json

import pytest
import seed
from sqlalchemy import select

from relaykit.kit_schema import outbox
from relaykit.testing.harness import signed


def _problem(resp, status, field=None):
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.headers["Content-Type"] == "application/problem+json"
    body = resp.get_json()
    if field:
        assert field in [e["field"] for e in body.get("errors", [])], body
    return body


def _ok(resp, status=200):
    assert resp.status_code == status, resp.get_data(as_text=True)
    return resp.get_json()


def _events(rt, type_):
    with rt.db.sessions() as s:
        rows = [json.loads(b) for b in s.scalars(select(outbox.c.body).order_by(outbox.c.id))]
    return [m["data"]["ticket"]["number"] for m in rows if m["type"] == type_]


@pytest.fixture
def five(client, staff):
    for i in range(5):
        _ok(client.post("/tickets", json={"subject": f"ticket {i + 1}"}, headers=staff), 201)
    _ok(client.post("/tickets/3/status", json={"status": "resolved"}, headers=staff))
    _ok(client.post("/tickets/3/status", json={"status": "closed"}, headers=staff))


def test_bulk_status_changes_each_ticket_and_reports_each_refusal(client, staff, tickets, five):
    result = _ok(
        client.post("/tickets/bulk/status", json={"numbers": [1, 3, 99, 2], "status": "resolved"}, headers=staff)
    )
    assert result["succeeded"] == 2 and result["failed"] == 2
    ok1, closed, missing, ok2 = result["results"]
    assert ok1 == {"number": 1, "ok": True, "version": 2} and ok2 == {"number": 2, "ok": True, "version": 2}
    assert closed["number"] == 3 and closed["ok"] is False
    assert closed["problem"]["status"] == 409 and closed["problem"]["field"] == "status"
    assert "closed" in closed["problem"]["detail"]
    assert missing == {
        "number": 99,
        "ok": False,
        "problem": {"status": 404, "detail": "there is no ticket #99", "field": "number"},
    }
    statuses = {n: _ok(client.get(f"/tickets/{n}", headers=staff))["status"] for n in range(1, 6)}
    assert statuses == {1: "resolved", 2: "resolved", 3: "closed", 4: "opened", 5: "opened"}
    assert _events(tickets, "ticket.status_changed") == [3, 3, 1, 2]


def test_bulk_postponing_needs_until_for_each_and_validates_it(client, staff, five):
    result = _ok(client.post("/tickets/bulk/status", json={"numbers": [1, 2], "status": "postponed"}, headers=staff))
    assert [r["problem"]["field"] for r in result["results"]] == ["until", "until"]
    later = "2099-01-01T09:00:00+00:00"
    result = _ok(
        client.post(
            "/tickets/bulk/status", json={"numbers": [1, 2], "status": "postponed", "until": later}, headers=staff
        )
    )
    assert result["succeeded"] == 2
    assert _ok(client.get("/tickets/2", headers=staff))["postponed_until"] == later


def test_an_unknown_status_is_refused_before_any_change(client, staff, tickets, five):
    _problem(
        client.post("/tickets/bulk/status", json={"numbers": [1, 2], "status": "nonesuch"}, headers=staff),
        422,
        "status",
    )
    assert _events(tickets, "ticket.status_changed") == [3, 3]


def test_bulk_assign_sets_the_responsible_and_observers_of_each(client, staff, tickets, five):
    sam = seed.employee(tickets, "Sam")
    group = seed.group(tickets, "First line")
    body = {
        "numbers": [1, 2, 3, 42],
        "responsible": {"kind": "employee", "id": sam},
        "add_observers": [{"kind": "group", "id": group}],
    }
    result = _ok(client.post("/tickets/bulk/assign", json=body, headers=staff))
    assert [r["ok"] for r in result["results"]] == [True, True, True, False]
    assert result["results"][3]["problem"]["status"] == 404
    for n in (1, 2, 3):
        t = _ok(client.get(f"/tickets/{n}", headers=staff))
        assert t["responsible"] == {"kind": "employee", "id": sam}
        assert t["observers"] == [{"kind": "group", "id": group}]
    assert _ok(client.get("/tickets/4", headers=staff))["responsible"] is None
    cleared = _ok(
        client.post(
            "/tickets/bulk/assign",
            json={"numbers": [1, 2], "responsible": None, "remove_observers": [{"kind": "group", "id": group}]},
            headers=staff,
        )
    )
    assert cleared["succeeded"] == 2
    t1 = _ok(client.get("/tickets/1", headers=staff))
    assert t1["responsible"] is None and t1["observers"] == []
    # Observers alone leave the responsible as it is.
    _ok(
        client.post(
            "/tickets/bulk/assign",
            json={"numbers": [3], "add_observers": [{"kind": "employee", "id": sam}]},
            headers=staff,
        )
    )
    assert _ok(client.get("/tickets/3", headers=staff))["responsible"] == {"kind": "employee", "id": sam}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"numbers": [1], "responsible": {"kind": "employee", "id": "nobody"}}, "responsible.id"),
        ({"numbers": [1], "responsible": {"kind": "contact", "id": "x"}}, "responsible.kind"),
        ({"numbers": [1], "add_observers": [{"kind": "group", "id": "nobody"}]}, "add_observers.0.id"),
        ({"numbers": [1]}, "responsible"),
        ({"numbers": [1], "add_observers": []}, "responsible"),
    ],
)
def test_bulk_assign_refuses_what_is_wrong_for_all_before_any_change(client, staff, tickets, five, body, field):
    _problem(client.post("/tickets/bulk/assign", json=body, headers=staff), 422, field)
    assert _events(tickets, "ticket.assigned") == []


def test_an_inactive_employee_is_never_made_responsible(client, staff, tickets, five):
    retired = seed.employee(tickets, "Old Timer", active=False)
    body = {"numbers": [1, 2], "responsible": {"kind": "employee", "id": retired}}
    _problem(client.post("/tickets/bulk/assign", json=body, headers=staff), 422, "responsible.id")


@pytest.mark.parametrize("path", ["/tickets/bulk/status", "/tickets/bulk/assign"])
@pytest.mark.parametrize(
    ("numbers", "field"),
    [
        (None, "numbers"),
        ([], "numbers"),
        (list(range(1, 502)), "numbers"),
        ([1, 2, 1], "numbers"),
        ([0], "numbers.0"),
        (["1"], "numbers.0"),
        ([1.5], "numbers.0"),
        ("1,2", "numbers"),
    ],
)
def test_bad_number_lists_are_refused(client, staff, five, path, numbers, field):
    body = {"status": "resolved", "responsible": None}
    if path.endswith("assign"):
        body.pop("status")
    else:
        body.pop("responsible")
    if numbers is not None:
        body["numbers"] = numbers
    _problem(client.post(path, json=body, headers=staff), 422, field)


def test_five_hundred_tickets_at_once_are_fine(client, staff, tickets):
    for i in range(3):
        _ok(client.post("/tickets", json={"subject": f"t{i}"}, headers=staff), 201)
    numbers = list(range(1, 501))
    result = _ok(client.post("/tickets/bulk/status", json={"numbers": numbers, "status": "resolved"}, headers=staff))
    assert result["succeeded"] == 3 and result["failed"] == 497


def test_only_staff_change_tickets_in_bulk(client, staff, tickets, five):
    acme = seed.company(tickets, "Acme")
    boss = signed(role="contact", subject=seed.contact(tickets, acme, "Boss", access="company"))
    for who in (boss, signed(role="system", subject="crm"), {}):
        status = 401 if not who else 403
        _problem(client.post("/tickets/bulk/status", json={"numbers": [1], "status": "resolved"}, headers=who), status)
        _problem(client.post("/tickets/bulk/assign", json={"numbers": [1], "responsible": None}, headers=who), status)
    assert _events(tickets, "ticket.status_changed") == [3, 3]
