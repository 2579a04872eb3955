"""Working-time arithmetic of service calendars: examples a reviewer can check by hand,
several also checked against the minute-stepping reference."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from relay_sla.domain.calendar import (
    CalendarDefinition,
    NoWorkingTime,
    OutsideSupportedYears,
    WorkingCalendar,
    calendar_to_json,
    parse_calendar,
    require_working_time,
)
from relay_sla.domain.calendar_reference import reference_add, reference_between
from relay_sla.domain.holidays_import import import_holidays
from relaykit.errors import InvalidInput, problem_body

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
HOUR = 3600
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def new_york(*args: int) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)


def calendar(doc: dict) -> WorkingCalendar:
    return WorkingCalendar(parse_calendar(doc))


LUNCH_SPLIT = {"timezone": "Europe/Berlin", "week": {day: [["09:00", "13:00"], ["14:00", "18:00"]] for day in WEEKDAYS}}
OFFICE = {"timezone": "Europe/Berlin", "week": {day: [["09:00", "17:00"]] for day in WEEKDAYS}}
# December 2026: Thu 24 shortened, Fri 25 a holiday, Sat 19 a working Saturday.
DECEMBER = {
    **LUNCH_SPLIT,
    "exceptions": [
        {"date": "2026-12-19", "intervals": [["10:00", "14:00"]], "name": "Year-end Saturday"},
        {"date": "2026-12-24", "intervals": [["09:00", "12:00"]], "name": "Christmas Eve"},
        {"date": "2026-12-25", "intervals": [], "name": "Christmas Day"},
    ],
}
NIGHTS = {
    "timezone": "Europe/Berlin",
    "week": {day: [["00:00", "06:00"], ["22:00", "24:00"]] for day in (*WEEKDAYS, "sat", "sun")},
}
ALL_DAY_SUNDAY = {"timezone": "Europe/Berlin", "week": {"sun": [["00:00", "24:00"]]}}
NEW_YORK_SHIFTS = {
    "timezone": "America/New_York",
    "week": {
        **{day: [["00:00", "06:00"], ["22:00", "24:00"]] for day in ("sat", "sun")},
        **{day: [["00:00", "06:00"], ["08:00", "17:00"], ["22:00", "24:00"]] for day in WEEKDAYS},
    },
}
ALWAYS_OPEN = {"timezone": "Europe/Berlin", "always_open": True}


def test_a_lunch_break_is_not_working_time() -> None:
    cal = calendar(LUNCH_SPLIT)
    assert cal.add(berlin(2026, 6, 1, 12), 2 * HOUR) == berlin(2026, 6, 1, 15)
    assert cal.between(berlin(2026, 6, 1, 12), berlin(2026, 6, 1, 15)) == 2 * HOUR


def test_nights_and_weekends_are_skipped() -> None:
    cal = calendar(LUNCH_SPLIT)
    assert cal.add(berlin(2026, 6, 1, 17), 2 * HOUR) == berlin(2026, 6, 2, 10)
    assert cal.add(berlin(2026, 6, 5, 17, 30), HOUR) == berlin(2026, 6, 8, 9, 30)


def test_a_holiday_and_a_shortened_day_replace_their_weekday() -> None:
    cal = calendar(DECEMBER)
    # Thu 24 works 09-12 only, Fri 25 not at all.
    assert cal.add(berlin(2026, 12, 24, 11), 2 * HOUR) == berlin(2026, 12, 28, 10)
    assert cal.between(berlin(2026, 12, 24), berlin(2026, 12, 26)) == 3 * HOUR
    assert not cal.is_working(berlin(2026, 12, 25, 10))


def test_a_working_saturday_counts() -> None:
    cal = calendar(DECEMBER)
    assert cal.add(berlin(2026, 12, 18, 17), 2 * HOUR) == berlin(2026, 12, 19, 11)
    assert cal.is_working(berlin(2026, 12, 19, 13, 59))
    assert not cal.is_working(berlin(2026, 12, 26, 10))


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (berlin(2026, 6, 6, 10), berlin(2026, 6, 8, 9, 30)),  # Saturday
        (berlin(2026, 6, 1, 6), berlin(2026, 6, 1, 9, 30)),  # before opening
        (berlin(2026, 6, 1, 13, 20), berlin(2026, 6, 1, 14, 30)),  # during lunch
        (berlin(2026, 6, 1, 23), berlin(2026, 6, 2, 9, 30)),  # at night
    ],
)
def test_a_start_outside_working_hours_counts_from_the_next_working_moment(start: datetime, expected: datetime) -> None:
    assert calendar(LUNCH_SPLIT).add(start, 30 * 60) == expected
    assert reference_add(parse_calendar(LUNCH_SPLIT), start, 30 * 60) == expected


def test_a_start_on_an_interval_boundary() -> None:
    cal = calendar(LUNCH_SPLIT)
    assert cal.add(berlin(2026, 6, 1, 9), HOUR) == berlin(2026, 6, 1, 10)
    assert cal.add(berlin(2026, 6, 1, 13), HOUR) == berlin(2026, 6, 1, 15)
    assert cal.add(berlin(2026, 6, 5, 18), 1) == berlin(2026, 6, 8, 9, 0, 1)


def test_a_deadline_exactly_at_the_end_of_an_interval_stays_there() -> None:
    assert calendar(OFFICE).add(berlin(2026, 6, 5, 9), 8 * HOUR) == berlin(2026, 6, 5, 17)
    assert calendar(OFFICE).add(berlin(2026, 6, 4, 17), 8 * HOUR) == berlin(2026, 6, 5, 17)
    assert calendar(LUNCH_SPLIT).add(berlin(2026, 6, 1, 9), 4 * HOUR) == berlin(2026, 6, 1, 13)


def test_seconds_are_kept() -> None:
    cal = calendar(LUNCH_SPLIT)
    start = berlin(2026, 6, 1, 12, 59, 59)
    assert cal.add(start, 2) == berlin(2026, 6, 1, 14, 0, 1)
    assert cal.add(start, 1.5) == berlin(2026, 6, 1, 14, 0, 0, 500_000)
    assert cal.between(start, berlin(2026, 6, 1, 14, 0, 1)) == 2


def test_add_zero_is_the_start_itself_even_outside_working_hours() -> None:
    saturday = berlin(2026, 6, 6, 10)
    assert calendar(LUNCH_SPLIT).add(saturday, 0) == saturday
    assert calendar(LUNCH_SPLIT).add(saturday, 0).tzinfo == UTC


def test_durations_spanning_months() -> None:
    # 40 working days of 8 h from Monday 09:00 end on the Friday eight weeks later at 17:00.
    assert calendar(OFFICE).add(berlin(2026, 2, 2, 9), 40 * 8 * HOUR) == berlin(2026, 3, 27, 17)
    defn = parse_calendar({**LUNCH_SPLIT, "exceptions": import_holidays("DE", 2026)})
    start = berlin(2026, 3, 20, 11, 17, 5)
    deadline = WorkingCalendar(defn).add(start, 35 * 8 * HOUR + 1234)
    assert deadline == reference_add(defn, start, 35 * 8 * HOUR + 1234)
    assert WorkingCalendar(defn).between(start, deadline) == 35 * 8 * HOUR + 1234


def test_a_year_with_holidays() -> None:
    holidays = import_holidays("DE", 2026)
    cal = calendar({**OFFICE, "exceptions": holidays})
    weekday_holidays = sum(date.fromisoformat(entry["date"]).weekday() < 5 for entry in holidays)
    assert cal.between(berlin(2026, 1, 1), berlin(2027, 1, 1)) == (261 - weekday_holidays) * 8 * HOUR


class TestDaylightSaving:
    def test_0900_stays_0900_local_across_the_spring_change(self) -> None:
        deadline = calendar(OFFICE).add(berlin(2026, 3, 27, 16), 2 * HOUR)
        assert deadline == berlin(2026, 3, 30, 10)
        assert deadline == datetime(2026, 3, 30, 8, tzinfo=UTC)

    def test_0900_stays_0900_local_across_the_autumn_change(self) -> None:
        deadline = calendar(OFFICE).add(berlin(2026, 10, 23, 16), 2 * HOUR)
        assert deadline == datetime(2026, 10, 26, 9, tzinfo=UTC)

    @pytest.mark.parametrize(
        ("day", "hours"), [(date(2026, 3, 29), 23), (date(2026, 10, 25), 25), (date(2026, 6, 7), 24)]
    )
    def test_a_whole_day_lasts_as_long_as_it_really_does(self, day: date, hours: int) -> None:
        start = datetime.combine(day, datetime.min.time(), BERLIN)
        end = datetime.combine(day + timedelta(days=1), datetime.min.time(), BERLIN)
        assert calendar(ALL_DAY_SUNDAY).between(start, end) == hours * HOUR
        assert calendar(ALL_DAY_SUNDAY).add(start, hours * HOUR) == end
        assert reference_between(parse_calendar(ALL_DAY_SUNDAY), start, end) == hours * HOUR

    @pytest.mark.parametrize(("night", "hours"), [(date(2026, 3, 28), 7), (date(2026, 10, 24), 9)])
    def test_a_night_shift_across_the_change_hour(self, night: date, hours: int) -> None:
        start = datetime.combine(night, datetime.min.time(), BERLIN).replace(hour=22)
        end = datetime.combine(night + timedelta(days=1), datetime.min.time(), BERLIN).replace(hour=6)
        cal = calendar(NIGHTS)
        assert cal.between(start, end) == hours * HOUR
        assert cal.add(start, hours * HOUR) == end
        assert cal.add(start, 4 * HOUR) == reference_add(parse_calendar(NIGHTS), start, 4 * HOUR)

    def test_24x7_counts_real_seconds_across_the_change(self) -> None:
        cal = calendar(ALWAYS_OPEN)
        assert cal.add(berlin(2026, 3, 29), 24 * HOUR) == berlin(2026, 3, 30, 1)
        assert cal.add(berlin(2026, 10, 25), 24 * HOUR) == berlin(2026, 10, 25, 23)
        assert cal.between(berlin(2026, 3, 28, 12), berlin(2026, 3, 29, 12)) == 23 * HOUR

    def test_intervals_ending_inside_the_skipped_or_repeated_hour(self) -> None:
        doc = {"timezone": "Europe/Berlin", "week": {"sun": [["01:30", "02:30"], ["02:30", "04:00"]]}}
        cal, defn = calendar(doc), parse_calendar(doc)
        spring = (berlin(2026, 3, 29), berlin(2026, 3, 29, 5))
        autumn = (berlin(2026, 10, 25), berlin(2026, 10, 25, 5))
        # Spring: 02:30 is read as 03:30 summer time, so the first interval runs 01:30-02:00 and
        # 03:00-03:30, the second 03:30-04:00. Autumn: 02:00-03:00 passes twice.
        assert cal.between(*spring) == reference_between(defn, *spring) == 1.5 * HOUR
        assert cal.between(*autumn) == reference_between(defn, *autumn) == 3.5 * HOUR

    @pytest.mark.parametrize(("night", "hours"), [(date(2026, 3, 7), 7), (date(2026, 10, 31), 9)])
    def test_new_york_night_shift(self, night: date, hours: int) -> None:
        start = datetime.combine(night, datetime.min.time(), NEW_YORK).replace(hour=22)
        end = datetime.combine(night + timedelta(days=1), datetime.min.time(), NEW_YORK).replace(hour=6)
        cal = calendar(NEW_YORK_SHIFTS)
        assert cal.between(start, end) == hours * HOUR
        assert cal.add(start, hours * HOUR) == end
        assert cal.add(start, 3 * HOUR + 17) == reference_add(parse_calendar(NEW_YORK_SHIFTS), start, 3 * HOUR + 17)

    def test_new_york_day_shift_keeps_local_time(self) -> None:
        cal = calendar(NEW_YORK_SHIFTS)
        # Fri 16-17 (1 h), Fri 22-24 (2 h), Sat 00-06 (6 h), Sat 22:00-23:00 (1 h).
        assert cal.add(new_york(2026, 3, 6, 16), 10 * HOUR) == new_york(2026, 3, 7, 23)
        # Sat 22-24 (2 h), Sun 00-06 across the change (5 h), Sun 22:00-23:00 EDT (1 h).
        assert cal.add(new_york(2026, 3, 7, 22), 8 * HOUR) == datetime(2026, 3, 9, 3, tzinfo=UTC)
        assert cal.add(new_york(2026, 10, 30, 16, 30), HOUR) == new_york(2026, 10, 30, 22, 30)
        assert cal.add(new_york(2026, 11, 2, 7), 2 * HOUR) == datetime(2026, 11, 2, 15, tzinfo=UTC)


# The night each zone's clock jumps forward (02:00 becomes 03:00) and the night it falls back,
# with the hour that falls-back night repeats. Sydney is in the southern hemisphere: summer
# time begins in October and ends in April.
DST_NIGHTS = [
    pytest.param("Europe/Berlin", date(2026, 3, 29), date(2026, 10, 25), 2, id="berlin"),
    pytest.param("America/New_York", date(2026, 3, 8), date(2026, 11, 1), 1, id="new-york"),
    pytest.param("Australia/Sydney", date(2026, 10, 4), date(2026, 4, 5), 2, id="sydney"),
]


def on_day(zone: str, day: date, *intervals: tuple[str, str]) -> CalendarDefinition:
    return parse_calendar(
        {"timezone": zone, "exceptions": [{"date": day.isoformat(), "intervals": [list(i) for i in intervals]}]}
    )


def day_span(zone: str, day: date) -> tuple[datetime, datetime]:
    tz = ZoneInfo(zone)
    return datetime.combine(day, datetime.min.time(), tz), datetime.combine(
        day + timedelta(days=1), datetime.min.time(), tz
    )


def before_the_jump(zone: str, day: date, hour: int, minute: int) -> datetime:
    """A skipped wall time read with the offset in force before the jump (fold=0)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(zone)).astimezone(UTC)


