"""Web pages as news: page and section-page sources, and full text for summary-only feed items.

Politeness and cost are bounded here: pages go through the shared ``Fetcher`` (its per-host
limit applies), a URL already stored is never fetched again, and one update fetches at most
``MAX_PAGE_FETCHES`` pages. Extraction is CPU work (~35 ms a page), so it runs in a worker
thread and never stalls the event loop. No database session is held across a fetch: the
caller passes the set of URLs already stored.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from digests.errors import FeedParseError, SourceError
from digests.i18n import N_
from digests.sources.extract import ExtractedArticle, PageContent, read_page
from digests.sources.fetch import Fetcher, FetchResult
from digests.sources.reading import entry_lead
from digests.truncation import truncate
from digests.types import FeedEntry

log = logging.getLogger(__name__)

MAX_PAGE_FETCHES = 20
# A feed item whose own text is shorter than this is a teaser: its page holds the article.
FULL_TEXT_MIN = 600
_TEXT_LIMIT = 20_000


@dataclass(frozen=True, slots=True)
class Enriched:
    """Entries ready to store, with the lead and language to give each (by URL)."""

    entries: tuple[FeedEntry, ...]
    leads: dict[str, str]
    languages: dict[str, str | None]
    pages_fetched: int = 0


async def read_fetched(fetched: FetchResult) -> PageContent:
    """Read a fetched page in a worker thread."""
    return await asyncio.to_thread(
        read_page, fetched.body, url=fetched.url, charset=fetched.charset
    )


async def fetch_article(
    fetcher: Fetcher, url: str, *, allow_private: bool
) -> ExtractedArticle | None:
    """The article at ``url``, or None if the page holds none or cannot be fetched (logged).

    A page is extra text for one item: whatever goes wrong with it, even a bug, costs that
    item its page and never the source's update.
    """
    try:
        fetched = await fetcher.fetch(url, allow_private=allow_private)
        return (await read_fetched(fetched)).article
    except SourceError as exc:
        log.info("could not fetch the page %s: %s", url, exc)
    except Exception:
        log.exception("unexpected error reading the page %s", url)
    return None


def needs_page(entry: FeedEntry) -> bool:
    """True if the feed gave only a title or a short summary for this item."""
    return bool(entry.url) and len(entry.text) < FULL_TEXT_MIN


def _with_article(entry: FeedEntry, article: ExtractedArticle) -> FeedEntry:
    """The feed's entry with the page's text; the feed's title and date win when present."""
    return dataclasses.replace(
        entry,
        title=entry.title if entry.title and entry.title != entry.url else article.title,
        text=article.text[:_TEXT_LIMIT],
        published_at=entry.published_at or article.published_at,
    )


def _entry_from(article: ExtractedArticle) -> FeedEntry:
    return FeedEntry(
        title=article.title or truncate(article.text, 200),
        url=article.url,
        guid=article.url,
        summary="",
        text=article.text[:_TEXT_LIMIT],
        published_at=article.published_at,
    )


async def enrich_entries(
    fetcher: Fetcher,
    entries: Sequence[FeedEntry],
    *,
    stored: Collection[str],
    allow_private: bool,
    limit: int = MAX_PAGE_FETCHES,
    leads: Mapping[str, str] | None = None,
) -> Enriched:
    """Fetch the pages of up to ``limit`` summary-only entries not stored yet, and add leads.

    An entry whose page cannot be fetched, or holds no article, keeps what the feed gave.
    ``leads``: the entries' leads chosen already (by URL, see ``reading.read_feed``); only
    entries given a page, or missing from it, get theirs chosen here.
    """
    todo = [e for e in entries if needs_page(e) and e.url not in stored][:limit]
    found = await asyncio.gather(
        *(fetch_article(fetcher, e.url, allow_private=allow_private) for e in todo)
    )
    by_url = {e.url: a for e, a in zip(todo, found, strict=True) if a is not None}
    result: list[FeedEntry] = []
    chosen: dict[str, str] = dict(leads or {})
    languages: dict[str, str | None] = {}
    for entry in entries:
        article = by_url.get(entry.url)
        if article is not None:
            entry = _with_article(entry, article)
            languages[entry.url] = article.language
            chosen[entry.url] = entry_lead(entry)
        elif entry.url and entry.url not in chosen:
            chosen[entry.url] = entry_lead(entry)
        result.append(entry)
    return Enriched(tuple(result), chosen, languages, pages_fetched=len(todo))


async def read_page_source(
    fetcher: Fetcher,
    page: PageContent,
    *,
    stored: Collection[str],
    allow_private: bool,
    limit: int = MAX_PAGE_FETCHES,
) -> Enriched:
    """The articles a page source holds: the page's own article, or its linked articles.

    A section page's links not stored yet are fetched, at most ``limit`` of them; links that
    turn out not to be articles are skipped. A page that is neither raises FeedParseError.
    """
    if page.article is not None:
        articles = [page.article]
        fetched = 0
    elif page.links:
        same_site = _site(page.url)
        todo = [
            link.url
            for link in page.links
            if link.url not in stored and _site(link.url) == same_site
        ][:limit]
        found = await asyncio.gather(
            *(fetch_article(fetcher, url, allow_private=allow_private) for url in todo)
        )
        articles = [a for a in found if a is not None]
        fetched = len(todo)
    else:
        raise FeedParseError(N_("this page holds no article and no links to articles"))
    entries = tuple(_entry_from(a) for a in articles)
    return Enriched(
        entries,
        leads={e.url: entry_lead(e) for e in entries},
        languages={a.url: a.language for a in articles},
        pages_fetched=fetched,
    )


def _site(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower().removeprefix("www.")
    except ValueError:
        return ""
