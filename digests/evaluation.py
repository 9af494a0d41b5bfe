"""Scoring main-text extraction on the corpus pages: token F1, snippet checks, no invented articles.

Tokens are lower-cased ``\\w+`` words, as the article-extraction-benchmark tokenises; precision
and recall count tokens as bags (a word found twice where the truth has it once counts once).
The benchmark's own 4-word-shingle F1 is reported beside it. ``evaluate_corpus`` runs the same
``read_page`` the ingest pipeline runs, so the figures describe what users get. Leads are also
checked on ``DATELINE_CASES``: wire-copy openings in English and Arabic whose dateline and
agency tag must not open the lead, and look-alikes that must be left alone.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digests.leads import choose_lead
from digests.sources.extract import ExtractedArticle, read_page

_TOKEN = re.compile(r"\w+")
_CANONICAL = re.compile(
    rb"""<link[^>]+rel=["']canonical["'][^>]*href=["']([^"']+)|"""
    rb"""<link[^>]+href=["']([^"']+)["'][^>]*rel=["']canonical|"""
    rb"""<meta[^>]+property=["']og:url["'][^>]*content=["']([^"']+)"""
)

Extractor = Callable[[bytes, str], ExtractedArticle | None]

# (an article's first paragraph, the words its lead must start with)
DATELINE_CASES: tuple[tuple[str, str], ...] = (
    (
        "BERLIN, Feb 17 (Reuters) - More than 80 actors, directors and other artists signed an "
        "open letter to the organisers published on Tuesday calling for a clear stance.",
        "More than 80 actors",
    ),
    (
        "WASHINGTON (AP) — The Senate voted on Tuesday to pass the spending bill after a long "
        "debate.",
        "The Senate voted",
    ),
    (
        "(CNN) — A powerful earthquake struck off the coast of Japan on Monday, officials said.",
        "A powerful earthquake",
    ),
    (
        "(Reuters) - Oil prices rose on Wednesday as supply worries returned to the market.",
        "Oil prices rose",
    ),
    (
        "GAZA CITY (Reuters) - Israeli strikes killed at least 12 people overnight, health "
        "officials said.",
        "Israeli strikes killed",
    ),
    (
        "KYIV, Ukraine (AP) — Russian drones struck energy facilities across the country "
        "overnight.",
        "Russian drones struck",
    ),
    (
        "UNITED NATIONS, Feb 17 (Reuters) - The Security Council will meet on Friday to discuss "
        "the crisis.",
        "The Security Council",
    ),
    (
        "BEIJING, Feb. 17 (Xinhua) -- China's exports grew faster than expected in January, "
        "data showed.",
        "China's exports grew",
    ),
    (
        "NEW YORK, March 3, 2025 (Reuters) - Wall Street stocks opened higher on Monday after "
        "the jobs report.",
        "Wall Street stocks",
    ),
    (
        "LONDON — Britain will hold a general election in July, the prime minister announced "
        "on Wednesday.",
        "Britain will hold",
    ),
    (
        "Feb 17 (Reuters) - Shares of the carmaker fell 5% in early trading after it cut its "
        "forecast.",
        "Shares of the carmaker",
    ),
    (
        "دمشق - سانا أعلنت وزارة الداخلية السورية اليوم عن إجراءات جديدة لتنظيم حركة المرور "
        "في العاصمة.",
        "أعلنت وزارة الداخلية",
    ),
    (
        "(رويترز) - قال مسؤولون إن المحادثات بين الجانبين ستستأنف الأسبوع المقبل في القاهرة.",
        "قال مسؤولون إن",
    ),
    (
        "بيروت (رويترز) - قال الجيش اللبناني إنه انتشر في عدة بلدات جنوبية يوم الأحد.",
        "قال الجيش اللبناني",
    ),
    (
        "بغداد - أعلنت الحكومة العراقية اليوم الأحد عن خطة لإعادة إعمار المناطق المتضررة.",
        "أعلنت الحكومة العراقية",
    ),
    (
        "واشنطن - (أ ف ب) - أعلن البيت الأبيض أن الرئيس سيزور المنطقة الشهر المقبل.",
        "أعلن البيت الأبيض",
    ),
    (
        "أنقرة/ الأناضول - أعلنت وزارة الدفاع التركية تحييد عدد من المسلحين شمالي العراق.",
        "أعلنت وزارة الدفاع",
    ),
    (
        "القاهرة (أ ش أ) - أكد وزير الخارجية المصري أهمية التوصل إلى وقف فوري لإطلاق النار.",
        "أكد وزير الخارجية",
    ),
    (
        "By Olivia Le Poidevin GENEVA, Feb 17 (Reuters) - An independent United Nations body "
        "on Tuesday condemned the attacks.",
        "An independent United Nations body",
    ),
    (
        "ISTANBUL: Turkiye’s President announced a postponement of his visit to the Gulf on "
        "Monday.",
        "Turkiye’s President announced",
    ),
    # Look-alikes: nothing to strip.
    (
        "Officials said — again — that nothing had changed in the negotiations this week.",
        "Officials said — again —",
    ),
    (
        "President Biden - speaking in Ohio - promised new jobs for workers in the region on "
        "Monday.",
        "President Biden - speaking",
    ),
    (
        "Note: The figures below were revised on Friday after the agency corrected its data.",
        "Note: The figures below",
    ),
    (
        "US - China trade talks resumed in Geneva on Tuesday after a pause of several months.",
        "US - China trade talks",
    ),
    (
        "قال مسؤولون - طلبوا عدم نشر أسمائهم - إن المحادثات ستستأنف الأسبوع المقبل في القاهرة.",
        "قال مسؤولون - طلبوا",
    ),
)


@dataclass(frozen=True, slots=True)
class Scores:
    """Precision, recall and F1 of an extracted text against the expected one."""

    precision: float
    recall: float
    f1: float


@dataclass(frozen=True, slots=True)
class PageResult:
    """How extraction went on one corpus page."""

    name: str
    kind: str  # "article" | "non-article"
    found_article: bool
    tokens: Scores | None = None  # pages with an expected text
    shingles: Scores | None = None
    snippets_passed: int = 0
    snippets_total: int = 0
    lead_matches: bool | None = None  # the lead is the expected text's first sentence(s)
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class Summary:
    """The means and counts the targets are set on."""

    aeb_f1: float
    aeb_min_f1: float
    aeb_shingle_f1: float
    all_f1: float
    snippets_passed: int
    snippets_total: int
    non_articles: int
    invented: int
    leads_matching: int
    leads_total: int
    pages_per_second: float
    datelines_passed: int = 0
    datelines_total: int = 0


def tokens(text: str) -> list[str]:
    """Lower-cased words, the unit the scores count."""
    return _TOKEN.findall(text.lower())


def _prf(expected: Counter[Any], got: Counter[Any]) -> Scores:
    hit = sum((expected & got).values())
    precision = hit / sum(got.values()) if got else (1.0 if not expected else 0.0)
    recall = hit / sum(expected.values()) if expected else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1)


