"""Fixtures for notify's delivery and API tests: a notify runtime on a frozen clock, a real
SMTP sink it sends to, and `desk`, which writes the directory and ticket events other
services would publish (each checked against its contract) and feeds them to notify's
own consumer handlers, the way the consumer worker does.

Helpers are fixtures (not importable functions): with several packages' tests in one
run, `conftest` as a module name means another package's file."""

from __future__ import annotations

import copy
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from relay_contracts import registry, validate
from relay_notify.adapters.orm import notifications, webhook_attempts, webhook_deliveries, webhooks
from relay_notify.bootstrap import spec
from relay_notify.entrypoints.consumers import consumers
from relay_notify.service_layer import config, mail
from relaykit import mail_sink
from relaykit.bus import Message
from relaykit.bus.envelope import new_message
from relaykit.clock import FrozenClock
from relaykit.mail_sink import SmtpSink

# http_receivers.py (the local HTTP server) lives beside the tests.
sys.path.insert(0, str(Path(__file__).parent))

MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _iso(at: datetime) -> str:
    return at.isoformat()


class Desk:
    """The rest of Relay, as notify hears of it: directory entries and ticket events."""

    def __init__(self, runtime) -> None:
        self.rt = runtime
        self.clock: FrozenClock = runtime.clock
        self.handlers = {t: h for c in consumers(runtime) for t, h in c.handlers.items()}
        self._versions: dict[str, int] = {}
        self._numbers = iter(range(1001, 10**6))

    # -- messages ------------------------------------------------------------------------
    def message(self, type_: str, data: dict[str, Any], *, aggregate_type: str, aggregate_id: str, sequence: int):
        msg = new_message(
            type_,
            data,
            producer="sla" if type_.startswith("sla.") else "tickets",
            aggregate_type=aggregate_type,
            aggregate_id=aggregate_id,
            sequence=sequence,
            occurred_at=self.clock.now(),
        )
        validate(msg.to_dict())  # a sample that breaks its contract would prove nothing
        return msg

    def handle(self, *messages: Message) -> None:
        """Each message in its own transaction, by notify's handler for its type."""
        for msg in messages:
            with self.rt.db.session() as session:
                self.handlers[msg.type](session, msg)

    def _bump(self, key: str) -> int:
        self._versions[key] = self._versions.get(key, 0) + 1
        return self._versions[key]

    def _entry(self, kind: str, fields: dict[str, Any]) -> dict[str, Any]:
        doc = copy.deepcopy(registry().schema(f"{kind}.changed", 1).schema["examples"][0]["data"][kind])
        doc.update({"id": str(uuid.uuid4()), **fields})
        version = self._bump(f"{kind}:{doc['id']}")
        doc.update(version=version, created_at=_iso(self.clock.now()), updated_at=_iso(self.clock.now()))
        msg = self.message(
            f"{kind}.changed",
            {"change": "created" if version == 1 else "updated", kind: doc},
            aggregate_type=kind,
            aggregate_id=doc["id"],
            sequence=version,
        )
        self.handle(msg)
        return doc

    # -- the directory ---------------------------------------------------------------------
    def employee(self, name: str, *, role: str = "specialist", **fields: Any) -> dict[str, Any]:
        slug = name.lower().replace(" ", ".")
        base = {"name": name, "email": f"{slug}@relay.example", "phone": None, "role": role, "groups": []}
        return self._entry("employee", {**base, **fields})

    def contact(self, name: str, **fields: Any) -> dict[str, Any]:
        slug = name.lower().replace(" ", ".")
        base = {
            "name": name,
            "emails": [f"{slug}@client.example"],
            "phones": [],
            "company_id": None,
            "manager": None,
            "observers": [],
            "copy_to": None,
            "portal_access": "own",
            "service_object_ids": [],
            "supervised_company_ids": [],
            "active": True,
        }
        return self._entry("contact", {**base, **fields})

    def company(self, name: str, **fields: Any) -> dict[str, Any]:
        base = {"name": name, "email": None, "phone": None, "domains": [], "manager": None, "observers": []}
        return self._entry("company", {**base, **fields})

    def group(self, name: str, **fields: Any) -> dict[str, Any]:
        base = {"name": name, "members": [], "notification_list": {"employees": [], "emails": []}, "active": True}
        return self._entry("group", {**base, **fields})

    # -- tickets -----------------------------------------------------------------------------
    def ticket(self, *, contact: dict | None = None, responsible: dict | None = None, **fields: Any) -> dict:
        """A ticket snapshot (not yet announced)."""
        doc = copy.deepcopy(registry().schema("ticket.created", 1).schema["examples"][0]["data"]["ticket"])
        now = _iso(self.clock.now())
        doc.update(
            id=str(uuid.uuid4()),
            number=next(self._numbers),
            subject="Printer on floor 2 is jammed",
            created_at=now,
            updated_at=now,
            version=0,
            contact={"kind": "contact", "id": contact["id"]} if contact else None,
            company_id=(contact or {}).get("company_id"),
            responsible=_party(responsible),
        )
        doc.update(fields)
        return doc

    def ticket_event(self, type_: str, ticket: dict, **data: Any) -> Message:
        ticket["version"] += 1
        ticket["updated_at"] = _iso(self.clock.now())
        return self.message(
            type_,
            {"ticket": copy.deepcopy(ticket), **data},
            aggregate_type="ticket",
            aggregate_id=ticket["id"],
            sequence=ticket["version"],
        )

    def created(self, ticket: dict, actor: dict | None = None) -> Message:
        return self.ticket_event("ticket.created", ticket, actor=_actor(actor))

    def assigned(self, ticket: dict, to: dict | None, actor: dict | None = None) -> Message:
        before = ticket.get("responsible")
        ticket["responsible"] = _party(to)
        return self.ticket_event(
            "ticket.assigned",
            ticket,
            actor=_actor(actor),
            responsible={"before": before, "after": ticket["responsible"]},
        )

    def comment(self, ticket: dict, author: dict, body: str, *, public: bool = True, kind: str = "contact"):
        who = {"kind": kind, "id": author["id"], "name": author["name"], "channel": "email"}
        return self.ticket_event(
            "ticket.comment_added",
            ticket,
            actor=who,
            comment={
                "id": str(uuid.uuid4()),
                "public": public,
                "body": body,
                "text": body,
                "format": "text",
                "author": who,
                "channel": "email",
                "mentions": [],
                "attachments": [],
                "created_at": _iso(self.clock.now()),
            },
        )

    def status_changed(self, ticket: dict, to: str, actor: dict | None = None) -> Message:
        before = ticket["status"]
        ticket["status"] = to
        return self.ticket_event("ticket.status_changed", ticket, actor=_actor(actor), to=to, **{"from": before})

    def breached(self, ticket: dict, clock: str = "reaction") -> Message:
        now = self.clock.now()
        return self.message(
            "sla.breached",
            {
                "ticket_id": ticket["id"],
                "number": ticket["number"],
                "clock": clock,
                "fraction": 1.0,
                "due_at": _iso(now - timedelta(minutes=1)),
                "moment": _iso(now - timedelta(minutes=1)),
                "fired_at": _iso(now),
                "rule": "VIP clients",
            },
            aggregate_type="ticket",
            aggregate_id=ticket["id"],
            sequence=self._bump(f"sla:{ticket['id']}"),
        )

    # -- what notify did -------------------------------------------------------------------
    def rows(self, **where: Any) -> list[dict[str, Any]]:
        stmt = select(notifications).order_by(notifications.c.created_at, notifications.c.id)
        for name, value in where.items():
            stmt = stmt.where(notifications.c[name] == value)
        with self.rt.db.session() as session:
            return [dict(r) for r in session.execute(stmt).mappings()]

    def webhook(self, id_: str) -> dict[str, Any]:
        with self.rt.db.session() as session:
            return dict(session.execute(select(webhooks).where(webhooks.c.id == id_)).mappings().one())

    def deliveries(self, subscription_id: str) -> list[dict[str, Any]]:
        with self.rt.db.session() as session:
            rows = session.execute(
                select(webhook_deliveries).where(webhook_deliveries.c.subscription_id == subscription_id)
            ).mappings()
            return [dict(r) for r in rows]

    def attempts(self, delivery_id: str) -> list[dict[str, Any]]:
        with self.rt.db.session() as session:
            rows = session.execute(
                select(webhook_attempts)
                .where(webhook_attempts.c.delivery_id == delivery_id)
                .order_by(webhook_attempts.c.id)
            ).mappings()
            return [dict(r) for r in rows]

    def mails(self) -> list[dict[str, Any]]:
        """Every mail the sink kept (both the test's sink and notify's local one write
        under the data directory), oldest first."""
        return [mail_sink.read(p) for p in reversed(mail_sink.messages(self.rt.settings.data_dir, 10_000))]

    def message_ids(self) -> list[str]:
        """The Message-ID of every kept mail, from the headers alone (fast for many)."""
        parser = BytesHeaderParser()
        found = []
        for path in mail_sink.messages(self.rt.settings.data_dir, 100_000):
            with path.open("rb") as f:
                found.append(parser.parse(f)["Message-ID"])
        return found

    def mails_to(self, address: str) -> list[dict[str, Any]]:
        return [m for m in self.mails() if address in m["recipients"]]

    def put_config(self, key: str, value: dict[str, Any]) -> None:
        with self.rt.db.session() as session:
            config.put(self.rt, session, key, value)


