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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import DataError, Problem
from ..files import read_text
from ..loader import SESSION_CODE
from ..names import normalize
from ..vocab import slug
from .blocks import Block, Link, html_blocks, inline_chunk, markdown_html, split_lines
from .posts import FILE_DATE, as_date, front_matter, labels
from .readings import Found, Reader, blocks_readings
from .records import ImportedReading, ImportedSession, SourceSummary
from .text import authors_of, clean_title, section_role

_SPACES = re.compile(r"\s+")
PAGE_SUFFIXES = (".md", ".markdown", ".html", ".htm")
DATA_SUFFIXES = (".yml", ".yaml", ".json")
#: Folders of a site's source that hold no course content (build output, templates, assets).
_SKIP_DIRS = {"_site", "node_modules", "vendor", "_includes", "_layouts", "_sass", "assets"}
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


# ------------------------------------------------------------------------------- sessions


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


def _session_code(meta: dict[str, Any], path: Path | None, position: int | None) -> str:
    """A session's code (see docs/importing.md, "Session codes")."""
    for key in _CODE_KEYS:
        if key in ("id", "number", "num", "week", "session") and path is not None:
            continue  # on pages these name other things; in lecture lists they are codes
        value = meta.get(key)
        if isinstance(value, str) and len(value.split()) > 2:
            continue  # a description ("desc: An overview of …"), not a code
        if value not in (None, "") and _code_text(value):
            return _code_text(value)
    nav = meta.get("nav_order")
    if isinstance(nav, int | float) and not isinstance(nav, bool):
        return f"L{int(nav):02d}"
    date = as_date(meta.get("date")) if meta.get("date") is not None else None
    if date is None and path is not None and (match := FILE_DATE.match(path.name)):
        date = as_date(match.group(1))
    if date is not None:
        return date.isoformat()
    if path is not None:
        number = _FILE_NUMBER.match(path.stem)
        if number:
            return f"L{int(number.group(1)):02d}"
        return slug(path.stem) or "page"
    return f"L{(position or 0) + 1:02d}"


def _prefixed(code: str, course: str | None) -> str:
    if not course or code.startswith(f"{course}-"):
        return code
    return f"{course}-{code}"


def _reading_fields(meta: dict[str, Any], file: str, line: int, reader: Reader) -> list[Found]:
    """Readings written in front-matter or lecture-list fields (``readings:``, ``notes:`` …)."""
    found: list[Found] = []
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
                chunk = inline_chunk(str(item), line)
                for piece in split_lines(chunk) or [chunk]:
                    found += reader.chunk(piece, role or "further", role is not None, True)
    return found


def _names_roles(meta: dict[str, Any]) -> bool:
    """Whether front matter has reading fields (``readings:``, ``optional:`` …)."""
    return any(
        str(key).lower() not in _PLAIN_KEYS
        and section_role(str(key).replace("_", " ").replace("-", " "), 2) is not None
        for key in meta
    )


def _reading_record(
    item: dict[str, Any], role: str, line: int, reader: Reader, section: bool
) -> list[Found]:
    """A reading written as a mapping: ``{title, url|link|href, authors, year}``."""
    url = next((str(item[k]) for k in ("url", "link", "href", "pdf") if item.get(k)), "")
    title = _SPACES.sub(" ", str(item.get("title") or item.get("name") or "")).strip()
    chunk = inline_chunk(title, line)
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


def _finish(found: list[Found], file: str) -> list[ImportedReading]:
    return [f.reading(file) for f in found if f.title or f.keys or f.urls]


def _page_session(
    path: Path, meta: dict[str, Any], blocks: list[Block], reader: Reader, first_heading: str
) -> ImportedSession | None:
    file = str(path)
    listed = _reading_fields(meta, file, 1, reader)
    in_front = bool(listed) and _names_roles(meta)
    found = listed + blocks_readings(blocks, reader, None, listed_elsewhere=in_front)
    code = _session_code(meta, path, None)
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
    return session


def _front(path: Path, text: str) -> tuple[dict[str, Any], str, int]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    first = next((line for line in lines if line.strip()), "")
    if first.strip() != "---":
        return {}, "\n".join(lines), 1
    meta, body_start = front_matter(path, lines)
    return meta, "\n".join(lines[body_start:]), body_start + 1