@pytest.mark.parametrize(("zone", "spring", "autumn", "repeated"), DST_NIGHTS)
class TestSkippedAndRepeatedWallTimes:
    """A boundary inside the skipped hour is its wall time read with the offset before the jump
    (02:30 is 03:30 summer time); an interval over the repeated hour is worked as the hour
    really passes: twice."""

    def test_an_interval_from_inside_the_skipped_hour_to_just_after_it_is_empty(self, zone, spring, autumn, repeated):
        defn = on_day(zone, spring, ("02:30", "03:15"))
        span = day_span(zone, spring)
        assert WorkingCalendar(defn).between(*span) == reference_between(defn, *span) == 0
        assert not WorkingCalendar(defn).is_working(
            datetime.combine(spring, datetime.min.time(), ZoneInfo(zone)).replace(hour=3, minute=5)
        )

    def test_an_interval_starting_inside_the_skipped_hour_starts_an_hour_later(self, zone, spring, autumn, repeated):
        defn = on_day(zone, spring, ("02:05", "04:00"))
        cal, span = WorkingCalendar(defn), day_span(zone, spring)
        assert cal.between(*span) == reference_between(defn, *span) == 55 * 60
        starts = before_the_jump(zone, spring, 2, 5)
        assert starts.astimezone(ZoneInfo(zone)).strftime("%H:%M") == "03:05"
        assert cal.next_working_moment(span[0]) == starts
        assert cal.add(span[0], 55 * 60) == reference_add(defn, span[0], 55 * 60) == starts + timedelta(minutes=55)

    def test_an_interval_ending_inside_the_skipped_hour_ends_an_hour_later(self, zone, spring, autumn, repeated):
        defn = on_day(zone, spring, ("01:00", "02:30"))
        cal, span = WorkingCalendar(defn), day_span(zone, spring)
        # 01:00-02:00 before the jump, then 03:00-03:30 after it.
        assert cal.between(*span) == reference_between(defn, *span) == 90 * 60
        ends = before_the_jump(zone, spring, 2, 30)
        assert cal.add(span[0], 90 * 60) == reference_add(defn, span[0], 90 * 60) == ends
        assert cal.is_working(ends - timedelta(seconds=1)) and not cal.is_working(ends)

    def test_intervals_on_both_sides_of_a_skipped_boundary_count_once(self, zone, spring, autumn, repeated):
        # 02:30-02:50 becomes 03:30-03:50 and overlaps 03:00-03:40: together 03:00-03:50.
        defn = on_day(zone, spring, ("02:30", "02:50"), ("03:00", "03:40"))
        span = day_span(zone, spring)
        assert WorkingCalendar(defn).between(*span) == reference_between(defn, *span) == 50 * 60

    def test_the_repeated_hour_is_worked_twice(self, zone, spring, autumn, repeated):
        start, end = f"{repeated:02d}:30", f"{repeated + 1:02d}:15"
        defn = on_day(zone, autumn, (start, end))
        cal, span = WorkingCalendar(defn), day_span(zone, autumn)
        # xx:30-xx+1:00 on both passes of the repeated hour, then xx+1:00-xx+1:15 once.
        assert cal.between(*span) == reference_between(defn, *span) == 75 * 60
        first_pass = datetime(autumn.year, autumn.month, autumn.day, repeated, 45, tzinfo=ZoneInfo(zone))
        second_pass = first_pass.replace(fold=1)
        assert cal.is_working(first_pass) and cal.is_working(second_pass)
        # Between the passes (xx:00-xx:30 the second time) is not worked: two pieces, not one.
        assert not cal.is_working(second_pass - timedelta(minutes=30))
        assert cal.add(span[0], 45 * 60) == reference_add(defn, span[0], 45 * 60) == second_pass.astimezone(UTC)


