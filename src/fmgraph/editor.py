"""The SPARQL editor page of ``fmgraph serve``, at ``/editor``: YASGUI (the ``@zazuko/yasgui``
npm package, MIT, vendored in ``assets/yasgui/`` so that it works offline) on the server's own
``/query``, with one tab per bundled query and fmgraph's prefixes declared in each.

The page loads only what this module serves, and its Content-Security-Policy lets it connect
to nothing else.
"""

from __future__ import annotations

import functools
import html
import json
from importlib.resources import files

from .query import bundled_queries
from .vocab import PREFIXES

PATH = "/editor"
_ASSETS = {
    "yasgui.min.js": "text/javascript; charset=utf-8",
    "yasgui.min.css": "text/css; charset=utf-8",
    "editor.js": "text/javascript; charset=utf-8",
}
_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline';"
    " img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none';"
    " form-action 'none'; frame-ancestors 'none'"
)
_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<title>fmgraph: SPARQL editor</title>
<link rel="stylesheet" href="{path}/yasgui.min.css">
<style>
body {{ margin: 0; font-family: system-ui, sans-serif; }}
header {{ padding: 0.5em 1em; border-bottom: 1px solid #ddd; }}
</style>
</head>
<body>
<header><strong>fmgraph</strong> SPARQL editor on <code>{endpoint}</code> (read-only; the
prefixes {prefixes} are predeclared) · <a href="/">explorer</a></header>
<div id="yasgui"></div>
<script id="fmgraph-editor" type="application/json">{config}</script>
<script src="{path}/yasgui.min.js"></script>
<script src="{path}/editor.js"></script>
</body>
</html>
"""


def with_prefixes(sparql: str) -> str:
    """``sparql`` with a PREFIX line for each fmgraph prefix it uses but does not declare,
    so the editor's syntax check accepts what the endpoint accepts."""
    import re

    declared = {m.lower() for m in re.findall(r"(?im)^\s*PREFIX\s+([\w.-]*):", sparql)}
    used = [
        name
        for name, _iri in PREFIXES.items()
        if name.lower() not in declared and re.search(rf"(?<![\w?$:]){name}:", sparql)
    ]
    head = "".join(f"PREFIX {name}: <{PREFIXES[name]}>\n" for name in used)
    return head + sparql


def examples() -> list[dict[str, str]]:
    """The editor's tabs: a first query to start from, then each bundled query."""
    first = {
        "name": "concepts",
        "query": with_prefixes(
            "# Concepts and what they require\n"
            "SELECT ?id ?label ?requires WHERE {\n"
            "  ?c a fm:Concept ; dcterms:identifier ?id ; skos:prefLabel ?label .\n"
            "  OPTIONAL { ?c fm:requires/dcterms:identifier ?requires }\n"
            "} ORDER BY ?id LIMIT 50\n"
        ),
    }
    return [first] + [{"name": q.name, "query": with_prefixes(q.sparql)} for q in bundled_queries()]


@functools.cache
def page(endpoint: str = "/query") -> bytes:
    """The editor page, its query examples embedded as JSON that no text can break out of."""
    config = json.dumps({"endpoint": endpoint, "examples": examples()}, ensure_ascii=True)
    config = config.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = _PAGE.format(
        csp=_CSP,
        path=PATH,
        endpoint=html.escape(endpoint),
        prefixes=html.escape(", ".join(PREFIXES)),
        config=config,
    )
    return text.encode()


def asset(path: str) -> tuple[str, bytes] | None:
    """``(media type, body)`` of what the editor serves at ``path``; None for other paths."""
    if path in (PATH, PATH + "/"):
        return "text/html; charset=utf-8", page()
    name = path.removeprefix(PATH + "/")
    if path.startswith(PATH + "/") and name in _ASSETS:
        return _ASSETS[name], files("fmgraph").joinpath("assets", "yasgui", name).read_bytes()
    return None
