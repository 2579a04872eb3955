"""Commands other services send: carried out once, refused ones dead-lettered with the reason."""

import uuid
from datetime import UTC, datetime

import pytest
import seed
from helpers import LEAD, SPECIALIST, outbox_messages
from sqlalchemy import func, select

from relay_contracts import validate
from relay_tickets.adapters.tables.tickets import tickets as tickets_table
from relaykit.bus.connection import connect
from relaykit.bus.deadletters import list_dead
from relaykit.testing.harness import publish as send
from relaykit.testing.harness import wait_for


def command(type_, data, *, producer="mail-ingest", aggregate_id=None, message_id=None) -> dict:
    m = {
        "id": message_id or str(uuid.uuid4()),
        "type": type_,
        "version": 1,
        "kind": "command",
        "occurred_at": datetime.now(UTC).isoformat(),
        "producer": producer,
        "correlation_id": "cmd-test",
        "causation_id": None,
        "aggregate_type": "ticket",
        "aggregate_id": aggregate_id or str(uuid.uuid4()),
        "sequence": 0,
        "data": data,
    }
    validate(m)
    return m


def count(rt) -> int:
    with rt.db.sessions() as s:
        return s.scalar(select(func.count()).select_from(tickets_table))


def dead(rt):
    queue = rt.topology.dead_queue_name(rt.topology.queue_name("tickets", "commands"))
    with connect(rt.settings.amqp_url) as conn:
        return list_dead(conn, queue)


def run_consumers(harness, rt):
    worker = next(t for t in rt.tasks() if t.name == "consumers")
    harness.start(rt, [worker])
    wait_for(worker.ready.is_set, what="consumers ready")


def test_register_matches_the_sender_and_is_idempotent(harness, tickets, client):
    acme = seed.company(tickets, "Acme", domains=["acme.example"])
    anna = seed.contact(tickets, acme, emails=["anna@acme.example"])
    run_consumers(harness, tickets)
    ticket_id = str(uuid.uuid4())
    known = command(
        "tickets.register",
        {"subject": "Printer", "channel": "email", "requester": {"kind": "contact", "email": "ANNA@acme.example"}},
        aggregate_id=ticket_id,
    )
    stranger = command(
        "tickets.register",
        {"subject": "Hello", "channel": "email", "requester": {"kind": "contact", "email": "new@acme.example"}},
    )
    nobody = command(
        "tickets.register",
        {"subject": "Spam?", "channel": "email", "requester": {"kind": "contact", "email": "x@elsewhere.example"}},
    )
    again = dict(known, id=str(uuid.uuid4()))  # the sender retried with a new message id
    send(tickets, known, known, stranger, nobody, again)
    wait_for(lambda: count(tickets) == 3, what="three tickets")
    rows = {t["subject"]: t for t in client.get("/tickets", headers=LEAD).get_json()["items"]}
    assert rows["Printer"]["id"] == ticket_id and rows["Printer"]["contact"] == {"kind": "contact", "id": anna}
    assert rows["Printer"]["channel"] == "email" and rows["Printer"]["company_id"] == acme
    assert rows["Hello"]["company_id"] == acme and rows["Hello"]["contact"] is None  # a company's unknown address
    assert rows["Spam?"]["company_id"] is None
    created = outbox_messages(tickets, "ticket.created")
    assert len(created) == 3 and {e["correlation_id"] for e in created} == {"cmd-test"}


def test_assign_change_fields_and_planned_times(harness, tickets, client):
    agent = seed.employee(tickets)
    run_consumers(harness, tickets)
    t = client.post("/tickets", json={"subject": "Routed"}, headers=SPECIALIST).get_json()
    send(
        tickets,
        command(
            "tickets.assign",
            {"ticket_id": t["id"], "responsible": {"kind": "employee", "id": agent}, "rule": "printers"},
            producer="routing",
        ),
        command(
            "tickets.change_fields",
            {"ticket_id": t["id"], "fields": {"priority": "high", "status": "resolved"}},
            producer="routing",
        ),
        command(
            "tickets.set_planned_times",
            {
                "ticket_id": t["id"],
                "reaction_due_at": "2026-11-24T10:00:00+00:00",
                "resolution_due_at": "2026-11-25T10:00:00+00:00",
                "rule": "Default",
            },
            producer="sla",
        ),
    )

    def done():
        now = client.get(f"/tickets/{t['number']}", headers=SPECIALIST).get_json()
        return now["planned_source"] == "sla" and now["status"] == "resolved" and now

    now = wait_for(done, what="all three commands")
    assert now["responsible"] == {"kind": "employee", "id": agent} and now["priority"] == "high"
    assert now["sla_rule"] == "Default" and now["planned_resolution_at"] == "2026-11-25T10:00:00+00:00"
    (assigned,) = outbox_messages(tickets, "ticket.assigned")
    assert assigned["data"]["actor"] == {"kind": "system", "id": "routing", "name": "routing", "channel": "api"}


