"""SMS text templates: one line per audience with {placeholders}, refused when saved if
they name anything else, filled in the recipient's language when the notification is
planned, and the subject when the template is blank."""

from __future__ import annotations

import pytest

from relay_notify.domain import sms_text
from relaykit.testing.harness import signed

ADMIN = signed(role="administrator", subject="adm-sms")
GATEWAY = {"enabled": True, "url_template": "http://sms.example/send?to={to}&text={text}"}


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ("#{number} {nubmer}", "unknown placeholder {nubmer}"),
        ("{subject.__class__}", "unknown placeholder {subject.__class__}"),
        ("{subject:>100000}", "takes no format"),
        ("{subject!r}", "takes no format"),
        ("#{number", "literal brace"),
    ],
)
def test_a_template_naming_anything_but_the_placeholders_is_refused(template, reason):
    with pytest.raises(sms_text.BadSmsTemplate) as err:
        sms_text.check(template)
    assert reason in err.value.reason


def test_rendering_fills_the_placeholders_on_one_line_and_cuts_it():
    values = {"number": 7, "subject": "Printer\njams", "event": "assigned to you", "status": None, "desk": "IT"}
    assert sms_text.render("{desk} #{number} {subject}: {event} {status}", values, "x") == (
        "IT #7 Printer jams: assigned to you"
    )
    assert sms_text.render("", values, fallback="[#7] Printer jams") == "[#7] Printer jams"
    assert len(sms_text.render("{subject}" * 50, {"subject": "long " * 20}, "x")) == sms_text.MAX_LENGTH


def test_an_employee_gets_the_employee_text_in_their_language(desk):
    desk.put_config("sms", GATEWAY)
    ann = desk.employee("Ann Agent", phone="+15551230001")
    ivan = desk.employee("Ivan Agent", phone="+79161230002")
    from relay_notify.service_layer import feed

    feed.set_preferences(desk.rt, ivan["id"], {"language": "ru"})
    first, second = desk.ticket(subject="Printer jams"), desk.ticket(subject="VPN drops")
    desk.handle(desk.assigned(first, ann), desk.assigned(second, ivan))
    texts = {r["address"]: r["text"] for r in desk.rows(channel="sms")}
    assert texts == {
        "+15551230001": f"#{first['number']} Printer jams: assigned to you",
        "+79161230002": f"#{second['number']} VPN drops: назначена вам",
    }


def test_the_saved_template_is_used_and_a_bad_one_is_refused_naming_the_field(desk, api):
    desk.put_config("sms", GATEWAY)
    r = api.put("/settings/sms", json={"employee_text": "#{number}: {evnt}"}, headers=ADMIN)
    assert r.status_code == 422, r.get_json()
    assert [e["field"] for e in r.get_json()["errors"]] == ["employee_text"]
    assert "unknown placeholder {evnt}" in r.get_json()["errors"][0]["message"]

    r = api.put("/settings/sms", json={"employee_text": "{desk}: #{number} {event}"}, headers=ADMIN)
    assert r.status_code == 200, r.get_json()
    ann = desk.employee("Ann Agent", phone="+15551230001")
    ticket = desk.ticket(subject="Printer jams")
    desk.handle(desk.assigned(ticket, ann))
    [row] = desk.rows(channel="sms")
    assert row["text"].endswith(f": #{ticket['number']} assigned to you")


@pytest.mark.parametrize(("key", "secret"), [("smtp", "password"), ("sms", "password"), ("sms", "token")])
def test_a_saved_secret_is_kept_when_blank_and_removed_only_when_asked(api, key, secret):
    assert api.put(f"/settings/{key}", json={secret: "s3cret-value"}, headers=ADMIN).get_json()[f"{secret}_set"]
    assert api.put(f"/settings/{key}", json={secret: ""}, headers=ADMIN).get_json()[f"{secret}_set"]
    r = api.put(f"/settings/{key}", json={"forget": [secret]}, headers=ADMIN)
    assert r.status_code == 200 and r.get_json()[f"{secret}_set"] is False
    r = api.put(f"/settings/{key}", json={"forget": ["host"]}, headers=ADMIN)
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"].startswith("forget")
