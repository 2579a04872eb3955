"""Use cases on what happens around a ticket: comments (with their files and
mentions), files attached to the ticket, time entries, the customer's rating,
and reading the history and the time spent in each status.

Each change goes through the Ticket aggregate, so its event is raised and its
version (the ETag) moves, and commits in one unit of work with the rows it adds.
Attachment bytes are already on disk in a temporary file when a use case runs;
they are moved into the store only once everything else was accepted.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from relay_tickets.adapters.activity_repository import ActivityRepository, AttachmentRecord
from relay_tickets.adapters.attachments import AttachmentStore, StoredBlob
from relay_tickets.domain.access import Viewer
from relay_tickets.domain.catalog import visible_keys
from relay_tickets.domain.comments import (
    AttachmentInfo,
    Comment,
    Mention,
    contact_mention_problem,
    decide_public,
    mentioned_emails,
    prepare_body,
)
from relay_tickets.domain.events import COMMENT_ADDED
from relay_tickets.domain.file_types import refusal
from relay_tickets.domain.parties import CONTACT, EMPLOYEE, Actor
from relay_tickets.domain.ticket import SUBJECT_MAX, ContactRef, Ticket
from relay_tickets.service_layer.merge import where_it_went
from relay_tickets.service_layer.tickets import (
    CreateTicket,
    _check_if_match,
    _commit,
    _load,
    _load_by_id_or_number,
    create_ticket,
)
from relay_tickets.service_layer.unit_of_work import TicketsUnitOfWork
from relaykit.errors import Forbidden, InvalidInput, NotFound
from relaykit.identity import ADMINISTRATOR, LEAD_SPECIALIST

FOLLOW_UP = "follow_up"
# Who may log time on someone else's behalf.
TIME_KEEPERS = frozenset({ADMINISTRATOR, LEAD_SPECIALIST})


class IncomingFile(Protocol):
    """A file received for a ticket (adapters.attachments.Upload), not yet kept."""

    filename: str
    size: int
    field: str  # where the request carried it (attachments.0): what a refusal names

    @property
    def head(self) -> bytes: ...

    @property
    def sha256(self) -> str: ...

    @property
    def content_type(self) -> str: ...

    def keep(self) -> StoredBlob: ...


def _now(uow: TicketsUnitOfWork) -> datetime:
    return uow.runtime.clock.now()


def attachment_limit(runtime, number: int, viewer: Viewer, *, staff_only: bool = False) -> int:
    """The per-file size limit, once the caller is known to be allowed to send files
    there: checked before any byte of the upload is read."""
    if staff_only:
        viewer.require_staff("attach files to a ticket without a comment")
    with TicketsUnitOfWork(runtime, read_only=True) as uow:
        _load(uow, number, viewer)
        return uow.config.attachment_max_bytes


def _check_file_types(files: Sequence[IncomingFile], refused: Sequence[str]) -> None:
    """A file of a kind the desk refuses (executables, by default) is a 422 naming it."""
    for f in files:
        problem = refusal(f.filename, f.head, refused)
        if problem is not None:
            raise InvalidInput(problem, field=f.field, filename=f.filename)


def _infos(files: Sequence[IncomingFile]) -> tuple[AttachmentInfo, ...]:
    return tuple(AttachmentInfo(str(uuid.uuid4()), f.filename, f.content_type, f.size, f.sha256) for f in files)


def _keep(
    activity: ActivityRepository,
    files: Sequence[IncomingFile],
    infos: Sequence[AttachmentInfo],
    *,
    ticket_id: str,
    comment_id: str | None,
    viewer: Viewer,
    now: datetime,
) -> None:
    for f, info in zip(files, infos, strict=True):
        blob = f.keep()
        activity.add_attachment(info, blob, ticket_id=ticket_id, comment_id=comment_id, uploader=viewer.actor, at=now)


# -- comments ----------------------------------------------------------------------------
@dataclass(frozen=True)
class AddComment:
    body: str
    format: str = "text"
    public: bool | None = None
    mentions: tuple[Mention, ...] = ()


@dataclass(frozen=True)
class CommentAdded:
    comment: Comment
    ticket: Ticket  # the ticket it is on: a new follow-up when the old one was closed too long
    follow_up: bool


def _employees_a_customer_reads(uow: TicketsUnitOfWork, ticket: Ticket) -> set[str]:
    """The employees a ticket's customer can see on it: its responsible, the authors of its public comments."""
    readable = ActivityRepository(uow.session).public_authors(ticket.id, EMPLOYEE)
    if ticket.responsible_kind == EMPLOYEE and ticket.responsible_id:
        readable.add(ticket.responsible_id)
    return readable