def test_a_command_that_cannot_be_carried_out_is_dead_lettered_with_the_reason(harness, tickets, client):
    run_consumers(harness, tickets)
    t = client.post("/tickets", json={"subject": "Closed"}, headers=SPECIALIST).get_json()
    send(
        tickets,
        command("tickets.assign", {"ticket_id": "missing", "responsible": None}, producer="routing"),
        command("tickets.change_fields", {"ticket_id": t["id"], "fields": {"status": "closed"}}, producer="routing"),
        command("tickets.change_fields", {"ticket_id": t["id"], "fields": {"priority": "low"}}, producer="routing"),
    )
    letters = wait_for(lambda: (d := dead(tickets)) and len(d) == 2 and d, what="two dead letters")
    reasons = " | ".join(d.reason for d in letters)
    assert "there is no ticket missing" in reasons and "cannot go from 'opened' to 'closed'" in reasons
    wait_for(
        lambda: client.get(f"/tickets/{t['number']}", headers=SPECIALIST).get_json()["priority"] == "low",
        what="the good command after the bad ones",
    )


def test_a_mail_reply_is_the_customers_comment_once_and_reopens_a_resolved_ticket(harness, tickets, client):
    acme = seed.company(tickets, "Acme")
    anna = seed.contact(tickets, acme, emails=["anna@acme.example"])
    run_consumers(harness, tickets)
    t = client.post(
        "/tickets", json={"subject": "Mail", "contact": {"kind": "contact", "id": anna}}, headers=SPECIALIST
    ).get_json()
    client.post(f"/tickets/{t['number']}/status", json={"status": "resolved"}, headers=SPECIALIST)
    comment_id = str(uuid.uuid4())
    reply = command(
        "tickets.add_comment",
        {
            "ticket_id": t["id"],
            "comment_id": comment_id,
            "body": "Still broken, sorry.",
            "author": {"kind": "contact", "email": "anna@acme.example"},
            "channel": "email",
        },
    )
    send(tickets, reply, dict(reply, id=str(uuid.uuid4())))  # the sender retried
    wait_for(
        lambda: client.get(f"/tickets/{t['number']}", headers=SPECIALIST).get_json()["status"] == "opened",
        what="reopened by the reply",
    )
    comments = client.get(f"/tickets/{t['number']}/comments", headers=SPECIALIST).get_json()
    items = comments["items"] if isinstance(comments, dict) else comments
    assert [c["id"] for c in items] == [comment_id]
    (added,) = outbox_messages(tickets, "ticket.comment_added")
    assert added["data"]["comment"]["author"]["kind"] == "contact" and added["data"]["comment"]["public"] is True


@pytest.mark.integration
def test_commands_on_rabbitmq_and_postgres(harness, pg_url, amqp_url, bus_namespace):
    from relay_tickets.bootstrap import spec

    rt = harness.runtime(spec, database_url=pg_url, amqp_url=amqp_url, namespace=bus_namespace)
    run_consumers(harness, rt)
    ticket_id = str(uuid.uuid4())
    register = command(
        "tickets.register",
        {"subject": "From mail", "channel": "email", "requester": {"kind": "contact", "email": "who@nowhere.example"}},
        aggregate_id=ticket_id,
    )
    send(rt, register, dict(register, id=str(uuid.uuid4())))
    wait_for(lambda: count(rt) == 1, what="the ticket")
    client = rt.app.test_client()
    number = client.get("/tickets", headers=LEAD).get_json()["items"][0]["number"]
    send(
        rt,
        command(
            "tickets.change_fields", {"ticket_id": ticket_id, "fields": {"subject": "Renamed"}}, producer="routing"
        ),
    )
    wait_for(lambda: client.get(f"/tickets/{number}", headers=LEAD).get_json()["subject"] == "Renamed", what="the edit")
    assert count(rt) == 1