def _party(who: dict | None) -> dict | None:
    if who is None:
        return None
    kind = "group" if "members" in who else "employee"
    return {"kind": kind, "id": who["id"]}


def _actor(who: dict | None) -> dict[str, Any]:
    if who is None:
        return {"kind": "system", "id": "relay", "name": "Relay", "channel": "system"}
    return {"kind": "employee", "id": who["id"], "name": who["name"], "channel": "agent"}


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(MONDAY_9)


@pytest.fixture
def notify(harness, bus_namespace, clock):
    rt = harness.runtime(spec, namespace=bus_namespace)
    rt.clock = clock
    yield rt
    # The SMTP pools and the local sink are kept per process: not past this test.
    mail.close_all()


@pytest.fixture
def desk(notify) -> Desk:
    return Desk(notify)


@pytest.fixture
def sink(notify, desk) -> Iterator[SmtpSink]:
    """A real SMTP server notify is configured to send to (its mail under the data dir)."""
    with SmtpSink(notify.settings.data_dir) as running:
        desk.put_config("smtp", {"host": "127.0.0.1", "port": running.port, "security": "none"})
        yield running


@pytest.fixture
def api(notify):
    return notify.app.test_client()


@pytest.fixture
def desk_for():
    """Desk(runtime) for a runtime of the test's own (on PostgreSQL, say)."""
    return Desk
