"""The PTB-based Sender against the test Bot API server: each Telegram answer, one outcome."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import Bot

from bot.request import AiohttpRequest
from bot.sender import TelegramSender
from digests.ports import OutgoingMessage, SendStatus
from tests.support.botapi import BotApiServer


@pytest.fixture
async def sender(botapi: BotApiServer) -> AsyncIterator[TelegramSender]:
    request = AiohttpRequest(read_timeout=0.3)
    async with Bot(botapi.token, base_url=botapi.api_url, request=request) as bot:
        yield TelegramSender(bot, timeout=0.3)


async def test_a_delivered_message_reports_its_id_and_keeps_previews_off(
    botapi: BotApiServer, sender: TelegramSender
) -> None:
    outcome = await sender.send(OutgoingMessage(11, "<b>Top</b> story"))

    (stored,) = botapi.messages(11)
    assert outcome.status is SendStatus.SENT and outcome.message_id == stored.message_id
    assert stored.text == "Top story" and stored.link_preview_disabled


async def test_plain_text_is_sent_without_a_parse_mode(
    botapi: BotApiServer, sender: TelegramSender
) -> None:
    outcome = await sender.send(OutgoingMessage(12, "AT&T <b>as is</b>", html=False))

    assert outcome.status is SendStatus.SENT
    assert botapi.messages(12)[0].text == "AT&T <b>as is</b>"


@pytest.mark.parametrize(
    ("fault", "status"),
    [
        ({"status": 429, "retry_after": 7}, SendStatus.RETRY_AFTER),
        ({"status": 403, "description": "Forbidden: user is deactivated"}, SendStatus.CHAT_GONE),
        ({"status": 400, "description": "Bad Request: chat not found"}, SendStatus.CHAT_GONE),
        ({"status": 400, "migrate_to_chat_id": -100777}, SendStatus.MIGRATED),
        ({"status": 400, "description": "Bad Request: message is too long"}, SendStatus.FAILED),
        (
            {"status": 400, "description": "Bad Request: message thread not found"},
            SendStatus.THREAD_GONE,
        ),
        ({"status": 400, "description": "Bad Request: TOPIC_CLOSED"}, SendStatus.THREAD_GONE),
        ({"status": 500}, SendStatus.TRANSIENT),
        ({"status": 502}, SendStatus.TRANSIENT),
    ],
)
async def test_each_telegram_error_maps_to_what_delivery_must_do(
    botapi: BotApiServer, sender: TelegramSender, fault: dict[str, Any], status: SendStatus
) -> None:
    botapi.fail_next("sendMessage", **fault)

    outcome = await sender.send(OutgoingMessage(-13, "hello"))

    assert outcome.status is status
    if status is SendStatus.RETRY_AFTER:
        assert outcome.retry_after == 7
    if status is SendStatus.MIGRATED:
        assert outcome.new_chat_id == -100777


async def test_blocked_chats_and_bad_html_are_recognised(
    botapi: BotApiServer, sender: TelegramSender
) -> None:
    botapi.block(14)
    blocked = await sender.send(OutgoingMessage(14, "hi"))
    bad = await sender.send(OutgoingMessage(15, "<b>unclosed"))

    assert (blocked.status, bad.status) == (SendStatus.CHAT_GONE, SendStatus.BAD_HTML)
    assert "blocked" in blocked.detail and "can't parse entities" in bad.detail.lower()


async def test_a_timeout_is_transient(botapi: BotApiServer, sender: TelegramSender) -> None:
    original = botapi._handlers["sendMessage"]

    async def slow(params: Any) -> Any:
        await asyncio.sleep(1.0)
        return await original(params)

    botapi._handlers["sendMessage"] = slow

    outcome = await sender.send(OutgoingMessage(16, "hi"))

    assert outcome.status is SendStatus.TRANSIENT and "timed out" in outcome.detail
