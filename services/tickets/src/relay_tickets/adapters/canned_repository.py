"""Canned responses and their groups, as records."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from relay_tickets.adapters.tables.views import canned_response_groups as groups
from relay_tickets.adapters.tables.views import canned_responses as responses
from relaykit.db_types import name_key
from relaykit.errors import Conflict

_GROUP = (groups.c.id, groups.c.name, groups.c.position)


@contextmanager
def _unique_name(name: str | None) -> Iterator[None]:
    """The name taken by a group written at the same moment: the unique index decides."""
    try:
        yield
    except IntegrityError:
        raise Conflict(f"there is already a group named {name!r}", field="name") from None


@dataclass(frozen=True)
class CannedGroup:
    id: int
    name: str
    position: int


@dataclass(frozen=True)
class CannedResponse:
    id: int
    group_id: int
    title: str
    body: str  # with {{variables}}
    position: int


class CannedRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- groups --------------------------------------------------------------------------
    def groups(self) -> list[CannedGroup]:
        rows = self.session.execute(select(*_GROUP).order_by(groups.c.position, groups.c.name)).mappings()
        return [CannedGroup(**r) for r in rows]

    def group(self, group_id: int) -> CannedGroup | None:
        row = self.session.execute(select(*_GROUP).where(groups.c.id == group_id)).mappings().first()
        return CannedGroup(**row) if row else None

    def group_named(self, name: str) -> int | None:
        return self.session.scalar(select(groups.c.id).where(groups.c.name_key == name_key(name)))

    def add_group(self, name: str, position: int) -> int:
        with _unique_name(name):
            stmt = insert(groups).values(name=name, name_key=name_key(name), position=position)
            return int(self.session.scalar(stmt.returning(groups.c.id)))

    def update_group(self, group_id: int, values: dict[str, Any]) -> None:
        if "name" in values:
            values = values | {"name_key": name_key(values["name"])}
        with _unique_name(values.get("name")):
            self.session.execute(update(groups).where(groups.c.id == group_id).values(**values))

    def remove_group(self, group_id: int) -> None:
        self.session.execute(delete(groups).where(groups.c.id == group_id))

    def count_in(self, group_id: int) -> int:
        return int(
            self.session.scalar(select(func.count()).select_from(responses).where(responses.c.group_id == group_id))
        )

    # -- responses --------------------------------------------------------------------------
    def responses(self, group_id: int | None = None) -> list[CannedResponse]:
        r = responses.c
        stmt = (
            select(responses)
            .join(groups, groups.c.id == r.group_id)
            .order_by(groups.c.position, groups.c.name, r.position, r.title, r.id)
        )
        if group_id is not None:
            stmt = stmt.where(r.group_id == group_id)
        return [CannedResponse(**row) for row in self.session.execute(stmt).mappings()]

    def response(self, response_id: int) -> CannedResponse | None:
        row = self.session.execute(select(responses).where(responses.c.id == response_id)).mappings().first()
        return CannedResponse(**row) if row else None

    def add_response(self, group_id: int, title: str, body: str, position: int) -> int:
        return int(
            self.session.scalar(
                insert(responses)
                .values(group_id=group_id, title=title, body=body, position=position)
                .returning(responses.c.id)
            )
        )

    def update_response(self, response_id: int, values: dict[str, Any]) -> None:
        self.session.execute(update(responses).where(responses.c.id == response_id).values(**values))

    def remove_response(self, response_id: int) -> None:
        self.session.execute(delete(responses).where(responses.c.id == response_id))
