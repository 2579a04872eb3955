"""The SLA service end to end through the bus: ticket events in, deadlines (as the
tickets service's planned times), warnings and breaches out."""

from datetime import UTC, datetime

from sla_bus import ADMIN, SPECIALIST, new_ticket, registry_example, sent, ticket_event

from relay_sla.service_layer.firing import SlaClock
from relaykit.testing.harness import publish, wait_for


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def planned(rt, ticket_id: str, count: int) -> dict:
    found = wait_for(lambda: len(sent(rt, "tickets.set_planned_times", ticket_id)) >= count, what=f"{count} planned")
    assert found
    return sent(rt, "tickets.set_planned_times", ticket_id)[-1]


def status(ticket: dict, new: str, when: datetime, seq: int, *, kind="open", paused=False) -> dict:
    ticket.update(status=new, status_kind=kind, sla_paused=paused)
    return ticket_event("ticket.status_changed", ticket, sequence=seq, occurred_at=when, to=new)


def test_a_new_ticket_gets_the_default_rule_deadlines_as_planned_times(consuming, api):
    ticket = new_ticket(1, at(23, 12))
    publish(consuming, ticket_event("ticket.created", ticket, sequence=1, occurred_at=at(23, 12)))
    command = planned(consuming, ticket["id"], 1)
    # Default rule: Mon-Fri 09-18 UTC, reaction 4 h, resolution 18 working hours.
    assert command["reaction_due_at"] == at(23, 16).isoformat()
    assert command["resolution_due_at"] == at(25, 12).isoformat()
    assert command["rule"] == "Default"
    state = api.get(f"/tickets/{ticket['id']}", headers=SPECIALIST).get_json()
    assert state["rule"]["name"] == "Default" and state["state"] == "running"
    assert state["resolution"]["due_at"] == at(25, 12).isoformat()


def test_postponing_pauses_and_resuming_moves_the_deadline(consuming, api):
    ticket = new_ticket(2, at(23, 9))
    publish(consuming, ticket_event("ticket.created", ticket, sequence=1, occurred_at=at(23, 9)))
    assert planned(consuming, ticket["id"], 1)["resolution_due_at"] == at(24, 18).isoformat()
    publish(consuming, status(ticket, "postponed", at(23, 10), 2, paused=True))
    wait_for(lambda: api.get(f"/tickets/{ticket['id']}", headers=SPECIALIST).get_json()["state"] == "paused")
    publish(consuming, status(ticket, "opened", at(23, 13), 3))
    # Three working hours paused: the resolution deadline moves from Tuesday 18:00 by 3 h.
    command = planned(consuming, ticket["id"], 2)
    assert command["resolution_due_at"] == at(25, 12).isoformat()
    kinds = [e["kind"] for e in api.get(f"/tickets/{ticket['id']}/timeline", headers=SPECIALIST).get_json()["items"]]
    assert kinds == ["registered", "state", "state"]


def test_reopening_restarts_the_resolution_clock_and_figures_are_net(consuming, api):
    ticket = new_ticket(3, at(23, 9))
    publish(consuming, ticket_event("ticket.created", ticket, sequence=1, occurred_at=at(23, 9)))
    planned(consuming, ticket["id"], 1)
    ticket["first_reaction_at"] = at(23, 9, 30).isoformat()
    publish(consuming, status(ticket, "resolved", at(23, 10), 2, kind="closed"))
    wait_for(lambda: api.get(f"/tickets/{ticket['id']}", headers=SPECIALIST).get_json()["state"] == "stopped")
    state = api.get(f"/tickets/{ticket['id']}", headers=SPECIALIST).get_json()
    assert state["figures"]["resolution"] == {"wall_seconds": 3600, "working_seconds": 3600}
    assert state["figures"]["first_response"]["working_seconds"] == 1800
    publish(consuming, status(ticket, "opened", at(30, 9), 3))  # a week later
    # One working hour was used: 17 remain from Monday 30th 09:00.
    assert planned(consuming, ticket["id"], 2)["resolution_due_at"] == datetime(2026, 12, 1, 17, tzinfo=UTC).isoformat()
    publish(consuming, status(ticket, "closed", at(30, 9, 30), 4, kind="closed"))
    wait_for(lambda: api.get(f"/tickets/{ticket['id']}", headers=SPECIALIST).get_json()["state"] == "stopped")
    figures = api.get(f"/tickets/{ticket['id']}", headers=SPECIALIST).get_json()["figures"]
    assert figures["resolution"] == {"wall_seconds": 5400, "working_seconds": 5400}


def test_a_priority_change_recomputes_from_registration_with_the_new_rule(consuming, api):
    publish(consuming, settings_changed())
    wait_for(lambda: api.get("/rules", headers=SPECIALIST).status_code == 200)
    wait_for(lambda: api.post("/rules", json=CRITICAL_RULE, headers=ADMIN).status_code == 201, what="rule accepted")
    ticket = new_ticket(4, at(23, 9))
    publish(consuming, ticket_event("ticket.created", ticket, sequence=1, occurred_at=at(23, 9)))
    planned(consuming, ticket["id"], 1)
    ticket["priority"] = "critical"
    publish(
        consuming,
        ticket_event(
            "ticket.updated",
            ticket,
            sequence=2,
            occurred_at=at(23, 9, 10),
            changes={"priority": {"before": "normal", "after": "critical"}},
        ),
    )
    command = planned(consuming, ticket["id"], 2)
    assert command["rule"] == "Critical"
    assert command["reaction_due_at"] == at(23, 9, 30).isoformat()  # counted from registration
    assert command["resolution_due_at"] == at(23, 13).isoformat()


