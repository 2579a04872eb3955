"""HTTP routes of the settings administration (/settings/...) and the portal's list
of ticket types. Thin: each hands its input to service_layer.settings.

Administrators change settings; every member of staff may read them (they fill
tickets with them); contacts see only what the portal offers them.
"""

from __future__ import annotations

from flask import Flask, Response, url_for

from relay_tickets.entrypoints import callers
from relay_tickets.entrypoints import schemas_settings as s
from relay_tickets.service_layer import settings as use
from relaykit.http import endpoint
from relaykit.identity import ADMINISTRATOR, CONTACT, STAFF
from relaykit.service import Runtime

ADMIN = {ADMINISTRATOR}
TAGS = ["settings"]


def _no_content() -> Response:
    return Response(status=204)


def register_settings_routes(app: Flask, runtime: Runtime) -> None:
    _ticket_type_routes(app, runtime)
    _lifecycle_routes(app, runtime)
    _status_routes(app, runtime)
    _priority_routes(app, runtime)
    _attribute_routes(app, runtime)
    _category_routes(app, runtime)
    _desk_routes(app, runtime)
    _portal_routes(app, runtime)


def _ticket_type_routes(app: Flask, runtime: Runtime) -> None:
    @app.get("/settings/ticket-types")
    @endpoint(roles=STAFF, summary="List ticket types", response=s.TicketTypeListSchema, tags=TAGS)
    def settings_list_ticket_types():
        return {"items": use.list_types(runtime)}

    @app.post("/settings/ticket-types")
    @endpoint(
        roles=ADMIN,
        summary="Add a ticket type",
        body=s.TicketTypeCreateSchema,
        response=s.TicketTypeSchema,
        status=201,
        tags=TAGS,
        errors=[409],
    )
    def settings_create_ticket_type(body):
        created = use.create_type(runtime, body)
        return created, {"Location": url_for("settings_get_ticket_type", type_id=created.id)}

    @app.get("/settings/ticket-types/<int:type_id>")
    @endpoint(roles=STAFF, summary="Read a ticket type", response=s.TicketTypeSchema, tags=TAGS, errors=[404])
    def settings_get_ticket_type(type_id: int):
        return use.get_type(runtime, type_id)

    @app.patch("/settings/ticket-types/<int:type_id>")
    @endpoint(
        roles=ADMIN,
        summary="Change a ticket type (its key stays)",
        body=s.TicketTypePatchSchema,
        response=s.TicketTypeSchema,
        tags=TAGS,
        errors=[404, 409],
    )
    def settings_update_ticket_type(type_id: int, body):
        return use.update_type(runtime, type_id, body)

    @app.delete("/settings/ticket-types/<int:type_id>")
    @endpoint(roles=ADMIN, summary="Delete an unused ticket type", status=204, tags=TAGS, errors=[404, 409])
    def settings_delete_ticket_type(type_id: int):
        use.delete_type(runtime, type_id)
        return _no_content()


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
        return use.get_lifecycle(runtime, type_id)

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
        return use.set_lifecycle(runtime, type_id, body["transitions"])

    @app.delete("/settings/ticket-types/<int:type_id>/lifecycle")
    @endpoint(
        roles=ADMIN,
        summary="Put a ticket type back on the default lifecycle",
        response=s.LifecycleSchema,
        tags=TAGS,
        errors=[404, 409],
    )
    def settings_reset_type_lifecycle(type_id: int):
        return use.reset_lifecycle(runtime, type_id)

    @app.get("/settings/lifecycle")
    @endpoint(roles=STAFF, summary="Read the default lifecycle", response=s.LifecycleSchema, tags=TAGS)
    def settings_get_default_lifecycle():
        return use.get_lifecycle(runtime, None)

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
        return use.set_lifecycle(runtime, None, body["transitions"])


def _status_routes(app: Flask, runtime: Runtime) -> None:
    @app.get("/settings/statuses")
    @endpoint(roles=STAFF, summary="List statuses", response=s.StatusListSchema, tags=TAGS)
    def settings_list_statuses():
        return {"items": use.list_statuses(runtime)}

    @app.post("/settings/statuses")
    @endpoint(
        roles=ADMIN,
        summary="Add a custom status",
        body=s.StatusCreateSchema,
        response=s.StatusSchema,
        status=201,
        tags=TAGS,
        errors=[409],
    )
    def settings_create_status(body):
        created = use.create_status(runtime, body)
        return created, {"Location": url_for("settings_get_status", key=created.key)}

    @app.get("/settings/statuses/<key>")
    @endpoint(roles=STAFF, summary="Read a status", response=s.StatusSchema, tags=TAGS, errors=[404])
    def settings_get_status(key: str):
        return use.get_status(runtime, key)

    @app.patch("/settings/statuses/<key>")
    @endpoint(
        roles=ADMIN,
        summary="Change a status (its key, and a built-in one's kind, stay)",
        body=s.StatusPatchSchema,
        response=s.StatusSchema,
        tags=TAGS,
        errors=[404, 409],
    )
    def settings_update_status(key: str, body):
        return use.update_status(runtime, key, body)

    @app.delete("/settings/statuses/<key>")
    @endpoint(roles=ADMIN, summary="Delete an unused custom status", status=204, tags=TAGS, errors=[404, 409])
    def settings_delete_status(key: str):
        use.delete_status(runtime, key)
        return _no_content()


