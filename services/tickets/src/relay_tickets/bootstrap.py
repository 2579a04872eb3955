"""The tickets service as the kit sees it (registered under `relay.services`)."""

from __future__ import annotations

from pathlib import Path

from relay_tickets.adapters.mapping import start_mappers
from relay_tickets.adapters.tables import metadata
from relay_tickets.domain.directory import DIRECTORY_EVENTS
from relay_tickets.domain.events import TICKET_EVENTS
from relaykit.service import Runtime, ServiceSpec


def _routes(app, runtime: Runtime) -> None:
    from relay_tickets.entrypoints.api_activity import register_activity_routes
    from relay_tickets.entrypoints.api_directory import register_directory_routes
    from relay_tickets.entrypoints.api_lists import register_list_routes
    from relay_tickets.entrypoints.api_merge import register_merge_routes
    from relay_tickets.entrypoints.api_settings import register_settings_routes
    from relay_tickets.entrypoints.api_tickets import register_ticket_routes

    start_mappers()
    register_ticket_routes(app, runtime)
    register_list_routes(app, runtime)
    register_activity_routes(app, runtime)
    register_merge_routes(app, runtime)
    register_directory_routes(app, runtime)
    register_settings_routes(app, runtime)


def _consumers(runtime: Runtime):
    from relay_tickets.entrypoints.consumers import consumers

    return consumers(runtime)


def _background(runtime: Runtime):
    from relay_tickets.service_layer.directory_announce import AnnounceStaffAtStart
    from relay_tickets.service_layer.settings.announce import AnnounceAtStart
    from relay_tickets.service_layer.timers import TicketTimers

    start_mappers()
    return [TicketTimers(runtime), AnnounceAtStart(runtime), AnnounceStaffAtStart(runtime)]


def _demo(runtime: Runtime) -> None:
    from relay_tickets.demo import load
    from relay_tickets.demo_directory import load_directory

    start_mappers()
    load_directory(runtime)
    load(runtime)


spec = ServiceSpec(
    name="tickets",
    title="Relay tickets",
    migrations=Path(__file__).parent / "migrations" / "versions",
    metadata=metadata,
    routes=_routes,
    consumers=_consumers,
    background=_background,
    publishes=(*TICKET_EVENTS, *DIRECTORY_EVENTS, "settings.changed"),
    demo=_demo,
)
