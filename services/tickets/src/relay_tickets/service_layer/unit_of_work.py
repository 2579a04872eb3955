"""The tickets unit of work: the kit's, with the repositories and the desk's configuration."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from sqlalchemy.orm import Session

from relay_tickets.adapters.references import References
from relay_tickets.adapters.settings_store import DeskConfig, SettingsStore
from relay_tickets.adapters.ticket_repository import TicketRepository
from relay_tickets.domain.ticket import Ticket
from relaykit.uow import UnitOfWork

if TYPE_CHECKING:
    from relaykit.service import Runtime


class TicketsUnitOfWork(UnitOfWork):
    tickets: TicketRepository
    refs: References

    def __init__(self, runtime: Runtime, session: Session | None = None) -> None:
        super().__init__(runtime.db, runtime.outbox, session)
        self.runtime = runtime
        self._config: DeskConfig | None = None

    def __enter__(self) -> Self:
        super().__enter__()
        self.tickets = TicketRepository(self.session, self.track)
        self.refs = References(self.session)
        return self

    @property
    def config(self) -> DeskConfig:
        if self._config is None:
            self._config = settings_store(self.runtime).current(self.session)
        return self._config

    def before_commit(self) -> None:
        tickets = [a for a in self.seen if isinstance(a, Ticket)]
        if any(t.pending_history or t.pending_statuses for t in tickets):
            self.session.flush()  # the ticket rows first: history refers to them
            for ticket in tickets:
                self.tickets.write_pending(ticket)


def settings_store(runtime: Runtime) -> SettingsStore:
    store = runtime.extensions.get("tickets.settings")
    if store is None:
        store = runtime.extensions["tickets.settings"] = SettingsStore(runtime.db)
    return store
