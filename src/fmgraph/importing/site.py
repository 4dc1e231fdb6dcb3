"""Read a course website's source: sessions and their readings, whatever the theme.

Each file's format is detected on its own (:func:`detect`):

* ``markdown`` — Jekyll posts and collection pages, documentation-theme lecture pages
  (``title``/``parent``/``nav_order``) and plain markdown, with or without front matter. The
  body is parsed with markdown-it-py (CommonMark, tables, raw HTML kept) into HTML;
* ``html`` — HTML pages, parsed with BeautifulSoup's ``html.parser``;
* ``data`` — Jekyll data files (``_data/*.yml``, ``*.yaml``, ``*.json``) holding a list of
  lectures, each a mapping with a title, maybe a code and date, and reading fields.

Both page formats become one stream of blocks (headings, list items, paragraphs, table rows,
each with its text and links), and one set of rules reads readings out of it, so the same list
gives the same readings in markdown and in HTML. The rules (documented in docs/importing.md):

* every paper identifier (:func:`~.identifiers.paper_key`: arXiv in any form, DOI, OpenReview,
  ACL Anthology, PMLR, NeurIPS) is its own reading, also several in one bullet or under one
  heading; its title is its link text, else the text before it, else the heading it is under;
* under a reading section other links (a blog post, a repository) are readings too, and a
  bullet or table row without any link is a reading named by its text up to the venue or note;
* links that are no readings (slides, recordings, assignments, ``#`` placeholders, relative
  course pages) are left out and counted;
* roles come from section names (:func:`~.text.section_role`), or from ``--role``.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import DataError, Problem
from ..files import read_text
from ..loader import SESSION_CODE
from ..names import normalize
from ..vocab import slug
from .identifiers import (
    canonical_url,
    guess_kind,
    is_iri,
    paper_key,
    paper_keys_in_text,
    paper_mentions,
    unique_urls,
    year_of_arxiv,
)
from .posts import FILE_DATE, as_date, front_matter, labels
from .records import ImportedReading, ImportedSession, SourceSummary, new_work
from .text import authors_of, clean_title, names_more, section_role, year_of

PAGE_SUFFIXES = (".md", ".markdown", ".html", ".htm")
DATA_SUFFIXES = (".yml", ".yaml", ".json")
#: Folders of a site's source that hold no course content (build output, templates, assets).
_SKIP_DIRS = {"_site", "node_modules", "vendor", "_includes", "_layouts", "_sass", "assets"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_HIDDEN = {"script", "style", "nav", "footer", "head", "template"}
_SPACES = re.compile(r"\s+")
_BARE_URL = re.compile(r"https?://[^\s<>\"'`\[\]|]+")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_SHORT_YEAR = re.compile(r"[A-Za-z]\s?['’](\d{2})\b")
#: "Levy and Goldberg (2014), Title": a byline and year before the title.
_BYLINE_FIRST = re.compile(r"^[^()]{2,80}?\s\((?:19|20)\d{2}[a-z]?\)[,.:]?\s+(?P<title>\S.*)$")
_QUOTED = re.compile(r"[\"“]([^\"“”]{6,300})[\"”]")
#: ", NeurIPS 2023" or ", ICML'24" closing a title.
_TRAILING_VENUE = re.compile(r",\s+[A-Z][\w&. ]{1,30}?\s?(?:'\d{2}|(?:19|20)\d{2})\.?$")
_LEADING_TAG = re.compile(r"^\s*(?:\[[^\]]{1,40}\]\s*)+")
_GENERIC = {
    "",
    "url",
    "link",
    "paper",
    "pdf",
    "abs",
    "abstract",
    "html",
    "arxiv",
    "openreview",
    "acl",
    "doi",
    "here",
    "code",
    "github",
    "blog",
    "website",
    "project",
    "project page",
    "web",
    "site",
    "[pdf]",
    "[paper]",
    "[arxiv]",
    "[code]",
}
#: Words of a link's text or URL that say it is course material, not a reading.
_NOT_READING_WORDS = {
    "slides",
    "slide",
    "recording",
    "recordings",
    "video",
    "videos",
    "lecture video",
    "assignment",
    "assignments",
    "homework",
    "hw",
    "quiz",
    "exam",
    "midterm",
    "final",
    "syllabus",
    "schedule",
    "notebook",
    "colab",
    "notes",
    "lecture notes",
    "scribe",
    "scribe notes",
    "project",
    "handout",
    "solutions",
    "solution",
    "piazza",
    "zoom",
    "canvas",
    "gradescope",
    "calendar",
    "docs",
    "documentation",
}
_NOT_READING_HOSTS = (
    "youtube.com",
    "youtu.be",
    "vimeo.com",
    "zoom.us",
    "piazza.com",
    "gradescope.com",
    "colab.research.google.com",
    "docs.google.com",
    "drive.google.com",
    "canvas.",
    "calendar.google.com",
    "panopto",
)
_NOT_READING_PATH = re.compile(
    r"(?:^|[/_\-.])(?:slides?|hw\d*|homework|assignments?|recordings?)(?:$|[/_\-.\d])"
)
_NO_READING_TEXT = re.compile(r"^(?:none|tbd|tba|no readings?|n/?a|-+)\.?$", re.I)
#: Front-matter and data-file keys that are never reading fields.
_PLAIN_KEYS = {
    "title",
    "desc",
    "code",
    "lecture",
    "layout",
    "permalink",
    "date",
    "tags",
    "categories",
    "parent",
    "nav_order",
    "has_children",
    "grand_parent",
    "nav_exclude",
    "topic",
    "name",
    "id",
    "number",
    "num",
    "week",
    "session",
    "location",
    "time",
    "instructor",
    "speaker",
    "image",
}
_FILE_NUMBER = re.compile(r"^(?:lecture|lec|week|session|class|l)?[-_ ]?(\d{1,3})(?!\d)", re.I)
_CODE_KEYS = ("desc", "code", "lecture", "session", "number", "num", "id", "week")
_TITLE_KEYS = ("title", "topic", "name", "lecture_title")


# ---------------------------------------------------------------------------------- blocks


@dataclass
class Link:
    """A link of a chunk of text: where it points, its text, and where it stands in the text."""

    href: str
    text: str
    start: int
    end: int


@dataclass
class Chunk:
    """Text as a reader sees it, with the links in it and its emphasized phrases."""

    text: str
    links: list[Link]
    emphasis: list[str]
    line: int


@dataclass
class Block:
    """One block of a page: a heading, list item, paragraph or table row."""

    kind: str  # "heading" | "item" | "para" | "row" | "stop"
    level: int
    chunk: Chunk
    cells: list[Chunk] = field(default_factory=list)
    header: bool = False
    table: int = 0


def _chunk(element: Any, line: int, skip: frozenset[str] = frozenset()) -> Chunk:
    """The text, links and emphasis of ``element``, leaving out sub-elements named in ``skip``;
    ``<br>`` becomes a newline and bare URLs in text count as links."""
    from bs4 import Comment, Tag
    from bs4.element import NavigableString

    parts: list[str] = []
    size = 0
    links: list[Link] = []
    emphasis: list[str] = []

    def add(text: str) -> None:
        nonlocal size
        parts.append(text)
        size += len(text)

    def walk(node: Any) -> None:
        for child in node.children:
            if isinstance(child, Comment):
                continue
            if isinstance(child, NavigableString):
                text = _SPACES.sub(" ", str(child))
                for match in _BARE_URL.finditer(text):
                    url = match.group(0).rstrip(".,;:!?)'\"")
                    links.append(
                        Link(url, "", size + match.start(), size + match.start() + len(url))
                    )
                add(text)
                continue
            if not isinstance(child, Tag) or child.name in skip or child.name in _HIDDEN:
                continue
            if child.name == "br":
                add("\n")
            elif child.name == "a":
                start = size
                inner = _SPACES.sub(" ", child.get_text(" ")).strip()
                add(" " + inner + " ")
                href = child.get("href")
                links.append(Link(str(href or "").strip(), inner, start, size))
            elif child.name == "img":
                continue
            else:
                if child.name in ("em", "i"):
                    emphasis.append(_SPACES.sub(" ", child.get_text(" ")).strip())
                if child.name in ("li", "p", "div", "tr", "td", "th", "dd", "dt"):
                    add("\n")
                walk(child)
                if child.name in ("li", "p", "div", "td", "th"):
                    add("\n")

    walk(element)
    return Chunk("".join(parts), links, emphasis, line)


def _split(chunk: Chunk) -> list[Chunk]:
    """``chunk`` cut at its line breaks (``<br>``, list items, paragraphs of a cell)."""
    pieces: list[Chunk] = []
    start = 0
    text = chunk.text
    for end in [*[i for i, c in enumerate(text) if c == "\n"], len(text)]:
        if text[start:end].strip():
            links = [
                Link(x.href, x.text, x.start - start, x.end - start)
                for x in chunk.links
                if start <= x.start < end
            ]
            emphasis = [e for e in chunk.emphasis if e and e in text[start:end]]
            pieces.append(Chunk(text[start:end], links, emphasis, chunk.line))
        start = end + 1
    return pieces


def html_blocks(markup: str, line_offset: int = 0) -> list[Block]:
    """The blocks of an HTML document or fragment, in document order.

    A block's line is its ``data-line`` attribute (set when the HTML was rendered from
    markdown) or where the parser found it, plus ``line_offset``.
    """
    from bs4 import BeautifulSoup, Comment, Tag

    soup = BeautifulSoup(markup, "html.parser")

    def line_of(element: Any) -> int:
        node = element
        while node is not None and getattr(node, "get", None) is not None:
            value = node.get("data-line")
            if value is not None:
                return int(value)
            node = node.parent
        return (getattr(element, "sourceline", None) or 1) + line_offset

    blocks: list[Block] = []
    for element in soup.descendants:
        if isinstance(element, Comment):
            if re.search(r"excerpt\.start", str(element), re.I):
                blocks.append(Block("stop", 0, Chunk("", [], [], line_of(element.parent))))
            continue
        if not isinstance(element, Tag) or element.find_parent(list(_HIDDEN)) is not None:
            continue
        name = element.name
        if name in _HIDDEN:
            continue
        line = line_of(element)
        if name in _HEADINGS:
            blocks.append(Block("heading", int(name[1]), _chunk(element, line)))
        elif name == "li" and element.find_parent(["td", "th"]) is None:
            depth = len(element.find_parents(["ul", "ol"]))
            blocks.append(Block("item", depth, _chunk(element, line, frozenset({"ul", "ol"}))))
        elif name == "tr":
            cells = [_chunk(c, line) for c in element.find_all(["td", "th"], recursive=False)]
            header = element.find_parent("thead") is not None or all(
                c.name == "th" for c in element.find_all(["td", "th"], recursive=False)
            )
            table = element.find_parent("table")
            whole = _chunk(element, line)
            blocks.append(Block("row", 0, whole, cells, header, id(table)))
        elif name in ("p", "dt", "dd") and element.find_parent(["li", "td", "th"]) is None:
            blocks.append(Block("para", 0, _chunk(element, line)))
    return blocks


def _markdown_html(body: str, first_line: int) -> str:
    """``body`` rendered to HTML by markdown-it-py, each block tagged with its source line."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    tokens = md.parse(body)
    for token in tokens:
        if token.map is not None and token.nesting == 1:
            token.attrSet("data-line", str(token.map[0] + first_line))
    rendered: str = md.renderer.render(tokens, md.options, {})
    return rendered


