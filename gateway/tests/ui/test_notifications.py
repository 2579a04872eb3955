"""The notify service in the agents' UI, in a real browser: the bell's count rises when a
ticket is assigned to me, the feed opens the card and marks the item read; the card says
who was told; the outbox shows the mail the local sink kept; every page passes axe."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect
from ui_support import assert_accessible, wait_until

SAM = "00000000-0000-4000-8000-00000000a003"  # the demo's specialist


def _count(page) -> int:
    text = page.locator("#bell-count").text_content() if page.locator("#bell-count").count() else ""
    return int(text) if (text or "").strip().isdigit() else 0


def test_the_bell_rises_on_an_assignment_and_the_feed_opens_the_card(specialist_page, site):
    page = specialist_page
    page.goto("/tickets")
    wait_until(page, lambda: page.locator("#bell-count").count(), what="the bell")
    before = _count(page)
    subject = f"Printer on fire {uuid.uuid4().hex[:8]}"
    r = site.api("POST", "/api/tickets/tickets", json={"subject": subject})
    assert r.status_code == 201, r.text
    number = r.json()["number"]
    r = site.api("POST", f"/api/tickets/tickets/{number}/assign", json={"responsible": {"kind": "employee", "id": SAM}})
    assert r.status_code == 200, r.text
    wait_until(page, lambda: _count(page) > before, timeout=30, what="the bell's count to rise")
    page.locator("#bell").click()
    expect(page).to_have_url(re.compile(r"/notifications$"))
    assert_accessible(page)
    item = page.locator(".feed-item.unread", has_text=f"#{number}").first
    expect(item).to_be_visible()
    item.get_by_role("button").click()
    expect(page).to_have_url(re.compile(rf"/tickets/{number}$"))
    # The card says who was told, and the item is read now.
    expect(page.locator("#ticket-notifications")).to_contain_text("Sam", timeout=15_000)
    page.goto("/notifications")
    expect(page.locator(".feed-item", has_text=f"#{number}").first).not_to_have_class(re.compile(r"\bunread\b"))


def test_the_outbox_shows_the_mail_the_sink_kept(admin_page, site):
    page = admin_page
    subject = f"Outbox check {uuid.uuid4().hex[:8]}"
    contacts = site.api("GET", "/api/tickets/contacts", params={"q": "Road Runner"}).json()["items"]
    r = site.api(
        "POST",
        "/api/tickets/tickets",
        json={"subject": subject, "contact": {"kind": "contact", "id": contacts[0]["id"]}},
    )
    assert r.status_code == 201, r.text
    number = r.json()["number"]

    def listed() -> bool:
        page.goto("/outbox")
        return page.locator("#outbox-table", has_text=f"[#{number}]").count() > 0

    wait_until(page, listed, timeout=30, what="the registration mail in the outbox")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(rf"\[#{number}\]")).first.click()
    expect(page.locator("h1")).to_contain_text(f"[#{number}]")
    expect(page.locator(".headers")).to_contain_text("Auto-Submitted")
    assert_accessible(page)


def test_a_specialist_may_not_open_the_outbox(specialist_page):
    r = specialist_page.goto("/outbox")
    assert r is not None and r.status == 403
