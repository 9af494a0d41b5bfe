"""The settings object: the only place that reads the environment (and ``.env``)."""

from __future__ import annotations

import re
from datetime import time
from typing import Annotated
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from digests.errors import ConfigError

# How far back topic re-matching reads article text (digests.topics, digests.personal_topics).
TEXT_NEEDED_DAYS = 30
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


def parse_listen(value: str) -> tuple[str, int]:
    """Parse ``host:port`` (``:8080`` or ``0.0.0.0:8080``; IPv6 as ``[::]:8080``)."""
    host, sep, port = value.strip().rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"expected host:port such as 0.0.0.0:8080, got {value!r}")
    return host.strip("[]") or "0.0.0.0", int(port)  # noqa: S104 - a service listens on all


def parse_hhmm(value: str) -> time:
    """Parse ``HH:MM`` (24 h) into a time; raises ValueError with a readable message."""
    match = _HHMM.match(value.strip())
    if not match:
        raise ValueError(f"expected a time as HH:MM (24 h), got {value!r}")
    return time(int(match.group(1)), int(match.group(2)))


MAX_DIGEST_TIMES = 4


def parse_times(value: str) -> tuple[time, ...]:
    """Parse a chat's digest times as stored, ``HH:MM`` joined by commas ("08:00,18:30").

    Returns them sorted and distinct; ValueError unless there are 1 to ``MAX_DIGEST_TIMES``.
    """
    times = tuple(sorted({parse_hhmm(part) for part in value.split(",")}))
    if not 1 <= len(times) <= MAX_DIGEST_TIMES:
        raise ValueError(f"expected 1 to {MAX_DIGEST_TIMES} digest times, got {value!r}")
    return times


def format_times(times: tuple[time, ...] | list[time]) -> str:
    """The stored form of digest times: sorted, distinct, ``HH:MM`` joined by commas."""
    return ",".join(f"{at:%H:%M}" for at in sorted(set(times)))


