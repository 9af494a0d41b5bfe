"""The /latest use case: the newest headlines for a chat's topics or for one named topic."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession

from digests.db import Database
from digests.echo import shorten
from digests.errors import NotFound
from digests.i18n import N_
from digests.store import headlines as headline_store
from digests.store import muted as muted_store
from digests.store import personal_topics as personal_store
from digests.store import topics as topic_store
from digests.store import user_feeds as user_feed_store
from digests.store.chat_language import get_news_languages
from digests.types import Headline, LatestResult

LATEST_LIMIT = 10
KNOWN_SHOWN = 30  # topics named after "there is no topic called…"; the rest are counted


class UnknownTopic(NotFound):
    """Raised by /latest NAME when no topic has that name; carries the names there are."""

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(N_("There is no topic named “%(name)s”."), name=shorten(name))
        self.name = shorten(name)  # it is echoed: a reply must stay within Telegram's limit
        self.known = known[:KNOWN_SHOWN]
        self.more = max(0, len(known) - KNOWN_SHOWN)


async def latest_headlines(
    db: Database, chat_id: int, topic_name: str | None = None, *, limit: int = LATEST_LIMIT
) -> LatestResult:
    """The newest headlines, newest first; names the reason when there are none."""
    async with db.transaction() as session:
        if topic_name and topic_name.strip():
            # The chat's own keyword topic first, then its own feed, then a curated topic;
            # never another chat's.
            topic = (
                await topic_store.find_topic(session, topic_name, owner_chat_id=chat_id)
                or await user_feed_store.find_feed_topic(session, chat_id, topic_name)
                or await topic_store.find_topic(session, topic_name)
            )
            if topic is None:
                known = [t.name for t in await topic_store.curated_topics(session)]
                raise UnknownTopic(topic_name.strip(), known)
            languages = await get_news_languages(session, chat_id)
            muted = await _muted(session, chat_id)
            found = await headline_store.newest_for_topics(
                session, [topic.id], limit, languages=languages, muted=muted
            )
            return LatestResult(await _with_matched(session, chat_id, found), topic=topic.name)
        followed = await topic_store.followed_topic_ids(session, chat_id)
        if not followed:
            return LatestResult((), follows_nothing=True)
        languages = await get_news_languages(session, chat_id)
        muted = await _muted(session, chat_id)
        found = await headline_store.newest_for_topics(
            session, followed, limit, languages=languages, muted=muted
        )
        return LatestResult(await _with_matched(session, chat_id, found))


async def _muted(session: AsyncSession, chat_id: int) -> frozenset[int]:
    return (await muted_store.muted_by_chat(session, [chat_id])).get(chat_id, frozenset())


async def _with_matched(
    session: AsyncSession, chat_id: int, found: list[Headline]
) -> tuple[Headline, ...]:
    """Add the keywords of the chat's own keyword topics each headline matched."""
    matched = await personal_store.matched_for_chat(session, chat_id, [h.article_id for h in found])
    return tuple(replace(h, matched=matched.get(h.article_id, ())) for h in found)
