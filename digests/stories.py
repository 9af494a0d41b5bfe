"""Near-duplicate detection: which stored story, if any, a new article is a copy of.

Pure and in memory: text is normalised and cut into word 3-shingles, summarised by a 128-value
MinHash (:mod:`digests.minhash`, datasketch's affine32 scheme), and looked up in LSH bands; a
candidate the index returns is kept only when the estimated Jaccard similarity confirms it, so a
chance band collision never merges two stories. Texts too short to shingle reliably (headline-only
feed items) are matched by their exact normalised title instead, only across sources and only
within a few days, because a source's recurring titles ("Morning briefing") are not one story.

Measured on the corpus (bench/stories.py, bench/results/stories.md): every copy with 5% of
its words changed, and every copy with 10% changed, is found; no two distinct
articles merge, including separate write-ups of one event.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy (~11 MB) is imported by the first signature, not by every process
    from digests.minhash import Sketch

NUM_PERM = 128
SHINGLE_WORDS = 3
# LSH bands x rows. Copies with 10% of their words changed keep a Jaccard of about 0.55 and
# separate write-ups of one event stay under 0.13, so candidates are wanted from about 0.4 up:
# 16 bands of 2 rows find a pair at J=0.44 with p=0.97, at 0.55 with p=0.997. Fewer, wider
# bands than datasketch's optimum for 0.3 (37 x 3) cost a few more candidate checks but use
# 5 KiB of index per article instead of 12 (bench/results/stories.md).
LSH_BANDS = (16, 2)
# A candidate must reach this estimated Jaccard to join a story (std error ~0.04 at 128 perms).
# 0.4 measured: 0 false merges, recall 100% at 10% edits; 0.3 merged a same-outlet follow-up.
CONFIRM_JACCARD = 0.4
# Fewer words than this give too few shingles: one edit changes the estimate wildly.
MIN_WORDS = 30
TITLE_MIN_WORDS = 5
TITLE_WINDOW = timedelta(days=3)
# How far back copies are recognised. The keys live in the database (``story_keys``), not in
# memory: in memory the index took about 5 KiB per article, ~100 MB a week at 3,000 a day.
DEFAULT_WINDOW = timedelta(days=7)
# "first reported" is shown when the story was first seen this much earlier than the copy.
REPUBLISHED_AFTER = timedelta(days=1)

_SEED = 1
# Stored signatures start with this byte: the shingling and hashing scheme that made them.
# Signatures of another version are ignored when the index is rebuilt.
SIGNATURE_VERSION = 1


def words(text: str) -> list[str]:
    """``text`` as comparable words: NFKC, case-folded, punctuation and symbols dropped.

    Combining marks (Arabic harakat, for one) and invisible format characters are removed,
    so a copy with or without diacritics reads the same.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(_fold_char(ch) for ch in folded).split()


def _fold_char(ch: str) -> str:
    category = unicodedata.category(ch)
    if category in {"Mn", "Me", "Cf"}:
        return ""
    return " " if category[0] in "PSZC" else ch


def best_text(title: str, summary: str, text: str) -> str:
    """The text a copy is recognised by: the article text, else title and summary."""
    return text if text.strip() else f"{title}\n{summary}"


def shingles(tokens: list[str], size: int = SHINGLE_WORDS) -> set[bytes]:
    """The distinct runs of ``size`` consecutive words, as UTF-8 bytes for hashing."""
    if len(tokens) < size:
        return {" ".join(tokens).encode()} if tokens else set()
    return {" ".join(tokens[i : i + size]).encode() for i in range(len(tokens) - size + 1)}


def signature(text: str) -> Sketch | None:
    """The MinHash of ``text``'s shingles, or None when it is too short to compare by text."""
    tokens = words(text)
    if len(tokens) < MIN_WORDS:
        return None
    from digests.minhash import Sketch

    return Sketch.of(shingles(tokens), num_perm=NUM_PERM, seed=_SEED)


def encode_signature(sketch: Sketch) -> bytes:
    """``sketch`` as bytes to store: a version byte, then 128 little-endian uint32 values."""
    return bytes([SIGNATURE_VERSION]) + sketch.to_bytes()


def decode_signature(data: bytes) -> Sketch | None:
    """A stored signature, or None when it was made by another scheme (or is damaged)."""
    if len(data) != 1 + NUM_PERM * 4 or data[0] != SIGNATURE_VERSION:
        return None
    from digests.minhash import Sketch

    return Sketch.from_bytes(data[1:], _SEED)


def similarity(a: Sketch, b: Sketch) -> float:
    """The estimated Jaccard similarity of the two shingle sets."""
    return a.jaccard(b)


def lookup_keys(sketch: Sketch | None, title: str | None) -> list[int]:
    """The 64-bit keys an article is found by in a stored index: one per LSH band of
    ``sketch`` (two copies sharing any key are candidates, exactly as in :class:`StoryIndex`)
    and one for its ``title`` key. Signed, so they fit a BIGINT column."""
    bands = _band_keys(sketch) if sketch is not None else ()
    return [*bands, *_title_keys(title)]


def _band_keys(sketch: Sketch) -> Iterator[int]:
    for band, data in enumerate(sketch.bands(*LSH_BANDS)):
        yield _key(bytes([SIGNATURE_VERSION, band]) + data)


def _title_keys(title: str | None) -> Iterator[int]:
    if title is not None:
        yield _key(b"title:" + title.encode())


