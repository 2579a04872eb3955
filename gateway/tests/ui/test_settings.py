"""The settings pages (administrators), the API tokens page and the API reference, in a
real browser: what an administrator changes reaches the services, the services' refusals
show next to their fields, names are shown as text, other roles are refused, and every
page passes axe."""

from __future__ import annotations

import re
import struct
import uuid
import zlib

import pytest
import requests
from playwright.sync_api import expect
from ui_support import assert_accessible, screenshot

from relay_gateway.ui import pages_settings_general as general


def _uid() -> str:
    return uuid.uuid4().hex[:8]


def _ok(response, status: int = 200):
    assert response.status_code == status, response.text[:2000]
    return response.json() if response.content else None


def _png(width: int = 8, height: int = 8, rgb: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def _new_type(site, name: str | None = None) -> dict:
    key = "t_" + _uid()
    body = {"key": key, "name": name or f"Type {key}"}
    return _ok(site.api("POST", "/api/tickets/settings/ticket-types", json=body), 201)


def _xss_free(page) -> None:
    assert page.evaluate("window.__xss") is None


# -- who may ----------------------------------------------------------------------------------
def test_a_specialist_is_refused_the_settings_pages(specialist_page):
    page = specialist_page
    for path in ("/settings", "/settings/types", "/settings/general", "/settings/tokens", "/settings/lifecycle"):
        response = page.goto(path)
        assert response.status == 403, path
        assert page.get_by_text("You may not open this page.").is_visible()
    assert page.get_by_role("link", name="Settings").count() == 0
    assert page.get_by_role("link", name="API reference").count() == 1
    assert_accessible(page)


# -- ticket types and attributes ---------------------------------------------------------------------
def test_create_a_ticket_type_with_a_list_attribute(admin_page, site):
    page = admin_page
    key, name = "t_" + _uid(), "Hardware " + _uid()
    page.goto("/settings/types")
    assert_accessible(page)
    form = page.locator("form.settings-form")
    form.get_by_label("Key").fill(key)
    form.get_by_label("Name").fill(name)
    form.get_by_role("button", name="Create").click()
    page.wait_for_url(re.compile(r"/settings/types/\d+\?done=created"))
    assert page.get_by_role("heading", level=1).inner_text() == f"Ticket type: {name}"
    assert page.get_by_role("status").filter(has_text="Created.").is_visible()
    type_id = int(re.search(r"/settings/types/(\d+)", page.url).group(1))
    assert_accessible(page)

    page.get_by_role("link", name="Add an attribute").click()
    page.wait_for_url(f"**/settings/types/{type_id}/attributes/new")
    options = page.get_by_label("Values of the list")
    assert options.is_hidden()  # a text attribute has no list values
    page.get_by_label("Key").fill("site")
    page.get_by_label("Name").fill("Site")
    page.get_by_label("Kind").select_option("list")
    assert options.is_visible()
    options.fill("Paris\nLyon\n\nNice")
    page.get_by_label("Required").check()
    page.locator("#f-visible_administrator").check()
    page.locator("#f-visible_lead_specialist").check()
    assert_accessible(page)
    page.get_by_role("button", name="Create").click()
    page.wait_for_url(re.compile(rf"/settings/types/{type_id}\?done=created"))
    row = page.locator("#attributes-table tr[data-attribute-key=site]")
    assert "list: Paris, Lyon, Nice" in row.inner_text()

    attributes = _ok(site.api("GET", f"/api/tickets/settings/ticket-types/{type_id}/attributes"))["items"]
    assert [(a["key"], a["kind"], a["options"], a["required"]) for a in attributes] == [
        ("site", "list", ["Paris", "Lyon", "Nice"], True)
    ]
    assert attributes[0]["visible_roles"] == ["administrator", "lead_specialist"]

    # Edit it: a list value dropped, and a service refusal next to its field (a blank name).
    row.get_by_role("link", name="Site").click()
    page.wait_for_url("**/settings/attributes/*")
    assert_accessible(page)
    page.get_by_label("Name").fill("   ")
    page.get_by_role("button", name="Save").click()
    assert page.locator("#e-name").is_visible()
    assert page.get_by_label("Name").get_attribute("aria-invalid") == "true"
    page.get_by_label("Name").fill("Office")
    page.get_by_label("Values of the list").fill("Paris\nLyon")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(rf"/settings/types/{type_id}\?done=saved"))
    assert "Office" in page.locator("#attributes-table").inner_text()
    attribute = _ok(site.api("GET", f"/api/tickets/settings/ticket-types/{type_id}/attributes"))["items"][0]
    assert attribute["name"] == "Office" and attribute["options"] == ["Paris", "Lyon"]

    # Delete it, then the type.
    page.locator("#attributes-table").get_by_role("link", name="Office").click()
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Delete the attribute").click()
    page.wait_for_url(re.compile(rf"/settings/types/{type_id}\?done=deleted"))
    assert page.get_by_text("No custom attributes yet.").is_visible()
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Delete the type").click()
    page.wait_for_url(re.compile(r"/settings/types\?done=deleted"))
    assert page.locator(f"tr[data-type-key={key}]").count() == 0


