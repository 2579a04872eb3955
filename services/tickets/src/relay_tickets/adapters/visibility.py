"""The Viewer's rule as SQL: which ticket rows a caller may list."""

from __future__ import annotations

from sqlalchemy import and_, false, or_, true
from sqlalchemy.sql import ColumnElement

from relay_tickets.adapters.tables.tickets import tickets
from relay_tickets.domain.access import Viewer


def visible_to(viewer: Viewer) -> ColumnElement[bool]:
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
