"""An attribute hidden from a role is, to that role, not there: neither readable (card,
list, search, history) nor writable (create, edit, a type change), and one required of
others is not required of them. Events carry who may read each attribute, for consumers
that tell people about tickets."""

from __future__ import annotations

import pytest
import seed
from helpers import ADMIN, LEAD, SYSTEM, add_attribute, ok, outbox_messages, post_ticket, problem

from relaykit.testing.harness import signed


@pytest.fixture
def desk(tickets, client):
    types = ok(client.get("/settings/ticket-types", headers=ADMIN))["items"]
    default = next(t for t in types if t["is_default"])
    other = ok(client.post("/settings/ticket-types", json={"key": "change", "name": "Change"}, headers=ADMIN), 201)
    add_attribute(client, ADMIN, default["id"], key="cost", name="Cost", kind="number", visible_roles=["administrator"])
    add_attribute(
        client,
        ADMIN,
        default["id"],
        key="root_cause",
        name="Root cause",
        kind="text",
        required=True,
        visible_roles=["administrator", "lead_specialist"],
    )
    add_attribute(client, ADMIN, default["id"], key="asset", name="Asset", kind="text", visible_to_contacts=True)
    add_attribute(client, ADMIN, other["id"], key="asset", name="Asset", kind="text", visible_to_contacts=True)
    anna = seed.contact(tickets, seed.company(tickets), "Anna")
    sam = seed.employee(tickets)  # responsible for the tickets, so a specialist who sees them
    return {
        "type": default["key"],
        "other": other["key"],
        "anna": anna,
        "me": signed(role="contact", subject=anna),
        "sam": sam,
        "specialist": signed(role="specialist", subject=sam),
    }


def _shape(body):
    return {k: v for k, v in body.items() if k not in ("correlation_id", "detail")} | {
        "errors": [e["field"] for e in body["errors"]]
    }


def _ticket(client, desk, **attributes):
    body = {"cost": 120, "root_cause": "flamingo in the cooling duct", "asset": "PC-7"} | attributes
    contact, responsible = {"kind": "contact", "id": desk["anna"]}, {"kind": "employee", "id": desk["sam"]}
    return ok(post_ticket(client, ADMIN, contact=contact, responsible=responsible, attributes=body), 201)


# -- writing -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("who", "hidden"),
    [("specialist", ["cost", "root_cause"]), ("lead_specialist", ["cost"]), ("contact", ["cost", "root_cause"])],
)
def test_a_hidden_attribute_is_refused_on_create_as_an_unknown_one_and_not_required(client, desk, who, hidden):
    headers = desk["me"] if who == "contact" else signed(role=who, subject=f"{who}-1")
    for key in hidden:
        refused = problem(post_ticket(client, headers, attributes={key: "1"}), 422, f"attributes.{key}")
        unknown = problem(post_ticket(client, headers, attributes={"nothing_" + key: "1"}), 422)
        assert _shape(refused) == _shape(unknown) | {"errors": [f"attributes.{key}"]}
        assert key in refused["detail"] and "has no attribute" in refused["detail"]
    given = {"asset": "PC-1"} | ({} if "root_cause" in hidden else {"root_cause": "dust"})
    made = ok(post_ticket(client, headers, attributes=given), 201)  # a hidden root_cause is not asked of them
    assert made["attributes"] == given
    problem(post_ticket(client, ADMIN, attributes={"asset": "PC-1"}), 422, "attributes.root_cause")


@pytest.mark.parametrize("who", ["specialist", "lead_specialist"])
def test_a_hidden_attribute_is_refused_on_edit_and_kept_through_the_roles_other_changes(client, desk, who):
    headers = desk["specialist"] if who == "specialist" else LEAD
    t = _ticket(client, desk)
    url = f"/tickets/{t['number']}"
    problem(client.patch(url, json={"attributes": {"cost": 1}}, headers=headers), 422, "attributes.cost")
    problem(client.patch(url, json={"attributes": {"cost": None}}, headers=headers), 422, "attributes.cost")
    assert ok(client.get(url, headers=ADMIN))["version"] == t["version"]
    edited = ok(client.patch(url, json={"attributes": {"asset": "PC-8"}}, headers=headers))
    assert "cost" not in edited["attributes"] and edited["attributes"]["asset"] == "PC-8"
    # Changing the type drops the old type's attributes, but not the ones this role cannot see.
    retyped = ok(client.patch(url, json={"type": desk["other"]}, headers=headers))
    assert retyped["attributes"] == {"asset": "PC-8"}
    back = {"type": desk["type"], "attributes": {"root_cause": "dust"}}  # the lead's change dropped one they see
    ok(client.patch(url, json=back, headers=ADMIN))
    assert ok(client.get(url, headers=ADMIN))["attributes"]["cost"] == 120


