"""Minute-stepping reference for calendar arithmetic: the test oracle, NOT for production.

It walks real time one UTC minute at a time and asks, for each minute, whether its local
wall-clock time (zoneinfo) lies inside that local date's working intervals. That is the
definition `relay_sla.domain.calendar` implements with a cumulative table, written so plainly
that it is easy to believe; it is thousands of times slower. It assumes UTC offsets are whole
minutes (true of every zone since the 1970s), so each UTC minute is one local minute.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from relay_sla.domain.calendar import CalendarDefinition

_MINUTE = timedelta(minutes=1)
_HORIZON_MINUTES = 10 * 366 * 24 * 60


def _is_working_minute(defn: CalendarDefinition, zone: ZoneInfo, minute: datetime) -> bool:
    if defn.always_open:
        return True
    local = minute.astimezone(zone)
    of_day = local.hour * 60 + local.minute
    return any(start <= of_day < end for start, end in defn.intervals_on(local.date()))


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
