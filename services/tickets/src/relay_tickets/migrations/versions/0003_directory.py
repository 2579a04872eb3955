"""tickets: the directory (employees, groups, companies, contacts, service objects)

Revision ID: tickets_0003
Revises: tickets_0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from relaykit.db_types import UtcDateTime

revision = "tickets_0003"
down_revision = "tickets_0002"
branch_labels = None
depends_on = None


def _stamps():
    return [
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    ]


def _manager():
    return [
        sa.Column("manager_kind", sa.String(10), nullable=True),
        sa.Column("manager_id", sa.String(36), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "employees",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=False, unique=True),
        sa.Column("phone", sa.String(40), nullable=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        *_stamps(),
    )
    op.create_table(
        "groups",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("active", sa.Boolean, nullable=False),
        *_stamps(),
    )
    op.create_table(
        "group_members",
        sa.Column("group_id", sa.String(36), sa.ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("employee_id", sa.String(36), sa.ForeignKey("employees.id", ondelete="CASCADE"), primary_key=True),
    )
    op.create_index("ix_group_members_employee", "group_members", ["employee_id"])
    op.create_table(
        "group_notification_list",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("group_id", sa.String(36), sa.ForeignKey("groups.id", ondelete="CASCADE"), nullable=False),
        sa.Column("employee_id", sa.String(36), sa.ForeignKey("employees.id", ondelete="CASCADE"), nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
    )
    op.create_index("ix_group_notification_list_group_id", "group_notification_list", ["group_id"])
    op.create_table(
        "companies",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("phone", sa.String(40), nullable=True),
        sa.Column("category_id", sa.Integer, sa.ForeignKey("client_categories.id"), nullable=True),
        *_manager(),
        sa.Column("active", sa.Boolean, nullable=False),
        *_stamps(),
    )
    op.create_index("ix_companies_name", "companies", ["name"])
    op.create_table(
        "company_domains",
        sa.Column("domain", sa.String(253), primary_key=True),
        sa.Column("company_id", sa.String(36), sa.ForeignKey("companies.id", ondelete="CASCADE"), nullable=False),
    )
    op.create_index("ix_company_domains_company_id", "company_domains", ["company_id"])
    op.create_table(
        "contacts",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("company_id", sa.String(36), sa.ForeignKey("companies.id"), nullable=True),
        *_manager(),
        sa.Column("copy_to", sa.String(320), nullable=True),
        sa.Column("portal_access", sa.String(20), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        *_stamps(),
    )
    op.create_index("ix_contacts_company_id", "contacts", ["company_id"])
    op.create_index("ix_contacts_name", "contacts", ["name"])
    op.create_table(
        "contact_emails",
        sa.Column("email", sa.String(320), primary_key=True),
        sa.Column("contact_id", sa.String(36), sa.ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_index("ix_contact_emails_contact_id", "contact_emails", ["contact_id"])
    op.create_table(
        "contact_phones",
        sa.Column("contact_id", sa.String(36), sa.ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("phone", sa.String(40), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_index("ix_contact_phones_phone", "contact_phones", ["phone"])
    op.create_table(
        "service_objects",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("company_id", sa.String(36), sa.ForeignKey("companies.id"), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("address", sa.String(500), nullable=True),
        *_manager(),
        sa.Column("active", sa.Boolean, nullable=False),
        *_stamps(),
    )
    op.create_index("ix_service_objects_company_id", "service_objects", ["company_id"])
    op.create_table(
        "contact_service_objects",
        sa.Column("contact_id", sa.String(36), sa.ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True),
        sa.Column(
            "service_object_id",
            sa.String(36),
            sa.ForeignKey("service_objects.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.create_table(
        "contact_supervised_companies",
        sa.Column("contact_id", sa.String(36), sa.ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("company_id", sa.String(36), sa.ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True),
    )
    op.create_table(
        "default_observers",
        sa.Column("owner_kind", sa.String(20), primary_key=True),
        sa.Column("owner_id", sa.String(36), primary_key=True),
        sa.Column("party_kind", sa.String(10), primary_key=True),
        sa.Column("party_id", sa.String(36), primary_key=True),
    )


def downgrade() -> None:
    for table in (
        "default_observers",
        "contact_supervised_companies",
        "contact_service_objects",
        "service_objects",
        "contact_phones",
        "contact_emails",
        "contacts",
        "company_domains",
        "companies",
        "group_notification_list",
        "group_members",
        "groups",
        "employees",
    ):
        op.drop_table(table)
