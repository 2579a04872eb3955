"""Ticket lists through HTTP (SQLite): every filter, sorts with keyset pages, cursors,
bad queries, what contacts may see, similar tickets."""

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
import seed
from helpers import LEAD, problem

from relay_tickets.domain.access import Viewer
from relay_tickets.domain.parties import Party
from relay_tickets.domain.ticket import ContactRef
from relay_tickets.service_layer import tickets as use
from relaykit.clock import FrozenClock
from relaykit.identity import ADMINISTRATOR, Identity
from relaykit.testing.harness import signed

BASE = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
ADMIN = Viewer(Identity("admin-1", ADMINISTRATOR))


@pytest.fixture
def staff():
    """Filters and sorts over every ticket: a lead specialist sees them all (what a
    specialist sees is in test_specialist_access.py)."""
    return LEAD


def make(rt, at, subject, **fields):
    rt.clock.set(at)
    ticket, _ = use.create_ticket(rt, use.CreateTicket(subject=subject, **fields), ADMIN)
    return ticket.number


@pytest.fixture
def world(tickets):
    return build_world(tickets)


def build_world(tickets):
    """Six tickets, one filter apart (see FILTERS); the clock left at NOW."""
    tickets.clock = FrozenClock(BASE)
    w = {"a": seed.employee(tickets, "Ann Agent"), "b": seed.employee(tickets, "Bob Agent")}
    w["g"] = seed.group(tickets, "Second line")
    w["acme"] = seed.company(tickets, "Acme")
    w["globex"] = seed.company(tickets, "Globex")
    w["anna"] = seed.contact(tickets, w["acme"], "Anna", emails=["anna@acme.example"], phones=["+15550100"])
    w["boss"] = seed.contact(tickets, w["acme"], "Boris", access="company")
    w["gina"] = seed.contact(tickets, w["globex"], "Gina", access="company", emails=["gina@globex.example"])
    # Someone else at another company with Anna's phone: the same person, as far as anyone can tell.
    w["anna2"] = seed.contact(tickets, w["globex"], "Anna at home", emails=["a.home@example.org"], phones=["+15550100"])
    emp, grp = Party("employee", w["a"]), Party("group", w["g"])
    day = timedelta(days=1)
    make(
        tickets,
        BASE,
        "Printer jams on every page",
        description="Floor 2, since the toner change",
        contact=ContactRef("contact", w["anna"]),
        priority="high",
        responsible=emp,
        channel="email",
        planned_resolution_at=datetime(2026, 12, 1, 2, 0, tzinfo=UTC),
    )
    make(
        tickets,
        BASE + day,
        "VPN drops every 10 minutes",
        contact=ContactRef("contact", w["anna"]),
        responsible=grp,
        channel="portal",
        planned_resolution_at=datetime(2026, 12, 1, 23, 30, tzinfo=UTC),
    )
    make(
        tickets,
        BASE + 2 * day,
        "Renew the TLS certificates",
        type="internal_task",
        company_id=w["acme"],
        responsible=Party("employee", w["b"]),
        channel="agent",
        planned_resolution_at=datetime(2026, 12, 1, 14, 0, tzinfo=UTC),
    )
    make(
        tickets,
        BASE + 3 * day,
        "Invoice 4471 shows the wrong VAT rate",
        contact=ContactRef("contact", w["gina"]),
        priority="critical",
        channel="api",
    )
    make(
        tickets,
        BASE + 4 * day,
        "Laptop for a new hire",
        contact=ContactRef("contact", w["boss"]),
        priority="low",
        responsible=emp,
        observers=(Party("employee", w["b"]),),
        channel="agent",
        planned_resolution_at=datetime(2026, 11, 30, 10, 0, tzinfo=UTC),
    )
    make(
        tickets,
        BASE + 5 * day,
        "Printer at home is offline",
        contact=ContactRef("contact", w["anna2"]),
        responsible=grp,
        channel="email",
    )
    tickets.clock.set(BASE + 6 * day)
    use.change_status(tickets, 5, "resolved", ADMIN)
    tickets.clock.set(NOW)
    return w


def numbers(resp):
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return [t["number"] for t in resp.get_json()["items"]]


def contact(w, who):
    return signed(role="contact", subject=w[who])


