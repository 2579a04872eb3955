"""Use cases on tickets: register, read, edit, move along the lifecycle, assign.

Each runs in one unit of work: the ticket, its history and the events it raised
commit together. References to the directory are checked here (the domain
only knows ids); visibility is the Viewer's business.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm.exc import StaleDataError

from relay_tickets.domain.access import ContactScope, Viewer
from relay_tickets.domain.catalog import TypeSchema
from relay_tickets.domain.lifecycle import CLOSED, OPENED, RESOLVED
from relay_tickets.domain.parties import CONTACT, EMPLOYEE, Party
from relay_tickets.domain.ticket import UNSET, ContactRef, Ticket
from relay_tickets.service_layer.unit_of_work import TicketsUnitOfWork, settings_store
from relaykit import idempotency
from relaykit.errors import Conflict, Forbidden, InvalidInput, NotFound
from relaykit.identity import SYSTEM


def _now(uow: TicketsUnitOfWork) -> datetime:
    return uow.runtime.clock.now()


# -- checking references -----------------------------------------------------------
def check_party(uow: TicketsUnitOfWork, party: Party | None, field_name: str, *, responsible: bool = False) -> None:
    if party is None:
        return
    ref = uow.refs.party(party)
    if ref is None:
        raise InvalidInput(f"there is no {party.kind} {party.id}", field=f"{field_name}.id")
    if responsible and not ref.active:
        raise InvalidInput(f"{ref.name} is not active and cannot be made responsible", field=f"{field_name}.id")


def resolve_client(
    uow: TicketsUnitOfWork,
    company_id: str | None,
    contact: ContactRef | None,
    service_object_id: str | None,
) -> tuple[str | None, ContactRef | None, str | None]:
    """Check the client references and fill the company from the contact or the service object."""
    if contact is not None:
        if contact.kind == CONTACT:
            ref = uow.refs.contact(contact.id)
            if ref is None or not ref.active:
                raise InvalidInput(f"there is no active contact {contact.id}", field="contact.id")
            if company_id is None:
                company_id = ref.company_id
            elif ref.company_id not in (None, company_id):
                raise InvalidInput("the contact belongs to another company", field="contact.id")
        elif contact.kind == EMPLOYEE:
            if uow.refs.employee(contact.id) is None:
                raise InvalidInput(f"there is no employee {contact.id}", field="contact.id")
        else:
            raise InvalidInput("a ticket's contact is a contact or an employee", field="contact.kind")
    if service_object_id is not None:
        obj = uow.refs.service_object(service_object_id)
        if obj is None:
            raise InvalidInput(f"there is no service object {service_object_id}", field="service_object_id")
        if company_id is None:
            company_id = obj.company_id
        elif obj.company_id != company_id:
            raise InvalidInput("the service object belongs to another company", field="service_object_id")
    if company_id is not None:
        company = uow.refs.company(company_id)
        if company is None:
            raise InvalidInput(f"there is no company {company_id}", field="company_id")
    return company_id, contact, service_object_id


def check_parent(uow: TicketsUnitOfWork, parent_id: str | None, viewer: Viewer) -> None:
    """A parent the caller may not read is answered as one that does not exist."""
    if parent_id is None:
        return
    parent = uow.tickets.get_by_id(parent_id)
    if parent is None or not viewer.can_see(parent):
        raise InvalidInput(f"there is no ticket {parent_id}", field="parent_id")


def _check_own_client(cmd: CreateTicket, scope: ContactScope) -> None:
    """A customer registers tickets as themselves, for their company, about their service
    objects: any other reference is answered as one that does not exist (as for staff)."""
    if cmd.contact is not None and cmd.contact != ContactRef(CONTACT, scope.contact_id):
        missing = "active contact" if cmd.contact.kind == CONTACT else cmd.contact.kind
        raise InvalidInput(f"there is no {missing} {cmd.contact.id}", field="contact.id")
    if cmd.company_id is not None and cmd.company_id != scope.company_id:
        raise InvalidInput(f"there is no company {cmd.company_id}", field="company_id")
    if cmd.service_object_id is not None and cmd.service_object_id not in scope.service_object_ids:
        raise InvalidInput(f"there is no service object {cmd.service_object_id}", field="service_object_id")


def _check_if_match(ticket: Ticket, if_match: int | None) -> None:
    if if_match is not None and if_match != ticket.version:
        raise Conflict(
            f"the ticket changed since version {if_match} (it is at {ticket.version}); reload and retry",
            field="If-Match",
            current_version=ticket.version,
        )


def _commit(uow: TicketsUnitOfWork) -> None:
    try:
        uow.commit()
    except StaleDataError:
        raise Conflict("the ticket was changed by someone else meanwhile; reload and retry", field="version") from None


def _load(uow: TicketsUnitOfWork, number: int, viewer: Viewer) -> Ticket:
    ticket = uow.tickets.get(number)
    viewer.check_visible(ticket, number)
    return ticket


def _load_by_id_or_number(uow: TicketsUnitOfWork, ticket_id: str | None, number: int, viewer: Viewer) -> Ticket:
    """Commands from other services name the ticket by id; callers of the API, by a number they can see."""
    if ticket_id is None:
        return _load(uow, number, viewer)
    ticket = uow.tickets.get_by_id(ticket_id)
    if ticket is None:
        raise NotFound(f"there is no ticket {ticket_id}", field="ticket_id")
    return ticket


# -- registering ----------------------------------------------------------------------
@dataclass(frozen=True)
class CreateTicket:
    subject: str
    description: str = ""
    type: str | None = None
    priority: str | None = None
    channel: str | None = None
    company_id: str | None = None
    contact: ContactRef | None = None
    service_object_id: str | None = None
    responsible: Party | None = None
    observers: tuple[Party, ...] = ()
    attributes: dict[str, Any] = field(default_factory=dict)
    parent_id: str | None = None
    planned_reaction_at: datetime | None = None
    planned_resolution_at: datetime | None = None
    id: str | None = None  # chosen by a command's sender


def _without_required(schema: TypeSchema) -> TypeSchema:
    """Machines (mail intake, integrations) cannot fill in forms: the attributes are
    checked by kind, and an agent completes the required ones later."""
    return TypeSchema(schema.type, tuple(replace(a, required=False) for a in schema.attributes), schema.hidden)


def create_ticket(
    runtime,
    cmd: CreateTicket,
    viewer: Viewer,
    *,
    idempotency_key: str | None = None,
    session=None,
    link_from: str | None = None,
) -> tuple[Ticket, bool]:
    """Returns the ticket and whether it is new (False: an idempotent repeat)."""
    with TicketsUnitOfWork(runtime, session) as uow:
        scope = f"tickets.create:{viewer.identity.subject}"
        req_hash = idempotency.request_hash(cmd)
        if idempotency_key:
            done = idempotency.recall(uow.session, scope, idempotency_key, req_hash)
            if done:
                return uow.tickets.get_by_id(done), False
        if cmd.id and uow.tickets.exists(cmd.id):
            return uow.tickets.get_by_id(cmd.id), False
        config = uow.config
        schema = config.type_schema(cmd.type)
        actor = viewer.actor
        contact, company_id, service_object_id = cmd.contact, cmd.company_id, cmd.service_object_id
        if viewer.is_contact:
            if schema.type.internal:
                raise InvalidInput(f"unknown ticket type {schema.type.key!r}", field="type")
            if cmd.responsible or cmd.observers or cmd.planned_reaction_at or cmd.planned_resolution_at:
                raise Forbidden("customers do not choose the responsible, observers or deadlines")
            scope_ = viewer.scope
            if scope_ is None:
                raise Forbidden("this contact cannot create tickets")
            _check_own_client(cmd, scope_)
            contact = ContactRef(CONTACT, scope_.contact_id)
            company_id = scope_.company_id
        elif viewer.identity.role == SYSTEM:
            schema = _without_required(schema)
        # Each fills only the attributes shown to them (and only those can be required of them).
        schema = schema.for_role(viewer.role)
        company_id, contact, service_object_id = resolve_client(uow, company_id, contact, service_object_id)
        check_party(uow, cmd.responsible, "responsible", responsible=True)
        for i, p in enumerate(cmd.observers):
            check_party(uow, p, f"observers.{i}")
        check_parent(uow, cmd.parent_id, viewer)
        channel = cmd.channel or actor.channel
        if viewer.is_contact:
            channel = "portal"
        now = _now(uow)
        ticket = Ticket.register(
            id=cmd.id or str(uuid.uuid4()),
            number=uow.tickets.next_number(),
            subject=cmd.subject,
            description=cmd.description,
            type_schema=schema,
            priority=config.priority(cmd.priority),
            channel=channel,
            actor=replace(actor, channel=channel),
            now=now,
            company_id=company_id,
            contact=contact,
            service_object_id=service_object_id,
            responsible=cmd.responsible,
            observers=list(cmd.observers),
            attributes=cmd.attributes,
            parent_id=cmd.parent_id,
            planned_reaction_at=cmd.planned_reaction_at,
            planned_resolution_at=cmd.planned_resolution_at,
        )
        uow.tickets.add(ticket)
        if link_from:
            uow.tickets.link(ticket.id, link_from, "follow_up")
        if idempotency_key:
            idempotency.remember(uow.session, scope, idempotency_key, req_hash, ticket.id)
        _commit(uow)
        return ticket, True


# -- reading -----------------------------------------------------------------------------
def get_ticket(runtime, number: int, viewer: Viewer) -> Ticket:
    with TicketsUnitOfWork(runtime, read_only=True) as uow:
        return _load(uow, number, viewer)


def get_ticket_with_links(runtime, number: int, viewer: Viewer) -> tuple[Ticket, list[dict]]:
    """The ticket and the tickets it is linked to (follow-ups) that the caller may see, in one transaction."""
    with TicketsUnitOfWork(runtime, read_only=True) as uow:
        ticket = _load(uow, number, viewer)
        links = uow.tickets.links(ticket.id)
        if not viewer.sees_every_ticket:
            links = [link for link in links if viewer.can_see(uow.tickets.get_by_id(link["ticket_id"]))]
        return ticket, links


# -- editing ------------------------------------------------------------------------------
EDITABLE = (
    "subject",
    "description",
    "type",
    "priority",
    "company_id",
    "contact",
    "service_object_id",
    "attributes",
    "parent_id",
    "planned_reaction_at",
    "planned_resolution_at",
)


def edit_ticket(
    runtime, number: int, changes: dict[str, Any], viewer: Viewer, *, if_match: int | None = None, session=None
) -> Ticket:
    viewer.require_staff("edit tickets")
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise InvalidInput(f"{sorted(unknown)[0]} cannot be edited here", field=sorted(unknown)[0])
    with TicketsUnitOfWork(runtime, session) as uow:
        ticket = _load(uow, number, viewer)
        _check_if_match(ticket, if_match)
        config = uow.config
        actor, now = viewer.actor, _now(uow)
        kwargs: dict[str, Any] = {}
        for name in ("subject", "description", "parent_id", "attributes"):
            if name in changes:
                kwargs[name] = changes[name]
        check_parent(uow, kwargs.get("parent_id"), viewer)
        if "type" in changes:
            kwargs["type_schema"] = config.type_schema(changes["type"]).for_role(viewer.role)
        if "priority" in changes:
            kwargs["priority"] = config.priority(changes["priority"])
        if {"company_id", "contact", "service_object_id"} & set(changes):
            company_id = changes.get("company_id", ticket.company_id)
            contact = changes.get("contact", ticket.contact)
            service_object_id = changes.get("service_object_id", ticket.service_object_id)
            company_id, contact, service_object_id = resolve_client(uow, company_id, contact, service_object_id)
            kwargs.update(company_id=company_id, contact=contact, service_object_id=service_object_id)
        if kwargs:
            ticket.edit(actor, now, current_schema=config.type_schema(ticket.type).for_role(viewer.role), **kwargs)
        if "planned_reaction_at" in changes or "planned_resolution_at" in changes:
            ticket.set_planned_times(
                actor,
                now,
                reaction_at=changes.get("planned_reaction_at", ticket.planned_reaction_at),
                resolution_at=changes.get("planned_resolution_at", ticket.planned_resolution_at),
                source="manual",
            )
        _commit(uow)
        return ticket


# -- status -----------------------------------------------------------------------------------
CONTACT_MOVES = {(RESOLVED, CLOSED), (RESOLVED, OPENED)}  # confirm, reopen


def change_status(
    runtime,
    number: int,
    target: str,
    viewer: Viewer,
    *,
    until: datetime | None = None,
    if_match: int | None = None,
    session=None,
) -> Ticket:
    with TicketsUnitOfWork(runtime, session) as uow:
        ticket = _load(uow, number, viewer)
        _check_if_match(ticket, if_match)
        config = uow.config
        config.status(target)
        if viewer.is_contact and (ticket.status, target) not in CONTACT_MOVES:
            raise Forbidden("customers confirm (closed) or reopen (opened) a resolved ticket; nothing else")
        ticket.change_status(
            target,
            viewer.actor,
            _now(uow),
            lifecycle=config.lifecycle(ticket.type),
            statuses=config.statuses,
            until=until,
        )
        _commit(uow)
        return ticket


def allowed_statuses(runtime, ticket: Ticket) -> list[str]:
    config = settings_store(runtime).current()
    return sorted(config.lifecycle(ticket.type).allowed_from(ticket.status))


# -- assignment --------------------------------------------------------------------------------
def assign(
    runtime,
    number: int | None,
    viewer: Viewer,
    *,
    responsible: Party | None = UNSET,
    add_observers: tuple[Party, ...] = (),
    remove_observers: tuple[Party, ...] = (),
    if_match: int | None = None,
    ticket_id: str | None = None,
    session=None,
) -> Ticket:
    viewer.require_staff("assign tickets")
    with TicketsUnitOfWork(runtime, session) as uow:
        ticket = _load_by_id_or_number(uow, ticket_id, number, viewer)
        _check_if_match(ticket, if_match)
        if responsible is not UNSET:
            check_party(uow, responsible, "responsible", responsible=True)
        for i, p in enumerate(add_observers):
            check_party(uow, p, f"add_observers.{i}")
        ticket.assign(
            viewer.actor,
            _now(uow),
            responsible=responsible,
            add_observers=list(add_observers),
            remove_observers=list(remove_observers),
        )
        _commit(uow)
        return ticket


# -- deadlines from the SLA service --------------------------------------------------------------
def set_planned_times(
    runtime,
    ticket_id: str,
    viewer: Viewer,
    *,
    reaction_at: datetime | None,
    resolution_at: datetime | None,
    rule: str | None,
    session=None,
) -> Ticket:
    with TicketsUnitOfWork(runtime, session) as uow:
        ticket = uow.tickets.get_by_id(ticket_id)
        if ticket is None:
            raise NotFound(f"there is no ticket {ticket_id}", field="ticket_id")
        ticket.set_planned_times(
            viewer.actor, _now(uow), reaction_at=reaction_at, resolution_at=resolution_at, source="sla", rule=rule
        )
        _commit(uow)
        return ticket
