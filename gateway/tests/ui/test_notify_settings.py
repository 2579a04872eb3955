"""The notify service's settings pages, in a real browser: the switches and the status
targets an administrator saves are kept and reach notify; the service's refusals show
next to their inputs; a test mail through the local sink lands in the outbox; the SMS
form turns its lines into the API's shapes; a specialist is refused the desk's settings
but changes their own preferences; every page passes axe.

The site is shared by the session's tests, so each test puts back what it changed."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect
from ui_support import assert_accessible, wait_until

SETTINGS = "/api/notify/settings"


def _ok(response, status: int = 200):
    assert response.status_code == status, response.text[:2000]
    return response.json() if response.content else None


def _restore_switches(site, before: dict) -> None:
    body = {
        "switches": [{"notification": r["notification"], "channels": r["channels"]} for r in before["switches"]],
        "status_targets": before["status_targets"],
    }
    _ok(site.api("PUT", f"{SETTINGS}/switches", json=body))


def _post(page, path: str):
    """Waits for the answer to the form posted to `path` (its status is the test's to check)."""
    return page.expect_response(lambda r: r.request.method == "POST" and r.url.split("?")[0].endswith(path))


def test_switches_and_status_targets_are_kept(admin_page, site):
    page = admin_page
    before = _ok(site.api("GET", f"{SETTINGS}/switches"))
    sla_sms = next(r for r in before["switches"] if r["notification"] == "sla_breached")["channels"]["sms"]
    assert sla_sms, "the demo desk sends SMS of a missed deadline"
    statuses = _ok(site.api("GET", "/api/tickets/settings/statuses"))["items"]
    target = next(s for s in statuses if s["key"] not in before["status_targets"])
    try:
        page.goto("/settings/notifications")
        expect(page.get_by_role("heading", level=1)).to_have_text("Notification settings")
        expect(page.locator(".settings-nav a[aria-current=page]")).to_have_text("Notifications")
        assert_accessible(page)
        switch = page.get_by_label("An SLA deadline is missed: SMS")
        expect(switch).to_be_checked()
        # Customers have no in-app channel: their table has no such column.
        expect(page.locator("#switches-customer thead")).not_to_contain_text("In the app")
        switch.uncheck()
        page.locator(f"#st-{target['key']}").check()
        page.get_by_role("button", name="Save the switches").click()
        page.wait_for_url(re.compile(r"done=saved"))
        expect(page.locator(".alert-ok")).to_have_text("Saved.")

        page.reload()
        expect(page.get_by_label("An SLA deadline is missed: SMS")).not_to_be_checked()
        expect(page.get_by_label("An SLA deadline is missed: Email")).to_be_checked()
        expect(page.locator(f"#st-{target['key']}")).to_be_checked()

        after = _ok(site.api("GET", f"{SETTINGS}/switches"))
        rows = {r["notification"]: r["channels"] for r in after["switches"]}
        assert rows["sla_breached"] == {"email": True, "sms": False, "inapp": True}
        # Only what was changed changed.
        assert {k: v for k, v in rows.items() if k != "sla_breached"} == {
            r["notification"]: r["channels"] for r in before["switches"] if r["notification"] != "sla_breached"
        }
        assert target["key"] in after["status_targets"]
    finally:
        _restore_switches(site, before)


def test_a_refused_value_shows_next_to_its_input(admin_page, site):
    page = admin_page
    delivery = _ok(site.api("GET", f"{SETTINGS}/delivery"))
    desk = _ok(site.api("GET", f"{SETTINGS}/desk"))
    page.goto("/settings/notifications")

    page.get_by_label("Digest window, seconds").fill("99999")
    page.get_by_label("Attempts before giving up").fill("7")
    with _post(page, "/settings/notifications") as answer:
        page.get_by_role("button", name="Save the delivery settings").click()
    assert answer.value.status == 422
    field = page.get_by_label("Digest window, seconds")
    expect(page.locator("#e-digest_seconds")).to_be_visible()
    assert field.get_attribute("aria-describedby") == "e-digest_seconds"
    assert field.get_attribute("aria-invalid") == "true"
    expect(field).to_have_value("99999")  # what was typed stays
    expect(page.get_by_label("Attempts before giving up")).to_have_value("7")
    # The other forms show no error of this one's.
    expect(page.locator("#desk-form .error")).to_have_count(0)
    assert_accessible(page)
    assert _ok(site.api("GET", f"{SETTINGS}/delivery")) == delivery

    page.get_by_label("Colour of the mail's header").fill("red")
    with _post(page, "/settings/notifications") as answer:
        page.get_by_role("button", name="Save the desk settings").click()
    assert answer.value.status == 422
    expect(page.locator("#e-colour")).to_be_visible()
    expect(page.get_by_label("Colour of the mail's header")).to_have_value("red")
    assert _ok(site.api("GET", f"{SETTINGS}/desk")) == desk

    # A good value is saved and shown; then the old one is put back the same way.
    page.get_by_label("Colour of the mail's header").fill("#123456")
    page.get_by_role("button", name="Save the desk settings").click()
    page.wait_for_url(re.compile(r"done=saved"))
    expect(page.get_by_label("Colour of the mail's header")).to_have_value("#123456")
    assert _ok(site.api("GET", f"{SETTINGS}/desk"))["colour"] == "#123456"
    _ok(site.api("PUT", f"{SETTINGS}/desk", json=desk))


def test_a_test_mail_through_the_local_sink_reaches_the_outbox(admin_page, site):
    page = admin_page
    smtp = _ok(site.api("GET", f"{SETTINGS}/smtp"))
    assert smtp["host"] == "", "the test site sends through the local mail sink"
    page.goto("/settings/email-sms")
    expect(page.locator(".settings-nav a[aria-current=page]")).to_have_text("Email and SMS")
    assert_accessible(page)
    expect(page.get_by_label("Host")).to_have_value("")
    expect(page.locator("#f-password")).to_have_value("")  # write-only

    # Saving the form as it is keeps every value (no password typed: none is sent).
    page.get_by_role("button", name="Save the SMTP settings").click()
    page.wait_for_url(re.compile(r"done=saved"))
    assert _ok(site.api("GET", f"{SETTINGS}/smtp")) == smtp

    to = f"smtp-check-{uuid.uuid4().hex[:8]}@example.com"
    page.locator("#f-smtp_to").fill(to)
    page.get_by_role("button", name="Send test mail").click()
    expect(page.locator("#smtp-outcome")).to_have_text(f"The test mail to {to} is sent.")
    assert_accessible(page)

    def in_outbox() -> bool:
        items = _ok(site.api("GET", "/api/notify/outbox"))["items"]
        return any(to in (m.get("to") or "") for m in items)

    wait_until(page, in_outbox, what="the test mail in the outbox")
    page.goto("/outbox")
    expect(page.locator("#outbox-table")).to_contain_text(to)

    # A refused address comes back next to its input (the browser's own check is off:
    # the service is the one that decides).
    page.goto("/settings/email-sms")
    page.locator("#smtp-test-form").evaluate("f => { f.noValidate = true; }")
    page.locator("#f-smtp_to").fill("x")
    with _post(page, "/settings/email-sms/smtp/test") as answer:
        page.get_by_role("button", name="Send test mail").click()
    assert answer.value.status == 422
    expect(page.locator("#e-smtp_to")).to_be_visible()


def test_the_sms_form_sends_the_apis_shapes(admin_page, site):
    page = admin_page
    before = _ok(site.api("GET", f"{SETTINGS}/sms"))
    restore = {k: v for k, v in before.items() if not k.endswith("_set") and k not in ("password", "token")}
    try:
        page.goto("/settings/email-sms")
        page.get_by_label("Headers").fill("X-Api-Key: abc\nnot a header")
        with _post(page, "/settings/email-sms/sms") as answer:
            page.get_by_role("button", name="Save the SMS settings").click()
        assert answer.value.status == 422
        expect(page.locator("#e-sms_headers")).to_contain_text("Name: value")
        expect(page.get_by_label("Headers")).to_have_value("X-Api-Key: abc\nnot a header")

        page.get_by_label("Headers").fill("X-Api-Key: abc\nX-Other: 1")
        page.get_by_label("Success statuses").fill("200, 204")
        page.get_by_label("Body template").fill('{"to": "{to}"}')
        page.get_by_role("button", name="Save the SMS settings").click()
        page.wait_for_url(re.compile(r"done=saved"))
        saved = _ok(site.api("GET", f"{SETTINGS}/sms"))
        assert saved["headers"] == {"X-Api-Key": "abc", "X-Other": "1"}
        assert saved["success_status"] == [200, 204]
        assert (saved["password_set"], saved["token_set"]) == (before["password_set"], before["token_set"])
        expect(page.get_by_label("Success statuses")).to_have_value("200, 204")

        page.get_by_label("Success statuses").fill("200, ok")
        with _post(page, "/settings/email-sms/sms") as answer:
            page.get_by_role("button", name="Save the SMS settings").click()
        assert answer.value.status == 422
        expect(page.locator("#e-sms_success_status")).to_be_visible()

        # The gateway is off: the test says why it was not sent.
        page.goto("/settings/email-sms")
        page.get_by_label("Phone number").fill("+15550100")
        page.get_by_role("button", name="Send test SMS").click()
        expect(page.locator("#sms-outcome")).to_contain_text("not configured")
        assert_accessible(page)
    finally:
        _ok(site.api("PUT", f"{SETTINGS}/sms", json=restore))


def test_a_specialist_is_refused_the_desk_settings_but_sets_their_own(specialist_page):
    page = specialist_page
    for path in ("/settings/notifications", "/settings/email-sms"):
        response = page.goto(path)
        assert response is not None and response.status == 403, path
    assert_accessible(page)

    page.goto("/notifications")
    page.get_by_role("link", name="My notification settings").click()
    expect(page).to_have_url(re.compile(r"/notifications/preferences$"))
    assert_accessible(page)
    sms, own = page.get_by_label("SMS", exact=True), page.get_by_label("Also tell me of what I did myself")
    was_sms, was_own = sms.is_checked(), own.is_checked()
    was_language = page.get_by_label("Language of my notifications").input_value()
    try:
        sms.set_checked(not was_sms)
        own.set_checked(not was_own)
        page.get_by_label("Language of my notifications").select_option("ru")
        page.get_by_role("button", name="Save my settings").click()
        page.wait_for_url(re.compile(r"done=saved"))
        page.reload()
        expect(page.get_by_label("SMS", exact=True)).to_be_checked(checked=not was_sms)
        expect(page.get_by_label("Also tell me of what I did myself")).to_be_checked(checked=not was_own)
        expect(page.get_by_label("Language of my notifications")).to_have_value("ru")
        expect(page.get_by_label("In the app")).to_be_checked()  # untouched
    finally:
        page.goto("/notifications/preferences")
        page.get_by_label("SMS", exact=True).set_checked(was_sms)
        page.get_by_label("Also tell me of what I did myself").set_checked(was_own)
        page.get_by_label("Language of my notifications").select_option(was_language)
        page.get_by_role("button", name="Save my settings").click()
        page.wait_for_url(re.compile(r"done=saved"))


PAGES = ("/settings/notifications", "/settings/email-sms", "/notifications/preferences")


def test_the_pages_fit_a_phone(admin_page):
    page = admin_page
    page.set_viewport_size({"width": 390, "height": 800})
    for path in PAGES:
        assert page.goto(path).status == 200, path
        assert_accessible(page)
        # Nothing wider than the phone but the switches tables, which scroll in their own box.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1, path


def test_the_pages_say_so_when_notify_is_down(admin_page, site):
    page = admin_page
    upstreams = site.gateway.app.extensions["relay.ui"].upstreams
    notify = upstreams.pop("notify")
    try:
        for path in PAGES:
            response = page.goto(path)
            assert response is not None and response.status == 200, path
            expect(page.locator("#banners")).to_contain_text("notify")
            expect(page.locator("main .alert-error")).to_contain_text("unavailable")
        assert_accessible(page)
    finally:
        upstreams["notify"] = notify


def test_a_saved_sms_token_is_kept_when_blank_and_removed_when_asked(admin_page, site):
    page = admin_page
    page.goto("/settings/email-sms")
    page.locator("#f-sms_token").fill("a-gateway-token-1234")
    page.get_by_role("button", name="Save the SMS settings").click()
    page.wait_for_url(re.compile(r"done=saved"))
    expect(page.locator("#h-sms_token")).to_have_text("A token is saved; leave blank to keep it.")
    assert _ok(site.api("GET", f"{SETTINGS}/sms"))["token_set"] is True

    page.get_by_role("button", name="Save the SMS settings").click()  # blank: kept
    page.wait_for_url(re.compile(r"done=saved"))
    assert _ok(site.api("GET", f"{SETTINGS}/sms"))["token_set"] is True

    page.get_by_label("Remove the saved token").check()
    page.get_by_role("button", name="Save the SMS settings").click()
    page.wait_for_url(re.compile(r"done=saved"))
    expect(page.locator("#h-sms_token")).to_have_text("No token is saved.")
    assert _ok(site.api("GET", f"{SETTINGS}/sms"))["token_set"] is False
    expect(page.get_by_label("Remove the saved token")).to_have_count(0)
