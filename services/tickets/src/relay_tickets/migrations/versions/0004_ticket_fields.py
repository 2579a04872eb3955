"""tickets: every field of a ticket, observers, links, full-text search (PostgreSQL)

Revision ID: tickets_0004
Revises: tickets_0003
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from relaykit.db_types import UtcDateTime

revision = "tickets_0004"
down_revision = "tickets_0003"
branch_labels = None
depends_on = None

NEW_COLUMNS = [
    sa.Column("type", sa.String(60), nullable=True),
    sa.Column("internal", sa.Boolean, nullable=True),
    sa.Column("priority", sa.String(60), nullable=True),
    sa.Column("company_id", sa.String(36), nullable=True),
    sa.Column("contact_kind", sa.String(10), nullable=True),
    sa.Column("contact_id", sa.String(36), nullable=True),
    sa.Column("service_object_id", sa.String(36), nullable=True),
    sa.Column("responsible_kind", sa.String(10), nullable=True),
    sa.Column("responsible_id", sa.String(36), nullable=True),
    sa.Column("planned_reaction_at", UtcDateTime, nullable=True),
    sa.Column("planned_resolution_at", UtcDateTime, nullable=True),
    sa.Column("planned_source", sa.String(10), nullable=True),
    sa.Column("sla_rule", sa.String(200), nullable=True),
    sa.Column("attributes", sa.JSON, nullable=True),
    sa.Column("parent_id", sa.String(36), nullable=True),
    sa.Column("postponed_until", UtcDateTime, nullable=True),
    sa.Column("first_reaction_at", UtcDateTime, nullable=True),
    sa.Column("resolved_at", UtcDateTime, nullable=True),
    sa.Column("closed_at", UtcDateTime, nullable=True),
    sa.Column("time_spent_minutes", sa.Integer, nullable=True),
    sa.Column("rating", sa.String(10), nullable=True),
    sa.Column("rating_comment", sa.Text, nullable=True),
    sa.Column("rated_at", UtcDateTime, nullable=True),
    sa.Column("created_by_kind", sa.String(10), nullable=True),
    sa.Column("created_by_id", sa.String(120), nullable=True),
]

INDEXES = {
    "ix_tickets_responsible": ["responsible_kind", "responsible_id", "status", "number"],
    "ix_tickets_company": ["company_id", "number"],
    "ix_tickets_contact": ["contact_kind", "contact_id", "number"],
    "ix_tickets_priority": ["priority", "status", "number"],
    "ix_tickets_type": ["type", "number"],
    "ix_tickets_created_at": ["created_at"],
    "ix_tickets_updated_at": ["updated_at"],
    "ix_tickets_planned_resolution": ["planned_resolution_at"],
    "ix_tickets_postponed_until": ["postponed_until"],
    "ix_tickets_resolved_at": ["status", "resolved_at"],
    "ix_tickets_parent": ["parent_id"],
}


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        for column in NEW_COLUMNS:
            batch.add_column(column)
    # Tickets registered before types and priorities existed get the defaults.
    op.execute(
        "UPDATE tickets SET type = 'service_request', internal = false, priority = 'normal', "
        "attributes = '{}', time_spent_minutes = 0"
    )
    with op.batch_alter_table("tickets") as batch:
        for name in ("type", "internal", "priority", "attributes", "time_spent_minutes"):
            batch.alter_column(name, nullable=False)
        batch.create_foreign_key("fk_tickets_type", "ticket_types", ["type"], ["key"])
        batch.create_foreign_key("fk_tickets_priority", "priorities", ["priority"], ["key"])
        batch.create_foreign_key("fk_tickets_status", "statuses", ["status"], ["key"])
        batch.create_foreign_key("fk_tickets_company", "companies", ["company_id"], ["id"])
        batch.create_foreign_key("fk_tickets_service_object", "service_objects", ["service_object_id"], ["id"])
        batch.create_foreign_key("fk_tickets_parent", "tickets", ["parent_id"], ["id"])
        batch.create_check_constraint("responsible_kind", "responsible_kind IN ('employee', 'group')")
        batch.create_check_constraint("responsible_pair", "(responsible_kind IS NULL) = (responsible_id IS NULL)")
    for name, columns in INDEXES.items():
        op.create_index(name, "tickets", columns)

    op.create_table(
        "ticket_observers",
        sa.Column("ticket_id", sa.String(36), sa.ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("kind", sa.String(10), primary_key=True),
        sa.Column("party_id", sa.String(36), primary_key=True),
    )
    op.create_index("ix_ticket_observers_party", "ticket_observers", ["kind", "party_id"])
    op.create_table(
        "ticket_links",
        sa.Column("ticket_id", sa.String(36), sa.ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("related_id", sa.String(36), sa.ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
    )
    op.create_index("ix_ticket_links_related", "ticket_links", ["related_id"])

    if op.get_bind().dialect.name == "postgresql":
        # 'simple': no stemming, so any language's words match as typed.
        op.execute(
            "ALTER TABLE tickets ADD COLUMN search tsvector GENERATED ALWAYS AS "
            "(to_tsvector('simple', coalesce(subject, '') || ' ' || coalesce(description, ''))) STORED"
        )
        op.execute("CREATE INDEX ix_tickets_search ON tickets USING gin (search)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_tickets_search")
        op.execute("ALTER TABLE tickets DROP COLUMN IF EXISTS search")
    op.drop_table("ticket_links")
    op.drop_table("ticket_observers")
    for name in INDEXES:
        op.drop_index(name, "tickets")
    with op.batch_alter_table("tickets") as batch:
        for column in NEW_COLUMNS:
            batch.drop_column(column.name)
