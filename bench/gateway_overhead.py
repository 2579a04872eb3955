"""Benchmark: what the gateway adds to an API request, side by side in one run.

Starts Relay distributed on PostgreSQL and RabbitMQ as `make up` does (tickets-api,
tickets-worker, gateway-worker and the gateway, each its own process; gunicorn), then
sends the same read, GET of one ticket, alternately
- directly to the tickets API (with a signed identity header, as the gateway sends), and
- through the gateway (`Authorization: Bearer <token>`: rate limits, the token lookup
  (cached), the identity signature, forwarding over a keep-alive pool),
one request at a time from one keep-alive client, so the difference of the two
latencies is the gateway's own time on the request's path.

Target: a proxied request adds under 2 ms at p50.

  .venv/bin/python bench/gateway_overhead.py [--requests 2000]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).parent))
from ticket_creation import PG, SERVICES, create_token, distributed_env, drop_bus, wait_ready


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000, help="measured requests of each kind")
    parser.add_argument("--port", type=int, default=18180)
    args = parser.parse_args()

    run, env = distributed_env(1)
    relay = [sys.executable, "-m", "relaykit.cli"]
    logs = Path("bench/out")
    logs.mkdir(parents=True, exist_ok=True)
    procs: list[subprocess.Popen] = []

    def start(name: str, *cmd: str, extra_env: dict | None = None) -> None:
        log = (logs / f"overhead-{name}.log").open("w")
        procs.append(subprocess.Popen([*relay, *cmd], env=env | (extra_env or {}), stdout=log, stderr=log))

    api_port, gw_port = args.port + 1, args.port
    try:
        subprocess.run([*relay, "migrate", *SERVICES], env=env, check=True, stdout=subprocess.DEVNULL)
        start("tickets-api", "run", "--target", "tickets-api", "--port", str(api_port), "--no-migrate")
        start("tickets-worker", "run", "--target", "tickets-worker", "--port", str(args.port + 2), "--no-migrate")
        start("gateway-worker", "run", "--target", "gateway-worker", "--port", str(args.port + 3), "--no-migrate")
        start(
            "gateway",
            *("run", "--target", "gateway", "--port", str(gw_port), "--no-migrate", "--no-demo"),
            extra_env={"RELAY_UPSTREAM_TICKETS": f"http://127.0.0.1:{api_port}"},
        )
        for port in (gw_port, api_port, args.port + 2, args.port + 3):
            wait_ready(f"http://127.0.0.1:{port}/readyz")
        from relaykit.identity import Identity, sign

        secret = env["RELAY_IDENTITY_SECRET"]
        admin = {"X-Relay-Identity": sign(Identity("bench-setup", "administrator"), secret)}
        employee = requests.post(
            f"http://127.0.0.1:{api_port}/employees",
            json={"name": "Bench Specialist", "email": f"bench-{run}@relay.example", "role": "specialist"},
            headers=admin,
            timeout=10,
        )
        employee.raise_for_status()
        employee_id = employee.json()["id"]
        token = create_token(relay, env, employee_id)
        who = Identity(employee_id, "specialist", name="Bench Specialist", channel="api")
        direct_headers = {"X-Relay-Identity": sign(who, secret, ttl=3600)}
        created = requests.post(
            f"http://127.0.0.1:{api_port}/tickets",
            json={"subject": "Printer jams", "responsible": {"kind": "employee", "id": employee_id}},
            headers=direct_headers,
            timeout=10,
        )
        created.raise_for_status()
        number = created.json()["number"]
        direct_url = f"http://127.0.0.1:{api_port}/tickets/{number}"
        proxied_url = f"http://127.0.0.1:{gw_port}/api/tickets/tickets/{number}"
        proxied_headers = {"Authorization": f"Bearer {token}"}

        direct, proxied = requests.Session(), requests.Session()
        times: dict[str, list[float]] = {"direct": [], "gateway": []}
        for i in range(args.requests + 200):  # the first 200 of each warm up
            for kind, session, url, headers in (
                ("direct", direct, direct_url, direct_headers),
                ("gateway", proxied, proxied_url, proxied_headers),
            ):
                t0 = time.perf_counter()
                r = session.get(url, headers=headers, timeout=10)
                elapsed = (time.perf_counter() - t0) * 1000
                if r.status_code != 200:
                    raise RuntimeError(f"{kind}: {r.status_code} {r.text[:300]}")
                if i >= 200:
                    times[kind].append(elapsed)
        d50, g50 = statistics.median(times["direct"]), statistics.median(times["gateway"])
        print(f"\nGET /tickets/{number}, {args.requests} requests of each kind, interleaved, one keep-alive client\n")
        print("| path | p50 ms | p95 ms | p99 ms |")
        print("|---|---|---|---|")
        for kind in ("direct", "gateway"):
            t = times[kind]
            print(f"| {kind} | {statistics.median(t):.2f} | {pct(t, 95):.2f} | {pct(t, 99):.2f} |")
        added = g50 - d50
        print(f"\ngateway adds {added:.2f} ms at p50 (target < 2 ms: {'pass' if added < 2 else 'FAIL'})")
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        drop_bus(env["RELAY_NAMESPACE"])
        from sqlalchemy import create_engine, text

        engine = create_engine(PG, isolation_level="AUTOCOMMIT")
        with engine.connect() as c:
            for service in SERVICES:
                c.execute(text(f'DROP DATABASE IF EXISTS "relaybench_{run}_{service}" WITH (FORCE)'))
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
