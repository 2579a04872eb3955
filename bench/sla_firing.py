"""Benchmark: the SLA clock with 100,000 open tickets whose deadlines are spread over a
day: does every warning and breach fire within one second of its moment?

Builds a fresh PostgreSQL database `relaybench_sla_firing` through the SLA service's
migrations, with one rule (24x7 calendar, resolution 24 h, warning at 75 %) and
100,000 tickets registered through the service's own code (timeline + derived row),
their registration moments spread so that their warnings fall over the next 18 hours
and their breaches over the next day. A burst of `--burst` more tickets all warn in the
same second, `--burst-after` seconds into the run. Then the service's clock task runs on
the real clock (as in `relay run --target sla-worker`) for `--seconds`, and every
warning and breach written in that time is compared with its moment.

  .venv/bin/python bench/sla_firing.py [--tickets 100000] [--seconds 120] [--burst 2000]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import threading
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, insert, make_url, select, text, update

from relay_sla.adapters.orm import rules, tickets, timeline
from relay_sla.bootstrap import spec
from relay_sla.domain.clocks import REGISTERED, Clocks, Entry, Targets
from relay_sla.service_layer.clocks import Snapshot, _row
from relay_sla.service_layer.firing import SlaClock
from relaykit.kit_schema import outbox
from relaykit.service import Runtime
from relaykit.settings import Settings

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DB_NAME = "relaybench_sla_firing"
RESOLUTION = 24 * 3600


def fresh_runtime(server: str) -> Runtime:
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{DB_NAME}"'))
    admin.dispose()
    url = make_url(server).set(database=DB_NAME).render_as_string(hide_password=False)
    rt = Runtime(spec, Settings(service="sla", database_url=url, amqp_url="memory://"))
    rt.migrate()
    with rt.db.sessions() as s:  # every ticket: 24x7, resolution 24 h, warned at 75 %, no reaction target
        s.execute(
            update(rules)
            .where(rules.c.is_default)
            .values(calendar_id=2, reaction_minutes=None, resolution_minutes=RESOLUTION // 60, warn_fractions=[0.75])
        )
        s.commit()
    return rt


def load(rt: Runtime, registered: list[datetime]) -> None:
    """Register tickets as the ticket.created consumer does, in bulk (no messages)."""
    targets = Targets(1, "Default", 2, None, RESOLUTION, (0.75,))
    now = datetime.now(UTC)
    with rt.db.sessions() as s:
        for start in range(0, len(registered), 5000):
            rows, entries = [], []
            for n, at in enumerate(registered[start : start + 5000], start=start + 1):
                snap = Snapshot.of(
                    {
                        "id": f"00000000-0000-4000-8000-{n:012d}",
                        "number": n,
                        "status": "opened",
                        "created_at": at.isoformat(),
                    }
                )
                entry = Entry(at, REGISTERED, {"targets": targets.to_json(), "status": "opened"})
                rows.append(_row(rt, s, snap, Clocks.derive([entry])) | {"recorded_at": now, "version": 1})
                entries.append(
                    {"ticket_id": snap.id, "at": at, "kind": entry.kind, "data": entry.data, "recorded_at": now}
                )
            s.execute(insert(tickets), rows)
            s.execute(insert(timeline), entries)
            s.commit()
        s.execute(text("ANALYZE sla_tickets"))
        s.commit()


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--burst", type=int, default=2000)
    parser.add_argument("--burst-after", type=int, default=30)
    parser.add_argument("--postgres", default=PG)
    args = parser.parse_args()

    rt = fresh_runtime(args.postgres)
    warn_after = 0.75 * RESOLUTION
    # Loading takes a while (1.2-2 ms a ticket): the moments start after it.
    t0 = datetime.now(UTC) + timedelta(seconds=30 + 0.002 * (args.tickets + args.burst))
    rng = random.Random(7)
    # Warnings spread evenly over the next 18 h, breaches over the 6 h to 24 h after.
    spread = [
        t0 - timedelta(seconds=warn_after) + timedelta(seconds=rng.uniform(0, warn_after)) for _ in range(args.tickets)
    ]
    burst_at = t0 + timedelta(seconds=args.burst_after)
    burst = [burst_at - timedelta(seconds=warn_after)] * args.burst
    began = time.perf_counter()
    load(rt, spread + burst)
    print(f"loaded {args.tickets:,} + {args.burst:,} tickets in {time.perf_counter() - began:.1f} s")
    wait = (t0 - datetime.now(UTC)).total_seconds()
    if wait > 0:
        time.sleep(wait)
    start = datetime.now(UTC)
    stop = threading.Event()
    clock = SlaClock(rt)
    worker = threading.Thread(target=clock.run, args=(stop,), daemon=True)
    worker.start()
    time.sleep(args.seconds)
    stop.set()
    worker.join(10)
    end = start + timedelta(seconds=args.seconds)

    with rt.db.sessions() as s:
        bodies = [json.loads(b)["data"] for b in s.scalars(select(outbox.c.body))]
        open_count = s.scalar(select(text("count(*)")).select_from(tickets))
    lateness = [
        (datetime.fromisoformat(b["fired_at"]) - datetime.fromisoformat(b["moment"])).total_seconds() for b in bodies
    ]
    expected = sum(
        1
        for at in spread + burst
        if start - timedelta(seconds=warn_after) <= at
        and at + timedelta(seconds=warn_after) <= end - timedelta(seconds=1)
    )
    burst_late = [x for b, x in zip(bodies, lateness, strict=True) if b["moment"] == burst_at.isoformat()]
    burst_max = max(burst_late) * 1000 if burst_late else float("nan")
    head = "open tickets | run s | fired | moments in run | lateness p50 ms | p99 ms | max ms"
    print(f"\n| {head} | burst of {args.burst}: max ms |")
    print("|---|---|---|---|---|---|---|---|")
    p50, p99, worst = (x * 1000 for x in (statistics.median(lateness), pct(lateness, 99), max(lateness)))
    counts = f"{open_count:,} | {args.seconds} | {len(bodies):,} | {expected:,}"
    print(f"| {counts} | {p50:.0f} | {p99:.0f} | {worst:.0f} | {burst_max:.0f} |")
    ok = max(lateness) <= 1.0 and len(bodies) >= expected
    print(f"\ntarget: every warning/breach within 1 s of its moment -> {'PASS' if ok else 'FAIL'}")


if __name__ == "__main__":
    main()
