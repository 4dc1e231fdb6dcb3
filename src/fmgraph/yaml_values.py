"""Build YAML values straight from the parser's events, for large data files.

``yaml.load`` composes the whole document into node objects (each with two marks) before it
constructs anything: about 5 kB per catalogue entry, half a gigabyte for 100,000 works.
Building values from events keeps only the values. Anything unusual — an explicit tag on a
collection, a merge key, an unhashable key, a tag without a safe constructor, a second
document — falls back to ``yaml.load``'s composer and constructor with the same safe loader, so
the result and every error are exactly ``yaml.load``'s.

Two things ``yaml.load`` allows are refused, on both paths: a key given twice in one mapping
(the error names both lines), and aliases that expand to more than ``MAX_ALIAS_EXPANSION``
nodes and characters (an "alias bomb": a few lines that grow to gigabytes when read as text).
"""

from __future__ import annotations

from typing import Any

from yaml.constructor import ConstructorError
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
#: Nodes plus characters that all aliases of one document may expand to, together. Real data
#: uses a few small aliases at most; a billion-laughs document passes this in a few levels.
MAX_ALIAS_EXPANSION = 1_000_000


class _Fallback(Exception):
    pass


class _Duplicate(Exception):
    """A key given twice: read again, noting the line of every key, to name both lines."""


def load_values(text: str, loader_class: Any, mapping_class: type[dict[str, Any]]) -> Any:
    """What ``yaml.load(text, Loader=loader_class)`` returns, when mappings are built as
    ``mapping_class`` with a ``line`` attribute (1-based line of the mapping's start)."""
    for track_lines in (False, True):
        loader = loader_class(text)
        try:
            return _document(loader, mapping_class, track_lines)
        except _Duplicate:
            continue
        except _Fallback:
            break
        finally:
            loader.dispose()
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        check_nodes(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def check_nodes(root: Node) -> None:
    """Raise ConstructorError for a key given twice in a mapping, or for aliases that expand
    to more than ``MAX_ALIAS_EXPANSION``."""
    sizes: dict[int, int] = {}
    seen: set[int] = set()
    expanded = 0
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:  # a second reference to a node: an alias
            expanded += _node_size(node, sizes)
            if expanded > MAX_ALIAS_EXPANSION:
                raise ConstructorError(
                    None,
                    None,
                    f"aliases expand to more than {MAX_ALIAS_EXPANSION:,} nodes and characters"
                    " (an alias bomb?): write the values out instead",
                    node.start_mark,
                )
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            first: dict[tuple[str, str], int] = {}
            for key, value in node.value:
                if isinstance(key, ScalarNode):
                    ident = (key.tag, key.value)
                    if ident in first:
                        raise ConstructorError(
                            "while reading a mapping",
                            node.start_mark,
                            f"duplicate key {key.value!r} (first given on line {first[ident]})",
                            key.start_mark,
                        )
                    first[ident] = key.start_mark.line + 1
                stack.append(value)
                stack.append(key)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)


def _node_size(node: Node, sizes: dict[int, int]) -> int:
    """Nodes and characters of ``node`` with every alias written out (memoized; a cycle
    counts once)."""
    if isinstance(node, ScalarNode):
        return 1 + len(node.value)
    known = sizes.get(id(node))
    if known is not None:
        return known
    sizes[id(node)] = 0
    children = (
        [x for pair in node.value for x in pair] if isinstance(node, MappingNode) else node.value
    )
    total = 1
    for child in children:
        total += _node_size(child, sizes)
        if total > MAX_ALIAS_EXPANSION:
            break
    sizes[id(node)] = total
    return total


def _value_size(value: Any, sizes: dict[int, int]) -> int:
    """What :func:`_node_size` counts, for built values."""
    if isinstance(value, str):
        return 1 + len(value)
    if not isinstance(value, dict | list):
        return 1
    known = sizes.get(id(value))
    if known is not None:
        return known
    sizes[id(value)] = 0
    children = [x for pair in value.items() for x in pair] if isinstance(value, dict) else value
    total = 1
    for child in children:
        total += _value_size(child, sizes)
        if total > MAX_ALIAS_EXPANSION:
            break
    sizes[id(value)] = total
    return total


def _document(loader: Any, mapping_class: type[dict[str, Any]], track_lines: bool) -> Any:
    loader.get_event()  # StreamStart
    if loader.check_event(StreamEndEvent):
        loader.get_event()
        return None
    loader.get_event()  # DocumentStart
    resolve, constructors = loader.resolve, loader.yaml_constructors
    anchors: dict[str, Any] = {}
    sizes: dict[int, int] = {}
    expanded = 0
    # Each open collection: [container, key (for a mapping), key seen?, the key's mark, the
    # line of each key so far (only when track_lines: it costs, and is needed only to name
    # the first line of a duplicate key)]
    stack: list[list[Any]] = []
    result: Any = None
    while True:
        event = loader.get_event()
        kind = type(event)
        if kind is ScalarEvent:
            tag = event.tag
            if tag is None or tag == "!":
                tag = resolve(ScalarNode, event.value, event.implicit)
            if tag == _STR:
                value = event.value
            else:
                construct = constructors.get(tag)
                if construct is None or tag.endswith((":merge", ":value")):
                    raise _Fallback
                value = construct(
                    loader,
                    ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style),
                )
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            tag = event.tag
            node = MappingNode if kind is MappingStartEvent else SequenceNode
            if tag is None or tag == "!":
                tag = resolve(node, None, event.implicit)
            if tag != (_MAP if kind is MappingStartEvent else _SEQ):
                raise _Fallback
            if kind is MappingStartEvent:
                container: Any = mapping_class()
                container.line = event.start_mark.line + 1
            else:
                container = []
            if event.anchor is not None:
                anchors[event.anchor] = container
            stack.append([container, None, False, None, {} if track_lines else None])
            continue
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            value = stack.pop()[0]
        elif kind is AliasEvent:
            if event.anchor not in anchors:
                raise _Fallback  # let yaml.load report the undefined alias
            value = anchors[event.anchor]
            expanded += _value_size(value, sizes)
            if expanded > MAX_ALIAS_EXPANSION:
                raise _Fallback  # the composer's nodes have the marks the error names
        else:  # DocumentEnd
            break
        if kind is ScalarEvent and event.anchor is not None:
            anchors[event.anchor] = value
        if not stack:
            result = value
            continue
        top = stack[-1]
        container = top[0]
        if type(container) is list:
            container.append(value)
        elif not top[2]:
            top[1], top[2] = value, True
            if track_lines:
                top[3] = event.start_mark
        else:
            key = top[1]
            try:
                if key in container:
                    if not track_lines:
                        raise _Duplicate
                    raise ConstructorError(
                        "while reading a mapping",
                        None,
                        f"duplicate key {key!r} (first given on line {top[4][key]})",
                        top[3],
                    )
                container[key] = value
            except TypeError:  # an unhashable key: yaml.load's error says where
                raise _Fallback from None
            if track_lines:
                top[4][key] = top[3].line + 1
            top[1], top[2] = None, False
    if not loader.check_event(StreamEndEvent):
        raise _Fallback  # a second document: yaml.load's error says where
    return result
