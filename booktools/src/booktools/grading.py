"""nbgrader: a chapter as an assignment that grades exactly what its exercises ask.

:func:`nbgrader_source` writes a chapter as an nbgrader *source* notebook (for
``nbgrader generate_assignment``):

* each solution cell keeps what the student sees in the student notebook (signatures, docstrings, the
  names to compute set to ``None``), with the work between ``### BEGIN SOLUTION`` and
  ``### END SOLUTION``, so that the release shows the same interface as the student notebook;
* each visible self-check becomes an autograded test, each hidden check a hidden autograded test run
  inside :func:`calclib.checks.graded` (an unanswered exercise then fails with calclib's "still a stub"
  message, not a ``NameError``); the exercise's ``lab.points`` are shared between them;
* an exercise with a written part (``lab.written_points``) gets a hand-graded answer cell whose model
  answer is the prose of the chapter's solution; no other solution prose reaches the release;
* every other cell is read-only.

:func:`answer_source` writes what a student might submit: the book's whole solution (``"key"``) or only
the statements that define the names the exercise asks for (``"minimal"``). The test suite grades both,
and the unanswered release, with the real nbgrader.
"""

from __future__ import annotations

import ast
import copy
from typing import Callable, Literal

from .labs import (TAG_HIDDEN_CHECK, TAG_REMOVE, TAG_SELF_CHECK, TAG_SOLUTION, Exercise, _docstring_end,
                   _first_line, _has_assert, _inside_gated_solution, _remove_prose_solutions, _source, _tags,
                   assigned_names, chapter_title, exercises, prose_solution)

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"


# =====================================================================================================
# Solution cells with nbgrader's solution regions
# =====================================================================================================
def _region(lines: list[str], start: int, stop: int, indent: str) -> list[str]:
    """Lines ``start:stop`` (0-based) between the solution delimiters, at ``indent``."""
    return [f"{indent}{BEGIN}", *lines[start:stop], f"{indent}{END}"]


def _function_with_region(node: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str]) -> list[str]:
    start = _first_line(node) - 1
    body_start = _docstring_end(node) or node.body[0].lineno - 1
    if body_start >= node.end_lineno:  # a function that is only a docstring
        return lines[start:node.end_lineno]
    indent = " " * node.body[0].col_offset
    return [*lines[start:body_start], *_region(lines, body_start, node.end_lineno, indent)]


def _class_with_regions(node: ast.ClassDef, lines: list[str]) -> list[str]:
    start = _first_line(node) - 1
    out = lines[start:_docstring_end(node) or node.lineno]
    indent = " " * node.body[0].col_offset
    pending: list[ast.stmt] = []

    def flush() -> None:
        if pending:
            out.extend(_region(lines, pending[0].lineno - 1, pending[-1].end_lineno, indent))
            pending.clear()

    body = node.body[1:] if _docstring_end(node) else node.body
    for item in body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
            flush()
            out.extend(["", *_function_with_region(item, lines)])
        elif isinstance(item, ast.Assign) and isinstance(item.value, ast.Name):  # aliases: __radd__ = __add__
            flush()
            out.extend(lines[item.lineno - 1:item.end_lineno])
        else:
            pending.append(item)
    flush()
    return out


def solution_with_regions(solution: str, wanted: set[str]) -> str:
    r"""A solution cell as nbgrader's source: the interface outside, the work inside solution regions.

    Functions and classes come first and keep their signatures and docstrings, their bodies in regions;
    every other statement follows in one region at the top level, after the ``wanted`` names it assigns
    are set to ``None``. In the release that region raises ``NotImplementedError``: the functions are
    defined before it, so a self-check says "still a stub" rather than ``NameError``.

    Examples
    --------
    >>> print(solution_with_regions('k = 2\ndef f(x):\n    "k times x."\n    return k * x\n\ny = f(3)\n', {"f", "y"}))
    def f(x):
        "k times x."
        ### BEGIN SOLUTION
        return k * x
        ### END SOLUTION
    <BLANKLINE>
    y = None
    ### BEGIN SOLUTION
    k = 2
    y = f(3)
    ### END SOLUTION
    <BLANKLINE>
    """
    tree = ast.parse(solution)
    lines = solution.splitlines()
    out: list[str] = []
    rest: list[ast.stmt] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out.extend([*_function_with_region(node, lines), ""])
        elif isinstance(node, ast.ClassDef):
            out.extend([*_class_with_regions(node, lines), ""])
        else:
            rest.append(node)
    if rest:
        names = [n for stmt in rest for n in assigned_names(stmt) if n in wanted]
        out.extend(f"{name} = None" for name in dict.fromkeys(names))
        out.append(BEGIN)
        for stmt in rest:
            out.extend(lines[stmt.lineno - 1:stmt.end_lineno])
        out.append(END)
    return "\n".join(out).rstrip() + "\n"


