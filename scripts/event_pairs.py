"""Build the labeled event-pair set in tests/digests/data/events/ from the labels below.

The labels are the record of a reading: each EVENT lists the corpus items that report the same
happening; RELATED lists items that touch an event without reporting it (an explainer, a
profile, a preview, a reaction, a newscast covering two stories) and are left out of scoring.
Every other pair of labeled items is a different-event pair. How the reading was done is in
tests/digests/data/events/README.md. Run: .venv/bin/python scripts/event_pairs.py
"""

from __future__ import annotations

import itertools
import json
import random
from datetime import datetime
from pathlib import Path

from digests.sources.parse import parse_feed
from digests.stories import words

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "digests" / "data" / "events"
SEED = 13

# Feed items are "FEED:INDEX" (the INDEX-th entry parse_feed reads from feeds/ffp-FEED.xml);
# pages are "page:NAME" (pages/NAME.html with its NAME.expected.txt).
EVENTS: dict[str, list[str]] = {
    # --- February 2026 feeds ---
    "australia-wont-repatriate-is-families": [
        "japantoday-world:10",
        "npr-world:8",
        "abcnews-international:14",
    ],
    "capitol-shotgun-arrest": ["japantoday-world:1", "ndtv-news:4"],
    "iran-closes-hormuz-for-drills": [
        "abcnews-international:13",
        "ndtv-news:1",
        "abc-au-top-stories:14",
    ],
    "iran-hormuz-drills-begin": ["nyt-world:30"],
    "peru-congress-removes-jeri": [
        "abcnews-international:1",
        "japantoday-world:7",
        "mercopress:2",
        "nyt-world:20",
        "aljazeera-all:19",
        "ndtv-news:5",
        "dw-rss10:1",
    ],
    "macron-modi-talks": ["abcnews-international:3", "japantoday-world:8"],
    "macron-india-visit-rafale": ["dw-rss10:24", "dawn-world:6"],
    "macron-invites-modi-g7": ["ndtv-news:6"],
    "taylor-swift-plot-charges": [
        "abcnews-international:19",
        "cbsnews-world:14",
        "dw-rss10:29",
        "nyt-world:12",
    ],
    "bondi-accused-court-video": ["dawn-world:27", "japantoday-world:21"],
    "sydney-stabbing-escapee-court": ["abc-au-top-stories:19"],
    "france-nine-arrested-deranque": ["aljazeera-all:1", "dw-rss10:0", "bbc-news-world:9"],
    "france-blames-ultra-left": ["japantoday-world:25"],
    "hezbollah-rejects-disarmament-timeline": ["al-monitor:13", "japantoday-world:5"],
    "rhode-island-rink-shooting": ["japantoday-world:12", "bbc-news-world:8"],
    "canada-tumbler-ridge-school-shooting": [
        "boston-world-news:8",
        "boston-world-news:5",
        "time-world:11",
    ],
    "navalny-poison-finding": ["cbsnews-world:25", "time-world:3"],
    "kremlin-rejects-navalny-claim": ["japantoday-world:15"],
    "jesse-jackson-dies": [
        "aljazeera-all:8",
        "bbc-news-world:0",
        "elpais-english:7",
        "japantoday-world:9",
        "abc-au-top-stories:17",
    ],
    "sudan-market-drone-strike": ["abcnews-international:18", "dawn-world:13"],
    "colbert-cbs-interview": ["aljazeera-all:0", "bbc-news-world:1"],
    "us-iran-geneva-guiding-principles": [
        "aljazeera-all:11",
        "japantoday-world:3",
        "bbc-news-world:10",
        "ndtv-news:13",
        "dawn-world:2",
        "nyt-world:5",
        "cbsnews-world:2",
        "csmonitor-all:5",
        "washingtonpost-world:4",
        "cbsnews-world:0",
    ],
    "iran-fm-meets-iaea": ["japantoday-world:19"],
    "iran-fm-travels-to-geneva": ["japantoday-world:28"],
    "trump-indirectly-involved-iran-talks": ["dawn-world:7"],
    "us-warships-tracked-near-iran": ["bbc-news-world:26"],
    "second-carrier-to-middle-east": ["cbsnews-world:26"],
    "trump-netanyahu-iran-strikes": ["cbsnews-world:24"],
    "iran-protester-memorials": ["al-monitor:12", "nyt-world:1"],
    "russia-ukraine-geneva-talks": [
        "bbc-news-world:5",
        "nyt-world:11",
        "japantoday-world:4",
        "abcnews-international:7",
        "dw-rss10:23",
    ],
    "ukraine-russia-confirm-new-round": ["cbsnews-world:28"],
    "zelensky-says-trump-pressure": ["ndtv-news:2"],
    "us-strikes-three-drug-boats": [
        "japantoday-world:6",
        "washingtonpost-world:2",
        "aljazeera-all:23",
        "elpais-english:1",
    ],
    "bangladesh-rahman-sworn-in": [
        "aljazeera-all:22",
        "dawn-world:3",
        "abcnews-international:6",
        "ndtv-news:8",
    ],
    "bangladesh-bnp-claims-victory": ["foreignpolicy:14"],
    "bangladesh-rahman-interview": ["time-world:9"],
    "bangladesh-rahman-returns-profile": ["time-world:46"],
    "bangladesh-election-preview": ["economist-asia:13"],
    "bangladesh-islamist-party-rise": ["nyt-world:48"],
    "rubio-backs-orban-budapest": [
        "dw-rss10:33",
        "japantoday-world:20",
        "washingtonpost-world:7",
        "nyt-world:32",
    ],
    "rubio-starts-central-europe-trip": ["dw-rss10:42", "japantoday-world:26"],
    "rubio-munich-speech": ["foreignpolicy:11", "time-world:4"],
    "merz-munich-speech": ["time-world:5"],
    "orban-says-eu-bigger-threat": ["dw-rss10:47"],
    "berlinale-gaza-letter": ["al-monitor:0", "al-monitor:6", "dw-rss10:3"],
    "berlinale-wenders-politics": ["dw-rss10:57"],
    "berlinale-opens": ["dw-rss10:74"],
    "kenya-airport-strike-ends": ["abcnews-international:4", "allafrica-latest:3"],
    "kenya-pilots-warn-fatigue": ["allafrica-latest:5"],
    "lufthansa-strike-called": ["dw-rss10:79"],
    "libya-migrants-un-report": ["aljazeera-all:13", "dw-rss10:9"],
    "robert-duvall-dies": ["dw-rss10:28", "elpais-english:34"],
    "ukraine-ex-energy-minister-laundering": [
        "dw-rss10:31",
        "japantoday-world:16",
        "washingtonpost-world:8",
    ],
    "pelicot-memoir-published": ["abcnews-international:5", "dw-rss10:15"],
    "lunar-new-year-celebrations": [
        "abcnews-international:17",
        "nyt-world:25",
        "bbc-news-world:16",
        "elpais-english:13",
    ],
    "china-gala-robots": ["aljazeera-all:7", "mercopress:4"],
    "boxing-robots-san-francisco": ["restofworld:2"],
    "spain-investigates-platforms": ["dw-rss10:20", "nyt-world:2"],
    "belgium-us-envoy-antisemitism": ["cbsnews-world:4", "nyt-world:9"],
    "us-details-china-nuclear-test": ["npr-world:0", "washingtonpost-world:0"],
    "randy-fine-anti-muslim-remarks": ["dawn-world:11", "ndtv-news:0"],
    "ramadan-moon-sighted": ["dawn-world:1", "dw-rss10:6"],
    "colombian-lawmaker-son-ice": ["elpais-english:10", "mercopress:7"],
    "california-avalanche-skiers": ["bbc-news-world:7", "japantoday-world:0"],
    "guthrie-glove-no-dna-match": ["bbc-news-world:6"],
    "guthrie-what-to-know": ["japantoday-world:23"],
    "us-troops-arrive-nigeria": ["bbc-news-world:14", "japantoday-world:13"],
    "meyers-taylor-monobob-gold": ["cbsnews-world:11", "cbsnews-world:8"],
    "usa-women-hockey-final": ["cbsnews-world:12"],
    "brignone-giant-slalom-gold": ["nyt-world:47"],
    "shiffrin-slalom-pressure": ["csmonitor-all:2"],
    "italy-record-medals": ["dw-rss10:12"],
    "vonn-discharged": ["cbsnews-world:22"],
    "vonn-crash-family": ["time-world:21"],
    "olympic-curling-begins": ["dw-rss10:100"],
    "cortina-curling-stadium": ["nyt-world:41"],
    "paralympics-russia-flags": ["dw-rss10:8"],
    "russian-athletes-olympics-explainer": ["time-world:52"],
    "takaichi-to-be-reappointed": ["abcnews-international:0"],
    "takaichi-wins-snap-election": ["time-world:20"],
    "takaichi-fans-before-election": ["economist-asia:14"],
    "takaichi-reform-funding": ["time-world:2"],
    "thailand-anutin-profile-before-vote": ["time-world:39"],
    "thailand-conservatives-win": ["economist-asia:6"],
    "hamas-board-of-peace-gaza-killing": ["aljazeera-all:5"],
    "board-of-peace-presses-hamas": ["nyt-world:6"],
    "board-of-peace-5bn-pledges": ["japantoday-world:27"],
    "board-of-peace-first-meeting-preview": ["time-world:22"],
    "epstein-deutsche-bank": ["dw-rss10:67"],
    "epstein-russia-connections": ["ndtv-news:19"],
    "epstein-wealth": ["dw-rss10:34"],
    "epstein-germany-scrutiny": ["dw-rss10:81"],
    "obama-aliens-comment": ["boston-world-news:0", "dw-rss10:32"],
    "rio-carnival-lula-robot": ["bbc-news-world:28"],
    "rio-carnival-black-authors": ["abcnews-international:10"],
    "rio-carnival-city-feature": ["elpais-english:32"],
    "carney-defence-plan": ["japantoday-world:2"],
    "starmer-defence-spending": ["dawn-world:12"],
    "starmer-online-powers": ["japantoday-world:22"],
    "x-outage": ["dawn-world:21", "nyt-world:34"],
    "cuba-under-us-pressure": ["japantoday-world:11"],
    "cuba-oil-blockade-blackouts": ["time-world:16"],
    "sri-lanka-scraps-mp-pensions": ["ndtv-news:14"],
    "sri-lanka-economy-feature": ["economist-asia:5"],
    "germany-nurse-murder-charge": ["dw-rss10:13"],
    "germany-inflation": ["dw-rss10:21"],
    "australia-wages-lag-inflation": ["abc-au-top-stories:1"],
    "israel-settler-charge": ["japantoday-world:14"],
    "trump-attacks-herzog": ["nyt-world:46"],
    "vance-armenian-genocide-post": ["boston-world-news:7"],
    "un-body-condemns-attacks-on-albanese": ["al-monitor:14"],
    "israel-claims-west-bank-state-property": ["dawn-world:28"],
    "jesse-jackson-africa-apartheid": ["nyt-world:21"],
    # --- November 2019 pages (the manifest's story_cluster groups and their neighbours) ---
    "omar-threat-plea": [
        "page:aeb-nbcnews-man-pleads-guilty-threatening-omar",
        "page:aeb-thehill-man-pleads-guilty-threatening-omar",
    ],
    "bubonic-plague-china": [
        "page:aeb-nypost-bubonic-plague-rabbit",
        "page:aeb-express-bubonic-plague-china",
        "page:aeb-smithsonianmag-plague-cases-china",
        "page:aeb-thesun-bubonic-plague-rabbit",
    ],
    "south-dakota-meth-campaign": [
        "page:aeb-usatoday-meth-were-on-it-campaign",
        "page:aeb-spokesman-meth-were-on-it-ad-agencies",
        "page:aeb-njcom-meth-were-on-it-florida-man",
        "page:aeb-thehill-meth-were-on-it-governor",
    ],
    "hibernating-astronauts": [
        "page:aeb-physorg-hibernating-astronauts",
        "page:aeb-ctvnews-hibernating-astronauts",
    ],
    "nasa-commercial-moon-landers": [
        "page:aeb-aljazeera-nasa-commercial-moon-landers",
        "page:aeb-spacenews-nasa-lunar-lander-companies",
        "page:aeb-spacecom-nasa-moon-lander-companies",
    ],
    "sweden-drops-assange-investigation": [
        "page:aeb-bbc-world-europe-50473792",
        "page:aeb-albawaba-sweden-drops-assange-investigation",
    ],
    "oil-falls-stocks-drift": ["page:aeb-reuters-asian-shares-trade-doubts"],
    "us-china-trade-markets": ["page:aeb-cnn-asian-markets-latest"],
    "beijing-tariff-demands": ["page:aeb-deccanherald-beijing-tariff-demands"],
    "afghanistan-helicopter-crash": ["page:aeb-aljazeera-afghanistan-helicopter-crash"],
    "berlin-von-weizsaecker-stabbing": ["page:aeb-jpost-son-of-former-german-president-stabbed"],
    "bolivia-morales-supporters-killed": ["page:aeb-rt-morales-supporters-killed-bolivia"],
    "hitler-house-police-station": ["page:aeb-nbcnews-hitler-birth-house-police-station"],
    "gannett-gatehouse-merger": ["page:aeb-latimes-gannett-gatehouse-merger"],
    "mourinho-tottenham": ["page:aeb-skynews-mourinho-tottenham"],
    "sondland-testimony": ["page:aeb-apnews-sondland-testimony"],
    "alibaba-hong-kong-listing": ["page:aeb-cityam-alibaba-hong-kong-listing"],
    "van-der-beek-dwts": ["page:aeb-foxnews-van-der-beek-dwts"],
    "iran-protesters-killed-amnesty": ["page:aeb-panarmenian-news-275221"],
    "yovanovitch-net-worth": ["page:aeb-snopes-yovanovitch-net-worth"],
    "rukban-refugee-return": ["page:aeb-polygraph-russia-us-al-tanf-rukban"],
    "royal-arrogance-column": ["page:aeb-sputniknews-royal-arrogance-column"],
}

