"""Personal keyword topics through the use cases, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from digests import personal_topics as personal
from digests import subscriptions, topics
from digests.db import Database
from digests.errors import Duplicate, InvalidInput, NotFound
from digests.ingest import TopicMatcherCache
from digests.latest import UnknownTopic, latest_headlines
from digests.models import ArticleTopic, Source, Subscription, Topic
from digests.settings import Settings
from digests.store import matches as match_store
from digests.store import personal_topics as personal_store
from digests.store import topics as topic_store
from digests.store.articles import insert_new_articles
from digests.types import ChatKind, ChatRef, FeedEntry, TopicInfo
from tests.conftest import SEED

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
SETTINGS = Settings(default_timezone="UTC", default_digest_time="08:00")
ALICE = ChatRef(1001, ChatKind.PRIVATE, "Alice")
BOB = ChatRef(2002, ChatKind.PRIVATE, "Bob")
SEED_LINES = (SEED / "arab-press-isis-prison-break.txt").read_text(encoding="utf-8").splitlines()
SEED_TITLE = SEED_LINES[6]
SEED_BODY = "\n".join(SEED_LINES[9:58])

ARTICLES = [
    # title, text; stored in this order (the last is the newest)
    ("Hasakah prison: dozens escape", ""),
    ("Football: Hasakah prison team wins the derby", ""),
    ("Weather in Damascus", "Sunny."),
    (SEED_TITLE, SEED_BODY),
    ("سوريا: هجوم على سجن الحسكة", ""),
]

TOO_LONG = (
    "That is too long: a keyword topic has at most 10 words or phrases, 64 characters in all."
)


async def store_articles(
    db: Database, articles: list[tuple[str, str]], *, at: datetime = NOW, tag: str = "a"
) -> list[int]:
    """Store articles as ingestion does (one source, one unit of work) and match them."""
    async with db.transaction() as session:
        source_id = await session.scalar(select(Source.id).where(Source.name == "Example"))
        if source_id is None:
            source = Source(
                url="https://news.example/feed",
                name="Example",
                kind="feed",
                fetch_interval=900,
                created_at=at,
            )
            session.add(source)
            await session.flush()
            source_id = source.id
        entries = [
            FeedEntry(
                title=title,
                url=f"https://news.example/{tag}{i}",
                guid=f"{tag}{i}",
                text=text,
                published_at=at - timedelta(minutes=len(articles) - i),
            )
            for i, (title, text) in enumerate(articles)
        ]
        new = await insert_new_articles(session, source_id, entries, at)
        await TopicMatcherCache().store_matches(session, new)
    return [a.id for a in new]


async def follow(db: Database, chat: ChatRef, text: str) -> personal.SavedFollow:
    return await personal.save_follow(db, chat, personal.parse_follow(text), SETTINGS, now=NOW)


# --- parsing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        '"hasakah prison" isis -football',
        "“hasakah prison” isis -football",  # Telegram's curly quotes
        "«hasakah prison» isis —football",  # guillemets; "--" turned into a dash
        '"hasakah prison", isis, -football',
        '  "hasakah   prison"  isis   -"football"  ',
    ],
)
def test_follow_words_parse_into_phrases_and_exclusions(text: str) -> None:
    request = personal.parse_follow(text)
    assert [" ".join(k.split()) for k in request.keywords] == ["hasakah prison", "isis"]
    assert request.exclude == ("football",)


def test_follow_name_is_the_words_as_typed() -> None:
    assert personal.parse_follow('  "Hasakah  prison" ISIS ').name == '"Hasakah prison" ISIS'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Tell me what to follow, e.g. /follow"),
        ("   ", "Tell me what to follow"),
        ("-football -nba", "Say what to look for, not only what to leave out"),
        ('"hasakah prison isis', "A quote is not closed"),
        (
            "x" * 65,
            TOO_LONG,
        ),
        (
            "a b c d e f g h i j k",
            TOO_LONG,
        ),
        ("isis !!!", "has no letters or digits"),
    ],
)
def test_bad_follow_words_get_one_clear_line(text: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        personal.parse_follow(text)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_apostrophes_are_not_quotes() -> None:
    request = personal.parse_follow("don't o’neill")
    assert request.keywords == ("don't", "o’neill")


@given(st.text(max_size=80))
def test_any_text_either_parses_or_says_why(text: str) -> None:
    try:
        request = personal.parse_follow(text)
    except InvalidInput as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert request.keywords
        assert len(request.keywords) + len(request.exclude) <= personal.MAX_TERMS_PER_TOPIC
        assert len(request.name) <= personal.MAX_NAME_CHARS


# --- preview, save, list, remove ---------------------------------------------------------------


async def test_preview_lists_recent_matches_with_their_keywords_and_saves_nothing(
    db: Database,
) -> None:
    await store_articles(db, ARTICLES)
    request = personal.parse_follow('"hasakah prison" isis -football')
    preview = await personal.preview_follow(db, ALICE.id, request)
    assert preview.checked == len(ARTICLES)
    assert [(i.headline.title, i.matched) for i in preview.items] == [
        (SEED_TITLE, ("isis",)),
        ("Hasakah prison: dozens escape", ("hasakah prison",)),
    ]
    assert preview.count == 2
    views = personal.preview_views(preview, NOW)
    assert views[1].headline.url == "https://news.example/a0"
    assert views[1].headline.source == "Example"
    async with db.transaction() as session:
        assert await personal_store.count_owned(session, ALICE.id) == 0


async def test_preview_reads_only_the_last_50_and_shows_five(db: Database) -> None:
    await store_articles(db, [(f"Isis report {i}", "") for i in range(60)])
    preview = await personal.preview_follow(db, ALICE.id, personal.parse_follow("isis"))
    assert (preview.checked, preview.count, len(preview.items)) == (50, 50, 5)
    assert preview.items[0].headline.title == "Isis report 59"


async def test_saving_stores_a_private_topic_subscribes_and_matches_recent_articles(
    db: Database,
) -> None:
    await store_articles(db, ARTICLES)
    saved = await follow(db, ALICE, '"hasakah prison" isis -football')
    assert saved.matched == 2
    assert saved.topic.name == '"hasakah prison" isis -football'
    async with db.transaction() as session:
        topic = await session.get(Topic, saved.topic.id)
        assert topic is not None and topic.owner_chat_id == ALICE.id
        assert await session.get(Subscription, (ALICE.id, saved.topic.id)) is not None
        matched = {
            m.article_id: m.matched
            for m in (
                await session.scalars(
                    select(ArticleTopic).where(ArticleTopic.topic_id == saved.topic.id)
                )
            )
        }
    assert sorted(matched.values()) == ["hasakah prison", "isis"]

    result = await latest_headlines(db, ALICE.id)
    assert [h.title for h in result.headlines] == [SEED_TITLE, "Hasakah prison: dozens escape"]
    assert result.headlines[0].topics == ('"hasakah prison" isis -football',)


async def test_articles_older_than_30_days_are_not_matched_on_save(db: Database) -> None:
    await store_articles(db, [("Old isis story", "")], at=NOW - timedelta(days=31), tag="old")
    await store_articles(db, [("New isis story", "")], tag="new")
    saved = await follow(db, ALICE, "isis")
    assert saved.matched == 1


async def test_new_articles_are_matched_against_personal_topics(db: Database) -> None:
    saved = await follow(db, ALICE, '"hasakah prison" -football')
    await topics.add_topic(db, "Syria", "syria, hasakah", now=NOW)
    ids = await store_articles(db, ARTICLES)
    async with db.transaction() as session:
        rows = (
            await session.execute(
                select(ArticleTopic.article_id, ArticleTopic.matched).where(
                    ArticleTopic.topic_id == saved.topic.id
                )
            )
        ).all()
        assert rows == [(ids[0], "hasakah prison")]
        shown = await personal_store.matched_for_chat(session, ALICE.id, ids)
        assert shown == {ids[0]: ("hasakah prison",)}
        assert await personal_store.matched_for_chat(session, BOB.id, ids) == {}


async def test_personal_topics_stay_out_of_the_picker_and_other_chats(db: Database) -> None:
    await store_articles(db, ARTICLES)
    await topics.add_topic(db, "Weather", "weather", now=NOW)
    await follow(db, ALICE, "isis")
    await subscriptions.register_chat(db, BOB, SETTINGS, now=NOW)

    assert [c.name for c in await subscriptions.topic_choices(db, ALICE.id)] == ["Weather"]
    assert [c.name for c in await subscriptions.topic_choices(db, BOB.id)] == ["Weather"]
    assert [t.name for t in await topics.list_topics(db)] == ["Weather"]
    assert (await latest_headlines(db, BOB.id)).follows_nothing
    with pytest.raises(UnknownTopic) as unknown:
        await latest_headlines(db, BOB.id, "isis")
    assert unknown.value.known == ["Weather"]
    # The owner can ask for it by name, like a curated topic.
    mine = await latest_headlines(db, ALICE.id, "ISIS")
    assert [h.title for h in mine.headlines] == [SEED_TITLE]
    # And the picker's toggle refuses it even with its id.
    with pytest.raises(NotFound):
        topic_id = (await personal.following(db, ALICE.id))[0].id
        await subscriptions.toggle_topic(db, BOB, topic_id, SETTINGS, now=NOW)


async def test_two_chats_may_follow_the_same_words(db: Database) -> None:
    await store_articles(db, ARTICLES)
    a = await follow(db, ALICE, "isis")
    b = await follow(db, BOB, "isis")
    assert a.topic.id != b.topic.id
    assert (a.matched, b.matched) == (1, 1)


async def test_the_same_words_twice_are_refused(db: Database) -> None:
    await follow(db, ALICE, '"hasakah prison" isis')
    for again in ['"Hasakah prison" ISIS', "isis “hasakah prison”"]:
        with pytest.raises(Duplicate, match='You follow “"hasakah prison" isis” already'):
            await follow(db, ALICE, again)
        with pytest.raises(Duplicate):
            await personal.preview_follow(db, ALICE.id, personal.parse_follow(again))


async def test_a_chat_may_have_20_personal_topics(db: Database) -> None:
    for i in range(personal.MAX_TOPICS_PER_CHAT):
        await follow(db, ALICE, f"word{i}")
    request = personal.parse_follow("one more")
    with pytest.raises(personal.FollowLimit, match="You follow 20 keyword topics, the most"):
        await personal.preview_follow(db, ALICE.id, request)
    with pytest.raises(personal.FollowLimit):
        await personal.save_follow(db, ALICE, request, SETTINGS, now=NOW)
    await personal.unfollow(db, ALICE.id, "1")
    await personal.save_follow(db, ALICE, request, SETTINGS, now=NOW)
    assert len(await personal.following(db, ALICE.id)) == 20


async def test_unfollow_by_number_or_words_deletes_topic_and_matches(db: Database) -> None:
    await store_articles(db, ARTICLES)
    first = await follow(db, ALICE, '"hasakah prison" -football')
    await follow(db, ALICE, "isis")
    await follow(db, ALICE, "damascus weather")
    assert [t.name for t in await personal.following(db, ALICE.id)] == [
        '"hasakah prison" -football',
        "isis",
        "damascus weather",
    ]
    removed = await personal.unfollow(db, ALICE.id, "2")
    assert removed.name == "isis"
    removed = await personal.unfollow(db, ALICE.id, "“hasakah prison” —football")
    assert removed.id == first.topic.id
    removed = await personal.unfollow(db, ALICE.id, "Weather Damascus")
    assert await personal.following(db, ALICE.id) == []
    async with db.transaction() as session:
        assert (await session.scalars(select(ArticleTopic.topic_id))).all() == []
        assert (await session.scalars(select(Subscription.topic_id))).all() == []
    assert (await latest_headlines(db, ALICE.id)).follows_nothing


async def test_unfollow_unknown_says_so(db: Database) -> None:
    await follow(db, ALICE, "isis")
    with pytest.raises(NotFound, match="There is no number 2 in /following"):
        await personal.unfollow(db, ALICE.id, "2")
    with pytest.raises(NotFound, match="You don't follow “nba”"):
        await personal.unfollow(db, ALICE.id, "nba")
    with pytest.raises(InvalidInput, match="Tell me which one"):
        await personal.unfollow(db, ALICE.id, " ")


async def test_a_chat_cannot_remove_another_chats_or_a_curated_topic_by_id(db: Database) -> None:
    saved = await follow(db, ALICE, "isis")
    curated, _ = await topics.add_topic(db, "Syria", "syria", now=NOW)
    await subscriptions.register_chat(db, BOB, SETTINGS, now=NOW)
    for topic_id in (saved.topic.id, curated.id, 999_999):
        with pytest.raises(NotFound):
            await personal.unfollow_topic(db, BOB.id, topic_id)
    assert [t.name for t in await personal.following(db, ALICE.id)] == ["isis"]
    assert [t.name for t in await topics.list_topics(db)] == ["Syria"]
    assert (await personal.unfollow_topic(db, ALICE.id, saved.topic.id)).name == "isis"


async def test_matching_against_more_topics_than_one_statement_can_bind(db: Database) -> None:
    # Ingestion matches against every topic of every chat: 40,000 ids do not fit in one
    # PostgreSQL statement (32,767 parameters), so stale matches are deleted another way.
    saved = await follow(db, ALICE, "isis")
    ids = await store_articles(db, ARTICLES)
    many = [TopicInfo(id=10**6 + i, name=f"t{i}", keywords=(f"zq{i}",)) for i in range(40_000)]
    async with db.transaction() as session:
        mine = await topic_store.all_matchable_topics(session)
        stored = await match_store.match_articles(session, ids, [*mine, *many])
        rows = (await session.execute(select(ArticleTopic.topic_id))).scalars().all()
    assert stored == 1
    assert rows == [saved.topic.id]


async def test_stop_unfollows_curated_topics_and_deletes_keyword_topics(db: Database) -> None:
    await store_articles(db, ARTICLES)
    curated, _ = await topics.add_topic(db, "Weather", "weather", now=NOW)
    await follow(db, ALICE, "isis")
    await subscriptions.toggle_topic(db, ALICE, curated.id, SETTINGS, now=NOW)
    await follow(db, BOB, "isis")
    assert await subscriptions.unsubscribe_everything(db, ALICE.id) == 2
    assert await personal.following(db, ALICE.id) == []
    assert (await latest_headlines(db, ALICE.id)).follows_nothing
    assert [t.name for t in await personal.following(db, BOB.id)] == ["isis"]
    assert [t.name for t in await topics.list_topics(db)] == ["Weather"]
