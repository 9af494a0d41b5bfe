"""The Read button: a stored article's full text sent into the chat, from /latest and digests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.sender import TelegramSender
from digests.delivery import Delivery
from digests.editions import run_tick
from digests.ingest import Ingest, make_fetcher
from digests.models import Article, Chat, OutboxMessage
from digests.pacing import Pacer
from digests.split import ENTITY_LIMIT, TEXT_LIMIT
from digests.timeutil import utcnow
from tests.bot.conftest import Harness, button_data, button_labels
from tests.digests.test_editions import RENDERER, add_article, add_chat, add_topics
from tests.support.botapi import Call, StoredMessage, utf16_len
from tests.support.feeds import rss
from tests.support.feedserver import FeedServer

HEADLINES = {
    "Hasakah prison: guards and inmates clash": 2,  # news.example/0: its full text is stored
    "Syria: talks in Geneva resume": 1,  # news.example/1: the feed gave a title only
}
# Thirty paragraphs of ~600 characters, with markup-like text that must arrive as text.
PARAGRAPHS = [
    f"Paragraph {n}: <b>guards</b> & inmates said “{n} < {n + 1}”. " + "The wall held. " * 38
    for n in range(30)
]


@pytest.fixture
async def feeds() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    await server.start()
    server.add("/world.xml", rss(HEADLINES))
    yield server
    await server.stop()


async def _news(harness: Harness, feeds: FeedServer, text: str = "\n".join(PARAGRAPHS)) -> None:
    """Two Syria items; the first with ``text`` as its full text (what page extraction stores)."""
    await harness.ingest(feeds.url("/world.xml"), topics={"Syria": "syria, hasakah"})
    async with harness.db.transaction() as session:
        await session.execute(
            update(Article).where(Article.url == "https://news.example/0").values(text=text)
        )


async def _latest(harness: Harness, *, language: str = "en") -> StoredMessage:
    """Follow Syria in chat 1001 (Telegram app in ``language``) and ask for /latest."""
    server = harness.server
    mark = server.mark()
    server.inject_message(1001, "/start", language_code=language)
    [call] = await server.wait_for_call("sendMessage", chat_id=1001, since=mark)
    welcome = server.message(1001, call.result["message_id"])
    await harness.press(welcome, button_data(welcome, "Syria"))
    mark = server.mark()
    server.inject_message(1001, "/latest", language_code=language)
    [call] = await server.wait_for_call("sendMessage", chat_id=1001, since=mark)
    return server.message(1001, call.result["message_id"])


async def _press(
    harness: Harness, message: StoredMessage, data: str
) -> tuple[str | None, list[Call]]:
    """Press ``data`` under ``message``; the answer's text and the messages sent after it."""
    mark = harness.server.mark()
    answer = await harness.press(message, data, expect_edit=False)
    sent = [c for c in harness.server.calls[mark:] if c.method == "sendMessage"]
    return answer.params.get("text"), sent


async def test_latest_offers_read_only_for_items_with_text(
    harness: Harness, feeds: FeedServer
) -> None:
    await _news(harness, feeds)
    latest = await _latest(harness)
    text = latest.text or ""
    assert "1. Syria: talks in Geneva resume" in text
    assert "2. Hasakah prison: guards and inmates clash" in text
    assert button_labels(latest) == ["Read 2"]


async def test_read_sends_the_whole_text_in_messages_within_limits(
    harness: Harness, feeds: FeedServer
) -> None:
    await _news(harness, feeds)
    latest = await _latest(harness)
    mark = harness.server.mark()
    answer, _ = await _press(harness, latest, button_data(latest, "Read 2"))
    assert answer is None  # the press is answered quietly: the article is the answer
    parts = await _article(harness, mark, "Read it at")
    assert len(parts) >= 4
    first, last = parts[0].text or "", parts[-1].text or ""
    assert first.startswith("Hasakah prison: guards and inmates clash\nExample & Co News · ")
    assert {"type": "bold", "offset": 0, "length": 40} in parts[0].entities
    assert "part 2 of" not in first and "part 2 of" in (parts[1].text or "")
    assert last.rstrip().endswith("Read it at Example & Co News")
    links = [e["url"] for e in parts[-1].entities if e["type"] == "text_link"]
    assert links == ["https://news.example/0"]
    for part in parts:
        assert utf16_len(part.text or "") <= TEXT_LIMIT
        assert len(part.entities) <= ENTITY_LIMIT
        assert any(e["type"] == "expandable_blockquote" for e in part.entities)
    shown = "\n".join(p.text or "" for p in parts)
    # Every paragraph arrives whole and in order, its markup-like text as text.
    positions = [shown.find(paragraph.strip()) for paragraph in PARAGRAPHS]
    assert -1 not in positions and positions == sorted(positions)