# Items that touch an event without reporting it, with the events they touch: pairs between
# them and those events' items are neither same nor different, and are not scored.
RELATED: dict[str, list[str]] = {
    "abcnews-international:23": ["australia-wont-repatriate-is-families"],
    "dawn-world:22": [
        "iran-closes-hormuz-for-drills",
        "iran-hormuz-drills-begin",
        "us-iran-geneva-guiding-principles",
    ],
    "dw-rss10:19": ["iran-closes-hormuz-for-drills", "iran-hormuz-drills-begin"],
    "cbsnews-world:20": ["navalny-poison-finding", "kremlin-rejects-navalny-claim"],
    "dw-rss10:27": ["navalny-poison-finding", "kremlin-rejects-navalny-claim"],
    "npr-world:3": ["jesse-jackson-dies", "us-iran-geneva-guiding-principles"],
    "bbc-news-world:23": ["jesse-jackson-dies"],
    "bbc-news-world:24": ["jesse-jackson-dies"],
    "csmonitor-all:0": ["jesse-jackson-dies"],
    "aljazeera-all:2": ["jesse-jackson-dies"],
    "npr-world:5": ["us-iran-geneva-guiding-principles"],
    "npr-world:9": ["us-iran-geneva-guiding-principles"],
    "ndtv-news:3": ["us-iran-geneva-guiding-principles"],
    "al-monitor:7": ["us-iran-geneva-guiding-principles"],
    "foreignpolicy:2": ["us-iran-geneva-guiding-principles", "russia-ukraine-geneva-talks"],
    "npr-world:6": ["us-iran-geneva-guiding-principles", "russia-ukraine-geneva-talks"],
    "abcnews-international:24": ["russia-ukraine-geneva-talks"],
    "cbsnews-world:6": ["russia-ukraine-geneva-talks"],
    "washingtonpost-world:3": ["russia-ukraine-geneva-talks"],
    "washingtonpost-world:1": ["us-strikes-three-drug-boats"],
    "ndtv-news:10": ["bangladesh-rahman-sworn-in"],
    "ndtv-news:17": ["bangladesh-rahman-sworn-in"],
    "ndtv-news:18": ["bangladesh-rahman-sworn-in"],
    "dawn-world:26": ["bangladesh-rahman-sworn-in"],
    "elpais-english:3": ["rubio-backs-orban-budapest"],
    "nyt-world:45": ["rubio-munich-speech"],
    "csmonitor-all:9": ["robert-duvall-dies"],
    "nyt-world:43": ["pelicot-memoir-published"],
    "bbc-news-world:32": ["pelicot-memoir-published"],
    "csmonitor-all:7": ["meyers-taylor-monobob-gold"],
    "elpais-english:4": ["guthrie-glove-no-dna-match", "guthrie-what-to-know"],
    "economist-asia:7": ["takaichi-wins-snap-election"],
    "time-world:19": ["thailand-conservatives-win"],
    "nyt-world:42": ["carney-defence-plan"],
    "nyt-world:3": ["rio-carnival-black-authors"],
    "washingtonpost-world:6": ["epstein-germany-scrutiny"],
}
# Event pairs whose items are related to each other as wholes (a preview and its outcome on
# the same day, a development reported the next morning): not scored either.
RELATED_EVENTS: list[tuple[str, str]] = [
    ("iran-closes-hormuz-for-drills", "iran-hormuz-drills-begin"),
    ("iran-closes-hormuz-for-drills", "us-iran-geneva-guiding-principles"),
    ("macron-modi-talks", "macron-india-visit-rafale"),
    ("macron-modi-talks", "macron-invites-modi-g7"),
    ("macron-india-visit-rafale", "macron-invites-modi-g7"),
    ("rubio-backs-orban-budapest", "rubio-starts-central-europe-trip"),
    ("oil-falls-stocks-drift", "us-china-trade-markets"),
    ("us-china-trade-markets", "beijing-tariff-demands"),
    ("rio-carnival-lula-robot", "rio-carnival-black-authors"),
    ("takaichi-wins-snap-election", "takaichi-reform-funding"),
    ("guthrie-glove-no-dna-match", "guthrie-what-to-know"),
    ("jesse-jackson-dies", "jesse-jackson-africa-apartheid"),
    ("bangladesh-bnp-claims-victory", "bangladesh-islamist-party-rise"),
]