def _read_markdown(path: Path, reader: Reader) -> list[ImportedSession]:
    meta, body, first_line = _front(path, read_text(path))
    blocks = html_blocks(markdown_html(body, first_line))
    if not any(k in meta for k in ("desc", "code", "lecture", "nav_order")):
        schedule = _schedule(path, blocks, reader)
        if schedule:
            return schedule
    first = next((b.chunk.text for b in blocks if b.kind == "heading" and b.level == 1), "")
    page = _page_session(path, meta, blocks, reader, clean_title(first))
    return [page] if page else []


def _read_html(path: Path, reader: Reader) -> list[ImportedSession]:
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
_CELL_LABEL = re.compile(r"^\W*([A-Za-z][A-Za-z ]{2,30}?)\W*:")
_TOPIC_COLUMNS = ("topic", "title", "lecture", "session", "subject")
_CODE_COLUMNS = ("lecture", "#", "no", "no.", "session", "week", "class")


def _schedule(path: Path, blocks: list[Block], reader: Reader) -> list[ImportedSession]:
    """A schedule table (one row per lecture, with a readings column) as sessions."""
    sessions: list[ImportedSession] = []
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
        code = _session_code(meta, None, len(sessions))
        if not meta.get("lecture"):
            code = f"L{len(sessions) + 1:02d}"
        found: list[Found] = []
        for i in reading_columns:
            if i < len(block.cells):
                role = roles[i] or "required"
                for piece in split_lines(block.cells[i]):
                    # "Optional: [Paper](…)" inside a readings cell changes the role from there.
                    label = _CELL_LABEL.match(piece.text)
                    if label and (named := section_role(label.group(1), 2)):
                        role = named
                    found += reader.chunk(piece, role, True, True)
        title = clean_title(block.cells[topic].text)
        session = ImportedSession(code=code, file=str(path), line=block.chunk.line, title=title)
        session.date = as_date(meta["date"]) if meta.get("date") else None
        session.readings = _finish(found, str(path))
        sessions.append(session)
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


def _read_data(path: Path, reader: Reader) -> list[ImportedSession]:
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
        code = _session_code(entry, None, position)
        title = next((str(entry[k]) for k in _TITLE_KEYS if entry.get(k)), code)
        found = _reading_fields(entry, file, line, reader)
        if not found and not any(k in entry for k in (*_CODE_KEYS, "date")):
            continue  # a navigation link, a person, a sponsor: no lecture
        session = ImportedSession(code=code, file=file, line=line, title=clean_title(title))
        if entry.get("date") is not None:
            session.date = as_date(entry["date"])
        session.readings = _finish(found, file)
        sessions.append(session)
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


def _disambiguate(found: list[ImportedSession]) -> list[Problem]:
    """Give sessions that share a code but not their title and date codes of their own
    (``CODE``, ``CODE-2``, ``CODE-3`` … in file order); one warning per shared code."""
    problems: list[Problem] = []
    by_code: dict[str, list[ImportedSession]] = {}
    for item in found:
        by_code.setdefault(item.code, []).append(item)
    taken = set(by_code)
    for code, group in by_code.items():
        distinct: dict[tuple[str | None, datetime.date | None], str] = {}
        for item in group:
            key = (item.title, item.date)
            if key in distinct:
                item.code = distinct[key]
                continue
            if distinct:
                n = len(distinct) + 1
                while f"{code}-{n}" in taken:
                    n += 1
                item.code = f"{code}-{n}"
                taken.add(item.code)
            distinct[key] = item.code
        if len(distinct) > 1:
            first = group[0]
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
    found: list[ImportedSession] = []
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
        reader = Reader(str(path), role)
        try:
            read = readers[kind](path, reader)
        except DataError as e:
            problems.extend(e.problems)
            continue
        for item in read:
            item.code = _prefixed(item.code, course)
            if not SESSION_CODE.match(item.code):
                item.code = slug(item.code) or "session"
        found += read
        summaries.append(
            SourceSummary(
                file=str(path),
                format=kind,
                sessions=len(read),
                readings=sum(len(s.readings) for s in read),
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
    return SiteRead(found, summaries, warnings + problems)
