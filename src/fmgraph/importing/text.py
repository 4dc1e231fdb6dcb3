"""What the words of a reading list say: titles, section roles, author lines and years.

Shared by every parser of course pages (posts, site pages, lecture lists), so a heading gives the
same role and a byline the same authors whatever the format.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")
_SPACES = re.compile(r"\s+")
_TITLE_PREFIX = re.compile(r"^(?:[-+*•]\s+|\d{1,2}[.)]\s+|(?:related|paper)\s*[:\-–]\s*)+", re.I)
_TITLE_TRAILER = re.compile(r"[\s/:|\-–—,;]+$")


def clean_title(text: str) -> str:
    """A heading as a title: no markup, list marker, ``related:`` prefix or trailing ``/``/``:``."""
    text = _EMPHASIS.sub("", text)
    text = _SPACES.sub(" ", text).strip()
    previous = None
    while previous != text:
        previous = text
        text = _TITLE_PREFIX.sub("", text).strip()
        text = _TITLE_TRAILER.sub("", text).strip()
    return text


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.lower())


_REQUIRED_WORDS = ("required", "require", "mandatory", "core", "essential")
_FURTHER_WORDS = (
    "more",
    "extra",
    "further",
    "additional",
    "optional",
    "supplementary",
    "supplemental",
    "related",
    "recommended",
    "suggested",
    "bonus",
    "background",
    "even",
    "other",
)
_READING_WORDS = ("readings", "reading", "papers", "list", "materials")
_FILLER_WORDS = ("the", "for", "this", "session", "and", "to", "s", "work", "works")


def _like(word: str, targets: Iterable[str]) -> bool:
    """``word`` is one of ``targets``, or a typo of one (only for words long enough to tell)."""
    for target in targets:
        if word == target:
            return True
        close = len(word) >= 5 and len(target) >= 5 and word[0] == target[0]
        if close and difflib.SequenceMatcher(None, word, target).ratio() >= 0.8:
            return True
    return False


def section_role(heading: str, level: int) -> str | None:
    """The role a section heading gives its readings, or None when it is no reading section.

    ``## Required Readings``, ``## Require Readings`` and ``## Readings`` give "required";
    ``## More Readings``, ``## Extra Readings`` and ``## Even More`` give "further". A deeper
    heading counts only when every word of it is such a word, so a paper titled "Extra Trees"
    stays a reading.
    """
    words = _words(heading)
    if not words:
        return None
    required = any(w.startswith("requir") or _like(w, _REQUIRED_WORDS) for w in words)
    further = any(_like(w, _FURTHER_WORDS) for w in words)
    reading = any(_like(w, _READING_WORDS) for w in words)
    vocabulary = _REQUIRED_WORDS + _FURTHER_WORDS + _READING_WORDS + _FILLER_WORDS
    only_vocabulary = all(w.startswith("requir") or _like(w, vocabulary) for w in words)
    if level > 2 and not only_vocabulary:
        return None
    if required:
        return "required"
    if further and (reading or only_vocabulary):
        return "further"
    if reading and (level == 2 or only_vocabulary):
        return "required"
    return None


# ------------------------------------------------------------------------ line classifiers

_NAME_PARTICLES = {"de", "van", "von", "der", "den", "la", "le", "da", "di", "del", "dos", "du"}
_AUTHOR_PREFIX = re.compile(r"^(?:authors?|by)\s*[:\-–]?\s+(?P<names>.+)$", re.I)
_ET_AL = re.compile(r",?\s*et\.?\s+al\.?$", re.I)
_SUBMITTED = re.compile(
    r"submitted\s+on\s+(?:\d{1,2}\s+)?[A-Za-z]{3,9}\.?\s+((?:19|20)\d{2})", re.I
)
_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE_LINE = re.compile(
    rf"^(?:(?:date|published|year|posted|released)\s*[:\-]?\s*)?"
    rf"(?:\d{{1,2}}\s+)?(?:{_MONTHS}\s+)?(?:\d{{1,2}},?\s+)?"
    rf"(?P<year>(?:19|20)\d{{2}})(?:[-/]\d{{1,2}}(?:[-/]\d{{1,2}})?)?\.?$",
    re.I,
)


def _is_name(item: str) -> bool:
    tokens = item.split()
    if not 1 <= len(tokens) <= 5:
        return False
    for token in tokens:
        if token.lower() in _NAME_PARTICLES:
            continue
        if not (token[0].isupper() and re.fullmatch(r"[\w'’.\-]+", token)):
            return False
        if any(c.isdigit() for c in token):
            return False
    return True


def authors_of(text: str) -> list[str] | None:
    """The author names a line lists, or None when it is not an author line."""
    match = _AUTHOR_PREFIX.match(text)
    names = match.group("names") if match else text
    names = _ET_AL.sub("", names.strip().rstrip("."))
    parts = re.split(r"\s*;\s*" if ";" in names else r"\s*,\s*|\s+and\s+|\s*&\s*", names)
    parts = [p.strip() for p in parts if p.strip()]
    if not parts or not all(_is_name(p) for p in parts):
        return None
    if match:
        return parts
    # Without "Authors:" a line must look like a list of full names, not a phrase.
    full = sum(1 for p in parts if len(p.split()) >= 2)
    return parts if len(parts) >= 2 and full * 2 >= len(parts) else None


_ET_AL_ANYWHERE = re.compile(r"\bet\.?\s+al\b", re.I)


def names_more(text: str) -> bool:
    """Whether an author line says its list is not complete ("et al.")."""
    return bool(_ET_AL_ANYWHERE.search(text))


def year_of(text: str) -> int | None:
    """The year a "Submitted on …" line or a date line gives."""
    match = _SUBMITTED.search(text) or _DATE_LINE.match(text.strip())
    return int(match.group(1) if match.re is _SUBMITTED else match.group("year")) if match else None
