"""Keeping every ticket's clocks: learning tickets and their changes from the tickets
service's events, telling it the deadlines, and firing warnings and breaches.

Each function runs inside the caller's transaction (a consumer's batch or the clock's
own), so the timeline, the derived row and the messages they raise commit together.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from relay_sla.adapters.orm import tickets, timeline
from relay_sla.domain.clocks import (
    REACTION,
    REGISTERED,
    RESOLUTION,
    Clocks,
    Entry,
    Targets,
    state_of,
)
from relay_sla.domain.rules import Rule, TicketFacts, matching_rule
from relay_sla.service_layer.book import book
from relaykit.service import Runtime

log = logging.getLogger(__name__)

# Statuses of the default lifecycle, for snapshots that do not say their kind.
_DEFAULT_CLOSED = {"resolved", "closed"}
_DEFAULT_PAUSING = {"postponed"}


@dataclass(frozen=True)
class Snapshot:
    """The parts of a ticket snapshot (contracts/ticket.snapshot) the clocks need."""

    id: str
    number: int
    status: str
    state: str
    facts: TicketFacts
    first_reaction_at: datetime | None

    @classmethod
    def of(cls, doc: dict[str, Any]) -> Snapshot:
        status = doc["status"]
        kind = doc.get("status_kind") or ("closed" if status in _DEFAULT_CLOSED else "open")
        paused = doc.get("sla_paused", status in _DEFAULT_PAUSING)
        return cls(
            id=doc["id"],
            number=doc["number"],
            status=status,
            state=state_of(kind, bool(paused)),
            facts=TicketFacts(
                type=doc.get("type"),
                priority=doc.get("priority"),
                client_category_id=doc.get("client_category_id"),
                company_id=doc.get("company_id"),
                registered_at=datetime.fromisoformat(doc["created_at"]),
            ),
            first_reaction_at=_dt(doc.get("first_reaction_at")),
        )


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def targets_of(rule: Rule) -> Targets:
    return Targets(
        rule_id=rule.id,
        rule_name=rule.name,
        calendar_id=rule.calendar_id,
        reaction_seconds=None if rule.reaction_minutes is None else rule.reaction_minutes * 60,
        resolution_seconds=None if rule.resolution_minutes is None else rule.resolution_minutes * 60,
        warn_fractions=rule.warn_fractions,
    )


def _targets_for(runtime: Runtime, session: Session, facts: TicketFacts) -> Targets:
    b = book(runtime)
    return targets_of(matching_rule(b.rules(session), facts, b.is_working(session)))


# Run for every new ticket: built once, per dialect (False: SQLite, True: PostgreSQL).
_INSERT_NEW = {
    pg: dialect.insert(tickets).on_conflict_do_nothing().returning(tickets.c.ticket_id)
    for pg, dialect in ((False, sqlite), (True, postgresql))
}


@dataclass(frozen=True)
class Registration:
    """A ticket's clocks as they start, computed before anything is written: a failure in
    the computing (no working time, a year outside the tables) leaves the transaction clean."""

    snap: Snapshot
    entries: list[Entry]
    row: dict[str, Any]


def plan_registration(runtime: Runtime, session: Session, doc: dict[str, Any]) -> Registration:
    """Read the rules and calendars and compute a ticket's starting clocks; writes nothing."""
    snap = Snapshot.of(doc)
    targets = _targets_for(runtime, session, snap.facts)
    entries = [_registration(snap, targets)]
    entries += Clocks.derive(entries).entries_for(
        at=snap.facts.registered_at,
        state=snap.state,
        status=snap.status,
        reaction_at=snap.first_reaction_at,
        targets=None,
    )
    return Registration(snap, entries, _row(runtime, session, snap, Clocks.derive(entries)))


def write_registration(runtime: Runtime, session: Session, plan: Registration, now: datetime) -> bool:
    """Store a planned registration and send its deadlines; False if the clocks already run."""
    row = plan.row | {"recorded_at": now, "version": 1}
    insert_new = _INSERT_NEW[session.get_bind().dialect.name == "postgresql"]
    inserted = session.execute(insert_new, row).first()
    if inserted is None:
        return False  # a replayed copy, or a later event of this ticket got here first
    append_entries(session, plan.snap.id, plan.entries, now)
    tell_tickets(runtime, session, plan.snap.id, row, version=1, before=None)
    return True


def register(runtime: Runtime, session: Session, doc: dict[str, Any], now: datetime) -> bool:
    """Start a ticket's clocks from its first snapshot; False if they already run."""
    return write_registration(runtime, session, plan_registration(runtime, session, doc), now)


def _registration(snap: Snapshot, targets: Targets) -> Entry:
    return Entry(snap.facts.registered_at, REGISTERED, {"targets": targets.to_json(), "status": "opened"})


