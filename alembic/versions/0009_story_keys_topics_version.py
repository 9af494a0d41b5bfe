"""story keys in the database, and a topics version kept by triggers

The near-duplicate index moves out of process memory: each article's LSH band keys and title
key go to ``story_keys`` (indexed by key, prunable by ``created_at``) and ingest looks up only
the keys of the articles it is storing. The keys of the signatures stored in the last week
(the default matching window) are written here, so stories keep joining across the upgrade.

``topics_version`` counts changes to ``topics``; triggers bump it on every insert, update,
delete (cascades included) from any process, so ingest can keep its topic matcher until it
changes. (A later SQLite ``batch_alter_table("topics")`` recreates the table and drops
these triggers: such a migration must create them again.)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 05:20:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

import digests.models

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BUMP = (
    "INSERT INTO topics_version (id, version) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET version = topics_version.version + 1"
)
_EVENTS = ("insert", "update", "delete")
_PG_FUNCTION = f"""
CREATE FUNCTION topics_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {_BUMP};
    RETURN NULL;
END $$
"""
_BACKFILL_WINDOW = timedelta(days=7)


def upgrade() -> None:
    op.create_table(
        "story_keys",
        sa.Column("key", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("article_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("created_at", digests.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", "article_id", name=op.f("pk_story_keys")),
    )
    with op.batch_alter_table("story_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_story_keys_created_at"), ["created_at"], unique=False)
    op.create_table(
        "topics_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topics_version")),
    )
    op.execute("INSERT INTO topics_version (id, version) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(
            "CREATE TRIGGER topics_version_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            "ON topics FOR EACH STATEMENT EXECUTE FUNCTION topics_version_bump()"
        )
    else:
        for event in _EVENTS:
            op.execute(
                f"CREATE TRIGGER topics_version_{event} AFTER {event.upper()} ON topics "
                f"BEGIN {_BUMP}; END"
            )
    _backfill_story_keys()


def _backfill_story_keys() -> None:
    from digests.stories import decode_signature, lookup_keys, title_key

    bind = op.get_bind()
    since = datetime.now(UTC) - _BACKFILL_WINDOW
    articles = sa.table(
        "articles",
        sa.column("id"),
        sa.column("title"),
        sa.column("story_id"),
        sa.column("first_seen_at", digests.models.UTCDateTime()),
    )
    signatures = sa.table(
        "article_signatures", sa.column("article_id"), sa.column("signature")
    )
    keys = sa.table(
        "story_keys",
        sa.column("key"),
        sa.column("article_id"),
        sa.column("created_at", digests.models.UTCDateTime()),
    )
    rows = bind.execute(
        sa.select(articles.c.id, articles.c.title, articles.c.first_seen_at, signatures.c.signature)
        .outerjoin(signatures, signatures.c.article_id == articles.c.id)
        .where(articles.c.first_seen_at >= since, articles.c.story_id.is_not(None))
    ).all()
    batch: list[dict[str, object]] = []
    for article_id, title, seen_at, data in rows:
        sketch = decode_signature(bytes(data)) if data is not None else None
        for key in lookup_keys(sketch, title_key(title)):
            batch.append({"key": key, "article_id": article_id, "created_at": seen_at})
        if len(batch) >= 5000:
            bind.execute(sa.insert(keys), batch)
            batch = []
    if batch:
        bind.execute(sa.insert(keys), batch)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS topics_version_bump ON topics")
        op.execute("DROP FUNCTION IF EXISTS topics_version_bump()")
    else:
        for event in _EVENTS:
            op.execute(f"DROP TRIGGER IF EXISTS topics_version_{event}")
    op.drop_table("topics_version")
    with op.batch_alter_table("story_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_story_keys_created_at"))
    op.drop_table("story_keys")
