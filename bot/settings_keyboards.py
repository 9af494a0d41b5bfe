"""The /settings keyboards and their callback data, with a codec that rejects anything malformed.

Callback data comes back from clients and can be forged, so :func:`decode` parses and
range-checks every field, and what it returns for a change is the domain's own validated value
(``digests.chat_settings.Change``). The handler checks permission again on every press.

Data layout (all under ``set:``, far below Telegram's 64 bytes)::

    set:v:<view>        show a view: m(ain) t(ime) a(dd a time) f(requency) d(ay) n(umber)
    set:ask:<prompt>    ask for a typed answer: t(ime) z(one) n(umber)
    set:t:<HHMM>        set the time (the only one)
    set:ta:<HHMM>       add a digest time;  set:tr:<HHMM> remove one
    set:f:<frequency>   daily | weekdays | off;  set:f:weekly:<0-6>
    set:n:<1-30>        set the maximum items
    set:e:<0|1>         note when nothing is new: off | on
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import time

from babel.dates import get_day_names
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from digests.chat_settings import (
    AddTime,
    Change,
    ChatSettings,
    RemoveTime,
    SetFrequency,
    SetMaxItems,
    SetNotifyEmpty,
    SetTime,
    SetTimes,
    SetZone,
)
from digests.errors import InvalidInput
from digests.i18n import DEFAULT_LANGUAGE, Translator, supported_language, translator
from digests.schedule import Frequency
from digests.settings import MAX_DIGEST_TIMES

PREFIX = callbacks.SETTINGS + ":"
COMMON_TIMES = tuple(time(hour) for hour in (6, 7, 8, 9, 12, 18, 21))
ITEM_CHOICES = (5, 10, 15, 20, 30)
_MARK = "✓ "
_HHMM = re.compile(r"([01][0-9]|2[0-3])[0-5][0-9]")


class View(enum.StrEnum):
    """Which part of the settings the keyboard shows."""

    MAIN = "main"
    TIME = "time"
    ADD_TIME = "add_time"
    FREQUENCY = "frequency"
    WEEKDAY = "weekday"
    ITEMS = "items"


class Prompt(enum.StrEnum):
    """What a typed answer is taken as."""

    TIME = "time"
    ZONE = "zone"
    ITEMS = "items"


@dataclass(frozen=True, slots=True)
class ShowView:
    """Edit the settings message to show ``view``."""

    view: View


@dataclass(frozen=True, slots=True)
class AskFor:
    """Ask for a typed answer; the chat's next text is taken as it."""

    prompt: Prompt


Action = ShowView | AskFor | Change

_VIEW_CODES = {
    View.MAIN: "m",
    View.TIME: "t",
    View.ADD_TIME: "a",
    View.FREQUENCY: "f",
    View.WEEKDAY: "d",
    View.ITEMS: "n",
}
_PROMPT_CODES = {Prompt.TIME: "t", Prompt.ZONE: "z", Prompt.ITEMS: "n"}
_VIEWS = {code: view for view, code in _VIEW_CODES.items()}
_PROMPTS = {code: prompt for prompt, code in _PROMPT_CODES.items()}
_SIMPLE_FREQUENCIES = {
    "daily": Frequency.DAILY,
    "weekdays": Frequency.WEEKDAYS,
    "off": Frequency.OFF,
}


def encode(action: Action) -> str:
    """Callback data for ``action``; ValueError for a change no button makes (a zone)."""
    match action:
        case ShowView(view):
            return f"{PREFIX}v:{_VIEW_CODES[view]}"
        case AskFor(prompt):
            return f"{PREFIX}ask:{_PROMPT_CODES[prompt]}"
        case SetTime(at):
            return f"{PREFIX}t:{at:%H%M}"
        case AddTime(at):
            return f"{PREFIX}ta:{at:%H%M}"
        case RemoveTime(at):
            return f"{PREFIX}tr:{at:%H%M}"
        case SetFrequency(Frequency.WEEKLY, day):
            return f"{PREFIX}f:weekly:{day}"
        case SetFrequency(frequency, _):
            return f"{PREFIX}f:{frequency.value}"
        case SetMaxItems(count):
            return f"{PREFIX}n:{count}"
        case SetNotifyEmpty(enabled):
            return f"{PREFIX}e:{int(enabled)}"
        case SetZone() | SetTimes():
            raise ValueError("zones and lists of times are typed, never sent as callback data")


def decode(data: str | None) -> Action | None:
    """The action in callback ``data``, or None when it is not one we made."""
    if not data or len(data) > 64 or not data.isascii() or not data.startswith(PREFIX):
        return None
    try:
        return _decode(data.removeprefix(PREFIX).split(":"))
    except InvalidInput:
        return None


def _decode(parts: list[str]) -> Action | None:
    match parts:
        case ["v", code] if code in _VIEWS:
            return ShowView(_VIEWS[code])
        case ["ask", code] if code in _PROMPTS:
            return AskFor(_PROMPTS[code])
        case ["t" | "ta" | "tr" as code, hhmm] if _HHMM.fullmatch(hhmm):
            at = time(int(hhmm[:2]), int(hhmm[2:]))
            return SetTime(at) if code == "t" else AddTime(at) if code == "ta" else RemoveTime(at)
        case ["f", name] if name in _SIMPLE_FREQUENCIES:
            return SetFrequency(_SIMPLE_FREQUENCIES[name])
        case ["f", "weekly", day] if re.fullmatch(r"[0-6]", day):
            return SetFrequency(Frequency.WEEKLY, int(day))
        case ["n", count] if re.fullmatch(r"[1-9][0-9]?", count):
            return SetMaxItems(int(count))  # SetMaxItems range-checks 1..30
        case ["e", flag] if flag in {"0", "1"}:
            return SetNotifyEmpty(flag == "1")
    return None


