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
"""

from __future__ import annotations

import datetime
import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from ..errors import DataError, Problem
from ..files import read_text
from ..loader import SESSION_CODE
from .identifiers import (
    arxiv_id,
    arxiv_in_text,
    canonical_url,
    doi_of,
    doi_url,
    guess_kind,
    host_of,
    is_web_url,
    unique_urls,
    year_of_arxiv,
)
from .records import ImportedReading, ImportedSession, new_work
from .text import authors_of, clean_title, names_more, section_role, year_of

POST_SUFFIXES = (".md", ".markdown")

# ------------------------------------------------------------------------ markdown lines

_EXCERPT = re.compile(r"<!--\s*excerpt\.start\s*-->", re.I)
_HEADING = re.compile(r"^ {0,3}(?P<hashes>#{1,6})(?:\s+|(?=[^#\s]))(?P<text>.*?)\s*#*\s*$")
_BULLET = re.compile(r"^(?P<indent>\s*)(?P<marker>[-+*•]|\d{1,3}[.)])(?:\s+(?P<text>.*)|\s*)$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_A_TAG = re.compile(r"<a\b[^>]*?\bhref\s*=\s*[\"']([^\"']+)[\"'][^>]*>(.*?)</a\s*>", re.I | re.S)
_IMG = re.compile(r"<img\b[^>]*>|!\[[^\]]*\]\([^)]*\)", re.I)
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_COMMENT = re.compile(r"<!--.*?-->")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")
_SPACES = re.compile(r"\s+")
_MD_LINK = re.compile(
    r"\[(?P<text>[^\]]*)\]\(\s*<?(?P<url>[^)\s>]*(?:\([^)\s]*\)[^)\s>]*)*)>?\s*\)"
)
_AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
_BARE_URL = re.compile(r"https?://[^\s<>\"'`\[\]|]+")
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
    good = [u for u in urls if is_web_url(u)]
    bad = [u for u in urls if u not in good]
    return _Line(_SPACES.sub(" ", text).strip(), good, texts, bad)


# --------------------------------------------------------------------------- post parsing


class _Builder:
    """A reading being read: its heading, the lines under it, the list it is written as."""

    def __init__(self, title: str, line: int, level: int, role: str, urls: list[str]) -> None:
        self.title, self.line, self.level, self.role = title, line, level, role
        self.urls: list[str] = list(urls)
        self.arxiv: list[str] = []
        self.doi: str | None = None
        self.authors: list[str] = []
        self.authors_truncated = False
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
        if self.doi is None:
            self.doi = doi_url(url)

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
            self.authors_truncated = names_more(text)

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
        work = new_work(
            title,
            urls=urls,
            arxiv=arxiv,
            doi=self.doi,
            authors=self.authors,
            authors_truncated=self.authors_truncated,
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
    return f"{host_of(url)}/{path}" if path else host_of(url)


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

FILE_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})-")


def front_matter(path: Path, lines: list[str]) -> tuple[dict[str, Any], int]:
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


def labels(value: Any) -> list[str]:
    """Tags or categories, given as a list or as one string (comma- or space-separated)."""
    if value is None:
        return []
    if isinstance(value, list):
        items = [str(v) for v in value if v is not None]
    else:
        text = str(value)
        items = text.split(",") if "," in text else text.split()
    return [_SPACES.sub(" ", s).strip() for s in items if str(s).strip()]


def as_date(value: Any) -> datetime.date | None:
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
    meta, body_start = front_matter(path, lines)
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
        session.date = as_date(meta["date"])
        if session.date is None:
            report("date", f"date {meta['date']!r} is not a date like 2024-02-06; left out")
    else:
        from_name = FILE_DATE.match(path.name)
        session.date = as_date(from_name.group(1)) if from_name else None
    session.tags = labels(meta.get("tags"))
    categories = labels(meta.get("categories"))
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
