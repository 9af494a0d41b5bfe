"""Split a digest into Telegram messages that never break Telegram's message limits.

Telegram refuses a message whose text, after its HTML is parsed, is longer than 4096
characters, counted in UTF-16 code units (an emoji outside the BMP counts 2), and ignores
formatting entities past the 100th. A digest is a header and a list of items, each a piece of
well-formed Telegram HTML from the templates. Messages are cut only between items, so a
headline never straddles two messages; an item too long for a message on its own is shortened
at a word boundary with "…", its open tags closed, so the HTML stays valid.

Tags are walked with the standard library's ``html.parser``, never with regular expressions.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from typing import Literal

TEXT_LIMIT = 4096
ENTITY_LIMIT = 100
ELLIPSIS = "…"

_Kind = Literal["start", "end", "text"]


@dataclass(frozen=True, slots=True)
class _Token:
    kind: _Kind
    value: str  # the tag name, or the unescaped text
    raw: str = ""  # a start tag as written, attributes and all


@dataclass(frozen=True, slots=True)
class _Piece:
    """One parsed fragment: its HTML, what Telegram would count, and its tokens."""

    html: str
    length: int
    entities: int
    tokens: tuple[_Token, ...]

    @property
    def text(self) -> str:
        return "".join(t.value for t in self.tokens if t.kind == "text")


class _Walker(HTMLParser):
    """Turns Telegram HTML into tokens and checks that every tag is closed in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tokens: list[_Token] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tokens.append(_Token("start", tag, self.get_starttag_text() or f"<{tag}>"))
        self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise ValueError(f"Telegram HTML has no self-closing tags, got <{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            expected = f"</{self.open[-1]}>" if self.open else "no closing tag"
            raise ValueError(f"not well-formed HTML: </{tag}> where {expected} was due")
        self.open.pop()
        self.tokens.append(_Token("end", tag))

    def handle_data(self, data: str) -> None:
        if self.tokens and self.tokens[-1].kind == "text":
            data = self.tokens.pop().value + data
        self.tokens.append(_Token("text", data))


def split_digest(
    header: str,
    items: Sequence[str],
    *,
    limit: int = TEXT_LIMIT,
    max_entities: int = ENTITY_LIMIT,
    separator: str = "\n\n",
) -> list[str]:
    """Pack ``header`` and ``items`` into as few messages as fit, in order.

    The header opens the first message only; items are joined by ``separator``. Every message
    has at most ``limit`` characters of text and ``max_entities`` formatting tags. Raises
    ValueError if any fragment is not well-formed HTML (a template bug, not user input).
    """
    packed = pack_digest(header, items, limit=limit, max_entities=max_entities, separator=separator)
    return [message.html for message in packed]


@dataclass(frozen=True, slots=True)
class Packed:
    """One message of a split digest and the positions (in ``items``) of the items it holds."""

    html: str
    items: tuple[int, ...]


def pack_digest(
    header: str,
    items: Sequence[str],
    *,
    limit: int = TEXT_LIMIT,
    max_entities: int = ENTITY_LIMIT,
    separator: str = "\n\n",
) -> list[Packed]:
    """:func:`split_digest`, saying which items went into each message (for its buttons)."""
    if limit < 2 or max_entities < 1:
        raise ValueError("limit must be at least 2 and max_entities at least 1")
    sep = _parse(separator)
    messages: list[Packed] = []
    parts: list[str] = []
    held: list[int] = []
    used_length = used_entities = 0

    def room() -> tuple[int, int]:
        gap = (sep.length, sep.entities) if parts else (0, 0)
        return limit - used_length - gap[0], max_entities - used_entities - gap[1]

    def add(piece: _Piece, index: int | None = None) -> None:
        nonlocal used_length, used_entities
        if parts:
            used_length += sep.length
            used_entities += sep.entities
        parts.append(piece.html)
        if index is not None:
            held.append(index)
        used_length += piece.length
        used_entities += piece.entities

    def flush() -> None:
        nonlocal used_length, used_entities
        if parts:
            messages.append(Packed(separator.join(parts), tuple(held)))
        parts.clear()
        held.clear()
        used_length = used_entities = 0

    pieces = [_parse(item) for item in items]
    head = _fit(_parse(header), limit, max_entities) if header else None
    # Most digests fit in one message: then the loop below would add every piece in turn.
    whole = [head, *pieces] if head is not None else pieces
    if whole and (
        sum(p.length for p in whole) + sep.length * (len(whole) - 1) <= limit
        and sum(p.entities for p in whole) + sep.entities * (len(whole) - 1) <= max_entities
    ):
        return [Packed(separator.join([p.html for p in whole]), tuple(range(len(pieces))))]
    if head is not None:
        add(head)
    for index, piece in enumerate(pieces):
        free_length, free_entities = room()
        if piece.length <= free_length and piece.entities <= free_entities:
            add(piece, index)
        elif piece.length <= limit and piece.entities <= max_entities:
            flush()  # whole items never straddle two messages
            add(piece, index)
        elif free_length >= limit // 2 and free_entities >= max_entities // 2:
            add(_fit(piece, free_length, free_entities), index)  # shortened anyway: use this room
        else:
            flush()
            add(_fit(piece, limit, max_entities), index)
    flush()
    return messages


def visible_length(fragment: str) -> int:
    """The length Telegram counts for this HTML: tags removed, entities decoded, in UTF-16."""
    return _parse(fragment).length


def entity_count(fragment: str) -> int:
    """How many formatting entities this HTML makes: one per tag pair (``<pre><code>`` counts
    two where Telegram counts one, which errs on the safe side)."""
    return _parse(fragment).entities


def visible_text(fragment: str) -> str:
    """The text Telegram shows for this HTML: tags removed, entities decoded."""
    return _parse(fragment).text


# The same headline goes to thousands of chats in one run: parse each fragment once.
@lru_cache(maxsize=4096)
def _parse(fragment: str) -> _Piece:
    """Cached: at most 4,096 fragments (a digest item or message, ~0.5-4 KB each with its
    tokens, so a few MB at most), least recently used dropped first."""
    walker = _Walker()
    walker.feed(fragment)
    walker.close()
    if walker.open:
        raise ValueError(f"not well-formed HTML: <{walker.open[-1]}> is never closed")
    tokens = tuple(walker.tokens)
    text = "".join(t.value for t in tokens if t.kind == "text")
    entities = sum(1 for t in tokens if t.kind == "start")
    return _Piece(fragment, _utf16_length(text), entities, tokens)


def _fit(piece: _Piece, max_length: int, max_entities: int) -> _Piece:
    """``piece`` unchanged if it fits, else shortened to fit with "…", tags still balanced."""
    if piece.length <= max_length and piece.entities <= max_entities:
        return piece
    text = piece.text
    cut = _cut_position(text, piece.tokens, max_length - len(ELLIPSIS), max_entities)
    out: list[str] = []
    open_tags: list[str] = []
    position = 0
    for token in piece.tokens:
        if token.kind == "start":
            if position >= cut:
                break  # whatever it would hold is cut off
            out.append(token.raw)
            open_tags.append(token.value)
        elif token.kind == "end":
            out.append(f"</{token.value}>")
            open_tags.pop()
        else:
            kept = token.value[: cut - position]
            out.append(html.escape(kept, quote=False))
            position += len(kept)
            if len(kept) < len(token.value):
                break
    out.append(ELLIPSIS)
    out.extend(f"</{tag}>" for tag in reversed(open_tags))
    return _parse("".join(out))


def _cut_position(text: str, tokens: Sequence[_Token], budget: int, max_entities: int) -> int:
    """Where to cut ``text`` (in code points): within budget, before the tag past the entity
    limit, at the last word boundary unless that throws away more than half."""
    hard = 0
    used = 0
    for char in text:
        used += 2 if ord(char) > 0xFFFF else 1
        if used > budget:
            break
        hard += 1
    position = opened = 0
    for token in tokens:
        if token.kind == "text":
            position += len(token.value)
        elif token.kind == "start":
            opened += 1
            if opened > max_entities:
                hard = min(hard, position)
                break
    if hard >= len(text):
        return hard
    space = max((i for i in range(hard, -1, -1) if text[i].isspace()), default=-1)
    if space > hard // 2 and text[:space].rstrip():
        return len(text[:space].rstrip())
    # No usable word boundary: cut inside the word, but not inside a combined character.
    while hard > 0 and _joins(text, hard):
        hard -= 1
    return hard


def _joins(text: str, index: int) -> bool:
    """Whether ``text[index]`` belongs to the character before it (accent, ZWJ sequence)."""
    char, before = text[index], text[index - 1]
    return bool(unicodedata.combining(char)) or char in "\u200d\ufe0f" or before == "\u200d"


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
