"""`relay up`: every service API and worker as its own process against RabbitMQ
and PostgreSQL, the gateway in front. The processes are the same `relay run
--target ...` commands a Kubernetes pod runs."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request

from relaykit.service import discover

DEFAULTS = {
    "DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/relay_{service}",
    "AMQP_URL": "amqp://guest:guest@127.0.0.1:5672//",
}


def _command(target: str, port: int, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "relaykit.cli",
        "run",
        "--target",
        target,
        "--port",
        str(port),
        "--no-migrate",
        *extra,
    ]


def _wait_alive(ports: list[int], procs: list[subprocess.Popen], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    for port in ports:
        while True:
            if any(p.poll() is not None for p in procs):
                raise SystemExit("a process exited while starting; see its output above")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"nothing answered on port {port} within {timeout:.0f}s")
            time.sleep(0.2)


def up(base_port: int = 8100, gateway_port: int = 8080) -> None:
    env = dict(os.environ)
    for key, value in DEFAULTS.items():
        env.setdefault(key, value)
    env.setdefault("RELAY_IDENTITY_SECRET", secrets.token_urlsafe(32))
    env.setdefault("RELAY_LOG_FORMAT", "text")
    specs = discover()

    print("migrating databases...", flush=True)
    subprocess.run([sys.executable, "-m", "relaykit.cli", "migrate"], env=env, check=True)
    # Every service's demo data: the gateway's demo token acts for the tickets demo's
    # administrator, whom the gateway learns of from the directory's events.
    print("loading demo data...", flush=True)
    subprocess.run([sys.executable, "-m", "relaykit.cli", "demo"], env=env, check=True)

    # Ports: base+1.. the APIs, base+26.. their operations listeners (/metrics), base+51.. the
    # workers (whose one port is their operations listener), base itself the gateway's.
    plan: list[tuple[str, list[str], int]] = []
    for i, (name, spec) in enumerate(s for s in specs.items() if not s[1].edge):
        api_port, api_ops_port, worker_port = base_port + 1 + i, base_port + 26 + i, base_port + 51 + i
        if spec.routes is not None:
            label = f"{name}-api  http://127.0.0.1:{api_port}  (metrics http://127.0.0.1:{api_ops_port}/metrics)"
            plan.append((label, _command(f"{name}-api", api_port, "--metrics-port", str(api_ops_port)), api_port))
            env[f"RELAY_UPSTREAM_{name.upper().replace('-', '_')}"] = f"http://127.0.0.1:{api_port}"
        if spec.consumers or spec.publishes or spec.background:
            label = f"{name}-worker  http://127.0.0.1:{worker_port}/metrics"
            plan.append((label, _command(f"{name}-worker", worker_port), worker_port))
    # The gateway's worker keeps its copy of who may sign in (the directory's events); it
    # runs before the gateway opens, so the demo token works from the first request.
    edge = next(s for s in specs.values() if s.edge)
    if edge.consumers:
        port = base_port + 50
        label = f"{edge.name}-worker  http://127.0.0.1:{port}/metrics"
        plan.append((label, _command(f"{edge.name}-worker", port), port))
    gateway = (
        f"gateway  http://127.0.0.1:{gateway_port}/  (metrics http://127.0.0.1:{base_port}/metrics)",
        _command("gateway", gateway_port, "--metrics-port", str(base_port), "--demo"),
        gateway_port,
    )

    procs: list[subprocess.Popen] = []
    labels: list[str] = []

    def start(label: str, cmd: list[str]) -> None:
        procs.append(subprocess.Popen(cmd, env=env))
        labels.append(label)

    for label, cmd, _ in plan:
        start(label, cmd)
    # The gateway opens its door only once every service behind it answers.
    _wait_alive([port for _, _, port in plan], procs)
    start(gateway[0], gateway[1])
    _wait_alive([gateway[2]], procs)
    for label in labels:
        print(f"  started {label}", flush=True)
    print("Relay is running distributed (PostgreSQL + RabbitMQ). Press Ctrl-C to stop.", flush=True)

    stopping = False

    def _stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        while not stopping:
            for label, p in zip(labels, procs, strict=True):
                if p.poll() is not None:
                    print(f"{label.split()[0]} exited with {p.returncode}; stopping everything", flush=True)
                    stopping = True
            time.sleep(0.5)
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        deadline = time.monotonic() + 15
        for p in procs:
            try:
                p.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