def _inline_chunk(value: str, line: int) -> Chunk:
    """A data-file string (markdown or HTML) as a chunk."""
    from bs4 import BeautifulSoup
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark", {"html": True}).renderInline(value)
    return _chunk(BeautifulSoup(html, "html.parser"), line)


# -------------------------------------------------------------------------------- readings


@dataclass
class _Found:
    """A reading being read."""

    title: str
    line: int
    role: str
    keys: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    authors_truncated: bool = False
    year: int | None = None
    note: str | None = None

    def reading(self, file: str) -> ImportedReading:
        arxiv = next((k[6:] for k in self.keys if k.startswith("arxiv:")), None)
        doi = next((k[4:] for k in self.keys if k.startswith("doi:")), None)
        urls = unique_urls(canonical_url(u) for u in self.urls)
        if arxiv and not any(paper_key(u) == f"arxiv:{arxiv}" for u in urls):
            urls.insert(0, f"https://arxiv.org/abs/{arxiv}")
        title = self.title or (f"arXiv {arxiv}" if arxiv else (urls[0] if urls else "untitled"))
        kind = "paper" if self.keys or not urls else guess_kind(urls)
        year = self.year or (year_of_arxiv(arxiv) if arxiv else None)
        work = new_work(
            title,
            urls=urls,
            arxiv=arxiv,
            doi=doi,
            authors=self.authors,
            authors_truncated=self.authors_truncated and bool(self.authors),
            year=year,
        )
        work.kind = kind
        reading = ImportedReading(self.role, work, file, self.line)
        if not self.keys and not urls:
            reading.report("no link; imported with its title only")
        if self.note:
            reading.report(self.note)
        return reading


