"""Broadcasts: an admin's message, checked, queued in the outbox for an audience, and followed.

A broadcast is one ``broadcasts`` row and one outbox row per recipient chat, in
``Lane.BROADCAST`` (after replies, before digests), keyed ``broadcast:{id}:{chat_id}``. So the
outbox sender delivers it under every Telegram limit, and its crash safety holds: after a
restart no chat gets it twice (except the rows the sender counts as possible duplicates) and
none is skipped. The broadcast row and all its outbox rows are written in one transaction,
so a crash while queuing leaves all or nothing.

Progress is read from the outbox rows (sent, failed, blocked, stopped, remaining), so whoever
watches it (the bot's progress message, the command line's progress bar, a restarted bot)
sees the same figures. The final counts are written once, by whoever first sees nothing
remaining (:func:`settle`).
"""

from __future__ import annotations

import asyncio
import enum
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from html.parser import HTMLParser
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from digests.db import Database
from digests.echo import shorten
from digests.errors import InvalidInput, NotFound, SourceError
from digests.i18n import N_
from digests.leads import choose_lead
from digests.quiet import QuietClock
from digests.render import safe_link
from digests.sources.fetch import Fetcher
from digests.sources.pages import read_fetched
from digests.split import TEXT_LIMIT, visible_length
from digests.store import broadcasts as store
from digests.store import chats as chat_store
from digests.store import outbox
from digests.store import topics as topic_store
from digests.store.broadcasts import BroadcastRow
from digests.store.outbox import Lane, OutboxDraft
from digests.timeutil import utcnow

QUEUE_BATCH = 1000

# Telegram's HTML subset (Bot API "HTML style"); attributes are checked in _Checker.
_ALLOWED_TAGS = frozenset(
    {
        "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
        "blockquote", "tg-spoiler", "span",
    }
)  # fmt: skip
_ENTITIES = frozenset({"lt", "gt", "amp", "quot"})
_LINK_SCHEMES = ("http://", "https://", "tg://")


class Audience(enum.StrEnum):
    """Who gets a broadcast."""

    ALL = "all"  # every active chat
    TOPIC = "topic"  # the active chats that follow one topic
    ME = "me"  # only the admin's own chat: a test


class BroadcastStatus(enum.StrEnum):
    """Where a broadcast is: being sent, or finished (everything sent, or stopped)."""

    QUEUED = "queued"
    DONE = "done"
    STOPPED = "stopped"


# -- checking the message ------------------------------------------------------------------------


# A "&" that starts no entity, and a "<" that starts no tag (nor "</", "<!", "<?"), are text.
_LONE_AMPERSAND = re.compile(r"&(?!(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#[xX][0-9A-Fa-f]+);)")
_LONE_LESS_THAN = re.compile(r"<(?![A-Za-z/!?])")


