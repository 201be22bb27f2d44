"""The labs: student notebooks and instructor keys written from the chapters (booktools.labs).

For every chapter in _toc.yml: every exercise has a visible self-check; the key is the chapter itself
(so nbval on book/ runs the key); the student notebook leaks no solution line, runs without error up to
its first stub, and fails every self-check while the stubs are in place; the nbgrader export carries
valid nbgrader metadata.
"""

from __future__ import annotations

import json

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

import booktools.labs as labs
from calclib import checks

CHAPTERS = [p for p in labs.chapters() if labs.exercises(json.loads(p.read_text()))]
IDS = [p.stem for p in CHAPTERS]


def load(path):
    return json.loads(path.read_text())


def test_every_chapter_is_a_lab():
    all_chapters = [p.stem for p in labs.chapters() if p.stem not in {"api", "intro", "instructors"}]
    assert all_chapters and set(all_chapters) == set(IDS), "every chapter must have exercises"


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_every_exercise_has_a_visible_self_check(path):
    missing = [e.label for e in labs.exercises(load(path)) if not e.self_checks]
    assert not missing, f"exercises without a self-check cell (tag 'self-check'): {missing}"


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_instructor_key_is_the_chapter(path):
    nb = load(path)
    key = labs.instructor_key(nb)
    assert [labs._source(c) for c in key["cells"][1:]] == [labs._source(c) for c in nb["cells"]]
    assert all(not c.get("outputs") for c in key["cells"] if c["cell_type"] == "code")


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_no_solution_leaks_into_the_student_notebook(path):
    nb = load(path)
    student_text = labs.notebook_text(labs.student_notebook(nb))
    secret = labs.solution_lines(nb)
    leaks = sorted(line for line in secret if line in student_text)
    assert not leaks, f"solution lines found in the student notebook: {leaks[:5]}"
    for tag in (labs.TAG_SOLUTION, labs.TAG_HIDDEN_CHECK):
        assert f'"{tag}"' not in student_text


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_student_notebook_runs_to_its_stubs_and_fails_its_checks(path, tmp_path):
    student = nbformat.from_dict(labs.student_notebook(load(path)))
    client = NotebookClient(student, timeout=120, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    seen_stub = False
    errors_before_stub = []
    for cell in student.cells:
        if cell.cell_type != "code":
            continue
        tags = cell.metadata.get("tags", [])
        errors = [o for o in cell.outputs if o.output_type == "error"]
        if "exercise-stub" in tags:
            seen_stub = True
            assert errors and errors[0].ename == "NotImplementedError", \
                f"a stub did not raise NotImplementedError: {cell.source[:80]!r}"
        elif labs.TAG_SELF_CHECK in tags:
            assert errors, f"a self-check passed with the stubs in place (a broken exercise): {cell.source[:80]!r}"
        elif not seen_stub and errors:
            errors_before_stub.append(f"{errors[0].ename}: {errors[0].evalue} in {cell.source[:60]!r}")
    assert seen_stub, "the student notebook has no stub"
    assert not errors_before_stub, errors_before_stub


@pytest.mark.parametrize("path", CHAPTERS[:1], ids=IDS[:1])
def test_nbgrader_export(path):
    nb = labs.nbgrader_notebook(load(path))
    metas = [c["metadata"]["nbgrader"] for c in nb["cells"]]
    assert len({m["grade_id"] for m in metas}) == len(metas), "grade ids must be unique"
    solutions = [c for c in nb["cells"] if c["metadata"]["nbgrader"]["solution"]]
    assert solutions and all("### BEGIN SOLUTION" in c["source"] for c in solutions)
    graded = [m for m in metas if m["grade"]]
    assert graded and all(m["points"] == 1 and m["locked"] for m in graded)


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
