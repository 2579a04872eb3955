"""Publisher confirms for a whole batch: publish everything, then wait for the acks.

Waiting for each confirm before the next publish caps a publisher at one message
per round trip; pipelining them lets the broker confirm many at once
(`multiple=True`) while keeping the same guarantee: nothing is marked sent until
the broker has confirmed it.
"""

from __future__ import annotations

import time
from typing import Any


class ConfirmTimeout(Exception):
    pass


class MessageNacked(Exception):
    pass


class BatchConfirms:
    def __init__(self, connection: Any, channel: Any) -> None:
        self.connection = connection
        self.channel = channel
        # The memory transport has no confirms: a publish there is already done.
        self.enabled = hasattr(channel, "confirm_select") and connection.transport.driver_type == "amqp"
        # The embedded bus: a publish is as good as confirmed once the transaction that
        # holds it commits; one transaction per batch instead of one per message.
        self.held = not self.enabled and hasattr(channel, "hold_commits")
        if self.held:
            channel.hold_commits()
        self._held: list[Any] = []
        self._next_tag = 0
        self._unconfirmed: dict[int, Any] = {}
        self._confirmed: list[Any] = []
        self._nacked: list[Any] = []
        if self.enabled:
            channel.confirm_select()
            channel.events["basic_ack"].add(self._on_ack)
            channel.events["basic_nack"].add(self._on_nack)

    def published(self, item: Any) -> None:
        """Record that `item` was just published on the channel."""
        if self.held:
            self._held.append(item)
            return
        if not self.enabled:
            self._confirmed.append(item)
            return
        self._next_tag += 1
        self._unconfirmed[self._next_tag] = item

    def _settle(self, tag: int, multiple: bool, into: list[Any]) -> None:
        tags = [t for t in self._unconfirmed if t <= tag] if multiple else [tag]
        for t in sorted(tags):
            item = self._unconfirmed.pop(t, None)
            if item is not None:
                into.append(item)

    def _on_ack(self, delivery_tag: int, multiple: bool) -> None:
        self._settle(delivery_tag, multiple, self._confirmed)

    def _on_nack(self, delivery_tag: int, multiple: bool) -> None:
        self._settle(delivery_tag, multiple, self._nacked)

    def wait(self, timeout: float = 10.0) -> None:
        """Wait for every outstanding confirm. Raises if the broker refused one or stayed
        silent; either way, `take_confirmed()` then tells what is safe to mark sent."""
        if self.held:
            self.channel.commit_held()  # raises if the bus refused: nothing of it is confirmed
            self._confirmed += self._held
            self._held = []
        deadline = time.monotonic() + timeout
        while self._unconfirmed:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ConfirmTimeout(f"{len(self._unconfirmed)} publishes unconfirmed after {timeout}s")
            try:
                self.connection.drain_events(timeout=min(left, 1.0))
            except TimeoutError:
                continue
        if self._nacked:
            nacked, self._nacked = self._nacked, []
            raise MessageNacked(f"the broker refused {len(nacked)} message(s)")

    def take_confirmed(self) -> list[Any]:
        confirmed, self._confirmed = self._confirmed, []
        return confirmed
