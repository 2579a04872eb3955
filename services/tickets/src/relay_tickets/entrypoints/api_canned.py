"""HTTP routes of canned responses (/canned-responses, /canned-responses/groups):
all staff read and render them; administrators and lead specialists write them."""

from __future__ import annotations

from flask import Flask, Response, url_for
from marshmallow import Schema, fields, validate

from relay_tickets.entrypoints import callers
from relay_tickets.entrypoints.schemas_lists import NoNulSchema
from relay_tickets.entrypoints.schemas_tickets import not_blank
from relay_tickets.service_layer import canned
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
    # -- groups --------------------------------------------------------------------------------
    @app.get("/canned-responses/groups")
    @endpoint(roles=READERS, summary="List canned response groups", response=GroupListSchema, tags=TAGS)
    def list_canned_groups():
        return {"items": canned.list_groups(runtime)}

    @app.post("/canned-responses/groups")
    @endpoint(
        roles=WRITERS,
        summary="Create a canned response group",
        body=GroupCreateSchema,
        response=GroupSchema,
        status=201,
        tags=TAGS,
        errors=[409],
    )
    def create_canned_group(body):
        group = canned.create_group(runtime, body["name"], body["position"])
        return group, {"Location": url_for("get_canned_group", group_id=group.id)}

    @app.get("/canned-responses/groups/<int:group_id>")
    @endpoint(roles=READERS, summary="Read a canned response group", response=GroupSchema, tags=TAGS, errors=[404])
    def get_canned_group(group_id: int):
        return canned.get_group(runtime, group_id)

    @app.patch("/canned-responses/groups/<int:group_id>")
    @endpoint(
        roles=WRITERS,
        summary="Change a canned response group",
        body=GroupEditSchema,
        response=GroupSchema,
        tags=TAGS,
        errors=[404, 409],
    )
    def edit_canned_group(group_id: int, body):
        return canned.edit_group(runtime, group_id, body)

    @app.delete("/canned-responses/groups/<int:group_id>")
    @endpoint(roles=WRITERS, summary="Delete an empty canned response group", status=204, tags=TAGS, errors=[404, 409])
    def delete_canned_group(group_id: int):
        canned.delete_group(runtime, group_id)
        return Response(status=204)

    # -- responses ----------------------------------------------------------------------------------
    @app.get("/canned-responses")
    @endpoint(
        roles=READERS,
        summary="List canned responses (of one group), in order",
        query=ResponseListQuerySchema,
        response=ResponseListSchema,
        tags=TAGS,
    )
    def list_canned_responses(query):
        return {"items": canned.list_responses(runtime, query.get("group_id"))}

    @app.post("/canned-responses")
    @endpoint(
        roles=WRITERS,
        summary="Create a canned response",
        body=ResponseCreateSchema,
        response=ResponseSchema,
        status=201,
        tags=TAGS,
    )
    def create_canned_response(body):
        response = canned.create_response(runtime, body["group_id"], body["title"], body["body"], body["position"])
        return response, {"Location": url_for("get_canned_response", response_id=response.id)}

    @app.get("/canned-responses/<int:response_id>")
    @endpoint(roles=READERS, summary="Read a canned response", response=ResponseSchema, tags=TAGS, errors=[404])
    def get_canned_response(response_id: int):
        return canned.get_response(runtime, response_id)

    @app.patch("/canned-responses/<int:response_id>")
    @endpoint(
        roles=WRITERS,
        summary="Change a canned response",
        body=ResponseEditSchema,
        response=ResponseSchema,
        tags=TAGS,
        errors=[404],
    )
    def edit_canned_response(response_id: int, body):
        return canned.edit_response(runtime, response_id, body)

    @app.delete("/canned-responses/<int:response_id>")
    @endpoint(roles=WRITERS, summary="Delete a canned response", status=204, tags=TAGS, errors=[404])
    def delete_canned_response(response_id: int):
        canned.delete_response(runtime, response_id)
        return Response(status=204)

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
