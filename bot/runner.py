"""Start the whole bot: wait for its database and Bot API, then run its roles until a signal.

The order matters and is kept in one place: redaction and logging first (so nothing printed
later can show the token), the database (waited for, and checked at the current migration),
the Bot API (waited for; a rejected token is one line), the HTTP server, then the roles:
sender, clock, and last the receiver (long polling, or the webhook), so every update finds
the sender that paces its reply. Stopping runs the other way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Coroutine
from typing import Any, TypeVar

from bot.app import build_application, drop_empty_chat_state
from bot.health import BotApiWatch, Readiness
from bot.logs import asyncio_exception_handler, install_redaction, secrets_of, setup_logging
from bot.metrics import Metrics
from bot.roles import ClockRole, PollingRole, Role, SenderRole, WebhookRole
from bot.sender import TelegramSender
from bot.services import Services
from bot.startup import initialize
from bot.types import App
from bot.web import WebServer
from bot.webhook import WebhookReceiver, webhook_path
from digests import migrate
from digests.connect import wait_for_database
from digests.db import Database
from digests.delivery import Delivery
from digests.errors import ConfigError
from digests.ingest import Ingest, make_fetcher
from digests.leases import POLLER, SENDER, Lease, Owner
from digests.render import Renderer
from digests.roles import Roles
from digests.scheduler import NewsScheduler
from digests.settings import Settings
from digests.sources.fetch import Fetcher

log = logging.getLogger(__name__)

T = TypeVar("T")

# How often python-telegram-bot's empty per-chat dicts are dropped (bot.app).
SWEEP_EVERY = 300.0


def run_bot(settings: Settings) -> None:
    """Serve until SIGINT/SIGTERM."""
    settings.token  # noqa: B018 - a missing token is a ConfigError before anything starts
    secrets = secrets_of(settings)
    install_redaction(secrets)
    setup_logging(settings.log_level, secrets, settings.log_format)
    asyncio.run(_until_signal(settings))


async def _until_signal(settings: Settings) -> None:
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(asyncio_exception_handler)
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await serve(settings, stop)


async def _check_alone_on_sqlite(db: Database, owner: Owner, settings: Settings) -> None:
    """On SQLite only one process may send and tick: refuse to be a second one."""
    if db.dialect != "sqlite":
        return
    found = await Lease(db, SENDER, owner, ttl=settings.lease_ttl).who_holds()
    if found is not None:
        raise ConfigError(
            f"several processes need PostgreSQL: newsbot already runs on this SQLite database "
            f"({found}); stop it, or set DATABASE_URL to a PostgreSQL database"
        )


class _StoppedWhileWaiting(Exception):
    """A stop signal came while the bot still waited for what it needs to start."""


async def _unless_stopped(work: Coroutine[Any, Any, T], stop: asyncio.Event) -> T:
    """Await ``work``; if ``stop`` is set first, cancel it and raise _StoppedWhileWaiting.

    compose may stop a bot that is still waiting for PostgreSQL: it must exit at once, not
    when its startup timeout runs out (or at SIGKILL).
    """
    task = asyncio.ensure_future(work)
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
    if task.done():
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    raise _StoppedWhileWaiting


async def serve(settings: Settings, stop: asyncio.Event) -> None:
    """Run the bot in the running event loop until ``stop`` is set (also while it waits for
    its database or the Bot API at start)."""
    migrate.require_sqlite_file(settings.database_url)
    try:
        await _unless_stopped(
            wait_for_database(settings.database_url, give_up_after=settings.startup_timeout),
            stop,
        )
    except _StoppedWhileWaiting:
        log.info("stopped while waiting for the database")
        return
    db = Database(settings.database_url)
    fetcher = make_fetcher(settings)
    owner = Owner.this_process(settings.instance_name)
    try:
        await migrate.require_head(db.engine)
        await _check_alone_on_sqlite(db, owner, settings)
        await _run_roles(settings, db, fetcher, stop, owner)
    finally:
        await fetcher.close()
        await db.close()


async def _run_roles(
    settings: Settings, db: Database, fetcher: Fetcher, stop: asyncio.Event, owner: Owner
) -> None:
    identity = str(owner)
    sender_lease = Lease(db, SENDER, owner, ttl=settings.lease_ttl)
    renderer = Renderer()
    held = Roles(sender=sender_lease)
    services = Services(settings=settings, db=db, renderer=renderer, roles=held)
    application = build_application(services)
    roles: list[Role] = []

    def role_states() -> dict[str, bool]:
        return {role.name: role.active for role in roles}

    metrics = Metrics(
        db,
        identity=identity,
        lease_holder=lambda: sender_lease.holder_now,
        roles=role_states,
    )
    application.on_handled = metrics.update_handled  # type: ignore[attr-defined]

    try:
        await _unless_stopped(
            initialize(
                application, api_url=settings.bot_api_url, give_up_after=settings.startup_timeout
            ),
            stop,
        )
    except _StoppedWhileWaiting:
        log.info("stopped while waiting for the Bot API")
        return
    watch = BotApiWatch(application.bot)
    watch.answered()
    server: WebServer | None = None
    try:
        assert application.post_init is not None
        await application.post_init(application)  # command menus
        delivery = Delivery.from_settings(
            db, TelegramSender(application.bot), settings, owner=identity, telemetry=metrics
        )
        services.delivery = delivery
        sender = SenderRole(delivery, sender_lease)
        scheduler = NewsScheduler(
            db,
            settings,
            Ingest(db, settings, fetcher, renderer=renderer, notify=services.notify_sender),
            renderer,
            notify=services.notify_sender,
            telemetry=metrics,
        )
        roles += [sender, ClockRole(scheduler)]
        webhook = None
        if settings.webhook_url is not None and settings.webhook_secret is not None:
            secret = settings.webhook_secret.get_secret_value()
            webhook = (webhook_path(settings.webhook_url), WebhookReceiver(application, secret))
            roles.append(WebhookRole(application, settings.webhook_url, secret))
        else:
            poller = Lease(db, POLLER, owner, ttl=settings.lease_ttl)
            held.poller = poller
            roles.append(PollingRole(application, poller))
        if settings.listen is not None:
            host, port = settings.listen
            server = WebServer(
                host,
                port,
                readiness=Readiness(db, watch, role_states),
                metrics=metrics,
                webhook=webhook,
            )
            try:
                await server.start()
            except OSError as exc:
                raise ConfigError(
                    f"{'WEBHOOK_LISTEN' if webhook else 'HTTP_LISTEN'}: cannot listen on "
                    f"{host}:{port} ({exc.strerror or exc})"
                ) from None
        await application.start()
        sweeping = asyncio.create_task(_sweep(application), name="sweep")
        try:
            await _until_stopped(application, roles, stop, identity, server)
        finally:
            sweeping.cancel()
    finally:
        if server is not None:
            await server.stop()
        await application.shutdown()


async def _sweep(application: App) -> None:
    """Every SWEEP_EVERY seconds, drop the empty per-chat dicts python-telegram-bot keeps."""
    while True:
        await asyncio.sleep(SWEEP_EVERY)
        drop_empty_chat_state(application)


async def _until_stopped(
    application: App,
    roles: list[Role],
    stop: asyncio.Event,
    identity: str,
    server: WebServer | None,
) -> None:
    """Start the roles (the receiver last), wait for a signal, then stop them.

    The receiver stops first and the Application next, so updates in progress are answered
    while the sender still runs; the sender stops last, finishing its sends in flight.
    """
    started: list[Role] = []
    try:
        for role in roles:
            await role.start()
            started.append(role)
        log.info("running as %s: %s", identity, ", ".join(r.name for r in roles))
        await stop.wait()
        log.info("stopping")
    finally:
        receiver, background = started[-1:], started[:-1]
        if len(started) < len(roles):
            receiver, background = [], started
        for role in [*receiver]:
            await _stop_role(role)
        if server is not None:
            await server.stop()
        if application.running:
            await application.stop()
        for role in reversed(background):
            await _stop_role(role)


async def _stop_role(role: Role) -> None:
    try:
        await role.stop()
    except Exception:
        log.exception("role %s did not stop cleanly", role.name)
