"""sla: who may read a ticket's SLA (its people, from the ticket events) and each employee's groups

Tickets the SLA service learnt before this revision have no row until their next
assignment: until then only administrators and lead specialists read their SLA.
Employees' groups arrive with employee.changed, which the tickets worker announces
for every employee when it starts.

Revision ID: sla_0005
Revises: sla_0004
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "sla_0005"
down_revision = "sla_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sla_ticket_access",
        sa.Column("ticket_id", sa.String(36), primary_key=True),
        sa.Column("responsible_kind", sa.String(10), nullable=True),
        sa.Column("responsible_id", sa.String(36), nullable=True),
        sa.Column("observers", sa.JSON, nullable=False),
        sa.Column("created_by", sa.String(120), nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "sla_staff_groups",
        sa.Column("employee_id", sa.String(36), primary_key=True),
        sa.Column("group_ids", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sla_staff_groups")
    op.drop_table("sla_ticket_access")
