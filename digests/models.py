"""The tables, and nothing else: Alembic migrations are built from and checked against these."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from digests.timeutil import as_utc

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always UTC-aware in Python, even on SQLite (which drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        aware = as_utc(value)
        # SQLite compares timestamps as text: store them naive so every row has one format.
        return aware.replace(tzinfo=None) if dialect.name == "sqlite" else aware

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


class Base(DeclarativeBase):
    """Declarative base with a constraint naming convention, so migrations name things stably."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Chat(Base):
    """A Telegram chat that talked to the bot: private, group, supergroup or channel."""

    __tablename__ = "chats"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(256), default="")
    language: Mapped[str] = mapped_column(String(16), default="en")
    timezone: Mapped[str] = mapped_column(String(64))
    # Up to four local times, "HH:MM" sorted and joined by commas ("08:00,18:30").
    digest_times: Mapped[str] = mapped_column(String(23))
    frequency: Mapped[str] = mapped_column(String(16), default="daily")
    weekly_day: Mapped[int] = mapped_column(Integer, default=0)
    max_items: Mapped[int] = mapped_column(Integer, default=10)
    notify_empty: Mapped[bool] = mapped_column(Boolean, default=False)
    languages: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    inactive_reason: Mapped[str | None] = mapped_column(String(256), nullable=True)
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The UTC instant of the chat's next scheduled digest, recomputed whenever a digest is
    # queued or the chat's settings change, so the minute tick is one indexed query.
    next_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    # A forum supergroup's thread for the digest (and every topic not routed elsewhere);
    # NULL is General. Cleared when Telegram says the thread is gone or closed.
    digest_thread_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # Digests arrive without a sound (Bot API ``disable_notification``).
    silent_digests: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Local "HH:MM" bounds of the quiet hours (start inclusive, end exclusive; may wrap
    # midnight); both NULL when the chat has none. Alerts and broadcasts wait them out.
    quiet_start: Mapped[str | None] = mapped_column(String(5), nullable=True)
    quiet_end: Mapped[str | None] = mapped_column(String(5), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Topic(Base):
    """A topic: curated (no owner) or a chat's personal keyword topic (owner set)."""

    __tablename__ = "topics"
    __table_args__ = (
        Index(
            "uq_topics_curated_name",
            "name_key",
            unique=True,
            sqlite_where=text("owner_chat_id IS NULL"),
            postgresql_where=text("owner_chat_id IS NULL"),
        ),
        UniqueConstraint("owner_chat_id", "name_key", name="uq_topics_owner_name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    name_key: Mapped[str] = mapped_column(String(64))
    keywords: Mapped[list[str]] = mapped_column(JSON)
    exclude: Mapped[list[str]] = mapped_column(JSON, default=list)
    owner_chat_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), nullable=True
    )
    # A keyword topic whose new stories are sent to its owner at once (an "alert").
    alert: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SentAlert(Base):
    """A story sent to a chat as an alert: never again as an alert, and not in its digest.

    Also what the hourly cap counts. Kept as long as a digest can look back (pruned with the
    digest editions).
    """

    __tablename__ = "alerts"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    story_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    article_id: Mapped[int] = mapped_column(Integer)
    topic_id: Mapped[int] = mapped_column(Integer)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Subscription(Base):
    """A chat follows a topic."""

    __tablename__ = "subscriptions"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    topic_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    # The forum thread the topic's items go to (followed from inside that thread); NULL
    # sends them with the rest of the digest (``Chat.digest_thread_id``).
    thread_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MutedSource(Base):
    """A chat does not want a source's items in its digests or /latest."""

    __tablename__ = "muted_sources"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    source_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Source(Base):
    """Where news comes from: a feed or an article/section page, with its fetch health."""

    __tablename__ = "sources"
    # ``origin`` has only a server default, so an insert that does not name it works on a
    # schema from before migration 0013 too; it is then read back only when asked for.
    __mapper_args__ = {"eager_defaults": False}  # noqa: RUF012 - SQLAlchemy's own dict

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    name: Mapped[str] = mapped_column(String(256))
    kind: Mapped[str] = mapped_column(String(16), default="feed")
    # "admin" (curated: its articles reach every chat) or "user" (added by chats with /addfeed:
    # its articles reach only the chats in ``source_owners``).
    origin: Mapped[str] = mapped_column(String(8), server_default="admin")
    fetch_interval: Mapped[int] = mapped_column(Integer)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    etag: Mapped[str | None] = mapped_column(String(512), nullable=True)
    last_modified: Mapped[str | None] = mapped_column(String(128), nullable=True)
    last_fetch_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    # When the source is next due; NULL means now. A worker that claims it moves this forward
    # first, so several workers never fetch the same source in one interval.
    next_fetch_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SourceOwner(Base):
    """A chat that added a source with /addfeed, and the feed topic that brings it its items.

    The feed topic is a topic owned by the chat that every article of the source matches;
    deleting it (``/myfeeds``, ``/stop``) deletes this row too.
    """

    __tablename__ = "source_owners"

    source_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True
    )
    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    topic_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("topics.id", ondelete="CASCADE"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BlockedHost(Base):
    """A host (and its subdomains) chats may not add feeds from; its user feeds are paused."""

    __tablename__ = "blocked_hosts"

    host: Mapped[str] = mapped_column(String(253), primary_key=True)
    blocked_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Article(Base):
    """One article, stored once: unique by canonical URL and by (source, guid)."""

    __tablename__ = "articles"
    __table_args__ = (UniqueConstraint("source_id", "guid", name="uq_articles_source_guid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("sources.id", ondelete="CASCADE"), index=True
    )
    guid: Mapped[str] = mapped_column(String(1024))
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    lead: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str | None] = mapped_column(String(16), nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # When the story happened as far as we can tell: the published time, never later than
    # first seen (a feed's future dates are not trusted). Lists sort on it.
    sort_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    story_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)


class ArticleTopic(Base):
    """An article matched a topic; ``sort_at`` is copied so /latest is one indexed query."""

    __tablename__ = "article_topics"
    __table_args__ = (Index("ix_article_topics_topic_sort", "topic_id", "sort_at"),)

    article_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    topic_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True
    )
    strength: Mapped[float] = mapped_column(Float, default=1.0)
    matched: Mapped[str] = mapped_column(String(256), default="")
    sort_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OutboxMessage(Base):
    """A message to send, written before it is sent; ``key`` makes queuing idempotent.

    Lanes: 0 replies to commands, 1 broadcasts, 2 alerts, 3 digests; lower goes first.
    Status: ``pending`` → ``sending`` (claimed, in flight) → ``sent`` | ``failed`` | ``dropped``.
    A row found in ``sending`` at start may or may not have reached Telegram.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_queue", "status", "lane", "not_before", "id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    lane: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[bool] = mapped_column(Boolean, default=True)
    disable_preview: Mapped[bool] = mapped_column(Boolean, default=True)
    # The forum thread to post in (Bot API ``message_thread_id``); NULL is the chat itself.
    message_thread_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # Sent without a sound (Bot API ``disable_notification``).
    silent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Buttons under the message: a JSON list of [label, action, value] (``ports.Button``),
    # as text so bulk inserts can convert it like any other repeated value.
    buttons: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Indexed so pruning finds old rows without reading the queue.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The sender (a lease owner) that claimed the row: at takeover only other owners' rows
    # left in ``sending`` are put back.
    claimed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(512), nullable=True)
    message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    broadcast_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)


class SentPerDay(Base):
    """Messages sent per UTC day, for outbox rows already pruned: the /stats chart's history."""

    __tablename__ = "sent_per_day"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # YYYY-MM-DD, UTC
    messages: Mapped[int] = mapped_column(Integer, default=0)


class DigestEdition(Base):
    """One digest queued for one chat and one local period (e.g. a day): history and stats."""

    __tablename__ = "digest_editions"
    __table_args__ = (UniqueConstraint("chat_id", "period", name="uq_digest_editions_chat_period"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    period: Mapped[str] = mapped_column(String(32))
    slot_at: Mapped[datetime] = mapped_column(UTCDateTime)
    items: Mapped[int] = mapped_column(Integer)
    parts: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class RuntimeState(Base):
    """Small named values that must survive a restart, e.g. Telegram's flood-wait deadline."""

    __tablename__ = "runtime_state"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Lease(Base):
    """A role only one process may hold at a time (the sender, the poller), until it expires.

    The owner renews ``expires_at`` every few seconds; a standby takes the row over once it
    has expired (or its owner is known dead), so a killed owner is replaced within a TTL.
    """

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(128))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Story(Base):
    """One news story, however many outlets carry it: the first sighting is kept."""

    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_article_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    first_source_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # The earliest publication date any copy claimed (a republished copy keeps the original's).
    first_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    title: Mapped[str] = mapped_column(Text, default="")
    article_count: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The event the story reports, with other outlets' own write-ups (``digests.events``).
    event_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)


class Event(Base):
    """One happening reported by several stories (each outlet's own write-up, with its copies).

    Lists show an event once, "also" naming every outlet that reported it.
    """

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_story_id: Mapped[int] = mapped_column(Integer)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    story_count: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EventProfile(Base):
    """What a story is compared by when later stories look for their event
    (``digests.eventtext.Profile``, about 1-2 KB). Read back only within the grouping window,
    then prunable by ``at``."""

    __tablename__ = "event_profiles"

    story_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    event_id: Mapped[int] = mapped_column(Integer, index=True)
    source_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    profile: Mapped[bytes] = mapped_column(LargeBinary)


class EventKey(Base):
    """A key a story is found by when events are grouped: a hashed title word, name or
    number. Like ``story_keys``, the index lives here, not in memory. The primary key holds
    the story's time after the key, so a look-up by key within the window reads the index
    alone (migration 0017: 16 ms of 29 per story with 100,000 stories stored before)."""

    __tablename__ = "event_keys"

    key: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True, index=True)
    story_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class EventTerm(Base):
    """In how many stories of one day a term occurred (key 0: how many stories there were):
    the document frequencies that weigh terms when events are grouped."""

    __tablename__ = "event_terms"

    key: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    day: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True, index=True)
    stories: Mapped[int] = mapped_column(Integer, default=0)


