"""Bulk status changes and assignment through HTTP: each ticket on its own, one
refusal never stops the others, what is wrong for all is refused before any change."""

import pytest
import seed
from helpers import SYSTEM, ok, outbox_messages, problem

from relaykit.testing.harness import signed


def _events(rt, type_):
    return [m["data"]["ticket"]["number"] for m in outbox_messages(rt, type_)]


@pytest.fixture
def five(client, staff):
    for i in range(5):
        ok(client.post("/tickets", json={"subject": f"ticket {i + 1}"}, headers=staff), 201)
    ok(client.post("/tickets/3/status", json={"status": "resolved"}, headers=staff))
    ok(client.post("/tickets/3/status", json={"status": "closed"}, headers=staff))


def test_bulk_status_changes_each_ticket_and_reports_each_refusal(client, staff, tickets, five):
    result = ok(
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
    statuses = {n: ok(client.get(f"/tickets/{n}", headers=staff))["status"] for n in range(1, 6)}
    assert statuses == {1: "resolved", 2: "resolved", 3: "closed", 4: "opened", 5: "opened"}
    assert _events(tickets, "ticket.status_changed") == [3, 3, 1, 2]


def test_bulk_postponing_needs_until_for_each_and_validates_it(client, staff, five):
    result = ok(client.post("/tickets/bulk/status", json={"numbers": [1, 2], "status": "postponed"}, headers=staff))
    assert [r["problem"]["field"] for r in result["results"]] == ["until", "until"]
    later = "2099-01-01T09:00:00+00:00"
    result = ok(
        client.post(
            "/tickets/bulk/status", json={"numbers": [1, 2], "status": "postponed", "until": later}, headers=staff
        )
    )
    assert result["succeeded"] == 2
    assert ok(client.get("/tickets/2", headers=staff))["postponed_until"] == later


def test_an_unknown_status_is_refused_before_any_change(client, staff, tickets, five):
    problem(
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
    result = ok(client.post("/tickets/bulk/assign", json=body, headers=staff))
    assert [r["ok"] for r in result["results"]] == [True, True, True, False]
    assert result["results"][3]["problem"]["status"] == 404
    for n in (1, 2, 3):
        t = ok(client.get(f"/tickets/{n}", headers=staff))
        assert t["responsible"] == {"kind": "employee", "id": sam}
        assert t["observers"] == [{"kind": "group", "id": group}]
    assert ok(client.get("/tickets/4", headers=staff))["responsible"] is None
    cleared = ok(
        client.post(
            "/tickets/bulk/assign",
            json={"numbers": [1, 2], "responsible": None, "remove_observers": [{"kind": "group", "id": group}]},
            headers=staff,
        )
    )
    assert cleared["succeeded"] == 2
    t1 = ok(client.get("/tickets/1", headers=staff))
    assert t1["responsible"] is None and t1["observers"] == []
    # Observers alone leave the responsible as it is.
    ok(
        client.post(
            "/tickets/bulk/assign",
            json={"numbers": [3], "add_observers": [{"kind": "employee", "id": sam}]},
            headers=staff,
        )
    )
    assert ok(client.get("/tickets/3", headers=staff))["responsible"] == {"kind": "employee", "id": sam}


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
    problem(client.post("/tickets/bulk/assign", json=body, headers=staff), 422, field)
    assert _events(tickets, "ticket.assigned") == []


def test_an_inactive_employee_is_never_made_responsible(client, staff, tickets, five):
    retired = seed.employee(tickets, "Old Timer", active=False)
    body = {"numbers": [1, 2], "responsible": {"kind": "employee", "id": retired}}
    problem(client.post("/tickets/bulk/assign", json=body, headers=staff), 422, "responsible.id")


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
    problem(client.post(path, json=body, headers=staff), 422, field)


def test_five_hundred_tickets_at_once_are_fine(client, staff, tickets):
    for i in range(3):
        ok(client.post("/tickets", json={"subject": f"t{i}"}, headers=staff), 201)
    numbers = list(range(1, 501))
    result = ok(client.post("/tickets/bulk/status", json={"numbers": numbers, "status": "resolved"}, headers=staff))
    assert result["succeeded"] == 3 and result["failed"] == 497


def test_only_staff_change_tickets_in_bulk(client, staff, tickets, five):
    acme = seed.company(tickets, "Acme")
    boss = signed(role="contact", subject=seed.contact(tickets, acme, "Boss", access="company"))
    for who in (boss, SYSTEM, {}):
        status = 401 if not who else 403
        problem(client.post("/tickets/bulk/status", json={"numbers": [1], "status": "resolved"}, headers=who), status)
        problem(client.post("/tickets/bulk/assign", json={"numbers": [1], "responsible": None}, headers=who), status)
    assert _events(tickets, "ticket.status_changed") == [3, 3]
