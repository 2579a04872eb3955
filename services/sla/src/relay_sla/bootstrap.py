"""The SLA service as the kit sees it (registered under `relay.services`)."""

from __future__ import annotations

from pathlib import Path

from relay_sla.adapters.orm import metadata
from relay_sla.consumers import consumers
from relaykit.service import ServiceSpec

spec = ServiceSpec(
    name="sla",
    title="Relay SLA",
    migrations=Path(__file__).parent / "migrations" / "versions",
    metadata=metadata,
    consumers=consumers,
)