class _Checker(HTMLParser):
    """Walks Telegram HTML and keeps the first problem found, as one line for the admin
    (a catalog message id and its values, so the admin reads it in their language)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.open: list[str] = []
        self.problem: InvalidInput | None = None

    def _fail(self, problem: str, **values: object) -> None:
        if self.problem is None:
            self.problem = InvalidInput(problem, **values)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _ALLOWED_TAGS:
            self._fail(
                N_(
                    "<%(tag)s> is not allowed; use b, i, u, s, a, code, pre, blockquote or "
                    "tg-spoiler."
                ),
                tag=shorten(tag, 30),
            )
            return
        values = dict(attrs)
        if tag == "a":
            href = (values.get("href") or "").strip()
            if not href.lower().startswith(_LINK_SCHEMES):
                self._fail(N_('Every <a> needs href="http(s)://…" or "tg://…".'))
        elif tag == "span" and values.get("class") != "tg-spoiler":
            self._fail(N_('<span> is only allowed as <span class="tg-spoiler">.'))
        self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._fail(
            N_("<%(tag)s/> is not allowed: Telegram has no self-closing tags."),
            tag=shorten(tag, 30),
        )

    def handle_endtag(self, tag: str) -> None:
        if not self.open:
            self._fail(N_("</%(tag)s> closes a tag that was never opened."), tag=shorten(tag, 30))
        elif self.open[-1] != tag:
            self._fail(
                N_("</%(tag)s> found where </%(expected)s> was expected."),
                tag=shorten(tag, 30),
                expected=self.open[-1],
            )
        else:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        if "<" in data:
            self._fail(N_("An unfinished tag: write &lt; for a literal '<'."))

    def handle_entityref(self, name: str) -> None:
        if name not in _ENTITIES:
            self._fail(
                N_("&%(name)s; is not an entity Telegram knows; use &lt; &gt; &amp; &quot;."),
                name=shorten(name, 30),
            )

    def handle_comment(self, data: str) -> None:
        self._fail(N_("HTML comments are not allowed."))

    def handle_decl(self, decl: str) -> None:
        self._fail(N_("<!%(decl)s> is not allowed."), decl=shorten(decl, 30))

    def handle_pi(self, data: str) -> None:
        self._fail(N_("<?%(data)s> is not allowed."), data=shorten(data, 30))

    def unknown_decl(self, data: str) -> None:
        self._fail(N_("<![%(data)s]> is not allowed."), data=shorten(data, 30))


def check_html(text: str) -> str:
    """``text`` stripped, if it is Telegram HTML that fits one message; else InvalidInput.

    Allowed: b/strong, i/em, u/ins, s/strike/del, a with an http(s) or tg link, code, pre,
    blockquote, tg-spoiler and ``<span class="tg-spoiler">``, properly nested and closed,
    entities &lt; &gt; &amp; &quot; and numeric ones; at most 4096 visible characters. A lone
    "&" or a "<" that starts no tag ("AT&T", "1 < 2") is taken as the character it is and
    returned escaped.
    """
    text = _LONE_LESS_THAN.sub("&lt;", _LONE_AMPERSAND.sub("&amp;", text.strip()))
    checker = _Checker()
    checker.feed(text)
    checker.close()
    if checker.problem is None and checker.rawdata:
        checker.problem = InvalidInput(  # pragma: no cover - close() flushes
            N_("An unfinished tag at the end.")
        )
    if checker.problem is None and checker.open:
        checker.problem = InvalidInput(N_("<%(tag)s> is never closed."), tag=checker.open[-1])
    if checker.problem is not None:
        raise checker.problem
    length = visible_length(text)
    if length == 0:
        raise InvalidInput(N_("The message is empty."))
    if length > TEXT_LIMIT:
        raise InvalidInput(
            N_("The message is %(length)d characters long; Telegram allows %(limit)d."),
            length=length,
            limit=TEXT_LIMIT,
        )
    return text


def link_in(text: str) -> str | None:
    """The http(s) URL when the whole of ``text`` is one link, else None."""
    candidate = text.strip()
    if not candidate or any(c.isspace() for c in candidate):
        return None
    return safe_link(candidate)


# -- a card for a link ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Card:
    """An article as a broadcast shows it: title, site, lead and link."""

    title: str
    site: str
    lead: str
    url: str


def site_of(url: str) -> str:
    """The host people know the site by: ``https://www.bbc.co.uk/x`` → ``bbc.co.uk``."""
    return (urlsplit(url).hostname or url).lower().removeprefix("www.")


async def fetch_card(fetcher: Fetcher, url: str, *, allow_private: bool) -> Card:
    """Fetch the page at ``url`` and take its title and lead; InvalidInput if it has neither.

    The fetch goes through the shared Fetcher (private addresses refused unless allowed,
    size and time bounded); extraction runs in a worker thread.
    """
    try:
        fetched = await fetcher.fetch(url, allow_private=allow_private)
    except SourceError as exc:
        raise InvalidInput(f"Could not fetch {url}: {exc}") from None
    page = await read_fetched(fetched)
    article = page.article
    title = (article.title if article is not None else "") or page.title
    if not title:
        raise InvalidInput("That page has no title or article I can read; send the text instead.")
    lead = ""
    if article is not None:
        lead = choose_lead(article.text, title=title, language=article.language)
    return Card(title=title, site=site_of(url), lead=lead, url=url)


# -- audience and queuing ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Plan:
    """A broadcast ready to queue: what, from whom, to whom."""

    admin_id: int
    text: str
    audience: Audience
    topic_id: int | None = None
    me_chat_id: int | None = None  # the admin's chat, for Audience.ME
    source_url: str | None = None
    progress_chat_id: int | None = None
    # Sent at once even to chats in their quiet hours (which otherwise get it when they end).
    urgent: bool = False


