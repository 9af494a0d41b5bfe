"""The digest tick: due chats → assembled, rendered digests → outbox rows, batch by batch.

Each batch of chats is one transaction holding everything a digest changes: its outbox rows,
its ``DigestEdition``, and the chat's ``last_digest_at``/``next_digest_at``. A crash therefore
never loses a digest (the batch rolls back and its chats are still due at the next tick) and
never doubles one (outbox keys and the edition's (chat, period) are unique).

For 100,000 chats the work that repeats is shared: each topic's candidates are ranked once per
tick (:class:`digests.assembly.TopicPool`), each headline is rendered once per age shown, and
chats with the same topics, window, cap, language and local date share one rendering.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from digests.assembly import Pick, Section, TopicPool, Window, assemble, one_line_lead
from digests.db import Database
from digests.errors import InvalidInput, NotFound
from digests.i18n import DEFAULT_LANGUAGE, N_, supported_language, translator
from digests.ports import Button, ButtonAction
from digests.render import Renderer, localized_age, localized_date, safe_link
from digests.schedule import DigestSchedule, due_slot, next_slot, period_key
from digests.split import pack_digest
from digests.store import alerts as alert_store
from digests.store import editions as store
from digests.store import muted as muted_store
from digests.store import state, threads
from digests.store.headlines import ALSO_SHOWN
from digests.store.outbox import Lane, OutboxDraft, enqueue
from digests.store.stories import StoryFacts, story_facts
from digests.timefmt import local_date
from digests.truncation import truncate
from digests.types import ChatKind

log = logging.getLogger(__name__)

# What makes two chats' digests identical: topics, window, cap, slot, local date, language,
# whether an empty digest becomes a note, the stories it had as alerts (usually none), and
# the sources it mutes (usually none).
_Key = tuple[frozenset[int], Window, int, datetime, str, str, bool, frozenset[int], frozenset[int]]
_NONE: frozenset[int] = frozenset()

# Chats per transaction: bigger batches share more renderings and statements; 2,000 keeps
# a batch's distinct digests (~13 KB each: an emoji makes Python store 4 bytes a character)
# to a few tens of MB.
BATCH_SIZE = 2000
# A chat's first digest looks back one day; no digest looks back further than a weekly
# chat's week plus a day, so a chat back after months gets news, not a month's pile.
FIRST_WINDOW = timedelta(hours=24)
MAX_LOOKBACK = timedelta(days=8)
# Distinct renderings kept for reuse across batches (a batch shares its own anyway); ~13 KB
# each, so ~7 MB. 4,096 held 55 MB for few hits when topic sets vary.
_RENDER_CACHE = 512
# "Mute <source>" buttons under one message: one per source, at most this many.
MUTE_BUTTONS = 8
_MUTE_LABEL_SOURCE = 28
_RETRY_BROKEN = timedelta(days=1)
# Alerts recorded a little before a window opens still count: a story's alert is queued when
# an article is stored, and the story may have been first seen just before (another copy).
ALERT_MARGIN = timedelta(days=1)
# Characters of a title on a digest item's Read button (Telegram cuts long labels anyway).
READ_LABEL_TITLE = 40


@dataclass(frozen=True, slots=True)
class TickReport:
    """What one tick did, counted over every batch."""

    due: int = 0  # chats owed a digest now
    queued: int = 0  # digests with items queued
    empty: int = 0  # due chats with nothing new (``notes`` of them got a short note)
    notes: int = 0
    messages: int = 0  # outbox rows added
    late: int = 0  # slots missed beyond the catch-up window: skipped, rescheduled
    scheduled: int = 0  # chats that got their first ``next_digest_at``

    def summary(self) -> str:
        """The one line ``newsbot digest tick`` prints."""
        return (
            f"{_count(self.queued, 'digest')} queued for {_count(self.due, 'chat')} "
            f"({self.empty} skipped: nothing new)"
        )

    def __add__(self, other: TickReport) -> TickReport:
        return TickReport(
            *(getattr(self, f) + getattr(other, f) for f in TickReport.__dataclass_fields__)
        )


@dataclass(frozen=True, slots=True)
class DigestPreview:
    """What ``/digest`` shows: the next digest as it stands, as Telegram HTML messages."""

    messages: tuple[str, ...]
    items: int
    next_at: datetime | None
    # The Read buttons under each message (none for an item without a stored full text).
    buttons: tuple[tuple[Button, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class ItemView:
    """One headline as the digest template shows it."""

    title: str
    url: str | None
    source: str
    age: str
    lead: str
    also: str = ""  # other sources carrying the story, up to three
    also_more: int = 0
    matched: str = ""  # keywords of the chat's own keyword topic that brought the item


async def run_tick(
    db: Database,
    renderer: Renderer,
    *,
    now: datetime,
    catch_up: timedelta,
    notify: Callable[[], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> TickReport:
    """Queue every digest owed at ``now``; schedule chats never scheduled.

    Batches of ``batch_size`` chats, one transaction each, until no chat is due. ``notify``
    is called after each batch that queued messages, so the sender wakes up.
    """
    async with db.transaction() as session:
        editor = _Editor(
            renderer,
            await store.topic_names(session),
            await store.personal_topic_ids(session),
        )
    total = TickReport()
    while True:
        async with db.transaction() as session:
            # Written first, so ticks in several processes take turns batch by batch (a row
            # lock on PostgreSQL, the write lock on SQLite) and each sees the chats the other
            # has just rescheduled: no chat is queued twice and no insert collides.
            await state.set_instant(session, state.LAST_TICK_AT, now, now)
            chats = await store.due_chats(session, now, batch_size)
            if not chats:
                break
            report = await _run_batch(session, editor, chats, now, catch_up)
        total += report
        if report.messages and notify is not None:
            notify()
    return total


async def preview_digest(
    db: Database, renderer: Renderer, chat_id: int, *, now: datetime
) -> DigestPreview:
    """The digest the chat would get with what is new right now; nothing is recorded.

    Raises NotFound for a chat that never talked to the bot.
    """
    async with db.transaction() as session:
        chat = await store.chat_schedule(session, chat_id)
        if chat is None:
            raise NotFound(N_("There is no chat %(id)d: it never talked to the bot."), id=chat_id)
        topics = (await store.followed_topics(session, [chat_id])).get(chat_id, frozenset())
        editor = _Editor(
            renderer,
            await store.topic_names(session),
            await store.personal_topic_ids(session),
        )
        next_at = _next_for_preview(chat, now)
        lang = supported_language(chat.language)
        when = _local_when(next_at, chat.timezone, lang) if next_at else None
        timezone = chat.timezone
        if not topics:
            note = renderer.render(
                "digest_empty", lang=lang, preview=True, follows_nothing=True, when=when
            )
            return DigestPreview((note,), 0, next_at)
        window = _window(chat.last_digest_at, now)
        await editor.cover(session, [window])
        alerted = await alert_store.alerted_stories(session, [chat_id], window.since - ALERT_MARGIN)
        muted = await muted_store.muted_by_chat(session, [chat_id])
        sections = assemble(
            editor.pool,
            topics,
            window,
            chat.max_items,
            editor.names,
            alerted.get(chat_id, _NONE),
            muted.get(chat_id, _NONE),
        )
        await editor.load_texts(session, [sections])
    if not sections:
        note = renderer.render(
            "digest_empty", lang=lang, preview=True, follows_nothing=False, when=when
        )
        return DigestPreview((note,), 0, next_at)
    header = renderer.render(
        "digest_header",
        lang=lang,
        preview=True,
        when=when,
        date=localized_date(now, timezone, lang),
    )
    messages, buttons = editor.split(header, sections, now, lang)
    return DigestPreview(messages, sum(len(s.picks) for s in sections), next_at, buttons)


@dataclass(frozen=True, slots=True)
class _Rendered:
    """One distinct digest, rendered: shared by every chat with the same inputs."""

    messages: tuple[str, ...]
    items: int
    buttons: tuple[tuple[Button, ...], ...] = ()  # each message's Read and Mute buttons


def _by_thread(
    followed: frozenset[int], routed: dict[int, int], digest_thread: int | None
) -> list[tuple[int | None, frozenset[int]]]:
    """The chat's topics grouped by the forum thread they go to, the digest's own first.

    The digest's group is there even when empty if there is no other (its "nothing new" or
    "you follow nothing" note goes there).
    """
    if not routed:
        return [(digest_thread, followed)]  # nearly every chat: one digest, one thread
    groups: dict[int | None, set[int]] = {}
    for topic in followed:
        groups.setdefault(routed.get(topic, digest_thread), set()).add(topic)
    main = frozenset(groups.pop(digest_thread, set()))
    others = [
        (thread, frozenset(topics))
        for thread, topics in sorted(groups.items(), key=lambda group: group[0] or 0)
    ]
    return [(digest_thread, main), *others] if main or not others else others


def _thread_label(thread: int | None, chat: store.ChatSchedule) -> str:
    """The digest's own thread keeps the outbox key it always had; others are named."""
    return "" if thread == chat.digest_thread_id else f"t{thread}:"


