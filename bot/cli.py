"""The ``newsbot`` command line: run the bot, migrate, manage sources and topics, fetch."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click

from digests.db import Database
from digests.errors import ConfigError, NewsbotError
from digests.settings import Settings, load_settings

T = TypeVar("T")


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        click.echo(f"newsbot: {exc}", err=True)
        sys.exit(2)


def _run(work: Callable[[Settings, Database], Awaitable[T]]) -> T:
    """Run one async unit of work against the configured database, turning errors into lines."""
    settings = _settings()

    async def main() -> T:
        db = Database(settings.database_url)
        try:
            return await work(settings, db)
        finally:
            await db.close()

    try:
        return asyncio.run(main())
    except ConfigError as exc:
        click.echo(f"newsbot: {exc}", err=True)
        sys.exit(2)
    except NewsbotError as exc:
        click.echo(f"newsbot: {exc}", err=True)
        sys.exit(1)


@click.group()
def main() -> None:
    """newsbot: Telegram news digests."""


# --- run -------------------------------------------------------------------------------


@main.command()
def run() -> None:
    """Start the bot (long polling) with its background jobs."""
    from bot.runner import run_bot

    settings = _settings()
    try:
        run_bot(settings)
    except ConfigError as exc:
        click.echo(f"newsbot: {exc}", err=True)
        sys.exit(2)


# --- db --------------------------------------------------------------------------------


@main.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    from digests import migrate

    settings = _settings()
    migrate.upgrade(settings.database_url, revision)
    click.echo(f"database at {revision}")


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION ("base" empties the database)."""
    from digests import migrate

    settings = _settings()
    migrate.downgrade(settings.database_url, revision)
    click.echo(f"database at {revision}")


# --- sources ---------------------------------------------------------------------------


@main.group()
def sources() -> None:
    """News sources (feeds)."""


@sources.command("add")
@click.argument("url")
@click.option("--name", help="Display name (default: the feed's title).")
@click.option("--every", default=None, help="Fetch interval, e.g. 15m, 2h (default 15m).")
def sources_add(url: str, name: str | None, every: str | None) -> None:
    """Add a feed URL, checked by fetching it once."""
    from digests.ingest import make_fetcher
    from digests.sources.register import parse_interval, register_source
    from digests.timeutil import utcnow

    async def work(settings: Settings, db: Database) -> None:
        interval = parse_interval(every) if every else settings.default_fetch_interval
        async with make_fetcher(settings) as fetcher:
            info, feed = await register_source(
                db,
                fetcher,
                url=url,
                name=name,
                every=interval,
                allow_private=settings.allow_private_sources,
                now=utcnow(),
            )
        click.echo(f"added source {info.id}: {info.name} <{info.url}>, every {_every(interval)}")
        click.echo(
            f"  found {len(feed.entries)} items"
            + (f", e.g. {feed.entries[0].title!r}" if feed.entries else "")
        )

    _run(work)


