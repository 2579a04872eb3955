"""Minute-stepping reference for calendar arithmetic: the test oracle, NOT for production.

It walks real time one UTC minute at a time and asks, for each minute, whether it lies inside
one of the working intervals of its local date (or of the date before, which a skipped day can
push forward). Inside means: after the start and before the end, where a boundary the local
clock shows is compared as wall-clock time (so a repeated hour is worked twice) and a boundary
the clock skips is compared as the instant its wall time names with the offset in force before
the jump (zoneinfo's fold=0: 02:30 on a spring-forward night in Berlin is 03:30 summer time).
That is the definition `relay_sla.domain.calendar` implements with a cumulative table, written
so plainly that it is easy to believe; it is thousands of times slower. It assumes UTC offsets
are whole minutes (true of every zone since the 1970s), so each UTC minute is one local minute.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from relay_sla.domain.calendar import CalendarDefinition

_MINUTE = timedelta(minutes=1)
_HORIZON_MINUTES = 10 * 366 * 24 * 60


@cache
def _skipped_instant(zone: ZoneInfo, day: date, minute_of_day: int) -> datetime | None:
    """None when the wall time `minute_of_day` on `day` is shown by the local clock, else the
    instant it names with the offset before the jump (fold=0)."""
    wall = datetime.combine(day, time()) + timedelta(minutes=minute_of_day)
    named = wall.replace(tzinfo=zone)
    if named.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall:
        return None
    return named.astimezone(UTC)


def _is_working_minute(defn: CalendarDefinition, zone: ZoneInfo, minute: datetime) -> bool:
    if defn.always_open:
        return True
    local = minute.astimezone(zone)
    for days_before in (0, 1):
        day = local.date() - timedelta(days=days_before)
        # The minute's wall time counted from that date's midnight.
        of_day = days_before * 1440 + local.hour * 60 + local.minute
        for start, end in defn.intervals_on(day):
            skipped_start, skipped_end = _skipped_instant(zone, day, start), _skipped_instant(zone, day, end)
            after_start = start <= of_day if skipped_start is None else skipped_start <= minute
            before_end = of_day < end if skipped_end is None else minute < skipped_end
            if after_start and before_end:
                return True
    return False


def _minutes_from(moment: datetime) -> Iterator[datetime]:
    """UTC minute starts from the one containing `moment`, for at most the search horizon."""
    minute = moment.astimezone(UTC).replace(second=0, microsecond=0)
    for _ in range(_HORIZON_MINUTES):
        yield minute
        minute += _MINUTE


def _require_aware(*moments: datetime) -> None:
    for moment in moments:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"datetimes must be timezone-aware, got {moment!r}")


def reference_add(defn: CalendarDefinition, start: datetime, seconds: float) -> datetime:
    """The earliest moment >= start by which `seconds` of working time have elapsed."""
    _require_aware(start)
    zone = ZoneInfo(defn.timezone)
    start = start.astimezone(UTC)
    remaining = timedelta(seconds=seconds)
    if remaining <= timedelta(0):
        return start
    for minute in _minutes_from(start):
        if not _is_working_minute(defn, zone, minute):
            continue
        counted_from = max(minute, start)  # the first minute may be partial
        available = minute + _MINUTE - counted_from
        if remaining <= available:
            return counted_from + remaining
        remaining -= available
    raise ValueError("the calendar has no working time within the search horizon")


def reference_between(defn: CalendarDefinition, start: datetime, end: datetime) -> float:
    """Working seconds in [start, end); 0 when end <= start."""
    _require_aware(start, end)
    zone = ZoneInfo(defn.timezone)
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end <= start:
        return 0.0
    total = timedelta(0)
    for minute in _minutes_from(start):
        if minute >= end:
            break
        if _is_working_minute(defn, zone, minute):
            total += min(minute + _MINUTE, end) - max(minute, start)
    return total.total_seconds()