def test_a_day_the_clock_skips_is_worked_on_the_next_day() -> None:
    # Samoa skipped 30 December 2011 (from UTC-10 to UTC+14): its wall times, read with the
    # offset before the jump, fall on the 31st, where they count once beside the 31st's own.
    defn = parse_calendar(
        {
            "timezone": "Pacific/Apia",
            "exceptions": [
                {"date": "2011-12-30", "intervals": [["09:00", "12:00"]]},
                {"date": "2011-12-31", "intervals": [["11:00", "13:00"]]},
            ],
        }
    )
    span = day_span("Pacific/Apia", date(2011, 12, 29))[0], day_span("Pacific/Apia", date(2012, 1, 1))[0]
    assert WorkingCalendar(defn).between(*span) == reference_between(defn, *span) == 4 * HOUR
    assert WorkingCalendar(defn).next_working_moment(span[0]) == datetime(2011, 12, 30, 19, tzinfo=UTC)


class TestAlwaysOpen:
    def test_every_second_counts(self) -> None:
        cal = calendar(ALWAYS_OPEN)
        start = datetime(2026, 6, 6, 3, 4, 5, tzinfo=UTC)
        assert cal.add(start, 90 * 24 * HOUR) == start + timedelta(days=90)
        assert cal.between(start, start + timedelta(days=400)) == 400 * 24 * HOUR
        assert cal.is_working(start)
        assert cal.next_working_moment(start) == start

    def test_intervals_are_kept_but_ignored(self) -> None:
        defn = parse_calendar({**LUNCH_SPLIT, "always_open": True})
        assert defn.week[0] == ((540, 780), (840, 1080))
        assert WorkingCalendar(defn).between(berlin(2026, 6, 6), berlin(2026, 6, 7)) == 24 * HOUR


