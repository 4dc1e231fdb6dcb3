"""Readings out of blocks: the rules that tell a reading from a note, a slide link or a group
heading, and give each its title, paper identifiers, byline and role (see :mod:`.site` and
docs/importing.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..names import normalize
from .blocks import Block, Chunk, Link
from .identifiers import (
    canonical_url,
    guess_kind,
    is_web_url,
    paper_key,
    paper_keys_in_text,
    paper_mentions,
    unique_urls,
    year_of_arxiv,
)
from .records import ImportedReading, new_work
from .text import authors_of, clean_title, names_more, section_role, year_of

_SPACES = re.compile(r"\s+")
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


@dataclass
class Found:
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


def _byline(found: Found, chunk: Chunk, after: int) -> None:
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


class Reader:
    """Reads readings out of chunks, counting the links it leaves out."""

    def __init__(self, file: str, role_override: str | None) -> None:
        self.file = file
        self.role_override = role_override
        self.left_out = 0

    def role(self, role: str) -> str:
        return self.role_override or role

    def chunk(self, chunk: Chunk, role: str, section: bool, allow_title: bool) -> list[Found]:
        """The readings of one list item, row, paragraph or data-file string."""
        groups: dict[str, list[Link]] = {}
        others: list[Link] = []
        before = self.left_out
        for link in _with_mentions(chunk):
            href = link.href
            if not href.lower().startswith(("http://", "https://")) or not is_web_url(href):
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
            found = Found(title, chunk.line, self.role(role), urls=[x.href for x in others])
            _byline(found, chunk, max(x.end for x in others))
            return [found]
        if section and allow_title and self.left_out == before:
            title = title_of_text(chunk.text)
            if _title_like(title):
                found = Found(title, chunk.line, self.role(role))
                _byline(found, chunk, 0)
                return [found]
        return []

    def attach(self, current: Found, chunk: Chunk, section: bool) -> bool:
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
    ) -> list[Found]:
        found: list[Found] = []
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
            item = Found(title, chunk.line, self.role(role), keys=[key])
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


#: "Required:", "**Optional reading:**" — a line that is only a role label.
_LABEL = re.compile(r"^\s*(?P<words>[A-Za-z][A-Za-z \-]{2,40}?)\s*:?\s*$")


def _role_label(chunk: Chunk) -> str | None:
    """The role a paragraph or bullet that is only a label ("Optional:") gives what follows."""
    if chunk.links:
        return None
    match = _LABEL.match(chunk.text.replace("*", "").replace("_", " "))
    if match is None or len(match.group("words").split()) > 4:
        return None
    if not chunk.text.strip().rstrip("*_ ").endswith(":"):
        return None
    return section_role(match.group("words"), 2)


_SUBHEADINGS = {"abstract", "summary", "notes", "note", "tl dr", "tldr", "key ideas", "why read it"}


def blocks_readings(
    blocks: list[Block],
    reader: Reader,
    default_role: str | None,
    listed_elsewhere: bool = False,
) -> list[Found]:
    """The readings of a page's blocks, in order.

    A heading inside a reading section that is not itself a section starts a reading: the
    blocks under it give its links (when their link text says no more than "pdf" or "code"),
    byline and year. A block whose link has a title of its own is a reading of its own, and a
    heading that only groups such readings is none. ``listed_elsewhere``: the page lists its
    readings in its front matter, so papers cited in its prose are citations.
    """
    found: list[Found] = []
    role = default_role or "required"
    section = default_role is not None
    seen_section = False
    # On a page with reading sections, papers cited in the prose of another section (lecture
    # notes: "## Scaled dot products") are citations, not readings.
    has_sections = listed_elsewhere or any(
        b.kind == "heading"
        and not b.chunk.links
        and section_role(clean_title(b.chunk.text), max(b.level, 2)) is not None
        for b in blocks
    )
    prose = False
    current: Found | None = None
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
                role, section, seen_section, prose = new_role, True, True, False
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
                prose = has_sections and not section
                continue
            items = reader.chunk(chunk, role, section, False)
            if len(items) == 1:
                current, level_of_current, current_filled = items[0], level, True
                current_in_section = True
            elif items:
                found.extend(items)
            elif _title_like(title, 1) and (section or level >= 3) and not _names_group(title):
                current = Found(title, chunk.line, reader.role(role))
                level_of_current, current_filled = level, False
                current_in_section = section
            continue
        if block.kind == "row" and block.header:
            continue
        label = _role_label(chunk)
        if label is not None:
            close(None)
            role, section, seen_section = label, True, True
            continue
        if prose and block.kind == "para":
            reader.left_out += len(chunk.links)
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
