"""/search on both databases: what a query finds, in which order, a page at a time, and that
the index follows the articles (stored, emptied by retention, removed with their source)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path

import pytest
from sqlalchemy import update

from digests import migrate, retention, source_admin
from digests.db import Database
from digests.errors import InvalidInput
from digests.models import Article, Source
from digests.retention import RetentionPolicy
from digests.search import EmptyQuery, parse_search, search
from digests.store.articles import insert_new_articles
from digests.types import FeedEntry
from tests.conftest import _empty_all_tables

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
_sources = count()


async def _source(db: Database, name: str = "Wire") -> int:
    async with db.transaction() as session:
        source = Source(
            url=f"https://{name.lower()}.example/rss/{next(_sources)}",
            name=name,
            fetch_interval=900,
            created_at=NOW - 100 * DAY,
        )
        session.add(source)
        await session.flush()
        return source.id


async def _store(
    db: Database,
    items: list[tuple[str, str, timedelta]],
    *,
    source_id: int | None = None,
    language: str | None = None,
    seen: datetime = NOW,
) -> list[int]:
    """Store (title, text, age) articles the way ingest stores them; their ids."""
    source = source_id if source_id is not None else await _source(db)
    entries = [
        FeedEntry(
            title=title,
            url=f"https://news.example/{source}/{i}",
            guid=f"{source}-{i}",
            text=body,
            published_at=seen - age,
        )
        for i, (title, body, age) in enumerate(items)
    ]
    languages = {entry.url: language for entry in entries}
    async with db.transaction() as session:
        new = await insert_new_articles(session, source, entries, seen, languages=languages)
    return [article.id for article in new]


async def _titles(db: Database, typed: str, *, page: int = 0) -> list[str]:
    found = await search(db, parse_search(typed, NOW), NOW, page=page)
    return [headline.title for headline in found.headlines]


async def test_every_word_must_appear_in_title_or_text(db: Database) -> None:
    await _store(
        db,
        [
            ("Iran talks resume in Vienna", "Diplomats met on Monday.", HOUR),
            ("Markets rally", "Oil fell after news from Iran and Vienna.", 2 * HOUR),
            ("Weather", "Rain in Vienna.", 3 * HOUR),
        ],
    )
    assert await _titles(db, "iran") == ["Iran talks resume in Vienna", "Markets rally"]
    assert await _titles(db, "IRAN vienna") == ["Iran talks resume in Vienna", "Markets rally"]
    assert await _titles(db, "vienna rain") == ["Weather"]
    assert await _titles(db, "tokyo") == []


async def test_arabic_finds_the_article_with_or_without_diacritics_and_prefixes(
    db: Database,
) -> None:
    await _store(
        db,
        [
            ("اشتباكاتٌ عنيفة في العِراق", "قالت مصادر إنّ القتال استمر.", HOUR),
            ("أخبار المدرسة", "افتتاح مدرسة جديدة في بغداد.", 2 * HOUR),
        ],
        language="ar",
    )
    for typed in ("العراق", "عراق", "والعراق", "بالعراق", "العِرَاقُ"):
        assert await _titles(db, typed) == ["اشتباكاتٌ عنيفة في العِراق"], typed
    # Taa marbuta and alef forms: مدرسة / مدرسه, أخبار / اخبار.
    assert await _titles(db, "مدرسه") == ["أخبار المدرسة"]
    assert await _titles(db, "اخبار") == ["أخبار المدرسة"]


async def test_a_quoted_phrase_must_appear_as_written(db: Database) -> None:
    await _store(
        db,
        [
            ("Hasakah prison attacked", "", HOUR),
            ("Prison guards in Hasakah on strike", "", 2 * HOUR),
        ],
    )
    assert await _titles(db, '"hasakah prison"') == ["Hasakah prison attacked"]
    assert await _titles(db, "“Hasakah prison”") == ["Hasakah prison attacked"]
    assert len(await _titles(db, "hasakah prison")) == 2


async def test_excluded_words_leave_articles_out(db: Database) -> None:
    await _store(
        db,
        [
            ("Iran talks resume", "", HOUR),
            ("Iran wins the football final", "", 2 * HOUR),
            ("Iran league: derby tonight", "", 3 * HOUR),
        ],
    )
    assert await _titles(db, "iran -football") == [
        "Iran talks resume",
        "Iran league: derby tonight",
    ]
    assert await _titles(db, "iran -football —derby") == ["Iran talks resume"]


async def test_since_keeps_only_what_happened_since(db: Database) -> None:
    await _store(
        db,
        [
            ("Flood warning today", "", HOUR),
            ("Flood warning last week", "", 8 * DAY),
            ("Flood warning last month", "", 40 * DAY),
        ],
    )
    assert await _titles(db, "flood since:7d") == ["Flood warning today"]
    assert await _titles(db, "flood since:24h") == ["Flood warning today"]
    assert await _titles(db, "flood since:2w") == ["Flood warning today", "Flood warning last week"]
    since_date = (NOW - 10 * DAY).date().isoformat()
    assert await _titles(db, f"flood since:{since_date}") == [
        "Flood warning today",
        "Flood warning last week",
    ]


async def test_lang_keeps_only_articles_in_that_language(db: Database) -> None:
    wire = await _source(db)
    await _store(db, [("Gaza ceasefire talks", "", HOUR)], source_id=wire, language="en")
    await _store(
        db, [("Gaza ceasefire: محادثات غزة", "", 2 * HOUR)], source_id=await _source(db, "Ar")
    )
    async with db.transaction() as session:
        await session.execute(
            update(Article).where(Article.title.like("%غزة%")).values(language="ar")
        )
    assert await _titles(db, "gaza lang:ar") == ["Gaza ceasefire: محادثات غزة"]
    assert await _titles(db, "gaza lang:en") == ["Gaza ceasefire talks"]
    assert len(await _titles(db, "gaza")) == 2


async def test_relevance_and_recency_both_count(db: Database) -> None:
    await _store(
        db,
        [
            ("Drought in the south", "A long report.", 2 * HOUR),
            ("Farm prices", "Farmers blame the drought.", HOUR),
            ("Drought: a year on", "", 365 * DAY),
        ],
    )
    # The word in the title beats the word in the text of a slightly newer article, and a
    # year-old title match comes after both.
    assert await _titles(db, "drought") == [
        "Drought in the south",
        "Farm prices",
        "Drought: a year on",
    ]


async def test_a_story_with_several_copies_appears_once(db: Database) -> None:
    first = await _store(db, [("Quake hits the coast", "", 2 * HOUR)])
    copies = await _store(db, [("Quake hits the coast, dozens hurt", "", HOUR)])
    other = await _store(db, [("Quake drill at schools", "", 3 * HOUR)])
    async with db.transaction() as session:
        await session.execute(
            update(Article).where(Article.id.in_(first + copies)).values(story_id=first[0])
        )
        await session.execute(
            update(Article).where(Article.id.in_(other)).values(story_id=other[0])
        )
    titles = await _titles(db, "quake")
    assert len(titles) == 2
    assert "Quake drill at schools" in titles
    assert len({"Quake hits the coast", "Quake hits the coast, dozens hurt"} & set(titles)) == 1


async def test_results_come_ten_a_page(db: Database) -> None:
    await _store(db, [(f"Election update {n}", "", n * HOUR) for n in range(1, 26)])
    first = await search(db, parse_search("election", NOW), NOW)
    assert (first.page, first.pages, len(first.headlines)) == (0, 3, 10)
    assert first.headlines[0].title == "Election update 1"
    third = await search(db, parse_search("election", NOW), NOW, page=2)
    assert [h.title for h in third.headlines] == [f"Election update {n}" for n in range(21, 26)]
    past_the_end = await search(db, parse_search("election", NOW), NOW, page=9)
    assert past_the_end.page == 2


async def test_an_article_emptied_by_retention_is_found_only_by_what_it_still_holds(
    db: Database,
) -> None:
    old = NOW - 200 * DAY
    await _store(db, [("Harbour reopens", "Dockers returned to the quays.", HOUR)], seen=old)
    assert await _titles(db, "dockers") == ["Harbour reopens"]
    await retention.prune(db, RetentionPolicy(article_text=90 * DAY), now=NOW, pause=0)
    assert await _titles(db, "dockers") == []
    assert await _titles(db, "harbour") == ["Harbour reopens"]


async def test_articles_removed_with_their_source_leave_the_index(db: Database) -> None:
    gone = await _source(db, "Gone")
    await _store(db, [("Bridge collapse", "", HOUR)], source_id=gone)
    await _store(db, [("Bridge repaired", "", HOUR)], source_id=await _source(db, "Kept"))
    assert len(await _titles(db, "bridge")) == 2
    await source_admin.remove_source(db, gone)
    assert await _titles(db, "bridge") == ["Bridge repaired"]


@pytest.mark.parametrize(
    "typed",
    ["", "   ", "-football", "since:7d", '"open quote', "since:tuesday iran", "lang:1 iran"],
)
def test_a_query_it_cannot_use_is_refused_in_one_line(typed: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_search(typed, NOW)
    assert "\n" not in str(refused.value)
    if not typed.strip():
        assert isinstance(refused.value, EmptyQuery)


def _before_search() -> str:
    """The revision the search migration follows (it may be renumbered when others land)."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    for revision in scripts.walk_revisions():
        if str(revision.path).endswith("_search_index.py"):
            return str(revision.down_revision)
    raise AssertionError("no search migration")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_before_search(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database one migration before the search index (PostgreSQL: the session's own,
    emptied; the test brings it back to head)."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    else:
        url = str(request.getfixturevalue("postgres_url"))
        asyncio.run(_emptied(url))
    migrate.upgrade(url, _before_search())
    migrate.downgrade(url, _before_search())
    return url


async def _emptied(url: str) -> None:
    db = Database(url)
    try:
        await _empty_all_tables(db)
    finally:
        await db.close()


async def _seed_before_search(url: str) -> None:
    db = Database(url)
    try:
        async with db.transaction() as session:
            session.add(
                Source(
                    id=1, url="https://a.example/rss", name="A", fetch_interval=900, created_at=NOW
                )
            )
            await session.flush()
            session.add(
                Article(
                    id=1,
                    source_id=1,
                    guid="g",
                    url="https://a.example/1",
                    title="Stored before search existed",
                    text="العِراق",
                    first_seen_at=NOW,
                    sort_at=NOW,
                )
            )
    finally:
        await db.close()


async def _search_all(url: str, queries: list[str]) -> list[str]:
    db = Database(url)
    try:
        return [title for typed in queries for title in await _titles(db, typed)]
    finally:
        await db.close()


def test_the_migration_indexes_the_articles_stored_before_it(database_before_search: str) -> None:
    asyncio.run(_seed_before_search(database_before_search))
    migrate.upgrade(database_before_search)
    typed = ["existed", "والعراق", "existed since:7d"]
    found = asyncio.run(_search_all(database_before_search, typed))
    assert found == ["Stored before search existed"] * 3


@pytest.mark.parametrize("typed", ["lang:ar", "since:7d", "since:7d lang:en"])
def test_a_search_with_only_filters_asks_for_a_word_too(typed: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_search(typed, NOW)
    assert caught.value.message == "Say a word to look for too, e.g. %(example)s"


def test_a_language_that_does_not_exist_is_refused() -> None:
    with pytest.raises(InvalidInput, match="lang:"):
        parse_search("iran lang:xx", NOW)
    assert parse_search("iran lang:fa", NOW).languages == ("fa",)
