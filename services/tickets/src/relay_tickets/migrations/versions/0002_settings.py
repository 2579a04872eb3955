"""tickets: settings (categories, types, priorities, statuses, lifecycles, attributes, desk) with defaults

Revision ID: tickets_0002
Revises: tickets_0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "tickets_0002"
down_revision = "tickets_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    categories = op.create_table(
        "client_categories",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(120), nullable=False, unique=True),
        sa.Column("position", sa.Integer, nullable=False),
    )
    types = op.create_table(
        "ticket_types",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(60), nullable=False, unique=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("internal", sa.Boolean, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("own_lifecycle", sa.Boolean, nullable=False),
        sa.Column("is_default", sa.Boolean, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
    )
    priorities = op.create_table(
        "priorities",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(60), nullable=False, unique=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("colour", sa.String(7), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("is_default", sa.Boolean, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
    )
    statuses = op.create_table(
        "statuses",
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("sla_pausing", sa.Boolean, nullable=False),
        sa.Column("builtin", sa.Boolean, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
    )
    transitions = op.create_table(
        "lifecycle_transitions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("type_id", sa.Integer, sa.ForeignKey("ticket_types.id", ondelete="CASCADE"), nullable=True),
        sa.Column("from_status", sa.String(40), sa.ForeignKey("statuses.key"), nullable=False),
        sa.Column("to_status", sa.String(40), sa.ForeignKey("statuses.key"), nullable=False),
        sa.UniqueConstraint("type_id", "from_status", "to_status"),
    )
    op.create_table(
        "attribute_definitions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("type_id", sa.Integer, sa.ForeignKey("ticket_types.id", ondelete="CASCADE"), nullable=False),
        sa.Column("key", sa.String(60), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("options", sa.JSON, nullable=False),
        sa.Column("required", sa.Boolean, nullable=False),
        sa.Column("visible_roles", sa.JSON, nullable=False),
        sa.Column("visible_to_contacts", sa.Boolean, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.UniqueConstraint("type_id", "key"),
    )
    desk = op.create_table(
        "desk_settings",
        sa.Column("key", sa.String(60), primary_key=True),
        sa.Column("value", sa.JSON, nullable=False),
    )

    op.bulk_insert(
        categories,
        [{"name": n, "position": p} for p, n in enumerate(["Client", "Partner", "VIP client"], start=1)],
    )
    op.bulk_insert(
        types,
        [
            {
                "key": "service_request",
                "name": "Service request",
                "internal": False,
                "active": True,
                "own_lifecycle": False,
                "is_default": True,
                "position": 10,
            },
            {
                "key": "incident",
                "name": "Incident",
                "internal": False,
                "active": True,
                "own_lifecycle": False,
                "is_default": False,
                "position": 20,
            },
            {
                "key": "internal_task",
                "name": "Internal task",
                "internal": True,
                "active": True,
                "own_lifecycle": False,
                "is_default": False,
                "position": 30,
            },
        ],
    )
    op.bulk_insert(
        priorities,
        [
            {"key": "low", "name": "Low", "colour": "#6c757d", "position": 10, "is_default": False, "active": True},
            {
                "key": "normal",
                "name": "Normal",
                "colour": "#0d6efd",
                "position": 20,
                "is_default": True,
                "active": True,
            },
            {"key": "high", "name": "High", "colour": "#fd7e14", "position": 30, "is_default": False, "active": True},
            {
                "key": "critical",
                "name": "Critical",
                "colour": "#dc3545",
                "position": 40,
                "is_default": False,
                "active": True,
            },
        ],
    )
    op.bulk_insert(
        statuses,
        [
            {"key": "opened", "name": "Opened", "kind": "open", "sla_pausing": False, "builtin": True, "position": 10},
            {
                "key": "postponed",
                "name": "Postponed",
                "kind": "open",
                "sla_pausing": True,
                "builtin": True,
                "position": 20,
            },
            {
                "key": "resolved",
                "name": "Resolved",
                "kind": "closed",
                "sla_pausing": False,
                "builtin": True,
                "position": 30,
            },
            {
                "key": "closed",
                "name": "Closed",
                "kind": "closed",
                "sla_pausing": False,
                "builtin": True,
                "position": 40,
            },
        ],
    )
    op.bulk_insert(
        transitions,
        [
            {"type_id": None, "from_status": a, "to_status": b}
            for a, b in [
                ("opened", "postponed"),
                ("opened", "resolved"),
                ("postponed", "opened"),
                ("postponed", "resolved"),
                ("resolved", "closed"),
                ("resolved", "opened"),
            ]
        ],
    )
    op.bulk_insert(
        desk,
        [
            {"key": "default_comment_public", "value": True},
            {"key": "auto_close_hours", "value": 72},
            {"key": "reopen_window_days", "value": 7},
            {"key": "attachment_max_bytes", "value": 10 * 1024 * 1024},
        ],
    )


def downgrade() -> None:
    for table in (
        "desk_settings",
        "attribute_definitions",
        "lifecycle_transitions",
        "statuses",
        "priorities",
        "ticket_types",
        "client_categories",
    ):
        op.drop_table(table)
