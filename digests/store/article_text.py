"""SQL for what page extraction needs to know: which article URLs are stored already.

Plain functions that take the session first and never commit: the caller owns the unit of work.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digests.models import Article
from digests.sources.canon import canonical_url

_CHUNK = 500


async def stored_urls(session: AsyncSession, urls: Collection[str]) -> set[str]:
    """The URLs among ``urls`` (compared in canonical form) that an article already has.

    Asked ``_CHUNK`` at a time, so any number of URLs stays within the database's limit on
    bound parameters.
    """
    found: set[str] = set()
    pending = [url for url in urls if url]
    for start in range(0, len(pending), _CHUNK):
        by_canonical = {canonical_url(url): url for url in pending[start : start + _CHUNK]}
        rows = await session.scalars(select(Article.url).where(Article.url.in_(list(by_canonical))))
        found.update(by_canonical[url] for url in rows)
    return found
