"""Compare offline language detectors on the corpus items whose language is known.

Run with any interpreter that has the project's dependencies; candidates that are not installed
are left out. Pages: the main text trafilatura extracts (lxml text_content when it finds none).
Feeds: each entry's title and summary, scored against the feed's language, and each feed by the
majority of its entries. Prints accuracy and time per item; figures go to
bench/results/language.md.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import cast

import lxml.html
import trafilatura
from lxml.html import HtmlElement

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digests.sources.parse import parse_feed  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
ALIASES = {"nb": "no", "nn": "no", "iw": "he", "zh-cn": "zh", "zh-tw": "zh"}
MAX_CHARS = 2000  # what digests.sources.language reads of an article


def _norm(code: str | None) -> str | None:
    if not code:
        return None
    code = code.lower()
    return ALIASES.get(code, code.split("-")[0])


def candidates() -> dict[str, Callable[[str], str | None]]:
    found: dict[str, Callable[[str], str | None]] = {}
    try:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        found["py3langid"] = lambda text: ident.classify(text)[0]
    except ImportError:
        pass
    try:
        from lingua import LanguageDetectorBuilder

        lingua = LanguageDetectorBuilder.from_all_languages().with_preloaded_language_models()
        detector = lingua.build()

        def lingua_detect(text: str) -> str | None:
            lang = detector.detect_language_of(text)
            return None if lang is None else lang.iso_code_639_1.name

        found["lingua"] = lingua_detect
        low = (
            LanguageDetectorBuilder.from_all_languages()
            .with_low_accuracy_mode()
            .with_preloaded_language_models()
            .build()
        )

        def lingua_low(text: str) -> str | None:
            lang = low.detect_language_of(text)
            return None if lang is None else lang.iso_code_639_1.name

        found["lingua (low accuracy mode)"] = lingua_low
    except ImportError:
        pass
    try:
        from langdetect import DetectorFactory, LangDetectException, detect

        DetectorFactory.seed = 0

        def langdetect_detect(text: str) -> str | None:
            try:
                return str(detect(text))
            except LangDetectException:
                return None

        found["langdetect"] = langdetect_detect
    except ImportError:
        pass
    try:
        from digests.sources.language import detect_language

        found["digests.sources.language.detect_language"] = detect_language
    except ImportError:
        pass
    return found


def page_items() -> list[tuple[str, str, str]]:
    manifest = json.loads((CORPUS / "manifest.json").read_text())
    items = []
    for rec in manifest["files"] if "files" in manifest else manifest[next(iter(manifest))]:
        if not rec["file"].startswith("pages/") or rec.get("language") in (None, "und"):
            continue
        raw = (CORPUS / rec["file"]).read_bytes()
        text = trafilatura.extract(raw, fast=True) or ""
        if len(text) < 20:
            text = cast(HtmlElement, lxml.html.fromstring(raw)).text_content()
        items.append((rec["file"], rec["language"], " ".join(text.split())[:MAX_CHARS]))
    return items


def feed_items() -> list[tuple[str, str, list[str]]]:
    manifest = json.loads((CORPUS / "manifest.json").read_text())
    feeds = []
    records = manifest["files"] if "files" in manifest else manifest[next(iter(manifest))]
    for rec in records:
        if rec["file"].startswith("pages/") or rec.get("kind") != "feed":
            continue
        if rec.get("language") in (None, "und"):
            continue
        try:
            parsed = parse_feed((CORPUS / rec["file"]).read_bytes(), url="https://x.example/")
        except Exception:
            continue
        texts = [f"{e.title}. {e.summary}"[:MAX_CHARS] for e in parsed.entries]
        texts = [t for t in texts if len(t.strip()) > 3]
        if texts:
            feeds.append((rec["file"], rec["language"], texts))
    return feeds


def main() -> None:
    pages = page_items()
    feeds = feed_items()
    entries = sum(len(t) for _, _, t in feeds)
    print(f"{len(pages)} pages, {len(feeds)} feeds with {entries} entries")
    for name, detect in candidates().items():
        start = time.perf_counter()
        detect("warm up the model")
        warm = time.perf_counter() - start
        t0 = time.perf_counter()
        results = [(f, lang, _norm(detect(text))) for f, lang, text in pages]
        page_time = time.perf_counter() - t0
        misses = [m for m in results if m[1] != m[2]]
        right_entries = 0
        right_feeds = 0
        t0 = time.perf_counter()
        for _, lang, texts in feeds:
            got = [_norm(detect(t)) for t in texts]
            right_entries += sum(1 for g in got if g == lang)
            majority = Counter(got).most_common(1)[0][0]
            right_feeds += majority == lang
        feed_time = time.perf_counter() - t0
        print(
            f"{name}: pages {len(pages) - len(misses)}/{len(pages)} "
            f"({(len(pages) - len(misses)) / len(pages):.1%}), "
            f"{page_time / len(pages) * 1000:.2f} ms/page; "
            f"entries {right_entries}/{entries} ({right_entries / entries:.1%}), "
            f"{feed_time / entries * 1000:.3f} ms/entry; "
            f"feeds by majority {right_feeds}/{len(feeds)}; first call {warm:.2f} s"
        )
        for f, lang, guess in misses:
            print(f"    miss {f}: expected {lang}, got {guess}")


if __name__ == "__main__":
    main()
