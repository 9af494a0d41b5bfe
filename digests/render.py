"""Render Telegram HTML from the Jinja2 templates in ``digests/templates``.

The environment is sandboxed and autoescaping, so any text from feeds or users is escaped
exactly once; templates receive prepared values and never decide anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from digests.timefmt import age
from digests.types import Headline

TEMPLATES = Path(__file__).parent / "templates"


def safe_link(url: str) -> str | None:
    """``url`` if it is an http(s) link Telegram will accept, else None."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme in {"http", "https"} and parts.netloc else None


@dataclass(frozen=True, slots=True)
class HeadlineView:
    """A headline as a template shows it."""

    title: str
    url: str | None
    source: str
    age: str
    topics: tuple[str, ...] = ()


def headline_views(headlines: Sequence[Headline], now: datetime) -> list[HeadlineView]:
    """Prepare headlines for a template: safe links and ages relative to ``now``."""
    return [
        HeadlineView(
            title=" ".join(h.title.split()) or "(untitled)",
            url=safe_link(h.url),
            source=h.source_name,
            age=age(h.seen_at, now),
            topics=h.topics,
        )
        for h in headlines
    ]


class Renderer:
    """Renders named templates to Telegram HTML strings."""

    def __init__(self, directory: Path = TEMPLATES) -> None:
        self._env = SandboxedEnvironment(
            loader=FileSystemLoader(directory),
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=StrictUndefined,
            extensions=["jinja2.ext.i18n"],
        )
        self._env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]

    def render(self, template: str, /, **values: Any) -> str:
        """Render ``template`` (a file name without ``.html``) with ``values``."""
        return self._env.get_template(f"{template}.html").render(**values).strip()
