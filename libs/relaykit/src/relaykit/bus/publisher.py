"""A small confirming publisher for the consumer side (retries, dead letters, replays).

It keeps its own connection: waiting for a confirm on the consumer's connection
would dispatch new deliveries into the handler that is still running.
"""

from __future__ import annotations

import logging
from typing import Any

from kombu import Connection, Producer

from relaykit.bus.connection import connect

log = logging.getLogger(__name__)


class ConfirmingPublisher:
    def __init__(self, amqp_url: str) -> None:
        self.amqp_url = amqp_url
        self._conn: Connection | None = None
        self._producer: Producer | None = None

    def _ensure(self) -> Producer:
        if self._producer is None:
            self._conn = connect(self.amqp_url, heartbeat=0)
            self._conn.ensure_connection(max_retries=1)
            self._producer = Producer(self._conn.channel())
        return self._producer

    def publish_to_queue(self, queue: str, body: bytes | str, **properties: Any) -> None:
        """Publish through the default exchange straight into `queue`; one reconnect on failure."""
        for attempt in (1, 2):
            try:
                self._ensure().publish(body, exchange="", routing_key=queue, delivery_mode=2, retry=False, **properties)
                return
            except Exception:
                self.close()
                if attempt == 2:
                    raise
                log.info("publisher reconnecting", extra={"queue": queue})

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.release()
            except Exception:
                log.debug("closing publisher connection failed", exc_info=True)
        self._conn = None
        self._producer = None
