"""Merging a ticket into another, and splitting a comment off into a ticket of its own.

A merge moves the merged ticket's (the source's) comments, files and time entries to
the ticket it is merged into (the target), adds its observers there, keeps its history
where it was and closes it, linked to the target. A split registers a new ticket from
one comment, linked to the ticket it came from, and marks the comment. Each is one
unit of work: the rows, the tickets' history and their events commit together.

Who may: staff who may write both tickets (the same Viewer check as every other
write, so a specialist merges only tickets they can see). What a customer could not
read stays unreadable to customers: comments from an internal ticket, or from
another client's, become private on the target; a private comment splits into an
internal ticket.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from relay_tickets.adapters.activity_repository import ActivityRepository
from relay_tickets.adapters.merge_repository import MERGED_FROM, MERGED_INTO, SPLIT_FROM, SPLIT_INTO, MergeRepository
from relay_tickets.domain.access import Viewer
from relay_tickets.domain.lifecycle import CLOSED
from relay_tickets.domain.parties import CONTACT
from relay_tickets.domain.ticket import Ticket
from relay_tickets.service_layer.tickets import CreateTicket, _check_if_match, _commit, _load, create_ticket
from relay_tickets.service_layer.unit_of_work import TicketsUnitOfWork
from relaykit import idempotency
from relaykit.errors import Conflict, Forbidden, InvalidInput, NotFound

SPLIT_SUBJECT_MAX = 80
MERGE_HOPS = 20  # merged tickets a customer's comment follows at most (each merge is someone's act)


def _client(ticket: Ticket) -> tuple[str | None, ...]:
    """Whose ticket it is, as far as a customer's eyes go: its company, or without one its contact."""
    if ticket.company_id:
        return ("company", ticket.company_id)
    return ("contact", ticket.contact_kind, ticket.contact_id)


# -- merging ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Merged:
    source: Ticket
    target: Ticket
    moved: dict[str, int]
    new: bool = True  # False: an idempotent repeat


def _load_target(uow: TicketsUnitOfWork, into: int, viewer: Viewer) -> Ticket:
    """A target the caller may not write is answered as one that does not exist."""
    try:
        return _load(uow, into, viewer)
    except NotFound:
        raise InvalidInput(f"there is no ticket #{into}", field="into") from None


def merge(
    runtime,
    number: int,
    into: int,
    viewer: Viewer,
    *,
    force: bool = False,
    if_match: int | None = None,
    into_version: int | None = None,
    idempotency_key: str | None = None,
) -> Merged:
    if not viewer.is_staff:
        raise Forbidden("only staff merge tickets")
    if into == number:
        raise InvalidInput("a ticket cannot be merged into itself", field="into")
    with TicketsUnitOfWork(runtime) as uow:
        merges = MergeRepository(uow.session)
        scope = f"tickets.merge:{viewer.identity.subject}"
        req_hash = idempotency.request_hash(number, into, force)
        if idempotency_key:
            done = idempotency.recall(uow.session, scope, idempotency_key, req_hash)
            if done:
                return Merged(_load(uow, number, viewer), _load_target(uow, into, viewer), json.loads(done), new=False)
        merges.lock((number, into))
        source = _load(uow, number, viewer)
        _check_if_match(source, if_match)
        target = _load_target(uow, into, viewer)
        if into_version is not None and into_version != target.version:
            raise Conflict(
                f"#{into} changed since version {into_version} (it is at {target.version}); reload and retry",
                field="into_version",
                current_version=target.version,
            )
        already = merges.related(source.id, MERGED_INTO)
        if already is not None:
            raise Conflict(f"#{number} was already merged into #{already}", field="number", merged_into=already)
        onward = merges.related(target.id, MERGED_INTO)
        if onward is not None:
            raise Conflict(
                f"#{into} was itself merged into #{onward}: merge into that one", field="into", merged_into=onward
            )
        other_client = _client(source) != _client(target)
        problems = []
        if other_client:
            problems.append(f"#{number} and #{into} are not the same client's")
        if target.internal and not source.internal:
            problems.append(f"#{into} is internal: #{number}'s customer could no longer read their conversation")
        if problems and not force:
            detail = "; ".join(problems)
            raise InvalidInput(
                f"{detail}; send force: true to merge anyway",
                errors={"into": [detail], "force": ["send true to merge anyway"]},
            )
        actor, now, config = viewer.actor, runtime.clock.now(), uow.config
        source.merge_into(target, actor, now, statuses=config.statuses)
        # Customers of the target never read what another client's, or an internal, ticket held.
        make_private = other_client or (source.internal and not target.internal)
        moved = merges.move(
            source.id, source.number, target.id, first_version=target.version + 1, make_private=make_private
        )
        merges.link(source.id, target.id, MERGED_INTO)
        merges.link(target.id, source.id, MERGED_FROM)
        # The customer is told where their request went, but never about an internal ticket.
        tell = source.contact if source.contact and not (source.internal and source.contact_kind == CONTACT) else None
        target.absorb(
            source,
            actor,
            now,
            comments=moved.comments,
            minutes=moved.minutes,
            observers=source.observer_parties,
            details={
                "source": uow.describe(source.snapshot()),
                "moved": moved.to_dict(),
                "contact": tell.to_dict() if tell else None,
                "forced": bool(problems),
            },
        )
        counts = target.events[-1].details["moved"]
        if idempotency_key:
            idempotency.remember(uow.session, scope, idempotency_key, req_hash, json.dumps(counts))
        _commit(uow)
        return Merged(source, target, counts)


