"""SQL for a chat's languages: the one the bot speaks to it and the ones its news may be in."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, null, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from digests.models import Article, Chat


async def get_language(session: AsyncSession, chat_id: int) -> str | None:
    """The language stored for the chat, or None when the chat never talked to the bot."""
    found = await session.execute(select(Chat.language).where(Chat.id == chat_id))
    return found.scalar_one_or_none()


async def set_language(session: AsyncSession, chat_id: int, language: str, now: datetime) -> None:
    """Make ``language`` the one the bot speaks in the chat."""
    await session.execute(
        update(Chat).where(Chat.id == chat_id).values(language=language[:16], updated_at=now)
    )


async def get_news_languages(session: AsyncSession, chat_id: int) -> list[str] | None:
    """The languages the chat wants its news in; None: every language (or no such chat)."""
    found = await session.execute(select(Chat.languages).where(Chat.id == chat_id))
    codes = found.scalar_one_or_none()
    return list(codes) if codes else None


async def set_news_languages(
    session: AsyncSession, chat_id: int, codes: Sequence[str] | None, now: datetime
) -> None:
    """Limit the chat's news to ``codes``; None (stored as SQL NULL) lifts the limit."""
    value = null() if not codes else list(codes)
    await session.execute(
        update(Chat).where(Chat.id == chat_id).values(languages=value, updated_at=now)
    )


def language_clause(codes: Sequence[str] | None) -> ColumnElement[bool] | None:
    """The WHERE condition that keeps articles in ``codes`` (None: no condition).

    Articles whose language could not be told are kept: a short headline must not vanish
    from a chat because detection gave up on it.
    """
    if not codes:
        return None
    return or_(Article.language.in_(list(codes)), Article.language.is_(None))
