"""Relay's message contracts: schema loading, validation and the AsyncAPI catalogue."""

from relay_contracts.catalog import Catalog, ConsumerBinding, catalog
from relay_contracts.registry import ContractError, SchemaRegistry, registry, validate

__all__ = [
    "Catalog",
    "ConsumerBinding",
    "ContractError",
    "SchemaRegistry",
    "catalog",
    "registry",
    "validate",
]