def _with_mentions(chunk: Chunk) -> list[Link]:
    """The chunk's links, and its ``arXiv:…`` and DOI mentions as links, in text order."""
    spans = [(x.start, x.end) for x in chunk.links]
    mentions = [
        Link(url, "", start, end)
        for url, start, end in paper_mentions(chunk.text)
        if not any(a <= start < max(b, a + 1) for a, b in spans)
    ]
    return sorted(chunk.links + mentions, key=lambda x: x.start)


def _generic(text: str) -> bool:
    """Link text that names no title: "pdf", "[code]", "here", the URL itself."""
    text = text.strip().strip("[]()").strip().lower()
    return text in _GENERIC or text.startswith(("http://", "https://", "www."))


def _not_reading(link: Link) -> bool:
    """Whether a link is course material (slides, a recording, an assignment …)."""
    from urllib.parse import urlsplit

    words = _SPACES.sub(" ", re.sub(r"[^\w ]", " ", link.text.lower())).strip()
    if words in _NOT_READING_WORDS or (words and words.split()[0] in {"slides", "video", "hw"}):
        return True
    parts = urlsplit(link.href)
    host = (parts.hostname or "").lower()
    if any(h in host for h in _NOT_READING_HOSTS):
        return True
    return bool(_NOT_READING_PATH.search(parts.path.lower())) and guess_kind([link.href]) != "paper"


