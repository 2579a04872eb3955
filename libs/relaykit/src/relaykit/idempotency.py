"""Idempotency keys: a retried request or command finds the result of the first.

The record is written in the same transaction as the effect, so "done" and
"remembered as done" cannot disagree. A key reused with a different request is
refused rather than silently answered with the other request's result.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from relaykit.bus.envelope import utcnow
from relaykit.errors import Conflict, InvalidInput
from relaykit.kit_schema import idempotency

MAX_KEY = 200


@dataclass(frozen=True)
class Remembered:
    request_hash: str
    resource: str


def request_hash(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def check_key(key: str | None) -> str | None:
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY or not key.isprintable():
        raise InvalidInput(f"an Idempotency-Key is 1 to {MAX_KEY} printable characters", field="Idempotency-Key")
    return key


def recall(session: Session, scope: str, key: str, req_hash: str) -> str | None:
    """The resource the first request with this key made, or None if there was none."""
    row = session.execute(
        select(idempotency.c.request_hash, idempotency.c.resource).where(
            idempotency.c.scope == scope, idempotency.c.key == key
        )
    ).first()
    if row is None:
        return None
    if row.request_hash != req_hash:
        raise Conflict("this Idempotency-Key was used for a different request", field="Idempotency-Key")
    return row.resource


def remember(session: Session, scope: str, key: str, req_hash: str, resource: str) -> None:
    session.execute(
        insert(idempotency).values(scope=scope, key=key, request_hash=req_hash, resource=resource, created_at=utcnow())
    )