async def _recipients(session: AsyncSession, plan: Plan) -> list[int]:
    if plan.audience is Audience.ME:
        return [plan.me_chat_id if plan.me_chat_id is not None else plan.admin_id]
    if plan.audience is Audience.TOPIC:
        if plan.topic_id is None:
            raise InvalidInput("Pick a topic for this audience.")
        return await store.follower_chat_ids(session, plan.topic_id)
    return await store.active_chat_ids(session)


async def count_recipients(db: Database, audience: Audience, topic_id: int | None = None) -> int:
    """How many chats the audience is now."""
    if audience is Audience.ME:
        return 1
    async with db.transaction() as session:
        if audience is Audience.TOPIC:
            if topic_id is None:
                raise InvalidInput("Pick a topic for this audience.")
            return await store.count_followers(session, topic_id)
        return await store.count_active_chats(session)


async def topic_name(db: Database, topic_id: int) -> str:
    """The curated topic's name; NotFound-like InvalidInput if it is gone."""
    async with db.transaction() as session:
        name = await store.topic_name(session, topic_id)
    if name is None:
        raise InvalidInput("That topic no longer exists.")
    return name


async def find_topic(db: Database, name: str) -> tuple[int, str]:
    """The curated topic called ``name`` (any case): its id and name; NotFound if none."""
    async with db.transaction() as session:
        topic = await topic_store.find_topic(session, name)
        if topic is None:
            raise NotFound(f"no topic named {name!r}; see: newsbot topics list")
        return topic.id, topic.name


@dataclass(frozen=True, slots=True)
class Started:
    """A broadcast just queued."""

    id: int
    recipients: int


def outbox_key(broadcast_id: int, chat_id: int) -> str:
    """The outbox key of the broadcast's row for one chat: queuing it twice queues it once."""
    return f"broadcast:{broadcast_id}:{chat_id}"


async def start_broadcast(db: Database, plan: Plan, *, now: datetime) -> Started:
    """Store the broadcast and queue one outbox row per recipient, all in one transaction.

    Rows go in batches of ``QUEUE_BATCH``. Call the sender's notify afterwards.
    """
    text = check_html(plan.text)
    async with db.transaction() as session:
        chat_ids = await _recipients(session, plan)
        broadcast_id = await store.create(
            session,
            admin_id=plan.admin_id,
            text=text,
            source_url=plan.source_url,
            audience=plan.audience.value,
            topic_id=plan.topic_id,
            recipients=len(chat_ids),
            progress_chat_id=plan.progress_chat_id,
            now=now,
            urgent=plan.urgent,
        )
        placements = await chat_store.placements(session)
        quiet = QuietClock(now)
        for start in range(0, len(chat_ids), QUEUE_BATCH):
            drafts = [
                _draft(broadcast_id, chat_id, text, placements.get(chat_id), quiet, plan.urgent)
                for chat_id in chat_ids[start : start + QUEUE_BATCH]
            ]
            await outbox.enqueue(session, drafts, now)
    return Started(broadcast_id, len(chat_ids))


def _draft(
    broadcast_id: int,
    chat_id: int,
    text: str,
    placement: chat_store.Placement | None,
    quiet: QuietClock,
    urgent: bool,
) -> OutboxDraft:
    """One chat's row: in its news thread, held until its quiet hours end unless urgent."""
    held = None
    if placement is not None and not urgent:
        held = quiet.until(placement.quiet_start, placement.quiet_end, placement.timezone)
    return OutboxDraft(
        key=outbox_key(broadcast_id, chat_id),
        chat_id=chat_id,
        lane=Lane.BROADCAST,
        text=text,
        broadcast_id=broadcast_id,
        thread_id=placement.thread_id if placement else None,
        not_before=held,
        due_at=held,  # its lifetime (BROADCAST_TTL) counts from when it may go
    )


async def set_progress_message(
    db: Database, broadcast_id: int, chat_id: int, message_id: int
) -> None:
    """Remember where the admin's progress message is, for a restarted bot to go on editing."""
    async with db.transaction() as session:
        await store.set_progress_message(session, broadcast_id, chat_id, message_id)


async def stop_broadcast(db: Database, broadcast_id: int) -> int:
    """Halt the rest: the broadcast's pending rows are dropped; returns how many.

    What was sent stays sent; rows a sender holds in flight (about a second's worth) finish.
    """
    async with db.transaction() as session:
        return await store.drop_pending(session, broadcast_id)


