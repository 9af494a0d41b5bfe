"""the search index: FTS5 on SQLite, a tsvector with a GIN index on PostgreSQL

``article_search`` holds one row per article with its text folded the way keyword matching
folds it (see ``digests/store/search.py``): on SQLite the folded title and body, indexed by
the external-content FTS5 table ``article_search_fts`` and kept in step with it by triggers;
on PostgreSQL a weighted ``tsvector`` (``simple`` configuration) under a GIN index. Every
stored article is indexed here.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 08:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE = (
    "CREATE TABLE article_search ("
    "article_id INTEGER NOT NULL PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE, "
    "title TEXT NOT NULL, body TEXT NOT NULL)",
    "CREATE VIRTUAL TABLE article_search_fts USING fts5(title, body, "
    "content='article_search', content_rowid='article_id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER article_search_ai AFTER INSERT ON article_search BEGIN "
    "INSERT INTO article_search_fts (rowid, title, body) "
    "VALUES (new.article_id, new.title, new.body); END",
    "CREATE TRIGGER article_search_ad AFTER DELETE ON article_search BEGIN "
    "INSERT INTO article_search_fts (article_search_fts, rowid, title, body) "
    "VALUES ('delete', old.article_id, old.title, old.body); END",
    "CREATE TRIGGER article_search_au AFTER UPDATE ON article_search BEGIN "
    "INSERT INTO article_search_fts (article_search_fts, rowid, title, body) "
    "VALUES ('delete', old.article_id, old.title, old.body); "
    "INSERT INTO article_search_fts (rowid, title, body) "
    "VALUES (new.article_id, new.title, new.body); END",
)
_POSTGRES = (
    "CREATE TABLE article_search ("
    "article_id INTEGER NOT NULL PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE, "
    "document tsvector NOT NULL)",
    "CREATE INDEX ix_article_search_document ON article_search USING gin (document)",
)
_BATCH = 2000
_SQLITE_INSERT = (
    "INSERT INTO article_search (article_id, title, body) VALUES (:id, :title, :body)"
)
_PG_INSERT = (
    "INSERT INTO article_search (article_id, document) VALUES (:id, "
    "setweight(to_tsvector('simple', :title), 'A') || "
    "setweight(to_tsvector('simple', :body), 'B'))"
)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in _POSTGRES if postgres else _SQLITE:
        op.execute(statement)
    _index_existing(postgres)


def _index_existing(postgres: bool) -> None:
    # The statements as they were when this migration was written, so later changes to
    # digests.store.search cannot change what it does; the folding is matching's own.
    from digests.matching import search_words

    def fold(*texts: str) -> str:
        return " ".join(" ".join(search_words(part)) for part in texts if part)

    bind = op.get_bind()
    insert = sa.text(_PG_INSERT if postgres else _SQLITE_INSERT)
    articles = sa.table(
        "articles", sa.column("id"), sa.column("title"), sa.column("summary"), sa.column("text")
    )
    after = 0
    while True:
        found = bind.execute(
            sa.select(articles.c.id, articles.c.title, articles.c.summary, articles.c.text)
            .where(articles.c.id > after)
            .order_by(articles.c.id)
            .limit(_BATCH)
        ).all()
        if not found:
            return
        bind.execute(
            insert,
            [
                {"id": article_id, "title": fold(title), "body": fold(summary, body)}
                for article_id, title, summary, body in found
            ],
        )
        after = found[-1][0]


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE article_search")
        return
    for trigger in ("ai", "ad", "au"):
        op.execute(f"DROP TRIGGER IF EXISTS article_search_{trigger}")
    op.execute("DROP TABLE article_search_fts")
    op.execute("DROP TABLE article_search")