def _every(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    if seconds % 60 == 0:
        return f"{seconds // 60}m"
    return f"{seconds}s"


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "never"


@sources.command("list")
def sources_list() -> None:
    """List sources with their health."""
    from digests.store.sources import list_sources

    async def work(settings: Settings, db: Database) -> None:
        async with db.transaction() as session:
            found = await list_sources(session)
        if not found:
            click.echo("no sources yet; add one with: newsbot sources add URL")
            return
        for s in found:
            state = "paused" if s.paused else f"every {_every(s.fetch_interval)}"
            click.echo(f"{s.id:>4}  {s.name}  <{s.url}>  ({state})")
            click.echo(
                f"      last fetch: {_when(s.last_fetch_at)}   articles: {s.article_count}"
                + (f"   last error: {s.last_error}" if s.last_error else "")
                + (
                    f"   failures in a row: {s.consecutive_failures}"
                    if s.consecutive_failures
                    else ""
                )
            )

    _run(work)


@sources.command("remove")
@click.argument("id_or_url")
def sources_remove(id_or_url: str) -> None:
    """Remove a source (by id or URL) and its articles."""
    from digests.store.sources import remove_source

    async def work(settings: Settings, db: Database) -> None:
        async with db.transaction() as session:
            info = await remove_source(session, id_or_url)
        click.echo(f"removed source {info.id}: {info.name}")

    _run(work)


# --- topics ----------------------------------------------------------------------------


@main.group()
def topics() -> None:
    """Curated topics that chats can follow."""


@topics.command("add")
@click.argument("name")
@click.option(
    "--keywords", required=True, help='Comma-separated words or phrases: "syria, hasakah".'
)
@click.option("--exclude", default="", help="Comma-separated words that veto a match.")
def topics_add(name: str, keywords: str, exclude: str) -> None:
    """Add a topic; recent articles are matched at once."""
    from digests import topics as topic_cases
    from digests.timeutil import utcnow

    async def work(settings: Settings, db: Database) -> None:
        info, matched = await topic_cases.add_topic(db, name, keywords, exclude, now=utcnow())
        click.echo(f"added topic {info.name!r}: {', '.join(info.keywords)}")
        if info.exclude:
            click.echo(f"  excluding: {', '.join(info.exclude)}")
        click.echo(f"  matches {matched} articles from the last 30 days")

    _run(work)


@topics.command("edit")
@click.argument("name")
@click.option("--keywords", default=None, help="New comma-separated keywords.")
@click.option("--exclude", default=None, help="New comma-separated exclude words.")
def topics_edit(name: str, keywords: str | None, exclude: str | None) -> None:
    """Change a topic's keywords or excludes; recent articles are matched again."""
    from digests import topics as topic_cases
    from digests.timeutil import utcnow

    async def work(settings: Settings, db: Database) -> None:
        info, matched = await topic_cases.edit_topic(
            db, name, keywords=keywords, exclude=exclude, now=utcnow()
        )
        click.echo(f"topic {info.name!r}: {', '.join(info.keywords)}; matches {matched} articles")

    _run(work)


@topics.command("list")
def topics_list() -> None:
    """List topics with keywords and followers."""
    from digests import topics as topic_cases

    async def work(settings: Settings, db: Database) -> None:
        found = await topic_cases.list_topics(db)
        if not found:
            click.echo('no topics yet; add one with: newsbot topics add NAME --keywords "a, b"')
        for t in found:
            veto = f"  (not: {', '.join(t.exclude)})" if t.exclude else ""
            click.echo(f"{t.name}: {', '.join(t.keywords)}{veto}  [{t.followers} followers]")

    _run(work)


@topics.command("remove")
@click.argument("name")
def topics_remove(name: str) -> None:
    """Remove a topic and every subscription to it."""
    from digests import topics as topic_cases

    async def work(settings: Settings, db: Database) -> None:
        info = await topic_cases.remove_topic(db, name)
        click.echo(f"removed topic {info.name!r}")

    _run(work)


# --- deliver -----------------------------------------------------------------------------


@main.command()
@click.option("--forever", is_flag=True, help="Keep sending new messages until SIGTERM/SIGINT.")
def deliver(forever: bool) -> None:
    """Send the queued messages under Telegram's limits; by default stop when none is left."""
    import signal

    from bot.logs import setup_logging
    from bot.sender import open_sender
    from digests.delivery import Delivery, batch_for
    from digests.pacing import Pacer

    async def work(settings: Settings, db: Database) -> None:
        setup_logging(settings.log_level, [settings.token])
        batch = batch_for(settings.send_rate)
        async with open_sender(settings, connections=80) as sender:
            delivery = Delivery(db, sender, Pacer(settings.send_rate), batch=batch)
            # Printed at once: a test or operator may kill this process at any moment.
            click.echo(f"possible duplicates: {await delivery.recover()}")
            sys.stdout.flush()
            if forever:
                stop = asyncio.Event()
                loop = asyncio.get_running_loop()
                for signum in (signal.SIGTERM, signal.SIGINT):
                    loop.add_signal_handler(signum, stop.set)
                await delivery.run(stop)
            else:
                await delivery.drain_once()
        s = delivery.stats
        click.echo(
            f"sent {s.sent}, failed {s.failed}, dropped {s.dropped}, retried {s.retried}, "
            f"flood waits {s.flood_waits}, as plain text {s.as_plain_text}, moved {s.migrated}"
        )

    _run(work)


# --- fetch -----------------------------------------------------------------------------


@main.command()
def fetch() -> None:
    """Fetch every source once now, with a progress bar and a summary."""
    from digests.ingest import fetch_sources, make_fetcher
    from digests.store.sources import list_sources
    from digests.timeutil import utcnow

    async def work(settings: Settings, db: Database) -> None:
        async with db.transaction() as session:
            ids = [s.id for s in await list_sources(session) if not s.paused]
        if not ids:
            click.echo("no sources to fetch; add one with: newsbot sources add URL")
            return
        with click.progressbar(length=len(ids), label="fetching", file=sys.stderr) as bar:
            async with make_fetcher(settings) as fetcher:
                summary = await fetch_sources(
                    db,
                    fetcher,
                    settings,
                    now=utcnow(),
                    source_ids=ids,
                    on_done=lambda _report: bar.update(1),
                )
        for report in summary.reports:
            if not report.ok:
                click.echo(f"  failed: {report.source_name}: {report.error}")
        click.echo(
            f"{summary.ok} sources ok, {summary.failed} failed, {summary.new_articles} new articles"
        )

    _run(work)


# --- digest ----------------------------------------------------------------------------


@main.group()
def digest() -> None:
    """Daily digests: run a tick, preview a chat's next digest."""


@digest.command("tick")
@click.option(
    "--at",
    "at",
    default=None,
    help="Run as if it were this moment, ISO-8601 with offset: 2026-11-24T08:00:00+03:00.",
)
def digest_tick(at: str | None) -> None:
    """Queue every digest due now (or at --at) in the outbox."""
    from datetime import timedelta

    from digests.editions import run_tick
    from digests.render import Renderer
    from digests.timeutil import utcnow

    now = _moment(at) if at else utcnow()

    async def work(settings: Settings, db: Database) -> None:
        report = await run_tick(
            db, Renderer(), now=now, catch_up=timedelta(hours=settings.catch_up_hours)
        )
        click.echo(report.summary())
        if report.late or report.scheduled:
            click.echo(
                f"{report.late} missed beyond the catch-up window (rescheduled), "
                f"{report.scheduled} newly scheduled"
            )

    _run(work)


@digest.command("preview")
@click.option("--chat", "chat_id", type=int, required=True, help="The chat's Telegram id.")
def digest_preview(chat_id: int) -> None:
    """Print what the chat's next digest would hold now, as plain text; nothing is queued."""
    from digests.editions import preview_digest
    from digests.render import Renderer
    from digests.split import visible_text
    from digests.timeutil import utcnow

    async def work(settings: Settings, db: Database) -> None:
        preview = await preview_digest(db, Renderer(), chat_id, now=utcnow())
        for number, html in enumerate(preview.messages, start=1):
            if len(preview.messages) > 1:
                click.echo(f"--- message {number} of {len(preview.messages)} ---")
            click.echo(visible_text(html))

    _run(work)


def _moment(text: str) -> Any:
    from datetime import datetime

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(
            "expected ISO-8601 such as 2026-11-24T08:00:00+03:00", param_hint="--at"
        ) from None
    if moment.utcoffset() is None:
        raise click.BadParameter(
            "give the offset too, e.g. 2026-11-24T08:00:00+03:00 or ...Z", param_hint="--at"
        )
    return moment


# --- eval ------------------------------------------------------------------------------


@main.group(name="eval")
def eval_() -> None:
    """Measure the pipeline on the test corpus."""


@eval_.command(name="extraction")
@click.option(
    "--corpus",
    type=click.Path(exists=True, file_okay=False),
    default="../shared/corpus",
    show_default=True,
    help="the corpus folder (with manifest.json and pages/)",
)
def eval_extraction(corpus: str) -> None:
    """Score page extraction: token F1, snippet checks, invented articles, leads, speed."""
    from pathlib import Path

    from digests.evaluation import evaluate_corpus, format_report

    results, summary = evaluate_corpus(Path(corpus), warm_up=True)
    click.echo(format_report(results, summary))
