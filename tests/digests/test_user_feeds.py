"""Chats' own feeds in the store, on SQLite and PostgreSQL: what a chat adds reaches only it,
and never changes what curated sources bring everyone else."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from digests import topics, user_feeds
from digests.db import Database
from digests.ingest import Ingest, make_fetcher
from digests.latest import latest_headlines
from digests.models import Article, ArticleTopic, Source, SourceOwner, Story, Topic
from digests.settings import Settings
from digests.sources.register import register_source
from digests.store import chat_moves
from digests.store import topics as topic_store
from digests.store.stories import story_facts
from digests.subscriptions import register_chat
from digests.timeutil import utcnow
from digests.types import ChatKind, ChatRef
from tests.support.feeds import rss
from tests.support.feedserver import FeedServer

OWNER = ChatRef(11, ChatKind.PRIVATE)
OTHER = ChatRef(22, ChatKind.PRIVATE)
CLASH = "Hasakah prison: guards and inmates clash"


@pytest.fixture
async def feeds() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def settings(db: Database) -> Settings:
    return Settings(  # type: ignore[call-arg]
        database_url=db.url, allow_private_sources=True, fetch_pages=False
    )


async def fetch(db: Database, settings: Settings, *source_ids: int) -> None:
    async with make_fetcher(settings) as fetcher:
        await Ingest(db, settings, fetcher).fetch_all(now=utcnow(), source_ids=source_ids)


async def add_curated(db: Database, settings: Settings, url: str) -> int:
    async with make_fetcher(settings) as fetcher:
        info, _ = await register_source(
            db, fetcher, url=url, every=900, allow_private=True, now=utcnow()
        )
    return info.id


async def add_own(db: Database, settings: Settings, chat: ChatRef, url: str) -> int:
    async with make_fetcher(settings) as fetcher:
        added = await user_feeds.add_feed(db, fetcher, chat, url, settings, now=utcnow())
    return added.source_id


async def follow_syria(db: Database) -> None:
    topic, _ = await topics.add_topic(db, "Syria", "hasakah, syria", now=utcnow())
    for chat in (OWNER, OTHER):
        await register_chat(db, chat, Settings(), now=utcnow())  # type: ignore[call-arg]
        async with db.transaction() as session:
            await topic_store.subscribe(session, chat.id, topic.id, utcnow())


async def titles(db: Database, chat: ChatRef) -> list[str]:
    return [h.title for h in (await latest_headlines(db, chat.id)).headlines]


async def test_a_curated_source_takes_over_a_link_a_chats_feed_stored_first(
    db: Database, settings: Settings, feeds: FeedServer
) -> None:
    await follow_syria(db)
    feeds.add("/own.xml", rss(title="Own Desk", items={CLASH: 1}, host="shared.example"))
    feeds.add("/wire.xml", rss(title="Wire", items={CLASH: 1}, host="shared.example"))
    own = await add_own(db, settings, OWNER, feeds.url("/own.xml"))
    await fetch(db, settings, own)
    assert await titles(db, OWNER) == [CLASH]
    assert await titles(db, OTHER) == []  # matches Syria, but only the owner may see it

    wire = await add_curated(db, settings, feeds.url("/wire.xml"))
    await fetch(db, settings, wire)
    async with db.transaction() as session:
        [article] = (await session.scalars(select(Article))).all()
        assert article.source_id == wire
    assert await titles(db, OTHER) == [CLASH]  # as if the chat's feed did not exist
    assert await titles(db, OWNER) == [CLASH]  # once, though both its topics match


async def test_a_chats_feed_brings_its_items_that_another_source_stored_first(
    db: Database, settings: Settings, feeds: FeedServer
) -> None:
    feeds.add("/wire.xml", rss(title="Wire", items={"Port reopens": 1}, host="shared.example"))
    feeds.add("/own.xml", rss(title="Own Desk", items={"Port reopens": 1}, host="shared.example"))
    await fetch(db, settings, await add_curated(db, settings, feeds.url("/wire.xml")))
    own = await add_own(db, settings, OWNER, feeds.url("/own.xml"))
    await fetch(db, settings, own)
    assert await titles(db, OWNER) == ["Port reopens"]
    assert await titles(db, OTHER) == []


async def test_copies_in_chats_feeds_change_no_curated_story(
    db: Database, settings: Settings, feeds: FeedServer
) -> None:
    await follow_syria(db)
    feeds.add("/wire.xml", rss(title="Wire", items={CLASH: 2}, host="wire.example"))
    feeds.add(
        "/own.xml", rss(title="Own Desk", items={CLASH: 1, "Hasakah floods": 1}, host="own.example")
    )
    feeds.add("/late.xml", rss(title="Late Wire", items={"Hasakah floods": 1}, host="late.example"))
    await fetch(db, settings, await add_curated(db, settings, feeds.url("/wire.xml")))
    await fetch(db, settings, await add_own(db, settings, OWNER, feeds.url("/own.xml")))
    await fetch(db, settings, await add_curated(db, settings, feeds.url("/late.xml")))
    async with db.transaction() as session:
        rows = (
            await session.execute(select(Article.title, Source.name, Article.story_id).join(Source))
        ).all()
        stories = {(title, name): story for title, name, story in rows}
        clash = stories[(CLASH, "Wire")]
        assert stories[(CLASH, "Own Desk")] == clash  # the copy joins the curated story
        story = await session.get(Story, clash)
        assert story is not None and story.article_count == 1  # without counting in it
        assert (await story_facts(session, [clash]))[clash].sources == ("Wire",)
        # A story the chat's feed saw first stays its own: the curated copy starts another.
        assert stories[("Hasakah floods", "Own Desk")] != stories[("Hasakah floods", "Late Wire")]
    assert CLASH in await titles(db, OTHER)
    other = (await latest_headlines(db, OTHER.id)).headlines
    assert all(h.also == () for h in other)


async def test_a_group_that_becomes_a_supergroup_keeps_its_feeds(
    db: Database, settings: Settings, feeds: FeedServer
) -> None:
    feeds.add("/own.xml", rss(title="Own Desk", items={"Port reopens": 1}, host="own.example"))
    group = ChatRef(-5, ChatKind.GROUP)
    source = await add_own(db, settings, group, feeds.url("/own.xml"))
    async with db.transaction() as session:
        await chat_moves.move_chat(session, -5, -1005, utcnow())
    assert [f.source_id for f in await user_feeds.my_feeds(db, -1005)] == [source]
    async with db.transaction() as session:
        owner = await session.get(SourceOwner, (source, -1005))
        assert owner is not None
        topic = await session.get(Topic, owner.topic_id)
        assert topic is not None and topic.owner_chat_id == -1005


async def test_adding_is_off_with_no_feeds_per_chat(
    db: Database, settings: Settings, feeds: FeedServer
) -> None:
    off = settings.model_copy(update={"user_feeds_per_chat": 0})
    with pytest.raises(user_feeds.FeedRefused, match="turned off"):
        await add_own(db, off, OWNER, feeds.url("/own.xml"))
    assert feeds.hits("/own.xml") == 0


async def test_an_admin_removing_a_chat_feed_takes_its_feed_topic_too(
    db: Database, settings: Settings, feeds: FeedServer
) -> None:
    from digests.source_admin import remove_source

    feeds.add("/own.xml", rss(title="Own Desk", items={"Port reopens": 1}, host="own.example"))
    source = await add_own(db, settings, OWNER, feeds.url("/own.xml"))
    await fetch(db, settings, source)
    await remove_source(db, source)
    async with db.transaction() as session:
        assert (await session.scalars(select(Topic))).all() == []
        assert (await session.scalars(select(ArticleTopic))).all() == []
    assert await user_feeds.my_feeds(db, OWNER.id) == []


async def test_a_feed_added_after_others_stored_it_shows_its_recent_items_at_once(
    db: Database, settings: Settings, feeds: FeedServer
) -> None:
    feeds.add(
        "/own.xml",
        rss(title="Own Desk", items={"Port reopens": 1, "Old news": 24 * 20}, host="own.example"),
    )
    source = await add_own(db, settings, OTHER, feeds.url("/own.xml"))
    await fetch(db, settings, source)
    async with db.transaction() as session:
        old = await session.scalar(select(Article).where(Article.title == "Old news"))
        assert old is not None
        old.first_seen_at = utcnow() - timedelta(days=20)
    await add_own(db, settings, OWNER, feeds.url("/own.xml"))
    assert feeds.hits("/own.xml") == 2  # the first add and the fetch; the second add read the store
    assert await titles(db, OWNER) == ["Port reopens"]
