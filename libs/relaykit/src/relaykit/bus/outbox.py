"""The transactional outbox: messages are rows committed with the state change.

`Outbox.add` writes the row inside the caller's transaction (and validates it
against its contract first, so nothing malformed is ever committed). The
`OutboxRelay` publishes committed rows in order with publisher confirms and
marks them sent; if the broker is away, rows wait and flow when it returns.
"""

from __future__ import annotations

import json
import threading
import zlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import event, insert
from sqlalchemy.orm import Session

from relaykit.bus.envelope import Message, new_message
from relaykit.db import Database
from relaykit.kit_schema import outbox as outbox_table

NOTIFY_CHANNEL = "relay_outbox"  # see kit_migrations/versions/0002
# Built once: every state change writes one, and building an INSERT costs about as much
# CPU as executing it (SQLAlchemy compiles it once either way).
_INSERT = insert(outbox_table)


class Outbox:
    """Writes one service's outgoing messages into its own database."""

    def __init__(self, service: str, db: Database, validate: Callable[[Any], None]) -> None:
        self.service = service
        self.db = db
        self.validate = validate
        # Set after a commit that wrote rows: wakes an in-process relay at once.
        self.committed = threading.Event()
        event.listen(db.sessions, "after_commit", self._after_commit)
        event.listen(db.sessions, "after_rollback", self._after_rollback)

    def _after_commit(self, session: Session) -> None:
        if session.info.pop("relay_outbox_rows", False):
            self.committed.set()

    def _after_rollback(self, session: Session) -> None:
        session.info.pop("relay_outbox_rows", None)

    def message(
        self,
        type_: str,
        data: dict[str, Any],
        *,
        aggregate_type: str,
        aggregate_id: str,
        sequence: int,
        version: int = 1,
        kind: str = "event",
    ) -> Message:
        return new_message(
            type_,
            data,
            producer=self.service,
            aggregate_type=aggregate_type,
            aggregate_id=aggregate_id,
            sequence=sequence,
            version=version,
            kind=kind,
        )

    def add(self, session: Session, message: Message) -> None:
        body = message.to_dict()
        self.validate(body)
        session.execute(
            _INSERT,
            {
                "message_id": message.id,
                "type": message.type,
                "version": message.version,
                "aggregate_id": message.aggregate_id,
                "sequence": message.sequence,
                "correlation_id": message.correlation_id,
                "body": json.dumps(body, separators=(",", ":")),
                "created_at": datetime.fromisoformat(message.occurred_at),
                "published_at": None,
            },
        )
        # A relay in this process wakes at our commit; one in another process is
        # woken by the NOTIFY that the table's trigger sends (PostgreSQL).
        session.info["relay_outbox_rows"] = True

    def emit(self, session: Session, type_: str, data: dict[str, Any], **kw: Any) -> Message:
        message = self.message(type_, data, **kw)
        self.add(session, message)
        return message


def relay_lock_key(service: str) -> int:
    return zlib.crc32(f"relay-outbox-relay:{service}".encode()) & 0x7FFFFFFF
