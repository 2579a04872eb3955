"""The notify service in the agents' UI, in a real browser: the bell's count rises when a
ticket is assigned to me, the feed opens the card and marks the item read; the card says
who was told; the outbox shows the mail the local sink kept; every page passes axe."""

from __future__ import annotations

import re
import time
import uuid
from urllib.parse import urlsplit

import requests
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


def _unsubscribe_path(site, number: int) -> str:
    """The List-Unsubscribe link of the assignment mail about ticket `number` (a path)."""
    found: dict[str, str] = {}

    def listed() -> bool:
        for item in site.api("GET", "/api/notify/outbox").json()["items"]:
            if f"[#{number}]" in (item.get("subject") or ""):
                mail = site.api("GET", f"/api/notify/outbox/{item['name']}").json()
                headers = {k: v.strip() for k, v in mail["headers"]}
                if "List-Unsubscribe" in headers:
                    found["link"] = headers["List-Unsubscribe"].strip("<>")
                    return True
        return False

    deadline = time.time() + 30
    while not listed():
        assert time.time() < deadline, "no assignment mail with List-Unsubscribe"
        time.sleep(0.3)
    return urlsplit(found["link"]).path


def test_the_unsubscribe_link_asks_then_stops_that_mail_and_a_one_click_post_works(context, site):
    subject = f"Unsubscribe check {uuid.uuid4().hex[:8]}"
    number = site.api("POST", "/api/tickets/tickets", json={"subject": subject}).json()["number"]
    r = site.api("POST", f"/api/tickets/tickets/{number}/assign", json={"responsible": {"kind": "employee", "id": SAM}})
    assert r.status_code == 200, r.text
    path = _unsubscribe_path(site, number)
    assert path.startswith("/unsubscribe/")

    page = context.new_page()  # not signed in: the link works without an account
    page.goto(path)
    expect(page.locator("#unsubscribe")).to_contain_text("Stop mail like this one?")
    assert_accessible(page)
    assert not [
        i for i in site.api("GET", "/api/notify/unsubscribes").json()["items"] if i["notification"] == "assigned"
    ]  # following the link alone changed nothing
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.locator("#unsubscribe .alert-ok")).to_contain_text("gets no more mail like this one")
    items = site.api("GET", "/api/notify/unsubscribes").json()["items"]
    assert any(i["notification"] == "assigned" for i in items), items

    # What a mail client sends (RFC 8058): one POST, no cookies, no form token.
    r = requests.post(site.base_url + path, data={"List-Unsubscribe": "One-Click"}, timeout=10)
    assert r.status_code == 200, r.text
    # Without the one-click body and without the page's token: refused.
    assert requests.post(site.base_url + path, data={}, timeout=10).status_code == 403
    assert requests.get(site.base_url + "/unsubscribe/forged.1.x.1.abc", timeout=10).status_code == 400

    # An administrator sees it and sends that mail again (which the other tests need).
    admin = context.new_page()
    site.sign_in(admin, *site.admin)
    admin.goto("/settings/notifications")
    admin.get_by_role("link", name="Unsubscribed addresses").click()
    row = admin.locator("#unsubscribed-table tr", has_text="A ticket is assigned")
    expect(row).to_contain_text("sam")
    assert_accessible(admin)
    row.get_by_role("button", name=re.compile("Send it again")).click()
    expect(admin.locator(".alert-ok")).to_contain_text("Saved")
    assert not [
        i for i in site.api("GET", "/api/notify/unsubscribes").json()["items"] if i["notification"] == "assigned"
    ]


def test_a_specialist_may_not_see_who_unsubscribed(specialist_page):
    r = specialist_page.goto("/settings/notifications/unsubscribed")
    assert r is not None and r.status == 403
