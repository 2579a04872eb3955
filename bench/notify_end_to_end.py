"""Benchmark: ticket registered -> customer's email on the SMTP server, end to end, as deployed.

Every part in its own process, on the real RabbitMQ and PostgreSQL:

- the tickets service registers tickets (ticket row + outbox row in one transaction)
  for a demo contact, paced at `--rate` per second for `--seconds`;
- `relay run --target tickets-worker` (the outbox relay) publishes `ticket.created`;
- `relay run --target notify-worker` consumes it (recipients, templates, the
  notification row and the inbox entry in one transaction) and its sender sends the
  "registered" mail through the SMTP pool;
- an SMTP server (the kit's aiosmtpd sink, in a process of its own) answers 250 only
  once the mail is fsynced to disk.

Latency = the mail file's time on disk - the ticket's registration time (stamped before
the tickets transaction commits, so it slightly overstates). Target: p99 < 1 s at 100/s.

  .venv/bin/python bench/notify_end_to_end.py [--rate 100] [--seconds 30]
"""

from __future__ import annotations

import argparse
import email
import email.policy
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from outbox_pipeline import Pipeline, pct

CONTACT_EMAIL = "runner@acme.example"  # a demo contact (Road Runner, Acme)
SUBJECT_NUMBER = re.compile(r"\[#(\d+)\]")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_sink(folder: Path, port: int, env: dict[str, str] | None = None) -> subprocess.Popen:
    """The kit's SMTP sink in a process of its own, as a mail server would be: its work
    (parsing, fsync before 250) does not share the sender's interpreter."""
    code = (
        "import threading; from pathlib import Path; from relaykit.mail_sink import SmtpSink;"
        f"s = SmtpSink(Path({str(folder)!r}), port={port}); s.start(); print('ready', flush=True);"
        "threading.Event().wait()"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
    if proc.stdout.readline().strip() != "ready":
        proc.kill()
        raise RuntimeError("the SMTP sink did not start")
    return proc


def _wait_for(what: str, check, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise RuntimeError(f"timed out waiting for {what}")


def _notify_knows_contact(p: Pipeline) -> bool:
    from sqlalchemy import create_engine, text

    engine = create_engine(p.url("notify"))
    try:
        with engine.connect() as c:
            return bool(c.execute(text("SELECT count(*) FROM notify_people WHERE kind = 'contact'")).scalar())
    except Exception:  # the worker has not created its tables yet
        return False
    finally:
        engine.dispose()


def _stages(p: Pipeline, registered: dict[int, datetime], arrived: dict[int, float]) -> dict[str, list[float]]:
    """Where the time went, per mail: registration -> notification row (the consumer's
    transaction), row -> sent (the sender's claim and SMTP), sent -> file on disk."""
    from sqlalchemy import create_engine, text

    engine = create_engine(p.url("notify"))
    with engine.connect() as c:
        rows = c.execute(
            text(
                "SELECT ticket_number, created_at, sent_at FROM notify_notifications "
                "WHERE channel = 'email' AND notification = 'registered' AND sent_at IS NOT NULL"
            )
        ).all()
    engine.dispose()
    stages: dict[str, list[float]] = {"registered -> queued": [], "queued -> sent": [], "sent -> on disk": []}
    for number, queued, sent in rows:
        if number in registered and number in arrived:
            stages["registered -> queued"].append((queued - registered[number]).total_seconds())
            stages["queued -> sent"].append((sent - queued).total_seconds())
            stages["sent -> on disk"].append(arrived[number] - sent.timestamp())
    return stages


def _arrivals(folder: Path) -> dict[int, float]:
    """Ticket number -> when its registration mail was on disk, from the sink's files."""
    found: dict[int, float] = {}
    for f in folder.glob("*.eml"):
        with f.open("rb") as fh:
            headers = email.message_from_binary_file(fh, policy=email.policy.default)
        if m := SUBJECT_NUMBER.search(str(headers.get("Subject", ""))):
            found.setdefault(int(m.group(1)), f.stat().st_mtime)
    return found


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rate", type=float, default=100.0)
    ap.add_argument("--seconds", type=float, default=30.0)
    args = ap.parse_args()
    log_dir = Path(os.environ.get("BENCH_LOG_DIR", "bench/out"))
    log_dir.mkdir(parents=True, exist_ok=True)
    sink_dir = Path(tempfile.mkdtemp(prefix="relay-bench-sink-"))
    smtp_port = free_port()
    p = Pipeline(
        log_dir,
        services=("tickets", "notify"),
        NOTIFY_SMTP_URL=f"smtp://127.0.0.1:{smtp_port}",
        NOTIFY_FROM_ADDRESS="desk@relay.example",
    )
    total = int(args.rate * args.seconds)
    try:
        p.migrate()
        subprocess.run(
            [sys.executable, "-m", "relaykit.cli", "demo", "tickets"],
            env=p.env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        p.procs.append(start_sink(sink_dir, smtp_port, p.env))
        p.start_worker("notify", free_port())
        p.start_worker("tickets", free_port())
        # The demo's tickets mail their contacts too; the run starts once notify has caught up.
        _wait_for("notify to learn the demo contacts", lambda: _notify_knows_contact(p))
        _wait_for("the demo's mail to settle", lambda: _settled(sink_dir), timeout=120)
        baseline = set(_arrivals(sink_dir / "mail-sink"))
        _, registered = p.create_tickets(total, args.rate, contact_email=CONTACT_EMAIL)
        folder = sink_dir / "mail-sink"
        deadline = time.time() + 120
        while time.time() < deadline:
            arrived = _arrivals(folder)
            if all(n in arrived for n in registered):
                break
            time.sleep(0.5)
        arrived = _arrivals(folder)
        stages = _stages(p, registered, arrived)
    finally:
        p.close()
    latencies = [arrived[n] - at.timestamp() for n, at in registered.items() if n in arrived and n not in baseline]
    lost = total - len(latencies)
    first = min(at.timestamp() for at in registered.values())
    elapsed = max(arrived[n] for n in registered if n in arrived) - first
    p99 = pct(latencies, 99) * 1000
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"\n### Notify end to end: ticket registered -> mail on the SMTP server ({stamp}, {os.cpu_count()} cores)\n")
    print("| rate/s | tickets | mails | throughput/s | p50 ms | p90 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|---|---|---|")
    print(
        f"| {args.rate:g} | {total} | {len(latencies)} | {len(latencies) / elapsed:.1f} "
        f"| {pct(latencies, 50) * 1000:.0f} | {pct(latencies, 90) * 1000:.0f} | {p99:.0f} "
        f"| {max(latencies, default=float('nan')) * 1000:.0f} |"
    )
    print("\n| stage | p50 ms | p99 ms |\n|---|---|---|")
    for name, values in stages.items():
        print(f"| {name} | {pct(values, 50) * 1000:.0f} | {pct(values, 99) * 1000:.0f} |")
    print(f"\np99 = {p99:.0f} ms (target < 1000 ms): {'PASS' if p99 < 1000 else 'FAIL'}; missing mails: {lost}")
    return 1 if lost else 0


_last: list[int] = [-1, 0]


def _settled(sink_dir: Path) -> bool:
    """True once the sink's folder has not grown for two seconds (the demo data's mail went)."""
    n = len(list((sink_dir / "mail-sink").glob("*.eml"))) if (sink_dir / "mail-sink").exists() else 0
    if n != _last[0]:
        _last[:] = [n, int(time.time())]
        return False
    return time.time() - _last[1] >= 2 and n > 0


if __name__ == "__main__":
    sys.exit(main())
