"""Build YAML values straight from the parser's events, for large data files.

``yaml.load`` composes the whole document into node objects (each with two marks) before it
constructs anything: about 5 kB per catalogue entry, half a gigabyte for 100,000 works.
Building values from events keeps only the values. Anything unusual — an explicit tag on a
collection, a merge key, an unhashable key, a tag without a safe constructor, a second
document — falls back to ``yaml.load`` with the same safe loader, so the result and every
error are exactly ``yaml.load``'s.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"


class _Fallback(Exception):
    pass


def load_values(text: str, loader_class: Any, mapping_class: type[dict[str, Any]]) -> Any:
    """What ``yaml.load(text, Loader=loader_class)`` returns, when mappings are built as
    ``mapping_class`` with a ``line`` attribute (1-based line of the mapping's start)."""
    loader = loader_class(text)
    try:
        return _document(loader, mapping_class)
    except _Fallback:
        return yaml.load(text, Loader=loader_class)
    finally:
        loader.dispose()


def _document(loader: Any, mapping_class: type[dict[str, Any]]) -> Any:
    loader.get_event()  # StreamStart
    if loader.check_event(StreamEndEvent):
        loader.get_event()
        return None
    loader.get_event()  # DocumentStart
    resolve, constructors = loader.resolve, loader.yaml_constructors
    anchors: dict[str, Any] = {}
    # Each open collection: [container, key (for a mapping), key seen?]
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
            stack.append([container, None, False])
            continue
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            value = stack.pop()[0]
        elif kind is AliasEvent:
            if event.anchor not in anchors:
                raise _Fallback  # let yaml.load report the undefined alias
            value = anchors[event.anchor]
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
        else:
            try:
                container[top[1]] = value
            except TypeError:  # an unhashable key: yaml.load's error says where
                raise _Fallback from None
            top[1], top[2] = None, False
    if not loader.check_event(StreamEndEvent):
        raise _Fallback  # a second document: yaml.load's error says where
    return result
