"""register_crud: the standard routes of a collection, with the names, roles and OpenAPI of written-out ones."""

from pathlib import Path

import pytest
from flask import Flask
from marshmallow import Schema, fields

from relaykit import identity
from relaykit.crud_routes import Op, path_params, register_crud
from relaykit.errors import NotFound
from relaykit.service import Runtime, ServiceSpec
from relaykit.settings import Settings
from relaykit.testing.harness import signed

EMPTY = Path(__file__).parent / "probe_migrations" / "versions"
ADMIN = signed(role=identity.ADMINISTRATOR)
SPECIALIST = signed(role=identity.SPECIALIST)


class ThingCreate(Schema):
    name = fields.String(required=True)


class ThingPatch(Schema):
    name = fields.String()


class ThingOut(Schema):
    id = fields.Integer()
    name = fields.String()
    shelf = fields.Integer()
    shown = fields.Boolean()


class ThingList(Schema):
    items = fields.List(fields.Nested(ThingOut))


class ThingQuery(Schema):
    name = fields.String()


class Shelf:
    """An in-memory store of things, kept per shelf (the parent in the path)."""

    def __init__(self) -> None:
        self.things: dict[int, dict] = {}

    def listing(self, shelf: int, query: dict) -> list[dict]:
        return [t for t in self.things.values() if t["shelf"] == shelf and query.get("name", t["name"]) == t["name"]]

    def create(self, shelf: int, body: dict) -> dict:
        thing = {"id": len(self.things) + 1, "shelf": shelf, **body}
        self.things[thing["id"]] = thing
        return thing

    def get(self, shelf: int, thing_id: int) -> dict:
        thing = self.things.get(thing_id)
        if thing is None or thing["shelf"] != shelf:
            raise NotFound(f"there is no thing {thing_id}", field="id")
        return thing

    def update(self, shelf: int, thing_id: int, body: dict) -> dict:
        thing = self.get(shelf, thing_id)
        thing.update(body)
        return thing

    def delete(self, shelf: int, thing_id: int) -> None:
        del self.things[self.get(shelf, thing_id)["id"]]


def _routes(app: Flask, rt: Runtime) -> None:
    store = Shelf()
    register_crud(
        app,
        path="/shelves/<int:shelf>/things",
        id_part="<int:thing_id>",
        name="thing",
        prefix="probe_",
        update_verb="edit",
        read_roles=identity.STAFF,
        write_roles={identity.ADMINISTRATOR},
        tags=["things"],
        item=ThingOut,
        items=ThingList,
        create_body=ThingCreate,
        patch_body=ThingPatch,
        present=lambda thing: thing | {"shown": True},
        headers=lambda thing: {"ETag": f'"{thing["id"]}"'},
        listing=Op("List things", store.listing, query=ThingQuery),
        create=Op("Add a thing", store.create, errors=[409]),
        get=Op("Read a thing", store.get, errors=[404]),
        update=Op("Change a thing", store.update, errors=[404]),
        delete=Op("Delete a thing", store.delete, errors=[404]),
    )
    # Only some routes, with the list answered as the use case returns it.
    register_crud(
        app,
        path="/labels",
        name="label",
        read_roles=identity.STAFF,
        write_roles=identity.STAFF,
        tags=["labels"],
        item=ThingOut,
        items=ThingList,
        create_body=ThingCreate,
        items_key=None,
        listing=Op("List labels", lambda: {"items": [{"id": 7, "name": "red"}]}),
        create=Op("Add a label", lambda body: {"id": 8, **body}),
    )


@pytest.fixture
def client(tmp_path):
    spec = ServiceSpec(name="crud", title="Crud", migrations=EMPTY, routes=_routes)
    rt = Runtime(spec, Settings(service="crud", database_url=f"sqlite:///{tmp_path}/c.db"))
    return rt.app.test_client()


def test_path_params_are_named_in_order():
    assert path_params("/a/<int:a_id>/b/<key>") == ["a_id", "key"]