class TestPauses:
    def test_a_pause_inside_working_time(self) -> None:
        cal = calendar(LUNCH_SPLIT)
        pause = (berlin(2026, 6, 1, 10), berlin(2026, 6, 1, 11))
        assert cal.add(berlin(2026, 6, 1, 9), 4 * HOUR, [pause]) == berlin(2026, 6, 1, 15)
        assert cal.between(berlin(2026, 6, 1, 9), berlin(2026, 6, 1, 18), [pause]) == 7 * HOUR

    def test_a_pause_outside_working_time_changes_nothing(self) -> None:
        cal = calendar(LUNCH_SPLIT)
        weekend = (berlin(2026, 6, 6), berlin(2026, 6, 7, 12))
        assert cal.add(berlin(2026, 6, 5, 17), 2 * HOUR, [weekend]) == berlin(2026, 6, 8, 10)

    def test_overlapping_unsorted_pauses_count_once(self) -> None:
        cal = calendar(LUNCH_SPLIT)
        pauses = [
            (berlin(2026, 6, 1, 10, 30), berlin(2026, 6, 1, 11, 30)),
            (berlin(2026, 6, 1, 10), berlin(2026, 6, 1, 11)),
        ]
        assert cal.add(berlin(2026, 6, 1, 9), 3 * HOUR, pauses) == berlin(2026, 6, 1, 14, 30)
        assert cal.between(berlin(2026, 6, 1, 9), berlin(2026, 6, 1, 13), pauses) == 2.5 * HOUR

    def test_a_pause_spanning_a_weekend(self) -> None:
        cal = calendar(LUNCH_SPLIT)
        pause = (berlin(2026, 6, 5, 16), berlin(2026, 6, 8, 11))
        # Fri 09-13 and 14-16 give 6 h, Mon 11-13 the last 2 h, ending exactly at the lunch break.
        assert cal.add(berlin(2026, 6, 5, 9), 8 * HOUR, [pause]) == berlin(2026, 6, 8, 13)
        assert cal.between(berlin(2026, 6, 5, 9), berlin(2026, 6, 8, 13), [pause]) == 8 * HOUR

    def test_a_start_inside_a_pause_counts_from_its_end(self) -> None:
        cal = calendar(LUNCH_SPLIT)
        pause = (berlin(2026, 6, 1, 10), berlin(2026, 6, 1, 11))
        assert cal.add(berlin(2026, 6, 1, 10, 30), HOUR, [pause]) == berlin(2026, 6, 1, 12)
        assert cal.add(berlin(2026, 6, 1, 10, 30), 0, [pause]) == berlin(2026, 6, 1, 10, 30)

    def test_an_empty_or_inverted_pause_is_ignored(self) -> None:
        cal = calendar(LUNCH_SPLIT)
        inverted = (berlin(2026, 6, 1, 11), berlin(2026, 6, 1, 10))
        assert cal.add(berlin(2026, 6, 1, 9), HOUR, [inverted]) == berlin(2026, 6, 1, 10)

    def test_pauses_in_24x7(self) -> None:
        cal = calendar(ALWAYS_OPEN)
        pause = (berlin(2026, 6, 1, 10), berlin(2026, 6, 1, 12))
        assert cal.add(berlin(2026, 6, 1, 9), 3 * HOUR, [pause]) == berlin(2026, 6, 1, 14)


