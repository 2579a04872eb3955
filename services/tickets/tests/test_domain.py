"""The ticket aggregate and its lifecycle, with no I/O."""

from datetime import UTC, datetime, timedelta
from itertools import product

import pytest

from relay_contracts import validate
from relay_tickets.domain import events
from relay_tickets.domain.catalog import AttributeDefinition, Priority, TicketType, TypeSchema
from relay_tickets.domain.lifecycle import (
    CLOSED,
    DEFAULT_STATUSES,
    OPENED,
    POSTPONED,
    RESOLVED,
    Lifecycle,
    TransitionForbidden,
)
from relay_tickets.domain.parties import Actor, Party
from relay_tickets.domain.ticket import ContactRef, Ticket
from relaykit.bus import new_message
from relaykit.errors import Conflict, Forbidden, InvalidInput

NOW = datetime(2026, 11, 23, 9, 15, tzinfo=UTC)
AGENT = Actor("employee", "emp-1", "agent", "Sam")
CUSTOMER = Actor("contact", "con-1", "portal", "Anna")
SYSTEM = Actor("system", "tickets", "system")
STATUSES = {s.key: s for s in DEFAULT_STATUSES}
LIFECYCLE = Lifecycle()
SERVICE = TypeSchema(TicketType(1, "service_request", "Service request", is_default=True))
NORMAL = Priority(2, "normal", "Normal", "#0d6efd", is_default=True)
HIGH = Priority(3, "high", "High", "#fd7e14")
HARDWARE = TypeSchema(
    TicketType(4, "hardware", "Hardware"),
    (
        AttributeDefinition(1, 4, "serial", "Serial number", "text", required=True, visible_to_contacts=True),
        AttributeDefinition(2, 4, "units", "Units", "number"),
        AttributeDefinition(3, 4, "bought", "Bought on", "date"),
        AttributeDefinition(4, 4, "site", "Site", "list", options=("north", "south")),
    ),
)


def ticket(**kw) -> Ticket:
    args = {
        "id": "5d1e8a8e-2b5f-4c3e-9a57-4b0c2f7e9a11",
        "number": 7,
        "subject": "Printer jammed",
        "type_schema": SERVICE,
        "priority": NORMAL,
        "channel": "email",
        "actor": AGENT,
        "now": NOW,
    } | kw
    return Ticket.register(**args)


def at_status(status: str) -> Ticket:
    t = ticket()
    path = {OPENED: [], POSTPONED: [POSTPONED], RESOLVED: [RESOLVED], CLOSED: [RESOLVED, CLOSED]}[status]
    for step in path:
        until = NOW + timedelta(days=1) if step == POSTPONED else None
        t.change_status(step, AGENT, NOW, lifecycle=LIFECYCLE, statuses=STATUSES, until=until)
    t.events.clear()
    return t


def test_a_new_ticket_is_opened_and_raises_ticket_created_with_a_valid_contract():
    t = ticket(subject="  Printer jammed  ")
    assert (t.status, t.version, t.subject) == (OPENED, 1, "Printer jammed")
    (event,) = t.events
    assert (event.type, event.aggregate_id, event.sequence) == (events.CREATED, t.id, 1)
    message = new_message(
        event.type,
        event.data(),
        producer="tickets",
        aggregate_type="ticket",
        aggregate_id=event.aggregate_id,
        sequence=event.sequence,
    )
    validate(message.to_dict())


DEFAULT_ALLOWED = {
    (OPENED, POSTPONED),
    (OPENED, RESOLVED),
    (POSTPONED, OPENED),
    (POSTPONED, RESOLVED),
    (RESOLVED, CLOSED),
    (RESOLVED, OPENED),
}


@pytest.mark.parametrize(
    ("current", "target"), [p for p in product(STATUSES, STATUSES) if p[0] != p[1]], ids=lambda s: s
)
def test_every_pair_of_default_statuses(current, target):
    t = at_status(current)
    until = NOW + timedelta(hours=3) if target == POSTPONED else None
    if (current, target) in DEFAULT_ALLOWED:
        t.change_status(target, AGENT, NOW, lifecycle=LIFECYCLE, statuses=STATUSES, until=until)
        assert t.status == target
        (event,) = t.events
        assert event.type == events.STATUS_CHANGED and event.details["from"] == current
    else:
        with pytest.raises(TransitionForbidden) as e:
            t.change_status(target, AGENT, NOW, lifecycle=LIFECYCLE, statuses=STATUSES, until=until)
        assert e.value.extra["allowed"] == sorted(LIFECYCLE.allowed_from(current))
        assert e.value.status == 409 and t.status == current and not t.events


