"""The ticket core through HTTP: every field, concurrency, idempotency, assignment rules, visibility."""

from datetime import UTC, datetime, timedelta

import pytest
import seed
from helpers import outbox_messages, post_ticket, problem
from sqlalchemy import select

from relay_tickets.adapters.tables.activity import ticket_history
from relaykit.testing.harness import signed


@pytest.fixture
def world(tickets):
    w = {}
    w["agent"] = seed.employee(tickets, "Sam Specialist")
    w["lead"] = seed.employee(tickets, "Lena Lead", role="lead_specialist")
    w["retired"] = seed.employee(tickets, "Old Timer", active=False)
    w["group"] = seed.group(tickets, "First line", members=[w["agent"]])
    w["acme"] = seed.company(tickets, "Acme")
    w["globex"] = seed.company(tickets, "Globex")
    w["site"] = seed.service_object(tickets, w["acme"], "Acme HQ")
    w["anna"] = seed.contact(tickets, w["acme"], "Anna (own)", access="own")
    w["boss"] = seed.contact(tickets, w["acme"], "Boris (company)", access="company")
    w["gina"] = seed.contact(tickets, w["globex"], "Gina (globex)", access="company")
    return w


def agent(w):
    return signed(role="specialist", subject=w["agent"])


def as_contact(w, who):
    company = w["globex"] if who == "gina" else w["acme"]
    return signed(role="contact", subject=w[who], organization=company)


def test_a_ticket_with_every_field(client, tickets, world):
    w = world
    due = (datetime(2026, 12, 1, 12, tzinfo=UTC)).isoformat()
    r = post_ticket(
        client,
        agent(w),
        description="Floor 2",
        type="incident",
        priority="high",
        channel="agent",
        contact={"kind": "contact", "id": w["anna"]},
        service_object_id=w["site"],
        responsible={"kind": "group", "id": w["group"]},
        observers=[{"kind": "employee", "id": w["lead"]}],
        planned_resolution_at=due,
    )
    assert r.status_code == 201, r.get_data(as_text=True)
    t = r.get_json()
    assert t["company_id"] == w["acme"]  # from the contact
    assert (t["type"], t["priority"], t["priority_name"], t["status"]) == ("incident", "high", "High", "opened")
    assert t["responsible"] == {"kind": "group", "id": w["group"]}
    assert t["observers"] == [{"kind": "employee", "id": w["lead"]}]
    assert (t["planned_source"], t["planned_resolution_at"]) == ("manual", due)
    assert t["allowed_statuses"] == ["postponed", "resolved"]
    assert r.headers["ETag"] == '"1"'
    (created,) = outbox_messages(tickets, "ticket.created")
    assert created["data"]["ticket"]["number"] == t["number"] and created["data"]["actor"]["id"] == w["agent"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "nonsense"}, "type"),
        ({"priority": "urgent!"}, "priority"),
        ({"responsible": {"kind": "employee", "id": "nobody"}}, "responsible.id"),
        ({"responsible": {"kind": "team", "id": "x"}}, "responsible.kind"),
        ({"observers": [{"kind": "group", "id": "nope"}]}, "observers.0.id"),
        ({"company_id": "missing"}, "company_id"),
        ({"contact": {"kind": "contact", "id": "missing"}}, "contact.id"),
        ({"service_object_id": "missing"}, "service_object_id"),
        ({"parent_id": "missing"}, "parent_id"),
        ({"attributes": {"colour": "red"}}, "attributes.colour"),
        ({"planned_resolution_at": "2026-12-01T12:00:00"}, "planned_resolution_at"),
        ({"channel": "carrier-pigeon"}, "channel"),
    ],
)
def test_bad_references_and_values_are_422_naming_the_field(client, world, body, field):
    problem(post_ticket(client, agent(world), **body), 422, field)


def test_an_inactive_employee_cannot_be_made_responsible(client, world):
    problem(
        post_ticket(client, agent(world), responsible={"kind": "employee", "id": world["retired"]}),
        422,
        "responsible.id",
    )
    number = post_ticket(client, agent(world)).get_json()["number"]
    problem(
        client.post(
            f"/tickets/{number}/assign",
            json={"responsible": {"kind": "employee", "id": world["retired"]}},
            headers=agent(world),
        ),
        422,
        "responsible.id",
    )


