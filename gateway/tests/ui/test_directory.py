"""The directory pages in a real browser: companies, contacts, service objects, groups
and employees (inviting one by mail, their first sign-in and their deactivation), what a
specialist may not do, escaping, the Russian texts and axe-core on every kind of page."""

from __future__ import annotations

import email
import re
import time
import uuid
from email import policy
from pathlib import Path

from ui_support import assert_accessible

LINK = re.compile(r"https?://\S+/password/set\?token=\S+")
XSS = "<img src=x onerror=window.__xss=1>"


def _unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def _accept_dialogs(page) -> None:
    page.on("dialog", lambda d: d.accept())


def _mail_to(data_dir: Path, address: str, timeout: float = 5.0) -> email.message.EmailMessage:
    deadline = time.monotonic() + timeout
    while True:
        for path in sorted((data_dir / "mail-sink").glob("*.eml"), reverse=True):
            msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            if msg["To"] == address:
                return msg
        assert time.monotonic() < deadline, f"no mail to {address} in the sink"
        time.sleep(0.1)


def _create_company(site, name: str, **fields) -> dict:
    r = site.api("POST", "/api/tickets/companies", json={"name": name, **fields})
    assert r.status_code == 201, r.text
    return r.json()


def test_company_create_edit_with_errors_and_deactivate(admin_page, site):
    page = admin_page
    _accept_dialogs(page)
    name = _unique("Northwind")
    domain = f"nw-{uuid.uuid4().hex[:8]}.example"

    page.goto("/directory")
    assert page.url.endswith("/directory/companies")
    assert (
        page.get_by_role("navigation", name="Directory lists")
        .get_by_role("link", name="Companies")
        .get_attribute("aria-current")
    )
    page.get_by_role("link", name="New company").click()
    page.get_by_role("textbox", name="Name", exact=True).fill(name)
    page.get_by_label("Domains").fill(domain)
    page.get_by_label("Phone").fill("+1 (555) 010-7788")
    page.get_by_label("Category").select_option(label="Partner")
    page.get_by_role("button", name="Create").click()

    assert page.get_by_role("heading", level=1).inner_text() == name
    assert "The entry is created." in page.locator(".dir-notice").inner_text()
    card = page.locator(".dir-props")
    assert "+15550107788" in card.inner_text()  # as the service normalised it
    assert "Partner" in card.inner_text()
    assert_accessible(page)

    # An empty name: the service's message, next to the field.
    page.get_by_role("link", name="Edit").click()
    page.get_by_role("textbox", name="Name", exact=True).fill("   ")
    page.get_by_role("button", name="Save").click()
    error = page.locator("#e-name")
    assert error.is_visible() and "blank" in error.inner_text()
    assert page.get_by_role("textbox", name="Name", exact=True).get_attribute("aria-invalid") == "true"
    assert_accessible(page)

    # A domain another company has (the demo's Acme): the message names it, next to Domains.
    page.get_by_role("textbox", name="Name", exact=True).fill(name + " Ltd")
    page.get_by_label("Domains").fill(f"{domain}\nacme.example")
    page.get_by_role("button", name="Save").click()
    error = page.locator("#e-domains")
    assert "acme.example belongs to another company" in error.inner_text()
    assert "Line 2" in error.inner_text()
    assert page.get_by_role("textbox", name="Name", exact=True).input_value() == name + " Ltd"  # what was typed stays

    page.get_by_label("Domains").fill(domain)
    page.get_by_role("button", name="Save").click()
    assert page.get_by_role("heading", level=1).inner_text() == name + " Ltd"
    assert "The changes are saved." in page.locator(".dir-notice").inner_text()

    # Deactivate, with a confirmation.
    page.get_by_role("button", name="Deactivate").click()
    assert "The entry is deactivated." in page.locator(".dir-notice").inner_text()
    assert page.locator(".dir-card .dir-head .pill").inner_text() == "inactive"
    assert page.get_by_role("button", name="Activate").is_visible()

    # The list of active companies no longer shows it; the inactive one does.
    page.goto("/directory/companies?q=" + name.split()[1])
    assert page.get_by_text("Nothing found.").is_visible()
    page.get_by_label("Show").select_option("inactive")
    page.locator("#dir-results").get_by_role("link", name=name + " Ltd").wait_for()
    assert_accessible(page)


