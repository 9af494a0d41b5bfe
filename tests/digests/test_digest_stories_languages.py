"""Digests through the real ingest pipeline: one item per story, republished copies not sent
as new, Arabic digests, and the keywords a chat's own topic matched."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode

from digests.db import Database
from digests.editions import run_tick
from digests.ingest import Ingest
from digests.models import Chat, OutboxMessage, Source, Subscription
from digests.render import Renderer
from digests.settings import Settings
from digests.sources.fetch import Fetcher
from digests.split import visible_text
from digests.store import topics as topic_store
from digests.store.articles import insert_new_articles
from digests.types import FeedEntry
from tests.conftest import SEED
from tests.support.botapi import BotApiServer

DAY1 = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)  # 08:00 in Baghdad
CATCH_UP = timedelta(hours=6)
SEED_LINES = (SEED / "arab-press-isis-prison-break.txt").read_text(encoding="utf-8").splitlines()
SEED_TITLE = SEED_LINES[5]
SEED_BODY = "\n".join(SEED_LINES[9:58])


async def _source(db: Database, name: str) -> int:
    async with db.transaction() as session:
        source = Source(
            url=f"https://{name.lower().replace(' ', '')}.example/feed",
            name=name,
            kind="feed",
            fetch_interval=900,
            created_at=DAY1 - timedelta(days=30),
        )
        session.add(source)
        await session.flush()
        return source.id


async def _ingest(db: Database, source_id: int, entry: FeedEntry, now: datetime) -> None:
    async with db.transaction() as session:
        new = await insert_new_articles(session, source_id, [entry], now)
        await Ingest(db, Settings(), Fetcher()).after_store(now)(session, new)


async def _chat(
    db: Database, chat_id: int, *, language: str = "en", topics: list[int] | None = None
) -> None:
    created = DAY1 - timedelta(days=10)
    async with db.transaction() as session:
        session.add(
            Chat(
                id=chat_id,
                kind="private",
                title="Reader",
                language=language,
                timezone="Asia/Baghdad",
                digest_times="08:00",
                frequency="daily",
                weekly_day=0,
                max_items=10,
                notify_empty=False,
                active=True,
                last_digest_at=DAY1 - timedelta(days=1),
                next_digest_at=DAY1,
                created_at=created,
                updated_at=created,
            )
        )
        await session.flush()
        for topic_id in topics or []:
            session.add(Subscription(chat_id=chat_id, topic_id=topic_id, created_at=created))


async def _topic(
    db: Database, name: str, keywords: tuple[str, ...], owner: int | None = None
) -> int:
    async with db.transaction() as session:
        topic = await topic_store.add_topic(
            session,
            name=name,
            keywords=keywords,
            exclude=(),
            now=DAY1 - timedelta(days=20),
            owner_chat_id=owner,
        )
        return topic.id


async def _queued(db: Database, chat_id: int) -> list[str]:
    async with db.transaction() as session:
        rows = await session.execute(
            select(OutboxMessage.text)
            .where(OutboxMessage.chat_id == chat_id)
            .order_by(OutboxMessage.key)
        )
        return list(rows.scalars())


def _copy(title: str, n: int, published: datetime, text: str = SEED_BODY) -> FeedEntry:
    return FeedEntry(
        title=title,
        url=f"https://copy{n}.example/story",
        guid=f"copy-{n}",
        text=text,
        published_at=published,
    )


async def test_one_item_per_story_and_a_republished_copy_is_not_news(db: Database) -> None:
    syria = await _topic(db, "Syria", ("syria", "hasakah"))
    await _chat(db, 1001, topics=[syria])
    wire, echo, republisher = (
        await _source(db, "Wire"),
        await _source(db, "Echo"),
        await _source(db, "Arab Press"),
    )
    jan_2022 = datetime(2022, 1, 21, 9, 0, tzinfo=UTC)
    await _ingest(db, wire, _copy(SEED_TITLE, 1, jan_2022), DAY1 - timedelta(hours=5))
    lightly_edited = SEED_BODY.replace("At least seven", "At least 7").replace("Thursday", "Thu")
    await _ingest(
        db, echo, _copy(SEED_TITLE, 2, jan_2022, lightly_edited), DAY1 - timedelta(hours=4)
    )

    await run_tick(db, Renderer(), now=DAY1, catch_up=CATCH_UP)
    (first,) = await _queued(db, 1001)
    text = visible_text(first)
    assert text.count(SEED_TITLE) == 1  # two copies, one item
    assert "also: Echo" in text or "also: Wire" in text

    # The same story republished next day under a 2025 date: not news again.
    may_2025 = datetime(2025, 5, 31, 6, 0, tzinfo=UTC)
    day2 = DAY1 + timedelta(days=1)
    await _ingest(db, republisher, _copy(SEED_TITLE, 3, may_2025), day2 - timedelta(hours=3))
    report = await run_tick(db, Renderer(), now=day2, catch_up=CATCH_UP)
    assert report.due == 1
    assert await _queued(db, 1001) == [first]  # nothing new: no second digest


async def test_arabic_chat_gets_an_arabic_digest_telegram_accepts(db: Database) -> None:
    syria = await _topic(db, "سوريا", ("سوريا",))
    await _chat(db, 2002, language="ar", topics=[syria])
    source = await _source(db, "Arab Press")
    title = "هجوم على سجن الحسكة في سوريا & فرار العشرات <عاجل>"
    await _ingest(
        db,
        source,
        FeedEntry(
            title=title,
            url="https://arab.example/1",
            guid="a1",
            summary="قالت قوات سوريا الديمقراطية إن الهجوم بدأ مساء الخميس.",
        ),
        DAY1 - timedelta(hours=2),
    )
    await run_tick(db, Renderer(), now=DAY1, catch_up=CATCH_UP)
    (message,) = await _queued(db, 2002)
    text = visible_text(message)
    assert "موجز أخبارك" in text  # "Your news digest"
    assert "الاثنين" in text  # Monday, 2 March 2026, in Arabic
    assert title in text
    assert "قبل ساعتين" in text  # "2 hours ago"
    async with BotApiServer() as server:
        bot = Bot(server.token, base_url=server.api_url)
        async with bot:
            sent = await bot.send_message(
                2002,
                message,
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
    assert sent.text is not None and title in sent.text


async def test_keyword_topic_items_say_what_matched(db: Database) -> None:
    await _chat(db, 3003)
    mine = await _topic(db, "“hasakah prison” isis", ("hasakah prison", "isis"), owner=3003)
    async with db.transaction() as session:
        session.add(Subscription(chat_id=3003, topic_id=mine, created_at=DAY1))
    source = await _source(db, "Wire")
    await _ingest(
        db,
        source,
        FeedEntry(title="Attack on Hasakah prison", url="https://w.example/1", guid="w1"),
        DAY1 - timedelta(hours=1),
    )
    await run_tick(db, Renderer(), now=DAY1, catch_up=CATCH_UP)
    (message,) = await _queued(db, 3003)
    assert "matched: hasakah prison" in visible_text(message)