def _resolve_mentions(
    uow: TicketsUnitOfWork,
    ticket: Ticket,
    cmd: AddComment,
    text: str,
    public: bool,
    *,
    strict: bool = True,
    by_customer: bool = False,
) -> tuple[Mention, ...]:
    """Given mentions must be mentionable (else 422 naming mentions.N); a customer names
    only employees they can see on the ticket, any other answered as one that does not
    exist. Addresses written in the text count when they belong to an active employee or
    a contact the comment may reach, and are passed over otherwise: a refusal would tell
    the writer who is a customer."""
    found: dict[Mention, None] = {}
    readable = _employees_a_customer_reads(uow, ticket) if by_customer else None
    for i, m in enumerate(cmd.mentions):
        problem = None
        if m.kind == EMPLOYEE:
            ref = uow.refs.employee(m.id) if readable is None or m.id in readable else None
            if ref is None or not ref.active:
                problem = f"there is no active employee {m.id}"
        elif m.kind == CONTACT:
            problem = contact_mention_problem(ticket, m.id, public)
        else:
            problem = "a mention is of an employee or a contact"
        if problem is None:
            found[m] = None
        elif strict:
            raise InvalidInput(problem, field=f"mentions.{i}")
    for email in mentioned_emails(text):
        employee = uow.refs.employee_by_email(email)
        if employee is not None and employee.active:
            found[Mention(EMPLOYEE, employee.id)] = None
            continue
        contact = uow.refs.contact_by_email(email)
        if contact is not None and contact.active and contact_mention_problem(ticket, contact.id, public) is None:
            found[Mention(CONTACT, contact.id)] = None
    return tuple(found)


def _open_follow_up(runtime, uow: TicketsUnitOfWork, old: Ticket, viewer: Viewer) -> Ticket:
    """A new ticket for a customer who wrote on one closed longer than the reopen window,
    like the old one as far as its type still allows, and linked to it."""
    config = uow.config
    schema = config.types.get(old.type)
    keep_type = schema is not None and schema.type.active and not schema.type.internal
    priority = config.priorities.get(old.priority)
    visible = {a.key for a in schema.attributes if a.visible_to_contacts} if keep_type else set()
    subject = f"Follow-up to #{old.number}: {old.subject}"
    cmd = CreateTicket(
        subject=subject if len(subject) <= SUBJECT_MAX else subject[: SUBJECT_MAX - 1] + "…",
        description=f"The customer wrote on #{old.number} after it had been closed.",
        type=old.type if keep_type else None,
        priority=old.priority if priority is not None and priority.active else None,
        service_object_id=(
            old.service_object_id
            if viewer.scope is not None and old.service_object_id in viewer.scope.service_object_ids
            else None
        ),
        attributes={k: v for k, v in (old.attributes or {}).items() if k in visible},
        # A contact's own ticket gets their client from their scope; a sender acting for
        # the customer (mail intake) carries the old ticket's client over.
        company_id=None if viewer.is_contact else old.company_id,
        contact=None if viewer.is_contact else old.contact,
        channel=None if viewer.is_contact else old.channel,
    )
    created, _new = create_ticket(runtime, cmd, viewer, session=uow.session, link_from=old.id)
    ticket = uow.tickets.get_by_id(created.id)
    if ticket is None:  # pragma: no cover - it was just written in this session
        raise NotFound(f"there is no ticket {created.id}", field="ticket_id")
    return ticket


def _comment_version(ticket: Ticket, comment_id: str) -> int:
    for event in ticket.events:
        if event.type == COMMENT_ADDED and event.details.get("comment", {}).get("id") == comment_id:
            return event.sequence
    raise RuntimeError("the ticket raised no comment_added for the comment")  # pragma: no cover


def add_comment(
    runtime,
    number: int | None,
    cmd: AddComment,
    viewer: Viewer,
    *,
    files: Sequence[IncomingFile] = (),
    if_match: int | None = None,
    session=None,
    ticket_id: str | None = None,
    comment_id: str | None = None,
    on_behalf: Actor | None = None,
) -> CommentAdded | None:
    """`on_behalf`, `ticket_id` and `comment_id` are for trusted senders (mail intake):
    the comment is its author's, and the sender's comment id makes a retry a no-op
    (returns None)."""
    with TicketsUnitOfWork(runtime, session) as uow:
        activity = ActivityRepository(uow.session)
        if comment_id is not None and activity.has_comment(comment_id):
            return None
        ticket = _load_by_id_or_number(uow, ticket_id, number, viewer)
        _check_if_match(ticket, if_match)
        config, actor, now = uow.config, on_behalf or viewer.actor, _now(uow)
        ticket = where_it_went(uow, ticket, follow=actor.is_contact or not viewer.is_staff)
        public = decide_public(cmd.public, actor, config.default_comment_public)
        body = prepare_body(cmd.body, cmd.format)
        _check_file_types(files, config.refused_file_types)
        infos = _infos(files)
        mentions = _resolve_mentions(uow, ticket, cmd, body.text, public, by_customer=actor.is_contact)
        comment = Comment(comment_id or str(uuid.uuid4()), ticket.id, body, public, actor, mentions, infos, now)
        target = ticket
        outcome = ticket.comment_added(
            comment.to_event(), actor, now, public=public, statuses=config.statuses, reopen_window=config.reopen_window
        )
        if outcome == FOLLOW_UP:
            target = _open_follow_up(runtime, uow, ticket, viewer)
            by_customer = actor.is_contact
            mentions = _resolve_mentions(uow, target, cmd, body.text, public, strict=False, by_customer=by_customer)
            comment = Comment(comment.id, target.id, body, public, actor, mentions, infos, now)
            target.comment_added(
                comment.to_event(),
                actor,
                now,
                public=public,
                statuses=config.statuses,
                reopen_window=config.reopen_window,
            )
        activity.add_comment(comment, _comment_version(target, comment.id))
        _keep(activity, files, infos, ticket_id=target.id, comment_id=comment.id, viewer=viewer, now=now)
        _commit(uow)
        return CommentAdded(comment, target, follow_up=target is not ticket)


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: int | None


