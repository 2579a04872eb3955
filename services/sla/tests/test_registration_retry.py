"""A ticket whose SLA registration failed is recorded with the reason and registered again
once the cause is fixed, without a new ticket event; its later events are not lost."""

from datetime import UTC, datetime, timedelta

import pytest
from sla_bus import ADMIN, SPECIALIST, new_ticket, sent, ticket_event
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, insert, select, update

from relay_sla.adapters.orm import calendars, rules, tickets, unregistered
from relay_sla.bootstrap import spec
from relay_sla.service_layer import clocks, registration
from relay_sla.service_layer.registration import RegistrationRetry
from relaykit.clock import FrozenClock
from relaykit.testing.harness import publish, wait_for

MONDAY_9 = datetime(2026, 11, 23, 9, tzinfo=UTC)
OFFICE = {"timezone": "UTC", "week": {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}}
# As a calendar could be stored before calendars without working time were refused.
NO_WORKING_TIME = {"timezone": "UTC", "week": {}}


def legacy_calendar(rt, name: str, definition: dict) -> int:
    with rt.db.sessions() as s:
        new_id = s.execute(
            insert(calendars).values(
                name=name, definition=definition, version=1, created_at=MONDAY_9, updated_at=MONDAY_9
            )
        ).inserted_primary_key[0]
        s.commit()
    return new_id


def critical_rule_on(rt, calendar_id: int) -> None:
    """A rule for critical tickets on that calendar, as stored before the checks."""
    with rt.db.sessions() as s:
        s.execute(
            insert(rules).values(
                name="Critical",
                position=10,
                enabled=True,
                is_default=False,
                conditions={"priorities": ["critical"]},
                calendar_id=calendar_id,
                reaction_minutes=60,
                resolution_minutes=8 * 60,
                warn_fractions=[0.75],
                version=1,
                created_at=MONDAY_9,
                updated_at=MONDAY_9,
            )
        )
        s.commit()


def records(rt) -> dict[str, dict]:
    with rt.db.sessions() as s:
        return {r.ticket_id: dict(r._mapping) for r in s.execute(select(unregistered))}


def known(rt, ticket_id: str) -> bool:
    with rt.db.sessions() as s:
        return s.scalar(select(func.count()).where(tickets.c.ticket_id == ticket_id)) == 1


def test_a_ticket_registered_against_a_calendar_without_working_time_gets_its_deadlines_once_it_is_fixed(
    consuming, api
):
    consuming.clock.set(MONDAY_9)
    broken = legacy_calendar(consuming, "Legacy", NO_WORKING_TIME)
    critical_rule_on(consuming, broken)
    retry = RegistrationRetry(consuming)
    ticket = new_ticket(1, MONDAY_9, priority="critical")
    publish(consuming, ticket_event("ticket.created", ticket, sequence=1, occurred_at=MONDAY_9))

    record = wait_for(lambda: records(consuming).get(ticket["id"]), what="the failure recorded")
    assert "no working time" in record["reason"] and record["attempts"] == 1 and record["number"] == 1
    assert not known(consuming, ticket["id"]) and sent(consuming, "tickets.set_planned_times") == []
    answer = api.get(f"/tickets/{ticket['id']}", headers=SPECIALIST)
    assert answer.status_code == 404 and "no working time" in answer.get_json()["detail"]
    (listed,) = api.get("/unregistered-tickets", headers=SPECIALIST).get_json()["items"]
    assert listed["ticket_id"] == ticket["id"] and "no working time" in listed["reason"]
    assert retry.tick() == 0  # nothing changed and the backoff has not passed

    # The ticket goes on living while unregistered: postponed at 10:00.
    ticket.update(status="postponed", sla_paused=True)
    publish(
        consuming,
        ticket_event("ticket.status_changed", ticket, sequence=2, occurred_at=MONDAY_9 + timedelta(hours=1)),
    )
    wait_for(lambda: records(consuming)[ticket["id"]]["attempts"] == 2, what="the later event recorded")
    assert records(consuming)[ticket["id"]]["first_snapshot"]["status"] == "opened"

    # The administrator fixes the calendar through the API; no ticket event follows.
    fixed = api.patch(f"/calendars/{broken}", json={"definition": OFFICE}, headers=ADMIN)
    assert fixed.status_code == 200, fixed.get_data(as_text=True)
    assert retry.tick() == 1
    assert records(consuming) == {}
    (command,) = sent(consuming, "tickets.set_planned_times", ticket["id"])
    assert command["rule"] == "Critical"
    assert command["reaction_due_at"] == (MONDAY_9 + timedelta(hours=1)).isoformat()
    state = api.get(f"/tickets/{ticket['id']}", headers=SPECIALIST).get_json()
    assert state["rule"]["name"] == "Critical" and state["state"] == "paused"
    timeline = api.get(f"/tickets/{ticket['id']}/timeline", headers=SPECIALIST).get_json()["items"]
    assert [(e["kind"], e["at"]) for e in timeline] == [
        ("registered", MONDAY_9.isoformat()),
        ("state", (MONDAY_9 + timedelta(hours=1)).isoformat()),
    ]
    assert retry.tick() == 0 and api.get("/unregistered-tickets", headers=SPECIALIST).get_json()["items"] == []


