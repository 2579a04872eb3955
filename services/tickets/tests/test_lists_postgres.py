"""Ticket lists on PostgreSQL: full-text search (websearch syntax, ticket numbers), every
filter and sort as on SQLite, what contacts may see, similar tickets, prepared plans."""

import pytest
from helpers import LEAD
from test_lists import FILTERS, SORTS, build_sortable, build_world, contact, make, numbers, walk_every_page

from relay_tickets.adapters import ticket_queries
from relay_tickets.domain.ticket import ContactRef

pytestmark = pytest.mark.integration


@pytest.fixture
def staff():
    """As in test_lists: a lead specialist, who sees every ticket."""
    return LEAD


@pytest.fixture
def pg_client(pg_tickets):
    return pg_tickets.app.test_client()


@pytest.fixture
def pg_world(pg_tickets):
    return build_world(pg_tickets)


def test_each_filter_finds_exactly_its_tickets(pg_client, staff, pg_world):
    for query, expected in FILTERS:
        got = numbers(pg_client.get(f"/tickets?{query.format(**pg_world)}", headers=staff))
        assert got == expected, query


def test_every_sort_pages_through_every_ticket_once_in_order(pg_client, staff, pg_tickets):
    build_sortable(pg_tickets)
    for sort in SORTS:
        for limit in (1, 2, 4):
            walk_every_page(pg_client, staff, sort, limit)


@pytest.fixture
def texts(pg_tickets, pg_world):
    """Tickets 7.. with words to search for (the world's six come first)."""
    rt, w = pg_tickets, pg_world
    at = rt.clock.now()
    anna = ContactRef("contact", w["anna"])
    make(rt, at, "Outlook cannot open the shared calendar", description="Error 0x800CCC0E since Monday", contact=anna)
    make(rt, at, "Shared drive is slow", description="The calendar opens fine, the drive does not")
    make(rt, at, "Printers on floor 3", description="All printers print blank pages after the toner change")
    make(rt, at, "Café wifi: mot de passe oublié", description="Zugangsdaten für das WLAN")
    return w


SEARCHES = [
    ("printer", [6, 1]),  # no stemming: 'printers' is another word
    ("printers", [9]),
    ("Printer JAMS", [1]),
    ("calendar", [8, 7]),
    ("shared calendar", [8, 7]),
    ('"shared calendar"', [7]),
    ('"toner change"', [9, 1]),
    ("calendar -outlook", [8]),
    ("printer or calendar", [8, 7, 6, 1]),
    ("0x800ccc0e", [7]),
    ("oublié", [10]),
    ("für", [10]),
    ("#3", [9, 3]),  # the number, and the word 3 ("floor 3")
    ("7", [7]),
    ("#10", [10, 2]),
    ("4471", [4]),
    ("#99999", []),
    ("!!!", []),
    ("& | ! (", []),
    ("'", []),
    ("-", []),
    ("\\", []),
]


@pytest.mark.parametrize(("q", "expected"), SEARCHES, ids=[q for q, _ in SEARCHES])
def test_full_text_search_uses_websearch_syntax_and_ticket_numbers(pg_client, staff, texts, q, expected):
    assert numbers(pg_client.get("/tickets", query_string={"q": q}, headers=staff)) == expected


def test_search_combines_with_filters_sort_and_pages(pg_client, staff, texts):
    assert numbers(pg_client.get("/tickets?q=calendar&sort=number", headers=staff)) == [7, 8]
    assert numbers(pg_client.get(f"/tickets?q=calendar&contact=contact:{texts['anna']}", headers=staff)) == [7]
    first = pg_client.get("/tickets?q=printer+or+calendar&limit=3", headers=staff).get_json()
    rest = pg_client.get(f"/tickets?q=printer+or+calendar&limit=3&cursor={first['next_cursor']}", headers=staff)
    assert [t["number"] for t in first["items"]] == [8, 7, 6] and numbers(rest) == [1]


