"""Language detection: accuracy on the corpus, short texts, and filling in stored articles."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import cast

import lxml.html
import trafilatura
from lxml.html import HtmlElement
from sqlalchemy import select

from digests.db import Database
from digests.errors import FeedParseError
from digests.ingest import detect_languages
from digests.models import Article, Source
from digests.sources.language import detect_language
from digests.sources.parse import parse_feed
from digests.store.article_language import languages_since
from digests.types import NewArticle
from tests.conftest import CORPUS, SEED

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def _records(prefix: str) -> list[dict[str, str]]:
    manifest = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
    return [
        rec
        for rec in manifest["files"]
        if rec["file"].startswith(prefix) and rec.get("language") not in (None, "und")
    ]


def _page_text(raw: bytes) -> str:
    """What the pipeline keeps of a page: trafilatura's main text, else all its text."""
    text = trafilatura.extract(raw, fast=True) or ""
    if len(text) < 20:
        text = cast(HtmlElement, lxml.html.fromstring(raw)).text_content()
    return text


def test_detects_the_language_of_corpus_pages_whose_language_is_known() -> None:
    records = _records("pages/")
    assert len(records) >= 70
    wrong = []
    for rec in records:
        got = detect_language(_page_text((CORPUS / rec["file"]).read_bytes()))
        if got != rec["language"]:
            wrong.append((rec["file"], rec["language"], got))
    right = len(records) - len(wrong)
    assert right / len(records) >= 0.9, wrong
    # Measured: every page right (bench/results/language.md); allow a little for model updates.
    assert len(wrong) <= 2, wrong


def test_detects_feed_entries_and_every_feed_by_its_majority() -> None:
    entries = right = feeds_right = feeds = 0
    for rec in _records("feeds/"):
        if rec.get("kind") != "feed":
            continue  # hostile test documents
        try:
            parsed = parse_feed((CORPUS / rec["file"]).read_bytes(), url="https://x.example/")
        except FeedParseError:
            continue
        got = [detect_language(f"{e.title}. {e.summary}") for e in parsed.entries]
        if not got:
            continue
        feeds += 1
        entries += len(got)
        right += sum(1 for code in got if code == rec["language"])
        feeds_right += Counter(got).most_common(1)[0][0] == rec["language"]
    assert entries > 1000
    assert right / entries >= 0.95
    assert feeds_right / feeds >= 0.95


def test_arabic_english_and_mixed_text() -> None:
    seed = (SEED / "arab-press-isis-prison-break.txt").read_text(encoding="utf-8").splitlines()
    assert detect_language(seed[2]) == "ar"  # the motto "بالشعب و للشعب"
    assert detect_language("\n".join(seed[9:58])) == "en"
    assert detect_language("سوريا: هجوم على سجن الحسكة وفرار العشرات") == "ar"
    assert detect_language("Hasakah prison attack: dozens escape as fighting goes on") == "en"


def test_too_little_text_is_not_guessed() -> None:
    for text in ("", "   ", "12:30 3-1", "Live", "BBC News", "🎉🎉🎉"):
        assert detect_language(text) is None


async def _articles(db: Database, titles: dict[str, str | None]) -> dict[str, int]:
    async with db.transaction() as session:
        source = Source(
            url="https://news.example/feed.xml",
            name="Example",
            kind="feed",
            fetch_interval=900,
            created_at=NOW,
        )
        session.add(source)
        await session.flush()
        rows = {
            title: Article(
                source_id=source.id,
                guid=f"g{i}",
                url=f"https://news.example/{i}",
                title=title,
                summary="",
                text="",
                lead="",
                language=language,
                first_seen_at=NOW - timedelta(days=40 if "old" in title else 1),
                sort_at=NOW,
            )
            for i, (title, language) in enumerate(titles.items())
        }
        session.add_all(rows.values())
        await session.flush()
        return {title: row.id for title, row in rows.items()}


async def test_ingest_hook_fills_in_missing_languages_only(db: Database) -> None:
    ids = await _articles(
        db,
        {
            "سوريا: هجوم على سجن الحسكة وفرار العشرات": None,
            "Hasakah prison attack: dozens escape as fighting goes on": None,
            "Die Regierung hat heute neue Regeln beschlossen": "de-declared",
            "Live": None,
        },
    )
    async with db.transaction() as session:
        stored = await session.scalars(select(Article).where(Article.id.in_(ids.values())))
        new = [
            NewArticle(
                a.id,
                a.source_id,
                a.url,
                a.title,
                a.summary,
                a.text,
                None,
                a.first_seen_at,
                a.sort_at,
                a.language,
            )
            for a in stored
        ]
        returned = {a.title: a.language for a in await detect_languages(session, new)}
        assert await detect_languages(session, []) == []
    async with db.transaction() as session:
        rows = await session.execute(select(Article.title, Article.language))
        found = {title: language for title, language in rows.all()}
    assert found == {
        "سوريا: هجوم على سجن الحسكة وفرار العشرات": "ar",
        "Hasakah prison attack: dozens escape as fighting goes on": "en",
        "Die Regierung hat heute neue Regeln beschlossen": "de-declared",  # left as it was
        "Live": None,  # too short to tell
    }
    assert returned == found  # the later steps of ingest see what was recorded


async def test_languages_seen_lately_most_articles_first(db: Database) -> None:
    await _articles(
        db,
        {
            "a": "ar",
            "b": "ar",
            "c": "en",
            "d": None,
            "old one": "fr",  # first seen 40 days ago
        },
    )
    async with db.transaction() as session:
        assert await languages_since(session, NOW - timedelta(days=30)) == ["ar", "en"]
