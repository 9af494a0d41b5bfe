"""The bot's own texts in each language it speaks: gettext catalogs read with Babel.

The catalogs are the ``.po`` files under ``digests/locale``; they are compiled in memory the
first time a language is asked for, so there is no build step and no ``.mo`` file to forget.
To add or change a message, edit the template or the ``_("...")`` call, then::

    .venv/bin/pybabel extract -F digests/locale/babel.cfg -o digests/locale/messages.pot .
    .venv/bin/pybabel update -i digests/locale/messages.pot -d digests/locale --no-fuzzy-matching

and translate the new entries in ``digests/locale/ar/LC_MESSAGES/messages.po``
(tests/digests/test_i18n.py fails while one is missing).
"""

from __future__ import annotations

import functools
import gettext
import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
DEFAULT_LANGUAGE = "en"
# The languages the bot speaks, each named in itself (how /language offers them).
LANGUAGES: dict[str, str] = {"en": "English", "ar": "العربية"}


def supported_language(code: str | None) -> str:
    """The language the bot speaks for a Telegram ``language_code`` such as "ar-EG".

    Anything the bot has no catalog for gets English.
    """
    if not code:
        return DEFAULT_LANGUAGE
    base = code.strip().replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else DEFAULT_LANGUAGE


def language_name(code: str, *, in_language: str = DEFAULT_LANGUAGE) -> str:
    """The name of language ``code`` in ``in_language`` ("ar" in English: "Arabic"), from
    Babel's CLDR data; the code itself when CLDR does not know it."""
    try:
        name = Locale.parse(code).get_display_name(supported_language(in_language))
    except (ValueError, UnknownLocaleError):
        return code
    return name[:1].upper() + name[1:] if name else code


def N_(message: str) -> str:
    """Mark ``message`` for the catalogs without translating it (it is translated when shown)."""
    return message


def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog for ``language``; English (the source language) has none."""
    return _catalog(supported_language(language))


@functools.cache
def _catalog(code: str) -> gettext.NullTranslations:
    """Cached by supported language, so bounded by the catalogs there are (two today), however
    many Telegram language codes come in."""
    po = LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"
    if code == DEFAULT_LANGUAGE or not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as source:
        catalog = read_po(source, locale=code, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


class Translator:
    """Python-side texts in one language: ``_ = Translator("ar"); _("Hello, %(name)s!", name=n)``.

    Message ids are the English texts; values are filled in after translation, printf-style,
    exactly as the templates' ``_()`` does. The result is plain text, not HTML.
    """

    def __init__(self, language: str) -> None:
        self.language = supported_language(language)
        self._catalog = translations(self.language)

    def gettext(self, message: str, /, **values: Any) -> str:
        """``message`` in this language, with ``values`` filled in."""
        text = self._catalog.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, n: int, /, **values: Any) -> str:
        """The form of ``singular``/``plural`` for ``n`` in this language; ``%(num)d`` is n."""
        return self._catalog.ngettext(singular, plural, n) % {"num": n, **values}

    def join(self, items: Iterable[str], /) -> str:
        """``items`` as a list in this language: "a, b" in English, "a، b" in Arabic."""
        return self._catalog.gettext(", ").join(items)

    __call__ = gettext


def translator(language: str) -> Translator:
    """The shared Translator for ``language``."""
    return _translator(supported_language(language))


@functools.cache
def _translator(code: str) -> Translator:
    """One per supported language (a bounded cache, as :func:`_catalog`)."""
    return Translator(code)
