"""Who may widen someone's access through the directory: what a customer sees (a contact's
portal access, company, service objects, supervised companies; a service object's
company; reactivating a contact), and anything about staff, is an administrator's act.
Every refusal is a 403 naming the field, from the service layer as from the API, and
leaves nothing behind (no new version, no event, no history); every change is in the
directory history with who, when, from and to."""

import pytest
from helpers import (
    ADMIN,
    CONTACT,
    DIRECTORY_SPEC,
    LEAD,
    SPECIALIST,
    SYSTEM,
    ok,
    outbox_messages,
    post_ticket,
    problem,
    ticket_row,
)

from relay_tickets.bootstrap import spec
from relay_tickets.domain.directory import Contact, Employee, Group
from relay_tickets.domain.parties import SYSTEM_ACTOR, Actor
from relay_tickets.service_layer.directory import Directory
from relaykit.errors import Forbidden
from relaykit.testing.harness import signed

OTHERS = {"specialist": SPECIALIST, "lead_specialist": LEAD, "system": SYSTEM}
NOT_ADMINISTRATORS = pytest.mark.parametrize("who", sorted(OTHERS))


# The directory routes alone (conftest.py builds the service from this).
SERVICE_SPEC = DIRECTORY_SPEC


@pytest.fixture
def world(api):
    """Two companies, a service object of each, and an employee: what the contacts point at."""
    acme = ok(api.post("/companies", json={"name": "Acme"}, headers=SPECIALIST), 201)
    globex = ok(api.post("/companies", json={"name": "Globex"}, headers=SPECIALIST), 201)
    site = ok(api.post("/service-objects", json={"company_id": acme["id"], "name": "HQ"}, headers=SPECIALIST), 201)
    depot = ok(api.post("/service-objects", json={"company_id": globex["id"], "name": "Depot"}, headers=ADMIN), 201)
    ann = ok(
        api.post("/employees", json={"name": "Ann", "email": "ann@relay.example", "role": "specialist"}, headers=ADMIN),
        201,
    )
    return {"acme": acme["id"], "globex": globex["id"], "site": site["id"], "depot": depot["id"], "ann": ann["id"]}


def _contact(api, headers=SPECIALIST, **body):
    return ok(api.post("/contacts", json={"name": "Wile"} | body, headers=headers), 201)


def _history(api, path, headers=LEAD):
    return ok(api.get(f"{path}/history", headers=headers))["items"]


def _reach(rt, *contacts):
    """A ticket the specialist registered, for each contact: their card is now the
    specialist's to read and change (without one it is, to them, not there)."""
    for contact in contacts:
        ticket_row(rt, "emp-1", contact_id=contact["id"], internal=True)


# -- creating ------------------------------------------------------------------------------
GRANTING_CONTACTS = {
    "company": (lambda w: {"company_id": w["acme"], "portal_access": "company"}, "portal_access"),
    "supervised": (
        lambda w: {"company_id": w["globex"], "portal_access": "supervised", "supervised_company_ids": [w["acme"]]},
        "portal_access",
    ),
    "service_objects": (
        lambda w: {"company_id": w["acme"], "portal_access": "service_objects", "service_object_ids": [w["site"]]},
        "portal_access",
    ),
    # Seeing only their own tickets, the contact would still register tickets about the object.
    "own_with_objects": (lambda w: {"company_id": w["acme"], "service_object_ids": [w["site"]]}, "service_object_ids"),
}


@NOT_ADMINISTRATORS
@pytest.mark.parametrize("case", sorted(GRANTING_CONTACTS))
def test_only_an_administrator_creates_a_contact_who_sees_more_than_their_own(api, directory, world, who, case):
    make, field = GRANTING_CONTACTS[case]
    body = make(world)
    refused = problem(api.post("/contacts", json={"name": "Wile"} | body, headers=OTHERS[who]), 403, field)
    assert "administrator" in refused["detail"]
    assert ok(api.get("/contacts", headers=LEAD))["items"] == []
    assert outbox_messages(directory, "contact.changed") == []
    assert _contact(api, ADMIN, **body)["portal_access"] == body.get("portal_access", "own")


