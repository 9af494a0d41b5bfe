"""Ingest: fetch sources, store what is new, give each new article its language, story, topics.

One :class:`Ingest` is built per process (``bot/runner.py``, the CLI's ``fetch``) and kept, as
:class:`~digests.delivery.Delivery` is. What it keeps warm is the topic matcher, rebuilt only
when the topics version changes (building it from 100k keyword topics takes seconds). The
near-duplicate index is not in memory: each article's LSH band keys and title key are stored
(``story_keys``) and a batch of new articles looks up only its own keys, then matches in a
small :class:`~digests.stories.StoryIndex` of those candidates, dropped after the batch. So
the process does not grow with the articles it has seen, a restart finds the same stories,
and several processes on one database agree.

The steps after storing run in the transaction that stores the articles, in this order:
language, story (copies of one story join it), event (other outlets' write-ups of the same
happening join one event, ``digests.event_assignment``), topics, alerts (``digests.alerts``).
They receive the stored values and do not select them again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from digests.alerts import Alerts
from digests.db import Database
from digests.event_assignment import assign_events
from digests.matching import FEED_STRENGTH, MatchableText, TopicMatch, TopicMatcher
from digests.render import Renderer
from digests.settings import Settings
from digests.sources.fetch import Fetcher
from digests.sources.language import article_sample, detect_all
from digests.sources.update import AfterStore, update_all, update_source
from digests.store import article_language
from digests.store import matches as match_store
from digests.store import stories as story_store
from digests.store import topics as topic_store
from digests.store import user_feeds as user_feed_store
from digests.stories import (
    DEFAULT_WINDOW,
    Copy,
    StoryIndex,
    best_text,
    encode_signature,
    lookup_keys,
    signature,
    title_key,
)
from digests.types import FetchReport, FetchSummary, NewArticle

log = logging.getLogger(__name__)

# Sources fetched and stored at a time (the CLI's `fetch` used 8 before there was an Ingest).
CONCURRENCY = 8


def make_fetcher(settings: Settings) -> Fetcher:
    """A fetcher configured from the settings."""
    return Fetcher(
        timeout=settings.fetch_timeout,
        max_bytes=settings.fetch_max_bytes,
        per_host=settings.fetch_per_host,
    )


class Ingest:
    """Fetches sources and files what they bring; built once per process and kept.

    :meth:`fetch_all` fetches ``concurrency`` sources at a time; the scheduler bounds its own
    calls of :meth:`fetch_one` (``parallel_fetches``). Each source in flight holds its parsed
    feed and a transaction, so these bounds are also what ingest holds in memory at once.
    """

    def __init__(
        self,
        db: Database,
        settings: Settings,
        fetcher: Fetcher,
        *,
        story_window: timedelta = DEFAULT_WINDOW,
        concurrency: int = CONCURRENCY,
        renderer: Renderer | None = None,
        notify: Callable[[], None] | None = None,
    ) -> None:
        self._db = db
        self._settings = settings
        self._fetcher = fetcher
        self._concurrency = concurrency
        self.story_window = story_window
        self.topics = TopicMatcherCache()
        self.alerts = Alerts(renderer or Renderer(), per_hour=settings.alerts_per_hour)
        # Wakes the sender once alerts are committed (it also polls about once a second).
        self._notify = notify
        self._alerts_waiting = False

    async def fetch_all(
        self,
        *,
        now: datetime,
        source_ids: Sequence[int] | None = None,
        on_done: Callable[[FetchReport], None] | None = None,
    ) -> FetchSummary:
        """Fetch the given sources (those due at ``now`` when None) once, store and file
        new articles. ``on_done(report)`` is called as each source finishes."""

        def done(report: FetchReport) -> None:
            self._wake()
            if on_done is not None:
                on_done(report)

        return await update_all(
            self._db,
            self._fetcher,
            now=now,
            allow_private=self._settings.allow_private_sources,
            after_store=self.after_store(now),
            source_ids=list(source_ids) if source_ids is not None else None,
            concurrency=self._concurrency,
            on_done=done,
            enrich=self._settings.fetch_pages,
        )

    async def fetch_one(self, source_id: int, *, now: datetime) -> FetchReport:
        """Fetch one source now; its failure is recorded on it, never raised."""
        report, _ = await update_source(
            self._db,
            self._fetcher,
            source_id,
            now=now,
            allow_private=self._settings.allow_private_sources,
            after_store=self.after_store(now),
            enrich=self._settings.fetch_pages,
        )
        self._wake()
        return report

    def _wake(self) -> None:
        if self._alerts_waiting and self._notify is not None:
            self._notify()
        self._alerts_waiting = False

    def after_store(self, now: datetime) -> AfterStore:
        """What happens to new articles in the transaction that stores them: language, story,
        event, topics, alerts."""

        async def run(session: AsyncSession, new: list[NewArticle]) -> None:
            new = await detect_languages(session, new)
            started = await assign_stories(session, new, now, window=self.story_window)
            await assign_events(session, started, now)
            await self.topics.store_matches(session, new)
            await store_feed_matches(session, new)
            if await self.alerts.queue(session, [a.id for a in new], now):
                self._alerts_waiting = True

        return run


class TopicMatcherCache:
    """The matcher over every topic, kept until ``topics_version`` changes.

    Bound: one matcher, whose size follows the topics, not the articles (about 0.2 MB per
    1,000 topics, ~21 MB at 100k: bench/results/personal_topics.md). A rebuild runs in a
    worker thread, one at a time.
    """

    def __init__(self) -> None:
        self._version: int | None = None
        self._matcher = TopicMatcher(())
        self._lock = asyncio.Lock()
        self.builds = 0

    async def matcher(self, session: AsyncSession) -> TopicMatcher:
        """The matcher for the topics ``session`` sees, rebuilt if they changed."""
        async with self._lock:
            # The version first: a change committed between the two reads is then seen
            # as a newer version next time, never hidden under an old one.
            version = await topic_store.topics_version(session)
            if version != self._version:
                topics = await topic_store.all_matchable_topics(session)
                self._matcher = await asyncio.to_thread(TopicMatcher, topics)
                self._version = version
                self.builds += 1
            return self._matcher

    async def store_matches(self, session: AsyncSession, new: Sequence[NewArticle]) -> int:
        """Match new articles (none matched yet) against every topic and store the matches;
        returns how many."""
        if not new:
            return 0
        matcher = await self.matcher(session)
        return await match_store.insert_matches(
            session,
            (
                (article.id, article.sort_at, match)
                for article in new
                for match in matcher.match(
                    MatchableText(article.title, article.summary, article.text)
                )
            ),
        )


async def store_feed_matches(session: AsyncSession, new: Sequence[NewArticle]) -> int:
    """Match each new article with the feed topics of its source (one per chat that added
    the source with /addfeed): those chats get every item of their feeds. Returns how many."""
    topics = await user_feed_store.feed_topics(session, {a.source_id for a in new})
    if not topics:
        return 0
    return await match_store.insert_matches(
        session,
        (
            (article.id, article.sort_at, TopicMatch(topic_id, FEED_STRENGTH, ()))
            for article in new
            for topic_id in topics.get(article.source_id, ())
        ),
    )


async def detect_languages(session: AsyncSession, new: Sequence[NewArticle]) -> list[NewArticle]:
    """Detect and record the language of the new articles that have none yet; returns them
    with it. Detection runs in a worker thread (a few ms an article) so the loop keeps serving
    chats."""
    samples = [
        (a.id, article_sample(a.title, a.summary, a.text)) for a in new if a.language is None
    ]
    if not samples:
        return list(new)
    found = await asyncio.to_thread(detect_all, samples)
    await article_language.set_article_languages(session, found)
    return [replace(a, language=found.get(a.id, a.language)) for a in new]


@dataclass(frozen=True, slots=True)
class _Sketched:
    article: NewArticle
    copy: Copy
    keys: list[int]


async def assign_stories(
    session: AsyncSession,
    new: Sequence[NewArticle],
    now: datetime,
    *,
    window: timedelta = DEFAULT_WINDOW,
) -> list[tuple[NewArticle, int]]:
    """Put each new article in a story: the one it is a copy of, or a new one. Returns the
    articles of curated sources that started a new story, with its id: the stories whose
    event is looked for (a chat-added feed's stories join no event).

    Copies are recognised among the articles stored within ``window`` before ``now`` (by
    text) and within ``TITLE_WINDOW`` of the article (by title, across sources). Articles
    are handled in id order, so two copies stored in one batch join one story.
    """
    if not new:
        return []
    # A chat-added feed's article joins a curated story without counting in it, and starts a
    # story of its own otherwise; no other article joins that one (story_store.copies_by_keys).
    restricted = await user_feed_store.user_only_ids(session, {a.source_id for a in new})
    sketched = [_sketch(article) for article in sorted(new, key=lambda a: a.id)]
    index = StoryIndex()
    wanted = {key for item in sketched for key in item.keys}
    for copy in await story_store.copies_by_keys(session, wanted, since=now - window):
        index.add(copy)
    assignments: dict[int, int] = {}
    signatures: dict[int, bytes] = {}
    keys: dict[int, list[int]] = {}
    created = joined = 0
    started: list[tuple[NewArticle, int]] = []
    for item in sketched:
        article, copy = item.article, item.copy
        match = index.match(copy.sketch, copy.title, article.source_id, article.first_seen_at)
        story_id = None
        private = article.source_id in restricted
        if match is not None and (
            await story_store.story_exists(session, match.story_id)
            if private
            else await story_store.add_to_story(session, match.story_id, article, now)
        ):
            story_id = match.story_id
            joined += 1
        if story_id is None:
            story_id = await story_store.create_story(session, article, now)
            created += 1
            if not private:
                started.append((article, story_id))
        assignments[article.id] = story_id
        keys[article.id] = item.keys
        if copy.sketch is not None:
            signatures[article.id] = encode_signature(copy.sketch)
        if not private:
            index.add(replace(copy, story_id=story_id))
    await story_store.set_stories(session, assignments)
    await story_store.save_signatures(session, signatures, now)
    await story_store.save_keys(session, keys, now)
    log.debug("stories: %d new, %d copies of known stories", created, joined)
    return started


def _sketch(article: NewArticle) -> _Sketched:
    sketch = signature(best_text(article.title, article.summary, article.text))
    key = title_key(article.title)
    copy = Copy(article.id, 0, article.source_id, article.first_seen_at, sketch, key)
    return _Sketched(article, copy, lookup_keys(sketch, key))
