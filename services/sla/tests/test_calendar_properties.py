"""Properties of calendar arithmetic over random starts, durations and pauses, on calendars
with lunch breaks, night shifts, holidays, shortened days and DST changes; the minute-stepping
reference is the oracle for short spans."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relay_sla.domain.calendar import CalendarDefinition, WorkingCalendar, parse_calendar
from relay_sla.domain.calendar_reference import reference_add, reference_between
from relay_sla.domain.holidays_import import import_holidays

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
DAY = 86_400

DOCS = {
    "berlin-lunch-split": {
        "timezone": "Europe/Berlin",
        "week": {day: [["09:00", "13:00"], ["14:00", "18:00"]] for day in WEEKDAYS},
        "exceptions": import_holidays("DE", 2026) + import_holidays("DE", 2027),
    },
    "new-york-night-shift": {
        "timezone": "America/New_York",
        "week": {
            **{day: [["00:00", "06:00"], ["22:00", "24:00"]] for day in ("sat", "sun")},
            **{day: [["00:00", "06:00"], ["08:00", "17:00"], ["22:00", "24:00"]] for day in WEEKDAYS},
        },
        "exceptions": import_holidays("US", 2026),
    },
    "24x7": {"timezone": "Europe/Berlin", "always_open": True},
    "berlin-exceptions": {
        "timezone": "Europe/Berlin",
        "week": {day: [["08:00", "16:30"]] for day in WEEKDAYS},
        "exceptions": [
            {"date": "2026-03-27", "intervals": [["08:00", "12:00"]], "name": "shortened"},
            {
                "date": "2026-03-29",
                # Boundaries inside the skipped hour: 02:30 and 02:45 are read as 03:30 and 03:45.
                "intervals": [["01:00", "02:30"], ["02:45", "04:00"], ["10:00", "12:00"]],
                "name": "DST Sunday",
            },
            {"date": "2026-10-25", "intervals": [["01:30", "02:30"], ["02:45", "03:15"]], "name": "DST Sunday"},
            {"date": "2026-10-26", "intervals": [], "name": "holiday"},
            {"date": "2026-12-24", "intervals": [["08:00", "12:00"]], "name": "Christmas Eve"},
            {"date": "2026-12-25", "intervals": [], "name": "Christmas Day"},
            {"date": "2026-12-26", "intervals": [["10:00", "14:00"]], "name": "working Saturday"},
        ],
    },
}
DEFINITIONS = {name: parse_calendar(doc) for name, doc in DOCS.items()}
CALENDARS = {name: WorkingCalendar(defn) for name, defn in DEFINITIONS.items()}

# Starts cluster around DST changes, year ends and the exceptions, where mistakes would hide.
ANCHORS = [
    datetime(2026, 3, 8, tzinfo=UTC),
    datetime(2026, 3, 28, tzinfo=UTC),
    datetime(2026, 4, 4, tzinfo=UTC),
    datetime(2026, 10, 3, tzinfo=UTC),
    datetime(2026, 10, 24, tzinfo=UTC),
    datetime(2026, 10, 31, tzinfo=UTC),
    datetime(2026, 12, 23, tzinfo=UTC),
    datetime(2026, 12, 30, tzinfo=UTC),
]
anywhere = st.integers(0, 2 * 365 * DAY).map(lambda s: datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=s))
near_anchor = st.builds(
    lambda anchor, seconds: anchor + timedelta(seconds=seconds),
    st.sampled_from(ANCHORS),
    st.integers(-3 * DAY, 3 * DAY),
)
starts = st.one_of(anywhere, near_anchor)
calendar_names = st.sampled_from(sorted(CALENDARS))
durations = st.integers(0, 60 * DAY)
short_durations = st.integers(0, 36 * 3600)
pauses = st.lists(st.tuples(st.integers(-DAY, 20 * DAY), st.integers(0, 5 * DAY)), max_size=5)


@st.composite
def day_intervals(draw: st.DrawFn) -> tuple[tuple[int, int], ...]:
    bounds = sorted(draw(st.lists(st.integers(0, 1440), unique=True, max_size=6)))
    return tuple(zip(bounds[::2], bounds[1::2], strict=False))


@st.composite
def random_definitions(draw: st.DrawFn) -> CalendarDefinition:
    exception_days = draw(st.lists(st.sampled_from(ANCHORS).map(datetime.date), max_size=3, unique=True))
    shifted = {day + timedelta(days=draw(st.integers(-2, 2))) for day in exception_days}
    return CalendarDefinition(
        timezone=draw(
            st.sampled_from(
                ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Australia/Lord_Howe", "Asia/Kolkata"]
            )
        ),
        always_open=draw(st.integers(0, 9)) == 0,
        week={weekday: draw(day_intervals()) for weekday in range(7)},
        exceptions={day: draw(day_intervals()) for day in sorted(shifted, key=date.toordinal)},
    )


fast = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
with_oracle = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def as_pauses(start: datetime, offsets: list[tuple[int, int]]) -> list[tuple[datetime, datetime]]:
    return [(start + timedelta(seconds=lo), start + timedelta(seconds=lo + length)) for lo, length in offsets]


def merged(spans: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    result: list[tuple[datetime, datetime]] = []
    for lo, hi in sorted(spans):
        if result and lo <= result[-1][1]:
            result[-1] = (result[-1][0], max(result[-1][1], hi))
        elif lo < hi:
            result.append((lo, hi))
    return result


@fast
@given(calendar_names, starts, durations, durations)
def test_adding_in_two_steps_is_adding_the_sum(name: str, start: datetime, first: int, second: int) -> None:
    cal = CALENDARS[name]
    assert cal.add(cal.add(start, first), second) == cal.add(start, first + second)


@fast
@given(calendar_names, starts, durations)
def test_between_inverts_add(name: str, start: datetime, seconds: int) -> None:
    cal = CALENDARS[name]
    assert cal.between(start, cal.add(start, seconds)) == seconds


@fast
@given(calendar_names, starts, st.integers(1, 60 * DAY))
def test_add_returns_the_earliest_moment(name: str, start: datetime, seconds: int) -> None:
    cal = CALENDARS[name]
    deadline = cal.add(start, seconds)
    assert deadline > start
    assert cal.between(start, deadline - timedelta(seconds=1)) < seconds
    assert cal.is_working(deadline - timedelta(seconds=1))


@with_oracle
@given(calendar_names, starts, short_durations)
def test_add_agrees_with_the_reference(name: str, start: datetime, seconds: int) -> None:
    assert CALENDARS[name].add(start, seconds) == reference_add(DEFINITIONS[name], start, seconds)


@with_oracle
@given(calendar_names, starts, st.integers(-DAY, 3 * DAY))
def test_between_agrees_with_the_reference(name: str, start: datetime, span: int) -> None:
    end = start + timedelta(seconds=span)
    assert CALENDARS[name].between(start, end) == reference_between(DEFINITIONS[name], start, end)


@fast
@given(calendar_names, starts, st.integers(0, 20 * DAY), pauses)
def test_paused_working_time_is_what_between_loses(name: str, start: datetime, span: int, offsets: list) -> None:
    cal = CALENDARS[name]
    end = start + timedelta(seconds=span)
    spans = as_pauses(start, offsets)
    paused = sum(cal.between(max(lo, start), min(hi, end)) for lo, hi in merged(spans))
    assert cal.between(start, end, spans) + paused == cal.between(start, end)


@fast
@given(calendar_names, starts, st.integers(1, 20 * DAY), pauses)
def test_add_with_pauses_is_the_earliest_moment_with_enough_unpaused_work(
    name: str, start: datetime, seconds: int, offsets: list
) -> None:
    cal = CALENDARS[name]
    spans = as_pauses(start, offsets)
    deadline = cal.add(start, seconds, spans)
    assert cal.between(start, deadline, spans) == seconds
    assert cal.between(start, deadline - timedelta(seconds=1), spans) < seconds
    assert deadline >= cal.add(start, seconds)


@with_oracle
@given(random_definitions(), starts, st.integers(0, 2 * DAY))
def test_random_calendars_agree_with_the_reference(defn: CalendarDefinition, start: datetime, span: int) -> None:
    # The duration is what the reference counts up to `end`, so its search stays short even
    # on a calendar with hardly any working time.
    end = start + timedelta(seconds=span)
    worked = reference_between(defn, start, end)
    cal = WorkingCalendar(defn)
    assert cal.between(start, end) == worked
    assert cal.add(start, worked) == reference_add(defn, start, worked)
