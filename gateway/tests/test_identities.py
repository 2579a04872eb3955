"""Who a token may act for: an active employee of the directory (never above their
directory role), an active contact with portal access (of their directory company),
or, for a system token, itself. The gateway knows the directory only from the
tickets service's events, kept in its own copy."""

import copy
import json
import uuid
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from gateway_people import People, start_directory_flow
from sqlalchemy import func, insert, select

from relay_contracts import registry
from relay_gateway import directory
from relay_gateway.bootstrap import spec as gateway_spec
from relay_gateway.tables import api_tokens, directory_contacts, directory_employees
from relay_gateway.tokens import token_hash, token_store
from relay_tickets.adapters.tables.tickets import tickets as tickets_table
from relay_tickets.bootstrap import spec as tickets_spec
from relaykit.bus import Message
from relaykit.cli import main as relay_cli
from relaykit.errors import InvalidInput, NotAuthenticated
from relaykit.kit_schema import outbox
from relaykit.testing.harness import publish as _publish
from relaykit.testing.harness import wait_for


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def _refused(resp, status, says: str):
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.headers["Content-Type"] == "application/problem+json"
    assert says in resp.get_json()["detail"], resp.get_json()
    return resp.get_json()


def _tickets_created(tickets) -> int:
    with tickets.db.sessions() as s:
        return s.scalar(select(func.count()).select_from(tickets_table))


def _raw_token(gateway, role: str, subject: str, organization: str | None = None) -> str:
    """A token row as an older gateway (or a hand-edited database) would have left it."""
    token = f"rly_{uuid.uuid4().hex}"
    with gateway.db.session() as s:
        s.execute(
            insert(api_tokens).values(
                id=str(uuid.uuid4()),
                name="old token",
                token_hash=token_hash(token),
                role=role,
                subject=subject,
                organization=organization,
                created_at=datetime.now(UTC),
            )
        )
    return token


# -- staff ---------------------------------------------------------------------------------
def test_a_staff_token_acts_as_its_employee_under_the_directory_name(gateway, people, client):
    ada = people.employee("specialist", name="Ada Specialist")
    token, info = people.token("specialist", subject=ada)
    assert (info.subject, info.organization) == (ada, None)
    who = token_store(gateway).authenticate(token)
    assert (who.subject, who.role, who.name, who.organization) == (ada, "specialist", "Ada Specialist", None)
    r = client.post("/api/tickets/tickets", json={"subject": "Printer"}, headers=_bearer(token))
    assert r.status_code == 201, r.get_data(as_text=True)


def test_a_deactivated_employees_token_is_refused_and_stays_ended(gateway, people, client, tickets):
    employee = people.employee("specialist")
    token, info = people.token("specialist", subject=employee)
    assert client.get("/api/tickets/tickets", headers=_bearer(token)).status_code == 200

    people.switch("employee", employee, "deactivate")
    wait_for(
        lambda: client.get("/api/tickets/tickets", headers=_bearer(token)).status_code == 401,
        what="the deactivated employee's token refused",
    )
    before = _tickets_created(tickets)
    r = client.post("/api/tickets/tickets", json={"subject": "After leaving"}, headers=_bearer(token))
    _refused(r, 401, "employee deactivated")
    assert _tickets_created(tickets) == before
    (record,) = [t for t in token_store(gateway).list() if t.id == info.id]
    assert record.revoked_at is not None and record.revoked_reason == "employee deactivated"

    # Coming back does not revive the old token; a new one works.
    people.switch("employee", employee, "activate")
    _refused(client.get("/api/tickets/tickets", headers=_bearer(token)), 401, "revoked")
    fresh, _ = people.token("specialist", subject=employee)
    assert client.get("/api/tickets/tickets", headers=_bearer(fresh)).status_code == 200


