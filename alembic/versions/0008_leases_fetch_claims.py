"""leases, who claimed an outbox row, when a source is next due

Several processes on one database: a lease row per single role (sender, poller), the sender
that claimed each outbox row (so a takeover puts back only a dead sender's rows), and
``sources.next_fetch_at`` so fetch workers claim due sources instead of each fetching all.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 05:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import digests.models

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=128), nullable=False),
        sa.Column("acquired_at", digests.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", digests.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_leases")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=128), nullable=True))
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "next_fetch_at", digests.models.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.create_index(
            batch_op.f("ix_sources_next_fetch_at"), ["next_fetch_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sources_next_fetch_at"))
        batch_op.drop_column("next_fetch_at")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("claimed_by")
    op.drop_table("leases")
