"""End to end: /stats gives an admin the numbers and a chart; `newsbot stats` prints them."""

from __future__ import annotations

import re
from pathlib import Path

from digests.db import Database
from digests.timeutil import utcnow
from tests.bot.conftest import ADMIN_ID, Harness
from tests.bot.test_admin_sources import _Cli
from tests.digests.test_stats import PNG, seed

EXPECTED = [
    "Chats: 3 active, 1 inactive",
    "Digests sent today: 6 · lateness p50 25 s, p95 1 min 25 s",
    "Broadcasts this week: 1",
    "Articles in 24 h: 3",
    "Chats per topic",
    "Syria: 3",
    "Sport: 2",
    "Empty: 0",
    "Failing sources",
    "#2 Broken: 3 in a row — HTTP 500 from server",
]


def _assert_sizes(lines: list[str]) -> None:
    database, rows = lines
    size = r"[\d.]+ (kB|MB|GB)"
    assert re.fullmatch(rf"Database: {size}( · {size} free for reuse)?", database)
    assert rows.startswith("Rows: outbox 12 · articles 4 · ")
    assert " · chats 4 · subscriptions 5" in rows


async def test_stats_reply_has_the_numbers_and_a_chart(harness: Harness) -> None:
    await seed(harness.db, utcnow())
    mark = harness.server.mark()
    reply = await harness.send("/stats", chat_id=ADMIN_ID)
    lines = [line for line in (reply.text or "").splitlines() if line]
    assert lines[0].startswith("Stats (") and lines[0].endswith(" UTC)")
    assert lines[1:-2] == EXPECTED
    _assert_sizes(lines[-2:])

    [photo] = await harness.server.wait_for_call("sendPhoto", chat_id=ADMIN_ID, since=mark)
    chart = harness.server.message(ADMIN_ID, photo.result["message_id"])
    assert chart.kind == "photo" and chart.file is not None
    assert chart.file.content.startswith(PNG)
    assert chart.file.size > 1024
    assert "last 30 days" in (chart.caption or "")


async def test_stats_with_nothing_yet(harness: Harness) -> None:
    reply = await harness.send("/stats", chat_id=ADMIN_ID)
    text = reply.text or ""
    assert "Chats: 1 active, 0 inactive" not in text  # /stats itself registers no chat
    assert "Chats: 0 active, 0 inactive" in text
    assert "Digests sent today: 0\n" in text and "lateness" not in text
    assert "No failing sources." in text
    await harness.server.wait_for_call("sendPhoto", chat_id=ADMIN_ID)


async def test_cli_prints_the_same_numbers(tmp_path: Path) -> None:
    cli = _Cli(tmp_path)
    await cli("db", "upgrade")
    db = Database(cli.env["DATABASE_URL"])
    try:
        await seed(db, utcnow())
    finally:
        await db.close()
    out, _ = await cli("stats")
    lines = [line for line in out.splitlines() if line]
    assert lines[0].startswith("Stats (")
    assert lines[1:-2] == EXPECTED
    _assert_sizes(lines[-2:])
