"""The client directory and the staff, as plain values with their invariants.

Companies, contacts and service objects are the clients' side; employees and
groups are ours. Every entry normalises what it is given (emails and domains
lowercased, phones to digits with an optional leading +) and refuses what makes
no sense, raising InvalidInput that names the field (`emails.1`, `manager.id`).

Each entry carries a version, bumped by every change: it is the ETag of the API
and the sequence of the `<kind>.changed` event whose payload is `snapshot()`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any, ClassVar, TypeVar

from relay_tickets.domain.parties import EMPLOYEE, GROUP, Party
from relaykit.errors import InvalidInput
from relaykit.identity import ADMINISTRATOR, LEAD_SPECIALIST, SPECIALIST

EMPLOYEE_ROLES = (ADMINISTRATOR, LEAD_SPECIALIST, SPECIALIST)

# What a contact sees in the portal.
OWN, COMPANY, SERVICE_OBJECTS, SUPERVISED = "own", "company", "service_objects", "supervised"
PORTAL_ACCESS = (OWN, COMPANY, SERVICE_OBJECTS, SUPERVISED)

# Column sizes (adapters/tables/directory.py).
NAME_MAX = 200
COMPANY_NAME_MAX = 300
ADDRESS_MAX = 500
EMAIL_MAX = 320
DOMAIN_MAX = 253
ID_MAX = 36
LIST_MAX = 100

CREATED, UPDATED, DEACTIVATED, ACTIVATED = "created", "updated", "deactivated", "activated"
CHANGES = (CREATED, UPDATED, DEACTIVATED, ACTIVATED)


# -- values ---------------------------------------------------------------------
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# Anything but whitespace, quotes and the characters that need quoting in an address.
_LOCAL = re.compile(r'^[^\s@"(),:;<>\[\]\\]+$')
_PHONE_SEPARATORS = re.compile(r"[\s().\-/]")


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput("must be a string", field=name)
    return value.strip()


def clean_name(value: Any, name: str = "name", max_len: int = NAME_MAX) -> str:
    text = _text(value, name)
    if not text:
        raise InvalidInput("must not be blank", field=name)
    if len(text) > max_len:
        raise InvalidInput(f"must be at most {max_len} characters", field=name)
    return text


def clean_optional_text(value: Any, name: str, max_len: int) -> str | None:
    if value is None:
        return None
    text = _text(value, name)
    if len(text) > max_len:
        raise InvalidInput(f"must be at most {max_len} characters", field=name)
    return text or None


def normalize_domain(value: Any, name: str = "domain") -> str:
    """`Acme.COM.` -> `acme.com`; an internationalised name becomes its punycode."""
    text = _text(value, name).lower().removeprefix("@").rstrip(".")
    try:
        ascii_form = text.encode("idna").decode("ascii") if text else ""
    except UnicodeError:
        ascii_form = ""
    labels = ascii_form.split(".")
    if (
        len(ascii_form) > DOMAIN_MAX
        or len(labels) < 2
        or not all(_LABEL.match(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise InvalidInput(f"{value!r} is not a valid domain name", field=name)
    return ascii_form


def normalize_email(value: Any, name: str = "email") -> str:
    """`Ann.Lee@Acme.COM ` -> `ann.lee@acme.com`; refuses anything that is not one address."""
    text = _text(value, name).lower()
    local, at, domain = text.rpartition("@")
    bad = (
        not at
        or not local
        or len(local) > 64
        or not _LOCAL.match(local)
        or local.startswith(".")
        or local.endswith(".")
        or ".." in local
    )
    if not bad:
        try:
            domain = normalize_domain(domain, name)
        except InvalidInput:
            bad = True
    address = f"{local}@{domain}"
    if bad or len(address) > EMAIL_MAX:
        raise InvalidInput(f"{value!r} is not a valid email address", field=name)
    return address


def normalize_phone(value: Any, name: str = "phone") -> str:
    """`+1 (555) 010-2030` -> `+15550102030`: digits, with the leading + kept if given."""
    text = _text(value, name)
    plus = text.startswith("+")
    body = _PHONE_SEPARATORS.sub("", text[1:] if plus else text)
    if not body.isascii() or not body.isdigit() or not 3 <= len(body) <= 20:
        raise InvalidInput(f"{value!r} is not a phone number (digits, spaces, ()-./ and a leading +)", field=name)
    return ("+" if plus else "") + body


def clean_id(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > ID_MAX:
        raise InvalidInput("must be an id (1 to 36 characters)", field=name)
    return value.strip()


def to_party(value: Any, name: str) -> Party:
    """A Party from a Party or {"kind", "id"}; errors name `<name>.kind` / `<name>.id`."""
    if isinstance(value, Party):
        kind, ident = value.kind, value.id
    elif isinstance(value, Mapping):
        kind, ident = value.get("kind"), value.get("id")
    else:
        raise InvalidInput("must be an object with kind and id", field=name)
    if kind not in (EMPLOYEE, GROUP):
        raise InvalidInput(f"must be an employee or a group, not {kind!r}", field=f"{name}.kind")
    return Party(kind, clean_id(ident, f"{name}.id"))


def _items(value: Any, name: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise InvalidInput("must be a list", field=name)
    items = list(value)
    if len(items) > LIST_MAX:
        raise InvalidInput(f"must have at most {LIST_MAX} entries", field=name)
    return items


def _unique(values: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(dict.fromkeys(values))


def clean_list(value: Any, name: str, clean, *, ordered: bool = False) -> tuple[Any, ...]:
    """Each item cleaned (errors name `<name>.<index>`), duplicates dropped; sorted unless
    the order means something (a contact's first email is its main one)."""
    cleaned = _unique(clean(item, f"{name}.{i}") for i, item in enumerate(_items(value, name)))
    return cleaned if ordered else tuple(sorted(cleaned))


@dataclass(frozen=True)
class NotificationList:
    """Who hears about a group's tickets: members of staff and/or plain addresses."""

    employees: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()

    @classmethod
    def of(cls, value: Any, name: str = "notification_list") -> NotificationList:
        if isinstance(value, NotificationList):
            value = value.to_dict()
        if value is None:
            return cls()
        if not isinstance(value, Mapping):
            raise InvalidInput("must be an object with employees and emails", field=name)
        unknown = set(value) - {"employees", "emails"}
        if unknown:
            raise InvalidInput("unknown field", field=f"{name}.{sorted(unknown)[0]}")
        return cls(
            employees=clean_list(value.get("employees"), f"{name}.employees", clean_id),
            emails=clean_list(value.get("emails"), f"{name}.emails", normalize_email),
        )

    def to_dict(self) -> dict[str, list[str]]:
        return {"employees": list(self.employees), "emails": list(self.emails)}


# -- entries ----------------------------------------------------------------------
@dataclass(kw_only=True)
class Entry:
    """What every directory entry has: an id, an active flag, a version and its stamps."""

    KIND: ClassVar[str]
    # What `apply` may change (active changes through deactivate/activate only).
    MUTABLE: ClassVar[tuple[str, ...]]
    STAMPS: ClassVar[tuple[str, ...]] = ("id", "active", "version", "created_at", "updated_at")
    # Fields whose change widens what someone may see or do: an administrator's act
    # (see `widened`), named in this order when several change at once.
    GRANTS: ClassVar[tuple[str, ...]] = ()
    # Ours (staff): only administrators write these at all, whatever changes.
    STAFF_SIDE: ClassVar[bool] = False

    id: str
    active: bool = True
    version: int = 1
    created_at: datetime
    updated_at: datetime

    def __post_init__(self) -> None:
        self.id = clean_id(self.id, "id")
        if not isinstance(self.version, int) or self.version < 1:
            raise InvalidInput("must be a positive integer", field="version")
        for stamp in ("created_at", "updated_at"):
            value = getattr(self, stamp)
            if not isinstance(value, datetime) or value.tzinfo is None:
                raise InvalidInput("must be a timezone-aware date-time", field=stamp)
        self.active = bool(self.active)
        self.normalize()

    def normalize(self) -> None:
        """Clean every field in place; raise InvalidInput naming the first bad one."""

    @property
    def event_type(self) -> str:
        return f"{self.KIND}.changed"

    # -- state --
    def content(self) -> dict[str, Any]:
        """The entry's own fields as JSON values (the snapshot without id, flag and stamps)."""
        return {f.name: _json(getattr(self, f.name)) for f in fields(self) if f.name not in self.STAMPS}

    def snapshot(self) -> dict[str, Any]:
        """The payload of `<kind>.changed` (contracts/schemas/events/<kind>.changed.v1.json)."""
        return {
            "id": self.id,
            **self.content(),
            "active": self.active,
            "version": self.version,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }

    # -- who may change it --
    def widened(self, before: Entry | None) -> list[str]:
        """The fields whose change (from `before`; None: creating) widens what someone may
        see or do, in GRANTS order: on a staff entry, every field that changed."""
        if self.STAFF_SIDE:
            old = before.content() if before is not None else {}
            new = self.content()
            return [name for name in self.MUTABLE if name not in old or old[name] != new[name]]
        if before is None:
            return []  # a new entry is in nobody's reach yet
        return [name for name in self.GRANTS if getattr(self, name) != getattr(before, name)]

    def widened_by_activation(self) -> bool:
        """Whether activating this entry gives someone back more than anyone may create."""
        return self.STAFF_SIDE

    # -- changes --
    def apply(self, changes: Mapping[str, Any], now: datetime) -> bool:
        """Change some fields at once; False (and no new version) when nothing really changed."""
        unknown = sorted(set(changes) - set(self.MUTABLE))
        if unknown:
            raise InvalidInput("cannot be changed here", field=unknown[0])
        candidate = replace(self, **changes)
        if candidate.content() == self.content():
            return False
        for name in self.MUTABLE:
            setattr(self, name, getattr(candidate, name))
        self.touch(now)
        return True

    def deactivate(self, now: datetime) -> bool:
        if not self.active:
            return False
        self.active = False
        self.touch(now)
        return True

    def activate(self, now: datetime) -> bool:
        if self.active:
            return False
        self.active = True
        self.touch(now)
        return True

    def touch(self, now: datetime) -> None:
        """A new version: something about the entry changed (perhaps on another entry's side)."""
        self.version += 1
        self.updated_at = max(now, self.updated_at)


def _json(value: Any) -> Any:
    if isinstance(value, Party | NotificationList):
        return value.to_dict()
    if isinstance(value, tuple | list):
        return [_json(v) for v in value]
    return value


def _manager(value: Any) -> Party | None:
    return None if value is None else to_party(value, "manager")


def _observers(value: Any) -> tuple[Party, ...]:
    return clean_list(value, "observers", to_party)


@dataclass(kw_only=True)
class Employee(Entry):
    KIND: ClassVar[str] = "employee"
    # The role and groups first: what an employee may do, before how they are called.
    MUTABLE: ClassVar[tuple[str, ...]] = ("role", "groups", "email", "name", "phone")
    STAFF_SIDE: ClassVar[bool] = True

    name: str
    email: str
    phone: str | None = None
    role: str = SPECIALIST
    groups: tuple[str, ...] = ()

    def normalize(self) -> None:
        self.name = clean_name(self.name)
        self.email = normalize_email(self.email)
        self.phone = None if self.phone in (None, "") else normalize_phone(self.phone)
        if self.role not in EMPLOYEE_ROLES:
            raise InvalidInput(f"must be one of {', '.join(EMPLOYEE_ROLES)}", field="role")
        self.groups = clean_list(self.groups, "groups", clean_id)


@dataclass(kw_only=True)
class Group(Entry):
    KIND: ClassVar[str] = "group"
    MUTABLE: ClassVar[tuple[str, ...]] = ("members", "notification_list", "name")
    STAFF_SIDE: ClassVar[bool] = True

    name: str
    members: tuple[str, ...] = ()
    notification_list: NotificationList = field(default_factory=NotificationList)

    def normalize(self) -> None:
        self.name = clean_name(self.name)
        self.members = clean_list(self.members, "members", clean_id)
        self.notification_list = NotificationList.of(self.notification_list)


@dataclass(kw_only=True)
class Company(Entry):
    KIND: ClassVar[str] = "company"
    MUTABLE: ClassVar[tuple[str, ...]] = ("name", "email", "phone", "domains", "category_id", "manager", "observers")

    name: str
    email: str | None = None
    phone: str | None = None
    # Mail from an unknown sender at one of these domains belongs to this company.
    domains: tuple[str, ...] = ()
    category_id: int | None = None
    manager: Party | None = None
    observers: tuple[Party, ...] = ()

    def normalize(self) -> None:
        self.name = clean_name(self.name, max_len=COMPANY_NAME_MAX)
        self.email = None if self.email in (None, "") else normalize_email(self.email)
        self.phone = None if self.phone in (None, "") else normalize_phone(self.phone)
        self.domains = clean_list(self.domains, "domains", normalize_domain)
        if self.category_id is not None and (
            isinstance(self.category_id, bool) or not isinstance(self.category_id, int) or self.category_id < 1
        ):
            raise InvalidInput("must be a client category id", field="category_id")
        self.manager = _manager(self.manager)
        self.observers = _observers(self.observers)


@dataclass(kw_only=True)
class Contact(Entry):
    KIND: ClassVar[str] = "contact"
    MUTABLE: ClassVar[tuple[str, ...]] = (
        "name",
        "emails",
        "phones",
        "company_id",
        "manager",
        "observers",
        "copy_to",
        "portal_access",
        "service_object_ids",
        "supervised_company_ids",
    )
    GRANTS: ClassVar[tuple[str, ...]] = ("portal_access", "company_id", "supervised_company_ids", "service_object_ids")

    name: str
    # The first is the main address; any of them matches incoming mail.
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    # None: a private person.
    company_id: str | None = None
    manager: Party | None = None
    observers: tuple[Party, ...] = ()
    # Copied on what the contact is sent.
    copy_to: str | None = None
    portal_access: str = OWN
    service_object_ids: tuple[str, ...] = ()
    supervised_company_ids: tuple[str, ...] = ()

    def normalize(self) -> None:
        self.name = clean_name(self.name)
        self.emails = clean_list(self.emails, "emails", normalize_email, ordered=True)
        self.phones = clean_list(self.phones, "phones", normalize_phone, ordered=True)
        self.company_id = None if self.company_id is None else clean_id(self.company_id, "company_id")
        self.manager = _manager(self.manager)
        self.observers = _observers(self.observers)
        self.copy_to = None if self.copy_to in (None, "") else normalize_email(self.copy_to, "copy_to")
        if self.portal_access not in PORTAL_ACCESS:
            raise InvalidInput(f"must be one of {', '.join(PORTAL_ACCESS)}", field="portal_access")
        if self.portal_access == COMPANY and self.company_id is None:
            raise InvalidInput(
                "a private person (no company) cannot see a company's tickets; set company_id", field="portal_access"
            )
        self.service_object_ids = clean_list(self.service_object_ids, "service_object_ids", clean_id)
        self.supervised_company_ids = clean_list(self.supervised_company_ids, "supervised_company_ids", clean_id)
        if self.supervised_company_ids and self.portal_access != SUPERVISED:
            raise InvalidInput(
                f"supervised companies need portal_access {SUPERVISED!r} (it is {self.portal_access!r})",
                field="supervised_company_ids",
            )

    @property
    def main_email(self) -> str | None:
        return self.emails[0] if self.emails else None

    def reach(self) -> frozenset[tuple[str, str]]:
        """What the contact may see and do beyond their own tickets, which every contact sees:
        ("company", id) whose tickets they see, ("object", id) whose tickets they see,
        ("files_on", id) a service object they may register tickets about."""
        out = {("files_on", o) for o in self.service_object_ids}
        if self.portal_access == SERVICE_OBJECTS:
            out |= {("object", o) for o in self.service_object_ids}
        if self.portal_access in (COMPANY, SUPERVISED) and self.company_id is not None:
            out.add(("company", self.company_id))
        if self.portal_access == SUPERVISED:
            out |= {("company", c) for c in self.supervised_company_ids}
        return frozenset(out)

    def widened(self, before: Entry | None) -> list[str]:
        """Only what adds to the contact's reach: narrowing it, or moving a contact who sees
        only their own tickets to another company, is anyone's to do."""
        old = before.reach() if isinstance(before, Contact) else frozenset()
        gained = self.reach() - old
        if not gained:
            return []
        prior = before if isinstance(before, Contact) else None
        causes = set()
        for what, ident in gained:
            if what == "files_on":
                causes.add("service_object_ids")
            elif prior is None or prior.portal_access != self.portal_access:
                causes.add("portal_access")
            elif what == "company":
                moved = ident == self.company_id and prior.company_id != ident
                causes.add("company_id" if moved else "supervised_company_ids")
            else:
                causes.add("service_object_ids")
        return [name for name in self.GRANTS if name in causes]

    def widened_by_activation(self) -> bool:
        return bool(self.reach())


@dataclass(kw_only=True)
class ServiceObject(Entry):
    """A client's site or asset that tickets are about."""

    KIND: ClassVar[str] = "service_object"
    MUTABLE: ClassVar[tuple[str, ...]] = ("company_id", "name", "address", "manager", "observers")
    # Contacts who see this object's tickets would see another company's once it moved there.
    GRANTS: ClassVar[tuple[str, ...]] = ("company_id",)

    company_id: str
    name: str
    address: str | None = None
    manager: Party | None = None
    observers: tuple[Party, ...] = ()

    def normalize(self) -> None:
        self.company_id = clean_id(self.company_id, "company_id")
        self.name = clean_name(self.name, max_len=COMPANY_NAME_MAX)
        self.address = clean_optional_text(self.address, "address", ADDRESS_MAX)
        self.manager = _manager(self.manager)
        self.observers = _observers(self.observers)


ENTRY_TYPES: dict[str, type[Entry]] = {cls.KIND: cls for cls in (Company, Contact, ServiceObject, Employee, Group)}
DIRECTORY_EVENTS: tuple[str, ...] = tuple(f"{kind}.changed" for kind in ENTRY_TYPES)


E = TypeVar("E", bound=Entry)


def new_entry(cls: type[E], *, id: str, now: datetime, **values: Any) -> E:
    """A new entry at version 1; unknown fields are refused, naming them."""
    unknown = sorted(set(values) - set(cls.MUTABLE))
    if unknown:
        raise InvalidInput("unknown field", field=unknown[0])
    return cls(id=id, created_at=now, updated_at=now, **values)
