"""Finding and storing directory entries with their child rows (SQLAlchemy Core;
the same statements on SQLite and PostgreSQL).

Each save rewrites the entry's child rows (domains, emails, observers, ...) and
checks the version it loaded, so a concurrent change of the same entry fails
instead of being overwritten. Emails and domains are stored normalised
(lowercase), so the mail-matching lookups are plain index look-ups.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from sqlalchemy import Table, and_, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from relay_tickets.adapters.tables.directory import (
    companies,
    company_domains,
    contact_emails,
    contact_phones,
    contact_service_objects,
    contact_supervised_companies,
    contacts,
    default_observers,
    employees,
    group_members,
    group_notification_list,
    groups,
    service_objects,
)
from relay_tickets.adapters.tables.settings import client_categories
from relay_tickets.adapters.tables.tickets import tickets
from relay_tickets.domain.directory import (
    Company,
    Contact,
    Employee,
    Entry,
    Group,
    NotificationList,
    ServiceObject,
    normalize_domain,
    normalize_email,
    normalize_phone,
)
from relay_tickets.domain.parties import Party
from relaykit import json_body
from relaykit.db_types import name_key
from relaykit.errors import Conflict, InvalidInput, RelayError

MAX_PAGE = 200
CLOSED = "closed"

TABLES: dict[type[Entry], Table] = {
    Company: companies,
    Contact: contacts,
    ServiceObject: service_objects,
    Employee: employees,
    Group: groups,
}
_BY_KIND: dict[str, type[Entry]] = {cls.KIND: cls for cls in TABLES}
# Columns of the main row besides the stamps, per kind.
_COLUMNS: dict[type[Entry], tuple[str, ...]] = {
    Company: ("name", "email", "phone", "category_id"),
    Contact: ("name", "company_id", "copy_to", "portal_access"),
    ServiceObject: ("company_id", "name", "address"),
    Employee: ("name", "email", "phone", "role"),
    Group: ("name",),
}
# What `q` searches in (case-insensitive "contains"), besides child rows.
_SEARCHED: dict[type[Entry], tuple[str, ...]] = {
    Company: ("name", "email"),
    Contact: ("name",),
    ServiceObject: ("name", "address"),
    Employee: ("name", "email"),
    Group: ("name",),
}


# -- cursors ----------------------------------------------------------------------
def encode_cursor(name: str, id_: str) -> str:
    raw = json.dumps([name, id_], separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str]:
    try:
        # The kit's parser: a forged cursor's NUL or lone surrogate never reaches the database.
        name, id_ = json_body.parse(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(name, str) or not isinstance(id_, str):
            raise ValueError(cursor)
    except (RelayError, ValueError, TypeError, binascii.Error):
        raise InvalidInput("not a cursor this API gave out", field="cursor") from None
    return name, id_


def _contains(column: ColumnElement, text: str) -> ColumnElement[bool]:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(column).like(f"%{escaped}%", escape="\\")


class DirectoryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- reading ----------------------------------------------------------------------
    def get(self, cls: type[Entry], id_: str) -> Entry | None:
        table = TABLES[cls]
        found = self._load(cls, self.session.execute(select(table).where(table.c.id == id_)).mappings().all())
        return found[0] if found else None

    def get_many(self, cls: type[Entry], ids: Iterable[str]) -> list[Entry]:
        table = TABLES[cls]
        ids = list(dict.fromkeys(ids))
        if not ids:
            return []
        rows = self.session.execute(select(table).where(table.c.id.in_(ids)).order_by(table.c.id)).mappings().all()
        return self._load(cls, rows)

    def active_flags(self, kind: str, ids: Collection[str]) -> dict[str, bool]:
        """id -> active, for those of `ids` that exist (kind: employee, group, company, ...)."""
        table = TABLES[_BY_KIND[kind]]
        if not ids:
            return {}
        rows = self.session.execute(select(table.c.id, table.c.active).where(table.c.id.in_(list(set(ids)))))
        return {r.id: bool(r.active) for r in rows}

    def category_exists(self, category_id: int) -> bool:
        return (
            self.session.scalar(select(client_categories.c.id).where(client_categories.c.id == category_id)) is not None
        )

    def category_id_by_name(self, name: str) -> int | None:
        return self.session.scalar(select(client_categories.c.id).where(client_categories.c.name == name))

    def count(self, cls: type[Entry]) -> int:
        return int(self.session.scalar(select(func.count()).select_from(TABLES[cls])) or 0)

    def page(
        self,
        cls: type[Entry],
        *,
        q: str | None = None,
        active: bool | None = None,
        after: tuple[str, str] | None = None,
        limit: int = 50,
        company_id: str | None = None,
        category_id: int | None = None,
        role: str | None = None,
        email: str | None = None,
        domain: str | None = None,
        phone: str | None = None,
        ids: Sequence[str] | None = None,
        within: ColumnElement[bool] | None = None,
    ) -> list[Entry]:
        """By name, then id; keyset pagination after (name, id) of the previous page's last
        entry; `within`: only the entries this condition allows (a specialist's reach)."""
        table = TABLES[cls]
        stmt = select(table).order_by(table.c.name, table.c.id).limit(max(1, min(limit, MAX_PAGE + 1)))
        if within is not None:
            stmt = stmt.where(within)
        if active is not None:
            stmt = stmt.where(table.c.active == active)
        if after is not None:
            name, id_ = after
            stmt = stmt.where(or_(table.c.name > name, and_(table.c.name == name, table.c.id > id_)))
        if ids is not None:
            stmt = stmt.where(table.c.id.in_(ids))
        if company_id is not None and "company_id" in table.c:
            stmt = stmt.where(table.c.company_id == company_id)
        if category_id is not None and cls is Company:
            stmt = stmt.where(table.c.category_id == category_id)
        if role is not None and cls is Employee:
            stmt = stmt.where(table.c.role == role)
        if email is not None:
            address = normalize_email(email, "email")
            if cls is Contact:
                stmt = stmt.where(
                    table.c.id.in_(select(contact_emails.c.contact_id).where(contact_emails.c.email == address))
                )
            elif "email" in table.c:
                stmt = stmt.where(table.c.email == address)
        if domain is not None and cls is Company:
            name = normalize_domain(domain, "domain")
            stmt = stmt.where(
                table.c.id.in_(select(company_domains.c.company_id).where(company_domains.c.domain == name))
            )
        if phone is not None and cls is Contact:
            number = normalize_phone(phone, "phone")
            stmt = stmt.where(
                table.c.id.in_(select(contact_phones.c.contact_id).where(contact_phones.c.phone == number))
            )
        if q:
            stmt = stmt.where(or_(*self._search(cls, q)))
        return self._load(cls, self.session.execute(stmt).mappings().all())

    def _search(self, cls: type[Entry], q: str) -> list[ColumnElement[bool]]:
        table = TABLES[cls]
        terms = [_contains(table.c[name], q) for name in _SEARCHED[cls]]
        if cls is Contact:
            terms.append(
                table.c.id.in_(select(contact_emails.c.contact_id).where(_contains(contact_emails.c.email, q)))
            )
        if cls is Company:
            terms.append(
                table.c.id.in_(select(company_domains.c.company_id).where(_contains(company_domains.c.domain, q)))
            )
        return terms

    # -- the look-ups other parts of the service need -------------------------------
    def employee_by_email(self, email: str) -> Employee | None:
        address = normalize_email(email, "email")
        rows = self.session.execute(select(employees).where(employees.c.email == address)).mappings().all()
        found = self._load(Employee, rows)
        return found[0] if found else None  # type: ignore[return-value]

    def contact_by_email(self, email: str) -> Contact | None:
        """The contact one of whose addresses is `email` (case-insensitive): who sent this mail."""
        address = normalize_email(email, "email")
        contact_id = self.session.scalar(select(contact_emails.c.contact_id).where(contact_emails.c.email == address))
        return None if contact_id is None else self.get(Contact, contact_id)  # type: ignore[return-value]

    def company_by_domain(self, domain: str) -> Company | None:
        """The company that owns `domain` exactly (case-insensitive)."""
        name = normalize_domain(domain, "domain")
        company_id = self.session.scalar(select(company_domains.c.company_id).where(company_domains.c.domain == name))
        return None if company_id is None else self.get(Company, company_id)  # type: ignore[return-value]

    def company_for_address(self, email: str) -> Company | None:
        """The company of a sender's domain, trying parent domains too (mail.acme.com -> acme.com)."""
        labels = normalize_email(email, "email").rpartition("@")[2].split(".")
        candidates = [".".join(labels[i:]) for i in range(len(labels) - 1)]
        rows = self.session.execute(
            select(company_domains.c.domain, company_domains.c.company_id).where(
                company_domains.c.domain.in_(candidates)
            )
        ).all()
        owners = {r.domain: r.company_id for r in rows}
        for candidate in candidates:  # the most specific domain first
            if candidate in owners:
                return self.get(Company, owners[candidate])  # type: ignore[return-value]
        return None

    def contacts_by_phone(self, phone: str) -> list[Contact]:
        number = normalize_phone(phone, "phone")
        ids = self.session.scalars(select(contact_phones.c.contact_id).where(contact_phones.c.phone == number)).all()
        return self.get_many(Contact, ids)  # type: ignore[return-value]

    def not_closed_tickets_of(self, party: Party) -> int:
        """How many tickets that are not closed have `party` as their responsible."""
        return int(
            self.session.scalar(
                select(func.count())
                .select_from(tickets)
                .where(
                    tickets.c.responsible_kind == party.kind,
                    tickets.c.responsible_id == party.id,
                    tickets.c.status != CLOSED,
                )
            )
            or 0
        )

    # -- uniqueness -------------------------------------------------------------------
    def employee_id_with_email(self, email: str) -> str | None:
        return self.session.scalar(select(employees.c.id).where(employees.c.email == email))

    def group_id_named(self, name: str) -> str | None:
        return self.session.scalar(select(groups.c.id).where(groups.c.name_key == name_key(name)).limit(1))

    def contact_ids_with_emails(self, emails: Collection[str]) -> dict[str, str]:
        """email -> the contact that has it."""
        if not emails:
            return {}
        rows = self.session.execute(select(contact_emails).where(contact_emails.c.email.in_(list(emails))))
        return {r.email: r.contact_id for r in rows}

    def company_ids_with_domains(self, domains: Collection[str]) -> dict[str, str]:
        """domain -> the company that owns it."""
        if not domains:
            return {}
        rows = self.session.execute(select(company_domains).where(company_domains.c.domain.in_(list(domains))))
        return {r.domain: r.company_id for r in rows}

    # -- writing ----------------------------------------------------------------------
    def add(self, entry: Entry) -> None:
        table = TABLES[type(entry)]
        self.session.execute(insert(table).values(id=entry.id, created_at=entry.created_at, **self._row(entry)))
        self._write_children(entry)

    def save(self, entry: Entry, expected_version: int) -> None:
        """Store a changed entry; Conflict if someone else changed it since it was loaded."""
        table = TABLES[type(entry)]
        result = self.session.execute(
            update(table).where(table.c.id == entry.id, table.c.version == expected_version).values(**self._row(entry))
        )
        if result.rowcount != 1:
            raise Conflict(
                f"this {entry.KIND.replace('_', ' ')} was changed by someone else meanwhile; read it again and retry",
                field="version",
            )
        self._write_children(entry, replace=True)

    def _row(self, entry: Entry) -> dict[str, Any]:
        row = {name: getattr(entry, name) for name in _COLUMNS[type(entry)]}
        row |= {"active": entry.active, "version": entry.version, "updated_at": entry.updated_at}
        if isinstance(entry, Group):
            row["name_key"] = name_key(entry.name)
        manager = getattr(entry, "manager", None)
        if hasattr(entry, "manager"):
            row |= {"manager_kind": manager and manager.kind, "manager_id": manager and manager.id}
        return row

    def _replace(self, table: Table, key: str, owner_id: str, rows: Sequence[dict[str, Any]], fresh: bool) -> None:
        if not fresh:
            self.session.execute(delete(table).where(table.c[key] == owner_id))
        if rows:
            self.session.execute(insert(table), [{key: owner_id, **r} for r in rows])

    def _write_children(self, entry: Entry, replace: bool = False) -> None:
        fresh = not replace
        if isinstance(entry, Employee):
            self._replace(group_members, "employee_id", entry.id, [{"group_id": g} for g in entry.groups], fresh)
        elif isinstance(entry, Group):
            self._replace(group_members, "group_id", entry.id, [{"employee_id": e} for e in entry.members], fresh)
            notify = [{"employee_id": e, "email": None} for e in entry.notification_list.employees]
            notify += [{"employee_id": None, "email": a} for a in entry.notification_list.emails]
            self._replace(group_notification_list, "group_id", entry.id, notify, fresh)
        elif isinstance(entry, Company):
            self._replace(company_domains, "company_id", entry.id, [{"domain": d} for d in entry.domains], fresh)
        elif isinstance(entry, Contact):
            emails = [{"email": e, "position": i} for i, e in enumerate(entry.emails)]
            phones = [{"phone": p, "position": i} for i, p in enumerate(entry.phones)]
            self._replace(contact_emails, "contact_id", entry.id, emails, fresh)
            self._replace(contact_phones, "contact_id", entry.id, phones, fresh)
            objects = [{"service_object_id": s} for s in entry.service_object_ids]
            self._replace(contact_service_objects, "contact_id", entry.id, objects, fresh)
            supervised = [{"company_id": c} for c in entry.supervised_company_ids]
            self._replace(contact_supervised_companies, "contact_id", entry.id, supervised, fresh)
        if hasattr(entry, "observers"):
            if replace:
                self.session.execute(
                    delete(default_observers).where(
                        default_observers.c.owner_kind == entry.KIND, default_observers.c.owner_id == entry.id
                    )
                )
            if entry.observers:
                self.session.execute(
                    insert(default_observers),
                    [
                        {"owner_kind": entry.KIND, "owner_id": entry.id, "party_kind": p.kind, "party_id": p.id}
                        for p in entry.observers
                    ],
                )

    # -- loading ------------------------------------------------------------------------
    def _children(self, table: Table, key: str, ids: list[str], *columns: str, order: str | None = None):
        """owner id -> list of rows (one value, or a tuple when several columns are asked for)."""
        out: dict[str, list[Any]] = defaultdict(list)
        if not ids:
            return out
        stmt = select(table.c[key], *(table.c[c] for c in columns)).where(table.c[key].in_(ids))
        stmt = stmt.order_by(table.c[key], *([table.c[order]] if order else []), *(table.c[c] for c in columns))
        for row in self.session.execute(stmt):
            out[row[0]].append(row[1] if len(columns) == 1 else tuple(row[1:]))
        return out

    def _observers(self, kind: str, ids: list[str]) -> dict[str, list[Party]]:
        out: dict[str, list[Party]] = defaultdict(list)
        if not ids:
            return out
        rows = self.session.execute(
            select(default_observers).where(
                default_observers.c.owner_kind == kind, default_observers.c.owner_id.in_(ids)
            )
        )
        for r in rows:
            out[r.owner_id].append(Party(r.party_kind, r.party_id))
        return out

    def _load(self, cls: type[Entry], rows: Sequence[Any]) -> list[Entry]:
        ids = [r["id"] for r in rows]
        extra: dict[str, dict[str, Any]] = {i: {} for i in ids}

        def put(name: str, values: dict[str, list[Any]]) -> None:
            for i in ids:
                extra[i][name] = values.get(i, [])

        if cls is Employee:
            put("groups", self._children(group_members, "employee_id", ids, "group_id"))
        elif cls is Group:
            put("members", self._children(group_members, "group_id", ids, "employee_id"))
            notify = self._children(group_notification_list, "group_id", ids, "employee_id", "email", order="id")
            for i in ids:
                entries = notify.get(i, [])
                extra[i]["notification_list"] = NotificationList(
                    employees=tuple(e for e, _ in entries if e), emails=tuple(a for _, a in entries if a)
                )
        elif cls is Company:
            put("domains", self._children(company_domains, "company_id", ids, "domain"))
        elif cls is Contact:
            put("emails", self._children(contact_emails, "contact_id", ids, "email", order="position"))
            put("phones", self._children(contact_phones, "contact_id", ids, "phone", order="position"))
            put("service_object_ids", self._children(contact_service_objects, "contact_id", ids, "service_object_id"))
            put(
                "supervised_company_ids",
                self._children(contact_supervised_companies, "contact_id", ids, "company_id"),
            )
        if "observers" in cls.MUTABLE:
            put("observers", self._observers(cls.KIND, ids))

        entries = []
        for r in rows:
            values = {name: r[name] for name in _COLUMNS[cls]}
            if "manager" in cls.MUTABLE:
                values["manager"] = Party(r["manager_kind"], r["manager_id"]) if r["manager_kind"] else None
            entries.append(
                cls(
                    id=r["id"],
                    active=bool(r["active"]),
                    version=r["version"],
                    created_at=r["created_at"],
                    updated_at=r["updated_at"],
                    **values,
                    **extra[r["id"]],
                )
            )
        return entries
