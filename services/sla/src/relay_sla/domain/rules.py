"""SLA rules: tried top to bottom, the first enabled rule whose conditions all match
gives the ticket its calendar and its reaction and resolution times.

A condition left empty matches everything; a rule with no conditions matches every
ticket. The default rule closes the list: it applies when no other does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class TicketFacts:
    """What rules look at, from the ticket's snapshot."""

    type: str | None
    priority: str | None
    client_category_id: int | None
    company_id: str | None
    registered_at: datetime


@dataclass(frozen=True)
class RegistrationWindow:
    """When the ticket was registered: inside/outside a calendar's working hours, or a
    weekly window (days and a from-to time of day, which may cross midnight)."""

    calendar_id: int | None = None
    inside: bool = True
    timezone: str | None = None
    days: frozenset[int] = frozenset()
    from_minute: int = 0
    to_minute: int = 1440

    def matches(self, at: datetime, is_working: Callable[[int, datetime], bool]) -> bool:
        if self.calendar_id is not None:
            return is_working(self.calendar_id, at) == self.inside
        local = at.astimezone(ZoneInfo(self.timezone or "UTC"))
        minute = local.hour * 60 + local.minute
        day = local.weekday()
        if self.from_minute < self.to_minute:
            return (not self.days or day in self.days) and self.from_minute <= minute < self.to_minute
        # Crossing midnight: the part after midnight belongs to the previous day's window.
        if minute >= self.from_minute:
            return not self.days or day in self.days
        if minute < self.to_minute:
            return not self.days or (day - 1) % 7 in self.days
        return False


@dataclass(frozen=True)
class Conditions:
    types: frozenset[str] = frozenset()
    priorities: frozenset[str] = frozenset()
    client_categories: frozenset[int] = frozenset()
    companies: frozenset[str] = frozenset()
    registered: RegistrationWindow | None = None

    def matches(self, facts: TicketFacts, is_working: Callable[[int, datetime], bool]) -> bool:
        return (
            _within(self.types, facts.type)
            and _within(self.priorities, facts.priority)
            and _within(self.client_categories, facts.client_category_id)
            and _within(self.companies, facts.company_id)
            and (self.registered is None or self.registered.matches(facts.registered_at, is_working))
        )


def _within(allowed: frozenset, value) -> bool:
    return not allowed or value in allowed


@dataclass(frozen=True)
class Rule:
    id: int
    name: str
    position: int
    calendar_id: int
    reaction_minutes: int | None
    resolution_minutes: int | None
    enabled: bool = True
    is_default: bool = False
    conditions: Conditions = field(default_factory=Conditions)
    warn_fractions: tuple[float, ...] = (0.75,)


def matching_rule(rules: Sequence[Rule], facts: TicketFacts, is_working: Callable[[int, datetime], bool]) -> Rule:
    """The first enabled rule that matches, else the default one."""
    ordered = sorted(rules, key=lambda r: (r.is_default, r.position, r.id))
    for rule in ordered:
        if rule.is_default:
            return rule
        if rule.enabled and rule.conditions.matches(facts, is_working):
            return rule
    raise LookupError("no default SLA rule")  # the migration creates one; it cannot be deleted


def conditions_from_json(doc: dict) -> Conditions:
    window = doc.get("registered")
    return Conditions(
        types=frozenset(doc.get("types") or ()),
        priorities=frozenset(doc.get("priorities") or ()),
        client_categories=frozenset(doc.get("client_categories") or ()),
        companies=frozenset(doc.get("companies") or ()),
        registered=_window_from_json(window) if window else None,
    )


def _window_from_json(doc: dict) -> RegistrationWindow:
    if doc.get("calendar_id") is not None:
        return RegistrationWindow(calendar_id=doc["calendar_id"], inside=doc.get("inside", True))
    return RegistrationWindow(
        timezone=doc.get("timezone") or "UTC",
        days=frozenset(WEEKDAYS.index(d) for d in doc.get("days") or ()),
        from_minute=parse_minute(doc.get("from", "00:00")),
        to_minute=parse_minute(doc.get("to", "24:00")),
    )


def parse_minute(text: str) -> int:
    """'HH:MM' (24:00 allowed) -> minute of the day; ValueError otherwise."""
    hours, _, minutes = text.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(f"{text!r} is not a time of day HH:MM")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or value > 1440:
        raise ValueError(f"{text!r} is not a time of day HH:MM")
    return value


def referenced_calendars(rule_conditions: dict, calendar_id: int) -> Iterable[int]:
    yield calendar_id
    window = rule_conditions.get("registered") or {}
    if window.get("calendar_id") is not None:
        yield window["calendar_id"]