def corpus() -> Path:
    """../shared/corpus, as the tests find it."""
    from tests.conftest import CORPUS

    return CORPUS


def load_items(ids: set[str]) -> dict[str, dict[str, object]]:
    """Each labeled item's reference, title, date and lead, read from the corpus."""
    base = corpus()
    manifest = {f["file"]: f for f in json.loads((base / "manifest.json").read_text())["files"]}
    items: dict[str, dict[str, object]] = {}
    feeds: dict[str, list[object]] = {}
    for item_id in sorted(ids):
        kind, _, ref = item_id.partition(":")
        if kind == "page":
            from digests.sources.extract import read_page

            entry = manifest[f"pages/{ref}.html"]
            page = read_page((base / entry["file"]).read_bytes(), url=entry.get("url") or "")
            assert page.article is not None, item_id
            published = page.article.published_at
            text = (base / entry["ground_truth"]).read_text()
            items[item_id] = {
                "id": item_id,
                "file": entry["file"],
                "source": ref.split("-")[1],
                "language": entry["language"],
                "title": page.title,
                "published": published.isoformat() if published else None,
                "lead": " ".join(text.split())[:300],
                "story_cluster": entry.get("story_cluster"),
            }
            continue
        name, index = f"feeds/ffp-{kind}.xml", int(ref)
        if name not in feeds:
            body = (base / name).read_bytes()
            feeds[name] = list(parse_feed(body, url=f"https://corpus.test/{name}").entries)
        entry_ = feeds[name][index]
        items[item_id] = {
            "id": item_id,
            "file": name,
            "source": kind,
            "language": "en",
            "title": entry_.title,  # type: ignore[attr-defined]
            "published": entry_.published_at.isoformat(),  # type: ignore[attr-defined]
            "lead": " ".join(entry_.summary.split())[:300],  # type: ignore[attr-defined]
        }
    return items


