"""Use cases for chats' own feeds: /addfeed, /myfeeds and removal, and the admins' host blocks.

A chat adds a feed URL; the feed becomes a source (``origin='user'``) fetched like any other,
once however many chats add it (the URL is compared in canonical form). The chat gets a feed
topic, a topic it owns that every article of the source matches, so the feed's items reach
it through the same digests and /latest as its other topics. Those articles are offered to no
other chat (``digests.store.user_feeds``). When the last chat removes a user feed, the source
and its articles are deleted, so it is no longer fetched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from digests.db import Database
from digests.echo import shorten
from digests.errors import (
    Duplicate,
    FeedParseError,
    InvalidInput,
    NewsbotError,
    NotFound,
    PrivateAddress,
    SourceError,
    SourceRefused,
    TooLarge,
)
from digests.i18n import N_
from digests.matching import FEED_STRENGTH, TopicMatch
from digests.models import Article, Source, Topic
from digests.settings import Settings
from digests.source_admin import newest_entry
from digests.sources.canon import canonical_url
from digests.sources.fetch import Fetcher, human_size
from digests.sources.hygiene import clean_chars
from digests.sources.register import as_url, read_feed
from digests.store import matches as match_store
from digests.store import sources as source_store
from digests.store import topics as topic_store
from digests.store import user_feeds as store
from digests.subscriptions import ensure_chat
from digests.types import ChatRef, OwnedFeed

# A newly added feed's stored articles this recent are matched at once (a digest looks back
# at most 8 days), so /latest shows a feed someone else added before at once.
BACKFILL = timedelta(days=8)
TOPIC_NAME_CHARS = 64  # the topics.name column


class FeedRefused(InvalidInput):
    """Raised when /addfeed cannot add a feed; the message is a catalog id for the chat."""


@dataclass(frozen=True, slots=True)
class AddedFeed:
    """What /addfeed found: the source, how many items it holds, its newest headline."""

    source_id: int
    name: str
    url: str
    items: int
    newest: str | None
    shared: bool  # the source existed already: not fetched again


@dataclass(frozen=True, slots=True)
class HostBlock:
    """What blocking or unblocking a host changed."""

    host: str
    changed: bool  # False: it was blocked (unblocked) already
    feeds: int  # user feeds on that host paused (resumed)


host_of = store.host_of


def feed_interval(settings: Settings) -> int:
    """Seconds between fetches of a chat-added source: never below USER_FEED_MIN_INTERVAL."""
    return max(settings.default_fetch_interval, settings.user_feed_min_interval)


async def add_feed(
    db: Database, fetcher: Fetcher, chat: ChatRef, text: str, settings: Settings, *, now: datetime
) -> AddedFeed:
    """Subscribe the chat to the feed at ``text`` (or the one its page announces).

    A URL stored already is not fetched again; any other is fetched once, through the
    private-address guard and the fetch limits, and stored only if it is a feed. Raises
    FeedRefused (or InvalidInput, Duplicate) with a message for the chat: adding is off, the
    chat or the bot is at its cap, the host is blocked, the chat has the feed already, or
    the URL is not a feed, unreachable, too big or private.
    """
    if settings.user_feeds_per_chat <= 0:
        raise FeedRefused(N_("Adding feeds is turned off on this bot."))
    url = as_url(text)
    async with db.transaction() as session:
        await _check_host(session, url)
        await _check_chat_cap(session, chat.id, settings)
        existing = await source_store.find_source(session, url)
        if existing is None:
            await _check_total_cap(session, settings)
    if existing is not None:
        return await _attach(db, chat, existing.id, settings, now=now)
    try:
        feed_url, feed = await read_feed(fetcher, url, allow_private=settings.allow_private_sources)
    except SourceError as exc:
        raise _refusal(exc, settings) from None
    label = " ".join(clean_chars(feed.title or "").split()) or _host(feed_url)
    try:
        async with db.transaction() as session:
            await _check_host(session, feed_url)
            found = await source_store.find_source(session, feed_url)
            if found is None:
                await _check_total_cap(session, settings)
                source_id = await source_store.add_source(
                    session,
                    url=canonical_url(feed_url),
                    name=label[:256],
                    kind="feed",
                    fetch_interval=feed_interval(settings),
                    now=now,
                    origin=store.USER,
                )
                await _own(session, chat, source_id, label, settings, now=now)
                newest = newest_entry(feed.entries)
                return AddedFeed(
                    source_id,
                    label[:256],
                    canonical_url(feed_url),
                    len(feed.entries),
                    newest.title if newest else None,
                    shared=False,
                )
            found_id = found.id
    except (IntegrityError, Duplicate):
        # Another chat stored the same feed a moment ago (seen by add_source's own check or
        # by the unique URL): it is one source, so join it.
        async with db.transaction() as session:
            found = await source_store.find_source(session, feed_url)
        if found is None:
            raise
        found_id = found.id
    return await _attach(db, chat, found_id, settings, now=now)


async def _attach(
    db: Database, chat: ChatRef, source_id: int, settings: Settings, *, now: datetime
) -> AddedFeed:
    """Subscribe the chat to a source stored already; what it holds comes from the database."""
    async with db.transaction() as session:
        source = await session.get(Source, source_id)
        if source is None:
            raise FeedRefused(N_("That feed was removed a moment ago; send /addfeed again."))
        name, url = source.name, source.url
        await _own(session, chat, source_id, name, settings, now=now)
        count = await session.scalar(
            select(func.count()).select_from(Article).where(Article.source_id == source_id)
        )
        newest = await session.scalar(
            select(Article.title)
            .where(Article.source_id == source_id)
            .order_by(Article.sort_at.desc(), Article.id.desc())
            .limit(1)
        )
    return AddedFeed(source_id, name, url, int(count or 0), newest, shared=True)


async def _own(
    session: AsyncSession,
    chat: ChatRef,
    source_id: int,
    name: str,
    settings: Settings,
    *,
    now: datetime,
) -> None:
    """Make the chat an owner of the source: its feed topic, followed, with recent items."""
    await ensure_chat(session, chat, settings, now=now)
    if await store.owner_row(session, source_id, chat.id) is not None:
        raise Duplicate(N_("This chat has that feed already: see /myfeeds."))
    await _check_chat_cap(session, chat.id, settings)
    title = " ".join(name.split())[:TOPIC_NAME_CHARS] or "feed"
    topic = Topic(
        name=title,
        # Never a keyword topic's name (those have no control characters): two feeds with
        # one title, or a feed named like a keyword topic, do not collide.
        name_key=f"\x1ffeed:{source_id}",
        keywords=[],
        exclude=[],
        owner_chat_id=chat.id,
        created_at=now,
        updated_at=now,
    )
    session.add(topic)
    await session.flush()
    await store.add_owner(session, source_id=source_id, chat_id=chat.id, topic_id=topic.id, now=now)
    await topic_store.subscribe(session, chat.id, topic.id, now)
    recent = await store.articles_since(session, source_id, now - BACKFILL)
    await match_store.insert_matches(
        session,
        (
            (article_id, sort_at, TopicMatch(topic.id, FEED_STRENGTH, ()))
            for article_id, sort_at in recent
        ),
    )


async def _check_chat_cap(session: AsyncSession, chat_id: int, settings: Settings) -> None:
    if await store.count_chat_feeds(session, chat_id) >= settings.user_feeds_per_chat:
        raise FeedRefused(
            N_("This chat has %(n)d feeds, the most it can have; remove one in /myfeeds first."),
            n=settings.user_feeds_per_chat,
        )


async def _check_total_cap(session: AsyncSession, settings: Settings) -> None:
    if await store.count_user_sources(session) >= settings.user_feeds_max:
        raise FeedRefused(N_("This bot reads as many chats' feeds as it can; try again later."))


async def _check_host(session: AsyncSession, url: str) -> None:
    host = store.host_of(url)
    if await store.blocking(session, host) is not None:
        raise FeedRefused(N_("Feeds from %(host)s are not allowed on this bot."), host=host)


def _host(url: str) -> str:
    return store.host_of(url) or url


def _refusal(exc: SourceError, settings: Settings) -> NewsbotError:
    """Why a feed could not be added, as a catalog message a chat reads in its language."""
    if isinstance(exc, SourceRefused) and not isinstance(exc, PrivateAddress):
        return exc  # the guard's own catalog messages (not http, no host, not a URL)
    if isinstance(exc, PrivateAddress):
        return FeedRefused(
            N_("That address is on a private or local network; feeds must be public.")
        )
    if isinstance(exc, TooLarge):
        return FeedRefused(
            N_("That feed is too big: over %(size)s."), size=human_size(settings.fetch_max_bytes)
        )
    if isinstance(exc, FeedParseError):
        return FeedRefused(
            N_("That is not a feed, and the page announces none: send an RSS, Atom or JSON feed.")
        )
    # The reason is the FetchError itself: a chat reads it in its language (ChatContext.explain).
    return FeedRefused(N_("Could not fetch it: %(reason)s."), reason=exc)


async def my_feeds(db: Database, chat_id: int) -> list[OwnedFeed]:
    """The chat's feeds, in the order it added them."""
    async with db.transaction() as session:
        return await store.chat_feeds(session, chat_id)


