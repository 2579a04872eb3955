"""The notification templates editor and the webhooks pages (administrators), in a real
browser: the preview follows the typing and shows a template's error with its line,
notify's refusal on saving shows next to the part, a saved template is customised until
it goes back to the shipped one; a webhook to a local receiver shows its secret once,
logs its deliveries and sends one again, is disabled and deleted; other roles are
refused, and every page passes axe."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect
from ui_support import assert_accessible, wait_until

KEY, LANGUAGE = "employee.assigned", "en"
SAMPLE_NUMBER = "1042"  # the shipped sample values' ticket number


def _ok(response, status: int = 200):
    assert response.status_code == status, response.text[:2000]
    return response.json() if response.content else None


@pytest.fixture
def shipped_template(site) -> Iterator[None]:
    """The template this test changes goes back to the shipped one, whatever happens."""
    yield
    site.api("DELETE", f"/api/notify/templates/{KEY}/{LANGUAGE}")


class _Receiver(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).received.append({"event": self.headers.get("X-Relay-Event"), "body": body})
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:  # quiet: the test's output is pytest's
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[dict]]]:
    handler = type("Receiver", (_Receiver,), {"received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", handler.received
    server.shutdown()
    server.server_close()


# -- who may ----------------------------------------------------------------------------------
def test_a_specialist_is_refused_the_templates_and_webhooks(specialist_page):
    page = specialist_page
    paths = ("/settings/notification-templates", f"/settings/notification-templates/{KEY}/en", "/settings/webhooks")
    for path in paths:
        response = page.goto(path)
        assert response.status == 403, path
        assert page.get_by_text("You may not open this page.").is_visible()
    assert_accessible(page)


def test_unknown_templates_and_webhooks_are_not_found(admin_page):
    page = admin_page
    for path in (
        "/settings/notification-templates/employee.nothing/en",
        f"/settings/notification-templates/{KEY}/xx",
        f"/settings/webhooks/{uuid.uuid4()}",
    ):
        response = page.goto(path)
        assert response.status == 404, path
        expect(page.get_by_role("heading", name="Not found")).to_be_visible()


# -- templates --------------------------------------------------------------------------------
def test_a_template_is_previewed_refused_saved_and_reset(admin_page, site, shipped_template):
    page = admin_page
    page.goto("/settings/notification-templates")
    expect(page.get_by_role("link", name="Notification templates")).to_have_attribute("aria-current", "page")
    row = page.locator(f'#templates-table tr[data-template-key="{KEY}"]')
    expect(row.locator('li[data-language="en"]')).to_contain_text("shipped")
    # The design that frames every mail is listed too.
    expect(page.locator('#templates-table tr[data-template-key="_design"]')).to_be_visible()
    assert_accessible(page)

    row.locator('li[data-language="en"] a').click()
    expect(page).to_have_url(re.compile(rf"/settings/notification-templates/{re.escape(KEY)}/en$"))
    expect(page.locator("#preview-subject")).to_contain_text(SAMPLE_NUMBER)  # the shipped one, on sample values
    expect(page.locator("#variables")).to_contain_text("{{ ticket.number }}")
    assert_accessible(page)

    subject = page.get_by_label("Subject")
    subject.fill("Zebra crossing #{{ ticket.number }}")
    expect(page.locator("#preview-subject")).to_have_text(f"Zebra crossing #{SAMPLE_NUMBER}")

    text = page.get_by_label("Text", exact=True)
    text.fill("One\nTwo {{ ticket.numbr }}\n")
    expect(page.locator("#preview-error")).to_contain_text("Text, line 2")
    expect(page.locator("#preview-error")).to_contain_text("numbr")
    assert_accessible(page)

    page.get_by_role("button", name="Save").click()
    expect(page.locator("#e-text")).to_contain_text("Line 2")
    expect(page.locator("#e-text")).to_contain_text("numbr")
    expect(page.get_by_label("Text", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Subject")).to_have_value("Zebra crossing #{{ ticket.number }}")  # kept as typed
    assert _ok(site.api("GET", f"/api/notify/templates/{KEY}/{LANGUAGE}"))["customised"] is False
    assert_accessible(page)

    page.get_by_label("Text", exact=True).fill("Hello {{ recipient.name }},\nticket #{{ ticket.number }} is yours.\n")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"done=saved"))
    expect(page.locator("#template-state")).to_have_text("customised")
    saved = _ok(site.api("GET", f"/api/notify/templates/{KEY}/{LANGUAGE}"))
    assert saved["customised"] is True and saved["subject"] == "Zebra crossing #{{ ticket.number }}"

    page.goto("/settings/notification-templates")
    expect(row.locator('li[data-language="en"]')).to_contain_text("customised")
    expect(row.locator('li[data-language="ru"]')).to_contain_text("shipped")
    row.locator('li[data-language="en"] a').click()

    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Back to the shipped template").click()
    expect(page).to_have_url(re.compile(r"done=reset"))
    expect(page.locator("#template-state")).to_have_text("shipped")
    expect(page.get_by_role("button", name="Back to the shipped template")).to_have_count(0)
    page.goto("/settings/notification-templates")
    expect(row.locator('li[data-language="en"]')).to_contain_text("shipped")
    assert _ok(site.api("GET", f"/api/notify/templates/{KEY}/{LANGUAGE}"))["customised"] is False


def test_the_preview_renders_a_real_ticket(admin_page, site):
    subject = f"Kettle leaks {uuid.uuid4().hex[:8]}"
    number = _ok(site.api("POST", "/api/tickets/tickets", json={"subject": subject}), 201)["number"]
    page = admin_page
    page.goto(f"/settings/notification-templates/{KEY}/en")
    expect(page.locator("#preview-subject")).to_contain_text(SAMPLE_NUMBER)
    # notify learns of the ticket from its event: until then the preview says it does not know it.
    field = page.get_by_label("Preview on ticket #")

    def shows_the_ticket() -> bool:
        field.fill("")
        field.fill(str(number))
        page.wait_for_timeout(900)
        return subject in (page.locator("#preview").text_content() or "")

    wait_until(page, shows_the_ticket, timeout=20, what="the preview on the ticket")
    expect(page.locator("#preview-subject")).to_contain_text(f"#{number}")


# -- webhooks ---------------------------------------------------------------------------------
def _delivery_rows(page):
    return page.locator("#deliveries-table tr[data-delivery-id]")


def test_a_webhook_shows_its_secret_once_logs_deliveries_and_is_deleted(admin_page, site, receiver, context):
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    url, received = receiver
    page = admin_page
    description = "CRM " + uuid.uuid4().hex[:8]
    page.goto("/settings/webhooks")
    expect(page.get_by_role("link", name="Webhooks")).to_have_attribute("aria-current", "page")
    assert_accessible(page)

    form = page.locator("#webhook-form")
    form.get_by_label("URL").fill("file:///etc/passwd")
    form.get_by_label("Event types").fill("ticket.created")
    form.get_by_role("button", name="Create").click()
    expect(page.locator("#e-url")).to_contain_text("refused")  # notify's refusal, next to its field
    expect(page.locator("#new-secret")).to_have_count(0)
    assert_accessible(page)

    form = page.locator("#webhook-form")
    form.get_by_label("URL").fill(url)
    form.get_by_label("Event types").fill("ticket.created,\nticket.resolved")
    form.get_by_label("Description").fill(description)
    form.get_by_role("button", name="Create").click()
    secret = page.locator("#new-secret").input_value()
    assert len(secret) >= 16
    expect(page.get_by_text("it is shown only this once")).to_be_visible()
    page.get_by_role("button", name="Copy").click()
    expect(page.locator("#copy-status")).to_have_text("Copied.")
    row = page.locator("#webhooks-table tr", has_text=description)
    expect(row).to_contain_text("ticket.created")
    expect(row).to_contain_text("ticket.resolved")
    expect(row).to_contain_text("active")
    assert_accessible(page)

    page.goto("/settings/webhooks")
    expect(page.locator("#new-secret")).to_have_count(0)  # never again
    assert secret not in page.content()
    page.locator("#webhooks-table tr", has_text=description).get_by_role("link").click()
    expect(page.locator("#webhook-state")).to_have_text("active")
    expect(page.get_by_text("No deliveries yet.")).to_be_visible()

    subject = f"Webhook test {uuid.uuid4().hex[:8]}"
    _ok(site.api("POST", "/api/tickets/tickets", json={"subject": subject}), 201)

    def delivered() -> bool:
        page.reload()
        rows = _delivery_rows(page)
        return rows.count() == 1 and rows.first.get_attribute("data-state") == "sent"

    wait_until(page, delivered, timeout=30, what="the delivery in the log")
    assert any(r["event"] == "ticket.created" and subject.encode() in r["body"] for r in received), received
    delivery = _delivery_rows(page).first
    expect(delivery).to_contain_text("ticket.created")
    expect(delivery).to_contain_text("200")
    expect(page.locator(".delivery-log summary").first).to_have_text("Attempts log (1)")
    assert_accessible(page)

    before = len(received)
    delivery.get_by_role("button", name="Send again").click()
    expect(page).to_have_url(re.compile(r"done=resent"))

    def sent_again() -> bool:
        page.reload()
        return page.locator(".delivery-log summary").first.text_content() == "Attempts log (2)"

    wait_until(page, sent_again, timeout=30, what="the second attempt in the log")
    assert len(received) == before + 1
    page.locator(".delivery-log summary").first.click()
    expect(page.locator(".delivery-log .attempt")).to_have_count(2)
    assert_accessible(page)

    page.get_by_label("Description").fill(description + " edited")
    page.locator("#webhook-form").get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"done=saved"))
    expect(page.get_by_label("Description")).to_have_value(description + " edited")

    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Disable the webhook").click()
    expect(page).to_have_url(re.compile(r"done=disabled"))
    expect(page.locator("#webhook-state")).to_have_text("Disabled")
    hook_id = page.url.split("/settings/webhooks/")[1].split("?")[0]
    assert _ok(site.api("GET", f"/api/notify/webhooks/{hook_id}"))["active"] is False

    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Delete the webhook").click()
    expect(page).to_have_url(re.compile(r"/settings/webhooks\?done=deleted"))
    expect(page.locator("#webhooks-table tr", has_text=description)).to_have_count(0)
    assert site.api("GET", f"/api/notify/webhooks/{hook_id}").status_code == 404


def test_the_templates_and_webhooks_speak_russian(russian_admin_page):
    # The browser's language decides, as the demo administrator has chosen none.
    page = russian_admin_page
    page.goto("/settings/notification-templates")
    expect(page.get_by_role("heading", name="Шаблоны уведомлений")).to_be_visible()
    expect(page.locator(f'tr[data-template-key="{KEY}"] td').first).to_contain_text("Сотруднику: вам назначена заявка")
    page.goto(f"/settings/notification-templates/{KEY}/ru")
    expect(page.get_by_label("Предпросмотр на заявке №")).to_be_visible()
    expect(page.locator("#preview")).to_contain_text("образце значений")
    page.goto("/settings/webhooks")
    expect(page.get_by_role("heading", name="Вебхуки")).to_be_visible()
    expect(page.get_by_role("heading", name="Добавить вебхук")).to_be_visible()
