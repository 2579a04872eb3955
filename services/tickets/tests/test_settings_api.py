"""The settings administration API through HTTP (SQLite, in-process): what administrators
change, what the rest of the service then obeys, the refusals and who may not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import seed
from helpers import CONTACT, add_attribute, ok, post_ticket, problem
from sqlalchemy import insert

from relay_tickets.adapters.tables.directory import companies, contacts
from relay_tickets.service_layer.unit_of_work import settings_store
from relaykit.testing.harness import signed


def _types(api, admin):
    return {t["key"]: t for t in ok(api.get("/settings/ticket-types", headers=admin))["items"]}


def _ticket(api, admin, **body):
    return ok(post_ticket(api, admin, **body), 201)


def _now():
    return datetime.now(UTC)


def _contact(rt, contact_id="contact-1", company_id=None):
    with rt.db.sessions() as s:
        s.execute(
            insert(contacts).values(
                id=contact_id,
                name="Ann Customer",
                company_id=company_id,
                portal_access="own",
                active=True,
                created_at=_now(),
                updated_at=_now(),
                version=1,
            )
        )
        s.commit()


# -- who may ------------------------------------------------------------------------------------
WRITES = [
    ("post", "/settings/ticket-types", {"key": "x", "name": "X"}),
    ("patch", "/settings/ticket-types/1", {"name": "X"}),
    ("delete", "/settings/ticket-types/3", None),
    ("put", "/settings/ticket-types/1/lifecycle", {"transitions": [["opened", "resolved"]]}),
    ("delete", "/settings/ticket-types/1/lifecycle", None),
    ("put", "/settings/lifecycle", {"transitions": [["opened", "resolved"]]}),
    ("post", "/settings/statuses", {"key": "x", "name": "X", "kind": "open"}),
    ("patch", "/settings/statuses/opened", {"name": "X"}),
    ("delete", "/settings/statuses/opened", None),
    ("post", "/settings/priorities", {"key": "x", "name": "X", "colour": "#000000"}),
    ("patch", "/settings/priorities/1", {"name": "X"}),
    ("delete", "/settings/priorities/1", None),
    ("post", "/settings/ticket-types/1/attributes", {"key": "x", "name": "X", "kind": "text"}),
    ("patch", "/settings/attributes/1", {"name": "X"}),
    ("delete", "/settings/attributes/1", None),
    ("post", "/settings/client-categories", {"name": "X"}),
    ("patch", "/settings/client-categories/1", {"name": "X"}),
    ("delete", "/settings/client-categories/1", None),
    ("patch", "/settings/desk", {"auto_close_hours": 1}),
]
READS = [
    "/settings/ticket-types",
    "/settings/ticket-types/1",
    "/settings/ticket-types/1/lifecycle",
    "/settings/ticket-types/1/attributes",
    "/settings/lifecycle",
    "/settings/statuses",
    "/settings/statuses/opened",
    "/settings/priorities",
    "/settings/priorities/1",
    "/settings/client-categories",
    "/settings/desk",
]


@pytest.mark.parametrize("role", ["specialist", "lead_specialist", "contact", "system"])
@pytest.mark.parametrize(("method", "path", "body"), WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES])
def test_only_administrators_change_settings(api, admin, role, method, path, body):
    before = {p: api.get(p, headers=admin).get_json() for p in READS if "attributes" not in p}
    kwargs = {"json": body} if body is not None else {}
    body = problem(getattr(api, method)(path, headers=signed(role=role, subject="u-1"), **kwargs), 403)
    assert role in body["detail"]
    problem(getattr(api, method)(path, **kwargs), 401)
    problem(getattr(api, method)(path, headers=signed(secret="forged"), **kwargs), 401)
    assert {p: api.get(p, headers=admin).get_json() for p in before} == before


@pytest.mark.parametrize("path", READS)
def test_all_staff_read_settings_and_nobody_else(api, path):
    for role in ("administrator", "lead_specialist", "specialist"):
        ok(api.get(path, headers=signed(role=role)))
    for role in ("contact", "system"):
        problem(api.get(path, headers=signed(role=role)), 403)
    problem(api.get(path), 401)


def test_the_settings_routes_are_in_the_openapi_document(api):
    paths = api.get("/openapi.json").get_json()["paths"]
    assert {"/settings/ticket-types/{type_id}/lifecycle", "/settings/desk", "/portal/ticket-types"} <= set(paths)
    assert paths["/settings/desk"]["patch"]["x-relay-roles"] == ["administrator"]
    assert paths["/settings/desk"]["get"]["x-relay-roles"] == ["administrator", "lead_specialist", "specialist"]
    assert paths["/portal/ticket-types"]["get"]["x-relay-roles"] == [
        "administrator",
        "contact",
        "lead_specialist",
        "specialist",
    ]
    assert {"403", "409", "422"} <= set(paths["/settings/ticket-types/{type_id}"]["patch"]["responses"])


# -- ticket types --------------------------------------------------------------------------------
def test_ticket_types_are_added_changed_and_keep_one_default(api, admin):
    types = _types(api, admin)
    assert list(types) == ["service_request", "incident", "internal_task"]
    assert [k for k, t in types.items() if t["is_default"]] == ["service_request"]
    assert types["internal_task"]["internal"] is True

    r = api.post("/settings/ticket-types", json={"key": "change", "name": "Change", "is_default": True}, headers=admin)
    change = ok(r, 201)
    assert r.headers["Location"] == f"/settings/ticket-types/{change['id']}"
    assert change == {
        "id": change["id"],
        "key": "change",
        "name": "Change",
        "internal": False,
        "active": True,
        "is_default": True,
        "own_lifecycle": False,
        "position": 40,
    }
    assert [k for k, t in _types(api, admin).items() if t["is_default"]] == ["change"]
    # New tickets without a type get the new default at once.
    assert _ticket(api, admin)["type"] == "change"

    incident = types["incident"]["id"]
    changed = ok(
        api.patch(f"/settings/ticket-types/{incident}", json={"name": "Outage", "key": "incident"}, headers=admin)
    )
    assert changed["name"] == "Outage" and changed["key"] == "incident"
    problem(api.patch(f"/settings/ticket-types/{incident}", json={"key": "outage"}, headers=admin), 422, "key")
    ok(api.patch(f"/settings/ticket-types/{incident}", json={"is_default": True}, headers=admin))
    assert [k for k, t in _types(api, admin).items() if t["is_default"]] == ["incident"]


def test_the_default_type_hands_over_only_to_a_named_successor(api, admin):
    types = _types(api, admin)
    sr, incident, internal = (types[k]["id"] for k in ("service_request", "incident", "internal_task"))
    problem(api.patch(f"/settings/ticket-types/{sr}", json={"active": False}, headers=admin), 409, "active")
    problem(api.patch(f"/settings/ticket-types/{sr}", json={"is_default": False}, headers=admin), 409, "is_default")
    problem(
        api.patch(f"/settings/ticket-types/{sr}", json={"active": False, "new_default": "nope"}, headers=admin),
        422,
        "new_default",
    )
    problem(
        api.patch(f"/settings/ticket-types/{incident}", json={"is_default": True, "active": False}, headers=admin),
        422,
        "is_default",
    )
    problem(
        api.patch(f"/settings/ticket-types/{incident}", json={"new_default": "internal_task"}, headers=admin),
        422,
        "new_default",
    )
    ok(api.patch(f"/settings/ticket-types/{incident}", json={"active": False}, headers=admin))
    problem(
        api.patch(f"/settings/ticket-types/{sr}", json={"active": False, "new_default": "incident"}, headers=admin),
        422,
        "new_default",
    )
    ok(api.patch(f"/settings/ticket-types/{sr}", json={"active": False, "new_default": "internal_task"}, headers=admin))
    types = _types(api, admin)
    assert [k for k, t in types.items() if t["is_default"]] == ["internal_task"]
    assert [k for k, t in types.items() if t["active"]] == ["internal_task"]
    problem(
        api.patch(f"/settings/ticket-types/{internal}", json={"active": False, "new_default": "x"}, headers=admin),
        409,
        "active",
    )
    # Inactive types take no new tickets.
    problem(api.post("/tickets", json={"subject": "x", "type": "incident"}, headers=admin), 422, "type")


def test_types_in_use_are_deactivated_not_deleted(api, admin):
    types = _types(api, admin)
    _ticket(api, admin, type="incident")
    body = problem(api.delete(f"/settings/ticket-types/{types['incident']['id']}", headers=admin), 409, "id")
    assert body["tickets"] == 1 and "1 ticket" in body["detail"]
    problem(api.delete(f"/settings/ticket-types/{types['service_request']['id']}", headers=admin), 409, "id")
    extra = ok(api.post("/settings/ticket-types", json={"key": "spare", "name": "Spare"}, headers=admin), 201)
    add_attribute(api, admin, extra["id"], key="a", name="A", kind="text")
    ok(
        api.put(
            f"/settings/ticket-types/{extra['id']}/lifecycle",
            json={"transitions": [["opened", "closed"]]},
            headers=admin,
        )
    )
    assert api.delete(f"/settings/ticket-types/{extra['id']}", headers=admin).status_code == 204
    problem(api.get(f"/settings/ticket-types/{extra['id']}", headers=admin), 404, "id")
    problem(api.delete(f"/settings/ticket-types/{extra['id']}", headers=admin), 404)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "X"}, "key"),
        ({"key": "Bad Key", "name": "X"}, "key"),
        ({"key": "1st", "name": "X"}, "key"),
        ({"key": "x" * 61, "name": "X"}, "key"),
        ({"key": 5, "name": "X"}, "key"),
        ({"key": "x"}, "name"),
        ({"key": "x", "name": "   "}, "name"),
        ({"key": "x", "name": "n" * 121}, "name"),
        ({"key": "x", "name": "X", "internal": "yes"}, "internal"),
        ({"key": "x", "name": "X", "active": 1}, "active"),
        ({"key": "x", "name": "X", "position": -1}, "position"),
        ({"key": "x", "name": "X", "position": True}, "position"),
        ({"key": "x", "name": "X", "position": "3"}, "position"),
        ({"key": "x", "name": "X", "colour": "red"}, "colour"),
        ({"key": "x", "name": "X", "is_default": True, "active": False}, "is_default"),
    ],
)
def test_bad_ticket_types_are_422_naming_the_field(api, admin, body, field):
    problem(api.post("/settings/ticket-types", json=body, headers=admin), 422, field)
    assert len(_types(api, admin)) == 3


def test_duplicate_keys_are_409(api, admin):
    problem(api.post("/settings/ticket-types", json={"key": "incident", "name": "X"}, headers=admin), 409, "key")
    problem(api.post("/settings/priorities", json={"key": "high", "name": "X"}, headers=admin), 409, "key")
    problem(
        api.post("/settings/statuses", json={"key": "closed", "name": "X", "kind": "open"}, headers=admin), 409, "key"
    )
    add_attribute(api, admin, 1, key="a", name="A", kind="text")
    problem(
        api.post("/settings/ticket-types/1/attributes", json={"key": "a", "name": "B", "kind": "text"}, headers=admin),
        409,
        "key",
    )
    # The same key on another type is another attribute.
    add_attribute(api, admin, 2, key="a", name="A", kind="text")


def test_bad_bodies_and_missing_things(api, admin):
    problem(api.patch("/settings/ticket-types/1", json={"colour": "red"}, headers=admin), 422, "colour")
    problem(api.patch("/settings/ticket-types/1", data="name=x", content_type="text/plain", headers=admin), 415)
    problem(api.patch("/settings/ticket-types/1", data="{", content_type="application/json", headers=admin), 400)
    problem(api.patch("/settings/ticket-types/1", json=["x"], headers=admin), 422, "body")
    problem(api.patch("/settings/ticket-types/99", json={"name": "X"}, headers=admin), 404, "id")
    problem(api.get("/settings/ticket-types/99/lifecycle", headers=admin), 404, "id")
    problem(
        api.put("/settings/ticket-types/99/lifecycle", json={"transitions": [["opened", "closed"]]}, headers=admin),
        404,
        "id",
    )
    problem(api.get("/settings/ticket-types/99/attributes", headers=admin), 404, "id")
    problem(api.patch("/settings/statuses/nope", json={"name": "X"}, headers=admin), 404, "key")
    problem(api.patch("/settings/priorities/99", json={"name": "X"}, headers=admin), 404, "id")
    problem(api.patch("/settings/attributes/99", json={"name": "X"}, headers=admin), 404, "id")
    problem(api.patch("/settings/client-categories/99", json={"name": "X"}, headers=admin), 404, "id")


# -- statuses and lifecycles ------------------------------------------------------------------------
def test_a_custom_status_and_own_lifecycle_are_obeyed_by_tickets(api, admin):
    created = ok(
        api.post(
            "/settings/statuses",
            json={"key": "awaiting_approval", "name": "Awaiting approval", "kind": "open", "sla_pausing": True},
            headers=admin,
        ),
        201,
    )
    assert created == {
        "key": "awaiting_approval",
        "name": "Awaiting approval",
        "kind": "open",
        "sla_pausing": True,
        "builtin": False,
        "position": 50,
    }
    incident = _types(api, admin)["incident"]["id"]
    assert ok(api.get(f"/settings/ticket-types/{incident}/lifecycle", headers=admin)) == {
        "type_id": incident,
        "type": "incident",
        "own": False,
        "transitions": [
            ["opened", "postponed"],
            ["opened", "resolved"],
            ["postponed", "opened"],
            ["postponed", "resolved"],
            ["resolved", "closed"],
            ["resolved", "opened"],
        ],
    }
    pairs = [
        ["opened", "awaiting_approval"],
        ["awaiting_approval", "opened"],
        ["awaiting_approval", "resolved"],
        ["resolved", "closed"],
        ["awaiting_approval", "resolved"],  # repeated: said once
    ]
    own = ok(api.put(f"/settings/ticket-types/{incident}/lifecycle", json={"transitions": pairs}, headers=admin))
    assert own["own"] is True and len(own["transitions"]) == 4
    assert _types(api, admin)["incident"]["own_lifecycle"] is True

    ticket = _ticket(api, admin, type="incident")
    assert ticket["allowed_statuses"] == ["awaiting_approval"]
    body = problem(
        api.post(f"/tickets/{ticket['number']}/status", json={"status": "resolved"}, headers=admin), 409, "status"
    )
    assert body["allowed"] == ["awaiting_approval"]
    moved = ok(api.post(f"/tickets/{ticket['number']}/status", json={"status": "awaiting_approval"}, headers=admin))
    assert moved["status"] == "awaiting_approval" and moved["status_name"] == "Awaiting approval"
    assert moved["allowed_statuses"] == ["opened", "resolved"]
    # Other types keep the default lifecycle.
    other = _ticket(api, admin, type="service_request")
    assert other["allowed_statuses"] == ["postponed", "resolved"]
    problem(api.post(f"/tickets/{other['number']}/status", json={"status": "awaiting_approval"}, headers=admin), 409)

    # Back to the default lifecycle would strand the ticket awaiting approval: refused, with the count.
    body = problem(api.delete(f"/settings/ticket-types/{incident}/lifecycle", headers=admin), 409, "transitions")
    assert body["stranded"] == {"awaiting_approval": 1}
    # ... and so would an own lifecycle where it leads nowhere.
    body = problem(
        api.put(
            f"/settings/ticket-types/{incident}/lifecycle",
            json={"transitions": [["opened", "resolved"]]},
            headers=admin,
        ),
        409,
        "transitions",
    )
    assert body["stranded"] == {"awaiting_approval": 1}
    # A status in use cannot be deleted.
    body = problem(api.delete("/settings/statuses/awaiting_approval", headers=admin), 409, "key")
    assert body["tickets"] == 1
    ok(api.post(f"/tickets/{ticket['number']}/status", json={"status": "resolved"}, headers=admin))
    back = ok(api.delete(f"/settings/ticket-types/{incident}/lifecycle", headers=admin))
    assert back["own"] is False and ["opened", "postponed"] in back["transitions"]
    assert _ticket(api, admin, type="incident")["allowed_statuses"] == ["postponed", "resolved"]


@pytest.mark.parametrize(
    ("transitions", "status", "field"),
    [
        ([["opened", "nowhere"]], 422, "transitions.0"),
        ([["opened", "resolved"], ["limbo", "opened"]], 422, "transitions.1"),
        ([["resolved", "closed"]], 422, "transitions"),
        ([["opened", "opened"]], 422, "transitions.0"),
        ([["opened"]], 422, "transitions.0"),
        ([["opened", "resolved", "closed"]], 422, "transitions.0"),
        ([["opened", ""]], 422, "transitions.0.1"),
        ([["opened", 5]], 422, "transitions.0.1"),
        ([], 422, "transitions"),
        ("opened->resolved", 422, "transitions"),
        (None, 422, "transitions"),
        # postponed is open and would lead nowhere
        ([["opened", "postponed"], ["opened", "resolved"]], 422, "transitions"),
    ],
)
def test_bad_lifecycles_are_422_naming_the_field(api, admin, transitions, status, field):
    body = {"transitions": transitions} if transitions is not None else {}
    problem(api.put("/settings/ticket-types/2/lifecycle", json=body, headers=admin), status, field)
    problem(api.put("/settings/lifecycle", json=body, headers=admin), status, field)
    assert ok(api.get("/settings/ticket-types/2/lifecycle", headers=admin))["own"] is False


def test_the_default_lifecycle_is_replaced_for_types_without_their_own(api, admin):
    ticket = _ticket(api, admin)
    until = (_now() + timedelta(days=2)).isoformat()
    ok(api.post(f"/tickets/{ticket['number']}/status", json={"status": "postponed", "until": until}, headers=admin))
    simpler = [["opened", "resolved"], ["resolved", "closed"], ["resolved", "opened"]]
    body = problem(api.put("/settings/lifecycle", json={"transitions": simpler}, headers=admin), 409, "transitions")
    assert body["stranded"] == {"postponed": 1}
    ok(api.post(f"/tickets/{ticket['number']}/status", json={"status": "opened"}, headers=admin))
    default = ok(api.put("/settings/lifecycle", json={"transitions": simpler}, headers=admin))
    assert default == {"type_id": None, "type": None, "own": False, "transitions": sorted(simpler)}
    assert ok(api.get("/tickets/1", headers=admin))["allowed_statuses"] == ["resolved"]
    assert ok(api.get("/settings/ticket-types/1/lifecycle", headers=admin))["transitions"] == sorted(simpler)


def test_statuses_builtin_and_custom(api, admin):
    assert [s["key"] for s in ok(api.get("/settings/statuses", headers=admin))["items"]] == [
        "opened",
        "postponed",
        "resolved",
        "closed",
    ]
    renamed = ok(
        api.patch(
            "/settings/statuses/postponed",
            json={"name": "On hold", "sla_pausing": False, "kind": "open"},
            headers=admin,
        )
    )
    assert renamed["name"] == "On hold" and renamed["sla_pausing"] is False and renamed["builtin"] is True
    problem(api.patch("/settings/statuses/postponed", json={"kind": "closed"}, headers=admin), 422, "kind")
    problem(api.patch("/settings/statuses/postponed", json={"key": "hold"}, headers=admin), 422, "key")
    for key in ("opened", "postponed", "resolved", "closed"):
        problem(api.delete(f"/settings/statuses/{key}", headers=admin), 409, "key")

    # A custom closed status as a final step; turning it open would strand tickets there.
    ok(
        api.post(
            "/settings/statuses",
            json={"key": "cancelled", "name": "Cancelled", "kind": "closed", "position": 35},
            headers=admin,
        ),
        201,
    )
    pairs = [["opened", "resolved"], ["opened", "cancelled"], ["resolved", "closed"]]
    ok(api.put("/settings/ticket-types/2/lifecycle", json={"transitions": pairs}, headers=admin))
    problem(api.patch("/settings/statuses/cancelled", json={"kind": "open"}, headers=admin), 409, "kind")
    body = problem(api.delete("/settings/statuses/cancelled", headers=admin), 409, "key")
    assert body["lifecycles"] == ["incident"]
    ok(api.delete("/settings/ticket-types/2/lifecycle", headers=admin))
    assert ok(api.patch("/settings/statuses/cancelled", json={"kind": "open"}, headers=admin))["kind"] == "open"
    assert [s["key"] for s in ok(api.get("/settings/statuses", headers=admin))["items"]][3] == "cancelled"
    assert api.delete("/settings/statuses/cancelled", headers=admin).status_code == 204
    problem(api.get("/settings/statuses/cancelled", headers=admin), 404, "key")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"key": "waiting", "name": "Waiting", "kind": "pending"}, "kind"),
        ({"key": "waiting", "name": "Waiting"}, "kind"),
        ({"key": "w" * 41, "name": "Waiting", "kind": "open"}, "key"),
        ({"key": "Waiting!", "name": "Waiting", "kind": "open"}, "key"),
        ({"key": "waiting", "name": "", "kind": "open"}, "name"),
        ({"key": "waiting", "name": "Waiting", "kind": "open", "sla_pausing": "no"}, "sla_pausing"),
        ({"key": "waiting", "name": "Waiting", "kind": "open", "builtin": True}, "builtin"),
    ],
)
def test_bad_statuses_are_422_naming_the_field(api, admin, body, field):
    problem(api.post("/settings/statuses", json=body, headers=admin), 422, field)


# -- priorities ---------------------------------------------------------------------------------------
def test_priorities_in_order_with_one_default(api, admin):
    items = ok(api.get("/settings/priorities", headers=admin))["items"]
    assert [p["key"] for p in items] == ["low", "normal", "high", "critical"]
    assert [p["key"] for p in items if p["is_default"]] == ["normal"]
    urgent = ok(
        api.post(
            "/settings/priorities",
            json={"key": "urgent", "name": "Urgent", "colour": "#FF00AA", "position": 35, "is_default": True},
            headers=admin,
        ),
        201,
    )
    assert urgent["colour"] == "#ff00aa"
    items = ok(api.get("/settings/priorities", headers=admin))["items"]
    assert [p["key"] for p in items] == ["low", "normal", "high", "urgent", "critical"]
    assert [p["key"] for p in items if p["is_default"]] == ["urgent"]
    ticket = _ticket(api, admin)
    assert ticket["priority"] == "urgent" and ticket["priority_colour"] == "#ff00aa"

    problem(api.patch(f"/settings/priorities/{urgent['id']}", json={"colour": "#12345"}, headers=admin), 422, "colour")
    problem(api.patch(f"/settings/priorities/{urgent['id']}", json={"active": False}, headers=admin), 409, "active")
    body = problem(api.delete(f"/settings/priorities/{urgent['id']}", headers=admin), 409, "id")
    assert body["tickets"] == 1
    ok(api.patch(f"/settings/priorities/{urgent['id']}", json={"active": False, "new_default": "high"}, headers=admin))
    assert _ticket(api, admin)["priority"] == "high"
    low = items[0]["id"]
    assert api.delete(f"/settings/priorities/{low}", headers=admin).status_code == 204
    assert [p["key"] for p in ok(api.get("/settings/priorities", headers=admin))["items"]] == [
        "normal",
        "high",
        "urgent",
        "critical",
    ]


@pytest.mark.parametrize(("colour"), ["red", "#fff", "#GGGGGG", "ff0000", "#ff00000", 123, ""])
def test_bad_colours_are_422(api, admin, colour):
    problem(
        api.post("/settings/priorities", json={"key": "p", "name": "P", "colour": colour}, headers=admin), 422, "colour"
    )


# -- custom attributes ------------------------------------------------------------------------------------
def test_a_new_required_attribute_is_asked_of_new_tickets(api, rt, admin):
    _ticket(api, admin, type="incident")  # before: nothing required
    created = add_attribute(
        api,
        admin,
        2,
        key="site",
        name="Site",
        kind="list",
        options=["Paris", "Lyon"],
        required=True,
        visible_roles=["administrator", "lead_specialist"],
        visible_to_contacts=True,
    )
    assert created["options"] == ["Paris", "Lyon"] and created["position"] == 10 and created["type_id"] == 2
    problem(api.post("/tickets", json={"subject": "x", "type": "incident"}, headers=admin), 422, "attributes.site")
    problem(
        api.post("/tickets", json={"subject": "x", "type": "incident", "attributes": {"site": "Nice"}}, headers=admin),
        422,
        "attributes.site",
    )
    responsible = {"kind": "employee", "id": seed.employee(rt)}
    ticket = _ticket(api, admin, type="incident", attributes={"site": "Lyon"}, responsible=responsible)
    assert ticket["attributes"] == {"site": "Lyon"}
    # Its responsible, a specialist, may not see it (visible_roles), the lead may.
    specialist = signed(role="specialist", subject=responsible["id"])
    assert ok(api.get(f"/tickets/{ticket['number']}", headers=specialist))["attributes"] == {}
    assert ok(api.get(f"/tickets/{ticket['number']}", headers=signed(role="lead_specialist")))["attributes"] == {
        "site": "Lyon"
    }
    # Other types are unaffected.
    _ticket(api, admin, type="service_request")
    listed = ok(api.get("/settings/ticket-types/2/attributes", headers=admin))["items"]
    assert [a["key"] for a in listed] == ["site"]


def test_list_options_in_use_are_not_dropped_without_force(api, admin):
    attr = add_attribute(api, admin, 1, key="os", name="OS", kind="list", options=["linux", "windows", "mac"])
    for os_ in ("linux", "windows", "windows"):
        _ticket(api, admin, attributes={"os": os_})
    _ticket(api, admin, type="incident", attributes={})
    body = problem(
        api.patch(f"/settings/attributes/{attr['id']}", json={"options": ["linux"]}, headers=admin), 409, "options"
    )
    assert body["values_in_use"] == {"windows": 2}
    # Dropping an unused value, and reordering, need no force.
    changed = ok(
        api.patch(f"/settings/attributes/{attr['id']}", json={"options": ["windows", "linux", "bsd"]}, headers=admin)
    )
    assert changed["options"] == ["windows", "linux", "bsd"]
    forced = ok(
        api.patch(f"/settings/attributes/{attr['id']}", json={"options": ["linux"], "force": True}, headers=admin)
    )
    assert forced["options"] == ["linux"]
    # Tickets keep what they hold; the value is no longer offered.
    assert ok(api.get("/tickets/2", headers=admin))["attributes"] == {"os": "windows"}
    problem(
        api.post("/tickets", json={"subject": "x", "attributes": {"os": "windows"}}, headers=admin),
        422,
        "attributes.os",
    )


def test_attributes_change_and_deactivate_when_tickets_hold_values(api, admin):
    text = add_attribute(api, admin, 1, key="ref", name="Ref", kind="text")
    unused = add_attribute(api, admin, 1, key="due", name="Due", kind="date")
    _ticket(api, admin, attributes={"ref": "PO-1"})
    changed = ok(
        api.patch(
            f"/settings/attributes/{text['id']}",
            json={
                "name": "Order ref",
                "required": True,
                "visible_roles": ["specialist", "specialist"],
                "key": "ref",
                "kind": "text",
            },
            headers=admin,
        )
    )
    assert changed["name"] == "Order ref" and changed["visible_roles"] == ["specialist"]
    problem(api.patch(f"/settings/attributes/{text['id']}", json={"key": "order"}, headers=admin), 422, "key")
    problem(api.patch(f"/settings/attributes/{text['id']}", json={"kind": "number"}, headers=admin), 422, "kind")
    problem(api.patch(f"/settings/attributes/{text['id']}", json={"options": ["a"]}, headers=admin), 422, "options")

    removal = ok(api.delete(f"/settings/attributes/{text['id']}", headers=admin))
    assert removal["outcome"] == "deactivated" and removal["tickets"] == 1 and removal["attribute"]["active"] is False
    # Inactive: no longer required, and no longer accepted.
    _ticket(api, admin)
    problem(
        api.post("/tickets", json={"subject": "x", "attributes": {"ref": "PO-2"}}, headers=admin), 422, "attributes.ref"
    )
    assert api.delete(f"/settings/attributes/{unused['id']}", headers=admin).status_code == 204
    assert [a["key"] for a in ok(api.get("/settings/ticket-types/1/attributes", headers=admin))["items"]] == ["ref"]
    # Both answers are in the document (the fuzz test holds every answer to it).
    answers = api.get("/openapi.json").get_json()["paths"]["/settings/attributes/{attribute_id}"]["delete"]["responses"]
    assert "content" in answers["200"] and "content" not in answers["204"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"key": "a", "name": "A", "kind": "colour"}, "kind"),
        ({"key": "a", "name": "A"}, "kind"),
        ({"key": "a", "name": "A", "kind": "list"}, "options"),
        ({"key": "a", "name": "A", "kind": "list", "options": []}, "options"),
        ({"key": "a", "name": "A", "kind": "list", "options": ["x", "x"]}, "options.1"),
        ({"key": "a", "name": "A", "kind": "list", "options": ["x", " "]}, "options.1"),
        ({"key": "a", "name": "A", "kind": "list", "options": ["x", ""]}, "options.1"),
        ({"key": "a", "name": "A", "kind": "list", "options": "x,y"}, "options"),
        ({"key": "a", "name": "A", "kind": "text", "options": ["x"]}, "options"),
        ({"key": "a", "name": "A", "kind": "text", "visible_roles": ["contact"]}, "visible_roles.0"),
        ({"key": "a", "name": "A", "kind": "text", "visible_roles": "specialist"}, "visible_roles"),
        ({"key": "a", "name": "A", "kind": "text", "required": "true"}, "required"),
        ({"key": "a", "name": "A", "kind": "text", "visible_to_contacts": None}, "visible_to_contacts"),
        ({"key": "A-1", "name": "A", "kind": "text"}, "key"),
    ],
)
def test_bad_attributes_are_422_naming_the_field(api, admin, body, field):
    problem(api.post("/settings/ticket-types/1/attributes", json=body, headers=admin), 422, field)
    assert ok(api.get("/settings/ticket-types/1/attributes", headers=admin))["items"] == []


# -- client categories ------------------------------------------------------------------------------------------
def test_client_categories(api, admin, rt):
    items = ok(api.get("/settings/client-categories", headers=admin))["items"]
    assert [c["name"] for c in items] == ["Client", "Partner", "VIP client"]
    gold = ok(api.post("/settings/client-categories", json={"name": " Gold "}, headers=admin), 201)
    assert gold["name"] == "Gold" and gold["position"] == 13
    problem(api.post("/settings/client-categories", json={"name": "vip CLIENT"}, headers=admin), 409, "name")
    problem(
        api.patch(f"/settings/client-categories/{gold['id']}", json={"name": "Partner"}, headers=admin), 409, "name"
    )
    problem(api.post("/settings/client-categories", json={"name": ""}, headers=admin), 422, "name")
    problem(
        api.post("/settings/client-categories", json={"name": "X", "position": "1"}, headers=admin), 422, "position"
    )
    assert (
        ok(
            api.patch(
                f"/settings/client-categories/{gold['id']}", json={"name": "Gold client", "position": 0}, headers=admin
            )
        )["name"]
        == "Gold client"
    )
    assert ok(api.get("/settings/client-categories", headers=admin))["items"][0]["name"] == "Gold client"
    with rt.db.sessions() as s:
        s.execute(
            insert(companies).values(
                id="co-1",
                name="Acme",
                category_id=gold["id"],
                active=True,
                created_at=_now(),
                updated_at=_now(),
                version=1,
            )
        )
        s.commit()
    body = problem(api.delete(f"/settings/client-categories/{gold['id']}", headers=admin), 409, "id")
    assert body["companies"] == 1
    assert api.delete(f"/settings/client-categories/{items[1]['id']}", headers=admin).status_code == 204
    assert [c["name"] for c in ok(api.get("/settings/client-categories", headers=admin))["items"]] == [
        "Gold client",
        "Client",
        "VIP client",
    ]


# -- desk settings -----------------------------------------------------------------------------------------------
def test_desk_settings_change_is_seen_at_once(api, admin, rt):
    assert ok(api.get("/settings/desk", headers=admin)) == {
        "default_comment_public": True,
        "auto_close_hours": 72,
        "reopen_window_days": 7,
        "attachment_max_bytes": 10 * 1024 * 1024,
        "refused_file_types": ["executable"],
        "brand_name": "Relay",
        "brand_colour": "#1f5fbf",
        "brand_logo": None,
    }
    store = settings_store(rt)
    store.ttl = 3600  # were the change not invalidating the cache, the old values would stay
    assert store.current().auto_close_after == timedelta(hours=72)
    changed = ok(
        api.patch(
            "/settings/desk",
            json={
                "auto_close_hours": 24,
                "default_comment_public": False,
                "reopen_window_days": 0,
                "attachment_max_bytes": 1024,
            },
            headers=admin,
        )
    )
    assert changed == {
        "default_comment_public": False,
        "auto_close_hours": 24,
        "reopen_window_days": 0,
        "attachment_max_bytes": 1024,
        "refused_file_types": ["executable"],
        "brand_name": "Relay",
        "brand_colour": "#1f5fbf",
        "brand_logo": None,
    }
    config = store.current()
    assert config.auto_close_after == timedelta(hours=24) and config.default_comment_public is False
    assert config.reopen_window == timedelta(0) and config.attachment_max_bytes == 1024
    assert ok(api.patch("/settings/desk", json={}, headers=admin)) == changed
    assert ok(api.get("/settings/desk", headers=signed(role="specialist"))) == changed


def test_other_changes_are_seen_at_once_too(api, admin, rt):
    store = settings_store(rt)
    store.ttl = 3600
    assert "urgent" not in store.current().priorities
    ok(api.post("/settings/priorities", json={"key": "urgent", "name": "Urgent"}, headers=admin), 201)
    assert store.current().priorities["urgent"].colour == "#808080"
    assert _ticket(api, admin, priority="urgent")["priority_name"] == "Urgent"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"auto_close_hours": 0}, "auto_close_hours"),
        ({"auto_close_hours": 8761}, "auto_close_hours"),
        ({"auto_close_hours": "24"}, "auto_close_hours"),
        ({"auto_close_hours": 1.5}, "auto_close_hours"),
        ({"auto_close_hours": True}, "auto_close_hours"),
        ({"auto_close_hours": None}, "auto_close_hours"),
        ({"reopen_window_days": -1}, "reopen_window_days"),
        ({"reopen_window_days": 366}, "reopen_window_days"),
        ({"attachment_max_bytes": 1023}, "attachment_max_bytes"),
        ({"attachment_max_bytes": 100 * 1024 * 1024 + 1}, "attachment_max_bytes"),
        ({"default_comment_public": "yes"}, "default_comment_public"),
        ({"default_comment_public": 0}, "default_comment_public"),
        ({"sla_enabled": True}, "sla_enabled"),
    ],
)
def test_bad_desk_settings_are_422_naming_the_field(api, admin, body, field):
    problem(api.patch("/settings/desk", json=body, headers=admin), 422, field)
    assert ok(api.get("/settings/desk", headers=admin))["auto_close_hours"] == 72


def test_the_bounds_themselves_are_accepted(api, admin):
    for body in (
        {"auto_close_hours": 1, "reopen_window_days": 365, "attachment_max_bytes": 100 * 1024 * 1024},
        {"auto_close_hours": 8760, "reopen_window_days": 0, "attachment_max_bytes": 1024},
    ):
        assert ok(api.patch("/settings/desk", json=body, headers=admin)) | body == ok(
            api.get("/settings/desk", headers=admin)
        )


# -- the portal ---------------------------------------------------------------------------------------------------
def test_the_portal_offers_public_active_types_with_contact_attributes(api, admin, rt):
    _contact(rt)
    customer = CONTACT
    add_attribute(
        api,
        admin,
        2,
        key="site",
        name="Site",
        kind="list",
        options=["Paris", "Lyon"],
        required=True,
        visible_to_contacts=True,
        position=20,
    )
    add_attribute(api, admin, 2, key="asset", name="Asset tag", kind="text", visible_to_contacts=True, position=10)
    add_attribute(api, admin, 2, key="cost", name="Cost", kind="number", required=True)
    hidden = add_attribute(api, admin, 2, key="old", name="Old", kind="text", visible_to_contacts=True)
    ok(api.patch(f"/settings/attributes/{hidden['id']}", json={"active": False}, headers=admin))
    ok(
        api.post("/settings/ticket-types", json={"key": "retired", "name": "Retired", "active": False}, headers=admin),
        201,
    )

    offered = ok(api.get("/portal/ticket-types", headers=customer))["items"]
    assert offered == [
        {"key": "service_request", "name": "Service request", "is_default": True, "attributes": []},
        {
            "key": "incident",
            "name": "Incident",
            "is_default": False,
            "attributes": [
                {"key": "asset", "name": "Asset tag", "kind": "text", "options": [], "required": False},
                {"key": "site", "name": "Site", "kind": "list", "options": ["Paris", "Lyon"], "required": True},
            ],
        },
    ]
    assert ok(api.get("/portal/ticket-types", headers=signed(role="specialist")))["items"] == offered
    problem(api.get("/portal/ticket-types", headers=signed(role="contact", subject="stranger")), 403)
    problem(api.get("/portal/ticket-types", headers=signed(role="system")), 403)
    problem(api.get("/portal/ticket-types"), 401)
    # What the portal asks is what creation asks of a contact: the site, not the staff-only cost.
    problem(api.post("/tickets", json={"subject": "x", "type": "incident"}, headers=customer), 422, "attributes.site")
    ok(
        api.post(
            "/tickets", json={"subject": "x", "type": "incident", "attributes": {"site": "Paris"}}, headers=customer
        ),
        201,
    )
    # A type made internal leaves the portal.
    ok(api.patch("/settings/ticket-types/2", json={"internal": True}, headers=admin))
    assert [t["key"] for t in ok(api.get("/portal/ticket-types", headers=customer))["items"]] == ["service_request"]
