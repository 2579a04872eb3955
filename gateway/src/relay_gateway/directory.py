"""The gateway's copy of who may sign in, kept from the tickets service's
employee.changed and contact.changed events (the gateway never reads another
service's tables).

The consumer is ordered by aggregate sequence (the entry's version), and the copy
compares versions too, so a repeated, late or replayed message never overwrites a
newer entry. A deactivation revokes the person's tokens in the same transaction as
the copy's change: a token that was ended stays ended if the person comes back
(they get a new one), and its record says why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, event, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from relay_gateway.tables import api_tokens, directory_contacts, directory_employees, sessions
from relaykit.bus import Message
from relaykit.bus.consumer import ConsumerSpec
from relaykit.identity import ADMINISTRATOR, CONTACT, LEAD_SPECIALIST, SPECIALIST, STAFF

# A token never acts above its employee: the lower of the two ranks wins.
STAFF_RANK = {SPECIALIST: 1, LEAD_SPECIALIST: 2, ADMINISTRATOR: 3}
# The portal access levels that let a contact in (contact.changed v1 `portal_access`);
# any other value, present or future, keeps the contact out.
PORTAL_LEVELS = frozenset({"own", "company", "service_objects", "supervised"})


def lower_role(a: str, b: str) -> str:
    return a if STAFF_RANK[a] <= STAFF_RANK[b] else b


@dataclass(frozen=True)
class Employee:
    id: str
    name: str
    role: str
    active: bool
    email: str | None = None


@dataclass(frozen=True)
class Contact:
    id: str
    name: str
    company_id: str | None
    portal_access: str
    active: bool

    @property
    def may_use_portal(self) -> bool:
        return self.active and self.portal_access in PORTAL_LEVELS


def employee(session: Session, employee_id: str) -> Employee | None:
    t = directory_employees
    row = session.execute(
        select(t.c.id, t.c.name, t.c.role, t.c.active, t.c.email).where(t.c.id == employee_id)
    ).first()
    return Employee(row.id, row.name, row.role, row.active, row.email) if row else None


def employee_by_email(session: Session, email: str) -> Employee | None:
    """The employee who signs in with `email` (compared lower-cased); an active one
    first should two entries ever share an address."""
    t = directory_employees
    row = session.execute(
        select(t.c.id, t.c.name, t.c.role, t.c.active, t.c.email)
        .where(t.c.email == email.strip().lower())
        .order_by(t.c.active.desc())
        .limit(1)
    ).first()
    return Employee(row.id, row.name, row.role, row.active, row.email) if row else None


def contact(session: Session, contact_id: str) -> Contact | None:
    t = directory_contacts
    row = session.execute(
        select(t.c.id, t.c.name, t.c.company_id, t.c.portal_access, t.c.active).where(t.c.id == contact_id)
    ).first()
    return Contact(row.id, row.name, row.company_id, row.portal_access, row.active) if row else None


def names(session: Session, employee_ids: set[str], contact_ids: set[str]) -> dict[tuple[str, str], tuple[str, bool]]:
    """(kind, id) -> (name, active) for the ids the copy knows."""
    found: dict[tuple[str, str], tuple[str, bool]] = {}
    wanted = (("employee", directory_employees, employee_ids), ("contact", directory_contacts, contact_ids))
    for kind, table, ids in wanted:
        if ids:
            rows = session.execute(select(table.c.id, table.c.name, table.c.active).where(table.c.id.in_(ids)))
            found |= {(kind, r.id): (r.name, r.active) for r in rows}
    return found


def _apply(session: Session, table: Table, values: dict[str, Any]) -> bool:
    """Insert or update the entry unless the copy already holds this version or a newer one."""
    current = session.scalar(select(table.c.version).where(table.c.id == values["id"]))
    if current is None:
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        # RETURNING, not rowcount: psycopg reports -1 for INSERT .. ON CONFLICT.
        stmt = dialect.insert(table).values(**values).on_conflict_do_nothing().returning(table.c.id)
        return session.execute(stmt).first() is not None
    if values["version"] <= current:
        return False
    session.execute(update(table).where(table.c.id == values["id"]).values(**values))
    return True


def _end_tokens(session: Session, subject: str, roles: frozenset[str], reason: str) -> None:
    session.execute(
        update(api_tokens)
        .where(api_tokens.c.subject == subject, api_tokens.c.role.in_(roles), api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC), revoked_reason=reason)
    )


def employee_changed(session: Session, message: Message) -> bool:
    e = message.data["employee"]
    values = {
        "id": e["id"],
        "name": e["name"],
        "role": e["role"],
        "active": e["active"],
        "version": e["version"],
        "updated_at": datetime.fromisoformat(e["updated_at"]),
        "email": (e.get("email") or "").strip().lower() or None,
    }
    applied = _apply(session, directory_employees, values)
    if not applied and values["email"]:
        # A copy made before it kept emails: the re-announcement at the tickets worker's
        # start carries a version the copy holds, and only fills the address in.
        t = directory_employees
        session.execute(
            update(t)
            .where(t.c.id == e["id"], t.c.version == e["version"], t.c.email.is_(None))
            .values(email=values["email"])
        )
    if applied and not e["active"]:
        _end_tokens(session, e["id"], STAFF, "employee deactivated")
        session.execute(
            update(sessions)
            .where(sessions.c.employee_id == e["id"], sessions.c.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC))
        )
    return applied


def contact_changed(session: Session, message: Message) -> bool:
    c = message.data["contact"]
    values = {
        "id": c["id"],
        "name": c["name"],
        "company_id": c["company_id"],
        "portal_access": c["portal_access"],
        "active": c["active"],
        "version": c["version"],
        "updated_at": datetime.fromisoformat(c["updated_at"]),
    }
    applied = _apply(session, directory_contacts, values)
    if applied and not c["active"]:
        _end_tokens(session, c["id"], frozenset({CONTACT}), "contact deactivated")
    return applied


def consumers(on_change: Callable[[], None]) -> list[ConsumerSpec]:
    """`on_change` runs after the commit that changed the copy (the token cache drops
    what it resolved), so a deactivation is felt at once in this process and within
    the cache time in the others."""

    def handler(apply: Callable[[Session, Message], bool]) -> Callable[[Session, Message], None]:
        def handle(session: Session, message: Message) -> None:
            if apply(session, message):
                event.listen(session, "after_commit", lambda _s: on_change(), once=True)

        return handle

    return [
        ConsumerSpec(
            "directory",
            {"employee.changed": handler(employee_changed), "contact.changed": handler(contact_changed)},
            ordered=True,
        )
    ]