# Different events on one subject: the hard negatives among the Arabic and cross pairs.
NEIGHBOURS = {
    frozenset(p)
    for p in [
        ("us-iran-geneva-guiding-principles", "iran-fm-meets-iaea"),
        ("us-iran-geneva-guiding-principles", "russia-ukraine-geneva-talks"),
        ("iran-fm-meets-iaea", "iran-closes-hormuz-for-drills"),
        ("bangladesh-rahman-sworn-in", "bangladesh-bnp-claims-victory"),
        ("navalny-poison-finding", "kremlin-rejects-navalny-claim"),
        ("jesse-jackson-dies", "robert-duvall-dies"),
        ("iran-closes-hormuz-for-drills", "russia-ukraine-geneva-talks"),
    ]
}


def _arabic_pairs(
    event_of: dict[str, str], related: set[tuple[str, str]], related_events: set[frozenset[str]]
) -> list[dict[str, object]]:
    """Arabic-Arabic pairs, and each Arabic item with the English reports of the events the
    Arabic items cover (not with items related to them)."""
    arabic = {item_id: event for item_id, event, *_ in ARABIC}
    covered = set(arabic.values())
    english = sorted(i for i, e in event_of.items() if e in covered and not i.startswith("page:"))
    related_items = {i for i, _ in related}
    rows: list[dict[str, object]] = []

    def row(a: str, b: str, ea: str, eb: str) -> None:
        if ea == eb:
            rows.append({"a": a, "b": b, "same": True, "kind": "same-event", "event": ea})
        elif frozenset((ea, eb)) not in related_events:
            kind = (
                "hard-negative, same subject"
                if frozenset((ea, eb)) in NEIGHBOURS
                else ("easy-negative")
            )
            rows.append({"a": a, "b": b, "same": False, "kind": kind, "events": [ea, eb]})

    for a, b in itertools.combinations(sorted(arabic), 2):
        row(a, b, arabic[a], arabic[b])
    for a in sorted(arabic):
        for b in english:
            if b not in related_items:
                row(a, b, arabic[a], event_of[b])
    return rows


