"""Alerts on SQLite and PostgreSQL: who gets one, the hourly cap, never twice, not in the digest."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from itertools import count

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digests.alerts import Alerts
from digests.db import Database
from digests.editions import run_tick
from digests.models import (
    Article,
    ArticleTopic,
    Chat,
    MutedSource,
    OutboxMessage,
    Source,
    Story,
    Subscription,
    Topic,
)
from digests.render import Renderer
from digests.settings import Settings
from digests.store.outbox import Lane
from digests.timeutil import as_utc

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
RENDERER = Renderer()
_ids = count(1)


async def chat_with_alert(
    db: Database, chat_id: int, *, languages: list[str] | None = None, active: bool = True
) -> int:
    """A chat with its digest at 18:00 UTC (last one yesterday) and an alert topic "dam"."""
    async with db.transaction() as session:
        session.add(
            Chat(
                id=chat_id,
                kind="private",
                title="t",
                language="en",
                timezone="UTC",
                digest_times="18:00",
                languages=languages,
                active=active,
                last_digest_at=NOW - timedelta(hours=18),
                next_digest_at=NOW + timedelta(hours=6),
                created_at=NOW - timedelta(days=5),
                updated_at=NOW - timedelta(days=5),
            )
        )
        await session.flush()
        topic = Topic(
            name="dam",
            name_key=f"dam {chat_id}",
            keywords=["dam"],
            exclude=[],
            owner_chat_id=chat_id,
            alert=True,
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(topic)
        await session.flush()
        session.add(Subscription(chat_id=chat_id, topic_id=topic.id, created_at=NOW))
        return topic.id


async def store(
    db: Database,
    title: str,
    topics: list[int],
    *,
    story: int | None = None,
    seen: datetime = NOW,
    language: str = "en",
    source: str = "wire",
) -> tuple[int, int]:
    """An article first seen at ``seen`` matching ``topics``; in ``story`` or a new one."""
    async with db.transaction() as session:
        return await add_article(session, title, topics, story, seen, language, source)


async def add_article(
    session: AsyncSession,
    title: str,
    topics: list[int],
    story: int | None = None,
    seen: datetime = NOW,
    language: str = "en",
    source: str = "wire",
) -> tuple[int, int]:
    """:func:`store` in the caller's unit of work."""
    n = next(_ids)
    found = await session.scalar(select(Source).where(Source.name == source))
    if found is None:
        found = Source(
            url=f"https://{source}.example/feed",
            name=source,
            kind="feed",
            fetch_interval=900,
            created_at=NOW,
        )
        session.add(found)
        await session.flush()
    if story is None:
        row = Story(first_seen_at=seen, title=title, updated_at=seen)
        session.add(row)
        await session.flush()
        story = row.id
    article = Article(
        source_id=found.id,
        guid=f"g{n}",
        url=f"https://news.example/{n}",
        title=title,
        summary="",
        language=language,
        first_seen_at=seen,
        sort_at=seen,
        story_id=story,
    )
    session.add(article)
    await session.flush()
    for topic_id in topics:
        session.add(
            ArticleTopic(
                article_id=article.id,
                topic_id=topic_id,
                strength=3,
                matched="dam",
                sort_at=seen,
            )
        )
    return article.id, story


async def queue(
    db: Database, article_ids: list[int], now: datetime = NOW, per_hour: int = 3
) -> int:
    async with db.transaction() as session:
        return await Alerts(RENDERER, per_hour=per_hour).queue(session, article_ids, now)


async def alerts_for(db: Database, chat_id: int) -> list[OutboxMessage]:
    async with db.transaction() as session:
        rows = await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.chat_id == chat_id, OutboxMessage.lane == int(Lane.ALERT))
            .order_by(OutboxMessage.id)
        )
        return list(rows)


