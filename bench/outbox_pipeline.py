"""Benchmark: events from outbox commit to consumer handled, against a bare kombu loop.

Both on the same RabbitMQ, in the same run, each part in its own process as deployed:

- bare:  one process publishing with kombu and publisher confirms (one confirm per
         publish), another consuming and acking; latency = receive - publish.
- relay: the tickets service registers tickets (ticket row + outbox row, one
         transaction each) on PostgreSQL; `relay run --target tickets-worker` (the
         outbox relay) publishes them; `relay run --target sla-worker` handles
         ticket.created (inbox + effect, one transaction per batch) in its own
         PostgreSQL database; latency = consumer's commit clock - ticket registration.

Throughput: N events as fast as they go (bare: publisher and consumer running;
relay: a backlog of N committed events drained by the relay and the consumer).
Latency: events at a paced rate (default 200/s) for a while (default 15 s).

  .venv/bin/python bench/outbox_pipeline.py [--events 5000] [--rate 200] [--seconds 15]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing as mp
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

AMQP = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")
PG = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PAD = "x" * 400  # a ticket.created message is about this size


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    return values[min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))]


def summary(name: str, latencies: list[float], total: int, elapsed: float) -> dict:
    return {
        "name": name,
        "events": total,
        "delivered": len(latencies),
        "seconds": round(elapsed, 2),
        "throughput_per_s": round(len(latencies) / elapsed, 1) if elapsed else 0,
        "p50_ms": round(pct(latencies, 50) * 1000, 1),
        "p99_ms": round(pct(latencies, 99) * 1000, 1),
        "max_ms": round(max(latencies, default=float("nan")) * 1000, 1),
    }


# -- bare kombu ---------------------------------------------------------------------
def _bare_consumer(queue_name: str, total: int, out: mp.Queue, ready: mp.Event) -> None:
    from kombu import Connection, Consumer, Queue

    received: list[tuple[float, float]] = []
    with Connection(AMQP) as conn:

        def on_message(body, message):
            received.append((body["t"], time.time()))
            message.ack()

        with Consumer(
            conn.channel(),
            [Queue(queue_name, no_declare=True)],
            callbacks=[on_message],
            prefetch_count=64,
            accept=["json"],
        ):
            ready.set()
            deadline = time.time() + 300
            while len(received) < total and time.time() < deadline:
                with contextlib.suppress(TimeoutError):
                    conn.drain_events(timeout=0.5)
    out.put(received)


def bare(total: int, rate: float | None) -> dict:
    from kombu import Connection, Exchange, Producer, Queue

    ns = f"bench{uuid.uuid4().hex[:8]}."
    exchange = Exchange(ns + "x", type="topic", durable=True)
    queue = Queue(ns + "q", exchange, routing_key="ticket.created", durable=True)
    out, ready = mp.Queue(), mp.Event()
    with Connection(AMQP, transport_options={"confirm_publish": True}) as conn:
        channel = conn.channel()
        queue(channel).declare()
        consumer = mp.Process(target=_bare_consumer, args=(queue.name, total, out, ready))
        consumer.start()
        ready.wait(20)
        producer = Producer(channel, exchange=exchange)
        start = time.time()
        for i in range(total):
            if rate is not None and (delay := start + i / rate - time.time()) > 0:
                time.sleep(delay)
            producer.publish(
                {"t": time.time(), "n": i, "pad": PAD},
                routing_key="ticket.created",
                serializer="json",
                delivery_mode=2,
                retry=False,
            )
        received = out.get(timeout=300)
        consumer.join(10)
        queue(channel).delete()
        exchange(channel).delete()
    elapsed = max(r for _, r in received) - start
    return summary("bare kombu (confirm each)", [r - t for t, r in received], total, elapsed)


# -- the relay pipeline -----------------------------------------------------------------
class Pipeline:
    def __init__(self, log_dir: Path, services: tuple[str, ...] = ("tickets", "sla"), **env: str) -> None:
        run = uuid.uuid4().hex[:8]
        self.services = services
        self.base = PG.rsplit("/", 1)[0]
        self.template = f"{self.base}/relaybench_{run}_{{service}}"
        self.env = os.environ | {
            "DATABASE_URL": self.template,
            "AMQP_URL": AMQP,
            "RELAY_NAMESPACE": f"bench{run}.",
            "RELAY_LOG_LEVEL": "WARNING",
            **env,
        }
        self.log_dir = log_dir
        self.procs: list[subprocess.Popen] = []

    def url(self, service: str) -> str:
        return self.template.replace("{service}", service)

    def relay(self, *args: str, log: str | None = None) -> subprocess.Popen:
        cmd = [sys.executable, "-m", "relaykit.cli", *args]
        out = (self.log_dir / f"{log}.log").open("w") if log else subprocess.DEVNULL
        p = subprocess.Popen(cmd, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        self.procs.append(p)
        return p

    def migrate(self) -> None:
        subprocess.run(
            [sys.executable, "-m", "relaykit.cli", "migrate", *self.services],
            env=self.env,
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def start_worker(self, service: str, port: int) -> None:
        import requests

        self.relay("run", "--target", f"{service}-worker", "--port", str(port), "--no-migrate", log=service)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/readyz", timeout=1).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{service}-worker did not become ready")

    def create_tickets(
        self, total: int, rate: float | None, contact_email: str | None = None
    ) -> tuple[float, dict[int, datetime]]:
        """Registers tickets through the tickets service's use case (for the contact with
        that address, when given); returns the start time and each ticket's registration."""
        from relay_tickets.adapters.mapping import start_mappers
        from relay_tickets.adapters.references import References
        from relay_tickets.bootstrap import spec
        from relay_tickets.domain.access import Viewer
        from relay_tickets.domain.parties import CONTACT
        from relay_tickets.domain.ticket import ContactRef
        from relay_tickets.service_layer import tickets as use
        from relaykit.identity import SYSTEM, Identity
        from relaykit.service import Runtime
        from relaykit.settings import Settings

        rt = Runtime(spec, Settings(service="tickets", database_url=self.url("tickets"), amqp_url=AMQP))
        start_mappers()
        contact = company_id = None
        if contact_email:
            with rt.db.sessions() as s:
                ref = References(s).contact_by_email(contact_email)
            contact, company_id = ContactRef(CONTACT, ref.id), ref.company_id
        system = Viewer(Identity("bench", SYSTEM, name="bench"))
        registered: dict[int, datetime] = {}
        start = time.time()
        for i in range(total):
            if rate is not None and (delay := start + i / rate - time.time()) > 0:
                time.sleep(delay)
            cmd = use.CreateTicket(
                subject=f"bench {i}", description=PAD, contact=contact, company_id=company_id, channel="api"
            )
            ticket, _ = use.create_ticket(rt, cmd, system)
            registered[ticket.number] = ticket.created_at
        rt.db.dispose()
        return start, registered

    def handled(self, total: int, timeout: float = 300) -> list[tuple[datetime, datetime]]:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.url("sla"))
        deadline = time.time() + timeout
        try:
            while time.time() < deadline:
                with engine.connect() as conn:
                    n = conn.execute(text("SELECT count(*) FROM sla_tickets")).scalar()
                    if n >= total:
                        return list(conn.execute(text("SELECT registered_at, recorded_at FROM sla_tickets")))
                time.sleep(0.05)
            raise RuntimeError(f"only {n} of {total} handled")
        finally:
            engine.dispose()

    def close(self) -> None:
        from sqlalchemy import create_engine, text

        for p in self.procs:
            p.terminate()
        for p in self.procs:
            p.wait(30)
        admin = create_engine(PG, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for service in self.services:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.url(service).rsplit("/", 1)[1]}" WITH (FORCE)'))
        admin.dispose()


