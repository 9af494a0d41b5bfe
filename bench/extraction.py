"""Score main-text extraction on the corpus pages and print a table, the means and the speed.

    .venv/bin/python bench/extraction.py [--corpus PATH] [--all]

Per page: token precision/recall/F1 against ``*.expected.txt`` (and the benchmark's 4-word
shingle F1), snippet checks against ``*.snippets.json``, whether an article was found (a
non-article page must yield none) and whether the lead opens the expected text. Speed is
pages per second of CPU time on one core, after a warm-up pass over every page.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digests.evaluation import evaluate_corpus, format_report  # noqa: E402


def _default_corpus() -> Path:
    for candidate in (ROOT.parent / "shared" / "corpus", Path("/work/shared/corpus")):
        if (candidate / "manifest.json").is_file():
            return candidate
    raise SystemExit("corpus not found: pass --corpus PATH")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=None)
    args = parser.parse_args()
    results, summary = evaluate_corpus(args.corpus or _default_corpus(), warm_up=True)
    print(format_report(results, summary))


if __name__ == "__main__":
    main()
