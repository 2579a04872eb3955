"""Benchmark: ticket creation through the gateway, each ticket's event delivered.

Starts Relay distributed on PostgreSQL and RabbitMQ, as `make up` does (gateway,
gateway-worker, tickets-api, tickets-worker, sla-worker, each its own process),
creates an employee and an API token acting for them, and drives POST
/api/tickets/tickets with wrk for a while. Then it waits until the SLA service
has recorded every ticket that was created (the event went outbox -> relay ->
RabbitMQ -> consumer) and reports:

- creation throughput (tickets/s, as wrk measured it, and tickets actually in the database),
- request latency (wrk's percentiles),
- the time the events needed to drain after the load stopped.

  .venv/bin/python bench/ticket_creation.py [--seconds 20] [--connections 32] [--api-workers 2]

Needs `wrk` (Debian: apt-get install wrk).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

PG = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
AMQP = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")
SERVICES = ("tickets", "sla", "gateway")

LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %s"
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, nil, nil, '{"subject": "Printer on floor ' .. counter .. ' jams", "description": "Bench"}')
end
"""


def distributed_env(web_workers: int) -> tuple[str, dict[str, str]]:
    """A run's id and the environment of its processes: databases, namespace and secret of
    its own, so runs never collide."""
    run = uuid.uuid4().hex[:8]
    base = PG.rsplit("/", 1)[0]
    return run, os.environ | {
        "DATABASE_URL": f"{base}/relaybench_{run}_{{service}}",
        "AMQP_URL": AMQP,
        "RELAY_NAMESPACE": f"bench{run}.",
        "RELAY_LOG_LEVEL": "WARNING",
        "RELAY_IDENTITY_SECRET": uuid.uuid4().hex,
        "RELAY_WEB_WORKERS": str(web_workers),
        "RELAY_DATA_DIR": tempfile.mkdtemp(prefix="relaybench-"),
        # One token from one address at hundreds of requests/s is the load itself, far above
        # the default limits (200 per 10 s per token): limits no run reaches, so the gateway
        # still counts every request (the limiter's cost is in the figures) and refuses none.
        "RELAY_RATE_LIMIT_TOKEN": "10000000/10",
        "RELAY_RATE_LIMIT_ADDRESS": "10000000/10",
    }


def create_token(relay: list[str], env: dict[str, str], employee_id: str, timeout: float = 60) -> str:
    """A specialist token for the employee, once the gateway's directory copy has them."""
    deadline = time.time() + timeout
    while True:
        done = subprocess.run(
            [*relay, "token", "create", "--name", "bench", "--role", "specialist", "--subject", employee_id],
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode == 0:
            return re.search(r"token:\s+(\S+)", done.stdout).group(1)
        if time.time() > deadline:
            raise RuntimeError(f"no token for the bench employee: {done.stderr or done.stdout}")
        time.sleep(0.5)


def drop_bus(namespace: str) -> None:
    """Delete the run's exchange and queues: hundreds of idle queues left by earlier runs
    cost the broker (and so the next run) CPU."""
    from relay_contracts import catalog
    from relaykit.bus.connection import connect
    from relaykit.bus.topology import Topology
    from relaykit.settings import Settings

    topology = Topology(namespace, Settings.from_env("bench").retry_delays)
    with connect(AMQP) as conn:
        channel = conn.channel()
        for name in topology.all_queue_names(catalog().consumers()):
            channel.queue_delete(name)
        channel.exchange_delete(topology.exchange.name)


def wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if requests.get(url, timeout=1).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} not ready")


def parse_wrk(out: str) -> dict:
    def num(pattern: str) -> float | None:
        m = re.search(pattern, out)
        return float(m.group(1)) if m else None

    def ms(value: str, unit: str) -> float:
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    lat = {p: ms(v, u) for p, v, u in re.findall(r"^\s+(50|90|99)%\s+([\d.]+)(us|ms|s)", out, re.M)}
    return {
        "requests_per_s": num(r"Requests/sec:\s+([\d.]+)"),
        "requests": num(r"(\d+) requests in"),
        "non_2xx": num(r"Non-2xx or 3xx responses:\s+(\d+)") or 0,
        "socket_errors": re.search(r"Socket errors:.*", out).group(0) if "Socket errors" in out else "",
        "p50_ms": lat.get("50"),
        "p90_ms": lat.get("90"),
        "p99_ms": lat.get("99"),
    }


