"""Directory entries made in the tickets service (through its API, signed as a gateway
would sign an administrator), waited for in the gateway's copy, and tokens for them."""

from __future__ import annotations

import uuid

from relay_gateway import directory
from relay_gateway.tables import directory_contacts, directory_employees
from relay_gateway.tokens import token_store
from relaykit.identity import CONTACT, STAFF
from relaykit.testing.harness import signed, wait_for

DIRECTORY_ADMIN = signed(role="administrator", subject="directory-admin")
PATHS = {"employee": "/employees", "contact": "/contacts"}


def start_directory_flow(harness, tickets, gateway) -> None:
    """The tickets relay publishes the directory's events; the gateway's worker copies them."""
    harness.start(tickets, [t for t in tickets.tasks() if t.name == "outbox-relay"])
    harness.start(gateway)


def ok(resp, status=200):
    assert resp.status_code == status, resp.get_data(as_text=True)
    return resp.get_json()


class People:
    def __init__(self, tickets, gateway) -> None:
        self.tickets = tickets
        self.gateway = gateway
        self.api = tickets.app.test_client()

    # -- the directory, in the tickets service --
    def employee(self, role: str = "specialist", name: str | None = None) -> str:
        tag = uuid.uuid4().hex[:8]
        body = {"name": name or f"{role} {tag}", "email": f"{role}-{tag}@desk.example", "role": role}
        created = ok(self.api.post("/employees", json=body, headers=DIRECTORY_ADMIN), 201)
        self.wait("employee", created["id"], created["version"])
        return created["id"]

    def company(self) -> str:
        tag = uuid.uuid4().hex[:8]
        return ok(self.api.post("/companies", json={"name": f"Company {tag}"}, headers=DIRECTORY_ADMIN), 201)["id"]

    def contact(self, company_id: str | None = None, portal_access: str = "own") -> str:
        tag = uuid.uuid4().hex[:8]
        body = {
            "name": f"Contact {tag}",
            "emails": [f"contact-{tag}@client.example"],
            "company_id": company_id,
            "portal_access": portal_access,
        }
        created = ok(self.api.post("/contacts", json=body, headers=DIRECTORY_ADMIN), 201)
        self.wait("contact", created["id"], created["version"])
        return created["id"]

    def change(self, kind: str, entry_id: str, **values) -> None:
        changed = ok(self.api.patch(f"{PATHS[kind]}/{entry_id}", json=values, headers=DIRECTORY_ADMIN))
        self.wait(kind, entry_id, changed["version"])

    def switch(self, kind: str, entry_id: str, verb: str) -> None:
        """verb: deactivate or activate"""
        changed = ok(self.api.post(f"{PATHS[kind]}/{entry_id}/{verb}", headers=DIRECTORY_ADMIN))
        self.wait(kind, entry_id, changed["version"])

    # -- the gateway's copy --
    def known(self, kind: str, entry_id: str):
        with self.gateway.db.sessions() as s:
            return (directory.employee if kind == "employee" else directory.contact)(s, entry_id)

    def copied_version(self, kind: str, entry_id: str) -> int | None:
        table = directory_employees if kind == "employee" else directory_contacts
        with self.gateway.db.sessions() as s:
            return s.scalar(table.select().with_only_columns(table.c.version).where(table.c.id == entry_id))

    def wait(self, kind: str, entry_id: str, version: int) -> None:
        wait_for(
            lambda: (self.copied_version(kind, entry_id) or 0) >= version,
            what=f"the gateway's copy of {kind} {entry_id} at version {version}",
        )

    # -- tokens --
    def token(self, role: str = "administrator", subject: str | None = None, **kw):
        """(plaintext, info) of a token acting for a new employee or contact of that role."""
        if subject is None and role in STAFF:
            subject = self.employee(role)
        elif subject is None and role == CONTACT:
            subject = self.contact(self.company(), portal_access="company")
        return token_store(self.gateway).create(f"{role} token", role, subject=subject, **kw)
