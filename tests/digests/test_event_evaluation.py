"""Event grouping on the labeled pairs: reports of one event grouped, different events kept apart.

The pairs and how they were labeled: tests/digests/data/events/README.md. The grouping is the
one ingest runs (digests.events), fed the items in date order; nothing here is random, so the
figures are the same on every run.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from digests.event_evaluation import Figures, background, evaluate, group, load_items, load_pairs
from digests.events import Weights
from tests.conftest import CORPUS

DATA = Path(__file__).parent / "data" / "events"

# The goals are precision 0.97 and recall 0.85 on English pairs. Precision is met;
# recall is not yet (0.800 measured): this floor keeps it from falling further.
PRECISION_GOAL = 0.97
RECALL_FLOOR = 0.80


@pytest.fixture(scope="module")
def figures() -> dict[str, Figures]:
    found = evaluate(DATA, CORPUS)
    for name, group_figures in found.items():
        print(group_figures.line(name))
    return found


def test_the_labeled_set_has_hundreds_of_pairs_with_hard_negatives() -> None:
    pairs = [p for p in load_pairs(DATA) if p.same is not None]
    items = load_items(DATA, CORPUS)
    english = [p for p in pairs if items[p.a].language == items[p.b].language == "en"]
    assert len(pairs) >= 300
    assert len(english) > len(pairs) / 2
    assert sum(p.same is True for p in english) >= 150
    assert sum(p.kind.startswith("hard-negative") for p in english) >= 300
    assert sum("different day" in p.kind for p in english) >= 100


def test_english_reports_of_one_event_group_and_different_events_stay_apart(
    figures: dict[str, Figures],
) -> None:
    english = figures["en"]
    assert english.precision >= PRECISION_GOAL, english.line("en")
    assert english.recall >= RECALL_FLOOR, english.line("en")


def test_arabic_reports_never_group_different_events(figures: dict[str, Figures]) -> None:
    arabic = figures["ar"]
    assert arabic.pairs >= 100
    assert arabic.false_pos == 0, arabic.failures
    assert arabic.true_pos >= 6, arabic.line("ar")


def test_an_arabic_and_an_english_report_are_never_wrongly_grouped(
    figures: dict[str, Figures],
) -> None:
    # Cross-language grouping is not attempted: lemmas of two languages share no terms.
    assert figures["cross"].false_pos == 0


def test_each_manifest_story_cluster_becomes_one_event() -> None:
    items = load_items(DATA, CORPUS)
    event_of = group(list(items.values()), Weights(background(CORPUS, items.values())))
    manifest = json.loads((CORPUS / "manifest.json").read_text())["files"]
    clusters: dict[str, list[str]] = {}
    for entry in manifest:
        if entry.get("story_cluster"):
            name = entry["file"].removeprefix("pages/").removesuffix(".html")
            clusters.setdefault(entry["story_cluster"], []).append(f"page:{name}")
    assert len(clusters) == 5
    for cluster, members in clusters.items():
        assert len({event_of[m] for m in members}) == 1, cluster
    assert len({event_of[m[0]] for m in clusters.values()}) == len(clusters)