def _stat(pid: int) -> tuple[str, int, float] | None:
    """(command name, parent pid, CPU seconds) of a process, from /proc."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()
    return name, int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_by_part(roots: dict[str, int]) -> dict[str, float]:
    """CPU seconds used so far by each started process and its children (gunicorn
    workers), by PostgreSQL and by RabbitMQ."""
    stats = {int(d): st for d in os.listdir("/proc") if d.isdigit() and (st := _stat(int(d)))}
    children: dict[int, list[int]] = {}
    for pid, (_, ppid, _) in stats.items():
        children.setdefault(ppid, []).append(pid)

    def tree(pid: int) -> float:
        return stats.get(pid, ("", 0, 0.0))[2] + sum(tree(c) for c in children.get(pid, []))

    parts = {name: tree(pid) for name, pid in roots.items()}
    parts["postgresql"] = sum(cpu for name, _, cpu in stats.values() if name.startswith("postgres"))
    parts["rabbitmq"] = sum(cpu for name, _, cpu in stats.values() if name.startswith(("beam", "erl_child")))
    return parts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--api-workers", type=int, default=2, help="gunicorn processes for tickets-api and gateway")
    parser.add_argument("--port", type=int, default=18080)
    parser.add_argument("--direct", action="store_true", help="skip the gateway: measure the tickets API alone")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is needed: apt-get install wrk", file=sys.stderr)
        return 2

    run, env = distributed_env(args.api_workers)
    relay = [sys.executable, "-m", "relaykit.cli"]
    logs = Path("bench/out")
    logs.mkdir(parents=True, exist_ok=True)
    procs: list[subprocess.Popen] = []
    roots: dict[str, int] = {}

    def start(name: str, *cmd: str, extra_env: dict | None = None) -> None:
        log = (logs / f"create-{name}.log").open("w")
        procs.append(subprocess.Popen([*relay, *cmd], env=env | (extra_env or {}), stdout=log, stderr=log))
        roots[name] = procs[-1].pid

    try:
        subprocess.run([*relay, "migrate", *SERVICES], env=env, check=True, stdout=subprocess.DEVNULL)
        api_port, gw_port = args.port + 1, args.port
        start("tickets-api", "run", "--target", "tickets-api", "--port", str(api_port), "--no-migrate")
        start("tickets-worker", "run", "--target", "tickets-worker", "--port", str(args.port + 2), "--no-migrate")
        start("sla-worker", "run", "--target", "sla-worker", "--port", str(args.port + 3), "--no-migrate")
        # The gateway's copy of the directory: the bench token acts for a real employee.
        start("gateway-worker", "run", "--target", "gateway-worker", "--port", str(args.port + 4), "--no-migrate")
        start(
            "gateway",
            "run",
            "--target",
            "gateway",
            "--port",
            str(gw_port),
            "--no-migrate",
            "--no-demo",
            extra_env={"RELAY_UPSTREAM_TICKETS": f"http://127.0.0.1:{api_port}"},
        )
        for port in (gw_port, api_port, args.port + 2, args.port + 3, args.port + 4):
            wait_ready(f"http://127.0.0.1:{port}/readyz")
        from relaykit.identity import Identity, sign

        employee = requests.post(
            f"http://127.0.0.1:{api_port}/employees",
            json={"name": "Bench Specialist", "email": f"bench-{run}@relay.example", "role": "specialist"},
            headers={"X-Relay-Identity": sign(Identity("bench-setup", "administrator"), env["RELAY_IDENTITY_SECRET"])},
            timeout=10,
        )
        employee.raise_for_status()
        employee_id = employee.json()["id"]
        token = create_token(relay, env, employee_id)
        url = f"http://127.0.0.1:{gw_port}/api/tickets/tickets"
        auth_header = ("Authorization", f"Bearer {token}")
        if args.direct:
            url = f"http://127.0.0.1:{api_port}/tickets"
            who = Identity(employee_id, "specialist", channel="api")
            auth_header = ("X-Relay-Identity", sign(who, env["RELAY_IDENTITY_SECRET"], ttl=3600))
        r = requests.post(url, json={"subject": "warm-up"}, headers=dict([auth_header]), timeout=10)
        r.raise_for_status()
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
            f.write(LUA.replace('wrk.headers["Authorization"] = "Bearer %s"', 'wrk.headers["%s"] = "%s"') % auth_header)
        # Warm-up, then the measured run.
        subprocess.run(["wrk", "-t2", "-c8", "-d3s", "-s", f.name, url], capture_output=True, check=True)
        tickets_db = create_engine(env["DATABASE_URL"].replace("{service}", "tickets"))
        with tickets_db.connect() as c:
            before = c.execute(text("SELECT count(*) FROM tickets")).scalar()
        cpu_before = cpu_by_part(roots)
        wrk = subprocess.run(
            ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.seconds}s", "--latency", "-s", f.name, url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        stopped = time.time()
        result = parse_wrk(wrk)

        sla_db = create_engine(env["DATABASE_URL"].replace("{service}", "sla"))
        with tickets_db.connect() as c:
            created = c.execute(text("SELECT count(*) FROM tickets")).scalar()
        delivered = 0
        deadline = time.time() + 300
        while time.time() < deadline:
            with sla_db.connect() as c:
                delivered = c.execute(text("SELECT count(*) FROM sla_tickets")).scalar()
            if delivered >= created:
                break
            time.sleep(0.1)
        drain = time.time() - stopped
        cpu_after = cpu_by_part(roots)
        measured = max(1, created - before)
        cpu_ms = {k: round((cpu_after[k] - cpu_before[k]) * 1000 / measured, 2) for k in cpu_after}
        tickets_db.dispose()
        sla_db.dispose()
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
        admin = create_engine(PG, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            for service in SERVICES:
                c.execute(text(f'DROP DATABASE IF EXISTS "relaybench_{run}_{service}" WITH (FORCE)'))
        admin.dispose()
        drop_bus(env["RELAY_NAMESPACE"])

    print(json.dumps(result | {"created": created, "delivered": delivered}, indent=2))
    print(f"\nCPU per ticket (ms), load and drain: {json.dumps(cpu_ms)}; total {sum(cpu_ms.values()):.2f} ms")
    print(f"\n### Ticket creation through the gateway ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores)\n")
    print(
        "| connections | seconds | tickets/s (wrk) | p50 ms | p90 ms | p99 ms | non-2xx | created "
        "| events delivered | drain after load |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {args.connections} | {args.seconds} | {result['requests_per_s']} | {result['p50_ms']} "
        f"| {result['p90_ms']} | {result['p99_ms']} | {int(result['non_2xx'])} | {created} | {delivered} "
        f"| {drain:.1f} s |"
    )
    ok = result["requests_per_s"] and result["requests_per_s"] >= 300 and delivered >= created
    print(f"\ntarget >= 300 tickets/s with every event delivered: {'PASS' if ok else 'FAIL'}")
    return 0 if delivered >= created else 1


if __name__ == "__main__":
    sys.exit(main())
