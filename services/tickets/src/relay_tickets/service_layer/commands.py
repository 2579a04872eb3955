"""Commands other services send the tickets service (contracts/schemas/commands/).

Each runs in the consumer's transaction, so its effect and the inbox claim that
makes it idempotent commit together. A command that cannot be carried out (an
unknown ticket, a forbidden transition, an inactive responsible) is not retried:
it goes to the dead-letter queue with the reason.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from relay_tickets.domain.access import Viewer
from relay_tickets.domain.parties import CONTACT, EMPLOYEE, Actor, Party
from relay_tickets.domain.parties import SYSTEM as SYSTEM_PARTY
from relay_tickets.domain.ticket import ContactRef
from relay_tickets.service_layer import tickets as use
from relay_tickets.service_layer.unit_of_work import TicketsUnitOfWork
from relaykit.bus import Message
from relaykit.bus.consumer import PermanentFailure
from relaykit.errors import RelayError
from relaykit.identity import SYSTEM, Identity


def _sender(message: Message, channel: str | None = None) -> Viewer:
    return Viewer(Identity(message.producer, SYSTEM, name=message.producer, channel=channel or "api"))


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _party(d: dict[str, Any] | None) -> Party | None:
    return Party(d["kind"], d["id"]) if d else None


def _number(runtime, session: Session, ticket_id: str) -> int:
    with TicketsUnitOfWork(runtime, session) as uow:
        ticket = uow.tickets.get_by_id(ticket_id)
        if ticket is None:
            raise PermanentFailure(f"there is no ticket {ticket_id}")
        return ticket.number


def _requester(runtime, session: Session, requester: dict[str, Any]) -> tuple[ContactRef | None, str | None]:
    """The ticket's contact and company from who asked (mail intake knows an address, maybe an id)."""
    with TicketsUnitOfWork(runtime, session) as uow:
        kind, ident, email = requester.get("kind"), requester.get("id"), requester.get("email")
        if kind == CONTACT and ident:
            ref = uow.refs.contact(ident)
            return (ContactRef(CONTACT, ref.id), ref.company_id) if ref else (None, None)
        if kind == EMPLOYEE and ident:
            return (ContactRef(EMPLOYEE, ident), None) if uow.refs.employee(ident) else (None, None)
        if email:
            contact = uow.refs.contact_by_email(email)
            if contact is not None:
                return ContactRef(CONTACT, contact.id), contact.company_id
            employee = uow.refs.employee_by_email(email)
            if employee is not None:
                return ContactRef(EMPLOYEE, employee.id), None
            company = uow.refs.company_by_domain(email.rsplit("@", 1)[-1])
            return None, company.id if company else None
        return None, None


def register(runtime, session: Session, message: Message) -> None:
    d = message.data
    contact, company_id = _requester(runtime, session, d["requester"])
    cmd = use.CreateTicket(
        id=message.aggregate_id,
        subject=d["subject"],
        description=d.get("description", ""),
        type=d.get("type"),
        priority=d.get("priority"),
        channel=d["channel"],
        company_id=d.get("company_id") or company_id,
        contact=contact,
        attributes=d.get("attributes") or {},
    )
    use.create_ticket(
        runtime, cmd, _sender(message, d["channel"]), session=session, link_from=d.get("related_ticket_id")
    )


def _author(runtime, session: Session, author: dict[str, Any], channel: str) -> Actor:
    """Who wrote a comment that a sender (mail intake) relays: a known contact or employee,
    else the system speaking for an address."""
    with TicketsUnitOfWork(runtime, session) as uow:
        kind, ident, email, name = author.get("kind"), author.get("id"), author.get("email"), author.get("name")
        if kind == CONTACT:
            ref = uow.refs.contact(ident) if ident else uow.refs.contact_by_email(email) if email else None
            if ref is not None:
                return Actor(CONTACT, ref.id, channel, name or ref.name)
        if kind == EMPLOYEE:
            ref = uow.refs.employee(ident) if ident else uow.refs.employee_by_email(email) if email else None
            if ref is not None:
                return Actor(EMPLOYEE, ref.id, channel, name or ref.name)
        return Actor(SYSTEM_PARTY, ident or email or "unknown", channel, name or email)


def add_comment(runtime, session: Session, message: Message) -> None:
    from relay_tickets.service_layer import activity

    d = message.data
    cmd = activity.AddComment(body=d["body"], public=d.get("public"))
    activity.add_comment(
        runtime,
        None,
        cmd,
        _sender(message, d["channel"]),
        session=session,
        ticket_id=d["ticket_id"],
        comment_id=d["comment_id"],
        on_behalf=_author(runtime, session, d["author"], d["channel"]),
    )


def assign(runtime, session: Session, message: Message) -> None:
    d = message.data
    kwargs = {"responsible": _party(d["responsible"])} if "responsible" in d else {}
    use.assign(
        runtime,
        None,
        _sender(message),
        ticket_id=d["ticket_id"],
        session=session,
        add_observers=tuple(_party(p) for p in d.get("add_observers", [])),
        remove_observers=tuple(_party(p) for p in d.get("remove_observers", [])),
        **kwargs,
    )


def change_fields(runtime, session: Session, message: Message) -> None:
    d = message.data
    fields = dict(d["fields"])
    number = _number(runtime, session, d["ticket_id"])
    status, until = fields.pop("status", None), _dt(fields.pop("until", None))
    viewer = _sender(message)
    if fields:
        use.edit_ticket(runtime, number, fields, viewer, session=session)
    if status is not None:
        use.change_status(runtime, number, status, viewer, until=until, session=session)


def set_planned_times(runtime, session: Session, message: Message) -> None:
    d = message.data
    use.set_planned_times(
        runtime,
        d["ticket_id"],
        _sender(message),
        reaction_at=_dt(d["reaction_due_at"]),
        resolution_at=_dt(d["resolution_due_at"]),
        rule=d.get("rule"),
        session=session,
    )


def refusing_permanently(handler):
    """A domain refusal is the command's fault: retrying cannot help."""

    def run(runtime, session: Session, message: Message) -> None:
        try:
            handler(runtime, session, message)
        except RelayError as e:
            where = next(iter(e.errors), None)
            raise PermanentFailure(f"{e.status} {e.detail}" + (f" (field {where})" if where else "")) from e

    return run


HANDLERS = {
    "tickets.register": register,
    "tickets.add_comment": add_comment,
    "tickets.assign": assign,
    "tickets.change_fields": change_fields,
    "tickets.set_planned_times": set_planned_times,
}