def _free_names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _defined(node: ast.stmt) -> set[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in node.names}
    return set(assigned_names(node))


def minimal_answer(solutions: list[str], wanted: set[str]) -> list[str]:
    """The least a student must write: of the exercise's solution cells, only the top-level statements
    that define a ``wanted`` name, and those they need (in the same cells). Prints, tables and
    intermediate values the statement does not ask for are left out.

    Examples
    --------
    >>> minimal_answer(["k = 2\\ndef f(x):\\n    return k * x\\n\\nprint(f(1))\\ntable = [f(1)]\\n"], {"f"})
    ['k = 2\\ndef f(x):\\n    return k * x\\n']
    """
    cells = [(ast.parse(src), src.splitlines()) for src in solutions]
    statements = [(c, node) for c, (tree, _) in enumerate(cells) for node in tree.body]
    keep: set[int] = set()
    needed = set(wanted)
    for k in range(len(statements) - 1, -1, -1):  # walk back: a statement is kept if later kept ones need it
        _, node = statements[k]
        if _defined(node) & needed:
            keep.add(k)
            needed |= _free_names(node)
    out = []
    for c, (tree, lines) in enumerate(cells):
        kept = [lines[_first_line(node) - 1:node.end_lineno]
                for k, (cc, node) in enumerate(statements) if cc == c and k in keep]
        out.append("\n".join(line for block in kept for line in block) + "\n" if kept else "pass\n")
    return out


# =====================================================================================================
# The source notebook
# =====================================================================================================
def _meta(grade_id: str, *, grade: bool = False, solution: bool = False, locked: bool = True,
          points: float | None = None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3, "solution": solution,
            "task": False}
    if points is not None:
        meta["points"] = points
    return meta


