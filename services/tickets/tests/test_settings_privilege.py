"""Changing the desk's settings is an administrator's act in the service layer too (not
only at the routes), and what decides who sees what is kept in the directory history."""

from __future__ import annotations

import pytest
from helpers import ADMIN, LEAD, SPECIALIST, add_attribute, ok, problem

from relay_tickets.domain.parties import SYSTEM_ACTOR, Actor
from relay_tickets.service_layer.settings import attributes, catalog, desk, lifecycles
from relaykit.errors import Forbidden

NOT_ADMINISTRATORS = [
    Actor("employee", "emp-1", "agent", None, "specialist"),
    Actor("employee", "lead-1", "agent", None, "lead_specialist"),
    Actor("system", "crm", "api", "CRM", "system"),
    Actor("contact", "contact-1", "portal", None, "contact"),
]


@pytest.mark.parametrize("by", NOT_ADMINISTRATORS, ids=lambda a: a.role)
def test_the_service_layer_refuses_every_settings_change_to_anyone_but_an_administrator(rt, by):
    changes = [
        lambda: catalog.update_type(rt, 1, {"internal": False}, by=by),
        lambda: catalog.create_type(
            rt,
            {"key": "x", "name": "X", "internal": False, "active": True, "is_default": False, "position": None},
            by=by,
        ),
        lambda: catalog.delete_priority(rt, 1, by=by),
        lambda: catalog.create_category(rt, {"name": "VIP", "position": None}, by=by),
        lambda: lifecycles.set_lifecycle(rt, None, [["opened", "resolved"]], by=by),
        lambda: lifecycles.update_status(rt, "opened", {"name": "Open"}, by=by),
        lambda: attributes.update_attribute(rt, 1, {"visible_to_contacts": True}, by=by),
        lambda: desk.update_desk(rt, {"default_comment_public": False}, by=by),
    ]
    for change in changes:
        with pytest.raises(Forbidden):
            change()
    assert desk.get_desk(rt)["default_comment_public"] is True
    assert catalog.update_type(rt, 1, {"name": "Incident"}, by=SYSTEM_ACTOR).name == "Incident"


def test_who_made_a_type_public_or_an_attribute_visible_is_in_the_history(api):
    internal = ok(
        api.post("/settings/ticket-types", json={"key": "ops", "name": "Ops", "internal": True}, headers=ADMIN), 201
    )
    ok(api.patch(f"/settings/ticket-types/{internal['id']}", json={"internal": False}, headers=ADMIN))
    secret = add_attribute(
        api, ADMIN, internal["id"], key="cost", name="Cost", kind="number", visible_roles=["administrator"]
    )
    ok(api.patch(f"/settings/attributes/{secret['id']}", json={"visible_to_contacts": True}, headers=ADMIN))
    ok(api.patch("/settings/desk", json={"default_comment_public": False}, headers=ADMIN))

    changes = ok(api.get(f"/settings/history?kind=ticket_type&id={internal['id']}", headers=SPECIALIST))["items"]
    assert ("internal", True, False) in [(c["field"], c["old"], c["new"]) for c in changes]
    assert changes[-1]["actor"]["role"] == "administrator" and changes[-1]["actor"]["id"] == "adm-1"
    attribute = ok(api.get(f"/settings/history?kind=attribute&id={secret['id']}", headers=LEAD))["items"]
    assert [(c["field"], c["old"], c["new"]) for c in attribute if c["old"] is not None] == [
        ("visible_to_contacts", False, True)
    ]
    everything = ok(api.get("/settings/history?limit=200", headers=SPECIALIST))["items"]
    assert ("desk", "default_comment_public", True, False) in [
        (c["kind"], c["field"], c["old"], c["new"]) for c in everything
    ]
    assert api.delete(f"/settings/attributes/{secret['id']}", headers=ADMIN).status_code == 204
    gone = ok(api.get(f"/settings/history?kind=attribute&id={secret['id']}", headers=LEAD))["items"][-1]
    assert gone["field"] == "deleted" and gone["old"]["key"] == "cost" and gone["new"] is None
    problem(api.get("/settings/history?id=1", headers=SPECIALIST), 422, "id")
    problem(api.get("/settings/history?kind=contact", headers=SPECIALIST), 422, "kind")