def title_of_text(text: str) -> str:
    """A reading's title from the text a list or table shows for it: without a leading
    ``[Tag]``, the venue in parentheses after it, or the note after a colon or dash."""
    text = _SPACES.sub(" ", text).strip()
    text = re.sub(r"^(?:[\s;,.:|)\]\-–—]+|(?:and|&|or)\s)+", "", text).strip()
    text = _LEADING_TAG.sub("", text).strip()
    text = re.sub(r"[\s(\[]+$", "", text)
    quoted = _QUOTED.search(text)
    if quoted and len(quoted.group(1).split()) >= 3:
        return clean_title(quoted.group(1).strip().rstrip(".,"))  # MLA: Author. "Title." Venue
    byline = _BYLINE_FIRST.match(text)
    if byline:
        text = byline.group("title")
    text = _TRAILING_VENUE.sub("", text)
    text = re.sub(r"^[\"“]|[\"”]$", "", text)
    cut = re.search(r"\s[(\[][^)\]]*?(?:\d{2}|[A-Z]{2,})[^)\]]*[)\]]", text)
    if cut:
        text = text[: cut.start()]
    for separator in (" – ", " — ", " - "):
        head, found, _ = text.partition(separator)
        if found and len(head.split()) >= 3:
            text = head
            break
    head, found, _ = text.partition(". ")
    if found and len(head.split()) >= 3:
        text = head
    text = re.sub(r"\s+(?:at|here|see|in)\s*:?$", "", text.strip(), flags=re.I)
    return clean_title(text.strip().strip('"“”.'))


#: Words of a heading that names a group of readings ("High-impact papers"), not one.
_GROUP_WORDS = {"papers", "readings", "links", "resources", "references", "materials"}


def _names_group(heading: str) -> bool:
    return any(w in _GROUP_WORDS for w in re.findall(r"[a-z]+", heading.lower()))


def _title_like(text: str, fewest: int = 2) -> bool:
    words = text.split()
    return fewest <= len(words) <= 30 and text[:1].isalnum() and not _NO_READING_TEXT.match(text)


def _byline(found: _Found, chunk: Chunk, after: int) -> None:
    """Set the authors and year written after the title: an emphasized name list, or
    ``Authors. Year.``; an "et al." marks the author list as not complete."""
    rest = chunk.text[after:]
    authors: list[str] = []
    phrases = [p.strip().rstrip(".") for p in chunk.emphasis]
    phrases += [p.strip(" .,;") for p in re.split(r"(?<!\bal)\.\s+|\n", rest)]
    for phrase in phrases:
        names = authors_of(phrase)
        if names:
            authors = names
            found.authors_truncated = names_more(phrase)
            break
    year = None
    match = _YEAR.search(rest) or _YEAR.search(chunk.text[:after])
    if match:
        year = int(match.group(1))
    else:
        short = _SHORT_YEAR.search(chunk.text)
        if short:
            year = 2000 + int(short.group(1))
    found.authors, found.year = authors, year


class _Reader:
    """Reads readings out of chunks, counting the links it leaves out."""

    def __init__(self, file: str, role_override: str | None) -> None:
        self.file = file
        self.role_override = role_override
        self.left_out = 0

    def role(self, role: str) -> str:
        return self.role_override or role

    def chunk(self, chunk: Chunk, role: str, section: bool, allow_title: bool) -> list[_Found]:
        """The readings of one list item, row, paragraph or data-file string."""
        groups: dict[str, list[Link]] = {}
        others: list[Link] = []
        before = self.left_out
        for link in _with_mentions(chunk):
            href = link.href
            if not href.lower().startswith(("http://", "https://")) or not is_iri(href):
                self.left_out += 1  # "#" placeholders, relative course pages, mailto:
                continue
            key = paper_key(href)
            if key:
                groups.setdefault(key, []).append(link)
            elif _not_reading(link):
                self.left_out += 1
            else:
                others.append(link)
        if groups:
            return self._papers(chunk, groups, others, role, section)
        if others:
            if not section:
                self.left_out += len(others)
                return []
            first = others[0]
            title = next((x.text for x in others if not _generic(x.text)), "")
            title = clean_title(title) or title_of_text(chunk.text[: first.start])
            found = _Found(title, chunk.line, self.role(role), urls=[x.href for x in others])
            _byline(found, chunk, max(x.end for x in others))
            return [found]
        if section and allow_title and self.left_out == before:
            title = title_of_text(chunk.text)
            if _title_like(title):
                found = _Found(title, chunk.line, self.role(role))
                _byline(found, chunk, 0)
                return [found]
        return []

    def attach(self, current: _Found, chunk: Chunk, section: bool) -> bool:
        """Add what ``chunk`` says to the reading a heading started; False when the chunk is
        a reading of its own (a link with its own title, another paper)."""
        links = [x for x in chunk.links if x.href.lower().startswith(("http://", "https://"))]
        text_keys = paper_keys_in_text(chunk.text)
        if not links and not text_keys:
            text = chunk.text.strip().rstrip(".")
            authors = authors_of(text)
            if authors and not current.authors:
                current.authors = authors
                current.authors_truncated = names_more(text)
            elif current.year is None and (year := year_of(text)):
                current.year = year
            return True
        own = normalize(current.title)
        lead = title_of_text(chunk.text[: links[0].start]) if links else ""
        if (current.keys or current.urls) and len(lead.split()) >= 3:
            return False  # "A walk-through of X at [URL](…)": a reading of its own
        if any(not _generic(x.text) and normalize(x.text) != own for x in links):
            return False
        keys = list(dict.fromkeys([k for x in links if (k := paper_key(x.href))] + text_keys))
        if keys:
            schemes = {k.split(":", 1)[0] for k in current.keys}
            fresh = [k for k in keys if k not in current.keys]
            if len({k.split(":", 1)[0] for k in fresh}) < len(fresh):
                return False  # several papers of one kind: readings of their own
            if any(k.split(":", 1)[0] in schemes for k in fresh):
                return False  # another paper than the heading's
            current.keys += fresh
        for link in links:
            if paper_key(link.href) or (section and not _not_reading(link)):
                current.urls.append(link.href)
            else:
                self.left_out += 1
        return True

    def _papers(
        self,
        chunk: Chunk,
        groups: dict[str, list[Link]],
        others: list[Link],
        role: str,
        section: bool,
    ) -> list[_Found]:
        found: list[_Found] = []
        previous_end = 0
        for key, links in groups.items():
            named = next((x.text for x in links if not _generic(x.text)), "")
            start = links[0].start if links else len(chunk.text)
            if named:
                title = clean_title(named)
            else:
                lead = chunk.text[previous_end:start]
                if len(groups) == 1:
                    lead = chunk.text[:start]
                if not lead.strip() and len(groups) == 1:
                    lead = chunk.text[max((x.end for x in links), default=0) :]
                    lead = lead.strip().strip("()[]")
                title = title_of_text(lead)
            item = _Found(title, chunk.line, self.role(role), keys=[key])
            item.urls = [x.href for x in links]
            found.append(item)
            previous_end = max((x.end for x in links), default=previous_end)
        if len(found) == 1:
            if section:
                found[0].urls += [x.href for x in others]
            else:
                self.left_out += len(others)
            end = max((x.end for x in chunk.links), default=0)
            _byline(found[0], chunk, end)
            if not found[0].title:
                found[0].title = title_of_text(chunk.text[end:])
        else:
            self.left_out += len(others)
        return found


