"""Stories on SQLite and PostgreSQL: copies join one story, /latest shows each story once."""

from __future__ import annotations

import html
import random
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select

from digests import topics
from digests.db import Database
from digests.ingest import TopicMatcherCache, assign_stories
from digests.latest import latest_headlines
from digests.models import Article, Story, StoryKey
from digests.render import Renderer, headline_views
from digests.store import articles as article_store
from digests.store import sources as source_store
from digests.store import stories as story_store
from digests.stories import LSH_BANDS
from digests.types import FeedEntry
from tests.conftest import CORPUS, SEED

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
PLAGUE = (CORPUS / "pages" / "aeb-nypost-bubonic-plague-rabbit.expected.txt").read_text()
OTHER_PLAGUE = (CORPUS / "pages" / "aeb-thesun-bubonic-plague-rabbit.expected.txt").read_text()


def seed_body() -> str:
    lines = (SEED / "arab-press-isis-prison-break.txt").read_text().splitlines()
    return "\n".join(lines[9:58])


def light_edit(text: str, rate: float = 0.05, seed: int = 3) -> str:
    rng = random.Random(seed)
    kept = []
    for token in text.split():
        if rng.random() < rate:
            if rng.random() < 0.5:
                kept.append("reportedly")
            continue
        kept.append(token)
    return " ".join(kept)


async def add_source(db: Database, name: str) -> int:
    async with db.transaction() as session:
        slug = name.lower().replace(" ", "-")
        return await source_store.add_source(
            session,
            url=f"https://{slug}.example/feed",
            name=name,
            kind="feed",
            fetch_interval=900,
            now=NOW - timedelta(days=1),
        )


async def store(
    db: Database,
    source_id: int,
    title: str,
    text: str,
    *,
    now: datetime,
    published: datetime | None = None,
    summary: str = "",
    window: timedelta = timedelta(days=7),
) -> int:
    """Store one article the way ingest does: insert, assign its story, match topics."""
    url = f"https://s{source_id}.example/{abs(hash((title, text, now)))}"
    entry = FeedEntry(title, url, url, summary=summary, text=text, published_at=published)
    async with db.transaction() as session:
        new = await article_store.insert_new_articles(session, source_id, [entry], now)
        await assign_stories(session, new, now, window=window)
        await TopicMatcherCache().store_matches(session, new)
    return new[0].id


async def story_of(db: Database, article_id: int) -> Story:
    async with db.transaction() as session:
        story_id = await session.scalar(select(Article.story_id).where(Article.id == article_id))
        story = await session.get(Story, story_id)
    assert story is not None
    return story


async def latest_text(db: Database, topic: str, now: datetime) -> str:
    """The /latest message as a reader sees it (tags dropped, entities decoded)."""
    result = await latest_headlines(db, 0, topic)
    html_text = Renderer().render(
        "latest", items=headline_views(result.headlines, now), follows_nothing=False, topic=topic
    )
    return html.unescape(re.sub(r"<[^>]+>", "", html_text))


async def test_two_sources_carrying_one_wire_story_are_one_item_with_also(db: Database) -> None:
    await topics.add_topic(db, "Plague", "plague", now=NOW)
    wire, daily, tabloid = [await add_source(db, n) for n in ("Wire One", "Daily Two", "Sun")]
    first = await store(db, wire, "Plague case in China", PLAGUE, now=NOW)
    later = NOW + timedelta(hours=2)
    copy = await store(db, daily, "China confirms plague", light_edit(PLAGUE), now=later)
    # A separate write-up of the same event is a story of its own.
    own = await store(db, tabloid, "Rabbit plague", OTHER_PLAGUE, now=later)

    assert (await story_of(db, first)).id == (await story_of(db, copy)).id
    assert (await story_of(db, own)).id != (await story_of(db, first)).id
    text = await latest_text(db, "Plague", later + timedelta(hours=1))
    items = [line for line in text.splitlines() if line[:2] in {"1.", "2.", "3."}]
    assert items == ["1. Rabbit plague", "2. China confirms plague"]
    assert text.count("also: Wire One") == 1
    assert "first reported" not in text  # two hours apart is not a republication
    story = await story_of(db, copy)
    assert story.article_count == 2
    assert story.first_article_id == first


async def test_a_republished_report_keeps_its_first_source_and_date(db: Database) -> None:
    await topics.add_topic(db, "Syria", "syria, hasakah", now=NOW)
    cnn, arab_press = await add_source(db, "CNN Wire"), await add_source(db, "Arab Press")
    title = "Deadly ISIS prison break attempt fuels fears of the group's resurgence"
    original = await store(
        db,
        cnn,
        title,
        seed_body(),
        now=NOW,
        published=datetime(2022, 1, 21, 9, tzinfo=UTC),
    )
    later = NOW + timedelta(hours=3)
    page = seed_body().replace("told CNN", "told Arab Press")
    republished = await store(
        db,
        arab_press,
        title,
        page,
        now=later,
        published=datetime(2025, 5, 31, tzinfo=UTC),
    )

    story = await story_of(db, republished)
    assert story.id == (await story_of(db, original)).id
    assert story.first_source_id == cnn
    assert story.first_seen_at == NOW
    assert story.first_published_at == datetime(2022, 1, 21, 9, tzinfo=UTC)
    text = await latest_text(db, "Syria", later)
    assert text.count(title) == 1
    assert "Arab Press ·" in text
    assert "first reported 21 Jan 2022 by CNN Wire" in text
    assert "also: CNN Wire" in text

    # Not news again: a digest window after the first sighting leaves the copy out.
    async with db.transaction() as session:
        new_ids = await session.scalars(
            select(Article.id)
            .outerjoin(Story, Story.id == Article.story_id)
            .where(Article.first_seen_at > NOW + timedelta(hours=1))
            .where(story_store.is_new_story(NOW + timedelta(hours=1)))
        )
        assert list(new_ids) == []
        also_new = await session.scalars(
            select(Article.id).where(story_store.unclustered_or_new(NOW - timedelta(hours=1)))
        )
        assert sorted(also_new) == sorted([original, republished])


