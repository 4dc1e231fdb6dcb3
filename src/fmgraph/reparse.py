"""Reading again only the entries of a YAML data file that an edit touched.

A patch (:mod:`fmgraph.patch`) has the text a file had when the old store was built and the
entries read from it, each with the line it starts on. An edit changes a run of lines; the
text before and after that run is the same in both versions. When the run lies within one
section's list of entries (it starts inside an entry and ends before another entry of the
same list), the entries it touches are read again by parsing just their lines, under the
section's name, as their own small document; the entries before keep their lines, and those
after move by the number of lines the edit added or removed.

That gives the entries a full parse of the new text gives, because the parser reaches the
first touched entry in the same state in both (the text before it is the same, and it starts
an item of the section's list) and leaves the last one the same way (the next line starts the
following item at the same indentation, so whatever the touched lines open must close before
it). The run is checked so that this holds: every line of it is blank, a comment, an item of
the list at the list's indentation, or indented deeper; no anchor is defined in the old or new
lines (entries after them could refer to it); no line break other than ``\\n``. Anything else,
and any problem in the touched entries, gives None: the caller parses the whole file, which
reports problems with their exact lines. ``tests/test_reparse.py`` compares the two on many
edits, Hypothesis-generated among them.
"""

from __future__ import annotations

import re

from .errors import DataError, Problem
from .loader import FileEntries, parse_yaml, read_entries
from .model import Entry, Source

#: An anchor (``&name``) as YAML writes it: after a space, a flow indicator or a line start.
_ANCHOR = re.compile(rb"(?:^|[\s,\[{])&[^\s,\[\]{}]", re.MULTILINE)
#: Line breaks YAML knows besides ``\n``: CR, NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR.
_OTHER_BREAKS = (b"\r", "\x85".encode(), "\u2028".encode(), "\u2029".encode())
_ITEM = re.compile(rb"( *)- ")


def reparse(old: bytes, new: bytes, entries: FileEntries, file: str) -> FileEntries | None:
    """The entries of ``new``, the text of ``file``, given its earlier text ``old`` and the
    ``entries`` read from it; None when only a parse of the whole of ``new`` can tell.

    The entries returned are the given ones (those before and after the edit, their lines
    moved) and new ones for the entries the edit touched.
    """
    if old == new:
        return entries
    if any(b in text for b in _OTHER_BREAKS for text in (old, new)):
        return None  # lines would not be counted as the parser counts them
    start, old_end, new_end = _changed(old, new)
    first_line = old.count(b"\n", 0, start) + 1  # the first changed line, in both texts
    old_after = first_line + old.count(b"\n", start, old_end)  # the first unchanged one after
    shift = new.count(b"\n", start, new_end) - old.count(b"\n", start, old_end)

    starts = sorted((e.source.line or 0, section, i) for section, items in entries.items()
                    for i, e in enumerate(items))  # fmt: skip
    before = [s for s in starts if s[0] <= first_line]
    after = [s for s in starts if s[0] >= old_after]
    if not before or not after or before[-1][1] != after[0][1]:
        return None  # not within one list: before its first entry, in its last, or across two
    top, section, first = before[-1]  # entries [first, last) of the section are read again:
    bottom, _, last = after[0]  # lines [top, bottom) of the old text
    begin = _back(old, start, first_line - top)
    old_stop = _ahead(old, old_end, bottom - old_after)
    new_stop = new_end + (old_stop - old_end)  # the same distance into the common tail

    old_lines, new_lines = old[begin:old_stop], new[begin:new_stop]
    item = _ITEM.match(old, begin)  # the line of an entry: the list's indentation
    if item is None or not _within_list(new_lines, item.group(1)):
        return None
    if _ANCHOR.search(old_lines) or _ANCHOR.search(new_lines):
        return None
    if not re.search(rb"^" + re.escape(section.encode()) + rb":[ \t]*(#.*)?$", old, re.M):
        return None  # the section is not written plainly at the top level
    touched = _entries(section, new_lines, file, offset=top - 2)
    if touched is None:
        return None

    result: FileEntries = {}
    for name, items in entries.items():
        if name == section:
            items = items[:first] + touched + _moved(items[last:], file, shift)
        else:
            items = [e for e in items if (e.source.line or 0) < top] + _moved(
                [e for e in items if (e.source.line or 0) >= bottom], file, shift
            )
        result[name] = items
    return result


