"""Cut an article's plain text into message-sized parts at paragraph boundaries.

A stored text holds one paragraph a line (``extract.py``) or, from a feed, one long line. Parts
are packed from whole paragraphs; a paragraph longer than a part is cut between sentences,
and a sentence longer than a part between words, so nothing is lost and no word is broken
(unless a "word" is longer than a part). Lengths are counted as Telegram counts them, in
UTF-16 code units; the caller sets the budget, leaving room for what surrounds the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SENTENCE_END = re.compile(r"(?<=[.!?؟…。])\s+")
PARAGRAPH_GAP = "\n\n"


@dataclass(frozen=True, slots=True)
class Pages:
    """The parts to send, each paragraphs joined by a blank line, and whether text was left
    out because it needed more than the allowed number of parts."""

    parts: tuple[str, ...]
    cut: bool = False


def paginate(text: str, budget: int, *, max_parts: int) -> Pages:
    """``text`` in at most ``max_parts`` parts of at most ``budget`` UTF-16 units each."""
    if budget < 1 or max_parts < 1:
        raise ValueError("budget and max_parts must be at least 1")
    pieces: list[str] = []
    for paragraph in paragraphs(text):
        pieces.extend(_cut(paragraph, budget))
    parts = _pack(pieces, budget, PARAGRAPH_GAP)
    return Pages(tuple(parts[:max_parts]), cut=len(parts) > max_parts)


def paragraphs(text: str) -> list[str]:
    """The non-empty lines of ``text``, white space inside each collapsed."""
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def utf16_length(text: str) -> int:
    """How long Telegram counts ``text``: characters outside the BMP count two."""
    return len(text.encode("utf-16-le")) // 2


def _cut(paragraph: str, budget: int) -> list[str]:
    """``paragraph`` as pieces within ``budget``: whole if it fits, else by sentence, then word."""
    if utf16_length(paragraph) <= budget:
        return [paragraph]
    sentences: list[str] = []
    for sentence in _SENTENCE_END.split(paragraph):
        if utf16_length(sentence) <= budget:
            sentences.append(sentence)
        else:
            sentences.extend(_pack(_words(sentence, budget), budget, " "))
    return _pack(sentences, budget, " ")


def _words(sentence: str, budget: int) -> list[str]:
    """The words of ``sentence``; one longer than ``budget`` is cut into ``budget`` pieces."""
    words: list[str] = []
    for word in sentence.split(" "):
        while utf16_length(word) > budget:
            head = _head(word, budget)
            words.append(head)
            word = word[len(head) :]
        if word:
            words.append(word)
    return words


def _head(word: str, budget: int) -> str:
    """The longest start of ``word`` within ``budget`` units (at least one character)."""
    used = end = 0
    for char in word:
        used += 2 if ord(char) > 0xFFFF else 1
        if used > budget:
            break
        end += 1
    return word[: max(end, 1)]


def _pack(pieces: list[str], budget: int, gap: str) -> list[str]:
    """Join consecutive ``pieces`` with ``gap`` into as few strings within ``budget`` as fit."""
    packed: list[str] = []
    current: list[str] = []
    used = 0
    for piece in pieces:
        size = utf16_length(piece)
        extra = size + (len(gap) if current else 0)
        if current and used + extra > budget:
            packed.append(gap.join(current))
            current, used = [], 0
            extra = size
        current.append(piece)
        used += extra
    if current:
        packed.append(gap.join(current))
    return packed
