"""The tickets service as the kit sees it (registered under `relay.services`)."""

from __future__ import annotations

from pathlib import Path

from relay_tickets.adapters.orm import metadata, start_mappers
from relay_tickets.entrypoints.api import register_routes
from relaykit.service import Runtime, ServiceSpec


def _routes(app, runtime: Runtime) -> None:
    start_mappers()
    register_routes(app, runtime)


def _demo(runtime: Runtime) -> None:
    from relay_tickets.demo import load

    start_mappers()
    load(runtime)


spec = ServiceSpec(
    name="tickets",
    title="Relay tickets",
    migrations=Path(__file__).parent / "migrations" / "versions",
    metadata=metadata,
    routes=_routes,
    publishes=("ticket.created",),
    demo=_demo,
)
