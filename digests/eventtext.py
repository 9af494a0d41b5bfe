"""What an article is compared by when events are grouped: folded lemmas, names, numbers.

An event is recognised by what different write-ups of it share: the names in them (people,
places, organisations), their numbers (34 women and children, 11 killed, aged 84) and the
content words of the title and the opening (lemmatised, so "talks" meets "talk" and
"وإيران" meets "إيران"). Lemmas come from simplemma (offline, its word lists ship in the
package) for the article's detected language, English or Arabic among them. A word's first
five letters are kept beside it (``P:ukrai`` joins "Ukraine" and "Ukrainian").

Pure: text in, a :class:`Profile` out. Terms are 64-bit hashes, so a stored profile is
small (about 1 KB) and the same key names a term in the database's document frequencies.
"""

from __future__ import annotations

import functools
import hashlib
import re
import struct
from array import array
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from digests.stories import words

# Words of the opening compared: a feed summary, or the first paragraphs of a page (on the
# labeled pairs 600 kept every manifest story_cluster in one event, 150 and 300 did not).
LEAD_WORDS = 600
# A title word counts this many times: titles say what happened, leads add context.
TITLE_WEIGHT = 3
PREFIX = 5
# Words of the opening whose names and numbers a story is found by, with its title's.
HEAD_WORDS = 40
# Terms kept per story: its most frequent ones bound a stored profile to ~2 KB.
MAX_TERMS = 200


def _set(text: str) -> frozenset[str]:
    return frozenset(text.split())


_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = _set(
    "january february march april may june july august september october november december"
)
_YEAR = re.compile(r"(?:19|20)\d\d")
# A capitalised word, an initialism (U.S., U.N.) or a run of them: a name.
_NAME = re.compile(r"(?:[A-Z](?:\.[A-Z])+\.?|[A-Z][\w'’-]*)")
_NUMBER = re.compile(r"\d[\d,.]*\d|\d")
# Articles, pronouns, auxiliaries and reporting words: they say nothing about the event.
_STOP_EN = _set(
    """a about above after again against all also am an and any are as at be been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers him his how i if in into is it its itself
    just me more most my no nor not now of off on once only or other our out over own same
    she should so some such than that the their them then there these they this those through
    to too under until up us very was we were what when where which while who whom why will
    with would you your new says said say told according after amid week day days year years
    time one two first last people mr ms report reports latest news live update updates"""
)
_STOP_AR = _set(
    """في من على إلى الى عن أن ان إن مع هذا هذه ذلك تلك التي الذي الذين كان كانت يكون قد لا
    لم لن ما ماذا هل و أو او ثم بعد قبل خلال حتى منذ عند بين كل بعض أي اي هو هي هم نحن أنه انه
    أنها انها وقال قال قالت يقول تقول وفق وفقا حيث كما أيضا ايضا اليوم أمس يوم عام العام ليس
    غير لدى عبر إذ اذا إذا وقد فقد به بها له لها لهم فيه فيها منه منها عليه عليها"""
)
_STOP = _STOP_EN | _STOP_AR
_LEMMA_LANGUAGES = frozenset({"ar", "en", "de", "es", "fr", "it", "pt", "nl", "ru", "tr", "fa"})
# A language written without capitals: its "names" are its title words.
_CASELESS = frozenset({"ar", "fa", "ur", "he", "zh", "ja", "ko", "th"})