_SUBHEADINGS = {"abstract", "summary", "notes", "note", "tl dr", "tldr", "key ideas", "why read it"}


def _blocks_readings(
    blocks: list[Block], reader: _Reader, default_role: str | None
) -> list[_Found]:
    """The readings of a page's blocks, in order.

    A heading inside a reading section that is not itself a section starts a reading: the
    blocks under it give its links (when their link text says no more than "pdf" or "code"),
    byline and year. A block whose link has a title of its own is a reading of its own, and a
    heading that only groups such readings is none.
    """
    found: list[_Found] = []
    role = default_role or "required"
    section = default_role is not None
    seen_section = False
    current: _Found | None = None
    level_of_current = 0
    current_filled = False
    current_in_section = False

    def close(next_level: int | None) -> None:
        nonlocal current
        if current is not None and (current.keys or current_in_section):
            keeps = current.keys or current.urls or current_filled
            if keeps or next_level is None or next_level <= level_of_current:
                found.append(current)
        current = None

    for block in blocks:
        chunk = block.chunk
        if block.kind == "stop":
            break
        if block.kind == "heading":
            title = clean_title(chunk.text)
            level = block.level
            has_links = any(x.href.lower().startswith("http") for x in chunk.links)
            new_role = None if has_links else section_role(title, max(level, 2))
            if new_role is not None:
                close(None)
                role, section, seen_section = new_role, True, True
                continue
            if level == 1 and seen_section:
                break  # a blog after the reading list
            if (
                current is not None
                and level > level_of_current
                and normalize(title) in {normalize(s) for s in _SUBHEADINGS}
            ):
                current_filled = True
                continue
            close(level)
            if level <= 2 and not has_links:
                section = default_role is not None
                continue
            items = reader.chunk(chunk, role, section, False)
            if len(items) == 1:
                current, level_of_current, current_filled = items[0], level, True
                current_in_section = True
            elif items:
                found.extend(items)
            elif _title_like(title, 1) and (section or level >= 3) and not _names_group(title):
                current = _Found(title, chunk.line, reader.role(role))
                level_of_current, current_filled = level, False
                current_in_section = section
            continue
        if block.kind == "row" and block.header:
            continue
        if current is not None and reader.attach(current, chunk, section):
            current_filled = True
            continue
        if block.kind == "row":
            items = reader.chunk(chunk, role, section, False)
            if not items and section and block.cells:
                items = reader.chunk(block.cells[0], role, section, True)
        else:
            allow_title = block.kind == "item" and block.level <= 1 and current is None
            items = reader.chunk(chunk, role, section, allow_title)
        if items and current is not None and not (current.keys or current.urls):
            if current_filled and current_in_section:
                found.append(current)
            current = None  # the heading groups readings
        elif items and current is not None:
            close(None)  # a reading of its own after the heading's: keep the page's order
        found.extend(items)
    close(None)
    return found


# ------------------------------------------------------------------------------- sessions


@dataclass
class SiteSession:
    """A session read from a site, before codes are made unique."""

    session: ImportedSession
    order: tuple[Any, ...]
    code_from: str


def _code_text(value: Any) -> str:
    if isinstance(value, bool):
        return ""
    if isinstance(value, int):
        return f"L{value:02d}"
    text = str(value).strip()
    if re.fullmatch(r"\d+", text):
        return f"L{int(text):02d}"
    text = re.sub(r"[^\w.\-]+", "-", text).strip("-")
    return text