def _key(data: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little", signed=True)


def title_key(title: str) -> str | None:
    """The normalised title that identifies a headline-only copy, or None if too generic."""
    tokens = words(title)
    return " ".join(tokens) if len(tokens) >= TITLE_MIN_WORDS else None


def first_report_shown(copy_at: datetime, story_first_at: datetime) -> bool:
    """Whether a copy dated ``copy_at`` should say when and where its story was first reported."""
    return story_first_at < copy_at - REPUBLISHED_AFTER


def is_new_story(story_first_seen_at: datetime | None, since: datetime, until: datetime) -> bool:
    """Whether a copy counts as news in the window (``since``, ``until``]: its story was first
    seen inside it. A copy of a story seen before the window (a republished report, a late
    outlet) is not news again; a copy without a story counts by its own first sighting,
    which the caller passes as ``story_first_seen_at``."""
    return story_first_seen_at is not None and since < story_first_seen_at <= until


@dataclass(frozen=True, slots=True)
class Copy:
    """An article as the index knows it: which story it belongs to, and how to recognise it."""

    article_id: int
    story_id: int
    source_id: int
    seen_at: datetime
    sketch: Sketch | None = None
    title: str | None = None  # the title_key, for headline-only matching


@dataclass(frozen=True, slots=True)
class Match:
    """Why a new article joins an existing story."""

    story_id: int
    article_id: int  # the copy it resembles most
    similarity: float  # estimated Jaccard; 1.0 for an exact title match
    by: str  # "text" or "title"


class StoryIndex:
    """Copies searchable by MinHash LSH (two copies are candidates when all ``rows`` values
    of any of the first ``bands`` bands are equal) and by title, in memory.

    Ingest builds one per batch of new articles from the candidates the stored keys point to
    (``digests.ingest``), so it holds a few hundred copies at most and is dropped after the
    batch; nothing grows with the articles seen. Not thread-safe.
    """

    def __init__(
        self,
        *,
        bands: tuple[int, int] = LSH_BANDS,
        confirm: float = CONFIRM_JACCARD,
    ) -> None:
        if bands[0] < 1 or bands[1] < 1 or bands[0] * bands[1] > NUM_PERM:
            raise ValueError(f"{bands} bands x rows do not fit {NUM_PERM} values")
        self.confirm = confirm
        self._rows = bands[1]
        self._buckets: list[dict[bytes, set[int]]] = [{} for _ in range(bands[0])]
        self._copies: dict[int, Copy] = {}
        self._titles: dict[str, list[int]] = {}

    def __len__(self) -> int:
        return len(self._copies)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._copies

    def get(self, article_id: int) -> Copy | None:
        """The copy known by this article id, if any."""
        return self._copies.get(article_id)

    def add(self, copy: Copy) -> None:
        """Remember ``copy`` (again: a known article id is replaced)."""
        if copy.article_id in self._copies:
            self.discard(copy.article_id)
        self._copies[copy.article_id] = copy
        if copy.sketch is not None:
            for bucket, band in zip(self._buckets, self._bands(copy.sketch), strict=True):
                bucket.setdefault(band, set()).add(copy.article_id)
        if copy.title is not None:
            self._titles.setdefault(copy.title, []).append(copy.article_id)

    def discard(self, article_id: int) -> None:
        """Forget one article, if known."""
        copy = self._copies.pop(article_id, None)
        if copy is None:
            return
        if copy.sketch is not None:
            for bucket, band in zip(self._buckets, self._bands(copy.sketch), strict=True):
                members = bucket.get(band, set())
                members.discard(article_id)
                if not members:
                    bucket.pop(band, None)
        if copy.title is not None:
            ids = self._titles.get(copy.title, [])
            if article_id in ids:
                ids.remove(article_id)
            if not ids:
                self._titles.pop(copy.title, None)

    def forget_before(self, cutoff: datetime) -> int:
        """Drop copies seen before ``cutoff`` (keeps memory bounded); returns how many."""
        old = [a for a, c in self._copies.items() if c.seen_at < cutoff]
        for article_id in old:
            self.discard(article_id)
        return len(old)

    def match(
        self, sketch: Sketch | None, title: str | None, source_id: int, seen_at: datetime
    ) -> Match | None:
        """The story a new article belongs to, or None for a new story.

        By text first: the LSH candidates whose estimated Jaccard reaches ``confirm``, best
        first. Else, by title: an identical normalised title from another source seen within
        :data:`TITLE_WINDOW` (the earliest such copy).
        """
        if sketch is not None:
            best: Match | None = None
            for article_id in self._candidates(sketch):
                known = self._copies.get(article_id)
                if known is None or known.sketch is None:
                    continue
                score = similarity(sketch, known.sketch)
                if score < self.confirm:
                    continue
                if best is None or (score, -article_id) > (best.similarity, -best.article_id):
                    best = Match(known.story_id, article_id, score, "text")
            if best is not None:
                return best
        if title is not None:
            for article_id in self._titles.get(title, ()):
                known = self._copies[article_id]
                if known.source_id != source_id and abs(seen_at - known.seen_at) <= TITLE_WINDOW:
                    return Match(known.story_id, article_id, 1.0, "title")
        return None

    def _bands(self, sketch: Sketch) -> list[bytes]:
        return sketch.bands(len(self._buckets), self._rows)

    def _candidates(self, sketch: Sketch) -> set[int]:
        found: set[int] = set()
        for bucket, band in zip(self._buckets, self._bands(sketch), strict=True):
            found |= bucket.get(band, set())
        return found
