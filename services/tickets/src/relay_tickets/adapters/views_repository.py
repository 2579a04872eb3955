"""Agents' saved ticket-list views, as records in `saved_views`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, or_, select, true, update
from sqlalchemy.orm import Session

from relay_tickets.adapters.tables.views import saved_views


@dataclass(frozen=True)
class SavedView:
    id: str
    owner_id: str
    name: str
    shared: bool
    filters: dict[str, Any]  # as a query string says them (see schemas_lists.TicketFilterSchema)
    columns: list[str]
    sort: str
    created_at: datetime
    updated_at: datetime

    def changed(self, **values: Any) -> SavedView:
        return replace(self, **values)


def _view(row: Any) -> SavedView:
    return SavedView(**{c.name: row[c.name] for c in saved_views.c})


class ViewsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, view_id: str) -> SavedView | None:
        row = self.session.execute(select(saved_views).where(saved_views.c.id == view_id)).mappings().first()
        return _view(row) if row else None

    def mine_and_shared(self, owner_id: str) -> list[SavedView]:
        v = saved_views.c
        rows = self.session.execute(
            select(saved_views).where(or_(v.owner_id == owner_id, v.shared == true())).order_by(v.name, v.id)
        ).mappings()
        return [_view(r) for r in rows]

    def name_taken(self, owner_id: str, name: str, other_than: str | None = None) -> bool:
        v = saved_views.c
        stmt = select(v.id).where(v.owner_id == owner_id, v.name == name)
        if other_than is not None:
            stmt = stmt.where(v.id != other_than)
        return self.session.scalar(stmt.limit(1)) is not None

    def add(self, view: SavedView) -> None:
        self.session.execute(insert(saved_views).values(**view.__dict__))

    def save(self, view: SavedView) -> None:
        values = {k: v for k, v in view.__dict__.items() if k not in ("id", "owner_id", "created_at")}
        self.session.execute(update(saved_views).where(saved_views.c.id == view.id).values(**values))

    def remove(self, view_id: str) -> None:
        self.session.execute(delete(saved_views).where(saved_views.c.id == view_id))
