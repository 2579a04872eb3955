"""What a specialist sees: the tickets they are responsible for, observe or registered,
and those their groups answer for or observe; nothing else, anywhere (a ticket out of
sight is the same 404 as a missing one, on every read and every write). Companies,
contacts and service objects only through such a ticket, but anyone on the staff may
pick one for a new ticket. Lead specialists and administrators see everything."""

from __future__ import annotations

import io

import pytest
import seed
from helpers import ADMIN, LEAD, ok, problem
from sqlalchemy import insert

from relay_tickets import demo, demo_directory
from relay_tickets.adapters import visibility
from relay_tickets.adapters.tables.tickets import ticket_links
from relay_tickets.demo_directory import DEMO_SPECIALIST_ID
from relay_tickets.domain.access import StaffScope, Viewer
from relay_tickets.service_layer import lists
from relaykit.identity import SPECIALIST, Identity
from relaykit.testing.harness import signed


def _emp(party_id: str) -> dict:
    return {"kind": "employee", "id": party_id}


def _grp(party_id: str) -> dict:
    return {"kind": "group", "id": party_id}


def numbers(resp) -> list[int]:
    return [t["number"] for t in ok(resp)["items"]]


def build_team(rt, api) -> dict:
    """Sam (in First line) and Ivy (in Field), both specialists, and seven tickets:
    1 Sam's, 2 First line's, 3 observed by Sam, 4 observed by First line, 5 registered
    by Sam for Ivy, 6 Ivy's for Globex, 7 nobody's."""
    sam = seed.employee(rt, "Sam Specialist")
    ivy = seed.employee(rt, "Ivy Outsider")
    first_line = seed.group(rt, "First line", members=[sam])
    field = seed.group(rt, "Field", members=[ivy])
    acme, globex = seed.company(rt, "Acme"), seed.company(rt, "Globex")
    wile, hank = seed.contact(rt, acme, "Wile"), seed.contact(rt, globex, "Hank")
    site, depot = seed.service_object(rt, acme, "HQ"), seed.service_object(rt, globex, "Depot")
    as_sam, as_ivy = signed(role="specialist", subject=sam), signed(role="specialist", subject=ivy)

    def post(headers, subject, **body):
        return ok(api.post("/tickets", json={"subject": subject} | body, headers=headers), 201)["number"]

    post(ADMIN, "Sam's printer", responsible=_emp(sam), contact={"kind": "contact", "id": wile}, service_object_id=site)
    post(ADMIN, "First line's VPN", responsible=_grp(first_line))
    post(ADMIN, "Ivy's, Sam watches", responsible=_emp(ivy), observers=[_emp(sam)])
    post(ADMIN, "Ivy's, First line watches", responsible=_emp(ivy), observers=[_grp(first_line)])
    post(as_sam, "Registered by Sam for Ivy", responsible=_emp(ivy))
    post(
        ADMIN,
        "Globex flamingo secret",
        responsible=_emp(ivy),
        observers=[_grp(field)],
        contact={"kind": "contact", "id": hank},
        service_object_id=depot,
    )
    post(ADMIN, "Nobody's flamingo yet")
    return {
        "sam": sam,
        "ivy": ivy,
        "first_line": first_line,
        "field": field,
        "acme": acme,
        "globex": globex,
        "wile": wile,
        "hank": hank,
        "site": site,
        "depot": depot,
        "as_sam": as_sam,
        "as_ivy": as_ivy,
    }


@pytest.fixture
def team(tickets, client):
    return build_team(tickets, client)