def test_a_type_in_use_is_not_deleted_and_says_why(admin_page, site):
    created = _new_type(site)
    _ok(site.api("POST", "/api/tickets/tickets", json={"subject": "uses it", "type": created["key"]}), 201)
    page = admin_page
    page.goto(f"/settings/types/{created['id']}")
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Delete the type").click()
    problem = page.locator("#form-problem")
    assert "deactivate it instead" in problem.inner_text()
    # Deactivating is what it suggests, and it works.
    page.get_by_label("Active", exact=True).uncheck()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**done=saved")
    assert _ok(site.api("GET", f"/api/tickets/settings/ticket-types/{created['id']}"))["active"] is False


# -- lifecycles -------------------------------------------------------------------------------------
def test_the_lifecycle_table_changes_what_a_ticket_may_do(admin_page, site):
    created = _new_type(site, name="Hardware repair " + _uid())
    ticket = _ok(site.api("POST", "/api/tickets/tickets", json={"subject": "lifecycle", "type": created["key"]}), 201)
    assert set(ticket["allowed_statuses"]) == {"postponed", "resolved"}

    page = admin_page
    page.goto(f"/settings/types/{created['id']}")
    page.get_by_role("link", name="Edit the lifecycle").click()
    page.wait_for_url(f"**/settings/types/{created['id']}/lifecycle")
    assert page.get_by_text("This type follows the default lifecycle").is_visible()
    cell = page.get_by_label("from Opened to Postponed")
    assert cell.is_checked()
    assert_accessible(page)
    cell.uncheck()
    page.get_by_role("button", name="Save the lifecycle").click()
    page.wait_for_url("**done=saved")
    assert page.get_by_text("This type has its own lifecycle.").is_visible()
    assert not page.get_by_label("from Opened to Postponed").is_checked()

    again = _ok(site.api("GET", f"/api/tickets/tickets/{ticket['number']}"))
    assert again["allowed_statuses"] == ["resolved"]
    lifecycle = _ok(site.api("GET", f"/api/tickets/settings/ticket-types/{created['id']}/lifecycle"))
    assert lifecycle["own"] is True and ["opened", "postponed"] not in lifecycle["transitions"]
    # Other types keep the default.
    assert ["opened", "postponed"] in _ok(site.api("GET", "/api/tickets/settings/lifecycle"))["transitions"]

    # A lifecycle that would strand tickets is refused, and says why above the table.
    page.get_by_label("from Opened to Resolved").uncheck()
    page.get_by_label("from Opened to Postponed").check()
    page.get_by_label("from Postponed to Opened").uncheck()
    page.get_by_label("from Postponed to Resolved").uncheck()
    page.get_by_role("button", name="Save the lifecycle").click()
    problem = page.locator("#lifecycle-problem")
    assert "postponed" in problem.inner_text() and "lead nowhere" in problem.inner_text()
    # What was ticked stays ticked, to be corrected.
    assert page.get_by_label("from Opened to Postponed").is_checked()
    assert not page.get_by_label("from Postponed to Opened").is_checked()
    assert_accessible(page)
    assert _ok(site.api("GET", f"/api/tickets/tickets/{ticket['number']}"))["allowed_statuses"] == ["resolved"]

    page.goto(f"/settings/types/{created['id']}/lifecycle")
    page.set_viewport_size({"width": 1366, "height": 860})
    screenshot(page, "settings-lifecycle")

    # Back to the default: the move is allowed again.
    page.get_by_role("button", name="Back to the default lifecycle").click()
    page.wait_for_url("**done=reset")
    assert set(_ok(site.api("GET", f"/api/tickets/tickets/{ticket['number']}"))["allowed_statuses"]) == {
        "postponed",
        "resolved",
    }


