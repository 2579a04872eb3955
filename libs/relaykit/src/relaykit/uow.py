"""Unit of work: one transaction that saves aggregates and the messages their
changes raised, together (the outbox rows are just more rows in it)."""

from __future__ import annotations

from typing import Any, ClassVar, Protocol, Self

from sqlalchemy.orm import Session

from relaykit.bus.outbox import Outbox
from relaykit.db import Database, WriteInReadOnlySession


class DomainEvent(Protocol):
    """What a service's domain events provide; they stay plain Python."""

    type: ClassVar[str]
    version: ClassVar[int]
    aggregate_type: ClassVar[str]

    @property
    def aggregate_id(self) -> str: ...

    @property
    def sequence(self) -> int: ...

    def data(self) -> dict[str, Any]: ...


class Aggregate(Protocol):
    events: list[DomainEvent]


class UnitOfWork:
    """With `session` given (a consumer's transaction, which also holds the inbox
    claim), commit() writes everything into it and leaves the commit to its owner.
    With `read_only`, its transaction only reads (Database.reading): it does not wait
    for writers on SQLite, and commit() is refused."""

    def __init__(
        self, db: Database, outbox: Outbox, session: Session | None = None, *, read_only: bool = False
    ) -> None:
        self.db = db
        self.outbox = outbox
        self.seen: list[Aggregate] = []
        self._external = session
        self.read_only = read_only
        self.session: Session

    def __enter__(self) -> Self:
        self.session = self._external or (self.db.readers() if self.read_only else self.db.sessions())
        self.seen = []
        return self

    def __exit__(self, *exc: object) -> None:
        if self._external is not None:
            return
        # close() rolls back whatever was not committed, and detaches loaded
        # objects without expiring them, so callers can still read what they got.
        self.session.close()

    def track(self, aggregate: Aggregate) -> None:
        self.seen.append(aggregate)

    def publish(self, event: DomainEvent) -> None:
        self.outbox.emit(
            self.session,
            event.type,
            event.data(),
            version=event.version,
            aggregate_type=event.aggregate_type,
            aggregate_id=event.aggregate_id,
            sequence=event.sequence,
        )

    def commit(self) -> None:
        if self.read_only:
            raise WriteInReadOnlySession("a read-only unit of work cannot commit")
        self.before_commit()
        for aggregate in self.seen:
            while aggregate.events:
                self.publish(aggregate.events.pop(0))
        if self._external is not None:
            self.session.flush()
        else:
            self.session.commit()

    def before_commit(self) -> None:
        """For subclasses: write what the aggregates recorded besides their events."""
