"""Event grouping: whether a new story reports the same happening as a recent one.

Copy detection (:mod:`digests.stories`) joins copies of one text; this joins different
outlets' own write-ups of one event, so a reader sees one item, "also: BBC, Al Jazeera".
Two stories are compared by the cosine of their TF-IDF vectors over folded lemmas
(:mod:`digests.eventtext`), of the whole opening and of the title alone, whichever is higher;
IDF comes from the document frequencies of the last days (the caller's
:class:`Frequencies`), so this week's common words ("Iran", "talks") weigh less than a rare
name. The score loses ``DRIFT`` per hour past ``DRIFT_AFTER`` apart (reports of one event
come within hours; a similar story a day later is more often the next development), loses
``DAY_CLASH`` when both name a weekday and the days differ, and ``SAME_SOURCE`` when one
outlet wrote both (an outlet rarely writes one event up twice in two days, but often covers
the next day's development). Two stories must also share a name or a number, unless the
score is ``STRONG``.

A story joins the event of the story it resembles most when the score reaches ``JOIN`` and
it still resembles the event's first story (``ANCHOR``), which keeps an event from drifting
along a chain of follow-ups. Two events are never merged afterwards: on the labeled pairs,
merging an event with another that a new story resembled too gained recall and lost more
precision, and a wrong merge hides news, so every threshold errs on the side of a miss.
Measured on the labeled pairs in ``tests/digests/data/events`` (see its README, which lists
the figures and the pairs that still fail).

Pure and in memory: :class:`EventIndex` holds one batch's candidates, as
:class:`~digests.stories.StoryIndex` does; the store finds them.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from digests.eventtext import Profile

WINDOW = timedelta(hours=48)
JOIN = 0.33
ANCHOR = 0.10
STRONG = 0.45
NAMES = 2.0  # the IDF of the shared names must add up to this (one rare name, two common ones)
DRIFT_AFTER = 12.0  # hours
DRIFT = 0.3 / 36  # per hour past DRIFT_AFTER: 0.3 less at two days apart
DAY_CLASH = 0.1
SAME_SOURCE = 0.2
# Stories compared per new story: the ones sharing most lookup keys with it.
CANDIDATES = 12
# A key carried by more stories of the window than this finds too many to be worth reading
# ("Trump", "Iran" on a busy day); the story is still found by its rarer keys (a name, a
# number, an unusual title word). A fixed bound keeps the cost per story flat however many
# stories the window holds.
COMMON = 50


class Frequencies(Protocol):
    """Document frequencies: in how many of ``documents`` recent stories each key occurs."""

    documents: int

    def count(self, key: int) -> int:
        """How many stories have ``key`` (0 when unknown)."""
        ...


@dataclass(frozen=True, slots=True)
class Member:
    """A story as event grouping knows it."""

    story_id: int
    event_id: int
    source_id: int
    at: datetime  # when it happened, as well as we know: its claimed date, else first sight
    profile: Profile


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a new story goes: an existing event, or (``event_id`` None) a new one."""

    event_id: int | None
    score: float = 0.0
    like_story: int | None = None  # the story it resembles most


def hours_apart(a: datetime, b: datetime) -> float:
    """Hours between two instants."""
    return abs((a - b).total_seconds()) / 3600


def _date_only(at: datetime) -> bool:
    return at.hour == at.minute == at.second == at.microsecond == 0


def _weekdays(at: datetime, days: int) -> set[date]:
    """The dates of the weekdays named in a story dated ``at`` (the last such day up to it)."""
    found = set()
    for weekday in range(7):
        if days & (1 << weekday):
            found.add(at.date() - timedelta(days=(at.weekday() - weekday) % 7))
    return found


