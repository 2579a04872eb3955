"""Use cases of the client directory and the staff.

Each change runs in one transaction that also writes `<kind>.changed` (v1) into
the outbox, carrying the entry's full snapshot, so routing and notify can keep
a copy. Order of checks: the values themselves (422 naming the field), then what
they refer to (422: `manager.id`, `observers.1.id`, `category_id`, ...), then
uniqueness (409: `email`, `emails.0`, `domains.1`, `name`).

References are checked only where they are new: re-sending an entry unchanged
never fails because one of its old references has since been deactivated.
New managers and observers must be active (they get the tickets); members,
notification lists, companies and service objects need only exist.

Who may widen someone's access is checked here, before any of those (403 naming
the field): what a customer sees (a contact's portal access, its company at the
levels that open the company's tickets, its service objects and supervised
companies; a service object's company; reactivating a contact who sees more than
their own tickets) and anything about staff (employees, groups) is an
administrator's act. Every change is kept in the directory history (who, when,
field, from, to), in the change's own transaction.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from relay_tickets.adapters.directory_history import DirectoryHistory, changed_fields
from relay_tickets.adapters.directory_repository import (
    MAX_PAGE,
    DirectoryRepository,
    decode_cursor,
    encode_cursor,
)
from relay_tickets.adapters.visibility import reached_entries, reaches_entry
from relay_tickets.domain.access import Viewer
from relay_tickets.domain.directory import (
    ACTIVATED,
    CREATED,
    DEACTIVATED,
    DIRECTORY_EVENTS,
    ENTRY_TYPES,
    UPDATED,
    Company,
    Contact,
    Employee,
    Entry,
    Group,
    NotificationList,
    ServiceObject,
    new_entry,
    normalize_domain,
    normalize_email,
    to_party,
)
from relay_tickets.domain.parties import EMPLOYEE, GROUP, Actor, Party, is_administrator
from relaykit.bus.outbox import Outbox
from relaykit.db import Database
from relaykit.errors import Conflict, Forbidden, InvalidInput, NotFound

__all__ = [
    "DIRECTORY_EVENTS",
    "ENTRY_TYPES",
    "Company",
    "Contact",
    "Directory",
    "Employee",
    "Group",
    "Page",
    "ServiceObject",
    "check_assignable",
]

E = TypeVar("E", bound=Entry)

_LABELS = {
    Company: "company",
    Contact: "contact",
    ServiceObject: "service object",
    Employee: "employee",
    Group: "group",
}
# Where a unique-constraint violation that slipped past the checks (a race) points.
_CONSTRAINT_FIELDS = (
    ("contact_emails", "emails"),
    ("company_domains", "domains"),
    ("employees", "email"),
    ("groups", "name"),
)


@dataclass(frozen=True)
class Page:
    items: list[Entry]
    next_cursor: str | None


@dataclass(frozen=True)
class HistoryPage:
    items: list[dict[str, Any]]
    next_cursor: int | None


HISTORY_MAX_PAGE = 200


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _label(cls: type[Entry]) -> str:
    return _LABELS[cls]


# -- references ----------------------------------------------------------------------
def check_parties(repo: DirectoryRepository, named: Sequence[tuple[str, Party]], *, active: bool = True) -> None:
    """Each (field, party) must exist (and be active): else InvalidInput naming `<field>.id`."""
    flags = {kind: repo.active_flags(kind, {p.id for _, p in named if p.kind == kind}) for kind in (EMPLOYEE, GROUP)}
    for name, p in named:
        if p.id not in flags[p.kind]:
            raise InvalidInput(f"there is no {p.kind} {p.id}", field=f"{name}.id")
        if active and not flags[p.kind][p.id]:
            raise InvalidInput(f"{p.kind} {p.id} is inactive", field=f"{name}.id")


def check_assignable(session: Session, party: Party, field: str = "responsible") -> None:
    """For the ticket code: may `party` be made responsible (or observer)? It must exist and be active."""
    check_parties(DirectoryRepository(session), [(field, party)])


def _check_ids(repo: DirectoryRepository, kind: str, named: Sequence[tuple[str, str]]) -> None:
    flags = repo.active_flags(kind, {i for _, i in named})
    for name, ident in named:
        if ident not in flags:
            raise InvalidInput(f"there is no {kind.replace('_', ' ')} {ident}", field=name)


def _new_items(values: Any, old: Collection[Any], name: str, convert=lambda v, _n: v) -> list[tuple[str, Any]]:
    """(field name with index, item) for the items of the input list that were not there before."""
    out = []
    for i, raw in enumerate(values or ()):
        item = convert(raw, f"{name}.{i}")
        if item not in old:
            out.append((f"{name}.{i}", item))
    return out


def _check_references(repo: DirectoryRepository, values: Mapping[str, Any], old: Entry | None) -> None:
    def before(name: str, default: Any = ()) -> Any:
        return getattr(old, name, default) if old is not None else default

    parties: list[tuple[str, Party]] = []
    if values.get("manager") is not None:
        manager = to_party(values["manager"], "manager")
        if manager != before("manager", None):
            parties.append(("manager", manager))
    if "observers" in values:
        parties += _new_items(values["observers"], before("observers"), "observers", to_party)
    check_parties(repo, parties)

    category = values.get("category_id")
    if category is not None and category != before("category_id", None) and not repo.category_exists(category):
        raise InvalidInput(f"there is no client category {values['category_id']}", field="category_id")
    if values.get("company_id") is not None and values["company_id"] != before("company_id", None):
        _check_ids(repo, "company", [("company_id", values["company_id"])])
    if "groups" in values:
        _check_ids(repo, "group", _new_items(values["groups"], before("groups"), "groups"))
    if "members" in values:
        _check_ids(repo, "employee", _new_items(values["members"], before("members"), "members"))
    if "notification_list" in values:
        given = NotificationList.of(values["notification_list"])
        old_list = before("notification_list", NotificationList())
        _check_ids(
            repo,
            "employee",
            _new_items(given.employees, old_list.employees, "notification_list.employees"),
        )
    if "service_object_ids" in values:
        named = _new_items(values["service_object_ids"], before("service_object_ids"), "service_object_ids")
        _check_ids(repo, "service_object", named)
    if "supervised_company_ids" in values:
        named = _new_items(values["supervised_company_ids"], before("supervised_company_ids"), "supervised_company_ids")
        _check_ids(repo, "company", named)


def _check_unique(repo: DirectoryRepository, entry: Entry, values: Mapping[str, Any]) -> None:
    if isinstance(entry, Employee) and "email" in values:
        owner = repo.employee_id_with_email(entry.email)
        if owner not in (None, entry.id):
            raise Conflict(f"another employee already has the email {entry.email}", field="email")
    elif isinstance(entry, Group) and "name" in values:
        owner = repo.group_id_named(entry.name)
        if owner not in (None, entry.id):
            raise Conflict(f"there is already a group named {entry.name!r}", field="name")
    elif isinstance(entry, Company) and "domains" in values:
        owners = repo.company_ids_with_domains(entry.domains)
        for i, raw in enumerate(values["domains"] or ()):
            domain = normalize_domain(raw, f"domains.{i}")
            if owners.get(domain, entry.id) != entry.id:
                raise Conflict(f"the domain {domain} belongs to another company", field=f"domains.{i}")
    elif isinstance(entry, Contact) and "emails" in values:
        owners = repo.contact_ids_with_emails(entry.emails)
        for i, raw in enumerate(values["emails"] or ()):
            email = normalize_email(raw, f"emails.{i}")
            if owners.get(email, entry.id) != entry.id:
                raise Conflict(f"another contact already has the email {email}", field=f"emails.{i}")


def _check_authority(actor: Actor, entry: Entry, widened: Sequence[str]) -> None:
    """Widening someone's access is an administrator's act: 403 naming the first such field."""
    if not widened or is_administrator(actor):
        return
    name = widened[0]
    if entry.STAFF_SIDE:
        detail = f"only an administrator changes {_label(type(entry))}s ({name})"
    elif isinstance(entry, ServiceObject):
        detail = "only an administrator moves a service object to another company (who sees its tickets changes)"
    elif name == "active":
        detail = "only an administrator reactivates a customer who may see more than their own tickets"
    else:
        detail = f"only an administrator changes what a customer may see ({name})"
    raise Forbidden(detail, field=name)


def _state(entry: Entry) -> dict[str, Any]:
    return entry.content() | {"active": entry.active}


def _record(session: Session, entry: Entry, changes: list[tuple[str, Any, Any]], actor: Actor, now: datetime) -> None:
    DirectoryHistory(session).record(entry.KIND, entry.id, changes, actor, now)


def _check_if_match(entry: Entry, if_match: Collection[int] | None) -> None:
    if if_match is not None and entry.version not in if_match:
        raise Conflict(
            f"this {entry.KIND.replace('_', ' ')} is at version {entry.version}, not the one you read; "
            "read it again and retry",
            field="If-Match",
            current_version=entry.version,
        )


# -- the use cases ---------------------------------------------------------------------
class Directory:
    """The directory's use cases over one service's database and outbox."""

    def __init__(self, db: Database, outbox: Outbox) -> None:
        self.db = db
        self.outbox = outbox

    @contextmanager
    def transaction(self) -> Iterator[tuple[Session, DirectoryRepository]]:
        try:
            with self.db.session() as session:
                yield session, DirectoryRepository(session)
        except IntegrityError as e:
            text = str(e.orig)
            name = next((f for table, f in _CONSTRAINT_FIELDS if table in text), "body")
            raise Conflict(
                "the change conflicts with one made at the same time; read again and retry", field=name
            ) from None

    def _emit(self, session: Session, entry: Entry, change: str, actor: Actor | None) -> None:
        data: dict[str, Any] = {entry.KIND: entry.snapshot(), "change": change}
        if actor is not None:
            data["actor"] = actor.to_dict()
        self.outbox.emit(
            session,
            entry.event_type,
            data,
            aggregate_type=entry.KIND,
            aggregate_id=entry.id,
            sequence=entry.version,
        )

    def _load(self, repo: DirectoryRepository, cls: type[E], id_: str) -> E:
        entry = repo.get(cls, id_)
        if entry is None:
            raise NotFound(f"there is no {_label(cls)} {id_}", field="id")
        return entry  # type: ignore[return-value]

    @contextmanager
    def _changing(
        self, cls: type[E], id_: str, if_match: Collection[int] | None
    ) -> Iterator[tuple[Session, DirectoryRepository, E]]:
        """A transaction holding the entry, once it is known to be the version the caller read."""
        with self.transaction() as (session, repo):
            entry = self._load(repo, cls, id_)
            _check_if_match(entry, if_match)
            yield session, repo, entry

    def _membership_changed(
        self, session: Session, repo: DirectoryRepository, entry: Entry, before: Collection[str], now, actor
    ) -> None:
        """Group membership is on both sides (an employee's groups, a group's members):
        the other side's entries get a new version and event too, so copies stay right."""
        if isinstance(entry, Employee):
            other, after = Group, entry.groups
        elif isinstance(entry, Group):
            other, after = Employee, entry.members
        else:
            return
        side = "groups" if other is Employee else "members"
        for affected in repo.get_many(other, sorted(set(before) ^ set(after))):
            loaded = affected.version
            affected.touch(now)
            repo.save(affected, loaded)
            self._emit(session, affected, UPDATED, actor)
            now_in = list(getattr(affected, side))
            was_in = sorted(set(now_in) ^ {entry.id})
            _record(session, affected, [(side, was_in, now_in)], actor, now)

    @staticmethod
    def _members(entry: Entry | None) -> tuple[str, ...]:
        if isinstance(entry, Employee):
            return entry.groups
        if isinstance(entry, Group):
            return entry.members
        return ()

    # -- writes --
    def create(
        self,
        cls: type[E],
        values: Mapping[str, Any],
        actor: Actor,
        *,
        id: str | None = None,
        now: datetime | None = None,
    ) -> E:
        now = _now(now)
        entry = new_entry(cls, id=id or str(uuid.uuid4()), now=now, **values)
        _check_authority(actor, entry, entry.widened(None))
        with self.transaction() as (session, repo):
            if id is not None and repo.get(cls, id) is not None:
                raise Conflict(f"there is already a {_label(cls)} {id}", field="id")
            _check_references(repo, values, None)
            _check_unique(repo, entry, values)
            repo.add(entry)
            self._emit(session, entry, CREATED, actor)
            _record(session, entry, changed_fields(None, _state(entry)), actor, now)
            self._membership_changed(session, repo, entry, (), now, actor)
        return entry

    def update(
        self,
        cls: type[E],
        id_: str,
        changes: Mapping[str, Any],
        actor: Actor,
        *,
        if_match: Collection[int] | None = None,
        now: datetime | None = None,
    ) -> E:
        """A partial update; nothing is written (no new version, no event) when nothing changes."""
        now = _now(now)
        with self._changing(cls, id_, if_match) as (session, repo, entry):
            loaded, members_before = entry.version, self._members(entry)
            old = copy.copy(entry)
            if not entry.apply(changes, now):
                return entry
            _check_authority(actor, entry, entry.widened(old))
            _check_references(repo, changes, old)
            _check_unique(repo, entry, changes)
            repo.save(entry, loaded)
            self._emit(session, entry, UPDATED, actor)
            _record(session, entry, changed_fields(_state(old), _state(entry)), actor, now)
            self._membership_changed(session, repo, entry, members_before, now, actor)
        return entry

    def set_active(
        self,
        cls: type[E],
        id_: str,
        active: bool,
        actor: Actor,
        *,
        if_match: Collection[int] | None = None,
        now: datetime | None = None,
    ) -> E:
        """Deactivate (refused for staff still responsible for tickets that are not closed) or activate."""
        now = _now(now)
        with self._changing(cls, id_, if_match) as (session, repo, entry):
            loaded = entry.version
            if entry.active != active and (entry.STAFF_SIDE or (active and entry.widened_by_activation())):
                _check_authority(actor, entry, ["active"])
            if active:
                changed, change = entry.activate(now), ACTIVATED
            else:
                if entry.active and isinstance(entry, Employee | Group):
                    count = repo.not_closed_tickets_of(Party(entry.KIND, entry.id))
                    if count:
                        raise Conflict(
                            f"{entry.name} is responsible for {count} ticket{'s' if count != 1 else ''} that "
                            f"{'are' if count != 1 else 'is'} not closed; hand them over first",
                            field="active",
                            not_closed_tickets=count,
                        )
                changed, change = entry.deactivate(now), DEACTIVATED
            if changed:
                repo.save(entry, loaded)
                self._emit(session, entry, change, actor)
                _record(session, entry, [("active", not active, active)], actor, now)
        return entry

    def deactivate(self, cls: type[E], id_: str, actor: Actor, **kw: Any) -> E:
        return self.set_active(cls, id_, False, actor, **kw)

    def activate(self, cls: type[E], id_: str, actor: Actor, **kw: Any) -> E:
        return self.set_active(cls, id_, True, actor, **kw)

    # -- who reaches what --
    def check_reach(self, cls: type[E], id_: str, viewer: Viewer | None) -> None:
        """A company, contact or service object no ticket a specialist may see points at
        is, to them, not there: the same 404 as a missing one."""
        if viewer is None or reached_entries(viewer, cls.KIND) is None:
            return
        with self.transaction() as (session, _):
            if not session.scalar(select(reaches_entry(viewer, cls.KIND, id_))):
                raise NotFound(f"there is no {_label(cls)} {id_}", field="id")

    # -- reads --
    def get(self, cls: type[E], id_: str) -> E:
        with self.transaction() as (_, repo):
            return self._load(repo, cls, id_)

    def page(
        self,
        cls: type[E],
        *,
        q: str | None = None,
        active: bool | None = None,
        cursor: str | None = None,
        limit: int = 50,
        viewer: Viewer | None = None,
        **filters: Any,
    ) -> Page:
        """By name; `next_cursor` is None on the last page; of what `viewer` reaches, if given."""
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInput(f"must be between 1 and {MAX_PAGE}", field="limit")
        after = decode_cursor(cursor) if cursor else None
        filters = {k: v for k, v in filters.items() if v is not None}
        with self.transaction() as (_, repo):
            within = reached_entries(viewer, cls.KIND, repo.session) if viewer is not None else None
            items = repo.page(cls, q=q or None, active=active, after=after, limit=limit + 1, within=within, **filters)
        more = len(items) > limit
        items = items[:limit]
        last = items[-1] if more and items else None
        return Page(items, encode_cursor(last.name, last.id) if last else None)

    def history(self, cls: type[E], id_: str, *, after: int | None = None, limit: int = 100) -> HistoryPage:
        """An entry's changes, oldest first; `next_cursor` is None on the last page."""
        if not 1 <= limit <= HISTORY_MAX_PAGE:
            raise InvalidInput(f"must be between 1 and {HISTORY_MAX_PAGE}", field="limit")
        with self.transaction() as (session, repo):
            self._load(repo, cls, id_)
            rows = DirectoryHistory(session).page(cls.KIND, id_, after=after, limit=limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        return HistoryPage(rows, rows[-1]["id"] if more and rows else None)

    # -- look-ups for the rest of the service (mail matching, assignment) --
    def contact_by_email(self, email: str) -> Contact | None:
        with self.transaction() as (_, repo):
            return repo.contact_by_email(email)

    def company_by_domain(self, domain: str) -> Company | None:
        with self.transaction() as (_, repo):
            return repo.company_by_domain(domain)

    def company_for_address(self, email: str) -> Company | None:
        with self.transaction() as (_, repo):
            return repo.company_for_address(email)

    def contacts_by_phone(self, phone: str) -> list[Contact]:
        with self.transaction() as (_, repo):
            return repo.contacts_by_phone(phone)

    def employee_by_email(self, email: str) -> Employee | None:
        with self.transaction() as (_, repo):
            return repo.employee_by_email(email)
