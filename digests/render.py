"""Render Telegram HTML from the Jinja2 templates in ``digests/templates``, in a chat's language.

The environment is sandboxed and autoescaping, so any text from feeds or users is escaped
exactly once; templates receive prepared values and never decide anything. Each language the
bot speaks gets its own environment with that language's catalog installed (``_()`` in the
templates), so rendering in one language never races with another.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_timedelta
from babel.units import format_unit
from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from digests.i18n import DEFAULT_LANGUAGE, N_, supported_language, translations, translator
from digests.timefmt import age, local_date
from digests.types import Headline

TEMPLATES = Path(__file__).parent / "templates"


def safe_link(url: str) -> str | None:
    """``url`` if it is an http(s) link Telegram will accept, else None."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme in {"http", "https"} and parts.netloc else None


@dataclass(frozen=True, slots=True)
class HeadlineView:
    """A headline as a template shows it."""

    title: str
    url: str | None
    source: str
    age: str
    topics: tuple[str, ...] = ()
    also: str = ""  # other sources carrying the story, up to three: "BBC, Reuters"
    also_more: int = 0  # and how many more
    first_reported: str = ""  # a republished copy's story was first reported on this date...
    first_source: str = ""  # ...by this source
    matched: str = ""  # keywords of the chat's own keyword topics this item matched


def localized_date(moment: datetime, timezone: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """``moment`` as a long date in ``timezone``, in ``lang`` ("الثلاثاء، 24 نوفمبر 2026")."""
    lang = supported_language(lang)
    if lang == DEFAULT_LANGUAGE:
        return local_date(moment, timezone)
    local = moment.astimezone(ZoneInfo(timezone))
    return format_date(local.date(), "EEEE، d MMMM y" if lang == "ar" else "full", locale=lang)


# What a source's ``kind`` is called in a chat.
_SOURCE_KINDS = {"feed": N_("feed"), "page": N_("web page")}


def source_kind(kind: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A source's kind ("feed", "page") as a chat in ``lang`` calls it."""
    named = _SOURCE_KINDS.get(kind)
    return translator(supported_language(lang))(named) if named else kind


def localized_interval(seconds: int, lang: str = DEFAULT_LANGUAGE) -> str:
    """A fetch interval in ``lang``: English shows it as it is typed ("30m", like
    ``format_interval``); other languages get CLDR's words ("30 دقيقة", "ساعتان")."""
    lang = supported_language(lang)
    if seconds % 3600 == 0:
        value, unit, typed = seconds // 3600, "duration-hour", "h"
    elif seconds % 60 == 0:
        value, unit, typed = seconds // 60, "duration-minute", "m"
    else:
        value, unit, typed = seconds, "duration-second", "s"
    if lang == DEFAULT_LANGUAGE:
        return f"{value}{typed}"
    return str(format_unit(value, unit, length="long", locale=lang))


def localized_age(then: datetime, now: datetime, lang: str = DEFAULT_LANGUAGE) -> str:
    """How long ago ``then`` was, in ``lang``, with the units ``timefmt.age`` picks.

    English is ``timefmt.age`` itself; other languages get CLDR's words from Babel
    ("قبل 3 ساعات"), and past a week the date.
    """
    lang = supported_language(lang)
    if lang == DEFAULT_LANGUAGE:
        return age(then, now)
    seconds = (now - then).total_seconds()
    if seconds < 60:
        _ = translator(lang)
        return _("just now")
    minutes = int(seconds // 60)
    hours, days = minutes // 60, minutes // 1440
    if minutes < 60:
        delta, threshold = timedelta(minutes=minutes), 1.0
    elif hours < 48:
        # Babel moves up to days once a value reaches the threshold: hold hours up to 48.
        delta, threshold = timedelta(hours=hours), 2.0 if hours >= 24 else 1.0
    elif days < 7:
        delta, threshold = timedelta(days=days), 1.0
    else:
        pattern = "d MMM" if then.year == now.year else "d MMM y"
        return format_date(then, pattern, locale=lang)
    return format_timedelta(-delta, threshold=threshold, add_direction=True, locale=lang)


def headline_views(
    headlines: Sequence[Headline], now: datetime, lang: str = DEFAULT_LANGUAGE
) -> list[HeadlineView]:
    """Prepare headlines for a template: safe links and ages relative to ``now`` in ``lang``."""
    _ = translator(lang)
    untitled = _("(untitled)")
    return [
        HeadlineView(
            title=" ".join(h.title.split()) or untitled,
            url=safe_link(h.url),
            source=h.source_name,
            age=localized_age(h.seen_at, now, lang),
            topics=h.topics,
            also=_.join(h.also),
            also_more=h.also_more,
            first_reported=(
                format_date(h.first_reported_at, "d MMM y", locale=supported_language(lang))
                if h.first_reported_at is not None
                else ""
            ),
            first_source=h.first_source or "",
            matched=_.join(h.matched),
        )
        for h in headlines
    ]


class Renderer:
    """Renders named templates to Telegram HTML strings, in any language the bot speaks."""

    def __init__(self, directory: Path = TEMPLATES) -> None:
        self._directory = directory
        self._envs: dict[str, SandboxedEnvironment] = {}

    def _env(self, lang: str) -> SandboxedEnvironment:
        """One environment per supported language (callers pass ``supported_language``), so
        the cache holds two today."""
        env = self._envs.get(lang)
        if env is None:
            env = SandboxedEnvironment(
                loader=FileSystemLoader(self._directory),
                autoescape=True,
                trim_blocks=True,
                lstrip_blocks=True,
                undefined=StrictUndefined,
                extensions=["jinja2.ext.i18n"],
            )
            env.install_gettext_translations(  # type: ignore[attr-defined]
                translations(lang), newstyle=True
            )
            self._envs[lang] = env
        return env

    def render(self, template: str, /, *, lang: str = DEFAULT_LANGUAGE, **values: Any) -> str:
        """Render ``template`` (a file name without ``.html``) with ``values`` in ``lang``
        (an ISO 639-1 code or a Telegram language_code; languages without a catalog get
        English)."""
        env = self._env(supported_language(lang))
        return env.get_template(f"{template}.html").render(**values).strip()