def test_the_standard_routes_with_their_names(client):
    rules = {(r.rule, m): r.endpoint for r in client.application.url_map.iter_rules() for m in r.methods}
    assert rules[("/shelves/<int:shelf>/things", "GET")] == "probe_list_things"
    assert rules[("/shelves/<int:shelf>/things", "POST")] == "probe_create_thing"
    assert rules[("/shelves/<int:shelf>/things/<int:thing_id>", "GET")] == "probe_get_thing"
    assert rules[("/shelves/<int:shelf>/things/<int:thing_id>", "PATCH")] == "probe_edit_thing"
    assert rules[("/shelves/<int:shelf>/things/<int:thing_id>", "DELETE")] == "probe_delete_thing"
    assert ("/labels/<int:id>", "GET") not in rules


def test_a_round_trip_through_a_nested_collection(client):
    r = client.post("/shelves/3/things", json={"name": "cup"}, headers=ADMIN)
    assert r.status_code == 201, r.get_json()
    assert r.get_json() == {"id": 1, "name": "cup", "shelf": 3, "shown": True}
    assert r.headers["Location"] == "/shelves/3/things/1"
    assert r.headers["ETag"] == '"1"'

    r = client.get("/shelves/3/things/1", headers=SPECIALIST)
    assert r.status_code == 200 and r.get_json()["name"] == "cup" and r.headers["ETag"] == '"1"'
    r = client.patch("/shelves/3/things/1", json={"name": "mug"}, headers=ADMIN)
    assert r.status_code == 200 and r.get_json()["name"] == "mug"

    client.post("/shelves/3/things", json={"name": "plate"}, headers=ADMIN)
    r = client.get("/shelves/3/things?name=plate", headers=SPECIALIST)
    assert r.get_json() == {"items": [{"id": 2, "name": "plate", "shelf": 3, "shown": True}]}

    r = client.delete("/shelves/3/things/1", headers=ADMIN)
    assert r.status_code == 204 and r.get_data() == b""
    assert client.get("/shelves/3/things/1", headers=SPECIALIST).status_code == 404
    assert client.get("/shelves/4/things/2", headers=SPECIALIST).status_code == 404


def test_roles_and_bodies_are_checked(client):
    assert client.post("/shelves/3/things", json={"name": "cup"}, headers=SPECIALIST).status_code == 403
    assert client.get("/shelves/3/things", headers=signed(role=identity.CONTACT)).status_code == 403
    assert client.post("/shelves/3/things", json={"colour": "red"}, headers=ADMIN).status_code == 422


def test_without_a_get_route_a_created_item_has_no_location(client):
    r = client.post("/labels", json={"name": "blue"}, headers=SPECIALIST)
    assert r.status_code == 201 and "Location" not in r.headers
    assert client.get("/labels", headers=SPECIALIST).get_json() == {"items": [{"id": 7, "name": "red"}]}


def test_the_routes_are_in_the_openapi_document(client):
    paths = client.get("/openapi.json").get_json()["paths"]
    item = paths["/shelves/{shelf}/things/{thing_id}"]
    assert set(item) == {"get", "patch", "delete"}
    assert item["delete"]["summary"] == "Delete a thing"
    assert set(item["delete"]["responses"]) == {"204", "401", "403", "404"}
    assert item["patch"]["x-relay-roles"] == [identity.ADMINISTRATOR]
    assert [p["name"] for p in item["get"]["parameters"]] == ["shelf", "thing_id"]
    create = paths["/shelves/{shelf}/things"]["post"]
    assert "201" in create["responses"] and "409" in create["responses"]


def test_the_id_part_must_name_one_parameter():
    with pytest.raises(ValueError, match="exactly one path parameter"):
        register_crud(
            Flask("x"),
            path="/x",
            id_part="plain",
            name="x",
            read_roles={"a"},
            write_roles={"a"},
            tags=(),
            item=ThingOut,
        )
