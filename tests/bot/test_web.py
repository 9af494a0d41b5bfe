"""The operators' HTTP server: /healthz, /readyz and /metrics, here in long-polling mode."""

from __future__ import annotations

import json

import telegram
from prometheus_client.parser import text_string_to_metric_families

from bot.health import BotApiWatch, Readiness
from digests.db import Database
from digests.settings import Settings
from digests.store import outbox
from digests.store.outbox import Lane, OutboxDraft
from digests.timeutil import utcnow
from tests.support.botapi import BotApiServer
from tests.support.service import free_port, get, running


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def test_health_readiness_and_metrics_while_polling(db: Database) -> None:
    async with BotApiServer() as server:
        port = free_port()
        settings = Settings(
            bot_token=server.token,  # type: ignore[arg-type]
            bot_api_url=server.base_url,
            database_url=db.url,
            http_listen=f"127.0.0.1:{port}",
            fetch_pages=False,
        )
        async with running(settings) as root:
            assert await get(f"{root}/healthz") == (200, "ok\n")
            status, body = await get(f"{root}/readyz")
            report = json.loads(body)
            assert status == 200, report
            assert report["database"] == "ok" and report["schema"] == "ok"
            assert report["bot_api"].startswith("answered")
            assert report["roles"] == {
                "sender": "active",
                "scheduler": "active",
                "poller": "active",
            }

            mark = server.mark()
            server.inject_message(1001, "/start")
            await server.wait_for_call("sendMessage", chat_id=1001, since=mark)
            server.fail_next("sendMessage", status=429, retry_after=1, chat_id=3003)
            async with db.transaction() as session:
                await outbox.enqueue(
                    session, [OutboxDraft("m-1", 3003, Lane.DIGEST, "<b>news</b>")], utcnow()
                )
            calls = await server.wait_for_call("sendMessage", chat_id=3003, count=2, timeout=15)
            assert [c.status for c in calls] == [429, 200]

            status, text = await get(f"{root}/metrics")
            assert status == 200
            samples = _samples(text)
            sent = ("newsbot_sends_total", (("lane", "digest"), ("outcome", "sent")))
            assert samples[sent] == 1
            flood = ("newsbot_sends_total", (("lane", "digest"), ("outcome", "retry_after")))
            assert samples[flood] == 1
            assert samples[("newsbot_flood_waits_total", ())] == 1
            assert samples[("newsbot_flood_wait_seconds_total", ())] >= 1
            assert samples[("newsbot_update_handling_seconds_count", ())] >= 1
            assert samples[("newsbot_digest_tick_duration_seconds_count", ())] >= 1
            assert samples[("newsbot_sender_lease_held", ())] == 1
            assert samples[("newsbot_role_active", (("role", "poller"),))] == 1
            for name in (
                "newsbot_flood_waits_total",
                "newsbot_flood_wait_seconds_total",
                "newsbot_possible_duplicates_total",
                "newsbot_possible_duplicates_recorded",
                "newsbot_digests_queued_total",
                "newsbot_outbox_oldest_due_age_seconds",
            ):
                assert (name, ()) in samples, name
            assert ("newsbot_outbox_depth", (("lane", "digest"),)) in samples
        assert server.webhook_deleted >= 1  # polling clears any webhook left from before


async def test_metrics_show_the_outbox_depth_and_the_oldest_due_row(db: Database) -> None:
    from datetime import timedelta

    from bot.metrics import Metrics

    now = utcnow()
    async with db.transaction() as session:
        drafts = [OutboxDraft(f"d-{i}", 100 + i, Lane.DIGEST, "x") for i in range(3)]
        await outbox.enqueue(session, drafts, now - timedelta(seconds=90))
        await outbox.enqueue(session, [OutboxDraft("b-1", 5, Lane.BROADCAST, "y")], now)
    metrics = Metrics(db, identity="test:1", cache_seconds=60)
    samples = _samples((await metrics.exposition()).decode())
    assert samples[("newsbot_outbox_depth", (("lane", "digest"),))] == 3
    assert samples[("newsbot_outbox_depth", (("lane", "broadcast"),))] == 1
    assert samples[("newsbot_outbox_depth", (("lane", "reply"),))] == 0
    assert 85 <= samples[("newsbot_outbox_oldest_due_age_seconds", ())] <= 200
    # A scrape within the cache time does not query again.
    async with db.transaction() as session:
        await outbox.enqueue(session, [OutboxDraft("d-9", 9, Lane.DIGEST, "z")], now)
    samples = _samples((await metrics.exposition()).decode())
    assert samples[("newsbot_outbox_depth", (("lane", "digest"),))] == 3


async def test_metrics_show_the_database_size_and_rows_per_table(db: Database) -> None:
    from bot.metrics import Metrics

    async with db.transaction() as session:
        drafts = [OutboxDraft(f"d-{i}", 100 + i, Lane.DIGEST, "x") for i in range(3)]
        await outbox.enqueue(session, drafts, utcnow())
    metrics = Metrics(db, identity="test:1", cache_seconds=0)
    samples = _samples((await metrics.exposition()).decode())
    assert samples[("newsbot_database_bytes", ())] > 10_000
    assert samples[("newsbot_table_rows", (("table", "outbox"),))] == 3
    assert samples[("newsbot_table_rows", (("table", "articles"),))] == 0
    # Counting whole tables is kept for minutes, not re-read at every scrape.
    async with db.transaction() as session:
        await outbox.enqueue(session, [OutboxDraft("d-9", 9, Lane.DIGEST, "z")], utcnow())
    samples = _samples((await metrics.exposition()).decode())
    assert samples[("newsbot_table_rows", (("table", "outbox"),))] == 3
    assert samples[("newsbot_outbox_depth", (("lane", "digest"),))] == 4


async def test_not_ready_when_the_bot_api_does_not_answer(db: Database) -> None:
    async with BotApiServer() as server:
        bot = telegram.Bot(server.token, base_url=server.api_url)
        async with bot:
            watch = BotApiWatch(bot, fresh=0, probe_timeout=1)
            readiness = Readiness(db, watch, lambda: {"sender": False})
            ready, report = await readiness.check()
            assert ready, report
            assert report["roles"] == {"sender": "standby"}
            server.fail_next("getMe", status=502, times=5)
            ready, report = await readiness.check()
            assert not ready
            assert report["bot_api"].startswith("no answer")


async def test_not_ready_on_a_database_without_the_schema(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with BotApiServer() as server:
        bot = telegram.Bot(server.token, base_url=server.api_url)
        empty = Database(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
        async with bot:
            ready, report = await Readiness(empty, BotApiWatch(bot), dict).check()
        await empty.close()
        assert not ready
        assert report["schema"].startswith("at None, code needs")
