"""What the SLA settings pages share: weekday names, how times and durations read, and
how the SLA service's field names (`definition.week.mon.0`, `conditions.types.1`) find
the input of the form they are about."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any

from relay_gateway.ui.web import _

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}
_DAY_SHORT = {"mon": "Mon", "tue": "Tue", "wed": "Wed", "thu": "Thu", "fri": "Fri", "sat": "Sat", "sun": "Sun"}
_SHORT_TIME = re.compile(r"^(\d):([0-5]\d)$")


def day_name(day: str) -> str:
    return _(_DAY_NAMES[day])


def day_short(day: str) -> str:
    return _(_DAY_SHORT[day])


def weekday_of(d: date | datetime) -> str:
    return WEEKDAYS[d.weekday()]


def minute_of(text: str) -> int:
    """'HH:MM' -> minute of the day (24:00 is 1440); what the week view positions blocks by."""
    hours, _sep, minutes = text.partition(":")
    return int(hours) * 60 + int(minutes)


def tidy_time(text: str) -> str:
    """What a person typed as a time, as the service reads it: '9:00' is '09:00'."""
    text = text.strip().replace(".", ":")
    m = _SHORT_TIME.match(text)
    return f"0{m.group(1)}:{m.group(2)}" if m else text


def interval_text(pair: Iterable[str]) -> str:
    start, end = pair
    return f"{start}–{end}"


def intervals_text(intervals: Iterable[Iterable[str]]) -> str:
    listed = [interval_text(p) for p in intervals]
    return ", ".join(listed) if listed else _("day off")


def duration_text(minutes: float | int | None) -> str:
    """Working minutes as people say them: 4 h, 1 h 30 min, 45 min."""
    if minutes is None:
        return _("no target")
    total = round(minutes)
    hours, rest = divmod(total, 60)
    if hours and rest:
        return _("{h} h {m} min", h=hours, m=rest)
    if hours:
        return _("{h} h", h=hours)
    return _("{m} min", m=rest)


def moment_text(at: datetime) -> str:
    """A moment in its own zone: weekday, date and time (what a deadline is read as)."""
    return f"{day_short(weekday_of(at))} {at:%Y-%m-%d %H:%M}"


def week_summary(definition: Mapping[str, Any]) -> str:
    """A calendar's working week in one line: 'Mon-Fri 09:00-18:00; Sat 10:00-14:00'."""
    if definition.get("always_open"):
        return _("24x7")
    week = definition.get("week") or {}
    parts: list[str] = []
    run: list[str] = []

    def close() -> None:
        if run and week.get(run[0]):
            days = day_short(run[0]) if len(run) == 1 else f"{day_short(run[0])}–{day_short(run[-1])}"
            parts.append(f"{days} {intervals_text(week[run[0]])}")

    for day in WEEKDAYS:
        if run and (week.get(day) or []) == (week.get(run[0]) or []):
            run.append(day)
            continue
        close()
        run = [day]
    close()
    return "; ".join(parts) or _("no working hours")


# -- errors of the service, next to the inputs they are about ----------------------------
Route = Callable[[str], str | None]


def route_errors(errors: Mapping[str, str], route: Route) -> tuple[dict[str, str], list[str]]:
    """Each of the service's field errors under the form's own input name (`route` says
    which, or None); what no input stands for comes back as messages for the whole form,
    so nothing the service said is lost."""
    placed: dict[str, str] = {}
    rest: list[str] = []
    for name, message in errors.items():
        target = route(name)
        if target is None:
            rest.append(message)
        elif target in placed:
            placed[target] += "; " + message
        else:
            placed[target] = message
    return placed, rest


def by_prefix(table: Iterable[tuple[str, str]]) -> Route:
    """A route from (service field prefix, input name) pairs: the longest prefix naming the
    field itself or a part of it (`conditions.types` for `conditions.types.2`) wins."""
    ordered = sorted(table, key=lambda pair: len(pair[0]), reverse=True)

    def route(name: str) -> str | None:
        for prefix, target in ordered:
            if name == prefix or name.startswith(prefix + "."):
                return target
        return None

    return route