async def test_cap_per_hour_then_more_after_the_hour(db: Database) -> None:
    topic = await chat_with_alert(db, 1)
    first = [(await store(db, f"Dam {n}", [topic]))[0] for n in range(4)]
    assert await queue(db, first, per_hour=2) == 2
    sent = await alerts_for(db, 1)
    assert [m.key.split(":")[0] for m in sent] == ["alert", "alert"]
    assert "Dam 0" in sent[0].text and "Dam 1" in sent[1].text
    assert all(as_utc(m.not_before) == NOW for m in sent)

    later = NOW + timedelta(minutes=59)
    fresh = (await store(db, "Dam late", [topic], seen=later))[0]
    assert await queue(db, [fresh], later, per_hour=2) == 0  # still two within the hour
    after = NOW + timedelta(hours=1, minutes=1)
    newest = (await store(db, "Dam newest", [topic], seen=after))[0]
    assert await queue(db, [newest], after, per_hour=2) == 1


async def test_never_the_same_story_twice_even_from_another_source(db: Database) -> None:
    topic = await chat_with_alert(db, 1)
    article, story = await store(db, "Dam breaks", [topic])
    assert await queue(db, [article]) == 1
    copy, _ = await store(db, "Dam breaks", [topic], story=story, source="other")
    assert await queue(db, [copy], NOW + timedelta(minutes=5)) == 0
    assert await queue(db, [article]) == 0  # the same batch again (a retried ingest)
    assert len(await alerts_for(db, 1)) == 1


async def test_an_old_story_a_muted_source_a_language_or_an_inactive_chat_get_none(
    db: Database,
) -> None:
    topic = await chat_with_alert(db, 1, languages=["en"])
    quiet = await chat_with_alert(db, 2, active=False)
    # A copy of a story first seen before the chat's last digest: it may have had it.
    _, old_story = await store(db, "Dam, before", [], seen=NOW - timedelta(hours=20))
    late_copy, _ = await store(db, "Dam, before", [topic], story=old_story)
    arabic, _ = await store(db, "سد", [topic], language="ar")
    muted, _ = await store(db, "Dam from the muted", [topic], source="muted")
    inactive, _ = await store(db, "Dam for nobody", [quiet])
    async with db.transaction() as session:
        source = await session.scalar(select(Source.id).where(Source.name == "muted"))
        session.add(MutedSource(chat_id=1, source_id=source, created_at=NOW))
    assert await queue(db, [late_copy, arabic, muted, inactive]) == 0


async def test_alerted_stories_are_left_out_of_the_next_digest(db: Database) -> None:
    topic = await chat_with_alert(db, 1)
    sent, _ = await store(db, "Dam alert", [topic])
    capped = [(await store(db, f"Dam waits {n}", [topic]))[0] for n in range(3)]
    assert await queue(db, [sent, *capped], per_hour=1) == 1
    report = await run_tick(db, RENDERER, now=NOW + timedelta(hours=6), catch_up=timedelta(hours=6))
    assert report.queued == 1
    async with db.transaction() as session:
        digest = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.lane == int(Lane.DIGEST))
        )
    assert digest is not None
    assert "Dam alert" not in digest.text
    assert all(f"Dam waits {n}" in digest.text for n in range(3))


def test_alerts_per_hour_is_a_setting() -> None:
    assert Settings().alerts_per_hour == 3
    assert Settings(alerts_per_hour=0).alerts_per_hour == 0  # alerts off for everyone


async def test_two_processes_at_once_keep_the_hourly_cap(db: Database) -> None:
    topic = await chat_with_alert(db, 1)
    other = Database(db.url)  # another process's pool, as a second `newsbot run` has

    async def ingest(database: Database, side: str) -> int:
        # As ingest does: the articles are stored, then alerts queued, in one transaction.
        async with database.transaction() as session:
            ids = [
                (await add_article(session, f"Dam {side} {n}", [topic], source=side))[0]
                for n in range(3)
            ]
            return await Alerts(RENDERER, per_hour=3).queue(session, ids, NOW)

    try:
        done = await asyncio.gather(ingest(db, "east"), ingest(other, "west"))
    finally:
        await other.close()
    assert sum(done) == 3
    assert len(await alerts_for(db, 1)) == 3
