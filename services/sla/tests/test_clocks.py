"""A ticket's clocks from its timeline: deadlines, pauses, reopening, recomputation,
what fires when, and the figures (domain only, no I/O)."""

from datetime import UTC, datetime, timedelta

import pytest

from relay_sla.domain.calendar import WorkingCalendar, parse_calendar
from relay_sla.domain.clocks import (
    FIRED,
    PAUSED,
    REACTION,
    REACTION_MET,
    REGISTERED,
    RESOLUTION,
    RUNNING,
    STATE,
    STOPPED,
    TARGETS,
    Clocks,
    Entry,
    Targets,
)

# Mon-Fri 09:00-13:00 and 14:00-18:00 UTC (8 working hours a day).
OFFICE = WorkingCalendar(
    parse_calendar(
        {
            "timezone": "UTC",
            "week": {d: [["09:00", "13:00"], ["14:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
        }
    )
)
TWENTY_FOUR_SEVEN = WorkingCalendar(parse_calendar({"timezone": "UTC", "always_open": True}))
H = 3600


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """2026-11-<day> (the 23rd is a Monday) at hh:mm UTC."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def targets(reaction_h: float | None = 1, resolution_h: float | None = 8, rule="Default", warn=(0.75,)) -> Targets:
    return Targets(
        rule_id=1,
        rule_name=rule,
        calendar_id=1,
        reaction_seconds=None if reaction_h is None else int(reaction_h * H),
        resolution_seconds=None if resolution_h is None else int(resolution_h * H),
        warn_fractions=warn,
    )


def registered(when: datetime, t: Targets | None = None) -> Entry:
    return Entry(when, REGISTERED, {"targets": (t or targets()).to_json(), "status": "opened"})


def state(when: datetime, new: str, status: str = "x") -> Entry:
    return Entry(when, STATE, {"state": new, "status": status})


def test_deadlines_count_working_time_from_registration():
    clocks = Clocks.derive([registered(at(23, 12))])
    assert clocks.due_at(OFFICE, REACTION) == at(23, 13)  # ends with the interval: 13:00, not 14:00
    assert clocks.due_at(OFFICE, RESOLUTION) == at(24, 12)  # 5 h on Monday, 3 h on Tuesday


def test_a_registration_outside_working_hours_counts_from_the_next_working_moment():
    clocks = Clocks.derive([registered(at(28, 10))])  # Saturday
    assert clocks.due_at(OFFICE, REACTION) == at(30, 10)


def test_reaction_is_met_once_and_its_deadline_stays():
    clocks = Clocks.derive([registered(at(23, 9)), Entry(at(23, 9, 30), REACTION_MET), Entry(at(23, 11), REACTION_MET)])
    assert clocks.reaction_met_at == at(23, 9, 30)
    assert clocks.due_at(OFFICE, REACTION) == at(23, 10)
    assert clocks.stopped_at(REACTION) == at(23, 9, 30)
    assert not clocks.breached(OFFICE, REACTION, at(25, 9))


def test_a_pause_moves_the_resolution_deadline_by_the_working_time_it_lasted():
    entries = [registered(at(23, 9)), state(at(23, 10), PAUSED, "postponed")]
    paused = Clocks.derive(entries)
    assert paused.state == PAUSED
    assert paused.due_at(OFFICE, RESOLUTION) is None  # no deadline while paused
    resumed = Clocks.derive([*entries, state(at(23, 15), RUNNING, "opened")])
    # Paused 10:00-15:00 = 4 working hours (lunch excluded): 18:00 + 4 h -> Tuesday 13:00.
    assert resumed.due_at(OFFICE, RESOLUTION) == at(24, 13)
    assert resumed.pauses == [[at(23, 10), at(23, 15)]]


def test_reopening_restarts_the_resolution_clock_where_it_stopped():
    entries = [
        registered(at(23, 9)),
        state(at(23, 11), STOPPED, "resolved"),
        state(at(25, 9), RUNNING, "opened"),  # reopened two days later
    ]
    clocks = Clocks.derive(entries)
    # 2 h were used before `resolved`: 6 h remain from Wednesday 09:00.
    assert clocks.due_at(OFFICE, RESOLUTION) == at(25, 16)


def test_figures_are_net_of_paused_and_resolved_time_pyrus_example():
    # Answered and resolved after 1 h, the client replies a week later, resolved again 30 min later.
    entries = [
        registered(at(23, 9)),
        Entry(at(23, 9, 20), REACTION_MET),
        state(at(23, 10), STOPPED, "resolved"),
        state(at(30, 10), RUNNING, "opened"),
        state(at(30, 10, 30), STOPPED, "closed"),
    ]
    figures = Clocks.derive(entries).figures(OFFICE, at(30, 12))
    assert figures["resolution"] == {"wall_seconds": 1.5 * H, "working_seconds": 1.5 * H}
    assert figures["first_response"] == {"wall_seconds": 20 * 60, "working_seconds": 20 * 60}


def test_wall_and_working_figures_differ_across_the_night():
    entries = [registered(at(23, 17)), state(at(24, 10), STOPPED, "resolved")]
    figures = Clocks.derive(entries).figures(OFFICE, at(24, 12))
    assert figures["resolution"] == {"wall_seconds": 17 * H, "working_seconds": 2 * H}


def test_a_new_target_recomputes_from_registration_with_paused_time_still_excluded():
    entries = [
        registered(at(23, 9)),
        state(at(23, 9), PAUSED),
        state(at(23, 11), RUNNING),
        Entry(at(23, 12), TARGETS, {"targets": targets(0.5, 4, rule="Critical").to_json()}),
    ]
    clocks = Clocks.derive(entries)
    assert clocks.targets.rule_name == "Critical"
    assert clocks.due_at(OFFICE, REACTION) == at(23, 11, 30)
    assert clocks.due_at(OFFICE, RESOLUTION) == at(23, 16)


def test_warnings_and_breaches_are_pending_in_time_order_until_fired():
    clocks = Clocks.derive([registered(at(23, 9), targets(1, 4))])
    pending = clocks.pending(TWENTY_FOUR_SEVEN)
    assert [(f.clock, f.level, f.moment) for f in pending] == [
        (REACTION, 0.75, at(23, 9, 45)),
        (REACTION, 1.0, at(23, 10)),
        (RESOLUTION, 0.75, at(23, 12)),
        (RESOLUTION, 1.0, at(23, 13)),
    ]
    fired = [clocks.fired_entry(pending[0], at(23, 9, 45))]
    again = Clocks.derive([registered(at(23, 9), targets(1, 4)), *fired])
    assert [f.level for f in again.pending(TWENTY_FOUR_SEVEN)][:1] == [1.0]


def test_a_met_or_paused_clock_fires_nothing_it_had_not_reached():
    entries = [registered(at(23, 9), targets(1, 4)), Entry(at(23, 9, 50), REACTION_MET), state(at(23, 9, 50), PAUSED)]
    pending = Clocks.derive(entries).pending(TWENTY_FOUR_SEVEN)
    # The reaction warning (09:45) was reached before the reply; nothing else is.
    assert [(f.clock, f.level) for f in pending] == [(REACTION, 0.75)]


def test_a_later_deadline_warns_again_an_earlier_one_does_not_repeat():
    base = [registered(at(23, 9), targets(None, 4))]
    warned = Clocks.derive(base)
    fired = warned.fired_entry(warned.pending(TWENTY_FOUR_SEVEN)[0], at(23, 12))
    assert fired.data["level"] == 0.75
    longer = Entry(at(23, 12, 30), TARGETS, {"targets": targets(None, 8).to_json()})
    later = Clocks.derive([*base, fired, longer]).pending(TWENTY_FOUR_SEVEN)
    assert [(f.level, f.moment) for f in later] == [(0.75, at(23, 15)), (1.0, at(23, 17))]
    shorter = Entry(at(23, 12, 30), TARGETS, {"targets": targets(None, 3.5).to_json()})
    sooner = Clocks.derive([*base, fired, shorter]).pending(TWENTY_FOUR_SEVEN)
    assert [(f.level, f.moment) for f in sooner] == [(1.0, at(23, 12, 30))]


def test_a_timeline_must_start_with_the_registration():
    with pytest.raises(ValueError):
        Clocks.derive([state(at(23, 9), PAUSED)])
    with pytest.raises(ValueError):
        Clocks.derive([])


def test_entries_for_a_snapshot_name_only_what_changed():
    clocks = Clocks.derive([registered(at(23, 9))])
    assert clocks.entries_for(at=at(23, 10), state=RUNNING, status="opened", reaction_at=None, targets=targets()) == []
    new = clocks.entries_for(
        at=at(23, 10), state=PAUSED, status="postponed", reaction_at=at(23, 9, 5), targets=targets(2, 8)
    )
    assert [e.kind for e in new] == [REACTION_MET, STATE, TARGETS]
    assert FIRED not in [e.kind for e in new]
    assert timedelta(0) == new[0].at - at(23, 9, 5)
