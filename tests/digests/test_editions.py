"""The digest tick on SQLite and PostgreSQL: who is due, what goes in, what is queued, once."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from itertools import count
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode

from digests.db import Database
from digests.editions import TickReport, preview_digest, run_tick
from digests.models import (
    Article,
    ArticleTopic,
    Chat,
    DigestEdition,
    OutboxMessage,
    Source,
    Subscription,
    Topic,
)
from digests.render import Renderer
from digests.split import ENTITY_LIMIT, TEXT_LIMIT, entity_count, visible_length, visible_text
from digests.store.outbox import Lane
from tests.support.botapi import BotApiServer

BAGHDAD = ZoneInfo("Asia/Baghdad")
BERLIN = ZoneInfo("Europe/Berlin")
CATCH_UP = timedelta(hours=6)
RENDERER = Renderer()
_ids = count(1)


def local(zone: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=zone).astimezone(UTC)  # type: ignore[arg-type,misc]


async def add_chat(
    db: Database,
    chat_id: int = 1001,
    *,
    zone: str = "Asia/Baghdad",
    at: str = "08:00",
    created: datetime,
    max_items: int = 10,
    notify_empty: bool = False,
    frequency: str = "daily",
    topics: Sequence[int] = (),
) -> None:
    async with db.transaction() as session:
        session.add(
            Chat(
                id=chat_id,
                kind="private",
                title="Test",
                language="en",
                timezone=zone,
                digest_times=at,
                frequency=frequency,
                weekly_day=0,
                max_items=max_items,
                notify_empty=notify_empty,
                active=True,
                created_at=created,
                updated_at=created,
            )
        )
        await session.flush()
        for topic_id in topics:
            session.add(Subscription(chat_id=chat_id, topic_id=topic_id, created_at=created))


async def add_topics(db: Database, *names: str) -> list[int]:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    async with db.transaction() as session:
        rows = [
            Topic(
                name=n,
                name_key=n.casefold(),
                keywords=[n],
                exclude=[],
                created_at=at,
                updated_at=at,
            )
            for n in names
        ]
        session.add_all(rows)
        await session.flush()
        return [t.id for t in rows]


async def add_article(
    db: Database,
    title: str,
    seen: datetime,
    matches: dict[int, float],
    *,
    summary: str = "",
    url: str | None = None,
    source_name: str = "Example & Co",
) -> int:
    """Store an article first seen at ``seen`` that matched ``matches`` (topic: strength),
    from the source named ``source_name`` (made on first use)."""
    n = next(_ids)
    async with db.transaction() as session:
        source = await session.scalar(select(Source).where(Source.name == source_name))
        if source is None:
            source = Source(
                url="https://news.example/feed"
                if source_name == "Example & Co"
                else f"https://news.example/feed/{source_name.casefold().replace(' ', '-')}",
                name=source_name,
                kind="feed",
                fetch_interval=900,
                created_at=seen,
            )
            session.add(source)
            await session.flush()
        article = Article(
            source_id=source.id,
            guid=f"g{n}",
            url=url or f"https://news.example/{n}?a=1&b=2",
            title=title,
            summary=summary,
            first_seen_at=seen,
            sort_at=seen,
        )
        session.add(article)
        await session.flush()
        for topic_id, strength in matches.items():
            session.add(
                ArticleTopic(
                    article_id=article.id, topic_id=topic_id, strength=strength, sort_at=seen
                )
            )
        return article.id


async def tick(db: Database, now: datetime, **kwargs: object) -> TickReport:
    return await run_tick(db, RENDERER, now=now, catch_up=CATCH_UP, **kwargs)  # type: ignore[arg-type]


async def outbox(db: Database) -> list[OutboxMessage]:
    async with db.transaction() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.key)))


async def chat_row(db: Database, chat_id: int = 1001) -> Chat:
    async with db.transaction() as session:
        chat = await session.get(Chat, chat_id)
        assert chat is not None
        return chat


async def editions(db: Database) -> list[DigestEdition]:
    async with db.transaction() as session:
        return list(await session.scalars(select(DigestEdition).order_by(DigestEdition.id)))


def lines(message: OutboxMessage) -> list[str]:
    return shown(message).splitlines()


def shown(message: OutboxMessage) -> str:
    """The text as Telegram shows it: tags gone, entities decoded."""
    return visible_text(message.text)


async def test_one_digest_at_08_00_baghdad_whatever_the_ticks(db: Database) -> None:
    syria, sport = await add_topics(db, "Syria", "Sport")
    day = local(BAGHDAD, 2026, 11, 24, 8, 0)
    await add_chat(db, created=day - timedelta(days=2), topics=[syria])
    await add_article(
        db, "Hasakah: 7 killed & <dozens> escape", day - timedelta(hours=3), {syria: 3}
    )
    await add_article(db, "Derby tonight", day - timedelta(hours=2), {sport: 3})

    first = await tick(db, day - timedelta(minutes=1))
    assert (first.due, first.queued, first.scheduled) == (0, 0, 1)
    assert (await chat_row(db)).next_digest_at == day
    assert await outbox(db) == []

    woken: list[int] = []
    at_eight = await tick(db, day, notify=lambda: woken.append(1))
    assert at_eight.summary() == "1 digest queued for 1 chat (0 skipped: nothing new)"
    assert woken == [1]
    assert (await tick(db, day + timedelta(minutes=1))).due == 0
    assert (await tick(db, day)).due == 0  # the 08:00 tick again queues nothing new

    [message] = await outbox(db)
    assert message.key == "digest:1001:2026-11-24:1"
    assert (message.lane, message.chat_id, message.due_at) == (Lane.DIGEST, 1001, day)
    assert message.html and message.disable_preview
    assert lines(message) == [
        "📰 Your news digest",
        "Tuesday, 24 November 2026",
        "",
        "▍Syria",
        "• Hasakah: 7 killed & <dozens> escape",
        "Example & Co · 3 h ago",
    ]
    assert 'href="https://news.example/' in message.text and "&amp;b=2" in message.text
    chat = await chat_row(db)
    assert chat.last_digest_at == day
    assert chat.next_digest_at == day + timedelta(days=1)
    [edition] = await editions(db)
    assert (edition.chat_id, edition.period, edition.slot_at) == (1001, "2026-11-24", day)
    assert (edition.items, edition.parts) == (1, 1)


async def test_next_digest_holds_only_what_is_new_since_the_last(db: Database) -> None:
    [syria] = await add_topics(db, "Syria")
    day = local(BAGHDAD, 2026, 11, 24, 8, 0)
    await add_chat(db, created=day - timedelta(days=2), topics=[syria])
    await add_article(db, "Old news", day - timedelta(hours=30), {syria: 3})
    await add_article(db, "Yesterday's news", day - timedelta(hours=5), {syria: 3})
    await tick(db, day - timedelta(hours=1))
    await tick(db, day)
    await add_article(db, "Fresh news", day + timedelta(hours=5), {syria: 3})
    await tick(db, day + timedelta(days=1))

    first, second = await outbox(db)
    assert "Yesterday's news" in shown(first) and "Old news" not in shown(first)
    assert second.key == "digest:1001:2026-11-25:1"
    assert "Fresh news" in shown(second) and "Yesterday's news" not in shown(second)


async def test_capped_grouped_and_each_article_once_under_its_strongest_topic(
    db: Database,
) -> None:
    syria, iraq, sport = await add_topics(db, "Syria", "Iraq", "Sport")
    day = local(BAGHDAD, 2026, 11, 24, 8, 0)
    await add_chat(db, created=day - timedelta(days=2), max_items=4, topics=[syria, iraq])
    seen = day - timedelta(hours=2)
    await add_article(db, "Border deal signed", seen, {syria: 2, iraq: 6})
    await add_article(db, "Damascus talks", seen, {syria: 5})
    await add_article(db, "Aleppo rebuilds", seen, {syria: 4})
    await add_article(db, "Basra oil", seen, {iraq: 3})
    await add_article(db, "Weak Syria mention", seen, {syria: 1})
    await add_article(db, "Cup final", seen, {sport: 9})
    await tick(db, day - timedelta(hours=1))
    await tick(db, day)

    [message] = await outbox(db)
    body = [line for line in lines(message) if line.startswith(("▍", "•"))]
    assert body == [
        "▍Iraq",
        "• Border deal signed",
        "• Basra oil",
        "▍Syria",
        "• Damascus talks",
        "• Aleppo rebuilds",
    ]
    assert (await editions(db))[0].items == 4


async def test_nothing_new_queues_nothing_or_the_note_when_asked(db: Database) -> None:
    [syria] = await add_topics(db, "Syria")
    day = local(BAGHDAD, 2026, 11, 24, 8, 0)
    await add_chat(db, 1, created=day - timedelta(days=2), topics=[syria])
    await add_chat(db, 2, created=day - timedelta(days=2), topics=[syria], notify_empty=True)
    await tick(db, day - timedelta(hours=1))
    report = await tick(db, day)

    assert report.summary() == "0 digests queued for 2 chats (2 skipped: nothing new)"
    assert report.notes == 1
    [note] = await outbox(db)
    assert note.chat_id == 2 and note.key == "digest:2:2026-11-24:1"
    assert visible_text(note.text) == (
        "Nothing new on your topics since your last digest (Tuesday, 24 November 2026)."
    )
    assert (await chat_row(db, 1)).next_digest_at == day + timedelta(days=1)
    assert [e.items for e in await editions(db)] == [0, 0]


async def test_after_three_days_down_one_digest_not_three(db: Database) -> None:
    [syria] = await add_topics(db, "Syria")
    day = local(BAGHDAD, 2026, 11, 24, 8, 0)
    await add_chat(db, created=day - timedelta(days=2), topics=[syria])
    await tick(db, day - timedelta(hours=1))
    for back in range(4):
        await add_article(db, f"News {back}", day + timedelta(days=back, hours=-1), {syria: 3})
    await tick(db, day)

    late = day + timedelta(days=3, hours=2)  # 10:00 local on the 27th: the 08:00 slot is owed
    report = await tick(db, late)
    assert (report.due, report.queued) == (1, 1)
    assert (await tick(db, late + timedelta(minutes=1))).due == 0
    keys = [m.key for m in await outbox(db)]
    assert keys == ["digest:1001:2026-11-24:1", "digest:1001:2026-11-27:1"]
    second = (await outbox(db))[1]
    assert all(f"News {n}" in shown(second) for n in (1, 2, 3))  # everything since the 24th
    assert (await outbox(db))[1].due_at == day + timedelta(days=3)
    assert (await chat_row(db)).next_digest_at == day + timedelta(days=4)


async def test_beyond_catch_up_the_digest_is_skipped_and_rescheduled(db: Database) -> None:
    [syria] = await add_topics(db, "Syria")
    day = local(BAGHDAD, 2026, 11, 24, 8, 0)
    await add_chat(db, created=day - timedelta(days=3), topics=[syria])
    await tick(db, day - timedelta(days=1, hours=1))
    await add_article(db, "Monday news", day - timedelta(days=1, hours=1), {syria: 3})
    await tick(db, day - timedelta(days=1))  # the 23rd's digest goes out
    await add_article(db, "Missed news", day - timedelta(hours=1), {syria: 3})

    report = await tick(db, day + timedelta(hours=7))  # 15:00: 7 h late, window is 6 h
    assert (report.due, report.late) == (0, 1)
    assert len(await outbox(db)) == 1
    chat = await chat_row(db)
    assert chat.next_digest_at == day + timedelta(days=1)
    assert chat.last_digest_at == day - timedelta(days=1)
    await tick(db, day + timedelta(days=1))
    _, second = await outbox(db)
    assert second.key == "digest:1001:2026-11-25:1"
    assert "Missed news" in shown(second)  # not lost: it goes out with the next digest
    assert "Monday news" not in shown(second)


async def test_berlin_gets_08_00_local_on_both_sides_of_the_march_change(db: Database) -> None:
    [syria] = await add_topics(db, "Syria")
    saturday = local(BERLIN, 2026, 3, 28, 8, 0)
    sunday = local(BERLIN, 2026, 3, 29, 8, 0)
    assert (saturday.hour, sunday.hour) == (7, 6)  # UTC: CET, then CEST
    await add_chat(db, zone="Europe/Berlin", created=saturday - timedelta(days=3), topics=[syria])
    await add_article(db, "Saturday news", saturday - timedelta(hours=1), {syria: 3})
    await add_article(db, "Sunday news", sunday - timedelta(hours=1), {syria: 3})

    for moment in (saturday - timedelta(minutes=1), saturday, sunday - timedelta(minutes=1)):
        await tick(db, moment)
    assert [m.due_at for m in await outbox(db)] == [saturday]
    assert (await chat_row(db)).next_digest_at == sunday
    await tick(db, sunday)
    messages = await outbox(db)
    assert [(m.key, m.due_at) for m in messages] == [
        ("digest:1001:2026-03-28:1", saturday),
        ("digest:1001:2026-03-29:1", sunday),
    ]
    assert "Sunday, 29 March 2026" in messages[1].text


async def test_half_hour_zone_and_brand_new_chat_waits_for_its_next_slot(db: Database) -> None:
    [syria] = await add_topics(db, "Syria")
    kolkata = ZoneInfo("Asia/Kolkata")  # UTC+05:30
    slot = local(kolkata, 2026, 11, 24, 7, 30)
    await add_chat(db, zone="Asia/Kolkata", at="07:30", created=slot + timedelta(minutes=5),
                   topics=[syria])  # fmt: skip
    await add_article(db, "Anything", slot - timedelta(hours=1), {syria: 3})
    report = await tick(db, slot + timedelta(minutes=10))
    assert (report.due, report.scheduled) == (0, 1)
    assert (await chat_row(db)).next_digest_at == slot + timedelta(days=1)
    assert (slot + timedelta(days=1)).strftime("%H:%M") == "02:00"


async def test_digests_off_are_never_due(db: Database) -> None:
    [syria] = await add_topics(db, "Syria")
    day = local(BAGHDAD, 2026, 11, 24, 8, 0)
    await add_chat(db, created=day - timedelta(days=2), topics=[syria], frequency="off")
    await add_article(db, "Anything", day - timedelta(hours=1), {syria: 3})
    for hours in (-1, 0, 24):
        assert await tick(db, day + timedelta(hours=hours)) == TickReport()
    assert await outbox(db) == []


async def test_many_chats_in_small_batches_share_renderings(db: Database) -> None:
    syria, iraq = await add_topics(db, "Syria", "Iraq")
    day = local(BAGHDAD, 2026, 11, 24, 8, 0)
    for chat_id in range(1, 8):
        await add_chat(db, chat_id, created=day - timedelta(days=2),
                       topics=[syria] if chat_id % 2 else [syria, iraq])  # fmt: skip
    await add_article(db, "Syria story", day - timedelta(hours=2), {syria: 3})
    await add_article(db, "Iraq story", day - timedelta(hours=1), {iraq: 3})
    await tick(db, day - timedelta(hours=1), batch_size=2)
    report = await tick(db, day, batch_size=2)

    assert (report.due, report.queued, report.messages) == (7, 7, 7)
    texts = {m.chat_id: m.text for m in await outbox(db)}
    assert len(set(texts.values())) == 2
    assert "Iraq story" in texts[2] and "Iraq story" not in texts[1]


async def test_long_digest_is_split_into_messages_telegram_accepts(db: Database) -> None:
    [syria] = await add_topics(db, "Syria")
    day = local(BAGHDAD, 2026, 11, 24, 8, 0)
    await add_chat(db, created=day - timedelta(days=2), max_items=30, topics=[syria])
    for n in range(30):
        title = f"{n}: سوريا <b>&amp; 3 < 5 & 🎉🇸🇾 " + "كلمة طويلة جدا " * 12
        await add_article(db, title, day - timedelta(minutes=30 + n), {syria: 3},
                          summary="Lead & <more> " * 30)  # fmt: skip
    await tick(db, day - timedelta(hours=1))
    await tick(db, day)

    messages = await outbox(db)
    assert len(messages) >= 3
    assert [m.key for m in messages] == [
        f"digest:1001:2026-11-24:{n}" for n in range(1, len(messages) + 1)
    ]
    for message in messages:
        assert visible_length(message.text) <= TEXT_LIMIT
        assert entity_count(message.text) <= ENTITY_LIMIT
    everything = "\n".join(visible_text(m.text) for m in messages)
    assert all(f"{n}: سوريا <b>&amp; 3 < 5 & 🎉🇸🇾" in everything for n in range(30))
    assert (await editions(db))[0].parts == len(messages)

    async with BotApiServer() as server:
        bot = Bot(server.token, base_url=f"{server.base_url}/bot")
        async with bot:
            for message in messages:
                await bot.send_message(
                    1001,
                    message.text,
                    parse_mode=ParseMode.HTML,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                )
        delivered = server.messages(1001)
    assert len(delivered) == len(messages)
    assert all(m.link_preview_disabled for m in delivered)
    assert sum((m.text or "").count("•") for m in delivered) == 30


async def test_preview_shows_the_next_digest_without_consuming_it(db: Database) -> None:
    [syria] = await add_topics(db, "Syria")
    day = local(BAGHDAD, 2026, 11, 24, 8, 0)
    await add_chat(db, created=day - timedelta(days=2), topics=[syria])
    await tick(db, day - timedelta(hours=3))
    await add_article(db, "So far today", day - timedelta(hours=2), {syria: 3})

    preview = await preview_digest(db, RENDERER, 1001, now=day - timedelta(hours=1))
    assert preview.items == 1 and preview.next_at == day
    text = visible_text(preview.messages[0])
    assert "So far today" in text
    assert "Due Tuesday, 24 November 2026, 08:00 (Asia/Baghdad)" in text
    assert await outbox(db) == []
    assert (await chat_row(db)).last_digest_at is None

    await tick(db, day)
    empty = await preview_digest(db, RENDERER, 1001, now=day + timedelta(hours=1))
    assert empty.items == 0
    assert visible_text(empty.messages[0]) == (
        "Nothing new on your topics since your last digest yet. The next one is due "
        "Wednesday, 25 November 2026, 08:00 (Asia/Baghdad)."
    )
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


async def test_moving_the_time_later_on_the_same_day_sends_no_second_digest(
    db: Database,
) -> None:
    [syria] = await add_topics(db, "Syria")
    day = local(BAGHDAD, 2026, 11, 24, 8, 0)
    await add_chat(db, created=day - timedelta(days=2), topics=[syria])
    await add_article(db, "Morning news", day - timedelta(hours=1), {syria: 3})
    await tick(db, day - timedelta(hours=1))
    await tick(db, day)
    async with db.transaction() as session:  # as /settings does: 20:00, rescheduled today
        chat = await session.get(Chat, 1001)
        assert chat is not None
        chat.digest_times = "20:00"
        chat.next_digest_at = day + timedelta(hours=12)
    await add_article(db, "Evening news", day + timedelta(hours=11), {syria: 3})

    report = await tick(db, day + timedelta(hours=12))
    assert (report.due, report.messages) == (0, 0)
    assert [m.key for m in await outbox(db)] == ["digest:1001:2026-11-24:1"]
    chat = await chat_row(db)
    assert chat.next_digest_at == day + timedelta(days=1, hours=12)
    await tick(db, day + timedelta(days=1, hours=12))
    assert "Evening news" in shown((await outbox(db))[1])  # kept for the next day's digest


async def test_ticks_in_several_processes_at_once_queue_each_digest_once(db: Database) -> None:
    (syria,) = await add_topics(db, "Syria")
    day = local(BAGHDAD, 2026, 11, 24, 8, 0)
    for chat_id in range(1, 41):
        await add_chat(db, chat_id, created=day - timedelta(days=2), topics=[syria])
    await add_article(db, "Syria story", day - timedelta(hours=2), {syria: 3})
    await tick(db, day - timedelta(hours=1))
    # Each "process" has its own connection pool, as separate `newsbot run`s would.
    others = [Database(db.url) for _ in range(3)]
    try:
        reports = await asyncio.gather(
            tick(db, day, batch_size=4), *(tick(other, day, batch_size=4) for other in others)
        )
    finally:
        for other in others:
            await other.close()
    assert sum(r.queued for r in reports) == 40
    assert sorted(m.chat_id for m in await outbox(db)) == list(range(1, 41))
    assert len(await editions(db)) == 40


async def test_two_digest_times_give_two_digests_with_disjoint_contents(db: Database) -> None:
    [syria] = await add_topics(db, "Syria")
    morning = local(BAGHDAD, 2026, 11, 24, 8, 0)
    evening = local(BAGHDAD, 2026, 11, 24, 18, 30)
    await add_chat(db, at="08:00,18:30", created=morning - timedelta(days=2), topics=[syria])
    await add_article(db, "Night news", morning - timedelta(hours=3), {syria: 3})
    await add_article(db, "Exactly at eight", morning, {syria: 3})
    await tick(db, morning - timedelta(hours=1))
    assert (await chat_row(db)).next_digest_at == morning
    assert (await tick(db, morning)).queued == 1
    assert (await chat_row(db)).next_digest_at == evening
    await add_article(db, "A second after eight", morning + timedelta(seconds=1), {syria: 3})
    await add_article(db, "Afternoon news", evening - timedelta(hours=2), {syria: 3})
    assert (await tick(db, evening - timedelta(minutes=1))).due == 0
    assert (await tick(db, evening)).queued == 1
    await add_article(db, "Late news", evening + timedelta(hours=3), {syria: 3})
    await tick(db, morning + timedelta(days=1))

    first, second, third = await outbox(db)
    assert [first.key, second.key, third.key] == [
        "digest:1001:2026-11-24#2:1",
        "digest:1001:2026-11-24:1",
        "digest:1001:2026-11-25:1",
    ]
    titles = {
        m.due_at: {line[2:] for line in lines(m) if line.startswith("• ")}
        for m in (first, second, third)
    }
    assert titles == {
        morning: {"Night news", "Exactly at eight"},
        evening: {"A second after eight", "Afternoon news"},
        morning + timedelta(days=1): {"Late news"},
    }
    assert [(e.period, e.slot_at) for e in await editions(db)] == [
        ("2026-11-24", morning),
        ("2026-11-24#2", evening),
        ("2026-11-25", morning + timedelta(days=1)),
    ]


async def test_several_times_after_downtime_give_one_digest_with_all_that_was_missed(
    db: Database,
) -> None:
    [syria] = await add_topics(db, "Syria")
    morning = local(BAGHDAD, 2026, 11, 24, 8, 0)
    await add_chat(db, at="08:00,12:00,18:00", created=morning - timedelta(days=2), topics=[syria])
    await tick(db, morning - timedelta(hours=1))
    await tick(db, morning)
    await add_article(db, "Before noon", morning + timedelta(hours=3), {syria: 3})
    await add_article(db, "Afternoon", morning + timedelta(hours=6), {syria: 3})
    # Down from 11:00 to 18:20: the 12:00 and 18:00 digests become one, at 18:00.
    report = await tick(db, morning + timedelta(hours=10, minutes=20))
    assert (report.due, report.queued) == (1, 1)
    latest = (await outbox(db))[-1]
    assert latest.due_at == morning + timedelta(hours=10)
    assert "Before noon" in shown(latest) and "Afternoon" in shown(latest)
    assert (await chat_row(db)).next_digest_at == morning + timedelta(days=1)


async def test_a_spring_forward_gap_merges_two_times_into_one_digest(db: Database) -> None:
    [syria] = await add_topics(db, "Syria")
    day = local(BERLIN, 2026, 3, 28, 12, 0)
    await add_chat(
        db, zone="Europe/Berlin", at="02:15,02:45", created=day - timedelta(days=2), topics=[syria]
    )
    await add_article(db, "Saturday news", day, {syria: 3})
    await tick(db, day)
    gap_end = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 03:00 CEST, the first instant after
    await tick(db, gap_end)
    assert [(e.period, e.slot_at) for e in await editions(db)] == [("2026-03-29", gap_end)]
    assert (await tick(db, gap_end + timedelta(minutes=30))).due == 0
    assert (await chat_row(db)).next_digest_at == datetime(2026, 3, 30, 0, 15, tzinfo=UTC)