async def _article(harness: Harness, mark: int, closing: str) -> list[StoredMessage]:
    """The messages sent to chat 1001 since ``mark``, once the one holding ``closing`` is out."""
    deadline = asyncio.get_running_loop().time() + 10
    while True:
        sent = [
            harness.server.message(1001, c.result["message_id"])
            for c in harness.server.calls[mark:]
            if c.method == "sendMessage" and c.ok
        ]
        if any(closing in (m.text or "") for m in sent):
            return sent
        assert asyncio.get_running_loop().time() < deadline, [m.text for m in sent]
        await asyncio.sleep(0.05)


async def test_a_second_press_within_a_minute_sends_nothing_again(
    harness: Harness, feeds: FeedServer
) -> None:
    await _news(harness, feeds, text=PARAGRAPHS[0] * 2)  # one message
    latest = await _latest(harness)
    data = button_data(latest, "Read 2")
    mark = harness.server.mark()
    answer, _ = await _press(harness, latest, data)
    assert answer is None
    assert len(await _article(harness, mark, "Read it at")) == 1
    mark = harness.server.mark()
    answer, sent = await _press(harness, latest, data)
    assert answer == "I have just sent this article: it is above."
    assert sent == []
    assert [c for c in harness.server.calls[mark:] if c.method == "sendMessage"] == []


async def test_an_article_without_text_is_answered_on_the_button_not_in_the_chat(
    harness: Harness, feeds: FeedServer
) -> None:
    await _news(harness, feeds)
    latest = await _latest(harness)
    before = len(harness.server.messages(1001))
    async with harness.db.transaction() as session:
        teaser = await session.scalar(
            select(Article.id).where(Article.url == "https://news.example/1")
        )
    answer, sent = await _press(harness, latest, f"rd:{teaser}")  # a forged or stale button
    assert answer == "I have no text of this article to show here; its link opens it."
    assert sent == []
    answer, sent = await _press(harness, latest, "rd:999999")  # an article since deleted
    assert answer == "I have no text of this article to show here; its link opens it."
    assert len(harness.server.messages(1001)) == before


async def test_an_arabic_chat_gets_arabic_buttons_and_article(
    harness: Harness, feeds: FeedServer
) -> None:
    await _news(harness, feeds, text=PARAGRAPHS[0] * 2)
    latest = await _latest(harness, language="ar")
    assert button_labels(latest) == ["اقرأ 2"]
    mark = harness.server.mark()
    await harness.press(latest, button_data(latest, "اقرأ 2"), expect_edit=False)
    [article] = await _article(harness, mark, "اقرأه في")
    text = article.text or ""
    assert "اقرأه في Example & Co News" in text
    assert "Read it at" not in text
    answer, _ = await _press(harness, latest, button_data(latest, "اقرأ 2"))
    assert answer == "أرسلت هذا المقال للتو، تجده في الأعلى."
    answer, sent = await _press(harness, latest, "rd:999999")
    assert answer == "ليس عندي نص هذا المقال لأعرضه هنا؛ افتحه من رابطه."
    assert sent == []


async def test_a_digest_from_the_outbox_carries_read_buttons_that_work(harness: Harness) -> None:
    db = harness.db
    now = utcnow().replace(second=0, microsecond=0)
    [syria] = await add_topics(db, "Syria")
    await add_chat(
        db, zone="UTC", at=f"{now:%H:%M}", created=now - timedelta(days=2), topics=[syria]
    )
    readable = await add_article(
        db, "Hasakah: the full story", now - timedelta(hours=1), {syria: 3}
    )
    await add_article(db, "Geneva: a headline only", now - timedelta(hours=2), {syria: 3})
    async with db.transaction() as session:
        await session.execute(
            update(Article).where(Article.id == readable).values(text="\n".join(PARAGRAPHS[:3]))
        )
    report = await run_tick(db, RENDERER, now=now, catch_up=timedelta(hours=6))
    assert report.queued == 1

    mark = harness.server.mark()
    sender = TelegramSender(harness.application.bot, timeout=5)
    await Delivery(db, sender, Pacer(100), retry_base=0.05).drain_once()
    [call] = await harness.server.wait_for_call("sendMessage", chat_id=1001, since=mark)
    digest = harness.server.message(1001, call.result["message_id"])
    assert "• Geneva: a headline only" in (digest.text or "")
    assert button_labels(digest) == ["Read: Hasakah: the full story", "🔇 Mute Example & Co"]

    mark = harness.server.mark()
    answer, _ = await _press(harness, digest, button_data(digest, "Read: Hasakah"))
    assert answer is None
    [article] = await _article(harness, mark, "Read it at")
    assert (article.text or "").startswith("Hasakah: the full story\nExample & Co · ")
    assert PARAGRAPHS[2].strip() in (article.text or "")


