"""Live updates in two browsers: the administrator (A) and a second staff member (B, made
through the API, reading Russian) on the same ticket card. A sees B arrive, type and
leave; a change of the ticket reaches A's page as a `relay:ticket-changed` event without
a reload, also one made while A's stream was down (caught up on reconnecting); and a
specialist who may not see the ticket hears nothing about who is on it.

Until the card page exists (pages_card.py), the card is the markup it promises
(#ticket-card[data-ticket-number] and a reply box [data-typing-for]) put into the home
page: live.js follows whichever it finds.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests
from ui_support import assert_accessible

from relay_gateway import directory

PASSWORD = "live-collision-pw-1"
STAND_IN_CARD = """
n => {
  const card = document.createElement('div');
  card.id = 'ticket-card';
  card.dataset.ticketNumber = String(n);
  const label = document.createElement('label');
  label.htmlFor = 'reply-box';
  label.textContent = 'Reply';
  const box = document.createElement('textarea');
  box.id = 'reply-box';
  box.dataset.typingFor = String(n);
  card.append(label, box);
  document.querySelector('main').append(card);
  window.Relay.live.scan();
}
"""
LISTEN = """
() => {
  window.__changes = [];
  document.body.addEventListener('relay:ticket-changed', e => window.__changes.push(e.detail));
}
"""


def _ticket(site) -> int:
    r = site.api("POST", "/api/tickets/tickets", json={"subject": f"Live card {uuid.uuid4().hex[:8]}"})
    assert r.status_code == 201, r.text
    return r.json()["number"]


def _postpone(site, number: int) -> None:
    until = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    r = site.api("POST", f"/api/tickets/tickets/{number}/status", json={"status": "postponed", "until": until})
    assert r.status_code == 200, r.text


def _reopen(site, number: int) -> None:
    r = site.api("POST", f"/api/tickets/tickets/{number}/status", json={"status": "opened"})
    assert r.status_code == 200, r.text


@pytest.fixture
def colleague(site) -> tuple[str, str, str]:
    """A lead specialist made through the API, with a password once the gateway knows them."""
    uid = uuid.uuid4().hex[:8]
    email, name = f"bea.{uid}@relay.example", f"Bea Live {uid}"
    r = site.api("POST", "/api/tickets/employees", json={"email": email, "name": name, "role": "lead_specialist"})
    assert r.status_code == 201, r.text
    employee_id = r.json()["id"]
    deadline = time.monotonic() + 20
    while True:
        with site.gateway.db.sessions() as s:
            known = directory.employee(s, employee_id)
        if known is not None and known.email == email:
            break
        assert time.monotonic() < deadline, "the gateway never heard of the new employee"
        time.sleep(0.1)
    accounts = site.gateway.app.extensions["relay.ui"].accounts
    accounts.set_password(employee_id, PASSWORD)
    accounts.set_language(employee_id, "ru")  # their own setting: the sign-in page stays English
    return email, name, employee_id


def _open_card(page, number: int) -> None:
    page.goto(f"/tickets/{number}")
    if page.locator("#ticket-card").count() == 0:
        page.goto("/ui")
        page.evaluate(STAND_IN_CARD, number)
    page.wait_for_function(
        "n => window.Relay && Relay.live && Relay.live.connected && Relay.live.ticket === String(n)", arg=number
    )


def _hub(site):
    return site.gateway.extensions["relay.live"]


def _changes_for(page, number: int, timeout: float = 10.0) -> list[dict]:
    page.wait_for_function("n => window.__changes.some(c => c.number === n)", arg=number, timeout=timeout * 1000)
    return [c for c in page.evaluate("() => window.__changes") if c["number"] == number]


def test_a_second_browser_sees_presence_typing_and_changes_live(site, admin_page, browser, colleague):
    email, name, _ = colleague
    number = _ticket(site)
    a = admin_page
    errors: list[str] = []
    a.on("pageerror", lambda e: errors.append(str(e)))
    _open_card(a, number)
    a.evaluate(LISTEN)

    ctx_b = browser.new_context(base_url=site.base_url, locale="en-US")
    ctx_b.set_default_timeout(10_000)
    try:
        b = ctx_b.new_page()
        b.on("pageerror", lambda e: errors.append(str(e)))
        site.sign_in(b, email, PASSWORD)
        _open_card(b, number)

        presence = a.locator("#presence")
        presence.filter(has_text=f"Also on this ticket: {name}.").wait_for()
        assert presence.get_attribute("aria-live") == "polite"
        # B reads Russian, and sees A.
        b.locator("#presence").filter(has_text="Эту заявку также открыли: Alex Admin.").wait_for()

        b.locator(f"[data-typing-for='{number}']").press_sequentially("Здравствуйте", delay=30)
        presence.filter(has_text=f"{name} is typing a reply…").wait_for()
        assert "has-typing" in (presence.get_attribute("class") or "")
        assert_accessible(a)
        # Four quiet seconds: B has stopped typing, and is still there.
        presence.filter(has_not_text="is typing").wait_for(timeout=15_000)
        assert f"Also on this ticket: {name}." in presence.inner_text()

        a.locator(f"[data-typing-for='{number}']").press_sequentially("On it", delay=30)
        b.locator("#presence").filter(has_text="Alex Admin пишет ответ…").wait_for()

        # Someone changes the ticket: A's page hears of it without a reload.
        url_before = a.url
        _postpone(site, number)
        changes = _changes_for(a, number)
        assert changes[-1]["type"] == "ticket.status_changed"
        assert set(changes[-1]) == {"number", "version", "type"} and changes[-1]["version"] >= 2
        assert a.url == url_before

        # B closes the card: A sees them go at once (not only when the entry expires).
        b.close()
        a.wait_for_function(
            "name => !document.getElementById('presence').textContent.includes(name)", arg=name, timeout=10_000
        )
        assert errors == []
    finally:
        ctx_b.close()


def test_a_dropped_stream_catches_up_on_reconnecting(site, admin_page):
    number = _ticket(site)
    a = admin_page
    _open_card(a, number)
    a.evaluate(LISTEN)
    a.evaluate("() => Relay.live.disconnect()")
    seen = a.evaluate("() => Relay.live.lastId")
    head = _hub(site).head()
    _postpone(site, number)  # while A is away
    deadline = time.monotonic() + 10
    while _hub(site).head() == head:
        assert time.monotonic() < deadline, "the change never reached the hub"
        time.sleep(0.05)
    time.sleep(0.3)
    assert a.evaluate("() => window.__changes") == []
    a.evaluate("() => Relay.live.connect()")
    changes = _changes_for(a, number)
    assert changes[0]["type"] == "ticket.status_changed"
    assert a.evaluate("() => Relay.live.lastId") != seen
    # And the stream goes on live after the catch-up.
    _reopen(site, number)
    a.wait_for_function("n => window.__changes.filter(c => c.number === n).length >= 2", arg=number, timeout=10_000)


def test_too_far_behind_is_a_reset_for_every_part_of_the_page(site, admin_page):
    a = admin_page
    a.goto("/ui")
    a.wait_for_function("() => window.Relay && Relay.live && Relay.live.connected")
    a.evaluate(LISTEN)
    a.evaluate("() => { Relay.live.disconnect(); Relay.live.lastId = 'gone.1'; Relay.live.connect(); }")
    a.wait_for_function("() => window.__changes.some(c => c.type === 'reset' && c.number === null)")


def test_who_may_not_see_a_ticket_hears_nothing_of_who_is_on_it(site, admin_page, specialist_page):
    number = _ticket(site)  # nobody's: a specialist does not see it
    _open_card(admin_page, number)
    cookies = {c["name"]: c["value"] for c in specialist_page.context.cookies()}
    csrf = specialist_page.locator('meta[name="csrf-token"]').get_attribute("content")
    r = requests.post(
        site.base_url + "/live/presence",
        json={"ticket": number, "tab": "sam-tab-12345", "typing": True},
        cookies=cookies,
        headers={"X-CSRF-Token": csrf},
    )
    assert r.status_code == 404 and r.headers["Content-Type"] == "application/problem+json"
    assert r.json()["errors"][0]["field"] == "ticket"
    assert "Sam" not in admin_page.locator("#presence").inner_text()
    with requests.get(site.base_url + f"/live/events?ticket={number}", cookies=cookies, stream=True, timeout=10) as s:
        assert s.headers["Content-Type"].startswith("text/event-stream")
        head = b""
        for chunk in s.iter_content(chunk_size=None):
            head += chunk
            if b"event: ready" in head:
                break
        time.sleep(0.5)
    assert b"presence" not in head and b"Alex" not in head
    bad = requests.post(
        site.base_url + "/live/presence",
        json={"ticket": "x", "tab": "sam-tab-12345"},
        cookies=cookies,
        headers={"X-CSRF-Token": csrf},
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "ticket"


def test_the_stream_is_for_signed_in_staff_only(site):
    r = requests.get(site.base_url + "/live/events", allow_redirects=False, timeout=5)
    assert r.status_code == 302 and "/signin" in r.headers["Location"]
