"""Contracts: every schema valid, every example valid, code and catalogue in agreement,
and no released schema changed incompatibly without a version bump."""

import copy
import json
import shutil

import pytest
from jsonschema import Draft202012Validator

from relay_contracts import ContractError, catalog, registry
from relay_contracts.cli import compare
from relay_contracts.compat import breaking_changes
from relay_contracts.files import released_dir, schemas_dir

MESSAGES = sorted(registry().messages.values(), key=lambda m: (m.type, m.version))


def test_there_are_contracts():
    assert ("ticket.created", 1) in registry().types()


@pytest.mark.parametrize("path", sorted(schemas_dir().rglob("*.json")), ids=lambda p: p.name)
def test_every_schema_is_valid_draft_2020_12_with_a_unique_id(path):
    doc = json.loads(path.read_text())
    Draft202012Validator.check_schema(doc)
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    ids = [d["$id"] for d in registry().documents.values()]
    assert ids.count(doc["$id"]) == 1


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: f"{m.type}.v{m.version}")
def test_schema_names_its_own_type_and_version_and_its_examples_validate(message):
    props = message.schema["properties"]
    assert props["type"]["const"] == message.type
    assert props["version"]["const"] == message.version
    assert props["kind"]["const"] == message.kind
    assert message.schema.get("examples"), "every contract carries at least one example"
    for example in message.schema["examples"]:
        registry().validate(example)


def test_validation_errors_name_the_field():
    example = copy.deepcopy(registry().schema("ticket.created", 1).schema["examples"][0])
    example["data"]["ticket"]["number"] = "seven"
    with pytest.raises(ContractError) as e:
        registry().validate(example)
    assert e.value.path == "data/ticket/number"
    del example["correlation_id"]
    with pytest.raises(ContractError, match="correlation_id"):
        registry().validate(example)
    with pytest.raises(ContractError, match="no contract"):
        registry().validate(example | {"type": "ticket.vanished"})


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: f"{m.type}.v{m.version}")
def test_the_compiled_and_the_reference_validator_agree(message):
    """The compiled validator decides; the reference one only explains. They must agree
    on each example and on each example with a required field taken away."""
    reference = registry().validator(message.type, message.version)
    compiled = registry().compiled(message.type, message.version)
    for example in message.schema["examples"]:
        assert compiled.is_valid(example) and reference.is_valid(example)
        for field in ("data", "correlation_id", "occurred_at", "sequence"):
            broken = {k: v for k, v in example.items() if k != field}
            assert not compiled.is_valid(broken) and not reference.is_valid(broken)


def test_a_refusal_the_reference_cannot_explain_still_stands(monkeypatch):
    import importlib

    module = importlib.import_module("relay_contracts.registry")

    example = copy.deepcopy(registry().schema("ticket.created", 1).schema["examples"][0])
    example["data"]["ticket"]["number"] = "seven"
    monkeypatch.setattr(module, "best_match", lambda errors: None)
    with pytest.raises(ContractError) as e:
        registry().validate(example)
    assert e.value.path == "data/ticket/number"


def test_every_channel_has_a_schema_a_producer_and_a_consumer_and_every_schema_a_channel():
    channels = catalog().channels()
    types = {t for t, _ in registry().types()}
    assert channels == types
    producers = catalog().producers(planned=True)
    consumed = {key for b in catalog().consumers(planned=True) for key in b.routing_keys}
    for channel in channels:
        assert producers.get(channel), f"{channel} has no producer"
        assert channel in consumed, f"{channel} has no consumer"


def test_the_services_publish_and_consume_what_the_catalogue_says(tmp_path):
    from relaykit.service import Runtime, discover
    from relaykit.settings import Settings

    produced: dict[str, set[str]] = {}
    consumed: set[tuple[str, str, tuple[str, ...]]] = set()
    for name, spec in discover().items():
        for t in spec.publishes:
            produced.setdefault(t, set()).add(name)
        rt = Runtime(spec, Settings(service=name, database_url=f"sqlite:///{tmp_path}/{name}.db"))
        for cs in rt.consumer_specs:
            b = cs.binding(name)
            consumed.add((b.service, b.consumer, b.routing_keys))
    assert produced == catalog().producers()
    assert consumed == {(b.service, b.consumer, b.routing_keys) for b in catalog().consumers()}


# -- compatibility ---------------------------------------------------------------
def test_no_released_schema_changed_incompatibly():
    assert compare(schemas_dir(), released_dir()) == {}


def test_every_schema_is_released():
    released = {p.relative_to(released_dir()) for p in released_dir().rglob("*.json")}
    current = {p.relative_to(schemas_dir()) for p in schemas_dir().rglob("*.json")}
    assert current <= released, f"run `make contracts-release` for {sorted(map(str, current - released))}"


def test_a_breaking_edit_of_a_released_schema_is_caught(tmp_path):
    work = tmp_path / "schemas"
    shutil.copytree(schemas_dir(), work)
    snapshot = work / "ticket.snapshot.v1.json"
    doc = json.loads(snapshot.read_text())
    doc["properties"]["number"]["type"] = "string"
    snapshot.write_text(json.dumps(doc))
    problems = compare(work, released_dir())
    assert "ticket.snapshot.v1.json" in problems
    assert any("properties/number/type" in p for p in problems["ticket.snapshot.v1.json"])


BASE = {
    "type": "object",
    "required": ["a"],
    "properties": {"a": {"type": "string"}, "b": {"type": "integer", "minimum": 0}},
}


def _changed(**edits):
    new = copy.deepcopy(BASE)
    for path, value in edits.items():
        node = new
        *parents, last = path.split("__")
        for p in parents:
            node = node[p]
        if value is None:
            del node[last]
        else:
            node[last] = value
    return new


@pytest.mark.parametrize(
    ("new", "breaking"),
    [
        (_changed(description="docs only"), False),
        (_changed(properties__c={"type": "string"}), False),  # a new optional property
        (_changed(properties__b__description="more docs"), False),
        (_changed(properties__b=None), True),  # removed
        (_changed(required=["a", "b"]), True),  # newly required
        (_changed(required=[]), True),  # no longer required
        (_changed(properties__a__type="integer"), True),
        (_changed(properties__b__minimum=1), True),
        (_changed(additionalProperties=False), True),
        (_changed(properties__a__enum=["x"]), True),
    ],
    ids=["docs", "add-optional", "nested-docs", "remove", "require", "unrequire", "type", "bound", "closed", "enum"],
)
def test_compatibility_rules(new, breaking):
    assert bool(breaking_changes(BASE, new)) is breaking


def test_values_the_compiled_validator_cannot_read_are_checked_by_the_reference_one():
    class Key(str):
        pass

    example = copy.deepcopy(registry().schema("ticket.created", 1).schema["examples"][0])
    example["data"] = {Key(k): v for k, v in example["data"].items()}
    registry().validate(example)
    example["data"]["ticket"]["number"] = "seven"
    with pytest.raises(ContractError) as e:
        registry().validate(example)
    assert e.value.path == "data/ticket/number"
