"""The key activity flows on PostgreSQL: comments with files and mentions, the customer's
view, the follow-up of a long-closed ticket, time entries, rating, history and intervals."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import pytest
import seed
from helpers import LEAD, outbox_messages, problem
from seed import NOW
from test_activity_api import (
    SPEC,
    Desk,
    as_staff,
    change_status,
    comment,
    customer_ticket,
    make_desk,
    set_desk,
)

pytestmark = pytest.mark.integration

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))


@pytest.fixture
def desk(harness, pg_url, bus_namespace) -> Desk:
    rt = harness.runtime(SPEC, database_url=pg_url, namespace=bus_namespace, max_body_bytes=64 * 1024)
    assert rt.db.is_postgres
    return make_desk(rt)


def test_comments_files_and_mentions_on_postgres(desk):
    n = customer_ticket(desk)["number"]
    lead = seed.employee(desk.rt, name="Lena Lead", role="lead_specialist", email="lena@desk.example")
    r = desk.api.post(
        f"/tickets/{n}/comments",
        data={
            "body": "<p>@lena@desk.example see <b>photo</b><script>x()</script></p>",
            "format": "html",
            "public": "false",
            "attachments": [(io.BytesIO(PNG), "jam.png", "text/html")],
        },
        headers=desk.staff,
        content_type="multipart/form-data",
    )
    assert r.status_code == 201, r.get_json()
    private = r.get_json()
    assert private["body"] == "<p>@lena@desk.example see <b>photo</b></p>"
    assert private["mentions"] == [{"kind": "employee", "id": lead}]
    assert private["attachments"][0]["content_type"] == "image/png"
    assert private["attachments"][0]["sha256"] == hashlib.sha256(PNG).hexdigest()
    assert comment(desk.api, n, desk.staff, body="We are on it").status_code == 201

    customer_view = desk.api.get(f"/tickets/{n}/comments", headers=desk.customer).get_json()["items"]
    assert [c["body"] for c in customer_view] == ["We are on it"]
    problem(desk.api.get(private["attachments"][0]["url"], headers=desk.customer), 404, "attachment_id")
    assert desk.api.get(private["attachments"][0]["url"], headers=desk.staff).data == PNG

    added = outbox_messages(desk.rt, "ticket.comment_added")
    assert [e["sequence"] for e in added] == [2, 3]
    assert added[0]["data"]["comment"]["attachments"][0]["filename"] == "jam.png"
    ticket = desk.api.get(f"/tickets/{n}", headers=desk.staff).get_json()
    assert ticket["first_reaction_at"] == NOW.isoformat() and ticket["version"] == 3


def test_reopen_and_follow_up_on_postgres(desk):
    n = customer_ticket(desk)["number"]
    change_status(desk.api, n, desk.staff, "resolved")
    comment(desk.api, n, desk.customer, body="Still broken")
    assert desk.api.get(f"/tickets/{n}", headers=desk.staff).get_json()["status"] == "opened"

    change_status(desk.api, n, desk.staff, "resolved")
    change_status(desk.api, n, desk.customer, "closed")
    set_desk(desk.rt, "reopen_window_days", 2)
    desk.clock.advance(timedelta(days=3))
    r = comment(desk.api, n, desk.customer, body="And again")
    assert r.status_code == 201, r.get_json()
    follow_up = r.get_json()["follow_up_ticket"]
    assert follow_up is not None
    # The customer's follow-up has no responsible yet: the specialist of the old one does not see it.
    problem(desk.api.get(f"/tickets/{follow_up['number']}", headers=desk.staff), 404, "number")
    new = desk.api.get(f"/tickets/{follow_up['number']}", headers=LEAD).get_json()
    assert new["links"][0]["number"] == n and new["status"] == "opened"
    assert desk.api.get(f"/tickets/{n}", headers=desk.staff).get_json()["status"] == "closed"
    assert outbox_messages(desk.rt, "ticket.comment_added")[-1]["aggregate_id"] == follow_up["id"]


def test_time_rating_history_and_intervals_on_postgres(desk):
    n = customer_ticket(desk)["number"]
    lead = seed.employee(desk.rt, name="Lena Lead", role="lead_specialist")
    url = f"/tickets/{n}/time-entries"
    assert desk.api.post(url, json={"minutes": 20}, headers=desk.staff).status_code == 201
    r = desk.api.post(url, json={"minutes": 40, "employee_id": desk.agent}, headers=as_staff(lead, "lead_specialist"))
    assert r.status_code == 201 and r.get_json()["total_minutes"] == 60
    assert desk.api.get(url, headers=desk.staff).get_json()["total_minutes"] == 60

    desk.clock.advance(timedelta(hours=2))
    change_status(desk.api, n, desk.staff, "resolved")
    desk.clock.advance(timedelta(minutes=30))
    r = desk.api.post(f"/tickets/{n}/rating", json={"rating": "bad", "comment": "slow"}, headers=desk.customer)
    assert r.status_code == 201, r.get_json()
    assert outbox_messages(desk.rt, "ticket.rated")[-1]["data"]["rating"] == "bad"

    history = desk.api.get(f"/tickets/{n}/history", headers=desk.staff).get_json()["items"]
    fields = [(h["field"], h["old"], h["new"], h["actor"]["kind"]) for h in history]
    assert fields == [
        ("time_spent_minutes", 0, 20, "employee"),
        ("time_spent_minutes", 20, 60, "employee"),
        ("status", "opened", "resolved", "employee"),
        ("rating", None, "bad", "contact"),
    ]
    assert history[-1]["channel"] == "portal" and history[1]["actor"]["id"] == lead

    times = desk.api.get(f"/tickets/{n}/status-intervals", headers=desk.staff).get_json()
    assert times["totals"] == {"opened": 7200.0, "resolved": 1800.0}
