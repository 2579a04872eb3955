"""How the settings are read, and changed: one transaction per change, serialised with
every other settings change, this process's cached configuration dropped after it.

Changing settings is an administrator's act, checked here for every change whatever
route or consumer asked for it; what decides who sees what (a ticket type's internal
flag, an attribute's visibility, the desk settings) goes into the directory history."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy.exc import IntegrityError

from relay_tickets.adapters.directory_history import DirectoryHistory, changed_fields
from relay_tickets.adapters.settings_repository import SettingsRepository
from relay_tickets.domain.parties import Actor, is_administrator
from relay_tickets.service_layer.settings.announce import announce
from relay_tickets.service_layer.unit_of_work import settings_store
from relaykit.errors import Conflict, Forbidden
from relaykit.service import Runtime


@contextmanager
def reading(runtime: Runtime) -> Iterator[SettingsRepository]:
    with runtime.db.sessions() as session:
        yield SettingsRepository(session)


@contextmanager
def changing(runtime: Runtime, field: str = "id", *, by: Actor) -> Iterator[SettingsRepository]:
    if not is_administrator(by):
        raise Forbidden("only an administrator changes the desk's settings")
    with runtime.db.sessions() as session:
        repo = SettingsRepository(session)
        repo.lock()
        try:
            yield repo
            announce(runtime, session)
            session.commit()
        except IntegrityError:
            # The checks ran under the settings lock, so this is a ticket or company
            # written meanwhile that now refers to what was being removed.
            session.rollback()
            raise Conflict("data changed meanwhile now depends on this; reload and retry", field=field) from None
    settings_store(runtime).invalidate()


def remember(
    runtime: Runtime,
    repo: SettingsRepository,
    by: Actor,
    kind: str,
    ident: Any,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
) -> None:
    """Keep the change of one settings entry (before None: created; after None: deleted)."""
    changes = [("deleted", dict(before or {}), None)] if after is None else changed_fields(before, after)
    DirectoryHistory(repo.session).record(kind, ident, changes, by, runtime.clock.now())
