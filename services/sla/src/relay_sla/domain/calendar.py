"""Working-time arithmetic of service calendars.

A service calendar says when the desk works: an IANA time zone plus working intervals per
weekday (minutes of the local day, several a day, an interval may end at 24:00), exception
days that replace their weekday's intervals (a holiday, a shortened day, a working weekend
day), or 24x7. SLA deadlines are "so many working seconds after the clock started", so all
arithmetic reduces to one monotone function, cum(t) = working seconds before instant t:
`between` is a difference of cum and `add` inverts it.

Daylight saving: an instant is working time when its local wall-clock time, on its local
date, lies inside one of that date's intervals. So 09:00 stays 09:00 local all year, durations
are real elapsed seconds between UTC instants, an hour the clock skips is not worked and an
hour it repeats is worked as often as it really passes (a 00:00-24:00 day lasts 23 h or 25 h;
02:30-03:15 on a fall-back night in Berlin is 02:30-03:00 twice and 03:00-03:15 once, 75 min).
An interval start or end whose wall time the clock skips is read with the offset in force
before the jump (PEP 495 fold=0; the biz gem reads it the same way): on a spring-forward night
in Berlin 02:30 is 03:30 summer time, so 02:30-03:15 is empty, 02:05-04:00 lasts 55 minutes and
01:00-02:30 lasts 90 (01:00-02:00 winter time, 03:00-03:30 summer time).

Conventions: a deadline that falls exactly at the end of a working interval is that moment
(Friday 17:00, not Monday 09:00); a start outside working hours counts from the next working
moment; durations are seconds and may be fractional.

`relay_sla.domain.calendar_reference` is the slow minute-stepping oracle the tests compare with.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from itertools import pairwise
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from relaykit.errors import InvalidInput

Interval = tuple[int, int]
Intervals = tuple[Interval, ...]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 1440

_DAY = 86_400
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
# UTC offsets are sampled this often to find transitions, each then located to the second.
# A change and its reversal inside one step would go unseen; the closest transitions in the
# tz database are almost four days apart (Africa/Freetown, 1939), a week since 1970.
_OFFSET_PROBE = _DAY
_HORIZON_SECONDS = 10 * 366 * _DAY
# Tables grow a year at a time and contiguously, so a far-off date would build every year up
# to it; no service-desk deadline needs more than this range.
_MIN_YEAR, _MAX_YEAR = 1900, 2200
_INF = float("inf")
_TIME = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d|24:00")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TOP_LEVEL_KEYS = ("timezone", "always_open", "week", "exceptions")
_EXCEPTION_KEYS = ("date", "intervals", "name")
# Enough for the public holidays of decades plus the changed days; a longer list is a
# mistake, and each exception is looked at on every table build.
MAX_EXCEPTIONS = 1000
MAX_INTERVALS_PER_DAY = 48
MAX_NAME_LENGTH = 200
# A calendar whose exceptions leave no working day for this long is refused: deadlines are
# looked for in the 10 years after their start, so such a calendar could not give one.
MAX_DAYS_WITHOUT_WORK = 3650


# -- errors -----------------------------------------------------------------------------
class CalendarLimit(InvalidInput, ValueError):
    """A question the calendar arithmetic cannot answer: 422 through the kit, and still a
    ValueError for callers that treat bad arithmetic input as such. `field` names the
    argument at fault (start, end, pauses.0.start, seconds) when one is."""


class NoWorkingTime(CalendarLimit):
    """The calendar has no working time where some is needed (a deadline, the next working moment)."""


class OutsideSupportedYears(CalendarLimit):
    """A moment outside the years the working-time tables cover."""


# -- definition -----------------------------------------------------------------------
def _interval_problem(intervals: Sequence[Interval]) -> tuple[int, str] | None:
    """The first thing wrong with one day's intervals as (index in the given order, message)."""
    for index, (start, end) in enumerate(intervals):
        if not 0 <= start < end <= MINUTES_PER_DAY:
            return index, f"interval {_format_interval((start, end))} must start before it ends"
    order = sorted(range(len(intervals)), key=lambda i: intervals[i])
    for before, after in pairwise(order):
        if intervals[after][0] < intervals[before][1]:
            # Name the later-starting interval: it is the one that intrudes on the other.
            return after, (
                f"interval {_format_interval(intervals[after])} overlaps {_format_interval(intervals[before])}"
            )
    return None


