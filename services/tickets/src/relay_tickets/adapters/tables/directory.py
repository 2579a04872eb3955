"""The client directory and the staff: companies, contacts, service objects,
employees, groups."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table

from relay_tickets.adapters.tables.base import (
    BigId,
    json_col,
    metadata,
    party,
    position_col,
    serial_pk,
    stamps,
    uuid_pk,
)
from relaykit.db_types import NAME_KEY_LENGTH, UtcDateTime

employees = Table(
    "employees",
    metadata,
    uuid_pk(),
    Column("name", String(200), nullable=False),
    Column("email", String(320), nullable=False, unique=True),
    Column("phone", String(40), nullable=True),
    Column("role", String(20), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    *stamps(),
)

groups = Table(
    "groups",
    metadata,
    uuid_pk(),
    Column("name", String(200), nullable=False, unique=True),
    # relaykit.db_types.name_key(name): unique however the name is written (Ärger, ÄRGER).
    Column("name_key", String(NAME_KEY_LENGTH), nullable=True),
    Column("active", Boolean, nullable=False, default=True),
    *stamps(),
    Index("uq_groups_name_key", "name_key", unique=True),
)

group_members = Table(
    "group_members",
    metadata,
    Column("group_id", String(36), ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
    Column("employee_id", String(36), ForeignKey("employees.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_group_members_employee", "employee_id"),
)

# Who hears about a group's tickets: members of staff and/or plain addresses.
group_notification_list = Table(
    "group_notification_list",
    metadata,
    serial_pk(),
    Column("group_id", String(36), ForeignKey("groups.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("employee_id", String(36), ForeignKey("employees.id", ondelete="CASCADE"), nullable=True),
    Column("email", String(320), nullable=True),
)

companies = Table(
    "companies",
    metadata,
    uuid_pk(),
    Column("name", String(300), nullable=False),
    Column("email", String(320), nullable=True),
    Column("phone", String(40), nullable=True),
    Column("category_id", Integer, ForeignKey("client_categories.id"), nullable=True),
    *party("manager"),
    Column("active", Boolean, nullable=False, default=True),
    *stamps(),
    Index("ix_companies_name", "name"),
)

# Mail matching: an unknown sender from a known domain belongs to that company.
company_domains = Table(
    "company_domains",
    metadata,
    Column("domain", String(253), primary_key=True),
    Column("company_id", String(36), ForeignKey("companies.id", ondelete="CASCADE"), nullable=False, index=True),
)

contacts = Table(
    "contacts",
    metadata,
    uuid_pk(),
    Column("name", String(200), nullable=False),
    Column("company_id", String(36), ForeignKey("companies.id"), nullable=True, index=True),
    *party("manager"),
    Column("copy_to", String(320), nullable=True),
    Column("portal_access", String(20), nullable=False, default="own"),
    Column("active", Boolean, nullable=False, default=True),
    *stamps(),
    Index("ix_contacts_name", "name"),
)

contact_emails = Table(
    "contact_emails",
    metadata,
    Column("email", String(320), primary_key=True),
    Column("contact_id", String(36), ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False, index=True),
    # The order the contact's addresses were given in: the first is the main one.
    position_col(),
)

contact_phones = Table(
    "contact_phones",
    metadata,
    Column("contact_id", String(36), ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True),
    Column("phone", String(40), primary_key=True),
    position_col(),
    Index("ix_contact_phones_phone", "phone"),
)

service_objects = Table(
    "service_objects",
    metadata,
    uuid_pk(),
    Column("company_id", String(36), ForeignKey("companies.id"), nullable=False, index=True),
    Column("name", String(300), nullable=False),
    Column("address", String(500), nullable=True),
    *party("manager"),
    Column("active", Boolean, nullable=False, default=True),
    *stamps(),
)

contact_service_objects = Table(
    "contact_service_objects",
    metadata,
    Column("contact_id", String(36), ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True),
    Column("service_object_id", String(36), ForeignKey("service_objects.id", ondelete="CASCADE"), primary_key=True),
)

contact_supervised_companies = Table(
    "contact_supervised_companies",
    metadata,
    Column("contact_id", String(36), ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True),
    Column("company_id", String(36), ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True),
)

# Default observers of companies, contacts and service objects: copied onto new tickets.
default_observers = Table(
    "default_observers",
    metadata,
    Column("owner_kind", String(20), primary_key=True),  # company, contact, service_object
    Column("owner_id", String(36), primary_key=True),
    Column("party_kind", String(10), primary_key=True),
    Column("party_id", String(36), primary_key=True),
)

# Every change of a directory entry, and of the settings that decide who sees what
# (ticket types, custom attributes, desk settings): who, when, which field, from, to.
directory_history = Table(
    "directory_history",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    # company, contact, service_object, employee, group; ticket_type, attribute, desk
    Column("entry_kind", String(20), nullable=False),
    Column("entry_id", String(36), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("actor_kind", String(10), nullable=False),
    Column("actor_id", String(120), nullable=False),
    Column("actor_name", String(200), nullable=True),
    Column("actor_role", String(20), nullable=True),
    Column("channel", String(20), nullable=False),
    Column("field", String(60), nullable=False),
    json_col("old_value", nullable=True),
    json_col("new_value", nullable=True),
    Index("ix_directory_history_entry", "entry_kind", "entry_id", "id"),
)