class ArticleSignature(Base):
    """An article's MinHash signature, kept so the near-duplicate index survives restarts."""

    __tablename__ = "article_signatures"

    article_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class StoryKey(Base):
    """A key the near-duplicate index finds an article by: one per LSH band of its MinHash
    signature and one for its normalised title (64-bit hashes, see ``digests.stories``).

    The index lives here rather than in memory, so the process does not grow with the
    articles it has seen. Rows older than the matching window are never read and may be
    pruned by ``created_at``. There is no foreign key: a row whose article is gone finds
    nothing, and every candidate is confirmed against the article itself.
    """

    __tablename__ = "story_keys"

    key: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    article_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class TopicsVersion(Base):
    """One row counting changes to ``topics``: database triggers (migration 0009) add one on
    every insert, update and delete, whichever process or code path makes it. Ingest keeps
    its topic matcher until the number changes."""

    __tablename__ = "topics_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class Broadcast(Base):
    """An admin's breaking-news message to many chats: who, when, what, to whom, and counts."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    admin_id: Mapped[int] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    audience: Mapped[str] = mapped_column(String(16))  # all | topic | me
    # Sent through the recipients' quiet hours instead of waiting for them to end.
    urgent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    topic_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued|stopped|done
    sent: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    blocked: Mapped[int] = mapped_column(Integer, default=0)
    progress_chat_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    progress_message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
