"""Notify's HTTP API through the app's test client, as the gateway's callers: templates
checked when saved, previews, webhook URLs refused, who may do what, the feed, the
notifications of a ticket and the outbox of the local mail sink."""

from __future__ import annotations

import smtplib
from datetime import timedelta
from email.message import EmailMessage

import pytest

from relay_notify.service_layer import mail, sender
from relaykit.testing.harness import signed

ADMIN = signed(role="administrator", subject="adm-api")
PROBLEM = "application/problem+json"


@pytest.fixture
def people(desk):
    admin = desk.employee("Alex Admin", role="administrator")
    sam = desk.employee("Sam Specialist")
    pat = desk.employee("Pat Peer")
    carol = desk.contact("Carol Client")
    return admin, sam, pat, carol


def as_(who: dict) -> dict[str, str]:
    return signed(role=who["role"], subject=who["id"])


def refused(response, field: str) -> dict:
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert field in [e["field"] for e in body["errors"]], body
    return body


# -- templates ---------------------------------------------------------------------------------
def test_a_template_with_a_syntax_error_is_refused_naming_the_part_and_the_line(api):
    text = "Hello {{ recipient.name }},\n\nTicket #{{ ticket.number }}\n{% if ticket.subject %}\nno end here\n"
    r = api.put("/templates/assigned/en", json={"subject": "[#{{ ticket.number }}] Yours", "text": text}, headers=ADMIN)
    body = refused(r, "text")
    assert body["line"] == 5  # where Jinja finds the block unclosed: the template's end
    assert "line 5" in body["detail"] and "endif" in body["reason"]
    assert api.get("/templates/assigned/en", headers=ADMIN).get_json()["customised"] is False


def test_a_template_with_an_unknown_variable_is_refused_naming_the_part_and_the_line(api):
    r = api.put(
        "/templates/assigned/en",
        json={"subject": "[#{{ ticket.number }}] {{ ticket.subject }}", "text": "One\nTwo {{ ticket.numbr }}\n"},
        headers=ADMIN,
    )
    body = refused(r, "text")
    assert body["line"] == 2
    assert "numbr" in body["detail"]

    r = api.put("/templates/assigned/en", json={"subject": "{{ secret_key }}", "text": "Fine"}, headers=ADMIN)
    assert refused(r, "subject")["line"] == 1
    html = {"subject": "Hi", "text": "ok", "html": "<p>\n{{ x | nope }}"}
    r = api.put("/templates/assigned/en", json=html, headers=ADMIN)
    assert refused(r, "html")["line"] == 2


def test_a_valid_template_is_saved_previewed_and_reset(api):
    saved = {"subject": "[#{{ ticket.number }}] For you: {{ ticket.subject }}", "text": "Hi {{ recipient.name }}."}
    r = api.put("/templates/assigned/en", json=saved, headers=ADMIN)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["customised"] is True and r.get_json()["subject"] == saved["subject"]

    r = api.post("/templates/assigned/en/preview", json=saved, headers=ADMIN)
    assert r.status_code == 200, r.get_json()
    shown = r.get_json()
    assert shown["subject"].startswith("[#") and "For you: " in shown["subject"]
    assert "{{" not in shown["subject"] + shown["text"] + shown["html"]
    assert "Hi " in shown["text"] and "<html" in shown["html"].lower()

    r = api.post("/templates/assigned/en/preview", json={"subject": "{{ ticket.nope }}", "text": "x"}, headers=ADMIN)
    refused(r, "subject")
    assert api.delete("/templates/assigned/en", headers=ADMIN).get_json()["customised"] is False


def test_a_preview_on_a_real_ticket_uses_its_values(api, desk, people):
    admin, sam, _, carol = people
    ticket = desk.ticket(contact=carol, subject="The coffee machine speaks French")
    desk.handle(desk.assigned(ticket, sam, admin))
    body = {"subject": "#{{ ticket.number }} {{ ticket.subject }}", "text": "{{ ticket.contact }}"}
    body["ticket"] = ticket["number"]
    shown = api.post("/templates/assigned/en/preview", json=body, headers=ADMIN).get_json()
    assert shown["subject"] == f"#{ticket['number']} The coffee machine speaks French"
    assert "Carol Client" in shown["text"]
    body["ticket"] = 999_999
    assert api.post("/templates/assigned/en/preview", json=body, headers=ADMIN).status_code == 404


