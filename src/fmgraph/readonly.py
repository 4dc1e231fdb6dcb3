"""Decide, before any engine sees it, whether a SPARQL query is read-only and offline.

The query is split into the terminals of the SPARQL 1.1 grammar (section 19.8) exactly:
IRIs, prefixed names with their ``\\'``-style escapes, the four kinds of string with their
escapes, comments that end at CR or LF, variables, blank nodes and language tags. Anything
the grammar has no terminal for (a stray backslash, an unterminated string or IRI) is a
syntax error here, never skipped, so no text can hide from the check that the engine would
read as code.

One terminal is ambiguous in SPARQL: ``<`` starts an IRI, except inside an expression right
after an operand, where it is "less than" (``FILTER(?a<'>') SERVICE …`` would otherwise hide
what follows the quote). So the lexer keeps a stack of brackets and knows when it is inside
an expression, as the engine's parser does.

Refused wherever they occur: ``SERVICE``, ``LOAD`` and every update keyword, and ``FROM`` /
``FROM NAMED`` naming a graph the store does not hold. Queries longer than
:data:`MAX_QUERY_CHARS`, nested deeper than :data:`MAX_DEPTH` or with more than
:data:`MAX_UNARY` unary operators in a row are refused before any parser runs: the engine's
recursive parser overflows its stack on a few thousand nested brackets.

The work is linear in the length of the query: every character is read once, and a token
that does not close is an error at once, not a retry.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .errors import QueryError, QueryRefused
from .vocab import PREFIXES

MAX_QUERY_CHARS = 1_000_000
MAX_DEPTH = 64
MAX_UNARY = 64

_UPDATE_WORDS = frozenset(
    {"INSERT", "DELETE", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
)

# --- the terminals of the SPARQL 1.1 grammar (19.8), written as regular expressions ---
_UNICODE_LETTERS = (
    "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_UNICODE_MARKS = "\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"(?:%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"


@lru_cache(maxsize=2)
def _names(unicode: bool) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """PNAME_NS/PNAME_LN, BLANK_NODE_LABEL and VAR1/VAR2. Their character classes hold most of
    Unicode, which takes the regular expression compiler 15 ms, a tenth of a cold command;
    on a query that is all ASCII the same classes cut to ASCII match the same text."""
    base = "A-Za-z" + (_UNICODE_LETTERS if unicode else "")
    marks = _UNICODE_MARKS if unicode else ""
    chars_u = base + "_"
    chars = chars_u + "\\-0-9" + marks
    prefix = f"[{base}](?:[{chars}.]*[{chars}])?"
    local = f"(?:[{chars_u}:0-9]|{_PLX})(?:(?:[{chars}.:]|{_PLX})*(?:[{chars}:]|{_PLX}))?"
    varname = f"[{chars_u}0-9][{chars_u}0-9{marks}]*"
    return (
        re.compile(f"(?:{prefix})?:(?:{local})?"),
        re.compile(f"_:[{chars_u}0-9](?:[{chars}.]*[{chars}])?"),
        re.compile(f"[?$]{varname}"),
    )


_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_ECHAR = r"\\[tbnrf\"'\\]"

_IRIREF = re.compile(f'<(?:[^<>"{{}}|^`\\\\\\x00-\\x20]|{_UCHAR})*>')
_STRINGS = {
    "'''": re.compile(f"'''(?:(?:'|'')?(?:[^'\\\\]|{_ECHAR}|{_UCHAR}))*'''"),
    '"""': re.compile(f'"""(?:(?:"|"")?(?:[^"\\\\]|{_ECHAR}|{_UCHAR}))*"""'),
    "'": re.compile(f"'(?:[^'\\\\\\n\\r]|{_ECHAR}|{_UCHAR})*'"),
    '"': re.compile(f'"(?:[^"\\\\\\n\\r]|{_ECHAR}|{_UCHAR})*"'),
}
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # keywords and built-in function names
_LANGTAG = re.compile(r"@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*(?:--[a-zA-Z]+)?")
_NUMBER = re.compile(r"[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+\.?(?:[eE][+-]?[0-9]+)?")
_SPACE = re.compile(r"[ \t\r\n]+")
_COMMENT = re.compile(r"#[^\r\n]*")
_PUNCTUATION = frozenset("{}()[];,.*/|^!=<>&+-?~")
_ONE = re.compile(".", re.DOTALL)

