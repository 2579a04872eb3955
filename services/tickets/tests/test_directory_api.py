"""The directory API through HTTP (SQLite, in-process): CRUD of each entry, its events,
denials, bad input, optimistic concurrency, deactivation rules and the mail-matching look-ups.

The app is built from a spec of our own holding only the directory routes, so these
tests do not depend on the rest of the service's routes.
"""

import uuid
from datetime import UTC, datetime

import pytest
from helpers import ADMIN, CONTACT, DIRECTORY_SPEC, LEAD, SPECIALIST, SYSTEM, ok, outbox_messages, problem
from sqlalchemy import insert, update

from relay_tickets.adapters.tables.tickets import tickets as tickets_table
from relay_tickets.demo_directory import DEMO_ADMIN_ID, load_directory
from relay_tickets.domain.directory import DIRECTORY_EVENTS, Contact, new_entry
from relay_tickets.service_layer.directory import Directory
from relaykit.errors import Conflict

# The directory routes alone (conftest.py builds the service from this).
SERVICE_SPEC = DIRECTORY_SPEC


# -- helpers ---------------------------------------------------------------------------
def _employee(api, name="Ann Lee", email=None, role="specialist", **extra):
    body = {"name": name, "email": email or f"{uuid.uuid4().hex[:8]}@relay.example", "role": role} | extra
    return ok(api.post("/employees", json=body, headers=ADMIN), 201)


def _group(api, name="First line", **extra):
    return ok(api.post("/groups", json={"name": name} | extra, headers=ADMIN), 201)


def _company(api, name="Acme", headers=SPECIALIST, **extra):
    return ok(api.post("/companies", json={"name": name} | extra, headers=headers), 201)


def _contact(api, name="Wile Coyote", headers=SPECIALIST, **extra):
    return ok(api.post("/contacts", json={"name": name} | extra, headers=headers), 201)


def _ticket(rt, responsible, status="opened", number=1, kind="employee"):
    """A ticket row written directly (the ticket code is not under test here)."""
    now = datetime.now(UTC)
    ticket_id = str(uuid.uuid4())
    with rt.db.session() as s:
        s.execute(
            insert(tickets_table).values(
                id=ticket_id,
                number=number,
                subject=f"ticket {number}",
                description="",
                type="service_request",
                priority="normal",
                status=status,
                channel="api",
                attributes={},
                internal=False,
                time_spent_minutes=0,
                version=1,
                responsible_kind=kind,
                responsible_id=responsible,
                created_at=now,
                updated_at=now,
            )
        )
    return ticket_id


def _set_status(rt, ticket_id, status):
    with rt.db.session() as s:
        s.execute(update(tickets_table).where(tickets_table.c.id == ticket_id).values(status=status))


# -- CRUD of each entry ------------------------------------------------------------------
def test_companies_create_read_list_change_deactivate_activate(api, directory):
    lead = _employee(api, "Lena Lead", role="lead_specialist")
    group = _group(api)
    r = api.post(
        "/companies",
        json={
            "name": "Acme Manufacturing",
            "email": "Office@ACME.example",
            "phone": "+1 (555) 010-2000",
            "domains": ["ACME.example", "acme-factory.example"],
            "category_id": 3,
            "manager": {"kind": "group", "id": group["id"]},
            "observers": [{"kind": "employee", "id": lead["id"]}],
        },
        headers=SPECIALIST,
    )
    company = ok(r, 201)
    assert r.headers["Location"] == f"/companies/{company['id']}" and r.headers["ETag"] == '"1"'
    assert company["email"] == "office@acme.example" and company["phone"] == "+15550102000"
    assert company["domains"] == ["acme-factory.example", "acme.example"] and company["category_id"] == 3
    assert company["manager"] == {"kind": "group", "id": group["id"]} and company["active"] is True

    r = api.get(f"/companies/{company['id']}", headers=LEAD)
    assert ok(r) == company and r.headers["ETag"] == '"1"'
    assert ok(api.get("/companies", headers=SYSTEM)) == {"items": [company], "next_cursor": None}

    r = api.patch(f"/companies/{company['id']}", json={"phone": None, "category_id": 2}, headers=LEAD)
    changed = ok(r)
    assert changed["phone"] is None and changed["category_id"] == 2 and changed["version"] == 2
    assert changed["name"] == "Acme Manufacturing" and r.headers["ETag"] == '"2"'

    r = api.post(f"/companies/{company['id']}/deactivate", headers=LEAD)
    assert ok(r)["active"] is False and r.headers["ETag"] == '"3"'
    assert ok(api.get("/companies?active=false", headers=LEAD))["items"][0]["id"] == company["id"]
    assert ok(api.get("/companies?active=true", headers=LEAD))["items"] == []
    assert ok(api.post(f"/companies/{company['id']}/activate", headers=SYSTEM))["active"] is True

    events = outbox_messages(directory, "company.changed")
    assert [(e["data"]["change"], e["sequence"]) for e in events] == [
        ("created", 1),
        ("updated", 2),
        ("deactivated", 3),
        ("activated", 4),
    ]
    assert events[0]["aggregate_type"] == "company" and events[0]["aggregate_id"] == company["id"]
    assert events[0]["data"]["company"] == company
    assert events[0]["data"]["actor"] == {"kind": "employee", "id": "emp-1", "name": None, "channel": "api"}
    assert events[3]["data"]["actor"]["kind"] == "system"


