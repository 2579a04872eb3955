"""The ticket card in a real browser: its SLA deadlines, public and private replies told
apart, the status moves the lifecycle allows (and postponing until a moment that comes
back by itself), merge, split, send-and-resolve, a reply held when the ticket changed
meanwhile, mentions, canned responses, files up and down through the UI, time, observers,
field edits, the customer's rating, markup that must stay text, a specialist kept out of
another's ticket, accessibility and a phone's screen.

Each test makes its own tickets (a unique word in the subject), so tests do not see each
other's changes.
"""

from __future__ import annotations

import re
import time
import uuid

import pytest
from playwright.sync_api import expect
from ui_support import assert_accessible, screenshot

from relay_gateway.tokens import token_store
from relay_gateway.ui import pages_tickets

LENA = "00000000-0000-4000-8000-00000000a002"  # the demo's lead specialist
SAM = "00000000-0000-4000-8000-00000000a003"  # the demo's specialist
FIONA = "00000000-0000-4000-8000-00000000a004"  # the demo's field engineer (not in Sam's group)
XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>'


@pytest.fixture(autouse=True)
def _fresh_pick_lists():
    # The card shares the ticket list's pick lists (half a minute); tests add types and people.
    pages_tickets.clear_caches()


def _word() -> str:
    return "zc" + uuid.uuid4().hex[:10]


def _api(site, method: str, path: str, status: int | tuple[int, ...] = (200, 201), **kw):
    r = site.api(method, "/api/tickets" + path, **kw)
    expected = status if isinstance(status, tuple) else (status,)
    assert r.status_code in expected, f"{method} {path}: {r.status_code} {r.text}"
    return r.json() if r.content else None


def _contact(site, email: str = "runner@acme.example") -> dict:
    return _api(site, "GET", "/contacts", params={"email": email})["items"][0]


def _ticket(site, subject: str, **body) -> dict:
    return _api(site, "POST", "/tickets", json={"subject": subject, **body})


def _comment(site, number: int, body: str, public: bool = True, **kw) -> dict:
    return _api(site, "POST", f"/tickets/{number}/comments", json={"body": body, "public": public}, **kw)


def _read(site, number: int) -> dict:
    return _api(site, "GET", f"/tickets/{number}")


