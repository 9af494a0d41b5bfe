"""The Ingest object: its topic matcher follows every topic change, from any process."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select

from digests import topics
from digests.db import Database
from digests.ingest import Ingest
from digests.models import Article, ArticleTopic, Chat, Topic
from digests.settings import Settings
from digests.sources.fetch import Fetcher
from digests.store import articles as article_store
from digests.store import sources as source_store
from digests.store import topics as topic_store
from digests.types import FeedEntry

NOW = datetime(2026, 3, 2, 8, tzinfo=UTC)


async def _version(db: Database) -> int:
    async with db.transaction() as session:
        return await topic_store.topics_version(session)


async def test_the_topics_version_changes_with_every_kind_of_topic_change(db: Database) -> None:
    seen = [await _version(db)]
    await topics.add_topic(db, "Syria", "syria", now=NOW)
    seen.append(await _version(db))
    await topics.edit_topic(db, "Syria", keywords="syria, damascus", now=NOW)
    seen.append(await _version(db))
    async with db.transaction() as session:
        session.add(
            Chat(
                id=7,
                kind="private",
                timezone="UTC",
                digest_times="08:00",
                created_at=NOW,
                updated_at=NOW,
            )
        )
        await session.flush()
        await topic_store.add_topic(
            session, name="Mine", keywords=("gaza",), exclude=(), now=NOW, owner_chat_id=7
        )
    seen.append(await _version(db))
    async with db.transaction() as session:  # the chat leaves: its topic goes by cascade
        await session.execute(delete(Chat).where(Chat.id == 7))
    seen.append(await _version(db))
    await topics.remove_topic(db, "Syria")
    seen.append(await _version(db))
    assert all(later > earlier for earlier, later in itertools.pairwise(seen)), seen
    async with db.transaction() as session:
        assert list(await session.scalars(select(Topic.id))) == []


async def _store(ingest: Ingest, db: Database, source_id: int, title: str, at: datetime) -> int:
    url = f"https://news.example/{abs(hash((title, at)))}"
    async with db.transaction() as session:
        new = await article_store.insert_new_articles(
            session, source_id, [FeedEntry(title, url, url)], at
        )
        await ingest.after_store(at)(session, new)
    return new[0].id


async def _topics_of(db: Database, article_id: int) -> set[str]:
    async with db.transaction() as session:
        rows = await session.scalars(
            select(Topic.name)
            .join(ArticleTopic, ArticleTopic.topic_id == Topic.id)
            .where(ArticleTopic.article_id == article_id)
        )
        return set(rows)


async def test_ingest_keeps_its_matcher_until_another_process_changes_a_topic(
    db: Database,
) -> None:
    async with db.transaction() as session:
        source_id = await source_store.add_source(
            session,
            url="https://news.example/feed",
            name="News",
            kind="feed",
            fetch_interval=900,
            now=NOW,
        )
    await topics.add_topic(db, "Syria", "syria", now=NOW)
    ingest = Ingest(db, Settings(), Fetcher())
    first = await _store(ingest, db, source_id, "Syria and Iraq sign a deal", NOW)
    second = await _store(ingest, db, source_id, "Syria talks go on", NOW + timedelta(minutes=1))
    assert ingest.topics.builds == 1  # the second fetch reused the matcher
    assert await _topics_of(db, first) == await _topics_of(db, second) == {"Syria"}

    other = Database(db.url)  # another process on the same database
    try:
        await topics.add_topic(other, "Iraq", "iraq", now=NOW)
        await topics.edit_topic(other, "Syria", keywords="damascus", now=NOW)
    finally:
        await other.close()
    title = "Syria and Iraq meet to talk about the border and the water they share"
    third = await _store(ingest, db, source_id, title, NOW + timedelta(minutes=2))
    assert ingest.topics.builds == 2
    assert await _topics_of(db, third) == {"Iraq"}
    async with db.transaction() as session:
        assert await session.scalar(select(Article.language).where(Article.id == third)) == "en"