def _session_code(meta: dict[str, Any], path: Path | None, position: int | None) -> tuple[str, str]:
    """A session's code and what it came from (see docs/importing.md, "Session codes")."""
    for key in _CODE_KEYS:
        if key in ("id", "number", "num", "week", "session") and path is not None:
            continue  # on pages these name other things; in lecture lists they are codes
        value = meta.get(key)
        if isinstance(value, str) and len(value.split()) > 2:
            continue  # a description ("desc: An overview of …"), not a code
        if value not in (None, "") and _code_text(value):
            return _code_text(value), key
    nav = meta.get("nav_order")
    if isinstance(nav, int | float) and not isinstance(nav, bool):
        return f"L{int(nav):02d}", "nav_order"
    date = as_date(meta.get("date")) if meta.get("date") is not None else None
    if date is None and path is not None and (match := FILE_DATE.match(path.name)):
        date = as_date(match.group(1))
    if date is not None:
        return date.isoformat(), "date"
    if path is not None:
        number = _FILE_NUMBER.match(path.stem)
        if number:
            return f"L{int(number.group(1)):02d}", "file name"
        return slug(path.stem) or "page", "file name"
    return f"L{(position or 0) + 1:02d}", "position"


def _prefixed(code: str, course: str | None) -> str:
    if not course or code.startswith(f"{course}-"):
        return code
    return f"{course}-{code}"


def _reading_fields(meta: dict[str, Any], file: str, line: int, reader: _Reader) -> list[_Found]:
    """Readings written in front-matter or lecture-list fields (``readings:``, ``notes:`` …)."""
    found: list[_Found] = []
    for key, value in meta.items():
        name = str(key).lower()
        if name in _PLAIN_KEYS or value is None:
            continue
        words = name.replace("_", " ").replace("-", " ")
        role = section_role(words, 2)
        # A field that names no role (notes, description) only gives the papers it links,
        # as further readings.
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                found += _reading_record(item, role or "further", line, reader, role is not None)
            elif isinstance(item, str | int | float):
                chunk = _inline_chunk(str(item), line)
                for piece in _split(chunk) or [chunk]:
                    found += reader.chunk(piece, role or "further", role is not None, True)
    return found


def _reading_record(
    item: dict[str, Any], role: str, line: int, reader: _Reader, section: bool
) -> list[_Found]:
    """A reading written as a mapping: ``{title, url|link|href, authors, year}``."""
    url = next((str(item[k]) for k in ("url", "link", "href", "pdf") if item.get(k)), "")
    title = _SPACES.sub(" ", str(item.get("title") or item.get("name") or "")).strip()
    chunk = _inline_chunk(title, line)
    if url:
        chunk.links.append(Link(url, title, 0, len(chunk.text)))
    found = reader.chunk(chunk, role, section or bool(url), True)
    for reading in found:
        authors = item.get("authors") or item.get("author")
        if isinstance(authors, list):
            reading.authors = [str(a) for a in authors]
        elif isinstance(authors, str) and authors_of(authors):
            reading.authors = authors_of(authors) or []
        if isinstance(item.get("year"), int):
            reading.year = item["year"]
    return found


def _finish(found: list[_Found], file: str) -> list[ImportedReading]:
    return [f.reading(file) for f in found if f.title or f.keys or f.urls]


def _page_session(
    path: Path, meta: dict[str, Any], blocks: list[Block], reader: _Reader, first_heading: str
) -> SiteSession | None:
    file = str(path)
    found = _blocks_readings(blocks, reader, None)
    found = _reading_fields(meta, file, 1, reader) + found
    code, source = _session_code(meta, path, None)
    lecture_page = any(k in meta for k in ("desc", "code", "lecture", "nav_order"))
    if meta.get("has_children") and not found:
        return None  # a documentation theme's section index
    if not found and not lecture_page:
        return None
    title = _SPACES.sub(" ", str(meta.get("title") or first_heading or path.stem)).strip()
    session = ImportedSession(code=code, file=file, line=1, title=title)
    if meta.get("date") is not None:
        session.date = as_date(meta["date"])
    elif match := FILE_DATE.match(path.name):
        session.date = as_date(match.group(1))
    session.tags = labels(meta.get("tags"))
    categories = labels(meta.get("categories"))
    session.collection = categories[0] if categories else None
    session.readings = _finish(found, file)
    order = (meta.get("nav_order") if isinstance(meta.get("nav_order"), int) else 10**6,)
    return SiteSession(session, (*order, str(session.date or ""), path.name), source)


def _front(path: Path, text: str) -> tuple[dict[str, Any], str, int]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    first = next((line for line in lines if line.strip()), "")
    if first.strip() != "---":
        return {}, "\n".join(lines), 1
    meta, body_start = front_matter(path, lines)
    return meta, "\n".join(lines[body_start:]), body_start + 1


def _read_markdown(path: Path, reader: _Reader) -> list[SiteSession]:
    meta, body, first_line = _front(path, read_text(path))
    blocks = html_blocks(_markdown_html(body, first_line))
    if not any(k in meta for k in ("desc", "code", "lecture", "nav_order")):
        schedule = _schedule(path, blocks, reader)
        if schedule:
            return schedule
    first = next((b.chunk.text for b in blocks if b.kind == "heading" and b.level == 1), "")
    page = _page_session(path, meta, blocks, reader, clean_title(first))
    return [page] if page else []


