"""Start the whole bot: logging, database check, background jobs, long polling."""

from __future__ import annotations

import asyncio

from telegram.ext import Application

from bot.app import build_application, run_polling
from bot.logs import setup_logging
from bot.services import Services
from digests import migrate
from digests.db import Database
from digests.errors import ConfigError
from digests.ingest import make_fetcher
from digests.render import Renderer
from digests.scheduler import IngestScheduler
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
    scheduler = IngestScheduler(db, settings, fetcher)

    async def on_start(_app: Application) -> None:  # type: ignore[type-arg]
        scheduler.start()

    async def on_stop(_app: Application) -> None:  # type: ignore[type-arg]
        scheduler.shutdown()
        await fetcher.close()
        await db.close()

    services = Services(settings=settings, db=db, renderer=Renderer())
    run_polling(build_application(services, on_start=on_start, on_stop=on_stop))
