"""plan (teaching order, --know, --with-background), next, audit and show on a small course
written for these tests (tests/fixtures/curriculum), through the library and the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from fmgraph.audit import audit
from fmgraph.cache import open_store
from fmgraph.cli import cli
from fmgraph.paths import learning_plan, next_concepts
from fmgraph.show import show_node

COURSE = Path(__file__).parent / "fixtures" / "curriculum"


@pytest.fixture(scope="module")
def store() -> Any:
    return open_store(COURSE)


def run(*args: str, data: Path = COURSE) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--data", str(data), *args])
    return result.exit_code, result.stdout


def test_plan_is_depth_first_in_the_order_the_course_teaches(store: Any) -> None:
    plan = learning_plan(store, "goal")
    # right is taught on 2024-01-01, left on 2024-01-15: right's branch comes first, and base
    # comes right before the first step that needs it, not in a level of its own.
    assert [s.id for s in plan.steps] == ["base", "right", "left", "join", "goal"]
    why = {s.id: (s.needed_for, s.reason) for s in plan.steps}
    assert why["base"] == ("right", "the right branch extends the base")
    assert why["join"] == ("goal", "the goal is a special case of the join")
    assert why["goal"] == (None, None)
    position = {s.id: i for i, s in enumerate(plan.steps)}
    for step in plan.steps:
        assert all(position[p] < position[step.id] for p in step.after)


def test_know_leaves_out_the_known_concepts_and_all_they_require(store: Any) -> None:
    plan = learning_plan(store, "goal", know=["Right branch"])
    assert [s.id for s in plan.steps] == ["left", "join", "goal"]
    assert plan.known == ["base", "right"]
    assert learning_plan(store, "goal", know=["goal"]).steps == []


def test_background_is_followed_only_when_asked(store: Any) -> None:
    assert "history" not in [s.id for s in learning_plan(store, "goal").steps]
    plan = learning_plan(store, "goal", with_background=True)
    history = next(s for s in plan.steps if s.id == "history")
    assert (history.needed_for, history.background) == ("join", True)
    assert history.reason == "the join was first tried as a fix for the old method"


def test_readings_teach_before_they_use(store: Any) -> None:
    (base,) = [s for s in learning_plan(store, "goal").steps if s.id == "base"]
    assert [(r.work, r.relation) for r in base.readings] == [
        ("base-notes", "teaches"),
        ("right-notes", "uses"),
    ]


def test_next_lists_what_all_prerequisites_are_known_for(store: Any) -> None:
    ready = next_concepts(store, ["left"])
    assert ready.known == ["left"]
    assert [s.id for s in ready.steps] == ["right", "chain", "history"]
    toward = next_concepts(store, ["left"], toward="goal")
    assert [s.id for s in toward.steps] == ["right"]
    assert [s.id for s in next_concepts(store, []).steps] == ["base", "history"]


def test_plan_and_next_on_the_command_line() -> None:
    code, out = run("plan", "goal", "--know", "right,left")
    assert code == 0
    assert out.splitlines()[0] == (
        "To learn Goal (goal), in this order (2 concepts; known, left out: base, left, right):"
    )
    assert "      why: needed for goal: the goal is a special case of the join" in out
    code, out = run("plan", "goal", "--know", "goal")
    assert (code, out) == (
        0,
        "Nothing to learn: goal is known already;"
        " known, left out: base, goal, join, left, right.\n",
    )
    code, out = run("next", "--know", "left", "--toward", "goal", "--format", "json")
    assert code == 0
    assert [s["id"] for s in json.loads(out)["steps"]] == ["right"]
    code, _ = run("plan", "goal", "--know", "nonsense")
    assert code == 2


def test_audit_finds_a_session_that_teaches_before_the_prerequisite(store: Any) -> None:
    result = audit(store)
    assert result.sessions == ["C-1", "C-2", "C-3"]
    found = [(f.session, f.concept, f.prerequisite, f.first_taught_in) for f in result.findings]
    assert found == [("C-1", "right", "base", "C-3"), ("C-2", "chain", "base", "C-3")]
    code, out = run("audit")
    assert code == 1
    assert out.splitlines()[:3] == [
        "Audit of 3 sessions teaching 4 concepts: 2 findings",
        "C-1 (2024-01-01): right (taught by right-notes) requires base: first taught later,"
        " in C-3 (2024-01-15)",
        "    why it is needed: the right branch extends the base",
    ]
    code, out = run("audit", "--format", "json")
    assert code == 1
    assert json.loads(out)["findings"][1]["concept"] == "chain"


def test_declaring_the_background_assumed_clears_the_audit(tmp_path: Path) -> None:
    data = tmp_path / "course"
    shutil.copytree(COURSE, data)
    text = (data / "course.yaml").read_text(encoding="utf-8")
    text = text.replace("    required: [right-notes]\n", "    required: [right-notes]\n"
                        "    assumes: [base]\n")  # fmt: skip
    (data / "course.yaml").write_text(text, encoding="utf-8")
    code, out = run("audit", data=data)
    assert (code, out) == (
        0,
        "Audit of 3 sessions teaching 4 concepts: every prerequisite of what a session teaches"
        " is taught by then or declared assumed.\n",
    )
    assert audit(open_store(data)).assumed == {"C-1": ["base"]}


def test_a_concept_never_taught_nor_assumed_is_a_finding(tmp_path: Path) -> None:
    data = tmp_path / "course"
    shutil.copytree(COURSE, data)
    text = (data / "course.yaml").read_text(encoding="utf-8")
    (data / "course.yaml").write_text(text.replace("teaches: [base]", "uses: [base]"))
    result = audit(open_store(data))
    assert {(f.concept, f.first_taught_in) for f in result.findings} == {
        ("right", None),
        ("chain", None),
        ("left", None),
    }
    code, out = run("audit", data=data)
    assert code == 1
    assert "requires base: never taught; declare it under the session's assumes" in out


def test_show_lists_authors_in_order_and_what_a_concept_unlocks(store: Any) -> None:
    work = show_node(store, "right-notes")
    assert work.values["authors"] == ["Zed Last", "Amy First", "Bob Middle",
                                      "et al. (list truncated)"]  # fmt: skip
    assert "dcterms:creator" not in work.values
    assert work.links["introduces"] == ["right (Right branch)"]
    assert work.links["uses"] == ["base (Base idea)"]
    base = show_node(store, "base")
    assert [u.split(":")[0] for u in base.links["unlocks"]] == ["chain", "left", "right"]
    assert base.links["taught by"] == ["base-notes (Notes on the base)"]
    goal = show_node(store, "goal")
    assert goal.links["broader"] == ["join (Join)"]
    join = show_node(store, "join")
    assert join.links["narrower"] == ["goal (Goal)"]
    assert join.links["motivated by"] == ["history: the join was first tried as a fix for the old"
                                          " method"]  # fmt: skip
    _, out = run("show", "right-notes")
    assert "  authors: Zed Last, Amy First, Bob Middle, et al. (list truncated)\n" in out


def test_the_first_author_is_a_one_line_query(store: Any) -> None:
    from fmgraph.query import run_query

    result = run_query(
        store,
        'SELECT ?name WHERE { ?w dcterms:identifier "right-notes" ;'
        " fm:authorship [ fm:position 1 ; fm:authorName ?name ] }",
    )
    assert [s["name"].value for s in result] == ["Zed Last"]  # type: ignore[union-attr]


def test_shacl_rejects_teaches_pointing_at_something_not_a_concept(tmp_path: Path) -> None:
    from pyoxigraph import NamedNode, Triple

    from fmgraph.build import catalog_triples
    from fmgraph.loader import load_catalog
    from fmgraph.validate import shacl_problems
    from fmgraph.vocab import FM, topic_iri, work_iri

    catalog = load_catalog(COURSE)
    triples = list(catalog_triples(catalog))
    bad = Triple(NamedNode(work_iri("base-notes")), NamedNode(FM.teaches),
                 NamedNode(topic_iri("core")))  # fmt: skip
    problems = shacl_problems([*triples, bad], catalog)
    assert [p.message for p in problems if "fm:teaches" in p.message] == [
        "SHACL: fm:teaches of a work must point to an fm:Concept. (fm:teaches ="
        " https://w3id.org/fmgraph/id/topic/core)"
    ]
    assert shacl_problems(triples, catalog) == []
