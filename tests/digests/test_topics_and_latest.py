"""Topics, subscriptions and /latest through the use cases, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from digests import subscriptions, topics
from digests.db import Database
from digests.errors import Duplicate, InvalidInput, NotFound
from digests.latest import UnknownTopic, latest_headlines
from digests.models import Article, Source
from digests.settings import Settings
from digests.store import matches as match_store
from digests.store import topics as topic_store
from digests.types import ChatKind, ChatRef

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
SETTINGS = Settings(default_timezone="Asia/Baghdad", default_digest_time="07:30")
ALICE = ChatRef(1001, ChatKind.PRIVATE, "Alice")


async def add_articles(db: Database, titles: list[str], *, start: datetime = NOW) -> list[int]:
    """Store articles one hour apart (newest last) and match them like ingestion does."""
    async with db.transaction() as session:
        source = Source(
            url="https://news.example/feed",
            name="Example News",
            kind="feed",
            fetch_interval=900,
            created_at=start,
        )
        session.add(source)
        await session.flush()
        ids = []
        for i, title in enumerate(titles):
            at = start - timedelta(hours=len(titles) - i)
            article = Article(
                source_id=source.id,
                guid=f"g{i}",
                url=f"https://news.example/{i}",
                title=title,
                published_at=at,
                first_seen_at=at,
                sort_at=at,
            )
            session.add(article)
            await session.flush()
            ids.append(article.id)
        await match_store.match_articles(
            session, ids, await topic_store.all_matchable_topics(session)
        )
    return ids


async def test_topic_names_are_unique_case_insensitively(db: Database) -> None:
    await topics.add_topic(db, "Syria", "syria", now=NOW)
    with pytest.raises(Duplicate):
        await topics.add_topic(db, "  SYRIA ", "damascus", now=NOW)
    with pytest.raises(InvalidInput):
        await topics.add_topic(db, "Empty", " , ", now=NOW)
    assert [t.name for t in await topics.list_topics(db)] == ["Syria"]


async def test_new_topic_matches_recent_articles(db: Database) -> None:
    await add_articles(db, ["Iraq votes", "Syria talks", "Weather"])
    info, matched = await topics.add_topic(db, "Middle East", "iraq, syria", now=NOW)
    assert matched == 2
    await subscriptions.register_chat(db, ALICE, SETTINGS, now=NOW)
    await subscriptions.toggle_topic(db, ALICE, info.id, SETTINGS, now=NOW)
    result = await latest_headlines(db, ALICE.id)
    assert [h.title for h in result.headlines] == ["Syria talks", "Iraq votes"]


async def test_editing_keywords_rematches(db: Database) -> None:
    await add_articles(db, ["Iraq votes", "Syria talks"])
    await topics.add_topic(db, "Mideast", "iraq", now=NOW)
    _, matched = await topics.edit_topic(db, "mideast", keywords="syria", now=NOW)
    assert matched == 1
    result = await latest_headlines(db, ALICE.id, "MIDEAST")
    assert [h.title for h in result.headlines] == ["Syria talks"]


async def test_latest_lists_ten_newest_of_followed_topics_only(db: Database) -> None:
    syria, _ = await topics.add_topic(db, "Syria", "syria", now=NOW)
    await topics.add_topic(db, "Sport", "football", now=NOW)
    titles = [f"Syria update {i}" for i in range(12)] + ["Football final", "Syria and football"]
    await add_articles(db, titles)
    await subscriptions.toggle_topic(db, ALICE, syria.id, SETTINGS, now=NOW)
    result = await latest_headlines(db, ALICE.id)
    got = [h.title for h in result.headlines]
    assert got[0] == "Syria and football"
    assert "Football final" not in got
    assert got[1:] == [f"Syria update {i}" for i in range(11, 2, -1)]
    assert len(got) == 10
    assert result.headlines[0].source_name == "Example News"


async def test_latest_tells_a_chat_that_follows_nothing(db: Database) -> None:
    await subscriptions.register_chat(db, ALICE, SETTINGS, now=NOW)
    result = await latest_headlines(db, ALICE.id)
    assert result.follows_nothing and not result.headlines


async def test_latest_unknown_topic_lists_the_names(db: Database) -> None:
    await topics.add_topic(db, "Syria", "syria", now=NOW)
    await topics.add_topic(db, "Iraq", "iraq", now=NOW)
    with pytest.raises(UnknownTopic) as caught:
        await latest_headlines(db, ALICE.id, "bitcoin")
    assert caught.value.known == ["Iraq", "Syria"]


async def test_toggle_follows_then_unfollows_and_stop_clears(db: Database) -> None:
    syria, _ = await topics.add_topic(db, "Syria", "syria", now=NOW)
    iraq, _ = await topics.add_topic(db, "Iraq", "iraq", now=NOW)
    following, choices = await subscriptions.toggle_topic(db, ALICE, syria.id, SETTINGS, now=NOW)
    assert following and [c.followed for c in choices] == [False, True]
    following, _ = await subscriptions.toggle_topic(db, ALICE, syria.id, SETTINGS, now=NOW)
    assert not following
    await subscriptions.toggle_topic(db, ALICE, syria.id, SETTINGS, now=NOW)
    await subscriptions.toggle_topic(db, ALICE, iraq.id, SETTINGS, now=NOW)
    assert await subscriptions.unsubscribe_everything(db, ALICE.id) == 2
    assert not any(c.followed for c in await subscriptions.topic_choices(db, ALICE.id))


async def test_toggling_a_deleted_topic_says_so(db: Database) -> None:
    syria, _ = await topics.add_topic(db, "Syria", "syria", now=NOW)
    await topics.remove_topic(db, "syria")
    with pytest.raises(NotFound):
        await subscriptions.toggle_topic(db, ALICE, syria.id, SETTINGS, now=NOW)


async def test_new_chat_gets_default_zone_and_time(db: Database) -> None:
    from digests.models import Chat

    assert await subscriptions.register_chat(db, ALICE, SETTINGS, now=NOW)
    assert not await subscriptions.register_chat(db, ALICE, SETTINGS, now=NOW)
    async with db.transaction() as session:
        chat = await session.get(Chat, ALICE.id)
        assert chat is not None
        assert (chat.timezone, chat.digest_times, chat.active) == ("Asia/Baghdad", "07:30", True)


async def test_chat_ids_beyond_32_bits_are_kept(db: Database) -> None:
    supergroup = ChatRef(-1001234567890123, ChatKind.SUPERGROUP, "Big group")
    await subscriptions.register_chat(db, supergroup, SETTINGS, now=NOW)
    assert await subscriptions.topic_choices(db, supergroup.id) == []


async def test_latest_keeps_to_the_chat_languages_and_unknown_ones(db: Database) -> None:
    from digests.chat_languages import set_languages
    from digests.models import Article as ArticleRow

    syria, _ = await topics.add_topic(db, "Syria", "syria, سوريا", now=NOW)
    ids = await add_articles(db, ["Syria in English", "سوريا بالعربية", "Syria unknown"])
    async with db.transaction() as session:
        for article_id, language in zip(ids, ["en", "ar", None], strict=True):
            row = await session.get(ArticleRow, article_id)
            assert row is not None
            row.language = language
    await subscriptions.toggle_topic(db, ALICE, syria.id, SETTINGS, now=NOW)
    await set_languages(db, ALICE.id, ["ar"], now=NOW)
    titles = [h.title for h in (await latest_headlines(db, ALICE.id)).headlines]
    assert titles == ["Syria unknown", "سوريا بالعربية"]
    await set_languages(db, ALICE.id, None, now=NOW)
    assert len((await latest_headlines(db, ALICE.id)).headlines) == 3