def observe(runtime: Runtime, session: Session, doc: dict[str, Any], at: datetime, now: datetime) -> None:
    """Bring a ticket's clocks to what its newest snapshot says happened at `at`."""
    snap = Snapshot.of(doc)
    current = _locked_row(session, snap.id)
    if current is None:
        register(runtime, session, doc, now)
        current = _locked_row(session, snap.id)
    entries = _entries(session, snap.id)
    clocks = Clocks.derive(entries)
    facts_changed = (current.type, current.priority, current.company_id, current.client_category_id) != (
        snap.facts.type,
        snap.facts.priority,
        snap.facts.company_id,
        snap.facts.client_category_id,
    )
    targets = _targets_for(runtime, session, snap.facts) if facts_changed else None
    new = clocks.entries_for(
        at=at, state=snap.state, status=snap.status, reaction_at=snap.first_reaction_at, targets=targets
    )
    if not new and not facts_changed and current.status == snap.status:
        return
    append_entries(session, snap.id, new, now)
    clocks = Clocks.derive(entries + new)
    row = _row(runtime, session, snap, clocks)
    version = current.version + 1
    session.execute(update(tickets).where(tickets.c.ticket_id == snap.id).values(**row, version=version))
    tell_tickets(runtime, session, snap.id, row, version=version, before=current)


def _row(runtime: Runtime, session: Session, snap: Snapshot, clocks: Clocks) -> dict[str, Any]:
    calendar_version, calendar = book(runtime).calendar_and_version(session, clocks.targets.calendar_id)
    pending = clocks.pending(calendar)
    return {
        "ticket_id": snap.id,
        "number": snap.number,
        "status": snap.status,
        "type": snap.facts.type,
        "priority": snap.facts.priority,
        "company_id": snap.facts.company_id,
        "client_category_id": snap.facts.client_category_id,
        "registered_at": clocks.registered_at,
        "state": clocks.state,
        "rule_id": clocks.targets.rule_id,
        "rule_name": clocks.targets.rule_name,
        "calendar_id": clocks.targets.calendar_id,
        "calendar_version": calendar_version,
        "reaction_due_at": clocks.due_at(calendar, REACTION),
        "resolution_due_at": clocks.due_at(calendar, RESOLUTION),
        "reaction_met_at": clocks.reaction_met_at,
        "resolved_at": clocks.state_since if clocks.state == "stopped" else None,
        "next_fire_at": pending[0].moment if pending else None,
    }


def tell_tickets(runtime: Runtime, session: Session, ticket_id: str, row: dict, *, version: int, before) -> None:
    """Send the deadlines as the ticket's planned times when they moved. A paused or
    resolved clock has no deadline: the ticket keeps the last one until it runs again."""
    reaction = row["reaction_due_at"] or (before.reaction_due_at if before else None)
    resolution = row["resolution_due_at"] or (before.resolution_due_at if before else None)
    if reaction is None and resolution is None:
        return
    if before is not None and (reaction, resolution, row["rule_name"]) == (
        before.reaction_due_at,
        before.resolution_due_at,
        before.rule_name,
    ):
        return
    runtime.outbox.emit(
        session,
        "tickets.set_planned_times",
        {
            "ticket_id": ticket_id,
            "reaction_due_at": reaction.isoformat() if reaction else None,
            "resolution_due_at": resolution.isoformat() if resolution else None,
            "rule": row["rule_name"],
        },
        kind="command",
        aggregate_type="ticket",
        aggregate_id=ticket_id,
        sequence=version,
    )


def _locked_row(session: Session, ticket_id: str):
    query = select(tickets).where(tickets.c.ticket_id == ticket_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.execute(query).first()


def _entries(session: Session, ticket_id: str) -> list[Entry]:
    rows = session.execute(
        select(timeline.c.at, timeline.c.kind, timeline.c.data)
        .where(timeline.c.ticket_id == ticket_id)
        .order_by(timeline.c.id)
    )
    return [Entry(r.at, r.kind, r.data) for r in rows]


def append_entries(session: Session, ticket_id: str, entries: list[Entry], now: datetime) -> None:
    append_many(session, [(ticket_id, e) for e in entries], now)


def append_many(session: Session, entries: list[tuple[str, Entry]], now: datetime) -> None:
    if entries:
        session.execute(
            insert(timeline),
            [{"ticket_id": t, "at": e.at, "kind": e.kind, "data": e.data, "recorded_at": now} for t, e in entries],
        )


def timelines_of(session: Session, ticket_ids: list[str]) -> dict[str, list[Entry]]:
    out: dict[str, list[Entry]] = {t: [] for t in ticket_ids}
    rows = session.execute(
        select(timeline.c.ticket_id, timeline.c.at, timeline.c.kind, timeline.c.data)
        .where(timeline.c.ticket_id.in_(ticket_ids))
        .order_by(timeline.c.ticket_id, timeline.c.id)
    )
    for r in rows:
        out[r.ticket_id].append(Entry(r.at, r.kind, r.data))
    return out


def timeline_of(session: Session, ticket_id: str) -> list[Entry]:
    return _entries(session, ticket_id)


def clocks_of(session: Session, ticket_id: str) -> Clocks | None:
    entries = _entries(session, ticket_id)
    return Clocks.derive(entries) if entries else None
