"""Use cases for a chat's languages: the one the bot speaks to it, the ones its news is in.

The language the bot speaks is stored on the chat: set from Telegram's ``language_code`` of
the user who first talked to the bot, and changed only with /language, so a group reads one
language whoever types. The news languages (``Chat.languages``) limit digests and /latest;
None means every language.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from digests.db import Database
from digests.errors import InvalidInput
from digests.i18n import LANGUAGES, supported_language
from digests.settings import Settings
from digests.store import article_language as article_store
from digests.store import chat_language as store
from digests.subscriptions import ensure_chat
from digests.types import ChatRef

# Languages offered by /languages: those of the articles stored in this window.
RECENT = timedelta(days=30)
_CODE = re.compile(r"[a-z]{2,3}")


@dataclass(frozen=True, slots=True)
class NewsLanguages:
    """What /languages shows: languages seen lately and the chat's choice (None: all)."""

    seen: tuple[str, ...]
    chosen: tuple[str, ...] | None

    @property
    def offered(self) -> tuple[str, ...]:
        """Every language to offer: those seen, then chosen ones no longer seen."""
        extra = tuple(c for c in self.chosen or () if c not in self.seen)
        return self.seen + extra


async def chat_language(db: Database, chat_id: int) -> str | None:
    """The language the bot speaks in the chat, or None when the chat is not registered."""
    async with db.transaction() as session:
        stored = await store.get_language(session, chat_id)
    return None if stored is None else supported_language(stored)


async def set_chat_language(
    db: Database, chat: ChatRef, language: str, settings: Settings, *, now: datetime
) -> str:
    """Make the bot speak ``language`` ("en", "ar") in the chat, registering it if new.

    Raises InvalidInput for a language the bot does not speak.
    """
    if language not in LANGUAGES:
        raise InvalidInput(f"I don't speak {language!r}; choose one of {', '.join(LANGUAGES)}")
    async with db.transaction() as session:
        await ensure_chat(session, chat, settings, now=now)
        await store.set_language(session, chat.id, language, now)
    return language


def _clean(codes: Sequence[str]) -> list[str]:
    cleaned: list[str] = []
    for code in codes:
        code = code.strip().lower()
        if not _CODE.fullmatch(code):
            raise InvalidInput(f"{code!r} is not a language code such as 'en' or 'ar'")
        if code not in cleaned:
            cleaned.append(code)
    return sorted(cleaned)


async def set_languages(
    db: Database, chat_id: int, codes: Sequence[str] | None, *, now: datetime
) -> list[str] | None:
    """Limit the chat's digests and /latest to ``codes`` (ISO 639-1); None or empty: all.

    Returns the stored choice. Raises InvalidInput for something that is not a language code.
    """
    cleaned = _clean(codes) if codes else []
    async with db.transaction() as session:
        await store.set_news_languages(session, chat_id, cleaned or None, now)
    return cleaned or None


async def news_languages(db: Database, chat_id: int, *, now: datetime) -> NewsLanguages:
    """The languages of the news stored in the last 30 days, and the chat's choice."""
    async with db.transaction() as session:
        seen = await article_store.languages_since(session, now - RECENT)
        chosen = await store.get_news_languages(session, chat_id)
    return NewsLanguages(tuple(seen), tuple(chosen) if chosen else None)


async def toggle_language(db: Database, chat_id: int, code: str, *, now: datetime) -> NewsLanguages:
    """Add ``code`` to the chat's news languages, or take it out (the last one out: all).

    From "all languages", a tap narrows the news to that one language.
    """
    (code,) = _clean([code])
    async with db.transaction() as session:
        chosen = await store.get_news_languages(session, chat_id) or []
        if code in chosen:
            chosen.remove(code)
        else:
            chosen.append(code)
        chosen = sorted(chosen)
        await store.set_news_languages(session, chat_id, chosen or None, now)
        seen = await article_store.languages_since(session, now - RECENT)
    return NewsLanguages(tuple(seen), tuple(chosen) if chosen else None)
