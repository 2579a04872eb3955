"""Saved views and canned responses through HTTP: who sees and changes what, lists
through a view, rendering variables, bad input."""

import pytest
import seed
from helpers import ADMIN, LEAD, SPECIALIST, SYSTEM, ok, problem

from relaykit.testing.harness import signed

OTHER = signed(role="specialist", subject="emp-2")


def numbers(resp):
    return [t["number"] for t in ok(resp)["items"]]


# -- saved views -------------------------------------------------------------------------------
def test_a_view_keeps_filters_columns_and_sort_as_given(client):
    body = {
        "name": "  My urgent  ",
        "filters": {
            "status_kind": "open",
            "priority": ["high", "critical"],
            "responsible": ["employee:emp-1", "group:g-1"],
            "created_from": "2026-11-01T00:00:00+01:00",
            "due_today": True,
            "tz": "Europe/Berlin",
            "q": "printer",
        },
        "columns": ["number", "subject", "priority"],
        "sort": "-priority",
    }
    r = client.post("/views", json=body, headers=SPECIALIST)
    view = ok(r, 201)
    assert r.headers["Location"] == f"/views/{view['id']}"
    assert view["name"] == "My urgent" and view["owner_id"] == "emp-1" and view["shared"] is False
    assert view["filters"] == body["filters"] | {"created_from": "2026-11-01T00:00:00+01:00"}
    assert view["columns"] == ["number", "subject", "priority"] and view["sort"] == "-priority"
    assert view["editable"] is True
    assert ok(client.get(f"/views/{view['id']}", headers=SPECIALIST)) == view
    defaults = ok(client.post("/views", json={"name": "Everything"}, headers=SPECIALIST), 201)
    assert defaults["filters"] == {} and defaults["sort"] == "-number" and "subject" in defaults["columns"]


def test_private_views_are_their_owners_alone_and_shared_ones_everyones(client):
    mine = ok(client.post("/views", json={"name": "Mine"}, headers=SPECIALIST), 201)
    shared = ok(client.post("/views", json={"name": "Team", "shared": True}, headers=SPECIALIST), 201)
    theirs = ok(client.post("/views", json={"name": "Theirs"}, headers=OTHER), 201)
    assert [v["name"] for v in ok(client.get("/views", headers=SPECIALIST))["items"]] == ["Mine", "Team"]
    listed = ok(client.get("/views", headers=OTHER))["items"]
    assert [(v["name"], v["editable"]) for v in listed] == [("Team", False), ("Theirs", True)]
    # Another user's private view does not exist for anyone else, administrators included.
    for who in (OTHER, ADMIN):
        problem(client.get(f"/views/{mine['id']}", headers=who), 404, "id")
        problem(client.patch(f"/views/{mine['id']}", json={"name": "x"}, headers=who), 404, "id")
        problem(client.delete(f"/views/{mine['id']}", headers=who), 404, "id")
        problem(client.get(f"/tickets?view={mine['id']}", headers=who), 404, "view")
    problem(client.get(f"/views/{theirs['id']}", headers=SPECIALIST), 404, "id")
    # A shared view: everyone reads it; its owner and administrators change it.
    assert ok(client.get(f"/views/{shared['id']}", headers=OTHER))["name"] == "Team"
    problem(client.patch(f"/views/{shared['id']}", json={"name": "Mine now"}, headers=OTHER), 403)
    problem(client.patch(f"/views/{shared['id']}", json={"name": "Mine now"}, headers=LEAD), 403)
    problem(client.delete(f"/views/{shared['id']}", headers=OTHER), 403)
    assert ok(client.patch(f"/views/{shared['id']}", json={"name": "Team A"}, headers=ADMIN))["name"] == "Team A"
    unshared = ok(client.patch(f"/views/{shared['id']}", json={"shared": False}, headers=SPECIALIST))
    assert unshared["shared"] is False
    problem(client.get(f"/views/{shared['id']}", headers=OTHER), 404)
    assert client.delete(f"/views/{mine['id']}", headers=SPECIALIST).status_code == 204
    problem(client.get(f"/views/{mine['id']}", headers=SPECIALIST), 404)