class Weights:
    """TF-IDF vectors of profiles, with IDF from ``frequencies``; a vector is kept per story
    for the life of the object (one batch)."""

    def __init__(self, frequencies: Frequencies) -> None:
        self.frequencies = frequencies
        self._frequencies = frequencies
        self._idf: dict[int, float] = {}
        self._vectors: dict[tuple[int, bool], dict[int, float]] = {}

    def idf(self, key: int) -> float:
        """Inverse document frequency of ``key``, never below 1 (a smoothed IDF plus one)."""
        found = self._idf.get(key)
        if found is None:
            n = self._frequencies.documents
            found = math.log((n + 1) / (self._frequencies.count(key) + 1)) + 1
            self._idf[key] = found
        return found

    def vector(self, member: Member, *, title: bool = False) -> Mapping[int, float]:
        """The unit TF-IDF vector of the story's opening (or of its title alone)."""
        if member.profile.weighted:
            return member.profile.title if title else member.profile.terms
        cache_key = (member.story_id, title)
        found = self._vectors.get(cache_key)
        if found is None:
            counts = member.profile.title if title else member.profile.terms
            raw = {k: (1 + math.log(n)) * self.idf(k) for k, n in counts.items()}
            norm = math.sqrt(sum(v * v for v in raw.values())) or 1.0
            found = {k: v / norm for k, v in raw.items()}
            self._vectors[cache_key] = found
        return found

    def weighted(self, member: Member) -> Profile:
        """``member``'s profile with its unit TF-IDF vectors in place of counts: what is
        stored, so later batches compare with it without its terms' frequencies."""
        found = member.profile
        if found.weighted:
            return found
        return Profile(
            terms=self.vector(member),
            title=self.vector(member, title=True),
            names=found.names,
            numbers=found.numbers,
            days=found.days,
            weighted=True,
            head=found.head,
        )

    def score(self, a: Member, b: Member, *, shared: bool = True) -> float | None:
        """How much ``a`` and ``b`` look like one event (see the module doc), or None when
        they cannot be: too far apart in time, or (``shared``) sharing no name, number nor
        enough words."""
        hours = hours_apart(a.at, b.at)
        if hours > WINDOW.total_seconds() / 3600:
            return None
        value = max(
            _cosine(self.vector(a), self.vector(b)),
            _cosine(self.vector(a, title=True), self.vector(b, title=True)),
        )
        if _date_only(a.at) or _date_only(b.at):
            hours = max(0.0, hours - 24)  # a date without a time is any time of that day
        value -= DRIFT * max(0.0, hours - DRIFT_AFTER)
        days_a, days_b = _weekdays(a.at, a.profile.days), _weekdays(b.at, b.profile.days)
        if days_a and days_b and not days_a & days_b:
            value -= DAY_CLASH
        if a.source_id == b.source_id:
            value -= SAME_SOURCE
        if value >= STRONG or not shared:
            return value
        if a.profile.numbers & b.profile.numbers:
            return value
        n = self._frequencies.documents
        names = a.profile.names & b.profile.names
        weight = sum(math.log((n + 1) / (self._frequencies.count(k) + 1)) for k in names)
        return value if weight >= NAMES else None


def _cosine(a: Mapping[int, float], b: Mapping[int, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(k, 0.0) for k, v in a.items())


@dataclass(slots=True)
class EventIndex:
    """The recent stories a batch of new ones may belong with, and their events' first stories.

    Not thread-safe; built per batch and dropped after it.
    """

    weights: Weights
    members: dict[int, Member] = field(default_factory=dict)  # by story id
    anchors: dict[int, Member] = field(default_factory=dict)  # by event id

    def add(self, member: Member, *, first: bool = False) -> None:
        """Remember ``member``; ``first``: it opened its event."""
        self.members[member.story_id] = member
        if first:
            self.anchors[member.event_id] = member

    def add_anchor(self, member: Member) -> None:
        """Remember the first story of an event (which may be outside the candidates)."""
        self.anchors[member.event_id] = member

    def place(self, story: Member, candidates: Iterable[int] | None = None) -> Placement:
        """The event ``story`` belongs to among the known ones (or ``candidates``, story ids)."""
        ids = self.members.keys() if candidates is None else candidates
        best: dict[int, tuple[float, int]] = {}
        for story_id in ids:
            other = self.members.get(story_id)
            if other is None or other.story_id == story.story_id:
                continue
            value = self.weights.score(story, other)
            if value is None or value < JOIN:
                continue
            if other.event_id not in best or value > best[other.event_id][0]:
                best[other.event_id] = (value, story_id)
        ranked = sorted(
            ((value, event_id, like) for event_id, (value, like) in best.items()),
            key=lambda found: (-found[0], found[1]),
        )
        for value, event_id, like in ranked:
            if self._near_anchor(story, event_id):
                return Placement(event_id, value, like)
        return Placement(None)

    def _near_anchor(self, story: Member, event_id: int) -> bool:
        anchor = self.anchors.get(event_id)
        if anchor is None or anchor.story_id == story.story_id:
            return True
        if hours_apart(anchor.at, story.at) > WINDOW.total_seconds() / 3600:
            return False
        value = self.weights.score(story, anchor, shared=False)
        return value is not None and value >= ANCHOR


def candidates(
    member: Member,
    keys: Iterable[int],
    posted: Mapping[int, Sequence[tuple[int, datetime]]],
    window: timedelta = WINDOW,
) -> list[int]:
    """The ``CANDIDATES`` stories within ``window`` of ``member`` sharing most of ``keys``
    (``posted``: key -> the stories that have it, with their times), most shared first."""
    shared: Counter[int] = Counter()
    for key in keys:
        for story, at in posted.get(key, ()):
            if abs(at - member.at) <= window:
                shared[story] += 1
    ranked = sorted(shared.items(), key=lambda found: (-found[1], -found[0]))
    return [story for story, _ in ranked[:CANDIDATES]]
