"""HTTP routes for tickets: thin, each hands a command to the service layer."""

from __future__ import annotations

from flask import Flask, url_for

from relay_tickets.entrypoints import callers
from relay_tickets.entrypoints.presentation import present
from relay_tickets.entrypoints.schemas_tickets import (
    AssignSchema,
    StatusChangeSchema,
    TicketCreateSchema,
    TicketEditSchema,
    TicketSchema,
)
from relay_tickets.service_layer import tickets as use
from relay_tickets.service_layer.unit_of_work import settings_store
from relaykit.http import ETAG, IDEMPOTENCY_KEY, IF_MATCH, LOCATION, endpoint
from relaykit.identity import CONTACT, STAFF, SYSTEM
from relaykit.service import Runtime

READERS = STAFF | {SYSTEM, CONTACT}
STAFF_AND_SYSTEM = STAFF | {SYSTEM}


def register_ticket_routes(app: Flask, runtime: Runtime) -> None:
    def show(ticket, v, links=None):
        return present(ticket, v, settings_store(runtime).current(), links)

    def answer(ticket, v, links=None):
        """The ticket as this caller may see it, with its ETag for the next If-Match."""
        return show(ticket, v, links), callers.etag(ticket.version)

    @app.post("/tickets")
    @endpoint(
        roles=READERS,
        summary="Register a ticket",
        body=TicketCreateSchema,
        headers=[IDEMPOTENCY_KEY],
        response=TicketSchema,
        response_headers=[LOCATION, ETAG],
        status=201,
        tags=["tickets"],
        errors=[409],
    )
    def create_ticket(body):
        v = callers.viewer(runtime)
        cmd = use.CreateTicket(**{**body, "observers": tuple(body["observers"])})
        ticket, _new = use.create_ticket(runtime, cmd, v, idempotency_key=callers.idempotency_key())
        headers = {"Location": url_for("get_ticket", number=ticket.number)} | callers.etag(ticket.version)
        return show(ticket, v), headers

    @app.get("/tickets/<int:number>")
    @endpoint(
        roles=READERS,
        summary="Read a ticket",
        response=TicketSchema,
        response_headers=[ETAG],
        tags=["tickets"],
        errors=[404],
    )
    def get_ticket(number: int):
        v = callers.viewer(runtime)
        ticket, links = use.get_ticket_with_links(runtime, number, v)
        return answer(ticket, v, links)

    @app.patch("/tickets/<int:number>")
    @endpoint(
        roles=STAFF_AND_SYSTEM,
        summary="Change fields of a ticket (If-Match: its ETag)",
        body=TicketEditSchema,
        headers=[IF_MATCH],
        response=TicketSchema,
        response_headers=[ETAG],
        tags=["tickets"],
        errors=[404, 409],
    )
    def edit_ticket(number: int, body):
        v = callers.viewer(runtime)
        ticket = use.edit_ticket(runtime, number, body, v, if_match=callers.if_match())
        return answer(ticket, v)

    @app.post("/tickets/<int:number>/status")
    @endpoint(
        roles=READERS,
        summary="Move a ticket along its lifecycle",
        body=StatusChangeSchema,
        headers=[IF_MATCH],
        response=TicketSchema,
        response_headers=[ETAG],
        tags=["tickets"],
        errors=[404, 409],
    )
    def change_status(number: int, body):
        v = callers.viewer(runtime)
        ticket = use.change_status(runtime, number, body["status"], v, until=body["until"], if_match=callers.if_match())
        return answer(ticket, v)

    @app.post("/tickets/<int:number>/assign")
    @endpoint(
        roles=STAFF_AND_SYSTEM,
        summary="Set the responsible and observers",
        body=AssignSchema,
        headers=[IF_MATCH],
        response=TicketSchema,
        response_headers=[ETAG],
        tags=["tickets"],
        errors=[404, 409],
    )
    def assign(number: int, body):
        v = callers.viewer(runtime)
        kwargs = {"responsible": body["responsible"]} if "responsible" in body else {}
        ticket = use.assign(
            runtime,
            number,
            v,
            add_observers=tuple(body["add_observers"]),
            remove_observers=tuple(body["remove_observers"]),
            if_match=callers.if_match(),
            **kwargs,
        )
        return answer(ticket, v)
