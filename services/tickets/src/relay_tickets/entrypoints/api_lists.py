"""HTTP routes for reading and changing many tickets: the filtered list (optionally
through a saved view), similar tickets, bulk status and assignment. Also the one
place that registers the saved-view and canned-response routes."""

from __future__ import annotations

from typing import Any

from flask import Flask
from marshmallow import ValidationError

from relay_tickets.domain.ticket import UNSET
from relay_tickets.entrypoints import callers
from relay_tickets.entrypoints.api_canned import register_canned_routes
from relay_tickets.entrypoints.api_views import register_view_routes
from relay_tickets.entrypoints.presentation import present
from relay_tickets.entrypoints.schemas_lists import (
    BulkAssignSchema,
    BulkResultSchema,
    BulkStatusSchema,
    TicketFilterSchema,
    TicketListQuerySchema,
    TicketListSchema,
    TicketPageSchema,
)
from relay_tickets.service_layer import bulk, lists, views
from relay_tickets.service_layer.unit_of_work import settings_store
from relaykit.errors import Forbidden, InvalidInput
from relaykit.http import endpoint
from relaykit.identity import CONTACT, STAFF, SYSTEM
from relaykit.service import Runtime

READERS = STAFF | {SYSTEM, CONTACT}
TAGS = ["tickets"]
_PAGING = ("limit", "cursor", "sort", "view")


def _outcomes(outcomes: list[bulk.Outcome]) -> dict[str, Any]:
    results = [
        {"number": o.number, "ok": True, "version": o.version}
        if o.ok
        else {"number": o.number, "ok": False, "problem": o.problem}
        for o in outcomes
    ]
    succeeded = sum(o.ok for o in outcomes)
    return {"results": results, "succeeded": succeeded, "failed": len(outcomes) - succeeded}


def register_list_routes(app: Flask, runtime: Runtime) -> None:
    register_view_routes(app, runtime)
    register_canned_routes(app, runtime)

    def saved_filters(v, view_id: str) -> tuple[dict[str, Any], str]:
        if v.is_contact:
            raise Forbidden("customers have no saved views", field="view")
        view = views.get_view(runtime, v.identity, view_id, field="view")
        try:
            return TicketFilterSchema().load(view.filters), view.sort
        except ValidationError:
            raise InvalidInput("this view's filters no longer make sense; edit the view", field="view") from None

    @app.get("/tickets")
    @endpoint(
        roles=READERS,
        summary="List tickets: filtered, sorted, a page at a time (next_cursor)",
        query=TicketListQuerySchema,
        response=TicketPageSchema,
        tags=TAGS,
        errors=[404],
    )
    def list_tickets(query):
        v = callers.viewer(runtime)
        filters = {k: value for k, value in query.items() if k not in _PAGING}
        sort = query.get("sort")
        if "view" in query:
            saved, saved_sort = saved_filters(v, query["view"])
            filters = saved | filters  # what the query says wins
            sort = sort or saved_sort
        page = lists.list_tickets(runtime, v, filters, sort=sort, limit=query["limit"], cursor=query.get("cursor"))
        config = settings_store(runtime).current()
        items = [present(t, v, config) for t in page.tickets]
        if not v.is_contact:
            # Staff lists tell a ticket whose customer wrote last (shown as unread).
            for item in items:
                item["last_comment_by"] = page.last_comment_by.get(item["id"])
        return {"items": items, "next_cursor": page.next_cursor}

    @app.get("/tickets/<int:number>/similar")
    @endpoint(
        roles=READERS,
        summary="Other tickets of the same contact email or phone, newest first",
        response=TicketListSchema,
        tags=TAGS,
        errors=[404],
    )
    def similar_tickets(number: int):
        v = callers.viewer(runtime)
        found = lists.similar_tickets(runtime, number, v)
        config = settings_store(runtime).current()
        return {"items": [present(t, v, config) for t in found]}

    @app.post("/tickets/bulk/status")
    @endpoint(
        roles=STAFF,
        summary="Move many tickets to one status; each ticket succeeds or fails on its own",
        body=BulkStatusSchema,
        response=BulkResultSchema,
        tags=TAGS,
    )
    def bulk_status(body):
        v = callers.viewer(runtime)
        return _outcomes(bulk.change_status(runtime, body["numbers"], body["status"], v, until=body["until"]))

    @app.post("/tickets/bulk/assign")
    @endpoint(
        roles=STAFF,
        summary="Set the responsible or observers of many tickets; each succeeds or fails on its own",
        body=BulkAssignSchema,
        response=BulkResultSchema,
        tags=TAGS,
    )
    def bulk_assign(body):
        v = callers.viewer(runtime)
        outcomes = bulk.assign(
            runtime,
            body["numbers"],
            v,
            responsible=body.get("responsible", UNSET),
            add_observers=tuple(body["add_observers"]),
            remove_observers=tuple(body["remove_observers"]),
        )
        return _outcomes(outcomes)