def test_the_same_status_again_is_a_conflict():
    with pytest.raises(Conflict):
        at_status(OPENED).change_status(OPENED, AGENT, NOW, lifecycle=LIFECYCLE, statuses=STATUSES)


def test_postponing_needs_a_future_until_and_only_postponing_takes_one():
    t = ticket()
    for until in (None, NOW, NOW - timedelta(minutes=1)):
        with pytest.raises(InvalidInput) as e:
            t.change_status(POSTPONED, AGENT, NOW, lifecycle=LIFECYCLE, statuses=STATUSES, until=until)
        assert "until" in e.value.errors
    with pytest.raises(InvalidInput):
        t.change_status(RESOLVED, AGENT, NOW, lifecycle=LIFECYCLE, statuses=STATUSES, until=NOW + timedelta(days=1))
    t.change_status(POSTPONED, AGENT, NOW, lifecycle=LIFECYCLE, statuses=STATUSES, until=NOW + timedelta(hours=2))
    assert not t.due_to_return(NOW + timedelta(hours=1, minutes=59))
    assert t.due_to_return(NOW + timedelta(hours=2))


def test_resolved_tickets_are_due_to_close_after_the_timeout():
    t = at_status(RESOLVED)
    assert not t.due_to_close(NOW + timedelta(hours=71, minutes=59), timedelta(hours=72))
    assert t.due_to_close(NOW + timedelta(hours=72), timedelta(hours=72))


def test_first_status_change_by_an_employee_is_the_first_reaction():
    t = ticket()
    t.change_status(RESOLVED, SYSTEM, NOW, lifecycle=LIFECYCLE, statuses=STATUSES)
    assert t.first_reaction_at is None
    t.change_status(OPENED, AGENT, NOW + timedelta(minutes=5), lifecycle=LIFECYCLE, statuses=STATUSES)
    assert t.first_reaction_at == NOW + timedelta(minutes=5)


COMMENT = {
    "id": "c1",
    "public": True,
    "body": "hi",
    "author": CUSTOMER.to_dict(),
    "channel": "portal",
    "mentions": [],
    "attachments": [],
    "created_at": NOW.isoformat(),
}


def test_a_customer_reply_reopens_a_resolved_ticket():
    t = at_status(RESOLVED)
    assert (
        t.comment_added(COMMENT, CUSTOMER, NOW, public=True, statuses=STATUSES, reopen_window=timedelta(days=7)) is None
    )
    assert t.status == OPENED
    assert [e.type for e in t.events] == [events.COMMENT_ADDED, events.STATUS_CHANGED]
    assert [e.sequence for e in t.events] == sorted({e.sequence for e in t.events})  # distinct, increasing


@pytest.mark.parametrize(
    ("after", "reopened"),
    [(timedelta(days=7), True), (timedelta(days=7, seconds=1), False)],
    ids=["at-the-edge", "just-past"],
)
def test_a_reply_to_a_closed_ticket_reopens_it_only_within_the_window(after, reopened):
    t = at_status(CLOSED)
    outcome = t.comment_added(
        COMMENT, CUSTOMER, NOW + after, public=True, statuses=STATUSES, reopen_window=timedelta(days=7)
    )
    if reopened:
        assert outcome is None and t.status == OPENED
    else:
        assert outcome == "follow_up" and t.status == CLOSED and not t.events


def test_an_agents_public_comment_is_the_first_reaction_and_a_private_one_is_not():
    t = ticket()
    agent_comment = COMMENT | {"author": AGENT.to_dict(), "public": False}
    t.comment_added(agent_comment, AGENT, NOW, public=False, statuses=STATUSES, reopen_window=timedelta(days=7))
    assert t.first_reaction_at is None
    t.comment_added(
        agent_comment,
        AGENT,
        NOW + timedelta(minutes=3),
        public=True,
        statuses=STATUSES,
        reopen_window=timedelta(days=7),
    )
    assert t.first_reaction_at == NOW + timedelta(minutes=3)


def test_edits_record_history_and_one_update_event_with_before_and_after():
    t = ticket()
    t.events.clear()
    changes = t.edit(AGENT, NOW, subject="Printer on floor 2 jammed", priority=HIGH, current_schema=SERVICE)
    assert changes == {
        "subject": {"before": "Printer jammed", "after": "Printer on floor 2 jammed"},
        "priority": {"before": "normal", "after": "high"},
    }
    (event,) = t.events
    assert event.type == events.UPDATED and event.details["changes"] == changes and t.version == 2
    assert {h.field for h in t.pending_history} == {"subject", "priority"}
    assert t.edit(AGENT, NOW, subject="Printer on floor 2 jammed", current_schema=SERVICE) == {}


