"""What the SLA service answers about time: a ticket's SLA state and timeline, and
previews of the calendar arithmetic (due moment, working time between two moments)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import select

from relay_sla.adapters.orm import tickets
from relay_sla.domain.calendar import (
    NoWorkingTime,
    OutsideSupportedYears,
    WorkingCalendar,
    parse_calendar,
    require_working_time,
)
from relay_sla.domain.clocks import CLOCKS, REACTION
from relay_sla.domain.rules import TicketFacts, matching_rule
from relay_sla.service_layer.book import book
from relay_sla.service_layer.clocks import clocks_of, timeline_of
from relay_sla.service_layer.registration import unregistered_reason
from relaykit.errors import InvalidInput, NotFound
from relaykit.service import Runtime


def ticket_state(runtime: Runtime, ticket_id: str) -> dict[str, Any]:
    now = runtime.clock.now()
    with runtime.db.reading() as s:
        row = s.execute(select(tickets).where(tickets.c.ticket_id == ticket_id)).first()
        clocks = clocks_of(s, ticket_id)
        if row is None or clocks is None:
            reason = unregistered_reason(s, ticket_id)
            if reason is not None:
                raise NotFound(
                    f"the SLA service could not register ticket {ticket_id} ({reason}); "
                    "it tries again when calendars or rules change, and on a schedule"
                )
            raise NotFound(f"the SLA service does not know ticket {ticket_id}")
        calendar = book(runtime).calendar(s, clocks.targets.calendar_id)
    state: dict[str, Any] = {
        "ticket_id": ticket_id,
        "number": row.number,
        "status": row.status,
        "state": clocks.state,
        "registered_at": clocks.registered_at,
        "rule": {"id": clocks.targets.rule_id, "name": clocks.targets.rule_name},
        "calendar_id": clocks.targets.calendar_id,
        "next_fire_at": row.next_fire_at,
    }
    for clock in CLOCKS:
        target = clocks.targets.seconds(clock)
        state[clock] = {
            "target_minutes": None if target is None else target / 60,
            "due_at": clocks.due_at(calendar, clock),
            "met_at": clocks.reaction_met_at if clock == REACTION else row.resolved_at,
            "running": clocks.stopped_at(clock) is None,
            "breached": clocks.breached(calendar, clock, now),
        }
    state["figures"] = clocks.figures(calendar, now)
    state["pauses"] = [{"from": a, "to": b} for a, b in clocks.pauses]
    return state


def ticket_timeline(runtime: Runtime, ticket_id: str) -> list[dict[str, Any]]:
    with runtime.db.reading() as s:
        entries = timeline_of(s, ticket_id)
    if not entries:
        raise NotFound(f"the SLA service does not know ticket {ticket_id}")
    return [{"at": e.at, "kind": e.kind, "data": e.data} for e in entries]


def _calendar(runtime: Runtime, body: dict[str, Any]) -> WorkingCalendar:
    if body.get("calendar") is not None:
        try:
            return WorkingCalendar(require_working_time(parse_calendar(body["calendar"])))
        except InvalidInput as exc:
            raise exc.within("calendar") from None
    if body.get("calendar_id") is None:
        raise InvalidInput("give a calendar_id or an inline calendar", field="calendar_id")
    with runtime.db.reading() as s:
        try:
            return book(runtime).calendar(s, body["calendar_id"])
        except NotFound as exc:
            raise InvalidInput(exc.detail, field="calendar_id") from exc


def _pauses(body: dict[str, Any]) -> list[tuple[datetime, datetime]]:
    out = []
    for i, pause in enumerate(body.get("pauses") or ()):
        if pause["end"] < pause["start"]:
            raise InvalidInput("a pause ends after it starts", field=f"pauses.{i}.end")
        out.append((pause["start"], pause["end"]))
    return out


@contextmanager
def _asked_of(body: dict[str, Any]) -> Iterator[None]:
    """The arithmetic names its own arguments (start, end, pauses.0.start), as the preview
    does, but for the duration, which it takes in seconds, and the calendar it was asked."""
    try:
        yield
    except NoWorkingTime as exc:
        raise NoWorkingTime(exc.detail, field="calendar" if body.get("calendar") else "calendar_id") from exc
    except OutsideSupportedYears as exc:
        if "seconds" not in exc.errors:
            raise
        raise OutsideSupportedYears(exc.detail, field="minutes") from exc


def preview_due(runtime: Runtime, body: dict[str, Any]) -> dict[str, Any]:
    calendar = _calendar(runtime, body)
    seconds = body["minutes"] * 60
    with _asked_of(body):
        due = calendar.add(body["start"], seconds, _pauses(body))
    return {"start": body["start"], "minutes": body["minutes"], "due": due}


def preview_ticket(runtime: Runtime, body: dict[str, Any]) -> dict[str, Any]:
    """The rule a ticket with these facts matches and its deadlines, as registration
    would compute them (same rules, calendars and arithmetic)."""
    start = body.get("start") or runtime.clock.now()
    facts = TicketFacts(
        type=body.get("type"),
        priority=body.get("priority"),
        client_category_id=body.get("client_category_id"),
        company_id=body.get("company_id"),
        registered_at=start,
    )
    b = book(runtime)
    try:
        with runtime.db.reading() as s:
            rule = matching_rule(b.rules(s), facts, b.is_working(s))
            calendar = b.calendar(s, rule.calendar_id)
            dues = {
                name: None if minutes is None else calendar.add(start, minutes * 60)
                for name, minutes in (
                    ("reaction_due", rule.reaction_minutes),
                    ("resolution_due", rule.resolution_minutes),
                )
            }
    except OutsideSupportedYears as exc:
        raise OutsideSupportedYears(exc.detail, field="start") from exc
    except NoWorkingTime as exc:
        # The rule's calendar cannot give deadlines (registration would keep the ticket
        # aside until it can): the facts are fine, the answer is that there is none.
        raise NoWorkingTime(exc.detail, field="start") from exc
    return {"rule": {"id": rule.id, "name": rule.name}, "calendar_id": rule.calendar_id, "start": start} | dues


def preview_between(runtime: Runtime, body: dict[str, Any]) -> dict[str, Any]:
    if body["end"] < body["start"]:
        raise InvalidInput("the end comes after the start", field="end")
    calendar = _calendar(runtime, body)
    with _asked_of(body):
        seconds = calendar.between(body["start"], body["end"], _pauses(body))
    return {"start": body["start"], "end": body["end"], "working_seconds": seconds, "working_minutes": seconds / 60}
