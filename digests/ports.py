"""What the domain needs from the outside world, as small protocols the adapters implement."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol


class SendStatus(enum.StrEnum):
    """How one send attempt ended, in the terms delivery needs to decide what to do next."""

    SENT = "sent"
    RETRY_AFTER = "retry_after"  # flood control: wait `retry_after` seconds, whole bot
    TRANSIENT = "transient"  # network error, timeout, 5xx: retry with backoff
    CHAT_GONE = "chat_gone"  # blocked, kicked, deactivated, chat not found
    MIGRATED = "migrated"  # group became a supergroup with `new_chat_id`
    BAD_HTML = "bad_html"  # Telegram could not parse our HTML
    THREAD_GONE = "thread_gone"  # the forum thread was deleted or closed: send to General
    FAILED = "failed"  # any other permanent 400


class ButtonAction(enum.StrEnum):
    """What a button under a queued message does; the adapter turns it into callback data."""

    MUTE_SOURCE = "mute"  # value: a source id
    READ_ARTICLE = "read"  # value: an article id; sends its full text into the chat


@dataclass(frozen=True, slots=True)
class Button:
    """One button under a message: its label (already in the chat's language) and action."""

    label: str
    action: ButtonAction
    value: int


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """A rendered message for one chat: Telegram HTML, link previews off unless asked."""

    chat_id: int
    text: str
    html: bool = True
    disable_preview: bool = True
    thread_id: int | None = None  # a forum thread (Bot API message_thread_id); None: General
    silent: bool = False  # Bot API disable_notification
    buttons: tuple[Button, ...] = ()  # one per row
    paid: bool = False  # Bot API allow_paid_broadcast: above the free ceiling, for Stars


@dataclass(frozen=True, slots=True)
class SendOutcome:
    """The result of one send, mapped from the transport's errors."""

    status: SendStatus
    message_id: int | None = None
    retry_after: float | None = None
    new_chat_id: int | None = None
    detail: str = ""
    # The request went out but no answer came (a timeout): Telegram may have delivered it.
    maybe_delivered: bool = False


class Sender(Protocol):
    """Delivers one rendered message to one chat and says how it went; never raises."""

    async def send(self, message: OutgoingMessage) -> SendOutcome:
        """Send ``message``; every failure is reported as a SendOutcome, not an exception."""
        ...
