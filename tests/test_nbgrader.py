"""The labs graded by the real nbgrader, as an instructor runs it.

For every chapter with exercises, in a fresh course folder: ``nbgrader generate_assignment``, then three
submissions ``nbgrader autograde``d in the plain environment (``.venv-student``, which has nbgrader 0.9):

* ``key`` — the book's solutions: full marks on every autograded test;
* ``stubs`` — the release as handed out: zero on every autograded test, each failing with calclib's
  "still a stub" / "has no value yet" message (not a ``NameError``);
* ``minimal`` — only the statements that define the names each exercise asks for: full marks, so the
  tests grade exactly what the statements ask.

Also: no line of a solution (code or prose) reaches the release, stubs keep their signatures and
docstrings, every "show that" part has a hand-graded answer cell, and ``generate_feedback`` runs.
"""

from __future__ import annotations

import json
import shutil

import pytest

import booktools.labs as labs
from booktools.grading import NBGRADER_CONFIG, answer_source
from student_kernel import ROOT, chapter, run

pytestmark = pytest.mark.integration   # slow end to end: `python3 dev.py integration` runs it

CHAPTERS = [p for p in labs.chapters(ROOT) if labs.exercises(json.loads(p.read_text()))]
IDS = [p.stem for p in CHAPTERS]
STUB_MESSAGES = ("is still a stub", "has no value yet")

SCORES = """
import json, sys
from nbgrader.api import Gradebook
lab = sys.argv[1]
out = {}
with Gradebook("sqlite:///gradebook.db") as gb:
    for student in ("key", "stubs", "minimal"):
        sub = gb.find_submission_notebook(lab, lab, student)
        out[student] = {g.name: [g.auto_score, g.max_score, g.cell_type]
                        for g in sub.grades if g.auto_score is not None or g.cell_type == "code"}
print(json.dumps(out))
"""


def _solution_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("solution") and c["cell_type"] == "code"]


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_nbgrader_round_trip(path, tmp_path):
    lab, chap = path.stem, chapter(path)
    course = tmp_path / "course"
    (course / "source" / lab).mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(NBGRADER_CONFIG.format(course="test-course"))
    source = labs.nbgrader_notebook(chap)
    (course / "source" / lab / f"{lab}.ipynb").write_text(json.dumps(source, ensure_ascii=False))
    run("nbgrader", "generate_assignment", lab, "--force", cwd=course)
    release = json.loads((course / "release" / lab / f"{lab}.ipynb").read_text())

    # nothing of a solution reaches the release; the stubs keep the interface
    release_text = json.dumps(release, ensure_ascii=False)
    leaks = sorted(line for line in labs.solution_lines(chap.nb) if line in release_text)
    assert not leaks, f"solution lines in the release: {leaks[:5]}"
    assert "### BEGIN" not in release_text
    written = [c for c in release["cells"] if c["cell_type"] == "markdown" and c["metadata"].get("nbgrader", {}).get("grade")]
    assert all("".join(c["source"]).strip() == "YOUR ANSWER HERE" for c in written)
    for ex in labs.exercises(chap.nb):
        if ex.cells and chap.nb["cells"][ex.cells[0]].get("metadata", {}).get("lab", {}).get("written_points"):
            assert any(c["metadata"]["nbgrader"]["grade_id"] == f"{ex.label}-written" for c in written), ex.label
        for i in ex.solution_cells:
            for line in labs.stub_source(labs._source(chap.nb["cells"][i])).splitlines():
                if line.lstrip().startswith(("def ", "class ")):
                    assert line in release_text, f"the release lost the interface line {line!r}"

    # three submissions
    answers = {"key": answer_source(chap.nb, "key", chap.wanted),
               "minimal": answer_source(chap.nb, "minimal", chap.wanted), "stubs": {}}
    for student, code in answers.items():
        submission = json.loads(json.dumps(release))
        for cell in _solution_cells(submission):
            grade_id = cell["metadata"]["nbgrader"]["grade_id"]
            if student != "stubs":
                cell["source"] = code[grade_id]
        folder = course / "submitted" / student / lab
        folder.mkdir(parents=True)
        (folder / f"{lab}.ipynb").write_text(json.dumps(submission, ensure_ascii=False))
    run("nbgrader", "autograde", lab, "--force", cwd=course)
    run("nbgrader", "generate_feedback", lab, "--force", cwd=course)
    scores = json.loads(run("python", "-c", SCORES, lab, cwd=course).stdout)

    auto = {name for name, (score, max_score, kind) in scores["key"].items() if kind == "code"}
    assert auto, "no autograded tests"
    # the scores, for the record (pytest -rP shows them): autograded points earned / available
    available = sum(scores["key"][n][1] for n in auto)
    print(f"{lab}: " + ", ".join(f"{student} {sum(scores[student][n][0] for n in auto):g}/{available:g}"
                                 for student in ("key", "stubs", "minimal"))
          + f" autograded points ({len(auto)} tests)")
    for student in ("key", "minimal"):
        lost = {n: s for n, s in scores[student].items() if n in auto and s[0] < s[1]}
        assert not lost, f"{student} lost points on {lost}: {_failures(course, student, lab, lost)}"
    earned = {n: s for n, s in scores["stubs"].items() if n in auto and s[0] > 0}
    assert not earned, f"the unanswered release earned points on {earned}"
    graded = course / "autograded" / "stubs" / lab / f"{lab}.ipynb"
    wrong_message = []
    for cell in json.loads(graded.read_text())["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") in auto:
            errs = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            if not errs or not any(m in errs[0]["evalue"] for m in STUB_MESSAGES):
                wrong_message.append((cell["metadata"]["nbgrader"]["grade_id"],
                                      errs[0]["ename"] + ": " + errs[0]["evalue"][:100] if errs else "no error"))
    assert not wrong_message, f"tests of the unanswered release that fail without calclib's stub message: {wrong_message}"
    assert (course / "feedback" / "key" / lab / f"{lab}.html").exists()
    shutil.rmtree(course / "autograded", ignore_errors=True)


def _failures(course, student, lab, lost) -> list[str]:
    nb = json.loads((course / "autograded" / student / lab / f"{lab}.ipynb").read_text())
    out = []
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") in lost:
            errs = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            out.append(f"{cell['metadata']['nbgrader']['grade_id']}: "
                       + (f"{errs[0]['ename']}: {errs[0]['evalue'][:300]}" if errs else "?"))
    return out
