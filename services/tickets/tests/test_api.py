"""The tickets API through HTTP (SQLite, in-process): behaviour, bad input, denials."""

import json

import pytest
from helpers import post_ticket, problem
from sqlalchemy import select

from relay_contracts import validate
from relaykit.kit_schema import outbox
from relaykit.testing.harness import signed


def test_create_read_and_list(client, staff):
    r = post_ticket(client, staff, description="Floor 2, since this morning", channel="agent")
    assert r.status_code == 201
    t = r.get_json()
    assert t["status"] == "opened" and t["channel"] == "agent" and t["number"] == 1 and t["version"] == 1
    assert r.headers["Location"] == "/tickets/1"
    assert client.get("/tickets/1", headers=staff).get_json() == t
    # A staff list item also says who wrote the newest comment (the agents' list marks unread).
    assert client.get("/tickets", headers=staff).get_json() == {
        "items": [t | {"last_comment_by": None}],
        "next_cursor": None,
    }


def test_creation_writes_ticket_created_to_the_outbox_with_the_request_correlation_id(client, staff, tickets):
    post_ticket(client, staff | {"X-Correlation-Id": "req-42"})
    with tickets.db.sessions() as s:
        row = s.execute(select(outbox)).one()
    message = json.loads(row.body)
    validate(message)
    assert message["type"] == "ticket.created" and message["correlation_id"] == "req-42"
    assert message["sequence"] == 1 and message["data"]["ticket"]["number"] == 1


def test_numbers_are_sequential_and_pages_follow_the_cursor(client, staff):
    for i in range(7):
        post_ticket(client, staff, subject=f"ticket {i}")
    page1 = client.get("/tickets?limit=3", headers=staff).get_json()
    assert [t["number"] for t in page1["items"]] == [7, 6, 5] and page1["next_cursor"]
    page2 = client.get("/tickets", query_string={"limit": 3, "cursor": page1["next_cursor"]}, headers=staff).get_json()
    assert [t["number"] for t in page2["items"]] == [4, 3, 2]
    page3 = client.get("/tickets", query_string={"limit": 3, "cursor": page2["next_cursor"]}, headers=staff).get_json()
    assert [t["number"] for t in page3["items"]] == [1] and page3["next_cursor"] is None
    assert client.get("/tickets?status=opened&status=closed", headers=staff).get_json()["items"][0]["number"] == 7
    assert client.get("/tickets?status=closed", headers=staff).get_json()["items"] == []


@pytest.mark.parametrize(
    ("kwargs", "status", "field"),
    [
        ({"json": {}}, 422, "subject"),
        ({"json": {"subject": ""}}, 422, "subject"),
        ({"json": {"subject": "   "}}, 422, "subject"),
        ({"json": {"subject": 42}}, 422, "subject"),
        ({"json": {"subject": ["a"]}}, 422, "subject"),
        ({"json": {"subject": "x" * 251}}, 422, "subject"),
        ({"json": {"subject": "ok", "description": 5}}, 422, "description"),
        ({"json": {"subject": "ok", "colour": "red"}}, 422, "colour"),
        ({"json": {"subject": "ok", "channel": "fax"}}, 422, "channel"),
        ({"json": "just a string"}, 422, "body"),
        ({"data": '{"subject": "unterminated', "content_type": "application/json"}, 400, "body"),
        ({"data": "subject=x", "content_type": "text/plain"}, 415, "Content-Type"),
        (
            {"data": json.dumps({"subject": "x", "description": "y" * 70_000}), "content_type": "application/json"},
            413,
            "body",
        ),
    ],
    ids=[
        "missing",
        "empty",
        "blank",
        "int",
        "list",
        "long",
        "desc-type",
        "unknown-field",
        "channel",
        "string",
        "malformed",
        "content-type",
        "oversize",
    ],
)
def test_bad_input_is_a_4xx_problem_naming_the_field(client, staff, kwargs, status, field):
    problem(client.post("/tickets", headers=staff, **kwargs), status, field)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=ten", "limit"),
        ("cursor=-1", "cursor"),
        ("cursor=x", "cursor"),
        ("status=", "status.0"),
        ("colour=red", "colour"),
    ],
)
def test_bad_list_queries_are_problems(client, staff, query, field):
    problem(client.get(f"/tickets?{query}", headers=staff), 422, field)


def test_missing_tickets_and_routes_are_404_problems(client, staff):
    problem(client.get("/tickets/999", headers=staff), 404, "number")
    problem(client.get("/tickets/abc", headers=staff), 404)
    problem(client.delete("/tickets/1", headers=staff), 405)


def test_callers_without_a_valid_staff_identity_are_refused(client, staff):
    post_ticket(client, staff)
    for call in (
        lambda h: client.get("/tickets", headers=h),
        lambda h: client.get("/tickets/1", headers=h),
        lambda h: post_ticket(client, h),
    ):
        problem(call({}), 401)
        problem(call(signed(secret="forged")), 401)
        problem(call({"X-Relay-Identity": "garbage"}), 401)
        # Customers use the portal, which only shows their own organisation's tickets.
        problem(call(signed(role="contact", organization="acme")), 403)


def test_system_callers_may_create_tickets(client):
    assert post_ticket(client, signed(role="system", subject="mail-ingest")).status_code == 201
