"""The ``newsbot`` command line: run the bot, migrate, manage sources and topics, fetch."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from digests.db import Database
from digests.errors import ConfigError, NewsbotError
from digests.settings import Settings, load_settings

T = TypeVar("T")


def _settings() -> Settings:
    try:
        settings = load_settings()
    except ConfigError as exc:
        click.echo(f"newsbot: {exc}", err=True)
        sys.exit(2)
    from bot.logs import install_redaction, secrets_of

    # Whatever a command prints or however it crashes, the token never reaches the terminal.
    install_redaction(secrets_of(settings))
    return settings


def _wait_for_database(settings: Settings) -> None:
    """Wait while the database is down (compose may start us first); exit 2 on what can't be."""
    from digests.connect import wait_for_database

    try:
        asyncio.run(
            wait_for_database(settings.database_url, give_up_after=settings.startup_timeout)
        )
    except ConfigError as exc:
        click.echo(f"newsbot: {exc}", err=True)
        sys.exit(2)


def _run(work: Callable[[Settings, Database], Awaitable[T]]) -> T:
    """Run one async unit of work against the configured database, turning errors into lines."""
    settings = _settings()

    async def main() -> T:
        from digests import migrate
        from digests.connect import wait_for_database

        # One try: a database that is down, missing or refusing us is one line, not a traceback;
        # so is one not migrated yet (and a SQLite file is not made by asking).
        migrate.require_sqlite_file(settings.database_url)
        await wait_for_database(settings.database_url, give_up_after=0)
        db = Database(settings.database_url)
        try:
            await migrate.require_head(db.engine)
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
    """Start the bot (long polling, or a webhook) with its background jobs."""
    from bot.runner import run_bot

    settings = _settings()
    try:
        run_bot(settings)
    except ConfigError as exc:
        click.echo(f"newsbot: {exc}", err=True)
        sys.exit(2)


@main.command()
@click.option(
    "--feeds",
    "feeds",
    multiple=True,
    metavar="URL...",
    help="Feeds to add and fetch instead of the examples that ship with newsbot.",
)
@click.argument("more_feeds", nargs=-1, metavar="")
@click.option(
    "--db",
    "database",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite file to keep between sessions (default: a new one in a temporary folder).",
)
@click.option(
    "--lang", default="en", type=click.Choice(["en", "ar"]), help="The app language you type in."
)
def console(
    feeds: tuple[str, ...], more_feeds: tuple[str, ...], database: Path | None, lang: str
) -> None:
    """Chat with the bot in this terminal: no Telegram, no token, no server."""
    from rich.console import Console

    from bot.console.session import Options, run

    if more_feeds and not feeds:
        raise click.UsageError("feed URLs go after --feeds")
    if database is not None and not database.expanduser().resolve().parent.is_dir():
        folder = database.expanduser().resolve().parent
        click.echo(f"newsbot: --db: folder {folder} does not exist; create it first", err=True)
        sys.exit(2)
    try:
        run(Options(feeds=[*feeds, *more_feeds], database=database, language=lang), Console())
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
    _wait_for_database(settings)
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


@db.command("vacuum")
def db_vacuum() -> None:
    """Compact the database; on SQLite also turn on incremental auto-vacuum (run it with the
    bot stopped: it locks the whole file while it copies it)."""
    from digests.stats import compact_database

    async def work(settings: Settings, db: Database) -> None:
        before, after = await compact_database(db)
        click.echo(f"database: {_mb(before.total_bytes)} before, {_mb(after.total_bytes)} after")

    _run(work)


def _mb(size: int) -> str:
    return f"{size / 1_000_000:,.1f} MB"


# --- prune -----------------------------------------------------------------------------


@main.command()
@click.option("--dry-run", is_flag=True, help="Only count what would be removed.")
def prune(dry_run: bool) -> None:
    """Remove what is past retention now, and print what was (or would be) removed."""
    from digests import retention
    from digests.timeutil import utcnow

    async def work(settings: Settings, db: Database) -> None:
        policy = retention.RetentionPolicy.from_settings(settings)
        report = await retention.prune(db, policy, now=utcnow(), dry_run=dry_run)
        verb = "would remove" if dry_run else "removed"
        width = max(len(label) for label in report.removed)
        for label, removed in report.removed.items():
            keep = next(r for r in retention.RULES if r.label == label).keep(policy)
            kept = f"older than {keep.days} days" if keep else "kept forever"
            click.echo(f"{label:<{width}}  {verb} {removed:>9,}  ({kept})")
        if not dry_run:
            freed = f", {report.pages_freed:,} pages handed back" if report.pages_freed else ""
            click.echo(f"done in {report.seconds:.1f} s ({report.batches} batches{freed})")

    _run(work)


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
    from digests.sources.intervals import format_interval, parse_interval
    from digests.sources.register import register_source
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
        click.echo(
            f"added source {info.id}: {info.name} <{info.url}>, every {format_interval(interval)}"
        )
        click.echo(
            f"  found {len(feed.entries)} items"
            + (f", e.g. {feed.entries[0].title!r}" if feed.entries else "")
        )

    _run(work)


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "never"


