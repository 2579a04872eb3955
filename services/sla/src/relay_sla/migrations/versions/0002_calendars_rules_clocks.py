"""sla: calendars, rules, the catalogue replica, ticket clocks and their timeline

Revision ID: sla_0002
Revises: sla_0001
Create Date: 2026-11-23
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from relaykit.db_types import UtcDateTime

revision = "sla_0002"
down_revision = "sla_0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer, "sqlite")

WEEKDAYS_9_TO_18 = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def upgrade() -> None:
    now = datetime.now(UTC)
    cal = op.create_table(
        "sla_calendars",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(120), nullable=False, unique=True),
        sa.Column("definition", sa.JSON, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    rule = op.create_table(
        "sla_rules",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(120), nullable=False, unique=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("is_default", sa.Boolean, nullable=False),
        sa.Column("conditions", sa.JSON, nullable=False),
        sa.Column("calendar_id", sa.Integer, sa.ForeignKey("sla_calendars.id"), nullable=False),
        sa.Column("reaction_minutes", sa.Integer, nullable=True),
        sa.Column("resolution_minutes", sa.Integer, nullable=True),
        sa.Column("warn_fractions", sa.JSON, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "sla_catalog",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("sequence", BigId, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.rename_table("sla_tracked_tickets", "sla_tickets")
    with op.batch_alter_table("sla_tickets") as t:
        t.add_column(sa.Column("type", sa.String(60), nullable=True))
        t.add_column(sa.Column("priority", sa.String(60), nullable=True))
        t.add_column(sa.Column("company_id", sa.String(36), nullable=True))
        t.add_column(sa.Column("client_category_id", sa.Integer, nullable=True))
        t.add_column(sa.Column("state", sa.String(10), nullable=False, server_default="running"))
        t.add_column(sa.Column("rule_id", sa.Integer, nullable=True))
        t.add_column(sa.Column("rule_name", sa.String(120), nullable=True))
        t.add_column(sa.Column("calendar_id", sa.Integer, nullable=True))
        t.add_column(sa.Column("reaction_due_at", UtcDateTime, nullable=True))
        t.add_column(sa.Column("resolution_due_at", UtcDateTime, nullable=True))
        t.add_column(sa.Column("reaction_met_at", UtcDateTime, nullable=True))
        t.add_column(sa.Column("resolved_at", UtcDateTime, nullable=True))
        t.add_column(sa.Column("next_fire_at", UtcDateTime, nullable=True))
        t.add_column(sa.Column("version", sa.Integer, nullable=False, server_default="1"))
    op.create_index("ix_sla_tickets_next_fire_at", "sla_tickets", ["next_fire_at"])
    op.create_table(
        "sla_timeline",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("ticket_id", sa.String(36), nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("recorded_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_sla_timeline_ticket_id", "sla_timeline", ["ticket_id", "id"])

    # A desk starts with one calendar and a default rule, so every ticket gets deadlines.
    op.bulk_insert(
        cal,
        [
            {
                "id": 1,
                "name": "Working hours",
                "definition": {"timezone": "UTC", "always_open": False, "week": WEEKDAYS_9_TO_18, "exceptions": []},
                "version": 1,
                "created_at": now,
                "updated_at": now,
            },
            {
                "id": 2,
                "name": "24x7",
                "definition": {"timezone": "UTC", "always_open": True, "week": {}, "exceptions": []},
                "version": 1,
                "created_at": now,
                "updated_at": now,
            },
        ],
    )
    op.bulk_insert(
        rule,
        [
            {
                "id": 1,
                "name": "Default",
                "position": 1_000_000,
                "enabled": True,
                "is_default": True,
                "conditions": {},
                "calendar_id": 1,
                "reaction_minutes": 4 * 60,
                "resolution_minutes": 2 * 9 * 60,
                "warn_fractions": [0.75],
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        ],
    )
    if op.get_bind().dialect.name == "postgresql":
        # Rows were inserted with explicit ids: move the sequences past them.
        op.execute("SELECT setval('sla_calendars_id_seq', 2)")
        op.execute("SELECT setval('sla_rules_id_seq', 1)")


def downgrade() -> None:
    op.drop_table("sla_timeline")
    op.drop_index("ix_sla_tickets_next_fire_at", "sla_tickets")
    with op.batch_alter_table("sla_tickets") as t:
        for name in (
            "type",
            "priority",
            "company_id",
            "client_category_id",
            "state",
            "rule_id",
            "rule_name",
            "calendar_id",
            "reaction_due_at",
            "resolution_due_at",
            "reaction_met_at",
            "resolved_at",
            "next_fire_at",
            "version",
        ):
            t.drop_column(name)
    op.rename_table("sla_tickets", "sla_tracked_tickets")
    op.drop_table("sla_catalog")
    op.drop_table("sla_rules")
    op.drop_table("sla_calendars")