class Settings(BaseSettings):
    """Every setting newsbot reads, validated once at start and passed down."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    bot_api_url: str = "https://api.telegram.org"
    database_url: str = "sqlite+aiosqlite:///newsbot.db"
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    default_timezone: str = "UTC"
    default_digest_time: str = "08:00"
    allow_private_sources: bool = False
    log_level: str = "INFO"
    send_rate: float = Field(default=25.0, gt=0, le=1000)
    # Broadcasts as paid broadcasts (allow_paid_broadcast, 0.1 Star a message over the free
    # rate, enabled in @BotFather) at up to paid_broadcast_rate; digests keep send_rate.
    paid_broadcasts: bool = False
    paid_broadcast_rate: float = Field(default=1000.0, gt=0, le=1000)
    fetch_timeout: float = Field(default=20.0, gt=0)
    fetch_max_bytes: int = Field(default=5_000_000, gt=0)
    fetch_per_host: int = Field(default=2, ge=1)
    default_fetch_interval: int = Field(default=900, ge=60)
    # How long a claimed source stays with the worker that claimed it: a worker killed
    # mid-fetch leaves it to the others after this. Keep it above the longest fetch.
    fetch_claim_seconds: float = Field(default=600.0, ge=1)
    fetch_pages: bool = True
    catch_up_hours: float = Field(default=6.0, ge=0)
    # Alerts a chat may get in any hour; the stories past it wait for the digest.
    alerts_per_hour: int = Field(default=3, ge=0, le=60)
    # Running as a service: webhook instead of long polling, the operators' HTTP server, logs.
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str | None = None
    http_listen: str | None = None
    log_format: str = "text"
    startup_timeout: float = Field(default=300.0, ge=0)
    # Retention, in days; 0 keeps everything of that kind (see digests/retention.py).
    outbox_retention_days: int = Field(default=7, ge=0)
    outbox_failed_retention_days: int = Field(default=30, ge=0)
    article_text_retention_days: int = Field(default=90, ge=0)
    history_retention_days: int = Field(default=30, ge=0)
    prune_batch_rows: int = Field(default=500, ge=10, le=100_000)
    # How this process is named in the leases it holds (default: the host name).
    instance_name: str | None = Field(default=None, max_length=64)
    # Seconds a sender or poller lease lasts unless renewed; a standby takes over within
    # about 1.2 × this after the holder dies.
    lease_ttl: float = Field(default=10.0, ge=2, le=300)
    # Hours a broadcast message is still worth sending: transient failures are retried until
    # then (digests: CATCH_UP_HOURS).
    broadcast_ttl: float = Field(default=24.0, gt=0)
    # Commands a chat (and a member of a group) may send: a burst, then so many a minute.
    chat_command_rate: float = Field(default=20.0, gt=0, le=600)
    chat_command_burst: int = Field(default=5, ge=1, le=100)
    # Chats' own feeds (/addfeed): how many one chat may add (0 turns /addfeed off), how many
    # chat-added sources there may be in all, and how often at most one is fetched (seconds).
    user_feeds_per_chat: int = Field(default=10, ge=0, le=100)
    user_feeds_max: int = Field(default=1000, ge=0)
    user_feed_min_interval: int = Field(default=1800, ge=60)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            try:
                return frozenset(int(p) for p in parts)
            except ValueError:
                raise ValueError(
                    "expected comma-separated numeric Telegram user ids, e.g. 12345,67890"
                ) from None
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("bot_api_url")
    @classmethod
    def _check_api_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected an http(s) URL such as https://api.telegram.org")
        return value

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "expected sqlite+aiosqlite:///FILE or postgresql+asyncpg://USER@HOST/DB"
            )
        return value

    @field_validator("default_timezone")
    @classmethod
    def _check_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name like Asia/Baghdad"
            ) from None
        return value

    @field_validator("default_digest_time")
    @classmethod
    def _check_time(cls, value: str) -> str:
        return format_times(parse_times(value))

    @field_validator("log_level")
    @classmethod
    def _check_level(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _check_webhook_url(cls, value: str | None) -> str | None:
        if not value or not value.strip():
            return None
        value = value.strip()
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("expected the public https URL Telegram posts updates to")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _check_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        # Telegram's rule for secret_token: 1-256 characters, A-Z, a-z, 0-9, _ and -.
        if not _SECRET.fullmatch(value.get_secret_value()):
            raise ValueError("expected 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("webhook_listen", "http_listen")
    @classmethod
    def _check_listen(cls, value: str | None) -> str | None:
        if not value or not value.strip():
            return None
        parse_listen(value)
        return value.strip()

    @field_validator("log_format")
    @classmethod
    def _check_log_format(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in {"text", "json"}:
            raise ValueError("expected text or json")
        return value

    @model_validator(mode="after")
    def _check_webhook(self) -> Settings:
        given = [self.webhook_url, self.webhook_secret, self.webhook_listen]
        if any(given) and not all(given):
            raise ValueError(
                "WEBHOOK_URL, WEBHOOK_SECRET and WEBHOOK_LISTEN are needed together "
                "(leave all three unset for long polling)"
            )
        if (
            self.webhook_listen
            and self.http_listen
            and parse_listen(self.webhook_listen) != parse_listen(self.http_listen)
        ):
            raise ValueError(
                "HTTP_LISTEN: the health and metrics pages share the webhook's server; "
                "leave HTTP_LISTEN unset or equal to WEBHOOK_LISTEN"
            )
        return self

    @model_validator(mode="after")
    def _check_paid_rate(self) -> Settings:
        if self.paid_broadcasts and self.paid_broadcast_rate < self.send_rate:
            raise ValueError(
                f"PAID_BROADCAST_RATE ({self.paid_broadcast_rate:g}) is below SEND_RATE "
                f"({self.send_rate:g}): paid broadcasts would go slower than free messages"
            )
        return self

    @property
    def webhook(self) -> bool:
        """True when updates come by webhook rather than long polling."""
        return self.webhook_url is not None

    @property
    def listen(self) -> tuple[str, int] | None:
        """Where the HTTP server (webhook, health, metrics) listens, or None for no server."""
        address = self.webhook_listen or self.http_listen
        return parse_listen(address) if address else None

    @field_validator("article_text_retention_days")
    @classmethod
    def _check_text_retention(cls, value: int) -> int:
        # Adding or editing a topic re-matches the last 30 days of articles on their text.
        if 0 < value < TEXT_NEEDED_DAYS:
            raise ValueError(
                f"expected 0 (keep forever) or at least {TEXT_NEEDED_DAYS} days: topics "
                f"re-match the last {TEXT_NEEDED_DAYS} days of articles on their text"
            )
        return value

    @property
    def token(self) -> str:
        """The bot token; ConfigError if it is not set (only the running bot needs it)."""
        if self.bot_token is None or not self.bot_token.get_secret_value().strip():
            raise ConfigError("BOT_TOKEN: not set; get one from @BotFather")
        return self.bot_token.get_secret_value().strip()


def load_settings(**overrides: object) -> Settings:
    """Build the settings from the environment; a bad value becomes one ConfigError line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else ""
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{name}: {message}" if name else message) from None