async def remove_feed(db: Database, chat_id: int, source_id: int) -> str:
    """Unsubscribe the chat from its feed ``source_id``; the feed's name. When no chat has a
    user feed any more, it is deleted and no longer fetched. NotFound if the chat has no such
    feed (a forged or old button)."""
    async with db.transaction() as session:
        owner = await store.owner_row(session, source_id, chat_id)
        if owner is None:
            raise NotFound(N_("That feed is gone already."))
        topic = await session.get(Topic, owner.topic_id)
        source = await session.get(Source, source_id)
        name = source.name if source is not None else ""
        if topic is not None:
            await topic_store.remove_topic(session, topic)
            await session.flush()
        await store.delete_orphans(session)
    return name


def host_name(text: str) -> str:
    """The host an admin means by ``text`` ("example.com", "https://Example.com/feed").

    InvalidInput for anything that is not a host name.
    """
    raw = text.strip()
    candidate = raw if "://" in raw else "http://" + raw
    try:
        host = (urlsplit(candidate).hostname or "").lower().rstrip(".")
    except ValueError:
        host = ""
    if not host or any(c.isspace() for c in raw) or not ("." in host or host == "localhost"):
        raise InvalidInput(N_("“%(text)s” is not a host name, e.g. example.com"), text=shorten(raw))
    return host


