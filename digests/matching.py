"""Match article text to topics by whole words and phrases, in time linear in the text.

Keywords are never regular expressions: text and keywords are normalised the same way and cut
into words, and a topic's phrases are looked up in one dictionary while walking the text once.
The cost is O(words x longest phrase), however many topics there are.

Arabic words are folded to one form before they are compared: diacritics dropped, the spelling
variants of alef, taa marbuta and alef maqsura unified, and the prefixes a keyword never
carries but running text does (و "and", the article ال and the prepositions fused with it:
بال، لل، كال، فال، وال) cut off, as in Larkey's "light10" stemmer, so "العراق", "عراق",
"والعراق" and "بالعراق" are one word to matching. Each word is folded in constant time.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from digests.echo import shorten
from digests.errors import InvalidInput
from digests.i18n import N_
from digests.types import TopicInfo

_WORD = re.compile(r"\w+")
# Arabic harakat, tanwin, shadda, sukun, superscript alef, and the tatweel used for stretching.
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
# Letters written more than one way: hamza and madda forms of alef (أ إ آ ٱ) are alef, taa
# marbuta (ة) is haa, alef maqsura (ى) and the Persian yeh (ی) are yaa, the Persian kaf is kaf.
_ARABIC_LETTERS = str.maketrans(
    {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ی": "ي", "ک": "ك"}
)
# The article and the one-letter prepositions or conjunctions fused with it, longest first.
_ARTICLES = ("وال", "بال", "كال", "فال", "لل", "ال")
MAX_PHRASE_WORDS = 6
MAX_KEYWORD_CHARS = 80

# Where a keyword was found weighs how strongly an article is about the topic.
_FIELD_WEIGHTS = (("title", 3.0), ("summary", 2.0), ("text", 1.0))
# How strongly an item of a chat's own feed matches that chat's feed topic: as one keyword
# in a title does, so feed items rank beside topic matches (digests.user_feeds).
FEED_STRENGTH = 3.0


def normalize(text: str) -> str:
    """Fold case and compatibility forms, drop Arabic diacritics and unify Arabic letter
    variants, so forms compare equal."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _ARABIC_MARKS.sub("", folded).translate(_ARABIC_LETTERS)


def _is_arabic(word: str) -> bool:
    return "\u0600" <= word[0] <= "\u06ff"


def arabic_stem(word: str) -> str:
    """``word`` without the conjunction و and the definite article (with its fused
    preposition), when enough of a word is left; other words come back unchanged.

    Expects a normalised word. The length limits are light10's: they keep short words such
    as "وصل" or "الى" whole.
    """
    if not word or not _is_arabic(word):
        return word
    if len(word) >= 4 and word[0] == "و":
        word = word[1:]
    for article in _ARTICLES:
        if word.startswith(article) and len(word) - len(article) >= 2:
            return word[len(article) :]
    return word


def words(text: str) -> list[str]:
    """The normalised words of ``text``, in order (Arabic words without their prefixes)."""
    return [arabic_stem(word) for word in _WORD.findall(normalize(text))]


def search_words(text: str) -> list[str]:
    """:func:`words`, also without Latin accents ("café" is "cafe"): the form /search indexes
    and looks up, so a query finds what matching would, on SQLite and PostgreSQL alike."""
    found = words(text)
    return [word if word.isascii() else _without_accents(word) for word in found]


def _without_accents(word: str) -> str:
    bare = "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare)


def parse_keywords(raw: str | Iterable[str], *, required: bool = True) -> tuple[str, ...]:
    """Split a comma-separated keyword list into clean, de-duplicated phrases.

    Raises InvalidInput when a phrase has no letters or digits, is too long, or (with
    ``required``) when there is no phrase at all.
    """
    parts = raw.split(",") if isinstance(raw, str) else list(raw)
    phrases: list[str] = []
    seen: set[tuple[str, ...]] = set()
    for part in parts:
        phrase = " ".join(part.split())
        if not phrase:
            continue
        key = tuple(words(phrase))
        if not key:
            raise InvalidInput(
                N_("The keyword “%(keyword)s” has no letters or digits."),
                keyword=shorten(phrase),
            )
        if len(phrase) > MAX_KEYWORD_CHARS or len(key) > MAX_PHRASE_WORDS:
            raise InvalidInput(
                N_(
                    "The keyword “%(keyword)s” is too long: at most %(words)d words, "
                    "%(chars)d characters."
                ),
                keyword=shorten(phrase, 30),
                words=MAX_PHRASE_WORDS,
                chars=MAX_KEYWORD_CHARS,
            )
        if key not in seen:
            seen.add(key)
            phrases.append(phrase)
    if required and not phrases:
        raise InvalidInput(N_("Give at least one keyword, e.g. syria, damascus."))
    return tuple(phrases)


@dataclass(frozen=True, slots=True)
class TopicMatch:
    """An article matched a topic: how strongly, and by which keywords."""

    topic_id: int
    strength: float
    matched: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MatchableText:
    """The parts of an article that matching reads."""

    title: str
    summary: str = ""
    text: str = ""


class TopicMatcher:
    """An index from phrase to topics, built once and used for many articles."""

    def __init__(self, topics: Sequence[TopicInfo]) -> None:
        self._include: dict[tuple[str, ...], list[tuple[int, str]]] = {}
        self._exclude: dict[tuple[str, ...], list[int]] = {}
        self._longest = 1
        for topic in topics:
            for phrase in topic.keywords:
                key = tuple(words(phrase))
                if key:
                    self._include.setdefault(key, []).append((topic.id, phrase))
                    self._longest = max(self._longest, len(key))
            for phrase in topic.exclude:
                key = tuple(words(phrase))
                if key:
                    self._exclude.setdefault(key, []).append(topic.id)
                    self._longest = max(self._longest, len(key))

    def match(self, article: MatchableText) -> list[TopicMatch]:
        """The topics this article matches, strongest first."""
        strength: dict[int, float] = {}
        matched: dict[int, dict[str, None]] = {}
        excluded: set[int] = set()
        for field, weight in _FIELD_WEIGHTS:
            seen_here: set[tuple[int, str]] = set()
            tokens = words(getattr(article, field))
            for start in range(len(tokens)):
                for size in range(1, min(self._longest, len(tokens) - start) + 1):
                    key = tuple(tokens[start : start + size])
                    for topic_id in self._exclude.get(key, ()):
                        excluded.add(topic_id)
                    for topic_id, phrase in self._include.get(key, ()):
                        if (topic_id, phrase) in seen_here:
                            continue
                        seen_here.add((topic_id, phrase))
                        strength[topic_id] = strength.get(topic_id, 0.0) + weight
                        matched.setdefault(topic_id, {})[phrase] = None
        results = [
            TopicMatch(topic_id, strength[topic_id], tuple(matched[topic_id]))
            for topic_id in strength
            if topic_id not in excluded
        ]
        results.sort(key=lambda m: (-m.strength, m.topic_id))
        return results
