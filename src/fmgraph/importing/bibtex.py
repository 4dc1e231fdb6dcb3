"""Parse a BibTeX file into works: one per entry, read with bibtexparser (v2).

Each entry gives a title, authors, a year, an arXiv id (from ``eprint`` with
``archivePrefix = arXiv``, an arXiv URL, an arXiv DOI or an ``arXiv:…`` mention in the
journal), a DOI and its URLs. An entry bibtexparser cannot read, or one without a title, is
reported with the file and line; a file with no readable entry at all is an error.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from ..errors import DataError, Problem
from ..files import read_text
from ..loader import ARXIV_NEW, ARXIV_OLD
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

_BRACES = re.compile(r"[{}]")
_SPACES = re.compile(r"\s+")
_YEAR = re.compile(r"(1[89]\d{2}|20\d{2})")
#: Entry types that are publications whatever their URL points at.
_PUBLICATIONS = {
    "article",
    "inproceedings",
    "conference",
    "incollection",
    "inbook",
    "book",
    "phdthesis",
    "mastersthesis",
    "techreport",
    "proceedings",
    "unpublished",
}
_ARXIV_PLAIN = re.compile(rf"^({ARXIV_NEW}|{ARXIV_OLD})(?:v\d+)?$")


def _text(value: object) -> str:
    return _SPACES.sub(" ", _BRACES.sub("", str(value))).strip()


def _authors(value: object) -> list[str]:
    names = value if isinstance(value, list) else [value]
    found = [_text(n) for n in names]
    return [n for n in found if n and n.lower() != "others"]


def _and_others(value: object) -> bool:
    """Whether the author list ends in "and others" (BibTeX's "the list is not complete")."""
    names = value if isinstance(value, list) else [value]
    return any(_text(n).lower() == "others" for n in names)


def _entry_work(fields: dict[str, object], key: str, entry_type: str) -> tuple[Work, list[str]]:
    """The work one entry describes, and what was wrong with it."""
    messages: list[str] = []
    urls: list[str] = []
    for name in ("url", "howpublished", "eprint", "pdf"):
        value = fields.get(name)
        if value is None:
            continue
        for url in re.findall(r"https?://[^\s{}\\]+", _text(value).replace("\\url", " ")):
            if is_web_url(url):
                urls.append(canonical_url(url))
            else:
                messages.append(f"URL {url!r} is not a valid address; left out")
    arxiv = None
    prefix = _text(fields.get("archiveprefix", "")).lower()
    eprint = _text(fields.get("eprint", ""))
    plain = _ARXIV_PLAIN.match(eprint)
    if plain and (prefix == "arxiv" or not prefix):
        arxiv = plain.group(1)
    doi = _text(fields["doi"]) if fields.get("doi") else None
    if doi:
        doi = doi_of(doi) or doi
    for candidate in [*urls, doi or "", _text(fields.get("journal", ""))]:
        if arxiv is None and candidate:
            arxiv = arxiv_id(candidate) or arxiv_in_text(candidate)
    if arxiv is not None and not any(arxiv_id(u) == arxiv for u in urls):
        urls.insert(0, f"https://arxiv.org/abs/{arxiv}")
    unique = unique_urls(urls)
    year_match = _YEAR.search(_text(fields.get("year", "")))
    year = int(year_match.group(1)) if year_match else (year_of_arxiv(arxiv) if arxiv else None)
    title = _text(fields.get("title", ""))
    if not title:
        title = key
        messages.append("entry has no title; named after its key")
    kind = "paper"
    if unique and not arxiv and not doi and entry_type.lower() not in _PUBLICATIONS:
        kind = guess_kind(unique)
    work = new_work(
        title,
        urls=unique,
        arxiv=arxiv,
        doi=doi,
        authors=_authors(fields.get("author", [])),
        authors_truncated=_and_others(fields.get("author", [])),
        year=year,
        kind=kind,
    )
    return work, messages


def parse_bibtex(path: Path, session: str, role: str = "required") -> ImportedSession:
    """The entries of ``path`` as readings of session ``session``, in file order."""
    import bibtexparser
    from bibtexparser import middlewares as m

    check_target(session, role)
    file = str(path)
    text = read_text(path)
    text = text.replace("\r\n", "\n")
    # bibtexparser logs each block it cannot parse; those are reported below instead.
    splitter_log = logging.getLogger("bibtexparser")
    level = splitter_log.level
    splitter_log.setLevel(logging.CRITICAL)
    try:
        library = bibtexparser.parse_string(  # type: ignore[attr-defined]
            text,
            append_middleware=[
                m.LatexDecodingMiddleware(),
                m.SeparateCoAuthors(),
                m.SplitNameParts(),
                m.MergeNameParts("first"),
            ],
        )
    finally:
        splitter_log.setLevel(level)
    result = ImportedSession(code=session, file=file, line=1, complete=False)
    for block in library.failed_blocks:
        line = (block.start_line or 0) + 1
        error = getattr(block, "error", None)
        reason = getattr(error, "abort_reason", None) or getattr(error, "message", None)
        reason = " ".join(str(reason or error or "syntax error").split())
        result.problems.append(Problem(file, line, None, f"entry skipped: {reason}"))
    for entry in library.entries:
        line = (entry.start_line or 0) + 1
        fields = {f.key.lower(): f.value for f in entry.fields}
        work, messages = _entry_work(fields, entry.key, entry.entry_type)
        reading = ImportedReading(role, work, file, line)
        reading.abstract = _text(fields["abstract"]) if fields.get("abstract") else None
        for message in messages:
            reading.report(message)
        result.readings.append(reading)
    if not result.readings:
        why = result.problems or [Problem(file, None, None, "no BibTeX entries found")]
        raise DataError(why)
    return result
