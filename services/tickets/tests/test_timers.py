"""Postponed tickets come back by themselves; resolved ones close after the desk's timeout."""

from datetime import UTC, datetime, timedelta

import pytest
from helpers import SPECIALIST

from relay_tickets.adapters.tables.settings import desk_settings
from relay_tickets.service_layer.timers import TicketTimers
from relay_tickets.service_layer.unit_of_work import settings_store
from relaykit.clock import FrozenClock

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def clocked(tickets):
    tickets.clock = FrozenClock(T0)
    return tickets, tickets.clock, TicketTimers(tickets)


def _ticket(client):
    return client.post("/tickets", json={"subject": "Timer"}, headers=SPECIALIST).get_json()["number"]


def _status(client, number):
    return client.get(f"/tickets/{number}", headers=SPECIALIST).get_json()


def test_a_postponed_ticket_returns_to_opened_at_its_time(client, clocked):
    _, clock, timers = clocked
    number = _ticket(client)
    until = T0 + timedelta(hours=5)
    client.post(
        f"/tickets/{number}/status", json={"status": "postponed", "until": until.isoformat()}, headers=SPECIALIST
    )
    clock.set(until - timedelta(seconds=1))
    assert timers.tick() == {"returned": 0, "closed": 0}
    assert _status(client, number)["status"] == "postponed"
    clock.set(until)
    assert timers.tick()["returned"] == 1
    t = _status(client, number)
    assert (t["status"], t["postponed_until"]) == ("opened", None)
    assert timers.tick()["returned"] == 0  # once


@pytest.mark.parametrize("hours", [72, 1])
def test_a_resolved_ticket_closes_after_the_configured_timeout(client, clocked, hours):
    rt, clock, timers = clocked
    if hours != 72:
        with rt.db.session() as s:
            s.execute(desk_settings.update().where(desk_settings.c.key == "auto_close_hours").values(value=hours))
        settings_store(rt).invalidate()
    number = _ticket(client)
    client.post(f"/tickets/{number}/status", json={"status": "resolved"}, headers=SPECIALIST)
    clock.set(T0 + timedelta(hours=hours) - timedelta(seconds=1))
    assert timers.tick()["closed"] == 0
    clock.set(T0 + timedelta(hours=hours))
    assert timers.tick()["closed"] == 1
    t = _status(client, number)
    assert t["status"] == "closed" and t["closed_at"] == (T0 + timedelta(hours=hours)).isoformat()


def test_a_ticket_reopened_before_its_timeout_is_not_closed(client, clocked):
    _, clock, timers = clocked
    number = _ticket(client)
    client.post(f"/tickets/{number}/status", json={"status": "resolved"}, headers=SPECIALIST)
    clock.advance(timedelta(hours=10))
    client.post(f"/tickets/{number}/status", json={"status": "opened"}, headers=SPECIALIST)
    clock.advance(timedelta(hours=100))
    assert timers.tick()["closed"] == 0
    assert _status(client, number)["status"] == "opened"


def test_the_timers_run_as_a_background_task_of_the_worker(tickets):
    names = [t.name for t in tickets.tasks()]
    assert "ticket-timers" in names and "outbox-relay" in names and "consumers" in names
