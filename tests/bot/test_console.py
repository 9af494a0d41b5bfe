"""`newsbot console` driven through a pseudo-terminal, as a person types to it.

Each test starts the real command (the example feeds it ships, its own SQLite file, the bot
against its in-process Bot API) and reads what the terminal shows, with colours and link
escapes removed.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

NEWSBOT = Path(sys.executable).with_name("newsbot")
# Loading the examples imports page extraction and fetches two feeds and nine pages; on a
# loaded two-core machine that can take a while. Later answers come much sooner.
START = 180
ANSWER = 90
ESCAPES = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\]8;[^\x1b\x07]*(?:\x1b\\|\x07)")


class Terminal:
    """The console in a pty: type a line, then read what it drew up to the next prompt."""

    def __init__(self, child: pexpect.spawn) -> None:  # type: ignore[type-arg]
        self.child = child

    def wait_prompt(self, prompt: str = "user> ", timeout: float = ANSWER) -> str:
        self.child.expect_exact(prompt, timeout=timeout)
        return ESCAPES.sub("", self.child.before or "")

    def say(self, line: str, prompt: str = "user> ") -> str:
        """Type ``line``; what appeared until the prompt came back."""
        self.child.sendline(line)
        return self.wait_prompt(prompt)


def _spawn(tmp_path: Path, args: list[str], **extra_env: str) -> pexpect.spawn:  # type: ignore[type-arg]
    """``newsbot ARGS`` in a 120-column pty, in a folder of its own, with none of the
    operator's bot settings."""
    env = {
        **os.environ,
        "COLUMNS": "120",
        "LINES": "50",
        "TERM": "xterm-256color",
        "HOME": str(tmp_path),
        "TMPDIR": str(tmp_path),
        **extra_env,
    }
    for name in ("DATABASE_URL", "BOT_TOKEN", "BOT_API_URL", "ADMIN_IDS", "WEBHOOK_URL"):
        env.pop(name, None)
    return pexpect.spawn(
        str(NEWSBOT),
        args,
        cwd=str(tmp_path),
        env=env,
        encoding="utf-8",
        dimensions=(50, 120),
        timeout=ANSWER,
    )


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    child = _spawn(tmp_path, ["console"])
    terminal = Terminal(child)
    try:
        yield terminal
    finally:
        if child.isalive():
            child.sendline("/quit")
            child.expect(pexpect.EOF, timeout=30)
        child.close()


def test_a_person_follows_a_topic_reads_the_news_and_an_article(terminal: Terminal) -> None:
    loaded = terminal.wait_prompt(timeout=START)
    assert "articles from 2 feeds" in loaded

    welcome = terminal.say("/start")
    assert "Hello, Sam!" in welcome
    assert re.search(r"\b1 +Climate +2 +Middle East\b", welcome)

    pressed = terminal.say("2")
    assert "Following Middle East" in pressed  # the button's answer
    assert "✅ Middle East" in pressed and "edited" in pressed  # the picker, edited

    latest = terminal.say("/latest")
    assert "Latest headlines" in latest
    assert "1. Euphrates water deal: Syria and Iraq agree on summer releases" in latest
    assert "سوريا والعراق تتفقان على حصص مياه الفرات في الصيف" in latest
    assert "Example World Desk · 25 min ago" in latest
    assert re.search(r"\b1 +Read 1 +2 +Read 2\b", latest)

    article = terminal.say("1")
    assert "Euphrates water deal: Syria and Iraq agree on summer releases" in article
    assert "Example World Desk · " in article
    # The full text extracted from the article's page, paragraph by paragraph, and the link.
    assert "Hydrologists have warned for years" in article
    assert "the rules of the joint committee." in " ".join(article.replace("│", " ").split())
    assert "Read it at Example World Desk" in article

    again = terminal.say("1")
    assert "I have just sent this article: it is above." in again
    assert "Hydrologists" not in again

    found = terminal.say("/search marathon")
    assert "Search: marathon" in found
    assert "1. Beirut marathon returns with 40,000 runners" in found
    assert re.search(r"\b1 +Read 1\b", found)


def test_settings_buttons_and_who_is_typing(terminal: Terminal) -> None:
    terminal.wait_prompt(timeout=START)
    settings = terminal.say("/settings")
    assert "Digest settings" in settings and "Time: 08:00" in settings
    assert re.search(r"\b3 +📅 Daily\b", settings)

    frequency = terminal.say("3")  # 📅 Daily: the same message now asks how often
    assert "#2 · edited" in frequency
    assert "How often should the digest come?" in frequency
    assert re.search(r"\b1 +✓ Daily +2 +Mon–Fri", frequency)
    weekdays = terminal.say("2")
    assert "Frequency: Monday to Friday" in weekdays
    back = terminal.say("6")  # ‹ Back
    assert re.search(r"\b1 +⏰ Time 08:00\b", back)
    times = terminal.say("1")
    assert re.search(r"\b9 +Type a time…", times)
    prompt = terminal.say("9")
    assert "Send the time of day" in prompt
    typed = terminal.say("7")  # the answer to the question, not button 7
    assert "Time set to 07:00" in typed and "Time: 07:00" in typed

    refused = terminal.say("/stats")
    assert "Not allowed." in refused and "Stats (" not in refused  # a user is not an admin

    assert "now typing as admin" in terminal.say("/as admin", prompt="admin> ")
    stats = terminal.say("/stats", prompt="admin> ")
    assert "Stats (" in stats and "Articles in 24 h: 10" in stats
    saved = re.search(r"photo saved to (\S+\.png)", stats)
    assert saved is not None
    assert Path(saved.group(1)).read_bytes().startswith(b"\x89PNG")

    group = terminal.say("/as group", prompt="group> ")
    assert "now typing as group in Console group" in group
    hello = terminal.say("/start", prompt="group> ")
    assert "Hello, Console group!" in hello


def test_feeds_given_on_the_command_line_replace_the_examples(tmp_path: Path) -> None:
    server = pexpect.spawn(
        sys.executable,
        ["-m", "tests.support.feedserver", "--port", "0"],
        cwd=str(Path(__file__).parents[2]),
        encoding="utf-8",
        timeout=ANSWER,
    )
    try:
        server.expect(r"Feed server on (http://127\.0\.0\.1:\d+)")
        feed = f"{server.match.group(1)}/news.xml"
        child = _spawn(tmp_path, ["console", "--feeds", feed], FETCH_PAGES="false")
        terminal = Terminal(child)
        loaded = terminal.wait_prompt(timeout=START)
        assert "6 articles from 1 feeds" in loaded
        latest = terminal.say("/latest Middle East")  # the example topics are there to follow
        assert "Latest on Middle East" in latest
        assert "Syria: aid convoy reaches Hasakah" in latest
        assert "Euphrates" not in latest  # no example feed was loaded
        child.sendline("/quit")
        child.expect(pexpect.EOF, timeout=30)
        child.close()
        assert child.exitstatus == 0
    finally:
        server.terminate(force=True)


def test_a_db_file_in_a_missing_folder_is_one_line_and_status_2(tmp_path: Path) -> None:
    child = _spawn(tmp_path, ["console", "--db", str(tmp_path / "nowhere" / "x.db")])
    shown = child.read()
    child.close()
    assert child.exitstatus == 2
    assert shown.strip() == (
        f"newsbot: --db: folder {tmp_path / 'nowhere'} does not exist; create it first"
    )