def test_a_token_for_an_employee_the_directory_does_not_have_is_refused(gateway, people, client, tickets):
    with pytest.raises(InvalidInput) as e:
        token_store(gateway).create("ghost", "administrator", subject="no-such-employee")
    assert "subject" in e.value.errors

    ghost = _raw_token(gateway, "administrator", "no-such-employee")
    _refused(client.get("/api/tickets/tickets", headers=_bearer(ghost)), 401, "is not in the directory")
    _refused(client.post("/api/tickets/tickets", json={"subject": "x"}, headers=_bearer(ghost)), 401, "directory")
    assert _tickets_created(tickets) == 0
    # A staff token made before tokens named their employee (subject token:<id>) is refused too.
    legacy = _raw_token(gateway, "specialist", f"token:{uuid.uuid4()}")
    _refused(client.get("/api/tickets/tickets", headers=_bearer(legacy)), 401, "is not in the directory")


def test_the_directory_role_bounds_the_tokens_role(gateway, people, client):
    admin = people.employee("administrator")
    token, _ = people.token("administrator", subject=admin)
    group = {"name": f"Night shift {uuid.uuid4().hex[:6]}"}
    r = client.post("/api/tickets/groups", json=group, headers=_bearer(token))
    assert r.status_code == 201, r.get_data(as_text=True)

    people.change("employee", admin, role="specialist")  # demoted in the directory
    wait_for(lambda: token_store(gateway).authenticate(token).role == "specialist", what="the demotion felt")
    again = client.post("/api/tickets/groups", json={"name": "Day shift"}, headers=_bearer(token))
    assert again.status_code == 403, again.get_data(as_text=True)
    assert (
        client.post("/api/tickets/tickets", json={"subject": "Still works"}, headers=_bearer(token)).status_code == 201
    )

    # A token never carries more than its employee, at creation either.
    with pytest.raises(InvalidInput) as e:
        token_store(gateway).create("too much", "administrator", subject=admin)
    assert "role" in e.value.errors
    # The lower of the two: a lead's specialist token acts as a specialist.
    lead = people.employee("lead_specialist")
    modest, _ = people.token("specialist", subject=lead)
    assert token_store(gateway).authenticate(modest).role == "specialist"


def test_the_role_order(gateway):
    assert directory.lower_role("administrator", "specialist") == "specialist"
    assert directory.lower_role("lead_specialist", "administrator") == "lead_specialist"
    assert directory.lower_role("specialist", "lead_specialist") == "specialist"


# -- contacts ------------------------------------------------------------------------------
def test_a_contact_token_belongs_to_the_contacts_directory_company(gateway, people, client):
    acme = people.company()
    contact = people.contact(acme, portal_access="company")
    token, info = people.token("contact", subject=contact)
    assert info.organization == acme
    assert token_store(gateway).authenticate(token).organization == acme
    # Whatever a token row says, the organization comes from the directory.
    stale = _raw_token(gateway, "contact", contact, organization="another-company")
    assert token_store(gateway).authenticate(stale).organization == acme
    assert client.get("/api/tickets/tickets", headers=_bearer(stale)).status_code == 200

    with pytest.raises(InvalidInput) as e:
        token_store(gateway).create("wrong org", "contact", subject=contact, organization="another-company")
    assert "organization" in e.value.errors
    with pytest.raises(InvalidInput) as e:
        token_store(gateway).create("nobody", "contact", subject="no-such-contact")
    assert "subject" in e.value.errors


def test_a_contact_deactivated_or_without_portal_access_is_refused(gateway, people, client):
    contact = people.contact(people.company(), portal_access="company")
    token, _ = people.token("contact", subject=contact)
    assert client.get("/api/tickets/tickets", headers=_bearer(token)).status_code == 200
    people.switch("contact", contact, "deactivate")
    wait_for(lambda: client.get("/api/tickets/tickets", headers=_bearer(token)).status_code == 401, what="refused")
    _refused(client.get("/api/tickets/tickets", headers=_bearer(token)), 401, "contact deactivated")
    with pytest.raises(InvalidInput):
        token_store(gateway).create("again", "contact", subject=contact)

    # An access level the gateway does not know (none today; a later contract's) keeps the contact out.
    with gateway.db.session() as s:
        s.execute(
            insert(directory_contacts).values(
                id="c-none",
                name="No Portal",
                company_id=None,
                portal_access="none",
                active=True,
                version=1,
                updated_at=datetime.now(UTC),
            )
        )
    closed = _raw_token(gateway, "contact", "c-none")
    _refused(client.get("/api/tickets/tickets", headers=_bearer(closed)), 401, "no portal access")