# -- what each sees --------------------------------------------------------------------------------
def test_each_sees_their_own_their_groups_what_they_observe_and_what_they_registered(client, team):
    assert numbers(client.get("/tickets", headers=team["as_sam"])) == [5, 4, 3, 2, 1]
    assert numbers(client.get("/tickets", headers=team["as_ivy"])) == [6, 5, 4, 3]
    assert numbers(client.get("/tickets", headers=LEAD)) == [7, 6, 5, 4, 3, 2, 1]
    assert numbers(client.get("/tickets", headers=ADMIN)) == [7, 6, 5, 4, 3, 2, 1]
    for n in (1, 2, 3, 4, 5):
        assert ok(client.get(f"/tickets/{n}", headers=team["as_sam"]))["number"] == n
    # Filters narrow what they see, never widen it.
    assert numbers(client.get(f"/tickets?responsible=employee:{team['ivy']}", headers=team["as_sam"])) == [5, 4, 3]
    assert numbers(client.get(f"/tickets?observer=group:{team['field']}", headers=team["as_sam"])) == []
    assert numbers(client.get(f"/tickets?observer=group:{team['field']}", headers=LEAD)) == [6]


def test_text_search_and_similar_tickets_find_only_what_they_see(client, team):
    assert numbers(client.get("/tickets?q=flamingo", headers=team["as_sam"])) == []
    assert numbers(client.get("/tickets?q=%236", headers=team["as_sam"])) == []
    assert numbers(client.get("/tickets?q=flamingo", headers=LEAD)) == [7, 6]
    assert numbers(client.get("/tickets?q=printer", headers=team["as_sam"])) == [1]


def test_a_ticket_out_of_sight_is_a_404_like_a_missing_one_on_every_read_and_write(client, team):
    sam, ivy = team["as_sam"], team["as_ivy"]
    files = {"body": "logs", "attachments": [(io.BytesIO(b"%PDF-1.7\nx"), "log.pdf", "application/pdf")]}
    attached = ok(client.post("/tickets/6/comments", data=files, headers=ivy, content_type="multipart/form-data"), 201)
    attachment = attached["attachments"][0]["id"]
    group = ok(client.post("/canned-responses/groups", json={"name": "G"}, headers=ADMIN), 201)["id"]
    canned = ok(
        client.post("/canned-responses", json={"group_id": group, "title": "T", "body": "Hi"}, headers=ADMIN), 201
    )
    before = ok(client.get("/tickets/6", headers=ADMIN))

    def upload(n):
        data = {"attachments": [(io.BytesIO(b"%PDF-1.7\nx"), "more.pdf", "application/pdf")]}
        return client.post(f"/tickets/{n}/attachments", data=data, headers=sam, content_type="multipart/form-data")

    calls = {
        "card": lambda n: client.get(f"/tickets/{n}", headers=sam),
        "similar": lambda n: client.get(f"/tickets/{n}/similar", headers=sam),
        "comments": lambda n: client.get(f"/tickets/{n}/comments", headers=sam),
        "comment": lambda n: client.post(f"/tickets/{n}/comments", json={"body": "me too"}, headers=sam),
        "attachments": lambda n: client.get(f"/tickets/{n}/attachments", headers=sam),
        "download": lambda n: client.get(f"/tickets/{n}/attachments/{attachment}", headers=sam),
        "upload": upload,
        "time entries": lambda n: client.get(f"/tickets/{n}/time-entries", headers=sam),
        "log time": lambda n: client.post(f"/tickets/{n}/time-entries", json={"minutes": 5}, headers=sam),
        "history": lambda n: client.get(f"/tickets/{n}/history", headers=sam),
        "status intervals": lambda n: client.get(f"/tickets/{n}/status-intervals", headers=sam),
        "edit": lambda n: client.patch(f"/tickets/{n}", json={"subject": "Mine now"}, headers=sam),
        "status": lambda n: client.post(f"/tickets/{n}/status", json={"status": "resolved"}, headers=sam),
        "assign": lambda n: client.post(f"/tickets/{n}/assign", json={"responsible": _emp(team["sam"])}, headers=sam),
        "canned": lambda n: client.get(f"/canned-responses/{canned['id']}/render?ticket={n}", headers=sam),
    }
    for what, call in calls.items():
        hidden, missing = call(6), call(999)
        field = "ticket" if what == "canned" else "number"
        assert problem(hidden, 404, field)["detail"] == problem(missing, 404, field)["detail"].replace("999", "6"), what
        assert hidden.get_json()["errors"] == [
            {k: v.replace("999", "6") for k, v in e.items()} for e in missing.get_json()["errors"]
        ], what
    after = ok(client.get("/tickets/6", headers=ADMIN))
    assert after["version"] == before["version"] and after["subject"] == before["subject"]
    assert [c["body"] for c in ok(client.get("/tickets/6/comments", headers=ADMIN))["items"]] == ["logs"]
    # Ivy, on the ticket, may do all of it.
    assert client.get(f"/tickets/6/attachments/{attachment}", headers=ivy).data == b"%PDF-1.7\nx"
    ok(client.post("/tickets/6/time-entries", json={"minutes": 5}, headers=ivy), 201)


