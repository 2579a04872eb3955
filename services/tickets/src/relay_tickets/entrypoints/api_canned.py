"""HTTP routes of canned responses (/canned-responses, /canned-responses/groups):
all staff read and render them; administrators and lead specialists write them."""

from __future__ import annotations

from functools import partial

from flask import Flask
from marshmallow import Schema, fields, validate

from relay_tickets.entrypoints import callers
from relay_tickets.entrypoints.schemas_lists import NoNulSchema
from relay_tickets.entrypoints.schemas_tickets import not_blank
from relay_tickets.service_layer import canned
from relaykit.crud_routes import Op, register_crud
from relaykit.http import endpoint
from relaykit.identity import ADMINISTRATOR, LEAD_SPECIALIST, STAFF
from relaykit.service import Runtime

READERS = STAFF
WRITERS = frozenset({ADMINISTRATOR, LEAD_SPECIALIST})
TAGS = ["canned responses"]

_TITLE = [validate.Length(min=1, max=200), not_blank]
_BODY = [validate.Length(min=1, max=20_000), not_blank]
_POSITION = validate.Range(min=0, max=1_000_000)


class GroupCreateSchema(NoNulSchema):
    name = fields.String(required=True, validate=_TITLE)
    position = fields.Integer(load_default=0, validate=_POSITION)


class GroupEditSchema(NoNulSchema):
    name = fields.String(validate=_TITLE)
    position = fields.Integer(validate=_POSITION)


class GroupSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    position = fields.Integer()


class GroupListSchema(Schema):
    items = fields.List(fields.Nested(GroupSchema))


class ResponseCreateSchema(NoNulSchema):
    group_id = fields.Integer(required=True, strict=True)
    title = fields.String(required=True, validate=_TITLE)
    body = fields.String(required=True, validate=_BODY, metadata={"description": f"variables: {canned.VARIABLES}"})
    position = fields.Integer(load_default=0, validate=_POSITION)


class ResponseEditSchema(NoNulSchema):
    group_id = fields.Integer(strict=True)
    title = fields.String(validate=_TITLE)
    body = fields.String(validate=_BODY)
    position = fields.Integer(validate=_POSITION)


class ResponseSchema(Schema):
    id = fields.Integer()
    group_id = fields.Integer()
    title = fields.String()
    body = fields.String()
    position = fields.Integer()


class ResponseListSchema(Schema):
    items = fields.List(fields.Nested(ResponseSchema))


class ResponseListQuerySchema(Schema):
    group_id = fields.Integer(validate=validate.Range(min=1))


class RenderQuerySchema(Schema):
    ticket = fields.Integer(required=True, validate=validate.Range(min=1), metadata={"description": "its number"})


class RenderedSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    body = fields.String(metadata={"description": "plain text, variables filled"})
    ticket = fields.Integer()


def register_canned_routes(app: Flask, runtime: Runtime) -> None:
    canned_routes = partial(register_crud, app, update_verb="edit", read_roles=READERS, write_roles=WRITERS, tags=TAGS)
    canned_routes(
        path="/canned-responses/groups",
        id_part="<int:group_id>",
        name="canned_group",
        item=GroupSchema,
        items=GroupListSchema,
        create_body=GroupCreateSchema,
        patch_body=GroupEditSchema,
        listing=Op("List canned response groups", partial(canned.list_groups, runtime)),
        create=Op(
            "Create a canned response group",
            lambda body: canned.create_group(runtime, body["name"], body["position"]),
            errors=[409],
        ),
        get=Op("Read a canned response group", partial(canned.get_group, runtime), errors=[404]),
        update=Op("Change a canned response group", partial(canned.edit_group, runtime), errors=[404, 409]),
        delete=Op("Delete an empty canned response group", partial(canned.delete_group, runtime), errors=[404, 409]),
    )
    canned_routes(
        path="/canned-responses",
        id_part="<int:response_id>",
        name="canned_response",
        item=ResponseSchema,
        items=ResponseListSchema,
        create_body=ResponseCreateSchema,
        patch_body=ResponseEditSchema,
        listing=Op(
            "List canned responses (of one group), in order",
            lambda query: canned.list_responses(runtime, query.get("group_id")),
            query=ResponseListQuerySchema,
        ),
        create=Op(
            "Create a canned response",
            lambda body: canned.create_response(
                runtime, body["group_id"], body["title"], body["body"], body["position"]
            ),
        ),
        get=Op("Read a canned response", partial(canned.get_response, runtime), errors=[404]),
        update=Op("Change a canned response", partial(canned.edit_response, runtime), errors=[404]),
        delete=Op("Delete a canned response", partial(canned.delete_response, runtime), errors=[404]),
    )

    @app.get("/canned-responses/<int:response_id>/render")
    @endpoint(
        roles=READERS,
        summary="A canned response with its variables filled from a ticket",
        query=RenderQuerySchema,
        response=RenderedSchema,
        tags=TAGS,
        errors=[404],
    )
    def render_canned_response(response_id: int, query):
        return canned.render_for_ticket(runtime, response_id, query["ticket"], callers.viewer(runtime))
