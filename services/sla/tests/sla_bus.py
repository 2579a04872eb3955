"""Test helpers: ticket events as the tickets service publishes them, put on the bus,
and what the SLA service wrote to its outbox."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import datetime

from sqlalchemy import select

from relay_contracts import registry
from relaykit.kit_schema import outbox
from relaykit.testing.harness import signed

# Identity headers of callers. Here rather than in conftest.py: with several packages'
# tests in one run, `conftest` names another package's module.
ADMIN = signed(role="administrator", subject="adm-1")
SPECIALIST = signed(role="specialist", subject="spec-1")
CONTACT = signed(role="contact", subject="contact-1")


def ticket_event(type_: str, ticket: dict, *, sequence: int, occurred_at: datetime, **data) -> dict:
    """A contract-valid ticket.* message carrying this snapshot."""
    message = copy.deepcopy(registry().schema(type_, 1).schema["examples"][0])
    message.update(
        id=str(uuid.uuid4()), aggregate_id=ticket["id"], sequence=sequence, occurred_at=occurred_at.isoformat()
    )
    message["data"].update(data)
    message["data"]["ticket"] = {**message["data"]["ticket"], **ticket, "version": sequence}
    return message


def new_ticket(number: int, created_at: datetime, **fields) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "number": number,
        "status": "opened",
        "status_kind": "open",
        "sla_paused": False,
        "type": "incident",
        "priority": "normal",
        "company_id": None,
        "client_category_id": None,
        "created_at": created_at.isoformat(),
        "first_reaction_at": None,
        # SPECIALIST answers for it: a specialist reads only the SLA of tickets they may see.
        "responsible": {"kind": "employee", "id": "spec-1"},
        **fields,
    }


def sent(rt, type_: str, ticket_id: str | None = None) -> list[dict]:
    """The data of every message of this type in the SLA service's outbox, oldest first."""
    with rt.db.sessions() as s:
        rows = s.execute(select(outbox.c.body).where(outbox.c.type == type_).order_by(outbox.c.id)).scalars()
        bodies = [json.loads(b)["data"] for b in rows]
    return [b for b in bodies if ticket_id is None or b["ticket_id"] == ticket_id]


def registry_example(type_: str, sequence: int = 1, **data) -> dict:
    """The contract's example of a message, made unique."""
    message = copy.deepcopy(registry().schema(type_, 1).schema["examples"][0])
    message.update(id=str(uuid.uuid4()), sequence=sequence)
    message["data"].update(data)
    return message
