"""Run Alembic migrations programmatically: the only way newsbot's schema is made."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from alembic import command
from digests.errors import ConfigError

_ROOT = Path(__file__).resolve().parent.parent


def alembic_config(database_url: str) -> Config:
    """An Alembic config for this project's scripts, aimed at ``database_url``."""
    config = Config(str(_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(_ROOT / "alembic"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Apply migrations up to ``revision``; blocking (Alembic runs its own event loop)."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    """Revert migrations down to ``revision``; blocking."""
    command.downgrade(alembic_config(database_url), revision)


def head_revision() -> str | None:
    """The newest migration this code knows."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


async def current_revision(engine: AsyncEngine) -> str | None:
    """The migration the database is at (None for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(read)


def _behind(found: str | None) -> ConfigError:
    return ConfigError(
        f"DATABASE_URL: schema is at {found or 'nothing'}, code needs {head_revision()}; "
        "run `newsbot db upgrade`"
    )


def require_sqlite_file(database_url: str) -> None:
    """ConfigError (the schema line) when a SQLite URL names a file that does not exist yet.

    Checked before connecting: SQLite would make an empty file, which looks like a database
    to the next command; only ``newsbot db upgrade`` should make one.
    """
    parsed = make_url(database_url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return
    path = Path(parsed.database).expanduser()
    # A missing folder is connect.check_sqlite_folder's line, which says more.
    if path.parent.is_dir() and not path.exists():
        raise _behind(None)


async def require_head(engine: AsyncEngine) -> None:
    """ConfigError (one line saying what to run) unless the database is at this code's head."""
    found = await current_revision(engine)
    if found != head_revision():
        raise _behind(found)


# Tables migrations make that ``digests.models`` does not declare, because their shape differs
# by database: the search index (``digests/store/search.py``) and SQLite's FTS5 tables behind it.
UNMODELLED_PREFIX = "article_search"


def modelled(_object: object, name: str | None, type_: str, *_: object) -> bool:
    """Alembic's ``include_object`` hook: compare everything but the unmodelled tables (and
    their indexes) with the models."""
    unmodelled = bool(name) and str(name).startswith(UNMODELLED_PREFIX)
    return not (type_ in ("table", "index") and unmodelled)
