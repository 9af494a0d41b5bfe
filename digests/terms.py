"""The query language /follow and /search share: words, "quoted phrases" and ``-excluded`` words.

Telegram clients turn straight quotes into typographic ones and ``--`` into dashes, so every
kind of double quote opens or closes a phrase and every dash excludes. Only the splitting
lives here; each command checks the pieces against its own limits.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from digests.errors import InvalidInput
from digests.i18n import N_

# All of these open or close a phrase. Single curly quotes are left alone: they are
# apostrophes far more often than quotes.
_QUOTES = str.maketrans(dict.fromkeys("“”„‟«»″〝〞＂", '"'))
# Clients also turn "--" into dashes, and some keyboards type the minus sign.
EXCLUDE_MARKS = ("-", "−", "–", "—")


@dataclass(frozen=True, slots=True)
class Terms:
    """What a query asks for, as typed: the words or phrases to find and to leave out."""

    include: tuple[str, ...]
    exclude: tuple[str, ...]


def split_terms(text: str) -> Terms:
    """Split ``text`` into phrases: quotes make one phrase, ``-word`` leaves a word out.

    Commas separate like spaces. Raises InvalidInput when a quote is left open.
    """
    lexer = shlex.shlex(text.translate(_QUOTES).replace(",", " "), posix=True)
    lexer.quotes = '"'
    lexer.escape = ""
    lexer.commenters = ""
    lexer.whitespace_split = True
    try:
        tokens = list(lexer)
    except ValueError:
        raise InvalidInput(
            N_("A quote is not closed: put the phrase between two quotes.")
        ) from None
    include: list[str] = []
    exclude: list[str] = []
    for token in tokens:
        if token.startswith(EXCLUDE_MARKS):
            word = token.lstrip("".join(EXCLUDE_MARKS))
            if word.strip():
                exclude.append(word)
        elif token.strip():
            include.append(token)
    return Terms(tuple(include), tuple(exclude))