# Tokens after which ``<`` inside an expression is "less than": the end of an operand (a
# closing bracket ends a call, a bracketed expression or EXISTS { … }). Every other token
# there can only be followed by an IRI, or the engine refuses the query.
_OPERAND = frozenset({"var", "string", "number", "iri", "pname", "langtag", "close", "boolean"})
# Words after which ``(`` opens an expression even outside one (FILTER(…), BIND(…), COUNT(…)).
_NOT_CALLS = frozenset({"A", "VALUES", "OPTIONAL", "MINUS", "GRAPH", "SERVICE", "UNION", "UNDEF"})
_SYNTAX_POSITION = re.compile(r"at (\d+):(\d+)")


def _where(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


class _Lexer:
    """SPARQL terminals in order, with the bracket context the parser would have."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pname, self.blank, self.var = _names(not text.isascii())
        self.stack: list[str] = []  # "expr", "group", "list", "data"
        self.opened: list[int] = []  # where each bracket of the stack opened
        self.previous = ""  # kind of the last significant token
        self.previous_word = ""  # the last keyword, upper-cased ("" after any other token)
        self.word_before = ""  # the keyword before the previous token
        self.clause = ""  # "select" between SELECT and its pattern; "modifier" after BY/HAVING
        self.unary = 0

    def error(self, offset: int, message: str) -> QueryError:
        return QueryError(f"SPARQL syntax error at {_where(self.text, offset)}: {message}")

    def tokens(self) -> list[tuple[str, str, int]]:
        """(kind, text, offset) of every significant token; QueryError on what no terminal
        matches, on nesting deeper than MAX_DEPTH and on long runs of unary operators."""
        text, found, i, end = self.text, [], 0, len(self.text)
        while i < end:
            c = text[i]
            if c in " \t\r\n":
                i = _SPACE.match(text, i).end()  # type: ignore[union-attr]
                continue
            if c == "#":
                i = _COMMENT.match(text, i).end()  # type: ignore[union-attr]
                continue
            kind, match = self._token(c, i)
            if match is None:
                raise self.error(i, f"unexpected {text[i : i + 12]!r}")
            token = match.group()
            self._track(kind, token, i)
            found.append((kind, token, i))
            i = match.end()
        if self.opened:
            opened = self.opened[-1]
            raise self.error(opened, f"{text[opened]!r} is never closed")
        return found

    def _token(self, c: str, i: int) -> tuple[str, re.Match[str] | None]:
        text = self.text
        if c == "<" and not self._less_than():
            iri = _IRIREF.match(text, i)
            if iri is not None:
                return "iri", iri
        if c in "'\"":
            for opener in ("'''", '"""', c):
                if text.startswith(opener, i):
                    string = _STRINGS[opener].match(text, i)
                    if string is None:
                        raise self.error(i, "a string that does not close (or a bad escape)")
                    return "string", string
        if c in "?$":
            var = self.var.match(text, i)
            if var is not None:
                return "var", var
        if c == "_" and text.startswith("_:", i):
            return "blank", self.blank.match(text, i)
        if c == "@":
            return "langtag", _LANGTAG.match(text, i)
        if c.isdigit() or (c == "." and text[i + 1 : i + 2].isdigit()):
            return "number", _NUMBER.match(text, i)
        pname = self.pname.match(text, i)
        if pname is not None:
            return "pname", pname
        if c.isalpha() or c == "_":
            return "word", _WORD.match(text, i)
        if c in _PUNCTUATION:
            return "punct", _ONE.match(text, i)
        return "other", None

    def _less_than(self) -> bool:
        """Whether a ``<`` here is the comparison operator, not the start of an IRI."""
        return bool(self.stack) and self.stack[-1] == "expr" and self.previous in _OPERAND

    def _track(self, kind: str, token: str, offset: int) -> None:
        word = token.upper() if kind == "word" else ""
        if kind == "punct" and token in "!+-":
            self.unary += 1
            if self.unary > MAX_UNARY:
                raise QueryError(
                    f"the query has more than {MAX_UNARY} operators in a row at "
                    f"{_where(self.text, offset)}; fmgraph refuses it before parsing"
                )
        else:
            self.unary = 0
        if token in ("(", "{", "["):
            self.stack.append(self._opens(token))
            self.opened.append(offset)
            if len(self.stack) > MAX_DEPTH:
                raise QueryError(
                    f"the query nests brackets more than {MAX_DEPTH} deep at "
                    f"{_where(self.text, offset)}; fmgraph refuses it before parsing"
                )
            if token == "{" and self.clause == "select":
                self.clause = ""
        elif token in (")", "}", "]"):
            if not self.stack:
                raise self.error(offset, f"{token!r} closes nothing")
            self.stack.pop()
            self.opened.pop()
            if token == "}":
                self.clause = ""
        if word == "SELECT":
            self.clause = "select"
        elif word in ("BY", "HAVING"):
            self.clause = "modifier"
        elif word in ("WHERE", "LIMIT", "OFFSET", "VALUES"):
            self.clause = ""
        self.word_before = self.previous_word
        self.previous_word = word
        if token in (")", "]", "}"):
            self.previous = "close"
        elif word in ("TRUE", "FALSE"):
            self.previous = "boolean"
        else:
            self.previous = kind

    def _opens(self, bracket: str) -> str:
        """What a bracket opens: an expression, a group or template, a list, or VALUES data."""
        if bracket == "{":
            return "data" if self.previous_word == "VALUES" else "group"
        if bracket == "[":
            return "list"
        inside = self.stack[-1] if self.stack else ""
        if inside == "expr" or (self.clause in ("select", "modifier") and inside != "data"):
            return "expr"
        if self.previous_word and self.previous_word not in _NOT_CALLS:
            return "expr"  # FILTER(…), BIND(…), or a built-in call such as REGEX(…)
        if self.previous in ("iri", "pname") and self.word_before == "FILTER":
            return "expr"  # FILTER <function>(…)
        return "list"  # a collection, a property path, or a row of VALUES


def _expand(token: tuple[str, str, int], prefixes: dict[str, str]) -> str | None:
    kind, text, _ = token
    if kind == "iri":
        return text[1:-1]
    if kind == "pname":
        prefix, _, local = text.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + local
    return None


_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})