def test_the_default_lifecycle_refuses_a_lifecycle_without_a_way_out_of_opened(admin_page):
    page = admin_page
    page.goto("/settings/lifecycle")
    assert page.get_by_role("heading", name="Default lifecycle", level=1).is_visible()
    for box in page.locator("#lifecycle-table tr[data-from=opened] input[type=checkbox]").all():
        box.uncheck()
    page.get_by_role("button", name="Save the lifecycle").click()
    assert "where 'opened' tickets can go" in page.locator("#lifecycle-problem").inner_text()
    assert_accessible(page)


# -- priorities and statuses ------------------------------------------------------------------------
def test_a_duplicate_priority_key_is_shown_next_to_the_field(admin_page, site):
    page = admin_page
    page.goto("/settings/priorities")
    assert_accessible(page)
    form = page.locator("form.settings-form")
    form.get_by_label("Key").fill("normal")  # the demo desk has it
    form.get_by_label("Name").fill("Another normal")
    form.get_by_role("button", name="Create").click()
    error = page.locator("#e-key")
    assert "already a priority 'normal'" in error.inner_text()
    assert form.get_by_label("Key").get_attribute("aria-describedby") == "e-key"
    assert form.get_by_label("Name").input_value() == "Another normal"  # what was typed stays
    assert_accessible(page)

    key = "p_" + _uid()
    form.get_by_label("Key").fill(key)
    form.get_by_label("Colour").fill("#7b2cbf")
    form.get_by_role("button", name="Create").click()
    page.wait_for_url("**done=created")
    mark = page.locator(f"tr[data-priority-key={key}] .mark")
    assert mark.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(123, 44, 191)"
    created = next(p for p in _ok(site.api("GET", "/api/tickets/settings/priorities"))["items"] if p["key"] == key)
    assert created["colour"] == "#7b2cbf"

    page.locator(f"tr[data-priority-key={key}]").get_by_role("link").click()
    assert_accessible(page)
    page.get_by_label("Name").fill("Purple")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**done=saved")
    assert "Purple" in page.locator(f"tr[data-priority-key={key}]").inner_text()
    page.locator(f"tr[data-priority-key={key}]").get_by_role("link").click()
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Delete the priority").click()
    page.wait_for_url("**done=deleted")
    assert page.locator(f"tr[data-priority-key={key}]").count() == 0


def test_statuses_are_added_edited_and_deleted(admin_page, site):
    page = admin_page
    key = "s_" + _uid()
    page.goto("/settings/statuses")
    assert_accessible(page)
    form = page.locator("form.settings-form")
    form.get_by_label("Key").fill(key)
    form.get_by_label("Name").fill("Waiting for parts")
    form.get_by_label("Pauses the SLA clock").check()
    form.get_by_role("button", name="Create").click()
    page.wait_for_url("**done=created")
    status = _ok(site.api("GET", f"/api/tickets/settings/statuses/{key}"))
    assert (status["kind"], status["sla_pausing"], status["builtin"]) == ("open", True, False)

    page.locator(f"tr[data-status-key={key}]").get_by_role("link").click()
    assert_accessible(page)
    page.get_by_label("Kind").select_option("closed")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**done=saved")
    assert _ok(site.api("GET", f"/api/tickets/settings/statuses/{key}"))["kind"] == "closed"
    page.locator(f"tr[data-status-key={key}]").get_by_role("link").click()
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Delete the status").click()
    page.wait_for_url("**done=deleted")
    assert site.api("GET", f"/api/tickets/settings/statuses/{key}").status_code == 404

    # A built-in status keeps its kind: there is no control for it.
    page.goto("/settings/statuses/opened")
    assert page.locator("#f-kind").count() == 0
    assert page.get_by_role("button", name="Delete the status").count() == 0


