"""Who may read a ticket's SLA, by the tickets service's rule: administrators and lead
specialists every ticket's; a specialist only a ticket they are responsible for, observe,
or registered, or whose responsible or observing group they are in.

What the rule needs is copied from the messages this service consumes (never from the
tickets service's database): each ticket's responsible and observers from the snapshots
of ticket.created, ticket.assigned and ticket.merged (nothing else changes them), its author from
ticket.created's actor, each employee's groups from employee.changed. A ticket this service has no copy for is, to a
specialist, unknown (the same 404 as one it never heard of).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from relay_sla.adapters.orm import staff_groups, ticket_access
from relaykit.errors import NotFound
from relaykit.identity import ADMINISTRATOR, LEAD_SPECIALIST, SPECIALIST, Identity
from relaykit.service import Runtime

EMPLOYEE, GROUP = "employee", "group"
SEE_EVERY_TICKET = frozenset({ADMINISTRATOR, LEAD_SPECIALIST})


def _statements(dialect) -> tuple[Any, Any]:
    """(from ticket.created, from a later event); built once, per dialect (ticket.created's
    is on the hot path of every new ticket)."""
    insert = dialect.insert(ticket_access).values(
        ticket_id=bindparam("ticket_id"),
        responsible_kind=bindparam("responsible_kind"),
        responsible_id=bindparam("responsible_id"),
        observers=bindparam("observers", type_=ticket_access.c.observers.type),
        created_by=bindparam("created_by"),
        version=bindparam("version"),
    )
    keys, now = [ticket_access.c.ticket_id], insert.excluded
    # They come on two queues, in any order: the people of the newest snapshot stand,
    # and the author is only ticket.created's to tell.
    created = insert.on_conflict_do_update(index_elements=keys, set_={"created_by": now.created_by})
    assigned = insert.on_conflict_do_update(
        index_elements=keys,
        set_={
            "responsible_kind": now.responsible_kind,
            "responsible_id": now.responsible_id,
            "observers": now.observers,
            "version": now.version,
        },
        where=ticket_access.c.version < now.version,
    )
    return created, assigned


_RECORD = {pg: _statements(dialect) for pg, dialect in ((False, sqlite), (True, postgresql))}


def record_ticket(session: Session, doc: dict[str, Any], *, registered_by: dict[str, Any] | None = None) -> None:
    """Keep who a ticket's snapshot names: from ticket.created (`registered_by`: its actor)
    and from every ticket.assigned and ticket.merged, the only changes of a ticket's people."""
    responsible = doc.get("responsible") or {}
    params = {
        "ticket_id": doc["id"],
        "responsible_kind": responsible.get("kind"),
        "responsible_id": responsible.get("id"),
        "observers": [{"kind": o["kind"], "id": o["id"]} for o in doc.get("observers") or ()],
        "created_by": None,
        "version": doc["version"],
    }
    created, assigned = _RECORD[session.get_bind().dialect.name == "postgresql"]
    if registered_by is not None:
        if registered_by.get("kind") == EMPLOYEE:
            params["created_by"] = registered_by.get("id")
        session.execute(created, params)
    else:
        session.execute(assigned, params)


def record_groups(session: Session, employee: dict[str, Any]) -> None:
    """An employee's groups, as employee.changed says (ordered per employee)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    values = {"group_ids": sorted(employee.get("groups") or ())}
    statement = dialect.insert(staff_groups).values(employee_id=employee["id"], **values)
    session.execute(statement.on_conflict_do_update(index_elements=[staff_groups.c.employee_id], set_=values))


def _groups(session: Session, employee_id: str) -> set[str]:
    found = session.scalar(select(staff_groups.c.group_ids).where(staff_groups.c.employee_id == employee_id))
    return set(found or ())


def _reaches(row, employee_id: str, groups: set[str]) -> bool:
    def party(kind: str | None, party_id: str | None) -> bool:
        return (kind == EMPLOYEE and party_id == employee_id) or (kind == GROUP and party_id in groups)

    if party(row.responsible_kind, row.responsible_id) or row.created_by == employee_id:
        return True
    return any(party(o.get("kind"), o.get("id")) for o in row.observers or ())


def readable(session: Session, who: Identity, ticket_ids: list[str]) -> set[str]:
    """Which of these tickets' SLA `who` may read."""
    if who.role in SEE_EVERY_TICKET:
        return set(ticket_ids)
    if who.role != SPECIALIST or not ticket_ids:
        return set()
    groups = _groups(session, who.subject)
    rows = session.execute(select(ticket_access).where(ticket_access.c.ticket_id.in_(ticket_ids)))
    return {r.ticket_id for r in rows if _reaches(r, who.subject, groups)}


def check_readable(runtime: Runtime, who: Identity, ticket_id: str) -> None:
    """A ticket out of the caller's sight is answered as one this service does not know."""
    if who.role in SEE_EVERY_TICKET:
        return
    with runtime.db.reading() as s:
        if ticket_id not in readable(s, who, [ticket_id]):
            raise NotFound(f"the SLA service does not know ticket {ticket_id}")
