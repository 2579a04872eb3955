"""How the settings are read, and changed: one transaction per change, serialised with
every other settings change, this process's cached configuration dropped after it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError

from relay_tickets.adapters.settings_repository import SettingsRepository
from relay_tickets.service_layer.settings.announce import announce
from relay_tickets.service_layer.unit_of_work import settings_store
from relaykit.errors import Conflict
from relaykit.service import Runtime


@contextmanager
def reading(runtime: Runtime) -> Iterator[SettingsRepository]:
    with runtime.db.sessions() as session:
        yield SettingsRepository(session)


@contextmanager
def changing(runtime: Runtime, field: str = "id") -> Iterator[SettingsRepository]:
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
