"""The SLA service as the kit sees it (registered under `relay.services`)."""

from __future__ import annotations

from pathlib import Path

from relay_sla.adapters.orm import metadata
from relaykit.service import Runtime, ServiceSpec


def _routes(app, runtime: Runtime) -> None:
    from relay_sla.entrypoints.api import register_routes

    register_routes(app, runtime)


def _consumers(runtime: Runtime):
    from relay_sla.entrypoints.consumers import consumers

    return consumers(runtime)


def _background(runtime: Runtime):
    from relay_sla.service_layer.firing import SlaClock
    from relay_sla.service_layer.recompute import CalendarFollower
    from relay_sla.service_layer.registration import RegistrationRetry

    return [SlaClock(runtime), CalendarFollower(runtime), RegistrationRetry(runtime)]


def _demo(runtime: Runtime) -> None:
    from relay_sla.demo import load

    load(runtime)


spec = ServiceSpec(
    name="sla",
    title="Relay SLA",
    migrations=Path(__file__).parent / "migrations" / "versions",
    metadata=metadata,
    routes=_routes,
    consumers=_consumers,
    background=_background,
    publishes=("sla.warning", "sla.breached", "tickets.set_planned_times"),
    demo=_demo,
)
