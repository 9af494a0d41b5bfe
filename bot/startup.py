"""Reach the Bot API at start: wait while it is down, one line when the token is rejected."""

from __future__ import annotations

from telegram.error import BadRequest, InvalidToken, NetworkError

from bot.types import App
from digests.connect import wait_while_down
from digests.errors import ConfigError


async def initialize(application: App, *, api_url: str, give_up_after: float) -> None:
    """``application.initialize()`` (which asks ``getMe``), retried while the Bot API is down.

    A rejected token is a ConfigError at once: waiting cannot fix it, and InvalidToken's own
    message holds the token.
    """

    def down(exc: BaseException) -> str | None:
        if isinstance(exc, InvalidToken):
            raise ConfigError(
                "BOT_TOKEN: rejected by the Bot API (401 Unauthorized); "
                "get the current token from @BotFather"
            ) from None
        if isinstance(exc, NetworkError) and not isinstance(exc, BadRequest):
            return f"{api_url}: {exc.message}"
        return None

    try:
        await wait_while_down(
            application.initialize, down=down, what="BOT_API_URL", give_up_after=give_up_after
        )
    except BaseException:
        await application.bot.shutdown()  # closes the HTTP sessions a failed try opened
        raise