def test_edit_of_an_entry_changed_meanwhile_keeps_what_was_typed(admin_page, site):
    page = admin_page
    company = _create_company(site, _unique("Racing"), email="desk@racing.example")
    page.goto(f"/directory/companies/{company['id']}/edit")
    # Someone else changes the phone while the form is open.
    r = site.api("PATCH", f"/api/tickets/companies/{company['id']}", json={"phone": "+15550001111"})
    assert r.status_code == 200, r.text
    page.get_by_label("Email").fill("help@racing.example")
    page.get_by_role("button", name="Save").click()
    assert "Someone changed this entry" in page.locator(".dir-form .alert-error").first.inner_text()
    assert page.get_by_label("Email").input_value() == "help@racing.example"
    assert page.get_by_label("Phone").input_value() == "+15550001111"  # the other change is shown
    page.get_by_role("button", name="Save").click()
    assert "The changes are saved." in page.locator(".dir-notice").inner_text()
    found = site.api("GET", f"/api/tickets/companies/{company['id']}").json()
    assert (found["email"], found["phone"]) == ("help@racing.example", "+15550001111")


def test_contact_in_a_company_and_a_service_object(admin_page, site):
    from playwright.sync_api import expect  # here: without playwright the fixtures skip (or fail under CI)

    page = admin_page
    company_name = _unique("Umbrella")
    company = _create_company(site, company_name)
    page.goto(f"/directory/companies/{company['id']}")
    page.get_by_role("link", name="New contact").click()
    assert page.get_by_role("combobox", name="Company", exact=True).input_value() == company["id"]  # chosen already
    assert_accessible(page)
    contact_name = _unique("Alice Abernathy")
    address = f"alice.{uuid.uuid4().hex[:8]}@umbrella.example"
    page.get_by_role("textbox", name="Full name", exact=True).fill(contact_name)
    page.get_by_label("Emails").fill(address.upper())
    page.get_by_label("Portal access").select_option("company")
    page.get_by_role("button", name="Create").click()
    assert page.get_by_role("heading", level=1).inner_text() == contact_name
    props = page.locator(".dir-props").inner_text()
    assert address in props and company_name in props  # lower-cased by the service
    assert page.get_by_role("heading", name="Tickets").is_visible()
    assert_accessible(page)

    # A ticket of the contact shows on their card.
    contact_id = page.locator("#dir-card").get_attribute("data-entry-id")
    r = site.api(
        "POST",
        "/api/tickets/tickets",
        json={"subject": "Printer on fire", "contact": {"kind": "contact", "id": contact_id}},
    )
    assert r.status_code == 201, r.text
    page.reload()
    assert page.get_by_role("link", name=f"#{r.json()['number']}").is_visible()

    page.get_by_role("link", name=company_name).click()
    assert page.get_by_role("link", name=contact_name).is_visible()

    # A service object, its company found with the search box of the form.
    page.goto("/directory/service-objects/new")
    page.get_by_label("Find a company by name").fill(company_name.split()[1])
    expect(page.locator("#f-company_id option")).to_have_count(2)  # the blank one and the match
    page.get_by_role("combobox", name="Company", exact=True).select_option(company["id"])
    object_name = _unique("Hive lab")
    page.get_by_role("textbox", name="Name", exact=True).fill(object_name)
    page.get_by_label("Address").fill("Raccoon City")
    page.get_by_label("Manager").select_option(label="First line")
    page.get_by_role("button", name="Create").click()
    assert page.get_by_role("heading", level=1).inner_text() == object_name
    props = page.locator(".dir-props").inner_text()
    assert company_name in props and "First line" in props and "Raccoon City" in props
    assert_accessible(page)
    page.goto(f"/directory/companies/{company['id']}")
    assert page.get_by_role("link", name=object_name).is_visible()


def test_group_with_members(admin_page, site):
    page = admin_page
    page.goto("/directory/groups")
    assert_accessible(page)
    page.get_by_role("link", name="New group").click()
    assert_accessible(page)
    name = _unique("Night shift")
    page.get_by_role("textbox", name="Name", exact=True).fill(name)
    page.get_by_role("group", name="Members").get_by_label("Fiona Field").check()
    page.get_by_label("Addresses notified of the group's tickets").fill("night@relay.example")
    page.get_by_role("button", name="Create").click()
    assert page.get_by_role("heading", level=1).inner_text() == name
    props = page.locator(".dir-props").inner_text()
    assert "Fiona Field" in props and "night@relay.example" in props
    assert_accessible(page)

    # The same name twice: the service's message next to the field.
    page.goto("/directory/groups/new")
    page.get_by_role("textbox", name="Name", exact=True).fill(name)
    page.get_by_role("button", name="Create").click()
    assert "already a group named" in page.locator("#e-name").inner_text()


