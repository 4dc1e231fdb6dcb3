"""YAML editing, text in and text out: a data file's new text after appending entries and
updating existing ones.

Files are edited, never regenerated: ruamel.yaml's round-trip mode re-renders only the entries
that change and splices them in, so comments and layout elsewhere stay as the user left them.
When the layout is too unusual to splice, or the spliced text would not load to the same data
with every comment kept, the whole document is dumped by ruamel instead. :func:`edit_text`
says which of the three paths ("new", "splice", "dump") it took.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import yaml

from ..errors import DataError, Problem
from ..loader import FIELDS
from .records import EntryUpdate

_FIELD_ORDER = {section: FIELDS[section] for section in ("topics", "works", "sessions")}
_FLOW_LISTS = {"topics", "authors", "introduces", "teaches", "uses", "discusses", "cites"}
_HEADER = (
    "Written by `fmgraph import`: {what}. Edit freely; later imports keep your changes and\n"
    "only add what is missing."
)


def _yaml() -> Any:
    from ruamel.yaml import YAML

    rt = YAML()
    rt.preserve_quotes = True
    rt.width = 4096
    rt.indent(mapping=2, sequence=4, offset=2)
    return rt


def _seq(name: str, items: Iterable[Any], comments: dict[str, str] | None = None) -> Any:
    from ruamel.yaml.comments import CommentedSeq

    seq = CommentedSeq(list(items))
    if name in _FLOW_LISTS:
        seq.fa.set_flow_style()
    elif comments:
        # Items of an entry's list stand in column 8; line their comments up.
        column = 8 + max((len(str(item)) for item in seq if item in comments), default=0) + 2
        for i, item in enumerate(seq):
            if item in comments:
                seq.yaml_add_eol_comment(f"# {comments[item]}", i, column=column)
    return seq


def _scalar(name: str, value: Any) -> Any:
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    return DoubleQuotedScalarString(value) if name == "arxiv" else value


def _entry(section: str, values: dict[str, Any], comments: dict[str, str]) -> Any:
    """A new entry as a round-trip mapping, fields in the order of the data format."""
    from ruamel.yaml.comments import CommentedMap

    entry = CommentedMap()
    for name in _FIELD_ORDER[section]:
        value = values.get(name)
        if value is None or value == []:
            continue
        entry[name] = (
            _seq(name, value, comments) if isinstance(value, list) else _scalar(name, value)
        )
    return entry


def _append_item(seq: Any, value: Any, comment: str | None) -> None:
    """Append to a round-trip list, moving the blank lines and comments that followed the old
    last item (they belong to what comes next) after the new one."""
    from ruamel.yaml.error import CommentMark
    from ruamel.yaml.tokens import CommentToken

    last = len(seq) - 1
    tail, column = "", None
    slot = seq.ca.items.get(last) if last >= 0 else None
    if slot and slot[0] is not None:
        token = slot[0]
        if token.value.lstrip(" ").startswith("#"):
            column = token.column
            first, _, tail = token.value.partition("\n")
            token.value = first + "\n"
        else:
            tail = token.value[1:]
            del seq.ca.items[last]
    seq.append(value)
    index = len(seq) - 1
    if comment and not getattr(seq.fa, "_flow_style", False):
        seq.yaml_add_eol_comment(f"# {comment}", index, column=column)
        token = seq.ca.items[index][0]
        token.value = token.value.rstrip("\n") + "\n" + tail
    elif tail:
        seq.ca.items[index] = [CommentToken("\n" + tail, CommentMark(0), None), None, None, None]


def _apply(section: str, entry: Any, update: EntryUpdate, comments: dict[str, str]) -> None:
    """Apply an update to an existing round-trip entry in place."""
    order = _FIELD_ORDER[section]

    def place(name: str, value: Any) -> None:
        if name in entry:
            entry[name] = value
            return
        position = 0
        keys = list(entry.keys())
        for i, key in enumerate(keys):
            if key in order and order.index(key) < order.index(name):
                position = i + 1
        entry.insert(position, name, value)

    for name, items in update.append.items():
        current = entry.get(name)
        if isinstance(current, list):
            for item in items:
                _append_item(current, item, comments.get(item))
        else:
            before = [current] if current not in (None, "") else []
            place(name, _seq(name, before + items, comments))
    for name, value in update.set.items():
        place(name, _seq(name, value) if isinstance(value, list) else _scalar(name, value))


def _plain(value: Any) -> Any:
    """A round-trip value as plain Python, to compare with what a safe load gives."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    return value


_COMMENT = re.compile(r"(?:^|\s)(#.*)$")


