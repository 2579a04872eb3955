"""The AsyncAPI document read as data: who sends and who receives each message.

Publishers use it to declare every consumer queue before publishing; contract
tests use it to prove code and document agree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from relay_contracts.files import asyncapi_file


@dataclass(frozen=True)
class ConsumerBinding:
    service: str
    consumer: str
    routing_keys: tuple[str, ...]

    @property
    def queue(self) -> str:
        return f"{self.service}.{self.consumer}"


class Catalog:
    def __init__(self, path: Path) -> None:
        self.path = path

    @cached_property
    def document(self) -> dict[str, Any]:
        with self.path.open(encoding="utf-8") as f:
            return yaml.safe_load(f)

    def _operations(self, action: str, planned: bool) -> list[tuple[str, str, dict[str, Any]]]:
        """Operations of one action; planned ones (a later issue's) only when asked for."""
        result = []
        channels = self.document.get("channels", {})
        for name, op in self.document.get("operations", {}).items():
            if op.get("action") != action or (op.get("x-relay-planned") and not planned):
                continue
            ref = op["channel"]["$ref"]
            channel = channels[ref.rsplit("/", 1)[-1]]
            result.append((name, channel["address"], op))
        return result

    def channels(self) -> set[str]:
        return {c["address"] for c in self.document.get("channels", {}).values()}

    def producers(self, *, planned: bool = False) -> dict[str, set[str]]:
        """routing key -> services that send it."""
        out: dict[str, set[str]] = defaultdict(set)
        for _, address, op in self._operations("send", planned):
            out[address].add(op["x-relay-service"])
        return dict(out)

    def consumers(self, *, planned: bool = False) -> list[ConsumerBinding]:
        """The consumers that exist (their queues are declared); with planned=True also
        those a later issue brings (never declared: nobody would drain them)."""
        keys: dict[tuple[str, str], list[str]] = defaultdict(list)
        for _, address, op in self._operations("receive", planned):
            keys[(op["x-relay-service"], op["x-relay-consumer"])].append(address)
        return [ConsumerBinding(s, c, tuple(sorted(k))) for (s, c), k in sorted(keys.items())]


_catalog: Catalog | None = None


def catalog() -> Catalog:
    global _catalog
    if _catalog is None:
        _catalog = Catalog(asyncapi_file())
    return _catalog
