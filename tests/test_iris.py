"""Any IRI and any literal survive every view: a comma in a URL (which CSV results leave
unquoted), quotes, tabs and newlines in titles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from fmgraph.cli import cli

URL = "https://example.org/wiki/Smith,_John"
TITLE = 'Notes, "quoted",\ttabbed\nand on two lines \\ back'


@pytest.fixture
def odd_data(tiny_copy: Path) -> Path:
    path = tiny_copy / "course.yaml"
    text = path.read_text()
    text = text.replace("urls: [https://example.org/notes/attention]", f"urls: ['{URL}']")
    text = text.replace("title: Notes on attention", f"title: {json.dumps(TITLE)}")
    path.write_text(text)
    return tiny_copy


def _run(data: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--data", str(data), *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_validate_accepts_the_url(odd_data: Path) -> None:
    assert "no problems found" in _run(odd_data, "validate")


def test_show_gives_the_url_and_title_whole(odd_data: Path) -> None:
    shown = json.loads(_run(odd_data, "show", "attention-notes", "--format", "json"))
    text = json.dumps(shown)
    assert URL in text and json.dumps(TITLE)[1:-1] in text


def test_graphml_export_carries_the_url_and_title(odd_data: Path) -> None:
    import networkx as nx

    graphml = _run(odd_data, "export", "--format", "graphml")
    graph = nx.parse_graphml(graphml)
    (node,) = [n for n, d in graph.nodes(data=True) if d.get("id") == "attention-notes"]
    assert graph.nodes[node]["title"] == TITLE
    assert URL in graph.nodes[node]["urls"]


def test_render_writes_the_page(odd_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "page.html"
    CliRunner().invoke(cli, ["--data", str(odd_data), "render", "-o", str(out)])
    assert out.is_file() and "Smith,_John" in out.read_text()


def test_rows_reads_every_kind_of_term() -> None:
    from pyoxigraph import Store

    from fmgraph.graphview import rows

    class Bare:
        store = Store()

        def query(self, sparql: str, prefixes: object = None, **dataset: object) -> object:
            return self.store.query(sparql, prefixes=prefixes)  # type: ignore[arg-type]

        def named_graphs(self) -> list[str]:
            return []

    sparql = (
        "SELECT * WHERE { VALUES (?a ?b ?c ?d ?e ?f ?g) {"
        f' (<{URL}> {json.dumps(TITLE)} "chat"@fr 42 true "2024-01-02"^^xsd:date UNDEF) }} }}'
    )
    (row,) = list(rows(Bare(), sparql))  # type: ignore[arg-type]
    assert row == {"a": URL, "b": TITLE, "c": "chat", "d": "42", "e": "true",
                   "f": "2024-01-02", "g": None}  # fmt: skip
    assert list(rows(Bare(), "SELECT ?x WHERE { VALUES ?x { 1 UNDEF } }")) == [  # type: ignore[arg-type]
        {"x": "1"},
        {"x": None},
    ]


def test_serve_starts_and_answers_with_the_url(odd_data: Path) -> None:
    import threading
    import urllib.parse
    import urllib.request

    from fmgraph.cache import store_path
    from fmgraph.serve import close_server, make_server

    server = make_server(store_path(odd_data), port=0, workers=1)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/"
        with urllib.request.urlopen(url, timeout=30) as response:
            assert "Smith,_John" in response.read().decode()
        query = urllib.parse.urlencode({"query": "SELECT ?u WHERE { ?w schema:url ?u }"})
        request = urllib.request.Request(f"{url}query?{query}", headers={"Accept": "text/csv"})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert URL in response.read().decode()
    finally:
        server.shutdown()
        close_server(server)
