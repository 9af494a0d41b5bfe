"""Webhook mode: Telegram posts updates to the bot's own server, proven by the secret header."""

from __future__ import annotations

import json

import aiohttp

from digests.db import Database
from digests.settings import Settings
from tests.support.botapi import BotApiServer
from tests.support.service import free_port, running

SECRET = "s3cret-Header_value"


def _settings(server: BotApiServer, db: Database, port: int) -> Settings:
    return Settings(
        bot_token=server.token,  # type: ignore[arg-type]
        bot_api_url=server.base_url,
        database_url=db.url,
        webhook_url=f"http://127.0.0.1:{port}/telegram/updates",
        webhook_secret=SECRET,  # type: ignore[arg-type]
        webhook_listen=f"127.0.0.1:{port}",
        fetch_pages=False,
    )


async def test_updates_arrive_by_webhook_and_are_answered(db: Database) -> None:
    async with BotApiServer() as server:
        port = free_port()
        async with running(_settings(server, db, port)):
            hook = server.webhook
            assert hook is not None
            assert hook["url"] == f"http://127.0.0.1:{port}/telegram/updates"
            assert server.token not in hook["url"]
            assert hook["secret_token"] == SECRET
            assert "message" in hook["allowed_updates"]
            assert "callback_query" in hook["allowed_updates"]

            mark = server.mark()
            server.inject_message(1001, "/start")
            (reply,) = await server.wait_for_call("sendMessage", chat_id=1001, since=mark)
            assert reply.ok
            assert server.webhook_posts[-1][1] == 200
            assert not server.pending_updates
        # No process polled while the webhook was set; stopping leaves it for other fronts.
        assert not server.calls_of("getUpdates")
        assert server.webhook is not None


async def test_requests_without_the_secret_get_401_and_change_nothing(db: Database) -> None:
    async with BotApiServer() as server:
        port = free_port()
        async with running(_settings(server, db, port)):
            forged = {
                "update_id": 999,
                "message": {
                    "message_id": 1,
                    "date": 0,
                    "chat": {"id": 77, "type": "private", "first_name": "Eve"},
                    "from": {"id": 77, "is_bot": False, "first_name": "Eve"},
                    "text": "/start",
                    "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                },
            }
            assert (await server.post_to_webhook(forged))[0] == 401
            assert (await server.post_to_webhook(forged, secret="wrong"))[0] == 401
            too_big = json.dumps({**forged, "pad": "x" * (1024 * 1024)}).encode()
            assert (await server.post_to_webhook(too_big, secret=SECRET))[0] == 413
            assert (await server.post_to_webhook(b"not json", secret=SECRET))[0] == 400
            # The token is not a path: a request to /bot<token> finds nothing.
            async with (
                aiohttp.ClientSession() as client,
                client.post(f"http://127.0.0.1:{port}/bot{server.token}", json=forged) as answer,
            ):
                assert answer.status in (404, 405)

            mark = server.mark()
            server.inject_message(1002, "/start")
            await server.wait_for_call("sendMessage", chat_id=1002, since=mark)
        assert not server.calls_of("sendMessage", chat_id=77)


async def test_two_front_ends_each_serve_the_updates_they_receive(db: Database) -> None:
    """Behind a load balancer each front end handles the updates that land on it."""
    async with BotApiServer() as server:
        first, second = free_port(), free_port()
        async with running(_settings(server, db, first)), running(_settings(server, db, second)):
            for port, chat in ((first, 2001), (second, 2002)):
                update = server.inject_message(chat, "/help")
                server.clear_pending_updates()
                async with (
                    aiohttp.ClientSession() as client,
                    client.post(
                        f"http://127.0.0.1:{port}/telegram/updates",
                        json=update,
                        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                    ) as answer,
                ):
                    assert answer.status == 200
                await server.wait_for_call("sendMessage", chat_id=chat)


async def test_test_server_refuses_polling_while_a_webhook_is_set() -> None:
    """As Telegram does: getUpdates answers 409 until deleteWebhook."""
    import telegram
    from telegram.error import Conflict

    async with BotApiServer() as server:
        bot = telegram.Bot(server.token, base_url=server.api_url)
        async with bot:
            await bot.set_webhook("http://127.0.0.1:9/hook", secret_token="abc")
            info = await bot.get_webhook_info()
            assert info.url == "http://127.0.0.1:9/hook"
            try:
                await bot.get_updates(timeout=0)
            except Conflict as exc:
                assert "webhook is active" in exc.message
            else:
                raise AssertionError("getUpdates worked while a webhook was set")
            await bot.delete_webhook()
            assert await bot.get_updates(timeout=0) == ()