# -- machines ------------------------------------------------------------------------------
def test_a_system_token_acts_as_itself_and_takes_no_person(gateway, client):
    store = token_store(gateway)
    token, info = store.create("CRM integration", "system")
    assert info.subject == f"token:{info.id}" and info.organization is None
    who = store.authenticate(token)
    assert (who.subject, who.role, who.name) == (info.subject, "system", "CRM integration")
    assert (
        client.post("/api/tickets/tickets", json={"subject": "From the CRM"}, headers=_bearer(token)).status_code == 201
    )
    for kw, field in (({"subject": "someone"}, "subject"), ({"organization": "acme"}, "organization")):
        with pytest.raises(InvalidInput) as e:
            store.create("CRM", "system", **kw)
        assert field in e.value.errors
    with pytest.raises(InvalidInput) as e:
        store.create("anonymous staff", "specialist")
    assert "subject" in e.value.errors


# -- the copy and its messages ----------------------------------------------------------------
def _employee_message(employee_id: str, version: int, *, active: bool = True, role: str = "specialist") -> dict:
    m = copy.deepcopy(registry().schema("employee.changed", 1).schema["examples"][0])
    m.update(id=str(uuid.uuid4()), aggregate_id=employee_id, sequence=version)
    m["data"]["employee"].update(id=employee_id, name=f"E v{version}", role=role, active=active, version=version)
    m["data"]["change"] = "updated" if active else "deactivated"
    return m


def _copied(gateway, employee_id: str):
    with gateway.db.sessions() as s:
        return s.execute(select(directory_employees).where(directory_employees.c.id == employee_id)).first()


def test_repeated_and_late_directory_messages_change_nothing(gateway):
    employee_id = str(uuid.uuid4())
    v1, v2, v3 = (_employee_message(employee_id, v) for v in (1, 2, 3))
    v3["data"]["employee"]["active"] = False
    _publish(gateway, v1)
    wait_for(lambda: _copied(gateway, employee_id), what="the first version copied")
    token, info = token_store(gateway).create("t", "specialist", subject=employee_id)
    _publish(gateway, v3, v3, v2, v1)  # the newest, its duplicate, then two older ones
    marker = str(uuid.uuid4())
    _publish(gateway, _employee_message(marker, 1))  # handled after the others
    wait_for(lambda: _copied(gateway, marker), what="the marker copied")
    row = _copied(gateway, employee_id)
    assert (row.version, row.active, row.name) == (3, False, "E v3")
    with pytest.raises(NotAuthenticated):
        token_store(gateway).authenticate(token)
    (record,) = [t for t in token_store(gateway).list() if t.id == info.id]
    assert record.revoked_reason == "employee deactivated"


def test_the_copy_compares_versions_even_outside_the_ordered_consumer(gateway):
    employee_id = str(uuid.uuid4())
    newer, older = _employee_message(employee_id, 5, role="administrator"), _employee_message(employee_id, 4)
    with gateway.db.session() as s:
        assert directory.employee_changed(s, Message.from_dict(newer)) is True
        assert directory.employee_changed(s, Message.from_dict(older)) is False
        assert directory.employee_changed(s, Message.from_dict(newer)) is False
    assert (_copied(gateway, employee_id).version, _copied(gateway, employee_id).role) == (5, "administrator")


