"""Messages the SLA service reacts to: new tickets, their changes, and the ticket
settings that rules may refer to; and who may read each ticket's SLA (its people, the
employees' groups)."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from relay_sla.adapters.orm import catalog
from relay_sla.service_layer import access, registration
from relaykit.bus import Message
from relaykit.bus.consumer import ConsumerSpec
from relaykit.service import Runtime


def ticket_created(runtime: Runtime, session: Session, message: Message) -> None:
    # A registration that fails is recorded and tried again when its cause is fixed
    # (service_layer.registration), not retried and dead-lettered by the bus.
    registration.register(runtime, session, message.data["ticket"], runtime.clock.now())
    access.record_ticket(session, message.data["ticket"], registered_by=message.data.get("actor") or {})


# The snapshot fields a clock depends on. A ticket.updated touching none of them (most
# often the planned times this service itself just sent) cannot move a clock.
CLOCK_FIELDS = frozenset(
    {"type", "priority", "company_id", "client_category_id", "status", "status_kind", "sla_paused", "first_reaction_at"}
)


def ticket_changed(runtime: Runtime, session: Session, message: Message) -> None:
    if message.type == "ticket.updated" and CLOCK_FIELDS.isdisjoint(message.data["changes"]):
        return
    at = datetime.fromisoformat(message.occurred_at)
    registration.observe(runtime, session, message.data["ticket"], at, runtime.clock.now())


def settings_changed(session: Session, message: Message) -> None:
    """Keep the newest announced ticket settings (an older copy arriving late is ignored)."""
    values = {
        "data": message.data,
        "sequence": message.sequence,
        "updated_at": datetime.fromisoformat(message.occurred_at),
    }
    current = session.scalar(select(catalog.c.sequence).where(catalog.c.id == 1))
    if current is None:
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        session.execute(dialect.insert(catalog).on_conflict_do_nothing().values(id=1, **values))
    elif message.sequence > current:
        session.execute(update(catalog).where(catalog.c.id == 1).values(**values))


def ticket_people(session: Session, message: Message) -> None:
    """ticket.assigned, and ticket.merged (the target gains the merged ticket's observers)."""
    access.record_ticket(session, message.data["ticket"])


def employee_changed(session: Session, message: Message) -> None:
    access.record_groups(session, message.data["employee"])


def consumers(runtime: Runtime) -> list[ConsumerSpec]:
    changed = partial(ticket_changed, runtime)
    return [
        # ticket.created is always a ticket's first event: no older state can overtake
        # it, so no per-ticket ordering (and its two extra statements) is needed.
        ConsumerSpec("ticket-register", {"ticket.created": partial(ticket_created, runtime)}),
        # Later changes carry the whole snapshot: one older than what was applied is skipped.
        ConsumerSpec(
            "ticket-clocks",
            {
                "ticket.updated": changed,
                "ticket.status_changed": changed,
                "ticket.comment_added": changed,
            },
            ordered=True,
        ),
        ConsumerSpec("ticket-settings", {"settings.changed": settings_changed}),
        # Who may read which ticket's SLA: a ticket's people (a newer snapshot wins by its
        # version, kept in the row: ticket.created comes on another queue) and each
        # employee's groups (ordered per employee).
        ConsumerSpec("ticket-people", {"ticket.assigned": ticket_people, "ticket.merged": ticket_people}),
        ConsumerSpec("staff-groups", {"employee.changed": employee_changed}, ordered=True),
    ]
