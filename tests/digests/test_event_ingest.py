"""Events on SQLite and PostgreSQL: outlets' own reports of one happening join one event,
other happenings and later days do not, and a digest counts the event once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from digests import topics
from digests.assembly import TopicPool, Window
from digests.db import Database
from digests.event_assignment import assign_events
from digests.ingest import TopicMatcherCache, assign_stories
from digests.models import Event, EventKey, EventProfile, Story
from digests.sources.parse import parse_feed
from digests.store import articles as article_store
from digests.store import editions as edition_store
from digests.store import stories as story_store
from digests.types import FeedEntry
from tests.conftest import CORPUS
from tests.digests.test_story_ingest import add_source

NOW = datetime(2026, 2, 18, 2, tzinfo=UTC)


def corpus_entry(feed: str, index: int) -> tuple[str, str]:
    entry = parse_feed((CORPUS / "feeds" / feed).read_bytes(), url="https://c.test/").entries[index]
    return entry.title, entry.summary


PERU = [
    corpus_entry("ffp-abcnews-international.xml", 1),
    corpus_entry("ffp-japantoday-world.xml", 7),
    corpus_entry("ffp-mercopress.xml", 2),
]
HEZBOLLAH = corpus_entry("ffp-japantoday-world.xml", 5)


async def store(
    db: Database, source_id: int, report: tuple[str, str], published: datetime, now: datetime = NOW
) -> int:
    """Store one article as ingest does: its story, its event; returns its story id."""
    title, summary = report
    url = f"https://s{source_id}.example/{abs(hash((title, published)))}"
    entry = FeedEntry(title, url, url, summary=summary, published_at=published)
    async with db.transaction() as session:
        new = await article_store.insert_new_articles(session, source_id, [entry], now)
        started = await assign_stories(session, new, now)
        await assign_events(session, started, now)
        await TopicMatcherCache().store_matches(session, new)
    async with db.transaction() as session:
        story = await session.scalar(select(Story.id).order_by(Story.id.desc()).limit(1))
    assert story is not None
    return int(story)


async def events_of(db: Database, stories: list[int]) -> list[int | None]:
    async with db.transaction() as session:
        rows = dict((await session.execute(select(Story.id, Story.event_id))).all())
    return [rows[s] for s in stories]


async def test_three_outlets_reports_of_one_event_join_one_event(db: Database) -> None:
    sources = [await add_source(db, name) for name in ("ABC", "Japan Today", "MercoPress")]
    at = NOW - timedelta(hours=6)
    stories = [
        await store(db, source, report, at + timedelta(hours=n))
        for n, (source, report) in enumerate(zip(sources, PERU, strict=True))
    ]
    events = await events_of(db, stories)
    assert events[0] is not None and events == [events[0]] * 3
    async with db.transaction() as session:
        event = await session.get(Event, events[0])
        assert event is not None
        assert (event.first_story_id, event.story_count) == (stories[0], 3)
        facts = await story_store.story_facts(session, stories)
    assert facts[stories[2]].sources == ("ABC", "Japan Today", "MercoPress")
    assert facts[stories[2]].event_id == events[0]


async def test_another_happening_the_same_day_is_another_event(db: Database) -> None:
    abc, japan = await add_source(db, "ABC"), await add_source(db, "Japan Today")
    peru = await store(db, abc, PERU[0], NOW - timedelta(hours=3))
    hezbollah = await store(db, japan, HEZBOLLAH, NOW - timedelta(hours=2))
    first, second = await events_of(db, [peru, hezbollah])
    assert first is not None and second is not None and first != second


async def test_a_report_three_days_later_starts_a_new_event(db: Database) -> None:
    abc, merco = await add_source(db, "ABC"), await add_source(db, "MercoPress")
    first = await store(db, abc, PERU[0], NOW - timedelta(days=3))
    late = await store(db, merco, PERU[2], NOW)
    a, b = await events_of(db, [first, late])
    assert a != b


async def test_a_copy_joins_its_story_and_with_it_the_event(db: Database) -> None:
    abc, japan, wire = [await add_source(db, n) for n in ("ABC", "Japan Today", "Wire")]
    one = await store(db, abc, PERU[0], NOW - timedelta(hours=3))
    two = await store(db, japan, PERU[1], NOW - timedelta(hours=2))
    copy = await store(db, wire, PERU[1], NOW - timedelta(hours=1))  # same text: same story
    assert copy == two
    async with db.transaction() as session:
        profiles = await session.scalar(select(func.count()).select_from(EventProfile))
        keys = await session.scalar(select(func.count()).select_from(EventKey))
        event = await session.get(Event, (await events_of(db, [one]))[0])
    assert profiles == 2  # one per story, none for the copy
    assert keys and keys > 2
    assert event is not None and event.story_count == 2


async def test_a_digest_counts_the_event_once_with_all_its_articles(db: Database) -> None:
    topic, _ = await topics.add_topic(db, "Peru", "peru", now=NOW - timedelta(days=1))
    sources = [await add_source(db, name) for name in ("ABC", "Japan Today", "MercoPress")]
    at = NOW - timedelta(hours=6)
    for n, (source, report) in enumerate(zip(sources, PERU, strict=True)):
        await store(db, source, report, at + timedelta(hours=n))
    async with db.transaction() as session:
        found = await edition_store.candidates(session, NOW - timedelta(days=1), NOW)
    assert len(found) == 3
    assert len({c.event_id for c in found}) == 1 and found[0].event_id is not None
    assert [c.sources for c in found] == [3, 3, 3]  # ranked as carried by three outlets
    window = Window(NOW - timedelta(days=1), NOW)
    picks = TopicPool(found).top([topic.id], window, 10)
    assert len(picks) == 1  # one digest item for the event
