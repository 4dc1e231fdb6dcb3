"""A page as blocks: headings, list items, paragraphs and table rows, each with its text, links
and emphasis. Markdown is parsed with markdown-it-py (CommonMark, tables, raw HTML kept) and
rendered to HTML; HTML is parsed with BeautifulSoup's ``html.parser``. Both go through one walk,
so a list reads the same in either format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_BLOCK_TAGS = [
    "p",
    "li",
    "tr",
    "div",
    "table",
    "ul",
    "ol",
    "dl",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
]
_HIDDEN = {"script", "style", "nav", "footer", "head", "template"}
_SPACES = re.compile(r"\s+")
_BARE_URL = re.compile(r"https?://[^\s<>\"'`\[\]|]+")


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


def chunk_of(element: Any, line: int, skip: frozenset[str] = frozenset()) -> Chunk:
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


def split_lines(chunk: Chunk) -> list[Chunk]:
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
            blocks.append(Block("heading", int(name[1]), chunk_of(element, line)))
        elif name == "li" and element.find_parent(["td", "th"]) is None:
            depth = len(element.find_parents(["ul", "ol"]))
            blocks.append(Block("item", depth, chunk_of(element, line, frozenset({"ul", "ol"}))))
        elif name == "tr":
            cells = [chunk_of(c, line) for c in element.find_all(["td", "th"], recursive=False)]
            header = element.find_parent("thead") is not None or all(
                c.name == "th" for c in element.find_all(["td", "th"], recursive=False)
            )
            table = element.find_parent("table")
            whole = chunk_of(element, line)
            blocks.append(Block("row", 0, whole, cells, header, id(table)))
        elif name in ("p", "dt", "dd") and element.find_parent(["li", "td", "th"]) is None:
            blocks.append(Block("para", 0, chunk_of(element, line)))
        elif (
            name == "div"
            and element.find(_BLOCK_TAGS) is None
            and element.find_parent(["li", "td", "th", "p"]) is None
            and element.get_text().strip()
        ):
            blocks.append(Block("para", 0, chunk_of(element, line)))  # a div holding only text
    return blocks


def markdown_html(body: str, first_line: int) -> str:
    """``body`` rendered to HTML by markdown-it-py, each block tagged with its source line."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    tokens = md.parse(body)
    for token in tokens:
        if token.map is not None and token.nesting == 1:
            token.attrSet("data-line", str(token.map[0] + first_line))
    rendered: str = md.renderer.render(tokens, md.options, {})
    return rendered


def inline_chunk(value: str, line: int) -> Chunk:
    """A data-file string (markdown or HTML) as a chunk."""
    from bs4 import BeautifulSoup
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark", {"html": True}).renderInline(value)
    return chunk_of(BeautifulSoup(html, "html.parser"), line)
