"""Fixtures of the domain tests that send: the test Bot API server and a PTB Bot talking to it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot
from telegram.request import HTTPXRequest

from tests.support.botapi import BotApiServer


@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    async with BotApiServer() as running:
        yield running


@pytest.fixture
async def bot(server: BotApiServer) -> AsyncIterator[Bot]:
    request = HTTPXRequest(connection_pool_size=64, read_timeout=0.5, write_timeout=5)
    async with Bot(server.token, base_url=server.api_url, request=request) as running:
        yield running
