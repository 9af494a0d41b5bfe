"""One ``newsbot console`` session: the real bot, in process, and a person typing to it.

The bot is the Application ``bot.app.build_application`` makes for ``newsbot run``, with every
handler, the outbox sender and the scheduler (fetches, digest ticks); only its Bot API
transport differs (``bot.console.telegram``). It runs on an SQLite file of its own, migrated
at start. A typed line goes to the bot as a Telegram update; the prompt comes back when the
bot has handled it, after its replies are drawn.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from bot.app import NewsApplication, build_application
from bot.console.examples import ExampleServer, example_topics
from bot.console.screen import Screen, buttons_of
from bot.console.telegram import InProcessRequest, Message, Person, Telegram
from bot.roles import ClockRole, Role, SenderRole
from bot.sender import TelegramSender
from bot.services import Services
from bot.types import App
from digests import migrate
from digests.db import Database
from digests.delivery import Delivery
from digests.errors import NewsbotError
from digests.ingest import Ingest, make_fetcher
from digests.leases import SENDER, Lease, Owner
from digests.render import Renderer
from digests.scheduler import NewsScheduler
from digests.settings import Settings, load_settings
from digests.source_admin import all_sources
from digests.sources.fetch import Fetcher
from digests.sources.register import register_source
from digests.timeutil import utcnow
from digests.topics import add_topic, list_topics

log = logging.getLogger(__name__)

ADMIN_ID = 42
GROUP_ID = -1001000000001
# How long the prompt waits for the bot to finish with one typed line (an article of six
# messages, paced a second apart, is the slowest answer).
ANSWER_WAIT = 60.0


def people(language: str) -> dict[str, Person]:
    """Who the person can be: ``/as user``, ``/as admin``, ``/as group``."""
    return {
        "user": Person("user", 1001, "Sam", 1001, language=language),
        "admin": Person("admin", ADMIN_ID, "Ada", ADMIN_ID, language=language),
        "group": Person(
            "group", 1001, "Sam", GROUP_ID, "supergroup", "Console group", language=language
        ),
    }


HELP = (
    "You are chatting with newsbot; nothing leaves this computer. Type as in Telegram: "
    "/start, /topics, /latest, /digest, /settings, /help… A number presses that button "
    'of the newest message with buttons (\\7 sends the text "7"). /as user, /as admin and '
    "/as group change who is typing and where; /quit or Ctrl-D ends."
)


@dataclass
class Options:
    """What ``newsbot console`` was asked for."""

    feeds: Sequence[str] = ()
    database: Path | None = None
    language: str = "en"


def console_settings(folder: Path, database: Path | None) -> Settings:
    """The settings of a console session: its own SQLite file, the console's admin, private
    addresses allowed (the example server is on 127.0.0.1), no webhook and no HTTP server."""
    path = database or folder / "console.db"
    return load_settings(
        bot_token="123456:CONSOLE",  # noqa: S106 - no secret: the console accepts any token
        bot_api_url="http://console.invalid",
        database_url=f"sqlite+aiosqlite:///{path}",
        admin_ids=frozenset({ADMIN_ID}),
        allow_private_sources=True,
        webhook_url=None,
        webhook_secret=None,
        webhook_listen=None,
        http_listen=None,
        instance_name="console",
    )


def run(options: Options, console: Console) -> None:
    """Run a session until the person quits."""
    folder = Path(tempfile.mkdtemp(prefix="newsbot-console-"))
    settings = console_settings(folder, options.database)
    logging.basicConfig(
        filename=folder / "console.log",
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    migrate.upgrade(settings.database_url)
    console.print(f"[dim]database {settings.database_url.split('///', 1)[1]}, "
                  f"log {folder / 'console.log'}[/dim]")  # fmt: skip
    asyncio.run(_session(settings, options, console, folder))


async def _session(settings: Settings, options: Options, console: Console, folder: Path) -> None:
    screen = Screen(console)
    telegram = Telegram(folder / "files", screen.show)
    db = Database(settings.database_url)
    fetcher = make_fetcher(settings)
    examples = ExampleServer()
    try:
        if not options.feeds:
            await examples.start()
        feeds = list(options.feeds) or examples.feed_urls
        await _load_news(db, fetcher, settings, feeds, screen, examples=not options.feeds)
        await _chat(settings, db, fetcher, telegram, screen, options.language)
    finally:
        await fetcher.close()
        await examples.stop()
        await db.close()


async def _load_news(
    db: Database,
    fetcher: Fetcher,
    settings: Settings,
    feeds: Sequence[str],
    screen: Screen,
    *,
    examples: bool,
) -> None:
    """Add the feeds not added yet (and, for the examples, their topics), then fetch them."""
    now = utcnow()
    if examples and not await list_topics(db):
        for topic in example_topics():
            await add_topic(db, topic.name, topic.keywords, now=now)
    known = {source.url for source in await all_sources(db)}
    added: list[int] = []
    for url in feeds:
        if url in known:
            continue
        try:
            info, _feed = await register_source(db, fetcher, url=url, allow_private=True, now=now)
        except NewsbotError as exc:
            screen.note(f"{url}: {exc}")
            continue
        added.append(info.id)
    if not added:
        return
    screen.note(f"fetching {len(added)} feeds…")
    summary = await Ingest(db, settings, fetcher).fetch_all(now=now, source_ids=added)
    screen.note(f"{summary.new_articles} articles from {summary.ok} feeds")


async def _chat(
    settings: Settings,
    db: Database,
    fetcher: Fetcher,
    telegram: Telegram,
    screen: Screen,
    language: str,
) -> None:
    """Start the bot, then read lines until the person quits."""
    renderer = Renderer()
    services = Services(settings=settings, db=db, renderer=renderer)
    application = build_application(services, transport=lambda: InProcessRequest(telegram))
    handled = _Handled()
    assert isinstance(application, NewsApplication)
    application.on_handled = handled.count
    owner = Owner.this_process("console")
    await application.initialize()
    assert application.post_init is not None
    await application.post_init(application)
    delivery = Delivery.from_settings(
        db, TelegramSender(application.bot), settings, owner=str(owner)
    )
    services.delivery = delivery
    scheduler = NewsScheduler(
        db, settings, Ingest(db, settings, fetcher), renderer, notify=services.notify_sender
    )
    sender = SenderRole(delivery, Lease(db, SENDER, owner, ttl=settings.lease_ttl))
    roles: list[Role] = [sender, ClockRole(scheduler)]
    for role in roles:
        await role.start()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0, timeout=10)
    try:
        await _read_lines(application, telegram, screen, handled, people(language))
    finally:
        await application.updater.stop()
        await application.stop()
        for role in reversed(roles):
            await role.stop()
        await application.shutdown()


class _Handled:
    """Counts the updates the bot has finished handling, and wakes whoever waits for one."""

    def __init__(self) -> None:
        self.done = 0
        self._changed = asyncio.Event()

    def count(self, _seconds: float) -> None:
        self.done += 1
        self._changed.set()

    async def wait_for(self, total: int) -> bool:
        """Wait until ``total`` updates are handled; False if the bot took too long."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + ANSWER_WAIT
        while self.done < total:
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), deadline - loop.time())
            except TimeoutError:
                return False
        return True


