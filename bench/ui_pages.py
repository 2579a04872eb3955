"""Benchmark: the agents' UI pages' server time on 1,000,000 tickets in PostgreSQL.

Uses the database bench/tickets_list.py builds (`relaybench_tickets_1m`, built on first
use, kept after), the tickets service on it, the SLA service and the gateway on SQLite in
a temporary folder, composed in one process as the all-in-one mode does (the gateway
calls the services in process). A signed-in session of an administrator (and of a
specialist) is made through the gateway's own session store; each page is requested
through the gateway's WSGI app, so the time is all the server does for the page:
session check, the upstream API calls, rendering.

Pages:
- the ticket list, 50 rows with SLA countdowns (the administrator's 'all open' and the
  specialist's own tickets);
- the card of a ticket with 200 comments (created by the benchmark through the API).

Targets: list p95 < 100 ms; card p95 < 150 ms.

  .venv/bin/python bench/ui_pages.py [--runs 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import tickets_list


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def compose(tickets_url: str, data_dir: Path):
    from relay_gateway.bootstrap import spec as gateway_spec
    from relay_sla.bootstrap import spec as sla_spec
    from relaykit.service import Runtime
    from relaykit.settings import Settings

    def settings(name: str, url: str) -> Settings:
        return Settings(service=name, database_url=url, data_dir=data_dir, log_level="WARNING")

    tickets = tickets_list.runtime(tickets_url)
    sla = Runtime(sla_spec, settings("sla", f"sqlite:///{data_dir}/sla.db"))
    gateway = Runtime(gateway_spec, settings("gateway", f"sqlite:///{data_dir}/gateway.db"))
    gateway.upstreams = {"tickets": tickets.app, "sla": sla.app}
    for rt in (tickets, sla, gateway):
        rt.migrate()
    return tickets, sla, gateway


def know_employee(gateway, employee_id: str, role: str) -> None:
    """The gateway's directory copy learns of the employee (the bench has no bus)."""
    from sqlalchemy import delete, insert

    from relay_gateway.tables import directory_employees

    with gateway.db.session() as s:
        s.execute(delete(directory_employees).where(directory_employees.c.id == employee_id))
        s.execute(
            insert(directory_employees).values(
                id=employee_id,
                name=f"Bench {role}",
                role=role,
                active=True,
                version=1,
                updated_at=datetime.now(UTC),
                email=f"{employee_id}@relay.example",
            )
        )


def session_client(gateway, employee_id: str):
    ui = gateway.app.extensions["relay.ui"]
    cookie, _ = ui.sessions.create(employee_id, "127.0.0.1", "bench")
    client = gateway.app.test_client()
    client.set_cookie("relay_session", cookie)
    return client


def ticket_with_comments(tickets, employee_id: str, comments: int) -> int:
    from relaykit.testing.harness import signed

    client = tickets.app.test_client()
    headers = signed(role="administrator", subject=employee_id)
    created = client.post(
        "/tickets",
        json={"subject": "Printer on the third floor jams", "description": "Bench ticket with a long conversation"},
        headers=headers,
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    number = created.get_json()["number"]
    for i in range(comments):
        body = {"body": f"Comment {i}: the printer still jams after the reset. " * 3, "public": i % 3 != 0}
        r = client.post(f"/tickets/{number}/comments", json=body, headers=headers)
        assert r.status_code == 201, r.get_data(as_text=True)
    return number


def measure(client, path: str, runs: int) -> tuple[list[float], int]:
    times = []
    size = 0
    for i in range(runs + 5):
        t0 = time.perf_counter()
        r = client.get(path)
        elapsed = (time.perf_counter() - t0) * 1000
        if r.status_code != 200:
            raise RuntimeError(f"{path}: {r.status_code} {r.get_data(as_text=True)[:500]}")
        if i >= 5:
            times.append(elapsed)
            size = len(r.data)
    return times, size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--comments", type=int, default=200)
    parser.add_argument("--postgres", default=tickets_list.PG)
    args = parser.parse_args()
    os.environ.setdefault("RELAY_LOG_LEVEL", "WARNING")
    url = tickets_list.db_url(args.postgres)
    if tickets_list.existing(url, 1_000_000) is None:
        tickets_list.build(args.postgres, 1_000_000)
    data_dir = Path(tempfile.mkdtemp(prefix="relaybench-ui-"))
    tickets, _sla, gateway = compose(url, data_dir)
    from relay_tickets.adapters.mapping import start_mappers

    start_mappers()
    know_employee(gateway, "emp-1", "administrator")
    know_employee(gateway, "emp-2", "specialist")
    admin, specialist = session_client(gateway, "emp-1"), session_client(gateway, "emp-2")
    number = ticket_with_comments(tickets, "emp-1", args.comments)
    cases = [
        ("ticket list, all open (administrator)", admin, "/tickets", 100),
        ("ticket list, the specialist's own", specialist, "/tickets", 100),
        (f"ticket card, {args.comments} comments", admin, f"/tickets/{number}", 150),
    ]
    print(f"\n{args.runs} runs each after 5 unmeasured; server time through the gateway's WSGI app\n")
    print("| page | target p95 | p50 ms | p95 ms | p99 ms | bytes | result |")
    print("|---|---|---|---|---|---|---|")
    for name, client, path, target in cases:
        times, size = measure(client, path, args.runs)
        p95 = pct(times, 95)
        verdict = "pass" if p95 < target else "FAIL"
        print(
            f"| {name} | < {target} ms | {statistics.median(times):.1f} | {p95:.1f} | {pct(times, 99):.1f} "
            f"| {size:,} | {verdict} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