def test_contacts_search_only_what_they_may_see(pg_client, texts):
    anna, boss = contact(texts, "anna"), contact(texts, "boss")
    assert numbers(pg_client.get("/tickets?q=printer", headers=anna)) == [1]
    assert numbers(pg_client.get("/tickets?q=calendar", headers=anna)) == [7]
    assert numbers(pg_client.get("/tickets?q=certificates", headers=boss)) == []  # internal
    assert numbers(pg_client.get("/tickets?q=%233", headers=boss)) == []
    assert numbers(pg_client.get("/tickets?q=%236", headers=boss)) == []  # another company's


def test_similar_tickets_on_postgres(pg_client, staff, pg_world):
    assert numbers(pg_client.get("/tickets/1/similar", headers=staff)) == [6, 2]
    assert numbers(pg_client.get("/tickets/1/similar", headers=contact(pg_world, "anna"))) == [2]
    assert pg_client.get("/tickets/6/similar", headers=contact(pg_world, "anna")).status_code == 404


def test_repeated_searches_survive_prepared_statements(pg_client, staff, texts):
    # psycopg prepares a statement on its fifth run: the plan must still be right.
    for _ in range(8):
        assert numbers(pg_client.get("/tickets?q=calendar&status_kind=open", headers=staff)) == [8, 7]
        assert numbers(pg_client.get("/tickets?q=%237", headers=staff)) == [7]


@pytest.mark.parametrize("probe", [1, 2, 3, 2000])
def test_phrases_find_the_same_tickets_however_many_match(pg_client, staff, texts, monkeypatch, probe):
    # Fewer matches than the probe: the page is taken among them; as many or more: searched as usual.
    monkeypatch.setattr(ticket_queries, "PHRASE_PROBE", probe)
    assert numbers(pg_client.get("/tickets", query_string={"q": '"toner change"'}, headers=staff)) == [9, 1]
    assert numbers(pg_client.get("/tickets", query_string={"q": '"toner change" floor'}, headers=staff)) == [9, 1]
    assert numbers(pg_client.get("/tickets", query_string={"q": '"change toner"'}, headers=staff)) == []
    page = pg_client.get("/tickets", query_string={"q": '"toner change"', "limit": 1}, headers=staff).get_json()
    rest = pg_client.get(
        "/tickets", query_string={"q": '"toner change"', "limit": 1, "cursor": page["next_cursor"]}, headers=staff
    )
    assert [t["number"] for t in page["items"]] == [9] and numbers(rest) == [1]
    assert numbers(pg_client.get("/tickets", query_string={"q": "0x800CCC0E-error"}, headers=staff)) == []


def test_nul_characters_are_problems_naming_the_field_not_server_errors(pg_client, staff, admin, pg_world):
    for query, field in [
        ("q=a%00b", "q"),
        ("status=op%00", "status"),
        ("company_id=%00", "company_id"),
        ("view=%00", "view"),
    ]:
        assert _field(pg_client.get(f"/tickets?{query}", headers=staff), 422) == field
    assert _field(pg_client.post("/views", json={"name": "a\x00"}, headers=staff), 422) == "name"
    assert (
        _field(pg_client.post("/views", json={"name": "v", "filters": {"q": "\x00"}}, headers=staff), 422)
        == "filters.q"
    )
    assert pg_client.get("/views/%00", headers=staff).status_code == 404
    assert _field(pg_client.post("/canned-responses/groups", json={"name": "\x00"}, headers=admin), 422) == "name"
    body = {"numbers": [1], "responsible": {"kind": "employee", "id": "e\x00"}}
    assert _field(pg_client.post("/tickets/bulk/assign", json=body, headers=staff), 422) == "responsible.id"


def _field(resp, status):
    assert resp.status_code == status, resp.get_data(as_text=True)
    return resp.get_json()["errors"][0]["field"]