FILTERS = [
    ("", [6, 5, 4, 3, 2, 1]),
    ("status=resolved", [5]),
    ("status=resolved&status=opened", [6, 5, 4, 3, 2, 1]),
    ("status_kind=open", [6, 4, 3, 2, 1]),
    ("status_kind=closed", [5]),
    ("priority=high", [1]),
    ("priority=high&priority=critical", [4, 1]),
    ("type=internal_task", [3]),
    ("responsible=employee:{a}", [5, 1]),
    ("responsible=group:{g}", [6, 2]),
    ("responsible=employee:{a}&responsible=group:{g}", [6, 5, 2, 1]),
    ("no_personal_responsible=true", [6, 4, 2]),
    ("observer=employee:{b}", [5]),
    ("company_id={acme}", [5, 3, 2, 1]),
    ("company_id={acme}&company_id={globex}", [6, 5, 4, 3, 2, 1]),
    ("contact=contact:{anna}", [2, 1]),
    ("channel=email", [6, 1]),
    ("created_from=2026-11-25T09:00:00Z&created_to=2026-11-27T09:00:00Z", [4, 3]),
    ("updated_from=2026-11-29T00:00:00%2B00:00", [5]),
    ("updated_to=2026-11-24T09:00:00Z", [1]),
    ("overdue=true", [1]),
    ("due_today=true", [3, 2, 1]),
    ("due_today=true&tz=Asia/Tokyo", [3, 1]),
    ("due_today=true&tz=America/New_York", [3, 2]),
    ("q=printer", [6, 1]),
    ("q=PRINTER+toner", [1]),
    ("q=wrong+VAT", [4]),
    ("q=%235", [5]),
    ("q=5", [5]),
    ("q=4471", [4]),
    ("q=nothing+like+this", []),
    ("q=100%25", []),
    ("status_kind=open&priority=high&responsible=employee:{a}", [1]),
    ("status_kind=open&responsible=group:{g}&channel=portal", [2]),
]


@pytest.mark.parametrize(("query", "expected"), FILTERS, ids=[q or "all" for q, _ in FILTERS])
def test_each_filter_finds_exactly_its_tickets(client, staff, world, query, expected):
    assert numbers(client.get(f"/tickets?{query.format(**world)}", headers=staff)) == expected


def test_list_items_are_presented_as_the_ticket_itself(client, staff, world):
    items = client.get("/tickets", headers=staff).get_json()["items"]
    for item in items:
        assert item.pop("last_comment_by") is None  # a list's own field (no comments yet)
        assert item == client.get(f"/tickets/{item['number']}", headers=staff).get_json()
    boss = contact(world, "boss")
    for item in client.get("/tickets", headers=boss).get_json()["items"]:
        assert item == client.get(f"/tickets/{item['number']}", headers=boss).get_json()
        assert "observers" not in item and "internal" not in item


def test_staff_lists_tell_who_wrote_the_newest_comment(client, staff, world):
    def last_by():
        items = client.get("/tickets", headers=staff).get_json()["items"]
        return {t["number"]: t["last_comment_by"] for t in items}

    anna = contact(world, "anna")
    assert client.post("/tickets/1/comments", json={"body": "Still jamming"}, headers=anna).status_code == 201
    assert last_by()[1] == "contact" and last_by()[2] is None
    reply = {"body": "On my way", "public": True}
    assert client.post("/tickets/1/comments", json=reply, headers=staff).status_code == 201
    assert last_by()[1] == "employee"
    assert client.post("/tickets/1/comments", json={"body": "Thanks!"}, headers=anna).status_code == 201
    assert last_by()[1] == "contact"
    # A customer's list does not carry it (nor tells of private notes).
    assert all("last_comment_by" not in t for t in client.get("/tickets", headers=anna).get_json()["items"])


def test_contacts_see_only_what_their_portal_access_allows(client, world):
    anna, boss, gina = contact(world, "anna"), contact(world, "boss"), contact(world, "gina")
    assert numbers(client.get("/tickets", headers=anna)) == [2, 1]
    assert numbers(client.get("/tickets?q=printer", headers=anna)) == [1]
    assert numbers(client.get(f"/tickets?company_id={world['globex']}", headers=anna)) == []
    # Company access: the company's tickets, never the internal one.
    assert numbers(client.get("/tickets", headers=boss)) == [5, 2, 1]
    assert numbers(client.get("/tickets?type=internal_task", headers=boss)) == []
    assert numbers(client.get("/tickets?q=%233", headers=boss)) == []
    assert numbers(client.get("/tickets", headers=gina)) == [6, 4]
    assert numbers(client.get(f"/tickets?contact=contact:{world['anna']}", headers=gina)) == []
    problem(client.get(f"/tickets?observer=employee:{world['b']}", headers=boss), 403, "observer")
    problem(client.get("/tickets", headers=signed(role="contact", subject="nobody")), 403)