def _content(item: dict[str, object]) -> set[str]:
    stop = {
        "the",
        "a",
        "an",
        "of",
        "to",
        "in",
        "and",
        "for",
        "on",
        "at",
        "by",
        "with",
        "from",
        "is",
        "are",
        "was",
        "as",
        "that",
        "its",
        "after",
        "over",
        "says",
        "said",
        "new",
    }
    return {w for w in words(f"{item['title']} {item['lead']}") if w not in stop and len(w) > 2}


def main() -> None:
    event_of = {item: event for event, members in EVENTS.items() for item in members}
    related = {(i, e) for i, events in RELATED.items() for e in events}
    related_events = {frozenset(p) for p in RELATED_EVENTS}
    items = load_items(set(event_of) | set(RELATED))
    rng = random.Random(SEED)
    pairs: list[dict[str, object]] = []
    easy: list[dict[str, object]] = []
    labeled = sorted(event_of)
    for a, b in itertools.combinations(labeled, 2):
        ea, eb = event_of[a], event_of[b]
        ia, ib = items[a], items[b]
        hours = (
            abs(
                datetime.fromisoformat(str(ia["published"]))
                - datetime.fromisoformat(str(ib["published"]))
            ).total_seconds()
            / 3600
        )
        if ea == eb:
            pairs.append({"a": a, "b": b, "same": True, "kind": "same-event", "event": ea})
            continue
        if frozenset((ea, eb)) in related_events:
            continue
        shared = _content(ia) & _content(ib)
        row = {"a": a, "b": b, "same": False, "events": [ea, eb], "shared_words": sorted(shared)}
        if hours > 24 * 30:
            continue  # different years: no window would ever compare them
        if len(shared) >= 2:
            row["kind"] = "hard-negative, " + ("same day" if hours <= 48 else "different day")
            pairs.append(row)
        else:
            row["kind"] = "easy-negative"
            easy.append(row)
    pairs.extend(rng.sample(easy, 80))
    for item, event in sorted(related):
        for other in EVENTS[event]:
            pairs.append({"a": item, "b": other, "same": None, "kind": "related", "event": event})
    pairs.extend(_arabic_pairs(event_of, related, related_events))
    OUT.mkdir(parents=True, exist_ok=True)
    with (OUT / "arabic.jsonl").open("w") as out:
        for item_id, event, source, published, title, summary in ARABIC:
            row = {
                "id": item_id,
                "event": event,
                "source": source,
                "language": "ar",
                "published": published,
                "title": title,
                "summary": summary,
            }
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    with (OUT / "items.jsonl").open("w") as out:
        for item_id in sorted(items):
            out.write(json.dumps(items[item_id], ensure_ascii=False) + "\n")
    with (OUT / "pairs.jsonl").open("w") as out:
        for row in pairs:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    kinds: dict[str, int] = {}
    for row in pairs:
        kinds[str(row["kind"])] = kinds.get(str(row["kind"]), 0) + 1
    print(len(items), "items;", len(pairs), "pairs:", kinds)