def _wait_for(check, timeout: float = 15.0, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def _sla_ready(site, number: int) -> dict:
    return _wait_for(
        lambda: (t := _read(site, number))["planned_resolution_at"] and t, what=f"#{number}'s SLA deadlines"
    )


def _token(site, name: str, role: str, subject: str) -> str:
    token, _info = token_store(site.gateway).create(name, role, subject=subject)
    return token


def _reply(page, text: str, public: bool = True, button: str = "Send") -> None:
    page.get_by_label("Your reply").fill(text)
    page.locator("#reply-form input[name=public][value='%s']" % ("1" if public else "0")).check()
    page.locator("#reply-form").get_by_role("button", name=button, exact=True).click()


def _no_script_ran(page) -> None:
    assert page.evaluate("typeof window.__xss") == "undefined"


def _card(page):
    return page.locator("#ticket-card")


# -- reading --------------------------------------------------------------------------------
def test_the_card_shows_the_tickets_sla_deadlines_and_conversation(admin_page, site):
    page, word = admin_page, _word()
    runner = _contact(site)
    t = _ticket(
        site,
        f"Printer in room 12 prints blank pages {word}",
        description="Since this morning, every page comes out blank.",
        contact={"kind": "contact", "id": runner["id"]},
        company_id=runner["company_id"],
        priority="high",
    )
    n = t["number"]
    _comment(site, n, "Could you send a photo of the printer's display?", public=True)
    _comment(site, n, "Probably the fuser again; Fiona has spares.", public=False)
    ready = _sla_ready(site, n)
    page.goto(f"/tickets/{n}")
    card = _card(page)
    expect(card).to_have_attribute("data-ticket-number", str(n))
    expect(card).to_have_attribute("data-ticket-version", str(ready["version"]))
    expect(page.locator("#presence")).to_have_attribute("aria-live", "polite")
    expect(page.locator("textarea[data-typing-for]")).to_have_attribute("data-typing-for", str(n))
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"#{n} Printer in room 12")
    screenshot(page, "ticket-card")
    sla = page.locator(".sla-table")
    expect(sla.locator(".sla-reaction")).to_contain_text(re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d"))
    expect(sla.locator(".sla-resolution .countdown")).to_contain_text(re.compile(r"\d+h|\d+d|\d+m"))
    planned = page.locator("dl.planned")
    expect(planned).to_contain_text("Planned resolution")
    expect(planned).to_contain_text(re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d"))
    page.locator(".sla-timeline summary").click()
    expect(page.locator(".sla-timeline")).to_contain_text("Clocks started")
    details = page.locator("#card-props dl.props").first
    expect(details).to_contain_text("Acme")
    expect(details).to_contain_text("Road Runner")
    expect(page.locator("article.comment.public")).to_contain_text("photo of the printer")
    expect(page.locator("article.comment.private")).to_contain_text("Fiona has spares")
    assert_accessible(page)


def test_the_card_follows_changes_made_elsewhere_without_a_reload(admin_page, site):
    page, word = admin_page, _word()
    n = _ticket(site, f"Wi-Fi in the canteen {word}", priority="normal")["number"]
    _sla_ready(site, n)
    page.goto(f"/tickets/{n}")
    page.get_by_label("Your reply").fill("Half-written answer")
    lena = _token(site, f"lena {word}", "lead_specialist", LENA)
    site.api("PATCH", f"/api/tickets/tickets/{n}", role_token=lena, json={"priority": "high"}).raise_for_status()
    r = site.api(
        "POST", f"/api/tickets/tickets/{n}/comments", role_token=lena, json={"body": f"Seen it {word}", "public": False}
    )
    assert r.status_code == 201, r.text
    expect(page.locator("#card-head .badges")).to_contain_text("High", timeout=15_000)
    expect(page.locator("article.comment.private", has_text=f"Seen it {word}")).to_be_visible(timeout=15_000)
    # What the agent was writing is untouched, and still knows the version it was written against.
    expect(page.get_by_label("Your reply")).to_have_value("Half-written answer")
    assert int(page.locator("#reply-form input[name=version]").input_value()) < _read(site, n)["version"]


def test_a_specialist_gets_not_found_for_a_ticket_that_is_not_his(specialist_page, site):
    word = _word()
    theirs = _ticket(site, f"Fiona's own task {word}", responsible={"kind": "employee", "id": FIONA})
    response = specialist_page.goto(f"/tickets/{theirs['number']}")
    assert response.status == 404
    expect(specialist_page.get_by_role("heading", level=1)).to_have_text("Not found")
    assert word not in specialist_page.content()
    expect(specialist_page.locator("#ticket-card")).to_have_count(0)
    # ... and his own opens.
    his = _ticket(site, f"Sam's own task {word}", responsible={"kind": "employee", "id": SAM})
    assert specialist_page.goto(f"/tickets/{his['number']}").status == 200
    expect(specialist_page.get_by_role("heading", level=1)).to_contain_text(word)


# -- replying ---------------------------------------------------------------------------------
def test_public_and_private_replies_are_told_apart(admin_page, site):
    page, word = admin_page, _word()
    n = _ticket(site, f"Monitor flickers {word}")["number"]
    page.goto(f"/tickets/{n}")
    _reply(page, "We will swap the cable tomorrow.", public=True)
    expect(page.locator("#card-notice")).to_have_text("Your reply is sent.")
    _reply(page, "Cable is in the storeroom, shelf B.", public=False)
    expect(page.locator("#card-notice")).to_have_text("Your reply is sent.")
    public = page.locator("article.comment", has_text="swap the cable")
    private = page.locator("article.comment", has_text="shelf B")
    expect(public).to_have_class(re.compile(r"\bpublic\b"))
    expect(private).to_have_class(re.compile(r"\bprivate\b"))
    # Not by colour alone: each says what it is, in words.
    expect(public.locator(".visibility")).to_have_text("Public")
    expect(private.locator(".visibility")).to_have_text("Private")
    expect(public).to_have_css("border-left-style", "solid")
    expect(private).to_have_css("border-left-style", "dashed")
    comments = _api(site, "GET", f"/tickets/{n}/comments")["items"]
    assert [(c["body"], c["public"]) for c in comments] == [
        ("We will swap the cable tomorrow.", True),
        ("Cable is in the storeroom, shelf B.", False),
    ]
    # The reply box is empty again after each reply.
    expect(page.get_by_label("Your reply")).to_have_value("")


def test_send_and_resolve(admin_page, site):
    page, word = admin_page, _word()
    n = _ticket(site, f"Password reset for Anna {word}")["number"]
    page.goto(f"/tickets/{n}")
    _reply(page, "Done: the new password is in your inbox.", button="Send and resolve")
    expect(page.locator("#card-notice")).to_have_text("Your reply is sent and the ticket is resolved.")
    expect(page.locator(".current-status")).to_contain_text("Resolved")
    t = _read(site, n)
    assert t["status"] == "resolved"
    comments = _api(site, "GET", f"/tickets/{n}/comments")["items"]
    assert comments[-1]["body"] == "Done: the new password is in your inbox." and comments[-1]["public"]


def test_a_reply_after_someone_else_changed_the_ticket_shows_the_change_first(admin_page, site):
    page, word = admin_page, _word()
    n = _ticket(site, f"Scanner offline {word}", priority="normal")["number"]
    _sla_ready(site, n)
    page.goto(f"/tickets/{n}")
    page.get_by_label("Your reply").fill("I restarted the scanner; try again please.")
    # Meanwhile Lena raises the priority and writes a note.
    lena = _token(site, f"lena {word}", "lead_specialist", LENA)
    site.api("PATCH", f"/api/tickets/tickets/{n}", role_token=lena, json={"priority": "critical"}).raise_for_status()
    r = site.api(
        "POST", f"/api/tickets/tickets/{n}/comments", role_token=lena, json={"body": "On it too.", "public": False}
    )
    assert r.status_code == 201, r.text
    page.locator("#reply-form").get_by_role("button", name="Send", exact=True).click()
    conflict = page.locator("#reply-conflict")
    expect(conflict).to_contain_text("The ticket changed while you were writing")
    expect(conflict).to_contain_text("Priority")
    expect(conflict).to_contain_text("Normal → Critical")
    expect(conflict).to_contain_text("Lena Lead")
    expect(conflict).to_contain_text("On it too.")
    assert len(_api(site, "GET", f"/tickets/{n}/comments")["items"]) == 1  # not sent
    expect(page.get_by_label("Your reply")).to_have_value("I restarted the scanner; try again please.")
    assert_accessible(page)
    # Edit first: the panel goes, the text stays, and sending now goes through.
    conflict.get_by_role("link", name="Edit the reply").click()
    expect(conflict).to_be_hidden()
    page.get_by_label("Your reply").fill("I restarted the scanner; it is critical now, so I stay on it.")
    page.locator("#reply-form").get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#card-notice")).to_have_text("Your reply is sent.")
    bodies = [c["body"] for c in _api(site, "GET", f"/tickets/{n}/comments")["items"]]
    assert bodies == ["On it too.", "I restarted the scanner; it is critical now, so I stay on it."]


def test_send_anyway_after_a_change(admin_page, site):
    page, word = admin_page, _word()
    n = _ticket(site, f"Phone has no dial tone {word}")["number"]
    _sla_ready(site, n)
    page.goto(f"/tickets/{n}")
    lena = _token(site, f"lena {word}", "lead_specialist", LENA)
    fiona = {"responsible": {"kind": "employee", "id": FIONA}}
    site.api("POST", f"/api/tickets/tickets/{n}/assign", role_token=lena, json=fiona).raise_for_status()
    _reply(page, "Please check the cable at the wall.", public=True)
    expect(page.locator("#reply-conflict")).to_contain_text("Fiona Field")
    page.locator("#reply-conflict").get_by_role("button", name="Send anyway").click()
    expect(page.locator("#card-notice")).to_have_text("Your reply is sent.")
    assert [c["body"] for c in _api(site, "GET", f"/tickets/{n}/comments")["items"]] == [
        "Please check the cable at the wall."
    ]


def test_mention_completion_and_canned_responses(admin_page, site):
    page, word = admin_page, _word()
    runner = _contact(site)
    n = _ticket(
        site,
        f"Keyboard keys stick {word}",
        contact={"kind": "contact", "id": runner["id"]},
        company_id=runner["company_id"],
    )["number"]
    group = _api(site, "POST", "/canned-responses/groups", json={"name": f"Card tests {word}"})
    canned = _api(
        site,
        "POST",
        "/canned-responses",
        json={"group_id": group["id"], "title": f"Greeting {word}", "body": "Hello, about ticket {{ticket.number}}."},
    )
    pages_tickets.clear_caches()  # the canned responses are a pick list too
    page.goto(f"/tickets/{n}")
    box = page.get_by_label("Your reply")
    box.click()
    box.press_sequentially("Asking @len")
    option = page.locator("#mention-box [role=option]", has_text="Lena Lead")
    expect(option).to_be_visible()
    expect(option).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    expect(box).to_have_value("Asking @lena.lead@relay.example ")
    box.press_sequentially("and @road")
    expect(page.locator("#mention-box [role=option]", has_text="Road Runner")).to_be_visible()
    page.locator("#mention-box [role=option]", has_text="Road Runner").click()
    expect(box).to_have_value("Asking @lena.lead@relay.example and @runner@acme.example ")
    page.get_by_label("Canned response").select_option(str(canned["id"]))
    page.locator("#canned-form").get_by_role("button", name="Insert").click()
    expect(box).to_have_value(re.compile(rf"Hello, about ticket {n}\.$"))
    page.locator("#reply-form").get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#card-notice")).to_have_text("Your reply is sent.")
    comment = _api(site, "GET", f"/tickets/{n}/comments")["items"][-1]
    assert {m["id"] for m in comment["mentions"]} >= {LENA, runner["id"]}


def test_files_go_up_with_a_reply_and_come_down_through_the_ui(admin_page, site, tmp_path):
    page, word = admin_page, _word()
    n = _ticket(site, f"Error log attached {word}")["number"]
    page.goto(f"/tickets/{n}")
    log = tmp_path / "printer.log"
    log.write_text("E42 paper jam\n")
    page.get_by_label("Your reply").fill("Here is the log.")
    page.get_by_label("Attach files").set_input_files(str(log))
    page.locator("#reply-form").get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#card-notice")).to_have_text("Your reply is sent.")
    link = page.locator("article.comment .files a", has_text="printer.log")
    expect(link).to_be_visible()
    href = link.get_attribute("href")
    assert href.startswith(f"/tickets/{n}/files/")  # the UI's route, with the session; never the API
    answer = page.request.get(href)
    assert answer.status == 200
    assert answer.body() == b"E42 paper jam\n"
    assert answer.headers["content-disposition"].startswith("attachment")
    assert "sandbox" in answer.headers["content-security-policy"]
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert page.request.get(f"/tickets/{n}/files/no-such-file").status == 404
    # Files on the ticket without a comment.
    extra = tmp_path / "photo.txt"
    extra.write_text("not really a photo")
    page.locator(".attach-only summary").click()
    page.get_by_label("Files (staff only)").set_input_files(str(extra))
    page.locator(".attach-only").get_by_role("button", name="Attach").click()
    expect(page.locator("#card-notice")).to_have_text("The files are attached.")
    expect(page.locator("#card-conversation > ul.files")).to_contain_text("photo.txt")


# -- status ---------------------------------------------------------------------------------
def _offered(page) -> set[str]:
    return set(page.locator("#card-props [data-transition]").evaluate_all("els => els.map(e => e.dataset.transition)"))


def test_only_the_allowed_transitions_are_offered(admin_page, site):
    page, word = admin_page, _word()
    n = _ticket(site, f"Projector lamp {word}")["number"]
    page.goto(f"/tickets/{n}")
    assert _offered(page) == set(_read(site, n)["allowed_statuses"]) == {"postponed", "resolved"}
    page.get_by_role("button", name="Move to Resolved").click()
    expect(page.locator(".current-status")).to_contain_text("Resolved")
    assert _offered(page) == set(_read(site, n)["allowed_statuses"]) == {"closed", "opened"}
    page.get_by_role("button", name="Move to Opened").click()
    expect(page.locator(".current-status")).to_contain_text("Opened")
    page.get_by_role("button", name="Move to Resolved").click()
    expect(page.locator(".current-status")).to_contain_text("Resolved")
    page.get_by_role("button", name="Move to Closed").click()
    expect(page.locator(".current-status")).to_contain_text("Closed")
    assert _offered(page) == set()
    expect(page.locator("#card-props")).to_contain_text("No further status")
    assert _read(site, n)["status"] == "closed"


def test_postponing_asks_for_the_moment_and_the_ticket_comes_back_by_itself(admin_page, site):
    page, word = admin_page, _word()
    n = _ticket(site, f"Waiting for the vendor {word}")["number"]
    page.goto(f"/tickets/{n}")
    page.locator("summary[data-transition=postponed]").click()
    # Postponing without a moment is refused next to the field.
    page.locator("#f-until").evaluate("e => e.removeAttribute('required')")
    page.locator(".postpone").get_by_role("button", name="Postpone").click()
    expect(page.locator("#e-until")).to_have_text("Give the date and time the ticket comes back.")
    # A few seconds ahead, in the browser's own time: the service's timer (every second) reopens it.
    soon = page.evaluate(
        "() => { const d = new Date(Date.now() + 4000); const p = n => String(n).padStart(2, '0');"
        " return `${d.getFullYear()}-${p(d.getMonth()+1)}-${p(d.getDate())}T${p(d.getHours())}:"
        "${p(d.getMinutes())}:${p(d.getSeconds())}`; }"
    )
    page.locator("#f-until").fill(soon)
    page.locator(".postpone").get_by_role("button", name="Postpone").click()
    expect(page.locator(".current-status")).to_contain_text("Postponed")
    postponed = _read(site, n)
    assert postponed["status"] == "postponed" and postponed["postponed_until"]
    _wait_for(lambda: _read(site, n)["status"] == "opened", timeout=20, what="the postponed ticket to come back")
    page.reload()
    expect(page.locator(".current-status")).to_contain_text("Opened")
    page.locator(".history summary").click()
    expect(page.locator(".history")).to_contain_text("Postponed")


# -- merge and split ----------------------------------------------------------------------------
def test_merging_moves_the_conversation_and_closes_the_merged_ticket_with_a_link(admin_page, site):
    page, word = admin_page, _word()
    source = _ticket(site, f"Outlook crashes (again) {word}")["number"]
    target = _ticket(site, f"Outlook crashes on start {word}")["number"]
    _comment(site, source, f"It crashes right after the splash screen {word}.")
    _comment(site, target, "Which version of Outlook is it?")
    page.goto(f"/tickets/{source}")
    page.on("dialog", lambda d: d.accept())
    # A number that is no ticket is refused next to the field.
    page.get_by_label("Merge this ticket into ticket number").fill("99999999")
    page.locator("#card-merge").get_by_role("button", name="Merge").click()
    expect(page.locator("#e-into")).to_contain_text("99999999")
    page.get_by_label("Merge this ticket into ticket number").fill(str(target))
    page.locator("#card-merge").get_by_role("button", name="Merge").click()
    page.wait_for_url(f"**/tickets/{target}**")
    expect(page.locator("#card-notice")).to_have_text("The ticket is merged into this one.")
    moved = page.locator("article.comment", has_text="right after the splash screen")
    expect(moved).to_be_visible()
    expect(moved.locator(".comment-links")).to_contain_text(f"#{source}")
    expect(page.locator(".ticket-links")).to_contain_text(f"Merged from: #{source}")
    page.goto(f"/tickets/{source}")
    expect(page.locator(".current-status")).to_contain_text("Closed")
    link = page.locator(".ticket-links a", has_text=f"#{target}")
    expect(page.locator(".ticket-links")).to_contain_text(f"Merged into: #{target}")
    expect(page.locator("#card-reply")).to_contain_text("This ticket is merged into")
    expect(page.locator("#card-merge")).to_have_count(0)
    link.click()
    page.wait_for_url(f"**/tickets/{target}")


def test_splitting_a_comment_makes_a_linked_ticket(admin_page, site):
    page, word = admin_page, _word()
    n = _ticket(site, f"New starter needs a laptop {word}")["number"]
    _comment(site, n, f"Also the badge printer is broken {word}\nIt shows error 7.", public=True)
    page.goto(f"/tickets/{n}")
    comment = page.locator("article.comment", has_text="badge printer")
    comment.get_by_role("link", name="Split into a new ticket").click()
    subject = page.get_by_label("Subject of the new ticket")
    expect(subject).to_have_value(f"Also the badge printer is broken {word}")
    assert_accessible(page)
    page.locator(".split-form").get_by_role("button", name="Split").click()
    expect(page.locator("#card-notice")).to_have_text("The comment is now a ticket of its own.")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Also the badge printer is broken {word}")
    expect(page.locator(".ticket-links")).to_contain_text(f"Split from: #{n}")
    new = int(page.locator("#ticket-card").get_attribute("data-ticket-number"))
    assert new != n
    page.goto(f"/tickets/{n}")
    original = page.locator("article.comment", has_text="badge printer")
    expect(original.locator(".comment-links")).to_contain_text(f"split into #{new}")
    expect(original.get_by_role("link", name="Split into a new ticket")).to_have_count(0)


def test_a_private_comment_splits_into_an_internal_type(admin_page, site):
    page, word = admin_page, _word()
    n = _ticket(site, f"Customer asks for a discount {word}", type="service_request")["number"]
    _comment(site, n, "Check the contract before we answer.", public=False)
    page.goto(f"/tickets/{n}")
    page.locator("article.comment.private").get_by_role("link", name="Split into a new ticket").click()
    # Only internal types are offered for a private comment.
    options = page.locator("#split-type option").evaluate_all("os => os.map(o => o.value)")
    assert options == ["internal_task"]
    page.locator(".split-form").get_by_role("button", name="Split").click()
    expect(page.locator("#card-notice")).to_have_text("The comment is now a ticket of its own.")
    expect(page.locator(".badges")).to_contain_text("Internal ticket")


# -- other actions ---------------------------------------------------------------------------------
def test_time_observers_fields_and_rating(admin_page, site):
    page, word = admin_page, _word()
    runner = _contact(site)
    n = _ticket(
        site,
        f"Laptop battery swells {word}",
        contact={"kind": "contact", "id": runner["id"]},
        company_id=runner["company_id"],
    )["number"]
    page.goto(f"/tickets/{n}")
    # Time.
    page.get_by_label("Minutes").fill("25")
    page.get_by_label("Note", exact=True).fill(f"Diagnosis {word}")
    page.get_by_role("button", name="Log time").click()
    expect(page.locator("#card-notice")).to_have_text("The time is logged.")
    expect(page.locator(".time-log")).to_contain_text(f"Diagnosis {word}")
    expect(page.locator("#time")).to_contain_text("25 min")
    # Observing, and stopping.
    page.get_by_role("button", name="Observe this ticket").click()
    expect(page.locator("#card-notice")).to_have_text("You observe this ticket now.")
    expect(page.locator("#card-props dl.props").first).to_contain_text("Alex Admin")
    assert {"kind": "employee", "id": "00000000-0000-4000-8000-00000000a001"} in _read(site, n)["observers"]
    page.get_by_role("button", name="Stop observing").click()
    expect(page.locator("#card-notice")).to_have_text("You no longer observe this ticket.")
    assert _read(site, n)["observers"] == []
    # Fields.
    page.locator("#edit summary").click()
    page.get_by_label("Priority", exact=True).select_option("critical")
    page.locator("#f-responsible").select_option(f"employee:{FIONA}")
    page.locator("#edit").get_by_role("button", name="Save").click()
    expect(page.locator("#card-notice")).to_have_text("The changes are saved.")
    t = _read(site, n)
    assert t["priority"] == "critical" and t["responsible"] == {"kind": "employee", "id": FIONA}
    expect(page.locator(".badges")).to_contain_text("Critical")
    # Searching the company list narrows its choices (htmx fragment).
    page.locator("#edit summary").click()
    page.locator("#q-company").fill("Globex")
    expect(page.locator("#f-company_id option", has_text="Globex")).to_have_count(1)
    # The customer's rating.
    _api(site, "POST", f"/tickets/{n}/status", json={"status": "resolved"})
    contact_token = _token(site, f"runner {word}", "contact", runner["id"])
    rating = {"rating": "good", "comment": "Fast!"}
    r = site.api("POST", f"/api/tickets/tickets/{n}/rating", role_token=contact_token, json=rating)
    assert r.status_code == 201, r.text
    page.reload()
    expect(page.locator(".rating")).to_contain_text("Good: Fast!")
    page.locator(".history summary").click()
    expect(page.locator(".history")).to_contain_text("Responsible")
    expect(page.locator(".history")).to_contain_text("Fiona Field")


def test_the_card_works_without_htmx_by_plain_forms(browser, site):
    """Every action is a plain form too: with scripts off, a status change posts and comes back."""
    word = _word()
    n = _ticket(site, f"No script here {word}")["number"]
    ctx = browser.new_context(base_url=site.base_url, java_script_enabled=False)
    try:
        page = ctx.new_page()
        site.sign_in(page, *site.admin)
        page.goto(f"/tickets/{n}")
        page.get_by_label("Your reply").fill("Answered without scripts.")
        page.locator("#reply-form").get_by_role("button", name="Send", exact=True).click()
        expect(page.locator("#card-notice")).to_have_text("Your reply is sent.")
        page.get_by_role("button", name="Move to Resolved").click()
        expect(page.locator(".current-status")).to_contain_text("Resolved")
        assert _read(site, n)["status"] == "resolved"
    finally:
        ctx.close()


# -- safety ------------------------------------------------------------------------------------------
def test_markup_in_comments_attributes_company_names_and_file_names_stays_text(admin_page, site, tmp_path):
    page, word = admin_page, _word()
    company = _api(site, "POST", "/companies", json={"name": f"Evil {XSS} {word}"})
    kind = _api(site, "POST", "/settings/ticket-types", json={"key": f"x{word}", "name": f"XSS type {word}"})
    try:
        _api(
            site,
            "POST",
            f"/settings/ticket-types/{kind['id']}/attributes",
            json={"key": "serial", "name": "Serial number", "kind": "text"},
        )
        pages_tickets.clear_caches()
        n = _ticket(site, f"Markup {word}", type=f"x{word}", company_id=company["id"], attributes={"serial": XSS})[
            "number"
        ]
        _comment(site, n, f"Text comment {XSS}")
        r = site.api(
            "POST",
            f"/api/tickets/tickets/{n}/comments",
            json={"body": f"<p>HTML comment</p>{XSS}<a href='javascript:window.__xss=1'>x</a>", "format": "html"},
        )
        assert r.status_code == 201, r.text
        evil_file = tmp_path / "evil.txt"
        evil_file.write_text("harmless")
        with evil_file.open("rb") as f:
            r = site.api(
                "POST",
                f"/api/tickets/tickets/{n}/attachments",
                files={"attachments": ('<img src=x onerror="window.__xss=1">.txt', f, "text/plain")},
            )
        assert r.status_code == 201, r.text
        page.goto(f"/tickets/{n}")
        expect(page.locator("#card-props")).to_contain_text(f"Evil {XSS} {word}")
        expect(page.locator("dl.attributes")).to_contain_text(XSS)
        expect(page.locator("article.comment", has_text="Text comment")).to_contain_text(XSS)
        expect(page.locator("article.comment", has_text="HTML comment")).to_be_visible()
        files = page.locator("#card-conversation > ul.files")
        expect(files).to_contain_text('<img src=x onerror="window.__xss=1">.txt')
        assert page.locator("#ticket-card img, #ticket-card script").count() == 0
        page.locator("#edit summary").click()
        expect(page.get_by_label("Serial number")).to_have_value(XSS)
        page.wait_for_timeout(300)
        _no_script_ran(page)
        page.locator(".history summary").click()
        _no_script_ran(page)
    finally:
        _api(site, "PATCH", f"/settings/ticket-types/{kind['id']}", json={"active": False})


# -- looks ----------------------------------------------------------------------------------------------
def test_the_card_on_a_phone_and_in_russian(browser, site):
    word = _word()
    n = _ticket(site, f"Phone screen {word}")["number"]
    _comment(site, n, "Public words.", public=True)
    _comment(site, n, "Private words.", public=False)
    ctx = browser.new_context(
        base_url=site.base_url, locale="ru-RU", viewport={"width": 390, "height": 844}, is_mobile=True
    )
    try:
        page = ctx.new_page()
        page.goto("/signin")
        page.locator("input[name=email]").fill(site.admin[0])
        page.locator("input[name=password]").fill(site.admin[1])
        page.locator("form button[type=submit]").click()
        page.wait_for_load_state()
        page.goto(f"/tickets/{n}")
        expect(page.locator("article.comment.private .visibility")).to_have_text("Личный")
        expect(page.locator("#h-reply")).to_have_text("Ответ")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the card is {width}px wide on a 390px screen"
        assert_accessible(page)
    finally:
        ctx.close()