class TestBetween:
    @pytest.mark.parametrize(
        ("start", "end", "hours"),
        [
            (berlin(2026, 6, 1, 10), berlin(2026, 6, 1, 12), 2),
            (berlin(2026, 6, 1, 12), berlin(2026, 6, 1, 15), 2),
            (berlin(2026, 6, 5, 17), berlin(2026, 6, 8, 10), 2),
            (berlin(2026, 6, 6, 10), berlin(2026, 6, 7, 10), 0),
            (berlin(2026, 6, 1), berlin(2026, 6, 8), 40),
            (berlin(2026, 6, 1, 12), berlin(2026, 6, 1, 11), 0),
            (berlin(2026, 6, 1, 12), berlin(2026, 6, 1, 12), 0),
        ],
    )
    def test_examples(self, start: datetime, end: datetime, hours: float) -> None:
        assert calendar(LUNCH_SPLIT).between(start, end) == hours * HOUR
        assert reference_between(parse_calendar(LUNCH_SPLIT), start, end) == hours * HOUR

    def test_any_input_zone(self) -> None:
        start = datetime(2026, 6, 1, 3, tzinfo=NEW_YORK)  # 09:00 Berlin
        assert calendar(LUNCH_SPLIT).between(start, start + timedelta(hours=2)) == 2 * HOUR

    def test_years_are_cached_in_both_directions(self) -> None:
        cal = calendar({**OFFICE, "exceptions": import_holidays("DE", 2026)})
        late = cal.add(berlin(2031, 3, 1), 100 * HOUR)
        early = cal.add(berlin(2021, 3, 1), 100 * HOUR)
        whole = cal.between(berlin(2020, 1, 1), berlin(2032, 1, 1))
        parts = sum(cal.between(berlin(year, 1, 1), berlin(year + 1, 1, 1)) for year in range(2020, 2032))
        assert whole == parts
        assert cal.between(berlin(2031, 3, 1), late) == cal.between(berlin(2021, 3, 1), early) == 100 * HOUR


