"""The /settings keyboards and their callback data, with a codec that rejects anything malformed.

Callback data comes back from clients and can be forged, so :func:`decode` parses and
range-checks every field, and what it returns for a change is the domain's own validated value
(``digests.chat_settings.Change``). The handler checks permission again on every press.

Data layout (all under ``set:``, far below Telegram's 64 bytes)::

    set:v:<view>        show a view: m(ain) t(ime) a(dd a time) f(requency) d(ay) n(umber)
    set:ask:<prompt>    ask for a typed answer: t(ime) z(one) n(umber)
    set:t:<HHMM>        set the time (the only one)
    set:ta:<HHMM>       add a digest time;  set:tr:<HHMM> remove one
    set:f:<frequency>   daily | weekdays | sun_thu | off;  set:f:weekly:<0-6>
    set:n:<1-30>        set the maximum items
    set:e:<0|1>         note when nothing is new: off | on
    set:s:<0|1>         silent digests: off | on
    set:q:off           no quiet hours;  set:q:<HHMM>:<HHMM>  quiet from, until
    set:r:h | set:r:g   everything to this forum thread | to General
    set:um:<source id>  unmute a source

Views also: h (forum threads), q (quiet hours), u (muted sources); prompt q (quiet hours).
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
    SetQuietHours,
    SetSilentDigests,
    SetTime,
    SetTimes,
    SetZone,
)
from digests.errors import InvalidInput
from digests.i18n import DEFAULT_LANGUAGE, Translator, supported_language, translator
from digests.quiet import QuietHours
from digests.schedule import Frequency
from digests.settings import MAX_DIGEST_TIMES
from digests.truncation import truncate

PREFIX = callbacks.SETTINGS + ":"
COMMON_TIMES = tuple(time(hour) for hour in (6, 7, 8, 9, 12, 18, 21))
ITEM_CHOICES = (5, 10, 15, 20, 30)
QUIET_CHOICES = tuple(
    QuietHours(time(start), time(end)) for start, end in ((21, 6), (22, 7), (23, 7), (23, 8))
)
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
    THREADS = "threads"
    QUIET = "quiet"
    MUTED = "muted"


class Prompt(enum.StrEnum):
    """What a typed answer is taken as."""

    TIME = "time"
    ZONE = "zone"
    ITEMS = "items"
    QUIET = "quiet"


@dataclass(frozen=True, slots=True)
class Place:
    """Where the keyboard is: whether the chat is a forum, and the thread it is shown in."""

    forum: bool = False
    thread_id: int | None = None  # None: General


@dataclass(frozen=True, slots=True)
class RouteEverything:
    """Send the digest and every topic to the thread the button is in, or to General."""

    here: bool


@dataclass(frozen=True, slots=True)
class Unmute:
    """Let a muted source back in."""

    source_id: int


@dataclass(frozen=True, slots=True)
class ShowView:
    """Edit the settings message to show ``view``."""

    view: View


@dataclass(frozen=True, slots=True)
class AskFor:
    """Ask for a typed answer; the chat's next text is taken as it."""

    prompt: Prompt


Action = ShowView | AskFor | RouteEverything | Unmute | Change