def _comments(text: str) -> Counter[str]:
    found: Counter[str] = Counter()
    for line in text.splitlines():
        match = _COMMENT.search(line)
        if match:
            found[match.group(1).strip()] += 1
    return found


def _faithful(original: str, text: str, doc: Any) -> bool:
    """``text`` holds exactly ``doc``'s data and every comment of ``original``."""
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError:
        return False
    return loaded == _plain(doc) and not (_comments(original) - _comments(text))


def _dump(rt: Any, value: Any) -> str:
    buffer = io.StringIO()
    rt.dump(value, buffer)
    return buffer.getvalue()


def _render_items(rt: Any, items: list[Any], dash: int) -> list[str]:
    """Entries as the lines of a block list whose ``-`` stands in column ``dash``."""
    from ruamel.yaml.comments import CommentedSeq

    lines = _dump(rt, CommentedSeq(items)).splitlines()
    shift = dash - 2  # a top-level list is dumped with its dashes in column 2
    if shift >= 0:
        return [(" " * shift + line) if line else line for line in lines]
    return [line[-shift:] if line[:-shift].strip() == "" else line for line in lines]


def _is_filler(line: str) -> bool:
    """A blank or comment-only line: what separates entries and belongs to what follows."""
    return not line.strip() or line.lstrip().startswith("#")


def _trim(lines: list[str], start: int, end: int) -> int:
    """``end`` moved up past the blank and comment lines that close ``lines[start:end]``."""
    while end > start + 1 and _is_filler(lines[end - 1]):
        end -= 1
    return end


