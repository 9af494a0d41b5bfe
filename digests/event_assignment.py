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
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from digests.events import WINDOW, EventIndex, Member, Weights
from digests.eventtext import profile
from digests.store import events as event_store
from digests.types import NewArticle

log = logging.getLogger(__name__)

# Stories compared per new story: the ones sharing most lookup keys with it.
CANDIDATES = 40
# A key carried by more than this share of the window's stories finds too many to be worth
# reading ("Trump", "Iran" on a busy day); the story is still found by its rarer keys.
COMMON_SHARE = 0.02
COMMON_FLOOR = 50


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
            -1,
            article.source_id,
            article.sort_at,
            profile(article.title, article.summary, article.text, article.language),
        )
        for article, story_id in sorted(started, key=lambda s: (s[0].sort_at, s[1]))
    ]
    await event_store.count_terms(session, ((m.at, m.profile) for m in new))
    since = min(m.at for m in new) - window
    until = max(m.at for m in new) + window
    known = await event_store.frequencies(
        session, {k for m in new for k in m.profile.all_keys() | m.profile.numbers}, since, until
    )
    common = max(COMMON_FLOOR, int(known.documents * COMMON_SHARE))
    wanted: dict[int, list[int]] = {}
    for member in new:
        keys = [k for k in member.profile.lookup_keys() if known.count(k) <= common]
        wanted[member.story_id] = await event_store.candidates(
            session, keys, member.at - window, member.at + window, CANDIDATES
        )
    stored = await event_store.members(session, {s for ids in wanted.values() for s in ids})
    anchors = await event_store.first_stories(session, {m.event_id for m in stored})
    known = await event_store.frequencies(
        session, {k for m in [*stored, *anchors] for k in m.profile.all_keys()}, since, until, known
    )
    index = EventIndex(Weights(known))
    for member in stored:
        index.add(member)
    for anchor in anchors:
        index.add_anchor(anchor)
    placed: list[Member] = []
    joined = 0
    for member in new:
        batch = [m.story_id for m in placed]
        found = index.place(member, [*wanted[member.story_id], *batch])
        event_id = found.event_id
        if event_id is not None and await event_store.add_story(session, event_id, now):
            joined += 1
            member = Member(member.story_id, event_id, member.source_id, member.at, member.profile)
            index.add(member)
        else:
            event_id = await event_store.create_event(session, member.story_id, member.at, now)
            member = Member(member.story_id, event_id, member.source_id, member.at, member.profile)
            index.add(member, first=True)
        placed.append(member)
    await event_store.save_members(session, placed)
    log.debug("events: %d new, %d stories joined an event", len(placed) - joined, joined)
    return {m.story_id: m.event_id for m in placed}