# -- general settings and branding ------------------------------------------------------------------
def test_general_settings_and_branding_reach_the_top_bar(admin_page, site, tmp_path):
    before = _ok(site.api("GET", "/api/tickets/settings/desk"))
    page = admin_page
    name = "Acme Help " + _uid()
    logo = tmp_path / "logo.png"
    logo.write_bytes(_png())
    try:
        page.goto("/settings/general")
        assert_accessible(page)
        page.get_by_label("private (staff only)").check()
        page.get_by_label("Reopen window, days").fill("5")
        page.get_by_label("Auto-close after, hours").fill("48")
        page.get_by_label("Name of the desk").fill(name)
        page.get_by_label("Colour of the top bar").fill("#ffcc00")  # too light for white text: darkened
        page.get_by_label("Logo", exact=True).set_input_files(str(logo))
        page.get_by_role("button", name="Save the settings").click()
        page.wait_for_url("**done=saved")
        assert page.locator(".topbar .brand").inner_text() == name
        assert page.title().endswith(f"· {name}")
        img = page.locator(".topbar .brand-logo")
        assert img.evaluate("i => i.complete && i.naturalWidth") == 8
        bar = page.locator(".topbar").evaluate("e => getComputedStyle(e).backgroundColor")
        assert bar not in ("rgb(23, 74, 148)", "rgba(0, 0, 0, 0)")  # the brand colour, not Relay's
        assert_accessible(page)  # white on the darkened yellow passes AA

        desk = _ok(site.api("GET", "/api/tickets/settings/desk"))
        assert (desk["default_comment_public"], desk["reopen_window_days"], desk["auto_close_hours"]) == (False, 5, 48)
        assert (desk["brand_name"], desk["brand_colour"]) == (name, "#ffcc00")
        assert desk["brand_logo"].startswith("data:image/png;base64,")
        assert page.get_by_label("private (staff only)").is_checked()

        # A wrong value is the service's 422 next to its field; the rest stays as typed. (The
        # browser's own min/max checks are turned off: the service is the one that decides.)
        page.locator("#general-form").evaluate("f => { f.noValidate = true; }")
        page.get_by_label("Auto-close after, hours").fill("0")
        page.get_by_label("Reopen window, days").fill("9")
        page.get_by_role("button", name="Save the settings").click()
        assert page.locator("#e-auto_close_hours").is_visible()
        assert page.get_by_label("Reopen window, days").input_value() == "9"
        assert _ok(site.api("GET", "/api/tickets/settings/desk"))["reopen_window_days"] == 5

        # Not an image: refused before it reaches the service.
        fake = tmp_path / "logo.png.exe"
        fake.write_bytes(b"MZ\x90\x00 not a picture")
        page.get_by_label("Auto-close after, hours").fill("48")
        page.get_by_label("Logo", exact=True).set_input_files(str(fake))
        page.get_by_role("button", name="Save the settings").click()
        assert "PNG, JPEG or WebP" in page.locator("#e-brand_logo").inner_text()

        page.goto("/settings/general")
        page.get_by_label("Remove the logo").check()
        page.get_by_role("button", name="Save the settings").click()
        page.wait_for_url("**done=saved")
        assert page.locator(".topbar .brand-logo").count() == 0
    finally:
        restore = {k: before[k] for k in general.GENERAL_FIELDS}
        desk = _ok(site.api("PATCH", "/api/tickets/settings/desk", json=restore))
        general.BRANDS.set(general.brand_from_desk(desk))
    page.goto("/settings/general")
    assert page.locator(".topbar .brand").inner_text() == before["brand_name"]


def test_brand_colours_stay_readable_whatever_is_chosen():
    for colour in ("#ffffff", "#ffcc00", "#00ff00", "#1f5fbf", "#000000", "#ff0000", "#7fdbff"):
        brand, dark = general.brand_colours(colour)
        for shade in (brand, dark):
            rgb = tuple(int(shade[i : i + 2], 16) / 255 for i in (1, 3, 5))
            assert general._contrast_with_white(rgb) >= 4.5, (colour, shade)
    assert general.brand_colours("#1f5fbf")[0] == "#1f5fbf"  # Relay's own blue is already fine


def test_the_brand_stylesheet_takes_only_a_colour(site):
    css = requests.get(site.base_url + "/static-brand.css", params={"v": "ffcc00"})
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
    assert re.fullmatch(r":root \{ --brand: #[0-9a-f]{6}; --brand-dark: #[0-9a-f]{6}; \}\n", css.text)
    evil = requests.get(site.base_url + "/static-brand.css", params={"v": "}body{background:url(x)"})
    assert "url(" not in evil.text and re.fullmatch(
        r":root \{ --brand: #[0-9a-f]{6}; --brand-dark: #[0-9a-f]{6}; \}\n", evil.text
    )


