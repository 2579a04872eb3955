"""The ticket list and the new-ticket form in a real browser: creating a ticket through
the form (its SLA preview, then its deadlines on the list), the required subject, saved
views made in the UI, keyset pages, search, the keys, inline and bulk changes, unread
tickets in bold, subjects that try to run script, accessibility and a phone's screen.

Each test makes its own tickets with a unique word in the subject and looks at the list
searched for it, so the tests do not see each other's tickets.
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from ui_support import assert_accessible, screenshot

from relay_gateway.tokens import token_store
from relay_gateway.ui import pages_tickets

FIONA = "00000000-0000-4000-8000-00000000a004"  # the demo's field engineer


def _word() -> str:
    return "zq" + uuid.uuid4().hex[:10]


def _ticket(site, subject: str, **body) -> dict:
    r = site.api("POST", "/api/tickets/tickets", json={"subject": subject, **body})
    assert r.status_code == 201, r.text
    return r.json()


def _read(site, number: int) -> dict:
    r = site.api("GET", f"/api/tickets/tickets/{number}")
    assert r.status_code == 200, r.text
    return r.json()


def _wait_for(check, timeout: float = 20.0, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _search(page, word: str, view: str = "all") -> None:
    page.goto(f"/tickets?view={view}&q={word}")


def _row(page, number: int):
    return page.locator(f"#ticket-results tr[data-number='{number}']")


@pytest.fixture(autouse=True)
def _fresh_pick_lists():
    # The pick lists are cached for half a minute; tests change the directory and views.
    pages_tickets.clear_caches()


@pytest.fixture(autouse=True)
def _patient_expectations():
    # Refreshes wait for the bus and a debounce; a busy machine (CI, other tests) is slow.
    expect.set_options(timeout=15_000)
    yield
    expect.set_options(timeout=5_000)


def test_a_ticket_made_with_the_form_shows_its_preview_then_its_deadlines_on_the_list(admin_page, site):
    page, word = admin_page, _word()
    page.goto("/tickets/new")
    preview = page.locator("#sla-preview")
    expect(page.locator("#preview-resolution")).to_have_text(re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d"))
    assert_accessible(page)
    # Choosing the priority asks the SLA service again: the critical rule of the demo applies.
    page.get_by_label("Priority").select_option("critical")
    expect(preview).to_contain_text("Critical tickets")
    page.get_by_label("Subject").fill(f"Projector in room 4 {word}")
    page.get_by_label("Description").fill("No picture since Monday.")
    page.get_by_label("Responsible").select_option(f"employee:{FIONA}")
    screenshot(page, "ticket-new")
    page.get_by_role("button", name="Create the ticket").click()
    page.wait_for_url(re.compile(r"/tickets/\d+$"))
    number = int(page.url.rsplit("/", 1)[1])
    made = _read(site, number)
    assert made["priority"] == "critical" and made["responsible"] == {"kind": "employee", "id": FIONA}
    # The SLA service sets the planned times a moment later; the list counts them down.
    _wait_for(lambda: _read(site, number)["planned_resolution_at"], what="the planned resolution")
    _search(page, word)
    row = _row(page, number)
    expect(row.locator("td.c-planned_reaction_at [data-deadline] .left")).to_have_text(re.compile(r"\d+[dhm]"))
    expect(row.locator("td.c-planned_resolution_at [data-deadline] .left")).to_have_text(re.compile(r"\d+[dhm]"))
    deadline = row.locator("td.c-planned_resolution_at [data-deadline]").get_attribute("data-deadline")
    assert datetime.fromisoformat(deadline) == datetime.fromisoformat(_read(site, number)["planned_resolution_at"])


def test_the_planned_resolution_can_be_set_by_hand(admin_page, site):
    page, word = admin_page, _word()
    page.goto("/tickets/new")
    page.get_by_label("Subject").fill(f"Set by hand {word}")
    page.get_by_label("Set the planned resolution by hand").check()
    chosen = page.get_by_label("Planned resolution (by hand)")
    expect(chosen).to_be_visible()
    # Prefilled with the preview's moment; the browser's zone is UTC here.
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d", chosen.input_value())
    moment = (datetime.now(UTC) + timedelta(days=9)).replace(second=0, microsecond=0)
    chosen.fill(moment.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Create the ticket").click()
    page.wait_for_url(re.compile(r"/tickets/\d+$"))
    made = _read(site, int(page.url.rsplit("/", 1)[1]))
    assert datetime.fromisoformat(made["planned_resolution_at"]) == moment
    assert made["planned_source"] == "manual"


def test_a_missing_subject_is_shown_next_to_the_field(admin_page):
    page = admin_page
    page.goto("/tickets/new")
    page.get_by_label("Description").fill("Somebody forgot the subject")
    page.get_by_role("button", name="Create the ticket").click()
    subject = page.get_by_label("Subject")
    expect(subject).to_have_attribute("aria-invalid", "true")
    error = page.locator("#e-subject")
    expect(error).to_be_visible()
    assert error.inner_text().strip()
    assert subject.get_attribute("aria-describedby") == "e-subject"
    # What was typed is still there.
    expect(page.get_by_label("Description")).to_have_value("Somebody forgot the subject")
    assert_accessible(page)


def test_the_types_attributes_appear_when_the_type_is_chosen(admin_page, site):
    types = site.api("GET", "/api/tickets/settings/ticket-types").json()["items"]
    incident = next(t for t in types if t["key"] == "incident")
    key = "room_" + uuid.uuid4().hex[:6]
    r = site.api(
        "POST",
        f"/api/tickets/settings/ticket-types/{incident['id']}/attributes",
        json={"key": key, "name": f"Room {key}", "kind": "list", "options": ["4.01", "4.02"]},
    )
    assert r.status_code == 201, r.text
    try:
        page, word = admin_page, _word()
        page.goto("/tickets/new")
        expect(page.get_by_label(f"Room {key}")).to_have_count(0)
        page.get_by_label("Type").select_option("incident")
        page.get_by_label(f"Room {key}").select_option("4.02")
        page.get_by_label("Subject").fill(f"Attribute {word}")
        page.get_by_role("button", name="Create the ticket").click()
        page.wait_for_url(re.compile(r"/tickets/\d+$"))
        made = _read(site, int(page.url.rsplit("/", 1)[1]))
        assert made["type"] == "incident" and made["attributes"] == {key: "4.02"}
    finally:
        site.api("DELETE", f"/api/tickets/settings/attributes/{r.json()['id']}")


def test_a_saved_view_made_in_the_ui_filters_the_list(admin_page, site):
    page, word = admin_page, _word()
    high = _ticket(site, f"Server fan noise {word}", priority="high")
    low = _ticket(site, f"Mouse pad wish {word}", priority="low")
    page.goto("/tickets")
    page.get_by_role("link", name="New view").click()
    name = f"High {word}"
    page.get_by_label("View name").fill(name)
    page.get_by_label("Search text").fill(word)
    page.locator("fieldset", has_text="Priorities").get_by_label("High").check()
    page.get_by_label("Updated").check()
    assert_accessible(page)
    page.get_by_role("button", name="Save the view").click()
    page.wait_for_url(re.compile(r"/tickets\?view="))
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    expect(page.get_by_role("navigation", name="Ticket views").get_by_role("link", name=name)).to_be_visible()
    expect(_row(page, high["number"])).to_be_visible()
    expect(_row(page, low["number"])).to_have_count(0)
    expect(page.locator("#ticket-results th.c-updated_at")).to_have_text("Updated")
    # Edited: low priority instead; then deleted.
    page.get_by_role("link", name="Edit this view").click()
    priorities = page.locator("fieldset", has_text="Priorities")
    priorities.get_by_label("High").uncheck()
    priorities.get_by_label("Low").check()
    page.get_by_role("button", name="Save the view").click()
    page.wait_for_url(re.compile(r"/tickets\?view="))
    expect(_row(page, low["number"])).to_be_visible()
    expect(_row(page, high["number"])).to_have_count(0)
    page.get_by_role("link", name="Edit this view").click()
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Delete view").click()
    page.wait_for_url(re.compile(r"/tickets$"))
    expect(page.get_by_role("link", name=name)).to_have_count(0)


def test_a_view_without_a_name_is_refused_next_to_the_field(admin_page):
    page = admin_page
    page.goto("/tickets/views/new")
    page.get_by_role("button", name="Save the view").click()
    expect(page.get_by_label("View name")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#e-name")).to_be_visible()


def test_keyset_pages_and_search(admin_page, site):
    page, word = admin_page, _word()
    numbers = [_ticket(site, f"Batch item{i:03d} {word}")["number"] for i in range(pages_tickets.PAGE_SIZE + 2)]
    page.goto("/tickets?view=all")
    search = page.get_by_label("Search tickets")
    search.fill(word)
    search.press("Enter")
    page.wait_for_url(re.compile(f"q={word}"))
    rows = page.locator("#ticket-results tbody tr")
    expect(rows).to_have_count(pages_tickets.PAGE_SIZE)
    first_page = [int(n) for n in rows.evaluate_all("rs => rs.map(r => r.dataset.number)")]
    assert first_page == sorted(numbers, reverse=True)[: pages_tickets.PAGE_SIZE]
    page.get_by_role("link", name="Next page").click()
    expect(rows).to_have_count(2)
    second_page = [int(n) for n in rows.evaluate_all("rs => rs.map(r => r.dataset.number)")]
    assert second_page == sorted(numbers, reverse=True)[pages_tickets.PAGE_SIZE :]
    expect(page.get_by_text("Page 2")).to_be_visible()
    expect(page.get_by_role("link", name="Next page")).to_have_count(0)
    page.get_by_role("link", name="First page").click()
    expect(rows).to_have_count(pages_tickets.PAGE_SIZE)
    # A next-page link whose sort was changed since starts again from the first page.
    page.goto(page.locator("a[data-next-page]").get_attribute("href") + "&sort=-updated_at")
    expect(rows).to_have_count(pages_tickets.PAGE_SIZE)
    expect(page.get_by_text("Page 1")).to_be_visible()
    # A search for one of them by its own words.
    search = page.get_by_label("Search tickets")
    search.fill(f"item007 {word}")
    search.press("Enter")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(f"Batch item007 {word}")


def test_keys_move_open_search_and_create(admin_page, site):
    page, word = admin_page, _word()
    older = _ticket(site, f"Key older {word}")["number"]
    newer = _ticket(site, f"Key newer {word}")["number"]
    _search(page, word)
    page.locator("main h1").click()  # nothing focused that takes text
    page.keyboard.press("j")
    expect(_row(page, newer)).to_have_class(re.compile(r"\bcurrent\b"))
    page.keyboard.press("j")
    expect(_row(page, older)).to_have_class(re.compile(r"\bcurrent\b"))
    page.keyboard.press("k")
    expect(_row(page, newer)).to_have_class(re.compile(r"\bcurrent\b"))
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/tickets/{older}")
    _search(page, word)
    page.keyboard.press("/")
    expect(page.get_by_label("Search tickets")).to_be_focused()
    page.keyboard.type("c")  # typed into the search: no new ticket
    assert "/tickets/new" not in page.url
    page.locator("main h1").click()
    page.keyboard.press("c")
    page.wait_for_url("**/tickets/new")


def test_inline_status_and_responsible_and_bulk_assign(admin_page, site):
    page, word = admin_page, _word()
    one = _ticket(site, f"Inline one {word}")["number"]
    two = _ticket(site, f"Inline two {word}")["number"]
    three = _ticket(site, f"Inline three {word}")["number"]
    _search(page, word)
    assert_accessible(page)
    _row(page, one).get_by_label(f"Status of ticket {one}").select_option("resolved")
    _wait_for(lambda: _read(site, one)["status"] == "resolved", what="the status change")
    # The list refreshed itself: the row offers what follows resolved.
    expect(_row(page, one).get_by_label(f"Status of ticket {one}")).to_have_value("resolved")
    # Postponing asks for the date and time first.
    _row(page, two).get_by_label(f"Status of ticket {two}").select_option("postponed")
    until = _row(page, two).get_by_label("Postponed until")
    expect(until).to_be_visible()
    assert _read(site, two)["status"] == "opened"
    later = (datetime.now(UTC) + timedelta(days=2)).replace(second=0, microsecond=0)
    until.fill(later.strftime("%Y-%m-%dT%H:%M"))
    _row(page, two).get_by_role("button", name="Apply").click()
    _wait_for(lambda: _read(site, two)["status"] == "postponed", what="postponing")
    assert datetime.fromisoformat(_read(site, two)["postponed_until"]) == later
    # The responsible, picked in the row.
    _row(page, three).get_by_role("button", name=re.compile(f"Change the responsible of ticket {three}")).click()
    _row(page, three).get_by_label(f"Responsible for ticket {three}").select_option(f"employee:{FIONA}")
    _wait_for(lambda: _read(site, three)["responsible"] == {"kind": "employee", "id": FIONA}, what="assigning")
    expect(_row(page, three).locator("td.c-responsible")).to_contain_text("Fiona Field")
    # Bulk: select two rows, assign them to a group.
    groups = site.api("GET", "/api/tickets/groups").json()["items"]
    first_line = next(g for g in groups if g["name"] == "First line")
    _row(page, two).get_by_label(f"Select ticket {two}").check()
    _row(page, three).get_by_label(f"Select ticket {three}").check()
    expect(page.locator("#bulk-count")).to_have_text("2")
    page.get_by_label("Assign to").select_option(f"group:{first_line['id']}")
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.locator("#alerts")).to_contain_text("2 of 2 tickets changed.")
    for n in (two, three):
        assert _read(site, n)["responsible"] == {"kind": "group", "id": first_line["id"]}
    # The refresh kept the selection.
    expect(_row(page, three).locator("td.c-responsible")).to_contain_text("First line")
    expect(_row(page, two).get_by_label(f"Select ticket {two}")).to_be_checked()
    # And a bulk status change of the same two.
    page.get_by_label("Change status to").select_option("resolved")
    page.get_by_role("button", name="Change status", exact=True).click()
    # The alert of the assignment above says the same words: wait for the tickets themselves.
    _wait_for(lambda: {_read(site, n)["status"] for n in (two, three)} == {"resolved"}, what="the bulk status change")
    expect(page.locator("#alerts")).to_contain_text("2 of 2 tickets changed.")


def test_a_refused_inline_change_is_told_and_the_row_shows_the_ticket_as_it_is(admin_page, site):
    page, word = admin_page, _word()
    number = _ticket(site, f"Moved meanwhile {word}")["number"]
    _search(page, word)
    # Someone else resolves it meanwhile: the page's version is stale.
    assert site.api("POST", f"/api/tickets/tickets/{number}/status", json={"status": "resolved"}).status_code == 200
    _row(page, number).get_by_label(f"Status of ticket {number}").select_option("postponed")
    _row(page, number).get_by_label("Postponed until").fill("2099-01-01T10:00")
    _row(page, number).get_by_role("button", name="Apply").click()
    expect(page.locator("#alerts")).to_contain_text("The status was not changed.")
    expect(_row(page, number).get_by_label(f"Status of ticket {number}")).to_have_value("resolved")


def test_unread_tickets_are_bold(admin_page, site):
    page, word = admin_page, _word()
    contacts = site.api("GET", "/api/tickets/contacts", params={"q": "Road Runner"}).json()["items"]
    runner = contacts[0]
    fresh = _ticket(site, f"Nobody answered yet {word}")["number"]
    answered = _ticket(site, f"Answered {word}", contact={"kind": "contact", "id": runner["id"]})["number"]
    reply = {"body": "We are on it.", "public": True}
    assert site.api("POST", f"/api/tickets/tickets/{answered}/comments", json=reply).status_code == 201
    _search(page, word)

    def weight(number: int) -> int:
        link = _row(page, number).locator("a.subject")
        return int(link.evaluate("a => getComputedStyle(a).fontWeight"))

    assert weight(fresh) >= 700
    assert weight(answered) < 700
    # The customer writes back: unread again.
    token, _info = token_store(site.gateway).create("ui test contact", "contact", subject=runner["id"])
    back = {"body": "It happened again."}
    r = site.api("POST", f"/api/tickets/tickets/{answered}/comments", role_token=token, json=back)
    assert r.status_code == 201, r.text
    page.reload()
    assert weight(answered) >= 700
    expect(_row(page, answered)).to_contain_text("unread")


PAYLOADS = ["<img src=x onerror=window.__xss=1>", "<script>window.__xss=1</script>"]


def test_a_subject_with_markup_is_shown_as_text_and_never_runs(admin_page, site):
    page, word = admin_page, _word()
    made = [_ticket(site, f"{payload} {word}")["number"] for payload in PAYLOADS]
    _search(page, word)
    for number, payload in zip(made, PAYLOADS, strict=True):
        expect(_row(page, number).locator("a.subject")).to_have_text(f"{payload} {word}")
    # A live refresh of the rows draws them again: still text.
    page.evaluate("() => document.body.dispatchEvent(new CustomEvent('relay:ticket-changed', {detail: {}}))")
    page.wait_for_timeout(1200)
    assert page.locator("#ticket-results img").count() == 0
    assert page.evaluate("() => typeof window.__xss") == "undefined"
    # The form, given one back after a refusal, shows it as text too.
    page.goto("/tickets/new")
    page.get_by_label("Subject").fill(PAYLOADS[0])
    page.get_by_label("Set the planned resolution by hand").check()
    page.get_by_label("Planned resolution (by hand)").fill("")
    page.get_by_role("button", name="Create the ticket").click()
    expect(page.locator("#e-planned_resolution_at")).to_be_visible()
    expect(page.get_by_label("Subject")).to_have_value(PAYLOADS[0])
    assert page.evaluate("() => typeof window.__xss") == "undefined"


def test_the_list_refreshes_when_a_ticket_changes_elsewhere(admin_page, site):
    page, word = admin_page, _word()
    number = _ticket(site, f"Changed elsewhere {word}")["number"]
    _search(page, word)
    _row(page, number).get_by_label(f"Select ticket {number}").check()
    assert site.api("POST", f"/api/tickets/tickets/{number}/status", json={"status": "resolved"}).status_code == 200
    # What live.js fires for a change on the bus (it may also come by itself).
    page.evaluate(
        "n => document.body.dispatchEvent(new CustomEvent('relay:ticket-changed', {detail: {number: n}}))", number
    )
    expect(_row(page, number).get_by_label(f"Status of ticket {number}")).to_have_value("resolved")
    expect(_row(page, number).get_by_label(f"Select ticket {number}")).to_be_checked()
    expect(page).to_have_url(re.compile(f"q={word}"))


def test_the_preview_follows_the_company_for_a_specialist_too(specialist_page):
    page = specialist_page
    page.goto("/tickets/new")
    page.get_by_label("Find a company").fill("Init")
    expect(page.get_by_label("Company", exact=True).locator("option", has_text="Initech")).to_have_count(1)
    page.get_by_label("Company", exact=True).select_option(label="Initech")
    # Initech is a VIP client: the demo's first rule, around the clock.
    expect(page.locator("#sla-preview")).to_contain_text("VIP clients, around the clock")
    assert_accessible(page)


def test_the_specialist_sees_their_list(specialist_page):
    page = specialist_page
    page.goto("/ui")
    page.wait_for_url(re.compile(r"/tickets$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tickets")
    page.get_by_role("link", name="Mine").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Mine")
    assert_accessible(page)


def test_the_list_on_a_phone(browser, site):
    ctx = browser.new_context(base_url=site.base_url, locale="en-US", viewport={"width": 390, "height": 844})
    ctx.set_default_timeout(10_000)
    try:
        page = ctx.new_page()
        site.sign_in(page, *site.admin)
        word = _word()
        number = _ticket(site, f"On a phone with a rather long subject line {word}")["number"]
        _search(page, word)
        row = _row(page, number)
        expect(row.locator("a.subject")).to_be_visible()
        expect(row.get_by_label(f"Status of ticket {number}")).to_be_visible()
        expect(row.get_by_label(f"Select ticket {number}")).to_be_visible()
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        expect(page.get_by_role("link", name="New ticket")).to_be_visible()
        assert_accessible(page)
        row.locator("a.subject").click()
        page.wait_for_url(f"**/tickets/{number}")
    finally:
        ctx.close()


def test_the_list_in_russian(russian_admin_page):
    # The admin chose no language: the browser's decides.
    page = russian_admin_page
    page.goto("/tickets?view=open")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Заявки: Все открытые")  # noqa: RUF001
    expect(page.get_by_role("link", name="Новая заявка")).to_be_visible()
    page.goto("/tickets/new")
    expect(page.get_by_role("heading", name="Сроки")).to_be_visible()


def test_screenshot_of_the_list(admin_page, site):
    """A list as a desk sees it: the demo's VPN ticket among some more of its kind (other
    tests' tickets have no 'VPN' in them): deadlines running, breached, paused and met,
    unread ones in bold."""
    page = admin_page
    companies = {c["name"]: c["id"] for c in site.api("GET", "/api/tickets/companies").json()["items"]}
    groups = {g["name"]: g["id"] for g in site.api("GET", "/api/tickets/groups").json()["items"]}
    runner = site.api("GET", "/api/tickets/contacts", params={"q": "Road Runner"}).json()["items"][0]
    reply = {"body": "Looking into it now.", "public": True}
    made = [
        _ticket(
            site,
            "VPN client will not install on the new laptop",
            priority="high",
            company_id=companies["Acme Manufacturing"],
            responsible={"kind": "employee", "id": FIONA},
        ),
        _ticket(
            site,
            "Slow VPN from the Berlin office since the router swap",
            company_id=companies["Globex Partners"],
            responsible={"kind": "group", "id": groups["First line"]},
        ),
        _ticket(
            site,
            "VPN certificate expires on Friday",
            priority="critical",
            planned_resolution_at=(datetime.now(UTC) - timedelta(hours=2)).isoformat(),
        ),
        _ticket(site, "Cannot reach the file server over VPN", priority="low", company_id=companies["Initech"]),
        _ticket(
            site,
            "VPN password reset mail does not arrive",
            company_id=companies["Acme Manufacturing"],
            contact={"kind": "contact", "id": runner["id"]},
        ),
    ]
    for t in (made[0], made[1], made[4]):
        assert site.api("POST", f"/api/tickets/tickets/{t['number']}/comments", json=reply).status_code == 201
    later = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    body = {"status": "postponed", "until": later}
    assert site.api("POST", f"/api/tickets/tickets/{made[3]['number']}/status", json=body).status_code == 200
    token, _info = token_store(site.gateway).create("ui screenshot contact", "contact", subject=runner["id"])
    back = {"body": "Still nothing in my inbox, also not in spam."}
    r = site.api("POST", f"/api/tickets/tickets/{made[4]['number']}/comments", role_token=token, json=back)
    assert r.status_code == 201, r.text
    _wait_for(lambda: all(_read(site, t["number"])["planned_reaction_at"] for t in made[:2]), what="the SLA")
    page.set_viewport_size({"width": 1366, "height": 860})
    page.goto("/tickets?view=all&q=vpn&sort=-priority")
    expect(page.locator("#ticket-results tbody tr")).to_have_count(len(made) + 1)
    expect(_row(page, made[2]["number"]).locator(".countdown.breached")).to_be_visible()
    page.evaluate("() => window.Relay && window.Relay.tick && window.Relay.tick()")
    assert_accessible(page)
    screenshot(page, "ticket-list")
