"""The directory's key flows on the real PostgreSQL: CRUD with events, search and paging
(collation, LIKE), uniqueness, the open-tickets rule on deactivation, mail matching."""

import uuid
from datetime import UTC, datetime

import pytest
from helpers import ADMIN, DIRECTORY_SPEC, LEAD, SPECIALIST, ok, outbox_messages, problem
from sqlalchemy import insert, update

from relay_tickets.adapters.tables.tickets import tickets as tickets_table
from relay_tickets.demo_directory import DEMO_ADMIN_ID, load_directory
from relay_tickets.domain.directory import DIRECTORY_EVENTS, Company, new_entry
from relay_tickets.service_layer.directory import Directory
from relaykit.errors import Conflict

pytestmark = pytest.mark.integration


@pytest.fixture
def pg_directory(harness, pg_url, bus_namespace):
    rt = harness.runtime(DIRECTORY_SPEC, database_url=pg_url, namespace=bus_namespace)
    assert rt.db.is_postgres
    return rt


@pytest.fixture
def api(pg_directory):
    return pg_directory.app.test_client()


def test_each_entry_is_created_changed_and_deactivated_with_its_events(api, pg_directory):
    ann = ok(
        api.post("/employees", json={"name": "Ann", "email": "Ann@Relay.example", "role": "specialist"}, headers=ADMIN),
        201,
    )
    group = ok(
        api.post(
            "/groups",
            json={"name": "First line", "members": [ann["id"]], "notification_list": {"emails": ["L@relay.example"]}},
            headers=ADMIN,
        ),
        201,
    )
    company = ok(
        api.post(
            "/companies",
            json={
                "name": "Acme",
                "domains": ["Acme.example"],
                "category_id": 2,
                "manager": {"kind": "group", "id": group["id"]},
                "observers": [{"kind": "employee", "id": ann["id"]}],
            },
            headers=SPECIALIST,
        ),
        201,
    )
    site = ok(api.post("/service-objects", json={"company_id": company["id"], "name": "HQ"}, headers=SPECIALIST), 201)
    contact = ok(
        api.post(
            "/contacts",
            json={
                "name": "Wile",
                "emails": ["Wile@Acme.example", "second@acme.example"],
                "phones": ["+1 555 0100"],
                "company_id": company["id"],
                "portal_access": "service_objects",
                "service_object_ids": [site["id"]],
            },
            headers=ADMIN,
        ),
        201,
    )
    assert ok(api.get(f"/contacts/{contact['id']}", headers=LEAD)) == contact
    assert ok(api.get(f"/employees/{ann['id']}", headers=SPECIALIST))["groups"] == [group["id"]]

    etag = api.get(f"/companies/{company['id']}", headers=LEAD).headers["ETag"]
    ok(
        api.patch(
            f"/companies/{company['id']}",
            json={"domains": ["acme.example", "acme.test"]},
            headers=LEAD | {"If-Match": etag},
        )
    )
    problem(
        api.patch(f"/companies/{company['id']}", json={"name": "B"}, headers=LEAD | {"If-Match": etag}),
        409,
        "If-Match",
    )
    ok(api.post(f"/contacts/{contact['id']}/deactivate", headers=LEAD))
    ok(api.post(f"/service-objects/{site['id']}/deactivate", headers=LEAD))
    ok(api.post(f"/groups/{group['id']}/deactivate", headers=ADMIN))

    events = outbox_messages(pg_directory)
    assert {e["type"] for e in events} == set(DIRECTORY_EVENTS)
    last = {}
    for e in events:
        entity = e["data"][e["aggregate_type"]]
        assert e["sequence"] == entity["version"] and e["aggregate_id"] == entity["id"]
        last[e["aggregate_id"]] = entity
    assert last[company["id"]]["domains"] == ["acme.example", "acme.test"]
    assert last[contact["id"]]["active"] is False and last[contact["id"]]["emails"][0] == "wile@acme.example"
    assert last[group["id"]]["active"] is False


