"""SQL for the Read button: which articles hold a full text, and one article with its text.

Plain functions that take the session first and never commit: the caller owns the unit of work.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from digests.models import Article, Chat, Source, SourceOwner
from digests.sources.pages import FULL_TEXT_MIN
from digests.store.user_feeds import public_source
from digests.types import ArticleToRead

# A text shorter than what ingest takes for a full text (below it, it fetches the page) is a
# teaser: the lead already says as much, so no Read button offers it.
READABLE_MIN = FULL_TEXT_MIN
_CHUNK = 500


def readable_column() -> Any:
    """A SQL expression, true when an article's stored text is long enough to read in chat."""
    return func.length(Article.text) >= READABLE_MIN


async def readable_ids(session: AsyncSession, article_ids: Collection[int]) -> set[int]:
    """The articles among ``article_ids`` whose full text is stored."""
    found: set[int] = set()
    ids = sorted(article_ids)
    for start in range(0, len(ids), _CHUNK):
        rows = await session.scalars(
            select(Article.id).where(Article.id.in_(ids[start : start + _CHUNK]), readable_column())
        )
        found.update(rows)
    return found


async def article_to_read(
    session: AsyncSession, article_id: int, *, chat_id: int
) -> ArticleToRead | None:
    """The article with its text and source name, or None when it is gone or not for
    ``chat_id`` (an article of a chat's own feed is read only by the chats that added it)."""
    row = (
        await session.execute(
            select(
                Article.id,
                Article.title,
                Article.url,
                Source.name,
                Article.published_at,
                Article.first_seen_at,
                Article.text,
            )
            .join(Source, Source.id == Article.source_id)
            .where(
                Article.id == article_id,
                or_(
                    public_source(),
                    Source.id.in_(
                        select(SourceOwner.source_id).where(SourceOwner.chat_id == chat_id)
                    ),
                ),
            )
        )
    ).first()
    if row is None:
        return None
    found_id, title, url, source_name, published_at, first_seen_at, text = row
    return ArticleToRead(
        id=found_id,
        title=title,
        url=url,
        source_name=source_name,
        published_at=published_at or first_seen_at,
        text=text or "",
    )


async def chat_timezone(session: AsyncSession, chat_id: int) -> str | None:
    """The chat's time zone, or None for a chat the bot does not know."""
    zone: str | None = await session.scalar(select(Chat.timezone).where(Chat.id == chat_id))
    return zone
