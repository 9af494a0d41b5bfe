"""OPML: reading what other readers export, writing ours, and importing/exporting sources."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digests import source_admin
from digests.db import Database
from digests.errors import InvalidInput
from digests.ingest import make_fetcher
from digests.opml import OpmlFeed, parse_opml, write_opml
from digests.settings import Settings
from digests.store import sources as source_store
from digests.timeutil import utcnow
from tests.support.feedserver import FeedServer

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)

FEEDLY_EXPORT = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0">
  <head><title>Feedly subscriptions</title></head>
  <body>
    <outline text="World" title="World">
      <outline type="rss" text="BBC World" title="BBC News - World"
               xmlUrl="https://feeds.bbci.co.uk/news/world/rss.xml" htmlUrl="https://bbc.com/"/>
      <outline text="Middle East">
        <outline type="rss" text="Al Jazeera" xmlUrl="https://www.aljazeera.com/xml/rss/all.xml"/>
      </outline>
    </outline>
    <outline type="rss" text="no title attribute, text only" xmlurl="https://example.org/feed"/>
    <outline text="A note without a feed"/>
    <outline type="rss" text="BBC again" xmlUrl="https://feeds.bbci.co.uk/news/world/rss.xml"/>
  </body>
</opml>
"""


def test_reads_nested_outlines_title_or_text_and_skips_duplicates() -> None:
    assert parse_opml(FEEDLY_EXPORT) == [
        OpmlFeed("https://feeds.bbci.co.uk/news/world/rss.xml", "BBC News - World"),
        OpmlFeed("https://www.aljazeera.com/xml/rss/all.xml", "Al Jazeera"),
        OpmlFeed("https://example.org/feed", "no title attribute, text only"),
    ]


def test_round_trip_keeps_names_intervals_and_kinds() -> None:
    feeds = [
        OpmlFeed("https://a.example/rss", "A & B <News>", 900),
        OpmlFeed("https://b.example/", "سوريا اليوم", 3600, "page"),
        OpmlFeed("https://c.example/atom", "", None),
    ]
    data = write_opml(feeds, title="newsbot sources", now=NOW)
    assert data.startswith(b"<?xml")
    assert b'version="2.0"' in data
    back = parse_opml(data)
    assert back[:2] == feeds[:2]
    # A nameless feed is written with its URL as the name, as other readers need some text.
    assert back[2] == OpmlFeed("https://c.example/atom", "https://c.example/atom", None)


@given(
    st.lists(
        st.tuples(
            st.integers(1, 10_000),
            st.text(
                st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40
            ).filter(lambda s: s.strip()),
            st.integers(60, 86_400),
        ),
        max_size=8,
        unique_by=lambda t: t[0],
    )
)
def test_any_names_survive_a_round_trip(items: list[tuple[int, str, int]]) -> None:
    feeds = [
        OpmlFeed(f"https://x.example/{n}", " ".join(name.split()), every)
        for n, name, every in items
    ]
    assert parse_opml(write_opml(feeds, title="t", now=NOW)) == feeds


def test_external_entities_are_never_resolved() -> None:
    attack = b"""<?xml version="1.0"?>
<!DOCTYPE opml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<opml version="2.0"><body>
<outline text="x" xmlUrl="https://x.example/feed">&xxe;</outline>
</body></opml>"""
    feeds = parse_opml(attack)
    assert feeds == [OpmlFeed("https://x.example/feed", "x")]
    in_attribute = attack.replace(b'text="x"', b'text="&xxe;"')
    with pytest.raises(InvalidInput):
        parse_opml(in_attribute)


def test_entity_expansion_bombs_are_refused_quickly() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa">'
        + b"".join(
            f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(8)
        )
        + b']><opml version="2.0"><body><outline text="t" xmlUrl="https://x.example/">&i;'
        b"</outline></body></opml>"
    )
    started = time.perf_counter()
    with pytest.raises(InvalidInput, match="not an OPML file"):
        parse_opml(bomb)
    assert time.perf_counter() - started < 1


