"""Scoring event grouping on the labeled pairs in ``tests/digests/data/events``.

The items are corpus feed entries and pages (referenced, read from the shared corpus as
ingest reads them) and hand-written Arabic reports (stored with their text). Every item goes
through :class:`~digests.events.EventIndex` in date order, as ingest would place each new
story; a labeled pair counts as grouped when both items end in one event. Precision and
recall are pairwise, reported separately for English, Arabic and cross-language pairs.
Document frequencies come from every corpus feed entry and page plus the Arabic items: the
stand-in for the days of news a running bot counts.
"""

from __future__ import annotations

import json
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from digests.errors import FeedParseError
from digests.events import COMMON, EventIndex, Member, Weights, candidates
from digests.eventtext import Profile, profile
from digests.sources.parse import parse_feed


@dataclass(frozen=True, slots=True)
class Item:
    """One labeled article: enough to compare it as ingest would."""

    id: str
    source: str
    language: str
    at: datetime
    title: str
    summary: str
    text: str


@dataclass(frozen=True, slots=True)
class Pair:
    """Two items and whether they report one event (None: related, not scored)."""

    a: str
    b: str
    same: bool | None
    kind: str


@dataclass(slots=True)
class Figures:
    """Pairwise counts of one group of pairs."""

    true_pos: int = 0
    false_pos: int = 0
    false_neg: int = 0
    true_neg: int = 0
    failures: list[tuple[str, Pair]] = field(default_factory=list)

    @property
    def pairs(self) -> int:
        """Scored pairs."""
        return self.true_pos + self.false_pos + self.false_neg + self.true_neg

    @property
    def precision(self) -> float:
        """Grouped pairs that are one event, of all grouped pairs (1.0 when none grouped)."""
        grouped = self.true_pos + self.false_pos
        return self.true_pos / grouped if grouped else 1.0

    @property
    def recall(self) -> float:
        """Same-event pairs grouped, of all same-event pairs (1.0 when there are none)."""
        same = self.true_pos + self.false_neg
        return self.true_pos / same if same else 1.0

    def line(self, name: str) -> str:
        """One printable line of figures."""
        return (
            f"{name}: {self.pairs} pairs ({self.true_pos + self.false_neg} same event), "
            f"precision {self.precision:.3f}, recall {self.recall:.3f} "
            f"(TP {self.true_pos}, FP {self.false_pos}, FN {self.false_neg})"
        )


class CorpusFrequencies:
    """Document frequencies counted over a fixed set of profiles."""

    def __init__(self, profiles: Iterable[Profile]) -> None:
        counts: Counter[int] = Counter()
        documents = 0
        for found in profiles:
            documents += 1
            counts.update(found.all_keys())
        self.documents = documents
        self._counts = counts

    def count(self, key: int) -> int:
        """How many profiles have ``key``."""
        return self._counts.get(key, 0)


def load_items(data: Path, corpus: Path) -> dict[str, Item]:
    """The labeled items: corpus references read from ``corpus``, Arabic items as stored."""
    items: dict[str, Item] = {}
    feeds: dict[str, list[object]] = {}
    for line in (data / "items.jsonl").read_text().splitlines():
        row = json.loads(line)
        at = datetime.fromisoformat(row["published"])
        if row["id"].startswith("page:"):
            text = (corpus / row["file"].replace(".html", ".expected.txt")).read_text()
            items[row["id"]] = Item(
                row["id"], row["source"], row["language"], at, row["title"], "", text
            )
            continue
        name = row["file"]
        if name not in feeds:
            body = (corpus / name).read_bytes()
            feeds[name] = list(parse_feed(body, url=f"https://corpus.test/{name}").entries)
        entry = feeds[name][int(row["id"].rsplit(":", 1)[1])]
        title = str(getattr(entry, "title", ""))
        if title != row["title"]:
            raise ValueError(
                f"{row['id']}: the corpus entry is now {title!r}, not {row['title']!r}"
            )
        items[row["id"]] = Item(
            row["id"],
            row["source"],
            row["language"],
            at,
            title,
            str(getattr(entry, "summary", "")),
            str(getattr(entry, "text", "")),
        )
    written = data / "arabic.jsonl"
    if written.exists():
        for line in written.read_text().splitlines():
            row = json.loads(line)
            items[row["id"]] = Item(
                row["id"],
                row["source"],
                row["language"],
                datetime.fromisoformat(row["published"]),
                row["title"],
                row["summary"],
                "",
            )
    return items