@sources.command("list")
def sources_list() -> None:
    """List sources with their health."""
    from digests.source_admin import all_sources
    from digests.sources.intervals import format_interval

    async def work(settings: Settings, db: Database) -> None:
        found = await all_sources(db)
        if not found:
            click.echo("no sources yet; add one with: newsbot sources add URL")
            return
        for s in found:
            state = "paused" if s.paused else f"every {format_interval(s.fetch_interval)}"
            chats = f"{s.owners} chat{'' if s.owners == 1 else 's'}"
            owned = (
                f"  [user feed, {chats}]"
                if s.origin == "user"
                else (f"  [also a feed of {chats}]" if s.owners else "")
            )
            click.echo(f"{s.id:>4}  {s.name}  <{s.url}>  ({state}){owned}")
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
    from digests.source_admin import remove_source

    async def work(settings: Settings, db: Database) -> None:
        info = await remove_source(db, id_or_url)
        click.echo(f"removed source {info.id}: {info.name}")

    _run(work)


@sources.command("block")
@click.argument("host")
def sources_block(host: str) -> None:
    """Refuse chats' feeds from HOST and its subdomains; pause theirs there."""
    from digests import user_feeds
    from digests.timeutil import utcnow

    async def work(settings: Settings, db: Database) -> None:
        done = await user_feeds.block_host(db, host, by=None, now=utcnow())
        already = "" if done.changed else " (it was blocked already)"
        click.echo(f"blocked {done.host}{already}; {done.feeds} chat feeds there paused")

    _run(work)


@sources.command("unblock")
@click.argument("host")
def sources_unblock(host: str) -> None:
    """Allow chats' feeds from HOST again; resume theirs there."""
    from digests import user_feeds

    async def work(settings: Settings, db: Database) -> None:
        done = await user_feeds.unblock_host(db, host)
        click.echo(f"unblocked {done.host}; {done.feeds} chat feeds there resumed")

    _run(work)


@sources.command("blocked")
def sources_blocked() -> None:
    """List the hosts chats may not add feeds from."""
    from digests import user_feeds

    async def work(settings: Settings, db: Database) -> None:
        hosts = await user_feeds.blocked_hosts(db)
        click.echo("\n".join(hosts) if hosts else "no blocked hosts")

    _run(work)


@sources.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def sources_import(file: str) -> None:
    """Add every feed of an OPML file, each checked by fetching it once."""
    from pathlib import Path

    from digests.ingest import make_fetcher
    from digests.source_admin import import_opml
    from digests.timeutil import utcnow

    data = Path(file).read_bytes()

    async def work(settings: Settings, db: Database) -> None:
        async with make_fetcher(settings) as fetcher:
            report = await import_opml(
                db,
                fetcher,
                data,
                default_interval=settings.default_fetch_interval,
                allow_private=settings.allow_private_sources,
                now=utcnow(),
            )
        for outcome in report.outcomes:
            if outcome.status == "added":
                click.echo(f"  added: {outcome.name} <{outcome.url}>")
            elif outcome.status == "failed":
                click.echo(f"  failed: {outcome.url}: {outcome.reason}")
        click.echo(
            f"{len(report.with_status('added'))} added, "
            f"{len(report.with_status('present'))} already present, "
            f"{len(report.with_status('failed'))} failed"
        )

    _run(work)


@sources.command("export")
@click.argument("file", required=False, type=click.Path(dir_okay=False, writable=True))
def sources_export(file: str | None) -> None:
    """Write every source as OPML 2.0 (names and intervals kept) to FILE, or to stdout."""
    from pathlib import Path

    from digests.source_admin import export_opml
    from digests.timeutil import utcnow

    async def work(settings: Settings, db: Database) -> tuple[bytes, int]:
        return await export_opml(db, now=utcnow())

    if file is not None and not Path(file).expanduser().resolve().parent.is_dir():
        # Said before reading the database: nothing is worth exporting to nowhere.
        click.echo(f"newsbot: cannot write {file}: folder does not exist", err=True)
        sys.exit(2)
    data, count = _run(work)
    if file is None:
        click.echo(data.decode("utf-8"), nl=False)
        return
    try:
        Path(file).write_bytes(data)
    except OSError as exc:
        click.echo(f"newsbot: cannot write {file}: {exc.strerror or exc}", err=True)
        sys.exit(2)
    click.echo(f"wrote {count} source{'' if count == 1 else 's'} to {file}", err=True)


# --- stats -----------------------------------------------------------------------------


