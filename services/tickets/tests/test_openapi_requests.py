"""What a client sends, as the OpenAPI document says it: JSON and multipart bodies, the
If-Match, Idempotency-Key, ETag and Location headers; and input past every bound is a
problem naming the field, on the real routes."""

from __future__ import annotations

import pytest
from helpers import ADMIN, SPECIALIST, ok, problem


@pytest.fixture
def doc(api):
    return ok(api.get("/openapi.json"))


def _schema(doc, ref_or_schema):
    name = ref_or_schema["$ref"].rsplit("/", 1)[-1]
    return doc["components"]["schemas"][name]


def _headers_in(op):
    return {p["name"] for p in op["parameters"] if p["in"] == "header"}


def test_a_comment_is_documented_as_json_and_as_a_multipart_form_with_files(doc):
    op = doc["paths"]["/tickets/{number}/comments"]["post"]
    content = op["requestBody"]["content"]
    assert set(content) == {"application/json", "multipart/form-data"}
    assert set(_schema(doc, content["application/json"]["schema"])["required"]) == {"body"}
    form = _schema(doc, content["multipart/form-data"]["schema"])["properties"]
    assert form["attachments"]["items"]["format"] == "binary" and form["attachments"]["maxItems"] == 10
    assert form["mentions"]["type"] == "string" and form["mentions"]["contentMediaType"] == "application/json"
    assert form["mentions"]["contentSchema"]["items"]["$ref"].endswith("Mention")
    assert form["body"]["maxLength"] == 100_000
    assert _headers_in(op) == {"If-Match"} and "ETag" in op["responses"]["201"]["headers"]
    assert {"409", "413", "415", "422"} <= set(op["responses"])


def test_attaching_files_is_documented_as_a_multipart_form(doc):
    op = doc["paths"]["/tickets/{number}/attachments"]["post"]
    (media,) = op["requestBody"]["content"]
    assert media == "multipart/form-data"
    form = _schema(doc, op["requestBody"]["content"][media]["schema"])
    assert form["required"] == ["attachments"] and form["properties"]["attachments"]["items"]["format"] == "binary"


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/tickets/{number}", "patch"),
        ("/tickets/{number}/status", "post"),
        ("/tickets/{number}/assign", "post"),
        ("/tickets/{number}/time-entries", "post"),
        ("/tickets/{number}/rating", "post"),
        ("/companies/{id}", "patch"),
        ("/contacts/{id}/deactivate", "post"),
        ("/groups/{id}/activate", "post"),
    ],
)
def test_routes_that_honour_if_match_document_it_and_answer_an_etag(doc, path, method):
    op = doc["paths"][path][method]
    assert "If-Match" in _headers_in(op)
    assert "409" in op["responses"] and "400" in op["responses"]
    (ok_status,) = [s for s in op["responses"] if s.startswith("2")]
    assert "ETag" in op["responses"][ok_status]["headers"]


def test_reads_and_creations_document_etag_location_and_idempotency_keys(doc):
    assert "ETag" in doc["paths"]["/tickets/{number}"]["get"]["responses"]["200"]["headers"]
    create = doc["paths"]["/tickets"]["post"]
    assert _headers_in(create) == {"Idempotency-Key"}
    assert set(create["responses"]["201"]["headers"]) == {"Location", "ETag"}
    company = doc["paths"]["/companies"]["post"]["responses"]["201"]["headers"]
    assert set(company) == {"Location", "ETag"}


def test_path_ids_are_documented_with_their_range(doc):
    (number,) = doc["paths"]["/tickets/{number}"]["get"]["parameters"]
    assert number["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}


def test_a_multipart_comment_takes_mentions_as_json_text(api):
    ok(api.post("/tickets", json={"subject": "Printer"}, headers=SPECIALIST), 201)
    data = {"body": "see attached", "mentions": "[]", "public": "false"}
    r = api.post("/tickets/1/comments", data=data, headers=SPECIALIST, content_type="multipart/form-data")
    assert ok(r, 201)["public"] is False
    bad = {"body": "x", "mentions": "[" * 40 + "]" * 40}
    r = api.post("/tickets/1/comments", data=bad, headers=SPECIALIST, content_type="multipart/form-data")
    problem(r, 422, "mentions")


def test_ids_and_numbers_past_every_column_are_problems_naming_them(api):
    ok(api.post("/tickets", json={"subject": "Printer"}, headers=SPECIALIST), 201)
    problem(api.get("/tickets/" + "9" * 30, headers=SPECIALIST), 404, "number")
    problem(api.get("/tickets/-1/comments", headers=SPECIALIST), 404, "number")
    problem(api.get("/tickets?limit=" + "9" * 30, headers=SPECIALIST), 422, "limit")
    problem(api.get(f"/companies?category_id={2**63}", headers=ADMIN), 422, "category_id")
    problem(api.get("/tickets/1/history?cursor=" + "9" * 25, headers=SPECIALIST), 422, "cursor")
    problem(api.post("/companies", json={"name": "Acme", "category_id": 2**40}, headers=ADMIN), 422, "category_id")
    problem(api.post("/companies", json={"name": "Acme", "category_id": 2**70}, headers=ADMIN), 422, "category_id")
    problem(api.post("/tickets/1/time-entries", json={"minutes": 30.5}, headers=SPECIALIST), 422, "minutes")
    problem(api.post("/tickets", json={"subject": "   "}, headers=SPECIALIST), 422, "subject")
    problem(api.post("/tickets", json={"subject": "a\u0000b"}, headers=SPECIALIST), 422, "subject")
    raw = '{"subject": "x", "observers": [{"kind": "employee", "id": "\\udc00"}]}'
    r = api.post("/tickets", data=raw, content_type="application/json", headers=SPECIALIST)
    problem(r, 422, "observers.0.id")
    r = api.post(
        "/tickets",
        data='{"subject": ' + "[" * 5000 + "]" * 5000 + "}",
        content_type="application/json",
        headers=SPECIALIST,
    )
    problem(r, 400, "body")
