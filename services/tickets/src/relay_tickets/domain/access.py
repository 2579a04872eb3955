"""Who may see which ticket. Staff see every ticket; a contact sees, never an
internal one, only the tickets their portal access level opens to them."""

from __future__ import annotations

from dataclasses import dataclass, field

from relay_tickets.domain.parties import CONTACT as CONTACT_PARTY
from relay_tickets.domain.parties import EMPLOYEE, Actor
from relay_tickets.domain.parties import SYSTEM as SYSTEM_PARTY
from relaykit.errors import Forbidden, NotFound
from relaykit.identity import CONTACT, STAFF, SYSTEM, Identity

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
class Viewer:
    identity: Identity
    scope: ContactScope | None = None  # for contacts

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
    def actor(self) -> Actor:
        ident = self.identity
        if self.is_contact:
            return Actor(CONTACT_PARTY, ident.subject, ident.channel or "portal", ident.name, ident.role)
        if ident.role == SYSTEM:
            return Actor(SYSTEM_PARTY, ident.subject, ident.channel or "api", ident.name, ident.role)
        return Actor(EMPLOYEE, ident.subject, ident.channel or "agent", ident.name, ident.role)

    def can_see(self, ticket) -> bool:
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
        """Invisible tickets are answered as missing: a contact learns nothing of others'."""
        if ticket is None or not self.can_see(ticket):
            raise NotFound(f"there is no ticket #{number}", field="number")
