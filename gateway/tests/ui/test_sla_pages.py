"""The SLA settings pages in a real browser: calendars (week view, working hours per
weekday, exception days, holiday import, 'try it') and the ordered SLA rules. What the
pages did is checked through the SLA API as well as on the page."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect
from ui_support import assert_accessible, screenshot, wait_until

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def sla(site, method: str, path: str, **kw):
    r = site.api(method, "/api/sla" + path, **kw)
    assert r.status_code < 300, r.text
    return r.json() if r.content else None


def calendar_named(site, name: str) -> dict:
    found = [c for c in sla(site, "GET", "/calendars")["items"] if c["name"] == name]
    assert len(found) == 1, name
    return found[0]


def new_calendar_via_api(site, name: str, zone: str = "Europe/Moscow") -> dict:
    week = {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
    return sla(site, "POST", "/calendars", json={"name": name, "definition": {"timezone": zone, "week": week}})


def fill_week(page, hours: dict[str, list[tuple[str, str]]]) -> None:
    for day, pairs in hours.items():
        for i, (start, end) in enumerate(pairs):
            page.locator(f"#f-week-{day}-{i}-from").fill(start)
            page.locator(f"#f-week-{day}-{i}-to").fill(end)


def test_calendar_week_view_exception_days_holidays_and_try_it(admin_page, site):
    page = admin_page
    page.goto("/settings/sla/calendars")
    assert page.get_by_role("heading", name="SLA calendars").is_visible()
    assert_accessible(page)

    page.get_by_role("link", name="New calendar").click()
    name = unique("Moscow office")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Time zone").fill("Europe/Moscow")
    fill_week(page, {d: [("09:00", "18:00")] for d in ("mon", "tue", "wed", "thu", "fri")})
    assert page.locator("#f-week-sat-0-from").count() == 0  # a weekend day starts with no interval
    assert_accessible(page)
    page.get_by_role("button", name="Create the calendar").click()
    page.wait_for_url(re.compile(r"/settings/sla/calendars/\d+\?done=created"))
    assert page.get_by_role("status").filter(has_text="The calendar is created.").is_visible()

    stored = calendar_named(site, name)
    assert stored["definition"]["timezone"] == "Europe/Moscow"
    assert stored["definition"]["week"]["mon"] == [["09:00", "18:00"]]
    assert stored["definition"]["week"]["sat"] == []

    # The week view: the time zone, one block a working day placed by hour, the same as text.
    assert page.locator("#sla-zone").inner_text() == "Europe/Moscow"
    blocks = page.locator(".sla-week .sla-block")
    assert blocks.count() == 5
    track = page.locator('.sla-week-track[data-day="mon"]').bounding_box()
    block = page.locator('.sla-week-track[data-day="mon"] .sla-block').bounding_box()
    assert block["y"] - track["y"] == pytest.approx(track["height"] * 9 / 24, abs=3)
    assert block["height"] == pytest.approx(track["height"] * 9 / 24, abs=3)
    assert page.locator('.sla-week-track[data-day="sat"] .sla-block').count() == 0
    spoken = page.locator("ul.sr-only").inner_text()
    assert "Monday: 09:00\u201318:00" in spoken and "Saturday: day off" in spoken
    assert_accessible(page)
    screenshot(page, "settings-sla-calendar")

    # An exception day off, and a shortened day.
    page.locator("#f-exc_date").fill("2027-03-08")
    page.get_by_label("Name (optional)").fill("Women's Day")
    page.get_by_role("button", name="Add the day").click()
    page.wait_for_url(re.compile(r"done=exception"))
    row = page.locator('tr[data-date="2027-03-08"]')
    assert "Women's Day" in row.inner_text() and "day off" in row.inner_text()
    page.locator("#f-exc_date").fill("2027-03-05")
    page.get_by_label("has these working hours:").check()
    page.get_by_label("Working hours of that day").fill("09:00-17:00")
    page.get_by_role("button", name="Add the day").click()
    page.wait_for_url(re.compile(r"done=exception"))
    assert "09:00\u201317:00" in page.locator('tr[data-date="2027-03-05"]').inner_text()

    # Holiday import (the SLA service's: a country and a year), then a pasted list.
    page.get_by_label("Country").fill("RU")
    page.get_by_label("Year").fill("2027")
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_url(re.compile(r"done=holidays"))
    assert page.locator('tr[data-date="2027-01-07"]').count() == 1  # Orthodox Christmas
    page.get_by_label("Days off, one a line").fill("2027-12-30 Company day\n31.12.2027 New Year's Eve")
    page.get_by_role("button", name="Add as days off").click()
    page.wait_for_url(re.compile(r"done=dates"))
    exceptions = {e["date"]: e for e in calendar_named(site, name)["definition"]["exceptions"]}
    assert exceptions["2027-03-08"] == {"date": "2027-03-08", "intervals": [], "name": "Women's Day"}
    assert exceptions["2027-03-05"]["intervals"] == [["09:00", "17:00"]]
    assert exceptions["2027-01-07"]["intervals"] == []
    assert exceptions["2027-12-30"]["name"] == "Company day" and "2027-12-31" in exceptions

    # Try it: Friday 2027-03-05 (shortened to 17:00) 16:00 + 2 working hours: one hour
    # that day, Monday the 8th is off, so one hour on Tuesday: 10:00.
    page.get_by_label("Start (Europe/Moscow)").fill("2027-03-05T16:00")
    page.get_by_label("Working hours to add").fill("2")
    page.get_by_role("button", name="Compute the deadline").click()
    due = page.locator("#sla-due")
    due.wait_for()
    assert due.inner_text() == "Tue 2027-03-09 10:00"
    assert due.get_attribute("datetime").startswith("2027-03-09T10:00:00+03:00")
    page.wait_for_function("document.getElementById('sla-live').textContent.includes('Tue 2027-03-09 10:00')")
    assert "?done" not in page.url or "done=dates" in page.url  # answered in place (htmx)

    # Removing an exception day.
    page.locator('tr[data-date="2027-12-30"]').get_by_role("button", name="Remove").click()
    page.wait_for_url(re.compile(r"done=removed"))
    assert page.locator('tr[data-date="2027-12-30"]').count() == 0
    assert_accessible(page)


def test_invalid_interval_is_shown_next_to_its_day(admin_page, site):
    page = admin_page
    page.goto("/settings/sla/calendars/new")
    page.get_by_label("Name").fill(unique("Night shift"))
    page.get_by_label("Time zone").fill("Europe/Moscow")
    fill_week(page, {"mon": [("18:00", "09:00")]})
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Create the calendar").click()
    assert answer.value.status == 422
    monday = page.locator('[data-sla-day="mon"]')
    error = monday.locator("#e-week-mon-0")
    assert "18:00-09:00 must start before it ends" in error.inner_text()
    assert monday.locator("#f-week-mon-0-from").get_attribute("aria-invalid") == "true"
    assert monday.locator("#f-week-mon-0-from").get_attribute("aria-describedby") == "e-week-mon-0"
    assert page.locator('[data-sla-day="tue"] .error').count() == 0
    # What was typed is still there, to correct.
    assert page.locator("#f-week-mon-0-from").input_value() == "18:00"
    assert_accessible(page)

    # Rows are added and removed in the page; the new row's first input has the focus.
    page.get_by_role("button", name="Add interval (Saturday)").click()
    assert page.evaluate("document.activeElement.name") == "week.sat.0.from"
    page.keyboard.type("10:00")
    page.locator("#f-week-sat-0-to").fill("14:00")
    page.get_by_role("button", name="Add interval (Saturday)").click()
    page.get_by_role("button", name="Remove Saturday, interval 2").click()
    fill_week(page, {"mon": [("09:00", "18:00")]})
    page.get_by_role("button", name="Create the calendar").click()
    page.wait_for_url(re.compile(r"done=created"))
    assert "Saturday: 10:00\u201314:00" in page.locator("ul.sr-only").inner_text()


def test_week_rows_without_javascript(browser, site):
    ctx = browser.new_context(base_url=site.base_url, locale="en-US", java_script_enabled=False)
    try:
        page = ctx.new_page()
        site.sign_in(page, *site.admin)
        page.goto("/settings/sla/calendars/new")
        page.get_by_label("Name").fill(unique("No script"))
        page.get_by_role("button", name="Add interval (Sunday)").click()  # the server adds the row
        page.locator("#f-week-sun-0-from").fill("10:00")
        page.locator("#f-week-sun-0-to").fill("12:00")
        page.get_by_role("button", name="Remove Friday, interval 1").click()
        assert page.locator("#f-week-fri-0-from").count() == 0
        assert page.locator("#f-week-sun-0-from").input_value() == "10:00"
        page.get_by_role("button", name="Create the calendar").click()
        page.wait_for_url(re.compile(r"done=created"))
        spoken = page.locator("ul.sr-only").inner_text()
        assert "Sunday: 10:00\u201312:00" in spoken and "Friday: day off" in spoken
    finally:
        ctx.close()


def test_24x7_calendar_is_shown_as_such(admin_page, site):
    name = unique("Always")
    created = sla(
        site, "POST", "/calendars", json={"name": name, "definition": {"timezone": "UTC", "always_open": True}}
    )
    admin_page.goto(f"/settings/sla/calendars/{created['id']}")
    assert admin_page.get_by_role("heading", name="Working week · 24x7").is_visible()
    assert admin_page.locator(".sla-week-always .sla-block").count() == 7
    assert "Sunday: open around the clock" in admin_page.locator("ul.sr-only").inner_text()
    admin_page.goto("/settings/sla/calendars")
    assert "24x7" in admin_page.get_by_role("row").filter(has_text=name).inner_text()


def test_holiday_import_error_is_next_to_the_country(admin_page, site):
    created = new_calendar_via_api(site, unique("Import errors"))
    page = admin_page
    page.goto(f"/settings/sla/calendars/{created['id']}")
    page.get_by_label("Country").fill("XX")
    page.get_by_label("Year").fill("2027")
    page.get_by_role("button", name="Import", exact=True).click()
    assert "no holiday data for country 'XX'" in page.locator("#e-country").inner_text()
    page.get_by_label("Days off, one a line").fill("2027-01-01 ok\nnot a date")
    page.get_by_role("button", name="Add as days off").click()
    assert "line 2: not a date" in page.locator("#e-dates").inner_text()
    assert_accessible(page)


def test_rules_create_reorder_disable_and_delete(admin_page, site):
    page = admin_page
    r = site.api("POST", "/api/tickets/companies", json={"name": unique("SLA rule client")})
    assert r.status_code == 201, r.text
    company = r.json()
    calendar = new_calendar_via_api(site, unique("Rules calendar"))
    first, second = unique("Incidents of a client"), unique("Requests of a client")
    created = []
    try:
        for name, kind in ((first, "Incident"), (second, "Service request")):
            page.goto("/settings/sla/rules")
            page.get_by_role("link", name="New rule").click()
            page.get_by_label("Name").fill(name)
            page.get_by_role("group", name="Ticket type").get_by_label(kind).check()
            page.get_by_label("Find in the list").fill(company["name"])
            page.get_by_role("group", name="Client (company)").get_by_label(company["name"]).check()
            page.get_by_label("Calendar the times count in").select_option(label=calendar["name"])
            page.locator("#f-reaction_h").fill("1")
            page.locator("#f-reaction_m").fill("30")
            page.locator("#f-resolution_h").fill("8")
            if name == first:
                assert_accessible(page)
            page.get_by_role("button", name="Create the rule").click()
            page.wait_for_url(re.compile(r"/settings/sla/rules\?done=created"))
            rule = next(x for x in sla(site, "GET", "/rules")["items"] if x["name"] == name)
            created.append(rule["id"])
        a, b = created
        rule = sla(site, "GET", f"/rules/{a}")
        assert rule["conditions"] == {"types": ["incident"], "companies": [company["id"]]}
        assert (rule["calendar_id"], rule["reaction_minutes"], rule["resolution_minutes"]) == (calendar["id"], 90, 480)
        item = page.locator(f"#rule-{a}")
        assert "Type: Incident; Company: " + company["name"] in item.inner_text()
        assert "1 h 30 min" in item.inner_text() and calendar["name"] in item.inner_text()
        assert_accessible(page)

        def order() -> list[int]:
            return [x["id"] for x in sla(site, "GET", "/rules")["items"] if x["id"] in (a, b)]

        assert order() == [a, b]

        def drawn() -> list[int]:
            return page.locator("#sla-rules li").evaluate_all("els => els.map(e => Number(e.dataset.ruleId))")

        def focused() -> str:
            return page.evaluate("document.activeElement ? document.activeElement.id : ''")

        page.get_by_role("button", name=f"Move up: {second}").click()
        # The button has the focus from the click itself: wait for the answer's list instead.
        wait_until(page, lambda: (ids := drawn()).index(b) < ids.index(a), what="the moved rule drawn first")
        assert order() == [b, a]
        wait_until(page, lambda: focused() == f"up-{b}", what="the focus back on the moved rule")
        page.get_by_role("button", name=f"Move down: {second}").click()
        wait_until(page, lambda: (ids := drawn()).index(a) < ids.index(b), what="the moved rule drawn second")
        assert order() == [a, b]
        # On the button pressed, or on the other one when the rule reached the end of the list.
        movable = [x["id"] for x in sla(site, "GET", "/rules")["items"] if not x["is_default"]]
        back_on = f"up-{b}" if movable[-1] == b else f"down-{b}"
        wait_until(page, lambda: focused() == back_on, what=f"the focus back on {back_on}")
        page.reload()
        ids = drawn()
        assert ids.index(a) < ids.index(b)  # persisted, not only drawn

        page.get_by_role("button", name=f"Disable: {first}").click()
        page.get_by_role("button", name=f"Enable: {first}").wait_for()
        assert sla(site, "GET", f"/rules/{a}")["enabled"] is False
        assert "disabled" in page.locator(f"#rule-{a} .pill").inner_text()
        expect(page.locator("#sla-live")).to_have_text(re.compile(r"is disabled\.$"))
        assert_accessible(page)

        # Editing keeps what the rule holds; a window the service refuses shows at its input.
        page.get_by_role("link", name=f"Edit: {first}").click()
        assert page.get_by_role("group", name="Ticket type").get_by_label("Incident").is_checked()
        assert page.locator("#f-reaction_m").input_value() == "30"
        page.get_by_label("within a weekly window").check()
        page.get_by_label("From", exact=True).fill("18:00")
        page.get_by_label("To", exact=True).fill("18:00")
        page.get_by_role("button", name="Save").click()
        assert "the window is empty" in page.locator("#e-window_to").inner_text()
        assert_accessible(page)
        page.get_by_label("To", exact=True).fill("09:00")
        page.get_by_label("Saturday").check()
        page.get_by_role("button", name="Save").click()
        page.wait_for_url(re.compile(r"done=saved"))
        window = sla(site, "GET", f"/rules/{a}")["conditions"]["registered"]
        assert window == {"days": ["sat"], "from": "18:00", "to": "09:00"}

        page.once("dialog", lambda d: d.accept())
        page.get_by_role("button", name=f"Delete: {second}").click()
        page.wait_for_url(re.compile(r"done=deleted"))
        assert site.api("GET", f"/api/sla/rules/{b}").status_code == 404
        created.remove(b)
    finally:
        for rule_id in created:
            site.api("DELETE", f"/api/sla/rules/{rule_id}")


def test_default_rule_has_no_conditions_to_edit(admin_page, site):
    default = next(x for x in sla(site, "GET", "/rules")["items"] if x["is_default"])
    page = admin_page
    page.goto("/settings/sla/rules")
    item = page.locator(f"#rule-{default['id']}")
    assert item.get_by_role("button").count() == 0  # no move, disable or delete
    item.get_by_role("link", name=f"Edit: {default['name']}").click()
    assert page.get_by_role("group", name="Conditions").count() == 0
    assert_accessible(page)


def test_specialist_is_refused(specialist_page, site):
    for path in (
        "/settings/sla/calendars",
        "/settings/sla/rules",
        "/settings/sla/calendars/1",
        "/settings/sla/rules/new",
    ):
        answer = specialist_page.goto(path)
        assert answer.status == 403, path
        assert specialist_page.get_by_text("You may not open this page.").is_visible()


def test_xss_in_a_calendar_name_is_text(admin_page, site):
    payload = unique('<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>')
    created = new_calendar_via_api(site, payload)
    page = admin_page
    for path in (
        "/settings/sla/calendars",
        f"/settings/sla/calendars/{created['id']}",
        f"/settings/sla/calendars/{created['id']}/edit",
        "/settings/sla/rules/new",
    ):
        page.goto(path)
        assert page.evaluate("typeof window.__xss") == "undefined", path
    page.goto(f"/settings/sla/calendars/{created['id']}")
    assert page.get_by_role("heading", level=1).inner_text() == payload


def test_pages_in_russian(browser, site):
    ctx = browser.new_context(base_url=site.base_url, locale="ru-RU", extra_http_headers={"Accept-Language": "ru"})
    try:
        page = ctx.new_page()
        page.goto("/signin")
        page.locator("input[name=email]").fill(site.admin[0])
        page.locator("input[name=password]").fill(site.admin[1])
        page.get_by_role("button", name="Войти").click()
        page.wait_for_load_state()
        page.goto("/settings/sla/calendars")
        assert page.get_by_role("heading", name="Календари SLA").is_visible()
        page.goto("/settings/sla/rules")
        assert page.get_by_role("heading", name="Правила SLA").is_visible()
        assert page.get_by_role("link", name="Новое правило").is_visible()
        assert_accessible(page)
    finally:
        ctx.close()


# -- the pasted or uploaded list of days off (no browser) -------------------------------
def test_day_list_reads_lines_csv_and_icalendar(monkeypatch):
    from relay_gateway.ui import pages_sla_calendars as pages
    from relay_gateway.ui.pages_sla_calendars import parse_intervals, read_day_list

    # The English texts, without a signed-in request to choose the language from.
    monkeypatch.setattr(pages, "_", lambda text, **values: text.format(**values))
    found, bad = read_day_list('date,name\n2027-01-07,"Christmas"\n08.03.2027 Women\'s Day\n\n# a comment\n')
    assert [e for _line, e in found] == [
        {"date": "2027-01-07", "intervals": [], "name": "Christmas"},
        {"date": "2027-03-08", "intervals": [], "name": "Women's Day"},
    ]
    assert bad == []
    _found, bad = read_day_list("2027-01-07\n2027-02-30 no such day\nsoon")
    assert bad == ["line 2: 2027-02-30 no such day", "line 3: soon"]
    ics = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270101\r\n"
        "DTEND;VALUE=DATE:20270103\r\nSUMMARY:New Year\\, holidays\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270612\r\nSUMMARY:Russia\r\n  Day\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    found, bad = read_day_list(ics)
    assert [(e["date"], e["name"]) for _line, e in found] == [
        ("2027-01-01", "New Year, holidays"),
        ("2027-01-02", "New Year, holidays"),
        ("2027-06-12", "Russia Day"),
    ]
    assert bad == []
    assert parse_intervals("9:00-13:00, 14:00 \u2013 17:30") == [["09:00", "13:00"], ["14:00", "17:30"]]
    assert parse_intervals("nine to five") is None