_VIEW_CODES = {
    View.MAIN: "m",
    View.TIME: "t",
    View.ADD_TIME: "a",
    View.FREQUENCY: "f",
    View.WEEKDAY: "d",
    View.ITEMS: "n",
    View.THREADS: "h",
    View.QUIET: "q",
    View.MUTED: "u",
}
_PROMPT_CODES = {Prompt.TIME: "t", Prompt.ZONE: "z", Prompt.ITEMS: "n", Prompt.QUIET: "q"}
_VIEWS = {code: view for view, code in _VIEW_CODES.items()}
_PROMPTS = {code: prompt for prompt, code in _PROMPT_CODES.items()}
_SIMPLE_FREQUENCIES = {
    "daily": Frequency.DAILY,
    "weekdays": Frequency.WEEKDAYS,
    "sun_thu": Frequency.SUN_THU,
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
        case SetSilentDigests(enabled):
            return f"{PREFIX}s:{int(enabled)}"
        case SetQuietHours(quiet):
            if quiet is None:
                return f"{PREFIX}q:off"
            return f"{PREFIX}q:{quiet.start:%H%M}:{quiet.end:%H%M}"
        case RouteEverything(here):
            return f"{PREFIX}r:{'h' if here else 'g'}"
        case Unmute(source_id):
            return f"{PREFIX}um:{source_id}"
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
        case ["s", flag] if flag in {"0", "1"}:
            return SetSilentDigests(flag == "1")
        case ["q", "off"]:
            return SetQuietHours(None)
        case ["q", start, end] if _HHMM.fullmatch(start) and _HHMM.fullmatch(end):
            return SetQuietHours(QuietHours(_hhmm(start), _hhmm(end)))
        case ["r", where] if where in {"h", "g"}:
            return RouteEverything(where == "h")
        case ["um", number] if (source_id := callbacks.small_int(number)) is not None:
            return Unmute(source_id)
    return None


_HHMM = re.compile(r"([01][0-9]|2[0-3])[0-5][0-9]")


def _hhmm(text: str) -> time:
    return time(int(text[:2]), int(text[2:]))


def settings_keyboard(
    settings: ChatSettings,
    view: View = View.MAIN,
    lang: str = DEFAULT_LANGUAGE,
    place: Place = Place(),
) -> InlineKeyboardMarkup:
    """The buttons for ``view`` in ``lang``, the current choice marked with a check."""
    _ = translator(lang)
    rows = _ROWS[view](settings, _, lang)
    if view is View.MAIN:
        rows.extend(_more_rows(settings, _, place))
    elif view is View.THREADS:
        rows = _thread_rows(settings, _, place)
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
        Frequency.WEEKDAYS: _("Mon–Fri"),
        Frequency.SUN_THU: _("Sun–Thu"),
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
                    time=_.join(f"{at:%H:%M}" for at in settings.digest_times),
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


def _more_rows(settings: ChatSettings, _: Translator, place: Place) -> Rows:
    """Silent digests, quiet hours, and (where they apply) threads and muted sources."""
    silent = _("🔕 Silent digests: on") if settings.silent_digests else _("🔔 Silent digests: off")
    quiet = (
        _("🌙 Quiet hours %(hours)s", hours=settings.quiet.label)
        if settings.quiet
        else _("🌙 Quiet hours: off")
    )
    rows = [
        [
            _button(silent, SetSilentDigests(not settings.silent_digests)),
            _button(quiet, ShowView(View.QUIET)),
        ]
    ]
    if place.forum:
        rows.append([_button(_("🧵 Forum threads…"), ShowView(View.THREADS))])
    if settings.muted:
        rows.append(
            [_button(_("🔇 Muted sources: %(n)d", n=len(settings.muted)), ShowView(View.MUTED))]
        )
    return rows


def _thread_rows(settings: ChatSettings, _: Translator, place: Place) -> Rows:
    rows = []
    if place.thread_id is not None:
        rows.append([_button(_("📌 Send everything to this thread"), RouteEverything(True))])
    rows.append([_button(_("🏠 Send everything to General"), RouteEverything(False))])
    return rows


def _quiet_rows(settings: ChatSettings, _: Translator, lang: str) -> Rows:
    buttons = [
        _button(_marked(choice.label, choice == settings.quiet), SetQuietHours(choice))
        for choice in QUIET_CHOICES
    ]
    return [
        buttons[:2],
        buttons[2:],
        [
            _button(_marked(_("Off"), settings.quiet is None), SetQuietHours(None)),
            _button(_("Type hours…"), AskFor(Prompt.QUIET)),
        ],
    ]


def _muted_rows(settings: ChatSettings, _: Translator, lang: str) -> Rows:
    return [
        [_button(_("🔊 Unmute %(source)s", source=truncate(name, 28)), Unmute(source_id))]
        for source_id, name in settings.muted
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
                _marked(_("Mon–Fri"), current is Frequency.WEEKDAYS),
                SetFrequency(Frequency.WEEKDAYS),
            ),
            _button(
                _marked(_("Sun–Thu"), current is Frequency.SUN_THU),
                SetFrequency(Frequency.SUN_THU),
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
    View.THREADS: lambda settings, _, lang: [],
    View.QUIET: _quiet_rows,
    View.MUTED: _muted_rows,
}


def _marked(label: str, current: bool) -> str:
    return _MARK + label if current else label


def _button(label: str, action: Action) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=encode(action))
