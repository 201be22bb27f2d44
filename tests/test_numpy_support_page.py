"""The appendix that lists what calclib differentiates (book/numpy_support.ipynb).

The page is generated when the book is built, from calclib's registry, never typed in. Executed here (in a
kernel of this environment, as the book build executes it), its table must hold exactly the rows of
:func:`calclib.numpy_dispatch.supported_functions`, so the page cannot go stale; its outputs are rendered tables
(HTML, with a plain-text twin), not object reprs; and the page is in ``_toc.yml``, outside the numbered chapters,
and linked from the API page.
"""

from __future__ import annotations

import html.parser
import os
import re
from pathlib import Path

import nbformat
import pytest
import yaml

from calclib import numpy_dispatch, rules

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "book" / "numpy_support.ipynb"


class _Tables(html.parser.HTMLParser):
    """The body rows (lists of cell texts) of every ``<table class="...">`` of one class in an HTML text."""

    def __init__(self, css_class: str):
        super().__init__()
        self.css_class, self.rows, self._depth, self._row, self._cell = css_class, [], 0, None, None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and self.css_class in (dict(attrs).get("class") or "").split():
            self._depth += 1
        elif self._depth and tag == "tr":
            self._row = []
        elif self._row is not None and tag == "td":
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "table" and self._depth:
            self._depth -= 1
        elif tag == "td" and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._row:                       # header rows have <th> cells only
                self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _table_rows(htmls: list[str], css_class: str) -> list[list[str]]:
    parser = _Tables(css_class)
    for text in htmls:
        parser.feed(text)
    return parser.rows


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The page executed top to bottom, as the book build executes it (errors raise)."""
    from nbclient import NotebookClient

    nb = nbformat.read(PAGE, as_version=4)
    # The kernel starts in book/: a relative PYTHONPATH (PYTHONPATH=src) must keep pointing at this checkout.
    saved = os.environ.get("PYTHONPATH")
    if saved:
        os.environ["PYTHONPATH"] = os.pathsep.join(str(Path(p).resolve()) for p in saved.split(os.pathsep) if p)
    try:
        NotebookClient(nb, timeout=300, kernel_name="python3",
                       resources={"metadata": {"path": str(PAGE.parent)}}).execute()
    finally:
        if saved:
            os.environ["PYTHONPATH"] = saved
    return nb


def _outputs(nb) -> list[dict]:
    return [out for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", [])]


def test_the_table_is_exactly_the_generated_list(executed):
    htmls = [out["data"]["text/html"] for out in _outputs(executed) if "text/html" in out.get("data", {})]
    shown = _table_rows(htmls, "calclib-support")
    expected = [[row.name, row.rule.replace("``", ""), row.primitive or "—"]
                for row in numpy_dispatch.supported_functions()]
    assert len(shown) == len(expected)
    assert sorted(shown) == sorted(expected)

    text = "\n".join(htmls)
    count = re.search(r"(\d+) entries in (\d+) groups", text)
    assert count and int(count[1]) == len(expected), "the count on the page is computed from the list"
    groups = re.findall(r"<h4[^>]*>[^<]*\((\d+)\)</h4>", text)
    assert len(groups) == int(count[2]) and sum(map(int, groups)) == len(expected)
    assert f"{len(rules.PRIMITIVES)} primitives" in text


def test_the_outputs_are_tables_not_object_reprs(executed):
    outputs = _outputs(executed)
    assert outputs
    for out in outputs:
        assert out["output_type"] in {"display_data", "execute_result"}, out.get("text") or out.get("ename")
        assert {"text/html", "text/plain"} <= set(out["data"])
        assert not re.search(r"<[\w.]+ object|object at 0x|SupportedFunction\(", out["data"]["text/plain"])
        assert "<table" in out["data"]["text/html"] and "overflow-x:auto" in out["data"]["text/html"]
    conventions = _table_rows([o["data"]["text/html"] for o in outputs], "calclib-conventions")
    errors = _table_rows([o["data"]["text/html"] for o in outputs], "calclib-errors")
    assert conventions and all(row[2] for row in conventions)
    assert errors and all(row[1].startswith("TypeError:") for row in errors), errors


def test_the_page_is_an_appendix_in_the_toc_linked_from_the_api_page():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    parts = [part for part in toc["parts"] if {"file": "book/numpy_support"} in part["chapters"]]
    assert len(parts) == 1 and not parts[0].get("numbered"), "an appendix: in the toc, outside the numbered chapters"
    assert "{doc}`numpy_support`" in (ROOT / "book" / "api.md").read_text()
