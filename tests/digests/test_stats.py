"""/stats numbers on seeded data (SQLite and PostgreSQL), percentiles, and the chart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from digests import stats
from digests.db import Database
from digests.models import Article, Broadcast, Chat, OutboxMessage, Source, Subscription, Topic
from digests.render import Renderer
from digests.store.outbox import Lane

DIGEST = int(Lane.DIGEST)

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
TODAY = datetime(2026, 11, 24, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n"


def _chat(chat_id: int, *, active: bool = True) -> Chat:
    return Chat(
        id=chat_id,
        kind="private",
        title="",
        timezone="UTC",
        digest_times="08:00",
        active=active,
        created_at=NOW - timedelta(days=60),
        updated_at=NOW,
    )


def _topic(topic_id: int, name: str) -> Topic:
    return Topic(
        id=topic_id,
        name=name,
        name_key=name.casefold(),
        keywords=[name.casefold()],
        exclude=[],
        created_at=NOW - timedelta(days=60),
        updated_at=NOW,
    )


_keys = iter(range(1_000_000))


def _outbox(
    *, lane: int, status: str, sent_at: datetime | None, due_at: datetime | None = None
) -> OutboxMessage:
    return OutboxMessage(
        key=f"k{next(_keys)}",
        chat_id=1,
        lane=lane,
        text="x",
        status=status,
        not_before=NOW - timedelta(days=40),
        due_at=due_at,
        created_at=NOW - timedelta(days=40),
        sent_at=sent_at,
    )


def _source(source_id: int, name: str, failures: int, error: str | None = None) -> Source:
    return Source(
        id=source_id,
        url=f"https://{source_id}.example/rss",
        name=name,
        fetch_interval=900,
        consecutive_failures=failures,
        last_error=error,
        created_at=NOW - timedelta(days=60),
    )


def _article(article_id: int, seen: datetime) -> Article:
    return Article(
        id=article_id,
        source_id=1,
        guid=str(article_id),
        url=f"https://n.example/{article_id}",
        title="t",
        first_seen_at=seen,
        sort_at=seen,
    )


async def seed(db: Database, now: datetime = NOW) -> None:
    """4 chats (1 inactive), 3 topics, digests today and before, broadcasts, articles, sources.

    "Today" events happen at ``mark``: 10 minutes before ``now``, but never before midnight.
    """
    mark = max(stats.day_start(now), now - timedelta(minutes=10))
    async with db.transaction() as session:
        session.add_all([_chat(1), _chat(2), _chat(3), _chat(4, active=False)])
        session.add_all([_topic(1, "Syria"), _topic(2, "Sport"), _topic(3, "Empty")])
        session.add_all([_source(1, "Good", 0), _source(2, "Broken", 3, "HTTP 500 from server")])
        await session.flush()
        # First subscriptions: chat 4 before the 30-day window, chat 1 10 days ago, chat 2 5
        # days ago (its second one later must not count twice), chat 3 today.
        session.add_all(
            [
                Subscription(chat_id=4, topic_id=1, created_at=now - timedelta(days=40)),
                Subscription(chat_id=1, topic_id=1, created_at=now - timedelta(days=10)),
                Subscription(chat_id=2, topic_id=1, created_at=now - timedelta(days=5)),
                Subscription(chat_id=2, topic_id=2, created_at=now - timedelta(days=2)),
                Subscription(chat_id=3, topic_id=2, created_at=mark),
            ]
        )
        due = mark
        for late in (10, 20, 30, 40, 100):  # seconds: p50 30 s, p95 88 s
            session.add(
                _outbox(
                    lane=DIGEST, status="sent", sent_at=due + timedelta(seconds=late), due_at=due
                )
            )
        # Sent early: counts as on time, not as negative lateness.
        session.add(
            _outbox(lane=DIGEST, status="sent", sent_at=due - timedelta(seconds=5), due_at=due)
        )
        session.add(_outbox(lane=DIGEST, status="pending", sent_at=None, due_at=due))
        session.add(_outbox(lane=0, status="sent", sent_at=mark + timedelta(seconds=1)))
        yesterday = now - timedelta(days=1)
        for _ in range(3):
            session.add(_outbox(lane=DIGEST, status="sent", sent_at=yesterday, due_at=yesterday))
        session.add(_outbox(lane=1, status="failed", sent_at=None))
        session.add_all(
            [
                Broadcast(
                    admin_id=42, text="b", audience="all", created_at=now - timedelta(days=2)
                ),
                Broadcast(
                    admin_id=42, text="a", audience="all", created_at=now - timedelta(days=10)
                ),
            ]
        )
        session.add_all(
            [
                _article(1, now - timedelta(hours=1)),
                _article(2, now - timedelta(hours=5)),
                _article(3, now - timedelta(hours=23)),
                _article(4, now - timedelta(hours=25)),
            ]
        )


async def test_stats_numbers_on_seeded_data(db: Database) -> None:
    await seed(db)
    found = await stats.gather_stats(db, now=NOW)
    assert (found.active_chats, found.inactive_chats) == (3, 1)
    assert [(t.name, t.chats) for t in found.topics] == [("Syria", 3), ("Sport", 2), ("Empty", 0)]
    assert found.digests_today == 6
    assert found.lateness_p50 == pytest.approx(25.0)  # 0, 10, 20, 30, 40, 100
    assert found.lateness_p95 == pytest.approx(85.0)
    assert found.broadcasts_week == 1
    assert found.articles_24h == 3
    assert [(s.name, s.consecutive_failures) for s in found.failing_sources] == [("Broken", 3)]


async def test_stats_on_an_empty_database(db: Database) -> None:
    found = await stats.gather_stats(db, now=NOW)
    assert (found.active_chats, found.inactive_chats, found.digests_today) == (0, 0, 0)
    assert found.lateness_p50 is None and found.lateness_p95 is None
    assert found.topics == () and found.failing_sources == ()
    series = await stats.daily_series(db, now=NOW)
    assert series.subscribers == (0,) * 30 and series.messages == (0,) * 30


async def test_daily_series_counts_subscribed_chats_and_messages_per_day(db: Database) -> None:
    await seed(db)
    series = await stats.daily_series(db, now=NOW)
    assert len(series.days) == 30
    assert series.days[-1] == TODAY.date()
    assert series.days[0] == (TODAY - timedelta(days=29)).date()
    by_day = dict(zip(series.days, series.subscribers, strict=True))
    ago = {n: (TODAY - timedelta(days=n)).date() for n in range(30)}
    assert by_day[ago[29]] == 1  # chat 4, subscribed 40 days ago
    assert by_day[ago[11]] == 1
    assert by_day[ago[10]] == 2  # chat 1
    assert by_day[ago[5]] == 3  # chat 2
    assert by_day[ago[1]] == 3  # chat 2's second topic adds no chat
    assert by_day[ago[0]] == 4  # chat 3
    sent = dict(zip(series.days, series.messages, strict=True))
    assert sent[ago[0]] == 7  # 6 digests and a reply; not the pending or failed ones
    assert sent[ago[1]] == 3
    assert sum(series.messages) == 10


async def test_chart_is_a_png(db: Database) -> None:
    await seed(db)
    png = await stats.chart_png(db, now=NOW)
    assert png.startswith(PNG)
    assert len(png) > 1024


def test_percentile_interpolates_between_ranks() -> None:
    assert stats.percentile([], 50) is None
    assert stats.percentile([7.0], 95) == 7.0
    assert stats.percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert stats.percentile([4.0, 1.0, 3.0, 2.0], 100) == 4.0


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(None, "–"), (0.4, "0 s"), (59.6, "1 min 00 s"), (125, "2 min 05 s"), (3780, "1 h 03 min")],
)
def test_durations_read_naturally(seconds: float | None, shown: str) -> None:
    assert stats.human_seconds(seconds) == shown


async def test_sizes_count_rows_per_table_and_the_database_bytes(db: Database) -> None:
    await seed(db)
    found = await stats.gather_stats(db, now=NOW)
    rows = dict(found.sizes.rows)
    assert rows["outbox"] == 12
    assert rows["articles"] == 4
    assert rows["chats"] == 4 and rows["subscriptions"] == 5 and rows["broadcasts"] == 2
    assert rows["digest_editions"] == rows["stories"] == 0
    assert found.sizes.total_bytes > 100_000
    view = stats.stats_view(found)
    assert view["db_rows"].startswith("outbox 12 · articles 4 · article_topics 0")
    arabic = Renderer().render("stats", lang="ar", **view)
    assert f"قاعدة البيانات: {view['db_size']}" in arabic
    assert "الصفوف: outbox 12 · articles 4" in arabic


@pytest.mark.parametrize(
    ("size", "shown"), [(812_400, "812 kB"), (41_260_000, "41.3 MB"), (2_104_000_000, "2.10 GB")]
)
def test_sizes_read_naturally(size: int, shown: str) -> None:
    assert stats.human_bytes(size) == shown