def test_contacts_and_systems_have_no_views(client, tickets):
    acme = seed.company(tickets, "Acme")
    anna = signed(role="contact", subject=seed.contact(tickets, acme, "Anna"))
    view = ok(client.post("/views", json={"name": "Team", "shared": True}, headers=SPECIALIST), 201)
    for who in (anna, SYSTEM):
        problem(client.get("/views", headers=who), 403)
        problem(client.post("/views", json={"name": "x"}, headers=who), 403)
        problem(client.get(f"/views/{view['id']}", headers=who), 403)
    problem(client.get(f"/tickets?view={view['id']}", headers=anna), 403, "view")


def test_listing_through_a_view_applies_its_filters_and_sort_and_the_query_overrides(client):
    for subject, priority in [("a", "low"), ("b", "high"), ("c", "high"), ("d", "critical"), ("e", "normal")]:
        ok(client.post("/tickets", json={"subject": subject, "priority": priority}, headers=SPECIALIST), 201)
    ok(client.post("/tickets/5/status", json={"status": "resolved"}, headers=SPECIALIST))
    body = {"name": "Hot", "filters": {"priority": ["high", "critical"]}, "sort": "number", "shared": True}
    view = ok(client.post("/views", json=body, headers=SPECIALIST), 201)
    assert numbers(client.get(f"/tickets?view={view['id']}", headers=SPECIALIST)) == [2, 3, 4]
    # A shared view lists, to each, the tickets they may see: none of these are the other specialist's.
    assert numbers(client.get(f"/tickets?view={view['id']}", headers=OTHER)) == []
    assert numbers(client.get(f"/tickets?view={view['id']}", headers=LEAD)) == [2, 3, 4]
    assert numbers(client.get(f"/tickets?view={view['id']}&sort=-number", headers=SPECIALIST)) == [4, 3, 2]
    assert numbers(client.get(f"/tickets?view={view['id']}&priority=normal", headers=SPECIALIST)) == [5]
    assert numbers(client.get(f"/tickets?view={view['id']}&status=resolved", headers=SPECIALIST)) == []
    page = ok(client.get(f"/tickets?view={view['id']}&limit=2", headers=SPECIALIST))
    rest = client.get(f"/tickets?view={view['id']}&limit=2&cursor={page['next_cursor']}", headers=SPECIALIST)
    assert numbers(rest) == [4]
    problem(client.get("/tickets?view=no-such-view", headers=SPECIALIST), 404, "view")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": "  "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "v", "shared": "perhaps"}, "shared"),
        ({"name": "v", "filters": {"colour": "red"}}, "filters.colour"),
        ({"name": "v", "filters": {"status": "opened"}}, "filters.status"),
        ({"name": "v", "filters": {"status": ["nonesuch"]}}, "filters.status.0"),
        ({"name": "v", "filters": {"priority": ["urgent"]}}, "filters.priority.0"),
        ({"name": "v", "filters": {"tz": "Mars/Olympus"}}, "filters.tz"),
        ({"name": "v", "filters": {"responsible": ["bob"]}}, "filters.responsible.0"),
        ({"name": "v", "filters": {"created_from": "2026-01-01T00:00:00"}}, "filters.created_from"),
        ({"name": "v", "filters": {"limit": 5}}, "filters.limit"),
        ({"name": "v", "filters": []}, "filters"),
        ({"name": "v", "columns": []}, "columns"),
        ({"name": "v", "columns": ["number", "number"]}, "columns"),
        ({"name": "v", "columns": ["salary"]}, "columns.0"),
        ({"name": "v", "sort": "subject"}, "sort"),
        ({"name": "v", "owner_id": "emp-2"}, "owner_id"),
    ],
)
def test_bad_views_are_refused_naming_the_field(client, body, field):
    problem(client.post("/views", json=body, headers=SPECIALIST), 422, field)


