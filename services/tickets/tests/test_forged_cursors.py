"""A cursor is opaque, but a client can forge one: whatever it decodes to (NUL, a lone
surrogate, a date past the calendar, nesting) is a 422 naming `cursor`, on both databases."""

from __future__ import annotations

import base64

import pytest
from helpers import ADMIN, SPECIALIST, ok, problem

from relay_tickets import bootstrap


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.integration)])
def api(request, harness, bus_namespace):
    url = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    return harness.runtime(bootstrap.spec, database_url=url, namespace=bus_namespace).app.test_client()


def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode("utf-8", "surrogatepass")).decode().rstrip("=")


@pytest.mark.parametrize(
    "raw",
    ['["a\\u0000", "x"]', '["\\ud800", "x"]', '["a", ' + "[" * 40 + "]" * 40 + "]", '["a", 1e999]'],
)
def test_a_forged_directory_cursor_is_refused(api, raw):
    ok(api.post("/companies", json={"name": "Acme"}, headers=ADMIN), 201)
    problem(api.get("/companies", query_string={"cursor": _cursor(raw)}, headers=ADMIN), 422, "cursor")


@pytest.mark.parametrize(
    "raw",
    [
        '["-updated_at", "9999-12-31T23:59:59-14:00", 1]',
        '["-updated_at", "0001-01-01T00:00:00+14:00", 1]',
        '["-updated_at", "2026-01-01T00:00:00\\u0000", 1]',
        '["-updated_at", "2026-01-01T00:00:00+00:00", 99999999999999999999999]',
    ],
)
def test_a_forged_ticket_list_cursor_is_refused(api, raw):
    ok(api.post("/tickets", json={"subject": "Printer"}, headers=SPECIALIST), 201)
    query = {"sort": "-updated_at", "cursor": _cursor(raw)}
    problem(api.get("/tickets", query_string=query, headers=SPECIALIST), 422, "cursor")