async def _run_batch(
    session: AsyncSession,
    editor: _Editor,
    chats: Sequence[store.ChatSchedule],
    now: datetime,
    catch_up: timedelta,
) -> TickReport:
    due: list[tuple[store.ChatSchedule, datetime]] = []
    periods: dict[int, str] = {}
    changes: list[store.Reschedule] = []
    late = scheduled = 0
    for chat in chats:
        try:
            slot, period, following = editor.decide(chat, now, catch_up)
        except (InvalidInput, ValueError) as exc:
            # A broken row (unknown zone) must not stall the tick: look at it again tomorrow.
            log.warning("chat %s has an unusable schedule (%s); retrying in a day", chat.id, exc)
            changes.append(store.Reschedule(chat.id, chat.last_digest_at, now + _RETRY_BROKEN))
            continue
        if slot is None:
            if chat.next_digest_at is None:
                scheduled += 1
            else:
                late += 1
            changes.append(store.Reschedule(chat.id, chat.last_digest_at, following))
        else:
            due.append((chat, slot))
            periods[chat.id] = period
            changes.append(store.Reschedule(chat.id, slot, following))

    ids = [chat.id for chat, _ in due]
    topics = await store.followed_topics(session, ids)
    windows = [_window(chat.last_digest_at, slot) for chat, slot in due]
    alerted = await alert_store.alerted_stories(
        session, ids, min((w.since for w in windows), default=now) - ALERT_MARGIN
    )
    routed = await threads.topic_threads(session, ids)
    muted = await muted_store.muted_by_chat(session, ids)
    # Chats whose digest has the same inputs share one: assembled and rendered once. A forum
    # chat whose topics go to several threads gets one digest per thread.
    keys: list[list[tuple[int | None, _Key]]] = []
    missing: dict[_Key, tuple[frozenset[int], Window, int, frozenset[int], frozenset[int]]] = {}
    ready: dict[_Key, _Rendered] = {}  # held here: the shared cache may evict meanwhile
    for (chat, slot), window in zip(due, windows, strict=True):
        lang = supported_language(chat.language)
        date = editor.date(slot, chat.timezone, lang)
        skip = alerted.get(chat.id, _NONE)
        silenced = muted.get(chat.id, _NONE)
        chat_keys: list[tuple[int | None, _Key]] = []
        groups = _by_thread(
            topics.get(chat.id, _NONE), routed.get(chat.id, {}), chat.digest_thread_id
        )
        for thread, followed in groups:
            note = chat.notify_empty and thread == chat.digest_thread_id
            key = (followed, window, chat.max_items, slot, date, lang, note, skip, silenced)
            chat_keys.append((thread, key))
            found = editor.cached(key)
            if found is not None:
                ready[key] = found
            elif key not in missing:
                missing[key] = (followed, window, chat.max_items, skip, silenced)
        keys.append(chat_keys)
    await editor.cover(session, [window for _, window, _, _, _ in missing.values()])
    plans = {
        key: assemble(editor.pool, followed, window, cap, editor.names, skip, silenced)
        for key, (followed, window, cap, skip, silenced) in missing.items()
    }
    await editor.load_texts(session, plans.values())
    for key, sections in plans.items():
        ready[key] = editor.render(key, sections)

    editions: list[store.EditionRow] = []
    drafts: dict[int, list[OutboxDraft]] = {}
    outcome: dict[int, _Rendered] = {}
    for (chat, slot), chat_keys in zip(due, keys, strict=True):
        parts = [(thread, ready[key]) for thread, key in chat_keys]
        if any(rendered.items for _, rendered in parts):
            parts = [(thread, rendered) for thread, rendered in parts if rendered.items]
        period = periods[chat.id]
        rendered = outcome[chat.id] = _Rendered(
            tuple(text for _, r in parts for text in r.messages), sum(r.items for _, r in parts)
        )
        editions.append(
            store.EditionRow(chat.id, period, slot, rendered.items, len(rendered.messages))
        )
        drafts[chat.id] = [
            OutboxDraft(
                key=f"digest:{chat.id}:{period}:{_thread_label(thread, chat)}{part}",
                chat_id=chat.id,
                lane=Lane.DIGEST,
                text=text,
                due_at=slot,
                thread_id=thread,
                silent=chat.silent_digests,
                # In a channel every subscriber could press Read and post into it.
                buttons=buttons if chat.kind != ChatKind.CHANNEL else (),
            )
            for thread, group in parts
            for part, (text, buttons) in enumerate(
                zip(group.messages, group.buttons, strict=True), start=1
            )
        ]

    fresh = await store.record_editions(session, editions, now)
    if len(fresh) < len(editions):
        # The period had its edition already (the digest time moved later that day).
        # Its news stays owed: last_digest_at keeps the earlier slot.
        skipped = outcome.keys() - fresh
        log.info("%d chats had this period's digest already: %s", len(skipped), sorted(skipped))
        before = {chat.id: chat.last_digest_at for chat, _ in due}
        changes = [
            replace(c, last_digest_at=before[c.chat_id]) if c.chat_id in skipped else c
            for c in changes
        ]
    kept = [outcome[chat_id] for chat_id in fresh]
    added = await enqueue(session, [d for chat_id in fresh for d in drafts[chat_id]], now)
    await store.reschedule(session, changes)
    return TickReport(
        due=len(fresh),
        queued=sum(1 for r in kept if r.items),
        empty=sum(1 for r in kept if not r.items),
        notes=sum(1 for r in kept if not r.items and r.messages),
        messages=added,
        late=late,
        scheduled=scheduled,
    )


