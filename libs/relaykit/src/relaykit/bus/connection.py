"""kombu connections with the options Relay relies on."""

from __future__ import annotations

from kombu import Connection

from relaykit.bus import embedded  # registers the `embedded+sqlite://` transport with kombu


def connect(url: str, *, heartbeat: int = 30, confirm_each: bool = True) -> Connection:
    """A lazy connection. With `confirm_each` (the default) every AMQP channel is in
    publisher-confirm mode and a publish returns only once the broker has taken
    responsibility for the message; the outbox relay turns it off and waits for the
    confirms of a whole batch at once (relaykit.bus.confirms)."""
    if url.startswith("memory://"):
        # The memory transport polls its queues; its default nap is a whole second.
        return Connection(url, transport_options={"polling_interval": 0.01})
    if embedded.is_embedded(url):
        # A publish there is a committed row: nothing to confirm, no heartbeat to keep.
        return Connection(url)
    return Connection(
        url,
        heartbeat=heartbeat,
        connect_timeout=5,
        transport_options={"confirm_publish": confirm_each, "max_retries": 1},
    )
