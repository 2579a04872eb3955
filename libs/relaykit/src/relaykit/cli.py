"""`relay`: one command for every way to run Relay.

  relay run                         all-in-one (what `make run` does)
  relay run --target tickets-api    one service's HTTP API under gunicorn
  relay run --target tickets-worker one service's relay, consumers and timers
  relay run --target gateway        the gateway alone
  relay up                          every target as its own process (`make up`)
  relay migrate [SERVICE...]        Alembic upgrade (creates the database if missing)
  relay demo [SERVICE...]           load the demo data into the databases (`relay up` does)
  relay revision SERVICE -m "..."   draft a migration from the service's tables
  relay dlq list | replay           dead letters

Services contribute commands of their own through the `relay.commands` entry points.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
from importlib.metadata import entry_points

import click

from relaykit import logs
from relaykit.service import Runtime, discover
from relaykit.settings import Settings

log = logging.getLogger(__name__)


@click.group()
def main() -> None:
    """Relay service desk."""


def _runtime(name: str) -> Runtime:
    specs = discover()
    if name not in specs:
        raise click.UsageError(f"unknown service {name!r}; installed: {', '.join(specs)}")
    settings = Settings.from_env(name)
    logs.configure(settings.log_level, settings.log_format, service=name)
    return Runtime(specs[name], settings)


@main.command()
@click.option("--target", default="all", help="all, gateway, <service>-api or <service>-worker")
@click.option("--host", default=lambda: os.environ.get("RELAY_HOST", "127.0.0.1"), show_default="127.0.0.1")
@click.option("--port", type=int, default=lambda: int(os.environ.get("RELAY_PORT", "8080")), show_default="8080")
@click.option(
    "--metrics-port",
    type=int,
    default=lambda: int(os.environ["RELAY_METRICS_PORT"]) if os.environ.get("RELAY_METRICS_PORT") else None,
    show_default="RELAY_METRICS_PORT, else all-in-one --port + 1, else any free port; 0: any free port",
    help="the operations listener (/metrics, /healthz, /readyz) of the all-in-one process, the gateway or an API; "
    "a worker's is --port",
)
@click.option("--metrics-host", default=lambda: os.environ.get("RELAY_METRICS_HOST"), help="default: --host")
@click.option("--demo/--no-demo", default=True, help="load demo data (all-in-one)")
@click.option("--migrate/--no-migrate", default=True, help="run migrations before starting")
def run(
    target: str, host: str, port: int, metrics_port: int | None, metrics_host: str | None, demo: bool, migrate: bool
) -> None:
    """Run Relay, or one target of it."""
    if target == "all":
        from relaykit import allinone

        metrics = (metrics_host or host, port + 1 if metrics_port is None else metrics_port)
        allinone.run(host, port, demo, metrics=metrics)
        return
    if target == "gateway":
        name, role = "gateway", "api"
    else:
        name, _, role = target.rpartition("-")
        if role not in ("api", "worker"):
            raise click.UsageError("target must be all, gateway, <service>-api or <service>-worker")
    rt = _runtime(name)
    if migrate:
        rt.migrate()
    if role == "api":
        from relaykit.ops import create_ops_app
        from relaykit.serving import OpsListener, gunicorn_serve, web_threads

        if demo and rt.spec.demo and rt.spec.edge:
            rt.spec.demo(rt)
            for line in rt.app.extensions.get("relay.banner", []):
                click.echo(line.format(base=f"http://{host}:{port}"))
        ops = OpsListener(metrics_host or host, metrics_port or 0, lambda: create_ops_app(rt))
        log.info("metrics listener", extra={"url": f"http://{ops.host}:{ops.port}/metrics"})
        gunicorn_serve(lambda: rt.app, f"{host}:{port}", threads=web_threads(rt.spec.web_threads), ops=ops)
    else:
        _run_worker(rt, host, port)


def _run_worker(rt: Runtime, host: str, port: int) -> None:
    from relaykit.ops import create_ops_app
    from relaykit.runner import TaskRunner
    from relaykit.serving import background_server

    tasks = rt.tasks()
    if not tasks:
        raise click.UsageError(f"{rt.spec.name} has no background work")
    runner = TaskRunner()
    runner.start(tasks, owner=rt.spec.name)
    # A worker has no public port: its one port is the operations listener.
    server = background_server(create_ops_app(rt), host, port)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    log.info("worker running", extra={"service": rt.spec.name, "tasks": [t.name for t in tasks], "port": port})
    done.wait()
    server.shutdown()
    runner.shutdown()


@main.command()
@click.argument("services", nargs=-1)
def migrate(services: tuple[str, ...]) -> None:
    """Create (if missing) and upgrade the databases of SERVICES (default: all)."""
    for name in services or tuple(discover()):
        _runtime(name).migrate()
        click.echo(f"{name}: migrated")


@main.command()
@click.argument("services", nargs=-1)
def demo(services: tuple[str, ...]) -> None:
    """Load the demo data of SERVICES (default: all but the gateway, which makes its demo
    token when it starts with --demo) into their databases; data already there stays."""
    specs = discover()
    for name in services or tuple(n for n, s in specs.items() if not s.edge):
        rt = _runtime(name)
        if rt.spec.demo is not None:
            rt.spec.demo(rt)
            click.echo(f"{name}: demo data loaded")


@main.command()
@click.argument("service")
@click.option("-m", "--message", required=True, help="what the migration does")
def revision(service: str, message: str) -> None:
    """Draft a migration for SERVICE from its tables (autogenerate; review it before committing)."""
    from relaykit import migrations

    rt = _runtime(service)
    rt.migrate()  # autogenerate compares against a database at the newest revision
    if rt.spec.metadata is None:
        raise click.UsageError(f"{service} declares no tables")
    migrations.revision(rt.db, rt.spec.migrations, rt.spec.metadata, service, message)


@main.command()
@click.option("--base-port", type=int, default=8100, show_default=True)
@click.option("--port", type=int, default=8080, show_default=True, help="the gateway's port")
def up(base_port: int, port: int) -> None:
    """Every service's API and worker as its own process, on RabbitMQ and PostgreSQL."""
    from relaykit.distributed import up as run_up

    run_up(base_port=base_port, gateway_port=port)


