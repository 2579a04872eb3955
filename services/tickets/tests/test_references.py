"""Every reference a caller sends is checked against what that caller may read: one it
may not read gets the same answer as one that does not exist (same status, same body
but for the value sent), so a customer learns nothing of other customers' tickets,
companies, contacts, service objects or of staff they cannot see."""

from __future__ import annotations

import uuid

import pytest
import seed
from helpers import ADMIN, SPECIALIST, ok, post_ticket, problem
from sqlalchemy import insert

from relay_tickets.adapters.tables.tickets import ticket_links
from relaykit.testing.harness import signed


@pytest.fixture
def world(tickets, client):
    acme, globex = seed.company(tickets, "Acme"), seed.company(tickets, "Globex")
    site, depot = seed.service_object(tickets, acme, "HQ"), seed.service_object(tickets, globex, "Depot")
    anna = seed.contact(tickets, acme, "Anna", service_objects=[site])
    gina = seed.contact(tickets, globex, "Gina")
    sam = seed.employee(tickets, "Sam")
    kim = seed.employee(tickets, "Kim")
    types = {t["key"]: t for t in ok(client.get("/settings/ticket-types", headers=ADMIN))["items"]}
    internal = next(k for k, t in types.items() if t["internal"])
    w = {"acme": acme, "globex": globex, "site": site, "depot": depot, "anna": anna, "gina": gina, "sam": sam}
    w["kim"] = kim
    w["me"] = signed(role="contact", subject=anna)
    contact = {"kind": "contact", "id": gina}
    w["theirs"] = ok(post_ticket(client, SPECIALIST, subject="Globex's", contact=contact), 201)
    w["internal"] = ok(post_ticket(client, SPECIALIST, subject="Ops", company_id=acme, type=internal), 201)
    w["mine"] = ok(
        post_ticket(
            client,
            SPECIALIST,
            subject="Anna's",
            contact={"kind": "contact", "id": anna},
            responsible={"kind": "employee", "id": sam},
        ),
        201,
    )
    return w


def _shape(body: dict, sent: str) -> dict:
    """A problem with the value the caller sent taken out: what must not differ."""
    body = {k: v for k, v in body.items() if k != "correlation_id"}
    body["detail"] = body["detail"].replace(sent, "<sent>")
    body["errors"] = [{**e, "message": e["message"].replace(sent, "<sent>")} for e in body.get("errors", [])]
    return body


def _same_as_missing(unreadable, missing, unreadable_value: str, missing_value: str, field: str) -> None:
    a, b = problem(unreadable, 422, field), problem(missing, 422, field)
    assert _shape(a, unreadable_value) == _shape(b, missing_value)


# -- a customer -------------------------------------------------------------------------------------
@pytest.mark.parametrize("which", ["theirs", "internal"])
def test_a_customer_cannot_make_a_ticket_they_may_not_read_the_parent(client, world, which):
    ghost = str(uuid.uuid4())
    parent = world[which]["id"]
    unreadable = post_ticket(client, world["me"], parent_id=parent)
    missing = post_ticket(client, world["me"], parent_id=ghost)
    _same_as_missing(unreadable, missing, parent, ghost, "parent_id")
    child = ok(post_ticket(client, world["me"], subject="More on it", parent_id=world["mine"]["id"]), 201)
    assert child["parent_id"] == world["mine"]["id"]
    assert len(ok(client.get("/tickets", headers=world["me"]))["items"]) == 2  # nothing else was made


@pytest.mark.parametrize(
    ("field", "body", "other", "ghost"),
    [
        ("company_id", lambda w, v: {"company_id": v}, "globex", "no-such-company"),
        ("contact.id", lambda w, v: {"contact": {"kind": "contact", "id": v}}, "gina", "no-such-contact"),
        ("contact.id", lambda w, v: {"contact": {"kind": "employee", "id": v}}, "sam", "no-such-employee"),
        ("service_object_id", lambda w, v: {"service_object_id": v}, "depot", "no-such-object"),
    ],
)
def test_a_customers_other_references_are_answered_as_missing(client, world, field, body, other, ghost):
    value = world[other]
    unreadable = post_ticket(client, world["me"], **body(world, value))
    missing = post_ticket(client, world["me"], **body(world, ghost))
    _same_as_missing(unreadable, missing, value, ghost, field)


def test_a_customer_names_their_own_client_and_service_objects(client, world):
    own = {"company_id": world["acme"], "contact": {"kind": "contact", "id": world["anna"]}}
    made = ok(post_ticket(client, world["me"], service_object_id=world["site"], **own), 201)
    assert (made["company_id"], made["service_object_id"], made["contact"]["id"]) == (
        world["acme"],
        world["site"],
        world["anna"],
    )


def test_a_customer_mentions_only_the_staff_they_can_see_on_the_ticket(client, world):
    n = world["mine"]["number"]

    def comment(employee_id):
        body = {"body": "hello", "mentions": [{"kind": "employee", "id": employee_id}]}
        return client.post(f"/tickets/{n}/comments", json=body, headers=world["me"])

    ghost = str(uuid.uuid4())
    _same_as_missing(comment(world["kim"]), comment(ghost), world["kim"], ghost, "mentions.0")
    assert ok(comment(world["sam"]), 201)["mentions"] == [{"kind": "employee", "id": world["sam"]}]  # responsible
    ok(client.post(f"/tickets/{n}/comments", json={"body": "on it", "public": True}, headers=signed(
        role="lead_specialist", subject=world["kim"])), 201)  # fmt: skip
    assert ok(comment(world["kim"]), 201)["mentions"] == [{"kind": "employee", "id": world["kim"]}]  # now seen


def test_a_customer_sees_only_the_links_to_tickets_they_may_read(client, tickets, world):
    with tickets.db.session() as s:
        for related in (world["theirs"], world["internal"]):
            s.execute(insert(ticket_links).values(ticket_id=world["mine"]["id"], related_id=related["id"], kind="x"))
    mine = f"/tickets/{world['mine']['number']}"
    assert ok(client.get(mine, headers=world["me"]))["links"] == []
    assert len(ok(client.get(mine, headers=SPECIALIST))["links"]) == 2


# -- staff ----------------------------------------------------------------------------------------------
def test_staff_name_any_ticket_as_parent_and_a_missing_one_is_refused(client, world):
    ghost = str(uuid.uuid4())
    problem(post_ticket(client, SPECIALIST, parent_id=ghost), 422, "parent_id")
    child = ok(post_ticket(client, SPECIALIST, parent_id=world["internal"]["id"]), 201)
    url = f"/tickets/{child['number']}"
    problem(client.patch(url, json={"parent_id": ghost}, headers=SPECIALIST), 422, "parent_id")
    assert (
        ok(client.patch(url, json={"parent_id": world["theirs"]["id"]}, headers=SPECIALIST))["parent_id"]
        == (world["theirs"]["id"])
    )
