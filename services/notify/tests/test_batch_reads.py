"""A consumer's batch of events reads the staff, their preferences, the templates and the
subscriptions once for the whole transaction. Whether the staff come all at once or one
at a time (a desk with more than STAFF_AT_ONCE of them), the same people hear the same
things; a change to the directory inside the batch is seen by the events after it."""

from __future__ import annotations

import pytest

from relay_notify.service_layer import config, copies, feed


def _batch(desk, *messages) -> None:
    """Every message in one transaction, as the consumer worker commits a batch."""
    with desk.rt.db.session() as session:
        for msg in messages:
            desk.handlers[msg.type](session, msg)


def _scenario(desk) -> set[tuple[str, str, str]]:
    ann, bob, cid = desk.employee("Ann Agent"), desk.employee("Bob Agent"), desk.employee("Cid Agent")
    feed.set_preferences(desk.rt, bob["id"], {"channels": {"email": False}})
    tickets = [desk.ticket(subject=f"Request {n}") for n in range(3)]
    _batch(desk, *(desk.assigned(t, who) for t, who in zip(tickets, (ann, bob, cid), strict=True)))
    return {(r["recipient_name"], r["channel"], r["notification"]) for r in desk.rows(event_type="ticket.assigned")}


@pytest.mark.parametrize("at_once", [True, False], ids=["at once", "one by one"])
def test_staff_loaded_at_once_or_one_by_one_tell_the_same_people(desk, monkeypatch, at_once):
    if not at_once:
        monkeypatch.setattr(copies, "STAFF_AT_ONCE", 1)
        monkeypatch.setattr(config, "every_preference", lambda session, at_most=2000: None)
    assert _scenario(desk) == {
        ("Ann Agent", "email", "assigned"),
        ("Ann Agent", "inapp", "assigned"),
        ("Bob Agent", "inapp", "assigned"),  # no email: his preference, read with everyone's
        ("Cid Agent", "email", "assigned"),
        ("Cid Agent", "inapp", "assigned"),
    }


@pytest.mark.parametrize("limit", [2000, 0])
def test_a_directory_change_inside_the_batch_is_seen_by_the_events_after_it(desk, monkeypatch, limit):
    monkeypatch.setattr(copies, "STAFF_AT_ONCE", limit)
    ann = desk.employee("Ann Agent")
    first, second = desk.ticket(subject="First"), desk.ticket(subject="Second")
    moved = {**ann, "email": "ann.new@relay.example", "version": ann["version"] + 1}
    changed = desk.message(
        "employee.changed",
        {"change": "updated", "employee": moved},
        aggregate_type="employee",
        aggregate_id=ann["id"],
        sequence=moved["version"],
    )
    _batch(desk, desk.assigned(first, ann), changed, desk.assigned(second, ann))
    mails = {r["ticket_number"]: r["address"] for r in desk.rows(channel="email", event_type="ticket.assigned")}
    assert mails == {first["number"]: "ann.agent@relay.example", second["number"]: "ann.new@relay.example"}