def test_the_system_and_administrators_write_every_attribute(client, desk):
    t = _ticket(client, desk)
    url = f"/tickets/{t['number']}"
    assert ok(client.patch(url, json={"attributes": {"cost": 5}}, headers=SYSTEM))["attributes"]["cost"] == 5
    assert ok(client.patch(url, json={"attributes": {"cost": 6}}, headers=ADMIN))["attributes"]["cost"] == 6


# -- reading -----------------------------------------------------------------------------------------
def test_a_hidden_attribute_is_not_on_the_card_in_lists_or_found_by_search(client, desk):
    t = _ticket(client, desk)
    card = {
        "admin": {"cost", "root_cause", "asset"},
        "lead": {"root_cause", "asset"},
        "specialist": {"asset"},
        "contact": {"asset"},
    }
    callers = {"admin": ADMIN, "lead": LEAD, "specialist": desk["specialist"], "contact": desk["me"]}
    for who, headers in callers.items():
        assert set(ok(client.get(f"/tickets/{t['number']}", headers=headers))["attributes"]) == card[who], who
        listed = ok(client.get("/tickets", headers=headers))["items"]
        assert [set(i["attributes"]) for i in listed] == [card[who]], who
    assert ok(client.get("/tickets?q=flamingo", headers=desk["me"]))["items"] == []
    assert ok(client.get("/tickets?q=flamingo", headers=desk["specialist"]))["items"] == []


def test_a_roles_history_leaves_out_what_it_may_not_see(client, desk):
    t = _ticket(client, desk)
    url = f"/tickets/{t['number']}"
    ok(client.patch(url, json={"attributes": {"cost": 130}}, headers=ADMIN))  # only a hidden one
    ok(client.patch(url, json={"attributes": {"cost": 140, "asset": "PC-9"}}, headers=ADMIN))
    ok(client.patch(url, json={"subject": "Overheating"}, headers=ADMIN))

    def changes(headers):
        items = ok(client.get(f"{url}/history", headers=headers))["items"]
        return [(h["field"], h["old"], h["new"]) for h in items]

    assert changes(desk["specialist"]) == [
        ("attributes", {"asset": "PC-7"}, {"asset": "PC-9"}),
        ("subject", "Printer jammed", "Overheating"),
    ]
    assert changes(LEAD)[0] == (
        "attributes",
        {"asset": "PC-7", "root_cause": "flamingo in the cooling duct"},
        {"asset": "PC-9", "root_cause": "flamingo in the cooling duct"},
    )
    assert [c[2].get("cost") for c in changes(ADMIN) if c[0] == "attributes"] == [130, 140]
    assert len(changes(SYSTEM)) == 3
    page = ok(client.get(f"{url}/history?limit=1", headers=desk["specialist"]))
    assert page["items"] == [] and page["next_cursor"] is not None  # the hidden change is read, not shown


# -- events ---------------------------------------------------------------------------------------------
def test_events_say_who_may_read_each_attribute(client, tickets, desk):
    _ticket(client, desk)
    snapshot = outbox_messages(tickets, "ticket.created")[-1]["data"]["ticket"]
    assert snapshot["attributes"]["cost"] == 120
    assert snapshot["attribute_audience"] == {
        "asset": {"roles": ["administrator", "lead_specialist", "specialist"], "contacts": True},
        "cost": {"roles": ["administrator"], "contacts": False},
        "root_cause": {"roles": ["administrator", "lead_specialist"], "contacts": False},
    }
