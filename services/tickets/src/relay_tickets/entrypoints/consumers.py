"""The tickets service's consumers: the commands other services send it."""

from __future__ import annotations

from functools import partial

from relay_tickets.adapters.mapping import start_mappers
from relay_tickets.service_layer.commands import HANDLERS, refusing_permanently
from relaykit.bus.consumer import ConsumerSpec
from relaykit.service import Runtime


def consumers(runtime: Runtime) -> list[ConsumerSpec]:
    start_mappers()
    return [
        ConsumerSpec(
            "commands",
            {name: partial(refusing_permanently(handler), runtime) for name, handler in HANDLERS.items()},
        )
    ]
