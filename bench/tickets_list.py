"""Benchmark: the ticket list and text search on 1,000,000 tickets in PostgreSQL.

Builds (once; kept for the next run) the database `relaybench_tickets_1m` through the
tickets service's own migrations, fills it with INSERT ... SELECT generate_series
(statuses by age, skewed priorities, types, channels, ~50 employees and 10 groups as
responsible, 5,000 companies, 25,000 contacts, two years of tickets, subjects and
descriptions drawn from a 30,000-word Zipf-like vocabulary plus reference codes),
then VACUUM ANALYZE.

Then measures through the service's real code, each scenario `--runs` times (after five
unmeasured) with parameters drawn afresh each time:
- query: service_layer.lists.list_tickets -> adapters.ticket_queries.ticket_page
  (the SQL, the tickets and their observers loaded): what the targets are about;
- HTTP: GET /tickets in process (identity check, query schema, the same call,
  presentation, JSON), with other parameters drawn alike.
The server's shared_buffers (printed) may hold only part of the tables: pages then
come from the OS cache, as they would on a server whose memory the table outgrew.

Targets: first page with three filters p95 < 50 ms; text search p95 < 200 ms.

  .venv/bin/python bench/tickets_list.py [--runs 200] [--rebuild] [--explain]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import create_engine, make_url, text

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DB_NAME = "relaybench_tickets_1m"
EMPLOYEES, GROUPS, COMPANIES, CONTACTS = 50, 10, 5000, 25000

# The most frequent words first: the generator draws rank ~ n * random()^4.
COMMON = """\
the a to is not and on of in after for with my it from when we our error cannot since
printer email access login password vpn laptop server update please user account network new
open file office phone screen slow shared drive calendar outlook teams invoice order payment
page print install license backup wifi meeting report system app mobile browser chrome windows
mac excel word monitor keyboard mouse docking station camera headset microphone audio video
sync folder permission group mailbox signature spam attachment link website portal ticket
request change incident outage down timeout crash freeze restart reboot reset locked expired
certificate ssl dns proxy firewall port router switch cable power battery charger toner paper
jam scanner fax copier badge door key desk chair move onboarding offboarding hardware software
database query sql api integration webhook token invoice vat tax refund contract quote delivery
shipment warehouse stock erp crm sap salesforce jira confluence sharepoint onedrive dropbox zoom
slack license renewal subscription trial upgrade downgrade migration import export csv pdf
"""
SYLLABLES = "ka lo mi ne ru ta vo zi pe sa do ri gu fa le no ti ba ce xo mu sen dar vel kor min tas"
VOCABULARY = 30000


def vocabulary() -> list[str]:
    """Rank r (0-based) is word_sql(r + 1): the common words, then made-up words of three
    syllables (four past 27^3), a long tail as real ticket text has (names, codes, hosts)."""
    common, syl = list(dict.fromkeys(COMMON.split())), SYLLABLES.split()
    s = len(syl)
    made_up = [
        syl[j % s] + syl[j // s % s] + syl[j // s**2 % s] + (syl[j // s**3 % s] if j >= s**3 else "")
        for j in range(VOCABULARY - len(common))
    ]
    assert not set(made_up) & set(common) and len(set(made_up)) == len(made_up)
    return common + made_up


def word_sql(i: str) -> str:
    """The SQL of vocabulary()[i - 1]: arithmetic on small constant arrays, no table or
    large array to read per word (a 5,000-word array would be detoasted on every access)."""
    common, syl = list(dict.fromkeys(COMMON.split())), SYLLABLES.split()
    s, c = len(syl), len(common)
    words = "ARRAY[" + ",".join(f"'{w}'" for w in common) + "]"
    syls = "ARRAY[" + ",".join(f"'{x}'" for x in syl) + "]"
    j = f"({i} - {c} - 1)"
    return (
        f"CASE WHEN {i} <= {c} THEN ({words})[{i}] ELSE ({syls})[1 + {j} % {s}] || ({syls})[1 + {j} / {s} % {s}]"
        f" || ({syls})[1 + {j} / {s**2} % {s}]"
        f" || CASE WHEN {j} >= {s**3} THEN ({syls})[1 + {j} / {s**3} % {s}] ELSE '' END END"
    )


def words_sql(count: str) -> str:
    """`count` words drawn Zipf-like (rank ~ n * random()^4), space-separated; `count` must
    refer to the outer row so that each row draws its own."""
    return (
        f"(SELECT string_agg({word_sql('w.i')}, ' ') FROM (SELECT 1 + floor({VOCABULARY} * random() ^ 4)::int AS i"
        f" FROM generate_series(1, {count})) w)"
    )


# -- building ---------------------------------------------------------------------------------
def db_url(admin_url: str, name: str = DB_NAME) -> str:
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def runtime(url: str):
    from relay_tickets.bootstrap import spec
    from relaykit.service import Runtime
    from relaykit.settings import Settings

    settings = Settings(service="tickets", database_url=url, data_dir=Path(tempfile.mkdtemp()), log_level="WARNING")
    return Runtime(spec, settings)


def existing(url: str, n: int, exact: bool = False) -> datetime | None:
    """The build time of a complete database (the one `url` names) of n tickets, or, unless
    `exact`, at least n (bench/ui_pages.py adds its own ticket to the database it shares)."""
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        found = c.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": make_url(url).database})
    admin.dispose()
    if not found:
        return None
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            built = c.scalar(text("SELECT value FROM bench_info WHERE key = 'built_at'"))
            count = c.scalar(text("SELECT count(*) FROM tickets"))
    except Exception:
        return None
    finally:
        engine.dispose()
    complete = count == n if exact else count >= n
    return datetime.fromisoformat(built) if built and complete else None


def step(what: str, fn: Callable[[], object]) -> None:
    t0 = time.perf_counter()
    print(f"  {what} ...", end="", flush=True)
    fn()
    print(f" {time.perf_counter() - t0:.1f} s", flush=True)


DIRECTORY_SQL = [
    f"""INSERT INTO employees (id, name, email, role, active, created_at, updated_at, version)
        SELECT 'emp-' || g, 'Employee ' || g, 'emp' || g || '@relay.example', 'specialist', true, now(), now(), 1
        FROM generate_series(1, {EMPLOYEES}) g""",
    f"""INSERT INTO groups (id, name, active, created_at, updated_at, version)
        SELECT 'grp-' || g, 'Group ' || g, true, now(), now(), 1 FROM generate_series(1, {GROUPS}) g""",
    f"""INSERT INTO companies (id, name, active, created_at, updated_at, version)
        SELECT 'co-' || g, 'Company ' || g, true, now(), now(), 1 FROM generate_series(1, {COMPANIES}) g""",
    f"""INSERT INTO contacts (id, name, company_id, portal_access, active, created_at, updated_at, version)
        SELECT 'ct-' || g, 'Contact ' || g, 'co-' || (1 + g % {COMPANIES}),
               CASE WHEN g % 10 = 0 THEN 'company' ELSE 'own' END, true, now(), now(), 1
        FROM generate_series(1, {CONTACTS}) g""",
    f"""INSERT INTO contact_emails (email, contact_id, position)
        SELECT 'contact' || g || '@co' || (1 + g % {COMPANIES}) || '.example', 'ct-' || g, 0
        FROM generate_series(1, {CONTACTS}) g""",
    # Every fifth phone number is shared by two contacts (the same person twice).
    f"""INSERT INTO contact_phones (contact_id, phone, position)
        SELECT 'ct-' || g, '+1555' || lpad((g % {CONTACTS * 4 // 5})::text, 7, '0'), 0
        FROM generate_series(1, {CONTACTS}) g""",
]

# Three levels: randoms per row; the row's categorical values; text and timestamps.
TICKETS_SQL = f"""
INSERT INTO tickets (id, number, subject, description, type, internal, priority, status, channel,
    company_id, contact_kind, contact_id, responsible_kind, responsible_id,
    planned_reaction_at, planned_resolution_at, planned_source, attributes, postponed_until,
    first_reaction_at, resolved_at, closed_at, time_spent_minutes, created_by_kind, created_by_id,
    created_at, updated_at, version)
SELECT md5(t.g::text)::uuid::text, t.g,
    left({words_sql("4 + t.g % 6")}, 250),
    {words_sql("15 + t.g % 46")}
        || CASE WHEN t.r9 < 0.3 THEN ' ref' || floor(t.r9 * 1000000)::int ELSE '' END,
    t.type, t.type = 'internal_task', t.priority, t.status, t.channel,
    t.company_id, t.contact_kind, t.contact_id, t.responsible_kind, t.responsible_id,
    t.created + interval '4 hours', t.created + t.win, 'sla', '{{}}',
    CASE WHEN t.status = 'postponed' THEN CAST(:built AS timestamptz) + (1 + t.r8 * 10) * interval '1 day' END,
    CASE WHEN t.r8 < 0.9 THEN t.created + interval '1 hour' END,
    CASE WHEN t.status IN ('resolved', 'closed') THEN t.created + t.win * (0.2 + t.r8) END,
    CASE WHEN t.status = 'closed' THEN t.created + t.win * (0.2 + t.r8) + interval '3 days' END,
    floor(t.r9 * 240)::int, 'system', 'bench',
    t.created,
    least(CAST(:built AS timestamptz),
          CASE WHEN t.status = 'closed' THEN t.created + t.win * (0.2 + t.r8) + interval '3 days'
               WHEN t.status = 'resolved' THEN t.created + t.win * (0.2 + t.r8)
               ELSE t.created + t.age * t.r8 * interval '1 day' END),
    1 + t.g % 7
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
        CASE WHEN r.r2 < .20 THEN interval '5 days' WHEN r.r2 < .75 THEN interval '3 days'
             WHEN r.r2 < .93 THEN interval '1 day' ELSE interval '8 hours' END AS win,
        CASE WHEN r.r3 < .60 THEN 'service_request' WHEN r.r3 < .95 THEN 'incident'
             ELSE 'internal_task' END AS type,
        CASE WHEN r.r4 < .45 THEN 'email' WHEN r.r4 < .70 THEN 'portal' WHEN r.r4 < .85 THEN 'agent'
             WHEN r.r4 < .95 THEN 'api' ELSE 'web_form' END AS channel,
        CASE WHEN r.r5 < .55 THEN 'employee' WHEN r.r5 < .90 THEN 'group' END AS responsible_kind,
        CASE WHEN r.r5 < .55 THEN 'emp-' || (1 + floor({EMPLOYEES} * r.r6 ^ 1.3))::int
             WHEN r.r5 < .90 THEN 'grp-' || (1 + floor({GROUPS} * r.r6))::int END AS responsible_id,
        CASE WHEN r.r7 < .85 THEN 'contact' WHEN r.r7 < .90 THEN 'employee' END AS contact_kind,
        CASE WHEN r.r7 < .85 THEN 'ct-' || r.ct
             WHEN r.r7 < .90 THEN 'emp-' || (1 + floor({EMPLOYEES} * r.r6))::int END AS contact_id,
        CASE WHEN r.r7 < .85 THEN 'co-' || (1 + r.ct % {COMPANIES})
             WHEN r.r7 < .95 THEN 'co-' || (1 + floor({COMPANIES} * r.r8 ^ 2))::int END AS company_id
    FROM (
        SELECT g, random() r1, random() r2, random() r3, random() r4, random() r5, random() r6,
               random() r7, random() r8, random() r9,
               1 + floor({CONTACTS} * random() ^ 1.5)::int AS ct,
               CAST(:start AS timestamptz) + (g::float8 / CAST(:n AS int)) * interval '730 days' AS created,
               (CAST(:n AS int) - g)::float8 / CAST(:n AS int) * 730 AS age
        FROM generate_series(CAST(:lo AS int), CAST(:hi AS int)) g
    ) r
) t
"""

OBSERVERS_SQL = f"""
INSERT INTO ticket_observers (ticket_id, kind, party_id)
SELECT id, 'employee', 'emp-' || (1 + abs(hashtext(id)) % {EMPLOYEES}) FROM tickets WHERE number % 100 < 15
UNION ALL
SELECT id, 'group', 'grp-' || (1 + abs(hashtext(id)) % {GROUPS}) FROM tickets WHERE number % 100 >= 97
"""


def build(admin_url: str, n: int) -> datetime:
    url = db_url(admin_url)
    admin = create_engine(make_url(admin_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{DB_NAME}"'))
    admin.dispose()
    print(f"building {DB_NAME} with {n:,} tickets")
    rt = runtime(url)
    step("migrations", rt.migrate)
    rt.db.dispose()
    built = datetime.now(UTC).replace(microsecond=0)
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as c:

        def directory():
            for sql in DIRECTORY_SQL:
                c.execute(text(sql))

        step("directory (employees, groups, companies, contacts)", directory)
        words = vocabulary()
        for i in (1, 2, 150, 300, 5000, 19_900, 20_000, VOCABULARY):
            got = c.scalar(text(f"SELECT {word_sql('CAST(:i AS int)')}"), {"i": i})
            assert got == words[i - 1], (i, got, words[i - 1])
        # Loading is faster without the secondary indexes (rebuilt after) and FK triggers.
        indexes = c.execute(
            text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'tickets' AND indexname NOT IN "
                "(SELECT conname FROM pg_constraint WHERE conrelid = 'tickets'::regclass)"
            )
        ).all()
        for name, _ in indexes:
            c.execute(text(f'DROP INDEX "{name}"'))
        c.execute(text("SET session_replication_role = replica"))
        chunk = 100_000
        start = built.timestamp() - 730 * 86400
        for lo in range(1, n + 1, chunk):
            hi = min(n, lo + chunk - 1)
            params = {"lo": lo, "hi": hi, "n": n, "start": datetime.fromtimestamp(start, UTC), "built": built}
            step(f"tickets {lo:,}..{hi:,}", lambda p=params: c.execute(text(TICKETS_SQL), p))
        step("observers", lambda: c.execute(text(OBSERVERS_SQL)))
        c.execute(text("SET session_replication_role = origin"))
        c.execute(text("SET maintenance_work_mem = '1GB'"))
        for name, definition in indexes:
            step(f"index {name}", lambda d=definition: c.execute(text(d)))
        c.execute(text("SELECT setval('ticket_number_seq', :n)"), {"n": n})
        step("VACUUM ANALYZE", lambda: c.execute(text("VACUUM ANALYZE")))
        c.execute(text("CREATE TABLE bench_info (key text PRIMARY KEY, value text NOT NULL)"))
        c.execute(text("INSERT INTO bench_info VALUES ('built_at', :b)"), {"b": built.isoformat()})
    engine.dispose()
    return built


# -- measuring ----------------------------------------------------------------------------------
def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))]


def scenarios(rng: random.Random, words: list[str], n: int) -> list[tuple[str, bool, Callable[[], dict]]]:
    """(name, is a target scenario, a function drawing one run's query parameters)."""
    priorities = ["low", "normal", "high", "critical"]

    def emp():
        return f"employee:emp-{1 + int(EMPLOYEES * rng.random() ** 1.3)}"

    def grp():
        return f"group:grp-{rng.randint(1, GROUPS)}"

    def word(lo: int, hi: int) -> str:
        return words[rng.randint(lo, hi)]

    def recent() -> str:
        return f"{rng.randint(2, 30)}"

    return [
        ("list: no filter", False, lambda: {}),
        (
            "list: status_kind=open + priority + responsible group",
            True,
            lambda: {"status_kind": "open", "priority": [rng.choice(priorities)], "responsible": [grp()]},
        ),
        (
            "list: status_kind=open + priority + responsible employee",
            True,
            lambda: {"status_kind": "open", "priority": [rng.choice(priorities)], "responsible": [emp()]},
        ),
        (
            "list: status=opened + type + channel",
            True,
            lambda: {"status": ["opened"], "type": [rng.choice(["incident", "service_request"])], "channel": ["email"]},
        ),
        (
            "list: company + status_kind=closed + priority",
            True,
            lambda: {
                "company_id": [f"co-{1 + int(COMPANIES * rng.random() ** 2)}"],
                "status_kind": "closed",
                "priority": [rng.choice(priorities)],
            },
        ),
        (
            "list: responsible employee + status_kind=closed + created in the last N days",
            True,
            lambda: {"responsible": [emp()], "status_kind": "closed", "created_from": f"-{recent()}d"},
        ),
        (
            "list: overdue + no_personal_responsible + priority",
            True,
            lambda: {"overdue": "true", "no_personal_responsible": "true", "priority": [rng.choice(priorities)]},
        ),
        (
            "list: status_kind=open + responsible group, sort=planned_resolution_at",
            True,
            lambda: {"status_kind": "open", "responsible": [grp()], "sort": "planned_resolution_at"},
        ),
        (
            "list: status_kind=open + priority + observer employee, sort=-updated_at",
            True,
            lambda: {
                "status_kind": "open",
                "priority": [rng.choice(priorities)],
                "observer": f"employee:emp-{rng.randint(1, EMPLOYEES)}",
                "sort": "-updated_at",
            },
        ),
        (
            "list: 3 filters, page 2 (cursor)",
            True,
            lambda: {"status_kind": "open", "priority": [rng.choice(priorities)], "responsible": [grp()], "page": 2},
        ),
        ("search: one frequent word", False, lambda: {"q": word(0, 60)}),
        ("search: one mid-frequency word", False, lambda: {"q": word(300, 3000)}),
        ("search: one rare word", False, lambda: {"q": word(10_000, VOCABULARY - 1)}),
        ("search: two words", False, lambda: {"q": f"{word(0, 300)} {word(100, 3000)}"}),
        ("search: a phrase", False, lambda: {"q": f'"{word(0, 100)} {word(0, 100)}"'}),
        ("search: a reference (needle)", False, lambda: {"q": f"ref{rng.randint(0, 299_999)}"}),
        ("search: a ticket number", False, lambda: {"q": f"#{rng.randint(1, n)}"}),
        (
            "search: word + status_kind=open",
            False,
            lambda: {"q": word(0, 3000), "status_kind": "open"},
        ),
        (
            "search: word + responsible group + priority",
            False,
            lambda: {"q": word(0, 3000), "responsible": [grp()], "priority": [rng.choice(priorities)]},
        ),
    ]


def resolve(params: dict, now: datetime) -> dict:
    """Relative dates (`-7d`) as the ISO datetimes the API takes."""
    from datetime import timedelta

    out = dict(params)
    for key, value in params.items():
        if isinstance(value, str) and value.startswith("-") and value.endswith("d"):
            out[key] = (now - timedelta(days=int(value[1:-1]))).isoformat()
    return out


def measure(url: str, built: datetime, n: int, runs: int, explain: bool) -> list[dict]:
    from relay_tickets.adapters.mapping import start_mappers
    from relay_tickets.domain.access import Viewer
    from relay_tickets.entrypoints.schemas_lists import TicketListQuerySchema
    from relay_tickets.service_layer import lists
    from relaykit.clock import FrozenClock
    from relaykit.identity import Identity
    from relaykit.testing.harness import signed

    rt = runtime(url)
    rt.migrate()  # a newer migration reaches a database built before it
    rt.clock = FrozenClock(built)
    start_mappers()
    app = rt.app
    client = app.test_client()
    # A lead specialist sees every ticket: these lists are about filters (a specialist's
    # own share is bench/specialist_list.py's).
    viewer = Viewer(Identity("lead-1", "lead_specialist"))
    schema = TicketListQuerySchema()
    words = vocabulary()
    rng = random.Random(42)
    results = []
    for name, target, draw in scenarios(rng, words, n):
        query_ms, http_ms, sizes = [], [], []
        headers = signed(role="lead_specialist", subject="lead-1")
        for i in range(runs + 5):  # the first five warm up (and let psycopg prepare)
            params = resolve(draw(), built)
            page = params.pop("page", 1)
            cursor = None
            for _ in range(page - 1):
                loaded = schema.load(params)
                cursor = lists.list_tickets(rt, viewer, _filters(loaded), sort=loaded.get("sort"), limit=50).next_cursor
            if cursor:
                params["cursor"] = cursor
            loaded = schema.load(params)
            t0 = time.perf_counter()
            got = lists.list_tickets(
                rt, viewer, _filters(loaded), sort=loaded.get("sort"), limit=loaded["limit"], cursor=cursor
            )
            query_time = time.perf_counter() - t0
            # Not the rows the query call just brought in (a page-2 run needs its cursor, though).
            http_params = params if page > 1 else resolve(draw(), built)
            t0 = time.perf_counter()
            resp = client.get(f"/tickets?{urlencode(http_params, doseq=True)}", headers=headers)
            http_time = time.perf_counter() - t0
            if resp.status_code != 200:
                raise RuntimeError(f"{name}: {http_params}: {resp.status_code} {resp.get_data(as_text=True)}")
            if i >= 5:
                query_ms.append(query_time * 1000)
                http_ms.append(http_time * 1000)
                sizes.append(len(got.tickets))
        row = {
            "scenario": name,
            "target": target,
            "rows": statistics.mean(sizes),
            "p50": pct(query_ms, 50),
            "p95": pct(query_ms, 95),
            "p99": pct(query_ms, 99),
            "http_p50": pct(http_ms, 50),
            "http_p95": pct(http_ms, 95),
            "http_p99": pct(http_ms, 99),
        }
        results.append(row)
        print(
            f"  {name}: query p50 {row['p50']:.1f} p95 {row['p95']:.1f} p99 {row['p99']:.1f} ms;"
            f" HTTP p95 {row['http_p95']:.1f} ms; {row['rows']:.0f} rows",
            flush=True,
        )
        if explain:
            params = resolve(draw(), built)
            params.pop("page", None)
            loaded = schema.load(params)
            _explain(rt, viewer, _filters(loaded), loaded.get("sort") or "-number")
    rt.db.dispose()
    return results


def _filters(loaded: dict) -> dict:
    return {k: v for k, v in loaded.items() if k not in ("limit", "cursor", "sort", "view")}


def _explain(rt, viewer, filters: dict, sort: str) -> None:
    """The plan of one run (the statement ticket_page builds, compiled with its values)."""
    from relay_tickets.adapters import ticket_queries as q
    from relay_tickets.service_layer.lists import to_filter
    from relay_tickets.service_layer.unit_of_work import settings_store

    config = settings_store(rt).current()
    captured = []
    with rt.db.sessions() as s:
        orig = s.execute

        def spy(stmt, *a, **kw):
            captured.append(stmt)
            return orig(stmt, *a, **kw)

        s.execute = spy
        q.ticket_page(s, to_filter(filters, config), viewer, config, rt.clock.now(), sort=sort)
        # The page's query: the one selecting tickets (not the phrase check or the observers).
        query = next(stmt for stmt in captured if getattr(stmt, "column_descriptions", [{}])[0].get("name") == "Ticket")
        sql = query.compile(dialect=s.get_bind().dialect, compile_kwargs={"literal_binds": True})
        for line in s.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")).scalars():
            print("      " + line)


def server(url: str) -> str:
    engine = create_engine(url)
    with engine.connect() as c:
        buffers = c.scalar(text("SHOW shared_buffers"))
        size = c.scalar(text("SELECT pg_size_pretty(pg_total_relation_size('tickets'))"))
    engine.dispose()
    return f"tickets table with its indexes {size}; shared_buffers {buffers}"


def report(results: list[dict], n: int, runs: int, command: str, setting: str) -> str:
    lines = [
        f"Command: `{command}` ({n:,} tickets, {runs} runs per scenario; {setting}; times in ms)",
        "",
        "| scenario | rows | query p50 | query p95 | query p99 | HTTP p50 | HTTP p95 | HTTP p99 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['scenario']} | {r['rows']:.0f} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} "
            f"| {r['http_p50']:.1f} | {r['http_p95']:.1f} | {r['http_p99']:.1f} |"
        )
    lists_ = [r for r in results if r["target"]]
    searches = [r for r in results if r["scenario"].startswith("search")]
    lines.append("")
    for what, rows, target in (("Three-filter first page", lists_, 50), ("Text search", searches, 200)):
        q = max(rows, key=lambda r: r["p95"])
        h = max(rows, key=lambda r: r["http_p95"])
        verdict = "pass" if max(q["p95"], h["http_p95"]) < target else "FAIL"
        lines.append(
            f"{what}, worst p95 (target < {target} ms): query {q['p95']:.1f} ({q['scenario']}),"
            f" HTTP {h['http_p95']:.1f} ({h['scenario']}): **{verdict}**  "
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--rebuild", action="store_true", help=f"drop and build {DB_NAME} again")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of one run per scenario")
    parser.add_argument("--postgres", default=PG, help="a server URL (its database name is ignored)")
    args = parser.parse_args()
    url = db_url(args.postgres)
    built = None if args.rebuild else existing(url, args.tickets)
    if built is None:
        built = build(args.postgres, args.tickets)
    else:
        print(f"reusing {DB_NAME} ({args.tickets:,} tickets, built {built.isoformat()})")
    results = measure(url, built, args.tickets, args.runs, args.explain)
    command = "python bench/tickets_list.py " + " ".join(sys.argv[1:])
    print()
    print(report(results, args.tickets, args.runs, command.strip(), server(url)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
