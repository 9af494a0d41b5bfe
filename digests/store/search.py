"""SQL for full-text search: the search index of articles, kept in step, and its look-up.

The index holds each article's text already folded by :func:`digests.matching.search_words`
(case, Arabic diacritics and letter forms, clitic prefixes, Latin accents), because neither
database can fold Arabic the way matching does. ``article_search`` has one row per article
(``ON DELETE CASCADE``: an article that goes leaves the index with it):

- SQLite: the folded ``title`` and ``body``; the FTS5 table ``article_search_fts`` takes them
  as external content (``unicode61 remove_diacritics 2``), and triggers on ``article_search``
  keep it in step, deletes included. (The folded text cannot be the ``articles`` columns
  themselves: FTS5 must be given the same values to delete as it indexed.)
- PostgreSQL: a ``tsvector`` ``document`` (title weight A, body weight B, ``simple``
  configuration over the folded text) under a GIN index.

Neither table is in ``digests.models`` (their shape differs by database); migrations 0011
and 0016 make them, and ``digests.migrate.modelled`` tells the model comparison to leave them
alone.

Plain functions that take the session first and never commit: the caller owns the unit of work.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Float, Integer, bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from digests.matching import search_words
from digests.models import Article, UTCDateTime

# Rows written per statement.
_CHUNK = 500
# bm25 column weights (title, body): a word in the title says more about the article.
_SQLITE_WEIGHTS = "4.0, 1.0"


@dataclass(frozen=True, slots=True)
class IndexedText:
    """What the index holds for one article: its title and the rest of its text, folded, and
    when it happened (PostgreSQL keeps it beside the words, for since:)."""

    article_id: int
    sort_at: datetime
    title: str
    body: str


@dataclass(frozen=True, slots=True)
class Candidate:
    """An article a search found: how relevant (higher is better, comparable only within one
    search), when it happened and which story it belongs to."""

    article_id: int
    relevance: float
    sort_at: datetime
    story_id: int | None


def folded(article_id: int, sort_at: datetime, title: str, *texts: str) -> IndexedText:
    """The index entry of an article with ``title`` and the other ``texts`` (summary, text)."""
    body = " ".join(" ".join(search_words(part)) for part in texts if part)
    return IndexedText(article_id, sort_at, " ".join(search_words(title)), body)


def rows(entries: Iterable[IndexedText], dialect: str) -> list[dict[str, Any]]:
    """``entries`` as the parameters of :data:`SQLITE_INSERT` or :data:`PG_INSERT`."""
    if dialect == "postgresql":
        return [
            {"id": e.article_id, "sort_at": e.sort_at, "title": e.title, "body": e.body}
            for e in entries
        ]
    return [{"id": e.article_id, "title": e.title, "body": e.body} for e in entries]


async def index_articles(
    session: AsyncSession, entries: Iterable[IndexedText], *, fresh: bool = False
) -> None:
    """Put ``entries`` in the index, replacing what it held for those articles; ``fresh``
    says the articles were just stored, so there is nothing to replace."""
    listed = list(entries)
    postgres = session.get_bind().dialect.name == "postgresql"
    for start in range(0, len(listed), _CHUNK):
        chunk = listed[start : start + _CHUNK]
        if not fresh:
            await remove_articles(session, [e.article_id for e in chunk])
        await session.execute(
            text(PG_INSERT if postgres else SQLITE_INSERT),
            rows(chunk, "postgresql" if postgres else "sqlite"),
        )


async def remove_articles(session: AsyncSession, article_ids: Sequence[int]) -> None:
    """Take ``article_ids`` out of the index (on SQLite the triggers update FTS5)."""
    for start in range(0, len(article_ids), _CHUNK):
        await session.execute(
            text("DELETE FROM article_search WHERE article_id IN :ids").bindparams(
                bindparam("ids", expanding=True)
            ),
            {"ids": list(article_ids[start : start + _CHUNK])},
        )


async def reindex_articles(session: AsyncSession, article_ids: Sequence[int]) -> None:
    """Index ``article_ids`` again from what the articles hold now (e.g. after retention
    emptied their text)."""
    for start in range(0, len(article_ids), _CHUNK):
        found = await session.execute(
            select(Article.id, Article.sort_at, Article.title, Article.summary, Article.text).where(
                Article.id.in_(list(article_ids[start : start + _CHUNK]))
            )
        )
        await index_articles(session, (folded(*row) for row in found.all()))


async def candidates(
    session: AsyncSession,
    match: str,
    *,
    limit: int,
    since: datetime | None = None,
    languages: Sequence[str] = (),
    chat_id: int | None = None,
    coarse: str | None = None,
    pool: int = 0,
) -> list[Candidate]:
    """The ``limit`` newest articles (by id, the order they were stored in) that ``match``
    finds, with their relevance.

    ``match`` is an FTS5 query on SQLite and a ``to_tsquery('simple', …)`` text on
    PostgreSQL (``digests.search`` writes both). ``since`` keeps articles that happened at
    or after it; ``languages``, articles detected in one of them. With ``chat_id``, the
    articles of chats' own feeds are found only by the chats that added them (None: by
    the operator, who sees everything).

    PostgreSQL only: with ``coarse`` (the query with its phrases loosened to their words),
    ``match`` is checked among the ``pool`` newest articles ``coarse`` finds. The planner
    cannot tell how rare a phrase is: for a rare phrase of common words it walks the whole
    table newest first (0.5 s at 200,000 articles), while the words alone it estimates well.
    """
    postgres = session.get_bind().dialect.name == "postgresql"
    conditions: list[str] = []
    params: dict[str, Any] = {"match": match, "limit": limit}
    binds = [bindparam("since", type_=UTCDateTime())]
    if since is not None:
        conditions.append("a.sort_at >= :since")
        params["since"] = since
    if languages:
        conditions.append("a.language IN :languages")
        params["languages"] = list(languages)
        binds.append(bindparam("languages", expanding=True))
    if chat_id is not None:
        conditions.append(_VISIBLE_TO_CHAT)
        params["chat_id"] = chat_id
    filters = "".join(f" AND {condition}" for condition in conditions)
    if postgres:
        params["coarse"] = coarse or match
        params["pool"] = max(pool, limit) if coarse else limit
        # since: reads the index's own copy of sort_at, which the planner has statistics
        # for; what only articles know (a language, detected after storing, and whose feed
        # it is) is looked up per row, newest first: as a join, the planner reads every
        # article in range to sort them.
        filters = " AND s.sort_at >= :since" if since is not None else ""
        by_article = [c for c in conditions if c != "a.sort_at >= :since"]
        if by_article:
            filters += _BY_ARTICLE.format(conditions=" AND ".join(by_article))
        # asyncpg prepares statements, and after five runs PostgreSQL may keep a generic plan
        # that cannot see how common the words are: planned each time, as psql would. The
        # cost of walking the primary key newest first is estimated high enough to start JIT
        # compilation, which alone takes 20-70 ms; the walk stops after ``pool`` rows.
        await session.execute(
            text(
                "SELECT set_config('plan_cache_mode', 'force_custom_plan', true), "
                "set_config('jit', 'off', true)"
            )
        )
    sql = (PG_CANDIDATES if postgres else SQLITE_CANDIDATES).format(filters=filters)
    statement = (
        text(sql)
        .bindparams(*[b for b in binds if b.key in params])
        .columns(id=Integer(), relevance=Float(), sort_at=UTCDateTime(), story_id=Integer())
    )
    rows = await session.execute(statement, params)
    return [
        Candidate(int(row.id), float(row.relevance or 0.0), row.sort_at, row.story_id)
        for row in rows
    ]


# A chat's own feed (sources.origin 'user') is searched only by the chats that added it.
# Conditions on an article, asked for one index row at a time (PostgreSQL).
_BY_ARTICLE = " AND (SELECT {conditions} FROM articles AS a WHERE a.id = s.article_id)"
_VISIBLE_TO_CHAT = (
    "(a.source_id IN (SELECT id FROM sources WHERE origin <> 'user')"
    " OR a.source_id IN (SELECT source_id FROM source_owners WHERE chat_id = :chat_id))"
)
SQLITE_INSERT = "INSERT INTO article_search (article_id, title, body) VALUES (:id, :title, :body)"
PG_INSERT = (
    "INSERT INTO article_search (article_id, sort_at, document) VALUES (:id, :sort_at, "
    "setweight(to_tsvector('simple', :title), 'A') || "
    "setweight(to_tsvector('simple', :body), 'B'))"
)
# FTS5 walks the matches newest id first and stops at the limit; bm25 is negative.
SQLITE_CANDIDATES = (
    "SELECT f.rowid AS id, -bm25(article_search_fts, " + _SQLITE_WEIGHTS + ") AS relevance, "
    "a.sort_at AS sort_at, a.story_id AS story_id "
    "FROM article_search_fts AS f JOIN articles AS a ON a.id = f.rowid "
    "WHERE article_search_fts MATCH :match{filters} "
    "ORDER BY f.rowid DESC LIMIT :limit"
)
# ts_rank's normalization 1 divides by 1 + log(length), so long texts do not win by size alone.
# The newest matches of the coarse query (from the GIN index, or the primary key newest first
# when the words are common), then the exact query on those; only the kept ones are ranked.
PG_CANDIDATES = (
    "SELECT s.article_id AS id, ts_rank(s.document, to_tsquery('simple', :match), 1) "
    "AS relevance, a.sort_at AS sort_at, a.story_id AS story_id "
    "FROM (SELECT s.article_id AS id FROM article_search AS s "
    "WHERE s.document @@ to_tsquery('simple', :coarse){filters} "
    "ORDER BY s.article_id DESC LIMIT :pool) AS c "
    "JOIN article_search AS s ON s.article_id = c.id JOIN articles AS a ON a.id = c.id "
    "WHERE s.document @@ to_tsquery('simple', :match) "
    "ORDER BY s.article_id DESC LIMIT :limit"
)