def settings_keyboard(
    settings: ChatSettings, view: View = View.MAIN, lang: str = DEFAULT_LANGUAGE
) -> InlineKeyboardMarkup:
    """The buttons for ``view`` in ``lang``, the current choice marked with a check."""
    _ = translator(lang)
    rows = _ROWS[view](settings, _, lang)
    if view is not View.MAIN:
        rows.append([_button(_("‹ Back"), ShowView(View.MAIN))])
    return InlineKeyboardMarkup(rows)


Rows = list[list[InlineKeyboardButton]]


def _day_names(lang: str) -> list[str]:
    """Abbreviated weekday names, Monday first, from CLDR ("Mon", "الاثنين")."""
    names = get_day_names("abbreviated", locale=supported_language(lang))
    return [str(names[day]) for day in range(7)]


def _main_rows(settings: ChatSettings, _: Translator, lang: str) -> Rows:
    frequency = {
        Frequency.DAILY: _("Daily"),
        Frequency.WEEKDAYS: _("Weekdays"),
        Frequency.WEEKLY: _("Weekly, %(day)s", day=_day_names(lang)[settings.weekly_day]),
        Frequency.OFF: _("Off"),
    }[settings.frequency]
    note = (
        _("🔔 Note when nothing is new: on")
        if settings.notify_empty
        else _("🔕 Note when nothing is new: off")
    )
    return [
        [
            _button(
                _(
                    "⏰ Time %(time)s",
                    time=", ".join(f"{at:%H:%M}" for at in settings.digest_times),
                ),
                ShowView(View.TIME),
            ),
            _button(_("🌍 Change time zone…"), AskFor(Prompt.ZONE)),
        ],
        [
            _button(f"📅 {frequency}", ShowView(View.FREQUENCY)),
            _button(_("🔢 %(n)d items", n=settings.max_items), ShowView(View.ITEMS)),
        ],
        [_button(note, SetNotifyEmpty(not settings.notify_empty))],
    ]


def _time_rows(settings: ChatSettings, _: Translator, lang: str) -> Rows:
    """Common times (a tap makes it the only time), add or remove one, or type them all."""
    times = settings.digest_times
    buttons = [_button(_marked(f"{at:%H:%M}", at in times), SetTime(at)) for at in COMMON_TIMES]
    rows = [buttons[:4], buttons[4:]]
    if len(times) > 1:
        rows.append([_button(f"✖ {at:%H:%M}", RemoveTime(at)) for at in times])
    last = [_button(_("Type a time…"), AskFor(Prompt.TIME))]
    if len(times) < MAX_DIGEST_TIMES:
        last.insert(0, _button(_("➕ Add a time"), ShowView(View.ADD_TIME)))
    rows.append(last)
    return rows


def _add_time_rows(settings: ChatSettings, _: Translator, lang: str) -> Rows:
    """The common times the chat does not have yet, each adding a digest."""
    buttons = [
        _button(f"➕ {at:%H:%M}", AddTime(at))
        for at in COMMON_TIMES
        if at not in settings.digest_times
    ]
    return [row for row in (buttons[:4], buttons[4:]) if row]


def _frequency_rows(settings: ChatSettings, _: Translator, lang: str) -> Rows:
    current = settings.frequency
    return [
        [
            _button(_marked(_("Daily"), current is Frequency.DAILY), SetFrequency(Frequency.DAILY)),
            _button(
                _marked(_("Weekdays"), current is Frequency.WEEKDAYS),
                SetFrequency(Frequency.WEEKDAYS),
            ),
        ],
        [
            _button(_marked(_("Weekly…"), current is Frequency.WEEKLY), ShowView(View.WEEKDAY)),
            _button(_marked(_("Off"), current is Frequency.OFF), SetFrequency(Frequency.OFF)),
        ],
    ]


def _weekday_rows(settings: ChatSettings, _: Translator, lang: str) -> Rows:
    weekly = settings.frequency is Frequency.WEEKLY
    return [
        [
            _button(
                _marked(name, weekly and day == settings.weekly_day),
                SetFrequency(Frequency.WEEKLY, day),
            )
            for day, name in enumerate(_day_names(lang))
        ]
    ]


def _items_rows(settings: ChatSettings, _: Translator, lang: str) -> Rows:
    return [
        [
            _button(_marked(str(count), count == settings.max_items), SetMaxItems(count))
            for count in ITEM_CHOICES
        ],
        [_button(_("Type a number…"), AskFor(Prompt.ITEMS))],
    ]


_ROWS = {
    View.MAIN: _main_rows,
    View.TIME: _time_rows,
    View.ADD_TIME: _add_time_rows,
    View.FREQUENCY: _frequency_rows,
    View.WEEKDAY: _weekday_rows,
    View.ITEMS: _items_rows,
}


def _marked(label: str, current: bool) -> str:
    return _MARK + label if current else label


def _button(label: str, action: Action) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=encode(action))