def _priority_routes(app: Flask, runtime: Runtime) -> None:
    @app.get("/settings/priorities")
    @endpoint(roles=STAFF, summary="List priorities in their order", response=s.PriorityListSchema, tags=TAGS)
    def settings_list_priorities():
        return {"items": use.list_priorities(runtime)}

    @app.post("/settings/priorities")
    @endpoint(
        roles=ADMIN,
        summary="Add a priority",
        body=s.PriorityCreateSchema,
        response=s.PrioritySchema,
        status=201,
        tags=TAGS,
        errors=[409],
    )
    def settings_create_priority(body):
        created = use.create_priority(runtime, body)
        return created, {"Location": url_for("settings_get_priority", priority_id=created.id)}

    @app.get("/settings/priorities/<int:priority_id>")
    @endpoint(roles=STAFF, summary="Read a priority", response=s.PrioritySchema, tags=TAGS, errors=[404])
    def settings_get_priority(priority_id: int):
        return use.get_priority(runtime, priority_id)

    @app.patch("/settings/priorities/<int:priority_id>")
    @endpoint(
        roles=ADMIN,
        summary="Change a priority (its key stays)",
        body=s.PriorityPatchSchema,
        response=s.PrioritySchema,
        tags=TAGS,
        errors=[404, 409],
    )
    def settings_update_priority(priority_id: int, body):
        return use.update_priority(runtime, priority_id, body)

    @app.delete("/settings/priorities/<int:priority_id>")
    @endpoint(roles=ADMIN, summary="Delete an unused priority", status=204, tags=TAGS, errors=[404, 409])
    def settings_delete_priority(priority_id: int):
        use.delete_priority(runtime, priority_id)
        return _no_content()


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
        return {"items": use.list_attributes(runtime, type_id)}

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
        created = use.create_attribute(runtime, type_id, body)
        return created, {"Location": url_for("settings_get_attribute", attribute_id=created.id)}

    @app.get("/settings/attributes/<int:attribute_id>")
    @endpoint(roles=STAFF, summary="Read a custom attribute", response=s.AttributeSchema, tags=TAGS, errors=[404])
    def settings_get_attribute(attribute_id: int):
        return use.get_attribute(runtime, attribute_id)

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
        return use.update_attribute(runtime, attribute_id, body)

    @app.delete("/settings/attributes/<int:attribute_id>")
    @endpoint(
        roles=ADMIN,
        summary="Delete a custom attribute (204), or deactivate it when tickets hold values (200)",
        response=s.AttributeRemovalSchema,
        tags=TAGS,
        errors=[404],
    )
    def settings_delete_attribute(attribute_id: int):
        removal = use.delete_attribute(runtime, attribute_id)
        return _no_content() if removal.outcome == "deleted" else removal


def _category_routes(app: Flask, runtime: Runtime) -> None:
    @app.get("/settings/client-categories")
    @endpoint(roles=STAFF, summary="List client categories", response=s.CategoryListSchema, tags=TAGS)
    def settings_list_categories():
        return {"items": use.list_categories(runtime)}

    @app.post("/settings/client-categories")
    @endpoint(
        roles=ADMIN,
        summary="Add a client category",
        body=s.CategoryCreateSchema,
        response=s.CategorySchema,
        status=201,
        tags=TAGS,
        errors=[409],
    )
    def settings_create_category(body):
        return use.create_category(runtime, body)

    @app.patch("/settings/client-categories/<int:category_id>")
    @endpoint(
        roles=ADMIN,
        summary="Rename or move a client category",
        body=s.CategoryPatchSchema,
        response=s.CategorySchema,
        tags=TAGS,
        errors=[404, 409],
    )
    def settings_update_category(category_id: int, body):
        return use.update_category(runtime, category_id, body)

    @app.delete("/settings/client-categories/<int:category_id>")
    @endpoint(
        roles=ADMIN, summary="Delete a client category no company is in", status=204, tags=TAGS, errors=[404, 409]
    )
    def settings_delete_category(category_id: int):
        use.delete_category(runtime, category_id)
        return _no_content()


def _desk_routes(app: Flask, runtime: Runtime) -> None:
    @app.get("/settings/desk")
    @endpoint(roles=STAFF, summary="Read the desk settings", response=s.DeskSchema, tags=TAGS)
    def settings_get_desk():
        return use.get_desk(runtime)

    @app.patch("/settings/desk")
    @endpoint(roles=ADMIN, summary="Change desk settings", body=s.DeskPatchSchema, response=s.DeskSchema, tags=TAGS)
    def settings_update_desk(body):
        return use.update_desk(runtime, body)


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
        return {"items": use.portal_types(runtime)}