@main.command()
def stats() -> None:
    """Print the admin's numbers: chats, topics, digests and their lateness, sources."""
    from digests import stats as stats_cases
    from digests.render import Renderer
    from digests.split import visible_text
    from digests.timeutil import utcnow

    async def work(settings: Settings, db: Database) -> None:
        found = await stats_cases.gather_stats(db, now=utcnow())
        click.echo(visible_text(Renderer().render("stats", **stats_cases.stats_view(found))))

    _run(work)


# Unknown options pass through as words, so ``newsbot search iran -oil`` leaves oil out as
# /search does; --since, --lang and --page are still read as options.
@main.command(context_settings={"ignore_unknown_options": True})
@click.argument("words", nargs=-1, required=True, type=click.UNPROCESSED)
@click.option("--since", help="Only what happened since: 7d, 24h, 2w or a date (2026-11-01).")
@click.option("--lang", help="Only articles in this language, e.g. ar.")
@click.option("--page", type=click.IntRange(min=1), default=1, show_default=True)
def search(words: tuple[str, ...], since: str | None, lang: str | None, page: int) -> None:
    """Print the stored stories WORDS find, as /search shows them: "phrases", -excluded
    (``newsbot search iran -oil``; put ``--`` before a word that starts like an option)."""
    from digests import search as search_cases
    from digests.errors import InvalidInput
    from digests.render import Renderer
    from digests.split import visible_text
    from digests.timeutil import utcnow

    typed = " ".join(words)
    typed += f" since:{since}" if since else ""
    typed += f" lang:{lang}" if lang else ""

    async def work(settings: Settings, db: Database) -> None:
        now = utcnow()
        query = search_cases.parse_search(typed, now)
        found = await search_cases.search(db, query, now, page=page - 1)
        if found.pages and page > found.pages:
            pages = "is only 1 page" if found.pages == 1 else f"are only {found.pages} pages"
            raise InvalidInput(f"there {pages} of results; try --page {found.pages}")
        html = Renderer().render("search_results", **search_cases.results_view(found, now))
        click.echo(visible_text(html))

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
    """Send the queued messages under Telegram's limits; by default stop when none is left.

    Only one process sends at a time. Beside a running sender this says so and exits; with
    --forever on PostgreSQL it stands by instead and takes over if that sender stops.
    """
    import signal

    from bot.logs import secrets_of, setup_logging
    from bot.sender import open_sender
    from digests.delivery import Delivery
    from digests.leases import SENDER, Lease, Owner, serve_role

    async def work(settings: Settings, db: Database) -> None:
        setup_logging(settings.log_level, secrets_of(settings), settings.log_format)
        owner = Owner.this_process(settings.instance_name)
        lease = Lease(db, SENDER, owner, ttl=settings.lease_ttl)
        if not await lease.try_take():
            if not forever:
                click.echo(f"a sender is running ({lease.holder}); it sends the queued messages")
                return
            if db.dialect != "postgresql":
                raise ConfigError(
                    f"several processes need PostgreSQL: a sender already runs on this SQLite "
                    f"database ({lease.holder})"
                )
            click.echo(f"a sender is running ({lease.holder}); standing by to take over")
            sys.stdout.flush()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        async with open_sender(settings, connections=80) as sender:
            delivery = Delivery.from_settings(db, sender, settings, owner=str(owner))

            async def send(quit_role: asyncio.Event) -> None:
                # Printed at once: a test or operator may kill this process at any moment.
                click.echo(f"possible duplicates: {await delivery.recover()}")
                sys.stdout.flush()
                if forever:
                    await delivery.run(quit_role)
                else:
                    await delivery.drain_once(quit_role)
                    stop.set()

            await serve_role(lease, stop, send)
        s = delivery.stats
        click.echo(
            f"sent {s.sent}, failed {s.failed}, dropped {s.dropped}, retried {s.retried}, "
            f"flood waits {s.flood_waits}, as plain text {s.as_plain_text}, moved {s.migrated}"
        )

    _run(work)


# --- broadcast -------------------------------------------------------------------------


