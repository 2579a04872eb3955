"""HTTP routes for merging a ticket into another and splitting a comment off into a
ticket of its own: thin, each hands a command to service_layer.merge."""

from __future__ import annotations

from flask import Flask, url_for

from relay_tickets.entrypoints import callers
from relay_tickets.entrypoints.presentation import present
from relay_tickets.entrypoints.schemas_merge import MergedSchema, MergeSchema, SplitSchema
from relay_tickets.entrypoints.schemas_tickets import TicketSchema
from relay_tickets.service_layer import merge as use
from relay_tickets.service_layer.tickets import get_ticket_with_links
from relay_tickets.service_layer.unit_of_work import settings_store
from relaykit.http import ETAG, IDEMPOTENCY_KEY, IF_MATCH, LOCATION, endpoint
from relaykit.identity import STAFF
from relaykit.service import Runtime


def register_merge_routes(app: Flask, runtime: Runtime) -> None:
    def shown(number: int, v):
        """The ticket as it is now, with its links, as this caller may see it."""
        ticket, links = get_ticket_with_links(runtime, number, v)
        return present(ticket, v, settings_store(runtime).current(), links)

    @app.post("/tickets/<int:number>/merge")
    @endpoint(
        roles=STAFF,
        summary="Merge a ticket into another (If-Match: the merged ticket's ETag)",
        body=MergeSchema,
        headers=[IF_MATCH, IDEMPOTENCY_KEY],
        response=MergedSchema,
        tags=["tickets"],
        errors=[404, 409, 422],
    )
    def merge_ticket(number: int, body):
        v = callers.viewer(runtime)
        merged = use.merge(
            runtime,
            number,
            body["into"],
            v,
            force=body["force"],
            if_match=callers.if_match(),
            into_version=body["into_version"],
            idempotency_key=callers.idempotency_key(),
        )
        return {
            "source": shown(merged.source.number, v),
            "target": shown(merged.target.number, v),
            "moved": merged.moved,
        }

    @app.post("/tickets/<int:number>/comments/<comment_id>/split")
    @endpoint(
        roles=STAFF,
        summary="Split a comment off into a new ticket, linked to this one (If-Match: this ticket's ETag)",
        body=SplitSchema,
        headers=[IF_MATCH, IDEMPOTENCY_KEY],
        response=TicketSchema,
        response_headers=[LOCATION, ETAG],
        status=201,
        tags=["comments"],
        errors=[404, 409, 422],
    )
    def split_comment(number: int, comment_id: str, body):
        v = callers.viewer(runtime)
        cmd = use.SplitComment(comment_id, body["subject"], body["type"], body["attributes"])
        split = use.split_comment(
            runtime, number, cmd, v, if_match=callers.if_match(), idempotency_key=callers.idempotency_key()
        )
        ticket = split.ticket
        headers = {"Location": url_for("get_ticket", number=ticket.number)} | callers.etag(ticket.version)
        return shown(ticket.number, v), headers