def test_contacts_of_a_company_and_private_persons(api, directory):
    acme = _company(api, "Acme", domains=["acme.example"])
    globex = _company(api, "Globex")
    site = ok(api.post("/service-objects", json={"company_id": acme["id"], "name": "HQ"}, headers=SPECIALIST), 201)
    manager = _employee(api, "Sam Specialist")

    wile = _contact(
        api,
        emails=["Wile@Acme.example", "w.coyote@acme.example"],
        phones=["+1 555 010 2001"],
        company_id=acme["id"],
        portal_access="company",
        copy_to="Boss@Acme.example",
        manager={"kind": "employee", "id": manager["id"]},
        service_object_ids=[site["id"]],
        headers=ADMIN,  # what a customer may see is the administrator's to give
    )
    assert wile["emails"] == ["wile@acme.example", "w.coyote@acme.example"] and wile["copy_to"] == "boss@acme.example"
    assert wile["phones"] == ["+15550102001"] and wile["service_object_ids"] == [site["id"]]
    assert wile["portal_access"] == "company" and wile["company_id"] == acme["id"]

    pat = _contact(api, "Pat Private", emails=["pat@mail.example"])
    assert pat["company_id"] is None and pat["portal_access"] == "own"

    hank = _contact(
        api,
        "Hank Scorpio",
        company_id=globex["id"],
        portal_access="supervised",
        supervised_company_ids=[acme["id"]],
        headers=ADMIN,
    )
    assert hank["supervised_company_ids"] == [acme["id"]]

    r = api.patch(
        f"/contacts/{wile['id']}",
        json={"emails": ["w.coyote@acme.example", "wile@acme.example"], "company_id": None, "portal_access": "own"},
        headers=LEAD,
    )
    moved = ok(r)
    assert moved["emails"] == ["w.coyote@acme.example", "wile@acme.example"]  # the main address changed
    assert moved["company_id"] is None and moved["version"] == 2
    assert ok(api.get(f"/contacts/{wile['id']}", headers=LEAD)) == moved

    assert [c["name"] for c in ok(api.get(f"/contacts?company_id={globex['id']}", headers=LEAD))["items"]] == [
        "Hank Scorpio"
    ]
    ok(api.post(f"/contacts/{pat['id']}/deactivate", headers=LEAD))
    events = outbox_messages(directory, "contact.changed")
    assert [e["data"]["change"] for e in events] == ["created", "created", "created", "updated", "deactivated"]
    assert events[-1]["data"]["contact"]["active"] is False


