"""Directory rows for tests, written straight into the tables (the directory API has tests of its own)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import insert

from relay_tickets.adapters.tables import directory as d

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _stamps() -> dict:
    return {"created_at": NOW, "updated_at": NOW, "version": 1}


def employee(rt, name="Sam Specialist", role="specialist", active=True, email=None) -> str:
    eid = str(uuid.uuid4())
    with rt.db.session() as s:
        s.execute(
            insert(d.employees).values(
                id=eid, name=name, email=email or f"{eid[:8]}@relay.example", role=role, active=active, **_stamps()
            )
        )
    return eid


def group(rt, name=None, members=()) -> str:
    gid = str(uuid.uuid4())
    with rt.db.session() as s:
        s.execute(insert(d.groups).values(id=gid, name=name or f"group {gid[:6]}", **_stamps()))
        for m in members:
            s.execute(insert(d.group_members).values(group_id=gid, employee_id=m))
    return gid


def company(rt, name="Acme", domains=()) -> str:
    cid = str(uuid.uuid4())
    with rt.db.session() as s:
        s.execute(insert(d.companies).values(id=cid, name=name, active=True, **_stamps()))
        for domain in domains:
            s.execute(insert(d.company_domains).values(domain=domain, company_id=cid))
    return cid


def contact(
    rt, company_id=None, name="Anna Petrova", access="own", emails=(), phones=(), service_objects=(), supervised=()
) -> str:
    cid = str(uuid.uuid4())
    with rt.db.session() as s:
        s.execute(
            insert(d.contacts).values(
                id=cid, name=name, company_id=company_id, portal_access=access, active=True, **_stamps()
            )
        )
        for e in emails:
            s.execute(insert(d.contact_emails).values(email=e, contact_id=cid))
        for p in phones:
            s.execute(insert(d.contact_phones).values(contact_id=cid, phone=p))
        for o in service_objects:
            s.execute(insert(d.contact_service_objects).values(contact_id=cid, service_object_id=o))
        for c in supervised:
            s.execute(insert(d.contact_supervised_companies).values(contact_id=cid, company_id=c))
    return cid


def service_object(rt, company_id, name="Main office") -> str:
    oid = str(uuid.uuid4())
    with rt.db.session() as s:
        s.execute(insert(d.service_objects).values(id=oid, company_id=company_id, name=name, active=True, **_stamps()))
    return oid
