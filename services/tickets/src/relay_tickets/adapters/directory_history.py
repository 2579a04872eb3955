"""The directory's history: writing each changed field of an entry (or of a settings
entry that decides who sees what), and reading one entry's changes a page at a time."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from relay_tickets.adapters.tables.directory import directory_history as h
from relay_tickets.domain.parties import Actor


def _empty(value: Any) -> bool:
    if isinstance(value, Mapping):
        return all(_empty(v) for v in value.values())
    return value is None or value == "" or value == [] or value == ()


def changed_fields(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    """(field, old, new) for each field that differs; from nothing (a new entry), only
    the fields it was given a value in."""
    if before is None:
        return [(name, None, value) for name, value in after.items() if not _empty(value)]
    return [(name, before.get(name), value) for name, value in after.items() if before.get(name) != value]


class DirectoryHistory:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(
        self,
        kind: str,
        entry_id: str | int,
        changes: list[tuple[str, Any, Any]],
        actor: Actor,
        at: datetime,
    ) -> None:
        if not changes:
            return
        who = {
            "actor_kind": actor.kind,
            "actor_id": actor.id,
            "actor_name": actor.name,
            "actor_role": actor.role,
            "channel": actor.channel,
        }
        rows = [
            {"entry_kind": kind, "entry_id": str(entry_id), "at": at, "field": name, "old_value": old, "new_value": new}
            | who
            for name, old, new in changes
        ]
        self.session.execute(insert(h), rows)

    def page(
        self,
        kind: str | None,
        entry_id: str | int | None,
        *,
        after: int | None,
        limit: int,
        kinds: Collection[str] = (),
    ) -> list[dict[str, Any]]:
        """Oldest first, after the row id `after`: of one entry, of one kind, or (kind None)
        of any of `kinds`."""
        which = h.c.entry_kind == kind if kind is not None else h.c.entry_kind.in_(list(kinds))
        q = select(h).where(which).order_by(h.c.id).limit(limit)
        if entry_id is not None:
            q = q.where(h.c.entry_id == str(entry_id))
        if after is not None:
            q = q.where(h.c.id > after)
        return [dict(r) for r in self.session.execute(q).mappings()]
