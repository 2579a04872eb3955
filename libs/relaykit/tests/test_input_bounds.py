"""No input is a 500: bodies, queries, forms and path ids are bounded once in the kit, for every route."""

from pathlib import Path

import pytest
from flask import request
from marshmallow import Schema, fields, validate

from relaykit import identity
from relaykit.fields import INT32, TEXT_MAX, JsonText, UnboundedField, Upload
from relaykit.http import ETAG, IF_MATCH, endpoint, load_form
from relaykit.service import Runtime, ServiceSpec
from relaykit.settings import Settings
from relaykit.testing.harness import signed

EMPTY = Path(__file__).parent / "probe_migrations" / "versions"
ME = signed()


class ItemSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    count = fields.Integer(load_default=1)


class OrderSchema(Schema):
    items = fields.List(fields.Nested(ItemSchema), load_default=list)
    note = fields.String(load_default="")
    big = fields.Integer(validate=validate.Range(min=0, max=2**63 - 1))
    ratio = fields.Float()
    labels = fields.Dict(values=fields.String())
    when = fields.AwareDateTime()


class PageSchema(Schema):
    limit = fields.Integer(load_default=10)
    q = fields.String()


class NoteFormSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=50))
    tags = JsonText(fields.List(fields.String(validate=validate.Length(max=20))), load_default=list)
    files = fields.List(Upload(), validate=validate.Length(max=3))


def _routes(app, _rt):
    @app.post("/orders")
    @endpoint(roles=identity.ROLES, summary="Order", body=OrderSchema)
    def order(body):
        return body

    @app.get("/orders")
    @endpoint(roles=identity.ROLES, summary="List", query=PageSchema)
    def orders(query):
        return query

    @app.get("/orders/<int:order_id>/lines/<line>")
    @endpoint(roles=identity.ROLES, summary="Line", response_headers=[ETAG])
    def line(order_id: int, line: str):
        return {"order": order_id, "line": line}, {"ETag": '"1"'}

    @app.post("/orders/<int:order_id>/notes")
    @endpoint(roles=identity.ROLES, summary="Note", body=ItemSchema, form=NoteFormSchema, headers=[IF_MATCH])
    def note(order_id: int, body):
        if body is None:
            return {"form": load_form(NoteFormSchema(), request.form.to_dict())}
        return {"json": body}


@pytest.fixture
def client(tmp_path):
    spec = ServiceSpec(name="demo", title="Demo", migrations=EMPTY, routes=_routes)
    rt = Runtime(spec, Settings(service="demo", database_url=f"sqlite:///{tmp_path}/d.db", max_body_bytes=200_000))
    return rt.app.test_client()


def _problem(resp, status, field):
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.headers["Content-Type"] == "application/problem+json"
    body = resp.get_json()
    assert field in [e["field"] for e in body.get("errors", [])], body
    return body


def _post(client, raw: str):
    return client.post(
        "/orders", data=raw.encode("utf-8", "surrogatepass"), content_type="application/json", headers=ME
    )


def test_a_body_nested_thousands_deep_is_a_bad_request_naming_the_body(client):
    _problem(_post(client, "[" * 50_000 + "]" * 50_000), 400, "body")
    _problem(_post(client, '{"items": ' + "[" * 40 + "]" * 40 + "}"), 400, "body")  # parses, but past the limit


def test_a_lone_surrogate_is_refused_naming_the_field(client):
    body = _problem(_post(client, '{"items": [{"name": "ok"}, {"name": "bad \\ud800"}]}'), 422, "items.1.name")
    assert "surrogate" in body["detail"]
    _problem(_post(client, '{"labels": {"\\udfff": "x"}}'), 422, "labels")


def test_a_nul_character_is_refused_naming_the_field(client):
    _problem(_post(client, '{"items": [{"name": "a\\u0000b"}]}'), 422, "items.0.name")
    _problem(client.get("/orders?q=a%00b", headers=ME), 422, "q")


@pytest.mark.parametrize("number", ["18446744073709551616", "-9223372036854775809", "1" + "0" * 5000])
def test_integers_past_64_bits_are_refused_naming_the_field(client, number):
    _problem(_post(client, f'{{"big": {number}}}'), 422, "big")


def test_integers_past_the_column_are_refused_naming_the_field(client):
    _problem(_post(client, f'{{"items": [{{"name": "x", "count": {INT32[1] + 1}}}]}}'), 422, "items.0.count")
    assert _post(client, f'{{"items": [{{"name": "x", "count": {INT32[1]}}}]}}').status_code == 200
    assert _post(client, f'{{"big": {2**62}}}').get_json()["big"] == 2**62  # a field may declare 64 bits


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_numbers_json_does_not_have_are_refused(client, literal):
    _problem(_post(client, f'{{"ratio": {literal}}}'), 422, "ratio")