# -- webhooks ----------------------------------------------------------------------------------
def test_webhook_urls_are_checked_and_private_ones_refused_in_production(api):
    def create(url: str):
        return api.post("/webhooks", json={"url": url, "event_types": ["ticket.#"]}, headers=ADMIN)

    refused(create("file:///etc/passwd"), "url")
    refused(create("http://user:pw@hooks.example/x"), "url")
    made = create("http://127.0.0.1:9/hook")  # outside production: a local receiver is fine
    assert made.status_code == 201 and made.get_json()["signing_secret"]
    assert "secret" not in api.get(f"/webhooks/{made.get_json()['id']}", headers=ADMIN).get_json()

    r = api.put("/settings/delivery", json={"production": True}, headers=ADMIN)
    assert r.status_code == 200 and r.get_json()["production"] is True
    for url in ("http://127.0.0.1:9/hook", "http://10.0.0.1/hook", "http://169.254.169.254/latest", "http://[::1]/"):
        body = refused(create(url), "url")
        assert "refused" in body["detail"]
    # Nor may an existing one be pointed at one.
    refused(api.patch(f"/webhooks/{made.get_json()['id']}", json={"url": "http://10.0.0.1/"}, headers=ADMIN), "url")


# -- who may do what ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/settings/smtp"),
        ("put", "/settings/delivery"),
        ("get", "/templates"),
        ("put", "/templates/assigned/en"),
        ("get", "/webhooks"),
        ("post", "/webhooks"),
        ("get", "/outbox"),
        ("get", "/outbox/x.eml"),
    ],
)
def test_a_specialist_may_not_touch_settings_templates_webhooks_or_the_outbox(api, method, path):
    body = {"production": True} if path.startswith("/settings") else {"subject": "x", "text": "y"}
    if path == "/webhooks":
        body = {"url": "http://127.0.0.1:9/", "event_types": ["#"]}
    r = getattr(api, method)(path, json=body, headers=signed(role="specialist", subject="spec-1"))
    assert r.status_code == 403, (path, r.get_json())
    assert r.mimetype == PROBLEM


@pytest.mark.parametrize("path", ["/feed", "/feed/unread", "/preferences/me", "/notifications"])
def test_a_contact_has_no_feed(api, path):
    assert api.get(path, headers=signed(role="contact", subject="contact-1")).status_code == 403


def test_nobody_anonymous(api):
    assert api.get("/feed").status_code == 401


def test_a_specialist_sees_the_notifications_of_their_tickets_only(api, desk, people):
    admin, sam, pat, carol = people
    team = desk.group("Second line", members=[pat["id"]])
    pat = desk.employee("Pat Peer", id=pat["id"], groups=[team["id"]])
    mine = desk.ticket(contact=carol)
    desk.handle(desk.created(mine, admin), desk.assigned(mine, sam, admin))
    other = desk.ticket(contact=carol)
    desk.handle(desk.assigned(other, pat, admin))

    def listing(who, number):
        return api.get(f"/notifications?ticket={number}", headers=as_(who))

    r = listing(sam, mine["number"])
    assert r.status_code == 200
    items = r.get_json()["items"]
    assert {i["notification"] for i in items} >= {"assigned", "registered"}
    assert all(i["ticket_number"] == mine["number"] for i in items)
    assert "html" not in items[0]

    # Not responsible, not observing: as if the ticket did not exist.
    r = listing(sam, other["number"])
    assert r.status_code == 404 and r.mimetype == PROBLEM
    assert listing(pat, mine["number"]).status_code == 404
    assert listing(sam, 424242).status_code == 404
    # Observing through a group they are in: allowed.
    mine["observers"] = [{"kind": "group", "id": team["id"]}]
    desk.handle(desk.ticket_event("ticket.assigned", mine, actor={"kind": "system", "id": "r", "channel": "x"}))
    assert listing(pat, mine["number"]).status_code == 200
    # Everything at once is for leads and administrators.
    assert api.get("/notifications", headers=as_(sam)).status_code == 422
    assert api.get("/notifications", headers=as_(admin)).status_code == 200
    assert api.get(f"/notifications?ticket={other['number']}", headers=as_(admin)).get_json()["items"]


