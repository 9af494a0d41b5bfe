"""The /search use case: read a query, ask the index, rank by relevance and recency, one item
per story, a page at a time.

The query language is /follow's (``digests.terms``: words, "quoted phrases", ``-excluded``)
plus ``since:7d`` (``24h``, ``2w``, or a date: ``since:2026-11-01``) and ``lang:ar``. Words are
folded as keyword matching folds them (``digests.matching.search_words``), as the index was,
so "العراق", "عراق" and "والعراق" find the same articles.

The index is asked for the newest :data:`CANDIDATES` matches only; those are ranked in Python
the same way on both databases: relevance (relative to the best match) halved for every
:data:`HALF_LIFE` of age. A word in thousands of articles so costs what a rare one does, and
what it leaves out is older than 300 newer matches.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from babel import localedata

from digests.db import Database
from digests.echo import shorten
from digests.errors import InvalidInput
from digests.i18n import DEFAULT_LANGUAGE, N_
from digests.matching import search_words
from digests.render import headline_views
from digests.store import headlines as headline_store
from digests.store import search as search_store
from digests.store.search import Candidate
from digests.terms import split_terms
from digests.types import Headline

PAGE_SIZE = 10
CANDIDATES = 300
# PostgreSQL looks for a phrase among the newest articles holding all its words (see
# digests.store.search.candidates): this many.
PHRASE_POOL = 3000
HALF_LIFE = timedelta(days=14)
MAX_QUERY_CHARS = 200
MAX_TERMS = 10
EXAMPLE = '/search "hasakah prison" -football since:7d'

_SINCE = re.compile(r"^(\d{1,4})([hdw])$")
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
_LANG = re.compile(r"^[a-z]{2,3}$")


class EmptyQuery(InvalidInput):
    """Raised when a search names nothing to look for: the caller shows how to search."""


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A parsed search: folded phrases to find and to leave out, and its filters.

    ``text`` is the query as typed, on one line: it is what paging asks again.
    """

    text: str
    include: tuple[tuple[str, ...], ...]
    exclude: tuple[tuple[str, ...], ...] = ()
    since: datetime | None = None
    languages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of results (``page`` counts from 0) and how many pages there are."""

    query: SearchQuery
    headlines: tuple[Headline, ...]
    page: int
    pages: int


def parse_search(text: str, now: datetime) -> SearchQuery:
    """Read a query; ``now`` anchors ``since:7d``.

    Raises EmptyQuery when there is nothing to look for, InvalidInput (one short line) for a
    query that is too long, an open quote, or a ``since:``/``lang:`` it cannot read.
    """
    typed = " ".join(text.split())
    if len(typed) > MAX_QUERY_CHARS:
        raise InvalidInput(
            N_("That search is too long: at most %(chars)d characters."), chars=MAX_QUERY_CHARS
        )
    terms = split_terms(typed)
    since: datetime | None = None
    languages: list[str] = []
    include: list[tuple[str, ...]] = []
    for term in terms.include:
        key, _, value = term.partition(":")
        if key.lower() == "since" and value:
            since = _since(value, now)
        elif key.lower() == "lang" and value:
            languages.extend(_languages(value))
        elif folded := tuple(search_words(term)):
            include.append(folded)
    exclude = [folded for term in terms.exclude if (folded := tuple(search_words(term)))]
    if not include:
        if exclude:
            raise InvalidInput(
                N_("Say what to look for, not only what to leave out, e.g. %(example)s"),
                example=EXAMPLE,
            )
        if since or languages:
            # The index finds words; since: and lang: only narrow what the words found.
            raise InvalidInput(
                N_("Say a word to look for too, e.g. %(example)s"),
                example=EXAMPLE,
            )
        raise EmptyQuery(N_("Tell me what to look for, e.g. %(example)s"), example=EXAMPLE)
    if len(include) + len(exclude) > MAX_TERMS:
        raise InvalidInput(
            N_("That search is too long: at most %(terms)d words or phrases."), terms=MAX_TERMS
        )
    return SearchQuery(
        typed,
        tuple(dict.fromkeys(include)),
        tuple(dict.fromkeys(exclude)),
        since,
        tuple(dict.fromkeys(languages)),
    )


def _since(value: str, now: datetime) -> datetime:
    if match := _SINCE.match(value.lower()):
        return now - int(match.group(1)) * _UNITS[match.group(2)]
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            N_("I can't read since:%(value)s; try since:7d, since:24h or since:2026-11-01."),
            value=shorten(value, 20),
        ) from None
    return datetime.combine(day, time(), UTC)


def _languages(value: str) -> list[str]:
    codes = [code.strip().lower() for code in value.split("+") if code.strip()]
    if not codes or not all(_LANG.match(code) and localedata.exists(code) for code in codes):
        raise InvalidInput(
            N_("I can't read lang:%(value)s; try lang:ar or lang:en."), value=shorten(value, 20)
        )
    return codes


def fts5_match(query: SearchQuery) -> str:
    """The query in FTS5's language: every phrase required, the excluded ones NOTed."""
    found = " AND ".join(_fts5_phrase(p) for p in query.include)
    if not query.exclude:
        return found
    return f"({found}) NOT ({' OR '.join(_fts5_phrase(p) for p in query.exclude)})"