def token_scores(expected: str, got: str) -> Scores:
    """Bag-of-words precision, recall and F1 of ``got`` against ``expected``."""
    return _prf(Counter(tokens(expected)), Counter(tokens(got)))


def shingle_scores(expected: str, got: str, n: int = 4) -> Scores:
    """The benchmark's measure: the same over runs of ``n`` consecutive words."""

    def shingles(text: str) -> Counter[tuple[str, ...]]:
        words = tokens(text)
        return Counter(tuple(words[i : i + n]) for i in range(max(1, len(words) - n + 1)))

    return _prf(shingles(expected), shingles(got))


def check_snippets(text: str, with_: Sequence[str], without: Sequence[str]) -> tuple[int, int]:
    """(passed, total): each ``with_`` string must be in ``text``, each ``without`` must not."""
    passed = sum(1 for s in with_ if s in text) + sum(1 for s in without if s not in text)
    return passed, len(with_) + len(without)


def lead_matches(lead: str, expected: str) -> bool:
    """True if the lead's words open the expected text (within its first 60 words)."""
    lead_words = tokens(lead.removesuffix("…"))
    if lead.endswith("…"):
        lead_words = lead_words[:-1]  # the cut word may be partial
    opening = tokens(expected)[: len(lead_words) + 60]
    if not lead_words:
        return False
    joined, target = " ".join(opening), " ".join(lead_words)
    return target in joined


def dateline_checks() -> tuple[int, int]:
    """(passed, total) over ``DATELINE_CASES``: the lead starts with the expected words."""
    passed = sum(1 for text, start in DATELINE_CASES if choose_lead(text).startswith(start))
    return passed, len(DATELINE_CASES)


def page_url(record: dict[str, Any], body: bytes) -> str:
    """The page's URL: the manifest's, else its canonical link, else an unknown site's root."""
    if record.get("url"):
        return str(record["url"])
    found = _CANONICAL.search(body[:200_000])
    if found:
        value = next(group for group in found.groups() if group)
        return value.decode("utf-8", "replace")
    return "https://unknown.invalid/"


def _default_extractor(body: bytes, url: str) -> ExtractedArticle | None:
    return read_page(body, url=url, max_links=0).article


def evaluate_corpus(
    corpus: Path, *, extractor: Extractor = _default_extractor, warm_up: bool = False
) -> tuple[list[PageResult], Summary]:
    """Run ``extractor`` on every corpus page and score it; pages/s counts CPU time of one core.

    The first page is extracted once before timing, so imports are not charged to the rate;
    with ``warm_up`` every page is, so lazily built state (jusText's stop lists, ~1 s on the
    first page that needs them) is not either: the steady rate of a running bot.
    """
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    records = [
        r
        for r in manifest["files"]
        if r["file"].startswith("pages/") and r["file"].endswith(".html")
    ]
    records.sort(key=lambda r: r["file"])
    for record in records if warm_up else records[:1]:
        body = (corpus / record["file"]).read_bytes()
        extractor(body, page_url(record, body))
    results = []
    spent = 0.0
    for record in records:
        body = (corpus / record["file"]).read_bytes()
        url = page_url(record, body)
        started = time.process_time()
        article = extractor(body, url)
        seconds = time.process_time() - started
        spent += seconds
        results.append(_score(corpus, record, article, seconds))
    return results, _summarise(results, spent)


