"""The ticket aggregate. Plain Python: the ORM maps it from the outside.

Every change goes through a method that checks the rules, records the change
in the pending history (who, when, field, from, to) and raises an event with
the new snapshot. Each event bumps the version, which is also the ETag and the
event's sequence number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from relay_tickets.domain import events
from relay_tickets.domain.catalog import Priority, TypeSchema
from relay_tickets.domain.lifecycle import CLOSED, OPENED, POSTPONED, RESOLVED, Lifecycle, Status
from relay_tickets.domain.parties import EMPLOYEE, Actor, Party
from relaykit.errors import Conflict, Forbidden, InvalidInput

CHANNELS = ("agent", "portal", "email", "api", "web_form", "recurring")
SUBJECT_MAX = 250
RATINGS = ("bad", "normal", "good")
UNSET: Any = object()


@dataclass(eq=False)
class TicketObserver:
    ticket_id: str
    kind: str
    party_id: str

    @property
    def party(self) -> Party:
        return Party(self.kind, self.party_id)


@dataclass(frozen=True)
class HistoryEntry:
    field: str
    old: Any
    new: Any
    actor: Actor
    at: datetime


@dataclass(frozen=True)
class ContactRef:
    kind: str  # contact or employee
    id: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "id": self.id}


def _json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Party | ContactRef):
        return value.to_dict()
    if isinstance(value, list | tuple | set | frozenset):
        return [_json(v) for v in value]
    return value


def clean_subject(subject: str) -> str:
    subject = (subject or "").strip()
    if not subject:
        raise InvalidInput("a ticket needs a subject", field="subject")
    if len(subject) > SUBJECT_MAX:
        raise InvalidInput(f"the subject is longer than {SUBJECT_MAX} characters", field="subject")
    return subject


@dataclass(eq=False)
class Ticket:
    id: str
    number: int
    subject: str
    description: str
    type: str
    priority: str
    status: str
    channel: str
    created_at: datetime
    updated_at: datetime
    internal: bool = False
    company_id: str | None = None
    contact_kind: str | None = None
    contact_id: str | None = None
    service_object_id: str | None = None
    responsible_kind: str | None = None
    responsible_id: str | None = None
    planned_reaction_at: datetime | None = None
    planned_resolution_at: datetime | None = None
    planned_source: str | None = None
    sla_rule: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    parent_id: str | None = None
    postponed_until: datetime | None = None
    first_reaction_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    time_spent_minutes: int = 0
    rating: str | None = None
    rating_comment: str | None = None
    rated_at: datetime | None = None
    created_by_kind: str | None = None
    created_by_id: str | None = None
    version: int = 0
    observers: list[TicketObserver] = field(default_factory=list)
    events: list[events.TicketEvent] = field(default_factory=list, repr=False)
    pending_history: list[HistoryEntry] = field(default_factory=list, repr=False)
    # (status, since, whether an earlier interval ends then): time in each status.
    pending_statuses: list[tuple[str, datetime, bool]] = field(default_factory=list, repr=False)

    # -- reading ---------------------------------------------------------------------
    @property
    def responsible(self) -> Party | None:
        return Party(self.responsible_kind, self.responsible_id) if self.responsible_kind else None

    @property
    def contact(self) -> ContactRef | None:
        return ContactRef(self.contact_kind, self.contact_id) if self.contact_kind else None

    @property
    def observer_parties(self) -> list[Party]:
        return sorted(o.party for o in self.observers)

    def snapshot(self) -> dict[str, Any]:
        """The state ticket.* events carry (contracts/schemas/ticket.snapshot.v1.json)."""
        return {
            "id": self.id,
            "number": self.number,
            "subject": self.subject,
            "description": self.description,
            "type": self.type,
            "internal": self.internal,
            "priority": self.priority,
            "status": self.status,
            "channel": self.channel,
            "company_id": self.company_id,
            "contact": self.contact.to_dict() if self.contact else None,
            "service_object_id": self.service_object_id,
            "responsible": self.responsible.to_dict() if self.responsible else None,
            "observers": [p.to_dict() for p in self.observer_parties],
            "planned_reaction_at": _json(self.planned_reaction_at),
            "planned_resolution_at": _json(self.planned_resolution_at),
            "planned_source": self.planned_source,
            "attributes": dict(self.attributes or {}),
            "parent_id": self.parent_id,
            "postponed_until": _json(self.postponed_until),
            "first_reaction_at": _json(self.first_reaction_at),
            "resolved_at": _json(self.resolved_at),
            "closed_at": _json(self.closed_at),
            "time_spent_minutes": self.time_spent_minutes,
            "rating": self.rating,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "version": self.version,
        }

    # -- bookkeeping -------------------------------------------------------------------
    def _record(self, name: str, old: Any, new: Any, actor: Actor, now: datetime) -> bool:
        if old == new:
            return False
        self.pending_history.append(HistoryEntry(name, _json(old), _json(new), actor, now))
        return True

    def _raise(self, type_: str, actor: Actor, now: datetime, **details: Any) -> None:
        self.version += 1
        self.updated_at = now
        self.events.append(events.TicketEvent(type_, self.snapshot(), {"actor": actor.to_dict(), **details}))

    def _react(self, actor: Actor, now: datetime) -> None:
        if self.first_reaction_at is None and actor.kind == EMPLOYEE:
            self.first_reaction_at = now

    # -- registration --------------------------------------------------------------------
    @classmethod
    def register(
        cls,
        *,
        id: str,
        number: int | None,
        subject: str,
        type_schema: TypeSchema,
        priority: Priority,
        channel: str,
        actor: Actor,
        now: datetime,
        description: str = "",
        company_id: str | None = None,
        contact: ContactRef | None = None,
        service_object_id: str | None = None,
        responsible: Party | None = None,
        observers: list[Party] | None = None,
        attributes: dict[str, Any] | None = None,
        parent_id: str | None = None,
        planned_reaction_at: datetime | None = None,
        planned_resolution_at: datetime | None = None,
    ) -> Ticket:
        if channel not in CHANNELS:
            raise InvalidInput(f"unknown channel {channel!r}", field="channel")
        if not type_schema.type.active:
            raise InvalidInput(f"the ticket type {type_schema.type.key!r} is not in use", field="type")
        if not priority.active:
            raise InvalidInput(f"the priority {priority.key!r} is not in use", field="priority")
        ticket = cls(
            id=id,
            number=number,
            subject=clean_subject(subject),
            description=description or "",
            type=type_schema.type.key,
            internal=type_schema.type.internal,
            priority=priority.key,
            status=OPENED,
            channel=channel,
            created_at=now,
            updated_at=now,
            company_id=company_id,
            contact_kind=contact.kind if contact else None,
            contact_id=contact.id if contact else None,
            service_object_id=service_object_id,
            responsible_kind=responsible.kind if responsible else None,
            responsible_id=responsible.id if responsible else None,
            attributes=type_schema.clean_attributes(attributes or {}, creating=True),
            parent_id=parent_id,
            planned_reaction_at=planned_reaction_at,
            planned_resolution_at=planned_resolution_at,
            planned_source="manual" if planned_reaction_at or planned_resolution_at else None,
            created_by_kind=actor.kind,
            created_by_id=actor.id,
            version=0,
        )
        ticket.observers = [TicketObserver(id, p.kind, p.id) for p in sorted(set(observers or []))]
        # No interval row yet: the first one (opened, since created_at) is implied until
        # the first change (see ActivityRepository.status_intervals).
        ticket._raise(events.CREATED, actor, now)
        return ticket

    # -- editing -------------------------------------------------------------------------
    def edit(
        self,
        actor: Actor,
        now: datetime,
        *,
        subject: str = UNSET,
        description: str = UNSET,
        type_schema: TypeSchema = UNSET,
        priority: Priority = UNSET,
        company_id: str | None = UNSET,
        contact: ContactRef | None = UNSET,
        service_object_id: str | None = UNSET,
        attributes: dict[str, Any] = UNSET,
        parent_id: str | None = UNSET,
        current_schema: TypeSchema | None = None,
    ) -> dict[str, dict[str, Any]]:
        """Change plain fields; returns {field: {before, after}} (and raises ticket.updated)."""
        changes: dict[str, dict[str, Any]] = {}

        def put(name: str, attr: str, new: Any) -> None:
            old = getattr(self, attr)
            if self._record(name, old, new, actor, now):
                setattr(self, attr, new)
                changes[name] = {"before": _json(old), "after": _json(new)}

        if subject is not UNSET:
            put("subject", "subject", clean_subject(subject))
        if description is not UNSET:
            put("description", "description", description or "")
        schema = current_schema
        if type_schema is not UNSET and type_schema.type.key != self.type:
            if not type_schema.type.active:
                raise InvalidInput(f"the ticket type {type_schema.type.key!r} is not in use", field="type")
            # Attributes of the old type do not carry over, but for those hidden from whoever
            # changes the type (they may not write them, not even away); the new type's required
            # ones must be given. Checked before anything changes, so a refused edit leaves the
            # ticket as it was.
            keep = {a.key for a in type_schema.attributes} | (current_schema.hidden if current_schema else set())
            new_attrs = {k: v for k, v in (self.attributes or {}).items() if k in keep}
            new_attrs = type_schema.clean_attributes(
                attributes if attributes is not UNSET else {}, creating=True, current=new_attrs
            )
            put("type", "type", type_schema.type.key)
            put("internal", "internal", type_schema.type.internal)
            put("attributes", "attributes", new_attrs)
            attributes = UNSET
            schema = type_schema
        if attributes is not UNSET:
            if schema is None:
                raise ValueError("editing attributes needs the ticket type's schema")
            put(
                "attributes", "attributes", schema.clean_attributes(attributes, creating=False, current=self.attributes)
            )
        if priority is not UNSET:
            if priority.key != self.priority and not priority.active:
                raise InvalidInput(f"the priority {priority.key!r} is not in use", field="priority")
            put("priority", "priority", priority.key)
        if company_id is not UNSET:
            put("company_id", "company_id", company_id)
        if contact is not UNSET and self._record("contact", self.contact, contact, actor, now):
            changes["contact"] = {"before": _json(self.contact), "after": _json(contact)}
            self.contact_kind, self.contact_id = (contact.kind, contact.id) if contact else (None, None)
        if service_object_id is not UNSET:
            put("service_object_id", "service_object_id", service_object_id)
        if parent_id is not UNSET:
            if parent_id == self.id:
                raise InvalidInput("a ticket cannot be its own parent", field="parent_id")
            put("parent_id", "parent_id", parent_id)
        if changes:
            self._raise(events.UPDATED, actor, now, changes=changes)
        return changes

    def set_planned_times(
        self,
        actor: Actor,
        now: datetime,
        *,
        reaction_at: datetime | None,
        resolution_at: datetime | None,
        source: str,
        rule: str | None = None,
    ) -> bool:
        """SLA deadlines, or a person's; the SLA service never overrides a person's choice."""
        if source not in ("sla", "manual"):
            raise InvalidInput("source is sla or manual", field="source")
        if source == "sla" and self.planned_source == "manual":
            return False
        changes = {}
        for name, new in (
            ("planned_reaction_at", reaction_at),
            ("planned_resolution_at", resolution_at),
            ("planned_source", source),
            ("sla_rule", rule),
        ):
            old = getattr(self, name)
            if self._record(name, old, new, actor, now):
                setattr(self, name, new)
                changes[name] = {"before": _json(old), "after": _json(new)}
        if changes:
            self._raise(events.UPDATED, actor, now, changes=changes)
        return bool(changes)

    # -- status ----------------------------------------------------------------------------
    def change_status(
        self,
        target: str,
        actor: Actor,
        now: datetime,
        *,
        lifecycle: Lifecycle,
        statuses: Mapping[str, Status],
        until: datetime | None = None,
        forced: bool = False,
        reason: str | None = None,
    ) -> None:
        """Move along the ticket type's lifecycle. `forced` is for Relay's own rules
        (auto-return, auto-close, a customer's reply) that may leave a final status."""
        if target not in statuses:
            raise InvalidInput(f"unknown status {target!r}", field="status")
        if target == self.status:
            raise Conflict(f"the ticket is already {target!r}", field="status")
        if not forced:
            lifecycle.check(self.status, target)
        if target == POSTPONED:
            if until is None:
                raise InvalidInput("postponing needs the date and time it is postponed until", field="until")
            if until <= now:
                raise InvalidInput("postpone until a moment in the future", field="until")
        elif until is not None:
            raise InvalidInput("only postponing takes an until", field="until")
        before = self.status
        self._record("status", before, target, actor, now)
        self.status = target
        self._record("postponed_until", self.postponed_until, until, actor, now)
        self.postponed_until = until
        if target == RESOLVED:
            self.resolved_at = now
        elif target == CLOSED:
            self.closed_at = now
            if before != RESOLVED:
                self.resolved_at = self.resolved_at or now
        elif statuses[target].is_open:
            self.resolved_at = None
            self.closed_at = None
        self._react(actor, now)
        self.pending_statuses.append((target, now, True))
        details: dict[str, Any] = {"from": before, "to": target, "until": _json(until)}
        if reason:
            details["reason"] = reason
        self._raise(events.STATUS_CHANGED, actor, now, **details)

    def due_to_return(self, now: datetime) -> bool:
        return self.status == POSTPONED and self.postponed_until is not None and self.postponed_until <= now

    def due_to_close(self, now: datetime, after: timedelta) -> bool:
        return self.status == RESOLVED and self.resolved_at is not None and self.resolved_at + after <= now

    # -- assignment --------------------------------------------------------------------------
    def assign(
        self,
        actor: Actor,
        now: datetime,
        *,
        responsible: Party | None = UNSET,
        add_observers: list[Party] = (),
        remove_observers: list[Party] = (),
    ) -> bool:
        details: dict[str, Any] = {}
        if responsible is not UNSET and responsible != self.responsible:
            before = self.responsible
            self._record("responsible", before, responsible, actor, now)
            self.responsible_kind, self.responsible_id = (
                (responsible.kind, responsible.id) if responsible else (None, None)
            )
            details["responsible"] = {"before": _json(before), "after": _json(responsible)}
        current = set(self.observer_parties)
        added = sorted(set(add_observers) - current)
        removed = sorted(set(remove_observers) & current)
        if added or removed:
            after = (current | set(added)) - set(removed)
            self._record("observers", sorted(current), sorted(after), actor, now)
            self.observers = [o for o in self.observers if o.party not in removed] + [
                TicketObserver(self.id, p.kind, p.id) for p in added
            ]
            details["observers"] = {"added": _json(added), "removed": _json(removed)}
        if details:
            self._raise(events.ASSIGNED, actor, now, **details)
        return bool(details)

    # -- activity ----------------------------------------------------------------------------
    def comment_added(
        self,
        comment: dict[str, Any],
        actor: Actor,
        now: datetime,
        *,
        public: bool,
        statuses: Mapping[str, Status],
        reopen_window: timedelta,
    ) -> str | None:
        """Apply what a new comment means for the ticket. Returns "follow_up" when a
        customer wrote on a ticket closed longer ago than the reopen window: the caller
        then opens a new ticket linked to this one instead."""
        if (
            actor.is_contact
            and self.status == CLOSED
            and (self.closed_at is None or self.closed_at + reopen_window < now)
        ):
            return "follow_up"
        if public:
            self._react(actor, now)
        self._raise(events.COMMENT_ADDED, actor, now, comment=comment)
        if actor.is_contact and self.status in (RESOLVED, CLOSED):
            reason = "the customer replied"
            self.change_status(OPENED, actor, now, lifecycle=Lifecycle(), statuses=statuses, forced=True, reason=reason)
        return None

    def time_logged(self, entry: dict[str, Any], minutes: int, actor: Actor, now: datetime) -> None:
        if minutes <= 0 or minutes > 24 * 60:
            raise InvalidInput("minutes must be between 1 and 1440", field="minutes")
        before = self.time_spent_minutes
        self.time_spent_minutes = before + minutes
        self._record("time_spent_minutes", before, self.time_spent_minutes, actor, now)
        self._raise(events.TIME_LOGGED, actor, now, entry=entry)

    def rate(self, rating: str, comment: str | None, actor: Actor, now: datetime) -> None:
        if not actor.is_contact:
            raise Forbidden("only the customer rates the resolution")
        if rating not in RATINGS:
            raise InvalidInput(f"a rating is one of {', '.join(RATINGS)}", field="rating")
        if self.status not in (RESOLVED, CLOSED):
            raise Conflict("a ticket is rated once it is resolved", field="status")
        self._record("rating", self.rating, rating, actor, now)
        self.rating, self.rating_comment, self.rated_at = rating, (comment or None), now
        self._raise(events.RATED, actor, now, rating=rating, comment=comment or None)

    # -- merge and split -----------------------------------------------------------------
    def merge_into(self, target: Ticket, actor: Actor, now: datetime, *, statuses: Mapping[str, Status]) -> None:
        """The merged ticket's side: it gave its comments, files and time to `target` and
        closes whatever its lifecycle says (a merge is Relay's close, like auto-close)."""
        if target.id == self.id:
            raise InvalidInput("a ticket cannot be merged into itself", field="into")
        if self.status == CLOSED:
            raise Conflict(f"#{self.number} is closed: a closed ticket is not merged", field="number")
        if target.status == CLOSED:
            raise Conflict(f"#{target.number} is closed: nothing is merged into a closed ticket", field="into")
        self._record("merged_into", None, {"id": target.id, "number": target.number}, actor, now)
        # Its time entries went with its comments: the total follows them, or reports count it twice.
        self._record("time_spent_minutes", self.time_spent_minutes, 0, actor, now)
        self.time_spent_minutes = 0
        reason = f"merged into #{target.number}"
        self.change_status(CLOSED, actor, now, lifecycle=Lifecycle(), statuses=statuses, forced=True, reason=reason)

    def absorb(
        self,
        source: Ticket,
        actor: Actor,
        now: datetime,
        *,
        comments: int,
        minutes: int,
        observers: list[Party],
        details: dict[str, Any],
    ) -> int:
        """The side that takes a merged ticket in: its observers, its time, and room in the
        order of the conversation for its `comments` (comments are ordered and paged by the
        version of the ticket that added them). Returns the first of the versions kept for
        them; the ticket.merged event comes after them."""
        first = self.version + 1
        self.version += comments
        current = set(self.observer_parties)
        added = sorted(set(observers) - current)
        if added:
            self._record("observers", sorted(current), sorted(current | set(added)), actor, now)
            self.observers = [*self.observers, *(TicketObserver(self.id, p.kind, p.id) for p in added)]
        if minutes:
            before = self.time_spent_minutes
            self.time_spent_minutes = before + minutes
            self._record("time_spent_minutes", before, self.time_spent_minutes, actor, now)
        moved = dict(details.get("moved", {}), observers=len(added))
        merged = {"id": source.id, "number": source.number, **moved}
        self._record("merged_from", None, merged, actor, now)
        self._raise(events.MERGED, actor, now, **{**details, "moved": moved})
        return first

    def comment_split(self, comment_id: str, new: Ticket, actor: Actor, now: datetime) -> None:
        """A comment of this ticket became the ticket `new`; the comment stays, marked."""
        self._record("split", None, {"comment_id": comment_id, "id": new.id, "number": new.number}, actor, now)
        self._raise(events.SPLIT, actor, now, comment_id=comment_id, new_ticket={"id": new.id, "number": new.number})
