"""One ``newsbot console`` session: the real bot, in process, and a person typing to it.

The bot is the Application ``bot.app.build_application`` makes for ``newsbot run``, with every
handler, the outbox sender and the scheduler (fetches, digest ticks); only its Bot API
transport differs (``bot.console.telegram``). It runs on an SQLite file of its own, migrated
at start. A typed line goes to the bot as a Telegram update; the prompt comes back when the
bot has handled it, after its replies are drawn.
"""

from __future__ import annotations

import asyncio
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
# A dropped update is taken as done once the bot has been idle this many checks in a row.
IDLE_CHECKS = 3
IDLE_STEP = 0.05


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
    "/start, /topics, /latest, /digest, /settings, /help… A number presses that button of "
    "the newest message with buttons, unless the bot has just asked you a question "
    '(\\7 always sends the text "7"). /as user, /as admin and /as group change who is typing '
    "and where; /quit or Ctrl-D ends."
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
    database = settings.database_url.split("///", 1)[1]
    Screen(console).note(f"database {database}, log {folder / 'console.log'}")
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
        await _load_news(db, fetcher, settings, feeds, screen)
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
) -> None:
    """Add the example topics to a database without topics and the feeds not added yet, then
    fetch those feeds."""
    now = utcnow()
    if not await list_topics(db):
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
    turns = _Turns(application, telegram)
    assert isinstance(application, NewsApplication)
    application.on_handled = turns.count
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
        await _read_lines(telegram, screen, turns, people(language))
    finally:
        await application.updater.stop()
        await application.stop()
        for role in reversed(roles):
            await role.stop()
        await application.shutdown()


class _Turns:
    """Says when the bot is done with what the person just did, so the prompt comes back.

    Done is handled (``NewsApplication.on_handled`` counts every update handled), or dropped
    before any handler ran: over the command budget, or the same command still being answered
    (``bot.fairness``). A dropped update is never counted, so the bot also counts as done
    when it has received the update and nothing is queued or in progress for a moment.
    """

    def __init__(self, application: App, telegram: Telegram) -> None:
        self._application = application
        self._telegram = telegram
        self.handled = 0
        self.expected = 0

    def count(self, _seconds: float) -> None:
        self.handled += 1

    async def settled(self, update_id: int) -> bool:
        """Wait until the bot is done with ``update_id``; False if it took too long."""
        self.expected += 1
        loop = asyncio.get_running_loop()
        deadline = loop.time() + ANSWER_WAIT
        quiet = 0
        while loop.time() < deadline:
            if self.handled >= self.expected:
                return True
            quiet = quiet + 1 if self._idle(update_id) else 0
            if quiet >= IDLE_CHECKS:
                self.expected = self.handled  # it was dropped: nothing more will count it
                return True
            await asyncio.sleep(IDLE_STEP)
        return False

    def _idle(self, update_id: int) -> bool:
        return (
            self._telegram.delivered >= update_id
            and self._application.update_queue.empty()
            and self._application.update_processor.current_concurrent_updates == 0
        )


async def _read_lines(
    telegram: Telegram, screen: Screen, turns: _Turns, cast: dict[str, Person]
) -> None:
    """Read what the person types until they quit; each line is one update, or a console
    command (``/as``, ``/quit``)."""
    person = cast["user"]
    screen.here = person.chat_id
    screen.names = {p.chat_id: p.title or p.first_name for p in cast.values()}
    screen.note(HELP)
    joined: set[int] = set()
    while True:
        try:
            line = (await asyncio.to_thread(input, f"{person.name}> ")).strip()
        except (EOFError, KeyboardInterrupt):
            return
        update_id: int | None = None
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
                update_id = telegram.add_bot_to(person)
        elif (
            line.isdigit()
            and not _asked(telegram, person.chat_id)
            and (message := _newest_with_buttons(telegram, person.chat_id))
        ):
            update_id = _press(telegram, person, message, int(line), screen)
        else:
            update_id = telegram.type(person, line.removeprefix("\\"))
        if update_id is not None and not await turns.settled(update_id):
            screen.note("(the bot is still working on that; its answer will appear here)")


def _asked(telegram: Telegram, chat_id: int) -> bool:
    """Whether the bot's newest message in the chat waits for a typed answer (a forced
    reply): then a number typed is that answer, not a button."""
    mine = [m for (chat, _), m in telegram.messages.items() if chat == chat_id and m.from_bot]
    newest = max(mine, key=lambda m: m.message_id, default=None)
    return newest is not None and bool((newest.markup or {}).get("force_reply"))


def _newest_with_buttons(telegram: Telegram, chat_id: int) -> Message | None:
    """The newest message in the chat with inline buttons, the one a number presses."""
    found = [
        m for (chat, _), m in telegram.messages.items()
        if chat == chat_id and m.from_bot and buttons_of(m.markup)
    ]  # fmt: skip
    return max(found, key=lambda m: m.message_id, default=None)


def _press(
    telegram: Telegram, person: Person, message: Message, number: int, screen: Screen
) -> int | None:
    """Press button ``number`` (from 1) under ``message``: the update's id, or None when
    there is no such button to press."""
    buttons = buttons_of(message.markup)
    if not 1 <= number <= len(buttons):
        screen.note(f"message #{message.message_id} has buttons 1 to {len(buttons)}")
        return None
    button = buttons[number - 1]
    if "callback_data" not in button:
        screen.note(f"{button['text']}: {button.get('url', 'not a button the console can press')}")
        return None
    screen.note(f"[{button['text']}]")
    return telegram.press(person, message, str(button["callback_data"]))
