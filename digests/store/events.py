"""SQL for events: Event rows, the stories' profiles and lookup keys, and term frequencies.

Plain functions that take the session first and never commit: the caller owns the unit of work.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import ColumnElement, Table, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from digests.events import Member
from digests.eventtext import Profile
from digests.models import Event, EventKey, EventProfile, EventTerm, Story

_IN_CHUNK = 900  # SQLite allows 999 bound values in older builds
_INSERT_CHUNK = 2000
STORIES_KEY = 0  # the event_terms key that counts a day's stories
# Bulk writes go through the tables, not the ORM's bulk layer (a third of the time per story).
_TERMS = cast(Table, EventTerm.__table__)
_PROFILES = cast(Table, EventProfile.__table__)
_KEYS = cast(Table, EventKey.__table__)
_STORIES = cast(Table, Story.__table__)
_EVENTS = cast(Table, Event.__table__)


def day_of(at: datetime) -> datetime:
    """The UTC midnight starting ``at``'s day: the bucket its terms are counted in."""
    at = at.astimezone(UTC)
    return datetime(at.year, at.month, at.day, tzinfo=UTC)


@dataclass(slots=True)
class StoredFrequencies:
    """Document frequencies read from ``event_terms`` (see ``digests.events.Frequencies``)."""

    documents: int
    counts: dict[int, int]

    def count(self, key: int) -> int:
        """How many stories of the window have ``key``."""
        return self.counts.get(key, 0)


async def count_terms(session: AsyncSession, profiles: Iterable[tuple[datetime, Profile]]) -> None:
    """Add each profile's keys (and one story) to the counts of its day."""
    counted: Counter[tuple[int, datetime]] = Counter()
    for at, profile in profiles:
        day = day_of(at)
        counted[(STORIES_KEY, day)] += 1
        for key in profile.all_keys():
            counted[(key, day)] += 1
    if not counted:
        return
    rows = [{"key": k, "day": d, "stories": n} for (k, d), n in sorted(counted.items())]
    upsert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    for start in range(0, len(rows), _INSERT_CHUNK):
        statement = upsert(_TERMS)
        statement = statement.on_conflict_do_update(
            index_elements=["key", "day"],
            set_={"stories": _TERMS.c.stories + statement.excluded.stories},
        )
        await session.execute(statement, rows[start : start + _INSERT_CHUNK])


async def frequencies(
    session: AsyncSession,
    keys: Collection[int],
    since: datetime,
    until: datetime,
    known: StoredFrequencies | None = None,
) -> StoredFrequencies:
    """The counts of ``keys`` over the days from ``since`` to ``until``, added to ``known``."""
    found = known if known is not None else StoredFrequencies(0, {})
    wanted = sorted(set(keys) - found.counts.keys() - {STORIES_KEY})
    if known is None:
        wanted.append(STORIES_KEY)
    days = (EventTerm.day >= day_of(since), EventTerm.day <= day_of(until))
    for start in range(0, len(wanted), _IN_CHUNK):
        chunk = wanted[start : start + _IN_CHUNK]
        rows = await session.execute(
            select(EventTerm.key, func.sum(EventTerm.stories))
            .where(EventTerm.key.in_(chunk), *days)
            .group_by(EventTerm.key)
        )
        summed = {int(key): int(n or 0) for key, n in rows.all()}
        for key in chunk:
            if key == STORIES_KEY:
                found.documents = summed.get(key, 0)
            else:
                found.counts[key] = summed.get(key, 0)
    return found


async def postings(
    session: AsyncSession, keys: Collection[int], since: datetime, until: datetime
) -> dict[int, list[tuple[int, datetime]]]:
    """The stories between ``since`` and ``until`` that have each of ``keys``: key ->
    [(story id, when it happened)]. One query for a whole batch's keys."""
    wanted = sorted(set(keys))
    found: dict[int, list[tuple[int, datetime]]] = {}
    for start in range(0, len(wanted), _IN_CHUNK):
        rows = await session.execute(
            select(EventKey.key, EventKey.story_id, EventKey.at).where(
                EventKey.key.in_(wanted[start : start + _IN_CHUNK]),
                EventKey.at >= since,
                EventKey.at <= until,
            )
        )
        for key, story, at in rows.all():
            found.setdefault(int(key), []).append((int(story), at))
    return found


async def members(session: AsyncSession, story_ids: Collection[int]) -> list[Member]:
    """The stored profiles of these stories, with their events."""
    ids = sorted(set(story_ids))
    found: list[Member] = []
    for start in range(0, len(ids), _IN_CHUNK):
        chunk = ids[start : start + _IN_CHUNK]
        found.extend(await _profiles(session, EventProfile.story_id.in_(chunk)))
    return found


async def _profiles(session: AsyncSession, where: ColumnElement[bool]) -> list[Member]:
    rows = await session.execute(
        select(
            EventProfile.story_id,
            EventProfile.event_id,
            EventProfile.source_id,
            EventProfile.at,
            EventProfile.profile,
        ).where(where)
    )
    return [
        Member(story, event, source, at, Profile.from_bytes(bytes(data)))
        for story, event, source, at, data in rows.all()
    ]


async def first_stories(session: AsyncSession, event_ids: Collection[int]) -> list[Member]:
    """The first story of each of these events (those whose profile is still stored)."""
    ids = sorted(set(event_ids))
    found: list[Member] = []
    for start in range(0, len(ids), _IN_CHUNK):
        firsts = select(Event.first_story_id).where(Event.id.in_(ids[start : start + _IN_CHUNK]))
        found.extend(await _profiles(session, EventProfile.story_id.in_(firsts)))
    return found


async def create_events(
    session: AsyncSession, firsts: Sequence[tuple[int, datetime]], now: datetime
) -> list[int]:
    """New events, one per (first story id, when it happened); returns their ids in order."""
    if not firsts:
        return []
    rows = await session.execute(
        insert(Event).returning(Event.id, sort_by_parameter_order=True),
        [
            {"first_story_id": story, "first_at": at, "story_count": 1, "updated_at": now}
            for story, at in firsts
        ],
    )
    return [int(event_id) for event_id in rows.scalars()]


async def add_stories(session: AsyncSession, counts: Mapping[int, int], now: datetime) -> None:
    """Count more stories in events (event id -> how many joined), in one statement."""
    if not counts:
        return
    events = _EVENTS
    await session.execute(
        update(events)
        .where(events.c.id == bindparam("event"))
        .values(story_count=events.c.story_count + bindparam("joined"), updated_at=now),
        [{"event": event_id, "joined": n} for event_id, n in sorted(counts.items())],
    )


async def save_members(session: AsyncSession, placed: Collection[Member]) -> None:
    """Store the placed stories: their event on the story, profile and lookup keys."""
    if not placed:
        return
    stories = _STORIES
    await session.execute(
        update(stories)
        .where(stories.c.id == bindparam("story"))
        .values(event_id=bindparam("event")),
        [{"story": m.story_id, "event": m.event_id} for m in placed],
    )
    await session.execute(
        insert(_PROFILES),
        [
            {
                "story_id": m.story_id,
                "event_id": m.event_id,
                "source_id": m.source_id,
                "at": m.at,
                "profile": m.profile.to_bytes(),
            }
            for m in placed
        ],
    )
    keys = [
        {"key": key, "story_id": m.story_id, "at": m.at}
        for m in placed
        for key in m.profile.lookup_keys()
    ]
    for start in range(0, len(keys), _INSERT_CHUNK):
        await session.execute(insert(_KEYS), keys[start : start + _INSERT_CHUNK])
