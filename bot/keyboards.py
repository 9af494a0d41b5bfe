"""Inline keyboards and their callback data, with a codec that rejects anything malformed.

Callback data comes back from clients and can be forged, so every value is parsed and
range-checked here and the permission check runs again on every press.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from digests.i18n import translator
from digests.types import TopicChoice

TOPICS_PER_PAGE = 40


@dataclass(frozen=True, slots=True)
class ToggleTopic:
    """Follow or unfollow a topic, then show picker page ``page``."""

    topic_id: int
    page: int


@dataclass(frozen=True, slots=True)
class TopicsPage:
    """Show picker page ``page``."""

    page: int


@dataclass(frozen=True, slots=True)
class StopAnswer:
    """The answer to "unfollow everything?"."""

    confirmed: bool


Action = ToggleTopic | TopicsPage | StopAnswer


def encode(action: Action) -> str:
    """Callback data for ``action`` (always well under Telegram's 64 bytes)."""
    match action:
        case ToggleTopic(topic_id, page):
            return f"{callbacks.TOPIC_TOGGLE}:{topic_id}:{page}"
        case TopicsPage(page):
            return f"{callbacks.TOPICS_PAGE}:{page}"
        case StopAnswer(confirmed):
            return f"{callbacks.STOP}:{'y' if confirmed else 'n'}"


def decode(data: str | None) -> Action | None:
    """The action in callback ``data``, or None when it is not one we made."""
    if not data or len(data) > 64:
        return None
    parts = data.split(":")
    match parts:
        case [callbacks.TOPIC_TOGGLE, topic, page]:
            topic_id, page_no = callbacks.small_int(topic), callbacks.small_int(page)
            if topic_id is None or page_no is None:
                return None
            return ToggleTopic(topic_id, page_no)
        case [callbacks.TOPICS_PAGE, page]:
            page_no = callbacks.small_int(page)
            return None if page_no is None else TopicsPage(page_no)
        case [callbacks.STOP, "y"]:
            return StopAnswer(True)
        case [callbacks.STOP, "n"]:
            return StopAnswer(False)
    return None


def page_count(choices: list[TopicChoice]) -> int:
    """How many picker pages the topics need (at least one)."""
    return max(1, math.ceil(len(choices) / TOPICS_PER_PAGE))


def topic_picker(
    choices: list[TopicChoice], page: int = 0, lang: str = "en"
) -> InlineKeyboardMarkup | None:
    """Two topics a row, a check mark on followed ones, with page buttons when needed."""
    if not choices:
        return None
    _ = translator(lang)
    pages = page_count(choices)
    page = min(max(page, 0), pages - 1)
    shown = choices[page * TOPICS_PER_PAGE : (page + 1) * TOPICS_PER_PAGE]
    buttons = [
        InlineKeyboardButton(
            f"✅ {c.name}" if c.followed else c.name,
            callback_data=encode(ToggleTopic(c.id, page)),
        )
        for c in shown
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    if pages > 1:
        nav = []
        if page > 0:
            nav.append(
                InlineKeyboardButton(_("‹ Back"), callback_data=encode(TopicsPage(page - 1)))
            )
        nav.append(
            InlineKeyboardButton(f"{page + 1}/{pages}", callback_data=encode(TopicsPage(page)))
        )
        if page < pages - 1:
            nav.append(
                InlineKeyboardButton(_("More ›"), callback_data=encode(TopicsPage(page + 1)))
            )
        rows.append(nav)
    return InlineKeyboardMarkup(rows)


def stop_confirmation(lang: str = "en") -> InlineKeyboardMarkup:
    """Yes / No buttons for /stop."""
    _ = translator(lang)
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _("Yes, unfollow all"), callback_data=encode(StopAnswer(True))
                ),
                InlineKeyboardButton(_("No, keep them"), callback_data=encode(StopAnswer(False))),
            ]
        ]
    )