def _fts5_phrase(phrase: tuple[str, ...]) -> str:
    return '"' + " ".join(word.replace('"', '""') for word in phrase) + '"'


def pg_tsquery(query: SearchQuery) -> str:
    """The query for PostgreSQL's ``to_tsquery``: phrases with ``<->``, excluded with ``!``."""
    parts = [_pg_phrase(p) for p in query.include]
    parts += [f"!{_pg_phrase(p)}" for p in query.exclude]
    return " & ".join(parts)


def pg_words_tsquery(query: SearchQuery) -> str | None:
    """:func:`pg_tsquery` with every phrase loosened to its words, or None when the query
    has no phrase to loosen."""
    if all(len(phrase) == 1 for phrase in query.include):
        return None
    words = [(word,) for phrase in query.include for word in phrase]
    return pg_tsquery(SearchQuery(query.text, tuple(dict.fromkeys(words)), query.exclude))


def _pg_phrase(phrase: tuple[str, ...]) -> str:
    quoted = [("'" + word.replace("\\", "\\\\").replace("'", "''") + "'") for word in phrase]
    return quoted[0] if len(quoted) == 1 else "(" + " <-> ".join(quoted) + ")"


def rank(found: list[Candidate], now: datetime) -> list[Candidate]:
    """The candidates best first, one per story (its best copy): relevance relative to the
    best match, halved for every :data:`HALF_LIFE` of age."""
    best = max((c.relevance for c in found), default=0.0)

    def score(candidate: Candidate) -> float:
        relevance = candidate.relevance / best if best > 0 else 1.0
        age = max((now - candidate.sort_at) / HALF_LIFE, 0.0)
        return relevance * math.pow(0.5, age)

    ordered = sorted(found, key=lambda c: (-score(c), -c.article_id))
    seen: set[object] = set()
    kept: list[Candidate] = []
    for candidate in ordered:
        story = (
            ("story", candidate.story_id)
            if candidate.story_id
            else ("article", candidate.article_id)
        )
        if story not in seen:
            seen.add(story)
            kept.append(candidate)
    return kept


async def search(
    db: Database, query: SearchQuery, now: datetime, *, page: int = 0, chat_id: int | None = None
) -> SearchPage:
    """Page ``page`` of the stories ``query`` finds, best first; a page past the end is the
    last one. With ``chat_id``, only what that chat may be shown (chats' own feeds reach only
    the chats that added them)."""
    postgres = db.dialect == "postgresql"
    match = pg_tsquery(query) if postgres else fts5_match(query)
    async with db.transaction() as session:
        found = await search_store.candidates(
            session,
            match,
            limit=CANDIDATES,
            since=query.since,
            languages=query.languages,
            chat_id=chat_id,
            coarse=pg_words_tsquery(query) if postgres else None,
            pool=PHRASE_POOL,
        )
        ranked = rank(found, now)
        pages = max(1, math.ceil(len(ranked) / PAGE_SIZE))
        page = min(max(page, 0), pages - 1)
        shown = ranked[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
        headlines = await headline_store.headlines_for(
            session, [(c.article_id, c.story_id) for c in shown]
        )
    return SearchPage(query, tuple(headlines), page, pages if ranked else 0)


def results_view(found: SearchPage, now: datetime, lang: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
    """What the ``search_results`` template needs to show ``found`` in ``lang``."""
    return {
        "query": shorten(found.query.text),
        "items": headline_views(found.headlines, now, lang),
        "first": found.page * PAGE_SIZE,
        "page": found.page + 1,
        "pages": found.pages,
    }