def test_similar_tickets_share_the_contacts_email_or_phone(client, staff, world):
    assert numbers(client.get("/tickets/1/similar", headers=staff)) == [6, 2]
    assert numbers(client.get("/tickets/6/similar", headers=staff)) == [2, 1]
    assert numbers(client.get("/tickets/4/similar", headers=staff)) == []
    assert numbers(client.get("/tickets/3/similar", headers=staff)) == []
    # Each caller sees only the similar tickets they may see anyway.
    assert numbers(client.get("/tickets/1/similar", headers=contact(world, "anna"))) == [2]
    assert numbers(client.get("/tickets/1/similar", headers=contact(world, "boss"))) == [2]
    problem(client.get("/tickets/6/similar", headers=contact(world, "anna")), 404, "number")
    problem(client.get("/tickets/3/similar", headers=contact(world, "boss")), 404, "number")
    problem(client.get("/tickets/99/similar", headers=staff), 404, "number")


def test_similar_tickets_are_the_newest_twenty(client, staff, tickets):
    tickets.clock = FrozenClock(BASE)
    anna = seed.contact(tickets, None, "Anna", emails=["anna@example.org"])
    for i in range(25):
        make(tickets, BASE + timedelta(minutes=i), f"question {i}", contact=ContactRef("contact", anna))
    assert numbers(client.get("/tickets/1/similar", headers=staff)) == list(range(25, 5, -1))


# -- sorting and pages ---------------------------------------------------------------------------
POSITIONS = {"low": 10, "normal": 20, "high": 30, "critical": 40}


@pytest.fixture
def sortable(tickets):
    return build_sortable(tickets)


def build_sortable(tickets):
    """Ties in every sort key, and tickets without a planned resolution."""
    tickets.clock = FrozenClock(BASE)
    plan = [
        ("low", 0, None),
        ("high", 0, 5),
        ("normal", 1, 5),
        ("high", 1, None),
        ("critical", 1, 2),
        ("normal", 3, None),
        ("low", 3, 2),
        ("high", 3, 9),
        ("normal", 4, 5),
    ]
    for priority, hours, due in plan:
        at = BASE + timedelta(hours=hours)
        make(
            tickets,
            at,
            f"{priority} at {hours}",
            priority=priority,
            planned_resolution_at=None if due is None else BASE + timedelta(days=due),
        )
    tickets.clock.set(BASE + timedelta(days=1))
    use.edit_ticket(tickets, 2, {"subject": "touched"}, ADMIN)
    use.edit_ticket(tickets, 7, {"subject": "touched"}, ADMIN)
    return tickets


def _expected(items, sort):
    desc, name = sort.startswith("-"), sort.lstrip("-")

    def key(t):
        if name == "number":
            return (t["number"],)
        if name == "priority":
            return (POSITIONS[t["priority"]], t["number"])
        return (t[name], t["number"])

    present = [t for t in items if name == "number" or t.get(name) is not None]
    missing = [t for t in items if t not in present]
    ordered = sorted(present, key=key, reverse=desc) + sorted(missing, key=key, reverse=desc)
    return [t["number"] for t in ordered]


SORTS = [
    "-number",
    "number",
    "-created_at",
    "created_at",
    "-updated_at",
    "updated_at",
    "-priority",
    "priority",
    "-planned_resolution_at",
    "planned_resolution_at",
]


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("limit", [1, 2, 4])
def test_every_sort_pages_through_every_ticket_once_in_order(client, staff, sortable, sort, limit):
    walk_every_page(client, staff, sort, limit)