# -- API tokens -------------------------------------------------------------------------------------
def test_an_api_token_is_shown_once_works_and_is_revoked(admin_page, site, context):
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = admin_page
    name = "CRM sync " + _uid()
    page.goto("/settings/tokens")
    assert_accessible(page)
    form = page.locator("#token-form")
    assert form.get_by_label("Employee or contact").is_hidden()  # a system token acts for nobody
    form.get_by_label("Role").select_option("specialist")
    assert form.get_by_label("Employee or contact").is_visible()
    form.locator("#f-name").fill(name)
    form.get_by_role("button", name="Create").click()
    assert "employee" in page.locator("#e-subject").inner_text()  # the token store's refusal, by its field

    form = page.locator("#token-form")
    form.get_by_label("Role").select_option("system")
    form.get_by_role("button", name="Create").click()
    secret = page.locator("#new-token").input_value()
    assert secret.startswith("rly_")
    assert page.get_by_text("it is shown only this once").is_visible()
    page.get_by_role("button", name="Copy").click()
    expect(page.locator("#copy-status")).to_have_text("Copied.")
    assert_accessible(page)

    answer = requests.get(site.base_url + "/api/tickets/tickets", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 200, answer.text

    page.goto("/settings/tokens")
    assert page.locator("#new-token").count() == 0  # never again
    assert secret not in page.content()
    row = page.locator("#tokens-table tr", has_text=name)
    assert "active" in row.inner_text() and "machine" in row.inner_text()
    assert "never" not in row.inner_text()  # it was used just now

    page.once("dialog", lambda d: d.accept())
    row.get_by_role("button", name="Revoke").click()
    page.wait_for_url("**done=revoked")
    assert "revoked" in page.locator("#tokens-table tr", has_text=name).inner_text()
    answer = requests.get(site.base_url + "/api/tickets/tickets", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 401


def test_a_person_token_acts_for_the_chosen_employee(admin_page, site):
    page = admin_page
    name = "Sam's script " + _uid()
    page.goto("/settings/tokens")
    form = page.locator("#token-form")
    form.locator("#f-name").fill(name)
    form.get_by_label("Role").select_option("specialist")
    sam = page.locator("#f-subject option", has_text="Sam")
    form.get_by_label("Employee or contact").select_option(sam.get_attribute("value"))
    form.get_by_role("button", name="Create").click()
    secret = page.locator("#new-token").input_value()
    try:
        row = page.locator("#tokens-table tr", has_text=name)
        assert "Sam" in row.inner_text()
        mine = requests.get(site.base_url + "/api/tickets/settings/desk", headers={"Authorization": f"Bearer {secret}"})
        assert mine.status_code == 200
        refused = requests.patch(
            site.base_url + "/api/tickets/settings/desk",
            json={"reopen_window_days": 1},
            headers={"Authorization": f"Bearer {secret}"},
        )
        assert refused.status_code == 403  # a specialist's token is a specialist
    finally:
        page.once("dialog", lambda d: d.accept())
        page.locator("#tokens-table tr", has_text=name).get_by_role("button", name="Revoke").click()
        page.wait_for_url("**done=revoked")


# -- the API reference -------------------------------------------------------------------------------
def test_the_api_reference_lists_operations_and_filters_them(specialist_page):
    page = specialist_page
    page.goto("/api-reference")
    ops = page.locator("[data-api-op]")
    total = ops.count()
    assert total > 50
    assert page.locator("#api-count").inner_text() == f"{total} operations"
    lifecycle = page.locator("#op-put-api-tickets-settings-ticket-types-type-id-lifecycle")
    assert lifecycle.is_visible()
    assert page.get_by_role("link", name="The document itself (JSON)").get_attribute("href") == "/api/openapi.json"
    assert_accessible(page)

    # The details of an operation arrive when it opens: the page carries only the lines.
    body = lifecycle.locator(".api-op-body")
    assert "transitions" not in body.inner_text()
    lifecycle.locator("summary").click()
    expect(body).to_contain_text("transitions")
    assert "administrator" in body.inner_text() and "409" in body.inner_text()

    page.get_by_label("Find an operation").fill("put lifecycle")
    visible = [op for op in ops.all() if op.is_visible()]
    assert lifecycle.is_visible() and 0 < len(visible) < total
    assert all("lifecycle" in op.get_attribute("data-search") for op in visible)
    assert page.locator("#op-get-api-sla-calendars").is_hidden()
    assert page.locator("#service-sla").is_hidden()  # no SLA operation matches
    assert page.locator("#api-count").inner_text() == f"{len(visible)} operations"
    page.get_by_label("Find an operation").fill("zzz nothing like it")
    assert page.locator("#api-count").inner_text() == "Nothing matches."
    page.get_by_label("Find an operation").fill("")
    assert page.locator("#op-get-api-sla-calendars").is_visible()

    # A schema a body refers to is linked, and the link opens it.
    page.goto("/api-reference#op-post-api-tickets-settings-ticket-types")
    op = page.locator("#op-post-api-tickets-settings-ticket-types")
    assert op.get_attribute("open") is not None
    op.get_by_role("link", name="tickets.TicketTypeCreate").first.click()
    schema = page.locator("#schema-tickets-tickettypecreate")
    assert schema.get_attribute("open") is not None
    expect(schema).to_contain_text("is_default")
    assert page.request.get("/api-reference/operations/op-get-nowhere").status == 404
    assert page.request.get("/api-reference/schemas/nowhere.Nothing").status == 404


# -- names are text ------------------------------------------------------------------------------------
XSS_TYPE = '<img src=x onerror="window.__xss=1">Type'
XSS_ATTR = "<script>window.__xss=2</script><svg onload=window.__xss=3>"


def test_xss_in_type_and_attribute_names_is_shown_as_text(admin_page, site):
    created = _new_type(site, name=XSS_TYPE)
    body = {"key": "x_" + _uid(), "name": XSS_ATTR, "kind": "list", "options": ['"><img src=x onerror=window.__xss=4>']}
    attribute = _ok(site.api("POST", f"/api/tickets/settings/ticket-types/{created['id']}/attributes", json=body), 201)
    page = admin_page
    for path in (
        "/settings/types",
        f"/settings/types/{created['id']}",
        f"/settings/types/{created['id']}/lifecycle",
        f"/settings/attributes/{attribute['id']}",
    ):
        page.goto(path)
        page.wait_for_timeout(100)
        _xss_free(page)
        assert page.locator("main img").count() == 0 and page.locator("main svg").count() == 0, path
    page.goto(f"/settings/types/{created['id']}")
    assert XSS_TYPE in page.get_by_role("heading", level=1).inner_text()
    assert XSS_ATTR in page.locator("#attributes-table").inner_text()
    page.goto(f"/settings/attributes/{attribute['id']}")
    assert page.get_by_label("Name").input_value() == XSS_ATTR
    _xss_free(page)


# -- every page: axe, and Russian ----------------------------------------------------------------------
PAGES = [
    "/settings",
    "/settings/general",
    "/settings/types",
    "/settings/types/1",
    "/settings/types/1/attributes/new",
    "/settings/types/1/lifecycle",
    "/settings/lifecycle",
    "/settings/priorities",
    "/settings/priorities/1",
    "/settings/statuses",
    "/settings/statuses/opened",
    "/settings/tokens",
    "/api-reference",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_settings_page_passes_axe_on_a_phone_too(admin_page, path):
    page = admin_page
    response = page.goto(path)
    assert response.status == 200
    assert_accessible(page)
    page.set_viewport_size({"width": 390, "height": 800})
    assert_accessible(page)
    # Nothing wider than the phone but the tables, which scroll in their own box.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1


def test_the_settings_speak_russian(russian_admin_page):
    # The browser's language decides, as the demo administrator has chosen none.
    page = russian_admin_page
    expected = {
        "/settings/types": "Типы заявок",
        "/settings/general": "Общие настройки",
        "/settings/lifecycle": "Жизненный цикл по умолчанию",
        "/settings/tokens": "API-токены",
        "/api-reference": "Справка по API",
    }
    for path, heading in expected.items():
        page.goto(path)
        assert page.get_by_role("heading", level=1).inner_text() == heading
    page.goto("/settings/types/1/lifecycle")
    assert page.get_by_label("из «Opened» в «Resolved»").is_checked()  # status names are the desk's own
    assert page.get_by_role("button", name="Сохранить жизненный цикл").is_visible()