def _decide(
    chat: store.ChatSchedule, now: datetime, catch_up: timedelta
) -> tuple[datetime | None, str, datetime | None]:
    """The slot owed now (or None), its edition period, and the chat's next slot after it."""
    schedule = DigestSchedule.from_columns(
        chat.timezone, chat.digest_times, chat.frequency, chat.weekly_day, chat.last_digest_at
    )
    slot = due_slot(schedule, now, catch_up)
    if slot is not None and chat.last_digest_at is None and slot < chat.created_at:
        slot = None  # a new chat's first digest is its next slot, not the one just passed
    period = ""
    if slot is not None:
        period = period_key(slot, chat.timezone, schedule.digest_times)
        schedule = replace(schedule, last_digest_at=slot)
    return slot, period, next_slot(schedule, now)


def _next_for_preview(chat: store.ChatSchedule, now: datetime) -> datetime | None:
    if chat.frequency == "off":
        return None
    if chat.next_digest_at is not None and chat.next_digest_at > now:
        return chat.next_digest_at
    try:
        schedule = DigestSchedule.from_columns(
            chat.timezone, chat.digest_times, chat.frequency, chat.weekly_day, chat.last_digest_at
        )
    except (InvalidInput, ValueError):
        return None
    return next_slot(schedule, now)