def test_bulk_changes_report_a_ticket_out_of_sight_as_not_found(client, team):
    r = ok(
        client.post("/tickets/bulk/status", json={"numbers": [1, 6, 999], "status": "resolved"}, headers=team["as_sam"])
    )
    assert [x["ok"] for x in r["results"]] == [True, False, False]
    hidden, missing = r["results"][1]["problem"], r["results"][2]["problem"]
    assert hidden == {"status": 404, "detail": "there is no ticket #6", "field": "number"}
    assert missing == {"status": 404, "detail": "there is no ticket #999", "field": "number"}
    body = {"numbers": [2, 7], "add_observers": [_emp(team["sam"])]}
    r = ok(client.post("/tickets/bulk/assign", json=body, headers=team["as_sam"]))
    assert [(x["ok"], x.get("problem", {}).get("status")) for x in r["results"]] == [(True, None), (False, 404)]
    assert ok(client.get("/tickets/6", headers=ADMIN))["status"] == "opened"
    assert ok(client.get("/tickets/7", headers=ADMIN))["observers"] == []


def test_the_card_shows_only_the_linked_tickets_they_see(client, tickets, team):
    ids = {n: ok(client.get(f"/tickets/{n}", headers=ADMIN))["id"] for n in (1, 2, 6)}
    with tickets.db.session() as s:
        for n in (2, 6):
            s.execute(insert(ticket_links).values(ticket_id=ids[1], related_id=ids[n], kind="follow_up"))
    assert [x["number"] for x in ok(client.get("/tickets/1", headers=team["as_sam"]))["links"]] == [2]
    assert sorted(x["number"] for x in ok(client.get("/tickets/1", headers=LEAD))["links"]) == [2, 6]


def test_group_membership_is_read_on_every_request(client, team):
    sam = ok(client.get(f"/employees/{team['sam']}", headers=team["as_sam"]))
    assert sam["groups"] == [team["first_line"]]
    ok(client.patch(f"/employees/{team['sam']}", json={"groups": [team["field"]]}, headers=ADMIN))
    assert numbers(client.get("/tickets", headers=team["as_sam"])) == [6, 5, 3, 1]
    problem(client.get("/tickets/2", headers=team["as_sam"]), 404, "number")


def test_they_see_what_they_registered_after_handing_it_over_and_lose_what_they_handed_over(client, team):
    sam = team["as_sam"]
    ok(client.post("/tickets/1/assign", json={"responsible": _emp(team["ivy"])}, headers=sam))
    problem(client.get("/tickets/1", headers=sam), 404, "number")
    ok(client.post("/tickets/5/assign", json={"responsible": None}, headers=sam))
    assert ok(client.get("/tickets/5", headers=sam))["responsible"] is None  # registered by Sam


