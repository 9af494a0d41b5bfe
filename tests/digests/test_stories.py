"""Near-duplicate detection, pure: copies and light rewrites match, distinct articles never do."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from digests.stories import (
    Copy,
    StoryIndex,
    best_text,
    decode_signature,
    encode_signature,
    first_report_shown,
    is_new_story,
    signature,
    similarity,
    title_key,
    words,
)
from tests.conftest import CORPUS, SEED

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)


def seed_body() -> str:
    lines = (SEED / "arab-press-isis-prison-break.txt").read_text().splitlines()
    return "\n".join(lines[9:58])


def corpus_texts() -> dict[str, str]:
    return {
        p.name: p.read_text()
        for p in sorted((CORPUS / "pages").glob("*.expected.txt"))
        if signature(p.read_text()) is not None
    }


def edited(text: str, rate: float, seed: int) -> str:
    """``text`` with a share ``rate`` of its words replaced or deleted."""
    rng = random.Random(seed)
    tokens = text.split()
    out = []
    for token in tokens:
        if rng.random() < rate:
            if rng.random() < 0.5:
                out.append(rng.choice(["government", "officials", "reported", "week", "said"]))
            continue
        out.append(token)
    return " ".join(out)


def index_of(texts: dict[str, str]) -> tuple[StoryIndex, list[str]]:
    index = StoryIndex()
    names = list(texts)
    for n, name in enumerate(names):
        index.add(Copy(n, n, n, NOW, signature(texts[name])))
    return index, names


def test_words_fold_case_width_punctuation_and_diacritics() -> None:
    assert words("“Hasakah” PRISON—attack, ｆｕｌｌ-width!") == [
        "hasakah",
        "prison",
        "attack",
        "full",
        "width",
    ]
    assert words("سُورِيَا: هجومٌ") == words("سوريا هجوم")


def test_short_texts_get_no_signature_but_a_title_key() -> None:
    assert signature("Iraq and Syria sign a border deal today") is None
    assert title_key("Iraq & Syria sign border deal") == "iraq syria sign border deal"
    assert title_key("Live updates") is None  # too generic to identify a story


def test_best_text_prefers_the_article_text() -> None:
    assert best_text("Title", "Summary", "Full text") == "Full text"
    assert best_text("Title", "Summary", "  ") == "Title\nSummary"


def test_signature_survives_storage() -> None:
    sketch = signature(seed_body())
    assert sketch is not None
    data = encode_signature(sketch)
    assert len(data) == 513
    restored = decode_signature(data)
    assert restored is not None and similarity(sketch, restored) == 1.0
    assert decode_signature(b"\x02" + data[1:]) is None  # another scheme version
    assert decode_signature(data[:-4]) is None


def test_light_rewrites_of_every_corpus_article_find_their_original() -> None:
    texts = corpus_texts()
    texts["seed"] = seed_body()
    index, names = index_of(texts)
    for n, name in enumerate(names):
        for rate, trial in ((0.05, 1), (0.10, 2)):
            match = index.match(signature(edited(texts[name], rate, n * 10 + trial)), None, -1, NOW)
            assert match is not None, (name, rate)
            assert names[match.story_id] == name


def test_distinct_corpus_articles_never_merge_even_on_the_same_event() -> None:
    # Includes the manifest's story_cluster groups: separate write-ups of one event.
    texts = corpus_texts()
    index = StoryIndex()
    for n, (name, text) in enumerate(texts.items()):
        sketch = signature(text)
        assert index.match(sketch, None, n, NOW) is None, name
        index.add(Copy(n, n, n, NOW, sketch))


def test_headline_only_copies_match_by_title_across_sources_within_days() -> None:
    index = StoryIndex()
    title = title_key("Iraq and Syria sign a border deal")
    index.add(Copy(1, 10, source_id=1, seen_at=NOW, title=title))
    match = index.match(None, title, source_id=2, seen_at=NOW + timedelta(hours=5))
    assert match is not None and (match.story_id, match.by) == (10, "title")
    # The same source's recurring title is not one story; nor is a title a week later.
    assert index.match(None, title, source_id=1, seen_at=NOW + timedelta(hours=5)) is None
    assert index.match(None, title, source_id=2, seen_at=NOW + timedelta(days=7)) is None


def test_forgetting_old_copies_and_discarding_one() -> None:
    index = StoryIndex()
    sketch = signature(seed_body())
    index.add(Copy(1, 1, 1, NOW - timedelta(days=10), sketch))
    index.add(
        Copy(2, 2, 2, NOW, signature(corpus_texts()["aeb-bbc-world-europe-50473792.expected.txt"]))
    )
    assert index.forget_before(NOW - timedelta(days=7)) == 1
    assert index.match(sketch, None, 3, NOW) is None
    index.discard(2)
    assert len(index) == 0


def test_first_report_and_newness_rules() -> None:
    assert first_report_shown(NOW, NOW - timedelta(days=3))
    assert not first_report_shown(NOW, NOW - timedelta(hours=20))
    since, until = NOW - timedelta(days=1), NOW
    assert is_new_story(NOW - timedelta(hours=1), since, until)
    assert not is_new_story(NOW - timedelta(days=2), since, until)


@settings(max_examples=40, deadline=None)
@given(st.text(min_size=0, max_size=400))
def test_any_text_is_handled_without_error(text: str) -> None:
    sketch = signature(text)
    index = StoryIndex()
    index.match(sketch, title_key(text), 1, NOW)
    if sketch is not None:
        index.add(Copy(1, 1, 1, NOW, sketch))
        assert index.match(sketch, None, 2, NOW) is not None
