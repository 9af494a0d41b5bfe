"""Putting new stories in events, in the transaction that stores them (after copy detection).

Only a story's first article is compared (a copy joins its story, and with it the story's
event). Nothing is kept in memory between batches: each batch counts its terms into
``event_terms``, reads the document frequencies of the window, finds its candidates through
``event_keys`` (at most ``CANDIDATES`` stories per new story, by shared title words, names
and numbers), loads their profiles and their events' first stories, and places its stories
one by one with :class:`~digests.events.EventIndex`, dropped after the batch. So the process
does not grow with the stories it has seen, and several processes on one database agree.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from digests.events import COMMON, WINDOW, EventIndex, Member, Weights, candidates
from digests.eventtext import profile
from digests.store import events as event_store
from digests.types import NewArticle

log = logging.getLogger(__name__)


async def assign_events(
    session: AsyncSession,
    started: Sequence[tuple[NewArticle, int]],
    now: datetime,
    *,
    window: timedelta = WINDOW,
) -> dict[int, int]:
    """Put each new story (its first article, its story id) in an event; returns story id ->
    event id. A story joins the event of the recent story it reports the same thing as
    (``digests.events``), else opens a new event."""
    if not started:
        return {}
    new = [
        Member(
            story_id,
            0,
            article.source_id,
            article.sort_at,
            profile(article.title, article.summary, article.text, article.language),
        )
        for article, story_id in sorted(started, key=lambda s: (s[0].sort_at, s[1]))
    ]
    await event_store.count_terms(session, ((m.at, m.profile) for m in new))
    since = min(m.at for m in new) - window
    until = max(m.at for m in new) + window
    keys = {k for m in new for k in m.profile.all_keys() | m.profile.numbers}
    known = await event_store.frequencies(session, keys, since, until)
    lookup = {
        m.story_id: [k for k in m.profile.lookup_keys() if known.count(k) <= COMMON] for m in new
    }
    posted = await event_store.postings(
        session, {k for keys in lookup.values() for k in keys}, since, until
    )
    wanted = {m.story_id: candidates(m, lookup[m.story_id], posted, window) for m in new}
    stored = await event_store.members(session, {s for ids in wanted.values() for s in ids})
    anchors = await event_store.first_stories(session, {m.event_id for m in stored})
    weights = Weights(known)
    index = EventIndex(weights)
    for member in stored:
        index.add(member)
    for anchor in anchors:
        index.add_anchor(anchor)
    # New events get ids when inserted together at the end; until then, negative stand-ins.
    placed: list[Member] = []
    opened: list[Member] = []
    joined: Counter[int] = Counter()
    for member in new:
        found = index.place(member, [*wanted[member.story_id], *(m.story_id for m in placed)])
        event_id = found.event_id if found.event_id is not None else -1 - len(opened)
        member = Member(
            member.story_id, event_id, member.source_id, member.at, weights.weighted(member)
        )
        index.add(member, first=found.event_id is None)
        if found.event_id is None:
            opened.append(member)
        elif event_id > 0:
            joined[event_id] += 1
        placed.append(member)
    ids = await event_store.create_events(session, [(m.story_id, m.at) for m in opened], now)
    real = {-1 - n: event_id for n, event_id in enumerate(ids)}
    placed = [
        Member(m.story_id, real.get(m.event_id, m.event_id), m.source_id, m.at, m.profile)
        for m in placed
    ]
    await event_store.add_stories(session, joined, now)
    await event_store.save_members(session, placed)
    log.debug("events: %d new, %d stories joined an event", len(opened), len(placed) - len(opened))
    return {m.story_id: m.event_id for m in placed}
