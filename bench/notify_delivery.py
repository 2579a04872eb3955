"""Benchmark: the notify service's two halves, each alone.

1. Rendering and queueing: ticket events through the consumer's handler (recipients,
   templates rendered per recipient, rows inserted) in batches of `--batch` per
   transaction, as the consumer worker commits them. Each event makes several rows
   (email and in-app for the responsible and observers). Target: 2,000 notifications/s.
2. Delivery: the queued emails sent by the sender through the SMTP pool to a real local
   SMTP sink (aiosmtpd, every mail fsynced to disk before 250), in a process of its own
   as a mail server would be (`--sink inprocess`: in this one). Target: 300 emails/s.

  .venv/bin/python bench/notify_delivery.py [--events 2000] [--database sqlite|postgres]
      [--sink process|inprocess]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from notify_end_to_end import free_port, start_sink
from sqlalchemy import func, select, text

from relay_notify.adapters.orm import notifications
from relay_notify.bootstrap import spec
from relay_notify.service_layer import config, copies, mail, planner, sender
from relaykit.bus.envelope import Message
from relaykit.service import Runtime
from relaykit.settings import Settings

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/relaybench_notify"


def _employee(i: int) -> dict:
    now = datetime.now(UTC).isoformat()
    return {
        "id": f"00000000-0000-4000-8000-{i:012d}",
        "name": f"Agent {i}",
        "email": f"agent{i}@bench.example",
        "phone": None,
        "role": "specialist",
        "groups": [],
        "active": True,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }


def _message(n: int, agents: list[dict]) -> Message:
    now = datetime.now(UTC).isoformat()
    responsible = agents[n % len(agents)]
    observers = [agents[(n + k) % len(agents)] for k in (1, 2)]
    ticket = {
        "id": str(uuid.uuid4()),
        "number": n + 1,
        "subject": f"Printer {n} jams on every page",
        "description": "",
        "status": "opened",
        "status_kind": "open",
        "sla_paused": False,
        "channel": "api",
        "created_at": now,
        "updated_at": now,
        "version": 2,
        "type": "incident",
        "internal": False,
        "priority": "normal",
        "company_id": None,
        "client_category_id": None,
        "contact": None,
        "service_object_id": None,
        "responsible": {"kind": "employee", "id": responsible["id"]},
        "observers": [{"kind": "employee", "id": o["id"]} for o in observers],
        "planned_reaction_at": None,
        "planned_resolution_at": None,
        "planned_source": None,
        "attributes": {},
        "attribute_audience": {},
        "parent_id": None,
        "postponed_until": None,
        "first_reaction_at": None,
        "resolved_at": None,
        "closed_at": None,
        "time_spent_minutes": 0,
        "rating": None,
    }
    data = {
        "ticket": ticket,
        "actor": {"kind": "system", "id": "bench", "name": "bench", "channel": "api"},
        "responsible": {"before": None, "after": ticket["responsible"]},
        "observers": {"added": ticket["observers"], "removed": []},
    }
    return Message(
        id=str(uuid.uuid4()),
        type="ticket.assigned",
        version=1,
        kind="event",
        occurred_at=now,
        producer="tickets",
        correlation_id=str(uuid.uuid4()),
        causation_id=None,
        aggregate_type="ticket",
        aggregate_id=ticket["id"],
        sequence=2,
        data=data,
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    ap.add_argument("--sink", choices=("process", "inprocess"), default="process")
    args = ap.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="relay-bench-notify-"))
    url = f"sqlite:///{data_dir}/notify.db" if args.database == "sqlite" else PG
    rt = Runtime(spec, Settings(service="notify", database_url=url, data_dir=data_dir))
    if args.database == "postgres":
        from sqlalchemy import create_engine

        admin = create_engine(PG.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text("DROP DATABASE IF EXISTS relaybench_notify WITH (FORCE)"))
        admin.dispose()
    rt.migrate()
    agents = [_employee(i) for i in range(1, 51)]
    with rt.db.session() as s:
        for a in agents:
            copies.keep_entry(s, "employee", a)
        # Every mail goes at once: the digest window would hold the second mail of a pair.
        config.put(rt, s, "delivery", {"digest_seconds": 0})
        sink = None
        if args.sink == "process":
            port = free_port()
            sink = start_sink(data_dir, port)
            config.put(rt, s, "smtp", {"host": "127.0.0.1", "port": port})
        s.commit()
    events = [_message(n, agents) for n in range(args.events)]

    started = time.perf_counter()
    for i in range(0, len(events), args.batch):
        with rt.db.session() as s:
            for m in events[i : i + args.batch]:
                planner.handle(rt, s, m)
            s.commit()
    queued_s = time.perf_counter() - started
    with rt.db.session() as s:
        rows = s.scalar(select(func.count()).select_from(notifications))
        emails = s.scalar(select(func.count()).select_from(notifications).where(notifications.c.channel == "email"))
    print(
        f"render+queue: {args.events} events -> {rows} notifications in {queued_s:.2f} s = "
        f"{rows / queued_s:,.0f} notifications/s ({args.events / queued_s:,.0f} events/s) [{args.database}]"
    )

    started = time.perf_counter()
    while sender.send_due(rt, limit=200):
        pass
    sent_s = time.perf_counter() - started
    with rt.db.session() as s:
        sent = s.scalar(
            select(func.count())
            .select_from(notifications)
            .where(notifications.c.channel == "email", notifications.c.state == "sent")
        )
        pool = config.get(rt, s, "smtp")["pool_size"]
    files = len(list((data_dir / "mail-sink").glob("*.eml")))
    print(
        f"delivery: {sent} of {emails} emails sent to the local SMTP sink ({files} files) in {sent_s:.2f} s = "
        f"{sent / sent_s:,.0f} emails/s (pool of {pool}, "
        f"{pool} sending threads, sink {args.sink})"
    )
    mail.close_all()
    if sink is not None:
        sink.terminate()
    rt.db.dispose()


if __name__ == "__main__":
    sys.exit(main())
