"""forum threads, silent digests, quiet hours, urgent broadcasts, muted sources

Where and when a chat wants its news: the outbox row carries the forum thread it goes to
(``message_thread_id``), whether it arrives without a sound (``silent``) and its buttons; a
chat has a digest thread, silent digests and quiet hours; a subscription may name the thread
its topic goes to; a broadcast may be urgent (sent through quiet hours); a chat may mute a
source.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 08:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import digests.models

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_thread_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column("silent", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("buttons", sa.Text(), nullable=True))
    with op.batch_alter_table("chats", schema=None) as batch_op:
        batch_op.add_column(sa.Column("digest_thread_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column("silent_digests", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("quiet_start", sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column("quiet_end", sa.String(length=5), nullable=True))
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("thread_id", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("urgent", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "muted_sources",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("created_at", digests.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id"],
            ["chats.id"],
            name=op.f("fk_muted_sources_chat_id_chats"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_muted_sources_source_id_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("chat_id", "source_id", name=op.f("pk_muted_sources")),
    )
    with op.batch_alter_table("muted_sources", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_muted_sources_source_id"), ["source_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("muted_sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_muted_sources_source_id"))
    op.drop_table("muted_sources")
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.drop_column("urgent")
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_column("thread_id")
    with op.batch_alter_table("chats", schema=None) as batch_op:
        batch_op.drop_column("quiet_end")
        batch_op.drop_column("quiet_start")
        batch_op.drop_column("silent_digests")
        batch_op.drop_column("digest_thread_id")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("buttons")
        batch_op.drop_column("silent")
        batch_op.drop_column("message_thread_id")