@NOT_ADMINISTRATORS
def test_anyone_who_writes_clients_creates_a_contact_who_sees_their_own_tickets(api, world, who):
    wile = _contact(api, OTHERS[who], company_id=world["acme"], portal_access="own", emails=["wile@acme.example"])
    assert wile["portal_access"] == "own" and wile["company_id"] == world["acme"]


# -- changing ---------------------------------------------------------------------------------
@NOT_ADMINISTRATORS
def test_widening_a_contacts_reach_is_refused_naming_the_field(api, directory, world, who):
    headers = OTHERS[who]
    own = _contact(api, company_id=world["acme"])
    company = _contact(api, ADMIN, name="Road", company_id=world["acme"], portal_access="company")
    boss = _contact(
        api,
        ADMIN,
        name="Hank",
        company_id=world["globex"],
        portal_access="supervised",
        supervised_company_ids=[world["acme"]],
    )
    initech = ok(api.post("/companies", json={"name": "Initech"}, headers=SPECIALIST), 201)
    _reach(directory, own, company, boss)
    events = len(outbox_messages(directory, "contact.changed"))
    refusals = [
        (own, {"portal_access": "company"}, "portal_access"),
        (own, {"service_object_ids": [world["site"]]}, "service_object_ids"),
        (company, {"company_id": world["globex"]}, "company_id"),  # another company's tickets
        (company, {"portal_access": "supervised", "supervised_company_ids": [world["globex"]]}, "portal_access"),
        (boss, {"supervised_company_ids": [world["acme"], initech["id"]]}, "supervised_company_ids"),
    ]
    for entry, changes, field in refusals:
        problem(api.patch(f"/contacts/{entry['id']}", json=changes, headers=headers), 403, field)
        assert ok(api.get(f"/contacts/{entry['id']}", headers=ADMIN)) == entry  # unchanged, same version
    assert len(outbox_messages(directory, "contact.changed")) == events
    created = ["name", "company_id", "portal_access", "active"]  # and nothing since
    assert [h["field"] for h in _history(api, f"/contacts/{own['id']}")] == created
    assert ok(api.patch(f"/contacts/{company['id']}", json={"company_id": world["globex"]}, headers=ADMIN))


@NOT_ADMINISTRATORS
def test_narrowing_a_contacts_reach_and_moving_one_who_sees_their_own_is_anyones(api, rt, world, who):
    headers = OTHERS[who]
    company = _contact(
        api, ADMIN, company_id=world["acme"], portal_access="company", service_object_ids=[world["site"]]
    )
    _reach(rt, company)
    narrowed = ok(api.patch(f"/contacts/{company['id']}", json={"service_object_ids": []}, headers=headers))
    assert narrowed["service_object_ids"] == []
    assert ok(api.patch(f"/contacts/{company['id']}", json={"portal_access": "own"}, headers=headers))["version"] == 3
    # Seeing only their own tickets, the contact's company changes what nobody sees.
    moved = ok(api.patch(f"/contacts/{company['id']}", json={"company_id": world["globex"]}, headers=headers))
    assert moved["company_id"] == world["globex"]
    # Re-sending what was read changes nothing, so it is never refused.
    boss = _contact(
        api,
        ADMIN,
        name="Hank",
        company_id=world["globex"],
        portal_access="supervised",
        supervised_company_ids=[world["acme"]],
    )
    _reach(rt, boss)
    same = {k: boss[k] for k in ("portal_access", "company_id", "supervised_company_ids")}
    assert ok(api.patch(f"/contacts/{boss['id']}", json=same, headers=headers)) == boss