def test_view_names_are_unique_per_owner(client):
    first = ok(client.post("/views", json={"name": "Open"}, headers=SPECIALIST), 201)
    problem(client.post("/views", json={"name": "Open"}, headers=SPECIALIST), 409, "name")
    ok(client.post("/views", json={"name": "Open"}, headers=OTHER), 201)
    second = ok(client.post("/views", json={"name": "Closed"}, headers=SPECIALIST), 201)
    problem(client.patch(f"/views/{second['id']}", json={"name": "Open"}, headers=SPECIALIST), 409, "name")
    ok(client.patch(f"/views/{first['id']}", json={"name": "Open"}, headers=SPECIALIST))
    problem(client.patch(f"/views/{first['id']}", json={"filters": {"tz": "Nowhere"}}, headers=SPECIALIST), 422)
    changed = ok(client.patch(f"/views/{first['id']}", json={"filters": {"overdue": True}}, headers=SPECIALIST))
    assert changed["filters"] == {"overdue": True} and changed["name"] == "Open"


# -- canned responses -----------------------------------------------------------------------------
def test_canned_responses_are_read_by_staff_and_written_by_leads_and_administrators(client, tickets):
    group = ok(client.post("/canned-responses/groups", json={"name": "Greetings"}, headers=LEAD), 201)
    body = {"group_id": group["id"], "title": "Hello", "body": "Hello {{contact.name}}"}
    response = ok(client.post("/canned-responses", json=body, headers=ADMIN), 201)
    assert response == {"id": response["id"], "group_id": group["id"], "title": "Hello", "body": body["body"]} | {
        "position": 0
    }
    for path in (
        "/canned-responses/groups",
        f"/canned-responses/groups/{group['id']}",
        "/canned-responses",
        f"/canned-responses/{response['id']}",
    ):
        assert client.get(path, headers=SPECIALIST).status_code == 200
    # A specialist may not write.
    problem(client.post("/canned-responses/groups", json={"name": "Mine"}, headers=SPECIALIST), 403)
    problem(client.patch(f"/canned-responses/groups/{group['id']}", json={"name": "x"}, headers=SPECIALIST), 403)
    problem(client.delete(f"/canned-responses/groups/{group['id']}", headers=SPECIALIST), 403)
    problem(client.post("/canned-responses", json=body, headers=SPECIALIST), 403)
    problem(client.patch(f"/canned-responses/{response['id']}", json={"title": "x"}, headers=SPECIALIST), 403)
    problem(client.delete(f"/canned-responses/{response['id']}", headers=SPECIALIST), 403)
    # Customers and systems get nothing here.
    anna = signed(role="contact", subject=seed.contact(tickets, None, "Anna"))
    for who in (anna, SYSTEM):
        problem(client.get("/canned-responses", headers=who), 403)
        problem(client.get("/canned-responses/groups", headers=who), 403)
    assert ok(client.get(f"/canned-responses/{response['id']}", headers=SPECIALIST))["title"] == "Hello"


