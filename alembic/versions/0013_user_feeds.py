"""chats' own feeds: source origin, the chats that added a source, blocked hosts

``sources.origin`` tells curated sources ("admin") from feeds chats added with /addfeed
("user"), whose articles reach only the chats in ``source_owners``; each owner row names the
chat's feed topic. ``blocked_hosts`` are hosts chats may not add feeds from.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 08:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import digests.models

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("origin", sa.String(length=8), server_default="admin", nullable=False)
        )
    op.create_table(
        "source_owners",
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("created_at", digests.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id"],
            ["chats.id"],
            name=op.f("fk_source_owners_chat_id_chats"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_source_owners_source_id_sources"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["topics.id"],
            name=op.f("fk_source_owners_topic_id_topics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("source_id", "chat_id", name=op.f("pk_source_owners")),
        sa.UniqueConstraint("topic_id", name=op.f("uq_source_owners_topic_id")),
    )
    with op.batch_alter_table("source_owners", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_source_owners_chat_id"), ["chat_id"], unique=False)
    op.create_table(
        "blocked_hosts",
        sa.Column("host", sa.String(length=253), nullable=False),
        sa.Column("blocked_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", digests.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("host", name=op.f("pk_blocked_hosts")),
    )


def downgrade() -> None:
    op.drop_table("blocked_hosts")
    with op.batch_alter_table("source_owners", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_source_owners_chat_id"))
    op.drop_table("source_owners")
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_column("origin")