def list_comments(runtime, number: int, viewer: Viewer, *, after: int | None = None, limit: int = 100) -> Page:
    """Oldest first (newest last); customers never see private comments."""
    with TicketsUnitOfWork(runtime, read_only=True) as uow:
        ticket = _load(uow, number, viewer)
        rows = ActivityRepository(uow.session).comments(
            ticket.id, public_only=viewer.is_contact, after=after, limit=limit + 1
        )
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, rows[-1]["ticket_version"] if more and rows else None)


# -- attachments -----------------------------------------------------------------------------
def attach_files(runtime, number: int, viewer: Viewer, files: Sequence[IncomingFile]) -> list[AttachmentInfo]:
    """Files on the ticket itself (no comment): staff only, and customers never see them.
    Not a change of the ticket's fields, so no event; the history keeps who added what."""
    viewer.require_staff("attach files to a ticket without a comment")
    if not files:
        raise InvalidInput("send at least one file", field="attachments")
    with TicketsUnitOfWork(runtime) as uow:
        activity = ActivityRepository(uow.session)
        ticket = _load(uow, number, viewer)
        _check_file_types(files, uow.config.refused_file_types)
        now = _now(uow)
        infos = _infos(files)
        _keep(activity, files, infos, ticket_id=ticket.id, comment_id=None, viewer=viewer, now=now)
        for info in infos:
            activity.add_history(
                ticket.id, "attachments", None, {"id": info.id, "filename": info.filename}, viewer.actor, now
            )
        _commit(uow)
        return list(infos)


def _may_read(viewer: Viewer, record: AttachmentRecord) -> bool:
    # A customer reads only files of public comments: not private ones, not the ticket's own.
    return not viewer.is_contact or bool(record.comment_id and record.comment_public)


def list_attachments(runtime, number: int, viewer: Viewer) -> list[AttachmentRecord]:
    with TicketsUnitOfWork(runtime, read_only=True) as uow:
        ticket = _load(uow, number, viewer)
        records = ActivityRepository(uow.session).attachments(ticket.id)
    return [r for r in records if _may_read(viewer, r)]


def open_attachment(runtime, number: int, attachment_id: str, viewer: Viewer) -> tuple[AttachmentRecord, Path]:
    with TicketsUnitOfWork(runtime, read_only=True) as uow:
        ticket = _load(uow, number, viewer)
        record = ActivityRepository(uow.session).attachment(ticket.id, attachment_id)
    if record is None or not _may_read(viewer, record):
        raise NotFound(f"ticket #{number} has no attachment {attachment_id}", field="attachment_id")
    return record, AttachmentStore.for_runtime(runtime).path(record.storage_key)


# -- time entries ----------------------------------------------------------------------------
@dataclass(frozen=True)
class LogTime:
    minutes: int
    work_date: date | None = None
    note: str | None = None
    employee_id: str | None = None


@dataclass(frozen=True)
class TimeLogged:
    ticket: Ticket
    entry: dict[str, Any]  # as time_entries lists it