class TestWorkingMoments:
    def test_intervals_include_their_start_not_their_end(self) -> None:
        cal = calendar(LUNCH_SPLIT)
        assert cal.is_working(berlin(2026, 6, 1, 9))
        assert not cal.is_working(berlin(2026, 6, 1, 13))
        assert cal.is_working(berlin(2026, 6, 1, 14))
        assert not cal.is_working(berlin(2026, 6, 6, 10))

    def test_next_working_moment(self) -> None:
        cal = calendar(DECEMBER)
        assert cal.next_working_moment(berlin(2026, 12, 24, 12)) == berlin(2026, 12, 28, 9)
        assert cal.next_working_moment(berlin(2026, 12, 28, 9, 30)) == berlin(2026, 12, 28, 9, 30)
        assert cal.next_working_moment(berlin(2026, 12, 31, 19)) == berlin(2027, 1, 1, 9)
        assert cal.next_working_moment(berlin(2026, 12, 28, 9)).tzinfo == UTC


class TestErrors:
    def test_naive_datetimes_are_refused(self) -> None:
        cal = calendar(LUNCH_SPLIT)
        naive = datetime(2026, 6, 1, 9)
        aware = berlin(2026, 6, 1, 9)
        for call in (
            lambda: cal.add(naive, 60),
            lambda: cal.between(naive, aware),
            lambda: cal.between(aware, naive),
            lambda: cal.is_working(naive),
            lambda: cal.next_working_moment(naive),
            lambda: cal.add(aware, 60, [(naive, aware)]),
        ):
            with pytest.raises(ValueError, match="timezone-aware"):
                call()

    @pytest.mark.parametrize("seconds", [-1, float("nan"), float("inf")])
    def test_bad_durations_are_refused(self, seconds: float) -> None:
        with pytest.raises(ValueError, match="seconds"):
            calendar(LUNCH_SPLIT).add(berlin(2026, 6, 1, 9), seconds)

    def test_a_calendar_without_working_time_fails_instead_of_looping(self) -> None:
        cal = calendar({"timezone": "Europe/Berlin", "week": {}})
        start = berlin(2026, 6, 1, 9)
        assert cal.add(start, 0) == start
        assert cal.between(start, berlin(2030, 1, 1)) == 0
        with pytest.raises(NoWorkingTime, match="no working time in the 10 years"):
            cal.add(start, 1)
        with pytest.raises(NoWorkingTime, match="no working time"):
            cal.next_working_moment(start)

    def test_working_time_that_runs_out(self) -> None:
        cal = calendar({"timezone": "UTC", "exceptions": [{"date": "2026-06-06", "intervals": [["10:00", "11:00"]]}]})
        assert cal.add(datetime(2026, 1, 1, tzinfo=UTC), HOUR) == datetime(2026, 6, 6, 11, tzinfo=UTC)
        with pytest.raises(ValueError, match="no working time"):
            cal.add(datetime(2026, 1, 1, tzinfo=UTC), HOUR + 1)

    def test_dates_outside_the_supported_years(self) -> None:
        cal = calendar(LUNCH_SPLIT)
        with pytest.raises(OutsideSupportedYears, match="1900 to 2200") as found:
            cal.is_working(datetime(2300, 1, 1, tzinfo=UTC))
        assert found.value.errors.keys() == {"at"}
        with pytest.raises(OutsideSupportedYears, match="after the year 2200") as found:
            cal.add(berlin(2026, 6, 1), 1e12)
        assert found.value.errors.keys() == {"seconds"}

    @pytest.mark.parametrize("doc", [LUNCH_SPLIT, ALWAYS_OPEN])
    @pytest.mark.parametrize(
        ("call", "field"),
        [
            (lambda cal: cal.add(datetime(2201, 1, 1, tzinfo=UTC), 60), "start"),
            (lambda cal: cal.add(datetime(1899, 12, 31, 23, tzinfo=UTC), 60), "start"),
            (lambda cal: cal.add(datetime(2200, 12, 31, 23, tzinfo=UTC), 10 * 24 * HOUR), "seconds"),
            (lambda cal: cal.between(berlin(2026, 6, 1), datetime(2201, 1, 1, tzinfo=UTC)), "end"),
            (lambda cal: cal.between(datetime(1800, 1, 1, tzinfo=UTC), berlin(2026, 6, 1)), "start"),
            (lambda cal: cal.next_working_moment(datetime(9999, 1, 1, tzinfo=UTC)), "at"),
            (
                lambda cal: cal.add(
                    berlin(2026, 6, 1),
                    60,
                    [(berlin(2026, 6, 2), berlin(2026, 6, 3)), (berlin(2026, 6, 4), datetime(2300, 1, 1, tzinfo=UTC))],
                ),
                "pauses.1.end",
            ),
        ],
    )
    def test_moments_outside_the_supported_years_are_refused_naming_the_argument(self, doc, call, field) -> None:
        with pytest.raises(OutsideSupportedYears) as found:
            call(calendar(doc))
        assert isinstance(found.value, ValueError) and isinstance(found.value, InvalidInput)
        assert problem_body(found.value)["status"] == 422
        assert found.value.errors.keys() == {field}