# -- the feed ----------------------------------------------------------------------------------
def test_the_feed_counts_unread_marks_read_and_reads_all(api, desk, people):
    admin, sam, pat, _ = people
    tickets = [desk.ticket() for _ in range(3)]
    for t in tickets:
        desk.handle(desk.assigned(t, sam, admin))
        desk.clock.advance(timedelta(seconds=1))
    desk.handle(desk.assigned(desk.ticket(), pat, admin))
    me = as_(sam)

    assert api.get("/feed/unread", headers=me).get_json() == {"unread": 3}
    feed = api.get("/feed", headers=me).get_json()
    assert feed["unread"] == 3
    assert [i["ticket_number"] for i in feed["items"]] == [t["number"] for t in reversed(tickets)]  # newest first
    assert all(i["read_at"] is None and i["notification"] == "assigned" for i in feed["items"])

    first = feed["items"][0]["id"]
    r = api.post(f"/feed/{first}/read", headers=me)
    assert r.status_code == 200 and r.get_json()["read_at"]
    assert api.get("/feed/unread", headers=me).get_json() == {"unread": 2}
    assert [i["id"] for i in api.get("/feed?unread=true", headers=me).get_json()["items"]] == [
        i["id"] for i in feed["items"][1:]
    ]
    # Someone else's item is not in my feed.
    theirs = api.get("/feed", headers=as_(pat)).get_json()["items"][0]["id"]
    assert api.post(f"/feed/{theirs}/read", headers=me).status_code == 404
    assert api.get("/feed/unread", headers=as_(pat)).get_json() == {"unread": 1}

    page = api.get("/feed?limit=2", headers=me).get_json()
    assert len(page["items"]) == 2 and page["next"]
    rest = api.get("/feed", query_string={"limit": 2, "after": page["next"]}, headers=me).get_json()
    assert [i["id"] for i in rest["items"]] == [feed["items"][2]["id"]] and rest["next"] is None

    assert api.post("/feed/read-all", headers=me).get_json() == {"marked": 2}
    assert api.get("/feed/unread", headers=me).get_json() == {"unread": 0}
    assert api.post("/feed/read-all", headers=me).get_json() == {"marked": 0}
    assert api.get("/feed/unread", headers=as_(pat)).get_json() == {"unread": 1}


# -- the outbox of the local sink --------------------------------------------------------------
def test_the_outbox_lists_the_local_sinks_mail_and_shows_one_sanitised(notify, api, desk, people):
    admin, sam, _, _ = people
    assert api.get("/settings/smtp", headers=ADMIN).get_json()["host"] == ""  # the local sink
    ticket = desk.ticket()
    desk.handle(desk.assigned(ticket, sam, admin))
    assert sender.send_due(notify) == 1
    (row,) = desk.rows(recipient_id=sam["id"], channel="email")
    assert row["state"] == "sent"

    # Mail from elsewhere lands there too, and a hostile HTML part must not reach the page.
    hostile = EmailMessage()
    hostile["From"], hostile["To"], hostile["Subject"] = "x@evil.example", "desk@relay.local", "Look"
    hostile.set_content("plain")
    hostile.add_alternative(
        '<p onclick="steal()">Hi<script>alert(1)</script><img src=x onerror="steal()"></p>', subtype="html"
    )
    with smtplib.SMTP("127.0.0.1", mail.local_sink(notify).port, timeout=10) as client:
        client.send_message(hostile)

    listing = api.get("/outbox", headers=ADMIN).get_json()["items"]
    assert [m["subject"] for m in listing] == ["Look", row["subject"]]  # newest first
    ours = listing[1]
    assert ours["message_id"] == row["message_id"]
    assert sam["email"] in ours["to"]

    shown = api.get(f"/outbox/{ours['name']}", headers=ADMIN).get_json()
    headers = dict(shown["headers"])
    assert headers["Message-ID"] == row["message_id"]
    assert headers["Auto-Submitted"] == "auto-generated"
    assert shown["from"] == "Relay support <support@relay.local>"
    assert ticket["subject"] in shown["text"]
    assert shown["html"] and ticket["subject"] in shown["html"]

    evil = api.get(f"/outbox/{listing[0]['name']}", headers=ADMIN).get_json()
    assert "Hi" in evil["html"]
    for bad in ("<script", "onclick", "onerror", "alert(1)"):
        assert bad not in evil["html"]

    assert api.get("/outbox/missing.eml", headers=ADMIN).status_code == 404
    assert api.get("/outbox/..%2F..%2Fnotify.db", headers=ADMIN).status_code == 404
