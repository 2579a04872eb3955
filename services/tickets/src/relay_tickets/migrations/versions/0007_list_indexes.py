"""tickets: what ticket lists and text search need from the planner

Revision ID: tickets_0007
Revises: tickets_0006
Create Date: 2026-11-23

PostgreSQL plans a search ordered by number either by walking the number index
backwards and testing each ticket (right for common words) or by collecting the
matches from the GIN index and sorting them (right for rare words, references,
ticket numbers). It chooses by its estimate of how many tickets match, and with
the default statistics it only knows the few hundred commonest words: every
other word is guessed at 0.5% of the tickets, so a search for a word in three
tickets walks the whole table (0.7 s on 1,000,000 tickets). Ten times the
statistics make rare words known as rare.
"""

from alembic import op

revision = "tickets_0007"
down_revision = "tickets_0006"
branch_labels = None
depends_on = None

SEARCH_STATISTICS = 1000


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE tickets ALTER COLUMN search SET STATISTICS {SEARCH_STATISTICS}")
        op.execute("ANALYZE tickets (search)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE tickets ALTER COLUMN search SET STATISTICS -1")
