"""Merging a ticket into another and splitting a comment off into a new ticket, through
HTTP (SQLite, in-process; test_merge_split_postgres.py runs the same on PostgreSQL)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import seed
from helpers import ADMIN, outbox_messages, problem
from test_activity_api import (
    SPEC,
    Desk,
    add_contact,
    as_contact,
    as_staff,
    comment,
    customer_ticket,
    make_desk,
    new_ticket,
)

from relay_tickets.domain.lifecycle import CLOSED


@pytest.fixture
def desk(harness, bus_namespace) -> Desk:
    return make_desk(harness.runtime(SPEC, namespace=bus_namespace, max_body_bytes=64 * 1024))


def ok(resp, status=200):
    assert resp.status_code == status, resp.get_data(as_text=True)
    return resp.get_json()


def get(desk: Desk, path: str, headers=None):
    return ok(desk.api.get(path, headers=headers or desk.staff))


def merge(desk: Desk, number: int, into: int, headers=None, **body):
    return desk.api.post(f"/tickets/{number}/merge", json={"into": into} | body, headers=headers or desk.staff)


def split(desk: Desk, number: int, comment_id: str, headers=None, **body):
    return desk.api.post(f"/tickets/{number}/comments/{comment_id}/split", json=body, headers=headers or desk.staff)


def with_file(desk: Desk, number: int, headers, body: str, content: bytes = b"log line\n", **fields):
    data = {"body": body, "attachments": [(io.BytesIO(content), "printer.log", "text/plain")]}
    data |= {k: str(v).lower() if isinstance(v, bool) else v for k, v in fields.items()}
    return ok(
        desk.api.post(f"/tickets/{number}/comments", data=data, headers=headers, content_type="multipart/form-data"),
        201,
    )


def comments_of(desk: Desk, number: int, headers=None) -> list[dict]:
    return get(desk, f"/tickets/{number}/comments", headers)["items"]


def history_fields(desk: Desk, number: int) -> list[tuple]:
    return [(h["field"], h["new"]) for h in get(desk, f"/tickets/{number}/history")["items"]]


def links(ticket: dict) -> list[tuple[int, str]]:
    return [(link["number"], link["kind"]) for link in ticket["links"]]


# -- merging --------------------------------------------------------------------------------------
def test_a_merge_moves_comments_files_time_and_observers_and_closes_the_source_linked(desk):
    group = seed.group(desk.rt, "Printers")
    target = customer_ticket(desk, subject="Printers on floor 2 are down")
    t = target["number"]
    first = ok(comment(desk.api, t, desk.staff, body="Looking at the whole floor"), 201)
    source = customer_ticket(desk, subject="Printer jammed")
    s = source["number"]
    desk.clock.advance(timedelta(minutes=1))
    asked = ok(comment(desk.api, s, desk.customer, body="It jams on every page"), 201)
    note = ok(comment(desk.api, s, desk.staff, body="Old firmware", public=False), 201)
    desk.clock.advance(timedelta(minutes=1))
    photo = with_file(desk, s, desk.staff, "Log attached", public=True)
    ok(desk.api.post(f"/tickets/{s}/time-entries", json={"minutes": 15}, headers=desk.staff), 201)
    ok(
        desk.api.post(
            f"/tickets/{s}/assign", json={"add_observers": [{"kind": "group", "id": group}]}, headers=desk.staff
        )
    )
    source_version = get(desk, f"/tickets/{s}")["version"]
    target_version = get(desk, f"/tickets/{t}")["version"]
    desk.clock.advance(timedelta(minutes=1))

    merged = ok(merge(desk, s, t, desk.staff | {"If-Match": f'"{source_version}"'}))
    assert merged["moved"] == {
        "comments": 3, "made_private": 0, "attachments": 1, "time_entries": 1, "minutes": 15, "observers": 1
    }  # fmt: skip
    src, tgt = merged["source"], merged["target"]
    assert src["status"] == CLOSED and src["closed_at"] and src["time_spent_minutes"] == 0
    assert links(src) == [(t, "merged_into")] and links(tgt) == [(s, "merged_from")]
    assert tgt["status"] == "opened" and tgt["time_spent_minutes"] == 15
    assert {"kind": "group", "id": group} in tgt["observers"]
    # Room in the conversation for the three moved comments, then the merge's own event.
    assert tgt["version"] == target_version + 4 and src["version"] == source_version + 1
    assert get(desk, f"/tickets/{s}") | {"links": None} == src | {"links": None}

    # The target's conversation: its own comment, then the source's, authors, times and publicity kept.
    moved = comments_of(desk, t)
    assert [c["id"] for c in moved] == [first["id"], asked["id"], note["id"], photo["id"]]
    assert [c["merged_from"] for c in moved] == [None, {"number": s}, {"number": s}, {"number": s}]
    assert [c["public"] for c in moved] == [True, True, False, True]
    assert moved[1]["author"]["kind"] == "contact" and moved[1]["created_at"] == asked["created_at"]
    assert all(c["ticket"]["number"] == t for c in moved)
    assert comments_of(desk, s) == []
    # Its files: listed and downloaded under the target.
    [file] = moved[3]["attachments"]
    assert file["url"] == f"/tickets/{t}/attachments/{file['id']}"
    assert desk.api.get(file["url"], headers=desk.staff).data == b"log line\n"
    assert get(desk, f"/tickets/{s}/attachments")["items"] == []
    entries = get(desk, f"/tickets/{t}/time-entries")
    assert entries["total_minutes"] == 15 and [e["minutes"] for e in entries["items"]] == [15]
    # The customer reads on the target what they read on the source, no more.
    seen = comments_of(desk, t, desk.customer)
    assert [c["id"] for c in seen] == [first["id"], asked["id"], photo["id"]]

    # Each keeps its own history, and says what happened.
    src_history = history_fields(desk, s)
    assert ("merged_into", {"id": target["id"], "number": t}) in src_history
    assert ("status", CLOSED) in src_history and ("time_spent_minutes", 0) in src_history
    tgt_history = history_fields(desk, t)
    assert (
        "merged_from",
        {"id": source["id"], "number": s, "comments": 3, "made_private": 0, "attachments": 1}
        | {"time_entries": 1, "minutes": 15, "observers": 1},
    ) in tgt_history
    assert ("time_spent_minutes", 15) in tgt_history and ("observers", [{"kind": "group", "id": group}]) in tgt_history

    # Events: the source's close (what stops its SLA clocks), then the merge on the target.
    closed = outbox_messages(desk.rt, "ticket.status_changed")[-1]
    assert closed["aggregate_id"] == source["id"] and closed["sequence"] == src["version"]
    assert closed["data"]["to"] == CLOSED and closed["data"]["reason"] == f"merged into #{t}"
    assert closed["data"]["ticket"]["status_kind"] == "closed"
    [event] = outbox_messages(desk.rt, "ticket.merged")
    assert event["aggregate_id"] == target["id"] and event["sequence"] == tgt["version"]
    data = event["data"]
    assert data["ticket"]["number"] == t and data["source"]["number"] == s and data["source"]["status"] == CLOSED
    assert data["source"]["status_kind"] == "closed" and data["moved"] == merged["moved"]
    assert data["contact"] == {"kind": "contact", "id": desk.contact} and data["forced"] is False
    assert data["actor"]["id"] == desk.agent
    types = [m["type"] for m in outbox_messages(desk.rt)]
    assert types[-2:] == ["ticket.status_changed", "ticket.merged"]


def test_an_internal_tickets_comments_become_private_on_a_customer_visible_one(desk):
    target = customer_ticket(desk)
    internal = ok(desk.api.post("/tickets", json={"subject": "Check the spare printers", "type": "internal_task"},
                                headers=desk.staff), 201)  # fmt: skip
    n = internal["number"]
    with_file(desk, n, desk.staff, "Spare printer serials", public=True)
    merged = ok(merge(desk, n, target["number"], force=True))
    assert merged["moved"]["made_private"] == 1
    [moved] = comments_of(desk, target["number"])
    assert moved["public"] is False
    assert comments_of(desk, target["number"], desk.customer) == []
    assert get(desk, f"/tickets/{target['number']}/attachments", desk.customer)["items"] == []
    [event] = outbox_messages(desk.rt, "ticket.merged")
    assert event["data"]["contact"] is None and event["data"]["forced"] is True


def test_another_clients_ticket_or_a_customers_into_an_internal_one_needs_force(desk):
    other_company = seed.company(desk.rt, "Globex")
    other = add_contact(desk.rt, other_company, "Hank Scorpio")
    theirs = customer_ticket(desk)
    ours = ok(desk.api.post("/tickets", json={"subject": "Globex printer", "company_id": other_company,
                            "contact": {"kind": "contact", "id": other}}, headers=desk.staff), 201)  # fmt: skip
    ok(comment(desk.api, ours["number"], as_contact(other), body="Our printer too"), 201)
    body = problem(merge(desk, ours["number"], theirs["number"]), 422, "into")
    assert "force" in [e["field"] for e in body["errors"]]
    internal = ok(desk.api.post("/tickets", json={"subject": "Task", "type": "internal_task"}, headers=desk.staff), 201)
    problem(merge(desk, theirs["number"], internal["number"]), 422, "force")

    merged = ok(merge(desk, ours["number"], theirs["number"], force=True))
    # Another client's words are never shown to this one.
    assert merged["moved"] == merged["moved"] | {"comments": 1, "made_private": 1}
    assert comments_of(desk, theirs["number"], desk.customer) == []


def test_refusals_name_the_field(desk):
    a, b, c = (customer_ticket(desk)["number"] for _ in range(3))
    problem(merge(desk, a, a), 422, "into")
    problem(merge(desk, a, 999_999), 422, "into")
    problem(merge(desk, 999_999, a), 404, "number")
    problem(desk.api.post(f"/tickets/{a}/merge", json={}, headers=desk.staff), 422, "into")
    problem(desk.api.post(f"/tickets/{a}/merge", json={"into": "b"}, headers=desk.staff), 422, "into")
    problem(merge(desk, a, b, desk.customer), 403)
    problem(merge(desk, a, b, desk.staff | {"If-Match": '"7"'}), 409, "If-Match")
    problem(merge(desk, a, b, into_version=7), 409, "into_version")

    ok(merge(desk, a, b))
    body = problem(merge(desk, a, c), 409, "number")
    assert body["merged_into"] == b
    body = problem(merge(desk, c, a), 409, "into")  # a was merged: into the one it went to instead
    assert body["merged_into"] == b
    # Closed tickets are neither merged nor merged into.
    for status in ("resolved", CLOSED):
        ok(desk.api.post(f"/tickets/{c}/status", json={"status": status}, headers=desk.staff))
    problem(merge(desk, b, c), 409, "into")
    problem(merge(desk, c, b), 409, "number")
    # Nothing of the refused ones happened.
    assert [m["data"]["source"]["number"] for m in outbox_messages(desk.rt, "ticket.merged")] == [a]


def test_a_specialist_merges_only_tickets_they_may_write(desk):
    mine = customer_ticket(desk)["number"]
    lead = as_staff(seed.employee(desk.rt, "Lee Lead", role="lead_specialist"), "lead_specialist")
    others = new_ticket(desk.api, lead, contact_id=desk.contact, company_id=desk.company)["number"]
    problem(merge(desk, mine, others), 422, "into")  # answered as a ticket that does not exist
    problem(merge(desk, others, mine), 404, "number")
    ok(merge(desk, others, mine, lead))


def test_a_repeated_merge_with_its_idempotency_key_answers_the_first_result(desk):
    a, b = (customer_ticket(desk)["number"] for _ in range(2))
    ok(comment(desk.api, a, desk.staff, body="one"), 201)
    key = {"Idempotency-Key": "merge-1"}
    first = ok(merge(desk, a, b, desk.staff | key))
    again = ok(merge(desk, a, b, desk.staff | key))
    assert again == first and len(outbox_messages(desk.rt, "ticket.merged")) == 1
    problem(merge(desk, a, b, desk.staff | key, force=True), 409, "Idempotency-Key")
    # Without the key, a repeat is a refusal that says where it went.
    assert problem(merge(desk, a, b), 409, "number")["merged_into"] == b


def test_merging_a_split_off_ticket_back_replaces_the_link_between_them(desk):
    old = customer_ticket(desk)["number"]
    split_off = ok(comment(desk.api, old, desk.staff, body="Also the scanner"), 201)
    created = ok(split(desk, old, split_off["id"]), 201)
    merged = ok(merge(desk, created["number"], old))
    assert links(merged["source"]) == [(old, "merged_into")]
    assert links(merged["target"]) == [(created["number"], "merged_from")]


# -- splitting ---------------------------------------------------------------------------------------
def test_a_comment_splits_into_a_linked_ticket_of_the_same_client(desk):
    original = customer_ticket(desk, priority="high", channel="email")
    n = original["number"]
    c = with_file(desk, n, desk.customer, "Also: the scanner on floor 3 shows E42\nIt started on Monday.")
    version = get(desk, f"/tickets/{n}")["version"]
    r = split(desk, n, c["id"], desk.staff | {"If-Match": f'"{version}"'})
    new = ok(r, 201)
    assert r.headers["Location"].endswith(f"/tickets/{new['number']}") and r.headers["ETag"] == f'"{new["version"]}"'
    assert new["subject"] == "Also: the scanner on floor 3 shows E42"
    assert new["description"] == "Also: the scanner on floor 3 shows E42\nIt started on Monday."
    for key in ("company_id", "contact", "type", "priority", "channel"):
        assert new[key] == original[key], key
    assert new["status"] == "opened" and new["created_by"] == {"kind": "employee", "id": desk.agent}
    assert links(new) == [(n, "split_from")]
    assert links(get(desk, f"/tickets/{n}")) == [(new["number"], "split_into")]
    # The comment stays where it was, marked; its file is on the new ticket too.
    [marked] = comments_of(desk, n)
    assert marked["id"] == c["id"] and marked["split_into"] == {"number": new["number"]}
    assert comments_of(desk, n, desk.customer)[0]["split_into"] is None
    [copy] = get(desk, f"/tickets/{new['number']}/attachments")["items"]
    assert copy["filename"] == "printer.log" and copy["comment_id"] is None
    assert desk.api.get(copy["url"], headers=desk.staff).data == b"log line\n"
    assert ("split_from", {"comment_id": c["id"], "id": original["id"], "number": n}) in history_fields(
        desk, new["number"]
    )
    assert ("split", {"comment_id": c["id"], "id": new["id"], "number": new["number"]}) in history_fields(desk, n)
    # The customer sees their new ticket.
    assert get(desk, f"/tickets/{new['number']}", desk.customer)["subject"] == new["subject"]

    created = outbox_messages(desk.rt, "ticket.created")[-1]
    assert created["data"]["ticket"]["number"] == new["number"]
    [event] = outbox_messages(desk.rt, "ticket.split")
    assert event["aggregate_id"] == original["id"] and event["sequence"] == version + 1
    assert event["data"]["comment_id"] == c["id"]
    assert event["data"]["new_ticket"] == {"id": new["id"], "number": new["number"]}
    assert [m["type"] for m in outbox_messages(desk.rt)][-2:] == ["ticket.created", "ticket.split"]

    body = problem(split(desk, n, c["id"]), 409, "comment_id")
    assert body["split_into"] == new["number"]


def test_a_split_takes_a_subject_and_type_and_a_private_comment_becomes_an_internal_ticket(desk):
    n = customer_ticket(desk)["number"]
    private = ok(comment(desk.api, n, desk.staff, body="Replace the fuser unit " + "x" * 200, public=False), 201)
    problem(split(desk, n, private["id"]), 422, "type")
    problem(split(desk, n, private["id"], type="service_request"), 422, "type")
    new = ok(split(desk, n, private["id"], type="internal_task"), 201)
    assert new["internal"] is True and new["subject"].startswith("Replace the fuser unit") and len(new["subject"]) <= 80
    assert new["subject"].endswith("…")
    public = ok(comment(desk.api, n, desk.staff, body="Order toner"), 201)
    named = ok(split(desk, n, public["id"], subject="Toner order"), 201)
    assert named["subject"] == "Toner order" and named["internal"] is False


def test_split_refusals(desk):
    n = customer_ticket(desk)["number"]
    other = customer_ticket(desk)["number"]
    c = ok(comment(desk.api, n, desk.staff, body="Second problem"), 201)
    problem(split(desk, other, c["id"]), 404, "comment_id")
    problem(split(desk, n, "no-such-comment"), 404, "comment_id")
    problem(split(desk, n, c["id"], desk.customer), 403)
    problem(split(desk, n, c["id"], desk.staff | {"If-Match": '"1"'}), 409, "If-Match")
    problem(split(desk, n, c["id"], subject="  "), 422, "subject")
    problem(split(desk, n, c["id"], type="no_such_type"), 422, "type")
    problem(split(desk, 999_999, c["id"]), 404, "number")
    assert outbox_messages(desk.rt, "ticket.split") == []


def test_a_repeated_split_with_its_idempotency_key_answers_the_same_ticket(desk):
    n = customer_ticket(desk)["number"]
    c = ok(comment(desk.api, n, desk.staff, body="Second problem"), 201)
    key = {"Idempotency-Key": "split-1"}
    first = ok(split(desk, n, c["id"], desk.staff | key), 201)
    again = ok(split(desk, n, c["id"], desk.staff | key), 201)
    assert again["id"] == first["id"] and len(outbox_messages(desk.rt, "ticket.split")) == 1


def test_an_administrator_may_merge_and_split_too(desk):
    a, b = (customer_ticket(desk)["number"] for _ in range(2))
    c = ok(comment(desk.api, a, ADMIN, body="Another issue"), 201)
    ok(split(desk, a, c["id"], ADMIN), 201)
    ok(merge(desk, a, b, ADMIN))


def test_a_customer_writing_on_a_merged_ticket_writes_on_the_one_it_went_into(desk):
    a, b, c = (customer_ticket(desk)["number"] for _ in range(3))
    ok(merge(desk, a, b))
    ok(merge(desk, b, c))
    r = comment(desk.api, a, desk.customer, body="Any news?")
    reply = ok(r, 201)
    assert reply["ticket"]["number"] == c and "ETag" not in r.headers
    assert [x["id"] for x in comments_of(desk, c)] == [reply["id"]]
    assert get(desk, f"/tickets/{a}")["status"] == CLOSED  # not reopened by the reply
    # Staff are told where to write instead.
    body = problem(comment(desk.api, a, desk.staff, body="Noted"), 409, "number")
    assert body["merged_into"] == b
