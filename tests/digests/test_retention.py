"""Retention on both databases: rows past their age go, rows within stay, and nothing a queued
message, a running broadcast or a story's first sighting needs is removed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from itertools import count

from sqlalchemy import func, select, text

from digests import migrate, retention, stats
from digests.db import Database
from digests.models import (
    Article,
    ArticleSignature,
    ArticleTopic,
    Broadcast,
    Chat,
    DigestEdition,
    EventKey,
    EventProfile,
    EventTerm,
    OutboxMessage,
    SentAlert,
    Source,
    Story,
    StoryKey,
    Topic,
)
from digests.retention import RetentionPolicy
from digests.settings import load_settings
from digests.store import space
from digests.store import stories as story_store

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
DAY = timedelta(days=1)
_ids = count(1)


def _outbox(status: str, age: timedelta, *, broadcast_id: int | None = None) -> OutboxMessage:
    created = NOW - age
    return OutboxMessage(
        key=f"k{next(_ids)}",
        chat_id=1,
        lane=1 if broadcast_id else 2,
        text="digest " * 400,
        status=status,
        not_before=created,
        created_at=created,
        sent_at=created + timedelta(minutes=1) if status == "sent" else None,
        broadcast_id=broadcast_id,
    )


def _article(article_id: int, age: timedelta, story_id: int | None = None) -> Article:
    seen = NOW - age
    return Article(
        id=article_id,
        source_id=1 if article_id % 2 else 2,
        guid=f"g{article_id}",
        url=f"https://news.example/{article_id}",
        title=f"Title {article_id}",
        summary=f"Summary {article_id}",
        text=f"Full text {article_id} " * 50,
        lead=f"Lead {article_id}.",
        first_seen_at=seen,
        sort_at=seen,
        story_id=story_id,
    )


def _broadcast(broadcast_id: int, age: timedelta, status: str) -> Broadcast:
    return Broadcast(
        id=broadcast_id,
        admin_id=1,
        text="Breaking",
        audience="all",
        status=status,
        created_at=NOW - age,
    )


async def _seed(db: Database) -> None:
    async with db.transaction() as session:
        session.add_all(
            [
                Source(
                    id=s,
                    url=f"https://{s}.example/rss",
                    name=f"Source {s}",
                    fetch_interval=900,
                    created_at=NOW - 200 * DAY,
                )
                for s in (1, 2)
            ]
        )
        session.add(
            Topic(
                id=1,
                name="Syria",
                name_key="syria",
                keywords=["syria"],
                exclude=[],
                created_at=NOW,
                updated_at=NOW,
            )
        )
        # A story first seen 120 days ago by source 1, republished 100 days later by source 2.
        session.add(
            Story(
                id=1,
                first_article_id=1,
                first_source_id=1,
                first_seen_at=NOW - 120 * DAY,
                first_published_at=NOW - 121 * DAY,
                title="Title 1",
                article_count=2,
                updated_at=NOW,
            )
        )
        await session.flush()
        session.add_all(
            [
                _article(1, 120 * DAY, story_id=1),
                _article(2, 20 * DAY, story_id=1),
                _article(3, 100 * DAY),
                _article(4, 10 * DAY),
            ]
        )
        await session.flush()
        session.add_all(
            [ArticleTopic(article_id=a, topic_id=1, sort_at=NOW - 120 * DAY) for a in (1, 3)]
        )
        session.add_all(
            [
                ArticleSignature(article_id=1, signature=b"\x01old", created_at=NOW - 120 * DAY),
                ArticleSignature(article_id=2, signature=b"\x01mid", created_at=NOW - 20 * DAY),
                ArticleSignature(article_id=4, signature=b"\x01new", created_at=NOW - 2 * DAY),
            ]
        )
        session.add_all(
            [
                StoryKey(key=key, article_id=article_id, created_at=NOW - age * DAY)
                for article_id, age in ((1, 120), (2, 20), (4, 2))
                for key in (article_id * 10, article_id * 10 + 1, -7)  # -7: a band they share
            ]
        )
        session.add_all(
            [
                EventProfile(
                    story_id=story, event_id=1, source_id=1, at=NOW - age * DAY, profile=b"p"
                )
                for story, age in ((1, 20), (2, 2))
            ]
            + [
                EventKey(key=key, story_id=story, at=NOW - age * DAY)
                for story, age in ((1, 20), (2, 2))
                for key in (story * 10, -7)
            ]
            + [
                EventTerm(key=key, day=NOW - age * DAY, stories=3)
                for age in (20, 2)
                for key in (0, 5)
            ]
        )
        session.add_all(
            [
                _broadcast(1, 40 * DAY, "done"),
                _broadcast(2, 40 * DAY, "queued"),  # still being sent: kept
                _broadcast(3, 5 * DAY, "done"),
            ]
        )
        session.add_all(
            [
                DigestEdition(
                    chat_id=1,
                    period=f"p{age}",
                    slot_at=NOW - age * DAY,
                    items=5,
                    parts=1,
                    created_at=NOW - age * DAY,
                )
                for age in (45, 31, 29, 1)
            ]
        )
        session.add(
            Chat(
                id=1,
                kind="private",
                timezone="UTC",
                digest_times="08:00",
                created_at=NOW - 60 * DAY,
                updated_at=NOW - 60 * DAY,
            )
        )
        await session.flush()
        session.add_all(
            [
                SentAlert(
                    chat_id=1, story_id=age, article_id=4, topic_id=1, queued_at=NOW - age * DAY
                )
                for age in (40, 2)
            ]
        )
        session.add_all(
            [
                _outbox("sent", 8 * DAY),
                _outbox("sent", 8 * DAY),
                _outbox("dropped", 9 * DAY),
                _outbox("sent", 6 * DAY),
                _outbox("failed", 20 * DAY),  # failed rows are kept 30 days
                _outbox("failed", 31 * DAY),
                _outbox("pending", 60 * DAY),  # queued: never pruned, however old
                _outbox("sending", 60 * DAY),  # in flight: never pruned
                _outbox("sent", 40 * DAY, broadcast_id=2),  # its broadcast is still running
                _outbox("sent", 40 * DAY, broadcast_id=1),
            ]
        )


async def _outbox_left(db: Database) -> list[tuple[str, int]]:
    async with db.transaction() as session:
        rows = await session.execute(
            select(OutboxMessage.status, OutboxMessage.created_at).order_by(OutboxMessage.id)
        )
        return [(status, (NOW - created).days) for status, created in rows]


async def _count(db: Database, model: type) -> int:
    async with db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_rows_past_retention_go_and_rows_within_stay(db: Database) -> None:
    await _seed(db)
    report = await retention.prune(db, RetentionPolicy(), now=NOW, pause=0)

    assert report.removed == {
        "outbox (sent, dropped)": 4,
        "outbox (failed)": 1,
        "article texts and leads": 2,
        "digest editions": 2,
        "alerts sent": 1,
        "broadcasts": 1,
        "story signatures": 2,
        "story keys": 6,
        "event profiles": 1,
        "event keys": 2,
        "event term counts": 2,
    }
    assert await _outbox_left(db) == [
        ("sent", 6),
        ("failed", 20),
        ("pending", 60),
        ("sending", 60),
        ("sent", 40),
    ]
    async with db.transaction() as session:
        broadcasts = set(await session.scalars(select(Broadcast.id)))
        editions = sorted(
            (NOW - c).days for c in await session.scalars(select(DigestEdition.created_at))
        )
        signed = set(await session.scalars(select(ArticleSignature.article_id)))
        keyed = set(await session.execute(select(StoryKey.key, StoryKey.article_id)))
        event_keys = set(await session.execute(select(EventKey.key, EventKey.story_id)))
        profiled = set(await session.scalars(select(EventProfile.story_id)))
        articles = {
            a.id: (a.title, a.summary, bool(a.text), bool(a.lead))
            for a in await session.scalars(select(Article))
        }
    assert keyed == {(40, 4), (41, 4), (-7, 4)}  # a shared band key stays for the newer one
    assert event_keys == {(20, 2), (-7, 2)}
    assert profiled == {2}
    assert broadcasts == {2, 3}
    assert editions == [1, 29]
    assert signed == {4}
    # Old articles keep their row, title and summary; only the full text and lead go.
    assert articles == {
        1: ("Title 1", "Summary 1", False, False),
        2: ("Title 2", "Summary 2", True, True),
        3: ("Title 3", "Summary 3", False, False),
        4: ("Title 4", "Summary 4", True, True),
    }


async def test_a_storys_first_sighting_and_matches_stay(db: Database) -> None:
    await _seed(db)
    async with db.transaction() as session:
        before = await story_store.story_facts(session, [1])
    await retention.prune(db, RetentionPolicy(), now=NOW, pause=0)
    async with db.transaction() as session:
        after = await story_store.story_facts(session, [1])
        matched = set(await session.scalars(select(ArticleTopic.article_id)))
    assert after == before
    assert after[1].first_source == "Source 1"
    assert after[1].first_reported_at == NOW - 121 * DAY
    assert after[1].sources == ("Source 1", "Source 2")
    assert matched == {1, 3}


async def test_dry_run_counts_what_a_prune_removes_and_removes_nothing(db: Database) -> None:
    await _seed(db)
    dry = await retention.prune(db, RetentionPolicy(), now=NOW, dry_run=True)
    assert await _count(db, OutboxMessage) == 10
    assert await _count(db, ArticleSignature) == 3
    real = await retention.prune(db, RetentionPolicy(), now=NOW, pause=0)
    assert dry.removed == real.removed
    again = await retention.prune(db, RetentionPolicy(), now=NOW, dry_run=True)
    assert again.total == 0


async def test_small_batches_remove_everything_and_a_second_pass_finds_nothing(
    db: Database,
) -> None:
    async with db.transaction() as session:
        session.add_all([_outbox("sent", 10 * DAY) for _ in range(25)])
        session.add_all([_outbox("sent", 1 * DAY) for _ in range(3)])
    policy = RetentionPolicy(batch_rows=10)
    report = await retention.prune(db, policy, now=NOW, pause=0)
    assert report.removed["outbox (sent, dropped)"] == 25
    assert report.batches >= 3
    assert await _count(db, OutboxMessage) == 3
    assert (await retention.prune(db, policy, now=NOW, pause=0)).total == 0


async def test_article_texts_are_emptied_as_they_age_past_retention(db: Database) -> None:
    await _seed(db)
    policy = RetentionPolicy(batch_rows=10)
    assert (await retention.prune(db, policy, now=NOW, pause=0)).removed[
        "article texts and leads"
    ] == 2
    # 75 days later article 2 (first seen 20 days before NOW) is 95 days old; article 4 is 85.
    later = await retention.prune(db, policy, now=NOW + 75 * DAY, pause=0)
    assert later.removed["article texts and leads"] == 1
    async with db.transaction() as session:
        texts = dict((await session.execute(select(Article.id, Article.text))).all())
    assert [a for a, t in sorted(texts.items()) if t] == [4]


async def test_zero_days_keeps_that_kind_forever(db: Database, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OUTBOX_RETENTION_DAYS", "0")
    monkeypatch.setenv("HISTORY_RETENTION_DAYS", "0")
    policy = RetentionPolicy.from_settings(load_settings())
    await _seed(db)
    report = await retention.prune(db, policy, now=NOW, pause=0)
    assert report.removed["outbox (sent, dropped)"] == 0
    assert report.removed["digest editions"] == report.removed["broadcasts"] == 0
    assert report.removed["outbox (failed)"] == 1


async def test_the_per_day_chart_keeps_counting_pruned_messages(db: Database) -> None:
    async with db.transaction() as session:
        for age in (3, 10, 10, 12, 20):
            session.add(_outbox("sent", age * DAY))
        session.add(_outbox("dropped", 10 * DAY))
    before = await stats.daily_series(db, now=NOW)
    report = await retention.prune(db, RetentionPolicy(batch_rows=2), now=NOW, pause=0)
    assert report.removed["outbox (sent, dropped)"] == 5
    after = await stats.daily_series(db, now=NOW)
    assert after.messages == before.messages
    assert sum(after.messages) == 5


async def test_one_process_prunes_per_hour_however_many_ask(db: Database) -> None:
    turns = await asyncio.gather(*(retention.take_turn(db, now=NOW) for _ in range(4)))
    assert sorted(turns) == [False, False, False, True]
    assert not await retention.take_turn(db, now=NOW + timedelta(minutes=59))
    assert await retention.take_turn(db, now=NOW + timedelta(minutes=61))


async def test_scheduled_prune_runs_only_with_the_turn(db: Database) -> None:
    await _seed(db)
    first = await retention.scheduled_prune(db, RetentionPolicy(), now=NOW)
    assert first is not None and first.total == 24
    assert await retention.scheduled_prune(db, RetentionPolicy(), now=NOW) is None


async def test_a_new_sqlite_database_gives_pruned_space_back(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite+aiosqlite:///{tmp_path / 'space.db'}"
    await asyncio.to_thread(migrate.upgrade, url)
    db = Database(url)
    try:
        async with db.transaction() as session:
            assert await session.scalar(text("PRAGMA auto_vacuum")) == 2  # incremental
            session.add_all([_outbox("sent", 10 * DAY) for _ in range(300)])
        async with db.transaction() as session:
            full = await space.database_size(session)
        report = await retention.prune(db, RetentionPolicy(batch_rows=100), now=NOW, pause=0)
        assert report.removed["outbox (sent, dropped)"] == 300
        assert report.pages_freed > 0
        async with db.transaction() as session:
            after = await space.database_size(session)
        assert after.free_bytes == 0
        assert after.total_bytes < full.total_bytes - 600_000  # 300 rows of ~2.8 kB each
    finally:
        await db.close()


async def test_article_texts_with_one_timestamp_are_walked_in_small_batches(db: Database) -> None:
    async with db.transaction() as session:
        session.add_all(
            [
                Source(
                    id=s, url=f"https://{s}.example/", name="S", fetch_interval=900, created_at=NOW
                )
                for s in (1, 2)
            ]
        )
        await session.flush()
        session.add_all([_article(n, 100 * DAY) for n in range(1, 24)])  # all seen at once
    report = await retention.prune(db, RetentionPolicy(batch_rows=5), now=NOW, pause=0)
    assert report.removed["article texts and leads"] == 23
    assert report.batches >= 5
    async with db.transaction() as session:
        assert not [t for t in await session.scalars(select(Article.text)) if t]
