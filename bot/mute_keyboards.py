"""Buttons that mute or unmute a source for a chat, and their callback data.

A digest's messages carry "🔇 Mute <source>" buttons (queued as ``digests.ports.Button``
values, turned into a keyboard by the sender); ``/settings`` lists muted sources with
"Unmute" buttons. Data layout, far below Telegram's 64 bytes::

    ms:m:<source id>    mute the source in this chat
    ms:u:<source id>    unmute it

Callback data can be forged: :func:`decode` range-checks the id and the handler checks the
permission again on every press.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks, read_buttons
from digests.ports import Button, ButtonAction

PREFIX = callbacks.MUTE_SOURCE + ":"


@dataclass(frozen=True, slots=True)
class MuteSource:
    """Leave the source's items out of this chat's digests and /latest."""

    source_id: int


@dataclass(frozen=True, slots=True)
class UnmuteSource:
    """Let the source's items in again."""

    source_id: int


Action = MuteSource | UnmuteSource


def encode(action: Action) -> str:
    """Callback data for ``action``."""
    match action:
        case MuteSource(source_id):
            return f"{PREFIX}m:{source_id}"
        case UnmuteSource(source_id):
            return f"{PREFIX}u:{source_id}"


def decode(data: str | None) -> Action | None:
    """The action in callback ``data``, or None when it is not one we made."""
    if not data or len(data) > callbacks.MAX_BYTES or not data.startswith(PREFIX):
        return None
    match data.removeprefix(PREFIX).split(":"):
        case ["m", raw] if (source_id := callbacks.small_int(raw)) is not None:
            return MuteSource(source_id)
        case ["u", raw] if (source_id := callbacks.small_int(raw)) is not None:
            return UnmuteSource(source_id)
    return None


def queued_markup(buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    """The keyboard for buttons queued with an outbox message, or None: a Read button (a
    headline) to a row, mute buttons (short) two to a row."""
    rows: list[list[InlineKeyboardButton]] = []
    open_pair = False  # the last row holds one mute button
    for button in buttons:
        key = InlineKeyboardButton(button.label, callback_data=_data(button))
        mute = button.action is ButtonAction.MUTE_SOURCE
        if mute and open_pair:
            rows[-1].append(key)
            open_pair = False
        else:
            rows.append([key])
            open_pair = mute
    return InlineKeyboardMarkup(rows) if rows else None


def _data(button: Button) -> str:
    match button.action:
        case ButtonAction.MUTE_SOURCE:
            return encode(MuteSource(button.value))
        case ButtonAction.READ_ARTICLE:
            return read_buttons.encode(button.value)
