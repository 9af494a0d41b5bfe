"""The ingest pipeline: fetch a source, read it, store new articles, record its health.

A feed source is parsed; with ``enrich`` its summary-only items get their pages fetched and
extracted. A page source (``kind='page'``) is an article page or a section page whose article
links are fetched. Every new article gets its lead. No session is open during a network fetch;
parsing runs off the event loop (``reading``), and new articles are stored in batches, each
with its leads and the ``after_store`` hook in one transaction, then the health record. A
failing source is recorded, never raised.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from digests.db import Database
from digests.errors import NotFound, SourceError
from digests.sources.canon import canonical_url
from digests.sources.fetch import Fetcher, FetchResult
from digests.sources.pages import (
    MAX_PAGE_FETCHES,
    Enriched,
    enrich_entries,
    needs_page,
    read_fetched,
    read_page_source,
)
from digests.sources.reading import read_feed_off_loop
from digests.store import article_text, articles, matches, sources
from digests.types import FetchReport, FetchSummary, NewArticle

log = logging.getLogger(__name__)

AfterStore = Callable[[AsyncSession, list[NewArticle]], Awaitable[None]]
OnDone = Callable[[FetchReport], None]

# Entries stored per transaction (see _store): 2,000 bound parameters per insert, and topic
# matching of one batch (one CPU pass, ~0.1-0.6 ms an article) well under a second.
STORE_BATCH = 200


async def update_source(
    db: Database,
    fetcher: Fetcher,
    source_id: int,
    *,
    now: datetime,
    allow_private: bool,
    after_store: AfterStore | None = None,
    enrich: bool = False,
    page_limit: int = MAX_PAGE_FETCHES,
) -> tuple[FetchReport, list[int]]:
    """Fetch one source and store its new articles; returns the report and the new ids.

    ``after_store(session, new_articles)`` runs in the same transaction as the insert, with
    the stored values (language, stories and topics are set by it). With ``enrich``, up to
    ``page_limit`` summary-only feed items not stored yet get their pages fetched for full
    text; a page source fetches up to ``page_limit`` linked articles. Every failure becomes a
    failed report and is recorded on the source.
    """
    async with db.transaction() as session:
        source = await sources.find_source(session, str(source_id))
        if source is None:
            raise NotFound(f"no source with id {source_id}")
        name, url, etag, modified = source.name, source.url, source.etag, source.last_modified
        kind = source.kind
    try:
        fetched = await fetcher.fetch(
            url, allow_private=allow_private, etag=etag, last_modified=modified
        )
        if fetched.not_modified:
            async with db.transaction() as session:
                await sources.record_success(
                    session,
                    source_id,
                    now=now,
                    etag=fetched.etag or etag,
                    last_modified=fetched.last_modified or modified,
                )
            return FetchReport(source_id, name, ok=True, not_modified=True), []
        found = await _read_source(
            db,
            fetcher,
            fetched,
            kind=kind,
            allow_private=allow_private,
            limit=page_limit if enrich or kind == "page" else 0,
        )
        new_ids = await _store(db, source_id, found, now=now, after_store=after_store)
        async with db.transaction() as session:
            await sources.record_success(
                session, source_id, now=now, etag=fetched.etag, last_modified=fetched.last_modified
            )
        return FetchReport(source_id, name, ok=True, new_articles=len(new_ids)), new_ids
    except SourceError as exc:
        message = str(exc)
        log.info("source %s (%s) failed: %s", source_id, url, message)
    except Exception as exc:
        log.exception("unexpected error updating source %s (%s)", source_id, url)
        message = f"internal error ({type(exc).__name__}); see the log"
    async with db.transaction() as session:
        await sources.record_failure(session, source_id, now=now, error=message)
    return FetchReport(source_id, name, ok=False, error=message), []


async def _read_source(
    db: Database,
    fetcher: Fetcher,
    fetched: FetchResult,
    *,
    kind: str,
    allow_private: bool,
    limit: int,
) -> Enriched:
    """The entries a fetched source holds, with full text from pages where needed."""
    if kind == "page":
        page = await read_fetched(fetched)
        candidates = [page.article.url] if page.article else [link.url for link in page.links]
        stored = await _stored(db, candidates)
        return await read_page_source(
            fetcher, page, stored=stored, allow_private=allow_private, limit=limit
        )
    read = await read_feed_off_loop(fetched.body, fetched.url, fetched.charset)
    entries = read.feed.entries
    stored = await _stored(db, [e.url for e in entries if needs_page(e)]) if limit else set()
    return await enrich_entries(
        fetcher, entries, stored=stored, allow_private=allow_private, limit=limit, leads=read.leads
    )


async def _store(
    db: Database,
    source_id: int,
    found: Enriched,
    *,
    now: datetime,
    after_store: AfterStore | None,
) -> list[int]:
    """Store the new entries ``STORE_BATCH`` at a time, one transaction each; the new ids.

    A transaction per batch bounds what one statement binds (PostgreSQL takes at most 32,767
    parameters), how long SQLite's write lock is held, and how long ``after_store`` works
    between two awaits; a failure keeps the batches stored before it.
    """
    new_ids: list[int] = []
    entries = found.entries
    for start in range(0, len(entries), STORE_BATCH):
        batch = entries[start : start + STORE_BATCH]
        async with db.transaction() as session:
            new = await articles.insert_new_articles(
                session, source_id, batch, now, leads=found.leads, languages=found.languages
            )
            if new and after_store is not None:
                await after_store(session, new)
            known = {canonical_url(e.url) for e in batch if e.url} - {a.url for a in new}
            await matches.link_feed_items(session, source_id, sorted(known))
        new_ids.extend(a.id for a in new)
    return new_ids


async def _stored(db: Database, urls: list[str]) -> set[str]:
    if not urls:
        return set()
    async with db.transaction() as session:
        return await article_text.stored_urls(session, urls)


async def update_all(
    db: Database,
    fetcher: Fetcher,
    *,
    now: datetime,
    allow_private: bool,
    after_store: AfterStore | None = None,
    source_ids: Iterable[int] | None = None,
    concurrency: int = 8,
    on_done: OnDone | None = None,
    enrich: bool = False,
    page_limit: int = MAX_PAGE_FETCHES,
) -> FetchSummary:
    """Update the given sources (default: those due at ``now``), ``concurrency`` at a time.

    ``on_done(report)`` is called as each source finishes, for a progress display. One
    failing source never stops the others. ``enrich`` and ``page_limit``: as update_source.
    """
    if source_ids is None:
        async with db.transaction() as session:
            ids = await sources.due_source_ids(session, now)
    else:
        ids = list(source_ids)
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(source_id: int) -> FetchReport | None:
        async with gate:
            try:
                report, _ = await update_source(
                    db,
                    fetcher,
                    source_id,
                    now=now,
                    allow_private=allow_private,
                    after_store=after_store,
                    enrich=enrich,
                    page_limit=page_limit,
                )
            except NotFound:
                log.warning("source %s vanished before it was fetched", source_id)
                return None
            except Exception:
                # Recording the failure itself failed (database down?): log, go on.
                log.exception("could not update source %s", source_id)
                return FetchReport(source_id, "", ok=False, error="internal error; see the log")
        if on_done is not None:
            on_done(report)
        return report

    results = await asyncio.gather(*(one(source_id) for source_id in ids))
    return FetchSummary(tuple(report for report in results if report is not None))
