"""The Sender port done with python-telegram-bot: one sendMessage, its errors as SendOutcomes.

python-telegram-bot raises, for an answer of Telegram: ``RetryAfter`` (429, flood control),
``ChatMigrated`` (the group became a supergroup), ``Forbidden`` (403: blocked, kicked,
deactivated), ``BadRequest`` (400), ``TimedOut`` and ``NetworkError`` (anything else,
5xx included). ``BadRequest`` and ``TimedOut`` subclass ``NetworkError``, so the order of the
``except`` clauses below matters: a blanket retry on NetworkError would retry permanent 400s.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.warnings import PTBDeprecationWarning

from bot.mute_keyboards import queued_markup
from bot.request import AiohttpRequest
from digests.ports import OutgoingMessage, SendOutcome, SendStatus
from digests.settings import Settings

log = logging.getLogger(__name__)

# Seconds to wait for Telegram's answer to a send. Long, because a send whose answer never
# came is sent again and may arrive twice: a Bot API that stalls 15 s must not cause that.
SEND_TIMEOUT = 40.0

# Bad Request descriptions that mean the chat is not there for us any more.
_GONE = ("chat not found", "user is deactivated", "bot was kicked", "not enough rights to send")
# Bad Request descriptions that mean the forum thread is deleted or closed to the bot
# (tdlib/telegram-bot-api #472, #798: "Bad Request: message thread not found"; a closed
# topic answers "Bad Request: TOPIC_CLOSED").
_THREAD_GONE = ("message thread not found", "topic_closed", "topic_deleted")


class TelegramSender:
    """Sends outbox messages through a python-telegram-bot ``Bot``; never raises."""

    def __init__(self, bot: Bot, *, timeout: float = SEND_TIMEOUT) -> None:
        self._bot = bot
        self._timeout = timeout

    async def send(self, message: OutgoingMessage) -> SendOutcome:
        """Send one message and say how it went (see SendStatus)."""
        try:
            sent = await self._bot.send_message(
                chat_id=message.chat_id,
                text=message.text,
                parse_mode=ParseMode.HTML if message.html else None,
                link_preview_options=LinkPreviewOptions(is_disabled=message.disable_preview),
                message_thread_id=message.thread_id,
                disable_notification=message.silent,
                allow_paid_broadcast=True if message.paid else None,
                reply_markup=queued_markup(message.buttons),
                read_timeout=self._timeout,
            )
        except RetryAfter as exc:
            return SendOutcome(
                SendStatus.RETRY_AFTER, retry_after=_retry_after(exc), detail=str(exc)
            )
        except ChatMigrated as exc:
            return SendOutcome(SendStatus.MIGRATED, new_chat_id=exc.new_chat_id, detail=str(exc))
        except Forbidden as exc:
            return SendOutcome(SendStatus.CHAT_GONE, detail=exc.message)
        except BadRequest as exc:
            return SendOutcome(_bad_request_status(exc.message), detail=exc.message)
        except TimedOut as exc:
            return SendOutcome(
                SendStatus.TRANSIENT,
                detail=f"timed out: no answer within {self._timeout:g} s ({exc.message})",
                maybe_delivered=True,
            )
        except NetworkError as exc:
            return SendOutcome(SendStatus.TRANSIENT, detail=exc.message)
        except TelegramError as exc:  # InvalidToken, Conflict: nothing a retry would mend
            return SendOutcome(SendStatus.FAILED, detail=exc.message)
        return SendOutcome(SendStatus.SENT, message_id=sent.message_id)


def _bad_request_status(description: str) -> SendStatus:
    lowered = description.lower()
    if "can't parse entities" in lowered:
        return SendStatus.BAD_HTML
    if any(phrase in lowered for phrase in _THREAD_GONE):
        return SendStatus.THREAD_GONE
    if any(phrase in lowered for phrase in _GONE):
        return SendStatus.CHAT_GONE
    return SendStatus.FAILED


def _retry_after(exc: RetryAfter) -> float:
    # PTB 22.2+ warns that ``retry_after`` will become a timedelta; either way, seconds here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


@asynccontextmanager
async def open_sender(
    settings: Settings, *, connections: int = 64, http_timeout: float = 10.0
) -> AsyncIterator[TelegramSender]:
    """A sender with its own Bot for processes that only deliver (``newsbot deliver``).

    ``connections`` should exceed the sends the delivery keeps in flight: a send waiting for a
    pooled connection times out (python-telegram-bot #3950).
    """
    request = AiohttpRequest(
        connections=connections,
        read_timeout=http_timeout,
        write_timeout=http_timeout,
        connect_timeout=http_timeout,
        pool_timeout=http_timeout,
    )
    bot = Bot(
        settings.token,
        base_url=f"{settings.bot_api_url}/bot",
        base_file_url=f"{settings.bot_api_url}/file/bot",
        request=request,
    )
    async with bot:
        yield TelegramSender(bot)