def walk_every_page(client, staff, sort, limit):
    everything = client.get("/tickets?limit=200", headers=staff).get_json()["items"]
    assert len(everything) == 9
    seen, cursor, pages = [], None, 0
    while True:
        url = f"/tickets?sort={sort}&limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=staff).get_json()
        seen += [t["number"] for t in page["items"]]
        cursor, pages = page["next_cursor"], pages + 1
        if cursor is None:
            break
        assert isinstance(cursor, str)
    assert seen == _expected(everything, sort)
    assert pages == -(-9 // limit)


def test_the_default_sort_is_newest_first_and_filters_apply_on_every_page(client, staff, sortable):
    page1 = client.get("/tickets?priority=high&priority=normal&limit=2", headers=staff).get_json()
    page2 = client.get(f"/tickets?priority=high&priority=normal&limit=2&cursor={page1['next_cursor']}", headers=staff)
    page3 = client.get(
        f"/tickets?priority=high&priority=normal&limit=2&cursor={page2.get_json()['next_cursor']}", headers=staff
    )
    assert numbers(client.get("/tickets?priority=high&priority=normal", headers=staff)) == [9, 8, 6, 4, 3, 2]
    assert [t["number"] for t in page1["items"]] == [9, 8]
    assert numbers(page2) == [6, 4] and numbers(page3) == [3, 2] and page3.get_json()["next_cursor"] is None


def _cursor(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "query",
    [
        "cursor=garbage!",
        "cursor=x",
        "cursor=-1",
        f"cursor={_cursor({'a': 1})}",
        f"cursor={_cursor(['-number', None])}",
        f"cursor={_cursor(['-number', None, 'five'])}",
        f"cursor={_cursor(['-number', None, 0])}",
        f"cursor={_cursor(['-number', None, True])}",
        f"cursor={_cursor(['-number', None, 10**30])}",
        f"sort=priority&cursor={_cursor(['priority', 10**30, 3])}",
        f"cursor={_cursor(['-number', 3, 3])}",
        f"cursor={_cursor(['number', None, 3])}",
        f"sort=-created_at&cursor={_cursor(['-created_at', 'yesterday', 3])}",
        f"sort=-created_at&cursor={_cursor(['-created_at', '2026-11-23T09:00:00', 3])}",
        f"sort=-created_at&cursor={_cursor(['-created_at', None, 3])}",
        f"sort=-created_at&cursor={_cursor(['-created_at', 12, 3])}",
        f"sort=priority&cursor={_cursor(['priority', 'high', 3])}",
        f"sort=priority&cursor={_cursor(['priority', False, 3])}",
        f"sort=planned_resolution_at&cursor={_cursor(['planned_resolution_at', [], 3])}",
    ],
)
def test_tampered_cursors_are_refused_naming_the_cursor(client, staff, sortable, query):
    problem(client.get(f"/tickets?{query}", headers=staff), 422, "cursor")


def test_a_cursor_belongs_to_its_sort_order(client, staff, sortable):
    cursor = client.get("/tickets?limit=2", headers=staff).get_json()["next_cursor"]
    problem(client.get(f"/tickets?limit=2&sort=created_at&cursor={cursor}", headers=staff), 422, "cursor")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("tz=Mars/Olympus", "tz"),
        ("due_today=true&tz=Not a zone", "tz"),
        ("tz=../../etc/passwd", "tz"),
        ("tz=America", "tz"),
        ("responsible=alice", "responsible.0"),
        ("responsible=employee:", "responsible.0"),
        ("responsible=contact:1", "responsible.0"),
        ("observer=group", "observer"),
        ("contact=group:1", "contact.0"),
        ("status_kind=maybe", "status_kind"),
        ("channel=fax", "channel.0"),
        ("status=nonesuch", "status.0"),
        ("status=opened&status=nonesuch", "status.1"),
        ("priority=urgent", "priority.0"),
        ("type=complaint", "type.0"),
        ("created_from=yesterday", "created_from"),
        ("created_from=2026-01-01T00:00:00", "created_from"),
        ("created_from=2026-02-01T00:00:00Z&created_to=2026-01-01T00:00:00Z", "created_to"),
        ("updated_from=2026-02-01T00:00:00Z&updated_to=2026-01-01T00:00:00Z", "updated_to"),
        ("overdue=perhaps", "overdue"),
        ("no_personal_responsible=2", "no_personal_responsible"),
        ("q=" + "x" * 201, "q"),
        ("sort=subject", "sort"),
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("company_id=" + "c" * 37, "company_id.0"),
        ("status=" + "&status=".join(["opened"] * 51), "status"),
        ("colour=red", "colour"),
    ],
)
def test_bad_list_queries_are_problems_naming_the_parameter(client, staff, world, query, field):
    problem(client.get(f"/tickets?{query}", headers=staff), 422, field)


def test_a_blank_text_search_is_no_search(client, staff, world):
    assert numbers(client.get("/tickets?q=+++", headers=staff)) == [6, 5, 4, 3, 2, 1]
