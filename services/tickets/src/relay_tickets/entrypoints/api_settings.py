"""HTTP routes of the settings administration (/settings/...) and the portal's list
of ticket types. Thin: each hands its input to a module of service_layer.settings.

Administrators change settings; every member of staff may read them (they fill
tickets with them); contacts see only what the portal offers them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from flask import Flask, Response, url_for

from relay_tickets.domain.parties import Actor
from relay_tickets.entrypoints import callers
from relay_tickets.entrypoints import schemas_settings as s
from relay_tickets.entrypoints.schemas_history import (
    DirectoryHistoryPageSchema,
    SettingsHistoryQuerySchema,
    history_out,
)
from relay_tickets.service_layer.settings import attributes, catalog, desk, history, lifecycles
from relaykit.crud_routes import Op, register_crud
from relaykit.http import endpoint
from relaykit.identity import ADMINISTRATOR, CONTACT, STAFF
from relaykit.service import Runtime

ADMIN = {ADMINISTRATOR}
TAGS = ["settings"]
# The standard routes of a settings collection: staff read, administrators write.
_collection_routes = partial(register_crud, prefix="settings_", read_roles=STAFF, write_roles=ADMIN, tags=TAGS)


def _no_content() -> Response:
    return Response(status=204)


def _caller(runtime: Runtime) -> Actor:
    return callers.viewer(runtime).actor


def _as_caller(runtime: Runtime, use_case: Callable[..., Any]) -> Callable[..., Any]:
    """The use case with the caller as `by`: the service layer decides who may change settings."""

    def run(*args: Any) -> Any:
        return use_case(runtime, *args, by=_caller(runtime))

    return run


def register_settings_routes(app: Flask, runtime: Runtime) -> None:
    _ticket_type_routes(app, runtime)
    _lifecycle_routes(app, runtime)
    _status_routes(app, runtime)
    _priority_routes(app, runtime)
    _attribute_routes(app, runtime)
    _category_routes(app, runtime)
    _desk_routes(app, runtime)
    _history_routes(app, runtime)
    _portal_routes(app, runtime)


def _ticket_type_routes(app: Flask, runtime: Runtime) -> None:
    _collection_routes(
        app,
        path="/settings/ticket-types",
        id_part="<int:type_id>",
        name="ticket_type",
        item=s.TicketTypeSchema,
        items=s.TicketTypeListSchema,
        create_body=s.TicketTypeCreateSchema,
        patch_body=s.TicketTypePatchSchema,
        listing=Op("List ticket types", partial(catalog.list_types, runtime)),
        create=Op("Add a ticket type", _as_caller(runtime, catalog.create_type), errors=[409]),
        get=Op("Read a ticket type", partial(catalog.get_type, runtime), errors=[404]),
        update=Op("Change a ticket type (its key stays)", _as_caller(runtime, catalog.update_type), errors=[404, 409]),
        delete=Op("Delete an unused ticket type", _as_caller(runtime, catalog.delete_type), errors=[404, 409]),
    )


def _lifecycle_routes(app: Flask, runtime: Runtime) -> None:
    @app.get("/settings/ticket-types/<int:type_id>/lifecycle")
    @endpoint(
        roles=STAFF,
        summary="Read the lifecycle a ticket type follows (its own or the default)",
        response=s.LifecycleSchema,
        tags=TAGS,
        errors=[404],
    )
    def settings_get_type_lifecycle(type_id: int):
        return lifecycles.get_lifecycle(runtime, type_id)

    @app.put("/settings/ticket-types/<int:type_id>/lifecycle")
    @endpoint(
        roles=ADMIN,
        summary="Give a ticket type its own lifecycle",
        body=s.LifecyclePutSchema,
        response=s.LifecycleSchema,
        tags=TAGS,
        errors=[404, 409],
    )
    def settings_set_type_lifecycle(type_id: int, body):
        return lifecycles.set_lifecycle(runtime, type_id, body["transitions"], by=_caller(runtime))

    @app.delete("/settings/ticket-types/<int:type_id>/lifecycle")
    @endpoint(
        roles=ADMIN,
        summary="Put a ticket type back on the default lifecycle",
        response=s.LifecycleSchema,
        tags=TAGS,
        errors=[404, 409],
    )
    def settings_reset_type_lifecycle(type_id: int):
        return lifecycles.reset_lifecycle(runtime, type_id, by=_caller(runtime))

    @app.get("/settings/lifecycle")
    @endpoint(roles=STAFF, summary="Read the default lifecycle", response=s.LifecycleSchema, tags=TAGS)
    def settings_get_default_lifecycle():
        return lifecycles.get_lifecycle(runtime, None)

    @app.put("/settings/lifecycle")
    @endpoint(
        roles=ADMIN,
        summary="Replace the default lifecycle (types without their own follow it)",
        body=s.LifecyclePutSchema,
        response=s.LifecycleSchema,
        tags=TAGS,
        errors=[409],
    )
    def settings_set_default_lifecycle(body):
        return lifecycles.set_lifecycle(runtime, None, body["transitions"], by=_caller(runtime))


def _status_routes(app: Flask, runtime: Runtime) -> None:
    _collection_routes(
        app,
        path="/settings/statuses",
        id_part="<key>",
        id_attr="key",
        name="status",
        plural="statuses",
        item=s.StatusSchema,
        items=s.StatusListSchema,
        create_body=s.StatusCreateSchema,
        patch_body=s.StatusPatchSchema,
        listing=Op("List statuses", partial(lifecycles.list_statuses, runtime)),
        create=Op("Add a custom status", _as_caller(runtime, lifecycles.create_status), errors=[409]),
        get=Op("Read a status", partial(lifecycles.get_status, runtime), errors=[404]),
        update=Op(
            "Change a status (its key, and a built-in one's kind, stay)",
            _as_caller(runtime, lifecycles.update_status),
            errors=[404, 409],
        ),
        delete=Op("Delete an unused custom status", _as_caller(runtime, lifecycles.delete_status), errors=[404, 409]),
    )


def _priority_routes(app: Flask, runtime: Runtime) -> None:
    _collection_routes(
        app,
        path="/settings/priorities",
        id_part="<int:priority_id>",
        name="priority",
        plural="priorities",
        item=s.PrioritySchema,
        items=s.PriorityListSchema,
        create_body=s.PriorityCreateSchema,
        patch_body=s.PriorityPatchSchema,
        listing=Op("List priorities in their order", partial(catalog.list_priorities, runtime)),
        create=Op("Add a priority", _as_caller(runtime, catalog.create_priority), errors=[409]),
        get=Op("Read a priority", partial(catalog.get_priority, runtime), errors=[404]),
        update=Op("Change a priority (its key stays)", _as_caller(runtime, catalog.update_priority), errors=[404, 409]),
        delete=Op("Delete an unused priority", _as_caller(runtime, catalog.delete_priority), errors=[404, 409]),
    )


def _attribute_routes(app: Flask, runtime: Runtime) -> None:
    @app.get("/settings/ticket-types/<int:type_id>/attributes")
    @endpoint(
        roles=STAFF,
        summary="List a ticket type's custom attributes",
        response=s.AttributeListSchema,
        tags=TAGS,
        errors=[404],
    )
    def settings_list_attributes(type_id: int):
        return {"items": attributes.list_attributes(runtime, type_id)}

    @app.post("/settings/ticket-types/<int:type_id>/attributes")
    @endpoint(
        roles=ADMIN,
        summary="Add a custom attribute to a ticket type",
        body=s.AttributeCreateSchema,
        response=s.AttributeSchema,
        status=201,
        tags=TAGS,
        errors=[404, 409],
    )
    def settings_create_attribute(type_id: int, body):
        created = attributes.create_attribute(runtime, type_id, body, by=_caller(runtime))
        return created, {"Location": url_for("settings_get_attribute", attribute_id=created.id)}

    @app.get("/settings/attributes/<int:attribute_id>")
    @endpoint(roles=STAFF, summary="Read a custom attribute", response=s.AttributeSchema, tags=TAGS, errors=[404])
    def settings_get_attribute(attribute_id: int):
        return attributes.get_attribute(runtime, attribute_id)

    @app.patch("/settings/attributes/<int:attribute_id>")
    @endpoint(
        roles=ADMIN,
        summary="Change a custom attribute (its key and kind stay)",
        body=s.AttributePatchSchema,
        response=s.AttributeSchema,
        tags=TAGS,
        errors=[404, 409],
    )
    def settings_update_attribute(attribute_id: int, body):
        return attributes.update_attribute(runtime, attribute_id, body, by=_caller(runtime))

    @app.delete("/settings/attributes/<int:attribute_id>")
    @endpoint(
        roles=ADMIN,
        summary="Delete a custom attribute (204), or deactivate it when tickets hold values (200)",
        response=s.AttributeRemovalSchema,
        also=[204],
        tags=TAGS,
        errors=[404],
    )
    def settings_delete_attribute(attribute_id: int):
        removal = attributes.delete_attribute(runtime, attribute_id, by=_caller(runtime))
        return _no_content() if removal.outcome == "deleted" else removal


def _category_routes(app: Flask, runtime: Runtime) -> None:
    # No route reads one category, so a created one has no Location.
    _collection_routes(
        app,
        path="/settings/client-categories",
        id_part="<int:category_id>",
        name="category",
        plural="categories",
        item=s.CategorySchema,
        items=s.CategoryListSchema,
        create_body=s.CategoryCreateSchema,
        patch_body=s.CategoryPatchSchema,
        listing=Op("List client categories", partial(catalog.list_categories, runtime)),
        create=Op("Add a client category", _as_caller(runtime, catalog.create_category), errors=[409]),
        update=Op("Rename or move a client category", _as_caller(runtime, catalog.update_category), errors=[404, 409]),
        delete=Op(
            "Delete a client category no company is in", _as_caller(runtime, catalog.delete_category), errors=[404, 409]
        ),
    )


def _desk_routes(app: Flask, runtime: Runtime) -> None:
    @app.get("/settings/desk")
    @endpoint(roles=STAFF, summary="Read the desk settings", response=s.DeskSchema, tags=TAGS)
    def settings_get_desk():
        return desk.get_desk(runtime)

    @app.patch("/settings/desk")
    @endpoint(roles=ADMIN, summary="Change desk settings", body=s.DeskPatchSchema, response=s.DeskSchema, tags=TAGS)
    def settings_update_desk(body):
        return desk.update_desk(runtime, body, by=_caller(runtime))


def _history_routes(app: Flask, runtime: Runtime) -> None:
    @app.get("/settings/history")
    @endpoint(
        roles=STAFF,
        summary="Changes of ticket types, custom attributes and desk settings, oldest first",
        query=SettingsHistoryQuerySchema,
        response=DirectoryHistoryPageSchema,
        tags=TAGS,
    )
    def settings_history(query):
        page = history.settings_history(
            runtime, query.get("kind"), query.get("id"), after=query["cursor"], limit=query["limit"]
        )
        return {"items": [history_out(row) for row in page.items], "next_cursor": page.next_cursor}


def _portal_routes(app: Flask, runtime: Runtime) -> None:
    @app.get("/portal/ticket-types")
    @endpoint(
        roles=STAFF | {CONTACT},
        summary="Ticket types a customer may register, with the attributes asked of them",
        response=s.PortalTypeListSchema,
        tags=["portal"],
    )
    def portal_ticket_types():
        callers.viewer(runtime)  # an unknown or inactive contact is refused here
        return {"items": desk.portal_types(runtime)}