@NOT_ADMINISTRATORS
def test_reactivating_a_contact_who_sees_more_than_their_own_is_an_administrators(api, rt, world, who):
    headers = OTHERS[who]
    wide = _contact(api, ADMIN, company_id=world["acme"], portal_access="company")
    own = _contact(api, name="Pat")
    _reach(rt, wide, own)
    for entry in (wide, own):
        ok(api.post(f"/contacts/{entry['id']}/deactivate", headers=headers))  # narrowing: anyone's
    problem(api.post(f"/contacts/{wide['id']}/activate", headers=headers), 403, "active")
    assert ok(api.get(f"/contacts/{wide['id']}", headers=ADMIN))["active"] is False
    assert ok(api.post(f"/contacts/{own['id']}/activate", headers=headers))["active"] is True
    assert ok(api.post(f"/contacts/{wide['id']}/activate", headers=ADMIN))["active"] is True


@NOT_ADMINISTRATORS
def test_moving_a_service_object_to_another_company_is_an_administrators(api, rt, world, who):
    path = f"/service-objects/{world['site']}"
    ticket_row(rt, "emp-1", service_object_id=world["site"], company_id=world["acme"])
    problem(api.patch(path, json={"company_id": world["globex"]}, headers=OTHERS[who]), 403, "company_id")
    assert ok(api.patch(path, json={"name": "Head office"}, headers=OTHERS[who]))["company_id"] == world["acme"]
    assert ok(api.patch(path, json={"company_id": world["globex"]}, headers=ADMIN))["company_id"] == world["globex"]


def test_contacts_write_nothing_in_the_directory(api, world):
    wile = _contact(api)
    for method, path, body in [
        ("post", "/contacts", {"name": "Me"}),
        ("patch", f"/contacts/{wile['id']}", {"portal_access": "company", "company_id": world["acme"]}),
        ("post", f"/contacts/{wile['id']}/activate", None),
        ("patch", f"/service-objects/{world['site']}", {"company_id": world["globex"]}),
        ("patch", f"/employees/{world['ann']}", {"role": "administrator"}),
        ("post", "/groups", {"name": "Mine", "members": [world["ann"]]}),
        ("get", f"/contacts/{wile['id']}/history", None),
    ]:
        problem(getattr(api, method)(path, json=body, headers=CONTACT), 403)
    assert ok(api.get(f"/contacts/{wile['id']}", headers=ADMIN)) == wile


# -- staff -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "actor",
    [
        Actor("employee", "emp-1", "api", None, "specialist"),
        Actor("employee", "lead-1", "api", None, "lead_specialist"),
        Actor("system", "crm", "api", "CRM", "system"),
        Actor("contact", "contact-1", "portal", None, "contact"),
        Actor("system", "tickets", "system", "Relay", "system"),  # a token that looks like Relay is not Relay
    ],
    ids=["specialist", "lead_specialist", "system", "contact", "lookalike"],
)
def test_the_service_layer_refuses_staff_changes_to_anyone_but_an_administrator(directory, actor):
    """Whatever entry point calls it: roles, groups, membership and activation of staff."""
    service = Directory(directory.db, directory.outbox)
    ann = service.create(Employee, {"name": "Ann", "email": "ann@relay.example"}, SYSTEM_ACTOR)
    group = service.create(Group, {"name": "First line"}, SYSTEM_ACTOR)
    refusals = [
        (lambda: service.update(Employee, ann.id, {"role": "administrator"}, actor), "role"),
        (lambda: service.update(Employee, ann.id, {"groups": [group.id]}, actor), "groups"),
        (lambda: service.update(Group, group.id, {"members": [ann.id]}, actor), "members"),
        (lambda: service.update(Group, group.id, {"notification_list": {"emails": ["x@evil.example"]}}, actor),
         "notification_list"),
        (lambda: service.create(Employee, {"name": "Eve", "email": "eve@relay.example"}, actor), "role"),
        (lambda: service.deactivate(Employee, ann.id, actor), "active"),
        (lambda: service.create(Contact, {"name": "W", "portal_access": "company", "company_id": "c"}, actor),
         "portal_access"),
    ]  # fmt: skip
    for change, field in refusals:
        with pytest.raises(Forbidden) as e:
            change()
        assert field in e.value.errors
    assert service.get(Employee, ann.id).version == 1 and service.get(Group, group.id).members == ()
    assert service.history(Employee, ann.id).items[-1]["field"] != "role"