def check_read_only(sparql: str, graphs: list[str] | tuple[str, ...]) -> str:
    """The query's form (``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``) once it is known
    to be read-only. Raises QueryRefused for a query that would write, fetch or read a graph
    outside ``graphs``, and QueryError for one that is malformed, too large or too deep."""
    return _check(sparql, tuple(graphs))


def query_form(sparql: str) -> str:
    """The form of a query that is read-only and offline, whatever graphs its FROM clauses
    name (for a remote store, whose graphs are the server's to check)."""
    return _check(sparql, None)


@lru_cache(maxsize=512)
def _check(sparql: str, graphs: tuple[str, ...] | None) -> str:
    if len(sparql) > MAX_QUERY_CHARS:
        raise QueryError(
            f"the query is {len(sparql):,} characters long; fmgraph runs queries of at most "
            f"{MAX_QUERY_CHARS:,}"
        )
    try:
        sparql.encode("utf-8")
    except UnicodeEncodeError as e:
        raise QueryError(
            f"the query is not valid UTF-8 (at {_where(sparql, e.start)}); save it as UTF-8"
        ) from e
    tokens = _Lexer(sparql).tokens()
    prefixes = dict(PREFIXES)
    form = ""
    for i, (kind, text, _offset) in enumerate(tokens):
        if kind != "word":
            continue
        word = text.upper()
        if not form and word in _FORMS:
            form = word
        if word == "PREFIX" and i + 2 < len(tokens):
            iri = _expand(tokens[i + 2], {})
            if iri is not None:
                prefixes[tokens[i + 1][1].rstrip(":")] = iri
        elif word == "SERVICE":
            raise QueryRefused("SERVICE is refused: fmgraph queries never reach another endpoint")
        elif word == "LOAD":
            raise QueryRefused("LOAD is refused: the store is read-only and never fetches data")
        elif word in _UPDATE_WORDS:
            raise QueryRefused(f"SPARQL Update ({word}) is refused: the store is read-only")
        elif word == "FROM" and graphs is not None:
            named = i + 1 < len(tokens) and tokens[i + 1][1].upper() == "NAMED"
            j = i + 2 if named else i + 1
            iri = _expand(tokens[j], prefixes) if j < len(tokens) else None
            if iri is None or iri not in graphs:
                shown = tokens[j][1] if j < len(tokens) else ""
                raise QueryRefused(
                    f"FROM {shown} is refused: it names no graph in the store, and fmgraph"
                    " never fetches remote data"
                )
    if not form:
        raise QueryError("the query has no SELECT, ASK, CONSTRUCT or DESCRIBE")
    return form


def syntax_error(error: SyntaxError) -> QueryError:
    """The engine's syntax error as fmgraph reports it: line and column first."""
    position = _SYNTAX_POSITION.search(str(error))
    where = f" at line {position.group(1)}, column {position.group(2)}" if position else ""
    detail = _SYNTAX_POSITION.sub("", str(error)).removeprefix("error ").lstrip(": ")
    return QueryError(f"SPARQL syntax error{where}: {detail}")