def load_pairs(data: Path) -> list[Pair]:
    """The labeled pairs of every file ``*pairs.jsonl`` in ``data``."""
    pairs = []
    for path in sorted(data.glob("*pairs.jsonl")):
        for line in path.read_text().splitlines():
            row = json.loads(line)
            pairs.append(Pair(row["a"], row["b"], row["same"], row["kind"]))
    return pairs


def background(corpus: Path, items: Iterable[Item]) -> CorpusFrequencies:
    """Document frequencies over every feed entry and page of the corpus, and ``items``."""
    profiles = [profile(i.title, i.summary, i.text, i.language) for i in items]
    for path in sorted((corpus / "feeds").iterdir()):
        if path.name.endswith((".feed-rs.json", ".fastfeedparser.json")):
            continue
        try:
            feed = parse_feed(path.read_bytes(), url=f"https://corpus.test/{path.name}")
        except FeedParseError:  # the corpus keeps broken feeds on purpose
            continue
        profiles.extend(profile(e.title, e.summary, e.text, None) for e in feed.entries)
    return CorpusFrequencies(profiles)


def group(items: Sequence[Item], weights: Weights) -> dict[str, int]:
    """Each item's event, placing the items one by one in date order as ingest would: the
    candidates found by the same lookup keys (those in at most ``COMMON`` items)."""
    index = EventIndex(weights)
    event_of: dict[str, int] = {}
    posted: dict[int, list[tuple[int, datetime]]] = {}
    next_event = 0
    frequencies = weights.frequencies
    for number, item in enumerate(sorted(items, key=lambda i: (i.at, i.id))):
        found = profile(item.title, item.summary, item.text, item.language)
        source = zlib.crc32(item.source.encode())
        member = Member(number, -1, source, item.at, found)
        keys = [k for k in found.lookup_keys() if frequencies.count(k) <= COMMON]
        placed = index.place(member, candidates(member, keys, posted))
        for key in found.lookup_keys():
            posted.setdefault(key, []).append((number, item.at))
        if placed.event_id is None:
            event_id = next_event
            next_event += 1
            index.add(Member(number, event_id, source, item.at, found), first=True)
        else:
            event_id = placed.event_id
            index.add(Member(number, event_id, source, item.at, found))
        event_of[item.id] = event_id
    return event_of


def language_group(pair: Pair, items: dict[str, Item]) -> str:
    """ "en", "ar" or "cross": the languages of the pair's two items."""
    languages = {items[pair.a].language, items[pair.b].language}
    if len(languages) > 1:
        return "cross"
    return "ar" if languages == {"ar"} else "en"


def evaluate(data: Path, corpus: Path) -> dict[str, Figures]:
    """Figures per language group (see :func:`language_group`) over the scored pairs."""
    items = load_items(data, corpus)
    weights = Weights(background(corpus, items.values()))
    event_of = group(list(items.values()), weights)
    figures: dict[str, Figures] = {"en": Figures(), "ar": Figures(), "cross": Figures()}
    for pair in load_pairs(data):
        if pair.same is None:
            continue
        found = figures[language_group(pair, items)]
        grouped = event_of[pair.a] == event_of[pair.b]
        if grouped and pair.same:
            found.true_pos += 1
        elif grouped:
            found.false_pos += 1
            found.failures.append(("wrongly grouped", pair))
        elif pair.same:
            found.false_neg += 1
            found.failures.append(("missed", pair))
        else:
            found.true_neg += 1
    return figures
