"""Parse a CSL-JSON file (Zotero's and Better BibTeX's standard export) into works.

The file is a list of items, each with a ``title``, ``author`` names (``family``/``given`` or
``literal``), ``issued`` date parts, a ``DOI``, a ``URL``, and for preprints the arXiv id in
``number``, ``archive_location``, ``note`` or ``container-title`` (``arXiv:2305.18290``). An item
without a title is named after its ``id`` and reported; a file that is not a list of items is
an error naming it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import DataError, Problem
from ..files import read_text
from ..model import Work
from .identifiers import (
    arxiv_id,
    arxiv_in_text,
    canonical_url,
    doi_of,
    guess_kind,
    is_web_url,
    unique_urls,
    year_of_arxiv,
)
from .records import ImportedReading, ImportedSession, check_target, new_work
from .site import item_lines

#: CSL types that are publications whatever their URL points at.
_PUBLICATIONS = {
    "article",
    "article-journal",
    "paper-conference",
    "chapter",
    "book",
    "thesis",
    "report",
    "manuscript",
}


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _names(value: Any) -> list[str]:
    names = []
    for person in value if isinstance(value, list) else []:
        if not isinstance(person, dict):
            continue
        literal = _text(person.get("literal"))
        given, family = _text(person.get("given")), _text(person.get("family"))
        name = literal or " ".join(p for p in (given, family) if p)
        if name and name.lower() != "others":
            names.append(name)
    return names


def _year(item: dict[str, Any]) -> int | None:
    for key in ("issued", "published-print", "published-online", "created"):
        parts = (item.get(key) or {}).get("date-parts") if isinstance(item.get(key), dict) else None
        if parts and isinstance(parts, list) and parts[0] and str(parts[0][0]).isdigit():
            return int(parts[0][0])
    return None


def _item_work(item: dict[str, Any], position: int) -> tuple[Work, list[str]]:
    """The work one CSL item describes, and what was odd about it."""
    messages: list[str] = []
    urls: list[str] = []
    url = _text(item.get("URL"))
    if url:
        if is_web_url(url):
            urls.append(canonical_url(url))
        else:
            messages.append(f"URL {url!r} is not a valid address; left out")
    doi = doi_of(_text(item.get("DOI"))) if item.get("DOI") else None
    arxiv = next((found for u in urls if (found := arxiv_id(u))), None)
    for key in ("number", "archive_location", "note", "container-title", "DOI"):
        if arxiv is None and item.get(key):
            arxiv = arxiv_in_text(_text(item[key]))
    if arxiv is not None and not any(arxiv_id(u) == arxiv for u in urls):
        urls.insert(0, f"https://arxiv.org/abs/{arxiv}")
    title = _text(item.get("title"))
    if not title:
        title = _text(item.get("id")) or f"item {position}"
        messages.append("item has no title; named after its id")
    unique = unique_urls(urls)
    kind = "paper"
    if unique and not arxiv and not doi and _text(item.get("type")) not in _PUBLICATIONS:
        kind = guess_kind(unique)
    year = _year(item) or (year_of_arxiv(arxiv) if arxiv else None)
    value = item.get("author")
    people: list[Any] = value if isinstance(value, list) else []
    truncated = any(
        isinstance(p, dict) and _text(p.get("literal") or p.get("family")).lower() == "others"
        for p in people
    )
    work = new_work(
        title,
        urls=unique,
        arxiv=arxiv,
        doi=doi,
        authors=_names(people),
        authors_truncated=truncated,
    )
    work.year, work.kind = year, kind
    return work, messages


def parse_csl_json(path: Path, session: str, role: str = "required") -> ImportedSession:
    """The items of a CSL-JSON file as readings of session ``session``, in file order."""
    check_target(session, role)
    file = str(path)
    try:
        text = read_text(path)
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise DataError([Problem(file, e.lineno, None, f"not valid JSON: {e.msg}")]) from e
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        data = data["items"]  # CSL-JSON wrapped as {"items": [...]}
    if not isinstance(data, list):
        raise DataError([Problem(file, 1, None, "CSL-JSON is a list of items")])
    result = ImportedSession(code=session, file=file, line=1, complete=False)
    lines = item_lines(text)
    for position, item in enumerate(data, start=1):
        line = lines[position - 1] if len(lines) == len(data) else 1
        if not isinstance(item, dict):
            result.problems.append(Problem(file, line, f"item {position}", "not an object"))
            continue
        work, messages = _item_work(item, position)
        reading = ImportedReading(role, work, file, line)
        reading.abstract = _text(item.get("abstract")) or None
        for message in messages:
            reading.report(message)
        result.readings.append(reading)
    if not result.readings:
        raise DataError(result.problems or [Problem(file, None, None, "no CSL-JSON items found")])
    return result
