"""The answers side of OpenAPI: every status a route gives is documented, with its body or without."""

from pathlib import Path

import pytest
from flask import Response
from marshmallow import Schema, fields

from relaykit import identity
from relaykit.http import Header, endpoint
from relaykit.service import Runtime, ServiceSpec
from relaykit.settings import Settings
from relaykit.testing.harness import signed

EMPTY = Path(__file__).parent / "probe_migrations" / "versions"
ME = signed()
DISPOSITION = Header("Content-Disposition", "attachment, with the file's name")


class RemovalSchema(Schema):
    outcome = fields.String()


def _routes(app, _rt):
    @app.delete("/things/<int:thing_id>")
    @endpoint(
        roles=identity.ROLES,
        summary="Delete a thing (204), or retire it when it is in use (200)",
        response=RemovalSchema,
        also=[204],
        errors=[404],
    )
    def remove(thing_id: int):
        return Response(status=204) if thing_id % 2 else {"outcome": "retired"}

    @app.get("/things/<int:thing_id>/file")
    @endpoint(roles=identity.ROLES, summary="Download a thing", download=True, response_headers=[DISPOSITION])
    def download(thing_id: int):
        return Response(b"%PDF-", mimetype="application/pdf", headers={"Content-Disposition": "attachment"})

    @app.delete("/others/<int:other_id>")
    @endpoint(roles=identity.ROLES, summary="Delete another thing", response=RemovalSchema)
    def remove_other(other_id: int):
        return {"outcome": "deleted"}


@pytest.fixture
def client(tmp_path):
    spec = ServiceSpec(name="demo", title="Demo", migrations=EMPTY, routes=_routes)
    return Runtime(spec, Settings(service="demo", database_url=f"sqlite:///{tmp_path}/d.db")).app.test_client()


def test_a_second_success_status_is_documented_without_a_body(client):
    responses = client.get("/openapi.json").get_json()["paths"]["/things/{thing_id}"]["delete"]["responses"]
    assert responses["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Removal"}
    assert responses["204"] == {"description": "No Content"}
    assert "application/problem+json" in responses["404"]["content"]
    assert client.delete("/things/1", headers=ME).status_code == 204
    retired = client.delete("/things/2", headers=ME)
    assert retired.status_code == 200 and retired.get_json() == {"outcome": "retired"}


def test_a_route_that_declares_no_other_status_documents_none(client):
    responses = client.get("/openapi.json").get_json()["paths"]["/others/{other_id}"]["delete"]["responses"]
    assert "204" not in responses and "200" in responses


def test_a_download_is_documented_as_a_file_of_any_type_not_as_json(client):
    doc = client.get("/openapi.json").get_json()
    ok = doc["paths"]["/things/{thing_id}/file"]["get"]["responses"]["200"]
    assert ok["content"] == {"*/*": {"schema": {"type": "string", "format": "binary"}}}
    assert "Content-Disposition" in ok["headers"]
    other = doc["paths"]["/others/{other_id}"]["delete"]["responses"]["200"]
    assert list(other["content"]) == ["application/json"]
    assert client.get("/things/1/file", headers=ME).mimetype == "application/pdf"
