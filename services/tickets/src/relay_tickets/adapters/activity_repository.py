"""Reading and writing what happens on a ticket besides its own fields: comments,
attachment records, time entries, and reading its history and status intervals
(which the ticket repository writes)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from relay_tickets.adapters.attachments import StoredBlob
from relay_tickets.adapters.tables.activity import (
    attachments,
    comments,
    status_intervals,
    ticket_history,
    time_entries,
)
from relay_tickets.adapters.tables.directory import employees
from relay_tickets.domain.comments import AttachmentInfo, Comment
from relay_tickets.domain.lifecycle import OPENED
from relay_tickets.domain.parties import Actor


@dataclass(frozen=True)
class AttachmentRecord:
    id: str
    ticket_id: str
    comment_id: str | None
    comment_public: bool | None
    filename: str
    content_type: str
    size: int
    sha256: str
    storage_key: str
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "comment_id": self.comment_id,
            "filename": self.filename,
            "content_type": self.content_type,
            "size": self.size,
            "sha256": self.sha256,
            "created_at": self.created_at,
        }


_ATTACHMENT_COLUMNS = (
    attachments.c.id,
    attachments.c.ticket_id,
    attachments.c.comment_id,
    comments.c.public.label("comment_public"),
    attachments.c.filename,
    attachments.c.content_type,
    attachments.c.size,
    attachments.c.sha256,
    attachments.c.storage_key,
    attachments.c.created_at,
)


def _attachment_query():
    return select(*_ATTACHMENT_COLUMNS).select_from(
        attachments.outerjoin(comments, comments.c.id == attachments.c.comment_id)
    )


class ActivityRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- comments -------------------------------------------------------------------------
    def add_comment(self, comment: Comment, ticket_version: int) -> None:
        a = comment.author
        self.session.execute(
            insert(comments).values(
                id=comment.id,
                ticket_id=comment.ticket_id,
                ticket_version=ticket_version,
                format=comment.body.format,
                body=comment.body.body,
                body_text=comment.body.text,
                public=comment.public,
                author_kind=a.kind,
                author_id=a.id,
                author_name=a.name,
                channel=comment.channel,
                mentions=[m.to_dict() for m in comment.mentions],
                created_at=comment.created_at,
            )
        )

    def has_comment(self, comment_id: str) -> bool:
        return self.session.scalar(select(comments.c.id).where(comments.c.id == comment_id)) is not None

    def comments(self, ticket_id: str, *, public_only: bool, after: int | None, limit: int) -> list[dict[str, Any]]:
        """A page of comments, oldest first, each with its attachments."""
        q = select(comments).where(comments.c.ticket_id == ticket_id).order_by(comments.c.ticket_version).limit(limit)
        if public_only:
            q = q.where(comments.c.public.is_(True))
        if after is not None:
            q = q.where(comments.c.ticket_version > after)
        rows = [dict(r) for r in self.session.execute(q).mappings()]
        files: dict[str, list[AttachmentRecord]] = {}
        if rows:
            for rec in self._attachments(attachments.c.comment_id.in_([r["id"] for r in rows])):
                files.setdefault(rec.comment_id, []).append(rec)
        for r in rows:
            r["attachments"] = files.get(r["id"], [])
        return rows

    def public_authors(self, ticket_id: str, kind: str) -> set[str]:
        """Who (of `kind`) wrote the ticket's public comments: what its customer can read of them."""
        q = select(comments.c.author_id).where(
            comments.c.ticket_id == ticket_id, comments.c.public.is_(True), comments.c.author_kind == kind
        )
        return set(self.session.scalars(q.distinct()))

    # -- attachments ---------------------------------------------------------------------
    def add_attachment(
        self,
        info: AttachmentInfo,
        blob: StoredBlob,
        *,
        ticket_id: str,
        comment_id: str | None,
        uploader: Actor,
        at: datetime,
    ) -> None:
        self.session.execute(
            insert(attachments).values(
                id=info.id,
                ticket_id=ticket_id,
                comment_id=comment_id,
                filename=info.filename,
                content_type=info.content_type,
                size=blob.size,
                sha256=blob.sha256,
                storage_key=blob.key,
                uploaded_by_kind=uploader.kind,
                uploaded_by_id=uploader.id,
                uploaded_by_name=uploader.name,
                created_at=at,
            )
        )

    def _attachments(self, condition) -> list[AttachmentRecord]:
        q = _attachment_query().where(condition).order_by(attachments.c.created_at, attachments.c.id)
        return [AttachmentRecord(**r) for r in self.session.execute(q).mappings()]

    def attachments(self, ticket_id: str) -> list[AttachmentRecord]:
        return self._attachments(attachments.c.ticket_id == ticket_id)

    def attachment(self, ticket_id: str, attachment_id: str) -> AttachmentRecord | None:
        found = self._attachments((attachments.c.ticket_id == ticket_id) & (attachments.c.id == attachment_id))
        return found[0] if found else None

    # -- time -----------------------------------------------------------------------------
    def add_time_entry(self, row: dict[str, Any]) -> None:
        """`row`: the time_entries columns (who logged it as logged_by_kind / logged_by_id)."""
        self.session.execute(insert(time_entries).values(**row))

    def time_entries(self, ticket_id: str) -> list[dict[str, Any]]:
        q = (
            select(time_entries, employees.c.name.label("employee_name"))
            .join(employees, employees.c.id == time_entries.c.employee_id)
            .where(time_entries.c.ticket_id == ticket_id)
            .order_by(time_entries.c.work_date, time_entries.c.created_at, time_entries.c.id)
        )
        return [dict(r) for r in self.session.execute(q).mappings()]

    # -- what the ticket recorded --------------------------------------------------------------
    def history(self, ticket_id: str, *, after: int | None, limit: int) -> list[dict[str, Any]]:
        q = select(ticket_history).where(ticket_history.c.ticket_id == ticket_id).order_by(ticket_history.c.id)
        if after is not None:
            q = q.where(ticket_history.c.id > after)
        return [dict(r) for r in self.session.execute(q.limit(limit)).mappings()]

    def add_history(self, ticket_id: str, field: str, old: Any, new: Any, actor: Actor, at: datetime) -> None:
        """For what is not a change of the ticket row itself (a file attached to the ticket)."""
        self.session.execute(
            insert(ticket_history).values(
                ticket_id=ticket_id,
                at=at,
                actor_kind=actor.kind,
                actor_id=actor.id,
                actor_name=actor.name,
                channel=actor.channel,
                field=field,
                old_value=old,
                new_value=new,
            )
        )

    def status_intervals(self, ticket_id: str, created_at: datetime) -> Sequence[dict[str, Any]]:
        """Every interval, the first one included: a new ticket writes no row for its
        first status (one statement less per ticket), so `opened` from created_at until
        the first recorded change is implied when no row starts at creation."""
        q = (
            select(status_intervals.c.status, status_intervals.c.started_at, status_intervals.c.ended_at)
            .where(status_intervals.c.ticket_id == ticket_id)
            .order_by(status_intervals.c.started_at, status_intervals.c.id)
        )
        rows = [dict(r) for r in self.session.execute(q).mappings()]
        if not rows or rows[0]["started_at"] > created_at:
            first_end = rows[0]["started_at"] if rows else None
            rows.insert(0, {"status": OPENED, "started_at": created_at, "ended_at": first_end})
        return rows
