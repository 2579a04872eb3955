"""Rule conditions declared once: unknown keys and wrong shapes are refused naming
`conditions.<key>`, in a request body and outside one alike, and OpenAPI shows the shape."""

from __future__ import annotations

from pathlib import Path

import pytest
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema, fields, validate

from relaykit import rule_conditions as rc
from relaykit.errors import InvalidInput
from relaykit.http import endpoint
from relaykit.identity import ADMINISTRATOR
from relaykit.service import Runtime, ServiceSpec
from relaykit.settings import Settings
from relaykit.testing.harness import signed

EMPTY = Path(__file__).parent / "probe_migrations" / "versions"

ROUTING = rc.ConditionSet(
    "TestRoutingConditions",
    "All given conditions must hold.",
    {
        "channels": rc.keys("channels", choices=("email", "portal", "api"), max_items=3),
        "priorities": rc.keys("priority keys", max_length=10),
        "groups": rc.ids("group ids", max_items=2),
        "window": rc.group(
            "TestWindow",
            "a calendar or a weekly window",
            {
                "calendar_id": rc.identifier("a calendar"),
                "inside": rc.flag("inside its hours"),
                "timezone": rc.text("a zone", max_length=8),
                "from": rc.time_of_day("start"),
            },
            exclusive=(("calendar_id", "inside"), ("timezone", "from")),
        ),
    },
)


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ({"priority": ["high"]}, "conditions.priority"),
        ({"priorities": "high"}, "conditions.priorities"),
        ({"priorities": None}, "conditions.priorities"),
        ({"priorities": ["high", ""]}, "conditions.priorities.1"),
        ({"priorities": ["x" * 11]}, "conditions.priorities.0"),
        ({"channels": ["fax"]}, "conditions.channels.0"),
        ({"groups": [1, 2, 3]}, "conditions.groups"),
        ({"groups": [0]}, "conditions.groups.0"),
        ({"groups": [1.5]}, "conditions.groups.0"),
        ({"groups": [True]}, "conditions.groups.0"),
        ({"groups": ["1"]}, "conditions.groups.0"),
        ({"window": {"calendar_id": 1, "inside": 1}}, "conditions.window.inside"),
        ({"window": {"calendar_id": 1, "inside": "yes"}}, "conditions.window.inside"),
        ({"window": {"calendar_id": 1, "timezone": "UTC"}}, "conditions.window.timezone"),
        ({"window": {"from": "24:01"}}, "conditions.window.from"),
        ({"window": {"from": "9:00"}}, "conditions.window.from"),
        ({"window": {"to": "10:00"}}, "conditions.window.to"),
        ({"window": "always"}, "conditions.window"),
    ],
)
def test_unknown_keys_and_wrong_shapes_are_refused_naming_the_field(doc, field):
    with pytest.raises(InvalidInput) as found:
        ROUTING.load(doc)
    assert field in found.value.errors, found.value.errors


@pytest.mark.parametrize(
    "doc",
    [
        {},
        {"priorities": []},
        {"channels": ["email", "api"], "priorities": ["high"], "groups": [7]},
        {"window": {"calendar_id": 3, "inside": False}},
        {"window": {"timezone": "UTC", "from": "24:00"}},
    ],
)
def test_well_formed_conditions_load_as_they_are(doc):
    assert ROUTING.load(doc) == doc


def test_a_document_that_is_not_an_object_names_the_conditions_themselves():
    for doc in (None, [], "priorities"):
        with pytest.raises(InvalidInput) as found:
            ROUTING.load(doc, field="rule.if")
        assert list(found.value.errors) == ["rule.if"]


def test_the_message_lists_the_known_keys():
    with pytest.raises(InvalidInput, match="channels, priorities, groups, window"):
        ROUTING.load({"priority": ["high"]})


class RuleBody(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    conditions = ROUTING.field(required=True)


def _routes(app, _rt):
    @app.post("/rules")
    @endpoint(roles={ADMINISTRATOR}, summary="Add a rule", body=RuleBody, status=201)
    def add_rule(body):
        return body


@pytest.fixture
def client(tmp_path):
    spec = ServiceSpec(name="demo", title="Demo", migrations=EMPTY, routes=_routes)
    rt = Runtime(spec, Settings(service="demo", database_url=f"sqlite:///{tmp_path}/d.db"))
    return rt.app.test_client()


def test_a_request_body_is_refused_with_422_naming_conditions_dot_key(client):
    admin = signed(role="administrator", subject="adm-1")
    resp = client.post("/rules", json={"name": "x", "conditions": {"priority": ["high"]}}, headers=admin)
    assert resp.status_code == 422, resp.get_data(as_text=True)
    assert resp.headers["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in resp.get_json()["errors"]] == ["conditions.priority"]
    ok = client.post("/rules", json={"name": "x", "conditions": {"priorities": ["high"]}}, headers=admin)
    assert ok.status_code == 201, ok.get_data(as_text=True)
    assert ok.get_json()["conditions"] == {"priorities": ["high"]}


def test_openapi_shows_every_key_with_its_shape_and_no_others():
    spec = APISpec(title="t", version="1", openapi_version="3.1.0", plugins=[MarshmallowPlugin()])
    spec.components.schema("RuleBody", schema=RuleBody)
    schemas = spec.to_dict()["components"]["schemas"]
    shape = schemas["TestRoutingConditions"]
    assert shape["additionalProperties"] is False
    assert set(shape["properties"]) == {"channels", "priorities", "groups", "window"}
    assert shape["properties"]["channels"]["items"]["enum"] == ["email", "portal", "api"]
    assert shape["properties"]["groups"]["maxItems"] == 2
    assert shape["properties"]["groups"]["items"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
    window = schemas["TestWindow"]
    assert window["additionalProperties"] is False
    assert window["properties"]["inside"]["type"] == "boolean"
    assert window["properties"]["from"]["pattern"]
