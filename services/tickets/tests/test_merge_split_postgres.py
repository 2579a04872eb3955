"""Merge and split on PostgreSQL: the main flows of test_merge_split (collected here
again with a PostgreSQL desk), and two merges of the same pair at once."""

from __future__ import annotations

import threading

import pytest
from test_activity_api import SPEC, Desk, customer_ticket, make_desk
from test_merge_split import (  # noqa: F401 - collected again here, on PostgreSQL
    test_a_comment_splits_into_a_linked_ticket_of_the_same_client,
    test_a_merge_moves_comments_files_time_and_observers_and_closes_the_source_linked,
    test_a_repeated_merge_with_its_idempotency_key_answers_the_first_result,
    test_refusals_name_the_field,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def desk(harness, pg_url, bus_namespace) -> Desk:
    rt = harness.runtime(SPEC, database_url=pg_url, namespace=bus_namespace, max_body_bytes=64 * 1024)
    assert rt.db.is_postgres
    return make_desk(rt)


def _at_once(desk: Desk, pairs: list[tuple[int, int]]) -> list[int]:
    start = threading.Barrier(len(pairs))
    statuses: dict[int, int] = {}

    def run(source: int, target: int) -> None:
        client = desk.rt.app.test_client()
        start.wait()
        statuses[source] = client.post(
            f"/tickets/{source}/merge", json={"into": target}, headers=desk.staff
        ).status_code

    threads = [threading.Thread(target=run, args=pair) for pair in pairs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(statuses.values())


def test_two_merges_of_one_pair_either_way_at_once_one_wins_the_other_is_told(desk):
    for _ in range(5):
        a, b = (customer_ticket(desk)["number"] for _ in range(2))
        assert _at_once(desk, [(a, b), (b, a)]) == [200, 409]
