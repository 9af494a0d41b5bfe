"""the PostgreSQL search index keeps each article's sort_at beside its words

``since:`` then filters on ``article_search.sort_at``, which the planner has statistics for,
instead of joining ``articles`` (it read every article of a month to sort them by id: 80 ms
at 200,000 articles). ``sort_at`` is written with the index entry (by ingest, and again when
a curated feed adopts an article). SQLite's FTS5 index is driven newest id first and looks
articles up by key, so it needs no copy.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 08:35:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE article_search ADD COLUMN sort_at TIMESTAMP WITH TIME ZONE")
    op.execute(
        "UPDATE article_search AS s SET sort_at = a.sort_at FROM articles AS a "
        "WHERE a.id = s.article_id"
    )
    op.execute("ALTER TABLE article_search ALTER COLUMN sort_at SET NOT NULL")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE article_search DROP COLUMN sort_at")