# Hand-written Arabic reports of events in the English set (the corpus has no Arabic news
# feed): each is a separate write-up, as two outlets would word one event, written from the
# facts in the English reports. Sources are named "written-a/b/c": no real outlet wrote them.
# (id, event, source, published, title, summary)
ARABIC: list[tuple[str, str, str, str, str, str]] = [
    (
        "ar:1",
        "peru-congress-removes-jeri",
        "written-a",
        "2026-02-17T21:10:00+00:00",
        "البرلمان البيروفي يعزل الرئيس المؤقت خوسيه خيري",
        "صوّت الكونغرس في بيرو مساء الثلاثاء على عزل الرئيس المؤقت خوسيه خيري بعد أربعة أشهر فقط "
        "من توليه المنصب، على خلفية اتهامات بالفساد تتعلق باجتماعات سرية مع رجال أعمال صينيين، قبل "
        "أسابيع من الانتخابات العامة المقررة في 12 أبريل.",
    ),
    (
        "ar:2",
        "peru-congress-removes-jeri",
        "written-b",
        "2026-02-17T23:40:00+00:00",
        "بيرو: عزل خيري من الرئاسة وسط تحقيق في الفساد",
        "أطاح برلمان بيرو بالرئيس خوسيه خيري الذي تولى الحكم في أكتوبر خلفا لدينا بولوارتي، ليصبح "
        "سابع رئيس للبلاد خلال عشر سنوات، في ظل تحقيق بشأن لقاءات لم يُعلن عنها مع رجال أعمال.",
    ),
    (
        "ar:3",
        "jesse-jackson-dies",
        "written-a",
        "2026-02-17T11:30:00+00:00",
        "وفاة الناشط الحقوقي الأميركي جيسي جاكسون عن 84 عاما",
        "توفي القس جيسي جاكسون، أحد أبرز وجوه حركة الحقوق المدنية في الولايات المتحدة ورفيق مارتن "
        "لوثر كينغ، عن عمر ناهز 84 عاما، بحسب ما أعلنت عائلته الثلاثاء.",
    ),
    (
        "ar:4",
        "jesse-jackson-dies",
        "written-b",
        "2026-02-17T16:05:00+00:00",
        "رحيل جيسي جاكسون المرشح الرئاسي السابق وأيقونة الحقوق المدنية",
        "أعلنت عائلة جيسي جاكسون وفاته بسلام محاطا بأحبائه عن 84 عاما، وهو الذي خاض السباق إلى "
        "البيت الأبيض مرتين في ثمانينيات القرن الماضي.",
    ),
    (
        "ar:5",
        "us-iran-geneva-guiding-principles",
        "written-a",
        "2026-02-17T18:20:00+00:00",
        "عراقجي: اتفقنا مع واشنطن على مبادئ توجيهية في محادثات جنيف",
        "قال وزير الخارجية الإيراني عباس عراقجي إن الجولة الثانية من المحادثات غير المباشرة مع "
        "الولايات المتحدة في جنيف أسفرت يوم الثلاثاء عن تفاهم على مجموعة من المبادئ التوجيهية تمهد "
        "لاتفاق بشأن البرنامج النووي.",
    ),
    (
        "ar:6",
        "us-iran-geneva-guiding-principles",
        "written-b",
        "2026-02-17T22:15:00+00:00",
        "تقدم في المفاوضات النووية بين إيران والولايات المتحدة دون اختراق",
        "انتهت جولة جديدة من المفاوضات النووية غير المباشرة بين طهران وواشنطن في جنيف بإعلان إيران "
        "التوصل إلى مبادئ توجيهية، فيما قالت إن مزيدا من العمل ما زال مطلوبا قبل التوصل إلى اتفاق.",
    ),
    (
        "ar:7",
        "us-iran-geneva-guiding-principles",
        "written-c",
        "2026-02-18T00:30:00+00:00",
        "إيران تصف محادثات جنيف مع أميركا بأنها بنّاءة",
        "وصفت طهران الجولة الثانية من المحادثات النووية مع الولايات المتحدة في جنيف بأنها أكثر "
        "بناءً، رغم تهديدات الرئيس الأميركي دونالد ترامب بعمل عسكري إذا لم يُبرم اتفاق.",
    ),
    (
        "ar:8",
        "iran-fm-meets-iaea",
        "written-a",
        "2026-02-16T22:00:00+00:00",
        "عراقجي يلتقي غروسي في جنيف قبيل الجولة الثانية من المحادثات مع واشنطن",
        "التقى وزير الخارجية الإيراني عباس عراقجي الاثنين في جنيف المدير العام للوكالة الدولية "
        "للطاقة الذرية رافائيل غروسي، قبل يوم من الجولة الثانية من المفاوضات النووية مع الولايات "
        "المتحدة.",
    ),
    (
        "ar:9",
        "iran-closes-hormuz-for-drills",
        "written-b",
        "2026-02-17T15:30:00+00:00",
        "إيران تغلق مضيق هرمز مؤقتا لإجراء مناورات بالذخيرة الحية",
        "أعلنت إيران الثلاثاء إغلاق مضيق هرمز بشكل مؤقت أمام الملاحة لإجراء مناورات عسكرية "
        "بالذخيرة الحية، بالتزامن مع جولة من المحادثات غير المباشرة مع الولايات المتحدة في جنيف.",
    ),
    (
        "ar:10",
        "iran-closes-hormuz-for-drills",
        "written-c",
        "2026-02-17T19:45:00+00:00",
        "الحرس الثوري يغلق هرمز لساعات خلال مناورات بحرية",
        "قالت وسائل إعلام إيرانية رسمية إن مضيق هرمز، الممر الحيوي لشحنات النفط العالمية، أُغلق "
        "مؤقتا خلال تدريبات للحرس الثوري بالذخيرة الحية.",
    ),
    (
        "ar:11",
        "taylor-swift-plot-charges",
        "written-a",
        "2026-02-16T18:30:00+00:00",
        "النمسا توجه تهما إرهابية لشاب خطط لهجوم على حفل تايلور سويفت",
        "وجهت النيابة العامة في النمسا الاثنين تهما تتعلق بالإرهاب إلى شاب يبلغ 21 عاما يُشتبه في "
        "أنه خطط لمهاجمة حفلات المغنية تايلور سويفت في فيينا عام 2024.",
    ),
    (
        "ar:12",
        "taylor-swift-plot-charges",
        "written-b",
        "2026-02-17T09:00:00+00:00",
        "اتهام شاب بالتخطيط لاعتداء على حفلات تايلور سويفت في فيينا",
        "قال المدعون في فيينا إن المتهم البالغ 21 عاما، المرتبط بتنظيم داعش، كان يعتزم تنفيذ هجوم "
        "خلال جولة إيراس، ما أدى إلى إلغاء ثلاث حفلات في 2024.",
    ),
    (
        "ar:13",
        "hezbollah-rejects-disarmament-timeline",
        "written-a",
        "2026-02-17T18:00:00+00:00",
        "حزب الله يرفض خطة نزع السلاح ومهلة الأشهر الأربعة",
        "رفض حزب الله الثلاثاء قرار الحكومة اللبنانية منح الجيش أربعة أشهر على الأقل لتنفيذ "
        "المرحلة الثانية من خطة حصر السلاح بيد الدولة.",
    ),
    (
        "ar:14",
        "hezbollah-rejects-disarmament-timeline",
        "written-c",
        "2026-02-17T21:30:00+00:00",
        "حزب الله: لن نسلم سلاحنا وفق الجدول الزمني للحكومة",
        "أعلن حزب الله رفضه المهلة التي حددتها الحكومة اللبنانية للجيش، معتبرا أن المرحلة الثانية "
        "من خطة نزع السلاح شمال نهر الليطاني تخدم مصالح إسرائيل.",
    ),
    (
        "ar:15",
        "bangladesh-rahman-sworn-in",
        "written-b",
        "2026-02-17T14:00:00+00:00",
        "طارق رحمن يؤدي اليمين رئيسا لوزراء بنغلاديش",
        "أدى طارق رحمن، زعيم الحزب الوطني البنغلاديشي، اليمين الدستورية الثلاثاء رئيسا للوزراء بعد "
        "فوز حزبه الساحق في أول انتخابات برلمانية منذ انتفاضة 2024.",
    ),
    (
        "ar:16",
        "bangladesh-rahman-sworn-in",
        "written-a",
        "2026-02-17T19:40:00+00:00",
        "بنغلاديش: رحمن يتسلم رئاسة الحكومة والجماعة الإسلامية تقاطع المراسم",
        "تسلم طارق رحمن منصب رئيس الوزراء في دكا بعد أن حصد حزبه 209 مقاعد من أصل 297، فيما قاطعت "
        "الجماعة الإسلامية مراسم أداء اليمين.",
    ),
    (
        "ar:17",
        "bangladesh-bnp-claims-victory",
        "written-c",
        "2026-02-13T20:00:00+00:00",
        "الحزب الوطني البنغلاديشي يعلن فوزه في الانتخابات البرلمانية",
        "أعلن الحزب الوطني البنغلاديشي بقيادة طارق رحمن فوزه في أول انتخابات برلمانية تشهدها "
        "بنغلاديش منذ الانتفاضة التي قادها الشباب عام 2024.",
    ),
    (
        "ar:18",
        "navalny-poison-finding",
        "written-a",
        "2026-02-14T16:00:00+00:00",
        "خمس دول أوروبية: نافالني قُتل بسم الضفادع السامة",
        "قالت خمس حكومات أوروبية السبت إنها واثقة من أن المعارض الروسي أليكسي نافالني "
        "توفي في السجن مسموما بمادة توجد في ضفادع السهم السامة بأميركا الجنوبية.",
    ),
    (
        "ar:19",
        "kremlin-rejects-navalny-claim",
        "written-b",
        "2026-02-16T12:00:00+00:00",
        "الكرملين ينفي تسميم نافالني ويصف الاتهامات الأوروبية بأنها بلا أساس",
        "رفض الكرملين الاثنين اتهامات خمس دول أوروبية بأن الدولة الروسية قتلت المعارض أليكسي "
        "نافالني قبل عامين باستخدام سم الضفادع.",
    ),
    (
        "ar:20",
        "sudan-market-drone-strike",
        "written-c",
        "2026-02-16T19:00:00+00:00",
        "مقتل 28 شخصا في هجوم بمسيرة على سوق في كردفان",
        "قالت مجموعة حقوقية إن هجوما بطائرة مسيرة استهدف سوقا مزدحمة في إقليم كردفان بوسط السودان "
        "أسفر عن مقتل 28 شخصا على الأقل.",
    ),
    (
        "ar:21",
        "sudan-market-drone-strike",
        "written-a",
        "2026-02-17T06:00:00+00:00",
        "السودان: قتلى في قصف بطائرات مسيرة على سوق شعبي",
        "أفادت شبكة أطباء السودان بمقتل 28 مدنيا في ضربات بطائرات مسيرة على سوق في كردفان، في وقت "
        "يتبادل فيه الجيش وقوات الدعم السريع الضربات الجوية.",
    ),
    (
        "ar:22",
        "russia-ukraine-geneva-talks",
        "written-b",
        "2026-02-17T20:30:00+00:00",
        "انتهاء اليوم الأول من محادثات السلام بين روسيا وأوكرانيا في جنيف",
        "اختتم مفاوضون من روسيا وأوكرانيا الثلاثاء في جنيف اليوم الأول من محادثات بوساطة أميركية، "
        "وسط توقعات متدنية بتحقيق اختراق لإنهاء الحرب.",
    ),
    (
        "ar:23",
        "robert-duvall-dies",
        "written-c",
        "2026-02-16T20:00:00+00:00",
        "وفاة الممثل الأميركي روبرت دوفال عن 95 عاما",
        "توفي الممثل روبرت دوفال، بطل فيلمي العراب ونهاية العالم الآن والحائز على جائزة الأوسكار، "
        "عن عمر ناهز 95 عاما في مزرعته بولاية فرجينيا.",
    ),
]


if __name__ == "__main__":
    main()
