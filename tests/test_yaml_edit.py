"""The YAML editing on its own: data-file text in, text out, and which way it was made."""

from __future__ import annotations

import pytest
import yaml

from fmgraph.errors import DataError
from fmgraph.importing.records import EntryUpdate
from fmgraph.importing.yaml_edit import edit_text

WORKS = """\
# works I keep by hand
works:
  - id: a  # the first one
    title: A
    urls: [https://a.org/]

  - id: b
    title: B
"""


def test_a_new_file_gets_a_header_and_its_entries() -> None:
    edited = edit_text(None, {"works": [{"id": "x", "title": "X", "year": 2020}]}, [], {})
    assert edited.how == "new"
    assert edited.text.startswith("# Written by `fmgraph import`: works.")
    assert yaml.safe_load(edited.text) == {"works": [{"id": "x", "title": "X", "year": 2020}]}


def test_an_append_splices_after_the_last_entry_and_keeps_every_other_byte() -> None:
    edited = edit_text(WORKS, {"works": [{"id": "c", "title": "C"}]}, [], {})
    assert edited.how == "splice"
    assert edited.text == WORKS + "\n  - id: c\n    title: C\n"


def test_an_update_rewrites_only_the_changed_field() -> None:
    update = EntryUpdate("works", "a", "works.yaml", 3)
    update.add("urls", ["https://a.org/pdf"], "add URL")
    update.set["year"] = 2021
    edited = edit_text(WORKS, {}, [update], {})
    assert edited.how == "splice"
    assert edited.text == WORKS.replace(
        "    urls: [https://a.org/]\n",
        "    urls: [https://a.org/, https://a.org/pdf]\n    year: 2021\n",
    )


def test_an_unusual_layout_is_dumped_whole_keeping_comments() -> None:
    flow = "# mine\nworks: [{id: a, title: A}]  # flow\n"
    edited = edit_text(flow, {"works": [{"id": "b", "title": "B"}]}, [], {})
    assert edited.how == "dump"
    assert "# mine" in edited.text and "# flow" in edited.text
    assert [w["id"] for w in yaml.safe_load(edited.text)["works"]] == ["a", "b"]


def test_an_entry_not_where_the_plan_says_is_an_error_naming_the_file() -> None:
    update = EntryUpdate("works", "a", "works.yaml", 99)
    update.set["year"] = 2021
    with pytest.raises(DataError, match="cannot find this entry") as caught:
        edit_text(WORKS, {}, [update], {}, file="works.yaml")
    assert caught.value.problems[0].file == "works.yaml"
