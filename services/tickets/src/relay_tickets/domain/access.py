"""Who may see which ticket.

Administrators, lead specialists and the system see every ticket. A specialist sees
the tickets they answer for (responsible), observe, or registered themselves, and
those their groups answer for or observe (StaffScope). A contact sees, never an
internal one, only the tickets their portal access level opens to them. The same
rule runs as SQL in adapters/visibility.py for lists."""

from __future__ import annotations

from dataclasses import dataclass, field

from relay_tickets.domain.parties import CONTACT as CONTACT_PARTY
from relay_tickets.domain.parties import EMPLOYEE, GROUP, Actor
from relay_tickets.domain.parties import SYSTEM as SYSTEM_PARTY
from relaykit.errors import Forbidden, NotFound
from relaykit.identity import CONTACT, SPECIALIST, STAFF, SYSTEM, Identity

ACCESS_LEVELS = ("own", "company", "service_objects", "supervised")


@dataclass(frozen=True)
class ContactScope:
    """What a contact may see in the portal."""

    contact_id: str
    company_id: str | None
    access: str  # one of ACCESS_LEVELS
    service_object_ids: frozenset[str] = field(default_factory=frozenset)
    supervised_company_ids: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class StaffScope:
    """What a specialist may see: who they are and the groups they are in."""

    employee_id: str
    group_ids: frozenset[str] = field(default_factory=frozenset)

    def is_party(self, kind: str | None, party_id: str | None) -> bool:
        if kind == EMPLOYEE:
            return party_id == self.employee_id
        return kind == GROUP and party_id in self.group_ids

    def reaches(self, ticket) -> bool:
        if self.is_party(ticket.responsible_kind, ticket.responsible_id):
            return True
        if ticket.created_by_kind == EMPLOYEE and ticket.created_by_id == self.employee_id:
            return True
        return any(self.is_party(o.kind, o.party_id) for o in ticket.observers)


@dataclass(frozen=True)
class Viewer:
    identity: Identity
    scope: ContactScope | None = None  # for contacts
    # For specialists; without it (code acting for one) only their own tickets, no group's.
    staff: StaffScope | None = None

    @property
    def role(self) -> str:
        return self.identity.role

    @property
    def is_contact(self) -> bool:
        return self.identity.role == CONTACT

    @property
    def is_staff(self) -> bool:
        return self.identity.role in STAFF

    @property
    def is_specialist(self) -> bool:
        return self.identity.role == SPECIALIST

    @property
    def sees_every_ticket(self) -> bool:
        """Administrators, lead specialists and the system: no ticket is out of their sight."""
        return not (self.is_contact or self.is_specialist)

    @property
    def staff_scope(self) -> StaffScope:
        return self.staff or StaffScope(self.identity.subject)

    @property
    def actor(self) -> Actor:
        ident = self.identity
        if self.is_contact:
            return Actor(CONTACT_PARTY, ident.subject, ident.channel or "portal", ident.name, ident.role)
        if ident.role == SYSTEM:
            return Actor(SYSTEM_PARTY, ident.subject, ident.channel or "api", ident.name, ident.role)
        return Actor(EMPLOYEE, ident.subject, ident.channel or "agent", ident.name, ident.role)

    def can_see(self, ticket) -> bool:
        if self.is_specialist:
            return self.staff_scope.reaches(ticket)
        if not self.is_contact:
            return True
        s = self.scope
        if s is None or ticket.internal:
            return False
        if ticket.contact_kind == CONTACT_PARTY and ticket.contact_id == s.contact_id:
            return True
        if s.access in ("company", "supervised") and s.company_id and ticket.company_id == s.company_id:
            return True
        if s.access == "supervised" and ticket.company_id in s.supervised_company_ids:
            return True
        return s.access == "service_objects" and ticket.service_object_id in s.service_object_ids

    def require_staff(self, what: str) -> None:
        if not (self.is_staff or self.identity.role == SYSTEM):
            raise Forbidden(f"only staff may {what}")

    def check_visible(self, ticket, number: int) -> None:
        """Invisible tickets are answered as missing: a contact or a specialist learns nothing of others'."""
        if ticket is None or not self.can_see(ticket):
            raise NotFound(f"there is no ticket #{number}", field="number")
