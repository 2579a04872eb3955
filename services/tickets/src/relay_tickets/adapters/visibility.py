"""The Viewer's rule as SQL: which ticket rows a caller may list, and which client
directory entries a specialist reaches through them."""

from __future__ import annotations

from sqlalchemy import Table, and_, any_, exists, false, func, or_, select, true, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from relay_tickets.adapters.tables.directory import companies, contacts, service_objects
from relay_tickets.adapters.tables.tickets import ticket_observers, tickets
from relay_tickets.domain.access import StaffScope, Viewer
from relay_tickets.domain.parties import CONTACT, EMPLOYEE, GROUP


def visible_to(viewer: Viewer) -> ColumnElement[bool]:
    """A test of each ticket row (lists of many use specialist_arms on PostgreSQL)."""
    if viewer.is_specialist:
        return reached_by(viewer.staff_scope)
    if not viewer.is_contact:
        return true()
    s = viewer.scope
    if s is None:
        return false()
    mine = and_(tickets.c.contact_kind == "contact", tickets.c.contact_id == s.contact_id)
    allowed = [mine]
    if s.access in ("company", "supervised") and s.company_id:
        allowed.append(tickets.c.company_id == s.company_id)
    if s.access == "supervised" and s.supervised_company_ids:
        allowed.append(tickets.c.company_id.in_(sorted(s.supervised_company_ids)))
    if s.access == "service_objects" and s.service_object_ids:
        allowed.append(tickets.c.service_object_id.in_(sorted(s.service_object_ids)))
    return and_(tickets.c.internal.is_(False), or_(*allowed))


def _observing(s: StaffScope) -> ColumnElement[bool]:
    o = ticket_observers.c
    observing = [and_(o.kind == EMPLOYEE, o.party_id == s.employee_id)]
    if s.group_ids:
        observing.append(and_(o.kind == GROUP, o.party_id.in_(sorted(s.group_ids))))
    return or_(*observing)


def _own_arms(s: StaffScope) -> list[ColumnElement[bool]]:
    t = tickets.c
    arms = [and_(t.responsible_kind == EMPLOYEE, t.responsible_id == s.employee_id)]
    if s.group_ids:
        arms.append(and_(t.responsible_kind == GROUP, t.responsible_id.in_(sorted(s.group_ids))))
    arms.append(and_(t.created_by_kind == EMPLOYEE, t.created_by_id == s.employee_id))
    return arms


def reached_by(s: StaffScope) -> ColumnElement[bool]:
    """Responsible (the person or one of their groups), author, or observer (likewise),
    as one test of a ticket row: the observers an EXISTS probing their primary key."""
    o = ticket_observers.c
    return or_(*_own_arms(s), exists().where(o.ticket_id == tickets.c.id, _observing(s)))


# Up to this many observed tickets, a list gathers them by id (see specialist_arms).
OBSERVED_GATHERED_MAX = 1000


def specialist_arms(viewer: Viewer, session: Session | None = None) -> list[ColumnElement[bool]] | None:
    """The specialist's rule as separate conditions whose union is what they see, each
    gathered from an index (ix_tickets_responsible, ix_tickets_created_by, and the
    observed tickets by id); None for anyone else, and (given a session) for a
    specialist who with their groups observes more than OBSERVED_GATHERED_MAX tickets.

    PostgreSQL cannot gather an OR from indexes when an arm is a subquery: it hashes
    the subquery and walks the tickets in the list's order testing each. Right for a
    busy specialist, whose first page is near (9 ms on 1,000,000 tickets for one who
    sees 7 % of them), but one who sees few has the whole table read to find them
    (1.1 s for one who sees none). A list asks each arm for its own first page instead
    (ticket_queries), each planned on what the statistics say of it alone. The observed
    tickets are fetched by id and sorted (ARRAY(...)); as a join, PostgreSQL may walk
    every ticket probing the observers instead. Past OBSERVED_GATHERED_MAX that fetch
    costs more than the walk of the single OR, which then finds its page soon."""
    if not viewer.is_specialist:
        return None
    s = viewer.staff_scope
    observed = select(ticket_observers.c.ticket_id).where(_observing(s))
    if session is None or session.get_bind().dialect.name != "postgresql":
        return [*_own_arms(s), tickets.c.id.in_(observed)]
    some = observed.limit(OBSERVED_GATHERED_MAX + 1).subquery()
    if session.scalar(select(func.count()).select_from(some)) > OBSERVED_GATHERED_MAX:
        return None
    return [*_own_arms(s), tickets.c.id == any_(func.array(observed.scalar_subquery()))]


# A client directory entry and the ticket column that points at it.
_REFERENCES: dict[str, tuple[Table, ColumnElement[bool] | None, str]] = {
    "company": (companies, None, "company_id"),
    "contact": (contacts, tickets.c.contact_kind == CONTACT, "contact_id"),
    "service_object": (service_objects, None, "service_object_id"),
}


def reached_entries(viewer: Viewer, kind: str, session: Session | None = None) -> ColumnElement[bool] | None:
    """The entries of `kind` (company, contact, service_object) some ticket the viewer
    may see points at; None when the viewer is not limited to them.

    A specialist who sees few tickets: the entries their tickets point at, gathered
    arm by arm (specialist_arms). One who observes many (and so sees many): each entry
    in name order is tested for a ticket of theirs, and the page fills soon."""
    if not viewer.is_specialist or kind not in _REFERENCES:
        return None
    table, extra, column = _REFERENCES[kind]
    where = [] if extra is None else [extra]
    arms = specialist_arms(viewer, session)
    if arms is None:
        return exists().where(tickets.c[column] == table.c.id, visible_to(viewer), *where)
    return table.c.id.in_(union_all(*(select(tickets.c[column]).where(arm, *where) for arm in arms)))


def reaches_entry(viewer: Viewer, kind: str, entry_id: str) -> ColumnElement[bool]:
    """Does a ticket the viewer may see point at this entry? (A one-entry EXISTS: the
    entry's tickets come from its index, each tested.)"""
    _, extra, column = _REFERENCES[kind]
    where = [tickets.c[column] == entry_id, visible_to(viewer)]
    if extra is not None:
        where.append(extra)
    return exists().where(*where)