def test_a_rule_change_through_the_api_fixes_the_registration_too(consuming, api):
    broken = legacy_calendar(consuming, "Legacy", NO_WORKING_TIME)
    critical_rule_on(consuming, broken)
    ticket = new_ticket(2, MONDAY_9, priority="critical")
    publish(consuming, ticket_event("ticket.created", ticket, sequence=1, occurred_at=MONDAY_9))
    wait_for(lambda: ticket["id"] in records(consuming), what="the failure recorded")
    retry = RegistrationRetry(consuming)
    assert retry.tick() == 0

    with consuming.db.sessions() as s:
        rule_id = s.scalar(select(rules.c.id).where(rules.c.name == "Critical"))
    # A rule cannot be pointed at a calendar that cannot give deadlines...
    refused = api.patch(f"/rules/{rule_id}", json={"calendar_id": broken}, headers=ADMIN)
    assert refused.status_code == 422 and refused.get_json()["errors"][0]["field"] == "calendar_id"
    # ...and moving it to one that can registers the ticket.
    assert api.patch(f"/rules/{rule_id}", json={"calendar_id": 1}, headers=ADMIN).status_code == 200
    assert retry.tick() == 1
    assert sent(consuming, "tickets.set_planned_times", ticket["id"])[0]["rule"] == "Critical"
    assert records(consuming) == {}


