"""Benchmark: a specialist's ticket list on 1,000,000 tickets in PostgreSQL.

A specialist sees only the tickets they (or their groups) are responsible for or
observe, and those they registered (services/tickets adapters/visibility.py). This
measures that filter through the service's real code, for three specialists:
- busy: emp-1, the most frequent responsible, in a group (about 6 % of the tickets);
- quiet: emp-50, rarely responsible, in a group (about 4 %);
- new: an employee in no group who has no ticket at all (the filter finds nothing,
  the worst case for a plan that walks the tickets in order looking for matches);
each with no filter, open tickets, open + a priority sorted by update, closed + a
priority, a word, open by planned resolution, and open's second page; and the first
page of companies (those their tickets point at). A lead specialist (who sees every
ticket, no filter for who) runs the same in the same run, for comparison.

Builds (once; kept) `relaybench_specialists_1m` through the tickets service's own
migrations: the directory of bench/tickets_list.py (50 employees, each in one of 10
groups; 5,000 companies, 25,000 contacts) and 1,000,000 tickets distributed as there
(responsibles, statuses by age, priorities, observers) but with short texts (what is
measured here is who sees what, not the text search), every agent-channel ticket
registered by an employee. Its own database, so that building it never disturbs the
other list benchmark's.

  .venv/bin/python bench/specialist_list.py [--runs 200] [--rebuild] [--explain]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import create_engine, make_url, text

sys.path.insert(0, str(Path(__file__).parent))
import tickets_list as base

DB_NAME = "relaybench_specialists_1m"
EMPLOYEES, GROUPS, COMPANIES, CONTACTS = base.EMPLOYEES, base.GROUPS, base.COMPANIES, base.CONTACTS
WORDS = ["printer", "vpn", "email", "laptop", "invoice", "calendar", "password", "wifi", "server", "backup"]

TICKETS_SQL = f"""
INSERT INTO tickets (id, number, subject, description, type, internal, priority, status, channel,
    company_id, contact_kind, contact_id, responsible_kind, responsible_id,
    planned_reaction_at, planned_resolution_at, planned_source, attributes,
    time_spent_minutes, created_by_kind, created_by_id, created_at, updated_at, version)
SELECT md5(t.g::text)::uuid::text, t.g,
    (ARRAY{WORDS!r})[1 + t.g % {len(WORDS)}] || ' trouble ' || t.g, '',
    t.type, t.type = 'internal_task', t.priority, t.status, t.channel,
    t.company_id, t.contact_kind, t.contact_id, t.responsible_kind, t.responsible_id,
    t.created + interval '4 hours', t.created + interval '3 days', 'sla', '{{}}', 0,
    CASE WHEN t.channel = 'agent' THEN 'employee' ELSE 'system' END,
    CASE WHEN t.channel = 'agent' THEN 'emp-' || (1 + t.g % {EMPLOYEES}) ELSE 'bench' END,
    t.created, least(CAST(:built AS timestamptz), t.created + t.age * t.r8 * interval '1 day'), 1