def test_a_contact_of_another_company_or_a_foreign_service_object_is_refused(client, world):
    w = world
    problem(
        post_ticket(client, agent(w), company_id=w["globex"], contact={"kind": "contact", "id": w["anna"]}),
        422,
        "contact.id",
    )
    problem(
        post_ticket(client, agent(w), company_id=w["globex"], service_object_id=w["site"]), 422, "service_object_id"
    )


def test_edits_need_the_current_etag_and_record_history(client, tickets, world):
    r = post_ticket(client, agent(world))
    number, etag = r.get_json()["number"], r.headers["ETag"]
    ok = client.patch(
        f"/tickets/{number}",
        json={"priority": "critical", "subject": "Printer on fire"},
        headers=agent(world) | {"If-Match": etag},
    )
    assert ok.status_code == 200 and ok.headers["ETag"] == '"2"'
    stale = client.patch(f"/tickets/{number}", json={"priority": "low"}, headers=agent(world) | {"If-Match": etag})
    body = problem(stale, 409, "If-Match")
    assert body["current_version"] == 2
    problem(
        client.patch(f"/tickets/{number}", json={"priority": "low"}, headers=agent(world) | {"If-Match": "x"}),
        400,
        "If-Match",
    )
    (updated,) = outbox_messages(tickets, "ticket.updated")
    assert updated["data"]["changes"]["priority"] == {"before": "normal", "after": "critical"}
    with tickets.db.sessions() as s:
        rows = s.execute(
            select(
                ticket_history.c.field,
                ticket_history.c.old_value,
                ticket_history.c.new_value,
                ticket_history.c.actor_id,
                ticket_history.c.channel,
            )
        ).all()
    assert ("priority", "normal", "critical", world["agent"], "agent") in [tuple(r) for r in rows]


def test_an_idempotency_key_makes_one_ticket(client, tickets, world):
    headers = agent(world) | {"Idempotency-Key": "crm-4471"}
    first = post_ticket(client, headers, subject="Once only")
    again = post_ticket(client, headers, subject="Once only")
    assert first.status_code == again.status_code == 201
    assert first.get_json()["number"] == again.get_json()["number"]
    assert len(outbox_messages(tickets, "ticket.created")) == 1
    problem(post_ticket(client, headers, subject="Something else"), 409, "Idempotency-Key")
    problem(post_ticket(client, agent(world) | {"Idempotency-Key": " "}), 422, "Idempotency-Key")


def test_status_moves_follow_the_lifecycle_and_keep_time_in_status(client, tickets, world):
    number = post_ticket(client, agent(world)).get_json()["number"]
    until = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert (
        client.post(
            f"/tickets/{number}/status", json={"status": "postponed", "until": until}, headers=agent(world)
        ).status_code
        == 200
    )
    body = problem(
        client.post(f"/tickets/{number}/status", json={"status": "closed"}, headers=agent(world)), 409, "status"
    )
    assert body["allowed"] == ["opened", "resolved"]
    problem(client.post(f"/tickets/{number}/status", json={"status": "limbo"}, headers=agent(world)), 422, "status")
    problem(client.post(f"/tickets/{number}/status", json={"status": "postponed"}, headers=agent(world)), 409)
    intervals = client.get(f"/tickets/{number}/status-intervals", headers=agent(world)).get_json()["items"]
    assert [i["status"] for i in intervals] == ["opened", "postponed"]
    assert intervals[0]["ended_at"] is not None and intervals[1]["ended_at"] is None


def test_assignment_events_and_observers(client, tickets, world):
    number = post_ticket(client, agent(world)).get_json()["number"]
    r = client.post(
        f"/tickets/{number}/assign",
        json={
            "responsible": {"kind": "employee", "id": world["agent"]},
            "add_observers": [{"kind": "group", "id": world["group"]}],
        },
        headers=agent(world),
    )
    assert r.status_code == 200 and r.get_json()["responsible"]["id"] == world["agent"]
    (assigned,) = outbox_messages(tickets, "ticket.assigned")
    assert assigned["data"]["observers"]["added"] == [{"kind": "group", "id": world["group"]}]
    r = client.post(f"/tickets/{number}/assign", json={"responsible": None}, headers=agent(world))
    assert r.get_json()["responsible"] is None