def test_the_consumer_drops_the_token_cache_after_its_commit(gateway):
    calls = []
    (spec,) = directory.consumers(lambda: calls.append("forget"))
    handle = spec.handlers["employee.changed"]
    with gateway.db.session() as s:
        handle(s, Message.from_dict(_employee_message("e-cache", 1)))
        assert calls == []  # not before the change is visible to others
    assert calls == ["forget"]
    with gateway.db.session() as s:
        handle(s, Message.from_dict(_employee_message("e-cache", 1)))  # nothing new: no reason to forget
    assert calls == ["forget"]


def test_an_upgraded_desk_the_gateway_never_heard_of_is_announced_when_the_tickets_worker_starts(
    harness, bus_namespace
):
    from sqlalchemy import update

    from relay_tickets.service_layer.directory_announce import AnnounceStaffAtStart
    from relaykit.testing.harness import signed

    tickets = harness.runtime(tickets_spec, namespace=bus_namespace)
    admin = signed(role="administrator", subject="setup")
    body = {"name": "Old Hand", "email": "old.hand@desk.example", "role": "lead_specialist"}
    r = tickets.app.test_client().post("/employees", json=body, headers=admin)
    assert r.status_code == 201, r.get_data(as_text=True)
    employee_id = r.get_json()["id"]
    with tickets.db.session() as s:  # its event went out long ago, before the gateway had a copy
        s.execute(update(outbox).values(published_at=datetime.now(UTC)))

    gateway = harness.runtime(gateway_spec, namespace=bus_namespace)
    harness.start(gateway)
    relay = [t for t in tickets.tasks() if t.name == "outbox-relay"]
    harness.start(tickets, [*relay, AnnounceStaffAtStart(tickets)])
    wait_for(lambda: _copied(gateway, employee_id), what="the announced employee in the gateway's copy")
    token, _ = token_store(gateway).create("old hand", "lead_specialist", subject=employee_id)
    assert token_store(gateway).authenticate(token).name == "Old Hand"


# -- the command line ----------------------------------------------------------------------
@pytest.fixture
def relay(gateway, monkeypatch):
    monkeypatch.setenv("GATEWAY_DATABASE_URL", gateway.settings.database_url)
    runner = CliRunner()
    return lambda *args: runner.invoke(relay_cli, ["token", *args])


def test_token_create_refuses_what_the_directory_does_not_back(relay, people):
    employee = people.employee("specialist", name="Sam Specialist")
    contact = people.contact(people.company(), portal_access="company")
    refusals = {
        ("--role", "specialist", "--subject", "no-such-employee"): "no employee no-such-employee",
        ("--role", "specialist"): "give the employee's id",
        ("--role", "administrator", "--subject", employee): "cannot carry more",
        ("--role", "specialist", "--subject", employee, "--organization", "acme"): "only a contact token",
        ("--role", "system", "--subject", employee): "acts as itself",
        ("--role", "system", "--organization", "acme"): "only a contact token",
        ("--role", "contact", "--subject", "no-such-contact"): "no contact no-such-contact",
        ("--role", "contact", "--subject", contact, "--organization", "another"): "leave --organization out",
    }
    for args, says in refusals.items():
        done = relay("create", "--name", "x", *args)
        assert done.exit_code != 0 and says in done.output, (args, done.output)
    assert "rly_" not in relay("list").output


def test_token_list_shows_who_each_token_acts_for(relay, people):
    employee = people.employee("specialist", name="Sam Specialist")
    contact = people.contact(people.company(), portal_access="company")
    created = relay("create", "--name", "Sam's laptop", "--role", "specialist", "--subject", employee)
    assert created.exit_code == 0 and f"subject:  {employee}" in created.output, created.output
    assert relay("create", "--name", "Portal test", "--role", "contact", "--subject", contact).exit_code == 0
    assert relay("create", "--name", "CRM", "--role", "system").exit_code == 0
    lines = {line.rsplit("  ", 1)[-1]: line for line in relay("list").output.splitlines()}
    assert employee in lines["Sam's laptop"] and "Sam Specialist" in lines["Sam's laptop"]
    assert contact in lines["Portal test"] and "Contact " in lines["Portal test"]
    assert "token:" in lines["CRM"] and "(machine)" in lines["CRM"]

    people.switch("employee", employee, "deactivate")
    wait_for(lambda: "employee deactivated" in relay("list").output, what="the revocation listed")
    assert "Sam Specialist (deactivated)" in relay("list").output


