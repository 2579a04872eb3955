"""The tickets service on PostgreSQL: migrations, the number sequence under concurrency."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from relaykit.kit_schema import outbox

pytestmark = pytest.mark.integration


def test_migrations_are_repeatable(pg_tickets):
    pg_tickets.migrate()  # a second run finds nothing to do
    with pg_tickets.db.sessions() as s:
        assert s.execute(select(func.count()).select_from(outbox)).scalar() == 0


def test_concurrent_creations_get_distinct_sequential_numbers_and_one_event_each(pg_tickets, staff):
    client = pg_tickets.app.test_client()

    def create(i):
        return client.post("/tickets", json={"subject": f"parallel {i}"}, headers=staff)

    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(create, range(40)))
    assert {r.status_code for r in responses} == {201}
    assert sorted(r.get_json()["number"] for r in responses) == list(range(1, 41))
    with pg_tickets.db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(outbox)) == 40
