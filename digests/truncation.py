"""Plain text cut to a length at a word boundary, marked with "…": the one way the bot shortens."""

from __future__ import annotations

ELLIPSIS = "…"


def truncate(text: str, limit: int, *, trailing: str | None = None) -> str:
    """``text`` cut to ``limit`` characters at a word boundary, marked with "…" if cut.

    The cut moves back to the last space when that keeps more than half of ``limit``; what
    ``trailing`` lists (whitespace by default) is then stripped before the "…", so a cut never
    ends in "word, …".
    """
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(trailing) + ELLIPSIS