def test_invite_an_employee_who_signs_in_and_is_deactivated(admin_page, site, browser):
    page = admin_page
    _accept_dialogs(page)
    name = _unique("Nina New")
    address = f"nina.{uuid.uuid4().hex[:8]}@relay.example"
    page.goto("/directory/employees")
    assert_accessible(page)
    page.get_by_role("link", name="Invite an employee").click()
    assert_accessible(page)
    page.get_by_role("textbox", name="Full name", exact=True).fill(name)
    page.get_by_label("Email").fill(address)
    page.get_by_label("Role").select_option("specialist")
    page.get_by_role("group", name="Groups").get_by_label("First line").check()
    page.get_by_role("button", name="Invite").click()
    assert page.get_by_role("heading", level=1).inner_text() == name
    assert f"The invitation is sent to {address}." in page.locator(".dir-notice").inner_text()
    assert "no password yet" in page.locator("#dir-signin-state").inner_text()
    assert page.get_by_role("button", name="Send the invitation again").is_visible()
    assert_accessible(page)

    mail = _mail_to(site.data_dir, address)
    link = LINK.search(mail.get_content()).group(0)

    ctx = browser.new_context(base_url=site.base_url, locale="en-US")
    ctx.set_default_timeout(10_000)
    try:
        newcomer = ctx.new_page()
        newcomer.goto(link)
        newcomer.locator("#f-new_password").fill("nina-first-password")
        newcomer.locator("#f-new_again").fill("nina-first-password")
        newcomer.get_by_role("button", name="Save").click()
        newcomer.wait_for_url("**/signin?done=password")
        site.sign_in(newcomer, address, "nina-first-password")
        newcomer.goto("/directory/employees")
        assert newcomer.get_by_text(name).first.is_visible()
        assert newcomer.get_by_role("link", name="Invite an employee").count() == 0  # a specialist

        page.reload()
        assert "has a password" in page.locator("#dir-signin-state").inner_text()
        assert page.get_by_role("button", name="Send a password reset link").is_visible()

        page.get_by_role("button", name="Deactivate").click()
        assert "The entry is deactivated." in page.locator(".dir-notice").inner_text()

        # The gateway ends their session when the event arrives: the next page is the sign-in.
        deadline = time.monotonic() + 10
        while True:
            newcomer.goto("/directory/companies")
            if "/signin" in newcomer.url or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert "/signin" in newcomer.url
    finally:
        ctx.close()


def test_the_invitation_sent_from_the_card(admin_page, site):
    page = admin_page
    r = site.api(
        "POST",
        "/api/tickets/employees",
        json={"name": _unique("Olga Old"), "email": f"olga.{uuid.uuid4().hex[:8]}@relay.example", "role": "specialist"},
    )
    assert r.status_code == 201, r.text
    employee = r.json()
    page.goto(f"/directory/employees/{employee['id']}")
    # The copy may need a moment; the button is there either way.
    page.get_by_role("button", name="Send the invitation").click()
    assert f"The invitation is sent to {employee['email']}." in page.locator(".dir-notice").inner_text()
    assert LINK.search(_mail_to(site.data_dir, employee["email"]).get_content())


def test_a_specialist_cannot_create_an_employee(specialist_page, site):
    page = specialist_page
    page.goto("/directory/employees")
    assert page.get_by_role("link", name="Invite an employee").count() == 0
    assert page.get_by_role("link", name="Alex Admin").is_visible()  # they may read the list
    assert_accessible(page)

    page.goto("/directory/employees/new")
    assert "Only an administrator adds or changes employees and groups." in page.locator("main").inner_text()

    # Sent anyway (a form kept open from before, say): the service refuses, the page says so.
    csrf = page.locator('meta[name="csrf-token"]').get_attribute("content")
    address = f"sneaky.{uuid.uuid4().hex[:8]}@relay.example"
    r = page.request.post(
        "/directory/employees/new",
        form={"csrf_token": csrf, "name": "Sneaky", "email": address, "role": "administrator"},
    )
    assert r.status == 403
    assert "may not" in r.text() and "create an employee" in r.text()
    assert site.api("GET", "/api/tickets/employees", params={"email": address}).json()["items"] == []


def test_a_specialist_sees_companies_through_tickets_only(specialist_page, site):
    page = specialist_page
    hidden = _create_company(site, _unique("Hidden Corp"))
    page.goto(f"/directory/companies/{hidden['id']}")
    assert page.get_by_role("heading", level=1).inner_text() == "Not found"
    page.goto("/directory/companies?q=Hidden")
    assert page.get_by_role("link", name=hidden["name"]).count() == 0