async def block_host(db: Database, text: str, *, by: int | None, now: datetime) -> HostBlock:
    """Refuse feeds from the host (and its subdomains) from now on, and pause the chats'
    feeds there. InvalidInput if ``text`` is no host name."""
    host = host_name(text)
    async with db.transaction() as session:
        changed = await store.block_host(session, host, by=by, now=now)
        feeds = await store.user_sources_of_host(session, host)
        await store.set_sources_paused(session, feeds, True)
    return HostBlock(host, changed, len(feeds))


async def unblock_host(db: Database, text: str) -> HostBlock:
    """Allow the host again and resume the chats' feeds there; NotFound if not blocked."""
    host = host_name(text)
    async with db.transaction() as session:
        if not await store.unblock_host(session, host):
            raise NotFound(N_("%(host)s is not blocked."), host=host)
        still = {
            source_id
            for blocked in await store.blocked_hosts(session)
            for source_id in await store.user_sources_of_host(session, blocked)
        }
        feeds = [s for s in await store.user_sources_of_host(session, host) if s not in still]
        await store.set_sources_paused(session, feeds, False)
    return HostBlock(host, True, len(feeds))


async def blocked_hosts(db: Database) -> list[str]:
    """Every blocked host, sorted."""
    async with db.transaction() as session:
        return await store.blocked_hosts(session)
