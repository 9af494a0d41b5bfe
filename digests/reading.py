"""The Read button's use case: a stored article's full text as Telegram messages for a chat.

The first message opens with the title, source and date; the text follows cut at paragraph
boundaries (``article_pages``), each part folded into an expandable quote when it is long;
the last message ends with the link. Every message stays within Telegram's 4,096 characters.
"""

from __future__ import annotations

from digests.article_pages import paginate, utf16_length
from digests.db import Database
from digests.render import Renderer, localized_date, safe_link
from digests.split import TEXT_LIMIT, visible_length
from digests.store import reading as store
from digests.truncation import ELLIPSIS, truncate
from digests.types import ArticleToRead

MAX_PARTS = 6  # ~24,000 characters; what is left is at the link
QUOTE_FROM = 700  # a part longer than this is folded, so the chat stays scannable
TITLE_SHOWN = 300
_MARGIN = 16  # room for the blank lines around the text and rounding


async def read_article(
    db: Database, renderer: Renderer, chat_id: int, article_id: int, *, lang: str
) -> tuple[str, ...]:
    """The messages that send the article into the chat; empty when there is no text to read
    (the article is gone, only a teaser was stored, or it came from another chat's own feed)."""
    async with db.transaction() as session:
        article = await store.article_to_read(session, article_id, chat_id=chat_id)
        zone = await store.chat_timezone(session, chat_id)
    if article is None or utf16_length(article.text) < store.READABLE_MIN:
        return ()
    return article_messages(renderer, article, lang=lang, timezone=zone or "UTC")


def article_messages(
    renderer: Renderer, article: ArticleToRead, *, lang: str, timezone: str
) -> tuple[str, ...]:
    """Render ``article`` as one or more messages in ``lang``, dated in ``timezone``."""
    values = {
        "title": truncate(" ".join(article.title.split()), TITLE_SHOWN),
        "source": article.source_name,
        "date": localized_date(article.published_at, timezone, lang),
        "url": safe_link(article.url),
    }
    # What surrounds the text at most: both ends in one message, a part number, the cut note.
    frame = max(
        visible_length(
            renderer.render(
                "article",
                lang=lang,
                **values,
                body="",
                first=first,
                last=True,
                part=MAX_PARTS,
                parts=MAX_PARTS,
                cut=True,
                quote=True,
            )
        )
        for first in (True, False)
    )
    budget = TEXT_LIMIT - frame - _MARGIN
    pages = paginate(article.text, budget, max_parts=MAX_PARTS)
    # A text stored shortened (a feed's text is kept to 5,000 characters) ends in "…".
    cut = pages.cut or article.text.rstrip().endswith(ELLIPSIS)
    count = len(pages.parts)
    return tuple(
        renderer.render(
            "article",
            lang=lang,
            **values,
            body=body,
            first=number == 1,
            last=number == count,
            part=number,
            parts=count,
            cut=cut,
            quote=utf16_length(body) > QUOTE_FROM,
        )
        for number, body in enumerate(pages.parts, start=1)
    )