def test_search_and_paging_by_name(api):
    names = ["delta", "Alpha", "charlie", "Bravo", "echo", "Alpha", "Ärger", "alpha"]
    for name in names:
        ok(api.post("/companies", json={"name": name}, headers=SPECIALIST), 201)
    seen, cursor = [], None
    while True:
        page = ok(api.get("/companies?limit=3" + (f"&cursor={cursor}" if cursor else ""), headers=LEAD))
        seen += [(c["name"], c["id"]) for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(n for n, _ in seen) == sorted(names) and len({i for _, i in seen}) == len(names)
    found = ok(api.get("/companies?q=ALPHA", headers=LEAD))["items"]
    assert sorted(c["name"] for c in found) == ["Alpha", "Alpha", "alpha"]
    assert ok(api.get("/companies?q=a_p", headers=LEAD))["items"] == []  # _ is literal, not a wildcard


def test_uniqueness_conflicts(api):
    ok(api.post("/employees", json={"name": "A", "email": "a@relay.example", "role": "specialist"}, headers=ADMIN), 201)
    problem(
        api.post("/employees", json={"name": "B", "email": "A@RELAY.example", "role": "specialist"}, headers=ADMIN),
        409,
        "email",
    )
    ok(api.post("/contacts", json={"name": "W", "emails": ["w@acme.example"]}, headers=SPECIALIST), 201)
    problem(
        api.post("/contacts", json={"name": "X", "emails": ["W@Acme.example"]}, headers=SPECIALIST), 409, "emails.0"
    )
    ok(api.post("/companies", json={"name": "Acme", "domains": ["acme.example"]}, headers=SPECIALIST), 201)
    problem(
        api.post("/companies", json={"name": "Fake", "domains": ["ACME.example"]}, headers=SPECIALIST), 409, "domains.0"
    )
    ok(api.post("/groups", json={"name": "Field"}, headers=ADMIN), 201)
    problem(api.post("/groups", json={"name": "field"}, headers=ADMIN), 409, "name")


def test_deactivating_an_employee_with_tickets_that_are_not_closed(api, pg_directory):
    ann = ok(
        api.post("/employees", json={"name": "Ann", "email": "ann@relay.example", "role": "specialist"}, headers=ADMIN),
        201,
    )
    now = datetime.now(UTC)
    ticket_id = str(uuid.uuid4())
    with pg_directory.db.session() as s:
        s.execute(
            insert(tickets_table).values(
                id=ticket_id,
                number=1,
                subject="Printer jammed",
                description="",
                type="service_request",
                priority="normal",
                status="opened",
                channel="api",
                attributes={},
                internal=False,
                time_spent_minutes=0,
                version=1,
                responsible_kind="employee",
                responsible_id=ann["id"],
                created_at=now,
                updated_at=now,
            )
        )
    body = problem(api.post(f"/employees/{ann['id']}/deactivate", headers=ADMIN), 409, "active")
    assert body["not_closed_tickets"] == 1
    with pg_directory.db.session() as s:
        s.execute(update(tickets_table).where(tickets_table.c.id == ticket_id).values(status="closed"))
    assert ok(api.post(f"/employees/{ann['id']}/deactivate", headers=ADMIN))["active"] is False
    assert outbox_messages(pg_directory)[-1]["data"]["change"] == "deactivated"


def test_mail_matching_and_the_demo_directory(api, pg_directory):
    assert load_directory(pg_directory) is True
    assert load_directory(pg_directory) is False
    directory = Directory(pg_directory.db, pg_directory.outbox)
    assert directory.contact_by_email("WILE@ACME.example").name == "Wile Coyote"
    assert directory.contact_by_email("W.Coyote@Acme-Factory.example").name == "Wile Coyote"
    assert directory.contact_by_email("nobody@acme.example") is None
    assert directory.company_by_domain("Acme-Factory.EXAMPLE").name == "Acme Manufacturing"
    assert directory.company_for_address("new.person@mail.globex.example").name == "Globex Partners"
    assert [c.name for c in directory.contacts_by_phone("+1 555 010 2001")] == ["Wile Coyote"]
    assert directory.employee_by_email("Admin@Relay.example").id == DEMO_ADMIN_ID
    assert ok(api.get("/contacts?email=hank@GLOBEX.example", headers=LEAD))["items"][0]["name"] == "Hank Scorpio"
    assert len(outbox_messages(pg_directory)) > 10


def test_a_save_over_a_concurrent_change_is_a_conflict(api, pg_directory):
    """The repository checks the version it loaded: a change committed in between wins, ours is refused."""
    company = ok(api.post("/companies", json={"name": "Acme"}, headers=SPECIALIST), 201)
    directory = Directory(pg_directory.db, pg_directory.outbox)
    with pytest.raises(Conflict) as e, directory.transaction() as (_, repo):
        stale = repo.get(Company, company["id"])
        ok(api.patch(f"/companies/{company['id']}", json={"name": "Theirs"}, headers=LEAD))  # commits meanwhile
        stale.apply({"name": "Mine"}, datetime.now(UTC))
        repo.save(stale, stale.version - 1)
    assert "version" in e.value.errors
    assert ok(api.get(f"/companies/{company['id']}", headers=LEAD))["name"] == "Theirs"


def test_a_uniqueness_race_that_passes_the_checks_is_still_a_conflict(api, pg_directory):
    ok(api.post("/companies", json={"name": "Acme", "domains": ["acme.example"]}, headers=SPECIALIST), 201)
    directory = Directory(pg_directory.db, pg_directory.outbox)
    twin = new_entry(Company, id=str(uuid.uuid4()), now=datetime.now(UTC), name="Twin", domains=["acme.example"])
    with pytest.raises(Conflict) as e, directory.transaction() as (_, repo):
        repo.add(twin)  # as if the check had run before the other insert committed
    assert "domains" in e.value.errors
    assert directory.company_by_domain("acme.example").name == "Acme"
