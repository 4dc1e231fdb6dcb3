"""Parse course posts (Jekyll markdown) into sessions, their readings and the works they read.

A post is YAML front matter (``title``, ``desc`` holding the session code, ``tags``,
``categories``, ``date``) followed by reading sections (``## Required Readings``, ``## More
Readings`` …), each reading a ``###``/``####`` heading with bullet lines of URLs, authors, dates
and notes. Everything after ``<!--excerpt.start-->`` or a top-level ``# `` heading is a session
blog, not a reading list, and is skipped.

Real posts are messy, so parsing never gives up on a reading: whatever could not be read (no
URL, no heading, a guessed role) is recorded as a :class:`~fmgraph.errors.Problem` with the
file and line, and the reading is still returned with what was found. Only a post whose front
matter is missing or broken is an error, because without it there is no session to import.

This module also holds what every importer shares: the parsed-record dataclasses and the URL
helpers (arXiv ids, DOIs, URL normalization, kind guessing).
"""

from __future__ import annotations

import datetime
import difflib
import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import yaml

from . import loader
from .errors import DataError, Problem
from .files import read_text
from .loader import ARXIV_NEW, ARXIV_OLD, SESSION_CODE

POST_SUFFIXES = (".md", ".markdown")

# ---------------------------------------------------------------------------------- records


@dataclass
class ImportedWork:
    """What a source says about one work; ``kind`` is guessed from the URLs."""

    title: str
    urls: list[str] = field(default_factory=list)
    arxiv: str | None = None
    doi: str | None = None
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    kind: str = "paper"


@dataclass
class ImportedReading:
    """One entry of a session's reading list, where it was found, and what was odd about it."""

    role: str
    work: ImportedWork
    file: str
    line: int
    problems: list[Problem] = field(default_factory=list)

    def report(self, message: str) -> None:
        self.problems.append(Problem(self.file, self.line, f"reading {self.work.title!r}", message))


@dataclass
class ImportedSession:
    """A session as a source describes it.

    ``title`` None keeps the title a session already has (a BibTeX import names only the
    code). ``complete`` is True when the source lists every reading of the session (a post),
    so readings of the data that it lacks are worth reporting.
    """

    code: str
    file: str
    line: int
    title: str | None = None
    date: datetime.date | None = None
    collection: str | None = None
    tags: list[str] = field(default_factory=list)
    readings: list[ImportedReading] = field(default_factory=list)
    complete: bool = True
    problems: list[Problem] = field(default_factory=list)

    def all_problems(self) -> list[Problem]:
        """Problems of the session itself, then of each reading, in file order."""
        found = list(self.problems)
        for reading in self.readings:
            found.extend(reading.problems)
        return sorted(found, key=lambda p: p.line or 0)


# ------------------------------------------------------------------------------ URL helpers

_ARXIV_URL = re.compile(
    rf"^https?://(?:www\.|export\.|browse\.)?arxiv\.org/(?:abs|pdf|html|format|ps)/"
    rf"(?P<id>{ARXIV_NEW}|{ARXIV_OLD})(?:v\d+)?(?:\.pdf)?/?(?:[?#].*)?$"
)
_HF_PAPER_URL = re.compile(rf"^https?://huggingface\.co/papers/(?P<id>{ARXIV_NEW})(?:v\d+)?/?$")
_ARXIV_TEXT = re.compile(rf"\barxiv\s*:\s*(?P<id>{ARXIV_NEW}|{ARXIV_OLD})(?:v\d+)?", re.I)
_ARXIV_DOI = re.compile(rf"^10\.48550/arxiv\.(?P<id>{ARXIV_NEW})$", re.I)
_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+)")
_DOI_URL = re.compile(r"^https?://(?:dx\.)?doi\.org/(?P<doi>10\.\d{4,9}/\S+)$", re.I)
_OPENREVIEW = re.compile(r"^https?://(?:www\.)?openreview\.net/(?:forum|pdf)\?(?:.*&)?id=([^&#]+)")

