"""The Read buttons under /latest and digests, and their callback data: ``rd:<article id>``.

The domain says which items can be read and how each button is labelled (``ports.Button``
with ``ButtonAction.READ_ARTICLE``);
this module lays them out and owns the data they carry, which comes back from clients and
can be forged, so :func:`decode` range-checks it.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from digests.i18n import translator
from digests.ports import Button, ButtonAction
from digests.types import ChatKind, Headline

# "Read 3" buttons share a row, five to a row (Telegram allows eight); title buttons get one each.
SHORT_LABEL = 12
PER_ROW = 5


def encode(article_id: int) -> str:
    """Callback data that asks for article ``article_id`` (at most 13 bytes)."""
    return f"{callbacks.READ}:{article_id}"


def decode(data: str | None) -> int | None:
    """The article id in callback ``data``, or None when it is not data we made."""
    if not data or len(data) > callbacks.MAX_BYTES:
        return None
    match data.split(":"):
        case [callbacks.READ, article]:
            return callbacks.small_int(article)
    return None


def numbered(headlines: Sequence[Headline], lang: str, *, start: int = 1) -> list[Button]:
    """A "Read N" button for each item whose full text is stored, the items numbered from
    ``start`` as the list shows them (a second page of /search starts at 11)."""
    _ = translator(lang)
    return [
        Button(_("Read %(number)s", number=number), ButtonAction.READ_ARTICLE, h.article_id)
        for number, h in enumerate(headlines, start=start)
        if h.readable
    ]


def in_chat(kind: ChatKind, buttons: Sequence[Button]) -> list[Button]:
    """``buttons`` as a chat of ``kind`` gets them: none in a channel, where any subscriber
    could press Read and make the bot post into it."""
    return [] if kind is ChatKind.CHANNEL else list(buttons)


def keyboard(buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    """The Read buttons among ``buttons`` as an inline keyboard, or None when there are none."""
    found = rows(buttons)
    return InlineKeyboardMarkup(found) if found else None


def rows(buttons: Sequence[Button]) -> list[list[InlineKeyboardButton]]:
    """The Read buttons among ``buttons`` laid out in rows, for a keyboard with other rows."""
    buttons = [b for b in buttons if b.action is ButtonAction.READ_ARTICLE]
    if not buttons:
        return []
    keys = [InlineKeyboardButton(b.label, callback_data=encode(b.value)) for b in buttons]
    per_row = PER_ROW if max(len(b.label) for b in buttons) <= SHORT_LABEL else 1
    return [keys[i : i + per_row] for i in range(0, len(keys), per_row)]
