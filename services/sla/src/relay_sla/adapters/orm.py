"""Tables of the SLA service.

`sla_timeline` is the append-only record of every ticket's clocks (registration and
targets, pauses, stops, reaction, fired warnings); `sla_tickets` holds what is derived
from it, kept as columns so the clock can find the next due moment by an index.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Boolean, Column, ForeignKey, Index, Integer, MetaData, String, Table, text

from relaykit.db_types import UtcDateTime

metadata = MetaData()

BigId = BigInteger().with_variant(Integer, "sqlite")

calendars = Table(
    "sla_calendars",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(120), nullable=False, unique=True),
    Column("definition", JSON, nullable=False),
    Column("version", Integer, nullable=False, default=1),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

rules = Table(
    "sla_rules",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(120), nullable=False, unique=True),
    Column("position", Integer, nullable=False),
    Column("enabled", Boolean, nullable=False, default=True),
    # The rule that applies when no other matches: always last, always enabled.
    Column("is_default", Boolean, nullable=False, default=False),
    Column("conditions", JSON, nullable=False),
    Column("calendar_id", Integer, ForeignKey("sla_calendars.id"), nullable=False),
    Column("reaction_minutes", Integer, nullable=True),
    Column("resolution_minutes", Integer, nullable=True),
    Column("warn_fractions", JSON, nullable=False),
    Column("version", Integer, nullable=False, default=1),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# The ticket settings (types, priorities, statuses, client categories) as the tickets
# service last announced them (settings.changed): what rules may refer to.
catalog = Table(
    "sla_catalog",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("data", JSON, nullable=False),
    Column("sequence", BigId, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

tickets = Table(
    "sla_tickets",
    metadata,
    Column("ticket_id", String(36), primary_key=True),
    Column("number", BigInteger, nullable=False),
    Column("status", String(40), nullable=False),
    Column("type", String(60), nullable=True),
    Column("priority", String(60), nullable=True),
    Column("company_id", String(36), nullable=True),
    Column("client_category_id", Integer, nullable=True),
    Column("registered_at", UtcDateTime, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    # running | paused | stopped (resolved or closed)
    Column("state", String(10), nullable=False, default="running"),
    Column("rule_id", Integer, nullable=True),
    Column("rule_name", String(120), nullable=True),
    Column("calendar_id", Integer, nullable=True),
    # The calendar's version the deadlines were computed with: an edited calendar
    # (a holiday added, hours changed) moves the open tickets' deadlines on.
    Column("calendar_version", Integer, nullable=False, server_default=text("0")),
    Column("reaction_due_at", UtcDateTime, nullable=True),
    Column("resolution_due_at", UtcDateTime, nullable=True),
    Column("reaction_met_at", UtcDateTime, nullable=True),
    Column("resolved_at", UtcDateTime, nullable=True),
    Column("next_fire_at", UtcDateTime, nullable=True),
    # Sequence of the SLA's own messages about this ticket.
    Column("version", Integer, nullable=False, default=1),
    Index("ix_sla_tickets_next_fire_at", "next_fire_at"),
    Index("ix_sla_tickets_calendar", "calendar_id", "calendar_version"),
)

timeline = Table(
    "sla_timeline",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("ticket_id", String(36), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("data", JSON, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Index("ix_sla_timeline_ticket_id", "ticket_id", "id"),
)

# Tickets whose registration failed (a calendar without working time, a rule's calendar
# gone, any handler error), with what is needed to try again: the first snapshot (from
# ticket.created) and the newest one with the moment it describes. Retried when calendars
# or rules change (`settings_stamp` differs) or at `next_try_at`; deleted once it succeeds.
unregistered = Table(
    "sla_unregistered",
    metadata,
    Column("ticket_id", String(36), primary_key=True),
    Column("number", BigInteger, nullable=True),
    Column("first_snapshot", JSON, nullable=True),
    Column("latest_snapshot", JSON, nullable=True),
    Column("latest_at", UtcDateTime, nullable=True),
    Column("reason", String(2000), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("failed_at", UtcDateTime, nullable=False),
    Column("next_try_at", UtcDateTime, nullable=False),
    Column("settings_stamp", String(200), nullable=False),
    Index("ix_sla_unregistered_next_try_at", "next_try_at"),
)

# Who may read a ticket's SLA (a specialist only one they may see in the tickets
# service: responsible, observer, in the responsible or an observing group, or its
# author), from the ticket events' snapshots; and each employee's groups, from
# employee.changed. Both are copies kept by this service's consumers.
ticket_access = Table(
    "sla_ticket_access",
    metadata,
    Column("ticket_id", String(36), primary_key=True),
    Column("responsible_kind", String(10), nullable=True),
    Column("responsible_id", String(36), nullable=True),
    # [{"kind": "employee" | "group", "id": ...}], as in the snapshot.
    Column("observers", JSON, nullable=False),
    # The employee who registered the ticket (ticket.created's actor), if one did.
    Column("created_by", String(120), nullable=True),
    # The snapshot's version the people come from: an older one arriving late is ignored.
    Column("version", Integer, nullable=False),
)

staff_groups = Table(
    "sla_staff_groups",
    metadata,
    Column("employee_id", String(36), primary_key=True),
    Column("group_ids", JSON, nullable=False),
)
