"""A fetch worker killed mid-fetch: another process fetches the source once the claim lapses.

Two ``newsbot run`` processes on PostgreSQL share the due sources through claims
(``FOR UPDATE SKIP LOCKED``). A process that dies while fetching leaves its claim behind; the
source must not be lost (fetched by a live process after ``FETCH_CLAIM_SECONDS``) nor stored
twice.
"""

from __future__ import annotations

import asyncio
import signal
import time

import pytest
from sqlalchemy import select

from digests.db import Database
from digests.models import Article, Source
from digests.timeutil import utcnow
from tests.support.botapi import BotApiServer
from tests.support.feeds import add_feed_source, rss
from tests.support.feedserver import FeedServer
from tests.support.processes import newsbot_env, spawn_newsbot

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]
HOLD = 3
HEADLINES = {f"Dam inspection report {i}": 1.0 + i for i in range(5)}


async def _stored(db: Database) -> list[str]:
    async with db.transaction() as session:
        return list(await session.scalars(select(Article.title).order_by(Article.title)))


async def test_a_source_whose_worker_died_mid_fetch_is_fetched_by_another_once(
    db: Database,
) -> None:
    feeds = FeedServer()
    await feeds.start()
    route = feeds.add("/slow.xml", rss(HEADLINES, title="Slow news"), delay=120)
    await add_feed_source(db, feeds.url("/slow.xml"), "Slow news", now=utcnow())
    processes: list[asyncio.subprocess.Process] = []
    try:
        async with BotApiServer() as server:
            env = newsbot_env(
                server.token, server.base_url, db.url,
                ALLOW_PRIVATE_SOURCES="true", FETCH_PAGES="false",
                FETCH_CLAIM_SECONDS=str(HOLD),
            )  # fmt: skip
            try:
                first = await spawn_newsbot({**env, "INSTANCE_NAME": "first"}, "run")
                processes.append(first)
                started = time.monotonic()
                while feeds.hits("/slow.xml") == 0:  # the first worker is inside the fetch
                    assert time.monotonic() - started < 60, "the first worker never fetched"
                    await asyncio.sleep(0.1)
                first.send_signal(signal.SIGKILL)
                await first.wait()
                route.delay = 0.0

                second = await spawn_newsbot({**env, "INSTANCE_NAME": "second"}, "run")
                processes.append(second)
                started = time.monotonic()
                while len(await _stored(db)) < len(HEADLINES):
                    assert time.monotonic() - started < 60, "the source was never fetched again"
                    await asyncio.sleep(0.2)
                await asyncio.sleep(1)  # anything stored twice would show by now
                stored = await _stored(db)
                async with db.transaction() as session:
                    source = (await session.scalars(select(Source))).one()
            finally:
                for process in processes:
                    if process.returncode is None:
                        process.send_signal(signal.SIGTERM)
                        await asyncio.wait_for(process.wait(), 60)
    finally:
        await feeds.stop()

    assert stored == sorted(HEADLINES), "an item was lost or stored twice"
    assert feeds.hits("/slow.xml") == 2
    assert source.last_success_at is not None and source.next_fetch_at > utcnow()