def test_service_objects(api, directory):
    acme = _company(api, "Acme")
    other = _company(api, "Other")
    engineer = _employee(api, "Fiona Field")
    r = api.post(
        "/service-objects",
        json={
            "company_id": acme["id"],
            "name": "Plant",
            "address": "77 Industrial Way",
            "manager": {"kind": "employee", "id": engineer["id"]},
        },
        headers=SYSTEM,
    )
    plant = ok(r, 201)
    assert r.headers["Location"] == f"/service-objects/{plant['id']}"
    assert plant["manager"]["id"] == engineer["id"] and plant["observers"] == []
    ok(api.post("/service-objects", json={"company_id": other["id"], "name": "Depot"}, headers=SPECIALIST), 201)
    page = ok(api.get(f"/service-objects?company_id={acme['id']}", headers=LEAD))
    assert [s["name"] for s in page["items"]] == ["Plant"]
    assert ok(api.get("/service-objects?q=industrial", headers=LEAD))["items"][0]["id"] == plant["id"]
    moved = ok(api.patch(f"/service-objects/{plant['id']}", json={"address": None}, headers=LEAD))
    assert moved["address"] is None and moved["version"] == 2
    ok(api.post(f"/service-objects/{plant['id']}/deactivate", headers=LEAD))
    assert [e["data"]["change"] for e in outbox_messages(directory, "service_object.changed")] == [
        "created",
        "created",
        "updated",
        "deactivated",
    ]


def test_employees_and_groups_keep_both_sides_of_membership_in_their_events(api, directory):
    ann = _employee(api, "Ann Lee", email="Ann@Relay.example", phone="+1 555 0100")
    bob = _employee(api, "Bob Stone", role="lead_specialist")
    assert ann["email"] == "ann@relay.example" and ann["phone"] == "+15550100" and ann["groups"] == []

    group = _group(
        api,
        members=[ann["id"]],
        notification_list={"employees": [bob["id"]], "emails": ["Leads@Relay.example"]},
    )
    assert group["members"] == [ann["id"]]
    assert group["notification_list"] == {"employees": [bob["id"]], "emails": ["leads@relay.example"]}
    ann = ok(api.get(f"/employees/{ann['id']}", headers=SPECIALIST))
    assert ann["groups"] == [group["id"]] and ann["version"] == 2

    # From the employee's side: Bob joins.
    bob = ok(api.patch(f"/employees/{bob['id']}", json={"groups": [group["id"]]}, headers=ADMIN))
    group = ok(api.get(f"/groups/{group['id']}", headers=SPECIALIST))
    assert sorted(group["members"]) == sorted([ann["id"], bob["id"]]) and group["version"] == 2

    # From the group's side: Ann leaves.
    group = ok(api.patch(f"/groups/{group['id']}", json={"members": [bob["id"]]}, headers=ADMIN))
    assert ok(api.get(f"/employees/{ann['id']}", headers=SPECIALIST))["groups"] == []

    employee_events = outbox_messages(directory, "employee.changed")
    latest = {}
    for e in employee_events:
        assert e["sequence"] == e["data"]["employee"]["version"]
        latest[e["aggregate_id"]] = e["data"]["employee"]
    assert latest[ann["id"]]["groups"] == [] and latest[bob["id"]]["groups"] == [group["id"]]
    group_events = outbox_messages(directory, "group.changed")
    assert [e["sequence"] for e in group_events] == [1, 2, 3]
    assert group_events[-1]["data"]["group"]["members"] == [bob["id"]]

    renamed = ok(api.patch(f"/groups/{group['id']}", json={"name": "Second line"}, headers=ADMIN))
    assert renamed["name"] == "Second line"
    assert ok(api.post(f"/groups/{group['id']}/deactivate", headers=ADMIN))["active"] is False
    assert ok(api.get("/groups?active=false", headers=LEAD))["items"][0]["id"] == group["id"]
    assert ok(api.get("/employees?role=lead_specialist", headers=LEAD))["items"][0]["id"] == bob["id"]


def test_every_change_writes_one_valid_event_whose_sequence_is_the_version(api, directory):
    _employee(api)
    _group(api)
    company = _company(api)
    _contact(api, company_id=company["id"])
    ok(api.post("/service-objects", json={"company_id": company["id"], "name": "HQ"}, headers=SPECIALIST), 201)
    events = outbox_messages(directory)  # each validated against its contract
    assert sorted(e["type"] for e in events) == sorted(DIRECTORY_EVENTS)
    for e in events:
        entity = e["data"][e["aggregate_type"]]
        assert e["sequence"] == entity["version"] == 1 and e["aggregate_id"] == entity["id"]
        assert e["producer"] == "tickets" and e["data"]["change"] == "created"


