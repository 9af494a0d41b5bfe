"""retention: an index to find old outbox rows, and per-day counts of pruned sent messages

Pruning deletes outbox rows by age, so ``outbox.created_at`` gets an index; the /stats chart
of messages per day reads ``sent_per_day`` for the days whose rows are gone.

SQLite's ``auto_vacuum`` cannot be set here: it must be set before the first table exists
(``digests.db`` sets it on every connection, which is what makes new databases incremental);
``newsbot db vacuum`` converts an existing database.

Revision ID: 0007
Revises: 0004
Create Date: 2026-11-30 05:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0007"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sent_per_day",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_sent_per_day")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_created_at"))
    op.drop_table("sent_per_day")
