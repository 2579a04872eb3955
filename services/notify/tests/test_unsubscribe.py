"""One-click unsubscribe: every non-essential mail carries List-Unsubscribe (a signed link)
and List-Unsubscribe-Post (RFC 8058); following it stops that kind of mail to that
address, recorded as suppressed with the reason; essential mail still goes; the token
cannot be forged; an administrator sees and undoes it; nobody else may."""

from __future__ import annotations

import re

import pytest

from relay_notify.service_layer import sender
from relay_notify.service_layer.planner import PENDING, SUPPRESSED, UNSUBSCRIBED
from relaykit.testing.harness import signed

ADMIN = signed(role="administrator", subject="adm-unsub")
GATEWAY = signed(role="system", subject="gateway")
LINK = re.compile(r"^<(http://127\.0\.0\.1:8080/unsubscribe/([^>]+))>$")


def _send_all(rt) -> None:
    while sender.send_due(rt):
        pass


def _token(mail: dict) -> str:
    headers = dict(mail["headers"])
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    m = LINK.match(headers["List-Unsubscribe"].strip())
    assert m, headers["List-Unsubscribe"]
    return m.group(2)


def test_following_the_link_stops_that_notification_and_only_that(notify, desk, sink, api):
    sam, carol = desk.employee("Sam Specialist"), desk.contact("Carol Client")
    first = desk.ticket()
    desk.handle(desk.assigned(first, sam))
    _send_all(notify)
    [mail] = desk.mails_to(sam["email"])

    r = api.post("/unsubscribe", json={"token": _token(mail)}, headers=GATEWAY)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["address"] == sam["email"] and r.get_json()["notification"] == "assigned"
    # Twice (a mail client's POST and the person's click) is the same as once.
    assert api.post("/unsubscribe", json={"token": _token(mail)}, headers=GATEWAY).status_code == 200

    second = desk.ticket()
    desk.handle(desk.assigned(second, sam))
    [row] = desk.rows(ticket_number=second["number"], channel="email")
    assert (row["state"], row["last_error"]) == (SUPPRESSED, UNSUBSCRIBED)
    # The in-app item is not mail: it still comes.
    assert [r["state"] for r in desk.rows(ticket_number=second["number"], channel="inapp")] == ["sent"]

    # Essential mail has no link; mentions still reach an unsubscribed address.
    third = desk.ticket(contact=carol)
    desk.handle(desk.created(third))
    _send_all(notify)
    [registered] = desk.mails_to(carol["emails"][0])
    assert "List-Unsubscribe" not in dict(registered["headers"])


def test_a_forged_or_altered_token_is_refused_and_nothing_changes(notify, desk, sink, api):
    sam = desk.employee("Sam Specialist")
    desk.handle(desk.assigned(desk.ticket(), sam))
    _send_all(notify)
    token = _token(desk.mails_to(sam["email"])[0])
    body, sig = token.rsplit(".", 1)
    altered = body.replace("unsubscribe.", "unsubscribe.9", 1) + "." + sig
    for bad in (altered, body + "." + "0" * 32, "not-a-token-at-all"):
        r = api.post("/unsubscribe", json={"token": bad}, headers=GATEWAY)
        assert r.status_code == 422, (bad, r.get_json())
        assert [e["field"] for e in r.get_json()["errors"]] == ["token"]
    assert api.get("/unsubscribes", headers=ADMIN).get_json()["items"] == []


def test_an_administrator_lists_and_undoes_it(notify, desk, sink, api):
    sam = desk.employee("Sam Specialist")
    desk.handle(desk.assigned(desk.ticket(), sam))
    _send_all(notify)
    api.post("/unsubscribe", json={"token": _token(desk.mails_to(sam["email"])[0])}, headers=GATEWAY)
    items = api.get("/unsubscribes", query_string={"address": sam["email"].upper()}, headers=ADMIN).get_json()["items"]
    assert [(i["address"], i["notification"]) for i in items] == [(sam["email"], "assigned")]

    r = api.post("/unsubscribes/resubscribe", json={"address": sam["email"], "notification": "assigned"}, headers=ADMIN)
    assert r.status_code == 204
    again = desk.ticket()
    desk.handle(desk.assigned(again, sam))
    assert [r["state"] for r in desk.rows(ticket_number=again["number"], channel="email")] == [PENDING]
    r = api.post("/unsubscribes/resubscribe", json={"address": sam["email"], "notification": "assigned"}, headers=ADMIN)
    assert r.status_code == 404


@pytest.mark.parametrize("role", ["specialist", "lead_specialist", "contact"])
def test_only_administrators_see_or_undo_unsubscribes_and_people_cannot_post_tokens(api, role):
    who = signed(role=role, subject="someone")
    assert api.get("/unsubscribes", headers=who).status_code == 403
    body = {"address": "a@b.example", "notification": "assigned"}
    assert api.post("/unsubscribes/resubscribe", json=body, headers=who).status_code == 403
    assert api.post("/unsubscribe", json={"token": "x" * 20}, headers=who).status_code == 403
