"""SQL for events: Event rows, the stories' profiles and lookup keys, and term frequencies.

Plain functions that take the session first and never commit: the caller owns the unit of work.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from digests.events import Member
from digests.eventtext import Profile
from digests.models import Event, EventKey, EventProfile, EventTerm, Story

_IN_CHUNK = 500
_INSERT_CHUNK = 2000
STORIES_KEY = 0  # the event_terms key that counts a day's stories


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
        statement = upsert(EventTerm)
        statement = statement.on_conflict_do_update(
            index_elements=[EventTerm.key, EventTerm.day],
            set_={"stories": EventTerm.stories + statement.excluded.stories},
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


async def candidates(
    session: AsyncSession, keys: Collection[int], since: datetime, until: datetime, limit: int
) -> list[int]:
    """The stories between ``since`` and ``until`` sharing most of ``keys``, at most ``limit``."""
    wanted = sorted(set(keys))
    shared: Counter[int] = Counter()
    for start in range(0, len(wanted), _IN_CHUNK):
        rows = await session.execute(
            select(EventKey.story_id, func.count())
            .where(
                EventKey.key.in_(wanted[start : start + _IN_CHUNK]),
                EventKey.at >= since,
                EventKey.at <= until,
            )
            .group_by(EventKey.story_id)
        )
        shared.update({int(story): int(n) for story, n in rows.all()})
    return [story for story, _ in sorted(shared.items(), key=lambda s: (-s[1], -s[0]))[:limit]]


async def members(session: AsyncSession, story_ids: Collection[int]) -> list[Member]:
    """The stored profiles of these stories, with their events."""
    ids = sorted(set(story_ids))
    found: list[Member] = []
    for start in range(0, len(ids), _IN_CHUNK):
        rows = await session.execute(
            select(
                EventProfile.story_id,
                EventProfile.event_id,
                EventProfile.source_id,
                EventProfile.at,
                EventProfile.profile,
            ).where(EventProfile.story_id.in_(ids[start : start + _IN_CHUNK]))
        )
        found.extend(
            Member(story, event, source, at, Profile.from_bytes(bytes(data)))
            for story, event, source, at, data in rows.all()
        )
    return found


async def first_stories(session: AsyncSession, event_ids: Collection[int]) -> list[Member]:
    """The first story of each of these events (those whose profile is still stored)."""
    ids = sorted(set(event_ids))
    firsts: list[int] = []
    for start in range(0, len(ids), _IN_CHUNK):
        rows = await session.execute(
            select(Event.first_story_id).where(Event.id.in_(ids[start : start + _IN_CHUNK]))
        )
        firsts.extend(int(story) for story in rows.scalars())
    return await members(session, firsts)


async def create_event(session: AsyncSession, story_id: int, at: datetime, now: datetime) -> int:
    """A new event whose first story is ``story_id``; returns its id."""
    event_id = await session.scalar(
        insert(Event)
        .values(first_story_id=story_id, first_at=at, story_count=1, updated_at=now)
        .returning(Event.id)
    )
    assert event_id is not None  # RETURNING of an INSERT always yields the row
    return int(event_id)


async def add_story(session: AsyncSession, event_id: int, now: datetime) -> bool:
    """Count one more story in the event; False if the event is not there."""
    result = await session.execute(
        update(Event)
        .where(Event.id == event_id)
        .values(story_count=Event.story_count + 1, updated_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


async def save_members(session: AsyncSession, placed: Collection[Member]) -> None:
    """Store the placed stories: their event on the story, profile and lookup keys."""
    if not placed:
        return
    await session.execute(
        update(Story), [{"id": m.story_id, "event_id": m.event_id} for m in placed]
    )
    await session.execute(
        insert(EventProfile),
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
        await session.execute(insert(EventKey), keys[start : start + _INSERT_CHUNK])


def window_days(at: datetime, window: timedelta) -> tuple[datetime, datetime]:
    """The first and last instants whose stories a story dated ``at`` is compared with."""
    return at - window, at + window