def term_key(term: str) -> int:
    """The signed 64-bit key of ``term``, as stored (fits a BIGINT column)."""
    digest = hashlib.blake2b(term.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


@functools.lru_cache(maxsize=65536)
def _lemma(word: str, language: str) -> str:
    import simplemma  # imported by the first lemma: ingest needs it, other processes never do

    try:
        return str(simplemma.lemmatize(word, lang=language))
    except ValueError:  # a language simplemma does not know
        return word


@dataclass(frozen=True, slots=True)
class Profile:
    """An article as event grouping compares it.

    ``terms`` counts the content lemmas of the title (``TITLE_WEIGHT`` times each) and of the
    opening, with their five-letter prefixes; ``title`` counts the title's alone. ``names``
    are the capitalised words (every title lemma in a caseless script), ``numbers`` the
    numbers other than years, ``days`` a bit per weekday named (Monday = bit 0).

    A ``weighted`` profile holds, in ``terms`` and ``title``, unit TF-IDF vectors instead of
    counts: what is stored, so a later comparison needs no frequencies of the stored terms.
    """

    terms: Mapping[int, float]
    title: Mapping[int, float]
    names: frozenset[int]
    numbers: frozenset[int]
    days: int = 0
    weighted: bool = False
    # The names and numbers of the title and the first ``HEAD_WORDS`` words, which a story is
    # found by (with its title words). Known when the profile is made; not stored.
    head: frozenset[int] = frozenset()

    def all_keys(self) -> set[int]:
        """Every key whose document frequency the comparison needs."""
        return {*self.terms, *self.title, *self.names}

    def lookup_keys(self) -> set[int]:
        """The keys candidates are found by: title words, and the names and numbers of the
        title and the opening's first words."""
        return {*self.title, *self.head}

    def to_bytes(self) -> bytes:
        """A compact encoding (see :meth:`from_bytes`): a flag byte, then each table as a
        count, its int64 keys and its values (float32 when weighted, else uint8 counts)."""
        values = "f" if self.weighted else "B"
        parts = [bytes([(self.days & 0x7F) | (0x80 if self.weighted else 0)])]
        for table in (self.terms, self.title):
            keys = sorted(table)
            parts.append(struct.pack("<H", len(keys)))
            parts.append(array("q", keys).tobytes())
            found = [table[k] if self.weighted else min(int(table[k]), 255) for k in keys]
            parts.append(array(values, found).tobytes())
        for members in (self.names, self.numbers):
            parts.append(struct.pack("<H", len(members)))
            parts.append(array("q", sorted(members)).tobytes())
        return b"".join(parts)

    @classmethod
    def from_bytes(cls, data: bytes) -> Profile:
        """A profile stored by :meth:`to_bytes` (little-endian machines, as the bot runs on)."""
        weighted = bool(data[0] & 0x80)
        kind, size = ("f", 4) if weighted else ("B", 1)
        at = 1
        tables: list[dict[int, float]] = []
        for _ in range(2):
            (count,) = struct.unpack_from("<H", data, at)
            at += 2
            keys = array("q", data[at : at + 8 * count])
            at += 8 * count
            values = array(kind, data[at : at + size * count])
            at += size * count
            tables.append(dict(zip(keys, values, strict=True)))
        sets: list[frozenset[int]] = []
        for _ in range(2):
            (count,) = struct.unpack_from("<H", data, at)
            at += 2
            sets.append(frozenset(array("q", data[at : at + 8 * count])))
            at += 8 * count
        return cls(tables[0], tables[1], sets[0], sets[1], data[0] & 0x7F, weighted)


def profile(title: str, summary: str, text: str, language: str | None) -> Profile:
    """The profile of an article from its title, feed summary, text and detected language."""
    lang = language if language in _LEMMA_LANGUAGES else None
    opening = summary if summary.strip() else text
    if text.strip() and text.strip() != summary.strip() and len(opening.split()) < LEAD_WORDS:
        opening = f"{opening}\n{text}"
    opening = " ".join(opening.split()[: LEAD_WORDS * 2])  # words() below cuts it exactly
    title_words = _content(words(title), lang)
    lead_words = _content(words(opening)[:LEAD_WORDS], lang)
    counts: Counter[str] = Counter(lead_words)
    for word in title_words:
        counts[word] += TITLE_WEIGHT
    for word, n in list(counts.items()):
        if len(word) > PREFIX:
            counts["P:" + word[:PREFIX]] += n
    shown = f"{title}\n{opening}"
    first = f"{title}\n{' '.join(opening.split()[:HEAD_WORDS])}"
    if language in _CASELESS:
        names = head_names = {"n:" + w for w in title_words}
    else:
        names = {"n:" + w for w in _names(shown)}
        head_names = {"n:" + w for w in _names(first)}
    numbers = _numbers(shown)
    head = {term_key(k) for k in head_names | _numbers(first)}
    folded = set(words(shown))
    days = sum(1 << i for i, day in enumerate(_DAYS) if day in folded)
    kept = counts.most_common(MAX_TERMS)  # ties keep the earlier word: the title's, the lead's
    return Profile(
        terms={term_key(w): n for w, n in kept},
        title={term_key(w): n for w, n in Counter(title_words).items()},
        names=frozenset(term_key(n) for n in names),
        numbers=frozenset(term_key(n) for n in numbers),
        days=days,
        head=frozenset(head),
    )


def _numbers(text: str) -> set[str]:
    found = (n.replace(",", "") for n in _NUMBER.findall(text))
    return {"#:" + n for n in found if not _YEAR.fullmatch(n)}


def _content(tokens: list[str], lang: str | None) -> list[str]:
    found = []
    for token in tokens:
        if token in _STOP or token.isdigit() or len(token) < 2:
            continue
        lemma = _lemma(token, lang) if lang else token
        if lemma not in _STOP:
            found.append(lemma)
    return found


def _names(text: str) -> set[str]:
    found = set()
    for match in _NAME.finditer(text):
        for word in words(match.group(0).replace(".", "")):
            if word not in _STOP and word not in _MONTHS and word not in _DAYS:
                found.add(word)
    return found
