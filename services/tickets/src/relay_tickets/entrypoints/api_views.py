"""HTTP routes of saved views (/views): staff only; a private view is its owner's alone."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, url_for

from relay_tickets.adapters.views_repository import SavedView
from relay_tickets.entrypoints.schemas_lists import (
    TicketFilterSchema,
    ViewCreateSchema,
    ViewEditSchema,
    ViewListSchema,
    ViewSchema,
)
from relay_tickets.service_layer import lists, views
from relaykit.http import current_identity, endpoint
from relaykit.identity import STAFF, Identity
from relaykit.service import Runtime

TAGS = ["views"]


def _out(view: SavedView, who: Identity) -> dict[str, Any]:
    return view.__dict__ | {"editable": views.can_edit(view, who)}


def register_view_routes(app: Flask, runtime: Runtime) -> None:
    def stored(filters: dict[str, Any]) -> dict[str, Any]:
        """The filters as a query string says them, once the desk knows every value in them."""
        lists.check_filters(runtime, filters, prefix="filters.")
        return TicketFilterSchema().dump(filters)

    @app.get("/views")
    @endpoint(roles=STAFF, summary="List my views and the shared ones, by name", response=ViewListSchema, tags=TAGS)
    def list_views():
        who = current_identity()
        return {"items": [_out(v, who) for v in views.list_views(runtime, who)]}

    @app.post("/views")
    @endpoint(
        roles=STAFF,
        summary="Save a view of the ticket list",
        body=ViewCreateSchema,
        response=ViewSchema,
        status=201,
        tags=TAGS,
        errors=[409],
    )
    def create_view(body):
        who = current_identity()
        view = views.create_view(
            runtime,
            who,
            name=body["name"],
            shared=body["shared"],
            filters=stored(body["filters"]),
            columns=body["columns"],
            sort=body["sort"],
        )
        return _out(view, who), {"Location": url_for("get_view", view_id=view.id)}

    @app.get("/views/<view_id>")
    @endpoint(roles=STAFF, summary="Read a view", response=ViewSchema, tags=TAGS, errors=[404])
    def get_view(view_id: str):
        who = current_identity()
        return _out(views.get_view(runtime, who, view_id), who)

    @app.patch("/views/<view_id>")
    @endpoint(
        roles=STAFF,
        summary="Change a view (only the fields sent)",
        body=ViewEditSchema,
        response=ViewSchema,
        tags=TAGS,
        errors=[404, 409],
    )
    def edit_view(view_id: str, body):
        who = current_identity()
        if "filters" in body:
            body = body | {"filters": stored(body["filters"])}
        return _out(views.edit_view(runtime, who, view_id, body), who)

    @app.delete("/views/<view_id>")
    @endpoint(roles=STAFF, summary="Delete a view", status=204, tags=TAGS, errors=[404])
    def delete_view(view_id: str):
        views.delete_view(runtime, current_identity(), view_id)
        return Response(status=204)
