"""What every SLA decision reads: compiled calendars and the ordered rules.

Both are cached per process. A calendar is recompiled when its version moves; the
rules are re-read when this process changed them or after a few seconds, so an API
process and a worker process agree within that time.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from relay_sla.adapters.orm import calendars, rules
from relay_sla.domain.calendar import WorkingCalendar, parse_calendar
from relay_sla.domain.rules import Rule, conditions_from_json
from relaykit.errors import NotFound
from relaykit.service import Runtime

log = logging.getLogger(__name__)

RULES_TTL_SECONDS = 5.0
# Asked for every ticket event: built once.
_CALENDAR_VERSION = select(calendars.c.version).where(calendars.c.id == bindparam("calendar_id"))


class Book:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calendars: dict[int, tuple[int, WorkingCalendar]] = {}
        self._rules: list[Rule] | None = None
        self._rules_read_at = 0.0

    def calendar(self, session: Session, calendar_id: int) -> WorkingCalendar:
        return self.calendar_and_version(session, calendar_id)[1]

    def calendar_and_version(self, session: Session, calendar_id: int) -> tuple[int, WorkingCalendar]:
        # The version alone decides whether the compiled calendar is still good: the
        # definition (holidays and all) is only read and parsed when it moved.
        version = session.scalar(_CALENDAR_VERSION, {"calendar_id": calendar_id})
        if version is None:
            raise NotFound(f"there is no calendar {calendar_id}", field="calendar_id")
        with self._lock:
            cached = self._calendars.get(calendar_id)
            if cached and cached[0] == version:
                return cached
        row = session.execute(
            select(calendars.c.version, calendars.c.definition).where(calendars.c.id == calendar_id)
        ).one()
        compiled = (row.version, WorkingCalendar(parse_calendar(row.definition)))
        with self._lock:
            self._calendars[calendar_id] = compiled
        return compiled

    def is_working(self, session: Session):
        return lambda calendar_id, at: self.calendar(session, calendar_id).is_working(at)

    def rules(self, session: Session) -> list[Rule]:
        with self._lock:
            if self._rules is not None and time.monotonic() - self._rules_read_at < RULES_TTL_SECONDS:
                return self._rules
        loaded = [rule_from_row(r) for r in session.execute(select(rules)).mappings()]
        for rule in loaded:
            if rule.conditions.unreadable:
                log.warning(
                    "SLA rule with conditions that do not fit their declaration matches no ticket; correct it",
                    extra={"rule_id": rule.id, "rule": rule.name, "problem": rule.conditions.unreadable},
                )
        with self._lock:
            self._rules, self._rules_read_at = loaded, time.monotonic()
        return loaded

    def forget_rules(self) -> None:
        with self._lock:
            self._rules = None


def rule_from_row(row) -> Rule:
    return Rule(
        id=row["id"],
        name=row["name"],
        position=row["position"],
        calendar_id=row["calendar_id"],
        reaction_minutes=row["reaction_minutes"],
        resolution_minutes=row["resolution_minutes"],
        enabled=row["enabled"],
        is_default=row["is_default"],
        conditions=conditions_from_json(row["conditions"] or {}),
        warn_fractions=tuple(row["warn_fractions"] or ()),
    )


def book(runtime: Runtime) -> Book:
    found = runtime.extensions.get("sla.book")
    if found is None:
        found = runtime.extensions["sla.book"] = Book()
    return found
