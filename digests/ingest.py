"""Fetching sources and matching what they bring: the ingest use case the CLI and jobs call."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from digests.db import Database
from digests.language import detect_languages
from digests.settings import Settings
from digests.sources.fetch import Fetcher
from digests.sources.update import update_all, update_source
from digests.store import matches as match_store
from digests.store import topics as topic_store
from digests.story_ingest import assign_stories
from digests.types import FetchReport, FetchSummary


async def match_new_articles(session: AsyncSession, article_ids: list[int]) -> None:
    """Match freshly stored articles against every topic, in the same unit of work."""
    if article_ids:
        topics = await topic_store.all_matchable_topics(session)
        await match_store.match_articles(session, article_ids, topics)


def after_store_pipeline(now: datetime) -> Callable[[AsyncSession, list[int]], Awaitable[None]]:
    """What happens to new articles in the transaction that stores them, in this order:
    language, story (copies of one story join it), topics."""

    async def run(session: AsyncSession, article_ids: list[int]) -> None:
        await detect_languages(session, article_ids)
        await assign_stories(session, article_ids, now)
        await match_new_articles(session, article_ids)

    return run


def make_fetcher(settings: Settings) -> Fetcher:
    """A fetcher configured from the settings."""
    return Fetcher(
        timeout=settings.fetch_timeout,
        max_bytes=settings.fetch_max_bytes,
        per_host=settings.fetch_per_host,
    )


async def fetch_sources(
    db: Database,
    fetcher: Fetcher,
    settings: Settings,
    *,
    now: datetime,
    source_ids: Sequence[int] | None = None,
    on_done: Callable[[FetchReport], None] | None = None,
) -> FetchSummary:
    """Fetch the given sources (all when None) once, store and match new articles."""
    return await update_all(
        db,
        fetcher,
        now=now,
        allow_private=settings.allow_private_sources,
        after_store=after_store_pipeline(now),
        source_ids=list(source_ids) if source_ids is not None else None,
        on_done=on_done,
        enrich=settings.fetch_pages,
    )


async def fetch_source(
    db: Database, fetcher: Fetcher, settings: Settings, source_id: int, *, now: datetime
) -> FetchReport:
    """Fetch one source now; its failure is recorded on it, never raised."""
    report, _ = await update_source(
        db,
        fetcher,
        source_id,
        now=now,
        allow_private=settings.allow_private_sources,
        after_store=after_store_pipeline(now),
        enrich=settings.fetch_pages,
    )
    return report
