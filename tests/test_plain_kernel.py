"""Every chapter, every student notebook and every key runs in a student's plain kernel.

The plain kernel is ``.venv-student`` (``requirements-student.txt``): calclib from this repository and the
scientific stack, as in JupyterLab, Binder or Colab, without jupyter-book, myst-nb or booktools. For every
chapter with exercises:

* the chapter itself runs top to bottom without an error;
* the instructor key (the student notebook with the solutions filled in) runs without an error and prints
  the same numbers as the chapter built with the book's tools: hidden cells change nothing a student sees;
* the student notebook runs to its first stub without an error; every stub then raises
  ``NotImplementedError`` and every self-check fails with calclib's message, not a ``NameError``.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import booktools.labs as labs
from student_kernel import ROOT, errors, execute, executed_chapter, chapter, printed_numbers, printed_text, run

pytestmark = pytest.mark.integration   # slow end to end: `python3 dev.py integration` runs it

CHAPTERS = [p for p in labs.chapters(ROOT) if labs.exercises(json.loads(p.read_text()))]
IDS = [p.stem for p in CHAPTERS]
STUB_MESSAGES = ("is still a stub", "has no value yet")


def test_the_plain_kernel_has_calclib_and_no_book_tooling(tmp_path):
    probe = ("import importlib.util, sys, calclib\n"
             "print(sys.prefix)\n"
             "print([m for m in ('myst_nb', 'jupyter_book', 'booktools', 'sphinx') if importlib.util.find_spec(m)])")
    nb = {"cells": [{"cell_type": "code", "metadata": {}, "source": probe, "outputs": [], "execution_count": None}],
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
          "nbformat": 4, "nbformat_minor": 5}
    out = printed_text(execute(nb, tmp_path, "probe")["cells"][0]).split("\n")
    assert out[0].endswith(".venv-student"), f"the kernel is not the plain environment's: {out[0]}"
    assert out[1] == "[]", f"the plain kernel must not have the book's tooling: {out[1]}"


def _varies(cell: dict) -> bool:
    """Cells whose printed numbers differ from run to run (timings): tagged ``output-varies``."""
    return "output-varies" in cell.get("metadata", {}).get("tags", [])


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_chapter_and_key_run_in_a_plain_kernel_and_print_the_chapters_numbers(path, tmp_path):
    plain = json.loads(path.read_text())
    ran = execute(plain, tmp_path, f"{path.stem}-chapter")
    assert not errors(ran), [f"{o['ename']}: {o['evalue']} in {''.join(c['source'])[:80]!r}" for c, o in errors(ran)]

    book = {c.get("id"): c for c in executed_chapter(path)["cells"]}
    key = execute(labs.instructor_key(chapter(path)), tmp_path, f"{path.stem}-key")
    assert not errors(key), [f"{o['ename']}: {o['evalue']} in {''.join(c['source'])[:80]!r}" for c, o in errors(key)]
    compared, differ = 0, []
    for cell in key["cells"]:
        original = book.get(cell.get("id"))
        if cell["cell_type"] != "code" or original is None or _varies(original):
            continue
        mine, theirs = printed_numbers(cell), printed_numbers(original)
        compared += len(theirs)
        if len(mine) != len(theirs) or not np.allclose(mine, theirs, rtol=1e-9, atol=1e-12, equal_nan=True):
            differ.append(f"{''.join(cell['source'])[:70]!r}:\n  key:     {printed_text(cell)[:300]!r}\n"
                          f"  chapter: {printed_text(original)[:300]!r}")
    assert compared > 0, "the key printed no numbers to compare"
    assert not differ, "the key prints other numbers than the chapter:\n" + "\n".join(differ)


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_student_notebook_runs_to_its_stubs_and_each_check_says_stub(path, tmp_path):
    student = execute(labs.student_notebook(chapter(path)), tmp_path, f"{path.stem}-student")
    seen_stub, problems = False, []
    for cell in student["cells"]:
        if cell["cell_type"] != "code":
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        errs = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        src = "".join(cell["source"])[:70]
        if "exercise-stub" in tags:
            seen_stub = True
            if not (errs and errs[0]["ename"] == "NotImplementedError"):
                problems.append(f"a stub did not raise NotImplementedError: {src!r}")
        elif labs.TAG_SELF_CHECK in tags:
            if not errs:
                problems.append(f"a self-check passed with the stubs in place: {src!r}")
            elif not (errs[0]["ename"] == "CheckFailed" and any(m in errs[0]["evalue"] for m in STUB_MESSAGES)):
                problems.append(f"a self-check failed without calclib's stub message "
                                f"({errs[0]['ename']}: {errs[0]['evalue'][:120]}): {src!r}")
        elif not seen_stub and errs:
            problems.append(f"{errs[0]['ename']}: {errs[0]['evalue']} before the first stub, in {src!r}")
    assert seen_stub, "the student notebook has no stub"
    assert not problems, "\n".join(problems)


def test_the_appendix_of_supported_functions_runs_in_a_plain_kernel(tmp_path):
    """book/numpy_support.ipynb is not a lab, but a student opens it in JupyterLab too: it runs in the plain
    kernel and shows its tables (as text too, not object reprs)."""
    ran = execute(json.loads((ROOT / "book" / "numpy_support.ipynb").read_text()), tmp_path, "numpy_support")
    assert not errors(ran), [f"{o['ename']}: {o['evalue']}" for c, o in errors(ran)]
    assert "entries in" in printed_text(ran["cells"][-1])
