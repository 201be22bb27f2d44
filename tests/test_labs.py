"""The labs: student notebooks, instructor keys and nbgrader sources written from the chapters
(booktools.labs), checked without running them (tests/test_plain_kernel.py and tests/test_nbgrader.py run
them). For every chapter in _toc.yml: every exercise has a visible self-check and its points; the student
notebook and the key are plain Jupyter Markdown; no solution line leaks; bad input is named.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

import booktools.labs as labs
from calclib import checks

CHAPTERS = [p for p in labs.chapters(labs.ROOT) if labs.exercises(json.loads(p.read_text()))]
IDS = [p.stem for p in CHAPTERS]


def load(path):
    return json.loads(path.read_text())


def test_every_chapter_is_a_lab():
    """The chapters are the pages of the numbered parts of _toc.yml: each has exercises. The unnumbered parts
    (notes for instructors, the API reference, appendices) are not labs, and the root page is not a chapter."""
    toc = yaml.safe_load((labs.ROOT / "_toc.yml").read_text())
    default = (toc.get("defaults") or {}).get("numbered", False)
    chapters = [Path(c["file"]).stem for part in toc["parts"] if part.get("numbered", default)
                for c in part["chapters"]]
    assert chapters and set(chapters) == set(IDS), "every chapter must have exercises, and only chapters are labs"


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_every_exercise_has_a_visible_self_check(path):
    missing = [e.label for e in labs.exercises(load(path)) if not e.self_checks]
    assert not missing, f"exercises without a self-check cell (tag 'self-check'): {missing}"


def plain_chapter(path):
    """The chapter with a stand-in for its glued numbers (every key glued as 0.5): enough to test the
    structure of the student notebook and the key without running the chapter."""
    import re

    from booktools.markdown import book_index

    nb = load(path)
    keys = {m.split(":")[0] for c in nb["cells"] if c["cell_type"] == "markdown"
            for m in re.findall(r"\{glue(?::\w+)?\}`([^`]+)`", labs._source(c))}
    return labs.Chapter(path, nb, book_index(labs.ROOT), {k: {"text/plain": "0.5"} for k in keys})


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_student_notebook_and_key_are_plain_jupyter_markdown(path):
    from booktools.markdown import leftover_myst

    chap = plain_chapter(path)
    for version in (labs.student_notebook(chap), labs.instructor_key(chap)):
        for cell in version["cells"]:
            assert labs._source(cell).strip(), "an empty cell"
            if cell["cell_type"] == "markdown":
                assert not leftover_myst(labs._source(cell)), labs._source(cell)[:200]
        assert not [c for c in version["cells"] if labs.TAG_REMOVE in labs._tags(c)], "hidden cells are left out"


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_no_solution_leaks_into_the_student_notebook(path):
    chap = plain_chapter(path)
    student_text = labs.notebook_text(labs.student_notebook(chap))
    secret = labs.solution_lines(chap.nb)
    leaks = sorted(line for line in secret if line in student_text)
    assert not leaks, f"solution lines found in the student notebook: {leaks[:5]}"
    for tag in (labs.TAG_SOLUTION, labs.TAG_HIDDEN_CHECK):
        assert f'"{tag}"' not in student_text


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_the_key_is_the_student_notebook_with_solutions(path):
    chap = plain_chapter(path)
    key_code = [labs._source(c) for c in labs.instructor_key(chap)["cells"] if c["cell_type"] == "code"]
    for ex in labs.exercises(chap.nb):
        for i in ex.solution_cells:
            assert labs._source(chap.nb["cells"][i]) in key_code


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_nbgrader_source_metadata(path):
    nb = labs.nbgrader_notebook(plain_chapter(path))
    metas = [c["metadata"]["nbgrader"] for c in nb["cells"] if "nbgrader" in c["metadata"]]
    assert len({m["grade_id"] for m in metas}) == len(metas), "grade ids must be unique"
    solutions = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("solution")]
    assert solutions and all("### BEGIN SOLUTION" in c["source"] or c["cell_type"] == "markdown" for c in solutions)
    chap = load(path)
    total = sum(m.get("points", 0) for m in metas)
    expected = sum(c.get("metadata", {}).get("lab", {}).get(k, 0) for c in chap["cells"]
                   for k in ("points", "written_points"))
    assert total == pytest.approx(expected), "the exercises' points are what the chapter sets"


def test_unknown_chapters_and_missing_self_checks_are_named(tmp_path):
    with pytest.raises(labs.LabError, match="no lab named nonsense"):
        labs.lab_chapters(labs.ROOT, ["nonsense"])
    book = tmp_path / "book"
    book.mkdir()
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n- file: book/listed\n")
    exercise = {"cell_type": "markdown", "metadata": {}, "source": "```{exercise} T\n:label: ex-t\n\nDo it.\n```\n"}
    notebook = {"cells": [exercise], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    for name in ("listed", "unlisted"):
        (book / f"{name}.ipynb").write_text(json.dumps(notebook))
    with pytest.raises(labs.LabError, match="chapter 'unlisted'.*not listed in _toc.yml"):
        labs.lab_chapters(tmp_path, ["unlisted"])
    with pytest.raises(labs.LabError, match="chapter 'listed'.*ex-t have no self-check"):
        labs.lab_chapters(tmp_path, [])
    out = tmp_path / "out"
    broken = book / "broken.ipynb"
    broken.write_text(json.dumps({"cells": [exercise, {"cell_type": "code", "metadata": {}, "outputs": [],
                                                       "execution_count": None, "source": "1 / 0"}],
                                  "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    with pytest.raises(Exception):
        labs.write_labs(out, [book / "listed.ipynb", broken])  # the second cannot run
    assert not out.exists() or not any(out.rglob("*.ipynb")), "nothing may be left half-written"


# ---- the self-check helpers themselves ----------------------------------------------------------
def test_check_function_passes_and_reports_failures():
    assert checks.check_function(lambda x: x ** 2, lambda x: x * x, lambda rng: [(rng.normal(),) for _ in range(3)])
    with pytest.raises(checks.CheckFailed, match=r"on input \(2\).*expected 4, received 5"):
        checks.check_function(lambda x: x ** 2 + 1, lambda x: x * x, [(2.0,)], hint="square it")


def test_check_function_explains_bad_submissions_in_one_sentence():
    with pytest.raises(checks.CheckFailed, match="should be a function"):
        checks.check_function(3.0, np.sin, [(1.0,)])
    with pytest.raises(checks.CheckFailed, match="cannot be called with 2 argument"):
        checks.check_function(lambda x: x, lambda x, y: x, [(1.0, 2.0)])
    with pytest.raises(checks.CheckFailed, match="still a stub"):
        def stub(x):
            raise NotImplementedError
        checks.check_function(stub, np.sin, [(1.0,)])
    with pytest.raises(checks.CheckFailed, match="shape"):
        checks.check_function(lambda x: np.ones(3), lambda x: np.ones(2), [(1.0,)])
    with pytest.raises(checks.CheckFailed, match="number or an array"):
        checks.check_value("0.7", 0.7, name="p_hat")


def test_stub_keeps_the_interface_and_drops_the_body():
    solution = 'def central(f, x, h):\n    """Central difference."""\n    return (f(x + h) - f(x - h)) / (2 * h)\n\nanswer = central(np.sin, 0.0, 1e-5)\n'
    stub = labs.stub_source(solution)
    assert "def central(f, x, h):" in stub and '"""Central difference."""' in stub
    assert "return (f(x + h)" not in stub and "raise NotImplementedError" in stub and "answer" in stub
    namespace = {"np": np}
    exec(stub.split("# Your code")[0], namespace)
    with pytest.raises(NotImplementedError):
        namespace["central"](np.sin, 0.0, 1e-5)


def test_a_solution_in_several_cells_is_one_stub_that_raises():
    """A solution the book shows in two cells (one only defining a function) becomes one student stub,
    which raises NotImplementedError when run; the key keeps both cells as the book shows them."""
    from booktools.markdown import book_index

    def cell(kind, source, tags=()):
        extra = {"outputs": [], "execution_count": None} if kind == "code" else {}
        return {"cell_type": kind, "metadata": {"tags": list(tags)}, "source": source, **extra}

    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        cell("markdown", "```{exercise} Two parts\n:label: ex-two\n\nWrite `double` and set `y`.\n```\n"),
        cell("markdown", "```{solution-start} ex-two\n:class: dropdown\n```\n"),
        cell("code", 'def double(x):\n    """2 x."""\n    return 2 * x\n', ["solution"]),
        cell("markdown", "Then call it:"),
        cell("code", "y = double(3.0)\n", ["solution"]),
        cell("markdown", "```{solution-end}\n```\n"),
        cell("code", "assert y == 6.0\n", ["self-check"]),
    ]}
    chap = labs.Chapter(Path("two.ipynb"), nb, book_index(labs.ROOT), {})
    student = [c for c in labs.student_notebook(chap)["cells"] if c["cell_type"] == "code"]
    stubs = [labs._source(c) for c in student if "exercise-stub" in labs._tags(c)]
    assert len(stubs) == 1, stubs
    assert "def double(x):" in stubs[0] and "y = None" in stubs[0] and "return 2 * x" not in stubs[0]
    namespace: dict = {}
    with pytest.raises(NotImplementedError, match="compute y"):
        exec(stubs[0], namespace)
    with pytest.raises(NotImplementedError, match="write double"):
        namespace["double"](1.0)
    key = [labs._source(c) for c in labs.instructor_key(chap)["cells"] if c["cell_type"] == "code"]
    assert key[:2] == [labs._source(nb["cells"][2]), labs._source(nb["cells"][4])]


# ---- static promises of every chapter (booktools.audit) ----------------------------------------
@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_graders_test_only_what_the_statement_asks(path):
    from booktools import audit
    unstated = audit.unstated_graded_names(load(path))
    assert not unstated, ("checks read names the exercise statement never asks for (name them in the statement "
                          f"as inline code, or check only the stated names): {unstated}")


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_hidden_cells_do_not_change_what_the_student_sees(path):
    from booktools import audit
    nb = load(path)
    assert not audit.hidden_names_used_visibly(nb), "hidden cells define names that visible cells read"
    assert not audit.hidden_random_draws(nb), "hidden cells draw from a random generator that visible cells use"


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_every_exercise_sets_its_points(path):
    from booktools import audit
    assert not audit.missing_points(load(path))