def _read_html(path: Path, reader: _Reader) -> list[SiteSession]:
    from bs4 import BeautifulSoup

    text = read_text(path)
    soup = BeautifulSoup(text, "html.parser")
    named = soup.find("title") or soup.find("h1")
    title = named.get_text(" ").strip() if named is not None else ""
    blocks = html_blocks(text)
    schedule = _schedule(path, blocks, reader)
    if schedule:
        return schedule
    page = _page_session(path, {}, blocks, reader, clean_title(title))
    return [page] if page else []


_NO_CLASS = re.compile(r"\b(?:no class|no lecture|holiday|break|cancell?ed|thanksgiving)\b", re.I)
_TOPIC_COLUMNS = ("topic", "title", "lecture", "session", "subject")
_CODE_COLUMNS = ("lecture", "#", "no", "no.", "session", "week", "class")


def _schedule(path: Path, blocks: list[Block], reader: _Reader) -> list[SiteSession]:
    """A schedule table (one row per lecture, with a readings column) as sessions."""
    sessions: list[SiteSession] = []
    header: list[str] = []
    table = None
    for block in blocks:
        if block.kind != "row":
            continue
        if block.header:
            header = [normalize(c.text) for c in block.cells]
            table = block.table
            continue
        if block.table != table or not header:
            continue
        roles = {i: section_role(h, 2) for i, h in enumerate(header)}
        reading_columns = [i for i, r in roles.items() if r is not None]
        topic = next(
            (i for i, h in enumerate(header) if any(w in h.split() for w in _TOPIC_COLUMNS)), None
        )
        if not reading_columns or topic is None or topic >= len(block.cells):
            continue
        if _NO_CLASS.search(block.cells[topic].text) and not any(
            x.href for i in reading_columns if i < len(block.cells) for x in block.cells[i].links
        ):
            continue  # a holiday or a cancelled class: no session
        meta: dict[str, Any] = {}
        code_column = next((i for i, h in enumerate(header) if h in _CODE_COLUMNS), None)
        if code_column is not None and code_column != topic and code_column < len(block.cells):
            meta["lecture"] = block.cells[code_column].text.strip()
        date_column = next((i for i, h in enumerate(header) if h == "date"), None)
        if date_column is not None and date_column < len(block.cells):
            meta["date"] = block.cells[date_column].text.strip()
        code, _ = _session_code(meta, None, len(sessions))
        if not meta.get("lecture"):
            code = f"L{len(sessions) + 1:02d}"
        found: list[_Found] = []
        for i in reading_columns:
            if i < len(block.cells):
                for piece in _split(block.cells[i]):
                    found += reader.chunk(piece, roles[i] or "required", True, True)
        title = clean_title(block.cells[topic].text)
        session = ImportedSession(code=code, file=str(path), line=block.chunk.line, title=title)
        session.date = as_date(meta["date"]) if meta.get("date") else None
        session.readings = _finish(found, str(path))
        sessions.append(SiteSession(session, (len(sessions),), "schedule row"))
    return sessions


def _lecture_list(data: Any) -> list[dict[str, Any]] | None:
    if isinstance(data, list) and data and all(isinstance(d, dict) for d in data):
        return data
    if isinstance(data, dict):
        for value in data.values():
            found = _lecture_list(value)
            if found:
                return found
    return None


def item_lines(text: str) -> list[int]:
    """The line of each entry of the first list of mappings in a YAML or JSON text (none when
    the text does not parse as YAML)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return []
    stack = [node]
    while stack:
        current = stack.pop(0)
        if (
            isinstance(current, yaml.SequenceNode)
            and current.value
            and all(isinstance(v, yaml.MappingNode) for v in current.value)
        ):
            return [v.start_mark.line + 1 for v in current.value]
        if isinstance(current, yaml.MappingNode):
            stack += [v for _, v in current.value]
    return []


_NESTED = ("lectures", "sessions", "classes", "meetings", "days")


def _flatten(
    entries: list[dict[str, Any]], lines: list[int]
) -> tuple[list[dict[str, Any]], list[int]]:
    """Lectures listed inside weeks (``- week: 3`` with ``lectures: [...]``) as one list; a
    lecture without a date takes its week's."""
    flat: list[dict[str, Any]] = []
    flat_lines: list[int] = []
    for entry, line in zip(entries, lines, strict=True):
        inner = next(
            (
                entry[k]
                for k in _NESTED
                if isinstance(entry.get(k), list)
                and entry[k]
                and all(isinstance(i, dict) for i in entry[k])
            ),
            None,
        )
        if inner is None:
            flat.append(entry)
            flat_lines.append(line)
            continue
        for item in inner:
            if "date" not in item and "date" in entry:
                item = {**item, "date": entry["date"]}
            flat.append(item)
            flat_lines.append(line)
    return flat, flat_lines


