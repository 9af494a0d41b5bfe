"""Sentence splitting for any script, and the lead: the first sentence(s) that carry the news.

A digest item shows one or two sentences under its title. They must be the article's own
opening, not what sits around it on the page: a photo caption, a byline, a dateline, a
"Subscribe" box, or the title again. Pure: text in, text out.

The splitter is rule based, with no model to download: sentences end at ``. ! ?`` and their
Arabic, Urdu, CJK, Devanagari, Burmese, Ethiopic and Armenian counterparts; a Latin full stop
after an abbreviation ("U.S.", "Mr.", "Jan.") or an initial does not end one, and the Arabic
comma never does. Thai writes no sentence punctuation: there a paragraph is one sentence.
"""

from __future__ import annotations

import re

from digests.truncation import truncate

LEAD_LIMIT = 300
_SHORT = 120  # a first sentence shorter than this gets the second one too, if it fits

# Terminators that end a sentence even with no space after them (CJK full-width, Devanagari
# danda, Burmese section marks, Ethiopic full stop), and those that need a space after them.
_TIGHT = "。！？!?｡؟۔।॥။።՝։"
_LOOSE = ".…"
_CLOSERS = "\"'”’»)]」』）"
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sr",
        "jr",
        "st",
        "mt",
        "ft",
        "gen",
        "lt",
        "col",
        "maj",
        "capt",
        "sgt",
        "cpl",
        "adm",
        "gov",
        "sen",
        "rep",
        "rev",
        "hon",
        "pres",
        "supt",
        "insp",
        "det",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mon",
        "tue",
        "tues",
        "wed",
        "thu",
        "thurs",
        "fri",
        "sat",
        "sun",
        "inc",
        "ltd",
        "co",
        "corp",
        "bros",
        "no",
        "nos",
        "vol",
        "vs",
        "etc",
        "al",
        "approx",
        "dept",
        "est",
        "fig",
        "ave",
        "blvd",
        "rd",
        "univ",
        "assn",
        "intl",
        "natl",
    ]
)
_SENTENCE_END = re.compile(
    rf"(?:[{re.escape(_TIGHT)}]+[{re.escape(_CLOSERS)}]*\s*)"
    rf"|(?:[{re.escape(_LOOSE)}]+[{re.escape(_CLOSERS)}]*\s+)"
)
_WORD_BEFORE = re.compile(r"([^\s.]+)\.$")
_STARTS_LOWER = re.compile(r"^[\"'“‘(«\[]?[a-zà-ÿ0-9]")

