"""HTTP routes of the tickets service: thin, each hands a command to the service layer."""

from __future__ import annotations

from flask import Flask, url_for

from relay_tickets.entrypoints.schemas import (
    TicketCreateSchema,
    TicketListQuerySchema,
    TicketPageSchema,
    TicketSchema,
)
from relay_tickets.service_layer import handlers
from relay_tickets.service_layer.unit_of_work import TicketsUnitOfWork
from relaykit.http import endpoint
from relaykit.identity import STAFF, SYSTEM
from relaykit.service import Runtime

READERS = STAFF | {SYSTEM}
WRITERS = STAFF | {SYSTEM}


def register_routes(app: Flask, runtime: Runtime) -> None:
    def uow() -> TicketsUnitOfWork:
        return TicketsUnitOfWork(runtime.db, runtime.outbox)

    @app.post("/tickets")
    @endpoint(
        roles=WRITERS,
        summary="Register a ticket",
        body=TicketCreateSchema,
        response=TicketSchema,
        status=201,
        tags=["tickets"],
    )
    def create_ticket(body):
        ticket = handlers.create_ticket(uow, handlers.CreateTicket(**body))
        return ticket, {"Location": url_for("get_ticket", number=ticket.number)}

    @app.get("/tickets/<int:number>")
    @endpoint(roles=READERS, summary="Read a ticket", response=TicketSchema, tags=["tickets"], errors=[404])
    def get_ticket(number: int):
        return handlers.get_ticket(uow, number)

    @app.get("/tickets")
    @endpoint(
        roles=READERS,
        summary="List tickets, newest first",
        query=TicketListQuerySchema,
        response=TicketPageSchema,
        tags=["tickets"],
    )
    def list_tickets(query):
        items, next_cursor = handlers.list_tickets(
            uow, statuses=query["status"], before=query["cursor"], limit=query["limit"]
        )
        return {"items": items, "next_cursor": next_cursor}