@dataclass(frozen=True)
class CalendarDefinition:
    """A service calendar as data. Build it directly or with `parse_calendar`.

    `week` maps weekday (0 = Monday .. 6 = Sunday) to (start_minute, end_minute) pairs,
    0 <= start < end <= 1440; a missing weekday has no work. `exceptions` maps a date to its
    own intervals, () being a holiday. With `always_open` every second counts and the
    intervals are kept only so the definition round-trips.
    """

    timezone: str
    always_open: bool = False
    week: Mapping[int, Intervals] = field(default_factory=dict)
    exceptions: Mapping[date, Intervals] = field(default_factory=dict)
    exception_names: Mapping[date, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Copies in canonical form: callers' dicts cannot change a frozen definition, and
        # equal calendars compare equal however their intervals were ordered.
        week = {int(day): _canonical(intervals, f"weekday {day}") for day, intervals in self.week.items()}
        if any(day not in range(7) for day in week):
            raise ValueError(f"weekdays are 0 (Monday) to 6 (Sunday), got {sorted(week)}")
        exceptions = {day: _canonical(intervals, day.isoformat()) for day, intervals in self.exceptions.items()}
        names = dict(self.exception_names)
        if not names.keys() <= exceptions.keys():
            raise ValueError("exception_names may only name exception dates")
        object.__setattr__(self, "week", {day: ivs for day, ivs in sorted(week.items()) if ivs})
        object.__setattr__(self, "exceptions", dict(sorted(exceptions.items())))
        object.__setattr__(self, "exception_names", dict(sorted(names.items())))

    def __hash__(self) -> int:
        return hash(
            (
                self.timezone,
                self.always_open,
                tuple(self.week.items()),
                tuple(self.exceptions.items()),
                tuple(self.exception_names.items()),
            )
        )

    def intervals_on(self, day: date) -> Intervals:
        """The working intervals of one local date: its exception if it has one, else its weekday's."""
        found = self.exceptions.get(day)
        return found if found is not None else self.week.get(day.weekday(), ())


def _canonical(intervals: Iterable[Interval], where: str) -> Intervals:
    pairs = tuple((int(start), int(end)) for start, end in intervals)
    problem = _interval_problem(pairs)
    if problem:
        raise ValueError(f"{where}: {problem[1]}")
    return tuple(sorted(pairs))


# -- JSON -----------------------------------------------------------------------------
def _format_minute(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _format_interval(interval: Interval) -> str:
    return f"{_format_minute(interval[0])}-{_format_minute(interval[1])}"


def calendar_to_json(defn: CalendarDefinition) -> dict[str, Any]:
    """The JSON form `parse_calendar` reads; every weekday is listed, [] meaning no work."""
    exceptions = []
    for day, intervals in defn.exceptions.items():
        entry: dict[str, Any] = {"date": day.isoformat(), "intervals": _intervals_to_json(intervals)}
        if day in defn.exception_names:
            entry["name"] = defn.exception_names[day]
        exceptions.append(entry)
    return {
        "timezone": defn.timezone,
        "always_open": defn.always_open,
        "week": {name: _intervals_to_json(defn.week.get(day, ())) for day, name in enumerate(WEEKDAYS)},
        "exceptions": exceptions,
    }


def _intervals_to_json(intervals: Intervals) -> list[list[str]]:
    return [[_format_minute(start), _format_minute(end)] for start, end in intervals]


def parse_calendar(doc: Any) -> CalendarDefinition:
    """Validate the JSON form of a calendar; InvalidInput names the offending field path."""
    if not isinstance(doc, Mapping):
        raise InvalidInput("a calendar must be a JSON object", field="calendar")
    _reject_unknown_keys(doc, _TOP_LEVEL_KEYS, "")
    timezone = _parse_timezone(doc.get("timezone"))
    always_open = doc.get("always_open", False)
    if not isinstance(always_open, bool):
        raise InvalidInput("always_open must be true or false", field="always_open")
    week = _parse_week(doc.get("week", {}))
    exceptions, names = _parse_exceptions(doc.get("exceptions", []))
    return CalendarDefinition(timezone, always_open, week, exceptions, names)


def _reject_unknown_keys(doc: Mapping[str, Any], allowed: tuple[str, ...], prefix: str) -> None:
    for key in doc:
        if key not in allowed:
            raise InvalidInput(f"unknown field {key!r}; expected one of {', '.join(allowed)}", field=f"{prefix}{key}")


@cache
def _known_zones() -> frozenset[str]:
    # "localtime" names whatever zone the host is set to, so it would mean different things on
    # different machines.
    return frozenset(available_timezones() - {"localtime"})


def _parse_timezone(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidInput("timezone is required: an IANA time zone name such as Europe/Berlin", field="timezone")
    if value not in _known_zones():
        raise InvalidInput(f"unknown time zone {value!r}; use an IANA name such as Europe/Berlin", field="timezone")
    return value


def _parse_week(value: Any) -> dict[int, Intervals]:
    if not isinstance(value, Mapping):
        raise InvalidInput('week must be an object keyed by weekday ("mon" .. "sun")', field="week")
    week = {}
    for key, intervals in value.items():
        if key not in WEEKDAYS:
            raise InvalidInput(f"unknown weekday {key!r}; use one of {', '.join(WEEKDAYS)}", field=f"week.{key}")
        week[WEEKDAYS.index(key)] = _parse_intervals(intervals, f"week.{key}")
    return week


def _parse_exceptions(value: Any) -> tuple[dict[date, Intervals], dict[date, str]]:
    if not isinstance(value, list):
        raise InvalidInput("exceptions must be a list", field="exceptions")
    if len(value) > MAX_EXCEPTIONS:
        raise InvalidInput(f"at most {MAX_EXCEPTIONS} exception days", field="exceptions")
    exceptions: dict[date, Intervals] = {}
    names: dict[date, str] = {}
    for index, entry in enumerate(value):
        path = f"exceptions.{index}"
        if not isinstance(entry, Mapping):
            raise InvalidInput('an exception must be an object with "date", "intervals" and "name"', field=path)
        _reject_unknown_keys(entry, _EXCEPTION_KEYS, f"{path}.")
        day = _parse_date(entry.get("date"), f"{path}.date")
        if day in exceptions:
            raise InvalidInput(f"{day.isoformat()} is listed more than once", field=f"{path}.date")
        exceptions[day] = _parse_intervals(entry.get("intervals", []), f"{path}.intervals")
        name = entry.get("name")
        if name is not None and not isinstance(name, str):
            raise InvalidInput("name must be a string", field=f"{path}.name")
        if name and len(name) > MAX_NAME_LENGTH:
            raise InvalidInput(f"a name has at most {MAX_NAME_LENGTH} characters", field=f"{path}.name")
        if name:
            names[day] = name
    return exceptions, names


def _parse_date(value: Any, path: str) -> date:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise InvalidInput("date must be a string YYYY-MM-DD", field=path)
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{value} is not a calendar date", field=path) from None
    if not _MIN_YEAR <= day.year <= _MAX_YEAR:
        raise InvalidInput(f"a date lies in the years {_MIN_YEAR} to {_MAX_YEAR}", field=path)
    return day


def _parse_intervals(value: Any, path: str) -> Intervals:
    if not isinstance(value, list):
        raise InvalidInput('intervals must be a list of ["HH:MM", "HH:MM"] pairs', field=path)
    if len(value) > MAX_INTERVALS_PER_DAY:
        raise InvalidInput(f"at most {MAX_INTERVALS_PER_DAY} intervals a day", field=path)
    intervals = tuple(_parse_interval(pair, f"{path}.{index}") for index, pair in enumerate(value))
    problem = _interval_problem(intervals)
    if problem:
        raise InvalidInput(problem[1], field=f"{path}.{problem[0]}")
    return intervals


def _parse_interval(value: Any, path: str) -> Interval:
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
        raise InvalidInput('an interval must be a pair ["HH:MM", "HH:MM"]', field=path)
    for text in value:
        if not _TIME.fullmatch(text):
            raise InvalidInput(f"{text!r} is not a time HH:MM between 00:00 and 24:00", field=path)
    start, end = (int(text[:2]) * 60 + int(text[3:]) for text in value)
    return start, end


def require_working_time(defn: CalendarDefinition) -> CalendarDefinition:
    """The definition itself when it can always give a deadline; NoWorkingTime otherwise,
    naming `week` (no weekday has working intervals, so the calendar runs dry after its last
    exception day) or `exceptions` (days off in a row for 10 years, longer than deadlines
    are looked for). Checked when a calendar is stored or previewed, not when one is read:
    a stored calendar keeps answering is_working and between either way."""
    if defn.always_open:
        return defn
    if not defn.week:
        raise NoWorkingTime(
            "a calendar needs working time every week: give at least one weekday working intervals, or set always_open",
            field="week",
        )
    start, days = _longest_run_without_work(defn)
    if days >= MAX_DAYS_WITHOUT_WORK:
        raise NoWorkingTime(
            f"the exception days leave no working day for {days} days from {start.isoformat()}; "
            f"deadlines are looked for in the {MAX_DAYS_WITHOUT_WORK} days after their start",
            field="exceptions",
        )
    return defn


def _longest_run_without_work(defn: CalendarDefinition) -> tuple[date, int]:
    """(first day, length) of the longest run of days without working intervals that holds
    an exception day off. Some weekday works, so a run without exceptions is under a week and
    each step of the walk is an exception or one of at most six days: linear in exceptions."""
    one_day = timedelta(days=1)
    lowest, highest = date(_MIN_YEAR, 1, 1), date(_MAX_YEAR, 12, 31)
    best: tuple[date, int] = (lowest, 0)
    covered = date.min
    for day, intervals in defn.exceptions.items():
        if intervals or day <= covered:
            continue
        first = last = day
        while first > lowest and not defn.intervals_on(first - one_day):
            first -= one_day
        while last < highest and not defn.intervals_on(last + one_day):
            last += one_day
        covered = last
        length = (last - first).days + 1
        if length > best[1]:
            best = (first, length)
    return best


# -- the cumulative working-time table --------------------------------------------------
class _Timeline(Protocol):
    def cum(self, t: float) -> float: ...
    def advance(self, t: float, seconds: float) -> float: ...
    def is_working(self, t: float) -> bool: ...
    def next_working(self, t: float) -> float: ...


class _AlwaysOpen:
    """24x7: every real second counts, so cum is the identity."""

    def cum(self, t: float) -> float:
        return t

    def advance(self, t: float, seconds: float) -> float:
        return t + seconds

    def is_working(self, t: float) -> bool:
        return True

    def next_working(self, t: float) -> float:
        return t


@dataclass(frozen=True, slots=True)
class _Table:
    """Working intervals of whole UTC years [first_year, last_year] as epoch seconds.

    cum_start[i] / cum_end[i] are the working seconds before interval i starts / ends, counted
    from an arbitrary origin (only differences matter, so prepending a year needs no shifting).
    Immutable: growing builds a new table, so readers on other threads never see half of one.
    """

    first_year: int
    last_year: int
    lo: int
    hi: int
    starts: list[int]
    ends: list[int]
    cum_start: list[int]
    cum_end: list[int]
    cum_lo: int
    cum_hi: int


def _year_start(year: int) -> int:
    return (date(year, 1, 1).toordinal() - _EPOCH_ORDINAL) * _DAY


_SUPPORTED_LO, _SUPPORTED_HI = _year_start(_MIN_YEAR), _year_start(_MAX_YEAR + 1)


_SUPPORTED = f"working time is only computed for the years {_MIN_YEAR} to {_MAX_YEAR} (UTC)"


def _utc_year(t: float) -> int:
    try:
        year = datetime.fromtimestamp(t, UTC).year
    except (OverflowError, OSError, ValueError):
        year = _MIN_YEAR - 1 if t < 0 else _MAX_YEAR + 1
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        raise OutsideSupportedYears(_SUPPORTED)
    return year


def _offset_segments(zone: ZoneInfo, lo: int, hi: int) -> list[tuple[int, int, int]]:
    """[lo, hi) split into (start, end, utc_offset_seconds) pieces of constant offset."""

    def offset(t: int) -> int:
        return _offset_at(zone, t)

    segments = []
    seg_start, seg_offset = lo, offset(lo)
    probe = lo
    while probe < hi - 1:
        nxt = min(probe + _OFFSET_PROBE, hi - 1)
        if offset(nxt) != seg_offset:
            # Transitions are on whole seconds: find the first second with the new offset.
            before, after = probe, nxt
            while after - before > 1:
                middle = (before + after) // 2
                before, after = (before, middle) if offset(middle) != seg_offset else (middle, after)
            segments.append((seg_start, after, seg_offset))
            seg_start, seg_offset = after, offset(after)
            nxt = after
        probe = nxt
    segments.append((seg_start, hi, seg_offset))
    return segments


def _offset_at(zone: ZoneInfo, t: int) -> int:
    return int(datetime.fromtimestamp(t, zone).utcoffset().total_seconds())  # type: ignore[union-attr]


def _working_pieces(defn: CalendarDefinition, zone: ZoneInfo, lo: int, hi: int) -> list[tuple[int, int]]:
    """Working time inside the UTC range [lo, hi) as sorted, disjoint (start, end) epoch seconds."""
    pieces: list[tuple[int, int]] = []
    before = _offset_at(zone, lo - 1)
    for seg_lo, seg_hi, offset in _offset_segments(zone, lo, hi):
        # Within one segment local wall time is utc + offset, so each local date's intervals
        # map to UTC by one subtraction, clipped to the segment. After a spring-forward jump
        # of `skipped` seconds, a boundary whose wall time the clock skipped is read with the
        # offset before the jump (PEP 495 fold=0): 02:30 becomes 03:30.
        # Those boundaries are the ones that land in [seg_lo - skipped, seg_lo).
        skipped = max(0, offset - before)
        first_day = (seg_lo + offset - skipped) // _DAY
        for day in range(first_day, (seg_hi + offset - 1) // _DAY + 1):
            midnight = day * _DAY - offset
            for start_minute, end_minute in defn.intervals_on(date.fromordinal(_EPOCH_ORDINAL + day)):
                start = midnight + start_minute * 60
                end = midnight + end_minute * 60
                if skipped:
                    start += skipped if seg_lo - skipped <= start < seg_lo else 0
                    end += skipped if seg_lo - skipped <= end < seg_lo else 0
                start, end = max(seg_lo, start), min(seg_hi, end)
                if start < end:
                    pieces.append((start, end))
        before = offset
    # A boundary moved past the jump can pass the start of a later interval of the same day
    # (02:30-02:50 becomes 03:30-03:50, beside 03:00-03:40), so pieces are sorted and merged.
    pieces.sort()
    merged: list[tuple[int, int]] = []
    for start, end in pieces:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


class _Scheduled:
    """cum(t) over a lazily built, cached table of working intervals, grown a UTC year at a time."""

    def __init__(self, defn: CalendarDefinition, zone: ZoneInfo) -> None:
        self._defn = defn
        self._zone = zone
        self._lock = threading.Lock()
        self._table: _Table | None = None

    # The hot path: one bisect on an int list, no datetimes.
    def cum(self, t: float) -> float:
        tab = self._table
        if tab is None or not tab.lo <= t < tab.hi:
            tab = self._cover(t)
        i = bisect_right(tab.starts, t) - 1
        if i < 0:
            return tab.cum_lo
        if t >= tab.ends[i]:
            return tab.cum_end[i]
        return tab.cum_start[i] + (t - tab.starts[i])

    def advance(self, t: float, seconds: float) -> float:
        target = self.cum(t) + seconds
        tab = self._table
        if tab is None or target > tab.cum_hi:
            tab = self._grow_forward(t, lambda table: target <= table.cum_hi)
        # The first interval whose end reaches the target: bisect_left makes a target equal to
        # an interval's end land on that end, not on the next interval's start.
        i = bisect_left(tab.cum_end, target)
        return tab.starts[i] + (target - tab.cum_start[i])

    def is_working(self, t: float) -> bool:
        tab = self._table
        if tab is None or not tab.lo <= t < tab.hi:
            tab = self._cover(t)
        i = bisect_right(tab.starts, t) - 1
        return i >= 0 and t < tab.ends[i]

    def next_working(self, t: float) -> float:
        if self.is_working(t):
            return t
        tab = self._grow_forward(t, lambda table: bisect_right(table.starts, t) < len(table.starts))
        return tab.starts[bisect_right(tab.starts, t)]

    # -- growing the table ---------------------------------------------------------------
    def _cover(self, t: float) -> _Table:
        year = _utc_year(t)
        with self._lock:
            tab = self._table or self._first(year)
            while year < tab.first_year:
                tab = self._prepend(tab)
            while year > tab.last_year:
                tab = self._append(tab)
            self._table = tab
            return tab

    def _grow_forward(self, origin: float, done: Callable[[_Table], bool]) -> _Table:
        tab = self._cover(origin)
        with self._lock:
            tab = self._table or tab
            while not done(tab):
                # Counted from the last working moment (or the origin), so a calendar that merely
                # has a long holiday still works while one with no working time fails fast.
                last_work = max(origin, tab.ends[-1]) if tab.ends else origin
                if tab.hi - last_work > _HORIZON_SECONDS:
                    raise NoWorkingTime(
                        "the calendar has no working time in the 10 years after "
                        f"{datetime.fromtimestamp(last_work, UTC).isoformat()}"
                    )
                if tab.last_year >= _MAX_YEAR:
                    raise OutsideSupportedYears(f"working time is only computed up to the year {_MAX_YEAR}")
                tab = self._append(tab)
            self._table = tab
            return tab

    def _pieces(self, year: int) -> list[tuple[int, int]]:
        return _working_pieces(self._defn, self._zone, _year_start(year), _year_start(year + 1))

    def _first(self, year: int) -> _Table:
        empty = _Table(year, year - 1, _year_start(year), _year_start(year), [], [], [], [], 0, 0)
        return self._append(empty)

    def _append(self, tab: _Table) -> _Table:
        year = tab.last_year + 1
        starts, ends, cum_start, cum_end, cum_hi = _accumulate(self._pieces(year), tab.cum_hi)
        return _Table(
            tab.first_year,
            year,
            tab.lo,
            _year_start(year + 1),
            tab.starts + starts,
            tab.ends + ends,
            tab.cum_start + cum_start,
            tab.cum_end + cum_end,
            tab.cum_lo,
            cum_hi,
        )

    def _prepend(self, tab: _Table) -> _Table:
        year = tab.first_year - 1
        pieces = self._pieces(year)
        cum_lo = tab.cum_lo - sum(end - start for start, end in pieces)
        starts, ends, cum_start, cum_end, _ = _accumulate(pieces, cum_lo)
        return _Table(
            year,
            tab.last_year,
            _year_start(year),
            tab.hi,
            starts + tab.starts,
            ends + tab.ends,
            cum_start + tab.cum_start,
            cum_end + tab.cum_end,
            cum_lo,
            tab.cum_hi,
        )


def _accumulate(pieces: list[tuple[int, int]], cum: int) -> tuple[list[int], list[int], list[int], list[int], int]:
    starts, ends, cum_start, cum_end = [], [], [], []
    for start, end in pieces:
        starts.append(start)
        ends.append(end)
        cum_start.append(cum)
        cum += end - start
        cum_end.append(cum)
    return starts, ends, cum_start, cum_end, cum


# -- the public calculator ------------------------------------------------------------
def _epoch(value: datetime, name: str) -> float:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")
    t = value.timestamp()
    if not _SUPPORTED_LO <= t < _SUPPORTED_HI:
        raise OutsideSupportedYears(f"{name}: {_SUPPORTED}", field=name)
    return t


def _utc(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


def _merge_pauses(pauses: Sequence[tuple[datetime, datetime]]) -> list[tuple[float, float]]:
    spans = sorted(
        (_epoch(start, f"pauses.{i}.start"), _epoch(end, f"pauses.{i}.end")) for i, (start, end) in enumerate(pauses)
    )
    merged: list[tuple[float, float]] = []
    for start, end in spans:
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


class WorkingCalendar:
    """Working-time arithmetic over one calendar. Inputs are aware datetimes in any zone;
    results are aware UTC datetimes. Safe to share between threads; build one per calendar
    and keep it, since it caches the calendar's working intervals year by year."""

    def __init__(self, defn: CalendarDefinition) -> None:
        try:
            zone = ZoneInfo(defn.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {defn.timezone!r}") from exc
        self.definition = defn
        self._timeline: _Timeline = _AlwaysOpen() if defn.always_open else _Scheduled(defn, zone)

    def add(self, start: datetime, seconds: float, pauses: Sequence[tuple[datetime, datetime]] = ()) -> datetime:
        """The earliest moment t >= start by which `seconds` of working time have elapsed since
        start, not counting working time inside the pauses ((start, end) pairs, any order,
        may overlap). A deadline exactly at the end of a working interval is that moment."""
        t = _epoch(start, "start")
        if not 0 <= seconds < _INF:
            raise ValueError(f"seconds must be a finite number >= 0, got {seconds!r}")
        if seconds == 0:
            return start.astimezone(UTC)
        merged = _merge_pauses(pauses) if pauses else ()
        try:
            due = self._advance_around(t, seconds, merged) if merged else self._timeline.advance(t, seconds)
        except OutsideSupportedYears as exc:
            raise OutsideSupportedYears(f"the deadline would lie after the year {_MAX_YEAR}", field="seconds") from exc
        if due >= _SUPPORTED_HI:  # 24x7 has no table to run out of
            raise OutsideSupportedYears(f"the deadline would lie after the year {_MAX_YEAR}", field="seconds")
        return _utc(due)

    def between(self, start: datetime, end: datetime, pauses: Sequence[tuple[datetime, datetime]] = ()) -> float:
        """Working seconds in [start, end) minus those inside the pauses; 0 when end <= start."""
        lo, hi = _epoch(start, "start"), _epoch(end, "end")
        if hi <= lo:
            return 0.0
        cum = self._timeline.cum
        total = cum(hi) - cum(lo)
        for pause_lo, pause_hi in _merge_pauses(pauses):
            a, b = max(pause_lo, lo), min(pause_hi, hi)
            if a < b:
                total -= cum(b) - cum(a)
        return float(total)

    def is_working(self, at: datetime) -> bool:
        """Whether `at` is inside a working interval (intervals include their start, not their end)."""
        return self._timeline.is_working(_epoch(at, "at"))

    def next_working_moment(self, at: datetime) -> datetime:
        """`at` itself when it is working time, else the start of the next working interval."""
        t = _epoch(at, "at")
        return _utc(self._timeline.next_working(t))

    def _advance_around(self, t: float, seconds: float, pauses: list[tuple[float, float]]) -> float:
        # Walk the gaps between merged pauses in order, spending working time in each; the
        # answer lies in the first gap that holds what is left (or after the last pause).
        timeline = self._timeline
        position, remaining = t, seconds
        for pause_lo, pause_hi in pauses:
            if pause_hi <= position:
                continue
            if pause_lo > position:
                available = timeline.cum(pause_lo) - timeline.cum(position)
                if remaining <= available:
                    break
                remaining -= available
            position = pause_hi
        return timeline.advance(position, remaining)