def _render_fields(rt: Any, entry: Any, names: list[str], column: int) -> list[str]:
    """Some fields of an entry as lines whose keys stand in ``column``, without the blank and
    comment lines ruamel attaches after them (those stay where they are in the file)."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    # Dumped as the fields of a list item, so they stand in column 4 as in data/ and comment
    # columns come out where they were; then the item's dash is blanked and all is shifted.
    item = CommentedSeq([CommentedMap((name, entry[name]) for name in names)])
    lines = _dump(rt, item).splitlines()
    while lines and _is_filler(lines[-1]):
        lines.pop()
    lines[0] = lines[0].replace("- ", "  ", 1)
    shift = column - 4
    if shift >= 0:
        return [(" " * shift + line) if line else line for line in lines]
    return [line[-shift:] if not line[:-shift].strip() else line for line in lines]


def _field_edits(
    rt: Any, lines: list[str], entry: Any, before: list[str], start: int, end: int
) -> list[tuple[int, int, list[str]]] | None:
    """Edits that rewrite only the fields of one entry that changed or were added."""
    if not before:
        return None
    column = entry.lc.key(before[0])[1]
    end = _trim(lines, start, end)
    ranges: dict[str, tuple[int, int]] = {}
    for i, name in enumerate(before):
        first = entry.lc.key(name)[0]
        last = entry.lc.key(before[i + 1])[0] if i + 1 < len(before) else end
        ranges[name] = (first, _trim(lines, first, last))
    edits: list[tuple[int, int, list[str]]] = []
    pending: list[str] = []
    anchor: str | None = None
    current = [str(k) for k in entry]
    for name in [*current, ""]:
        if name and name not in ranges:
            pending.append(name)  # a new field: written after the field before it
            continue
        if pending:
            if anchor is None:
                return None
            at = ranges[anchor][1]
            edits.append((at, at, _render_fields(rt, entry, pending, column)))
            pending = []
        if not name:
            break
        anchor = name
    if any(name not in current for name in ranges):
        return None  # a field was removed: not something an import does
    return edits


def _splice(
    original: str,
    doc: Any,
    keys: list[str],
    touched: dict[str, dict[int, list[str]]],
    appended: dict[str, list[Any]],
    changed: dict[tuple[str, int], set[str]],
) -> str | None:
    """``original`` with the changed fields re-rendered and new entries appended, everything
    else left byte for byte; None when the layout is too unusual to edit in place."""
    rt = _yaml()
    lines = original.splitlines()
    edits: list[tuple[int, int, list[str]]] = []  # (start, end, replacement), 0-based, end excl.
    tail: list[str] = []
    for section in sorted(set(touched) | set(appended)):
        new_items = appended.get(section, [])
        seq = doc[section]
        if section not in keys:  # a section the file did not have: add it at the end
            tail += ["", f"{section}:", *_render_items(rt, new_items, 2)]
            continue
        count = len(seq) - len(new_items)
        if count <= 0:
            return None
        position = keys.index(section)
        section_end = doc.lc.key(keys[position + 1])[0] if position + 1 < len(keys) else len(lines)
        starts = [seq.lc.item(i)[0] for i in range(count)]
        first = lines[starts[0]]
        if not first.lstrip().startswith("- "):
            return None
        dash = len(first) - len(first.lstrip())
        bounds = [
            (starts[i], starts[i + 1] if i + 1 < count else section_end) for i in range(count)
        ]
        for i, before in touched.get(section, {}).items():
            entry = seq[i]
            start, end = bounds[i]
            names = changed.get((section, i), set())
            if before and before[0] in names:
                return None  # the first field shares its line with the dash
            fields = _field_edits(rt, lines, entry, before, start, end)
            if fields is None:
                return None
            edits += fields
            for name in names & set(before):
                first_line = entry.lc.key(name)[0]
                following = [entry.lc.key(n)[0] for n in before if entry.lc.key(n)[0] > first_line]
                last = _trim(lines, first_line, min(following, default=end))
                column = entry.lc.key(name)[1]
                edits.append((first_line, last, _render_fields(rt, entry, [name], column)))
        if new_items:
            gap = [""] if count > 1 and not lines[bounds[-1][0] - 1].strip() else []
            block: list[str] = []
            for item in new_items:
                block += gap + _render_items(rt, [item], dash)
            start, end = bounds[-1]
            at = _trim(lines, start, end)
            edits.append((at, at, block))
    result = list(lines)
    # Apply from the bottom up; at one line, an insertion goes after a replacement ending there.
    for start, end, replacement in sorted(edits, key=lambda e: (e[0], e[1] - e[0]), reverse=True):
        result[start:end] = replacement
    return "\n".join(result + tail).rstrip("\n") + "\n"


@dataclass
class Edited:
    """A file's new text, and how it was made: "new" (a file the import starts), "splice"
    (changed lines re-rendered in place) or "dump" (the whole document re-rendered)."""

    text: str
    how: str


def edit_text(
    original: str | None,
    appends: dict[str, list[dict[str, Any]]],
    updates: list[EntryUpdate],
    comments: dict[str, str],
    file: str = "<text>",
) -> Edited:
    """The new text of one data file after appending entries and applying updates.

    ``comments`` maps work ids to the end-of-line comment written beside them in reading lists.
    DataError (naming ``file``) when an entry to update is not where the plan says it is.
    """
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    rt = _yaml()
    if original is None or not original.strip():
        what = " and ".join(appends) or "entries"
        header = "".join(f"# {line}\n" for line in _HEADER.format(what=what).splitlines())
        built = {s: [_entry(s, e, comments) for e in entries] for s, entries in appends.items()}
        parts = []
        for section, items in built.items():
            gap = [""] if section in ("works", "sessions") else []
            lines = [f"{section}:"]
            for item in items:
                lines += (gap if lines[-1] != f"{section}:" else []) + _render_items(rt, [item], 2)
            parts.append("\n".join(lines) + "\n")
        text = header + "\n" + "\n".join(parts)
        expected = {s: [_plain(item) for item in items] for s, items in built.items()}
        if yaml.safe_load(text) != expected:
            doc = CommentedMap((s, CommentedSeq(items)) for s, items in expected.items())
            text = header + "\n" + _dump(rt, doc)
        return Edited(text, "new")
    doc = rt.load(original)
    if doc is None:
        doc = CommentedMap()
    if not isinstance(doc, dict):
        raise DataError([Problem(file, 1, None, "top level must be a mapping")])
    keys = [str(k) for k in doc]
    touched: dict[str, dict[int, list[str]]] = {}
    for update in updates:
        seq = doc.get(update.section)
        index = next(
            (i for i in range(len(seq or [])) if seq.lc.item(i)[0] + 1 == update.line), None
        )
        if index is None:
            raise DataError(
                [
                    Problem(
                        file,
                        update.line,
                        f"{update.section[:-1]} {update.key!r}",
                        "cannot find this entry to update it; was the file changed meanwhile?",
                    )
                ]
            )
        touched.setdefault(update.section, {})[index] = [str(k) for k in seq[index]]
        _apply(update.section, seq[index], update, comments)
    appended: dict[str, list[Any]] = {}
    for section, entries in appends.items():
        items = [_entry(section, e, comments) for e in entries]
        if doc.get(section) is None:
            doc[section] = CommentedSeq()
        for item in items:
            doc[section].append(item)
        appended.setdefault(section, []).extend(items)
    changed = {
        (u.section, i): set(u.append) | set(u.set)
        for u in updates
        for i, before in touched.get(u.section, {}).items()
        if doc[u.section].lc.item(i)[0] + 1 == u.line
    }
    spliced = _splice(original, doc, keys, touched, appended, changed)
    if spliced is not None and _faithful(original, spliced, doc):
        return Edited(spliced, "splice")
    return Edited(_dump(rt, doc), "dump")
