"""kombu connections with the options Relay relies on."""

from __future__ import annotations

from kombu import Connection


def connect(url: str, *, heartbeat: int = 30) -> Connection:
    """A lazy connection; on AMQP every channel is in publisher-confirm mode, so a
    publish returns only once the broker has taken responsibility for the message."""
    if url.startswith("memory://"):
        # The memory transport polls its queues; its default nap is a whole second.
        return Connection(url, transport_options={"polling_interval": 0.01})
    return Connection(
        url,
        heartbeat=heartbeat,
        connect_timeout=5,
        transport_options={"confirm_publish": True, "max_retries": 1},
    )
