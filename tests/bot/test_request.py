"""The aiohttp transport under python-telegram-bot: answers, uploads and failures as PTB expects."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest
from telegram import Bot
from telegram.error import NetworkError, TimedOut

from bot.request import AiohttpRequest
from tests.support.botapi import BotApiServer


async def test_a_message_and_an_uploaded_document_arrive_through_it(botapi: BotApiServer) -> None:
    async with Bot(botapi.token, base_url=botapi.api_url, request=AiohttpRequest()) as bot:
        await bot.send_message(21, "<b>Top</b> story", parse_mode="HTML")
        await bot.send_document(21, b"<opml/>", filename="sources.opml", caption="Your sources")

    assert botapi.messages(21)[0].text == "Top story"
    (upload,) = botapi.calls_of("sendDocument")
    assert upload.ok


async def test_an_answer_slower_than_the_read_timeout_is_timed_out(botapi: BotApiServer) -> None:
    original = botapi._handlers["sendMessage"]

    async def slow(params: Any) -> Any:
        await asyncio.sleep(1.0)
        return await original(params)

    botapi._handlers["sendMessage"] = slow
    request = AiohttpRequest(read_timeout=0.2)
    async with Bot(botapi.token, base_url=botapi.api_url, request=request) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(22, "hi")


async def test_a_refused_connection_is_a_network_error_that_names_no_url() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token = "123456:SECRET-token"
    request = AiohttpRequest(connect_timeout=1.0)
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as caught:
            await request.post(f"http://127.0.0.1:{port}/bot{token}/getMe")
    finally:
        await request.shutdown()

    assert not isinstance(caught.value, TimedOut)
    assert token not in str(caught.value) and "SECRET" not in repr(caught.value)