async def _read_lines(
    application: App,
    telegram: Telegram,
    screen: Screen,
    handled: _Handled,
    cast: dict[str, Person],
) -> None:
    person = cast["user"]
    screen.here = person.chat_id
    screen.names = {p.chat_id: p.title or p.first_name for p in cast.values()}
    screen.note(HELP)
    sent = 0
    joined: set[int] = set()
    while True:
        try:
            line = await asyncio.to_thread(input, f"{person.name}> ")
        except (EOFError, KeyboardInterrupt):
            return
        line = line.strip()
        if not line:
            continue
        if line in {"/quit", "/exit"}:
            return
        if line.startswith("/as"):
            chosen = cast.get(line.removeprefix("/as").strip())
            if chosen is None:
                screen.note("/as user, /as admin or /as group")
                continue
            person = chosen
            screen.here = person.chat_id
            screen.note(f"now typing as {person.name} in {screen.names[person.chat_id]}")
            if person.chat_type != "private" and person.chat_id not in joined:
                joined.add(person.chat_id)
                telegram.add_bot_to(person)
                sent += 1
                await _answered(handled, sent, screen)
            continue
        if line.isdigit():
            message = _newest_with_buttons(telegram, person.chat_id)
            if message is not None:
                if not _press(telegram, person, message, int(line), screen):
                    continue
                sent += 1
                await _answered(handled, sent, screen)
                continue
        telegram.type(person, line.removeprefix("\\"))
        sent += 1
        await _answered(handled, sent, screen)


async def _answered(handled: _Handled, total: int, screen: Screen) -> None:
    if not await handled.wait_for(total):
        screen.note("(the bot is still working on that; its answer will appear here)")
    # Let the pacing of replies (queued behind the handler) finish drawing.
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.sleep(0.05)


def _newest_with_buttons(telegram: Telegram, chat_id: int) -> Message | None:
    """The newest message in the chat with inline buttons, the one a number presses."""
    found = [
        m for (chat, _), m in telegram.messages.items()
        if chat == chat_id and m.from_bot and buttons_of(m.markup)
    ]  # fmt: skip
    return max(found, key=lambda m: m.message_id, default=None)


def _press(
    telegram: Telegram, person: Person, message: Message, number: int, screen: Screen
) -> bool:
    """Press button ``number`` (from 1) under ``message``; False when there is no such button."""
    buttons = buttons_of(message.markup)
    if not 1 <= number <= len(buttons):
        screen.note(f"message #{message.message_id} has buttons 1 to {len(buttons)}")
        return False
    button = buttons[number - 1]
    if "callback_data" not in button:
        screen.note(f"{button['text']}: {button.get('url', 'not a button the console can press')}")
        return False
    screen.note(f"[{button['text']}]")
    telegram.press(person, message, str(button["callback_data"]))
    return True
