"""Shapes of the directory history: every change of a directory entry, and of the
settings that decide who sees what (marshmallow; also the OpenAPI source)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from relay_tickets.service_layer.directory import HISTORY_MAX_PAGE
from relay_tickets.service_layer.settings.history import SETTINGS_KINDS as HISTORY_KINDS

_ROW_ID_MAX = 2**63 - 1  # the history's id column


class HistoryQuerySchema(Schema):
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=HISTORY_MAX_PAGE))
    cursor = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=0, max=_ROW_ID_MAX),
        metadata={"description": "next_cursor of the previous page"},
    )


class SettingsHistoryQuerySchema(HistoryQuerySchema):
    kind = fields.String(validate=validate.OneOf(HISTORY_KINDS), metadata={"description": "only this kind"})
    id = fields.String(validate=validate.Length(min=1, max=36), metadata={"description": "only this entry (with kind)"})


class HistoryActorSchema(Schema):
    kind = fields.String()
    id = fields.String()
    name = fields.String(allow_none=True)
    role = fields.String(allow_none=True, metadata={"description": "the caller's role then; null: Relay itself"})
    channel = fields.String()


class DirectoryChangeSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "company, contact, ..., ticket_type, attribute, desk"})
    entry_id = fields.String()
    at = fields.DateTime()
    actor = fields.Nested(HistoryActorSchema)
    field = fields.String()
    old = fields.Raw(allow_none=True)
    new = fields.Raw(allow_none=True)


class DirectoryHistoryPageSchema(Schema):
    items = fields.List(fields.Nested(DirectoryChangeSchema))
    next_cursor = fields.Integer(allow_none=True)


def history_out(row: dict) -> dict:
    """A history row as the API shows it."""
    return {
        "id": row["id"],
        "kind": row["entry_kind"],
        "entry_id": row["entry_id"],
        "at": row["at"],
        "actor": {
            "kind": row["actor_kind"],
            "id": row["actor_id"],
            "name": row["actor_name"],
            "role": row["actor_role"],
            "channel": row["channel"],
        },
        "field": row["field"],
        "old": row["old_value"],
        "new": row["new_value"],
    }
