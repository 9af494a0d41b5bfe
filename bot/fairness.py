"""Fair under abuse: the update processor that keeps one flooding chat from slowing the rest.

Every update passes through :class:`FairProcessor` (python-telegram-bot's update processor)
before any handler runs, and before any database work:

1. **Budget.** A command addressed to the bot (in a private chat: any message) takes a token
   from its chat's bucket and, in a group, from the member's: ``CHAT_COMMAND_BURST`` at once,
   then ``CHAT_COMMAND_RATE`` a minute. A member of a group gets half the group's budget, so a
   member flooding a group leaves the other half to everyone else. Over budget, the update is
   dropped; the first refusal since the bucket was full gets one short "slow down, try again
   in N s" in the chat's language, later ones silence until the budget has refilled. Admins in
   ``ADMIN_IDS`` are exempt for admin commands.
2. **Coalescing.** The same command with the same arguments from one chat, while an earlier
   one is still waiting or running, is dropped: the earlier answer serves both.
3. **Lanes** (``bot.lanes``): one handler at a time per chat, in order, at most
   ``lanes.QUEUE`` more waiting (others, e.g. a flood of button presses, are dropped), and
   ``lanes.WORKERS`` doing work in all.

Memory: buckets are bounded by :class:`~digests.pacing.TokenBuckets` (50,000 keys each at
most), waiting updates by ``MAX_UPDATES``; a dropped update costs a few microseconds.
"""

from __future__ import annotations

import inspect
import logging
import math
import time
from collections.abc import Awaitable, Callable, Collection, Hashable
from typing import Any

from telegram import MessageEntity, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import BaseUpdateProcessor

from bot import handlers
from bot.chat import fallback_language
from bot.lanes import Lanes
from bot.replies import answer
from bot.services import Services
from digests.chat_languages import chat_language
from digests.pacing import TokenBuckets

log = logging.getLogger(__name__)

# Updates inside the processor at once (waiting for their lane, working, or waiting to send).
MAX_UPDATES = 1024
MEMBER_SHARE = 0.5
_GROUPS = {ChatType.GROUP, ChatType.SUPERGROUP}

Clock = Callable[[], float]


def processor(services: Services) -> FairProcessor:
    """The processor for the running bot, with the budget from its settings."""
    settings = services.settings
    return FairProcessor(
        services,
        rate_per_minute=settings.chat_command_rate,
        burst=settings.chat_command_burst,
        admin_commands={name for name, _description in handlers.ADMIN_COMMANDS},
    )


class FairProcessor(BaseUpdateProcessor):
    """Budget, coalescing and lanes for every update; see the module docstring."""

    def __init__(
        self,
        services: Services,
        *,
        rate_per_minute: float,
        burst: int,
        admin_commands: Collection[str] = (),
        lanes: Lanes | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        super().__init__(MAX_UPDATES)
        self._services = services
        self._admin_commands = frozenset(admin_commands)
        per_second = rate_per_minute / 60
        self._chats = TokenBuckets(per_second, burst)
        self._members = TokenBuckets(per_second * MEMBER_SHARE, math.ceil(burst * MEMBER_SHARE))
        self._lanes = lanes or Lanes()
        self._clock = clock
        self._pending: set[tuple[int, str]] = set()

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release: every update in flight finishes in its own task."""

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run, coalesce or drop ``update``; see the module docstring."""
        chat = update.effective_chat if isinstance(update, Update) else None
        if not isinstance(update, Update) or chat is None:
            await coroutine
            return
        command = _command(update)
        pending = (chat.id, command) if command is not None else None
        if pending is not None and pending in self._pending:
            log.debug("chat %s: %r is already being answered", chat.id, command)
            _discard(coroutine)
            return
        if self._counts(update, command) and not self._exempt(update, command):
            admitted, notice = self._admit(update)
            if not admitted:
                _discard(coroutine)
                if notice is not None:
                    log.info("chat %s is over its command budget for %.0f s", chat.id, notice)
                    async with self._lanes.run(chat.id):
                        await self._slow_down(update, notice)
                return
        if self._lanes.crowded(chat.id):
            log.debug("chat %s has too many updates waiting; dropped one", chat.id)
            _discard(coroutine)
            return
        if pending is not None:
            self._pending.add(pending)
        try:
            async with self._lanes.run(chat.id):
                await coroutine
        finally:
            if pending is not None:
                self._pending.discard(pending)

    def _counts(self, update: Update, command: str | None) -> bool:
        """Commands to the bot count, and in a private chat every message."""
        if command is not None:
            return True
        chat = update.effective_chat
        return update.message is not None and chat is not None and chat.type == ChatType.PRIVATE

    def _exempt(self, update: Update, command: str | None) -> bool:
        user = update.effective_user
        return (
            command is not None
            and command.split(" ", 1)[0] in self._admin_commands
            and user is not None
            and user.id in self._services.settings.admin_ids
        )

    def _admit(self, update: Update) -> tuple[bool, float | None]:
        """Take the update's tokens if every bucket has one.

        Returns whether it was admitted and, for the first refusal since a bucket was full,
        the seconds the chat should be told to wait (None: silence).
        """
        now = self._clock()
        buckets = self._buckets(update)
        waits = [bucket.wait(key, now) for bucket, key in buckets]
        if max(waits) <= 0:
            for bucket, key in buckets:
                bucket.take(key, now)
            return True, None
        first = [bucket.refuse(key) for (bucket, key), w in zip(buckets, waits, strict=True) if w]
        return False, max(waits) if any(first) else None

    def _buckets(self, update: Update) -> list[tuple[TokenBuckets, Hashable]]:
        chat, user = update.effective_chat, update.effective_user
        assert chat is not None
        found: list[tuple[TokenBuckets, Hashable]] = [(self._chats, chat.id)]
        if chat.type in _GROUPS and user is not None:
            found.append((self._members, (chat.id, user.id)))
        return found

    async def _slow_down(self, update: Update, wait: float) -> None:
        """Tell the chat, in its language, when it may send again."""
        svc = self._services
        try:
            chat = update.effective_chat
            assert chat is not None
            lang = await chat_language(svc.db, chat.id) or fallback_language(update)
            html = svc.renderer.render("slow_down", lang=lang, seconds=math.ceil(wait))
            await answer(update, update.get_bot(), svc.delivery, html)
        except TelegramError as exc:
            log.warning("could not tell chat %s to slow down: %s", update.effective_chat, exc)
        except Exception:  # a notice must never take the processor down
            log.exception("could not tell a chat to slow down")


def _command(update: Update) -> str | None:
    """The command addressed to this bot with its arguments ("latest iran"), else None."""
    message = update.message or update.channel_post
    if message is None or not message.text or not message.entities:
        return None
    first = message.entities[0]
    if first.type != MessageEntity.BOT_COMMAND or first.offset != 0:
        return None
    name, _, mention = message.text[1 : first.length].partition("@")
    if mention and mention.lower() != (update.get_bot().username or "").lower():
        return None  # another bot's command
    return " ".join([name.lower(), *message.text[first.length :].split()])


def _discard(coroutine: Awaitable[Any]) -> None:
    """Drop an update's processing unrun (closing it, so Python does not warn)."""
    if inspect.iscoroutine(coroutine):
        coroutine.close()
