"""Messages the notify service reacts to: every ticket event and the SLA warnings and
breaches (they may notify), the directory (who people are, their addresses, the groups'
notification lists) and the ticket settings (names of statuses, types, priorities)."""

from __future__ import annotations

from functools import partial

from sqlalchemy.orm import Session

from relay_notify.service_layer import copies, planner
from relaykit.bus import Message
from relaykit.bus.consumer import ConsumerSpec
from relaykit.service import Runtime

NOTIFYING = (
    "ticket.created",
    "ticket.assigned",
    "ticket.comment_added",
    "ticket.status_changed",
    "ticket.merged",
)
COPIED_ONLY = ("ticket.updated", "ticket.rated", "ticket.time_logged")


def directory_entry(session: Session, message: Message) -> None:
    kind = message.type.split(".", 1)[0]
    if kind in copies.KINDS:
        copies.keep_entry(session, kind, message.data[kind])


def settings_changed(session: Session, message: Message) -> None:
    copies.keep_catalog(session, message.data, message.sequence)


def consumers(runtime: Runtime) -> list[ConsumerSpec]:
    handle = partial(planner.handle, runtime)
    copy_only = partial(planner.copy_and_hook, runtime)
    return [
        # Not ordered: each event makes its own messages even when an older one comes
        # later (the ticket copy keeps the newest version by itself).
        ConsumerSpec(
            "ticket-events",
            {**{t: handle for t in NOTIFYING}, **{t: copy_only for t in COPIED_ONLY}},
        ),
        ConsumerSpec("sla-events", {"sla.warning": handle, "sla.breached": handle}),
        ConsumerSpec(
            "directory",
            {
                t: directory_entry
                for t in (
                    "company.changed",
                    "contact.changed",
                    "employee.changed",
                    "group.changed",
                    "service_object.changed",
                )
            },
        ),
        ConsumerSpec("ticket-settings", {"settings.changed": settings_changed}),
    ]
