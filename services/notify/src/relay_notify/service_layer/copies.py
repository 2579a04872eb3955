"""The copies notify keeps of other services' state, from their events: the directory
(employees, contacts, companies, groups), each ticket's newest snapshot and the ticket
settings. A copy is replaced only by a newer version, so events arriving out of order
(they come on several queues) never put an older state back.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from relay_notify.adapters.orm import catalog, people, tickets

KINDS = ("employee", "contact", "company", "group")
STAFF_KINDS = ("employee", "group")
STAFF_AT_ONCE = 2000


def _dialect(session: Session):
    return postgresql if session.get_bind().dialect.name == "postgresql" else sqlite


def keep_entry(session: Session, kind: str, doc: dict[str, Any]) -> None:
    forget(session)
    stmt = _dialect(session).insert(people).values(kind=kind, id=doc["id"], data=doc, version=doc["version"])
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=[people.c.kind, people.c.id],
            set_={"data": stmt.excluded.data, "version": stmt.excluded.version},
            where=people.c.version < stmt.excluded.version,
        )
    )


def keep_ticket(session: Session, doc: dict[str, Any]) -> None:
    stmt = (
        _dialect(session)
        .insert(tickets)
        .values(id=doc["id"], number=doc["number"], snapshot=doc, version=doc["version"])
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=[tickets.c.id],
            set_={"snapshot": stmt.excluded.snapshot, "version": stmt.excluded.version},
            where=tickets.c.version < stmt.excluded.version,
        )
    )


def keep_catalog(session: Session, data: dict[str, Any], sequence: int) -> None:
    forget(session)
    current = session.scalar(select(catalog.c.sequence).where(catalog.c.id == 1))
    if current is None:
        session.execute(
            _dialect(session).insert(catalog).on_conflict_do_nothing().values(id=1, data=data, sequence=sequence)
        )
    elif sequence > current:
        session.execute(update(catalog).where(catalog.c.id == 1).values(data=data, sequence=sequence))


def directory(session: Session) -> Directory:
    """The transaction's reads of the copies, shared by every event of a consumer's batch;
    a change to the copies in the same transaction starts them afresh (`forget`)."""
    found = session.info.get("notify.directory")
    if found is None:
        found = session.info["notify.directory"] = Directory(session)
    return found


def forget(session: Session) -> None:
    session.info.pop("notify.directory", None)


class Directory:
    """Reads of the copies for one unit of work, each entry read once."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._cache: dict[tuple[str, str], dict[str, Any] | None] = {}
        self._catalog: dict[str, Any] | None = None
        self._tried: set[str] = set()  # kinds whose loading at once was tried
        self._complete: set[str] = set()  # kinds loaded at once: an id not cached is unknown

    def __call__(self, kind: str, id_: str) -> dict[str, Any] | None:
        key = (kind, id_)
        if key not in self._cache:
            if kind in STAFF_KINDS and kind not in self._tried:
                self._tried.add(kind)
                self._load_all(kind)
            if key not in self._cache:
                self._cache[key] = (
                    None
                    if kind in self._complete
                    else self.session.scalar(select(people.c.data).where(people.c.kind == kind, people.c.id == id_))
                )
        return self._cache[key]

    def _load_all(self, kind: str) -> None:
        """A desk's staff is small: one query for all of them instead of one per person,
        unless there are more than STAFF_AT_ONCE (one at a time then)."""
        found = self.session.execute(
            select(people.c.id, people.c.data).where(people.c.kind == kind).limit(STAFF_AT_ONCE + 1)
        ).all()
        if len(found) > STAFF_AT_ONCE:
            return
        for id_, data in found:
            self._cache[(kind, id_)] = data
        self._complete.add(kind)

    def name(self, ref: dict[str, Any] | None) -> str:
        if not ref or not ref.get("id"):
            return ""
        entry = self(ref.get("kind") or "", ref["id"])
        return (entry or {}).get("name") or ""

    @property
    def catalog(self) -> dict[str, Any]:
        if self._catalog is None:
            self._catalog = self.session.scalar(select(catalog.c.data).where(catalog.c.id == 1)) or {}
        return self._catalog

    def label(self, section: str, key: str | None) -> str:
        for item in self.catalog.get(section) or ():
            if item.get("key") == key:
                return item.get("name") or key or ""
        return key or ""


def ticket(session: Session, *, ticket_id: str | None = None, number: int | None = None) -> dict[str, Any] | None:
    column, value = (tickets.c.id, ticket_id) if ticket_id else (tickets.c.number, number)
    return session.scalar(select(tickets.c.snapshot).where(column == value))