def test_canned_response_groups_and_responses_change_and_go(client):
    g1 = ok(client.post("/canned-responses/groups", json={"name": "Billing", "position": 2}, headers=ADMIN), 201)
    g2 = ok(client.post("/canned-responses/groups", json={"name": "Access", "position": 1}, headers=ADMIN), 201)
    problem(client.post("/canned-responses/groups", json={"name": "billing"}, headers=ADMIN), 409, "name")
    problem(client.patch(f"/canned-responses/groups/{g2['id']}", json={"name": "BILLING"}, headers=ADMIN), 409)
    groups = ok(client.get("/canned-responses/groups", headers=SPECIALIST))["items"]
    assert [g["name"] for g in groups] == ["Access", "Billing"]
    r1 = ok(
        client.post("/canned-responses", json={"group_id": g1["id"], "title": "Refund", "body": "b"}, headers=LEAD), 201
    )
    r2 = ok(
        client.post("/canned-responses", json={"group_id": g2["id"], "title": "Reset", "body": "b"}, headers=LEAD),
        201,
    )
    everything = ok(client.get("/canned-responses", headers=SPECIALIST))["items"]
    assert [r["title"] for r in everything] == ["Reset", "Refund"]
    assert [r["id"] for r in ok(client.get(f"/canned-responses?group_id={g1['id']}", headers=SPECIALIST))["items"]] == [
        r1["id"]
    ]
    moved = ok(client.patch(f"/canned-responses/{r2['id']}", json={"group_id": g1["id"]}, headers=LEAD))
    assert moved["group_id"] == g1["id"] and moved["title"] == "Reset"
    problem(client.delete(f"/canned-responses/groups/{g1['id']}", headers=ADMIN), 409, "id")
    assert client.delete(f"/canned-responses/groups/{g2['id']}", headers=ADMIN).status_code == 204
    for r in (r1, r2):
        assert client.delete(f"/canned-responses/{r['id']}", headers=ADMIN).status_code == 204
    assert client.delete(f"/canned-responses/groups/{g1['id']}", headers=ADMIN).status_code == 204
    problem(client.get(f"/canned-responses/{r1['id']}", headers=ADMIN), 404, "id")
    problem(client.get(f"/canned-responses/groups/{g1['id']}", headers=ADMIN), 404, "id")
    problem(client.patch("/canned-responses/999", json={"title": "x"}, headers=ADMIN), 404, "id")
    problem(client.delete("/canned-responses/groups/999", headers=ADMIN), 404, "id")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "t", "body": "b"}, "group_id"),
        ({"group_id": "1", "title": "t", "body": "b"}, "group_id"),
        ({"group_id": 999, "title": "t", "body": "b"}, "group_id"),
        ({"group_id": 1, "title": " ", "body": "b"}, "title"),
        ({"group_id": 1, "title": "t"}, "body"),
        ({"group_id": 1, "title": "t", "body": ""}, "body"),
        ({"group_id": 1, "title": "t", "body": "b", "position": -1}, "position"),
        ({"group_id": 1, "title": "t", "body": "b", "shared": True}, "shared"),
    ],
)
def test_bad_canned_responses_are_refused_naming_the_field(client, body, field):
    ok(client.post("/canned-responses/groups", json={"name": "G"}, headers=ADMIN), 201)
    problem(client.post("/canned-responses", json=body, headers=ADMIN), 422, field)


def test_rendering_fills_the_variables_from_the_ticket_as_plain_text(client, tickets):
    agent_id = seed.employee(tickets, "Sam <Specialist>")
    acme = seed.company(tickets, "Acme & Sons")
    anna = seed.contact(tickets, acme, "Anna {{agent.name}}")
    agent = signed(role="specialist", subject=agent_id)
    ticket = {"subject": "<b>VPN</b> {{contact.name}}", "contact": {"kind": "contact", "id": anna}}
    ok(client.post("/tickets", json=ticket, headers=agent), 201)
    ok(client.post("/tickets", json={"subject": "no one attached"}, headers=agent), 201)
    group = ok(client.post("/canned-responses/groups", json={"name": "G"}, headers=ADMIN), 201)
    text = (
        "Dear {{contact.name}} ({{ company.name }}),\n#{{ticket.number}} {{ticket.subject}}: "
        "{{ticket.priority}} {{unknown}} {{ agent.name }} {{contact.name"
    )
    r = ok(
        client.post("/canned-responses", json={"group_id": group["id"], "title": "T", "body": text}, headers=ADMIN), 201
    )
    rendered = ok(client.get(f"/canned-responses/{r['id']}/render?ticket=1", headers=agent))
    assert rendered == {
        "id": r["id"],
        "title": "T",
        "ticket": 1,
        "body": "Dear Anna {{agent.name}} (Acme & Sons),\n#1 <b>VPN</b> {{contact.name}}: "
        "{{ticket.priority}} {{unknown}} Sam <Specialist> {{contact.name",
    }
    bare = ok(client.get(f"/canned-responses/{r['id']}/render?ticket=2", headers=LEAD))
    assert bare["body"] == "Dear  (),\n#2 no one attached: {{ticket.priority}} {{unknown}}  {{contact.name"
    problem(client.get(f"/canned-responses/{r['id']}/render?ticket=99", headers=agent), 404, "ticket")
    problem(client.get(f"/canned-responses/{r['id']}/render", headers=agent), 422, "ticket")
    problem(client.get(f"/canned-responses/{r['id']}/render?ticket=one", headers=agent), 422, "ticket")
    problem(client.get("/canned-responses/999/render?ticket=1", headers=agent), 404, "id")
