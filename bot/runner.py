"""Start the whole bot: logging, database check, background jobs, long polling."""

from __future__ import annotations

import asyncio

from telegram.ext import Application

from bot.app import build_application, run_polling
from bot.logs import setup_logging
from bot.sender import TelegramSender
from bot.services import Services
from digests import migrate
from digests.db import Database
from digests.delivery import Delivery, batch_for
from digests.errors import ConfigError
from digests.ingest import make_fetcher
from digests.pacing import Pacer
from digests.render import Renderer
from digests.scheduler import NewsScheduler
from digests.settings import Settings


def _check_schema(database_url: str) -> None:
    async def current() -> str | None:
        db = Database(database_url)
        try:
            return await migrate.current_revision(db.engine)
        finally:
            await db.close()

    found, head = asyncio.run(current()), migrate.head_revision()
    if found != head:
        raise ConfigError(
            f"DATABASE_URL: schema is at {found or 'nothing'}, code needs {head}; "
            "run `newsbot db upgrade`"
        )


def run_bot(settings: Settings) -> None:
    """Serve until SIGINT/SIGTERM."""
    token = settings.token
    setup_logging(settings.log_level, [token])
    _check_schema(settings.database_url)
    db = Database(settings.database_url)
    fetcher = make_fetcher(settings)
    renderer = Renderer()
    services = Services(settings=settings, db=db, renderer=renderer)
    scheduler = NewsScheduler(db, settings, fetcher, renderer, notify=services.notify_sender)

    stop_delivery = asyncio.Event()
    sending: list[asyncio.Task[None]] = []

    async def on_start(app: Application) -> None:  # type: ignore[type-arg]
        delivery = Delivery(
            db,
            TelegramSender(app.bot),
            Pacer(settings.send_rate),
            batch=batch_for(settings.send_rate),
        )
        services.delivery = delivery
        sending.append(asyncio.create_task(delivery.run(stop_delivery), name="delivery"))
        scheduler.start()

    async def on_stop(_app: Application) -> None:  # type: ignore[type-arg]
        scheduler.shutdown()
        stop_delivery.set()
        await asyncio.gather(*sending, return_exceptions=True)
        await fetcher.close()
        await db.close()

    run_polling(build_application(services, on_start=on_start, on_stop=on_stop))