def test_a_change_that_changes_nothing_writes_no_version_and_no_event(api, directory):
    company = _company(api, "Acme", domains=["acme.example"])
    same = ok(
        api.patch(f"/companies/{company['id']}", json={"name": " Acme ", "domains": ["ACME.example"]}, headers=LEAD)
    )
    assert same == company
    assert ok(api.patch(f"/companies/{company['id']}", json={}, headers=LEAD)) == company
    assert len(outbox_messages(directory, "company.changed")) == 1
    ok(api.post(f"/companies/{company['id']}/activate", headers=LEAD))  # already active
    assert len(outbox_messages(directory, "company.changed")) == 1


# -- listing -----------------------------------------------------------------------------
def test_lists_search_case_insensitively_and_page_by_name(api):
    for name in ["delta", "Alpha", "charlie", "Bravo", "echo", "Alpha"]:
        _company(api, name, email=f"{name.lower()}@{name.lower()}.example")
    _company(api, "Zulu", domains=["SPECIAL-domain.example"])
    names = []
    cursor = None
    while True:
        url = "/companies?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = ok(api.get(url, headers=LEAD))
        names += [c["name"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(names) == sorted(["delta", "Alpha", "charlie", "Bravo", "echo", "Alpha", "Zulu"])
    assert len(set(names)) == 6  # the two Alphas both came, once each
    assert [c["name"] for c in ok(api.get("/companies?q=ALP", headers=LEAD))["items"]] == ["Alpha", "Alpha"]
    assert [c["name"] for c in ok(api.get("/companies?q=CHARLIE.EX", headers=LEAD))["items"]] == ["charlie"]
    assert [c["name"] for c in ok(api.get("/companies?q=special-", headers=LEAD))["items"]] == ["Zulu"]
    assert ok(api.get("/companies?q=100%25", headers=LEAD))["items"] == []  # % is literal
    problem(api.get("/companies?limit=201", headers=LEAD), 422, "limit")
    problem(api.get("/companies?limit=0", headers=LEAD), 422, "limit")
    problem(api.get("/companies?cursor=garbage", headers=LEAD), 422, "cursor")
    problem(api.get("/companies?sort=name", headers=LEAD), 422, "sort")


def test_lists_and_lookups_answer_only_the_ids_asked_for(api):
    acme, globex, _initech = (_company(api, n)["id"] for n in ("Acme", "Globex", "Initech"))
    wile = _contact(api, "Wile", company_id=acme)["id"]
    for path, who in (("/companies", LEAD), ("/companies/lookup", SPECIALIST)):
        found = ok(api.get(path, query_string=[("id", acme), ("id", globex), ("id", "nope")], headers=who))
        assert sorted(c["name"] for c in found["items"]) == ["Acme", "Globex"]
    assert [c["id"] for c in ok(api.get(f"/contacts/lookup?id={wile}", headers=SPECIALIST))["items"]] == [wile]
    assert ok(api.get(f"/contacts/lookup?id={acme}", headers=SPECIALIST))["items"] == []
    problem(api.get("/companies/lookup?id=" + "x" * 37, headers=SPECIALIST), 422, "id.0")
    problem(api.get("/companies/lookup?" + "&".join(["id=a"] * 201), headers=SPECIALIST), 422, "id")


def test_contacts_are_found_by_name_or_any_email(api):
    _contact(api, "Wile Coyote", emails=["wile@acme.example", "boss@coyote.example"])
    _contact(api, "Road Runner", emails=["beep@acme.example"])
    assert [c["name"] for c in ok(api.get("/contacts?q=COYOTE", headers=LEAD))["items"]] == ["Wile Coyote"]
    assert [c["name"] for c in ok(api.get("/contacts?q=beep", headers=LEAD))["items"]] == ["Road Runner"]
    assert len(ok(api.get("/contacts?q=acme.example", headers=LEAD))["items"]) == 2


# -- mail matching -------------------------------------------------------------------------
def test_mail_matching_look_ups(api, directory):
    acme = _company(api, "Acme", domains=["Acme.example"])
    wile = _contact(api, emails=["wile@acme.example", "Wile.Coyote@Gmail.example"], phones=["+1 (555) 010-2001"])
    service = Directory(directory.db, directory.outbox)

    assert service.contact_by_email("WILE.COYOTE@gmail.EXAMPLE").id == wile["id"]
    assert service.contact_by_email("  wile@ACME.example ").id == wile["id"]
    assert service.contact_by_email("nobody@acme.example") is None
    assert service.company_by_domain("ACME.EXAMPLE").id == acme["id"]
    assert service.company_by_domain("other.example") is None
    assert service.company_for_address("Stranger@Mail.Acme.example").id == acme["id"]  # a subdomain
    assert service.company_for_address("stranger@notacme.example") is None
    assert [c.id for c in service.contacts_by_phone("+15550102001")] == [wile["id"]]

    assert [c["id"] for c in ok(api.get("/contacts?email=WILE@acme.example", headers=SYSTEM))["items"]] == [wile["id"]]
    assert [c["id"] for c in ok(api.get("/companies?domain=ACME.example", headers=SYSTEM))["items"]] == [acme["id"]]
    assert [c["id"] for c in ok(api.get("/contacts?phone=%2B1 555 010 2001", headers=SYSTEM))["items"]] == [wile["id"]]
    problem(api.get("/contacts?email=not-an-address", headers=SYSTEM), 422, "email")


def test_employee_look_ups_for_assignment(api, directory):
    ann = _employee(api, email="ann@relay.example")
    service = Directory(directory.db, directory.outbox)
    assert service.employee_by_email("ANN@relay.example").id == ann["id"]
    assert ok(api.get("/employees?email=Ann@Relay.example", headers=SYSTEM))["items"][0]["id"] == ann["id"]


# -- who may ------------------------------------------------------------------------------
def test_only_administrators_write_employees_and_groups(api):
    body = {"name": "Eve", "email": "eve@relay.example", "role": "specialist"}
    for headers in (SPECIALIST, LEAD, SYSTEM):
        problem(api.post("/employees", json=body, headers=headers), 403)
        problem(api.post("/groups", json={"name": "G"}, headers=headers), 403)
    ann = _employee(api)
    group = _group(api)
    problem(api.patch(f"/employees/{ann['id']}", json={"name": "X"}, headers=SPECIALIST), 403)
    problem(api.post(f"/employees/{ann['id']}/deactivate", headers=LEAD), 403)
    problem(api.patch(f"/groups/{group['id']}", json={"name": "X"}, headers=SPECIALIST), 403)
    problem(api.post(f"/groups/{group['id']}/deactivate", headers=SPECIALIST), 403)
    # Reading them is for all staff and the system.
    for headers in (SPECIALIST, LEAD, SYSTEM):
        ok(api.get("/employees", headers=headers))
        ok(api.get(f"/groups/{group['id']}", headers=headers))


def test_contacts_get_nothing_and_strangers_are_not_authenticated(api):
    company = _company(api)
    for method, url in [
        ("get", "/companies"),
        ("get", f"/companies/{company['id']}"),
        ("post", "/companies"),
        ("patch", f"/companies/{company['id']}"),
        ("post", f"/companies/{company['id']}/deactivate"),
        ("get", "/contacts"),
        ("post", "/contacts"),
        ("get", "/service-objects"),
        ("get", "/employees"),
        ("post", "/groups"),
    ]:
        kwargs = {"json": {"name": "x"}} if method != "get" else {}
        problem(getattr(api, method)(url, headers=CONTACT, **kwargs), 403)
        problem(getattr(api, method)(url, **kwargs), 401)
    problem(api.get("/companies", headers={"X-Relay-Identity": "forged.signature"}), 401)


# -- bad input -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "body", "status", "field"),
    [
        ("/companies", {}, 422, "name"),
        ("/companies", {"name": "  "}, 422, "name"),
        ("/companies", {"name": "A", "email": "not-an-email"}, 422, "email"),
        ("/companies", {"name": "A", "domains": ["ok.example", "not a domain"]}, 422, "domains.1"),
        ("/companies", {"name": "A", "phone": "call me"}, 422, "phone"),
        ("/companies", {"name": "A", "category_id": 99}, 422, "category_id"),
        ("/companies", {"name": "A", "category_id": "1"}, 422, "category_id"),
        ("/companies", {"name": "A", "manager": {"kind": "employee", "id": "nobody"}}, 422, "manager.id"),
        ("/companies", {"name": "A", "manager": {"kind": "group", "id": "nobody"}}, 422, "manager.id"),
        ("/companies", {"name": "A", "manager": {"kind": "contact", "id": "x"}}, 422, "manager.kind"),
        ("/companies", {"name": "A", "manager": {"kind": "employee"}}, 422, "manager.id"),
        ("/companies", {"name": "A", "colour": "red"}, 422, "colour"),
        ("/companies", {"name": "A", "active": False}, 422, "active"),
        ("/contacts", {"name": "W", "emails": ["ok@acme.example", "nope"]}, 422, "emails.1"),
        ("/contacts", {"name": "W", "emails": "ok@acme.example"}, 422, "emails"),
        ("/contacts", {"name": "W", "copy_to": "nope"}, 422, "copy_to"),
        ("/contacts", {"name": "W", "portal_access": "everything"}, 422, "portal_access"),
        ("/contacts", {"name": "W", "portal_access": "company"}, 422, "portal_access"),
        ("/contacts", {"name": "W", "company_id": "nowhere"}, 422, "company_id"),
        ("/contacts", {"name": "W", "service_object_ids": ["nothing"]}, 422, "service_object_ids.0"),
        ("/contacts", {"name": "W", "portal_access": "supervised", "supervised_company_ids": ["x"]}, 422,
         "supervised_company_ids.0"),
        ("/contacts", {"name": "W", "supervised_company_ids": ["x"]}, 422, "supervised_company_ids"),
        ("/contacts", {"name": "W", "phones": ["12"]}, 422, "phones.0"),
        ("/service-objects", {"name": "HQ"}, 422, "company_id"),
        ("/service-objects", {"name": "HQ", "company_id": "nowhere"}, 422, "company_id"),
        ("/employees", {"name": "E", "email": "e@relay.example"}, 422, "role"),
        ("/employees", {"name": "E", "email": "e@relay.example", "role": "contact"}, 422, "role"),
        ("/employees", {"name": "E", "email": "e@", "role": "specialist"}, 422, "email"),
        ("/employees", {"name": "E", "email": "e@relay.example", "role": "specialist", "groups": ["x"]}, 422,
         "groups.0"),
        ("/groups", {"name": "G", "members": ["nobody"]}, 422, "members.0"),
        ("/groups", {"name": "G", "notification_list": {"employees": ["nobody"]}}, 422,
         "notification_list.employees.0"),
        ("/groups", {"name": "G", "notification_list": {"emails": ["nope"]}}, 422, "notification_list.emails.0"),
        ("/groups", {"name": "G", "notification_list": {"phones": []}}, 422, "notification_list.phones"),
    ],
)  # fmt: skip
def test_bad_input_is_a_problem_naming_the_field(api, directory, url, body, status, field):
    problem(api.post(url, json=body, headers=ADMIN), status, field)
    assert outbox_messages(directory) == []


def test_unknown_observers_are_named_by_their_index(api):
    ann = _employee(api)
    body = {
        "name": "A",
        "observers": [{"kind": "employee", "id": ann["id"]}, {"kind": "group", "id": "no-such-group"}],
    }
    problem(api.post("/companies", json=body, headers=SPECIALIST), 422, "observers.1.id")


def test_inactive_staff_cannot_become_managers_or_observers(api):
    ann = _employee(api)
    ok(api.post(f"/employees/{ann['id']}/deactivate", headers=ADMIN))
    manager = {"kind": "employee", "id": ann["id"]}
    problem(api.post("/companies", json={"name": "A", "manager": manager}, headers=SPECIALIST), 422, "manager.id")
    problem(
        api.post("/contacts", json={"name": "A", "observers": [manager]}, headers=SPECIALIST), 422, "observers.0.id"
    )


def test_a_reference_that_went_inactive_does_not_block_other_changes(api):
    ann = _employee(api)
    company = _company(api, manager={"kind": "employee", "id": ann["id"]})
    ok(api.post(f"/employees/{ann['id']}/deactivate", headers=ADMIN))
    # The whole form sent back, manager unchanged: fine.
    changed = ok(
        api.patch(f"/companies/{company['id']}", json={"name": "Acme 2", "manager": company["manager"]}, headers=LEAD)
    )
    assert changed["name"] == "Acme 2"


@pytest.mark.parametrize(
    ("field", "body"),
    [
        ("name", {"name": None}),
        ("domains", {"domains": None}),
        ("active", {"active": True}),
        ("id", {"id": "other"}),
        ("version", {"version": 7}),
    ],
)
def test_bad_patches_are_refused(api, field, body):
    company = _company(api)
    problem(api.patch(f"/companies/{company['id']}", json=body, headers=LEAD), 422, field)


def test_uniqueness_conflicts_are_409_naming_the_field(api, directory):
    _employee(api, email="ann@relay.example")
    problem(
        api.post("/employees", json={"name": "A2", "email": "ANN@relay.example", "role": "specialist"}, headers=ADMIN),
        409,
        "email",
    )
    bob = _employee(api, email="bob@relay.example")
    problem(api.patch(f"/employees/{bob['id']}", json={"email": "Ann@Relay.example"}, headers=ADMIN), 409, "email")

    _contact(api, emails=["wile@acme.example"])
    problem(
        api.post("/contacts", json={"name": "X", "emails": ["a@b.example", "WILE@acme.example"]}, headers=SPECIALIST),
        409,
        "emails.1",
    )

    _company(api, domains=["acme.example"])
    problem(
        api.post("/companies", json={"name": "Fake", "domains": ["Acme.Example"]}, headers=SPECIALIST), 409, "domains.0"
    )

    _group(api, "First line")
    problem(api.post("/groups", json={"name": "FIRST LINE"}, headers=ADMIN), 409, "name")
    # The same values on the entry itself are no conflict.
    assert ok(api.patch(f"/employees/{bob['id']}", json={"email": "BOB@relay.example"}, headers=ADMIN))["version"] == 1


def test_unknown_ids_are_404(api):
    for url in ["/companies/nope", "/contacts/nope", "/service-objects/nope", "/employees/nope", "/groups/nope"]:
        problem(api.get(url, headers=ADMIN), 404, "id")
        problem(api.patch(url, json={}, headers=ADMIN), 404, "id")
        problem(api.post(url + "/deactivate", headers=ADMIN), 404, "id")


def test_bodies_must_be_json_objects(api):
    problem(api.post("/companies", data="name=x", content_type="text/plain", headers=SPECIALIST), 415, "Content-Type")
    problem(api.post("/companies", data="{", content_type="application/json", headers=SPECIALIST), 400, "body")
    problem(api.post("/companies", json=["x"], headers=SPECIALIST), 422, "body")


# -- optimistic concurrency --------------------------------------------------------------
def test_if_match_refuses_a_change_based_on_an_old_version(api, directory):
    company = _company(api)
    url = f"/companies/{company['id']}"
    etag = api.get(url, headers=LEAD).headers["ETag"]
    r = api.patch(url, json={"name": "Mine"}, headers=LEAD | {"If-Match": etag})
    assert ok(r)["name"] == "Mine" and r.headers["ETag"] == '"2"'
    body = problem(api.patch(url, json={"name": "Theirs"}, headers=LEAD | {"If-Match": etag}), 409, "If-Match")
    assert body["current_version"] == 2
    problem(api.post(url + "/deactivate", headers=LEAD | {"If-Match": '"1"'}), 409, "If-Match")
    problem(api.patch(url, json={"name": "X"}, headers=LEAD | {"If-Match": "yesterday"}), 400, "If-Match")
    assert ok(api.patch(url, json={"name": "Any"}, headers=LEAD | {"If-Match": "*"}))["version"] == 3
    assert ok(api.patch(url, json={"name": "Weak"}, headers=LEAD | {"If-Match": 'W/"3"'}))["version"] == 4
    assert ok(api.get(url, headers=LEAD))["name"] == "Weak"
    assert len(outbox_messages(directory, "company.changed")) == 4


def test_a_uniqueness_race_that_passes_the_checks_is_still_a_conflict(api, directory):
    wile = _contact(api, emails=["wile@acme.example"])
    service = Directory(directory.db, directory.outbox)
    twin = new_entry(Contact, id="twin", now=datetime.now(UTC), name="Twin", emails=["wile@acme.example"])
    with pytest.raises(Conflict) as e, service.transaction() as (_, repo):
        repo.add(twin)  # as if the check had run before the other insert committed
    assert "emails" in e.value.errors
    assert service.contact_by_email("wile@acme.example").id == wile["id"]


# -- deactivating staff ----------------------------------------------------------------------
def test_an_employee_responsible_for_open_tickets_cannot_be_deactivated(api, directory):
    ann = _employee(api)
    first = _ticket(directory, ann["id"], status="opened", number=1)
    _ticket(directory, ann["id"], status="closed", number=2)
    _ticket(directory, "someone-else", status="opened", number=3)
    body = problem(api.post(f"/employees/{ann['id']}/deactivate", headers=ADMIN), 409, "active")
    assert body["not_closed_tickets"] == 1 and "1 ticket" in body["detail"]
    _ticket(directory, ann["id"], status="resolved", number=4)
    body = problem(api.post(f"/employees/{ann['id']}/deactivate", headers=ADMIN), 409, "active")
    assert body["not_closed_tickets"] == 2 and "2 tickets" in body["detail"]
    assert ok(api.get(f"/employees/{ann['id']}", headers=ADMIN))["active"] is True

    _set_status(directory, first, "closed")
    with directory.db.session() as s:
        s.execute(update(tickets_table).where(tickets_table.c.number == 4).values(status="closed"))
    r = api.post(f"/employees/{ann['id']}/deactivate", headers=ADMIN)
    assert ok(r)["active"] is False and r.headers["ETag"] == '"2"'
    event = outbox_messages(directory, "employee.changed")[-1]
    assert event["data"]["change"] == "deactivated" and event["data"]["employee"]["active"] is False
    _ticket(directory, ann["id"], status="opened", number=5)  # handed to them while inactive (not by us)
    r = api.post(f"/employees/{ann['id']}/deactivate", headers=ADMIN)  # already inactive: nothing to refuse
    assert ok(r)["active"] is False and r.headers["ETag"] == '"2"'
    assert ok(api.post(f"/employees/{ann['id']}/activate", headers=ADMIN))["active"] is True


def test_a_group_responsible_for_open_tickets_cannot_be_deactivated(api, directory):
    group = _group(api)
    ticket = _ticket(directory, group["id"], kind="group")
    problem(api.post(f"/groups/{group['id']}/deactivate", headers=ADMIN), 409, "active")
    _set_status(directory, ticket, "closed")
    assert ok(api.post(f"/groups/{group['id']}/deactivate", headers=ADMIN))["active"] is False


# -- OpenAPI and demo data ------------------------------------------------------------------
def test_the_routes_are_in_the_openapi_document_with_their_roles(api):
    doc = ok(api.get("/openapi.json"))
    paths = doc["paths"]
    for base in ["/companies", "/contacts", "/service-objects", "/employees", "/groups"]:
        assert set(paths[base]) == {"get", "post"}
        assert set(paths[base + "/{id}"]) == {"get", "patch"}
        assert set(paths[base + "/{id}/deactivate"]) == {"post"} and set(paths[base + "/{id}/activate"]) == {"post"}
    assert paths["/employees"]["post"]["x-relay-roles"] == ["administrator"]
    assert paths["/companies"]["post"]["x-relay-roles"] == ["administrator", "lead_specialist", "specialist", "system"]
    assert paths["/companies"]["get"]["x-relay-roles"] == ["administrator", "lead_specialist", "specialist", "system"]


def test_the_demo_directory_loads_once(api, directory):
    assert load_directory(directory) is True
    assert load_directory(directory) is False
    admin = ok(api.get(f"/employees/{DEMO_ADMIN_ID}", headers=ADMIN))
    assert (admin["name"], admin["email"], admin["role"]) == ("Alex Admin", "admin@relay.example", "administrator")
    employees = ok(api.get("/employees", headers=ADMIN))["items"]
    assert sorted(e["role"] for e in employees) == ["administrator", "lead_specialist", "specialist", "specialist"]
    groups = {g["name"]: g for g in ok(api.get("/groups", headers=ADMIN))["items"]}
    assert set(groups) == {"First line", "Field engineers"} and all(g["members"] for g in groups.values())
    companies = ok(api.get("/companies", headers=ADMIN))["items"]
    assert len(companies) >= 2 and all(c["domains"] and c["category_id"] and c["manager"] for c in companies)
    contacts = ok(api.get("/contacts", headers=ADMIN))["items"]
    assert any(c["company_id"] is None for c in contacts)
    assert any(c["portal_access"] == "company" for c in contacts)
    assert all(c["emails"] for c in contacts)
    assert ok(api.get("/service-objects", headers=ADMIN))["items"]
    assert {e["type"] for e in outbox_messages(directory)} == set(DIRECTORY_EVENTS)  # and every one valid
    service = Directory(directory.db, directory.outbox)
    assert service.company_for_address("someone@acme.example").name == "Acme Manufacturing"
