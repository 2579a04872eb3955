"""Listing and replaying dead letters (the operator's `relay dlq` commands)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from kombu import Connection, Queue

from relaykit.bus.publisher import ConfirmingPublisher


@dataclass(frozen=True)
class DeadLetter:
    queue: str
    message_id: str | None
    type: str | None
    reason: str | None
    attempts: int | None
    dead_at: str | None
    body: str

    def to_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def _as_dead_letter(queue: str, message) -> DeadLetter:
    headers = message.headers or {}
    body = message.body.decode("utf-8", "replace") if isinstance(message.body, bytes) else str(message.body)
    message_id = (message.properties or {}).get("message_id")
    if message_id is None:
        try:
            message_id = json.loads(body).get("id")
        except (ValueError, AttributeError):
            message_id = None
    return DeadLetter(
        queue=queue,
        message_id=message_id,
        type=headers.get("x-relay-type"),
        reason=headers.get("x-relay-dead-reason"),
        attempts=headers.get("x-relay-attempts"),
        dead_at=headers.get("x-relay-dead-at"),
        body=body,
    )


def _drain(conn: Connection, dead_queue: str, limit: int) -> tuple[Any, list]:
    channel = conn.channel()
    queue = Queue(dead_queue, no_declare=True).bind(channel)
    got = []
    while len(got) < limit:
        message = queue.get(no_ack=False)
        if message is None:
            break
        got.append(message)
    return channel, got


def list_dead(conn: Connection, dead_queue: str, limit: int = 1000) -> list[DeadLetter]:
    """Read without removing: every message taken is put back."""
    channel, got = _drain(conn, dead_queue, limit)
    try:
        return [_as_dead_letter(dead_queue, m) for m in got]
    finally:
        for m in got:
            m.reject(requeue=True)
        channel.close()


def replay(
    conn: Connection, amqp_url: str, dead_queue: str, message_ids: set[str] | None = None, limit: int = 100_000
) -> int:
    """Move dead letters (all, or those with the given ids) back into their work queue
    with a fresh retry budget. Returns how many were moved."""
    channel, got = _drain(conn, dead_queue, limit)
    publisher = ConfirmingPublisher(amqp_url)
    moved = 0
    try:
        for m in got:
            letter = _as_dead_letter(dead_queue, m)
            if message_ids is not None and letter.message_id not in message_ids:
                m.reject(requeue=True)
                continue
            headers = {
                k: v
                for k, v in (m.headers or {}).items()
                if not k.startswith("x-relay-dead") and k not in ("x-relay-attempt", "x-relay-attempts", "x-death")
            }
            headers["x-relay-replayed"] = True
            work_queue = (m.headers or {}).get("x-relay-queue") or dead_queue.removesuffix(".dead")
            publisher.publish_to_queue(
                work_queue,
                m.body,
                headers=headers,
                content_type=m.content_type or "application/json",
                content_encoding=m.content_encoding or "utf-8",
                message_id=(m.properties or {}).get("message_id"),
                correlation_id=(m.properties or {}).get("correlation_id"),
            )
            m.ack()
            moved += 1
    finally:
        publisher.close()
        channel.close()
    return moved
