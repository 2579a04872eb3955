"""What merging two tickets and splitting a comment off change besides the tickets'
own rows: comments, attachment records and time entries moving from one ticket to
another, the links between them, the marks on comments."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from relay_tickets.adapters.tables.activity import attachments, comments, time_entries
from relay_tickets.adapters.tables.tickets import ticket_links, tickets

MERGED_INTO, MERGED_FROM = "merged_into", "merged_from"
SPLIT_FROM, SPLIT_INTO = "split_from", "split_into"


@dataclass(frozen=True)
class Moved:
    comments: int
    made_private: int
    attachments: int
    time_entries: int
    minutes: int

    def to_dict(self) -> dict[str, int]:
        return {
            "comments": self.comments,
            "made_private": self.made_private,
            "attachments": self.attachments,
            "time_entries": self.time_entries,
            "minutes": self.minutes,
        }


class MergeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def lock(self, numbers: tuple[int, ...]) -> None:
        """Both tickets' rows, in one order whoever merges which into which: two merges of
        the same pair the other way round wait for each other instead of deadlocking.
        (SQLite: a writer holds the whole database already.)"""
        self.session.execute(
            select(tickets.c.id).where(tickets.c.number.in_(numbers)).order_by(tickets.c.id).with_for_update()
        ).all()

    # -- links ------------------------------------------------------------------------------
    def related(self, ticket_id: str, kind: str) -> int | None:
        """The number of the ticket this one links to with `kind` (merged_into: at most one)."""
        return self.session.scalar(
            select(tickets.c.number)
            .join(ticket_links, ticket_links.c.related_id == tickets.c.id)
            .where(ticket_links.c.ticket_id == ticket_id, ticket_links.c.kind == kind)
        )

    def link(self, ticket_id: str, related_id: str, kind: str) -> None:
        """A pair of tickets has one link each way: a merge or split says what it is now
        (a follow-up merged back into its old ticket); the history keeps what it was."""
        self.session.execute(
            delete(ticket_links).where(ticket_links.c.ticket_id == ticket_id, ticket_links.c.related_id == related_id)
        )
        self.session.execute(insert(ticket_links).values(ticket_id=ticket_id, related_id=related_id, kind=kind))

    # -- merging ------------------------------------------------------------------------------
    def comment_count(self, ticket_id: str) -> int:
        return self.session.scalar(select(func.count()).select_from(comments).where(comments.c.ticket_id == ticket_id))

    def move(
        self, source_id: str, source_number: int, target_id: str, *, first_version: int, make_private: bool
    ) -> Moved:
        """Everything of the source but its history and status intervals, onto the target.
        Comments keep their authors, times and order and take versions from `first_version`
        on (after the target's own); with `make_private` none stays public."""
        rows = self.session.execute(
            select(comments.c.id, comments.c.public)
            .where(comments.c.ticket_id == source_id)
            .order_by(comments.c.ticket_version)
        ).all()
        made_private = 0
        for i, row in enumerate(rows):
            values: dict[str, Any] = {
                "ticket_id": target_id,
                "ticket_version": first_version + i,
                "merged_from_number": func.coalesce(comments.c.merged_from_number, source_number),
            }
            if make_private and row.public:
                values["public"] = False
                made_private += 1
            self.session.execute(update(comments).where(comments.c.id == row.id).values(**values))
        files = self.session.execute(
            update(attachments).where(attachments.c.ticket_id == source_id).values(ticket_id=target_id)
        ).rowcount
        entries, minutes = self.session.execute(
            select(func.count(), func.coalesce(func.sum(time_entries.c.minutes), 0)).where(
                time_entries.c.ticket_id == source_id
            )
        ).one()
        if entries:
            self.session.execute(
                update(time_entries).where(time_entries.c.ticket_id == source_id).values(ticket_id=target_id)
            )
        return Moved(len(rows), made_private, files, int(entries), int(minutes))

    # -- splitting -------------------------------------------------------------------------------
    def comment(self, ticket_id: str, comment_id: str) -> dict[str, Any] | None:
        row = self.session.execute(
            select(comments).where(comments.c.ticket_id == ticket_id, comments.c.id == comment_id)
        ).first()
        return dict(row._mapping) if row is not None else None

    def mark_split(self, comment_id: str, number: int) -> None:
        self.session.execute(update(comments).where(comments.c.id == comment_id).values(split_into_number=number))

    def copy_comment_files(self, comment_id: str, ticket_id: str) -> list[dict[str, Any]]:
        """The comment's files, also on the ticket `ticket_id` itself: new records of the
        same stored bytes (content-addressed and never removed), uploader and time kept."""
        rows = self.session.execute(
            select(attachments)
            .where(attachments.c.comment_id == comment_id)
            .order_by(attachments.c.created_at, attachments.c.id)
        ).all()
        copies = []
        for row in rows:
            copy = dict(row._mapping) | {"id": str(uuid.uuid4()), "ticket_id": ticket_id, "comment_id": None}
            self.session.execute(insert(attachments).values(**copy))
            copies.append(copy)
        return copies