class TestRequireWorkingTime:
    MONDAYS = {"timezone": "UTC", "week": {"mon": [["09:00", "17:00"]]}}

    @staticmethod
    def mondays_off(first: date, weeks: int) -> list[dict]:
        return [{"date": (first + timedelta(weeks=n)).isoformat(), "intervals": []} for n in range(weeks)]

    @pytest.mark.parametrize(
        "doc",
        [
            ALWAYS_OPEN,
            {"timezone": "UTC", "always_open": True, "week": {}},
            LUNCH_SPLIT,
            DECEMBER,
            {**MONDAYS, "exceptions": mondays_off(date(2026, 1, 5), 520)},  # 9.97 years of Mondays off
        ],
    )
    def test_calendars_that_always_give_a_deadline_pass(self, doc) -> None:
        defn = parse_calendar(doc)
        assert require_working_time(defn) is defn

    @pytest.mark.parametrize(
        ("doc", "field"),
        [
            ({"timezone": "UTC"}, "week"),
            ({"timezone": "UTC", "week": {"mon": []}}, "week"),
            ({"timezone": "UTC", "exceptions": [{"date": "2026-06-06", "intervals": [["10:00", "11:00"]]}]}, "week"),
            ({**MONDAYS, "exceptions": mondays_off(date(2026, 1, 5), 522)}, "exceptions"),
            # The run counts the days around the exceptions too, and unsorted input alike.
            ({**MONDAYS, "exceptions": mondays_off(date(2026, 1, 5), 522)[::-1]}, "exceptions"),
        ],
    )
    def test_calendars_that_could_leave_a_ticket_without_a_deadline_are_refused(self, doc, field) -> None:
        with pytest.raises(NoWorkingTime) as found:
            require_working_time(parse_calendar(doc))
        assert found.value.errors.keys() == {field}
        assert problem_body(found.value)["status"] == 422

    def test_a_run_of_days_off_interrupted_by_a_working_exception_is_two_runs(self) -> None:
        off = self.mondays_off(date(2026, 1, 5), 600)
        off[300] = {"date": off[300]["date"], "intervals": [["10:00", "11:00"]]}
        assert require_working_time(parse_calendar({**self.MONDAYS, "exceptions": off}))

    def test_an_accepted_calendar_answers_after_its_longest_run_of_days_off(self) -> None:
        # 520 Mondays off: the next working Monday is 3,640 days on, inside the 10-year search.
        short = parse_calendar({**self.MONDAYS, "exceptions": self.mondays_off(date(2026, 1, 5), 520)})
        first_working = datetime.combine(date(2026, 1, 5) + timedelta(weeks=520), datetime.min.time(), UTC)
        assert WorkingCalendar(short).add(datetime(2026, 1, 1, tzinfo=UTC), HOUR) == first_working.replace(hour=10)


class TestDefinitionErrors:
    def test_a_definition_checks_itself(self) -> None:
        with pytest.raises(ValueError, match="overlaps"):
            CalendarDefinition("Europe/Berlin", week={0: ((540, 780), (720, 900))})
        with pytest.raises(ValueError, match="weekdays"):
            CalendarDefinition("Europe/Berlin", week={7: ((540, 780),)})
        with pytest.raises(ValueError, match="unknown time zone"):
            WorkingCalendar(CalendarDefinition("Mars/Olympus_Mons"))


