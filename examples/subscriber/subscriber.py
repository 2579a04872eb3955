"""An external system's subscriber to Relay's events: copy it and replace `apply_effect`.

It binds its own durable queue to Relay's topic exchange, validates every message against
the published JSON Schemas, handles each message id once (its own SQLite inbox) and
acknowledges only after its effect is committed. See README.md next to it.

    python subscriber.py --queue crm-sync --db crm-sync.sqlite3 'ticket.#'
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sqlite3
import time
from pathlib import Path

import pika
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

log = logging.getLogger("subscriber")
HERE = Path(__file__).resolve().parent


class Schemas:
    """Every message schema of a contracts/schemas directory, keyed by "<type>.v<N>"."""

    def __init__(self, root: Path) -> None:
        docs = {p: json.loads(p.read_text("utf-8")) for p in sorted(root.rglob("*.json"))}
        # Each file has an absolute $id; a `$ref: ../actor.v1.json` resolves against the
        # $id of the file it is in, so registering every file under its $id is all it takes.
        registry = Registry().with_resources(
            (doc["$id"], Resource.from_contents(doc, default_specification=DRAFT202012)) for doc in docs.values()
        )
        formats = FormatChecker()
        self.validators = {
            path.name.removesuffix(".json"): Draft202012Validator(doc, registry=registry, format_checker=formats)
            for path, doc in docs.items()
            if path.parent.name in ("events", "commands")
        }

    def problem(self, message: object) -> str | None:
        """Why the message breaks its contract, or None if it is valid."""
        if not isinstance(message, dict):
            return "not a JSON object"
        validator = self.validators.get(f"{message.get('type')}.v{message.get('version')}")
        if validator is None:  # a type (or a new version) we have no schema for
            return f"no schema for {message.get('type')!r} version {message.get('version')!r}"
        error = best_match(validator.iter_errors(message))
        return None if error is None else f"{error.json_path}: {error.message}"


def open_db(path: str) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")  # others may read our tables while we write
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS handled (message_id TEXT PRIMARY KEY, handled_at REAL NOT NULL);
        CREATE TABLE IF NOT EXISTS events (
            seq INTEGER PRIMARY KEY, message_id TEXT NOT NULL, type TEXT NOT NULL,
            ticket_number INTEGER, body TEXT NOT NULL);
        """
    )
    return db


def apply_effect(db: sqlite3.Connection, message: dict) -> None:
    """The example's effect: keep a row per event. Yours: update your CRM, in this transaction."""
    ticket = message["data"].get("ticket")
    number = ticket.get("number") if isinstance(ticket, dict) else None
    db.execute(
        "INSERT INTO events (message_id, type, ticket_number, body) VALUES (?, ?, ?, ?)",
        (message["id"], message["type"], number, json.dumps(message)),
    )


def handle_once(db: sqlite3.Connection, message: dict) -> bool:
    """Apply the message unless its id was handled before; False for a duplicate."""
    # One transaction for the id and the effect: a crash leaves both or neither, so a
    # redelivery after a crash is either applied now or recognised as a duplicate.
    with db:
        seen = db.execute("INSERT OR IGNORE INTO handled VALUES (?, ?)", (message["id"], time.time()))
        if seen.rowcount == 0:
            return False
        apply_effect(db, message)
    return True


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("routing_keys", nargs="*", default=["ticket.#"], help="binding keys (default ticket.#)")
    p.add_argument("--url", default=os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F"))
    p.add_argument("--queue", default="crm-sync", help="our own durable queue")
    p.add_argument("--exchange", default="relay.events", help="RELAY_NAMESPACE + relay.events")
    p.add_argument("--schemas", type=Path, default=HERE.parent.parent / "contracts" / "schemas")
    p.add_argument("--db", default="subscriber.sqlite3", help="our own state: handled ids and effects")
    p.add_argument("--prefetch", type=int, default=50)
    p.add_argument("--max-messages", type=int, default=0, help="exit after N deliveries (0: never)")
    p.add_argument("--idle-exit", type=float, default=0, help="exit after SECONDS without a delivery (0: never)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")

    schemas, db = Schemas(args.schemas), open_db(args.db)
    stopping = []
    for sig in (signal.SIGINT, signal.SIGTERM):  # finish the message at hand, then stop
        signal.signal(sig, lambda signum, frame: stopping.append(signum))

    connection = pika.BlockingConnection(pika.URLParameters(args.url))
    channel = connection.channel()
    # Declared exactly as Relay declares it, so whichever starts first creates it.
    channel.exchange_declare(args.exchange, exchange_type="topic", durable=True)
    # Durable and ours alone: messages wait here while we are down.
    channel.queue_declare(args.queue, durable=True)
    for key in args.routing_keys:
        channel.queue_bind(args.queue, args.exchange, routing_key=key)
    # Bounded unacknowledged deliveries: enough to keep busy, few to redeliver after a crash.
    channel.basic_qos(prefetch_count=args.prefetch)
    log.info("consuming %s from %s (%s)", args.queue, args.exchange, " ".join(args.routing_keys))

    counts = {"handled": 0, "duplicate": 0, "rejected": 0}
    last = time.monotonic()
    # The timeout yields (None, None, None) now and then, so signals and --idle-exit are seen.
    for method, _props, body in channel.consume(args.queue, inactivity_timeout=0.5):
        if stopping:
            break
        if method is None:
            if args.idle_exit and time.monotonic() - last >= args.idle_exit:
                log.info("idle for %ss, exiting", args.idle_exit)
                break
            continue
        last = time.monotonic()
        try:
            message = json.loads(body)
        except ValueError as e:
            message, reason = None, f"not JSON: {e}"
        else:
            reason = schemas.problem(message)
        if reason:
            # Retrying cannot fix a broken message: drop it (or to a dead-letter exchange).
            log.warning("rejected %s (%s): %s", method.routing_key, method.delivery_tag, reason)
            channel.basic_nack(method.delivery_tag, requeue=False)
            counts["rejected"] += 1
        elif handle_once(db, message):
            log.info("handled %s %s", message["type"], message["id"])
            channel.basic_ack(method.delivery_tag)  # after the commit, never before
            counts["handled"] += 1
        else:
            log.info("duplicate %s %s ignored", message["type"], message["id"])
            channel.basic_ack(method.delivery_tag)
            counts["duplicate"] += 1
        # A failure of our own (say the database) raises past here without an ack:
        # the broker redelivers the message when we come back.
        if args.max_messages and sum(counts.values()) >= args.max_messages:
            break

    channel.cancel()  # deliveries prefetched but not handled go back to the queue
    connection.close()
    db.close()
    log.info("stopped: %s", ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
