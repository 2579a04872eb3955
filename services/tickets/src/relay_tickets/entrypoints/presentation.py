"""A ticket as one caller may see it: contacts never see staff-only fields or
attributes not shown to contacts; staff see the attributes their role may."""

from __future__ import annotations

from typing import Any

from relay_tickets.adapters.settings_store import DeskConfig
from relay_tickets.domain.access import Viewer
from relay_tickets.domain.ticket import Ticket

STAFF_ONLY = (
    "internal",
    "observers",
    "planned_source",
    "sla_rule",
    "time_spent_minutes",
    "created_by",
    "allowed_statuses",
)


def present(ticket: Ticket, viewer: Viewer, config: DeskConfig, links: list[dict] | None = None) -> dict[str, Any]:
    data = ticket.snapshot()
    schema = config.types.get(ticket.type)
    visible = {a.key for a in schema.attributes if a.visible_to(viewer.role)} if schema else set()
    data["attributes"] = {k: v for k, v in (ticket.attributes or {}).items() if k in visible}
    data["type_name"] = schema.type.name if schema else ticket.type
    priority = config.priorities.get(ticket.priority)
    data["priority_name"] = priority.name if priority else ticket.priority
    data["priority_colour"] = priority.colour if priority else None
    status = config.statuses.get(ticket.status)
    data["status_name"] = status.name if status else ticket.status
    data["allowed_statuses"] = sorted(config.lifecycle(ticket.type).allowed_from(ticket.status))
    data["sla_rule"] = ticket.sla_rule
    data["rating_comment"] = ticket.rating_comment
    data["created_by"] = (
        {"kind": ticket.created_by_kind, "id": ticket.created_by_id} if ticket.created_by_kind else None
    )
    data["links"] = links or []
    if viewer.is_contact:
        for key in STAFF_ONLY:
            data.pop(key, None)
    return data