def log_time(runtime, number: int, cmd: LogTime, viewer: Viewer, *, if_match: int | None = None) -> TimeLogged:
    if not viewer.is_staff:
        raise Forbidden("only staff log time")
    caller = viewer.identity.subject
    employee_id = cmd.employee_id or caller
    if employee_id != caller and viewer.role not in TIME_KEEPERS:
        raise Forbidden("only administrators and lead specialists log time for someone else", field="employee_id")
    with TicketsUnitOfWork(runtime) as uow:
        ticket = _load(uow, number, viewer)
        _check_if_match(ticket, if_match)
        ref = uow.refs.employee(employee_id)
        if ref is None:
            who = "you are" if employee_id == caller else f"{employee_id} is"
            raise InvalidInput(f"{who} not an employee in the directory", field="employee_id")
        if not ref.active:
            raise InvalidInput(f"{ref.name} is not active", field="employee_id")
        now = _now(uow)
        work_date = cmd.work_date or now.date()
        # A day of slack: the caller's "today" may already be tomorrow in UTC terms.
        if work_date > now.date() + timedelta(days=1):
            raise InvalidInput("time is logged for a day that has begun", field="work_date")
        note = (cmd.note or "").strip() or None
        entry_id = str(uuid.uuid4())
        entry = {
            "id": entry_id,
            "employee_id": employee_id,
            "minutes": cmd.minutes,
            "work_date": work_date.isoformat(),
            "note": note,
        }
        ticket.time_logged(entry, cmd.minutes, viewer.actor, now)
        row = {
            "id": entry_id,
            "ticket_id": ticket.id,
            "employee_id": employee_id,
            "minutes": cmd.minutes,
            "work_date": work_date,
            "note": note,
            "logged_by_kind": viewer.actor.kind,
            "logged_by_id": viewer.actor.id,
            "created_at": now,
        }
        ActivityRepository(uow.session).add_time_entry(row)
        _commit(uow)
        return TimeLogged(ticket, row | {"employee_name": ref.name})


def list_time_entries(runtime, number: int, viewer: Viewer) -> tuple[list[dict[str, Any]], Ticket]:
    viewer.require_staff("read time entries")
    with TicketsUnitOfWork(runtime, read_only=True) as uow:
        ticket = _load(uow, number, viewer)
        return ActivityRepository(uow.session).time_entries(ticket.id), ticket


# -- rating ---------------------------------------------------------------------------------------
def rate(
    runtime, number: int, rating: str, comment: str | None, viewer: Viewer, *, if_match: int | None = None
) -> Ticket:
    if not viewer.is_contact or viewer.scope is None:
        raise Forbidden("only the customer rates the resolution")
    with TicketsUnitOfWork(runtime) as uow:
        ticket = _load(uow, number, viewer)
        _check_if_match(ticket, if_match)
        if ticket.contact != ContactRef(CONTACT, viewer.scope.contact_id):
            raise Forbidden("only the ticket's own contact rates it")
        ticket.rate(rating, (comment or "").strip() or None, viewer.actor, _now(uow))
        _commit(uow)
        return ticket


# -- history and time in status ------------------------------------------------------------------
def history(runtime, number: int, viewer: Viewer, *, after: int | None = None, limit: int = 100) -> Page:
    viewer.require_staff("read a ticket's history")
    with TicketsUnitOfWork(runtime, read_only=True) as uow:
        ticket = _load(uow, number, viewer)
        rows = ActivityRepository(uow.session).history(ticket.id, after=after, limit=limit + 1)
        visible = visible_keys(uow.config.types.values(), viewer.role)
    more = len(rows) > limit
    rows = rows[:limit]
    # The cursor stays the last row read: a page may hold fewer entries than it read.
    return Page(_without_hidden(rows, visible), rows[-1]["id"] if more and rows else None)


def _without_hidden(rows: Sequence[dict[str, Any]], visible: set[str]) -> list[dict[str, Any]]:
    """History as a role may read it: attribute values it may not see are left out, and an
    entry that changed only those is left out whole."""

    def shown(value: Any) -> Any:
        return {k: v for k, v in value.items() if k in visible} if isinstance(value, dict) else value

    out = []
    for r in rows:
        if r["field"] == "attributes":
            r = r | {"old_value": shown(r["old_value"]), "new_value": shown(r["new_value"])}
            if r["old_value"] == r["new_value"]:
                continue
        out.append(r)
    return out


@dataclass(frozen=True)
class StatusTimes:
    intervals: list[dict[str, Any]]
    totals: dict[str, float]
    now: datetime


def time_in_status(rows: Sequence[dict[str, Any]], now: datetime) -> StatusTimes:
    """Seconds per interval and per status; the open interval counts up to now."""
    intervals, totals = [], {}
    for r in rows:
        end = r["ended_at"] or now
        spent = max(end - r["started_at"], timedelta(0))
        intervals.append({**r, "seconds": spent.total_seconds()})
        totals[r["status"]] = totals.get(r["status"], timedelta(0)) + spent
    return StatusTimes(intervals, {k: v.total_seconds() for k, v in totals.items()}, now)


def status_times(runtime, number: int, viewer: Viewer) -> StatusTimes:
    viewer.require_staff("read the time a ticket spent in each status")
    with TicketsUnitOfWork(runtime, read_only=True) as uow:
        ticket = _load(uow, number, viewer)
        rows = ActivityRepository(uow.session).status_intervals(ticket.id, ticket.created_at)
        now = _now(uow)
    return time_in_status(rows, now)