_PAPER_HOSTS = (
    "arxiv.org",
    "openreview.net",
    "aclanthology.org",
    "aclweb.org",
    "proceedings.neurips.cc",
    "papers.nips.cc",
    "papers.neurips.cc",
    "proceedings.mlr.press",
    "jmlr.org",
    "dl.acm.org",
    "ieeexplore.ieee.org",
    "doi.org",
    "link.springer.com",
    "openaccess.thecvf.com",
    "semanticscholar.org",
    "biorxiv.org",
    "ojs.aaai.org",
    "ijcai.org",
    "nature.com",
    "science.org",
)
_CODE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "gist.github.com")
_BLOG_HOSTS = (
    "medium.com",
    "substack.com",
    "blogspot.com",
    "wordpress.com",
    "towardsdatascience.com",
    "lilianweng.github.io",
    "jalammar.github.io",
    "colah.github.io",
    "karpathy.github.io",
    "thegradient.pub",
    "distill.pub",
)
_BLOG_PATHS = {"blog", "blogs", "news", "post", "posts"}


def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def _on(host: str, domains: Iterable[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def arxiv_id(url: str) -> str | None:
    """The arXiv id an arXiv abs/pdf/html (or Hugging Face papers) URL names, without version."""
    match = _ARXIV_URL.match(url) or _HF_PAPER_URL.match(url)
    return match.group("id") if match else None


def arxiv_in_text(text: str) -> str | None:
    """An ``arXiv:2305.18290`` mention in free text, or an arXiv DOI, without version."""
    match = _ARXIV_TEXT.search(text)
    if match:
        return match.group("id")
    doi = _ARXIV_DOI.match(text.strip())
    return doi.group("id") if doi else None


def doi_of(text: str) -> str | None:
    """The DOI of a doi.org URL, or of a ``doi: 10.…`` mention."""
    match = _DOI_URL.match(text)
    if match:
        return match.group("doi").rstrip(".,;")
    match = _DOI.search(text)
    return match.group(1).rstrip(".,;") if match else None


def year_of_arxiv(identifier: str) -> int | None:
    """The year an arXiv id was first submitted (new ids are YYMM.NNNNN, old ones …/YYMMNNN)."""
    digits = identifier.split("/")[-1][:2] if "/" in identifier else identifier[:2]
    if not digits.isdigit():
        return None
    yy = int(digits)
    return 1900 + yy if yy >= 91 else 2000 + yy


def canonical_url(url: str) -> str:
    """``url`` as stored: every arXiv URL of a paper becomes its one ``abs`` page."""
    found = _ARXIV_URL.match(url)
    return f"https://arxiv.org/abs/{found.group('id')}" if found else url


def normalize_url(url: str) -> str:
    """The form URLs are compared in: no scheme, ``www.``, fragment, tracking or trailing ``/``.

    Every arXiv URL of a paper, and the forum and pdf pages of an OpenReview submission, are
    one URL.
    """
    found = arxiv_id(url)
    if found:
        return f"arxiv:{found}"
    review = _OPENREVIEW.match(url)
    if review:
        return f"openreview:{review.group(1)}"
    parts = urlsplit(url.strip())
    query = [(k, v) for k, v in parse_qsl(parts.query) if not k.startswith("utm_") and k != "tab"]
    host = _host(url)
    path = parts.path.rstrip("/")
    return f"{host}{path}" + (f"?{urlencode(query)}" if query else "")


def unique_urls(urls: Iterable[str], known: Iterable[str] = ()) -> list[str]:
    """``urls`` in order, without those the same (by :func:`normalize_url`) as an earlier one
    or as one of ``known``."""
    seen = {normalize_url(u) for u in known}
    unique = []
    for url in urls:
        key = normalize_url(url)
        if key not in seen:
            seen.add(key)
            unique.append(url)
    return unique


def guess_kind(urls: Iterable[str]) -> str:
    """The kind of work its URLs suggest: a paper host wins over code, code over a blog, …"""
    kinds = set()
    for url in urls:
        host, path = _host(url), urlsplit(url).path.lower()
        segments = {s for s in path.split("/") if s}
        if _on(host, _PAPER_HOSTS) or (host == "huggingface.co" and "papers" in segments):
            kinds.add("paper")
        elif _on(host, _CODE_HOSTS):
            kinds.add("code-repository")
        elif "leaderboard" in host or "leaderboard" in path:
            kinds.add("leaderboard")
        elif (
            _on(host, _BLOG_HOSTS)
            or any("blog" in label for label in host.split("."))
            or segments & _BLOG_PATHS
        ):
            kinds.add("blog-post")
        elif "lecture" in path or "slides" in path:
            kinds.add("lecture-notes")
        elif path.endswith(".pdf"):
            kinds.add("paper")
        else:
            kinds.add("web-page")
    for kind in ("paper", "code-repository", "leaderboard", "blog-post", "lecture-notes"):
        if kind in kinds:
            return kind
    return "web-page" if kinds else "paper"


def is_iri(url: str) -> bool:
    """Whether ``url`` is an absolute IRI the graph can hold, with a host."""
    return loader.is_iri(url) and bool(urlsplit(url).netloc)


# ------------------------------------------------------------------------ markdown helpers

_EXCERPT = re.compile(r"<!--\s*excerpt\.start\s*-->", re.I)
_HEADING = re.compile(r"^ {0,3}(?P<hashes>#{1,6})(?:\s+|(?=[^#\s]))(?P<text>.*?)\s*#*\s*$")
_BULLET = re.compile(r"^(?P<indent>\s*)(?P<marker>[-+*•]|\d{1,3}[.)])(?:\s+(?P<text>.*)|\s*)$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_A_TAG = re.compile(r"<a\b[^>]*?\bhref\s*=\s*[\"']([^\"']+)[\"'][^>]*>(.*?)</a\s*>", re.I | re.S)
_IMG = re.compile(r"<img\b[^>]*>|!\[[^\]]*\]\([^)]*\)", re.I)
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_COMMENT = re.compile(r"<!--.*?-->")
_MD_LINK = re.compile(
    r"\[(?P<text>[^\]]*)\]\(\s*<?(?P<url>[^)\s>]*(?:\([^)\s]*\)[^)\s>]*)*)>?\s*\)"
)
_AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
_BARE_URL = re.compile(r"https?://[^\s<>\"'`\[\]|]+")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")
_SPACES = re.compile(r"\s+")
_GENERIC_LINK_TEXT = {
    "",
    "url",
    "link",
    "links",
    "paper",
    "pdf",
    "code",
    "blog",
    "arxiv",
    "github",
    "website",
    "web",
    "site",
    "slides",
    "video",
    "here",
    "project",
    "project page",
    "html",
    "abs",
    "openreview",
}
_TITLE_PREFIX = re.compile(r"^(?:[-+*•]\s+|\d{1,2}[.)]\s+|(?:related|paper)\s*[:\-–]\s*)+", re.I)
_TITLE_TRAILER = re.compile(r"[\s/:|\-–—,;]+$")
_SUBHEADINGS = {
    "abstract",
    "summary",
    "notes",
    "note",
    "key points",
    "key ideas",
    "takeaways",
    "tl dr",
    "tldr",
    "links",
    "resources",
    "discussion",
    "questions",
}


@dataclass
class _Line:
    """One markdown line taken apart: its text without links and markup, and the URLs in it."""

    text: str
    urls: list[str]
    link_texts: list[str]
    bad_urls: list[str]


def _clean_url(url: str) -> str:
    """Strip what a sloppy post leaves stuck to a URL: a closing ``)`` it does not open, ``|``…"""
    url = html.unescape(url.strip()).strip("<>")
    while url:
        last = url[-1]
        if last in ".,;:!?'\"*|]}>" or (last == ")" and url.count("(") < url.count(")")):
            url = url[:-1]
        else:
            break
    return url


def _split_line(raw: str) -> _Line:
    urls: list[str] = []
    texts: list[str] = []

    def keep(url: str) -> None:
        url = _clean_url(url)
        if url.lower().startswith(("http://", "https://")):
            urls.append(url)

    def a_tag(m: re.Match[str]) -> str:
        keep(m.group(1))
        text = _TAG.sub("", m.group(2)).strip()
        texts.append(text)
        return " " if text.lower() in _GENERIC_LINK_TEXT else " " + text + " "

    def md_link(m: re.Match[str]) -> str:
        keep(m.group("url"))
        text = m.group("text").strip()
        inner = _BARE_URL.search(text)
        if inner and _clean_url(inner.group(0)) == _clean_url(m.group("url")):
            text = ""  # [https://x](https://x): the URL once, no title
        texts.append(text)
        return " " if text.lower() in _GENERIC_LINK_TEXT else " " + text + " "

    def bare(m: re.Match[str]) -> str:
        keep(m.group(0))
        return " "

    text = _COMMENT.sub(" ", raw)
    text = _IMG.sub(" ", text)
    text = _A_TAG.sub(a_tag, text)
    text = _MD_LINK.sub(md_link, text)
    text = _AUTOLINK.sub(bare, text)
    text = _BARE_URL.sub(bare, text)
    text = html.unescape(_TAG.sub(" ", text)).replace("\xa0", " ")
    good = [u for u in urls if is_iri(u)]
    bad = [u for u in urls if u not in good]
    return _Line(_SPACES.sub(" ", text).strip(), good, texts, bad)


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
    "even",
    "other",
)
_READING_WORDS = ("readings", "reading", "papers", "list", "materials")
_FILLER_WORDS = ("the", "for", "this", "session", "and", "to", "s")


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


def year_of(text: str) -> int | None:
    """The year a "Submitted on …" line or a date line gives."""
    match = _SUBMITTED.search(text) or _DATE_LINE.match(text.strip())
    return int(match.group(1) if match.re is _SUBMITTED else match.group("year")) if match else None


# --------------------------------------------------------------------------- post parsing


class _Builder:
    """A reading being read: its heading, the lines under it, the list it is written as."""

    def __init__(self, title: str, line: int, level: int, role: str, urls: list[str]) -> None:
        self.title, self.line, self.level, self.role = title, line, level, role
        self.urls: list[str] = list(urls)
        self.arxiv: list[str] = []
        self.doi: str | None = None
        self.authors: list[str] = []
        self.year: int | None = None
        self.has_content = False
        self.first_bullet: tuple[int, str] | None = None
        self.messages: list[str] = []
        for url in urls:
            self._note_url(url)

    def _note_url(self, url: str) -> None:
        found = arxiv_id(url)
        if found and found not in self.arxiv:
            self.arxiv.append(found)
        if self.doi is None and _DOI_URL.match(url):
            self.doi = doi_of(url)

    def add(self, parsed: _Line) -> None:
        self.has_content = True
        for url in parsed.bad_urls:
            self.messages.append(f"URL {url!r} is not a valid address; left out")
        for url in parsed.urls:
            self.urls.append(url)
            self._note_url(url)
        text = _EMPHASIS.sub("", parsed.text).strip()
        if not text:
            return
        mention = arxiv_in_text(text)
        if mention and mention not in self.arxiv:
            self.arxiv.append(mention)
        if self.doi is None and re.search(r"\bdoi\b", text, re.I):
            self.doi = doi_of(text)
        if parsed.urls:
            return
        year = year_of(text)
        if year is not None:
            self.year = self.year or year
            return
        names = authors_of(text)
        if names and not self.authors:
            self.authors = names

    def build(self, file: str) -> ImportedReading:
        urls = unique_urls(canonical_url(url) for url in self.urls)
        title = self.title
        if not title and urls:
            title = _title_from_url(urls[0])
            self.messages.append("heading has no title; named after its URL")
        if not title:
            title = f"untitled reading at line {self.line}"
            self.messages.append("heading has no title and no URL")
        arxiv = self.arxiv[0] if self.arxiv else None
        year = self.year or (year_of_arxiv(arxiv) if arxiv else None)
        work = ImportedWork(
            title=title,
            urls=urls,
            arxiv=arxiv,
            doi=self.doi,
            authors=self.authors,
            year=year,
            kind="paper" if arxiv else guess_kind(urls),
        )
        reading = ImportedReading(self.role, work, file, self.line)
        for message in self.messages:
            reading.report(message)
        if not urls:
            reading.report("no URL found; imported with its title only")
        if len(self.arxiv) > 1:
            named = ", ".join(self.arxiv)
            reading.report(f"names several arXiv ids ({named}); the work takes {self.arxiv[0]}")
        return reading


def _title_from_url(url: str) -> str:
    found = arxiv_id(url)
    if found:
        return f"arXiv {found}"
    parts = urlsplit(url)
    path = parts.path.strip("/")
    return f"{_host(url)}/{path}" if path else _host(url)


def _link_title(parsed: _Line) -> str:
    """The text of the line's first link that says more than "here" or "link", cleaned."""
    named = [t for t in parsed.link_texts if t.strip().lower() not in _GENERIC_LINK_TEXT]
    return clean_title(named[0]) if named else ""


def _lead_in(parsed: _Line) -> tuple[str, bool]:
    """A bullet's title, and whether it is a link's own text rather than the phrase before a
    link ("A walk-through of X at [URL](…)")."""
    if title := _link_title(parsed):
        return title, True
    text = re.sub(r"\s+(?:at|here|see)\s*:?$", "", parsed.text.strip(), flags=re.I)
    return clean_title(text), False


_HEADLESS = 7  # the "level" of a reading that is a bullet, not a heading


class _PostParser:
    def __init__(self, file: str, body: list[str], first_line: int) -> None:
        self.file, self.body, self.first_line = file, body, first_line
        self.readings: list[ImportedReading] = []
        self.current: _Builder | None = None
        self.role: str | None = None
        self.unknown_section: str | None = None

    def _close(self) -> None:
        if self.current is not None:
            self.readings.append(self.current.build(self.file))
            self.current = None

    def _start(self, title: str, line: int, level: int, urls: list[str]) -> _Builder:
        self._close()
        builder = _Builder(title, line, level, self.role or "required", urls)
        if self.role is None:
            builder.messages.append("comes before any reading section; taken as required")
        elif self.unknown_section is not None:
            builder.messages.append(
                f"under heading {self.unknown_section!r}, which names no reading section; "
                f"taken as {self.role}"
            )
        self.current = builder
        return builder

    def parse(self) -> list[ImportedReading]:
        in_fence = in_comment = False
        blank_before = False
        for offset, raw in enumerate(self.body):
            number = self.first_line + offset
            if in_comment:
                if "-->" not in raw:
                    continue
                in_comment, raw = False, raw.split("-->", 1)[1]
            if _FENCE.match(raw):
                in_fence = not in_fence
                continue
            if in_fence:
                continue
            if _EXCERPT.search(raw):
                break
            opened, mark, rest = raw.partition("<!--")
            if mark and "-->" not in rest:
                in_comment, raw = True, opened  # an HTML comment over several lines
            heading = _HEADING.match(raw)
            if heading and not (len(heading.group("hashes")) == 1 and not raw.startswith("# ")):
                level = len(heading.group("hashes"))
                if level == 1 and section_role(clean_title(heading.group("text")), 2) is None:
                    break  # a session blog starts: no more readings
                self._heading(heading.group("text"), level, number)
                blank_before = False
                continue
            if not raw.strip():
                blank_before = True
                continue
            self._content(raw, number, blank_before)
            blank_before = False
        self._close()
        return self.readings

    def _heading(self, text: str, level: int, number: int) -> None:
        parsed = _split_line(text)
        title = clean_title(parsed.text)
        role = section_role(title, level)
        if role is not None and not parsed.urls:
            self._close()
            self.role, self.unknown_section = role, None
            return
        current = self.current
        if (
            current is not None
            and level > current.level
            and _SPACES.sub(" ", re.sub(r"[^a-z ]", " ", title.lower())).strip() in _SUBHEADINGS
        ):
            current.has_content = True  # "#### Abstract" under a reading belongs to it
            return
        if current is not None and not current.has_content and level > current.level:
            # A heading with nothing under it but deeper headings groups readings; it is none.
            self.current = None
            if current.level == 2:
                self.unknown_section = current.title
        title = title or _link_title(parsed)
        builder = self._start(title, number, level, parsed.urls)
        for url in parsed.bad_urls:
            builder.messages.append(f"URL {url!r} is not a valid address; left out")

    def _content(self, raw: str, number: int, blank_before: bool) -> None:
        bullet = _BULLET.match(raw)
        text = (bullet.group("text") or "") if bullet else raw
        if not text.strip():
            return
        parsed = _split_line(text)
        current = self.current
        indent, marker = 0, ""
        if bullet is not None:
            indent, marker = len(bullet.group("indent").expandtabs(4)), bullet.group("marker")
            marker = "1." if marker[0].isdigit() else marker
        if current is None:
            if parsed.urls:
                self._headless(parsed, number, indent, marker)
            return
        if bullet is not None:
            if current.level == _HEADLESS and current.first_bullet is not None:
                if indent <= current.first_bullet[0] and parsed.urls:
                    # The next item of a list of links: a reading of its own.
                    self._headless(parsed, number, indent, marker)
                    return
            elif current.first_bullet is None:
                current.first_bullet = (indent, marker)
            elif (
                blank_before
                and indent <= current.first_bullet[0]
                and marker != current.first_bullet[1]
                and current.urls
                and len(parsed.urls) == 1
                and len(_lead_in(parsed)[0].split()) >= 2
            ):
                # A list with another marker after a blank line is a new list: a reading of
                # its own ("+ A code walk-through at [URL](…)" after a reading's "- " list).
                self._headless(parsed, number, indent, marker)
                return
        current.add(parsed)

    def _headless(self, parsed: _Line, number: int, indent: int, marker: str) -> None:
        title, linked = _lead_in(parsed)
        builder = self._start(title, number, _HEADLESS, [])
        builder.add(parsed)
        builder.first_bullet = (indent, marker)
        if title and not linked:
            builder.messages.append("has no heading; title taken from the bullet text")


# ---------------------------------------------------------------------------- front matter

_FILE_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})-")


