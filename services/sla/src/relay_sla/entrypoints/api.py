"""HTTP routes of the SLA service. Thin: each hands its input to the service layer.

Administrators change calendars and rules; every member of staff reads them and asks
previews. A ticket's SLA state, timeline and registration failure: administrators and
lead specialists any ticket's, a specialist only those of the tickets they may see
(service_layer/access.py). Contacts have no business here.
"""

from __future__ import annotations

from functools import partial

from flask import Flask

from relay_sla.entrypoints import schemas as s
from relay_sla.service_layer import access, admin, registration, views
from relaykit.crud_routes import Op, register_crud
from relaykit.http import current_identity, endpoint
from relaykit.identity import ADMINISTRATOR, STAFF
from relaykit.service import Runtime

ADMIN = {ADMINISTRATOR}


def register_routes(app: Flask, runtime: Runtime) -> None:
    _calendar_routes(app, runtime)
    _rule_routes(app, runtime)
    _preview_routes(app, runtime)
    _ticket_routes(app, runtime)


def _calendar_routes(app: Flask, runtime: Runtime) -> None:
    tags = ["calendars"]
    register_crud(
        app,
        path="/calendars",
        id_part="<int:calendar_id>",
        name="calendar",
        prefix="sla_",
        read_roles=STAFF,
        write_roles=ADMIN,
        tags=tags,
        item=s.CalendarSchema,
        items=s.CalendarListSchema,
        create_body=s.CalendarCreateSchema,
        patch_body=s.CalendarPatchSchema,
        listing=Op("List service calendars", partial(admin.list_calendars, runtime)),
        create=Op("Add a service calendar", partial(admin.create_calendar, runtime), errors=[409]),
        get=Op("Read a service calendar", partial(admin.get_calendar, runtime), errors=[404]),
        update=Op(
            "Change a calendar (the open tickets' deadlines follow within seconds)",
            partial(admin.update_calendar, runtime),
            errors=[404, 409],
        ),
        delete=Op("Delete a calendar no rule uses", partial(admin.delete_calendar, runtime), errors=[404, 409]),
    )

    @app.post("/calendars/<int:calendar_id>/holidays")
    @endpoint(
        roles=ADMIN,
        summary="Add a country's public holidays of a year as days off",
        body=s.HolidayImportSchema,
        response=s.CalendarSchema,
        tags=tags,
        errors=[404],
    )
    def sla_import_holidays(calendar_id: int, body):
        return admin.add_holidays(runtime, calendar_id, body)


def _rule_routes(app: Flask, runtime: Runtime) -> None:
    tags = ["rules"]
    register_crud(
        app,
        path="/rules",
        id_part="<int:rule_id>",
        name="rule",
        prefix="sla_",
        read_roles=STAFF,
        write_roles=ADMIN,
        tags=tags,
        item=s.RuleSchema,
        items=s.RuleListSchema,
        create_body=s.RuleCreateSchema,
        patch_body=s.RulePatchSchema,
        listing=Op("List SLA rules in the order they are tried", partial(admin.list_rules, runtime)),
        create=Op(
            "Add an SLA rule (tried after the others, before the default)",
            partial(admin.create_rule, runtime),
            errors=[409],
        ),
        get=Op("Read an SLA rule", partial(admin.get_rule, runtime), errors=[404]),
        update=Op("Change, enable or disable an SLA rule", partial(admin.update_rule, runtime), errors=[404, 409]),
        delete=Op("Delete an SLA rule (not the default)", partial(admin.delete_rule, runtime), errors=[404, 409]),
    )

    @app.put("/rules/order")
    @endpoint(
        roles=ADMIN, summary="Reorder the SLA rules", body=s.RuleOrderSchema, response=s.RuleListSchema, tags=tags
    )
    def sla_reorder_rules(body):
        return {"items": admin.reorder_rules(runtime, body["ids"])}


def _preview_routes(app: Flask, runtime: Runtime) -> None:
    tags = ["preview"]

    @app.post("/preview/due")
    @endpoint(
        roles=STAFF,
        summary="When is start + N working minutes on a calendar (with pauses)?",
        body=s.DuePreviewSchema,
        response=s.DueSchema,
        tags=tags,
    )
    def sla_preview_due(body):
        return views.preview_due(runtime, body)

    @app.post("/preview/ticket")
    @endpoint(
        roles=STAFF,
        summary="Which rule and which deadlines would a ticket with these facts get if registered now (or at start)?",
        body=s.TicketPreviewSchema,
        response=s.TicketDueSchema,
        tags=tags,
    )
    def sla_preview_ticket(body):
        return views.preview_ticket(runtime, body)

    @app.post("/preview/between")
    @endpoint(
        roles=STAFF,
        summary="How much working time lies between two moments (without pauses)?",
        body=s.BetweenPreviewSchema,
        response=s.BetweenSchema,
        tags=tags,
    )
    def sla_preview_between(body):
        return views.preview_between(runtime, body)


def _ticket_routes(app: Flask, runtime: Runtime) -> None:
    tags = ["tickets"]

    @app.get("/unregistered-tickets")
    @endpoint(
        roles=STAFF,
        summary="Tickets whose SLA registration failed, with the reason (tried again when calendars or rules change)",
        response=s.UnregisteredListSchema,
        tags=tags,
    )
    def sla_unregistered_tickets():
        items = registration.list_unregistered(runtime)
        with runtime.db.reading() as session:
            readable = access.readable(session, current_identity(), [i["ticket_id"] for i in items])
        return {"items": [i for i in items if i["ticket_id"] in readable]}

    @app.get("/tickets/<ticket_id>")
    @endpoint(
        roles=STAFF,
        summary="A ticket's SLA: rule, deadlines, state, figures",
        response=s.TicketSlaSchema,
        tags=tags,
        errors=[404],
    )
    def sla_ticket_state(ticket_id: str):
        access.check_readable(runtime, current_identity(), ticket_id)
        return views.ticket_state(runtime, ticket_id)

    @app.get("/tickets/<ticket_id>/timeline")
    @endpoint(
        roles=STAFF, summary="A ticket's SLA timeline (append-only)", response=s.TimelineSchema, tags=tags, errors=[404]
    )
    def sla_ticket_timeline(ticket_id: str):
        access.check_readable(runtime, current_identity(), ticket_id)
        return {"items": views.ticket_timeline(runtime, ticket_id)}
