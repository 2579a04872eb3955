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

from relaykit import rule_conditions as rc
from relaykit.errors import InvalidInput

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# The keys an SLA rule's conditions may hold and the shape of each: the request schema, the
# OpenAPI document and the check of stored rules all come from this one declaration.
CONDITIONS = rc.ConditionSet(
    "SlaRuleConditions",
    "All given conditions must hold for the rule to match; a key left out (or an empty list) matches every ticket.",
    {
        "types": rc.keys("ticket type keys; a ticket of any of them matches", max_length=60),
        "priorities": rc.keys("priority keys; a ticket with any of them matches", max_length=60),
        "client_categories": rc.ids("client category ids; a ticket whose company is in any of them matches"),
        "companies": rc.keys("company ids; a ticket of any of these companies matches", max_length=36),
        "registered": rc.group(
            "SlaRegistrationWindow",
            "when the ticket was registered: inside (or outside) a calendar's working hours, "
            "or within a weekly window of days and a from-to time of day that may cross midnight",
            {
                "calendar_id": rc.identifier("the calendar whose working hours are meant"),
                "inside": rc.flag("true (the default): inside its working hours; false: outside them"),
                "timezone": rc.text("the weekly window's IANA time zone (default UTC)", max_length=64),
                "days": rc.keys("weekdays of the window (default every day)", choices=WEEKDAYS, max_items=7),
                "from": rc.time_of_day("the window's start, HH:MM (default 00:00)"),
                "to": rc.time_of_day("the window's end, HH:MM (default 24:00); before `from`: the next day"),
            },
            exclusive=(("calendar_id", "inside"), ("timezone", "days", "from", "to")),
        ),
    },
)


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
    # Why conditions stored before they were checked cannot be read: such a rule matches no
    # ticket (the next rule decides), rather than every ticket as its unread keys would.
    unreadable: str | None = None

    def matches(self, facts: TicketFacts, is_working: Callable[[int, datetime], bool]) -> bool:
        return (
            self.unreadable is None
            and _within(self.types, facts.type)
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
    """Conditions from their JSON form; ones that do not fit CONDITIONS come back unreadable."""
    try:
        doc = CONDITIONS.load(doc)
    except InvalidInput as exc:
        return Conditions(unreadable=exc.detail)
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
