"""Loading every JSON Schema under schemas/ and validating messages against them.

A message is validated against the schema named by its own `type` and
`version`; the envelope is shared through `$ref`. Schemas are loaded once.

Every message is checked twice on its way (by the outbox before commit and by the
consumer), so the check is on the hot path: a compiled validator (jsonschema-rs,
about 4 µs a message against 340 µs) answers valid or not, and only a message it
refuses goes through the reference implementation to name the offending field.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from relay_contracts.files import schemas_dir

_MESSAGE_FILE = re.compile(r"^(?P<type>[a-z][a-z_]*(?:\.[a-z][a-z_]*)+)\.v(?P<version>\d+)\.json$")


class ContractError(ValueError):
    """A message does not satisfy its contract; `path` points at the offending field."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.reason = message
        self.path = path


@dataclass(frozen=True)
class MessageSchema:
    type: str
    version: int
    kind: str  # "event" or "command"
    file: Path
    schema: dict[str, Any]


class SchemaRegistry:
    """All schemas of one schemas/ directory, keyed by (type, version)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._validators: dict[tuple[str, int], Draft202012Validator] = {}
        self._compiled: dict[tuple[str, int], Any] = {}

    @cached_property
    def documents(self) -> dict[Path, dict[str, Any]]:
        docs = {}
        for path in sorted(self.root.rglob("*.json")):
            with path.open(encoding="utf-8") as f:
                docs[path] = json.load(f)
        return docs

    @cached_property
    def messages(self) -> dict[tuple[str, int], MessageSchema]:
        found: dict[tuple[str, int], MessageSchema] = {}
        for path, doc in self.documents.items():
            kind = path.parent.name
            if kind not in ("events", "commands"):
                continue
            m = _MESSAGE_FILE.match(path.name)
            if not m:
                raise ContractError(f"schema file name must be <type>.v<N>.json: {path.name}")
            key = (m["type"], int(m["version"]))
            found[key] = MessageSchema(key[0], key[1], kind[:-1], path, doc)
        return found

    @cached_property
    def _resources(self) -> Registry:
        return Registry().with_resources(
            (doc["$id"], Resource.from_contents(doc, default_specification=DRAFT202012))
            for doc in self.documents.values()
        )

    def schema(self, type_: str, version: int) -> MessageSchema:
        try:
            return self.messages[(type_, version)]
        except KeyError:
            raise ContractError(f"no contract for {type_} v{version}", "type") from None

    def validator(self, type_: str, version: int) -> Draft202012Validator:
        key = (type_, version)
        v = self._validators.get(key)
        if v is None:
            v = Draft202012Validator(
                self.schema(type_, version).schema,
                registry=self._resources,
                format_checker=FormatChecker(),
            )
            self._validators[key] = v
        return v

    @cached_property
    def _compiled_resources(self) -> Any:
        return jsonschema_rs.Registry([(doc["$id"], doc) for doc in self.documents.values()])

    def compiled(self, type_: str, version: int) -> Any:
        key = (type_, version)
        v = self._compiled.get(key)
        if v is None:
            v = jsonschema_rs.validator_for(
                self.schema(type_, version).schema, registry=self._compiled_resources, validate_formats=True
            )
            self._compiled[key] = v
        return v

    def validate(self, message: Any) -> None:
        """Raise ContractError naming the first offending field, or return None."""
        if not isinstance(message, dict):
            raise ContractError("message must be a JSON object")
        type_, version = message.get("type"), message.get("version")
        if not isinstance(type_, str) or not isinstance(version, int) or isinstance(version, bool):
            raise ContractError("type (string) and version (integer) are required", "type")
        compiled = self.compiled(type_, version)
        try:
            if compiled.is_valid(message):
                return
        except (ValueError, TypeError):
            # Values it cannot read (str subclasses such as SQLAlchemy's quoted_name as
            # keys, say) are left to the reference implementation alone.
            compiled = None
        # Refused: the reference implementation says where. Should it find nothing (the
        # two disagree on some format), the stricter answer still stands.
        error = best_match(self.validator(type_, version).iter_errors(message))
        if error is not None:
            path = "/".join(str(p) for p in error.absolute_path)
            raise ContractError(error.message, path)
        if compiled is None:
            return
        compiled_error = next(iter(compiled.iter_errors(message)))
        raise ContractError(compiled_error.message, "/".join(str(p) for p in compiled_error.instance_path))

    def types(self) -> set[tuple[str, int]]:
        return set(self.messages)


_registry: SchemaRegistry | None = None


def registry() -> SchemaRegistry:
    global _registry
    if _registry is None:
        _registry = SchemaRegistry(schemas_dir())
    return _registry


def validate(message: Any) -> None:
    registry().validate(message)
