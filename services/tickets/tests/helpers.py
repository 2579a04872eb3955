"""What many test modules ask of a response, the outbox or a caller (seed.py writes directory rows)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, insert, select

import relay_tickets
from relay_contracts import validate
from relay_tickets.adapters.tables import metadata
from relay_tickets.adapters.tables.tickets import tickets
from relay_tickets.domain.directory import DIRECTORY_EVENTS
from relay_tickets.entrypoints.api_directory import register_directory_routes
from relaykit.kit_schema import outbox
from relaykit.service import ServiceSpec
from relaykit.testing.harness import signed

# One caller of each role, as the gateway would sign them.
ADMIN = signed(role="administrator", subject="adm-1")
LEAD = signed(role="lead_specialist", subject="lead-1")
SPECIALIST = signed(role="specialist", subject="emp-1")
SYSTEM = signed(role="system", subject="crm")
CONTACT = signed(role="contact", subject="contact-1")

# The service with only the directory routes, so directory tests do not depend on the rest.
DIRECTORY_SPEC = ServiceSpec(
    name="tickets",
    title="Relay tickets (directory)",
    migrations=Path(relay_tickets.__file__).parent / "migrations" / "versions",
    metadata=metadata,
    routes=register_directory_routes,
    publishes=DIRECTORY_EVENTS,
)


def ok(resp, status=200):
    """The JSON body of a response that must have this status."""
    assert resp.status_code == status, resp.get_data(as_text=True)
    return resp.get_json()


def problem(resp, status, field=None) -> dict:
    """The problem document of a refusal with this status, naming `field` if given."""
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.headers["Content-Type"] == "application/problem+json"
    body = resp.get_json()
    if field:
        assert field in [e["field"] for e in body.get("errors", [])], body
    return body


def outbox_messages(rt, type_=None) -> list[dict]:
    """Outbox messages, oldest first, each checked against its contract."""
    with rt.db.sessions() as s:
        rows = s.execute(select(outbox.c.body).order_by(outbox.c.id)).scalars().all()
    messages = [json.loads(b) for b in rows]
    for m in messages:
        validate(m)
    return [m for m in messages if type_ is None or m["type"] == type_]


def post_ticket(client, headers, **body):
    """POST /tickets with a subject unless the body names one; the response as it comes."""
    return client.post("/tickets", json={"subject": "Printer jammed"} | body, headers=headers)


def add_attribute(api, headers, type_id, **body) -> dict:
    """A custom attribute added to a ticket type through the settings API."""
    return ok(api.post(f"/settings/ticket-types/{type_id}/attributes", json=body, headers=headers), 201)


def ticket_row(rt, created_by: str | None = None, **columns) -> int:
    """A ticket written straight into the table (for services built without the ticket
    routes): registered by employee `created_by`, pointing at what `columns` say
    (company_id, contact_id, service_object_id, responsible_*); returns its number."""
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    if "contact_id" in columns:
        columns.setdefault("contact_kind", "contact")
    with rt.db.session() as s:
        number = (s.scalar(select(func.max(tickets.c.number))) or 0) + 1
        row = {
            "id": str(uuid.uuid4()),
            "number": number,
            "subject": "Pointing at the directory",
            "description": "",
            "type": "incident",
            "internal": False,
            "priority": "normal",
            "status": "opened",
            "channel": "agent",
            "attributes": {},
            "time_spent_minutes": 0,
            "created_by_kind": "employee" if created_by else "system",
            "created_by_id": created_by or "tests",
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        s.execute(insert(tickets).values(row | columns))
    return number
