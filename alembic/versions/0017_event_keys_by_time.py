"""event_keys: the story's time in the primary key, so look-ups read the index alone

Finding a story's candidates reads every stored story with one of its keys within 48 hours.
With ``(key, story_id)`` as the key, each of those rows cost a second read for its time; with
``(key, at, story_id)`` the index holds all three. The table only lets the last two days'
stories be found, so it is made anew: after the upgrade, stories stored before it are no
longer found by event grouping (they keep their events).

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 09:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

import digests.models

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _create(primary: tuple[str, ...]) -> None:
    op.create_table(
        "event_keys",
        sa.Column("key", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", digests.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("story_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint(*primary, name=op.f("pk_event_keys")),
    )
    with op.batch_alter_table("event_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_keys_at"), ["at"], unique=False)


def _drop() -> None:
    with op.batch_alter_table("event_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_keys_at"))
    op.drop_table("event_keys")


def upgrade() -> None:
    _drop()
    _create(("key", "at", "story_id"))


def downgrade() -> None:
    _drop()
    _create(("key", "story_id"))
