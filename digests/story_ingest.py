"""Assign freshly stored articles to stories: the clustering step of ingest.

The near-duplicate index lives in memory, one per process (:func:`process_index`), and is
kept warm across ingests: the first call rebuilds it from the signatures stored in the last
``index.window`` (30 days by default), and every call first reads what was stored since the
previous one (by this or any other process), then drops what fell out of the window. So a
restart, or a second worker on the same database, finds the same stories.

Call it in the ingest's unit of work, after the articles are stored and before topic
matching; it writes Story rows, ``Article.story_id`` and the signatures, and never commits.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from datasketch import LeanMinHash
from sqlalchemy.ext.asyncio import AsyncSession

from digests.store import stories as story_store
from digests.stories import (
    TITLE_WINDOW,
    Copy,
    Match,
    StoryIndex,
    best_text,
    encode_signature,
    signature,
    title_key,
)

log = logging.getLogger(__name__)

# What is re-read on every call: rows stored by transactions that were still open (or by
# another process) when the index last read the database.
CATCH_UP = timedelta(minutes=10)
# A phantom copy in the index (rolled back, or from an emptied database) is dropped and the
# next candidate tried; this bounds the retries for one article.
_MAX_TRIES = 5

_process_index: StoryIndex | None = None


def process_index() -> StoryIndex:
    """This process's index, created on first use and rebuilt from the database lazily."""
    global _process_index
    if _process_index is None:
        _process_index = StoryIndex()
    return _process_index


async def assign_stories(
    session: AsyncSession, article_ids: list[int], now: datetime, index: StoryIndex | None = None
) -> None:
    """Put each new article in a story: the one it is a copy of, or a new one.

    Articles are handled in id order, so two copies stored in one batch join one story.
    Articles that already have a story are left alone.
    """
    if not article_ids:
        return
    index = index if index is not None else process_index()
    await refresh(session, index, now)
    assignments: dict[int, int] = {}
    signatures: dict[int, bytes] = {}
    created = joined = 0
    for article in await story_store.articles_to_cluster(session, article_ids):
        if article.story_id is not None:
            continue
        sketch = signature(best_text(article.title, article.summary, article.text))
        key = title_key(article.title)
        match = await _confirmed_match(session, index, sketch, key, article)
        story_id = None
        if match is not None and await story_store.add_to_story(
            session, match.story_id, article, now
        ):
            story_id = match.story_id
            joined += 1
        if story_id is None:
            story_id = await story_store.create_story(session, article, now)
            created += 1
        assignments[article.article_id] = story_id
        if sketch is not None:
            signatures[article.article_id] = encode_signature(sketch)
        seen = article.first_seen_at
        index.add(Copy(article.article_id, story_id, article.source_id, seen, sketch, key))
    await story_store.set_stories(session, assignments)
    await story_store.save_signatures(session, signatures, now)
    index.loaded_until = max(index.loaded_until or now, now)
    log.debug("stories: %d new, %d copies of known stories", created, joined)


async def refresh(session: AsyncSession, index: StoryIndex, now: datetime) -> None:
    """Bring ``index`` up to date with the database at ``now``.

    A new index (or one whose clock went backwards, as when a test resets the database)
    is rebuilt from the whole window; otherwise only the rows stored since the last read,
    with a margin of :data:`CATCH_UP`, are read.
    """
    if index.loaded_until is not None and now < index.loaded_until - CATCH_UP:
        log.info("story index reset: time went back from %s to %s", index.loaded_until, now)
        index.clear()
    if index.loaded_until is None:
        signed_since, titled_since = now - index.window, now - TITLE_WINDOW
    else:
        signed_since = titled_since = index.loaded_until - CATCH_UP
    copies = await story_store.recent_copies(
        session, signed_since=signed_since, titled_since=titled_since
    )
    for copy in copies:
        if copy.article_id not in index:
            index.add(copy)
    index.forget_before(now - index.window)
    index.loaded_until = max(index.loaded_until or now, now)


async def _confirmed_match(
    session: AsyncSession,
    index: StoryIndex,
    sketch: LeanMinHash | None,
    key: str | None,
    article: story_store.ArticleToCluster,
) -> Match | None:
    for _ in range(_MAX_TRIES):
        match = index.match(sketch, key, article.source_id, article.first_seen_at)
        if match is None:
            return None
        copy = index.get(match.article_id)
        if copy is not None and await story_store.copy_is_current(session, copy):
            return match
        index.discard(match.article_id)
    return None