@pytest.mark.parametrize("sort", ["-number", "updated_at", "-priority", "planned_resolution_at"])
def test_keyset_pages_walk_exactly_what_they_see(client, tickets, team, sort):
    for i in range(12):
        responsible = [_emp(team["sam"]), _emp(team["ivy"]), _grp(team["first_line"]), None][i % 4]
        priority = ["low", "normal", "high"][i % 3]
        ok(client.post("/tickets", json={"subject": f"more {i}", "responsible": responsible, "priority": priority},
                       headers=ADMIN), 201)  # fmt: skip
    everything = numbers(client.get(f"/tickets?sort={sort}&limit=200", headers=team["as_sam"]))
    assert sorted(everything) == [1, 2, 3, 4, 5, 8, 10, 12, 14, 16, 18]
    walked, cursor = [], None
    while True:
        url = f"/tickets?sort={sort}&limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = ok(client.get(url, headers=team["as_sam"]))
        walked += [t["number"] for t in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert walked == everything


def test_a_saved_view_shows_each_what_they_see(client, team):
    view = ok(client.post("/views", json={"name": "All open", "shared": True, "filters": {"status_kind": "open"}},
                          headers=LEAD), 201)  # fmt: skip
    assert numbers(client.get(f"/tickets?view={view['id']}", headers=team["as_sam"])) == [5, 4, 3, 2, 1]
    assert numbers(client.get(f"/tickets?view={view['id']}", headers=team["as_ivy"])) == [6, 5, 4, 3]


# -- companies, contacts, service objects -----------------------------------------------------------
CLIENT_PATHS = {"company": "/companies", "contact": "/contacts", "service_object": "/service-objects"}


def test_client_cards_are_a_specialists_only_through_a_ticket_they_see(client, team):
    sam = team["as_sam"]
    mine = {"company": team["acme"], "contact": team["wile"], "service_object": team["site"]}
    theirs = {"company": team["globex"], "contact": team["hank"], "service_object": team["depot"]}
    for kind, path in CLIENT_PATHS.items():
        assert ok(client.get(f"{path}/{mine[kind]}", headers=sam))["id"] == mine[kind]
        ok(client.get(f"{path}/{mine[kind]}/history", headers=sam))
        assert [e["id"] for e in ok(client.get(path, headers=sam))["items"]] == [mine[kind]], kind
        hidden = theirs[kind]
        for call in (
            lambda p: client.get(p, headers=sam),
            lambda p: client.get(f"{p}/history", headers=sam),
            lambda p: client.patch(p, json={"name": "Taken"}, headers=sam),
            lambda p: client.post(f"{p}/deactivate", headers=sam),
            lambda p: client.post(f"{p}/activate", headers=sam),
        ):
            refused = problem(call(f"{path}/{hidden}"), 404, "id")
            missing = problem(call(f"{path}/nonesuch"), 404, "id")
            assert refused["detail"] == missing["detail"].replace("nonesuch", hidden)
        assert ok(client.get(f"{path}/{hidden}", headers=LEAD))["id"] == hidden
        assert ok(client.get(f"{path}/{hidden}", headers=ADMIN))["name"] != "Taken"
        assert len(ok(client.get(path, headers=LEAD))["items"]) == 2
    # Once a ticket they see points at Globex's, its cards are theirs too.
    ok(client.post("/tickets/6/assign", json={"add_observers": [_emp(team["sam"])]}, headers=ADMIN))
    for kind, path in CLIENT_PATHS.items():
        assert ok(client.get(f"{path}/{theirs[kind]}", headers=sam))["id"] == theirs[kind]
        assert len(ok(client.get(path, headers=sam))["items"]) == 2


def test_anyone_on_the_staff_picks_a_client_for_a_new_ticket_from_the_lookups(client, team):
    sam = team["as_sam"]
    companies = ok(client.get("/companies/lookup", headers=sam))["items"]
    assert companies == [
        {"id": team["acme"], "name": "Acme", "active": True, "category_id": None},
        {"id": team["globex"], "name": "Globex", "active": True, "category_id": None},
    ]
    assert ok(client.get("/contacts/lookup?q=han", headers=sam))["items"] == [
        {"id": team["hank"], "name": "Hank", "active": True, "company_id": team["globex"]}
    ]
    objects = ok(client.get(f"/service-objects/lookup?company_id={team['globex']}", headers=sam))["items"]
    assert objects == [{"id": team["depot"], "name": "Depot", "active": True, "company_id": team["globex"]}]
    problem(client.get("/companies/lookup?limit=0", headers=sam), 422, "limit")
    problem(client.get("/companies/lookup", headers=signed(role="contact", subject=team["wile"])), 403)
    # Registering a ticket for Globex makes its card Sam's to read.
    contact = {"kind": "contact", "id": team["hank"]}
    ok(client.post("/tickets", json={"subject": "Hank calls", "contact": contact}, headers=sam), 201)
    assert ok(client.get(f"/companies/{team['globex']}", headers=sam))["name"] == "Globex"
    # Creating a client is still anyone's; its card is theirs once a ticket points at it.
    made = ok(client.post("/companies", json={"name": "Initech"}, headers=sam), 201)
    problem(client.get(f"/companies/{made['id']}", headers=sam), 404, "id")


def test_employees_and_groups_stay_readable_by_every_specialist(client, team):
    sam = team["as_sam"]
    assert {e["id"] for e in ok(client.get("/employees", headers=sam))["items"]} >= {team["sam"], team["ivy"]}
    assert ok(client.get(f"/employees/{team['ivy']}", headers=sam))["groups"] == [team["field"]]
    assert ok(client.get(f"/groups/{team['field']}", headers=sam))["members"] == [team["ivy"]]
    assert len(ok(client.get("/groups", headers=sam))["items"]) == 2


# -- the rule itself, and the demo --------------------------------------------------------------------
def test_code_acting_for_a_specialist_without_their_groups_sees_only_their_own(tickets, team):
    bare = Viewer(Identity(team["sam"], SPECIALIST))
    full = Viewer(Identity(team["sam"], SPECIALIST), staff=StaffScope(team["sam"], frozenset({team["first_line"]})))
    assert [t.number for t in lists.list_tickets(tickets, bare, {}).tickets] == [5, 3, 1]
    assert [t.number for t in lists.list_tickets(tickets, full, {}).tickets] == [5, 4, 3, 2, 1]


def test_the_demo_gives_sam_some_tickets_and_not_others(tickets, client):
    demo_directory.load_directory(tickets)
    demo.load(tickets)
    sam = signed(role="specialist", subject=DEMO_SPECIALIST_ID)
    everything = numbers(client.get("/tickets", headers=LEAD))
    his = numbers(client.get("/tickets", headers=sam))
    assert 0 < len(his) < len(everything)
    subjects = {t["subject"] for t in ok(client.get("/tickets", headers=sam))["items"]}
    assert "VPN drops every 10 minutes" in subjects  # his own
    assert "New employee starts Monday: laptop and accounts" in subjects  # First line's
    assert "Server room air conditioning alarm" not in subjects  # Fiona's


@pytest.mark.integration
@pytest.mark.parametrize("gathered_max", [1000, 0], ids=["arm by arm", "one walk"])
def test_on_postgres_lists_search_pages_and_client_lists_keep_to_what_they_see(pg_tickets, monkeypatch, gathered_max):
    # Both of the list's ways (adapters/visibility.py specialist_arms): few observed, many.
    monkeypatch.setattr(visibility, "OBSERVED_GATHERED_MAX", gathered_max)
    api = pg_tickets.app.test_client()
    team = build_team(pg_tickets, api)
    sam = team["as_sam"]
    assert numbers(api.get("/tickets", headers=sam)) == [5, 4, 3, 2, 1]
    assert numbers(api.get("/tickets?q=flamingo", headers=sam)) == []
    assert numbers(api.get("/tickets?q=flamingo", headers=LEAD)) == [7, 6]
    assert numbers(api.get('/tickets?q="sam watches"', headers=sam)) == [3]
    first = ok(api.get("/tickets?limit=2&sort=-updated_at", headers=sam))
    rest = ok(api.get(f"/tickets?limit=10&sort=-updated_at&cursor={first['next_cursor']}", headers=sam))
    assert sorted(t["number"] for t in first["items"] + rest["items"]) == [1, 2, 3, 4, 5]
    assert numbers(api.get("/tickets/1/similar", headers=sam)) == []
    assert [c["id"] for c in ok(api.get("/companies", headers=sam))["items"]] == [team["acme"]]
    assert [c["id"] for c in ok(api.get("/contacts?q=e", headers=sam))["items"]] == [team["wile"]]
    problem(api.get(f"/service-objects/{team['depot']}", headers=sam), 404, "id")
    assert len(ok(api.get("/contacts/lookup", headers=sam))["items"]) == 2