@main.command()
@click.option("--text", default=None, help="The message, in Telegram HTML (<b>, <i>, <a href>…).")
@click.option("--url", default=None, help="A link to an article, sent as a card.")
@click.option("--topic", default=None, help="Only this topic's followers (default: every chat).")
@click.option("--yes", is_flag=True, help="Send without asking.")
@click.option(
    "--urgent",
    is_flag=True,
    help="Send at once also to chats in their quiet hours (which otherwise get it when those end).",
)
@click.option(
    "--deliver", "send_here", is_flag=True, help="Send from this process, not the running bot."
)
@click.option(
    "--stall",
    default=15.0,
    show_default=True,
    help="Seconds without progress before giving up watching (the messages stay queued).",
)
def broadcast(
    text: str | None,
    url: str | None,
    topic: str | None,
    yes: bool,
    urgent: bool,
    send_here: bool,
    stall: float,
) -> None:
    """Send a message to every active chat (or a topic's followers) through the outbox."""
    import time

    from digests import broadcast as cases
    from digests.ingest import make_fetcher
    from digests.render import Renderer
    from digests.split import visible_text
    from digests.timeutil import utcnow

    if (text is None) == (url is None):
        raise click.UsageError("give either --text or --url")

    class Stalled(Exception):
        """Nothing was sent for ``stall`` seconds."""

    async def _follow(db: Database, started: cases.Started) -> cases.Progress:
        label = f"broadcast #{started.id}"
        with click.progressbar(length=started.recipients, label=label, file=sys.stderr) as bar:
            shown = 0
            moved_at = time.monotonic()

            def show(progress: cases.Progress) -> None:
                nonlocal shown, moved_at
                if progress.done > shown:
                    bar.update(progress.done - shown)
                    shown, moved_at = progress.done, time.monotonic()
                elif not send_here and time.monotonic() - moved_at > stall:
                    raise Stalled

            return await cases.follow(db, started.id, show, interval=0.5)

    async def work(settings: Settings, db: Database) -> None:
        if url is not None:
            async with make_fetcher(settings) as fetcher:
                card = await cases.fetch_card(
                    fetcher, url, allow_private=settings.allow_private_sources
                )
            message = cases.check_html(Renderer().render("broadcast_card", card=card))
        else:
            assert text is not None
            message = cases.check_html(text)
        audience, topic_id, who = cases.Audience.ALL, None, "every active chat"
        if topic is not None:
            topic_id, name = await cases.find_topic(db, topic)
            audience, who = cases.Audience.TOPIC, f"the followers of {name!r}"
        count = await cases.count_recipients(db, audience, topic_id)
        click.echo(visible_text(message))
        click.echo(
            f"--- to {who}: {count} chat{'' if count == 1 else 's'}"
            + (", urgent (through quiet hours)" if urgent else "")
        )
        if not yes:
            click.confirm("Send it?", abort=True)
        plan = cases.Plan(
            admin_id=0,
            text=message,
            audience=audience,
            topic_id=topic_id,
            source_url=url,
            urgent=urgent,
        )
        started = await cases.start_broadcast(db, plan, now=utcnow())
        chats = f"{started.recipients} chat{'' if started.recipients == 1 else 's'}"
        click.echo(f"broadcast #{started.id} queued for {chats}")
        sys.stdout.flush()
        if send_here:
            final = await _deliver_while(settings, db, lambda: _follow(db, started))
        else:
            try:
                final = await _follow(db, started)
            except Stalled:
                click.echo(
                    f"nothing was sent for {stall:.0f} s: is the bot running? The messages stay "
                    "queued; `newsbot run` or `newsbot deliver` sends them "
                    "(or use --deliver next time).",
                    err=True,
                )
                return
        click.echo(
            f"broadcast #{final.id} {final.status.value}: sent {final.sent}, failed "
            f"{final.failed}, blocked {final.blocked}"
            + (f", not sent (stopped) {final.stopped}" if final.stopped else "")
        )

    _run(work)


async def _deliver_while(settings: Settings, db: Database, watch: Callable[[], Awaitable[T]]) -> T:
    """Send from this process while ``watch`` runs, unless another process is the sender
    (then only watch: a second sender would send the same rows twice)."""
    from bot.sender import open_sender
    from digests.delivery import Delivery
    from digests.leases import SENDER, Lease, Owner, serve_role

    owner = Owner.this_process(settings.instance_name)
    lease = Lease(db, SENDER, owner, ttl=settings.lease_ttl)
    if not await lease.try_take():
        click.echo(f"a sender is running ({lease.holder}); it sends the broadcast", err=True)
        return await watch()
    async with open_sender(settings, connections=80) as sender:
        delivery = Delivery.from_settings(db, sender, settings, owner=str(owner))
        stop = asyncio.Event()
        sending = asyncio.create_task(serve_role(lease, stop, delivery.run))
        try:
            return await watch()
        finally:
            stop.set()
            await sending


# --- fetch -----------------------------------------------------------------------------


@main.command()
def fetch() -> None:
    """Fetch every source once now, with a progress bar and a summary."""
    from digests.ingest import Ingest, make_fetcher
    from digests.source_admin import active_source_ids
    from digests.timeutil import utcnow

    async def work(settings: Settings, db: Database) -> None:
        ids = await active_source_ids(db)
        if not ids:
            click.echo("no sources to fetch; add one with: newsbot sources add URL")
            return
        with click.progressbar(length=len(ids), label="fetching", file=sys.stderr) as bar:
            async with make_fetcher(settings) as fetcher:
                summary = await Ingest(db, settings, fetcher).fetch_all(
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