def test_a_fraction_for_an_integer_is_refused_and_a_zero_fraction_is_the_integer(client):
    _problem(_post(client, '{"items": [{"name": "x", "count": 1.5}]}'), 422, "items.0.count")
    _problem(_post(client, '{"items": [{"name": "x", "count": "2"}]}'), 422, "items.0.count")
    assert _post(client, '{"items": [{"name": "x", "count": 2.0}]}').get_json()["items"][0]["count"] == 2


def test_a_name_of_blanks_is_refused(client):
    _problem(_post(client, '{"items": [{"name": " \\t\\u3000 "}]}'), 422, "items.0.name")


def test_fields_without_declared_bounds_get_the_defaults(client):
    _problem(_post(client, '{"note": "' + "x" * (TEXT_MAX + 1) + '"}'), 422, "note")
    _problem(_post(client, '{"labels": {' + ",".join(f'"k{i}": "v"' for i in range(101)) + "}}"), 422, "labels")
    _problem(_post(client, '{"when": "9999-12-31T23:59:59-14:00"}'), 422, "when")
    _problem(_post(client, '{"ratio": 1e300}'), 422, "ratio")


def test_query_integers_are_bounded_naming_the_parameter(client):
    _problem(client.get("/orders?limit=99999999999999999999999", headers=ME), 422, "limit")
    _problem(client.get("/orders?limit=1.5", headers=ME), 422, "limit")
    assert client.get("/orders?limit=7", headers=ME).get_json() == {"limit": 7}


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/orders/99999999999999999999999999/lines/a", "order_id"),
        ("/orders/2147483648/lines/a", "order_id"),
        ("/orders/-3/lines/a", "order_id"),
        ("/orders/0/lines/a", "order_id"),
        ("/orders/1/lines/" + "x" * 201, "line"),
        ("/orders/1/lines/a%00b", "line"),
    ],
)
def test_path_ids_no_row_can_have_are_404_naming_the_parameter(client, path, name):
    _problem(client.get(path, headers=ME), 404, name)


def test_path_ids_in_range_reach_the_route(client):
    assert client.get("/orders/2147483647/lines/x", headers=ME).get_json() == {"order": 2147483647, "line": "x"}


def _form(client, data):
    return client.post("/orders/1/notes", data=data, content_type="multipart/form-data", headers=ME)


def test_a_route_takes_json_or_its_declared_form_and_nothing_else(client):
    assert client.post("/orders/1/notes", json={"name": "x"}, headers=ME).get_json() == {
        "json": {"name": "x", "count": 1}
    }
    assert _form(client, {"text": "hi", "tags": '["a", "b"]'}).get_json() == {
        "form": {"text": "hi", "tags": ["a", "b"]}
    }
    _problem(_form(client, {"text": "hi", "tags": "[1"}), 422, "tags")
    _problem(_form(client, {"text": "hi", "tags": '["' + "x" * 21 + '"]'}), 422, "tags.0")
    _problem(_form(client, {"text": "a\x00"}), 422, "text")
    body = _problem(
        client.post("/orders/1/notes", data="x", content_type="text/plain", headers=ME), 415, "Content-Type"
    )
    assert "application/json or multipart/form-data" in body["detail"]


def test_a_request_field_nothing_bounds_fails_at_declaration():
    class Loose(Schema):
        anything = fields.Raw()
        inner = fields.Nested(Schema.from_dict({"free": fields.Dict()}))

    with pytest.raises(UnboundedField, match=r"anything.*inner\.free\.\*|inner\.free\.\*.*anything"):
        endpoint(roles=identity.ROLES, summary="Loose", body=Loose)


def test_the_openapi_document_shows_the_bounds_forms_and_headers(client):
    doc = client.get("/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    order, item = schemas["Order"]["properties"], schemas["Item"]["properties"]
    assert order["note"]["maxLength"] == TEXT_MAX
    assert (item["count"]["minimum"], item["count"]["maximum"]) == INT32
    assert item["name"] == {"type": "string", "minLength": 1, "maxLength": 120, "pattern": r"\S"}
    assert order["labels"]["maxProperties"] == 100 and order["labels"]["propertyNames"]["maxLength"] == 200
    assert order["items"]["maxItems"] == 1000
    line = doc["paths"]["/orders/{order_id}/lines/{line}"]["get"]
    params = {p["name"]: p["schema"] for p in line["parameters"]}
    assert params["order_id"] == {"type": "integer", "minimum": 1, "maximum": INT32[1]}
    assert params["line"]["maxLength"] == 200
    assert "ETag" in line["responses"]["200"]["headers"] and "404" in line["responses"]
    note = doc["paths"]["/orders/{order_id}/notes"]["post"]
    assert set(note["requestBody"]["content"]) == {"application/json", "multipart/form-data"}
    form = schemas["NoteForm"]["properties"]
    assert form["tags"]["contentMediaType"] == "application/json" and form["tags"]["maxLength"] == TEXT_MAX
    assert form["files"]["items"]["format"] == "binary"
    assert [p["name"] for p in note["parameters"] if p["in"] == "header"] == ["If-Match"]
    assert {"409", "415"} <= set(note["responses"])
