"""SQL for what page extraction adds to articles: which URLs are stored, and leads and languages.

Plain functions that take the session first and never commit: the caller owns the unit of work.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digests.models import Article
from digests.sources.canon import canonical_url


async def stored_urls(session: AsyncSession, urls: Collection[str]) -> set[str]:
    """The URLs among ``urls`` (compared in canonical form) that an article already has."""
    by_canonical = {canonical_url(url): url for url in urls if url}
    if not by_canonical:
        return set()
    found = await session.scalars(select(Article.url).where(Article.url.in_(list(by_canonical))))
    return {by_canonical[url] for url in found}


async def set_leads(
    session: AsyncSession,
    article_ids: Collection[int],
    leads: Mapping[str, str],
    languages: Mapping[str, str | None],
) -> None:
    """Give the articles (by id) their lead and language, looked up by canonical URL."""
    if not article_ids:
        return
    leads = {canonical_url(url): lead for url, lead in leads.items()}
    languages = {canonical_url(url): lang for url, lang in languages.items()}
    rows = await session.scalars(select(Article).where(Article.id.in_(list(article_ids))))
    for article in rows:
        article.lead = leads.get(article.url, article.lead)
        language = languages.get(article.url)
        if language and not article.language:
            article.language = language[:16]
    await session.flush()
