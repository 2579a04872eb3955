"""Benchmark: SLA calendar arithmetic (relay_sla.domain.calendar) against the minute-stepping
reference (relay_sla.domain.calendar_reference), in the same run, on one core.

Calendars: Berlin 09-13 + 14-18 on weekdays with the German public holidays of 2026-2027,
New York with a day shift and a night shift and the US holidays of 2026, and 24x7.
Measures add() throughput for random starts in 2026 and durations under 30 days of working
time, add() latency for a one-year span, between() throughput, and the reference on a sample
of the same computations (asserting that both agree). Exits 1 when a target is missed.

  .venv/bin/python bench/sla_calendar.py [--calls 100000] [--reference-calls 20] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from relay_sla.domain.calendar import CalendarDefinition, WorkingCalendar, parse_calendar
from relay_sla.domain.calendar_reference import reference_add, reference_between
from relay_sla.domain.holidays_import import import_holidays

DAY = 86_400
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
ADD_TARGET_PER_S = 100_000
YEAR_SPAN_TARGET_US = 1_000
YEAR_CALLS = 1_000
REFERENCE_YEAR_CALLS = 3
REPEATS = 5


def calendars() -> dict[str, CalendarDefinition]:
    return {
        "Berlin lunch-split + DE holidays": parse_calendar(
            {
                "timezone": "Europe/Berlin",
                "week": {day: [["09:00", "13:00"], ["14:00", "18:00"]] for day in WEEKDAYS},
                "exceptions": import_holidays("DE", 2026) + import_holidays("DE", 2027),
            }
        ),
        "New York day + night shift + US holidays": parse_calendar(
            {
                "timezone": "America/New_York",
                "week": {
                    **{day: [["00:00", "06:00"], ["22:00", "24:00"]] for day in ("sat", "sun")},
                    **{day: [["00:00", "06:00"], ["08:00", "17:00"], ["22:00", "24:00"]] for day in WEEKDAYS},
                },
                "exceptions": import_holidays("US", 2026),
            }
        ),
        "24x7": parse_calendar({"timezone": "Europe/Berlin", "always_open": True}),
    }


def random_starts(rng: random.Random, count: int) -> list[datetime]:
    origin = datetime(2026, 1, 1, tzinfo=UTC)
    return [origin + timedelta(seconds=rng.randrange(365 * DAY)) for _ in range(count)]


def best_rate(run: Callable[[], None], calls: int) -> float:
    """Calls per second: the median of several timed passes over the same sample."""
    rates = []
    for _ in range(REPEATS):
        began = time.perf_counter()
        run()
        rates.append(calls / (time.perf_counter() - began))
    return statistics.median(rates)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def measure(name: str, defn: CalendarDefinition, args: argparse.Namespace, rng: random.Random) -> dict:
    began = time.perf_counter()
    cal = WorkingCalendar(defn)
    cal.add(datetime(2026, 1, 1, tzinfo=UTC), 1)
    first_year_ms = (time.perf_counter() - began) * 1000
    starts = random_starts(rng, args.calls)
    spans = [rng.randrange(1, 30 * DAY) for _ in starts]
    ends = [start + timedelta(seconds=rng.randrange(30 * DAY)) for start in starts]
    cal.add(datetime(2026, 1, 1, tzinfo=UTC), 366 * DAY)  # builds the tables the sample needs

    add_rate = best_rate(lambda: [cal.add(s, d) for s, d in zip(starts, spans, strict=True)], args.calls)
    between_rate = best_rate(lambda: [cal.between(s, e) for s, e in zip(starts, ends, strict=True)], args.calls)

    year_starts = starts[:YEAR_CALLS]
    year_spans = [cal.between(start, start + timedelta(days=365)) for start in year_starts]
    year_us = []
    for start, span in zip(year_starts, year_spans, strict=True):
        began = time.perf_counter_ns()
        cal.add(start, span)
        year_us.append((time.perf_counter_ns() - began) / 1000)

    ref_short_s, ref_year_s = check_reference(cal, defn, starts, spans, ends, year_starts, year_spans, args)
    return {
        "name": name,
        "first_year_ms": first_year_ms,
        "add_per_s": add_rate,
        "between_per_s": between_rate,
        "year_p50_us": statistics.median(year_us),
        "year_p99_us": percentile(year_us, 99),
        "ref_short_s": ref_short_s,
        "ref_year_s": ref_year_s,
    }


def check_reference(
    cal: WorkingCalendar,
    defn: CalendarDefinition,
    starts: list[datetime],
    spans: list[int],
    ends: list[datetime],
    year_starts: list[datetime],
    year_spans: list[float],
    args: argparse.Namespace,
) -> tuple[float, float]:
    """Seconds per reference add() for short and one-year spans; asserts both implementations agree."""
    sample = range(args.reference_calls)
    began = time.perf_counter()
    for i in sample:
        assert cal.add(starts[i], spans[i]) == reference_add(defn, starts[i], spans[i]), (starts[i], spans[i])
    short = (time.perf_counter() - began) / len(sample)
    for i in range(min(5, len(sample))):
        assert cal.between(starts[i], ends[i]) == reference_between(defn, starts[i], ends[i]), (starts[i], ends[i])
    began = time.perf_counter()
    for i in range(REFERENCE_YEAR_CALLS):
        assert cal.add(year_starts[i], year_spans[i]) == reference_add(defn, year_starts[i], year_spans[i])
    return short, (time.perf_counter() - began) / REFERENCE_YEAR_CALLS


def report(results: list[dict], args: argparse.Namespace) -> bool:
    print(f"\n### add() and between(), {args.calls} random calls per pass, median of {REPEATS} passes\n")
    print(
        "| calendar | first year built (ms) | add() calls/s | add() µs/call | between() calls/s | between() µs/call |"
    )
    print("|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['name']} | {r['first_year_ms']:.1f} | {r['add_per_s']:,.0f} | {1e6 / r['add_per_s']:.2f} "
            f"| {r['between_per_s']:,.0f} | {1e6 / r['between_per_s']:.2f} |"
        )
    print(f"\n### one-year span: add() latency over {YEAR_CALLS} calls\n")
    print("| calendar | p50 µs | p99 µs |")
    print("|---|---|---|")
    for r in results:
        print(f"| {r['name']} | {r['year_p50_us']:.1f} | {r['year_p99_us']:.1f} |")
    print(
        f"\n### minute-stepping reference, same computations ({args.reference_calls} short spans, "
        f"{REFERENCE_YEAR_CALLS} one-year spans; results asserted equal)\n"
    )
    print("| calendar | reference short span ms/call | speed-up | reference one-year ms/call | speed-up |")
    print("|---|---|---|---|---|")
    for r in results:
        short_speedup = r["ref_short_s"] * r["add_per_s"]
        year_speedup = r["ref_year_s"] * 1e6 / r["year_p50_us"]
        print(
            f"| {r['name']} | {r['ref_short_s'] * 1000:.1f} | {short_speedup:,.0f}x "
            f"| {r['ref_year_s'] * 1000:.0f} | {year_speedup:,.0f}x |"
        )
    slowest_add = min(r["add_per_s"] for r in results)
    slowest_year = max(r["year_p99_us"] for r in results)
    add_ok, year_ok = slowest_add >= ADD_TARGET_PER_S, slowest_year < YEAR_SPAN_TARGET_US
    print("\n### targets\n")
    print(
        f"- add() spans < 30 days ≥ {ADD_TARGET_PER_S:,}/s: slowest calendar **{slowest_add:,.0f}/s** "
        f"({'pass' if add_ok else 'FAIL'})"
    )
    print(
        f"- one-year span with holidays < {YEAR_SPAN_TARGET_US} µs: worst p99 **{slowest_year:.1f} µs** "
        f"({'pass' if year_ok else 'FAIL'})"
    )
    return add_ok and year_ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--reference-calls", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    results = []
    for name, defn in calendars().items():
        print(f"measuring {name} ...", file=sys.stderr, flush=True)
        results.append(measure(name, defn, args, rng))
    return 0 if report(results, args) else 1


if __name__ == "__main__":
    sys.exit(main())