FROM (
    SELECT r.*,
        CASE WHEN r.age < 14 THEN CASE WHEN r.r1 < .45 THEN 'opened' WHEN r.r1 < .55 THEN 'postponed'
                                       WHEN r.r1 < .80 THEN 'resolved' ELSE 'closed' END
             WHEN r.age < 60 THEN CASE WHEN r.r1 < .08 THEN 'opened' WHEN r.r1 < .10 THEN 'postponed'
                                       WHEN r.r1 < .30 THEN 'resolved' ELSE 'closed' END
             ELSE CASE WHEN r.r1 < .01 THEN 'opened' WHEN r.r1 < .015 THEN 'postponed'
                       WHEN r.r1 < .05 THEN 'resolved' ELSE 'closed' END END AS status,
        CASE WHEN r.r2 < .20 THEN 'low' WHEN r.r2 < .75 THEN 'normal' WHEN r.r2 < .93 THEN 'high'
             ELSE 'critical' END AS priority,
        CASE WHEN r.r3 < .60 THEN 'service_request' WHEN r.r3 < .95 THEN 'incident'
             ELSE 'internal_task' END AS type,
        CASE WHEN r.r4 < .45 THEN 'email' WHEN r.r4 < .70 THEN 'portal' WHEN r.r4 < .85 THEN 'agent'
             WHEN r.r4 < .95 THEN 'api' ELSE 'web_form' END AS channel,
        CASE WHEN r.r5 < .55 THEN 'employee' WHEN r.r5 < .90 THEN 'group' END AS responsible_kind,
        CASE WHEN r.r5 < .55 THEN 'emp-' || (1 + floor({EMPLOYEES} * r.r6 ^ 1.3))::int
             WHEN r.r5 < .90 THEN 'grp-' || (1 + floor({GROUPS} * r.r6))::int END AS responsible_id,
        CASE WHEN r.r7 < .85 THEN 'contact' END AS contact_kind,
        CASE WHEN r.r7 < .85 THEN 'ct-' || r.ct END AS contact_id,
        CASE WHEN r.r7 < .85 THEN 'co-' || (1 + r.ct % {COMPANIES})
             WHEN r.r7 < .95 THEN 'co-' || (1 + floor({COMPANIES} * r.r8 ^ 2))::int END AS company_id
    FROM (
        SELECT g, random() r1, random() r2, random() r3, random() r4, random() r5, random() r6,
               random() r7, random() r8,
               1 + floor({CONTACTS} * random() ^ 1.5)::int AS ct,
               CAST(:start AS timestamptz) + (g::float8 / CAST(:n AS int)) * interval '730 days' AS created,
               (CAST(:n AS int) - g)::float8 / CAST(:n AS int) * 730 AS age
        FROM generate_series(CAST(:lo AS int), CAST(:hi AS int)) g
    ) r
) t
"""

# Each employee in one group: emp-1 in grp-2, ..., emp-50 in grp-1.
MEMBERS_SQL = f"""INSERT INTO group_members (group_id, employee_id)
    SELECT 'grp-' || (1 + g % {GROUPS}), 'emp-' || g FROM generate_series(1, {EMPLOYEES}) g"""

SPECIALISTS = {"busy": "emp-1", "quiet": "emp-50", "new": "emp-new"}
WHO = {**SPECIALISTS, "lead": None}


def db_url(admin_url: str) -> str:
    return base.db_url(admin_url, DB_NAME)


def existing(url: str, n: int) -> datetime | None:
    return base.existing(url, n, exact=True)


def build(admin_url: str, n: int) -> datetime:
    url = db_url(admin_url)
    admin = create_engine(make_url(admin_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{DB_NAME}"'))
    admin.dispose()
    print(f"building {DB_NAME} with {n:,} tickets")
    rt = base.runtime(url)
    base.step("migrations", rt.migrate)
    rt.db.dispose()
    built = datetime.now(UTC).replace(microsecond=0)
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as c:
        base.step("directory", lambda: [c.execute(text(sql)) for sql in [*base.DIRECTORY_SQL, MEMBERS_SQL]])
        indexes = c.execute(
            text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'tickets' AND indexname NOT IN "
                "(SELECT conname FROM pg_constraint WHERE conrelid = 'tickets'::regclass)"
            )
        ).all()
        for name, _ in indexes:
            c.execute(text(f'DROP INDEX "{name}"'))
        c.execute(text("SET session_replication_role = replica"))
        start = datetime.fromtimestamp(built.timestamp() - 730 * 86400, UTC)
        for lo in range(1, n + 1, 250_000):
            params = {"lo": lo, "hi": min(n, lo + 249_999), "n": n, "start": start, "built": built}
            base.step(f"tickets {lo:,}..", lambda p=params: c.execute(text(TICKETS_SQL), p))
        base.step("observers", lambda: c.execute(text(base.OBSERVERS_SQL)))
        c.execute(text("SET session_replication_role = origin"))
        c.execute(text("SET maintenance_work_mem = '512MB'"))
        for name, definition in indexes:
            base.step(f"index {name}", lambda d=definition: c.execute(text(d)))
        c.execute(text("SELECT setval('ticket_number_seq', :n)"), {"n": n})
        base.step("VACUUM ANALYZE", lambda: c.execute(text("VACUUM ANALYZE")))
        c.execute(text("CREATE TABLE bench_info (key text PRIMARY KEY, value text NOT NULL)"))
        c.execute(text("INSERT INTO bench_info VALUES ('built_at', :b)"), {"b": built.isoformat()})
    engine.dispose()
    return built


def scenarios(rng: random.Random) -> list[tuple[str, Callable[[], dict]]]:
    def priority() -> list[str]:
        return [rng.choice(["low", "normal", "high", "critical"])]

    return [
        ("no filter", lambda: {}),
        ("status_kind=open", lambda: {"status_kind": "open"}),
        (
            "open + priority, sort=-updated_at",
            lambda: {"status_kind": "open", "priority": priority(), "sort": "-updated_at"},
        ),
        ("closed + priority", lambda: {"status_kind": "closed", "priority": priority()}),
        ("a word", lambda: {"q": rng.choice(WORDS)}),
        ("open, sort=planned_resolution_at", lambda: {"status_kind": "open", "sort": "planned_resolution_at"}),
        ("open, page 2", lambda: {"status_kind": "open", "page": 2}),
    ]


def measure(url: str, built: datetime, runs: int, explain: bool) -> list[dict]:
    from relay_tickets.adapters.mapping import start_mappers
    from relay_tickets.adapters.references import References
    from relay_tickets.domain.access import Viewer
    from relay_tickets.entrypoints.schemas_lists import TicketListQuerySchema
    from relay_tickets.service_layer import lists
    from relaykit.clock import FrozenClock
    from relaykit.identity import Identity
    from relaykit.testing.harness import signed

    rt = base.runtime(url)
    rt.migrate()
    rt.clock = FrozenClock(built)
    start_mappers()
    client = rt.app.test_client()
    schema = TicketListQuerySchema()
    rng = random.Random(42)
    results = []
    for who, employee in WHO.items():
        if employee is None:
            viewer, headers = Viewer(Identity("lead-1", "lead_specialist")), signed(role="lead_specialist")
        else:
            with rt.db.reading() as s:
                viewer = Viewer(Identity(employee, "specialist"), staff=References(s).staff_scope(employee))
            headers = signed(role="specialist", subject=employee)
        cases = [(name, draw, "/tickets") for name, draw in scenarios(rng)]
        cases.append(("companies, first page", lambda: {}, "/companies"))
        for name, draw, path in cases:
            query_ms, http_ms, sizes = [], [], []
            for i in range(runs + 5):
                params = draw()
                page = params.pop("page", 1)
                loaded = schema.load(params) if path == "/tickets" else {}
                cursor = None
                t0 = time.perf_counter()
                if path == "/tickets":
                    for _ in range(page - 1):
                        cursor = lists.list_tickets(
                            rt, viewer, base._filters(loaded), sort=loaded.get("sort")
                        ).next_cursor
                    t0 = time.perf_counter()
                    got = lists.list_tickets(
                        rt, viewer, base._filters(loaded), sort=loaded.get("sort"), limit=50, cursor=cursor
                    )
                    size = len(got.tickets)
                query_time = time.perf_counter() - t0
                http_params = dict(params, **({"cursor": cursor} if cursor else {}))
                t0 = time.perf_counter()
                resp = client.get(f"{path}?{urlencode(http_params, doseq=True)}", headers=headers)
                http_time = time.perf_counter() - t0
                if resp.status_code != 200:
                    raise RuntimeError(f"{who} {name}: {resp.status_code} {resp.get_data(as_text=True)}")
                if path != "/tickets":
                    size = len(resp.get_json()["items"])
                if i >= 5:
                    query_ms.append(query_time * 1000)
                    http_ms.append(http_time * 1000)
                    sizes.append(size)
            row = {
                "scenario": f"{who} specialist: {name}" if employee else f"lead (sees all): {name}",
                "rows": statistics.mean(sizes),
                "p50": base.pct(query_ms, 50),
                "p95": base.pct(query_ms, 95),
                "http_p50": base.pct(http_ms, 50),
                "http_p95": base.pct(http_ms, 95),
                "list": path == "/tickets",
            }
            results.append(row)
            shown = f"query p50 {row['p50']:.1f} p95 {row['p95']:.1f} ms; " if row["list"] else ""
            print(
                f"  {row['scenario']}: {shown}HTTP p50 {row['http_p50']:.1f} p95 {row['http_p95']:.1f} ms;"
                f" {row['rows']:.0f} rows",
                flush=True,
            )
            if explain and path == "/tickets":
                params = draw()
                params.pop("page", None)
                loaded = schema.load(params)
                base._explain(rt, viewer, base._filters(loaded), loaded.get("sort") or "-number")
    rt.db.dispose()
    return results


def report(results: list[dict], runs: int, command: str) -> str:
    lines = [
        f"Command: `{command}` (1,000,000 tickets, {runs} runs per scenario; times in ms)",
        "",
        "| scenario | rows | query p50 | query p95 | HTTP p50 | HTTP p95 |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        q50, q95 = (f"{r['p50']:.1f}", f"{r['p95']:.1f}") if r["list"] else ("", "")
        lines.append(
            f"| {r['scenario']} | {r['rows']:.0f} | {q50} | {q95} | {r['http_p50']:.1f} | {r['http_p95']:.1f} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--rebuild", action="store_true", help=f"drop and build {DB_NAME} again")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of one run per scenario")
    parser.add_argument("--postgres", default=base.PG, help="a server URL (its database name is ignored)")
    args = parser.parse_args()
    url = db_url(args.postgres)
    built = None if args.rebuild else existing(url, 1_000_000)
    if built is None:
        built = build(args.postgres, 1_000_000)
    else:
        print(f"reusing {DB_NAME} (built {built.isoformat()})")
    results = measure(url, built, args.runs, args.explain)
    print()
    print(report(results, args.runs, ("python bench/specialist_list.py " + " ".join(sys.argv[1:])).strip()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
