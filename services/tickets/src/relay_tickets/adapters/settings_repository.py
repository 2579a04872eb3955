"""Writing the desk's configuration, and the row-level reads its checks need
(SQLAlchemy Core; the same statements on SQLite and PostgreSQL).

Reading the whole configuration at once is `settings_store.load`; this is the
other side: one row at a time, inside the transaction that changes it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import Table, delete, func, insert, or_, select, text, update
from sqlalchemy.orm import Session

from relay_tickets.adapters.tables.directory import companies
from relay_tickets.adapters.tables.settings import (
    attribute_definitions,
    client_categories,
    desk_settings,
    lifecycle_transitions,
    priorities,
    statuses,
    ticket_types,
)
from relay_tickets.adapters.tables.tickets import tickets

# Any constant will do, as long as nothing else in the database uses it.
_SETTINGS_LOCK = 0x5E771165

_ORDER = {
    ticket_types: (ticket_types.c.position, ticket_types.c.id),
    priorities: (priorities.c.position, priorities.c.id),
    statuses: (statuses.c.position, statuses.c.key),
    attribute_definitions: (attribute_definitions.c.position, attribute_definitions.c.id),
    client_categories: (client_categories.c.position, client_categories.c.id),
}


def _pk(table: Table):
    return next(iter(table.primary_key.columns))


class SettingsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def lock(self) -> None:
        """Serialise settings changes with each other: the rules ("exactly one default",
        "not in use") are checked by reading and then writing, which two concurrent
        administrators could otherwise both pass."""
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(select(func.pg_advisory_xact_lock(_SETTINGS_LOCK)))
        else:
            # SQLite: the first write takes the database's write lock (waiting for the
            # current writer), so the reads that follow see every committed change.
            self.session.execute(text("UPDATE desk_settings SET key = key WHERE 0 = 1"))

    # -- generic rows ---------------------------------------------------------------
    def row(self, table: Table, ident: Any) -> dict[str, Any] | None:
        r = self.session.execute(select(table).where(_pk(table) == ident)).mappings().first()
        return dict(r) if r is not None else None

    def rows(self, table: Table, *where: Any) -> list[dict[str, Any]]:
        q = select(table).where(*where).order_by(*_ORDER[table])
        return [dict(r) for r in self.session.execute(q).mappings()]

    def find(self, table: Table, **values: Any) -> dict[str, Any] | None:
        q = select(table).where(*(table.c[k] == v for k, v in values.items()))
        r = self.session.execute(q).mappings().first()
        return dict(r) if r is not None else None

    def insert(self, table: Table, values: dict[str, Any]) -> Any:
        result = self.session.execute(insert(table).values(**values))
        pk = _pk(table)
        return values[pk.name] if pk.name in values else result.inserted_primary_key[0]

    def update(self, table: Table, ident: Any, values: dict[str, Any]) -> None:
        if values:
            self.session.execute(update(table).where(_pk(table) == ident).values(**values))

    def delete(self, table: Table, ident: Any) -> None:
        self.session.execute(delete(table).where(_pk(table) == ident))

    def next_position(self, table: Table, *where: Any) -> int:
        top = self.session.scalar(select(func.max(table.c.position)).where(*where))
        return (top or 0) + 10

    def make_only_default(self, table: Table, ident: Any) -> None:
        pk = _pk(table)
        self.session.execute(update(table).where(table.c.is_default, pk != ident).values(is_default=False))
        self.session.execute(update(table).where(pk == ident).values(is_default=True))

    # -- what tickets use ----------------------------------------------------------------
    def count_tickets(self, **values: Any) -> int:
        q = select(func.count()).select_from(tickets).where(*(tickets.c[k] == v for k, v in values.items()))
        return int(self.session.scalar(q) or 0)

    def ticket_statuses(self, type_keys: Collection[str]) -> dict[str, int]:
        """How many tickets of these types are in each status."""
        if not type_keys:
            return {}
        q = (
            select(tickets.c.status, func.count())
            .where(tickets.c.type.in_(sorted(type_keys)))
            .group_by(tickets.c.status)
        )
        return {status: int(n) for status, n in self.session.execute(q)}

    def attribute_values(self, type_key: str, attribute_key: str) -> Counter:
        """The values tickets of a type hold for one attribute, with their counts.

        Scanned in Python rather than with each database's JSON operators: one query
        that reads the same on SQLite and PostgreSQL, for a change made rarely."""
        found: Counter = Counter()
        q = select(tickets.c.attributes).where(tickets.c.type == type_key).execution_options(yield_per=1000)
        for (attrs,) in self.session.execute(q):
            value = (attrs or {}).get(attribute_key)
            if value is not None:
                found[value if isinstance(value, str) else str(value)] += 1
        return found

    def count_companies(self, category_id: int) -> int:
        q = select(func.count()).select_from(companies).where(companies.c.category_id == category_id)
        return int(self.session.scalar(q) or 0)

    # -- lifecycles ----------------------------------------------------------------------
    def transitions(self, type_id: int | None) -> list[tuple[str, str]]:
        c = lifecycle_transitions.c
        where = c.type_id.is_(None) if type_id is None else c.type_id == type_id
        q = select(c.from_status, c.to_status).where(where).order_by(c.from_status, c.to_status)
        return [(a, b) for a, b in self.session.execute(q)]

    def replace_transitions(self, type_id: int | None, pairs: Iterable[tuple[str, str]]) -> None:
        c = lifecycle_transitions.c
        where = c.type_id.is_(None) if type_id is None else c.type_id == type_id
        self.session.execute(delete(lifecycle_transitions).where(where))
        rows = [{"type_id": type_id, "from_status": a, "to_status": b} for a, b in sorted(set(pairs))]
        if rows:
            self.session.execute(insert(lifecycle_transitions), rows)

    def lifecycles_using(self, status: str) -> list[int | None]:
        """The lifecycles (type ids; None is the default one) with a transition from or to a status."""
        c = lifecycle_transitions.c
        q = select(c.type_id).where(or_(c.from_status == status, c.to_status == status)).distinct()
        return sorted(self.session.scalars(q), key=lambda i: (i is not None, i or 0))

    # -- desk ----------------------------------------------------------------------------
    def desk_values(self) -> dict[str, Any]:
        return {r.key: r.value for r in self.session.execute(select(desk_settings))}

    def set_desk(self, key: str, value: Any) -> None:
        done = self.session.execute(update(desk_settings).where(desk_settings.c.key == key).values(value=value))
        if done.rowcount == 0:
            self.session.execute(insert(desk_settings).values(key=key, value=value))