def split_points(total: float, n: int) -> list[float]:
    """``total`` points shared by ``n`` test cells, in hundredths, summing exactly to ``total``.

    >>> split_points(3, 2), split_points(1, 3)
    ([1.5, 1.5], [0.34, 0.33, 0.33])
    """
    hundredths = round(total * 100)
    shares = [hundredths // n + (1 if k < hundredths % n else 0) for k in range(n)]
    return [s / 100 for s in shares]


def exercise_points(nb: dict, exercise: Exercise) -> tuple[int, int]:
    """(autograded points, hand-graded points) of an exercise, from its statement cell's ``lab`` metadata."""
    meta = nb["cells"][exercise.cells[0]].get("metadata", {}).get("lab", {})
    return int(meta.get("points", 1)), int(meta.get("written_points", 0))


def _indent(src: str, by: str = "    ") -> str:
    return "\n".join(by + line if line.strip() else line for line in src.rstrip().splitlines())


def nbgrader_source(nb: dict, markdown: Callable[[str], str], wanted: Callable[[Exercise], set[str]]) -> dict:
    """The chapter as an nbgrader source notebook.

    Parameters
    ----------
    nb : dict
        The chapter notebook.
    markdown : callable
        Turns a markdown cell's MyST into plain Jupyter Markdown, solutions removed.
    wanted : callable
        The names an exercise's statement asks for.
    """
    owner = {i: ex for ex in exercises(nb) for i in ex.cells}
    auto_cells = {ex.label: [i for i in ex.cells if {TAG_SELF_CHECK, TAG_HIDDEN_CHECK} & set(_tags(nb["cells"][i]))]
                  for ex in exercises(nb)}
    shares = {label: dict(zip(cells, split_points(exercise_points(nb, owner[cells[0]])[0], len(cells))))
              for label, cells in auto_cells.items() if cells}
    gated = _inside_gated_solution(nb)
    cells: list[dict] = []
    for i, cell in enumerate(nb["cells"]):
        tags, src, ex = _tags(cell), _source(cell), owner.get(i)
        if i in gated:
            continue  # a prose solution: only ever the model answer of a hand-graded cell
        grade_id = f"{ex.label}-{i}" if ex else f"cell-{i}"
        new = {"cell_type": cell["cell_type"], "metadata": {}, "source": src}
        if "id" in cell:
            new["id"] = cell["id"]
        if cell["cell_type"] == "code":
            new.update(outputs=[], execution_count=None)
        if cell["cell_type"] == "markdown":
            text = markdown(_remove_prose_solutions(src))
            if not text.strip():
                continue
            new["source"] = text
            new["metadata"]["nbgrader"] = _meta(grade_id)
            cells.append(new)
            if ex is not None and i == ex.cells[0] and exercise_points(nb, ex)[1]:
                answer = prose_solution(nb, ex, markdown)
                if not answer.strip():
                    raise ValueError(f"exercise {ex.label} has written_points but no prose solution to grade against")
                cells.append({"cell_type": "markdown", "id": f"{ex.label}-written"[:64], "source": answer,
                              "metadata": {"nbgrader": _meta(f"{ex.label}-written", grade=True, solution=True,
                                                             locked=False, points=exercise_points(nb, ex)[1])}})
            continue
        if TAG_SOLUTION in tags:
            new["source"] = solution_with_regions(src, wanted(ex) if ex else set())
            new["metadata"]["nbgrader"] = _meta(grade_id, solution=True, locked=False)
        elif TAG_SELF_CHECK in tags:
            new["metadata"]["nbgrader"] = _meta(grade_id, grade=True, points=shares[ex.label][i])
        elif TAG_HIDDEN_CHECK in tags:
            names = ", ".join(repr(n) for n in sorted(wanted(ex)))
            new["source"] = (f"{BEGIN_HIDDEN}\nfrom calclib.checks import graded\n\nwith graded({names}):\n"
                             f"{_indent(src)}\n{END_HIDDEN}\n")
            new["metadata"]["nbgrader"] = _meta(grade_id, grade=True, points=shares[ex.label][i])
        elif TAG_REMOVE in tags and _has_assert(src):
            continue  # a hidden check of the text's numbers: the book's business, not the student's
        else:
            new["metadata"]["nbgrader"] = _meta(grade_id)
        cells.append(new)
    out = copy.deepcopy({k: v for k, v in nb.items() if k != "cells"})
    out["metadata"].pop("widgets", None)
    out["metadata"]["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    notice = {"cell_type": "markdown", "id": "booktools-nbgrader-notice", "metadata": {"nbgrader": _meta("notice")},
              "source": f"*Assignment: the chapter “{chapter_title(nb)}”.* Write your code where it says "
                        f"`YOUR CODE HERE`, and your written answers where it says `YOUR ANSWER HERE`; run each "
                        f"exercise's check after it."}
    out["cells"] = [notice, *cells]
    return out


def answer_source(nb: dict, kind: Literal["key", "minimal"], wanted: Callable[[Exercise], set[str]]) -> dict[str, str]:
    """grade_id -> code of each solution cell, as a student might submit it: the book's whole solution
    (``"key"``) or only what the statement asks for (``"minimal"``)."""
    answers = {}
    for ex in exercises(nb):
        sources = [_source(nb["cells"][i]) for i in ex.solution_cells]
        if kind == "minimal":
            sources = minimal_answer(sources, wanted(ex))
        for i, src in zip(ex.solution_cells, sources):
            answers[f"{ex.label}-{i}"] = src
    return answers


NBGRADER_CONFIG = '''# nbgrader configuration written by booktools (python3 dev.py labs --nbgrader).
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "{course}"
# calclib's checks can take a few seconds on a slow machine (the default is 30 s per cell).
c.ExecutePreprocessor.timeout = 300
'''