def _window(last_digest_at: datetime | None, until: datetime) -> Window:
    since = last_digest_at if last_digest_at is not None else until - FIRST_WINDOW
    return Window(max(since, until - MAX_LOOKBACK), until)


def _count(n: int, noun: str) -> str:
    """``n`` and an English noun in its form for n: the CLI's lines ("1 digest", "2 chats")."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _local_when(moment: datetime, timezone: str, lang: str) -> str:
    local = moment.astimezone(ZoneInfo(timezone))
    comma = translator(lang)(", ")
    return f"{localized_date(moment, timezone, lang)}{comma}{local:%H:%M} ({timezone})"


class _Editor:
    """One tick's shared state: ranked candidates, article texts and rendered fragments.

    Its caches live as long as one tick and are bounded by what the tick reads (its articles,
    topics, zones); the rendered digests by ``_RENDER_CACHE`` entries.
    """

    def __init__(
        self, renderer: Renderer, names: dict[int, str], personal: set[int] | None = None
    ) -> None:
        self.renderer = renderer
        self.names = names
        self.personal = personal or set()  # keyword topics: their items say what matched
        self._facts: dict[int, StoryFacts] = {}
        self._matched: dict[tuple[int, int], str] = {}
        self.pool = TopicPool()
        self._covered: Window | None = None
        self._texts: dict[int, store.ArticleText] = {}
        self._items: dict[tuple[int, str, str, int | None], str] = {}
        self._fragments: dict[tuple[int, datetime, int, bool, str], str] = {}
        self._headings: dict[tuple[int, str], str] = {}
        self._headers: dict[tuple[str, str], str] = {}
        self._mute_labels: dict[tuple[int, str], Button] = {}
        self._local_dates: dict[tuple[datetime, str, str], str] = {}
        self._digests: OrderedDict[_Key, _Rendered] = OrderedDict()
        self._decisions: dict[tuple[object, ...], tuple[datetime | None, str, datetime | None]] = {}
        self._dates: dict[tuple[datetime, str], str] = {}

    async def cover(self, session: AsyncSession, windows: Collection[Window]) -> None:
        """Load the candidates of whatever part of ``windows`` is not loaded yet."""
        if not windows:
            return
        low = min(w.since for w in windows)
        high = max(w.until for w in windows)
        if self._covered is None:
            self.pool.add(await store.candidates(session, low, high))
            self._covered = Window(low, high)
            return
        if low < self._covered.since:
            self.pool.add(await store.candidates(session, low, self._covered.since))
        if high > self._covered.until:
            self.pool.add(await store.candidates(session, self._covered.until, high))
        self._covered = Window(min(low, self._covered.since), max(high, self._covered.until))

    async def load_texts(self, session: AsyncSession, plans: Iterable[tuple[Section, ...]]) -> None:
        """Fetch the texts of picked articles not fetched yet in this tick."""
        plans = list(plans)
        wanted = {p.article_id for sections in plans for s in sections for p in s.picks}
        missing = wanted - self._texts.keys()
        if missing:
            texts = await store.article_texts(session, missing)
            self._texts.update(texts)
            stories = {t.story_id for t in texts.values() if t.story_id is not None}
            if stories:
                self._facts.update(await story_facts(session, sorted(stories)))
        pairs = {
            (p.article_id, s.topic_id)
            for sections in plans
            for s in sections
            if s.topic_id in self.personal
            for p in s.picks
        } - self._matched.keys()
        if pairs:
            self._matched.update(await store.matched_keywords(session, pairs))

    def decide(
        self, chat: store.ChatSchedule, now: datetime, catch_up: timedelta
    ) -> tuple[datetime | None, str, datetime | None]:
        """:func:`_decide`, remembered: most chats share a zone, times and a last slot."""
        key = (
            chat.timezone,
            chat.digest_times,
            chat.frequency,
            chat.weekly_day,
            chat.last_digest_at,
            chat.created_at if chat.last_digest_at is None else None,
        )
        found = self._decisions.get(key)
        if found is None:
            found = self._decisions[key] = _decide(chat, now, catch_up)
        return found

    def date(self, slot: datetime, timezone: str, lang: str = DEFAULT_LANGUAGE) -> str:
        """The header's date for a slot in a zone, in ``lang``."""
        if lang == DEFAULT_LANGUAGE:
            found = self._dates.get((slot, timezone))
            if found is None:
                found = self._dates[(slot, timezone)] = local_date(slot, timezone)
            return found
        found = self._local_dates.get((slot, timezone, lang))
        if found is None:
            found = self._local_dates[(slot, timezone, lang)] = localized_date(slot, timezone, lang)
        return found

    def cached(self, key: _Key) -> _Rendered | None:
        """The digest rendered for these inputs earlier in the tick, if still kept."""
        found = self._digests.get(key)
        if found is not None:
            self._digests.move_to_end(key)
        return found

    def render(self, key: _Key, sections: tuple[Section, ...]) -> _Rendered:
        """Render and remember the digest for ``key``: its messages, none when empty and the
        chat wants no note."""
        topics, _, _, slot, date, lang, notify_empty, _, _ = key
        items = sum(len(s.picks) for s in sections)
        if items:
            header = self._headers.get((date, lang))
            if header is None:
                header = self.renderer.render(
                    "digest_header", lang=lang, preview=False, date=date, when=None
                )
                self._headers[(date, lang)] = header
            messages, buttons = self.split(header, sections, slot, lang)
        elif notify_empty:
            note = self.renderer.render(
                "digest_empty",
                lang=lang,
                preview=False,
                follows_nothing=not topics,
                date=date,
                when=None,
            )
            messages, buttons = (note,), ((),)
        else:
            messages, buttons = (), ()
        rendered = self._digests[key] = _Rendered(messages, items, buttons)
        if len(self._digests) > _RENDER_CACHE:
            self._digests.popitem(last=False)
        return rendered

    def split(
        self, header: str, sections: tuple[Section, ...], at: datetime, lang: str
    ) -> tuple[tuple[str, ...], tuple[tuple[Button, ...], ...]]:
        """The digest's messages and, for each, the Read buttons of its readable items and
        a "Mute <source>" button for each of its sources."""
        ids, fragments = self.stream(sections, at, lang)
        packed = pack_digest(header, fragments)
        buttons = tuple(
            tuple(
                self._read_button(ids[index], lang)
                for index in message.items
                if self._texts[ids[index]].readable
            )
            + self._mute_buttons([ids[index] for index in message.items], lang)
            for message in packed
        )
        return tuple(message.html for message in packed), buttons

    def _mute_buttons(self, article_ids: list[int], lang: str) -> tuple[Button, ...]:
        """ "Mute <source>" for each source of these articles, in order, at most MUTE_BUTTONS."""
        buttons: dict[int, Button] = {}
        for article_id in article_ids:
            text = self._texts[article_id]
            if not text.source_id or text.source_id in buttons:
                continue
            found = self._mute_labels.get((text.source_id, lang))
            if found is None:
                name = truncate(" ".join(text.source_name.split()), _MUTE_LABEL_SOURCE)
                label = translator(lang)("🔇 Mute %(source)s", source=name)
                found = Button(label, ButtonAction.MUTE_SOURCE, text.source_id)
                self._mute_labels[(text.source_id, lang)] = found
            buttons[text.source_id] = found
            if len(buttons) == MUTE_BUTTONS:
                break
        return tuple(buttons.values())

    def stream(
        self, sections: tuple[Section, ...], at: datetime, lang: str = DEFAULT_LANGUAGE
    ) -> tuple[list[int], list[str]]:
        """Items' article ids and HTML fragments; a heading travels with its first item."""
        ids: list[int] = []
        fragments: list[str] = []
        for section in sections:
            first = True
            for pick in section.picks:
                if pick.article_id not in self._texts:
                    continue  # deleted with its source since the tick ranked it
                ids.append(pick.article_id)
                fragments.append(self._fragment(pick, at, section.topic_id, first, lang))
                first = False
        return ids, fragments

    def _read_button(self, article_id: int, lang: str) -> Button:
        """The "Read: <title>" button: digest items are bullets, so the title names the item."""
        title = " ".join(self._texts[article_id].title.split())
        label = translator(lang)("Read: %(title)s", title=truncate(title, READ_LABEL_TITLE))
        return Button(label, ButtonAction.READ_ARTICLE, article_id)

    def _fragment(self, pick: Pick, at: datetime, topic_id: int, first: bool, lang: str) -> str:
        # Thousands of chats show the same headline at the same slot: one string for all,
        # so its parse in split_digest is cached too.
        key = (pick.article_id, at, topic_id, first, lang)
        found = self._fragments.get(key)
        if found is None:
            personal = topic_id if topic_id in self.personal else None
            shown_age = localized_age(pick.sort_at, at, lang)
            item = self._item(pick.article_id, shown_age, lang, personal)
            found = f"{self._heading(topic_id, lang)}\n{item}" if first else item
            self._fragments[key] = found
        return found

    def _heading(self, topic_id: int, lang: str) -> str:
        found = self._headings.get((topic_id, lang))
        if found is None:
            name = self.names.get(topic_id, "")
            found = self.renderer.render("digest_heading", lang=lang, topic=name)
            self._headings[(topic_id, lang)] = found
        return found

    def _item(self, article_id: int, shown_age: str, lang: str, personal: int | None) -> str:
        key = (article_id, shown_age, lang, personal)
        found = self._items.get(key)
        if found is None:
            text = self._texts[article_id]
            title = " ".join(text.title.split()) or "(untitled)"
            facts = self._facts.get(text.story_id) if text.story_id is not None else None
            others = [n for n in facts.sources if n != text.source_name] if facts else []
            view = ItemView(
                title=title,
                url=safe_link(text.url),
                source=text.source_name,
                age=shown_age,
                lead=one_line_lead(text.lead, text.summary, title),
                also=translator(lang).join(others[:ALSO_SHOWN]),
                also_more=max(0, len(others) - ALSO_SHOWN),
                matched=self._matched.get((article_id, personal), "") if personal else "",
            )
            found = self.renderer.render("digest_item", lang=lang, item=view)
            self._items[key] = found
        return found