def test_warnings_and_breaches_fire_once_at_their_moment(consuming):
    ticket = new_ticket(5, at(23, 9))
    publish(consuming, ticket_event("ticket.created", ticket, sequence=1, occurred_at=at(23, 9)))
    planned(consuming, ticket["id"], 1)
    clock = SlaClock(consuming)
    assert clock.tick(at(23, 11, 59)) == 0
    assert clock.tick(at(23, 12)) == 1  # 75 % of the 4 h reaction time
    assert [(w["clock"], w["fraction"]) for w in sent(consuming, "sla.warning")] == [("reaction", 0.75)]
    assert clock.tick(at(23, 12, 30)) == 0  # fired already: nothing doubles
    assert clock.tick(at(23, 13)) == 1
    (breach,) = sent(consuming, "sla.breached")
    assert breach["clock"] == "reaction" and breach["due_at"] == at(23, 13).isoformat()
    assert breach["number"] == 5 and breach["rule"] == "Default"
    # Days later, everything still due fires together, the resolution warning and breach.
    assert clock.tick(at(27, 9)) == 1
    assert [(b["clock"], b["fraction"]) for b in sent(consuming, "sla.breached")] == [
        ("reaction", 1.0),
        ("resolution", 1.0),
    ]
    assert clock.tick(at(28, 9)) == 0


def test_a_paused_ticket_does_not_fire_until_it_runs_again(consuming):
    ticket = new_ticket(6, at(23, 9))
    publish(consuming, ticket_event("ticket.created", ticket, sequence=1, occurred_at=at(23, 9)))
    ticket["first_reaction_at"] = at(23, 9, 5).isoformat()
    publish(consuming, status(ticket, "postponed", at(23, 9, 5), 2, paused=True))
    wait_for(lambda: len(sent(consuming, "tickets.set_planned_times", ticket["id"])) >= 1)
    clock = SlaClock(consuming)
    wait_for(lambda: clock.tick(at(26, 9)) == 0 and True)
    assert sent(consuming, "sla.warning") == [] and sent(consuming, "sla.breached") == []


def settings_changed(sequence: int = 1) -> dict:
    return registry_example(
        "settings.changed",
        sequence,
        priorities=[
            {"key": key, "name": key.title(), "position": i, "active": True}
            for i, key in enumerate(["low", "normal", "high", "critical"])
        ],
    )


CRITICAL_RULE = {
    "name": "Critical",
    "conditions": {"priorities": ["critical"]},
    "calendar_id": 1,
    "reaction_minutes": 30,
    "resolution_minutes": 4 * 60,
}


def test_an_update_of_fields_no_clock_depends_on_is_passed_over_without_reading_anything():
    from relay_sla.entrypoints.consumers import ticket_changed
    from relaykit.bus import Message

    ticket = new_ticket(7, at(23, 9))
    echo = ticket_event(
        "ticket.updated",
        ticket,
        sequence=2,
        occurred_at=at(23, 9, 1),
        changes={
            "planned_reaction_at": {"before": None, "after": at(23, 13).isoformat()},
            "sla_rule": {"before": None, "after": "Default"},
            "subject": {"before": "a", "after": "b"},
        },
    )
    ticket_changed(None, None, Message.from_dict(echo))  # neither runtime nor session is touched

    echo["data"]["changes"]["priority"] = {"before": "normal", "after": "high"}
    try:
        ticket_changed(None, None, Message.from_dict(echo))
    except AttributeError:
        pass  # it went on to the clocks (and needed the runtime this test did not give)
    else:
        raise AssertionError("a priority change must reach the clocks")


def test_a_holiday_added_to_the_calendar_moves_the_open_tickets_deadlines(consuming, api):
    from relay_sla.service_layer.recompute import CalendarFollower

    open_ticket = new_ticket(8, at(23, 9))
    publish(consuming, ticket_event("ticket.created", open_ticket, sequence=1, occurred_at=at(23, 9)))
    assert planned(consuming, open_ticket["id"], 1)["resolution_due_at"] == at(24, 18).isoformat()
    resolved = new_ticket(9, at(23, 9))
    publish(consuming, ticket_event("ticket.created", resolved, sequence=1, occurred_at=at(23, 9)))
    planned(consuming, resolved["id"], 1)
    publish(consuming, status(resolved, "resolved", at(23, 10), 2, kind="closed"))
    wait_for(lambda: api.get(f"/tickets/{resolved['id']}", headers=SPECIALIST).get_json()["state"] == "stopped")
    follower = CalendarFollower(consuming)
    assert follower.tick() == 0  # nothing was edited

    definition = api.get("/calendars/1", headers=SPECIALIST).get_json()["definition"]
    definition["exceptions"] = [{"date": "2026-11-24", "name": "Founders' day"}]
    assert api.patch("/calendars/1", json={"definition": definition}, headers=ADMIN).status_code == 200

    assert follower.tick() == 1  # the open ticket; the resolved one has nothing left to fall due
    command = planned(consuming, open_ticket["id"], 2)
    # 9 working hours on Monday, Tuesday off, the other 9 on Wednesday.
    assert command["resolution_due_at"] == at(25, 18).isoformat()
    assert command["reaction_due_at"] == at(23, 13).isoformat()
    state = api.get(f"/tickets/{open_ticket['id']}", headers=SPECIALIST).get_json()
    assert state["resolution"]["due_at"] == at(25, 18).isoformat()
    assert follower.tick() == 0  # done, and nothing doubles
    assert len(sent(consuming, "tickets.set_planned_times", resolved["id"])) == 1

    # A change that moves nothing (the name) is followed without telling anyone.
    assert api.patch("/calendars/1", json={"name": "Office hours"}, headers=ADMIN).status_code == 200
    assert follower.tick() == 1
    assert len(sent(consuming, "tickets.set_planned_times", open_ticket["id"])) == 2