# -- progress ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a broadcast is; ``eta`` is seconds left at the observed rate (None: unknown)."""

    id: int
    recipients: int
    sent: int
    failed: int
    blocked: int
    stopped: int
    remaining: int
    status: BroadcastStatus
    eta: float | None = None
    waiting: int = 0  # of ``remaining``, held for the chats' quiet hours
    admin_id: int = 0
    progress_chat_id: int | None = None
    progress_message_id: int | None = None

    @property
    def done(self) -> int:
        """Rows that reached an end: sent, failed, blocked or stopped."""
        return self.sent + self.failed + self.blocked + self.stopped

    @property
    def finished(self) -> bool:
        """True once the final counts are written."""
        return self.status is not BroadcastStatus.QUEUED


def _progress(row: BroadcastRow, counts: store.RowCounts) -> Progress:
    return Progress(
        id=row.id,
        recipients=row.recipients,
        sent=counts.sent,
        failed=counts.failed,
        blocked=counts.blocked,
        stopped=counts.stopped,
        remaining=counts.remaining,
        waiting=counts.waiting,
        status=BroadcastStatus(row.status),
        admin_id=row.admin_id,
        progress_chat_id=row.progress_chat_id,
        progress_message_id=row.progress_message_id,
    )


async def settle(db: Database, broadcast_id: int, *, now: datetime) -> tuple[Progress, bool]:
    """The broadcast's progress; when nothing remains, its final counts are written.

    Returns the progress and whether this call finished it (True once per broadcast, so one
    watcher sends the final report). InvalidInput if there is no such broadcast.
    """
    async with db.transaction() as session:
        row = await store.get(session, broadcast_id)
        if row is None:
            raise InvalidInput(f"There is no broadcast {broadcast_id}.")
        counts = await store.row_counts(session, broadcast_id, now)
        current = _progress(row, counts)
        if current.finished or counts.remaining:
            return current, False
        status = BroadcastStatus.STOPPED if counts.stopped else BroadcastStatus.DONE
        won = await store.finish(session, broadcast_id, status.value, counts, now)
    return replace(current, status=status), won


async def unfinished(db: Database) -> list[BroadcastRow]:
    """Broadcasts still being sent (or sent but not counted yet): a restarted bot resumes them."""
    async with db.transaction() as session:
        return await store.unfinished(session)


class RateMeter:
    """The observed sending rate over the last ``window`` seconds, for "time left"."""

    def __init__(self, window: float = 30.0) -> None:
        self._window = window
        self._samples: deque[tuple[float, int]] = deque()

    def add(self, at: float, done: int) -> None:
        """Note that ``done`` rows had reached an end at monotonic time ``at``."""
        self._samples.append((at, done))
        while len(self._samples) > 2 and self._samples[1][0] <= at - self._window:
            self._samples.popleft()

    def rate(self) -> float | None:
        """Rows per second over the window; None until two samples differ."""
        if len(self._samples) < 2:
            return None
        (t0, d0), (t1, d1) = self._samples[0], self._samples[-1]
        if t1 <= t0 or d1 <= d0:
            return None
        return (d1 - d0) / (t1 - t0)

    def eta(self, remaining: int) -> float | None:
        """Seconds until ``remaining`` rows are done at the observed rate, or None."""
        if remaining == 0:
            return 0.0
        rate = self.rate()
        return None if rate is None else remaining / rate


def duration_text(seconds: float | None) -> str:
    """``75`` → ``"1 min 15 s"``; None → ``"unknown"``. For the progress line."""
    if seconds is None:
        return "unknown"
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{secs} s"


async def follow(
    db: Database,
    broadcast_id: int,
    on_progress: Callable[[Progress], None],
    *,
    interval: float = 1.0,
    clock: Callable[[], float] = time.monotonic,
    wall: Callable[[], datetime] = utcnow,
) -> Progress:
    """Report the broadcast's progress every ``interval`` seconds until it is finished.

    Returns the final progress (counts written, by this call or by another watcher).
    """
    meter = RateMeter()
    while True:
        current, _won = await settle(db, broadcast_id, now=wall())
        meter.add(clock(), current.done)
        current = replace(current, eta=meter.eta(current.remaining))
        on_progress(current)
        if current.finished:
            return current
        await asyncio.sleep(interval)