def _changed(old: bytes, new: bytes) -> tuple[int, int, int]:
    """Where ``old`` and ``new`` differ: the start of the line the difference starts on, and
    in each text the start of the line after the one it ends on. What lies before the first
    and after the others is the same in both."""
    a, b = memoryview(old), memoryview(new)
    start = old.rfind(b"\n", 0, _common_head(a, b)) + 1
    tail = min(_common_tail(a, b), min(len(old), len(new)) - start)
    old_end, new_end = len(old) - tail, len(new) - tail
    if not (_at_line_start(old, old_end) and _at_line_start(new, new_end)):
        line_end = old.find(b"\n", old_end)  # as far ahead in both: it is in the common tail
        step = (line_end + 1 if line_end != -1 else len(old)) - old_end
        old_end, new_end = old_end + step, new_end + step
    return start, old_end, new_end


def _at_line_start(text: bytes, at: int) -> bool:
    return at == 0 or text[at - 1] == ord("\n")


def _common_head(a: memoryview, b: memoryview) -> int:
    """How many leading bytes ``a`` and ``b`` share: a binary search over slices, compared by
    the buffer protocol (each byte at most twice)."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _common_tail(a: memoryview, b: memoryview) -> int:
    """How many trailing bytes ``a`` and ``b`` share."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[len(a) - mid : len(a) - lo] == b[len(b) - mid : len(b) - lo]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _back(text: bytes, at: int, lines: int) -> int:
    """The start of the line ``lines`` lines before the one starting at ``at``."""
    for _ in range(lines):
        at = text.rfind(b"\n", 0, at - 1) + 1
    return at


def _ahead(text: bytes, at: int, lines: int) -> int:
    """The start of the line ``lines`` lines after the one starting at ``at``."""
    for _ in range(lines):
        found = text.find(b"\n", at)
        at = found + 1 if found != -1 else len(text)
    return at


def _within_list(lines: bytes, indent: bytes) -> bool:
    """Whether every line of ``lines`` is blank, a comment, an item at ``indent`` or indented
    deeper, the first that is none of the first two an item (a deeper line there would
    belong to the entry before)."""
    item = indent + b"- "
    seen_item = False
    for line in lines.split(b"\n"):
        stripped = line.lstrip(b" ")
        if not stripped or stripped.startswith(b"#"):
            continue
        if stripped.startswith(b"\t"):
            return False
        depth = len(line) - len(stripped)
        if depth == len(indent) and line.startswith(item):
            seen_item = True
        elif depth <= len(indent) or not seen_item:
            return False
    return True


def _entries(section: str, lines: bytes, file: str, offset: int) -> list[Entry] | None:
    """The entries ``lines`` hold as items of ``section``, their lines moved by ``offset``;
    None on any problem."""
    try:
        text = lines.decode("utf-8")
        document = parse_yaml(f"{section}:\n{text}", file)
    except (UnicodeDecodeError, DataError):
        return None
    if not isinstance(document, dict) or list(document) != [section]:
        return None
    if document[section] is None:
        return []  # the edit left only comments or blank lines
    problems: list[Problem] = []
    found = read_entries(document, file, problems)
    if problems or set(found) - {section}:
        return None
    touched = found.get(section, [])
    if len(touched) != len(document[section]):
        return None
    for entry in touched:
        entry.source = Source(file, (entry.source.line or 0) + offset)
    return touched


def _moved(items: list[Entry], file: str, shift: int) -> list[Entry]:
    """``items`` (this patch's own copies, read from the kept catalog) moved by ``shift``
    lines."""
    if shift:
        for entry in items:
            entry.source = Source(file, (entry.source.line or 0) + shift)
    return items
