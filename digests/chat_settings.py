"""Per-chat digest settings: read them as a frozen value, change one at a time, keep the schedule.

Values reach this module from callback data and typed answers, both of which a client can forge,
so every change is a frozen value that validates itself on construction (``InvalidInput`` with a
message a user can act on). A change is saved in its own unit of work; when it moves the
schedule (times, zone, frequency, weekly day) ``Chat.next_digest_at`` is recomputed with
:func:`digests.schedule.next_slot`, so the scheduler's minute tick stays one indexed query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime, get_day_names
from sqlalchemy.ext.asyncio import AsyncSession

from digests.db import Database
from digests.errors import InvalidInput
from digests.i18n import DEFAULT_LANGUAGE, N_, supported_language, translator
from digests.models import Chat
from digests.quiet import QuietHours, quiet_hours_from_text
from digests.schedule import DigestSchedule, Frequency, next_slot
from digests.settings import MAX_DIGEST_TIMES, Settings, format_times
from digests.store import muted as muted_store
from digests.store import threads
from digests.subscriptions import ensure_chat
from digests.typed_time import parse_time_of_day
from digests.types import ChatRef
from digests.zones import (
    ZoneChoice,
    country_name,
    is_fixed_offset,
    offset_label,
    resolve_zone,
    zone_at,
    zone_offset,
)

MIN_ITEMS = 1
MAX_ITEMS = 30
_TIME_SEPARATORS = re.compile(r"[,،;؛]")
_ZONE_COLUMN = 64  # chats.timezone is String(64)
_TOO_MANY_TIMES = N_("A chat can have at most %(n)d digest times a day.")
_ITEMS_EXPECTED = N_("Send a whole number from %(low)d to %(high)d, e.g. 12")


@dataclass(frozen=True, slots=True)
class ChatSettings:
    """A chat's digest settings as stored, with the next digest computed for ``now``."""

    chat_id: int
    timezone: str
    digest_times: tuple[time, ...]  # sorted, 1 to MAX_DIGEST_TIMES
    frequency: Frequency
    weekly_day: int
    max_items: int
    notify_empty: bool
    next_digest_at: datetime | None
    utc_offset: timedelta = timedelta(0)  # the zone's offset at the moment these were read
    silent_digests: bool = False
    quiet: QuietHours | None = None
    digest_thread_id: int | None = None  # a forum thread; None: General
    topic_threads: tuple[tuple[str, int], ...] = ()  # (topic name, thread id), by name
    muted: tuple[tuple[int, str], ...] = ()  # (source id, name), by name


@dataclass(frozen=True, slots=True)
class SettingsView:
    """Settings as a template shows them: strings prepared, nothing left to decide."""

    time: str  # "08:00", or "08:00, 18:30" with several times
    times: int
    timezone: str
    zone_label: str  # "Asia/Baghdad (UTC+03:00)", or "UTC+03:00" for a bare offset
    zone_name: str  # "Asia/Baghdad", or "UTC+03:00" for a bare offset
    frequency: str
    weekday: str
    max_items: int
    notify_empty: bool
    next_digest: str | None
    max_times: int = MAX_DIGEST_TIMES
    silent: bool = False
    quiet: str | None = None  # "22:00–07:00"
    digest_thread: ThreadView | None = None  # None: General
    topic_threads: tuple[tuple[str, ThreadView], ...] = ()
    muted: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ThreadView:
    """A forum thread as shown: its number and a t.me link to it (None outside supergroups)."""

    number: int
    link: str | None


def thread_view(chat_id: int, thread_id: int) -> ThreadView:
    """The thread's number and its t.me/c link: supergroup ids are -100 followed by the id
    the link uses."""
    text = str(chat_id)
    link = f"https://t.me/c/{text[4:]}/{thread_id}" if text.startswith("-100") else None
    return ThreadView(thread_id, link)


@dataclass(frozen=True, slots=True)
class SetTime:
    """Send the digest at this local time of day (whole minutes)."""

    kind: ClassVar[str] = "time"
    at: time

    def __post_init__(self) -> None:
        if self.at.tzinfo is not None or self.at.second or self.at.microsecond:
            raise InvalidInput("a digest time is a local time in whole minutes, e.g. 07:30")


