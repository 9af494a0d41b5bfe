"""SQL for articles' languages: record them, and which languages were seen lately."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from digests.models import Article


async def set_article_languages(session: AsyncSession, languages: Mapping[int, str]) -> None:
    """Record each article's language (ISO 639-1), leaving ones already known alone."""
    if not languages:
        return
    # The Core table, not the ORM class: a list of parameters is then one plain executemany.
    articles = Article.__table__
    assert isinstance(articles, Table)
    await session.execute(
        update(articles)
        .where(articles.c.id == bindparam("article_id"), articles.c.language.is_(None))
        .values(language=bindparam("code")),
        [{"article_id": key, "code": code} for key, code in languages.items()],
    )


async def languages_since(session: AsyncSession, since: datetime) -> list[str]:
    """The languages of the articles first seen at or after ``since``, most articles first."""
    rows = await session.execute(
        select(Article.language)
        .where(Article.first_seen_at >= since, Article.language.is_not(None))
        .group_by(Article.language)
        .order_by(func.count().desc(), Article.language)
    )
    return [str(code) for code in rows.scalars()]