def _score(
    corpus: Path, record: dict[str, Any], article: ExtractedArticle | None, seconds: float
) -> PageResult:
    name = Path(record["file"]).name.removesuffix(".html")
    text = article.text if article else ""
    truth = record.get("ground_truth") or ""
    token = shingle = None
    passed = total = 0
    lead_ok: bool | None = None
    if truth.endswith(".expected.txt"):
        expected = (corpus / truth).read_text(encoding="utf-8")
        token, shingle = token_scores(expected, text), shingle_scores(expected, text)
        if article is not None:
            lead = choose_lead(article.text, title=article.title, language=article.language)
            lead_ok = lead_matches(lead, expected)
        else:
            lead_ok = False
    elif truth.endswith(".snippets.json"):
        snippets = json.loads((corpus / truth).read_text(encoding="utf-8"))
        passed, total = check_snippets(text, snippets.get("with", []), snippets.get("without", []))
    return PageResult(
        name=name,
        kind=str(record.get("kind", "article")),
        found_article=article is not None,
        tokens=token,
        shingles=shingle,
        snippets_passed=passed,
        snippets_total=total,
        lead_matches=lead_ok,
        seconds=seconds,
    )


def _summarise(results: list[PageResult], spent: float) -> Summary:
    aeb = [r for r in results if r.name.startswith("aeb-") and r.tokens is not None]
    scored = [r for r in results if r.tokens is not None]
    leads = [r for r in aeb if r.lead_matches is not None]
    non_articles = [r for r in results if r.kind != "article"]
    datelines_passed, datelines_total = dateline_checks()

    def mean(values: list[float]) -> float:
        return statistics.fmean(values) if values else 0.0

    return Summary(
        aeb_f1=mean([r.tokens.f1 for r in aeb if r.tokens]),
        aeb_min_f1=min((r.tokens.f1 for r in aeb if r.tokens), default=0.0),
        aeb_shingle_f1=mean([r.shingles.f1 for r in aeb if r.shingles]),
        all_f1=mean([r.tokens.f1 for r in scored if r.tokens]),
        snippets_passed=sum(r.snippets_passed for r in results if r.kind == "article"),
        snippets_total=sum(r.snippets_total for r in results if r.kind == "article"),
        non_articles=len(non_articles),
        invented=sum(1 for r in non_articles if r.found_article),
        leads_matching=sum(1 for r in leads if r.lead_matches),
        leads_total=len(leads),
        pages_per_second=len(results) / spent if spent else 0.0,
        datelines_passed=datelines_passed,
        datelines_total=datelines_total,
    )


def _row(result: PageResult) -> str:
    def score(value: float | None) -> str:
        return f"{value:.3f}" if value is not None else "-"

    tokens, shingles = result.tokens, result.shingles
    snippets = f"{result.snippets_passed}/{result.snippets_total}" if result.snippets_total else "-"
    lead = {None: "-", True: "yes", False: "no"}[result.lead_matches]
    found = "article" if result.found_article else "none"
    if result.kind != "article":
        found += " (ok)" if not result.found_article else " (INVENTED)"
    return (
        f"| {result.name} | {score(tokens.precision if tokens else None)} "
        f"| {score(tokens.recall if tokens else None)} | {score(tokens.f1 if tokens else None)} "
        f"| {score(shingles.f1 if shingles else None)} | {snippets} | {found} | {lead} "
        f"| {result.seconds * 1000:.0f} |"
    )


def format_report(results: list[PageResult], summary: Summary) -> str:
    """The table and the summary lines, as Markdown."""
    share = summary.snippets_passed / max(1, summary.snippets_total)
    lines = [
        "| page | precision | recall | F1 | shingle F1 | snippets | found | lead | ms |",
        "|---|---|---|---|---|---|---|---|---|",
        *(_row(r) for r in results),
        "",
        f"- mean token F1 on aeb-* pages: {summary.aeb_f1:.3f} (lowest {summary.aeb_min_f1:.3f}); "
        f"benchmark's shingle F1: {summary.aeb_shingle_f1:.3f}",
        f"- mean token F1 on every page with an expected text: {summary.all_f1:.3f}",
        f"- snippet checks passed on article pages: {summary.snippets_passed}/"
        f"{summary.snippets_total} ({share:.1%})",
        f"- non-article pages with an invented article: {summary.invented}/{summary.non_articles}",
        f"- leads that open the expected text (aeb-*): {summary.leads_matching}/"
        f"{summary.leads_total}",
        f"- leads free of datelines and agency tags (English and Arabic wire copy, and "
        f"look-alikes left alone): {summary.datelines_passed}/{summary.datelines_total}",
        f"- speed: {summary.pages_per_second:.1f} pages/s (CPU time, one core)",
    ]
    return "\n".join(lines)
