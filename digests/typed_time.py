"""Times of day as people type them: "07:30", "7:30 pm", "7pm", "19.30", "7", "٠٧:٣٠", "٧ م".

Digits may be ASCII, Arabic-Indic (٠-٩) or Persian (۰-۹); the separator a colon, a dot, "h" or
the Arabic decimal sign; the suffix am/pm (with or without dots) or the Arabic ص (morning) and
م (evening) and their long forms (صباحاً، مساءً، ظهراً، عصراً، ليلاً). A bare hour is 24-hour.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import time

from digests.errors import UnclearTime
from digests.matching import normalize

# Direction marks dropped, digits made ASCII, every dash a minus.
_FOLD = str.maketrans(
    "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹−–‐‒﹣－＋٫",
    "01234567890123456789------+:",
    "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",
)
_MORNING = {"am", "a", "ص", "صباحا", "صباح", "فجرا"}
_AFTERNOON = {"pm", "p", "م", "مساء", "مساءا", "ظهرا", "ظهر", "عصرا", "عصر", "بعدالظهر"}
_NIGHT = {"ليلا", "ليل", "بالليل"}  # 9 ليلاً is 21:00, 2 ليلاً is 02:00
_WORDS = {"noon": time(12), "midday": time(12), "midnight": time(0), "منتصفالليل": time(0)}
_TIME = re.compile(r"(?P<h>\d{1,2})(?:[:.h]?(?P<m>\d{2}))?(?:oclock)?(?P<suffix>\D*)")


def fold_typed(text: str) -> str:
    """``text`` with case, compatibility forms, Arabic-Indic digits, dashes and direction marks
    folded, and single spaces: the form typed answers are read in."""
    folded = unicodedata.normalize("NFKC", text).translate(_FOLD).casefold()
    return " ".join(folded.split())


def parse_time_of_day(text: str) -> time:
    """The time of day ``text`` means, in whole minutes; UnclearTime when it is none."""
    typed = " ".join(text.split())[:40]
    plain = normalize(fold_typed(text)).replace(" ", "").replace("'", "").replace("’", "")
    plain = re.sub(r"([ap])\.?m\.?$", r"\1m", plain)
    if plain in _WORDS:
        return _WORDS[plain]
    match = _TIME.fullmatch(plain)
    if match is None:
        raise UnclearTime(typed)
    hour, minute, suffix = int(match["h"]), int(match["m"] or 0), match["suffix"]
    if minute > 59:
        raise UnclearTime(typed)
    if suffix in _MORNING or suffix in _AFTERNOON:
        if not 1 <= hour <= 12:
            raise UnclearTime(typed)
        hour = hour % 12 + (12 if suffix in _AFTERNOON else 0)
    elif suffix in _NIGHT:
        if not 1 <= hour <= 12:
            raise UnclearTime(typed)
        hour = hour + 12 if 6 <= hour <= 11 else hour % 12
    elif suffix or hour > 23:
        raise UnclearTime(typed)
    return time(hour, minute)