def _front_matter(path: Path, lines: list[str]) -> tuple[dict[str, Any], int]:
    """The front matter mapping and the index of the first body line; DataError if broken."""
    file = str(path)
    start = next((i for i, line in enumerate(lines) if line.strip()), None)
    if start is None or lines[start].strip() != "---":
        raise DataError(
            [
                Problem(
                    file,
                    (start or 0) + 1,
                    None,
                    "no front matter: a post starts with a '---' line, the session's fields "
                    "(title, desc with the session code, tags, categories) and another '---'",
                )
            ]
        )
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].strip() in ("---", "...")), None
    )
    if end is None:
        raise DataError(
            [Problem(file, start + 1, None, "front matter is not closed by a '---' line")]
        )
    try:
        data = yaml.safe_load("\n".join(lines[start + 1 : end]))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        line = start + 2 + mark.line if mark is not None else start + 1
        problem = getattr(e, "problem", None) or str(e)
        message = f"front matter is not valid YAML: {problem}"
        raise DataError([Problem(file, line, None, message)]) from e
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise DataError(
            [Problem(file, start + 1, None, "front matter must be a mapping of fields")]
        )
    return data, end + 1


def _key_line(lines: list[str], key: str, default: int) -> int:
    pattern = re.compile(rf"^{re.escape(key)}\s*:")
    return next((i + 1 for i, line in enumerate(lines) if pattern.match(line)), default)