def _relay_summary(rows: list[tuple[datetime, datetime]], start: float, total: int) -> dict:
    elapsed = max(rec for _, rec in rows).timestamp() - start
    latencies = [(rec - reg).total_seconds() for reg, rec in rows]
    return summary("relay: outbox -> relay -> consumer", latencies, total, elapsed)


def pipeline_throughput(total: int, log_dir: Path) -> dict:
    p = Pipeline(log_dir)
    try:
        p.migrate()
        p.start_worker("sla", 9651)  # its queue exists before anything is published
        p.create_tickets(total, None)  # a committed backlog, with no relay running yet
        start = time.time()
        p.start_worker("tickets", 9652)
        rows = p.handled(total)
    finally:
        p.close()
    return _relay_summary(rows, start, total)


def pipeline_paced(rate: float, seconds: float, log_dir: Path) -> dict:
    total = int(rate * seconds)
    p = Pipeline(log_dir)
    try:
        p.migrate()
        p.start_worker("sla", 9653)
        p.start_worker("tickets", 9654)
        start, _ = p.create_tickets(total, rate)
        rows = p.handled(total)
    finally:
        p.close()
    return _relay_summary(rows, start, total)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=5000, help="events in the throughput runs")
    parser.add_argument("--rate", type=float, default=200.0, help="events/s in the latency runs")
    parser.add_argument("--seconds", type=float, default=15.0, help="length of the latency runs")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    log_dir = Path(os.environ.get("BENCH_LOG_DIR", "bench/out"))
    log_dir.mkdir(parents=True, exist_ok=True)
    results = {
        "throughput": [bare(args.events, None), pipeline_throughput(args.events, log_dir)],
        "paced": [bare(int(args.rate * args.seconds), args.rate), pipeline_paced(args.rate, args.seconds, log_dir)],
    }
    if args.json:
        print(json.dumps(results, indent=2))
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"\n### Outbox pipeline vs bare kombu ({stamp}, {os.cpu_count()} cores)\n")
    print("| run | loop | events | delivered | throughput/s | p50 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|---|---|---|")
    for run, rows in (("max rate", results["throughput"]), (f"paced {args.rate:g}/s", results["paced"])):
        for r in rows:
            print(
                f"| {run} | {r['name']} | {r['events']} | {r['delivered']} | {r['throughput_per_s']} "
                f"| {r['p50_ms']} | {r['p99_ms']} | {r['max_ms']} |"
            )
    bare_tp, relay_tp = (r["throughput_per_s"] for r in results["throughput"])
    paced_p99 = results["paced"][1]["p99_ms"]
    ratio = relay_tp / bare_tp if bare_tp else 0
    print(
        f"\nrelay throughput = {ratio:.0%} of bare (target >= 40%): {'PASS' if ratio >= 0.4 else 'FAIL'}; "
        f"p99 at {args.rate:g}/s = {paced_p99} ms (target < 100 ms): {'PASS' if paced_p99 < 100 else 'FAIL'}"
    )
    return 1 if any(r["delivered"] != r["events"] for rows in results.values() for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
