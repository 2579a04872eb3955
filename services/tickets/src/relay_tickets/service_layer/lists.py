"""Ticket lists and similar tickets: what a caller may see, filtered, a page at a time."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from relay_tickets.adapters import ticket_queries as q
from relay_tickets.adapters.settings_store import DeskConfig
from relay_tickets.domain.access import Viewer
from relay_tickets.domain.ticket import Ticket
from relay_tickets.service_layer.unit_of_work import TicketsUnitOfWork, settings_store
from relaykit.errors import Forbidden, InvalidInput

# Filters that would tell a customer what only staff may know.
STAFF_ONLY_FILTERS = ("observer",)


def _known(values: list[str], known: Mapping[str, Any], field: str) -> tuple[str, ...]:
    for i, value in enumerate(values):
        if value not in known:
            raise InvalidInput(f"there is no {field} {value!r}", field=f"{field}.{i}")
    return tuple(values)


def to_filter(values: Mapping[str, Any], config: DeskConfig, *, prefix: str = "") -> q.TicketFilter:
    """The loaded list filters (query parameter names) as a TicketFilter; `prefix`
    goes before the field a problem names (a saved view's `filters.`)."""
    try:
        return _to_filter(values, config)
    except InvalidInput as e:
        field = next(iter(e.errors), None)
        raise InvalidInput(e.detail, field=f"{prefix}{field}" if field else None) from None


def _to_filter(values: Mapping[str, Any], config: DeskConfig) -> q.TicketFilter:
    return q.TicketFilter(
        statuses=_known(values.get("status", []), config.statuses, "status"),
        status_kind=values.get("status_kind"),
        priorities=_known(values.get("priority", []), config.priorities, "priority"),
        types=_known(values.get("type", []), config.types, "type"),
        responsible=tuple(values.get("responsible", ())),
        no_personal_responsible=bool(values.get("no_personal_responsible")),
        observer=values.get("observer"),
        company_ids=tuple(values.get("company_id", ())),
        contacts=tuple(values.get("contact", ())),
        channels=tuple(values.get("channel", ())),
        created_from=values.get("created_from"),
        created_to=values.get("created_to"),
        updated_from=values.get("updated_from"),
        updated_to=values.get("updated_to"),
        overdue=bool(values.get("overdue")),
        due_today=bool(values.get("due_today")),
        tz=ZoneInfo(values.get("tz") or "UTC"),
        q=(values.get("q") or "").strip() or None,
    )


def check_filters(runtime, filters: Mapping[str, Any], *, prefix: str = "") -> None:
    """Refuse what a list could not run: statuses, priorities or types the desk does not have."""
    to_filter(filters, settings_store(runtime).current(), prefix=prefix)


def list_tickets(
    runtime,
    viewer: Viewer,
    filters: Mapping[str, Any],
    *,
    sort: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> q.Page:
    if viewer.is_contact:
        for name in STAFF_ONLY_FILTERS:
            if filters.get(name) is not None:
                raise Forbidden(f"customers cannot filter by {name}", field=name)
    config = settings_store(runtime).current()
    criteria = to_filter(filters, config)
    with runtime.db.reading() as session:
        return q.ticket_page(
            session,
            criteria,
            viewer,
            config,
            runtime.clock.now(),
            sort=sort or q.DEFAULT_SORT,
            limit=limit,
            cursor=cursor,
        )


def similar_tickets(runtime, number: int, viewer: Viewer, limit: int = 20) -> list[Ticket]:
    """The caller's view of the other tickets of the same contact email or phone."""
    with TicketsUnitOfWork(runtime, read_only=True) as uow:
        ticket = uow.tickets.get(number)
        viewer.check_visible(ticket, number)
        return q.similar_tickets(uow.session, ticket, viewer, limit)
