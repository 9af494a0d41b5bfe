"""What a user typed, as a reply may quote it: one line, at most ``ECHO_CHARS`` characters.

Every reply that repeats user input goes through :func:`shorten`, so no argument, however
long, can push a reply past Telegram's 4,096 characters.
"""

from __future__ import annotations

from digests.truncation import truncate

ECHO_CHARS = 80


def shorten(text: str, limit: int = ECHO_CHARS) -> str:
    """``text`` on one line, cut at a word boundary to ``limit`` characters ("…" if cut)."""
    return truncate(" ".join(text.split()), limit)
