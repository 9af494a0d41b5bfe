"""The running bot fetches each source on its own, on its interval, without a command."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select, update

from digests.db import Database
from digests.ingest import Ingest, make_fetcher
from digests.models import OutboxMessage
from digests.scheduler import NewsScheduler
from digests.settings import Settings
from digests.store import sources as source_store
from digests.store import state
from digests.store.outbox import Lane, OutboxDraft, enqueue
from digests.timeutil import utcnow
from tests.conftest import CORPUS
from tests.support.feeds import add_feed_source, rss
from tests.support.feedserver import FeedServer


async def test_sources_are_fetched_by_the_scheduler_and_paused_ones_are_not(db: Database) -> None:
    feeds = FeedServer(CORPUS)
    await feeds.start()
    settings = Settings(database_url=db.url, allow_private_sources=True, fetch_pages=False)
    async with db.transaction() as session:
        live = await source_store.add_source(
            session,
            url=feeds.url("/corpus/feeds/ffp-npr-world.xml"),
            name="NPR",
            kind="feed",
            fetch_interval=60,
            now=utcnow(),
        )
        paused = await source_store.add_source(
            session,
            url=feeds.url("/corpus/feeds/ffp-bbc-news-world.xml"),
            name="BBC",
            kind="feed",
            fetch_interval=60,
            now=utcnow(),
        )
        await source_store.set_paused(session, paused, True)
    fetcher = make_fetcher(settings)
    scheduler = NewsScheduler(db, settings, Ingest(db, settings, fetcher))
    scheduler.start()
    try:
        for _ in range(100):
            async with db.transaction() as session:
                infos = {s.id: s for s in await source_store.list_sources(session)}
            if infos[live].last_fetch_at is not None:
                break
            await asyncio.sleep(0.1)
        assert infos[live].last_success_at is not None
        assert infos[live].article_count > 0
        assert infos[paused].last_fetch_at is None
        assert feeds.hits("/corpus/feeds/ffp-bbc-news-world.xml") == 0
    finally:
        scheduler.shutdown()
        await fetcher.close()
        await feeds.stop()


async def test_the_scheduler_prunes_on_its_own(db: Database) -> None:
    settings = Settings(database_url=db.url, outbox_retention_days=1)
    async with db.transaction() as session:
        await enqueue(
            session, [OutboxDraft(key="old", chat_id=1, lane=Lane.DIGEST, text="x")], utcnow()
        )
        await session.execute(
            update(OutboxMessage).values(status="sent", created_at=utcnow() - timedelta(days=2))
        )
    fetcher = make_fetcher(settings)
    scheduler = NewsScheduler(db, settings, Ingest(db, settings, fetcher))
    await scheduler.prune()
    await fetcher.close()
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        assert await state.get_instant(session, state.PRUNE_TURN) is not None


async def test_several_workers_share_the_due_sources_and_fetch_each_once(db: Database) -> None:
    feeds = FeedServer()
    await feeds.start()
    settings = Settings(database_url=db.url, allow_private_sources=True, fetch_pages=False)
    count = 30
    for i in range(count):
        feeds.add(f"/f/{i}.xml", rss({}, title=f"feed {i}"), delay=0.05)
        await add_feed_source(db, feeds.url(f"/f/{i}.xml"), f"feed {i}", now=utcnow())
    # Three processes: each its own connection pool, fetcher and scheduler (clock not started).
    workers = []
    for _ in range(3):
        worker_db = Database(db.url)
        fetcher = make_fetcher(settings)
        ingest = Ingest(worker_db, settings, fetcher)
        workers.append((worker_db, fetcher, NewsScheduler(worker_db, settings, ingest,
                                                          parallel_fetches=4)))  # fmt: skip
    try:
        fetched = await asyncio.gather(*(s.fetch_due() for _, _, s in workers))
        again = await asyncio.gather(*(s.fetch_due() for _, _, s in workers))
    finally:
        for worker_db, fetcher, _ in workers:
            await fetcher.close()
            await worker_db.close()
        await feeds.stop()
    assert sum(fetched) == count and again == [0, 0, 0]
    assert [feeds.hits(f"/f/{i}.xml") for i in range(count)] == [1] * count
    if db.dialect == "postgresql":  # SQLite: one process anyway, the first may take them all
        assert all(n > 0 for n in fetched), fetched
    async with db.transaction() as session:
        infos = await source_store.list_sources(session)
        later = await source_store.claim_due(session, utcnow() + timedelta(seconds=899), 100,
                                             hold=60)  # fmt: skip
    assert all(info.last_success_at is not None for info in infos)
    assert later == [], "a source came due again before its interval"