def test_changing_the_type_checks_the_new_types_required_attributes():
    t = ticket()
    with pytest.raises(InvalidInput) as e:
        t.edit(AGENT, NOW, type_schema=HARDWARE, current_schema=SERVICE)
    assert "attributes.serial" in e.value.errors
    t.edit(AGENT, NOW, type_schema=HARDWARE, attributes={"serial": "SN-1"}, current_schema=SERVICE)
    assert (t.type, t.attributes) == ("hardware", {"serial": "SN-1"})


@pytest.mark.parametrize(
    ("attributes", "field"),
    [
        ({}, "attributes.serial"),
        ({"serial": 5}, "attributes.serial"),
        ({"serial": "x", "units": "many"}, "attributes.units"),
        ({"serial": "x", "bought": "yesterday"}, "attributes.bought"),
        ({"serial": "x", "site": "east"}, "attributes.site"),
        ({"serial": "x", "colour": "red"}, "attributes.colour"),
        ({"serial": "x", "units": True}, "attributes.units"),
    ],
)
def test_attributes_are_checked_by_kind(attributes, field):
    with pytest.raises(InvalidInput) as e:
        ticket(type_schema=HARDWARE, attributes=attributes)
    assert field in e.value.errors


def test_attribute_values_are_normalised():
    t = ticket(type_schema=HARDWARE, attributes={"serial": "SN", "units": "3", "bought": "2026-01-05", "site": "north"})
    assert t.attributes == {"serial": "SN", "units": 3, "bought": "2026-01-05", "site": "north"}


def test_assignment_and_observers_raise_ticket_assigned():
    t = ticket()
    t.events.clear()
    group, emp = Party("group", "g1"), Party("employee", "e1")
    assert t.assign(AGENT, NOW, responsible=group, add_observers=[emp])
    (event,) = t.events
    assert event.details["responsible"] == {"before": None, "after": group.to_dict()}
    assert event.details["observers"] == {"added": [emp.to_dict()], "removed": []}
    assert not t.assign(AGENT, NOW, responsible=group, add_observers=[emp])  # nothing changed
    with pytest.raises(InvalidInput):
        Party("contact", "x")


def test_sla_deadlines_never_override_a_persons():
    t = ticket()
    due = NOW + timedelta(hours=4)
    assert t.set_planned_times(AGENT, NOW, reaction_at=due, resolution_at=due, source="manual")
    assert not t.set_planned_times(SYSTEM, NOW, reaction_at=NOW, resolution_at=NOW, source="sla", rule="Default")
    assert (t.planned_resolution_at, t.planned_source) == (due, "manual")


def test_only_the_customer_rates_a_resolved_ticket():
    with pytest.raises(Conflict):
        ticket().rate("good", None, CUSTOMER, NOW)
    t = at_status(RESOLVED)
    with pytest.raises(Forbidden):
        t.rate("good", None, AGENT, NOW)
    with pytest.raises(InvalidInput):
        t.rate("excellent", None, CUSTOMER, NOW)
    t.rate("good", "thanks", CUSTOMER, NOW)
    assert (t.rating, t.events[-1].type) == ("good", events.RATED)


@pytest.mark.parametrize(
    ("kw", "field"),
    [({"subject": "   "}, "subject"), ({"subject": "x" * 251}, "subject"), ({"channel": "fax"}, "channel")],
)
def test_invalid_tickets_are_refused_naming_the_field(kw, field):
    with pytest.raises(InvalidInput) as e:
        ticket(**kw)
    assert field in e.value.errors


def test_lifecycles_from_data_refuse_unknown_statuses_and_loops():
    with pytest.raises(InvalidInput):
        Lifecycle.from_pairs([("opened", "waiting")], STATUSES)
    with pytest.raises(InvalidInput):
        Lifecycle.from_pairs([("opened", "opened")], STATUSES)
    custom = Lifecycle.from_pairs([("opened", "resolved"), ("resolved", "closed")], STATUSES)
    with pytest.raises(TransitionForbidden):
        custom.check("opened", "postponed")


def test_contact_reference():
    t = ticket(contact=ContactRef("contact", "con-1"))
    assert t.snapshot()["contact"] == {"kind": "contact", "id": "con-1"}
