"""Settings: defaults, parsing, and one clear line for each bad value."""

from __future__ import annotations

import subprocess
import sys

import pytest

from digests.errors import ConfigError
from digests.settings import load_settings


def test_defaults_need_nothing_set(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.database_url == "sqlite+aiosqlite:///newsbot.db"
    assert settings.bot_api_url == "https://api.telegram.org"
    assert settings.default_timezone == "UTC"
    assert settings.default_digest_time == "08:00"
    assert settings.allow_private_sources is False
    assert settings.admin_ids == frozenset()
    assert (settings.outbox_retention_days, settings.outbox_failed_retention_days) == (7, 30)
    assert settings.article_text_retention_days == 90
    assert settings.history_retention_days == 30
    assert (settings.chat_command_rate, settings.chat_command_burst) == (20.0, 5)


def test_values_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ADMIN_IDS", "12, 34")
    monkeypatch.setenv("BOT_API_URL", "http://127.0.0.1:8081/")
    monkeypatch.setenv("ALLOW_PRIVATE_SOURCES", "true")
    settings = load_settings()
    assert settings.admin_ids == frozenset({12, 34})
    assert settings.bot_api_url == "http://127.0.0.1:8081"
    assert settings.allow_private_sources is True


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("ADMIN_IDS", "12,bob", "ADMIN_IDS: expected comma-separated numeric"),
        ("DEFAULT_TIMEZONE", "Mars/Olympus", "DEFAULT_TIMEZONE: unknown time zone"),
        ("DEFAULT_DIGEST_TIME", "25:00", "DEFAULT_DIGEST_TIME: expected a time as HH:MM"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL: expected sqlite+aiosqlite"),
        ("BOT_API_URL", "ftp://x", "BOT_API_URL: expected an http(s) URL"),
        ("SEND_RATE", "0", "SEND_RATE:"),
        ("HTTP_LISTEN", "8080", "HTTP_LISTEN: expected host:port"),
        ("LOG_FORMAT", "xml", "LOG_FORMAT: expected text or json"),
        ("STARTUP_TIMEOUT", "-1", "STARTUP_TIMEOUT:"),
        ("WEBHOOK_URL", "https://bot.example.org/hook", "WEBHOOK_URL, WEBHOOK_SECRET and"),
        (
            "ARTICLE_TEXT_RETENTION_DAYS",
            "10",
            "ARTICLE_TEXT_RETENTION_DAYS: expected 0 (keep forever) or at least 30 days",
        ),
        ("OUTBOX_RETENTION_DAYS", "-1", "OUTBOX_RETENTION_DAYS:"),
        ("CHAT_COMMAND_RATE", "0", "CHAT_COMMAND_RATE: Input should be greater than 0"),
        ("CHAT_COMMAND_BURST", "0", "CHAT_COMMAND_BURST: Input should be greater than or equal"),
        ("CHAT_COMMAND_BURST", "many", "CHAT_COMMAND_BURST: Input should be a valid integer"),
    ],
)
def test_bad_setting_names_itself(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path,
    name: str,
    value: str,
    expected: str,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value).startswith(expected)


def test_run_without_token_exits_2_with_one_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/x.db"}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "newsbot: BOT_TOKEN: not set; get one from @BotFather"
    ]


def test_bad_setting_exits_2_without_traceback(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {"PATH": "/usr/bin:/bin", "DEFAULT_TIMEZONE": "Nowhere/City"}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "topics", "list"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("newsbot: DEFAULT_TIMEZONE: unknown time zone 'Nowhere/City'")


def test_run_on_an_unmigrated_database_says_how_to_fix_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {
        "PATH": "/usr/bin:/bin",
        "BOT_TOKEN": "1:SECRET",
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/empty.db",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 2
    assert "run `newsbot db upgrade`" in done.stderr
    assert "Traceback" not in done.stderr
    assert "1:SECRET" not in done.stderr


def test_webhook_settings_are_checked_together(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.org/telegram")
    monkeypatch.setenv("WEBHOOK_LISTEN", "0.0.0.0:8443")
    monkeypatch.setenv("WEBHOOK_SECRET", "has spaces")
    with pytest.raises(ConfigError, match=r"^WEBHOOK_SECRET: expected 1-256 characters"):
        load_settings()
    monkeypatch.setenv("WEBHOOK_SECRET", "Abc_123-xyz")
    settings = load_settings()
    assert settings.webhook and settings.listen == ("0.0.0.0", 8443)
    monkeypatch.setenv("HTTP_LISTEN", "0.0.0.0:9000")
    with pytest.raises(ConfigError, match=r"^HTTP_LISTEN: the health and metrics pages share"):
        load_settings()
