"""Frozen values that cross layers: what the store returns and the bot renders."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


class ChatKind(enum.StrEnum):
    """Telegram's chat types, kept as plain strings in the database."""

    PRIVATE = "private"
    GROUP = "group"
    SUPERGROUP = "supergroup"
    CHANNEL = "channel"

    @property
    def is_group_like(self) -> bool:
        """Groups and channels share Telegram's 20 messages a minute limit."""
        return self is not ChatKind.PRIVATE


@dataclass(frozen=True, slots=True)
class ChatRef:
    """A chat as Telegram names it."""

    id: int
    kind: ChatKind
    title: str = ""
    language: str = "en"


@dataclass(frozen=True, slots=True)
class TopicInfo:
    """A topic with its keyword lists, as users and matching see it."""

    id: int
    name: str
    keywords: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    followers: int = 0
    alert: bool = False  # a keyword topic whose new stories are sent at once


@dataclass(frozen=True, slots=True)
class TopicChoice:
    """One row of the topic picker: a topic and whether this chat follows it."""

    id: int
    name: str
    followed: bool


@dataclass(frozen=True, slots=True)
class Headline:
    """One linked headline for /latest and digests."""

    article_id: int
    title: str
    url: str
    source_name: str
    seen_at: datetime
    topics: tuple[str, ...] = ()
    # The story this copy belongs to: other sources carrying it (up to three, and how many
    # more), and, for a republished or late copy, when and where the story was first reported.
    story_id: int | None = None
    also: tuple[str, ...] = ()
    also_more: int = 0
    first_reported_at: datetime | None = None
    first_source: str | None = None
    # The keywords of the chat's own keyword topics this item matched ("matched: hasakah").
    matched: tuple[str, ...] = ()
    # Whether its full text is stored, so a Read button can send it into the chat.
    readable: bool = False


@dataclass(frozen=True, slots=True)
class ArticleToRead:
    """An article as the Read button sends it: its full text and where it came from."""

    id: int
    title: str
    url: str
    source_name: str
    published_at: datetime
    text: str


@dataclass(frozen=True, slots=True)
class LatestResult:
    """What /latest found: headlines, or why there are none."""

    headlines: tuple[Headline, ...]
    follows_nothing: bool = False
    topic: str | None = None


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One item read from a feed, before it is stored as an article."""

    title: str
    url: str
    guid: str
    summary: str = ""
    text: str = ""
    published_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class NewArticle:
    """An article just stored, as the steps after storing (language, story, topics) read it,
    so none of them selects again the rows the same transaction just wrote."""

    id: int
    source_id: int
    url: str
    title: str
    summary: str
    text: str
    published_at: datetime | None
    first_seen_at: datetime
    sort_at: datetime
    language: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A feed's title and entries, parsed and cleaned of HTML."""

    title: str
    entries: tuple[FeedEntry, ...]
    link: str = ""


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """A source with its health, for `sources list` and the admin view."""

    id: int
    name: str
    url: str
    kind: str
    fetch_interval: int
    paused: bool
    last_fetch_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    consecutive_failures: int
    article_count: int = 0
    origin: str = "admin"  # "user": added by chats with /addfeed, shown only to them
    owners: int = 0  # chats that added it with /addfeed


@dataclass(frozen=True, slots=True)
class OwnedFeed:
    """One of a chat's own feeds (/addfeed), as /myfeeds lists it."""

    source_id: int
    name: str
    url: str
    paused: bool
    last_error: str | None
    topic_id: int


@dataclass(frozen=True, slots=True)
class FetchReport:
    """How one source's fetch went: counts for the summary line."""

    source_id: int
    source_name: str
    ok: bool
    new_articles: int = 0
    error: str | None = None
    not_modified: bool = False


@dataclass(frozen=True, slots=True)
class FetchSummary:
    """The result of fetching many sources at once."""

    reports: tuple[FetchReport, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> int:
        """Sources fetched without error."""
        return sum(1 for r in self.reports if r.ok)

    @property
    def failed(self) -> int:
        """Sources whose fetch failed."""
        return sum(1 for r in self.reports if not r.ok)

    @property
    def new_articles(self) -> int:
        """Articles stored for the first time."""
        return sum(r.new_articles for r in self.reports)
