"""The real python-telegram-bot stack against the test Bot API server, on a real database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from telegram import Update
from telegram.ext import Application

from bot.app import build_application
from bot.services import Services
from digests.db import Database
from digests.ingest import Ingest, make_fetcher
from digests.render import Renderer
from digests.settings import Settings
from digests.sources.register import register_source
from digests.timeutil import utcnow
from digests.topics import add_topic
from digests.types import FetchSummary
from tests.support.botapi import BotApiServer, Call, StoredMessage

ADMIN_ID = 4242


@dataclass
class Harness:
    """Drives one running bot as Telegram users would."""

    server: BotApiServer
    application: Application  # type: ignore[type-arg]
    db: Database
    settings: Settings

    async def send(
        self,
        text: str,
        *,
        chat_id: int = 1001,
        chat_type: str = "private",
        user_id: int | None = None,
        title: str | None = None,
        expect_reply: bool = True,
        thread_id: int | None = None,
    ) -> StoredMessage:
        """Send ``text`` as a user (in forum thread ``thread_id``, if given) and return the
        bot's reply in that chat."""
        mark = self.server.mark()
        self.server.inject_message(
            chat_id, text, user_id=user_id, chat_type=chat_type, title=title, thread_id=thread_id
        )
        if not expect_reply:
            raise AssertionError("use send_silently for messages that get no reply")
        calls = await self.server.wait_for_call("sendMessage", chat_id=chat_id, since=mark)
        return self._stored(calls[0])

    async def press(
        self,
        message: StoredMessage,
        data: str,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
        expect_edit: bool = True,
    ) -> Call:
        """Press an inline button; returns the bot's answerCallbackQuery call.

        With ``expect_edit`` it also waits until the bot edited the message in place.
        """
        mark = self.server.mark()
        self.server.inject_callback(
            message.chat_id, message.message_id, data, user_id=user_id, chat_type=chat_type
        )
        answer = (await self.server.wait_for_call("answerCallbackQuery", since=mark))[0]
        if expect_edit:
            await self.server.wait_for_call("editMessageText", chat_id=message.chat_id, since=mark)
        return answer

    async def ingest(self, *urls: str, topics: dict[str, str] | None = None) -> FetchSummary:
        """Add ``urls`` as sources and ``topics`` ({name: keywords}), then fetch them all."""
        now = utcnow()
        async with make_fetcher(self.settings) as fetcher:
            for url in urls:
                await register_source(
                    self.db,
                    fetcher,
                    url=url,
                    name=None,
                    every=900,
                    allow_private=True,
                    now=now,
                )
            for name, keywords in (topics or {}).items():
                await add_topic(self.db, name, keywords, now=now)
            return await Ingest(self.db, self.settings, fetcher).fetch_all(now=now)

    def current(self, message: StoredMessage) -> StoredMessage:
        """The message as it is now, after any edits."""
        return self.server.message(message.chat_id, message.message_id)

    def _stored(self, call: Call) -> StoredMessage:
        assert call.ok, call.response
        result = call.result
        return self.server.message(result["chat"]["id"], result["message_id"])


def button_data(message: StoredMessage, label: str) -> str:
    """The callback data of the button whose text contains ``label``."""
    markup = message.reply_markup or {}
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if label in button["text"]:
                return str(button["callback_data"])
    raise AssertionError(f"no button {label!r} in {markup}")


def button_labels(message: StoredMessage) -> list[str]:
    """Every button's text, row by row."""
    markup = message.reply_markup or {}
    return [button["text"] for row in markup.get("inline_keyboard", []) for button in row]


@pytest.fixture
async def botapi() -> AsyncIterator[BotApiServer]:
    """A Bot API server on 127.0.0.1 for one test."""
    async with BotApiServer() as server:
        yield server


@pytest.fixture
def command_budget() -> dict[str, object]:
    """The bot's command budget: generous, so a test sending many commands tests its own
    feature; tests of the budget itself (test_fairness.py) override this with the defaults.
    A module may override this fixture with other settings too: they win over the harness's."""
    return {"chat_command_rate": 600.0, "chat_command_burst": 100}


@pytest.fixture
async def harness(
    botapi: BotApiServer, db: Database, command_budget: dict[str, object]
) -> AsyncIterator[Harness]:
    """The bot, built exactly as `newsbot run` builds it, polling the test server."""
    values: dict[str, object] = {
        "bot_token": botapi.token,
        "bot_api_url": botapi.base_url,
        "database_url": db.url,
        "admin_ids": frozenset({ADMIN_ID}),
        "allow_private_sources": True,
        "fetch_pages": False,  # test feeds link to hosts that do not exist
        **command_budget,
    }
    settings = Settings(**values)  # type: ignore[arg-type]
    application = build_application(Services(settings=settings, db=db, renderer=Renderer()))
    await application.initialize()
    assert application.post_init is not None
    await application.post_init(application)
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(
        poll_interval=0, timeout=1, allowed_updates=Update.ALL_TYPES
    )
    try:
        yield Harness(botapi, application, db, settings)
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