def test_a_failure_outside_the_settings_is_tried_again_on_a_schedule(harness, bus_namespace, monkeypatch):
    rt = harness.runtime(spec, namespace=bus_namespace)
    rt.clock = FrozenClock(MONDAY_9)
    real_plan = clocks.plan_registration

    def bug(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(clocks, "plan_registration", bug)
    ticket = new_ticket(3, MONDAY_9)
    with rt.db.sessions() as s:
        assert registration.register(rt, s, ticket, MONDAY_9) is False
        s.commit()
    record = records(rt)[ticket["id"]]
    assert record["reason"] == "RuntimeError: a bug"
    assert record["next_try_at"] == MONDAY_9 + timedelta(minutes=1)
    retry = RegistrationRetry(rt)
    assert retry.tick() == 0
    rt.clock.advance(timedelta(minutes=1))
    assert retry.tick() == 1  # still failing: the backoff doubles
    assert records(rt)[ticket["id"]]["attempts"] == 2
    assert records(rt)[ticket["id"]]["next_try_at"] == MONDAY_9 + timedelta(minutes=3)
    monkeypatch.setattr(clocks, "plan_registration", real_plan)
    rt.clock.advance(timedelta(minutes=2))
    assert retry.tick() == 1
    assert records(rt) == {} and known(rt, ticket["id"])
    assert len(sent(rt, "tickets.set_planned_times", ticket["id"])) == 1


def test_a_registration_outside_the_supported_years_is_recorded_not_dead_lettered(harness, bus_namespace):
    rt = harness.runtime(spec, namespace=bus_namespace)
    ticket = new_ticket(4, datetime(2300, 1, 1, tzinfo=UTC))
    with rt.db.sessions() as s:
        assert registration.register(rt, s, ticket, MONDAY_9) is False
        s.commit()
    assert "1900 to 2200" in records(rt)[ticket["id"]]["reason"]


def test_a_database_outage_is_not_recorded_but_left_to_the_bus(harness, bus_namespace, monkeypatch):
    rt = harness.runtime(spec, namespace=bus_namespace)

    def outage(*args, **kwargs):
        raise sa_exc.OperationalError("INSERT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(clocks, "plan_registration", outage)
    with rt.db.sessions() as s, pytest.raises(sa_exc.OperationalError):
        registration.register(rt, s, new_ticket(5, MONDAY_9), MONDAY_9)
    assert records(rt) == {}


def test_a_failure_while_writing_is_left_to_the_bus_not_recorded(harness, bus_namespace, monkeypatch):
    # Only the computing is caught without a savepoint; a fault after the first write
    # must not commit half a registration beside a record.
    rt = harness.runtime(spec, namespace=bus_namespace)

    def broken(*args, **kwargs):
        raise RuntimeError("a bug while writing")

    monkeypatch.setattr(clocks, "append_entries", broken)
    with rt.db.sessions() as s, pytest.raises(RuntimeError, match="while writing"):
        registration.register(rt, s, new_ticket(7, MONDAY_9), MONDAY_9)
    assert records(rt) == {}


def test_an_unreadable_stored_calendar_is_retried_once_it_is_readable(harness, bus_namespace):
    rt = harness.runtime(spec, namespace=bus_namespace)
    broken = legacy_calendar(rt, "Typo", {"timezone": "Europe/Berln", "week": OFFICE["week"]})
    critical_rule_on(rt, broken)
    ticket = new_ticket(6, MONDAY_9, priority="critical")
    with rt.db.sessions() as s:
        assert registration.register(rt, s, ticket, MONDAY_9) is False
        s.commit()
    assert "Europe/Berln" in records(rt)[ticket["id"]]["reason"]
    with rt.db.sessions() as s:
        s.execute(update(calendars).where(calendars.c.id == broken).values(definition=OFFICE, version=2))
        s.commit()
    assert RegistrationRetry(rt).tick() == 1 and known(rt, ticket["id"])


@pytest.mark.integration
def test_replicas_retrying_together_register_each_ticket_once(harness, pg_url):
    from test_clock_postgres import drain_together

    rt = harness.runtime(spec, database_url=pg_url)
    broken = legacy_calendar(rt, "Legacy", NO_WORKING_TIME)
    critical_rule_on(rt, broken)
    ids = []
    with rt.db.sessions() as s:
        for n in range(1, 121):
            ticket = new_ticket(n, MONDAY_9 + timedelta(minutes=n), priority="critical")
            ids.append(ticket["id"])
            assert registration.register(rt, s, ticket, MONDAY_9) is False
        s.commit()
    assert len(records(rt)) == 120
    with rt.db.sessions() as s:
        s.execute(update(calendars).where(calendars.c.id == broken).values(definition=OFFICE, version=2))
        s.commit()
    replicas = [
        RegistrationRetry(harness.runtime(spec, database_url=pg_url, migrate=False), batch=25) for _ in range(3)
    ]
    drain_together([r.tick for r in replicas])
    assert records(rt) == {}
    commands = sent(rt, "tickets.set_planned_times")
    assert sorted(c["ticket_id"] for c in commands) == sorted(ids)  # each ticket once