# -- on the production stack -----------------------------------------------------------------
@pytest.mark.integration
def test_on_postgres_and_rabbitmq_a_deactivation_ends_the_token(harness, pg_database_factory, amqp_url, bus_namespace):
    tickets = harness.runtime(
        tickets_spec, database_url=pg_database_factory(), amqp_url=amqp_url, namespace=bus_namespace
    )
    gateway = harness.runtime(
        gateway_spec, database_url=pg_database_factory(), amqp_url=amqp_url, namespace=bus_namespace
    )
    gateway.upstreams = {"tickets": tickets.app}
    start_directory_flow(harness, tickets, gateway)
    people = People(tickets, gateway)
    client = gateway.app.test_client()

    lead = people.employee("lead_specialist")
    token, _ = people.token("lead_specialist", subject=lead)
    assert client.post("/api/tickets/tickets", json={"subject": "On PG"}, headers=_bearer(token)).status_code == 201
    people.change("employee", lead, role="specialist")
    wait_for(lambda: token_store(gateway).authenticate(token).role == "specialist", what="the demotion felt")
    people.switch("employee", lead, "deactivate")
    wait_for(
        lambda: client.get("/api/tickets/tickets", headers=_bearer(token)).status_code == 401,
        what="the token refused",
    )
    _refused(client.get("/api/tickets/tickets", headers=_bearer(token)), 401, "employee deactivated")
    # Replayed messages (a redelivery, `relay dlq replay`) change nothing.
    with tickets.db.sessions() as s:
        bodies = [json.loads(b) for b in s.scalars(select(outbox.c.body).where(outbox.c.type == "employee.changed"))]
    replayed = [b | {"id": str(uuid.uuid4())} for b in bodies if b["aggregate_id"] == lead]
    _publish(gateway, *replayed)
    marker = str(uuid.uuid4())
    _publish(gateway, _employee_message(marker, 1))
    wait_for(lambda: _copied(gateway, marker), what="the marker copied")
    row = _copied(gateway, lead)
    assert (row.active, row.role, row.version) == (False, "specialist", max(b["sequence"] for b in replayed))


# -- the demo ------------------------------------------------------------------------------
def test_the_demo_token_acts_for_the_demo_administrator_once_the_gateway_knows_them(gateway, tickets, monkeypatch):
    from relay_gateway import bootstrap
    from relay_tickets.adapters.mapping import start_mappers
    from relay_tickets.demo_directory import load_directory
    from relaykit.demo import DEMO_ADMIN_ID

    monkeypatch.setattr(bootstrap, "DEMO_WAIT_SECONDS", 0.0)
    bootstrap._demo(gateway)  # no demo administrator in the directory: no token, and the banner says why
    token_file = gateway.settings.data_dir / bootstrap.DEMO_TOKEN_FILE
    assert not token_file.exists()
    assert "API token        none" in gateway.app.extensions.pop("relay.banner")[0]

    start_mappers()
    load_directory(tickets)  # the tickets service's demo: its events reach the gateway's copy
    monkeypatch.setattr(bootstrap, "DEMO_WAIT_SECONDS", 10.0)
    bootstrap._demo(gateway)
    token = token_file.read_text().strip()
    who = token_store(gateway).authenticate(token)
    assert (who.subject, who.role, who.name) == (DEMO_ADMIN_ID, "administrator", "Alex Admin")
    assert token in gateway.app.extensions.pop("relay.banner")[0]
    bootstrap._demo(gateway)  # a later start prints the same token
    assert token_file.read_text().strip() == token