@dataclass(frozen=True, slots=True)
class SetTimes:
    """Send a digest at each of these local times (1 to 4), replacing the chat's times."""

    kind: ClassVar[str] = "time"
    times: tuple[time, ...]

    def __post_init__(self) -> None:
        if not self.times:
            raise InvalidInput(N_("Send at least one time, e.g. 07:30"))
        if len(set(self.times)) > MAX_DIGEST_TIMES:
            raise InvalidInput(_TOO_MANY_TIMES, n=MAX_DIGEST_TIMES)
        for at in self.times:
            SetTime(at)


@dataclass(frozen=True, slots=True)
class AddTime:
    """Add one more digest time (a chat has at most four)."""

    kind: ClassVar[str] = "time"
    at: time

    def __post_init__(self) -> None:
        SetTime(self.at)


@dataclass(frozen=True, slots=True)
class RemoveTime:
    """Remove one of the chat's digest times (the last one stays: frequency "off" stops them)."""

    kind: ClassVar[str] = "time"
    at: time

    def __post_init__(self) -> None:
        SetTime(self.at)


@dataclass(frozen=True, slots=True)
class SetZone:
    """Read the digest time in this IANA zone; ``choice`` says how a typed answer was read."""

    kind: ClassVar[str] = "zone"
    zone: str
    choice: ZoneChoice | None = None

    def __post_init__(self) -> None:
        if len(self.zone) > _ZONE_COLUMN:
            raise InvalidInput("that time zone name is too long")
        try:
            ZoneInfo(self.zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidInput(f"unknown time zone {self.zone!r}") from None


@dataclass(frozen=True, slots=True)
class SetFrequency:
    """Digests daily, on weekdays, weekly on ``weekly_day`` (0 = Monday), or off.

    ``weekly_day`` is required for weekly and ignored (the stored day is kept) otherwise.
    """

    kind: ClassVar[str] = "frequency"
    frequency: Frequency
    weekly_day: int | None = None

    def __post_init__(self) -> None:
        if self.weekly_day is not None and not (
            isinstance(self.weekly_day, int) and 0 <= self.weekly_day <= 6
        ):
            raise InvalidInput("pick a day from Monday to Sunday")
        if self.frequency is Frequency.WEEKLY and self.weekly_day is None:
            raise InvalidInput("a weekly digest needs a day, Monday to Sunday")


@dataclass(frozen=True, slots=True)
class SetMaxItems:
    """Put at most ``count`` items (1 to 30) in one digest."""

    kind: ClassVar[str] = "max_items"
    count: int

    def __post_init__(self) -> None:
        if isinstance(self.count, bool) or not MIN_ITEMS <= self.count <= MAX_ITEMS:
            raise InvalidInput(_ITEMS_EXPECTED, low=MIN_ITEMS, high=MAX_ITEMS)


@dataclass(frozen=True, slots=True)
class SetNotifyEmpty:
    """Whether to send a short note when a digest would be empty."""

    kind: ClassVar[str] = "notify_empty"
    enabled: bool


@dataclass(frozen=True, slots=True)
class SetSilentDigests:
    """Whether digests arrive without a sound (Bot API ``disable_notification``)."""

    kind: ClassVar[str] = "silent"
    enabled: bool


@dataclass(frozen=True, slots=True)
class SetQuietHours:
    """Hold alerts and broadcasts during these local hours; None: no quiet hours."""

    kind: ClassVar[str] = "quiet"
    quiet: QuietHours | None


Change = (
    SetTime
    | SetTimes
    | AddTime
    | RemoveTime
    | SetZone
    | SetFrequency
    | SetMaxItems
    | SetNotifyEmpty
    | SetSilentDigests
    | SetQuietHours
)
_SCHEDULE_KEPT = (SetMaxItems, SetNotifyEmpty, SetSilentDigests, SetQuietHours)


@dataclass(frozen=True, slots=True)
class ZoneNote:
    """How a typed time zone was read, prepared for the confirmation (``settings_zone_set``)."""

    how: str  # a ``digests.zones.Via`` value
    typed: str
    zone: str  # SettingsView.zone_label
    offset: str  # "UTC+05:30"
    place: str  # "Baghdad, Iraq", the country named in the chat's language
    country: str  # for a country: its name in the chat's language
    several_zones: bool
    others: str  # other cities of that name: "Portland (America/New_York)"
    fixed: bool  # a bare Etc/GMT offset zone, without daylight saving


def time_from_text(text: str) -> SetTime | SetTimes:
    """The change typed times ask for, one ("07:30", "7:30 pm", "19.30", "٧ م") or up to four
    separated by commas ("07:30, 19:00"); UnclearTime for a part that is no time."""
    parts = [part for part in _TIME_SEPARATORS.split(text) if part.strip()]
    if len(parts) > MAX_DIGEST_TIMES:
        raise InvalidInput(_TOO_MANY_TIMES, n=MAX_DIGEST_TIMES)
    times = sorted({parse_time_of_day(part) for part in parts or [text]})
    return SetTime(times[0]) if len(times) == 1 else SetTimes(tuple(times))


def zone_from_text(text: str) -> SetZone:
    """The change a typed zone asks for: a city or country in any language, an offset or an
    IANA name; UnknownZone (with suggestions) otherwise."""
    choice = resolve_zone(text)
    return SetZone(choice.zone, choice)


def zone_from_location(latitude: float, longitude: float) -> SetZone:
    """The change a shared location asks for: the zone at that point."""
    choice = zone_at(latitude, longitude)
    return SetZone(choice.zone, choice)


def zone_note(change: SetZone, current: ChatSettings, lang: str) -> ZoneNote | None:
    """What to tell the user about how their zone answer was read; None for a plain change."""
    choice = change.choice
    if choice is None:
        return None
    lang = supported_language(lang)
    place = ""
    if choice.place is not None:
        comma = "، " if lang == "ar" else ", "
        place = f"{choice.place.name}{comma}{country_name(choice.place.country, lang)}"
    return ZoneNote(
        how=choice.via.value,
        typed=choice.typed,
        zone=_zone_label(change.zone, current.utc_offset),
        offset=offset_label(choice.offset if choice.offset is not None else current.utc_offset),
        place=place,
        country=country_name(choice.country, lang) if choice.country else "",
        several_zones=choice.several_zones,
        others=", ".join(f"{city.name} ({city.zone})" for city in choice.others),
        fixed=is_fixed_offset(change.zone),
    )


def quiet_from_text(text: str) -> SetQuietHours:
    """The change typed quiet hours ask for ("22:00-07:00"); InvalidInput otherwise."""
    return SetQuietHours(quiet_hours_from_text(text))


def max_items_from_text(text: str) -> SetMaxItems:
    """The change a typed count asks for; InvalidInput unless it is a whole number 1 to 30."""
    value = text.strip()
    if not re.fullmatch(r"[0-9]{1,3}", value):
        raise InvalidInput(
            N_(
                "“%(value)s” is not a number. "
                "Send a whole number from %(low)d to %(high)d, e.g. 12."
            ),
            value=value[:20],
            low=MIN_ITEMS,
            high=MAX_ITEMS,
        )
    return SetMaxItems(int(value))


async def get_settings(
    db: Database, chat: ChatRef, defaults: Settings, *, now: datetime
) -> ChatSettings:
    """The chat's settings, registering it with the defaults if it is new."""
    async with db.transaction() as session:
        row = await _registered(session, chat, defaults, now)
        return await _with_extras(session, _settings_of(row, now))


async def change_settings(
    db: Database, chat: ChatRef, change: Change, defaults: Settings, *, now: datetime
) -> ChatSettings:
    """Save one change at once and return the settings as they are now.

    A change to time, zone, frequency or weekly day recomputes ``next_digest_at`` (None when
    digests are off); the others leave it alone.
    """
    async with db.transaction() as session:
        row = await _registered(session, chat, defaults, now)
        match change:
            case SetTime(at):
                row.digest_times = format_times([at])
            case SetTimes(times):
                row.digest_times = format_times(times)
            case AddTime(at):
                row.digest_times = _added(_schedule_of(row).digest_times, at)
            case RemoveTime(at):
                row.digest_times = _removed(_schedule_of(row).digest_times, at)
            case SetZone(zone):
                row.timezone = zone
            case SetFrequency(frequency, weekly_day):
                row.frequency = frequency.value
                if weekly_day is not None:
                    row.weekly_day = weekly_day
            case SetMaxItems(count):
                row.max_items = count
            case SetNotifyEmpty(enabled):
                row.notify_empty = enabled
            case SetSilentDigests(enabled):
                row.silent_digests = enabled
            case SetQuietHours(quiet):
                row.quiet_start = f"{quiet.start:%H:%M}" if quiet else None
                row.quiet_end = f"{quiet.end:%H:%M}" if quiet else None
        if not isinstance(change, _SCHEDULE_KEPT):
            row.next_digest_at = next_slot(_schedule_of(row), now)
        row.updated_at = now
        return await _with_extras(session, _settings_of(row, now))


async def route_everything(
    db: Database, chat: ChatRef, thread_id: int | None, defaults: Settings, *, now: datetime
) -> ChatSettings:
    """Send the digest and every topic to the forum thread ``thread_id`` (None: General)."""
    async with db.transaction() as session:
        row = await _registered(session, chat, defaults, now)
        await threads.route_everything(session, chat.id, thread_id, now)
        await session.refresh(row)
        return await _with_extras(session, _settings_of(row, now))


def settings_view(settings: ChatSettings, lang: str = DEFAULT_LANGUAGE) -> SettingsView:
    """Prepare ``settings`` for a template in ``lang``; the next digest reads as
    "Tue 25 Nov, 08:00" (CLDR's names in other languages)."""
    locale = supported_language(lang)
    upcoming = None
    if settings.next_digest_at is not None:
        local = settings.next_digest_at.astimezone(ZoneInfo(settings.timezone))
        comma = translator(locale)(", ")
        upcoming = format_datetime(local, f"EEE d MMM'{comma}'HH:mm", locale=locale)
    return SettingsView(
        time=translator(locale).join(f"{at:%H:%M}" for at in settings.digest_times),
        times=len(settings.digest_times),
        timezone=settings.timezone,
        zone_label=_zone_label(settings.timezone, settings.utc_offset),
        zone_name=(
            offset_label(settings.utc_offset)
            if is_fixed_offset(settings.timezone)
            else settings.timezone
        ),
        frequency=settings.frequency.value,
        weekday=str(get_day_names("wide", locale=locale)[settings.weekly_day]),
        max_items=settings.max_items,
        notify_empty=settings.notify_empty,
        next_digest=upcoming,
        silent=settings.silent_digests,
        quiet=settings.quiet.label if settings.quiet else None,
        digest_thread=(
            thread_view(settings.chat_id, settings.digest_thread_id)
            if settings.digest_thread_id is not None
            else None
        ),
        topic_threads=tuple(
            (name, thread_view(settings.chat_id, thread)) for name, thread in settings.topic_threads
        ),
        muted=tuple(name for _, name in settings.muted),
    )


async def _registered(
    session: AsyncSession, chat: ChatRef, defaults: Settings, now: datetime
) -> Chat:
    row, _ = await ensure_chat(session, chat, defaults, now=now)
    return row


def _added(times: tuple[time, ...], at: time) -> str:
    if at not in times and len(times) >= MAX_DIGEST_TIMES:
        raise InvalidInput(_TOO_MANY_TIMES, n=MAX_DIGEST_TIMES)
    return format_times([*times, at])


def _removed(times: tuple[time, ...], at: time) -> str:
    kept = [t for t in times if t != at]
    if not kept:
        raise InvalidInput(
            N_("A chat keeps at least one digest time; to stop digests, set the frequency to off.")
        )
    return format_times(kept)


async def _with_extras(session: AsyncSession, settings: ChatSettings) -> ChatSettings:
    """Add what lives outside the chat's row: topic threads and muted sources."""
    routes = await threads.routes(session, settings.chat_id)
    muted = await muted_store.muted_sources(session, settings.chat_id)
    return replace(settings, topic_threads=routes.topics, muted=tuple(muted))


def _schedule_of(row: Chat) -> DigestSchedule:
    return DigestSchedule.from_columns(
        row.timezone, row.digest_times, row.frequency, row.weekly_day, row.last_digest_at
    )


def _settings_of(row: Chat, now: datetime) -> ChatSettings:
    schedule = _schedule_of(row)
    # Computed afresh rather than read from next_digest_at, which the scheduler may not have
    # advanced yet when the last slot was just delivered.
    return ChatSettings(
        chat_id=row.id,
        timezone=schedule.timezone,
        digest_times=schedule.digest_times,
        frequency=schedule.frequency,
        weekly_day=schedule.weekly_day,
        max_items=row.max_items,
        notify_empty=row.notify_empty,
        next_digest_at=next_slot(schedule, now),
        utc_offset=zone_offset(schedule.timezone, now),
        silent_digests=row.silent_digests,
        quiet=QuietHours.from_columns(row.quiet_start, row.quiet_end),
        digest_thread_id=row.digest_thread_id,
    )


def _zone_label(zone: str, offset: timedelta) -> str:
    if zone == "UTC":
        return zone
    label = offset_label(offset)
    return label if is_fixed_offset(zone) else f"{zone} ({label})"
