"""SQL for storing articles once: new entries in, duplicates (by guid or URL) left out.

Plain functions that take the session first and never commit: the caller owns the unit of work.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from digests.models import Article, Source
from digests.sources.canon import canonical_url
from digests.store import search, user_feeds
from digests.timeutil import as_utc
from digests.types import FeedEntry, NewArticle

_URL_LIMIT = 2048
# Rows looked up and inserted per statement: 500 rows of 10 columns bind 5,000 parameters,
# far below PostgreSQL's 32,767 (asyncpg) and SQLite's 32,766.
_CHUNK = 500


async def insert_new_articles(
    session: AsyncSession,
    source_id: int,
    entries: Iterable[FeedEntry],
    now: datetime,
    *,
    leads: Mapping[str, str] | None = None,
    languages: Mapping[str, str | None] | None = None,
) -> list[NewArticle]:
    """Store the entries not seen before and return the new articles, in feed order.

    ``leads`` and ``languages`` (by the entry's URL, as given) are stored with them.

    An entry is old if this source stored its guid already, or if any source stored its
    canonical URL; except that a curated source takes over, as new, an article only a chat's
    own feed had stored (``user_feeds.adopt``), so no chat's feed hides a curated article.
    Entries without a link are skipped: an article is known by its URL.
    ``sort_at`` is the published time, but never later than ``now``. Any number of entries
    is fine: they are looked up and inserted ``_CHUNK`` at a time.
    """
    leads = leads or {}
    languages = languages or {}
    rows: list[dict[str, Any]] = []
    seen_guids: set[str] = set()
    seen_urls: set[str] = set()
    for entry in entries:
        url = canonical_url(entry.url) if entry.url else ""
        if not url or len(url) > _URL_LIMIT or entry.guid in seen_guids or url in seen_urls:
            continue
        seen_guids.add(entry.guid)
        seen_urls.add(url)
        published = as_utc(entry.published_at) if entry.published_at else None
        rows.append(
            {
                "source_id": source_id,
                "guid": entry.guid,
                "url": url,
                "title": entry.title,
                "summary": entry.summary,
                "text": entry.text,
                "lead": leads.get(entry.url, ""),
                "language": (languages.get(entry.url) or "")[:16] or None,
                "published_at": published,
                "first_seen_at": now,
                "sort_at": min(published, now) if published else now,
            }
        )
    new: list[NewArticle] = []
    for start in range(0, len(rows), _CHUNK):
        new.extend(await _insert_fresh(session, source_id, rows[start : start + _CHUNK]))
    return new


async def _insert_fresh(
    session: AsyncSession, source_id: int, rows: list[dict[str, Any]]
) -> list[NewArticle]:
    """Insert the rows whose guid (for this source) and URL are not stored; the new articles."""
    known_guids = set(
        await session.scalars(
            select(Article.guid).where(
                Article.source_id == source_id, Article.guid.in_([r["guid"] for r in rows])
            )
        )
    )
    known = await session.execute(
        select(Article.url, Article.id, Source.origin)
        .join(Source, Source.id == Article.source_id)
        .where(Article.url.in_([r["url"] for r in rows]))
    )
    known_urls: dict[str, int] = {}
    private: set[str] = set()
    for url, article_id, origin in known.all():
        known_urls[url] = article_id
        if origin == user_feeds.USER:
            private.add(url)
    fresh = [r for r in rows if r["guid"] not in known_guids and r["url"] not in known_urls]
    adopted: list[NewArticle] = []
    if private and await user_feeds.is_curated(session, source_id):
        taken = [r for r in rows if r["url"] in private and r["guid"] not in known_guids]
        adopted = await user_feeds.adopt(session, source_id, taken, known_urls)
        await search.index_articles(
            session, (search.folded(a.id, a.sort_at, a.title, a.summary, a.text) for a in adopted)
        )
    if not fresh:
        return adopted
    # ON CONFLICT DO NOTHING covers a concurrent writer that stored the same URL meanwhile.
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(Article).on_conflict_do_nothing().returning(Article.id, Article.url)
    result = await session.execute(statement, fresh)
    ids_by_url = {url: article_id for article_id, url in result}
    await session.flush()
    # The search index is written in the same unit of work, so it never misses an article.
    await search.index_articles(
        session,
        (
            search.folded(ids_by_url[r["url"]], r["sort_at"], r["title"], r["summary"], r["text"])
            for r in fresh
            if r["url"] in ids_by_url
        ),
        fresh=True,
    )
    return [
        user_feeds.new_article(ids_by_url[r["url"]], source_id, r)
        for r in fresh
        if r["url"] in ids_by_url
    ] + adopted