async def test_search_results_offer_read_numbered_as_listed_on_every_page(
    harness: Harness, feeds: FeedServer
) -> None:
    feeds.add("/iran.xml", rss({f"Iran update number {n}": n for n in range(1, 13)}))
    await harness.ingest(feeds.url("/iran.xml"))
    async with harness.db.transaction() as session:  # item 12 (news.example/11) has its text
        await session.execute(
            update(Article)
            .where(Article.url == "https://news.example/11")
            .values(text="\n".join(PARAGRAPHS[:2]))
        )
    answer = await harness.send("/search iran")
    assert button_labels(answer) == ["▶"]
    await harness.press(answer, button_data(answer, "▶"))
    second = harness.current(answer)
    assert "12. Iran update number 12" in (second.text or "")
    assert button_labels(second) == ["Read 12", "◀"]

    mark = harness.server.mark()
    answer_text, _ = await _press(harness, second, button_data(second, "Read 12"))
    assert answer_text is None
    [article] = await _article(harness, mark, "Read it at")
    assert (article.text or "").startswith("Iran update number 12\nExample & Co News · ")


async def test_an_article_of_a_chats_own_feed_is_read_only_by_that_chat(
    harness: Harness, feeds: FeedServer
) -> None:
    feeds.add("/own.xml", rss({"Council opens a new school": 1}, title="Home Paper"))
    await harness.send(f"/addfeed {feeds.url('/own.xml')}", chat_id=1001)
    async with make_fetcher(harness.settings) as fetcher:
        await Ingest(harness.db, harness.settings, fetcher).fetch_all(now=utcnow())
    async with harness.db.transaction() as session:
        own = await session.scalar(
            update(Article)
            .where(Article.url == "https://news.example/0")
            .values(text=PARAGRAPHS[0] * 2)
            .returning(Article.id)
        )
    mine = await harness.send("/latest", chat_id=1001)
    assert button_labels(mine) == ["Read 1"]
    other = await harness.send("/latest", chat_id=1002)  # someone else, any message of theirs

    answer, sent = await _press(harness, other, f"rd:{own}")  # forged: not their feed
    assert answer == "I have no text of this article to show here; its link opens it."
    assert sent == []
    mark = harness.server.mark()
    answer, _ = await _press(harness, mine, button_data(mine, "Read 1"))
    assert answer is None
    [article] = await _article(harness, mark, "Read it at")
    assert article.chat_id == 1001
    assert (article.text or "").startswith("Council opens a new school\nHome Paper · ")


async def test_a_channel_gets_no_read_buttons_and_a_press_there_sends_nothing(
    harness: Harness, feeds: FeedServer
) -> None:
    await _news(harness, feeds)
    channel = -1009990001
    latest = await harness.send("/latest Syria", chat_id=channel, chat_type="channel")
    assert "Hasakah prison: guards and inmates clash" in (latest.text or "")
    assert button_labels(latest) == []  # any subscriber could press it and post into the channel

    async with harness.db.transaction() as session:
        readable = await session.scalar(
            select(Article.id).where(Article.url == "https://news.example/0")
        )
    answer, sent = await _press(harness, latest, f"rd:{readable}")  # forged, or an old button
    assert answer == "Read works in private chats and groups."
    assert sent == []


async def test_a_channels_digest_is_queued_without_read_buttons(harness: Harness) -> None:
    db = harness.db
    now = utcnow().replace(second=0, microsecond=0)
    [syria] = await add_topics(db, "Syria")
    for chat_id in (1001, -1009990001):
        await add_chat(
            db, chat_id, zone="UTC", at=f"{now:%H:%M}", created=now - timedelta(days=2),
            topics=[syria],
        )  # fmt: skip
    async with db.transaction() as session:
        await session.execute(update(Chat).where(Chat.id < 0).values(kind="channel"))
    readable = await add_article(
        db, "Hasakah: the full story", now - timedelta(hours=1), {syria: 3}
    )
    async with db.transaction() as session:
        await session.execute(
            update(Article).where(Article.id == readable).values(text="\n".join(PARAGRAPHS[:3]))
        )
    await run_tick(db, RENDERER, now=now, catch_up=timedelta(hours=6))
    async with db.transaction() as session:
        rows = dict(
            (await session.execute(select(OutboxMessage.chat_id, OutboxMessage.buttons))).all()
        )
    assert rows[1001] is not None and "Hasakah: the full story" in rows[1001]
    assert rows[-1009990001] is None