def where_it_went(uow: TicketsUnitOfWork, ticket: Ticket, *, follow: bool) -> Ticket:
    """A merged ticket lives on in the one it was merged into. With `follow` (a customer
    replying to an old mail or on a portal page left open, a machine writing for someone)
    a comment on it goes there, past any later merge; staff are told where to write instead."""
    if ticket.status != CLOSED:
        return ticket
    merges = MergeRepository(uow.session)
    for _ in range(MERGE_HOPS):
        into = merges.related(ticket.id, MERGED_INTO)
        if into is None:
            break
        if not follow:
            raise Conflict(f"#{ticket.number} was merged into #{into}: write there", field="number", merged_into=into)
        onward = uow.tickets.get(into)
        if onward is None:  # pragma: no cover - a link's ticket is never removed
            break
        ticket = onward
    return ticket


# -- splitting -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SplitComment:
    comment_id: str
    subject: str | None = None
    type: str | None = None
    attributes: dict[str, Any] | None = None


@dataclass(frozen=True)
class Split:
    original: Ticket
    ticket: Ticket  # the new one
    new: bool = True  # False: an idempotent repeat


def subject_from(text: str) -> str:
    """The comment's first line, cut at a word before SPLIT_SUBJECT_MAX characters."""
    line = next((" ".join(ln.split()) for ln in text.splitlines() if ln.strip()), "")
    if len(line) <= SPLIT_SUBJECT_MAX:
        return line or "Split from a comment"
    cut = line[: SPLIT_SUBJECT_MAX - 1]
    cut = re.sub(r"\s+\S*$", "", cut) or cut
    return cut + "…"


def split_comment(
    runtime,
    number: int,
    cmd: SplitComment,
    viewer: Viewer,
    *,
    if_match: int | None = None,
    idempotency_key: str | None = None,
) -> Split:
    if not viewer.is_staff:
        raise Forbidden("only staff split comments into tickets")
    with TicketsUnitOfWork(runtime) as uow:
        scope = f"tickets.split:{viewer.identity.subject}"
        req_hash = idempotency.request_hash(number, cmd)
        if idempotency_key:
            done = idempotency.recall(uow.session, scope, idempotency_key, req_hash)
            if done:
                return Split(_load(uow, number, viewer), uow.tickets.get_by_id(done), new=False)
        original = _load(uow, number, viewer)
        _check_if_match(original, if_match)
        merges = MergeRepository(uow.session)
        comment = merges.comment(original.id, cmd.comment_id)
        if comment is None:
            raise NotFound(f"ticket #{number} has no comment {cmd.comment_id}", field="comment_id")
        if comment["split_into_number"] is not None:
            n = comment["split_into_number"]
            raise Conflict(f"the comment was already split into #{n}", field="comment_id", split_into=n)
        config = uow.config
        schema = config.type_schema(cmd.type or original.type)
        if (original.internal or not comment["public"]) and not schema.type.internal:
            internal = sorted(k for k, s in config.types.items() if s.type.internal and s.type.active)
            raise InvalidInput(
                "a private comment splits into an internal ticket (its customer could not read it): choose "
                + (f"an internal type ({', '.join(internal)})" if internal else "an internal type"),
                field="type",
            )
        # The original's attribute values go along as far as the new type has them and the caller may write them.
        writable = {a.key for a in schema.attributes if a.visible_to(viewer.role)}
        attributes = {k: v for k, v in (original.attributes or {}).items() if k in writable}
        priority = config.priorities.get(original.priority)
        created, _new = create_ticket(
            runtime,
            CreateTicket(
                subject=cmd.subject or subject_from(comment["body_text"]),
                description=comment["body_text"],
                type=schema.type.key,
                priority=original.priority if priority is not None and priority.active else None,
                channel=original.channel,
                company_id=original.company_id,
                contact=original.contact,
                service_object_id=original.service_object_id,
                attributes=attributes | (cmd.attributes or {}),
            ),
            viewer,
            session=uow.session,
        )
        new = uow.tickets.get_by_id(created.id)
        if new is None:  # pragma: no cover - it was just written in this session
            raise NotFound(f"there is no ticket {created.id}", field="ticket_id")
        actor, now = viewer.actor, runtime.clock.now()
        merges.link(new.id, original.id, SPLIT_FROM)
        merges.link(original.id, new.id, SPLIT_INTO)
        merges.mark_split(cmd.comment_id, new.number)
        activity = ActivityRepository(uow.session)
        origin = {"comment_id": cmd.comment_id, "id": original.id, "number": original.number}
        activity.add_history(new.id, "split_from", None, origin, actor, now)
        for copy in merges.copy_comment_files(cmd.comment_id, new.id):
            activity.add_history(
                new.id, "attachments", None, {"id": copy["id"], "filename": copy["filename"]}, actor, now
            )
        original.comment_split(cmd.comment_id, new, actor, now)
        if idempotency_key:
            idempotency.remember(uow.session, scope, idempotency_key, req_hash, new.id)
        _commit(uow)
        return Split(original, new)
