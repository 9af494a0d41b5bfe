"""Use cases for a chat's personal keyword topics: parse /follow, preview, save, list, remove.

A personal topic is an ordinary topic owned by one chat: it is matched with the curated ones
(ingest reads every topic), the chat is subscribed to it, so it shows in /latest and digests,
and it never appears in anyone's topic picker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from digests.db import Database
from digests.echo import shorten
from digests.errors import Duplicate, InvalidInput, NotFound
from digests.i18n import DEFAULT_LANGUAGE, N_
from digests.matching import TopicMatcher, parse_keywords, words
from digests.render import HeadlineView, headline_views
from digests.settings import Settings
from digests.store import matches as match_store
from digests.store import personal_topics as personal_store
from digests.store import topics as topic_store
from digests.subscriptions import ensure_chat
from digests.terms import split_terms
from digests.types import ChatRef, Headline, TopicInfo

MAX_TOPICS_PER_CHAT = 20
MAX_TERMS_PER_TOPIC = 10
MAX_NAME_CHARS = 64  # the topics.name column
TOO_LONG = N_(
    "That is too long: a keyword topic has at most %(terms)d words or phrases, "
    "%(chars)d characters in all."
)
PREVIEW_ARTICLES = 50
PREVIEW_SHOWN = 5
REMATCH_WINDOW = timedelta(days=30)
EXAMPLE = '/follow "hasakah prison" isis -football'


class FollowLimit(InvalidInput):
    """Raised when a chat has as many personal topics as it may have."""


@dataclass(frozen=True, slots=True)
class FollowRequest:
    """What /follow asked for: the name as typed and the phrases to find and to leave out."""

    name: str
    keywords: tuple[str, ...]
    exclude: tuple[str, ...] = ()

    def same_words(self, topic: TopicInfo) -> bool:
        """Whether ``topic`` looks for the same phrases, in any order, spelling or quoting."""
        return _phrase_set(self.keywords) == _phrase_set(topic.keywords) and _phrase_set(
            self.exclude
        ) == _phrase_set(topic.exclude)


@dataclass(frozen=True, slots=True)
class PreviewItem:
    """A recent article the new topic would have matched, and by which phrases."""

    headline: Headline
    matched: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FollowPreview:
    """Which of the last stored articles a /follow would have matched, before it is saved."""

    request: FollowRequest
    checked: int
    count: int
    items: tuple[PreviewItem, ...]


@dataclass(frozen=True, slots=True)
class PreviewView:
    """A preview item as a template shows it."""

    headline: HeadlineView
    matched: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SavedFollow:
    """A saved personal topic and how many articles of the last 30 days it matched."""

    topic: TopicInfo
    matched: int


def parse_follow(text: str) -> FollowRequest:
    """Read /follow's words: quotes ("…", “…”, «…») make phrases, ``-word`` leaves a word out.

    Commas separate like spaces. Raises InvalidInput with a one-line message when there is
    nothing to follow, a quote is left open, or the request is too long.
    """
    name = " ".join(text.split())
    if not name:
        raise InvalidInput(N_("Tell me what to follow, e.g. %(example)s"), example=EXAMPLE)
    if len(name) > MAX_NAME_CHARS:
        raise InvalidInput(TOO_LONG, chars=MAX_NAME_CHARS, terms=MAX_TERMS_PER_TOPIC)
    terms = split_terms(name)
    keywords = _checked(terms.include)
    veto = _checked(terms.exclude)
    if not keywords:
        raise InvalidInput(
            N_("Say what to look for, not only what to leave out, e.g. %(example)s"),
            example=EXAMPLE,
        )
    if len(keywords) + len(veto) > MAX_TERMS_PER_TOPIC:
        raise InvalidInput(TOO_LONG, chars=MAX_NAME_CHARS, terms=MAX_TERMS_PER_TOPIC)
    return FollowRequest(name=name, keywords=keywords, exclude=veto)


def _checked(phrases: Sequence[str]) -> tuple[str, ...]:
    try:
        return parse_keywords(phrases, required=False)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, **exc.values) from None


def _phrase_set(phrases: Sequence[str]) -> frozenset[tuple[str, ...]]:
    return frozenset(tuple(words(p)) for p in phrases)


async def preview_follow(
    db: Database, chat_id: int, request: FollowRequest, *, limit: int = PREVIEW_ARTICLES
) -> FollowPreview:
    """The last ``limit`` stored articles the request would match; nothing is saved.

    Raises FollowLimit or Duplicate at once, so the chat is not asked to confirm a topic
    that cannot be saved.
    """
    async with db.transaction() as session:
        owned = await personal_store.owned_topics(session, chat_id)
        _check_can_add(owned, request)
        recent = await personal_store.latest_stored(session, limit, chat_id=chat_id)
    probe = TopicInfo(id=0, name=request.name, keywords=request.keywords, exclude=request.exclude)
    matcher = TopicMatcher([probe])
    found: list[PreviewItem] = []
    for headline, text in recent:
        for match in matcher.match(text):
            found.append(PreviewItem(headline, match.matched))
    return FollowPreview(
        request=request,
        checked=len(recent),
        count=len(found),
        items=tuple(found[:PREVIEW_SHOWN]),
    )


def preview_views(
    preview: FollowPreview, now: datetime, lang: str = DEFAULT_LANGUAGE
) -> list[PreviewView]:
    """Prepare a preview's items for a template: safe links, ages relative to ``now`` in
    ``lang``."""
    views = headline_views([item.headline for item in preview.items], now, lang)
    pairs = zip(views, preview.items, strict=True)
    return [PreviewView(view, item.matched) for view, item in pairs]


async def save_follow(
    db: Database,
    chat: ChatRef,
    request: FollowRequest,
    settings: Settings,
    *,
    now: datetime,
    thread_id: int | None = None,
) -> SavedFollow:
    """Store the chat's personal topic, subscribe the chat, match the last 30 days against it.

    Saved inside a forum thread (``thread_id``), the topic's items go to that thread.

    Raises FollowLimit when the chat has the most topics allowed and Duplicate when it has
    one looking for the same words already (both checked again here: a preview can be old).
    """
    async with db.transaction() as session:
        await ensure_chat(session, chat, settings, now=now)
        _check_can_add(await personal_store.owned_topics(session, chat.id), request)
        topic = await topic_store.add_topic(
            session,
            name=request.name,
            keywords=request.keywords,
            exclude=request.exclude,
            now=now,
            owner_chat_id=chat.id,
        )
        info = topic_store.to_info(topic)
        await topic_store.subscribe(session, chat.id, topic.id, now, thread_id=thread_id)
        recent = await match_store.recent_article_ids(session, now - REMATCH_WINDOW)
        matched = await match_store.match_articles(session, recent, [info])
    return SavedFollow(info, matched)


def _check_can_add(owned: Sequence[TopicInfo], request: FollowRequest) -> None:
    key = topic_store.name_key(request.name)
    for topic in owned:
        if topic_store.name_key(topic.name) == key or request.same_words(topic):
            raise Duplicate(N_("You follow “%(name)s” already."), name=topic.name)
    if len(owned) >= MAX_TOPICS_PER_CHAT:
        raise FollowLimit(
            N_(
                "You follow %(n)d keyword topics, the most there can be; "
                "remove one with /unfollow first."
            ),
            n=MAX_TOPICS_PER_CHAT,
        )


async def following(db: Database, chat_id: int) -> list[TopicInfo]:
    """The chat's personal topics, oldest first: /following numbers them in this order."""
    async with db.transaction() as session:
        return await personal_store.owned_topics(session, chat_id)


