"""The notify service as the kit sees it (registered under `relay.services`)."""

from __future__ import annotations

from pathlib import Path

from relay_notify.adapters.orm import metadata
from relaykit.service import Runtime, ServiceSpec


def _routes(app, runtime: Runtime) -> None:
    from relay_notify.entrypoints.api import register_routes

    register_routes(app, runtime)


def _consumers(runtime: Runtime):
    from relay_notify.entrypoints.consumers import consumers

    return consumers(runtime)


def _background(runtime: Runtime):
    from relay_notify.service_layer.sender import Sender

    return [Sender(runtime)]


spec = ServiceSpec(
    name="notify",
    title="Relay notify",
    migrations=Path(__file__).parent / "migrations" / "versions",
    metadata=metadata,
    routes=_routes,
    consumers=_consumers,
    background=_background,
)
