"""HTTP routes for what happens around a ticket: comments and their files, files on
the ticket, time entries, the customer's rating, history and time in each status."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, jsonify, request, send_file, url_for
from werkzeug.formparser import MultiPartParser

from relay_tickets.adapters.activity_repository import AttachmentRecord
from relay_tickets.adapters.attachments import AttachmentStore, Upload
from relay_tickets.domain.comments import AttachmentInfo, clean_filename
from relay_tickets.entrypoints import callers
from relay_tickets.entrypoints.schemas_activity import (
    MAX_FILES,
    AttachmentFormSchema,
    AttachmentListSchema,
    CommentCreateSchema,
    CommentFormSchema,
    CommentPageSchema,
    CommentSchema,
    HistoryPageSchema,
    PageQuerySchema,
    RatingCreateSchema,
    RatingSchema,
    StatusTimesSchema,
    TimeEntriesSchema,
    TimeEntryCreateSchema,
    TimeLoggedSchema,
)
from relay_tickets.service_layer import activity as use
from relaykit.errors import BadRequest, InvalidInput, UnsupportedMediaType
from relaykit.http import ETAG, IF_MATCH, Header, endpoint, load_form
from relaykit.identity import CONTACT, STAFF, SYSTEM
from relaykit.service import Runtime

READERS = STAFF | {SYSTEM, CONTACT}
STAFF_AND_SYSTEM = STAFF | {SYSTEM}
FILE_FIELD = "attachments"
# Text fields of a multipart comment: 100 000 characters of UTF-8 and some room.
FORM_FIELD_BYTES = 512 * 1024
COMMENT_FORM_FIELDS = frozenset({"body", "public", "format", "mentions"})
# What a download reads and answers besides the bytes (send_file's conditional answers).
IF_NONE_MATCH = Header("If-None-Match", "The ETag of a copy you hold: 304 if the file is still that one.")
RANGE = Header("Range", "Part of the file, e.g. `bytes=0-1023`: 206 with that part, 416 if it lies beyond the end.")
FILE_ETAG = Header("ETag", "The SHA-256 of the file's bytes.")
CONTENT_DISPOSITION = Header("Content-Disposition", "Always `attachment`, with the file's name.")


# -- multipart uploads ------------------------------------------------------------------------
class _StreamingParts(MultiPartParser):
    """Hands each file part to `receive` (with its field name) as it starts arriving."""

    def __init__(self, receive) -> None:
        super().__init__(max_form_memory_size=FORM_FIELD_BYTES, max_form_parts=MAX_FILES + 2 * len(COMMENT_FORM_FIELDS))
        self._receive = receive

    def start_file_streaming(self, event, total_content_length):
        return self._receive(event.name, event.filename, event.headers.get("content-type"))


@contextmanager
def _multipart(runtime: Runtime, limit: int, allowed: frozenset[str]) -> Iterator[tuple[dict[str, str], list[Upload]]]:
    """The form's text fields and its files, each file streamed to a temporary file and
    refused (413 naming attachments.N) the moment it passes `limit`. Files not kept by the
    use case are removed on the way out, whatever happened."""
    store = AttachmentStore.for_runtime(runtime)
    uploads: list[Upload] = []

    def receive(name: str, filename: str | None, content_type: str | None) -> Upload:
        if name != FILE_FIELD:
            raise InvalidInput(f"files go in the {FILE_FIELD!r} field", field=name or "body")
        if len(uploads) >= MAX_FILES:
            raise InvalidInput(f"at most {MAX_FILES} files at once", field=FILE_FIELD)
        upload = store.receive(
            field=f"{FILE_FIELD}.{len(uploads)}", filename=filename, declared_type=content_type, limit=limit
        )
        uploads.append(upload)
        return upload

    boundary = request.mimetype_params.get("boundary", "")
    if not boundary:
        raise BadRequest("a multipart body needs its boundary", field="Content-Type")
    # The kit's body limit is sized for JSON; an upload is bounded by the desk's per-file limit.
    request.max_content_length = limit * MAX_FILES + 2 * FORM_FIELD_BYTES
    try:
        try:
            form, _files = _StreamingParts(receive).parse(
                request.stream, boundary.encode("latin-1", "replace"), request.content_length
            )
        except ValueError as e:
            raise BadRequest(f"the multipart body is malformed: {e}", field="body") from None
        data: dict[str, str] = {}
        for key in form:
            if key not in allowed:
                raise InvalidInput(f"unknown field {key!r}", field=key)
            values = form.getlist(key)
            if len(values) > 1:
                raise InvalidInput(f"{key} is given more than once", field=key)
            data[key] = values[0]
        # A browser sends an empty, nameless part for a file input left empty.
        files = [u for u in uploads if u.size or u.given_filename]
        yield data, files
    finally:
        for upload in uploads:
            upload.discard()


def _is_multipart() -> bool:
    return request.mimetype == "multipart/form-data"


# -- presenting -----------------------------------------------------------------------------------
def _attachment_out(number: int, a: AttachmentRecord | AttachmentInfo, comment_id: str | None = None) -> dict:
    out = {
        "id": a.id,
        "comment_id": getattr(a, "comment_id", comment_id),
        "filename": a.filename,
        "content_type": a.content_type,
        "size": a.size,
        "sha256": a.sha256,
        "url": url_for("download_attachment", number=number, attachment_id=a.id),
    }
    if isinstance(a, AttachmentRecord):
        out["created_at"] = a.created_at
    return out


def _actor(kind: str, id: str, name: str | None, channel: str) -> dict[str, Any]:
    return {"kind": kind, "id": id, "name": name, "channel": channel}


def _comment_row_out(number: int, r: dict[str, Any], *, by_contact: bool = False) -> dict[str, Any]:
    merged_from, split_into = r.get("merged_from_number"), r.get("split_into_number")
    return {
        "id": r["id"],
        "ticket": {"id": r["ticket_id"], "number": number},
        "public": r["public"],
        "format": r["format"],
        "body": r["body"],
        "body_text": r["body_text"],
        "author": _actor(r["author_kind"], r["author_id"], r["author_name"], r["channel"]),
        "channel": r["channel"],
        "mentions": r["mentions"] or [],
        "attachments": [_attachment_out(number, a) for a in r["attachments"]],
        "created_at": r["created_at"],
        "merged_from": {"number": merged_from} if merged_from else None,
        # The new ticket may be one its customer cannot see (an internal one).
        "split_into": {"number": split_into} if split_into and not by_contact else None,
    }


def _as_json(comment: dict[str, Any]) -> dict[str, Any]:
    """A comment row with its moments as the schema writes them (ISO 8601)."""
    comment["created_at"] = _iso(comment["created_at"])
    for a in comment["attachments"]:
        if "created_at" in a:
            a["created_at"] = _iso(a["created_at"])
    return comment


def _iso(moment: Any) -> Any:
    return moment.isoformat() if moment is not None else None


def _comment_added_out(result: use.CommentAdded) -> dict[str, Any]:
    c, ticket = result.comment, result.ticket
    return {
        "id": c.id,
        "ticket": {"id": ticket.id, "number": ticket.number},
        "public": c.public,
        "format": c.body.format,
        "body": c.body.body,
        "body_text": c.body.text,
        "author": c.author.to_dict(),
        "channel": c.channel,
        "mentions": [m.to_dict() for m in c.mentions],
        "attachments": [_attachment_out(ticket.number, a, c.id) for a in c.attachments],
        "created_at": c.created_at,
        "follow_up_ticket": {"id": ticket.id, "number": ticket.number} if result.follow_up else None,
    }


def register_activity_routes(app: Flask, runtime: Runtime) -> None:
    comment_form = CommentFormSchema()

    # -- comments ------------------------------------------------------------------------------
    @app.post("/tickets/<int:number>/comments")
    @endpoint(
        roles=READERS,
        summary="Comment on a ticket (JSON, or multipart/form-data with files in `attachments`)",
        body=CommentCreateSchema,
        form=comment_form,
        headers=[IF_MATCH],
        response=CommentSchema,
        response_headers=[ETAG],
        status=201,
        tags=["comments"],
        errors=[400, 404, 409, 413, 415, 422],
    )
    def add_comment(number: int, body):
        v = callers.viewer(runtime)
        if_match = callers.if_match()
        if body is None:  # multipart/form-data
            limit = use.attachment_limit(runtime, number, v)
            with _multipart(runtime, limit, COMMENT_FORM_FIELDS) as (data, files):
                form = load_form(comment_form, data)
                result = use.add_comment(runtime, number, _command(form), v, files=files, if_match=if_match)
        else:
            result = use.add_comment(runtime, number, _command(body), v, if_match=if_match)
        # No ETag for a comment that went to another ticket: it is not this one's version.
        moved = result.follow_up or result.ticket.number != number
        headers = {} if moved else callers.etag(result.ticket.version)
        return _comment_added_out(result), headers

    def _command(body: dict[str, Any]) -> use.AddComment:
        return use.AddComment(
            body=body["body"], format=body["format"], public=body["public"], mentions=tuple(body["mentions"])
        )

    @app.get("/tickets/<int:number>/comments")
    @endpoint(
        roles=READERS,
        summary="A ticket's comments, oldest first (customers see only public ones)",
        query=PageQuerySchema,
        response=CommentPageSchema,
        tags=["comments"],
        errors=[404],
    )
    def list_comments(number: int, query):
        v = callers.viewer(runtime)
        page = use.list_comments(runtime, number, v, after=query["cursor"], limit=query["limit"])
        # Already in CommentPageSchema's shape (test_comment_page_json holds it to the schema's
        # dump): dumping a long conversation through the schema took half this route's time.
        return jsonify(
            {
                "items": [_as_json(_comment_row_out(number, r, by_contact=v.is_contact)) for r in page.items],
                "next_cursor": page.next_cursor,
            }
        )

    # -- attachments ------------------------------------------------------------------------------
    @app.post("/tickets/<int:number>/attachments")
    @endpoint(
        roles=STAFF_AND_SYSTEM,
        summary="Attach files to a ticket without a comment (multipart/form-data, files in `attachments`)",
        form=AttachmentFormSchema,
        response=AttachmentListSchema,
        status=201,
        tags=["attachments"],
        errors=[400, 404, 413, 415, 422],
    )
    def attach_files(number: int):
        v = callers.viewer(runtime)
        if not _is_multipart():
            raise UnsupportedMediaType("send the files as multipart/form-data", field="Content-Type")
        limit = use.attachment_limit(runtime, number, v, staff_only=True)
        with _multipart(runtime, limit, frozenset()) as (_data, files):
            infos = use.attach_files(runtime, number, v, files)
        return {"items": [_attachment_out(number, i) for i in infos]}

    @app.get("/tickets/<int:number>/attachments")
    @endpoint(
        roles=READERS,
        summary="A ticket's files (customers: those of public comments)",
        response=AttachmentListSchema,
        tags=["attachments"],
        errors=[404],
    )
    def list_attachments(number: int):
        v = callers.viewer(runtime)
        return {"items": [_attachment_out(number, r) for r in use.list_attachments(runtime, number, v)]}

    @app.get("/tickets/<int:number>/attachments/<attachment_id>")
    @endpoint(
        roles=READERS,
        summary="Download an attachment",
        tags=["attachments"],
        download=True,
        headers=[IF_NONE_MATCH, RANGE],
        response_headers=[CONTENT_DISPOSITION, FILE_ETAG],
        also=[206, 304],
        errors=[404, 416],
    )
    def download_attachment(number: int, attachment_id: str):
        v = callers.viewer(runtime)
        record, path = use.open_attachment(runtime, number, attachment_id, v)
        response = send_file(
            path,
            mimetype=record.content_type,
            as_attachment=True,
            # Cleaned again: a name stored before the rules of today keeps no bidi override.
            download_name=clean_filename(record.filename),
            etag=record.sha256,
            conditional=True,
            max_age=0,
        )
        # Whatever the bytes are, a browser neither guesses another type nor runs them here.
        response.headers["X-Content-Type-Options"] = "nosniff"
        # The kit's default for API answers, plus sandbox: it keeps a route's own policy whole.
        response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'; sandbox"
        response.cache_control.private = True
        return response

    # -- time entries -------------------------------------------------------------------------------
    @app.post("/tickets/<int:number>/time-entries")
    @endpoint(
        roles=STAFF,
        summary="Log time spent on a ticket",
        body=TimeEntryCreateSchema,
        headers=[IF_MATCH],
        response=TimeLoggedSchema,
        response_headers=[ETAG],
        status=201,
        tags=["time"],
        errors=[404, 409],
    )
    def log_time(number: int, body):
        v = callers.viewer(runtime)
        logged = use.log_time(runtime, number, use.LogTime(**body), v, if_match=callers.if_match())
        ticket = logged.ticket
        return {
            "entry": _time_entry_out(logged.entry),
            "total_minutes": ticket.time_spent_minutes,
            "ticket_version": ticket.version,
        }, callers.etag(ticket.version)

    def _time_entry_out(e: dict[str, Any]) -> dict[str, Any]:
        return e | {"logged_by": {"kind": e["logged_by_kind"], "id": e["logged_by_id"]}}

    @app.get("/tickets/<int:number>/time-entries")
    @endpoint(
        roles=STAFF_AND_SYSTEM,
        summary="Time logged on a ticket, and its total",
        response=TimeEntriesSchema,
        response_headers=[ETAG],
        tags=["time"],
        errors=[404],
    )
    def list_time_entries(number: int):
        entries, ticket = use.list_time_entries(runtime, number, callers.viewer(runtime))
        return {
            "items": [_time_entry_out(e) for e in entries],
            "total_minutes": ticket.time_spent_minutes,
            "ticket_version": ticket.version,
        }, callers.etag(ticket.version)

    # -- rating ---------------------------------------------------------------------------------------
    @app.post("/tickets/<int:number>/rating")
    @endpoint(
        roles={CONTACT},
        summary="Rate the resolution (the ticket's contact, once it is resolved or closed)",
        body=RatingCreateSchema,
        headers=[IF_MATCH],
        response=RatingSchema,
        response_headers=[ETAG],
        status=201,
        tags=["rating"],
        errors=[404, 409],
    )
    def rate(number: int, body):
        v = callers.viewer(runtime)
        ticket = use.rate(runtime, number, body["rating"], body["comment"], v, if_match=callers.if_match())
        return {
            "rating": ticket.rating,
            "comment": ticket.rating_comment,
            "rated_at": ticket.rated_at,
            "ticket_version": ticket.version,
        }, callers.etag(ticket.version)

    # -- history and time in status ----------------------------------------------------------------------
    @app.get("/tickets/<int:number>/history")
    @endpoint(
        roles=STAFF_AND_SYSTEM,
        summary="Every change of a ticket, oldest first",
        query=PageQuerySchema,
        response=HistoryPageSchema,
        tags=["history"],
        errors=[404],
    )
    def ticket_history(number: int, query):
        page = use.history(runtime, number, callers.viewer(runtime), after=query["cursor"], limit=query["limit"])
        return {
            "items": [
                {
                    "id": r["id"],
                    "at": r["at"],
                    "actor": _actor(r["actor_kind"], r["actor_id"], r["actor_name"], r["channel"]),
                    "channel": r["channel"],
                    "field": r["field"],
                    "old": r["old_value"],
                    "new": r["new_value"],
                }
                for r in page.items
            ],
            "next_cursor": page.next_cursor,
        }

    @app.get("/tickets/<int:number>/status-intervals")
    @endpoint(
        roles=STAFF_AND_SYSTEM,
        summary="The time a ticket spent in each status",
        response=StatusTimesSchema,
        tags=["history"],
        errors=[404],
    )
    def status_intervals(number: int):
        times = use.status_times(runtime, number, callers.viewer(runtime))
        return {"items": times.intervals, "totals": times.totals, "now": times.now}