class TestParsing:
    def test_round_trip(self) -> None:
        defn = parse_calendar(DECEMBER)
        assert defn.week[0] == ((540, 780), (840, 1080))
        assert defn.exceptions[date(2026, 12, 25)] == ()
        assert defn.exception_names[date(2026, 12, 24)] == "Christmas Eve"
        as_json = calendar_to_json(defn)
        assert as_json["week"]["sat"] == []
        assert as_json["exceptions"][1] == {
            "date": "2026-12-24",
            "intervals": [["09:00", "12:00"]],
            "name": "Christmas Eve",
        }
        assert parse_calendar(as_json) == defn
        assert hash(parse_calendar(as_json)) == hash(defn)

    def test_unsorted_intervals_and_2400_are_accepted(self) -> None:
        defn = parse_calendar({"timezone": "UTC", "week": {"mon": [["22:00", "24:00"], ["00:00", "06:00"]]}})
        assert defn.week[0] == ((0, 360), (1320, 1440))
        assert calendar_to_json(defn)["week"]["mon"] == [["00:00", "06:00"], ["22:00", "24:00"]]

    def test_defaults(self) -> None:
        defn = parse_calendar({"timezone": "America/New_York"})
        assert defn == CalendarDefinition("America/New_York")
        assert not defn.always_open

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            (lambda doc: doc.update(timezone="Mars/Olympus_Mons"), "timezone"),
            (lambda doc: doc.update(timezone="localtime"), "timezone"),
            (lambda doc: doc.pop("timezone"), "timezone"),
            (lambda doc: doc.update(always_open="yes"), "always_open"),
            (lambda doc: doc.update(week=[]), "week"),
            (lambda doc: doc["week"].update(mon=[["9am", "13:00"]]), "week.mon.0"),
            (lambda doc: doc["week"].update(mon=[["09:00", "24:30"]]), "week.mon.0"),
            (lambda doc: doc["week"].update(mon=[["09:00"]]), "week.mon.0"),
            (lambda doc: doc["week"].update(mon=[["09:00", "13:00"], ["18:00", "14:00"]]), "week.mon.1"),
            (lambda doc: doc["week"].update(mon=[["09:00", "13:00"], ["14:00", "14:00"]]), "week.mon.1"),
            (lambda doc: doc["week"].update(mon=[["09:00", "13:00"], ["12:00", "18:00"]]), "week.mon.1"),
            (lambda doc: doc["week"].update(mon=[["12:00", "18:00"], ["09:00", "13:00"]]), "week.mon.0"),
            (lambda doc: doc["week"].update(mon="09:00-17:00"), "week.mon"),
            (lambda doc: doc["week"].update(xyz=[]), "week.xyz"),
            (lambda doc: doc["exceptions"].append({"date": "2026-12-19", "intervals": []}), "exceptions.3.date"),
            (lambda doc: doc["exceptions"].append({"date": "2026-02-30"}), "exceptions.3.date"),
            (lambda doc: doc["exceptions"].append({"date": "2026/12/31"}), "exceptions.3.date"),
            (lambda doc: doc["exceptions"].append({"intervals": []}), "exceptions.3.date"),
            (
                lambda doc: doc["exceptions"].append({"date": "2026-12-31", "intervals": [["10:00", "09:00"]]}),
                "exceptions.3.intervals.0",
            ),
            (lambda doc: doc["exceptions"].append({"date": "2026-12-31", "name": 7}), "exceptions.3.name"),
            (lambda doc: doc["exceptions"].append({"date": "2026-12-31", "hours": []}), "exceptions.3.hours"),
            (lambda doc: doc["exceptions"].append("2026-12-31"), "exceptions.3"),
            (lambda doc: doc.update(exceptions={}), "exceptions"),
            (lambda doc: doc.update(timezon="UTC"), "timezon"),
        ],
    )
    def test_errors_name_the_field(self, change, field: str) -> None:
        doc = copy.deepcopy(DECEMBER)
        change(doc)
        with pytest.raises(InvalidInput) as caught:
            parse_calendar(doc)
        assert list(caught.value.errors) == [field]
        assert problem_body(caught.value)["errors"][0]["field"] == field

    def test_a_calendar_must_be_an_object(self) -> None:
        with pytest.raises(InvalidInput):
            parse_calendar(["Europe/Berlin"])


class TestHolidayImport:
    def test_germany(self) -> None:
        entries = import_holidays("DE", 2026)
        by_date = {entry["date"]: entry for entry in entries}
        assert by_date["2026-12-25"] == {"date": "2026-12-25", "intervals": [], "name": "Christmas Day"}
        assert "2026-10-03" in by_date and "2026-04-06" in by_date
        assert [entry["date"] for entry in entries] == sorted(by_date)
        assert len(import_holidays("DE", 2026, "BY")) > len(entries)

    def test_united_states_lowercase_code(self) -> None:
        dates = {entry["date"] for entry in import_holidays("us", 2026)}
        assert {"2026-07-03", "2026-07-04", "2026-11-26"} <= dates

    def test_imported_holidays_make_a_calendar(self) -> None:
        cal = calendar({**LUNCH_SPLIT, "exceptions": import_holidays("DE", 2026)})
        assert not cal.is_working(berlin(2026, 12, 25, 10))
        assert cal.next_working_moment(berlin(2026, 12, 24, 18)) == berlin(2026, 12, 28, 9)

    @pytest.mark.parametrize(
        ("args", "field"),
        [
            (("XX", 2026), "country"),
            (("", 2026), "country"),
            (("DE", 1800), "year"),
            (("DE", "2026"), "year"),
            (("DE", True), "year"),
            (("DE", 2026, "ZZ"), "subdivision"),
        ],
    )
    def test_errors(self, args: tuple, field: str) -> None:
        with pytest.raises(InvalidInput) as caught:
            import_holidays(*args)
        assert list(caught.value.errors) == [field]