@pytest.mark.parametrize(
    "data",
    [b"", b"not xml at all", b"<rss version='2.0'><channel/></rss>", b"<opml><body>"],
)
def test_what_is_not_opml_is_refused_in_one_line(data: bytes) -> None:
    with pytest.raises(InvalidInput, match="not an OPML file"):
        parse_opml(data)


def test_reads_other_encodings_as_declared() -> None:
    latin = '<?xml version="1.0" encoding="ISO-8859-1"?><opml version="1.1"><body>' + (
        '<outline title="Le Monde été" xmlUrl="https://lemonde.example/rss"/></body></opml>'
    )
    assert parse_opml(latin.encode("latin-1"))[0].name == "Le Monde été"


# --- import and export against a database ------------------------------------------------


def _rss(title: str) -> bytes:
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
        "<item><title>One</title><link>https://n.example/1</link><guid>1</guid></item>"
        "</channel></rss>"
    ).encode()


@pytest.fixture
async def feeds() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    await server.start()
    server.add("/a.xml", _rss("Feed A"))
    server.add("/b.xml", _rss("Feed B"))
    server.add("/page.html", b"<html><body><p>hello</p></body></html>", "text/html")
    yield server
    await server.stop()


def _settings(db: Database) -> Settings:
    return Settings(database_url=db.url, allow_private_sources=True, fetch_pages=False)


async def test_import_reports_added_present_and_failed_and_export_round_trips(
    db: Database, feeds: FeedServer
) -> None:
    settings = _settings(db)
    async with make_fetcher(settings) as fetcher:
        await source_admin.add_source(
            db,
            fetcher,
            url=feeds.url("/a.xml"),
            name="Mine",
            every=600,
            allow_private=True,
            now=NOW,
        )
        document = write_opml(
            [
                OpmlFeed(feeds.url("/a.xml"), "Other name", 60),
                OpmlFeed(feeds.url("/b.xml"), "Bee", 7200),
                OpmlFeed(feeds.url("/missing.xml"), "Gone"),
                OpmlFeed(feeds.url("/page.html"), "Not a feed"),
                OpmlFeed("http://10.0.0.1/feed", "Private"),
            ],
            title="t",
            now=NOW,
        )
        report = await source_admin.import_opml(
            db, fetcher, document, default_interval=900, allow_private=True, now=NOW
        )
        refused = await source_admin.import_opml(
            db,
            fetcher,
            write_opml([OpmlFeed("http://127.0.0.1:9/feed", "Loopback")], title="t", now=NOW),
            default_interval=900,
            allow_private=False,
            now=NOW,
        )
    statuses = {o.name: o.status for o in report.outcomes}
    assert statuses == {
        "Other name": "present",
        "Bee": "added",
        "Gone": "failed",
        "Not a feed": "failed",
        "Private": "failed",
    }
    reasons = {o.name: o.reason for o in report.with_status("failed")}
    assert "404" in reasons["Gone"]
    assert "announces no feed" in reasons["Not a feed"]
    (loopback,) = refused.outcomes
    assert loopback.status == "failed" and "private" in loopback.reason.lower()

    async with db.transaction() as session:
        stored = {s.name: s.fetch_interval for s in await source_store.list_sources(session)}
    assert stored == {"Mine": 600, "Bee": 7200}  # the existing source kept its own name

    exported, count = await source_admin.export_opml(db, now=utcnow())
    assert count == 2
    assert sorted((f.name, f.interval) for f in parse_opml(exported)) == [
        ("Bee", 7200),
        ("Mine", 600),
    ]


async def test_import_of_garbage_is_invalid_input(db: Database) -> None:
    async with make_fetcher(_settings(db)) as fetcher:
        with pytest.raises(InvalidInput):
            await source_admin.import_opml(
                db, fetcher, b"<html>", default_interval=900, allow_private=True, now=NOW
            )
