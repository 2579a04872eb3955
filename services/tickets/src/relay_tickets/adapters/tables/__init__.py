"""The tickets service's tables, one module per area, sharing one MetaData."""

from relay_tickets.adapters.tables.base import metadata

__all__ = ["metadata"]

# Import the areas so every table is on the metadata.
from relay_tickets.adapters.tables import activity, directory, settings, tickets, views  # noqa: F401
