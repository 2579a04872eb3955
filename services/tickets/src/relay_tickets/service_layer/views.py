"""Saved views: an agent's named ticket list (filters, columns, sort).

A private view is its owner's alone: to anyone else it does not exist (404).
A shared view is seen by all staff and changed by its owner or an administrator.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError

from relay_tickets.adapters.views_repository import SavedView, ViewsRepository
from relay_tickets.service_layer.unit_of_work import TicketsUnitOfWork
from relaykit.errors import Conflict, Forbidden, NotFound
from relaykit.identity import ADMINISTRATOR, Identity

COLUMNS = (
    "number",
    "subject",
    "status",
    "priority",
    "type",
    "channel",
    "responsible",
    "observers",
    "company",
    "contact",
    "service_object",
    "created_at",
    "updated_at",
    "planned_reaction_at",
    "planned_resolution_at",
    "time_spent_minutes",
    "rating",
)
DEFAULT_COLUMNS = ("number", "subject", "status", "priority", "responsible", "company", "updated_at")
EDITABLE = ("name", "shared", "filters", "columns", "sort")


def can_see(view: SavedView, who: Identity) -> bool:
    return view.shared or view.owner_id == who.subject


def can_edit(view: SavedView, who: Identity) -> bool:
    return view.owner_id == who.subject or (view.shared and who.role == ADMINISTRATOR)


def _visible(repo: ViewsRepository, view_id: str, who: Identity, field: str = "id") -> SavedView:
    view = repo.get(view_id) if len(view_id) <= 36 and "\x00" not in view_id else None
    if view is None or not can_see(view, who):
        raise NotFound(f"there is no view {view_id}", field=field)
    return view


def _editable(repo: ViewsRepository, view_id: str, who: Identity) -> SavedView:
    view = _visible(repo, view_id, who)
    if not can_edit(view, who):
        raise Forbidden("only its owner or an administrator may change a shared view", field="id")
    return view


def _name_free(repo: ViewsRepository, owner_id: str, name: str, other_than: str | None = None) -> None:
    if repo.name_taken(owner_id, name, other_than):
        raise Conflict(f"you already have a view named {name!r}", field="name")


def _commit(uow: TicketsUnitOfWork, name: str) -> None:
    try:
        uow.commit()
    except IntegrityError:
        # Two requests of the same owner chose the same name at once.
        raise Conflict(f"you already have a view named {name!r}", field="name") from None


def list_views(runtime, who: Identity) -> list[SavedView]:
    with TicketsUnitOfWork(runtime, read_only=True) as uow:
        return ViewsRepository(uow.session).mine_and_shared(who.subject)


def get_view(runtime, who: Identity, view_id: str, *, field: str = "id") -> SavedView:
    """`field`: how the caller named the id (a path's `id`, a list query's `view`)."""
    with TicketsUnitOfWork(runtime, read_only=True) as uow:
        return _visible(ViewsRepository(uow.session), view_id, who, field)


def create_view(
    runtime,
    who: Identity,
    *,
    name: str,
    filters: Mapping[str, Any],
    shared: bool = False,
    columns: tuple[str, ...] | list[str] = DEFAULT_COLUMNS,
    sort: str = "-number",
) -> SavedView:
    """`filters` as a query string says them (checked by the caller against the list query)."""
    name = name.strip()
    with TicketsUnitOfWork(runtime) as uow:
        repo = ViewsRepository(uow.session)
        _name_free(repo, who.subject, name)
        now = runtime.clock.now()
        view = SavedView(
            id=str(uuid.uuid4()),
            owner_id=who.subject,
            name=name,
            shared=shared,
            filters=dict(filters),
            columns=list(columns),
            sort=sort,
            created_at=now,
            updated_at=now,
        )
        repo.add(view)
        _commit(uow, name)
        return view


def edit_view(runtime, who: Identity, view_id: str, changes: Mapping[str, Any]) -> SavedView:
    values = {k: v for k, v in changes.items() if k in EDITABLE}
    if "name" in values:
        values["name"] = values["name"].strip()
    with TicketsUnitOfWork(runtime) as uow:
        repo = ViewsRepository(uow.session)
        view = _editable(repo, view_id, who)
        if "name" in values:
            _name_free(repo, view.owner_id, values["name"], other_than=view.id)
        if "columns" in values:
            values["columns"] = list(values["columns"])
        view = view.changed(**values, updated_at=runtime.clock.now())
        repo.save(view)
        _commit(uow, view.name)
        return view


def delete_view(runtime, who: Identity, view_id: str) -> None:
    with TicketsUnitOfWork(runtime) as uow:
        repo = ViewsRepository(uow.session)
        _editable(repo, view_id, who)
        repo.remove(view_id)
        uow.commit()
