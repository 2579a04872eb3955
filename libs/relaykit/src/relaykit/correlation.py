"""The correlation id of the work in progress (an HTTP request or a message being handled)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

HEADER = "X-Correlation-Id"
_current: ContextVar[str | None] = ContextVar("relay_correlation_id", default=None)


def current() -> str | None:
    return _current.get()


def current_or_new() -> str:
    value = _current.get()
    return value if value else str(uuid.uuid4())


def clean(value: str | None) -> str | None:
    """Accept a caller's id only if it is short printable text (it ends up in logs)."""
    if not value:
        return None
    value = value.strip()
    if not 0 < len(value) <= 200 or not value.isprintable():
        return None
    return value


@contextmanager
def bound(value: str | None) -> Iterator[str]:
    cid = clean(value) or str(uuid.uuid4())
    token = _current.set(cid)
    try:
        yield cid
    finally:
        _current.reset(token)