def _read_data(path: Path, reader: _Reader) -> list[SiteSession]:
    text = read_text(path)
    file = str(path)
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark is not None else getattr(e, "lineno", None)
        raise DataError([Problem(file, line, None, f"not valid YAML or JSON: {e}")]) from e
    lectures = _lecture_list(data)
    if not lectures:
        return []
    lines = item_lines(text)
    lines = lines if len(lines) == len(lectures) else [1] * len(lectures)
    lectures, lines = _flatten(lectures, lines)
    sessions = []
    for position, entry in enumerate(lectures):
        line = lines[position]
        code, source = _session_code(entry, None, position)
        title = next((str(entry[k]) for k in _TITLE_KEYS if entry.get(k)), code)
        found = _reading_fields(entry, file, line, reader)
        if not found and not any(k in entry for k in (*_CODE_KEYS, "date")):
            continue  # a navigation link, a person, a sponsor: no lecture
        session = ImportedSession(code=code, file=file, line=line, title=clean_title(title))
        if entry.get("date") is not None:
            session.date = as_date(entry["date"])
        session.readings = _finish(found, file)
        sessions.append(SiteSession(session, (position,), source))
    return sessions


# ------------------------------------------------------------------------------ the site


def detect(path: Path) -> str | None:
    """The format of one file of a site: "markdown", "html", "data", or None (not read)."""
    suffix = path.suffix.lower()
    if suffix in (".md", ".markdown"):
        return "markdown"
    if suffix in (".html", ".htm"):
        return "html"
    if suffix in DATA_SUFFIXES:
        return "data"
    return None


def find_site_files(paths: Iterable[Path]) -> list[Path]:
    """The files of ``paths`` an import reads: files as given; in folders, pages anywhere and
    data files in ``_data`` folders, leaving out hidden folders, build output and templates."""
    found: list[Path] = []
    for path in paths:
        if not path.is_dir():
            found.append(path)
            continue
        for candidate in sorted(path.rglob("*")):
            parts = candidate.relative_to(path).parts
            if any(p.startswith(".") or p in _SKIP_DIRS for p in parts) or not candidate.is_file():
                continue
            kind = detect(candidate)
            if kind in ("markdown", "html") or (kind == "data" and "_data" in parts[:-1]):
                found.append(candidate)
    return list(dict.fromkeys(found))


def _disambiguate(found: list[SiteSession]) -> list[Problem]:
    """Give sessions that share a code but not their title and date codes of their own
    (``CODE``, ``CODE-2``, ``CODE-3`` … in file order); one warning per shared code."""
    problems: list[Problem] = []
    by_code: dict[str, list[SiteSession]] = {}
    for item in found:
        by_code.setdefault(item.session.code, []).append(item)
    taken = set(by_code)
    for code, group in by_code.items():
        distinct: dict[tuple[str | None, datetime.date | None], str] = {}
        for item in group:
            key = (item.session.title, item.session.date)
            if key in distinct:
                item.session.code = distinct[key]
                continue
            if distinct:
                n = len(distinct) + 1
                while f"{code}-{n}" in taken:
                    n += 1
                item.session.code = f"{code}-{n}"
                taken.add(item.session.code)
            distinct[key] = item.session.code
        if len(distinct) > 1:
            first = group[0].session
            problems.append(
                Problem(
                    first.file,
                    first.line,
                    f"session {code!r}",
                    f"code is shared by {len(distinct)} sources with different titles or dates; "
                    f"imported as {', '.join(distinct.values())}",
                )
            )
    return problems


@dataclass
class SiteRead:
    """What a site's files gave: sessions, a summary per file, and warnings."""

    sessions: list[ImportedSession]
    files: list[SourceSummary]
    problems: list[Problem]


def read_site(
    paths: Iterable[Path],
    course: str | None = None,
    role: str | None = None,
    progress: Any = None,
) -> SiteRead:
    """Every session of the site files ``paths`` name; DataError listing every file that
    cannot be read, or when no file holds a session."""
    paths = list(paths)
    files = find_site_files(paths)
    found: list[SiteSession] = []
    summaries: list[SourceSummary] = []
    problems: list[Problem] = []
    readers = {"markdown": _read_markdown, "html": _read_html, "data": _read_data}
    for number, path in enumerate(files, start=1):
        if progress is not None:
            progress(f"reading {number}/{len(files)}: {path}")
        kind = detect(path)
        if kind is None:
            problems.append(Problem(str(path), None, None, "not a page or data file; skipped"))
            continue
        reader = _Reader(str(path), role)
        try:
            read = readers[kind](path, reader)
        except DataError as e:
            problems.extend(e.problems)
            continue
        for item in read:
            item.session.code = _prefixed(item.session.code, course)
            if not SESSION_CODE.match(item.session.code):
                item.session.code = slug(item.session.code) or "session"
        found += read
        summaries.append(
            SourceSummary(
                file=str(path),
                format=kind,
                sessions=len(read),
                readings=sum(len(s.session.readings) for s in read),
                links_left_out=reader.left_out,
            )
        )
    errors = [p for p in problems if not p.message.endswith("skipped")]
    if errors:
        raise DataError(errors)
    if not found:
        where = ", ".join(str(p) for p in paths)
        raise DataError([Problem(where, None, None, "no lecture or reading list found")])
    warnings = _disambiguate(found)
    return SiteRead([f.session for f in found], summaries, warnings + problems)
