"""Comments, mentions, time entries, rating, history and time in status through HTTP
(SQLite, in-process). The helpers at the top serve the other activity test modules too."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta

import pytest
import seed
from helpers import SYSTEM, outbox_messages, problem
from seed import NOW
from sqlalchemy import delete, insert

from relay_tickets import bootstrap
from relay_tickets.adapters.tables.settings import desk_settings
from relay_tickets.service_layer.unit_of_work import settings_store
from relaykit.clock import FrozenClock
from relaykit.testing.harness import signed

SPEC = bootstrap.spec


# -- helpers (also imported by test_attachments and test_activity_postgres) ----------------------
def add_contact(rt, company_id, name="Anna Petrova", access="own", email=None) -> str:
    """A contact with one email address, a made-up one unless given."""
    return seed.contact(rt, company_id, name, access, emails=[email or f"{uuid.uuid4().hex[:8]}@client.example"])


def set_desk(rt, key: str, value) -> None:
    with rt.db.session() as s:
        s.execute(delete(desk_settings).where(desk_settings.c.key == key))
        s.execute(insert(desk_settings).values(key=key, value=value))
    settings_store(rt).invalidate()


def as_staff(employee_id: str, role: str = "specialist") -> dict[str, str]:
    return signed(role=role, subject=employee_id)


def as_contact(contact_id: str) -> dict[str, str]:
    return signed(role="contact", subject=contact_id)


def new_ticket(api, headers, *, contact_id=None, company_id=None, **body) -> dict:
    if contact_id:
        body["contact"] = {"kind": "contact", "id": contact_id}
    if company_id:
        body["company_id"] = company_id
    r = api.post("/tickets", json={"subject": "Printer jammed"} | body, headers=headers)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def comment(api, number, headers, **body):
    return api.post(f"/tickets/{number}/comments", json={"body": "Restarted the spooler"} | body, headers=headers)


def change_status(api, number, headers, status, **body):
    r = api.post(f"/tickets/{number}/status", json={"status": status} | body, headers=headers)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


@dataclasses.dataclass
class Desk:
    rt: object
    api: object
    clock: FrozenClock
    agent: str
    staff: dict
    company: str
    contact: str
    customer: dict


@pytest.fixture
def desk(harness, bus_namespace) -> Desk:
    rt = harness.runtime(SPEC, namespace=bus_namespace, max_body_bytes=64 * 1024)
    return make_desk(rt)


def make_desk(rt) -> Desk:
    rt.clock = FrozenClock(NOW)
    agent = seed.employee(rt, email="sam@desk.example")
    company = seed.company(rt)
    contact = add_contact(rt, company, email="anna@acme.example")
    return Desk(rt, rt.app.test_client(), rt.clock, agent, as_staff(agent), company, contact, as_contact(contact))


def customer_ticket(desk: Desk, **body) -> dict:
    return new_ticket(desk.api, desk.staff, contact_id=desk.contact, company_id=desk.company, **body)


# -- comments ----------------------------------------------------------------------------------------
def test_a_comment_raises_a_valid_event_and_the_first_public_employee_comment_is_the_first_reaction(desk):
    t = customer_ticket(desk)
    desk.clock.advance(timedelta(minutes=5))
    r = comment(desk.api, t["number"], desk.staff, body="Looking into it", public=False)
    assert r.status_code == 201, r.get_json()
    c = r.get_json()
    assert c["public"] is False and c["author"]["kind"] == "employee" and c["author"]["id"] == desk.agent
    assert c["channel"] == "agent" and c["ticket"]["number"] == t["number"] and c["follow_up_ticket"] is None
    assert r.headers["ETag"] == '"2"'
    assert desk.api.get(f"/tickets/{t['number']}", headers=desk.staff).get_json()["first_reaction_at"] is None

    desk.clock.advance(timedelta(minutes=5))
    r = comment(desk.api, t["number"], desk.staff | {"If-Match": '"2"'}, body="Please restart the printer")
    assert r.status_code == 201 and r.headers["ETag"] == '"3"'
    ticket = desk.api.get(f"/tickets/{t['number']}", headers=desk.staff).get_json()
    assert ticket["first_reaction_at"] == (NOW + timedelta(minutes=10)).isoformat() and ticket["version"] == 3

    added = outbox_messages(desk.rt, "ticket.comment_added")
    assert [e["data"]["comment"]["public"] for e in added] == [False, True]
    last = added[-1]
    assert last["sequence"] == 3 and last["data"]["ticket"]["first_reaction_at"] == ticket["first_reaction_at"]
    assert last["data"]["comment"] == {
        "id": r.get_json()["id"],
        "public": True,
        "body": "Please restart the printer",
        "format": "text",
        "text": "Please restart the printer",
        "author": {"kind": "employee", "id": desk.agent, "name": None, "channel": "agent"},
        "channel": "agent",
        "mentions": [],
        "attachments": [],
        "created_at": (NOW + timedelta(minutes=10)).isoformat(),
    }
    problem(comment(desk.api, t["number"], desk.staff | {"If-Match": '"2"'}), 409, "If-Match")


def test_a_customer_never_sees_private_comments_and_cannot_write_one(desk):
    t = customer_ticket(desk)
    n = t["number"]
    comment(desk.api, n, desk.staff, body="internal note: customer is on the old firmware", public=False)
    comment(desk.api, n, desk.staff, body="Could you send a photo?", public=True)
    r = comment(desk.api, n, desk.customer, body="Here it is")
    assert r.status_code == 201 and r.get_json()["public"] is True and r.get_json()["channel"] == "portal"
    problem(comment(desk.api, n, desk.customer, body="secret", public=False), 422, "public")

    staff_view = desk.api.get(f"/tickets/{n}/comments", headers=desk.staff).get_json()
    assert [c["body"] for c in staff_view["items"]] == [
        "internal note: customer is on the old firmware",
        "Could you send a photo?",
        "Here it is",
    ]
    customer_view = desk.api.get(f"/tickets/{n}/comments", headers=desk.customer).get_json()
    assert [c["body"] for c in customer_view["items"]] == ["Could you send a photo?", "Here it is"]

    page = desk.api.get(f"/tickets/{n}/comments?limit=2", headers=desk.staff).get_json()
    assert len(page["items"]) == 2 and page["next_cursor"] is not None
    rest = desk.api.get(f"/tickets/{n}/comments?limit=2&cursor={page['next_cursor']}", headers=desk.staff).get_json()
    assert [c["body"] for c in rest["items"]] == ["Here it is"] and rest["next_cursor"] is None


def test_the_desk_setting_decides_whether_staff_comments_are_public_by_default(desk):
    t = customer_ticket(desk)
    assert comment(desk.api, t["number"], desk.staff).get_json()["public"] is True
    set_desk(desk.rt, "default_comment_public", False)
    assert comment(desk.api, t["number"], desk.staff).get_json()["public"] is False
    assert comment(desk.api, t["number"], desk.customer).get_json()["public"] is True


def test_a_customer_cannot_read_or_write_comments_of_another_company_or_of_an_internal_ticket(desk):
    other_company = seed.company(desk.rt, "Globex")
    stranger = add_contact(desk.rt, other_company, name="Hank", access="company")
    theirs = customer_ticket(desk)
    internal = new_ticket(desk.api, desk.staff, contact_id=desk.contact, company_id=desk.company, type="internal_task")
    comment(desk.api, internal["number"], desk.staff, body="not for the customer")
    for number, who in ((theirs["number"], as_contact(stranger)), (internal["number"], desk.customer)):
        problem(desk.api.get(f"/tickets/{number}/comments", headers=who), 404, "number")
        problem(comment(desk.api, number, who), 404, "number")
        problem(desk.api.get(f"/tickets/{number}/attachments", headers=who), 404, "number")
    assert desk.api.get(f"/tickets/{theirs['number']}/comments", headers=desk.customer).status_code == 200
    # A contact unknown to the directory is refused outright.
    problem(desk.api.get(f"/tickets/{theirs['number']}/comments", headers=as_contact("nobody")), 403)


def test_html_bodies_are_sanitised_and_keep_a_plain_text_rendering(desk):
    t = customer_ticket(desk)
    html = (
        '<p onclick="steal()">Hello <b>there</b><script>alert(1)</script></p>'
        '<img src=x onerror="alert(2)"><a href="javascript:alert(3)">click</a>'
        '<a href="https://example.com/help">help</a><style>p{display:none}</style><iframe src="https://x"></iframe>'
    )
    r = comment(desk.api, t["number"], desk.staff, body=html, format="html")
    assert r.status_code == 201, r.get_json()
    c = r.get_json()
    for bad in ("script", "onerror", "onclick", "javascript:", "<img", "style", "iframe", "alert"):
        assert bad not in c["body"], c["body"]
    assert "<b>there</b>" in c["body"] and 'href="https://example.com/help"' in c["body"]
    assert c["body_text"] == "Hello there\nclickhelp" and c["format"] == "html"
    assert outbox_messages(desk.rt, "ticket.comment_added")[-1]["data"]["comment"]["body"] == c["body"]
    stored = desk.api.get(f"/tickets/{t['number']}/comments", headers=desk.customer).get_json()["items"][0]
    assert stored["body"] == c["body"]
    problem(comment(desk.api, t["number"], desk.staff, body="<script>alert(1)</script>", format="html"), 422, "body")
    problem(comment(desk.api, t["number"], desk.staff, body="x", format="markdown"), 422, "format")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"body": ""}, "body"),
        ({"body": "x" * 100_001}, "body"),
        ({"body": 5}, "body"),
        ({"body": "ok", "colour": "red"}, "colour"),
        ({"body": "ok", "public": "maybe"}, "public"),
        ({"body": "ok", "mentions": [{"kind": "group", "id": "g"}]}, "mentions.0.kind"),
    ],
)
def test_bad_comment_bodies_are_refused_naming_the_field(harness, bus_namespace, body, field):
    rt = harness.runtime(SPEC, namespace=bus_namespace, max_body_bytes=512 * 1024)
    desk = make_desk(rt)
    t = customer_ticket(desk)
    problem(desk.api.post(f"/tickets/{t['number']}/comments", json=body, headers=desk.staff), 422, field)


def test_comments_refuse_other_media_types_and_unknown_tickets(desk):
    t = customer_ticket(desk)
    problem(
        desk.api.post(f"/tickets/{t['number']}/comments", data="hi", content_type="text/plain", headers=desk.staff),
        415,
        "Content-Type",
    )
    problem(comment(desk.api, 999, desk.staff), 404, "number")


def test_mentions_of_employees_and_the_tickets_contact_reach_the_event(desk):
    lead = seed.employee(desk.rt, name="Lena Lead", role="lead_specialist", email="lena@desk.example")
    retired = seed.employee(desk.rt, name="Old Timer", active=False, email="old@desk.example")
    other_contact = add_contact(desk.rt, seed.company(desk.rt, "Globex"), email="hank@globex.example")
    t = customer_ticket(desk)
    n = t["number"]
    r = comment(
        desk.api,
        n,
        desk.staff,
        body="@lena@desk.example please check with @anna@acme.example; cc @hank@globex.example, mail x@y.example",
        mentions=[{"kind": "employee", "id": desk.agent}],
    )
    assert r.status_code == 201, r.get_json()
    expected = [
        {"kind": "employee", "id": desk.agent},
        {"kind": "employee", "id": lead},
        {"kind": "contact", "id": desk.contact},
    ]
    assert r.get_json()["mentions"] == expected
    assert outbox_messages(desk.rt, "ticket.comment_added")[-1]["data"]["comment"]["mentions"] == expected

    # A private comment never tells the customer about itself.
    r = comment(desk.api, n, desk.staff, body="ask @anna@acme.example for the serial", public=False)
    assert r.get_json()["mentions"] == []
    problem(
        comment(desk.api, n, desk.staff, public=False, mentions=[{"kind": "contact", "id": desk.contact}]),
        422,
        "mentions.0",
    )
    problem(
        comment(
            desk.api,
            n,
            desk.staff,
            mentions=[{"kind": "employee", "id": lead}, {"kind": "contact", "id": other_contact}],
        ),
        422,
        "mentions.1",
    )
    problem(comment(desk.api, n, desk.staff, mentions=[{"kind": "employee", "id": retired}]), 422, "mentions.0")
    problem(comment(desk.api, n, desk.staff, mentions=[{"kind": "employee", "id": "ghost"}]), 422, "mentions.0")


# -- reopening and follow-ups ------------------------------------------------------------------------
def test_a_customer_reply_reopens_a_resolved_ticket(desk):
    t = customer_ticket(desk)
    n = t["number"]
    change_status(desk.api, n, desk.staff, "resolved")
    desk.clock.advance(timedelta(hours=1))
    # A staff comment on a resolved ticket leaves it resolved.
    comment(desk.api, n, desk.staff, body="Anything else?")
    assert desk.api.get(f"/tickets/{n}", headers=desk.staff).get_json()["status"] == "resolved"
    r = comment(desk.api, n, desk.customer, body="It jammed again")
    assert r.status_code == 201 and r.get_json()["follow_up_ticket"] is None
    ticket = desk.api.get(f"/tickets/{n}", headers=desk.staff).get_json()
    assert ticket["status"] == "opened" and ticket["resolved_at"] is None
    changed = outbox_messages(desk.rt, "ticket.status_changed")[-1]
    assert changed["data"]["from"] == "resolved" and changed["data"]["to"] == "opened"
    assert changed["data"]["reason"] == "the customer replied" and changed["data"]["actor"]["kind"] == "contact"


def _closed_ticket(desk: Desk) -> int:
    n = customer_ticket(desk, type="incident", priority="high")["number"]
    change_status(desk.api, n, desk.staff, "resolved")
    change_status(desk.api, n, desk.customer, "closed")
    return n


def test_a_reply_to_a_closed_ticket_within_the_window_reopens_it(desk):
    n = _closed_ticket(desk)
    desk.clock.advance(timedelta(days=6, hours=23))
    r = comment(desk.api, n, desk.customer, body="Sorry, it is broken again")
    assert r.status_code == 201 and r.get_json()["follow_up_ticket"] is None
    ticket = desk.api.get(f"/tickets/{n}", headers=desk.staff).get_json()
    assert ticket["status"] == "opened" and ticket["closed_at"] is None


def test_a_reply_to_a_ticket_closed_longer_than_the_window_opens_a_linked_follow_up(desk):
    n = _closed_ticket(desk)
    desk.clock.advance(timedelta(days=7, minutes=1))
    r = comment(desk.api, n, desk.customer, body="Broken again, a month later")
    assert r.status_code == 201, r.get_json()
    c = r.get_json()
    follow_up = c["follow_up_ticket"]
    assert follow_up is not None and follow_up["number"] != n and c["ticket"] == follow_up
    assert "ETag" not in r.headers

    old = desk.api.get(f"/tickets/{n}", headers=desk.staff).get_json()
    assert old["status"] == "closed" and old["version"] == 3
    assert desk.api.get(f"/tickets/{n}/comments", headers=desk.staff).get_json()["items"] == []
    new = desk.api.get(f"/tickets/{follow_up['number']}", headers=desk.customer).get_json()
    assert new["id"] == follow_up["id"] and new["status"] == "opened" and new["channel"] == "portal"
    assert new["subject"] == f"Follow-up to #{n}: Printer jammed"
    assert new["type"] == "incident" and new["priority"] == "high" and new["contact"]["id"] == desk.contact
    assert new["links"] == [{"ticket_id": old["id"], "number": n, "kind": "follow_up"}]
    on_new = desk.api.get(f"/tickets/{follow_up['number']}/comments", headers=desk.customer).get_json()["items"]
    assert [x["body"] for x in on_new] == ["Broken again, a month later"]
    created = outbox_messages(desk.rt, "ticket.created")[-1]
    added = outbox_messages(desk.rt, "ticket.comment_added")[-1]
    assert created["aggregate_id"] == added["aggregate_id"] == follow_up["id"]
    assert added["data"]["comment"]["author"]["kind"] == "contact"

    # Staff may still write on the old ticket; it stays closed.
    assert comment(desk.api, n, desk.staff, body="Noted").get_json()["follow_up_ticket"] is None


def test_the_reopen_window_is_a_desk_setting(desk):
    set_desk(desk.rt, "reopen_window_days", 1)
    n = _closed_ticket(desk)
    desk.clock.advance(timedelta(days=2))
    assert comment(desk.api, n, desk.customer, body="again").get_json()["follow_up_ticket"] is not None


# -- time entries ----------------------------------------------------------------------------------------
def test_time_entries_add_up_on_the_ticket(desk):
    lead = seed.employee(desk.rt, name="Lena Lead", role="lead_specialist")
    helper = seed.employee(desk.rt, name="Hal Helper")
    n = customer_ticket(desk)["number"]
    url = f"/tickets/{n}/time-entries"
    r = desk.api.post(url, json={"minutes": 30, "note": "remote session"}, headers=desk.staff)
    assert r.status_code == 201, r.get_json()
    out = r.get_json()
    assert out["total_minutes"] == 30 and out["ticket_version"] == 2 and r.headers["ETag"] == '"2"'
    assert out["entry"]["employee_id"] == desk.agent and out["entry"]["work_date"] == "2026-11-23"
    assert out["entry"]["employee_name"] == "Sam Specialist" and out["entry"]["note"] == "remote session"

    r = desk.api.post(
        url,
        json={"minutes": 45, "work_date": "2026-11-20", "employee_id": helper},
        headers=as_staff(lead, "lead_specialist") | {"If-Match": '"2"'},
    )
    assert r.status_code == 201 and r.get_json()["total_minutes"] == 75
    assert r.get_json()["entry"]["logged_by"] == {"kind": "employee", "id": lead}

    listed = desk.api.get(url, headers=desk.staff).get_json()
    assert listed["total_minutes"] == 75 and [e["minutes"] for e in listed["items"]] == [45, 30]
    assert [e["employee_name"] for e in listed["items"]] == ["Hal Helper", "Sam Specialist"]
    assert desk.api.get(f"/tickets/{n}", headers=desk.staff).get_json()["time_spent_minutes"] == 75

    logged = outbox_messages(desk.rt, "ticket.time_logged")
    assert [e["data"]["ticket"]["time_spent_minutes"] for e in logged] == [30, 75]
    assert logged[-1]["data"]["entry"] == {
        "id": r.get_json()["entry"]["id"],
        "employee_id": helper,
        "minutes": 45,
        "work_date": "2026-11-20",
        "note": None,
    }


@pytest.mark.parametrize(
    ("body", "who", "status", "field"),
    [
        ({"minutes": 0}, "agent", 422, "minutes"),
        ({"minutes": 1441}, "agent", 422, "minutes"),
        ({"minutes": "30"}, "agent", 422, "minutes"),
        ({"minutes": 10, "work_date": "2026-11-30"}, "agent", 422, "work_date"),
        ({"minutes": 10, "work_date": "yesterday"}, "agent", 422, "work_date"),
        ({"minutes": 10, "employee_id": "HELPER"}, "agent", 403, "employee_id"),
        ({"minutes": 10, "employee_id": "RETIRED"}, "lead", 422, "employee_id"),
        ({"minutes": 10, "employee_id": "ghost"}, "lead", 422, "employee_id"),
        ({"minutes": 10}, "stranger", 422, "employee_id"),
        ({"minutes": 10}, "contact", 403, None),
        ({"minutes": 10}, "system", 403, None),
        ({"minutes": 10, "colour": "red"}, "agent", 422, "colour"),
    ],
)
def test_time_entries_are_checked(desk, body, who, status, field):
    helper = seed.employee(desk.rt, name="Hal Helper")
    retired = seed.employee(desk.rt, name="Old Timer", active=False)
    lead = seed.employee(desk.rt, name="Lena Lead", role="lead_specialist")
    headers = {
        "agent": desk.staff,
        "lead": as_staff(lead, "lead_specialist"),
        "stranger": as_staff("not-in-directory", "lead_specialist"),  # sees the ticket, is nobody
        "contact": desk.customer,
        "system": SYSTEM,
    }[who]
    body = body | (
        {"employee_id": {"HELPER": helper, "RETIRED": retired}.get(body["employee_id"], body["employee_id"])}
        if "employee_id" in body
        else {}
    )
    n = customer_ticket(desk)["number"]
    problem(desk.api.post(f"/tickets/{n}/time-entries", json=body, headers=headers), status, field)
    assert desk.api.get(f"/tickets/{n}/time-entries", headers=desk.staff).get_json()["total_minutes"] == 0


def test_customers_cannot_read_time_entries_history_or_status_intervals(desk):
    n = customer_ticket(desk)["number"]
    for path in ("time-entries", "history", "status-intervals"):
        problem(desk.api.get(f"/tickets/{n}/{path}", headers=desk.customer), 403)


# -- rating ------------------------------------------------------------------------------------------------
def test_the_tickets_contact_rates_a_resolved_or_closed_ticket(desk):
    colleague = add_contact(desk.rt, desk.company, name="Boris", access="company")
    n = customer_ticket(desk)["number"]
    url = f"/tickets/{n}/rating"
    problem(desk.api.post(url, json={"rating": "good"}, headers=desk.customer), 409, "status")
    change_status(desk.api, n, desk.staff, "resolved")
    problem(desk.api.post(url, json={"rating": "good"}, headers=desk.staff), 403)
    problem(desk.api.post(url, json={"rating": "good"}, headers=as_contact(colleague)), 403)
    problem(desk.api.post(url, json={"rating": "superb"}, headers=desk.customer), 422, "rating")
    problem(desk.api.post(url, json={"rating": "good", "comment": "x" * 2001}, headers=desk.customer), 422, "comment")
    problem(desk.api.post(url, json={"rating": "good"}, headers=desk.customer | {"If-Match": '"1"'}), 409, "If-Match")

    r = desk.api.post(url, json={"rating": "good", "comment": " Quick, thanks! "}, headers=desk.customer)
    assert r.status_code == 201, r.get_json()
    assert r.get_json() == {
        "rating": "good",
        "comment": "Quick, thanks!",
        "rated_at": NOW.isoformat(),
        "ticket_version": 3,
    }
    rated = outbox_messages(desk.rt, "ticket.rated")[-1]
    assert rated["data"]["rating"] == "good" and rated["data"]["comment"] == "Quick, thanks!"
    assert rated["data"]["ticket"]["rating"] == "good"
    change_status(desk.api, n, desk.customer, "closed")
    r = desk.api.post(url, json={"rating": "normal"}, headers=desk.customer)
    assert r.status_code == 201 and r.get_json()["rating"] == "normal"
    ticket = desk.api.get(f"/tickets/{n}", headers=desk.customer).get_json()
    assert ticket["rating"] == "normal" and ticket["rating_comment"] is None


# -- history and time in status ------------------------------------------------------------------------------
def test_history_keeps_who_changed_what_through_which_channel(desk):
    lead = seed.employee(desk.rt, name="Lena Lead", role="lead_specialist")
    n = customer_ticket(desk)["number"]
    desk.clock.advance(timedelta(minutes=1))
    assert (
        desk.api.patch(f"/tickets/{n}", json={"subject": "Printer on floor 2 jammed"}, headers=desk.staff).status_code
        == 200
    )
    desk.clock.advance(timedelta(minutes=1))
    r = desk.api.post(
        f"/tickets/{n}/assign", json={"responsible": {"kind": "employee", "id": lead}}, headers=desk.staff
    )
    assert r.status_code == 200, r.get_json()
    desk.clock.advance(timedelta(minutes=1))
    change_status(desk.api, n, desk.staff, "resolved")
    desk.clock.advance(timedelta(minutes=1))
    change_status(desk.api, n, desk.customer, "closed")

    rows = desk.api.get(f"/tickets/{n}/history", headers=desk.staff).get_json()["items"]
    by_field = [(h["field"], h["old"], h["new"], h["actor"]["kind"], h["channel"]) for h in rows]
    assert ("subject", "Printer jammed", "Printer on floor 2 jammed", "employee", "agent") in by_field
    assert ("responsible", None, {"kind": "employee", "id": lead}, "employee", "agent") in by_field
    assert ("status", "opened", "resolved", "employee", "agent") in by_field
    assert ("status", "resolved", "closed", "contact", "portal") in by_field
    assert rows[0]["actor"] == {"kind": "employee", "id": desk.agent, "name": None, "channel": "agent"}
    assert rows[0]["at"] == (NOW + timedelta(minutes=1)).isoformat()
    assert [h["id"] for h in rows] == sorted(h["id"] for h in rows)

    seen, cursor = [], None
    while True:
        q = f"/tickets/{n}/history?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = desk.api.get(q, headers=desk.staff).get_json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == rows
    problem(desk.api.get(f"/tickets/{n}/history?limit=0", headers=desk.staff), 422, "limit")


def test_time_in_each_status_is_kept_as_intervals_with_totals(desk):
    n = customer_ticket(desk)["number"]
    desk.clock.advance(timedelta(hours=1))
    change_status(desk.api, n, desk.staff, "postponed", until=(NOW + timedelta(days=1)).isoformat())
    desk.clock.advance(timedelta(minutes=30))
    change_status(desk.api, n, desk.staff, "opened")
    desk.clock.advance(timedelta(hours=2))
    change_status(desk.api, n, desk.staff, "resolved")
    desk.clock.advance(timedelta(minutes=15))

    out = desk.api.get(f"/tickets/{n}/status-intervals", headers=desk.staff).get_json()
    assert [(i["status"], i["seconds"]) for i in out["items"]] == [
        ("opened", 3600.0),
        ("postponed", 1800.0),
        ("opened", 7200.0),
        ("resolved", 900.0),
    ]
    assert out["items"][-1]["ended_at"] is None
    assert out["totals"] == {"opened": 10800.0, "postponed": 1800.0, "resolved": 900.0}
    assert out["now"] == (NOW + timedelta(hours=3, minutes=45)).isoformat()
    desk.clock.advance(timedelta(minutes=15))
    later = desk.api.get(f"/tickets/{n}/status-intervals", headers=desk.staff).get_json()
    assert later["totals"]["resolved"] == 1800.0