def test_a_name_with_markup_is_shown_as_text(admin_page, site):
    page = admin_page
    company = _create_company(site, XSS)
    site.api("POST", "/api/tickets/contacts", json={"name": XSS, "company_id": company["id"]})
    for path in (
        f"/directory/companies/{company['id']}",
        f"/directory/companies/{company['id']}/edit",
        f"/directory/companies/{company['id']}/history",
        "/directory/companies?q=onerror",
        f"/directory/contacts?company_id={company['id']}",
    ):
        page.goto(path)
        assert page.get_by_text(XSS).first.is_visible(), path
        assert page.evaluate("typeof window.__xss") == "undefined", path
        assert page.locator("main img").count() == 0, path


def test_every_kind_of_page_passes_axe(admin_page, site):
    page = admin_page
    for kind in ("companies", "contacts", "service-objects", "employees", "groups"):
        page.goto(f"/directory/{kind}")
        assert_accessible(page)
        page.locator("#dir-results td.dir-name a").first.click()
        page.wait_for_selector("#dir-card")
        assert_accessible(page)
        page.get_by_role("link", name="History").click()
        assert_accessible(page)
        page.goto(f"/directory/{kind}/new")
        assert_accessible(page)


def test_russian_texts(russian_admin_page):
    page = russian_admin_page
    page.goto("/directory/companies")
    assert page.get_by_role("heading", level=1).inner_text() == "Компании"
    assert page.get_by_role("link", name="Новая компания").is_visible()
    page.goto("/directory/employees/new")
    assert page.get_by_role("heading", level=1).inner_text() == "Пригласить сотрудника"
    assert page.get_by_role("button", name="Пригласить").is_visible()


def test_the_list_narrows_as_one_types(admin_page, site):
    from playwright.sync_api import expect

    page = admin_page
    page.goto("/directory/companies")
    page.evaluate("window.__same_page = true")  # gone if the browser loaded a new page
    page.get_by_label("Search by name").fill("Globex")
    rows = page.locator("#dir-results tbody tr")
    expect(rows).to_have_count(1)
    assert "Globex Partners" in rows.first.inner_text()
    assert page.evaluate("window.__same_page") is True
    expect(page).to_have_url(re.compile(r"q=Globex"))


# -- the forms' translation to the service's bodies (no browser) -----------------------------
def test_an_edit_sends_only_what_changed():
    from relay_gateway.ui import pages_directory_forms as forms

    entry = {
        "name": "Acme",
        "email": None,
        "phone": "+15550100",
        "domains": ["b.example", "a.example"],
        "category_id": 2,
        "manager": {"kind": "group", "id": "g1"},
        "observers": [{"kind": "employee", "id": "e2"}, {"kind": "employee", "id": "e1"}],
    }
    original = forms.values_of("companies", entry)
    assert original["domains"] == "b.example\na.example" and original["manager"] == "group:g1"
    posted = dict(original, observers=["employee:e1", "employee:e2"], domains="a.example, b.example")
    assert forms.changes("companies", posted, original) == {}  # the same sets in another order
    posted = dict(original, email=" desk@acme.example ", category_id="", manager="")
    assert forms.changes("companies", posted, original) == {
        "email": "desk@acme.example",
        "category_id": None,
        "manager": None,
    }


def test_a_contacts_emails_keep_their_order_and_groups_their_notification_list():
    from relay_gateway.ui import pages_directory_forms as forms

    original = forms.values_of("contacts", {"name": "Ann", "emails": ["a@x.example", "b@x.example"]})
    swapped = dict(original, emails="b@x.example\na@x.example")
    assert forms.changes("contacts", swapped, original) == {"emails": ["b@x.example", "a@x.example"]}
    body = forms.create_body("groups", {"name": "Night", "notification_emails": "n@x.example", "members": ["e1"]})
    assert body == {
        "name": "Night",
        "members": ["e1"],
        "notification_list": {"employees": [], "emails": ["n@x.example"]},
    }


def test_the_services_field_names_find_their_inputs():
    from relay_gateway.ui import pages_directory_forms as forms

    assert forms.route("companies", "domains.1") == "domains"
    assert forms.route("companies", "manager.id") == "manager"
    assert forms.route("companies", "observers.0.kind") == "observers"
    assert forms.route("groups", "notification_list.emails.0") == "notification_emails"
    assert forms.route("groups", "notification_list.employees.3") == "notification_employees"
    assert forms.route("employees", "If-Match") is None
    assert forms.original_of("companies", "not json") is None
    assert forms.original_of("companies", '{"name": "A", "observers": "x"}')["observers"] == []
