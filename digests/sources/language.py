"""Detect the language of article text, offline.

py3langid (a naive Bayes model over byte n-grams, bundled with the package, so nothing is
downloaded) was picked on the corpus figures in bench/results/language.md: every one of the 73
pages whose language is known right, 98.7% of 1,388 feed entries, about 5 ms for a 2,000
character article; lingua was as accurate on entries but 3-15 times slower and needed 1.5 GB
with its models loaded, langdetect was slower still. The model takes about a second to load,
so it is loaded once, on first use, and kept (one model, ~20 MB).
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

# Enough text to decide: more only costs time (the corpus figures hold at 2,000 characters).
MAX_CHARS = 2000
# Fewer letters than this is a guess, not a detection: a single name, a number, "Live".
MIN_LETTERS = 12
# The model knows regional varieties and languages with no two-letter code; these are the
# ones a reader would call by the two-letter name. The rest are left out of the vote.
_VARIETIES = {"arz": "ar", "ary": "ar", "uzs": "uz", "yue": "zh", "wuu": "zh", "hbo": "he"}


@functools.cache
def _identifier() -> LanguageIdentifier:
    """The model, loaded once (a cache of one entry); imported here, so a process that never
    detects a language never loads py3langid (~70 MB with its model)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE)
    known = set(identifier.labels)
    two_letter = {code for code in known if len(code) == 2}
    identifier.set_languages(sorted(two_letter | (known & _VARIETIES.keys())))
    # set_languages keeps the full model beside the restricted copy, for a later reset we
    # never make; letting it go returns 27 MB of the ~100 MB the model takes (measured).
    identifier._full_model = (identifier.nb_ptc, identifier.nb_pc, identifier.nb_classes)
    return identifier


def _letters(text: str) -> int:
    return sum(1 for ch in text if unicodedata.category(ch).startswith("L"))


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of the language ``text`` is written in, or None when there is too
    little text to tell."""
    sample = " ".join(text[: MAX_CHARS * 2].split())[:MAX_CHARS]
    if _letters(sample) < MIN_LETTERS:
        return None
    code, _ = _identifier().classify(sample)
    code = str(code)
    return _VARIETIES.get(code, code)


def article_sample(title: str, summary: str = "", text: str = "") -> str:
    """The part of an article detection reads: title, summary, then the text."""
    return "\n".join(part for part in (title, summary, text) if part)[:MAX_CHARS]


def detect_all(samples: Iterable[tuple[int, str]]) -> dict[int, str]:
    """Languages for many ``(id, text)`` pairs; ids whose language cannot be told are left out."""
    found: dict[int, str] = {}
    for key, sample in samples:
        code = detect_language(sample)
        if code is not None:
            found[key] = code
    return found