async def unfollow(db: Database, chat_id: int, what: str) -> TopicInfo:
    """Delete the chat's personal topic named by its /following number or by its words.

    The words may be typed with other quotes or in another order. Raises NotFound.
    """
    wanted = " ".join(what.split())
    if not wanted:
        raise InvalidInput(N_("Tell me which one: /unfollow 2, or the words you followed."))
    async with db.transaction() as session:
        owned = await personal_store.owned_topics(session, chat_id)
        target = _pick(owned, wanted)
        topic = await personal_store.find_owned(session, chat_id, target.id)
        if topic is None:  # pragma: no cover - removed between the two reads of this unit
            raise NotFound(N_("You don't follow “%(name)s”."), name=shorten(wanted))
        await topic_store.remove_topic(session, topic)
    return target


def _pick(owned: Sequence[TopicInfo], wanted: str) -> TopicInfo:
    if wanted.isascii() and wanted.isdigit():
        number = int(wanted)
        if 1 <= number <= len(owned):
            return owned[number - 1]
        raise NotFound(N_("There is no number %(n)d in /following."), n=number)
    key = topic_store.name_key(wanted)
    for topic in owned:
        if topic_store.name_key(topic.name) == key:
            return topic
    try:
        request = parse_follow(wanted)
    except InvalidInput:
        request = None
    for topic in owned:
        if request is not None and request.same_words(topic):
            return topic
    raise NotFound(N_("You don't follow “%(name)s”. See /following."), name=shorten(wanted))


async def unfollow_topic(db: Database, chat_id: int, topic_id: int) -> TopicInfo:
    """Delete personal topic ``topic_id`` if this chat owns it; else raise NotFound.

    The id comes from a button, which can be forged: a topic of another chat, or a curated
    one, is never touched.
    """
    async with db.transaction() as session:
        topic = await personal_store.find_owned(session, chat_id, topic_id)
        if topic is None:
            raise NotFound(N_("That topic is gone already."))
        info = topic_store.to_info(topic)
        await topic_store.remove_topic(session, topic)
    return info