def _labels(value: Any) -> list[str]:
    """Tags or categories, given as a list or as one string (comma- or space-separated)."""
    if value is None:
        return []
    if isinstance(value, list):
        items = [str(v) for v in value if v is not None]
    else:
        text = str(value)
        items = text.split(",") if "," in text else text.split()
    return [_SPACES.sub(" ", s).strip() for s in items if str(s).strip()]


def _date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return None


def parse_post(path: Path) -> ImportedSession:
    """The session a post describes, with its readings in order; DataError for bad front matter."""
    file = str(path)
    text = read_text(path)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    meta, body_start = _front_matter(path, lines)
    front = lines[:body_start]

    code_key = "desc" if meta.get("desc") is not None else "code"
    raw_code = meta.get(code_key)
    code_line = _key_line(front, code_key, 1)
    code = str(raw_code).strip() if raw_code is not None else ""
    if not code:
        raise DataError(
            [Problem(file, 1, None, "front matter has no 'desc' with the session code (2024-S5)")]
        )
    if not SESSION_CODE.match(code):
        raise DataError(
            [
                Problem(
                    file,
                    code_line,
                    None,
                    f"desc {code!r} is not a session code like 2024-S5 (letters, digits, - . _)",
                )
            ]
        )
    session = ImportedSession(code=code, file=file, line=1)

    def report(key: str, message: str) -> None:
        session.problems.append(
            Problem(file, _key_line(front, key, 1), f"session {code!r}", message)
        )

    title = _SPACES.sub(" ", str(meta.get("title") or "")).strip()
    if title:
        session.title = title
    else:
        report("title", "front matter has no title; the session is named by its code")
        session.title = code
    if meta.get("date") is not None:
        session.date = _date(meta["date"])
        if session.date is None:
            report("date", f"date {meta['date']!r} is not a date like 2024-02-06; left out")
    else:
        from_name = _FILE_DATE.match(path.name)
        session.date = _date(from_name.group(1)) if from_name else None
    session.tags = _labels(meta.get("tags"))
    categories = _labels(meta.get("categories"))
    if categories:
        session.collection = categories[0]
        if len(categories) > 1:
            report(
                "categories",
                f"several categories; the first, {categories[0]!r}, is the collection",
            )
    parser = _PostParser(file, lines[body_start:], body_start + 1)
    session.readings = parser.parse()
    return session


def find_posts(paths: Iterable[Path]) -> list[Path]:
    """The post files ``paths`` name: files as given, folders searched for ``*.md``, sorted."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.suffix.lower() in POST_SUFFIXES
                    and p.is_file()
                    and not any(part.startswith(".") for part in p.relative_to(path).parts)
                )
            )
        else:
            found.append(path)
    unique: dict[Path, None] = dict.fromkeys(found)
    return list(unique)


def parse_posts(
    paths: Iterable[Path], progress: Callable[[str], None] | None = None
) -> list[ImportedSession]:
    """Every post of ``paths``; one DataError listing every post that cannot be read."""
    paths = list(paths)
    files = find_posts(paths)
    if not files:
        raise DataError([Problem(", ".join(str(p) for p in paths), None, None, "no posts found")])
    sessions: list[ImportedSession] = []
    problems: list[Problem] = []
    for number, path in enumerate(files, start=1):
        if progress is not None:
            progress(f"reading post {number}/{len(files)}: {path}")
        try:
            sessions.append(parse_post(path))
        except DataError as e:
            problems.extend(e.problems)
    if problems:
        raise DataError(problems)
    return sessions
