"""Every template renders in English and in Arabic with the values its callers pass.

The renderer uses ``StrictUndefined``, so a template that reads a value no case here gives fails
to render; an Arabic rendering that still shows an English sentence of the catalog is a
missing translation. Templates with branches are rendered once per branch that says something
different. A new template fails :func:`test_every_template_has_cases` until it has cases here.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from digests.render import TEMPLATES, Renderer
from tests.digests.test_i18n import english_sentences

ITEM = {
    "url": "https://example.com/a?x=1&y=2",
    "title": "Floods <close> roads",
    "lead": "Water rose overnight",
    "source": "Example News",
    "age": "3 h",
    "matched": "floods",
    "also": "Other Wire, Third Paper",
    "also_more": 2,
    "first_reported": "17 Feb 2026",
    "first_source": "Other Wire",
}
SOURCE = {
    "id": 7,
    "name": "Example News",
    "kind": "rss",
    "every": "15m",
    "paused": False,
    "last_fetch": "5 min",
    "articles_24h": 12,
    "failures": 2,
    "last_error": "HTTP 503",
    "user": False,
    "owners": 0,
}
OWN_FEED = {"name": "Hasakah Local", "host": "local.example", "paused": False, "error": ""}
PROGRESS = {
    "id": 4,
    "recipients": 120,
    "sent": 100,
    "blocked": 3,
    "failed": 1,
    "remaining": 16,
    "stopped": 0,
    "status": "done",
    "waiting": 0,
}
SETTINGS_VIEW = {
    "time": "08:00",
    "times": 1,
    "max_times": 4,
    "timezone": "Asia/Baghdad",
    "zone_label": "Asia/Baghdad (UTC+03:00)",
    "zone_name": "Asia/Baghdad",
    "frequency": "daily",
    "weekday": "Mon",
    "max_items": 10,
    "notify_empty": True,
    "next_digest": "Mon 17 Feb, 08:00",
    "silent": False,
    "quiet": None,
    "digest_thread": None,
    "topic_threads": (),
    "muted": (),
}
THREAD = {"number": 12, "link": "https://t.me/c/1234/12"}
ZONE_NOTE = {
    "how": "city",
    "fixed": False,
    "offset": "UTC+03:00",
    "zone": "Asia/Baghdad",
    "typed": "Baghdad",
    "place": "Baghdad, Iraq",
    "country": "Iraq",
    "several_zones": True,
    "others": "Baghdad, US",
}


def _with(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**base, **changes}


CASES: dict[str, list[dict[str, Any]]] = {
    "admin_blocked_hosts": [{"hosts": ["example.com", "spam.example"]}, {"hosts": []}],
    "admin_host_blocked": [
        {"blocked": blocked, "changed": changed, "host": "example.com", "feeds": feeds}
        for blocked, changed, feeds in ((True, True, 2), (True, False, 1), (False, True, 0))
    ],
    "admin_host_failed": [{"reason": "(reason)"}],
    "feed_added": [
        {"name": "Hasakah Local", "items": 12, "newest": newest, "every": "30m"}
        for newest in ("Floods", None)
    ],
    "feed_refused": [{"url": "https://bad.example/f", "reason": "HTTP 404"}],
    "feed_usage": [{}],
    "my_feeds": [
        {"feeds": [OWN_FEED, _with(OWN_FEED, paused=True, error="HTTP 404 Not Found")]},
        {"feeds": [OWN_FEED], "removed": "Other Desk"},
        {"feeds": [], "removed": "Other Desk"},
        {"feeds": []},
    ],
    "admin_opml_failed": [{"filename": "feeds.opml", "reason": "not OPML"}],
    "admin_opml_report": [
        {
            "added": 2,
            "added_shown": [{"name": "Example", "url": "https://e.com/f"}],
            "added_more": 1,
            "failed": 1,
            "failed_shown": [{"url": "https://bad.example/f", "reason": "HTTP 404"}],
            "failed_more": 1,
            "present": 3,
        }
    ],
    "admin_source_added": [
        {"id": 7, "name": "E", "kind": "rss", "every": "15m", "items": 5, **titles}
        for titles in (
            {"feed_title": "Example", "newest": "Floods"},
            {"feed_title": "Example", "newest": ""},
            {"feed_title": "", "newest": "Floods"},
            {"feed_title": "", "newest": ""},
        )
    ],
    "admin_source_failed": [{"url": "https://bad.example/f", "reason": "HTTP 404"}],
    "admin_source_remove": [{"id": 7, "name": "Example", "articles": 40}],
    "admin_source_usage": [{}],
    "admin_sources": [
        {"items": [SOURCE, _with(SOURCE, paused=True, last_fetch="", failures=0)], **page}
        for page in ({"page": 1, "pages": 3, "total": 50}, {"page": 0, "pages": 1, "total": 2})
    ]
    + [
        {"items": [_with(SOURCE, failures=0)], "page": 0, "pages": 1, "total": 1},
        {"items": [_with(SOURCE, user=True, owners=3)], "page": 0, "pages": 1, "total": 1},
        {"items": [_with(SOURCE, owners=1)], "page": 0, "pages": 1, "total": 1},
        {"items": [], "page": 0, "pages": 1, "total": 0},
    ],
    "admin_topic_delete": [{"name": "Iraq", "followers": 12}],
    "admin_topic_deleted": [{"name": "Iraq"}],
    "admin_topic_failed": [{"reason": "no such topic"}],
    "admin_topic_kept": [{"name": "Iraq"}],
    "admin_topic_saved": [
        {"name": "Iraq", "keywords": "iraq, baghdad", "exclude": ex, "added": added, "matched": 4}
        for ex, added in (("sport", True), ("", False))
    ],
    "admin_topic_usage": [{}],
    "broadcast_audience": [{}],
    "broadcast_audience_chosen": [{"audience": a, "topic": "Iraq"} for a in ("all", "topic", "me")],
    "broadcast_cancelled": [{}],
    "broadcast_card": [
        {"card": {"title": "Floods", "lead": lead, "url": "https://e.com/a", "site": "e.com"}}
        for lead in ("Water rose", "")
    ],
    "broadcast_confirm": [
        {"audience": a, "topic": "Iraq", "count": 120, "urgent": u}
        for a in ("all", "topic", "me")
        for u in (False, True)
    ],
    "broadcast_invalid": [{"problem": "(problem)"}],
    "broadcast_private_only": [{}],
    "broadcast_progress": [
        {"p": PROGRESS, "eta": "2 min"},
        {"p": _with(PROGRESS, stopped=5), "eta": "2 min"},
        {"p": _with(PROGRESS, waiting=3), "eta": "2 min"},
    ],
    "broadcast_prompt": [{}],
    "broadcast_report": [
        {"p": PROGRESS},
        {"p": _with(PROGRESS, status="stopped", stopped=16)},
        {"p": _with(PROGRESS, status="stopped", stopped=0)},
    ],
    "broadcast_stopping": [{"count": 16}],
    "broadcast_topics": [{"topics": True}, {"topics": False}],
    "digest_empty": [
        {"date": "Mon 17 Feb", "when": "08:00", "preview": p, "follows_nothing": f}
        for p in (True, False)
        for f in (True, False)
    ],
    "digest_header": [{"date": "Mon 17 Feb", "when": "08:00", "preview": p} for p in (True, False)],
    "digest_heading": [{"topic": "Iraq"}],
    "alert": [
        {"topic": "<floods> & rain", "item": ITEM},
        {"topic": "floods", "item": _with(ITEM, url="", lead="", matched="")},
    ],
    "digest_item": [
        {"item": ITEM},
        {"item": _with(ITEM, url="", lead="", matched="", also_more=0)},
        {"item": _with(ITEM, also="")},
    ],
    "error": [{}],
    "follow_cancelled": [{}],
    "follow_preview": [
        {
            "name": "floods",
            "keywords": ["floods", "rain"],
            "exclude": exclude,
            "checked": 50,
            "count": count,
            "items": [{"headline": ITEM, "matched": ["floods"]}] if count else [],
        }
        for exclude, count in ((["sport"], 3), ([], 0), ([], 1))
    ],
    "follow_refused": [{"message": "(message)"}],
    "follow_removed": [{"name": "floods"}],
    "follow_saved": [{"name": "floods", "matched": m, "per_hour": 3} for m in (0, 3)],
    "following": [
        {"topics": [{"name": "floods", "alert": a}], "picking": p, "removed": r, "per_hour": 3}
        for p in (True, False)
        for r in ("", "rain")
        for a in (True, False)
    ]
    + [{"topics": [], "picking": False, "removed": "", "per_hour": 3}],
    "group_admins_only": [{}],
    "help": [{"group": g} for g in (True, False)],
    "hint": [{}],
    "language": [{"changed": c} for c in (True, False)],
    "languages": [
        {"offered": True, "chosen": ["English"]},
        {"offered": True, "chosen": []},
        {"offered": False, "chosen": []},
    ],
    "latest": [
        {"follows_nothing": False, "items": [ITEM, _with(ITEM, first_source="")], "topic": t}
        for t in ("Iraq", None)
    ]
    + [
        {"follows_nothing": False, "items": [_with(ITEM, url="", first_reported="")], "topic": t}
        for t in ("Iraq", None)
    ]
    + [
        {"follows_nothing": True, "items": [], "topic": None},
        {"follows_nothing": False, "items": [], "topic": "Iraq"},
        {"follows_nothing": False, "items": [], "topic": None},
    ],
    "settings": [
        {
            "note": note,
            "view": view,
            "v": _with(SETTINGS_VIEW, frequency=f, notify_empty=e),
            "forum": False,
        }
        for note, view, f, e in (
            ("Saved.", "main", "daily", True),
            ("", "time", "weekdays", False),
            ("", "frequency", "weekly", True),
            ("", "weekday", "off", True),
            ("", "items", "daily", True),
            ("", "quiet", "daily", True),
            ("", "muted", "daily", True),
        )
    ]
    + [{"note": "", "view": "main", "v": _with(SETTINGS_VIEW, next_digest=None), "forum": False}]
    + [
        {
            "note": "",
            "view": "add_time",
            "v": _with(SETTINGS_VIEW, time="08:00, 18:00", times=2),
            "forum": False,
        }
    ]
    + [
        {
            "note": "",
            "view": "threads",
            "forum": True,
            "v": _with(
                SETTINGS_VIEW,
                silent=True,
                quiet="22:00–07:00",
                digest_thread=thread,
                topic_threads=(("Sport <&>", THREAD), ("News", {"number": 3, "link": None})),
                muted=("Wire & Co", "Daily <Paper>"),
            ),
        }
        for thread in (THREAD, {"number": 5, "link": None}, None)
    ],
    "settings_cancelled": [{"pending": p} for p in (True, False)],
    "settings_invalid": [{"message": "(message)"}],
    "settings_prompt": [
        {"prompt": p, "user_id": u, "name": "Ahmad", "location": loc}
        for p in ("time", "zone", "items", "quiet")
        for u, loc in ((0, False), (601, True))
    ],
    "settings_toast": [
        {"what": what, "v": _with(SETTINGS_VIEW, frequency=f, notify_empty=e)}
        for what, f, e in (
            ("time", "daily", True),
            ("zone", "daily", True),
            ("frequency", "daily", True),
            ("frequency", "weekdays", True),
            ("frequency", "weekly", True),
            ("frequency", "off", True),
            ("max_items", "daily", True),
            ("notify_empty", "daily", True),
            ("notify_empty", "daily", False),
        )
    ]
    + [
        {"what": "time", "v": _with(SETTINGS_VIEW, time="08:00, 18:00", times=2)},
    ]
    + [
        {"what": what, "v": _with(SETTINGS_VIEW, **values)}
        for what, values in (
            ("silent", {"silent": True}),
            ("silent", {"silent": False}),
            ("quiet", {"quiet": "22:00–07:00"}),
            ("quiet", {"quiet": None}),
            ("threads", {"digest_thread": THREAD}),
            ("threads", {"digest_thread": None}),
        )
    ]
    + [{"what": "unmuted", "source": "Wire & Co", "v": None}],
    "settings_unclear": [
        {"problem": p, "typed": "Atlantis", "suggestions": s}
        for p in ("time", "empty", "offset_range", "offset_not_fixed", "location", "zone")
        for s in (["Asia/Baghdad"], [])
    ],
    "settings_zone_set": [
        {"n": _with(ZONE_NOTE, how=how, fixed=fixed, several_zones=several, others=others)}
        for how, fixed, several, others in (
            ("offset", True, False, ""),
            ("offset", False, False, ""),
            ("renamed", False, False, ""),
            ("abbreviation", False, False, ""),
            ("country", False, True, ""),
            ("country", False, False, ""),
            ("city", False, False, "Baghdad, US"),
            ("city", False, False, ""),
            ("location", False, False, ""),
            ("zone", False, False, ""),
        )
    ]
    + [{"n": _with(ZONE_NOTE, how="city", place="")}],
    "slow_down": [{"seconds": 12}],
    "start": [{"title": "Ahmad", "topics": t} for t in (True, False)],
    "stats": [
        {
            "when": "2026-02-17 08:00 UTC",
            "active": 10,
            "inactive": 2,
            "digests": digests,
            "p50": "4 s",
            "p95": "30 s",
            "broadcasts": 1,
            "articles": 400,
            "topics": topics,
            "failing": failing,
            "db_size": "12 MB",
            "db_free": free,
            "db_rows": "articles 400, outbox 20",
        }
        for digests, topics, failing, free in (
            (
                5,
                [{"name": "Iraq", "chats": 4}],
                [{"id": 7, "name": "E", "failures": 2, "error": "x"}],
                "1 MB",
            ),
            (0, [], [], ""),
        )
    ],
    "search_results": [
        {
            "query": "iran -football",
            "items": [ITEM, _with(ITEM, url="")],
            "first": f,
            "page": p,
            "pages": n,
        }
        for f, p, n in ((0, 1, 1), (10, 2, 5))
    ]
    + [{"query": "iran", "items": [], "first": 0, "page": 1, "pages": 0}],
    "search_usage": [{"message": m} for m in (None, "since:7x?")],
    "stop_cancelled": [{}],
    "stop_confirm": [{"count": c} for c in (1, 3)],
    "stop_done": [{"count": c} for c in (0, 3)],
    "thread_gone": [{}],
    "article": [
        {
            "title": "Floods <close> roads",
            "source": "Example News",
            "date": "Sunday, 29 November 2026",
            "url": url,
            "body": "First & <b>paragraph</b>.\n\nSecond.",
            "first": first,
            "last": last,
            "part": part,
            "parts": parts,
            "cut": cut,
            "quote": quote,
        }
        for first, last, part, parts, cut, quote, url in (
            (True, True, 1, 1, False, False, "https://example.com/a?x=1&y=2"),
            (True, False, 1, 3, False, True, "https://example.com/a"),
            (False, False, 2, 3, False, True, "https://example.com/a"),
            (False, True, 3, 3, True, False, "https://example.com/a"),
            (True, True, 1, 1, False, False, None),
        )
    ],
    "topic_gone": [{}],
    "topics": [{"choices": [1, 2], "followed": 1}, {"choices": [], "followed": 0}],
    "unknown_topic": [
        {"name": "Atlantis", "known": ["Iraq", "Syria"], "more": 3},
        {"name": "Atlantis", "known": ["Iraq"], "more": 0},
        {"name": "Atlantis", "known": [], "more": 0},
    ],
}

RENDERER = Renderer()
ENGLISH = english_sentences()


def _shown(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def test_every_template_has_cases() -> None:
    # Names starting with "_" are parts other templates include, rendered through them.
    templates = {path.stem for path in TEMPLATES.glob("*.html") if not path.stem.startswith("_")}
    assert templates == set(CASES)


@pytest.mark.parametrize("template", sorted(CASES))
def test_the_template_renders_in_english_and_arabic(template: str) -> None:
    for values in CASES[template]:
        english = RENDERER.render(template, lang="en", **values)
        arabic = _shown(RENDERER.render(template, lang="ar", **values))
        assert english or not values
        untranslated = [s for s in ENGLISH if s in arabic]
        assert not untranslated, (template, values, untranslated)
