"""What the tickets service tells others beyond the ticket itself: the ticket settings
(settings.changed, for SLA rules and routing) and, in every snapshot, whether the
status is closed or pauses the SLA clocks and the client's category."""

import threading

from helpers import ADMIN, SPECIALIST, ok, outbox_messages, post_ticket
from seed import company
from sqlalchemy import update

from relay_tickets.adapters.tables.directory import companies
from relay_tickets.service_layer.settings.announce import AnnounceAtStart


def test_every_settings_change_announces_the_whole_catalogue(tickets, client):
    ok(
        client.post(
            "/settings/statuses",
            json={"key": "waiting_vendor", "name": "Waiting for vendor", "kind": "open", "sla_pausing": True},
            headers=ADMIN,
        ),
        201,
    )
    (announced,) = outbox_messages(tickets, "settings.changed")
    statuses = {s["key"]: s for s in announced["data"]["statuses"]}
    assert statuses["waiting_vendor"]["sla_pausing"] is True
    assert statuses["postponed"] == {"key": "postponed", "name": "Postponed", "kind": "open", "sla_pausing": True}
    assert {c["name"] for c in announced["data"]["client_categories"]} >= {"Client", "Partner", "VIP client"}
    assert "critical" in [p["key"] for p in announced["data"]["priorities"]]
    ok(
        client.post(
            "/settings/priorities", json={"key": "blocker", "name": "Blocker", "colour": "#000000"}, headers=ADMIN
        ),
        201,
    )
    first, second = outbox_messages(tickets, "settings.changed")
    assert second["sequence"] > first["sequence"]  # the newest wins at the consumer


def test_the_worker_announces_the_settings_when_it_starts(tickets):
    AnnounceAtStart(tickets).run(threading.Event())
    (announced,) = outbox_messages(tickets, "settings.changed")
    assert [t["key"] for t in announced["data"]["types"]]


def test_snapshots_say_the_status_kind_sla_pause_and_client_category(tickets, client):
    acme = company(tickets)
    with tickets.db.session() as s:
        s.execute(update(companies).where(companies.c.id == acme).values(category_id=3))
    created = ok(post_ticket(client, SPECIALIST, subject="Printer", company_id=acme), 201)
    ok(
        client.post(
            f"/tickets/{created['number']}/status",
            json={"status": "postponed", "until": "2030-01-01T09:00:00+00:00"},
            headers=SPECIALIST,
        )
    )
    snapshots = [m["data"]["ticket"] for m in outbox_messages(tickets) if m["type"].startswith("ticket.")]
    assert (snapshots[0]["status_kind"], snapshots[0]["sla_paused"], snapshots[0]["client_category_id"]) == (
        "open",
        False,
        3,
    )
    assert (snapshots[-1]["status"], snapshots[-1]["sla_paused"]) == ("postponed", True)