@main.group()
def dlq() -> None:
    """Dead-letter queues: messages that failed every retry or broke their contract."""


def _dead_queues(service: str | None) -> list[tuple[Runtime, str]]:
    result = []
    for name, spec in discover().items():
        if service and name != service:
            continue
        rt = Runtime(spec, Settings.from_env(name))
        for cs in rt.consumer_specs:
            result.append((rt, rt.topology.dead_queue_name(rt.topology.queue_name(name, cs.name))))
    return result


@dlq.command("list")
@click.option("--service", default=None)
@click.option("--json", "as_json", is_flag=True)
def dlq_list(service: str | None, as_json: bool) -> None:
    """Show every dead letter with its reason (nothing is removed)."""
    from relaykit.bus.connection import connect
    from relaykit.bus.deadletters import list_dead

    out = []
    for rt, queue in _dead_queues(service):
        with connect(rt.settings.amqp_url) as conn:
            conn.ensure_connection(max_retries=1)
            letters = list_dead(conn, queue)
        out += [d.to_dict() for d in letters]
        if not as_json:
            click.echo(f"{queue}: {len(letters)} dead letter(s)")
            for d in letters:
                click.echo(f"  {d.message_id} {d.type} attempts={d.attempts} at={d.dead_at}\n    reason: {d.reason}")
    if as_json:
        click.echo(json.dumps(out, indent=2))


@dlq.command("replay")
@click.argument("queue")
@click.option("--id", "ids", multiple=True, help="message id to replay (repeatable)")
@click.option("--all", "replay_all", is_flag=True, help="replay every message in the queue")
def dlq_replay(queue: str, ids: tuple[str, ...], replay_all: bool) -> None:
    """Put dead letters of QUEUE back into its work queue with a fresh retry budget."""
    from relaykit.bus.connection import connect
    from relaykit.bus.deadletters import replay

    if not ids and not replay_all:
        raise click.UsageError("give --id (repeatable) or --all")
    candidates = [(rt, q) for rt, q in _dead_queues(None) if q in (queue, f"{queue}.dead")]
    if not candidates:
        raise click.UsageError(f"no dead-letter queue named {queue!r}")
    rt, dead = candidates[0]
    with connect(rt.settings.amqp_url) as conn:
        conn.ensure_connection(max_retries=1)
        moved = replay(conn, rt.settings.amqp_url, dead, set(ids) if ids else None)
    click.echo(f"replayed {moved} message(s) from {dead}")


for _ep in entry_points(group="relay.commands"):
    main.add_command(_ep.load())


if __name__ == "__main__":
    sys.exit(main())
