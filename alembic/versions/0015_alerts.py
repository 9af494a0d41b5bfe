"""instant alerts: a keyword topic may be an alert; the stories sent as alerts; the alert lane

``topics.alert`` marks a chat's keyword topic whose new stories are sent at once. ``alerts``
records each (chat, story) sent that way: never twice, left out of the next digest, and
counted for the hourly cap. Alerts get their own outbox lane between broadcasts and digests,
so the digest lane moves from 2 to 3 (queued digests are renumbered; sent rows too, so counts
by lane stay right).

The column is added with ``op.add_column``, not a batch rebuild: on SQLite rebuilding
``topics`` would drop the ``topics_version`` triggers (migration 0009).

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 08:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import digests.models

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "topics", sa.Column("alert", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.create_table(
        "alerts",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("story_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("queued_at", digests.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id"], ["chats.id"], name=op.f("fk_alerts_chat_id_chats"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("chat_id", "story_id", name=op.f("pk_alerts")),
    )
    op.create_index(op.f("ix_alerts_queued_at"), "alerts", ["queued_at"], unique=False)
    op.execute("UPDATE outbox SET lane = 3 WHERE lane = 2")


def downgrade() -> None:
    # Alerts still queued become digests' lane-mates (lane 2), as before alerts existed.
    op.execute("UPDATE outbox SET lane = 2 WHERE lane = 3")
    op.drop_index(op.f("ix_alerts_queued_at"), table_name="alerts")
    op.drop_table("alerts")
    op.drop_column("topics", "alert")
