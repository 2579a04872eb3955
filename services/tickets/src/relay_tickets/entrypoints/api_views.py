"""HTTP routes of saved views (/views): staff only; a private view is its owner's alone."""

from __future__ import annotations

from typing import Any

from flask import Flask

from relay_tickets.adapters.views_repository import SavedView
from relay_tickets.entrypoints.schemas_lists import (
    TicketFilterSchema,
    ViewCreateSchema,
    ViewEditSchema,
    ViewListSchema,
    ViewSchema,
)
from relay_tickets.service_layer import lists, views
from relaykit.crud_routes import Op, register_crud
from relaykit.http import current_identity
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

    def create(body: dict[str, Any]) -> SavedView:
        return views.create_view(
            runtime,
            current_identity(),
            name=body["name"],
            shared=body["shared"],
            filters=stored(body["filters"]),
            columns=body["columns"],
            sort=body["sort"],
        )

    def edit(view_id: str, body: dict[str, Any]) -> SavedView:
        if "filters" in body:
            body = body | {"filters": stored(body["filters"])}
        return views.edit_view(runtime, current_identity(), view_id, body)

    register_crud(
        app,
        path="/views",
        id_part="<view_id>",
        name="view",
        update_verb="edit",
        read_roles=STAFF,
        write_roles=STAFF,
        tags=TAGS,
        item=ViewSchema,
        items=ViewListSchema,
        create_body=ViewCreateSchema,
        patch_body=ViewEditSchema,
        present=lambda view: _out(view, current_identity()),
        listing=Op("List my views and the shared ones, by name", lambda: views.list_views(runtime, current_identity())),
        create=Op("Save a view of the ticket list", create, errors=[409]),
        get=Op("Read a view", lambda view_id: views.get_view(runtime, current_identity(), view_id), errors=[404]),
        update=Op("Change a view (only the fields sent)", edit, errors=[404, 409]),
        delete=Op(
            "Delete a view", lambda view_id: views.delete_view(runtime, current_identity(), view_id), errors=[404]
        ),
    )
