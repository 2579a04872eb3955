"""Canned responses: reply texts in groups, with {{variables}} filled from a ticket
when an agent picks one. Staff read them; administrators and lead specialists write."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from relay_tickets.adapters.canned_repository import CannedGroup, CannedRepository, CannedResponse
from relay_tickets.domain.access import Viewer
from relay_tickets.domain.parties import CONTACT, EMPLOYEE
from relay_tickets.service_layer.unit_of_work import TicketsUnitOfWork
from relaykit.errors import Conflict, InvalidInput, NotFound

VARIABLES = ("ticket.number", "ticket.subject", "contact.name", "agent.name", "company.name")
_VARIABLE = re.compile(r"\{\{\s*([a-z_]+\.[a-z_]+)\s*\}\}")


def render(template: str, values: Mapping[str, str]) -> str:
    """One pass: a value is inserted as it is, never read again for variables;
    a variable we do not know stays as written."""
    return _VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), template)


@dataclass(frozen=True)
class Rendered:
    id: int
    title: str
    body: str
    ticket: int


# -- groups ---------------------------------------------------------------------------------
def _group(repo: CannedRepository, group_id: int, field: str = "id") -> CannedGroup:
    group = repo.group(group_id)
    if group is None:
        raise NotFound(f"there is no canned response group {group_id}", field=field)
    return group


def _name_free(repo: CannedRepository, name: str, other_than: int | None = None) -> None:
    owner = repo.group_named(name)
    if owner is not None and owner != other_than:
        raise Conflict(f"there is already a group named {name!r}", field="name")


def _commit(uow: TicketsUnitOfWork, what: str) -> None:
    try:
        uow.commit()
    except IntegrityError:
        raise Conflict(f"there is already a group named {what!r}", field="name") from None


def list_groups(runtime) -> list[CannedGroup]:
    with TicketsUnitOfWork(runtime, read_only=True) as uow:
        return CannedRepository(uow.session).groups()


def get_group(runtime, group_id: int) -> CannedGroup:
    with TicketsUnitOfWork(runtime, read_only=True) as uow:
        return _group(CannedRepository(uow.session), group_id)


def create_group(runtime, name: str, position: int = 0) -> CannedGroup:
    name = name.strip()
    with TicketsUnitOfWork(runtime) as uow:
        repo = CannedRepository(uow.session)
        _name_free(repo, name)
        group_id = repo.add_group(name, position)
        _commit(uow, name)
        return CannedGroup(group_id, name, position)


def edit_group(runtime, group_id: int, changes: Mapping[str, Any]) -> CannedGroup:
    values = {k: v for k, v in changes.items() if k in ("name", "position")}
    if "name" in values:
        values["name"] = values["name"].strip()
    with TicketsUnitOfWork(runtime) as uow:
        repo = CannedRepository(uow.session)
        group = _group(repo, group_id)
        if "name" in values:
            _name_free(repo, values["name"], other_than=group_id)
        if values:
            repo.update_group(group_id, values)
        _commit(uow, values.get("name", group.name))
        return CannedGroup(group_id, values.get("name", group.name), values.get("position", group.position))


def delete_group(runtime, group_id: int) -> None:
    """Only an empty group: its responses are someone's work, deleted one by one or moved first."""
    with TicketsUnitOfWork(runtime) as uow:
        repo = CannedRepository(uow.session)
        _group(repo, group_id)
        held = repo.count_in(group_id)
        if held:
            raise Conflict(f"the group still holds {held} responses; move or delete them first", field="id")
        repo.remove_group(group_id)
        uow.commit()


# -- responses ---------------------------------------------------------------------------------
def _response(repo: CannedRepository, response_id: int) -> CannedResponse:
    response = repo.response(response_id)
    if response is None:
        raise NotFound(f"there is no canned response {response_id}", field="id")
    return response


def _existing_group(repo: CannedRepository, group_id: int) -> None:
    if repo.group(group_id) is None:
        raise InvalidInput(f"there is no canned response group {group_id}", field="group_id")


def list_responses(runtime, group_id: int | None = None) -> list[CannedResponse]:
    with TicketsUnitOfWork(runtime, read_only=True) as uow:
        return CannedRepository(uow.session).responses(group_id)


def get_response(runtime, response_id: int) -> CannedResponse:
    with TicketsUnitOfWork(runtime, read_only=True) as uow:
        return _response(CannedRepository(uow.session), response_id)


def create_response(runtime, group_id: int, title: str, body: str, position: int = 0) -> CannedResponse:
    title = title.strip()
    with TicketsUnitOfWork(runtime) as uow:
        repo = CannedRepository(uow.session)
        _existing_group(repo, group_id)
        response_id = repo.add_response(group_id, title, body, position)
        uow.commit()
        return CannedResponse(response_id, group_id, title, body, position)


def edit_response(runtime, response_id: int, changes: Mapping[str, Any]) -> CannedResponse:
    values = {k: v for k, v in changes.items() if k in ("group_id", "title", "body", "position")}
    if "title" in values:
        values["title"] = values["title"].strip()
    with TicketsUnitOfWork(runtime) as uow:
        repo = CannedRepository(uow.session)
        _response(repo, response_id)
        if "group_id" in values:
            _existing_group(repo, values["group_id"])
        if values:
            repo.update_response(response_id, values)
        uow.commit()
        return _response(repo, response_id)


def delete_response(runtime, response_id: int) -> None:
    with TicketsUnitOfWork(runtime) as uow:
        repo = CannedRepository(uow.session)
        _response(repo, response_id)
        repo.remove_response(response_id)
        uow.commit()


def render_for_ticket(runtime, response_id: int, number: int, viewer: Viewer) -> Rendered:
    with TicketsUnitOfWork(runtime, read_only=True) as uow:
        response = _response(CannedRepository(uow.session), response_id)
        ticket = uow.tickets.get(number)
        if ticket is None or not viewer.can_see(ticket):
            raise NotFound(f"there is no ticket #{number}", field="ticket")
        refs = uow.refs
        contact = None
        if ticket.contact_kind == CONTACT:
            contact = refs.contact(ticket.contact_id)
        elif ticket.contact_kind == EMPLOYEE:
            contact = refs.employee(ticket.contact_id)
        company = refs.company(ticket.company_id) if ticket.company_id else None
        agent = refs.employee(viewer.identity.subject)
        values = {
            "ticket.number": str(ticket.number),
            "ticket.subject": ticket.subject,
            "contact.name": contact.name if contact else "",
            "agent.name": agent.name if agent else (viewer.identity.name or ""),
            "company.name": company.name if company else "",
        }
        return Rendered(response.id, response.title, render(response.body, values), ticket.number)