# -- what customers may see ----------------------------------------------------------------
@pytest.fixture
def portfolio(client, world):
    w = world
    made = {}
    made["annas"] = post_ticket(client, agent(w), contact={"kind": "contact", "id": w["anna"]}).get_json()["number"]
    made["acme_other"] = post_ticket(client, agent(w), company_id=w["acme"]).get_json()["number"]
    made["acme_internal"] = post_ticket(
        client, agent(w), company_id=w["acme"], type="internal_task", contact={"kind": "contact", "id": w["anna"]}
    ).get_json()["number"]
    made["globex"] = post_ticket(client, agent(w), contact={"kind": "contact", "id": w["gina"]}).get_json()["number"]
    return made


def _listed(client, headers):
    return {t["number"] for t in client.get("/tickets?limit=200", headers=headers).get_json()["items"]}


def test_contacts_see_only_what_their_access_allows_and_never_internal_tickets(client, world, portfolio):
    p = portfolio
    assert _listed(client, as_contact(world, "anna")) == {p["annas"]}
    assert _listed(client, as_contact(world, "boss")) == {p["annas"], p["acme_other"]}
    assert _listed(client, as_contact(world, "gina")) == {p["globex"]}
    for number in (p["acme_other"], p["acme_internal"], p["globex"]):
        problem(client.get(f"/tickets/{number}", headers=as_contact(world, "anna")), 404, "number")
    problem(client.get(f"/tickets/{p['acme_internal']}", headers=as_contact(world, "boss")), 404)
    seen = client.get(f"/tickets/{p['annas']}", headers=as_contact(world, "anna")).get_json()
    assert "observers" not in seen and "internal" not in seen and "time_spent_minutes" not in seen


def test_contacts_cannot_edit_assign_or_move_tickets_except_confirm_and_reopen(client, world, portfolio):
    number = portfolio["annas"]
    anna = as_contact(world, "anna")
    problem(client.patch(f"/tickets/{number}", json={"subject": "mine now"}, headers=anna), 403)
    problem(client.post(f"/tickets/{number}/assign", json={"responsible": None}, headers=anna), 403)
    problem(client.post(f"/tickets/{number}/status", json={"status": "resolved"}, headers=anna), 403)
    client.post(f"/tickets/{number}/status", json={"status": "resolved"}, headers=agent(world))
    assert client.post(f"/tickets/{number}/status", json={"status": "opened"}, headers=anna).status_code == 200
    client.post(f"/tickets/{number}/status", json={"status": "resolved"}, headers=agent(world))
    assert client.post(f"/tickets/{number}/status", json={"status": "closed"}, headers=anna).status_code == 200


def test_contacts_create_tickets_for_themselves_only(client, world):
    anna = as_contact(world, "anna")
    # Another company or contact is answered as one that does not exist (test_references.py).
    problem(post_ticket(client, anna, company_id=world["globex"]), 422, "company_id")
    problem(post_ticket(client, anna, contact={"kind": "contact", "id": world["gina"]}), 422, "contact.id")
    r = post_ticket(client, anna)
    t = r.get_json()
    assert r.status_code == 201 and t["contact"]["id"] == world["anna"] and t["company_id"] == world["acme"]
    assert t["channel"] == "portal"
    problem(post_ticket(client, anna, type="internal_task"), 422, "type")
    problem(post_ticket(client, anna, responsible={"kind": "group", "id": world["group"]}), 403)


def test_unknown_or_inactive_contacts_and_forged_identities_are_refused(client, world):
    problem(client.get("/tickets", headers=signed(role="contact", subject="nobody")), 403)
    problem(client.get("/tickets", headers=signed(role="contact", subject=world["anna"], secret="forged")), 401)
