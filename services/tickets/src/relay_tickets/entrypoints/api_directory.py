"""HTTP routes of the client directory and the staff: thin, each hands over to the
service layer (service_layer/directory.py).

For each of /companies, /contacts, /service-objects, /employees, /groups:
GET (a page, by name: `q`, `active`, filters, `limit`, `cursor`), POST (201 +
Location), GET /<id>, PATCH /<id> (partial), POST /<id>/deactivate and
/<id>/activate. GET and every change answer with `ETag: "<version>"`; a change
sent with `If-Match: "<version>"` is refused (409) if the entry has moved on.

GET /<id>/history: the entry's changes, oldest first (who, when, field, from, to).

Who: all staff and the system read the directory and write the clients' side;
only administrators write employees and groups, and change what a customer may
see (the service layer refuses it to others, naming the field); contacts get
nothing here. A specialist reads, changes and lists only the companies, contacts
and service objects that a ticket they may see points at (any other is a 404);
to pick one for a new ticket, GET /companies/lookup, /contacts/lookup and
/service-objects/lookup answer every staff member with ids, names and companies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, request
from marshmallow import Schema

from relay_tickets.domain.directory import Company, Contact, Employee, Entry, Group, ServiceObject
from relay_tickets.domain.parties import EMPLOYEE, SYSTEM, Actor
from relay_tickets.entrypoints import callers
from relay_tickets.entrypoints import schemas_directory as sd
from relay_tickets.entrypoints.schemas_history import DirectoryHistoryPageSchema, HistoryQuerySchema, history_out
from relay_tickets.service_layer.directory import Directory
from relaykit.crud_routes import Op, register_crud
from relaykit.errors import BadRequest
from relaykit.http import ETAG, IF_MATCH, current_identity, endpoint
from relaykit.identity import ADMINISTRATOR, SPECIALIST, STAFF
from relaykit.identity import SYSTEM as SYSTEM_ROLE
from relaykit.service import Runtime

READERS = STAFF | {SYSTEM_ROLE}
CLIENT_WRITERS = STAFF | {SYSTEM_ROLE}
STAFF_WRITERS = frozenset({ADMINISTRATOR})
TAGS = ("directory",)


@dataclass(frozen=True)
class Resource:
    cls: type[Entry]
    path: str
    singular: str  # as in "Create a company"
    plural: str
    out: type[Schema]
    page: type[Schema]
    create: type[Schema]
    patch: type[Schema]
    query: type[Schema]
    writers: frozenset[str]
    # Query parameters handed to the service layer as filters.
    filters: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return self.cls.KIND

    @property
    def article(self) -> str:
        return "an" if self.singular[0] in "aeiou" else "a"


RESOURCES = (
    Resource(
        Company,
        "/companies",
        "company",
        "companies",
        sd.CompanySchema,
        sd.CompanyPageSchema,
        sd.CompanyCreateSchema,
        sd.CompanyPatchSchema,
        sd.CompanyListQuerySchema,
        CLIENT_WRITERS,
        ("category_id", "domain"),
    ),
    Resource(
        Contact,
        "/contacts",
        "contact",
        "contacts",
        sd.ContactSchema,
        sd.ContactPageSchema,
        sd.ContactCreateSchema,
        sd.ContactPatchSchema,
        sd.ContactListQuerySchema,
        CLIENT_WRITERS,
        ("company_id", "email", "phone"),
    ),
    Resource(
        ServiceObject,
        "/service-objects",
        "service object",
        "service objects",
        sd.ServiceObjectSchema,
        sd.ServiceObjectPageSchema,
        sd.ServiceObjectCreateSchema,
        sd.ServiceObjectPatchSchema,
        sd.ServiceObjectListQuerySchema,
        CLIENT_WRITERS,
        ("company_id",),
    ),
    Resource(
        Employee,
        "/employees",
        "employee",
        "employees",
        sd.EmployeeSchema,
        sd.EmployeePageSchema,
        sd.EmployeeCreateSchema,
        sd.EmployeePatchSchema,
        sd.EmployeeListQuerySchema,
        STAFF_WRITERS,
        ("role", "email"),
    ),
    Resource(
        Group,
        "/groups",
        "group",
        "groups",
        sd.StaffGroupSchema,
        sd.StaffGroupPageSchema,
        sd.StaffGroupCreateSchema,
        sd.StaffGroupPatchSchema,
        sd.StaffGroupListQuerySchema,
        STAFF_WRITERS,
    ),
)


def caller() -> Actor:
    """The verified caller as the actor of directory events."""
    ident = current_identity()
    kind = EMPLOYEE if ident.is_staff else SYSTEM
    return Actor(kind, ident.subject, getattr(ident, "channel", None) or "api", ident.name, ident.role)


def if_match() -> list[int] | None:
    """The versions `If-Match` accepts; None when absent or `*`."""
    raw = request.headers.get("If-Match")
    if raw is None or raw.strip() == "*":
        return None
    versions = []
    for tag in raw.split(","):
        value = tag.strip().removeprefix("W/").strip('"')
        if not value.isascii() or not value.isdigit():
            raise BadRequest('If-Match must be an ETag this API gave out, like "3"', field="If-Match")
        versions.append(int(value))
    return versions


def etag(entry: Entry) -> dict[str, str]:
    return {"ETag": f'"{entry.version}"'}


def register_directory_routes(app: Flask, runtime: Runtime) -> None:
    directory = Directory(runtime.db, runtime.outbox)
    clock = getattr(runtime, "clock", None)

    def now():
        return clock.now() if clock is not None else None

    def reader():
        """The caller as far as their reach matters: a specialist's groups, else nobody's business."""
        return callers.viewer(runtime) if current_identity().role == SPECIALIST else None

    for resource in RESOURCES:
        _register(app, directory, resource, now, reader)


def _register(app: Flask, directory: Directory, r: Resource, now: Callable[[], Any], reader: Callable[[], Any]) -> None:
    cls, one, many = r.cls, f"{r.article} {r.singular}", r.plural

    def entries(query, viewer):
        filters = {name: query.get(name) for name in r.filters} | {"ids": query.get("id")}
        return directory.page(
            cls,
            q=query.get("q"),
            active=query["active"],
            cursor=query["cursor"],
            limit=query["limit"],
            viewer=viewer,
            **filters,
        )

    def list_entries(query):
        return entries(query, None if cls.STAFF_SIDE else reader())

    def reached(entry_id: str) -> str:
        if not cls.STAFF_SIDE:
            directory.check_reach(cls, entry_id, reader())
        return entry_id

    def get_entry(entry_id: str):
        return directory.get(cls, reached(entry_id))

    def update_entry(entry_id: str, body):
        return directory.update(cls, reached(entry_id), body, caller(), if_match=if_match(), now=now())

    register_crud(
        app,
        path=r.path,
        id_part="<id>",
        name=r.key,
        read_roles=READERS,
        write_roles=r.writers,
        tags=TAGS,
        item=r.out,
        items=r.page,
        items_key=None,  # a page, with its own cursor
        create_body=r.create,
        patch_body=r.patch,
        headers=etag,
        response_headers=[ETAG],
        listing=Op(f"List {many}, by name", list_entries, query=r.query),
        create=Op(f"Create {one}", lambda body: directory.create(cls, body, caller(), now=now()), errors=[409]),
        get=Op(f"Read {one}", get_entry, errors=[404]),
        update=Op(
            f"Change {one} (only the fields sent)",
            update_entry,
            errors=[400, 404, 409],
            headers=[IF_MATCH],
        ),
    )

    def switch(verb: str, active: bool) -> None:
        @endpoint(
            roles=r.writers,
            summary=f"{verb.capitalize()} {one}",
            headers=[IF_MATCH],
            response=r.out,
            response_headers=[ETAG],
            tags=TAGS,
            errors=[400, 404, 409],
        )
        def set_active(id: str):
            entry = directory.set_active(cls, reached(id), active, caller(), if_match=if_match(), now=now())
            return entry, etag(entry)

        app.add_url_rule(f"{r.path}/<id>/{verb}", endpoint=f"{verb}_{r.key}", view_func=set_active, methods=["POST"])

    switch("deactivate", False)
    switch("activate", True)

    @endpoint(
        roles=READERS,
        summary=f"The changes of {one}, oldest first",
        query=HistoryQuerySchema,
        response=DirectoryHistoryPageSchema,
        tags=TAGS,
        errors=[404],
    )
    def entry_history(id: str, query):
        page = directory.history(cls, reached(id), after=query["cursor"], limit=query["limit"])
        return {"items": [history_out(row) for row in page.items], "next_cursor": page.next_cursor}

    app.add_url_rule(f"{r.path}/<id>/history", endpoint=f"history_{r.key}", view_func=entry_history, methods=["GET"])

    if cls.STAFF_SIDE:
        return

    @endpoint(
        roles=READERS,
        summary=f"Find {many} to pick for a ticket: ids, names and companies, for all staff",
        query=r.query,
        response=sd.DirectoryChoicePageSchema,
        tags=TAGS,
    )
    def lookup(query):
        # Whatever tickets the caller sees: a specialist registering a ticket picks its
        # client here, and reads the whole card once a ticket of theirs points at it.
        return entries(query, None)

    app.add_url_rule(f"{r.path}/lookup", endpoint=f"lookup_{r.key}", view_func=lookup, methods=["GET"])
