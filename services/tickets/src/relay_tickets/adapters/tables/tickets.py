"""Tickets, their observers and links."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    FetchedValue,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from relay_tickets.adapters.tables.base import json_col, metadata, party
from relaykit.db_types import UtcDateTime

tickets = Table(
    "tickets",
    metadata,
    Column("id", String(36), primary_key=True),
    # On PostgreSQL the INSERT takes the next number (DEFAULT nextval, migration 0008) and
    # returns it; SQLite gets it from ticket_number_counter first.
    Column("number", BigInteger, nullable=False, unique=True, server_default=FetchedValue()),
    Column("subject", String(250), nullable=False),
    Column("description", Text, nullable=False),
    Column("type", String(60), ForeignKey("ticket_types.key"), nullable=False),
    Column("internal", Boolean, nullable=False, default=False),
    Column("priority", String(60), ForeignKey("priorities.key"), nullable=False),
    Column("status", String(40), ForeignKey("statuses.key"), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("company_id", String(36), ForeignKey("companies.id"), nullable=True),
    Column("contact_kind", String(10), nullable=True),
    Column("contact_id", String(36), nullable=True),
    Column("service_object_id", String(36), ForeignKey("service_objects.id"), nullable=True),
    *party("responsible"),
    Column("planned_reaction_at", UtcDateTime, nullable=True),
    Column("planned_resolution_at", UtcDateTime, nullable=True),
    Column("planned_source", String(10), nullable=True),
    Column("sla_rule", String(200), nullable=True),
    json_col("attributes"),
    Column("parent_id", String(36), ForeignKey("tickets.id"), nullable=True),
    Column("postponed_until", UtcDateTime, nullable=True),
    Column("first_reaction_at", UtcDateTime, nullable=True),
    Column("resolved_at", UtcDateTime, nullable=True),
    Column("closed_at", UtcDateTime, nullable=True),
    Column("time_spent_minutes", Integer, nullable=False, default=0),
    Column("rating", String(10), nullable=True),
    Column("rating_comment", Text, nullable=True),
    Column("rated_at", UtcDateTime, nullable=True),
    Column("created_by_kind", String(10), nullable=True),
    Column("created_by_id", String(120), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    CheckConstraint("responsible_kind IN ('employee', 'group')", name="responsible_kind"),
    CheckConstraint("(responsible_kind IS NULL) = (responsible_id IS NULL)", name="responsible_pair"),
    # List pages are newest first within a filter: each index ends with the number.
    Index("ix_tickets_status_number", "status", "number"),
    Index("ix_tickets_responsible", "responsible_kind", "responsible_id", "status", "number"),
    Index("ix_tickets_company", "company_id", "number"),
    Index("ix_tickets_contact", "contact_kind", "contact_id", "number"),
    Index("ix_tickets_priority", "priority", "status", "number"),
    Index("ix_tickets_type", "type", "number"),
    Index("ix_tickets_created_at", "created_at"),
    Index("ix_tickets_updated_at", "updated_at"),
    Index("ix_tickets_planned_resolution", "planned_resolution_at"),
    Index("ix_tickets_postponed_until", "postponed_until"),
    Index("ix_tickets_resolved_at", "status", "resolved_at"),
    Index("ix_tickets_parent", "parent_id"),
    # A specialist's tickets: those they registered (with ix_tickets_responsible and the observers' keys).
    Index("ix_tickets_created_by", "created_by_kind", "created_by_id", "number"),
    # Filters that find ticket ids elsewhere (observers) check these without the row.
    Index("ix_tickets_id_covering", "id", postgresql_include=["status", "priority", "internal", "updated_at"]),
)

ticket_observers = Table(
    "ticket_observers",
    metadata,
    Column("ticket_id", String(36), ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(10), primary_key=True),
    Column("party_id", String(36), primary_key=True),
    Index("ix_ticket_observers_party", "kind", "party_id"),
)

# A follow-up (a customer wrote on a long-closed ticket) and other relations.
ticket_links = Table(
    "ticket_links",
    metadata,
    Column("ticket_id", String(36), ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True),
    Column("related_id", String(36), ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(20), nullable=False),
    Index("ix_ticket_links_related", "related_id"),
)

# SQLite has no sequences; PostgreSQL uses ticket_number_seq (see the migrations).
ticket_number_counter = Table(
    "ticket_number_counter",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("value", BigInteger, nullable=False),
)
