"""Forum threads in the outbox: messages reach their thread; a deleted or closed thread falls
back to General once, with a note for the admins, and the chat's routing to it is cleared.

Through the real PTB-based Sender and the test Bot API server, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from telegram import Bot

from bot.sender import TelegramSender
from digests.db import Database
from digests.delivery import Delivery
from digests.models import Chat, OutboxMessage, Subscription
from digests.pacing import Pacer
from digests.ports import Button, ButtonAction
from digests.store import chats as chat_store
from digests.store import outbox
from digests.store import topics as topic_store
from digests.store.outbox import Lane, OutboxDraft
from digests.timeutil import utcnow
from digests.types import ChatKind, ChatRef
from tests.support.botapi import BotApiServer

FORUM = -1002001


async def _forum_chat(db: Database, *, language: str = "en") -> None:
    async with db.transaction() as session:
        await chat_store.upsert_chat(
            session,
            ChatRef(FORUM, ChatKind.SUPERGROUP, title="Forum", language=language),
            default_timezone="UTC",
            default_digest_time="07:30",
            now=utcnow(),
        )


async def _queue(db: Database, *drafts: OutboxDraft) -> None:
    async with db.transaction() as session:
        await outbox.enqueue(session, list(drafts), utcnow())


def _digest(key: str, thread_id: int | None, text: str = "") -> OutboxDraft:
    return OutboxDraft(key, FORUM, Lane.DIGEST, text or f"<b>{key}</b>", thread_id=thread_id)


async def _drain(db: Database, bot: Bot) -> None:
    await Delivery(db, TelegramSender(bot, timeout=0.5), Pacer(100)).drain_once()


async def test_messages_reach_their_thread_and_general_stays_general(
    db: Database, server: BotApiServer, bot: Bot
) -> None:
    server.add_forum(FORUM, title="Forum")
    sport = server.create_topic(FORUM, "Sport")
    await _forum_chat(db)
    await _queue(db, _digest("in-sport", sport), _digest("in-general", None))

    await _drain(db, bot)

    by_text = {m.text: m for m in server.messages(FORUM)}
    assert by_text["in-sport"].thread_id == sport
    assert by_text["in-general"].thread_id is None


@pytest.mark.parametrize("how", ["deleted", "closed"])
async def test_a_gone_thread_falls_back_to_general_once_and_is_forgotten(
    db: Database, server: BotApiServer, bot: Bot, how: str
) -> None:
    server.add_forum(FORUM, title="Forum")
    news = server.create_topic(FORUM, "News")
    sport = server.create_topic(FORUM, "Sport")
    await _forum_chat(db)
    now = utcnow()
    async with db.transaction() as session:
        topic = await topic_store.add_topic(
            session, name="Syria", keywords=("syria",), exclude=(), now=now
        )
        session.add(Subscription(chat_id=FORUM, topic_id=topic.id, thread_id=news, created_at=now))
        await session.execute(update(Chat).where(Chat.id == FORUM).values(digest_thread_id=news))
    if how == "deleted":
        server.delete_topic(FORUM, news)
    else:
        server.close_topic(FORUM, news)
    await _queue(
        db,
        _digest("part-1", news),
        _digest("part-2", news),
        _digest("other-thread", sport),
    )

    await _drain(db, bot)

    general = [m for m in server.messages(FORUM) if m.thread_id is None]
    texts = [m.text or "" for m in general]
    assert texts[:2] == ["part-1", "part-2"]  # in order, in General
    notes = [t for t in texts if "deleted or closed" in t]
    assert len(notes) == 1 and "admins" in notes[0]
    assert [m.text for m in server.messages(FORUM) if m.thread_id == sport] == ["other-thread"]
    refused = [c for c in server.calls_of("sendMessage", chat_id=FORUM) if not c.ok]
    assert len(refused) == 1  # the thread was tried once, not once per message
    async with db.transaction() as session:
        chat = await session.get(Chat, FORUM)
        routed = await session.scalar(select(Subscription.thread_id))
        statuses = set(await session.scalars(select(OutboxMessage.status)))
    assert chat is not None and chat.digest_thread_id is None and routed is None
    assert statuses == {"sent"}

    # Later messages for that thread (queued before anyone knew) go to General without a try.
    await _queue(db, _digest("late", news))
    await _drain(db, bot)
    assert server.messages(FORUM)[-1].text == "late"
    assert server.messages(FORUM)[-1].thread_id is None
    assert len([c for c in server.calls_of("sendMessage", chat_id=FORUM) if not c.ok]) == 2
    notes = [m for m in server.messages(FORUM) if "deleted or closed" in (m.text or "")]
    assert len(notes) == 1  # nothing was routed there any more: no second note


async def test_the_note_is_in_the_chats_language(
    db: Database, server: BotApiServer, bot: Bot
) -> None:
    server.add_forum(FORUM, title="Forum")
    news = server.create_topic(FORUM, "News")
    await _forum_chat(db, language="ar")
    async with db.transaction() as session:
        await session.execute(update(Chat).where(Chat.id == FORUM).values(digest_thread_id=news))
    server.delete_topic(FORUM, news)
    await _queue(db, _digest("digest", news))

    await _drain(db, bot)

    note = server.messages(FORUM)[-1]
    assert note.thread_id is None and "للمشرفين" in (note.text or "")


async def test_silent_rows_and_buttons_reach_telegram(
    db: Database, server: BotApiServer, bot: Bot
) -> None:
    await _forum_chat(db)
    loud = OutboxDraft("loud", FORUM, Lane.DIGEST, "loud")
    quiet = OutboxDraft(
        "quiet",
        FORUM,
        Lane.DIGEST,
        "quiet",
        silent=True,
        buttons=(Button("🔇 Mute Wire", ButtonAction.MUTE_SOURCE, 7),),
    )
    await _queue(db, loud, quiet)

    await _drain(db, bot)

    by_text = {m.text: m for m in server.messages(FORUM)}
    assert not by_text["loud"].silent and by_text["quiet"].silent
    assert by_text["quiet"].reply_markup == {
        "inline_keyboard": [[{"text": "🔇 Mute Wire", "callback_data": "ms:m:7"}]]
    }
    assert by_text["loud"].reply_markup is None
