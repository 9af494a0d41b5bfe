"""Receives Telegram's updates over HTTPS (webhook mode) and hands them to the Application.

python-telegram-bot's custom-webhook pattern: each update is put on
``application.update_queue``, where the handlers pick it up as they would a polled one. The
path carries no token; Telegram proves itself with the ``X-Telegram-Bot-Api-Secret-Token``
header given to ``setWebhook``. A request without it gets 401 and changes nothing; a body over
1 MB gets 413 (Telegram's updates are far smaller).
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update

from bot.types import App

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
MAX_BODY = 1024 * 1024


def webhook_path(url: str) -> str:
    """The local path Telegram's requests arrive at: the public URL's path ("/" when none)."""
    return urlsplit(url).path or "/"


class WebhookReceiver:
    """The aiohttp handler for Telegram's update POSTs."""

    def __init__(self, application: App, secret: str) -> None:
        self._application = application
        self._secret = secret.encode()
        self._refused = 0
        self._refusal_logged_at: float | None = None

    async def handle(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            self._log_refusal()
            return web.Response(status=401, text="unauthorized")
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.Response(status=413, text="body too large")
        try:
            body = await request.read()  # aiohttp refuses past client_max_size with 413
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return web.Response(status=400, text="expected a JSON update")
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return web.Response(status=400, text="expected a JSON update")
        update = Update.de_json(data, self._application.bot)
        await self._application.update_queue.put(update)
        return web.Response(status=200)

    def _log_refusal(self) -> None:
        """Warn at the first refusal, then at most once a minute: a flood of forged requests
        must not flood the logs too."""
        self._refused += 1
        now = time.monotonic()
        if self._refusal_logged_at is None or now - self._refusal_logged_at >= 60:
            log.warning(
                "webhook: refused %d request(s) without the right secret header", self._refused
            )
            self._refusal_logged_at, self._refused = now, 0