async def test_copies_are_found_through_keys_stored_in_the_database(db: Database) -> None:
    a, b = await add_source(db, "Wire One"), await add_source(db, "Daily Two")
    first = await store(db, a, "Plague case reported in northern China", PLAGUE, now=NOW)
    async with db.transaction() as session:
        keys = await session.scalar(
            select(func.count()).select_from(StoryKey).where(StoryKey.article_id == first)
        )
    assert keys == LSH_BANDS[0] + 1  # one per band, one for the title
    # Nothing of the first article is kept in memory: the copy is found in the database.
    copy = await store(db, b, "Plague copy", light_edit(PLAGUE, 0.1), now=NOW + timedelta(hours=1))
    assert (await story_of(db, copy)).id == (await story_of(db, first)).id


async def test_a_copy_older_than_the_window_starts_a_new_story(db: Database) -> None:
    a, b = await add_source(db, "Wire One"), await add_source(db, "Daily Two")
    first = await store(db, a, "Plague case", PLAGUE, now=NOW)
    late = NOW + timedelta(days=8)
    stale = await store(db, b, "Plague copy", light_edit(PLAGUE), now=late)
    assert (await story_of(db, stale)).id != (await story_of(db, first)).id
    kept = await store(
        db, b, "Plague again", light_edit(PLAGUE, seed=4), now=late, window=timedelta(days=10)
    )
    assert (await story_of(db, kept)).id == (await story_of(db, first)).id


async def test_pruned_keys_and_rolled_back_batches_find_nothing(db: Database) -> None:
    a, b = await add_source(db, "Wire One"), await add_source(db, "Daily Two")
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            url = "https://s1.example/rolled-back"
            new = await article_store.insert_new_articles(
                session, a, [FeedEntry("Seed", url, url, text=seed_body())], NOW
            )
            await assign_stories(session, new, NOW)
            raise RuntimeError("the fetch failed after clustering")
    first = await store(db, a, "Plague case", PLAGUE, now=NOW)
    async with db.transaction() as session:
        await session.execute(delete(StoryKey).where(StoryKey.created_at <= NOW))
    later = NOW + timedelta(hours=1)
    seed_copy = await store(db, b, "Seed copy", light_edit(seed_body()), now=later)
    plague_copy = await store(db, b, "Plague copy", light_edit(PLAGUE), now=later)
    async with db.transaction() as session:
        stories = await session.scalar(select(func.count()).select_from(Story))
    assert stories == 3  # the pruned and the rolled-back article are never matched
    assert (await story_of(db, plague_copy)).id != (await story_of(db, first)).id
    assert (await story_of(db, seed_copy)).article_count == 1


async def test_distinct_corpus_articles_never_merge(db: Database) -> None:
    sources = [await add_source(db, f"Outlet {n}") for n in range(3)]
    texts = sorted((CORPUS / "pages").glob("*.expected.txt"))
    entries = {
        source_id: [
            FeedEntry(p.stem, f"https://x.example/{p.stem}", p.stem, text=p.read_text())
            for p in texts[n :: len(sources)]
        ]
        for n, source_id in enumerate(sources)
    }
    for step, (source_id, batch) in enumerate(entries.items()):
        now = NOW + timedelta(minutes=step)
        async with db.transaction() as session:
            new = await article_store.insert_new_articles(session, source_id, batch, now)
            await assign_stories(session, new, now)
    async with db.transaction() as session:
        story_ids = list(await session.scalars(select(Article.story_id)))
    assert len(story_ids) == len(texts)
    assert None not in story_ids
    assert len(set(story_ids)) == len(texts)


async def test_headline_only_items_match_by_title_across_sources(db: Database) -> None:
    a, b = await add_source(db, "Wire One"), await add_source(db, "Daily Two")
    title = "Iraq and Syria sign a border deal"
    first = await store(db, a, title, "", now=NOW)
    # The same source repeating a title is another story (recurring columns, updates).
    again = await store(db, a, title, "", now=NOW + timedelta(hours=1))
    assert (await story_of(db, again)).id != (await story_of(db, first)).id
    copy = await store(db, b, title.upper() + "!", "", now=NOW + timedelta(hours=2))
    assert (await story_of(db, copy)).id == (await story_of(db, first)).id
    # Too generic a title is never matched on its own.
    short = await store(db, a, "Live updates", "", now=NOW)
    short_copy = await store(db, b, "Live updates", "", now=NOW)
    assert (await story_of(db, short)).id != (await story_of(db, short_copy)).id
