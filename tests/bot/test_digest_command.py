"""End to end: /digest previews the next digest in Telegram and consumes nothing."""

from __future__ import annotations

import asyncio
import os
import sys
from asyncio.subprocess import PIPE
from datetime import timedelta, timezone
from pathlib import Path

from sqlalchemy import func, select

from digests.models import Chat, DigestEdition, OutboxMessage
from digests.schedule import DigestSchedule, next_slot
from digests.timeutil import utcnow
from tests.bot.conftest import Harness, button_data
from tests.digests.test_editions import add_article, add_topics

NEWSBOT = Path(sys.executable).parent / "newsbot"


async def _counts(harness: Harness) -> tuple[int, int]:
    async with harness.db.transaction() as session:
        queued = await session.scalar(select(func.count()).select_from(OutboxMessage))
        editions = await session.scalar(select(func.count()).select_from(DigestEdition))
    return int(queued or 0), int(editions or 0)


async def test_digest_previews_the_next_digest_and_leaves_it_owed(harness: Harness) -> None:
    syria, sport = await add_topics(harness.db, "Syria", "Sport")
    now = utcnow()
    await add_article(harness.db, "Hasakah: 7 killed & dozens escape", now - timedelta(hours=2),
                      {syria: 3}, summary="Guards said the attack began at dawn.")  # fmt: skip
    await add_article(harness.db, "Derby tonight", now - timedelta(hours=1), {sport: 3})
    welcome = await harness.send("/start")
    await harness.press(welcome, button_data(welcome, "Syria"))

    reply = await harness.send("/digest")
    text = reply.text or ""
    assert text.startswith("Your next digest, so far\nDue ")
    assert "(UTC); it will hold what is new by then." in text
    assert "▍Syria\n• Hasakah: 7 killed & dozens escape\n" in text
    assert "Guards said the attack began at dawn.\nExample & Co · 2 h ago" in text
    assert "Derby" not in text
    [link] = [str(e["url"]) for e in reply.entities if e["type"] == "text_link"]
    assert link.startswith("https://news.example/") and link.endswith("?a=1&b=2")
    assert reply.link_preview_disabled

    assert await _counts(harness) == (0, 0)
    async with harness.db.transaction() as session:
        chat = await session.get(Chat, 1001)
        assert chat is not None and chat.last_digest_at is None


async def test_digest_with_nothing_new_says_when_the_next_one_is_due(harness: Harness) -> None:
    await add_topics(harness.db, "Syria")
    welcome = await harness.send("/start")
    await harness.press(welcome, button_data(welcome, "Syria"))
    reply = await harness.send("/digest")
    text = reply.text or ""
    assert text.startswith("Nothing new on your topics since your last digest yet.")
    assert "The next one is due " in text and ", 08:00 (UTC)." in text
    assert await _counts(harness) == (0, 0)


async def test_digest_without_topics_points_to_the_picker(harness: Harness) -> None:
    reply = await harness.send("/digest", chat_id=-100500, chat_type="group", user_id=7)
    assert reply.text == (
        "You don't follow any topics, so there is no digest to show. Pick some with /topics."
    )


async def _newsbot(harness: Harness, *args: str) -> str:
    env = {**os.environ, "DATABASE_URL": harness.db.url, "CATCH_UP_HOURS": "6"}
    process = await asyncio.create_subprocess_exec(
        str(NEWSBOT), *args, env=env, stdout=PIPE, stderr=PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    return out.decode()


async def test_cli_tick_queues_due_digests_and_preview_prints_plain_text(
    harness: Harness,
) -> None:
    [syria] = await add_topics(harness.db, "Syria")
    welcome = await harness.send("/start")
    await harness.press(welcome, button_data(welcome, "Syria"))
    now = utcnow()
    await add_article(harness.db, "Border <deal> & talks", now - timedelta(hours=1), {syria: 3})

    preview = await _newsbot(harness, "digest", "preview", "--chat", "1001")
    assert "Your next digest, so far" in preview
    assert "• Border <deal> & talks" in preview and "<a href" not in preview

    async with harness.db.transaction() as session:
        chat = await session.get(Chat, 1001)
        assert chat is not None
        # A slot ten minutes ahead, so the article (an hour old) is inside the first digest's
        # 24 h look-back whatever time of day the test runs.
        chat.digest_times = (now + timedelta(minutes=10)).strftime("%H:%M")
        slot = next_slot(
            DigestSchedule.from_columns("UTC", chat.digest_times, "daily", 0, None), now
        )
        assert slot is not None
        chat.next_digest_at = slot
        chat.created_at = now - timedelta(days=2)
    at = (slot + timedelta(minutes=1)).astimezone(timezone(timedelta(hours=3))).isoformat()
    out = await _newsbot(harness, "digest", "tick", "--at", at)
    assert out.splitlines()[0] == "1 digest queued for 1 chat (0 skipped: nothing new)"
    assert await _counts(harness) == (1, 1)
    out = await _newsbot(harness, "digest", "tick", "--at", at)
    assert out.splitlines()[0] == "0 digests queued for 0 chats (0 skipped: nothing new)"
