"""The desk's configuration (types, priorities, statuses, lifecycles, attributes,
desk settings) read in one go and kept for a moment.

Every ticket command needs it and it changes rarely, so each process keeps the
last reading for `ttl` seconds; a change made through this process is seen at
once (the settings API invalidates), one made through another within `ttl`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from relay_tickets.adapters.tables import settings as t
from relay_tickets.domain.branding import LOGO_KEY
from relay_tickets.domain.catalog import AttributeDefinition, Priority, TicketType, TypeSchema
from relay_tickets.domain.file_types import DEFAULT_REFUSED
from relay_tickets.domain.lifecycle import Lifecycle, Status
from relaykit.db import Database
from relaykit.errors import InvalidInput

DESK_DEFAULTS: dict[str, Any] = {
    "default_comment_public": True,
    "auto_close_hours": 72,
    "reopen_window_days": 7,
    "attachment_max_bytes": 10 * 1024 * 1024,
    "refused_file_types": list(DEFAULT_REFUSED),
    "brand_name": "Relay",
    "brand_colour": "#1f5fbf",
    "brand_logo": None,
}


@dataclass(frozen=True)
class DeskConfig:
    types: Mapping[str, TypeSchema]
    priorities: Mapping[str, Priority]
    statuses: Mapping[str, Status]
    default_lifecycle: Lifecycle
    own_lifecycles: Mapping[str, Lifecycle]
    categories: Mapping[int, str]
    desk: Mapping[str, Any] = field(default_factory=dict)

    def type_schema(self, key: str | None, field_name: str = "type") -> TypeSchema:
        if key is None:
            return self.default_type()
        schema = self.types.get(key)
        if schema is None:
            raise InvalidInput(f"unknown ticket type {key!r}", field=field_name)
        return schema

    def default_type(self) -> TypeSchema:
        active = [s for s in self.types.values() if s.type.active]
        for s in active:
            if s.type.is_default:
                return s
        if not active:
            raise InvalidInput("no ticket type is in use", field="type")
        return min(active, key=lambda s: s.type.position)

    def priority(self, key: str | None, field_name: str = "priority") -> Priority:
        if key is None:
            return self.default_priority()
        p = self.priorities.get(key)
        if p is None:
            raise InvalidInput(f"unknown priority {key!r}", field=field_name)
        return p

    def default_priority(self) -> Priority:
        active = [p for p in self.priorities.values() if p.active]
        for p in active:
            if p.is_default:
                return p
        if not active:
            raise InvalidInput("no priority is in use", field="priority")
        return min(active, key=lambda p: p.position)

    def status(self, key: str, field_name: str = "status") -> Status:
        s = self.statuses.get(key)
        if s is None:
            raise InvalidInput(f"unknown status {key!r}", field=field_name)
        return s

    def lifecycle(self, type_key: str) -> Lifecycle:
        return self.own_lifecycles.get(type_key, self.default_lifecycle)

    def open_statuses(self) -> list[str]:
        return [k for k, s in self.statuses.items() if s.is_open]

    @property
    def default_comment_public(self) -> bool:
        return bool(self.desk.get("default_comment_public", DESK_DEFAULTS["default_comment_public"]))

    @property
    def auto_close_after(self) -> timedelta:
        return timedelta(hours=float(self.desk.get("auto_close_hours", DESK_DEFAULTS["auto_close_hours"])))

    @property
    def reopen_window(self) -> timedelta:
        return timedelta(days=float(self.desk.get("reopen_window_days", DESK_DEFAULTS["reopen_window_days"])))

    @property
    def attachment_max_bytes(self) -> int:
        return int(self.desk.get("attachment_max_bytes", DESK_DEFAULTS["attachment_max_bytes"]))

    @property
    def refused_file_types(self) -> tuple[str, ...]:
        return tuple(self.desk.get("refused_file_types", DEFAULT_REFUSED))


def load(session: Session) -> DeskConfig:
    attrs: dict[int, list[AttributeDefinition]] = {}
    for r in session.execute(select(t.attribute_definitions).order_by(t.attribute_definitions.c.position)).mappings():
        attrs.setdefault(r["type_id"], []).append(
            AttributeDefinition(
                id=r["id"],
                type_id=r["type_id"],
                key=r["key"],
                name=r["name"],
                kind=r["kind"],
                options=tuple(r["options"] or ()),
                required=r["required"],
                visible_roles=tuple(r["visible_roles"] or ()),
                visible_to_contacts=r["visible_to_contacts"],
                position=r["position"],
                active=r["active"],
            )
        )
    types: dict[str, TypeSchema] = {}
    type_keys: dict[int, str] = {}
    for r in session.execute(select(t.ticket_types).order_by(t.ticket_types.c.position)).mappings():
        tt = TicketType(**dict(r))
        types[tt.key] = TypeSchema(tt, tuple(attrs.get(tt.id, ())))
        type_keys[tt.id] = tt.key
    priorities = {
        r["key"]: Priority(**dict(r))
        for r in session.execute(select(t.priorities).order_by(t.priorities.c.position)).mappings()
    }
    statuses = {
        r["key"]: Status(**dict(r))
        for r in session.execute(select(t.statuses).order_by(t.statuses.c.position)).mappings()
    }
    pairs: dict[int | None, list[tuple[str, str]]] = {}
    for r in session.execute(select(t.lifecycle_transitions)).mappings():
        pairs.setdefault(r["type_id"], []).append((r["from_status"], r["to_status"]))

    def graph(rows: list[tuple[str, str]]) -> Lifecycle:
        g: dict[str, set[str]] = {}
        for a, b in rows:
            g.setdefault(a, set()).add(b)
        return Lifecycle({k: frozenset(v) for k, v in g.items()})

    own = {
        type_keys[type_id]: graph(rows)
        for type_id, rows in pairs.items()
        if type_id is not None and type_id in type_keys and types[type_keys[type_id]].type.own_lifecycle
    }
    categories = {r.id: r.name for r in session.execute(select(t.client_categories.c.id, t.client_categories.c.name))}
    # The logo is for the UI only: no ticket command needs its hundreds of KB.
    desk_rows = session.execute(select(t.desk_settings).where(t.desk_settings.c.key != LOGO_KEY))
    desk = dict(DESK_DEFAULTS) | {r.key: r.value for r in desk_rows}
    return DeskConfig(types, priorities, statuses, graph(pairs.get(None, [])), own, categories, desk)


class SettingsStore:
    """The lock guards only the cached reference, never a read of the database: a thread
    holding it while it waits for SQLite's write lock, and another holding the write lock
    while it waits for it, froze the process until the busy timeout broke the tie."""

    def __init__(self, db: Database, ttl: float = 2.0) -> None:
        self.db = db
        self.ttl = ttl
        self._lock = threading.Lock()
        self._config: DeskConfig | None = None
        self._at = 0.0
        self._generation = 0  # moved by invalidate(): a reading begun before it is not kept

    def current(self, session: Session | None = None) -> DeskConfig:
        """The configuration, reloaded when stale. Inside a unit of work pass its session:
        a second connection there could wait on the first one's write lock (SQLite)."""
        with self._lock:
            if self._config is not None and time.monotonic() - self._at <= self.ttl:
                return self._config
            generation = self._generation
        # Several threads may reload at once; each reads its own snapshot, the last one stays.
        if session is not None:
            config = load(session)
        else:
            with self.db.reading() as s:
                config = load(s)
        with self._lock:
            if generation == self._generation:
                self._config, self._at = config, time.monotonic()
        return config

    def invalidate(self) -> None:
        with self._lock:
            self._config = None
            self._generation += 1
