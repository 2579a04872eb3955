"""The one-click links of the resolution mail, in a real browser and without signing in:
the link read from the mail the local sink kept rates the ticket after a confirmation;
reopen opens it again with the customer's comment; an altered or foreign link does
nothing."""

from __future__ import annotations

import quopri
import re
import uuid

from playwright.sync_api import expect
from ui_support import assert_accessible

from relaykit import mail_sink
from relaykit.testing.harness import wait_for


def _resolved_ticket(site) -> int:
    contacts = site.api("GET", "/api/tickets/contacts", params={"q": "Road Runner"}).json()["items"]
    body = {"subject": f"Feedback {uuid.uuid4().hex[:8]}", "contact": {"kind": "contact", "id": contacts[0]["id"]}}
    number = site.api("POST", "/api/tickets/tickets", json=body).json()["number"]
    r = site.api("POST", f"/api/tickets/tickets/{number}/status", json={"status": "resolved"})
    assert r.status_code == 200, r.text
    return number


def _links(site, number: int) -> dict[str, str]:
    def found():
        for path in mail_sink.messages(site.data_dir, 500):
            raw = path.read_bytes()
            if f"[#{number}]".encode() in raw and b"X-Relay-Notification: resolved" in raw:
                text = quopri.decodestring(raw).decode("utf-8", "replace")
                links = dict(re.findall(r"/feedback/((rate_good|rate_bad|reopen)\.[\w.-]+)", text))
                return {action: token for token, action in links.items()}
        return None

    return wait_for(found, timeout=30, what="the resolution mail with its links")


def _fresh(browser, site):
    ctx = browser.new_context(base_url=site.base_url, locale="en-US")
    ctx.set_default_timeout(10_000)
    return ctx, ctx.new_page()


def test_rating_from_the_mail_after_a_confirmation(browser, site):
    number = _resolved_ticket(site)
    links = _links(site, number)
    ctx, page = _fresh(browser, site)
    try:
        page.goto(f"/feedback/{links['rate_good']}")
        assert_accessible(page)
        # Opening the link changes nothing: a mail scanner follows links.
        assert site.api("GET", f"/api/tickets/tickets/{number}").json().get("rating") is None
        page.get_by_label("A comment (optional)").fill("Quick and kind, thanks.")
        page.get_by_role("button", name="Confirm").click()
        expect(page.locator("#feedback")).to_contain_text("your rating")
        ticket = site.api("GET", f"/api/tickets/tickets/{number}").json()
        assert ticket["rating"] == "good"
    finally:
        ctx.close()


def test_reopen_from_the_mail(browser, site):
    number = _resolved_ticket(site)
    links = _links(site, number)
    ctx, page = _fresh(browser, site)
    try:
        page.goto(f"/feedback/{links['reopen']}")
        page.get_by_label("A comment (optional)").fill("It broke again this morning.")
        page.get_by_role("button", name="Confirm").click()
        expect(page.locator("#feedback")).to_contain_text("open again")
        assert site.api("GET", f"/api/tickets/tickets/{number}").json()["status"] == "opened"
        bodies = [c["body"] for c in site.api("GET", f"/api/tickets/tickets/{number}/comments").json()["items"]]
        assert "It broke again this morning." in bodies
    finally:
        ctx.close()


def test_an_altered_link_does_nothing(browser, site):
    number = _resolved_ticket(site)
    token = _links(site, number)["rate_bad"]
    other = token.replace(f"rate_bad.{number}.", f"rate_bad.{number + 1}.", 1)
    ctx, page = _fresh(browser, site)
    try:
        r = page.goto(f"/feedback/{other}")
        assert r is not None and r.status == 400
        expect(page.locator("#feedback")).to_contain_text("not valid")
        assert_accessible(page)
    finally:
        ctx.close()