def test_an_administrator_changes_staff_and_each_side_of_a_membership_keeps_it(api, world):
    group = ok(api.post("/groups", json={"name": "First line"}, headers=ADMIN), 201)
    ok(api.patch(f"/groups/{group['id']}", json={"members": [world["ann"]]}, headers=ADMIN))
    ok(api.patch(f"/employees/{world['ann']}", json={"role": "lead_specialist"}, headers=ADMIN))
    history = _history(api, f"/employees/{world['ann']}")
    assert [(h["field"], h["old"], h["new"]) for h in history[-2:]] == [
        ("groups", [], [group["id"]]),
        ("role", "specialist", "lead_specialist"),
    ]
    assert history[-1]["actor"] == {"kind": "employee", "id": "adm-1", "name": None, "role": "administrator",
                                    "channel": "api"}  # fmt: skip
    assert [(h["field"], h["new"]) for h in _history(api, f"/groups/{group['id']}")] == [
        ("name", "First line"),
        ("active", True),
        ("members", [world["ann"]]),
    ]


# -- the history -----------------------------------------------------------------------------------
def test_who_gave_a_customer_more_is_in_the_directory_history(api, world):
    wile = _contact(api, company_id=world["acme"], emails=["wile@acme.example"])
    ok(api.patch(f"/contacts/{wile['id']}", json={"portal_access": "company"}, headers=ADMIN))
    ok(api.post(f"/contacts/{wile['id']}/deactivate", headers=SYSTEM))
    history = _history(api, f"/contacts/{wile['id']}", SYSTEM)
    assert [(h["field"], h["old"], h["new"], h["actor"]["role"]) for h in history] == [
        ("name", None, "Wile", "specialist"),
        ("emails", None, ["wile@acme.example"], "specialist"),
        ("company_id", None, world["acme"], "specialist"),
        ("portal_access", None, "own", "specialist"),
        ("active", None, True, "specialist"),
        ("portal_access", "own", "company", "administrator"),
        ("active", True, False, "system"),
    ]
    assert all(h["kind"] == "contact" and h["entry_id"] == wile["id"] and h["at"] for h in history)
    first = ok(api.get(f"/contacts/{wile['id']}/history?limit=4", headers=LEAD))
    rest = ok(api.get(f"/contacts/{wile['id']}/history?cursor={first['next_cursor']}", headers=LEAD))
    assert first["items"] + rest["items"] == history and rest["next_cursor"] is None
    problem(api.get("/contacts/nobody/history", headers=SPECIALIST), 404, "id")
    problem(api.get(f"/contacts/{wile['id']}/history?limit=0", headers=SPECIALIST), 422, "limit")


# -- what it was for ----------------------------------------------------------------------------------
@pytest.fixture
def desk(harness, bus_namespace):
    return harness.runtime(spec, namespace=bus_namespace)


def test_a_contact_token_lists_another_companys_tickets_only_once_an_administrator_allows_it(desk):
    api = desk.app.test_client()
    acme = ok(api.post("/companies", json={"name": "Acme"}, headers=SPECIALIST), 201)["id"]
    globex = ok(api.post("/companies", json={"name": "Globex"}, headers=SPECIALIST), 201)["id"]
    wile = _contact(api, company_id=acme)
    me = signed(role="contact", subject=wile["id"])
    ok(post_ticket(api, SPECIALIST, subject="Globex's secret", company_id=globex), 201)
    mine = ok(post_ticket(api, me, subject="Mine"), 201)
    _reach(desk, wile)

    for headers in OTHERS.values():
        problem(
            api.patch(
                f"/contacts/{wile['id']}",
                json={"portal_access": "supervised", "supervised_company_ids": [globex]},
                headers=headers,
            ),
            403,
            "portal_access",
        )
    assert [t["number"] for t in ok(api.get("/tickets", headers=me))["items"]] == [mine["number"]]
    ok(
        api.patch(
            f"/contacts/{wile['id']}",
            json={"portal_access": "supervised", "supervised_company_ids": [globex]},
            headers=ADMIN,
        )
    )
    assert len(ok(api.get("/tickets", headers=me))["items"]) == 2
