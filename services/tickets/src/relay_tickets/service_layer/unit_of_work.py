"""The tickets unit of work: the kit's, with the repositories and the desk's configuration."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from sqlalchemy import select
from sqlalchemy.orm import Session

from relay_tickets.adapters.references import References
from relay_tickets.adapters.settings_store import DeskConfig, SettingsStore
from relay_tickets.adapters.tables.directory import companies
from relay_tickets.adapters.ticket_repository import TicketRepository
from relay_tickets.domain.catalog import attribute_audience
from relay_tickets.domain.ticket import Ticket
from relaykit.uow import UnitOfWork

if TYPE_CHECKING:
    from relaykit.service import Runtime


class TicketsUnitOfWork(UnitOfWork):
    tickets: TicketRepository
    refs: References

    def __init__(self, runtime: Runtime, session: Session | None = None, *, read_only: bool = False) -> None:
        super().__init__(runtime.db, runtime.outbox, session, read_only=read_only)
        self.runtime = runtime
        self._config: DeskConfig | None = None
        self._categories: dict[str | None, int | None] = {None: None}

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
        if any(t.pending_history or t.pending_statuses or t.number is None for t in tickets):
            self.session.flush()  # the ticket rows first: history refers to them
        for ticket in tickets:
            self.tickets.write_pending(ticket)
            # A new ticket learns its number from its INSERT (which may have been
            # autoflushed earlier); its events were raised before that.
            for event in ticket.events:
                if event.ticket["number"] is None:
                    event.ticket["number"] = ticket.number
                self._describe_for_others(event.ticket)

    def describe(self, snapshot: dict) -> dict:
        """A snapshot an event carries besides its own ticket's, described like that one."""
        self._describe_for_others(snapshot)
        return snapshot

    def _describe_for_others(self, snapshot: dict) -> None:
        """What other services cannot tell from a snapshot alone: whether its status is
        closed or stops the SLA clocks, its client's category (SLA rules), and who may read
        each of its attributes (notify tells each audience only what it may see)."""
        snapshot["attribute_audience"] = attribute_audience(
            self.config.types.get(snapshot["type"]), snapshot.get("attributes") or {}
        )
        status = self.config.statuses.get(snapshot["status"])
        if status is not None:
            snapshot["status_kind"] = status.kind
            snapshot["sla_paused"] = status.sla_pausing
        company_id = snapshot.get("company_id")
        if company_id not in self._categories:
            self._categories[company_id] = company_id and self.session.scalar(
                select(companies.c.category_id).where(companies.c.id == company_id)
            )
        snapshot["client_category_id"] = self._categories[company_id]


def settings_store(runtime: Runtime) -> SettingsStore:
    store = runtime.extensions.get("tickets.settings")
    if store is None:
        store = runtime.extensions["tickets.settings"] = SettingsStore(runtime.db)
    return store