# Datelines and agency tags that open wire copy: "BERLIN, Feb 17 (Reuters) -", "KYIV, Ukraine
# (AP) —", "(CNN) —", "Feb 17 (Reuters) -"; "دمشق - سانا", "بيروت (رويترز) -", "(رويترز) -",
# "أنقرة/ الأناضول -". A city alone counts in capitals ("LONDON —", four letters at least, so
# "US - China talks" stays) or, in Arabic, when it is a city this list knows.
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
_AGENCY = (
    r"(?:AP|Reuters|AFP|CNN|UPI|dpa|Xinhua|IANS|PTI|Bloomberg|ANI|Anadolu|EFE|ANSA|Kyodo|"
    r"Yonhap|TASS|[A-Z]{2,6})"
)
_TAG = rf"\(\s*{_AGENCY}(?:\s*/\s*[^()]{{1,30}})?\s*\)"
_DATE = rf"(?:,?\s*{_MONTH}\s+\d{{1,2}}(?:,?\s*\d{{4}})?)"
_REGION = r"(?:,\s*[A-Z][A-Za-z.'’]+(?:[ ][A-Z][A-Za-z.'’]+){0,2})"
_DATELINE_EN = re.compile(
    r"^\s*(?:By(?:\s+[A-Z][\w'’.-]+){1,4}\s+(?=[A-Z]{2}))?(?:"
    rf"(?P<caps>[A-ZÀ-Þ][A-ZÀ-Þ.'’-]+(?:[ ][A-ZÀ-Þ][A-ZÀ-Þ.'’-]+){{0,3}}){_REGION}?{_DATE}?"
    rf"\s*(?P<tag>{_TAG})?"
    rf"|[A-Z][a-zà-ÿ.'’-]+(?:[ ][A-Z][a-zà-ÿ.'’-]+){{0,2}}{_REGION}?{_DATE}?\s*{_TAG}"
    rf"|{_MONTH}\s+\d{{1,2}}(?:,?\s*\d{{4}})?\s*{_TAG}"
    rf"|{_TAG}"
    r")\s*(?:--?|–|—|(?<=[A-Z]):)\s+"
)
_AR_WORD = r"[\u0621-\u064A\u0671-\u06D3]+"
_AR_AGENCY = (
    r"(?:رويترز|أ\s?ف\s?ب|ا\s?ف\s?ب|أ\.ف\.ب|فرانس برس|الأناضول|الاناضول|سانا|واس|وام|قنا|"
    r"كونا|بترا|د\s?ب\s?أ|د\.ب\.أ|أ\s?ش\s?أ|شينخوا|سبوتنيك|سبأ|واع|وفا|معا|إرنا|ارنا|تاس|"
    r"وكالات|الألمانية|الفرنسية|أسوشيتد برس)(?![\u0621-\u064A])"
)
_AR_CITY = (
    r"(?:دمشق|بغداد|بيروت|القاهرة|عمان|عمّان|الرياض|جدة|الدوحة|أبوظبي|أبو ظبي|دبي|الكويت|المنامة|"
    r"مسقط|صنعاء|عدن|طرابلس|تونس|الجزائر|الرباط|الخرطوم|القدس|القدس المحتلة|غزة|رام الله|"
    r"نابلس|الخليل|جنين|حلب|حمص|حماة|اللاذقية|إدلب|درعا|دير الزور|الرقة|الحسكة|القامشلي|"
    r"الموصل|أربيل|البصرة|كركوك|النجف|كربلاء|السليمانية|طهران|أنقرة|إسطنبول|اسطنبول|موسكو|"
    r"واشنطن|نيويورك|لندن|باريس|برلين|بروكسل|جنيف|فيينا|روما|بكين|طوكيو|كييف|نواكشوط|مقديشو|"
    r"بنغازي|الإسكندرية|صيدا|صور|الناصرة|حيفا|تل أبيب|عمان - الأردن)"
)
_DATELINE_AR = re.compile(
    r"^\s*(?:"
    rf"(?:{_AR_WORD}(?:\s+{_AR_WORD})?\s*[-–—/،,]?\s*)?[(（]\s*{_AR_AGENCY}\s*[)）]"
    rf"|{_AR_WORD}(?:\s+{_AR_WORD})?\s*[-–—/]\s*{_AR_AGENCY}"
    rf"|{_AR_CITY}\s*[-–—]"
    r")\s*[-–—:]?\s*"
)
_CAPTION = re.compile(
    r"^(?:this (?:photo|image|picture|handout|video|file photo)|in this (?:photo|image|picture|"
    r"file)|file\s*[-–—:]|file photo|photo\s*[:/]|image\s*[:/]|image caption|image source|"
    r"caption\s*:|picture\s*:|pictured\s*:|photograph\s*:|credit\s*:|media caption|"
    r"video caption|watch\s*:|listen\s*:)"
    r"|\((?:ap|afp|reuters|getty)[^)]*photo[^)]*\)|\(photo\s*:|photo credit|getty images\)?$"
    r"|(?:ap|afp|reuters|epa|getty images|shutterstock)\s*(?:photo)?\s*/\s*\w+\)?\.?$",
    re.IGNORECASE,
)
_BYLINE = re.compile(
    r"^(?:by\s+\S+(?:\s+\S+){0,5}$|(?:staff|senior|special)\s+(?:writer|reporter|"
    r"correspondent)\b|(?:updated|published|posted|last updated|first published)\b"
    r"|\d+\s+min(?:ute)?s?\s+read$|reporting by\b|editing by\b|written by\b"
    r"|\d{1,4}[./-]\d{1,2}[./-]\d{2,4}\b)",
    re.IGNORECASE,
)
# Byline words anywhere in a line: only a short line is a byline ("Posted on May 3 by Ann");
# in a sentence of news, "a letter published on Tuesday" is news.
_BYLINE_INSIDE = re.compile(
    r"\b(?:posted|published|publicado|publié|pubblicato|veröffentlicht|postado)\s+"
    r"(?:by|por|par|da|von|em|on)\b|\b(?:tags|categoria|category|kategorie)\s*:",
    re.IGNORECASE,
)
_BYLINE_MAX = 100
_BOILERPLATE = re.compile(
    r"\b(?:sign up|subscribe|read more|advertisement|share this|cookies?|click here|"
    r"all rights reserved|follow us|newsletter|related articles?|log ?in|download the app|"
    r"skip to|most read|recommended|terms of (?:use|service)|privacy policy|copyright)\b",
    re.IGNORECASE,
)
_LETTERS = re.compile(r"[^\W\d_]+")
_SPACED_SCRIPT = re.compile(r"[\u0E00-\u0E7F\u1000-\u109F\u3040-\u30FF\u3400-\u9FFF\uAC00-\uD7AF]")


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``, in order, stripped; a line break always ends one."""
    sentences: list[str] = []
    for paragraph in text.splitlines():
        sentences.extend(_split_paragraph(paragraph))
    return sentences


def _split_paragraph(paragraph: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(paragraph):
        end = match.end()
        candidate = paragraph[start:end].strip()
        if match.group(0).lstrip()[0] in _LOOSE and not _ends_sentence(candidate, paragraph[end:]):
            continue
        if candidate:
            pieces.append(candidate)
        start = end
    rest = paragraph[start:].strip()
    if rest:
        pieces.append(rest)
    return pieces


def _ends_sentence(candidate: str, following: str) -> bool:
    """Whether a Latin full stop ends the sentence: not after "Mr." or "U.S." before "officials"."""
    core = candidate.rstrip(_CLOSERS + " ")
    if core.endswith("…") or core.endswith("..."):
        return not _STARTS_LOWER.match(following)
    found = _WORD_BEFORE.search(core)
    if found:
        word = found.group(1).lstrip("\"'“‘(«[")
        if word.lower() in _ABBREVIATIONS:
            return False
        if len(word) == 1 and word.isalpha() and word.isupper():
            return False  # an initial: "John F. Kennedy"
        if "." in word and len(word) <= 6:
            # "U.S." or "a.m." ends a sentence only when a capitalised word follows.
            return (
                bool(following)
                and following[:1].isupper()
                and word.lower()
                not in {
                    "u.s",
                    "u.k",
                    "u.n",
                }
            )
    return not _STARTS_LOWER.match(following)


def _key(text: str) -> str:
    return " ".join(_LETTERS.findall(text.casefold()))


def _is_title(sentence: str, title_key: str) -> bool:
    key = _key(sentence)
    return bool(title_key) and (key == title_key or (len(key) > 20 and title_key.startswith(key)))


def _is_byline(text: str) -> bool:
    return bool(_BYLINE.search(text) or (len(text) <= _BYLINE_MAX and _BYLINE_INSIDE.search(text)))


def _usable(paragraph: str) -> bool:
    """False for captions, bylines, boilerplate and fragments too short to carry news."""
    if _CAPTION.search(paragraph) or _is_byline(paragraph):
        return False
    if _BOILERPLATE.search(paragraph) and len(paragraph) < 200:
        return False
    if _SPACED_SCRIPT.search(paragraph):
        return len(paragraph) >= 15
    words = paragraph.split()
    if len(words) < 6:
        return False
    # A heading or a list of names: no sentence punctuation at all in a short line.
    return len(paragraph) >= 60 or paragraph.rstrip(_CLOSERS)[-1:] in _TIGHT + _LOOSE


def strip_dateline(text: str) -> str:
    """``text`` without a leading dateline or agency tag, English or Arabic (see _DATELINE_EN)."""
    match = _DATELINE_EN.match(text)
    caps = match.group("caps") if match and not match.group("tag") else None
    if caps is not None and sum(ch.isalpha() for ch in caps) < 4:
        match = None  # "US - China talks": a short word in capitals alone is no dateline
    match = match or _DATELINE_AR.match(text)
    if match and len(match.group(0)) <= 60:
        rest = text[match.end() :].lstrip()
        if len(rest) >= 20:
            return rest[:1].upper() + rest[1:]
    return text


def choose_lead(
    text: str, *, title: str = "", language: str | None = None, limit: int = LEAD_LIMIT
) -> str:
    """One or two opening sentences of the article ``text``, at most ``limit`` characters.

    Skips captions, bylines, boilerplate, headings and repeats of ``title``; strips a
    dateline prefix. Cut at a word with "…" when even one sentence is too long. Empty when
    nothing in the text reads like a sentence of news. ``language`` is a hint only.
    """
    title_key = _key(title)
    for paragraph in text.splitlines():
        paragraph = " ".join(paragraph.split())
        if not paragraph or not _usable(paragraph):
            continue
        sentences = [
            s for s in split_sentences(strip_dateline(paragraph)) if not _is_title(s, title_key)
        ]
        sentences = [s for s in sentences if _usable_in_lead(s)]
        if not sentences:
            continue
        lead = sentences[0]
        if len(lead) < _SHORT and len(sentences) > 1:
            joined = f"{lead} {sentences[1]}"
            if len(joined) <= limit:
                lead = joined
        if _usable_sentence(lead):
            return _cut(lead, limit)
    return ""


def _usable_in_lead(sentence: str) -> bool:
    """False for a caption, a byline or a short promotion ("Subscribe to ...") in a paragraph."""
    if _CAPTION.search(sentence) or _is_byline(sentence):
        return False
    return not (_BOILERPLATE.search(sentence) and len(sentence) < 200)


def _usable_sentence(sentence: str) -> bool:
    if _SPACED_SCRIPT.search(sentence):
        return len(sentence) >= 10
    return len(sentence.split()) >= 4


def _cut(text: str, limit: int) -> str:
    return truncate(text, limit, trailing=" ,;:—–-")
