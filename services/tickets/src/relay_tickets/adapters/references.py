"""What ticket commands need to know about the directory: does this employee,
group, company, contact or service object exist and is it active, who manages
it, who observes it by default, and what may a contact see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Table, func, select
from sqlalchemy.orm import Session

from relay_tickets.adapters.tables import directory as d
from relay_tickets.domain.access import ContactScope, StaffScope
from relay_tickets.domain.parties import EMPLOYEE, GROUP, Party


@dataclass(frozen=True)
class Ref:
    id: str
    active: bool
    name: str = ""
    company_id: str | None = None
    manager: Party | None = None
    observers: tuple[Party, ...] = ()
    role: str | None = None


def _manager(row) -> Party | None:
    return Party(row.manager_kind, row.manager_id) if row.manager_kind else None


def _observers(session: Session, owner_kind: str, owner_id: str) -> tuple[Party, ...]:
    rows = session.execute(
        select(d.default_observers.c.party_kind, d.default_observers.c.party_id).where(
            d.default_observers.c.owner_kind == owner_kind, d.default_observers.c.owner_id == owner_id
        )
    )
    return tuple(sorted(Party(k, i) for k, i in rows))


class References:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _row(self, table: Table, ident: str) -> Row | None:
        return self.session.execute(select(table).where(table.c.id == ident)).first()

    def _managed(self, r: Row, kind: str, **extra: Any) -> Ref:
        """A company, contact or service object: who manages it and who observes its tickets by default."""
        return Ref(r.id, r.active, r.name, manager=_manager(r), observers=_observers(self.session, kind, r.id), **extra)

    def employee(self, employee_id: str) -> Ref | None:
        r = self._row(d.employees, employee_id)
        return Ref(r.id, r.active, r.name, role=r.role) if r else None

    def group(self, group_id: str) -> Ref | None:
        r = self._row(d.groups, group_id)
        return Ref(r.id, r.active, r.name) if r else None

    def party(self, party: Party) -> Ref | None:
        return (
            self.employee(party.id) if party.kind == EMPLOYEE else self.group(party.id) if party.kind == GROUP else None
        )

    def company(self, company_id: str) -> Ref | None:
        r = self._row(d.companies, company_id)
        return self._managed(r, "company") if r else None

    def contact(self, contact_id: str) -> Ref | None:
        r = self._row(d.contacts, contact_id)
        return self._managed(r, "contact", company_id=r.company_id) if r else None

    def contact_by_email(self, email: str) -> Ref | None:
        contact_id = self.session.scalar(
            select(d.contact_emails.c.contact_id).where(func.lower(d.contact_emails.c.email) == email.strip().lower())
        )
        return self.contact(contact_id) if contact_id else None

    def employee_by_email(self, email: str) -> Ref | None:
        r = self.session.execute(
            select(d.employees).where(func.lower(d.employees.c.email) == email.strip().lower())
        ).first()
        return Ref(r.id, r.active, r.name, role=r.role) if r else None

    def company_by_domain(self, domain: str) -> Ref | None:
        company_id = self.session.scalar(
            select(d.company_domains.c.company_id).where(d.company_domains.c.domain == domain.strip().lower())
        )
        return self.company(company_id) if company_id else None

    def service_object(self, object_id: str) -> Ref | None:
        r = self._row(d.service_objects, object_id)
        return self._managed(r, "service_object", company_id=r.company_id) if r else None

    def staff_scope(self, employee_id: str) -> StaffScope:
        """A specialist's groups: membership counts whether the group is active or not
        (a deactivated group's closed tickets stay its members')."""
        groups = self.session.scalars(
            select(d.group_members.c.group_id).where(d.group_members.c.employee_id == employee_id)
        )
        return StaffScope(employee_id, frozenset(groups))

    def contact_scope(self, contact_id: str) -> ContactScope | None:
        r = self._row(d.contacts, contact_id)
        if r is None or not r.active:
            return None
        objects = frozenset(
            self.session.scalars(
                select(d.contact_service_objects.c.service_object_id).where(
                    d.contact_service_objects.c.contact_id == contact_id
                )
            )
        )
        supervised = frozenset(
            self.session.scalars(
                select(d.contact_supervised_companies.c.company_id).where(
                    d.contact_supervised_companies.c.contact_id == contact_id
                )
            )
        )
        return ContactScope(r.id, r.company_id, r.portal_access, objects, supervised)
