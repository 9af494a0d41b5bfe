"""events: different outlets' reports of one happening, grouped after copy detection

A story (copies of one text) may belong to an event (``stories.event_id``). Grouping reads
what the last two days' stories are compared by from the database, not from memory:
``event_profiles`` (one per story), ``event_keys`` (the hashed title words, names and
numbers a story is found by) and ``event_terms`` (per day, in how many stories each term
occurred; key 0 counts the stories). Existing stories get no event: grouping starts with the
stories stored after the upgrade.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

import digests.models

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("first_story_id", sa.Integer(), nullable=False),
        sa.Column("first_at", digests.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("story_count", sa.Integer(), nullable=False),
        sa.Column("updated_at", digests.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_first_at"), ["first_at"], unique=False)
    op.create_table(
        "event_profiles",
        sa.Column("story_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("at", digests.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("profile", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("story_id", name=op.f("pk_event_profiles")),
    )
    with op.batch_alter_table("event_profiles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_profiles_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_profiles_event_id"), ["event_id"], unique=False)
    op.create_table(
        "event_keys",
        sa.Column("key", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("story_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", digests.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", "story_id", name=op.f("pk_event_keys")),
    )
    with op.batch_alter_table("event_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_keys_at"), ["at"], unique=False)
    op.create_table(
        "event_terms",
        sa.Column("key", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("day", digests.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("stories", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "day", name=op.f("pk_event_terms")),
    )
    with op.batch_alter_table("event_terms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_terms_day"), ["day"], unique=False)
    # A plain add_column, not a batch rebuild: on SQLite a rebuild of a table others refer to
    # is avoided (see 0012).
    op.add_column("stories", sa.Column("event_id", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_stories_event_id"), "stories", ["event_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_stories_event_id"), table_name="stories")
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.drop_column("event_id")
    for table, indexes in (
        ("event_terms", ("day",)),
        ("event_keys", ("at",)),
        ("event_profiles", ("event_id", "at")),
        ("events", ("first_at",)),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in indexes:
                batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
        op.drop_table(table)
