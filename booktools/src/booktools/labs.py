"""Labs: every chapter as a student notebook and an instructor key, written from one source.

The exercises live once, in the chapter notebooks, marked with cell tags:

``solution``
    a code cell of an exercise's solution. In the student notebook it becomes a *stub*: each function it
    defines keeps its signature and docstring but raises ``NotImplementedError`` with a hint; any other
    code becomes a single ``raise NotImplementedError(...)`` naming the variables to compute.
``self-check``
    a visible check the student runs after the exercise; it calls :func:`calclib.checks.check_function` or
    :func:`calclib.checks.check_value`, which compare the student's work with calclib's own computation on fresh inputs.
    Kept in every version.
``exercise-check`` (with ``remove-cell``)
    a hidden check of the instructor's solution; removed from the student notebook.

Prose solutions (``{solution}`` blocks, and markdown between ``{solution-start}`` and ``{solution-end}``)
are removed from the student notebook too. Hidden checks of the text's numbers (``remove-cell`` cells with
``assert``) are removed; other hidden cells (set-up) are kept.

Command line::

    python -m booktools.labs [--out _build/labs] [--nbgrader] [chapter ...]

writes ``student/<chapter>.ipynb`` (solutions replaced by stubs, outputs cleared), ``key/<chapter>.ipynb``
(everything) and, with ``--nbgrader``, ``nbgrader/source/<chapter>/<chapter>.ipynb``: the key with
nbgrader's cell metadata (solution cells between ``### BEGIN SOLUTION`` / ``### END SOLUTION``,
self-checks as autograded test cells worth one point, hidden checks as hidden tests, everything else
read-only), ready for ``nbgrader generate_assignment``.
"""

from __future__ import annotations

import argparse
import ast
import copy
import inspect
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np

TAG_SOLUTION, TAG_SELF_CHECK, TAG_HIDDEN_CHECK, TAG_REMOVE = "solution", "self-check", "exercise-check", "remove-cell"
ROOT = Path(__file__).resolve().parents[3]  # the repository: booktools/src/booktools/labs.py


# =====================================================================================================
# Reading a chapter's exercises
# =====================================================================================================
EXERCISE_RE = re.compile(r"[`:]{3,}\{exercise\}[^\n]*\n(?:[^\n]*\n)*?:label:\s*(\S+)")
TITLE_RE = re.compile(r"\{exercise\}\s*([^\n]*)")
# A ```{solution} ...``` (or :::{solution}) block, up to its closing fence.
SOLUTION_BLOCK_RE = re.compile(r"(?P<fence>`{3,}|:{3,})\{solution\}.*?\n(?P=fence)[ \t]*(\n|$)", re.S)
SOLUTION_START_RE = re.compile(r"(?P<fence>`{3,}|:{3,})\{solution-start\}.*?\n(?P=fence)[ \t]*(\n|$)", re.S)
SOLUTION_END_RE = re.compile(r"(?P<fence>`{3,}|:{3,})\{solution-end\}.*?\n?(?P=fence)[ \t]*(\n|$)", re.S)


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _tags(cell: dict) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


@dataclass
class Exercise:
    """One exercise of a chapter: its label, title and the cells that belong to it."""

    label: str
    title: str
    cells: list[int] = field(default_factory=list)
    solution_cells: list[int] = field(default_factory=list)
    self_checks: list[int] = field(default_factory=list)
    hidden_checks: list[int] = field(default_factory=list)


def exercises(nb: dict) -> list[Exercise]:
    """The exercises of a notebook, each with the cells from its statement up to the next exercise."""
    found: list[Exercise] = []
    for i, cell in enumerate(nb["cells"]):
        src = _source(cell)
        if cell["cell_type"] == "markdown":
            for match in EXERCISE_RE.finditer(src):
                title = TITLE_RE.search(match.group(0)).group(1).strip()
                found.append(Exercise(match.group(1), title))
        if not found:
            continue
        current = found[-1]
        current.cells.append(i)
        tags = _tags(cell)
        if TAG_SOLUTION in tags:
            current.solution_cells.append(i)
        if TAG_SELF_CHECK in tags:
            current.self_checks.append(i)
        if TAG_HIDDEN_CHECK in tags:
            current.hidden_checks.append(i)
    return found


def learning_goals(nb: dict) -> list[str]:
    """The bullet points under the chapter's "Learning goals" heading."""
    for cell in nb["cells"]:
        src = _source(cell)
        if cell["cell_type"] == "markdown" and re.search(r"^#+\s*Learning goals", src, re.M):
            section = re.split(r"^#+\s*Learning goals[^\n]*\n", src, flags=re.M)[1]
            section = re.split(r"^#+\s", section, flags=re.M)[0]
            return [" ".join(b.split()) for b in re.findall(r"^- (.*?(?:\n  .*?)*)$", section, re.M)]
    return []


def chapter_title(nb: dict) -> str:
    for cell in nb["cells"]:
        match = re.search(r"^# (.+)$", _source(cell), re.M)
        if cell["cell_type"] == "markdown" and match:
            return match.group(1).strip()
    return "Untitled"


# =====================================================================================================
# Stubs
# =====================================================================================================
def stub_source(solution: str, exercise: Exercise | None = None, hint: str = "") -> str:
    """The student's version of a solution cell: the interface kept, the work replaced by
    ``raise NotImplementedError`` with a hint.

    Functions keep their signature and docstring; everything else becomes one ``raise`` naming the
    variables the cell must define.
    """
    tree = ast.parse(solution)
    lines = solution.splitlines()
    where = f"Exercise '{exercise.title}'" if exercise else "This exercise"
    hint_text = f" Hint: {hint}" if hint else ""
    out: list[str] = []
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            header_end = node.body[0].lineno - 1
            if isinstance(node.body[0], ast.Expr) and isinstance(getattr(node.body[0], "value", None), ast.Constant) \
                    and isinstance(node.body[0].value.value, str):
                header_end = node.body[0].end_lineno  # keep the docstring
            start = (node.decorator_list[0].lineno if node.decorator_list else node.lineno) - 1
            out.extend(lines[start:header_end])
            indent = " " * (node.body[0].col_offset)
            out.append(f"{indent}raise NotImplementedError({(where + ': write ' + node.name + '.' + hint_text)!r})")
            out.append("")
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names.extend(n.id for n in ast.walk(target) if isinstance(n, ast.Name) and n.id not in names)
    if names or not out:
        what = f"compute {', '.join(names)}" if names else "write your solution here"
        out.append(f"# Your code here: {what}.")
        out.append(f"raise NotImplementedError({(where + ': ' + what + '.' + hint_text)!r})")
    return "\n".join(out).rstrip() + "\n"


PROMPT = "**Your turn:** write your solution in the cell below, then run the self-check.\n"


def _remove_prose_solutions(src: str) -> str:
    """Markdown with every {solution} block removed, and everything from a {solution-start} marker to its
    {solution-end} (or the end of the cell, where the gated solution continues) replaced by a prompt."""
    src = SOLUTION_BLOCK_RE.sub("", src)
    while (start := SOLUTION_START_RE.search(src)) is not None:
        end = SOLUTION_END_RE.search(src, start.end())
        src = src[:start.start()] + PROMPT + (src[end.end():] if end else "")
    return SOLUTION_END_RE.sub("", src)


def _has_assert(src: str) -> bool:
    try:
        return any(isinstance(n, ast.Assert) for n in ast.walk(ast.parse(src)))
    except SyntaxError:
        return "assert" in src


def _inside_gated_solution(nb: dict) -> set[int]:
    """Indices of markdown cells strictly between a {solution-start} and its {solution-end}."""
    inside, opened = set(), False
    for i, cell in enumerate(nb["cells"]):
        src = _source(cell)
        if cell["cell_type"] == "markdown":
            if opened and "{solution-end}" not in src:
                inside.add(i)
            if "{solution-start}" in src:
                opened = True
            if "{solution-end}" in src:
                opened = False
    return inside


def _blank(cell: dict, source: str) -> dict:
    cell = copy.deepcopy(cell)
    cell["source"] = source
    if cell["cell_type"] == "code":
        cell["outputs"], cell["execution_count"] = [], None
    return cell


# =====================================================================================================
# The three versions
# =====================================================================================================
def _notice(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": text, "id": "calclib-labs-notice"}


def student_notebook(nb: dict) -> dict:
    """Solutions replaced by stubs, prose solutions and hidden checks removed, outputs cleared."""
    owner = {i: ex for ex in exercises(nb) for i in ex.cells}
    gated = _inside_gated_solution(nb)
    cells = []
    for i, cell in enumerate(nb["cells"]):
        tags, src = _tags(cell), _source(cell)
        if i in gated:
            continue
        if cell["cell_type"] == "markdown":
            cells.append(_blank(cell, _remove_prose_solutions(src)))
        elif TAG_SOLUTION in tags:
            hint = cell.get("metadata", {}).get("lab", {}).get("hint", "")
            stub = _blank(cell, stub_source(src, owner.get(i), hint))
            stub["metadata"]["tags"] = [t for t in tags if t != TAG_SOLUTION] + ["exercise-stub"]
            cells.append(stub)
        elif TAG_HIDDEN_CHECK in tags or (TAG_REMOVE in tags and _has_assert(src)):
            continue
        else:
            cells.append(_blank(cell, src))
    out = copy.deepcopy({k: v for k, v in nb.items() if k != "cells"})
    out["metadata"].pop("widgets", None)
    title = chapter_title(nb)
    out["cells"] = [_notice(f"*Student version of the chapter “{title}”.* The solutions are removed: each "
                            f"exercise has a cell that raises `NotImplementedError` until you write your code, "
                            f"and a self-check to run after it.")] + cells
    return out


def instructor_key(nb: dict) -> dict:
    """The chapter with every solution and check, outputs cleared."""
    out = copy.deepcopy(nb)
    out["cells"] = [_blank(c, _source(c)) for c in nb["cells"]]
    out["metadata"].pop("widgets", None)
    out["cells"].insert(0, _notice(f"*Instructor key of the chapter “{chapter_title(nb)}”*: solutions and all "
                                   f"checks included. Do not distribute."))
    return out


def nbgrader_notebook(nb: dict) -> dict:
    """The key with nbgrader metadata: solution, autograded test (1 point), hidden test, read-only cells."""
    out = instructor_key(nb)
    owner = {i + 1: ex for ex in exercises(nb) for i in ex.cells}  # +1: the notice cell
    for i, cell in enumerate(out["cells"]):
        tags, src = _tags(cell), _source(cell)
        ex = owner.get(i)
        grade_id = f"{ex.label if ex else 'cell'}-{i}"
        meta = {"grade": False, "grade_id": grade_id, "locked": True, "schema_version": 3, "solution": False,
                "task": False}
        if TAG_SOLUTION in tags:
            hint = cell.get("metadata", {}).get("lab", {}).get("hint", "")
            cell["source"] = (f"### BEGIN SOLUTION\n{src.rstrip()}\n### END SOLUTION\n"
                              + (f"# Hint: {hint}\n" if hint else ""))
            meta.update(solution=True, locked=False)
        elif TAG_SELF_CHECK in tags:
            meta.update(grade=True, points=1)
        elif TAG_HIDDEN_CHECK in tags:
            cell["source"] = f"### BEGIN HIDDEN TESTS\n{src.rstrip()}\n### END HIDDEN TESTS\n"
            meta.update(grade=True, points=1)
        cell.setdefault("metadata", {})["nbgrader"] = meta
    return out


def solution_lines(nb: dict) -> set[str]:
    """Lines that only a solution contains: what must never reach a student.

    Every stripped, non-trivial line of solution cells and prose solutions (whatever the student version
    of a markdown cell drops), less the interface the stub keeps (``def`` lines, docstrings), directive
    lines, and lines that also appear outside the solutions.
    """
    gated = _inside_gated_solution(nb)
    secret: set[str] = set()
    public: set[str] = set()
    for i, cell in enumerate(nb["cells"]):
        src = _source(cell)
        if TAG_SOLUTION in _tags(cell):
            kept = set(stub_source(src).splitlines())
            secret |= {ln.strip() for ln in src.splitlines() if ln not in kept}
        elif cell["cell_type"] == "markdown":
            shown = set() if i in gated else set(_remove_prose_solutions(src).splitlines())
            secret |= {ln.strip() for ln in src.splitlines() if ln not in shown}
            public |= {ln.strip() for ln in shown}
        else:
            public |= {ln.strip() for ln in src.splitlines()}
    directive = re.compile(r"^([`:]{3,}|:(class|label|nonumber|hidden):)")
    return {ln for ln in secret - public
            if len(ln) >= 8 and not ln.startswith("#") and ln not in ('"""', "'''") and not directive.match(ln)}


def notebook_text(nb: dict) -> str:
    """Everything in a notebook a student could read: sources, outputs and metadata."""
    return json.dumps(nb, ensure_ascii=False)


# =====================================================================================================
# Writing the labs
# =====================================================================================================
def chapters(root: Path = ROOT) -> list[Path]:
    """The chapter notebooks listed in ``_toc.yml``, in order."""
    toc = (root / "_toc.yml").read_text()
    files = re.findall(r"file:\s*(\S+)", toc)
    return [root / f"{f}.ipynb" for f in files if (root / f"{f}.ipynb").exists()]


def write_labs(out_dir: Path, notebooks: Iterable[Path], nbgrader: bool = False, keys: bool = True) -> list[dict]:
    """Write student notebooks and keys (and nbgrader sources); return one summary row per chapter."""
    summary = []
    for path in notebooks:
        nb = json.loads(path.read_text())
        versions = {"student": student_notebook(nb)}
        if keys:
            versions["key"] = instructor_key(nb)
        if nbgrader:
            versions[f"nbgrader/source/{path.stem}"] = nbgrader_notebook(nb)
        for folder, version in versions.items():
            target = out_dir / folder / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(version, indent=1, ensure_ascii=False) + "\n")
        found = exercises(nb)
        summary.append({"chapter": path.stem, "title": chapter_title(nb), "exercises": [e.title for e in found],
                        "self_checks": sum(len(e.self_checks) for e in found), "goals": learning_goals(nb),
                        "minutes": estimated_minutes(nb)})
    return summary


def estimated_minutes(nb: dict) -> int:
    """Time for a lab: reading at 100 words a minute (it is maths) plus 15 minutes an exercise, rounded to 5."""
    words = sum(len(_source(c).split()) for c in nb["cells"] if c["cell_type"] == "markdown")
    minutes = words / 100 + 15 * len(exercises(nb))
    return int(5 * round(minutes / 5))


def lab_table(root: Path = ROOT) -> str:
    """An HTML table of the labs: chapter, learning goals, estimated time, exercises (for the instructors' page)."""
    import html as html_lib

    rows = []
    for path in chapters(root):
        nb = json.loads(path.read_text())
        found = exercises(nb)
        if not found:
            continue
        goals = "".join(f"<li>{html_lib.escape(g)}</li>" for g in learning_goals(nb))
        exs = "".join(f"<li>{html_lib.escape(e.title)}</li>" for e in found)
        rows.append(f"<tr><td>{html_lib.escape(chapter_title(nb))}<br><code>{path.stem}</code></td>"
                    f"<td><ul>{goals}</ul></td><td>{estimated_minutes(nb)} min</td><td><ol>{exs}</ol></td></tr>")
    return ('<table class="calclib-labs"><thead><tr><th>Lab</th><th>Learning goals</th><th>Time</th>'
            f'<th>Exercises</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m booktools.labs", description=__doc__.split("\n\n")[0])
    parser.add_argument("chapters", nargs="*", help="chapter names (default: every chapter in _toc.yml)")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "labs")
    parser.add_argument("--nbgrader", action="store_true", help="also write nbgrader source notebooks")
    args = parser.parse_args(argv)
    notebooks = [p for p in chapters() if exercises(json.loads(p.read_text()))]  # pages without exercises are not labs
    if args.chapters:
        missing = set(args.chapters) - {p.stem for p in notebooks}
        if missing:
            parser.error(f"no lab named {', '.join(sorted(missing))}; labs: "
                         f"{', '.join(p.stem for p in notebooks)}")
        notebooks = [p for p in notebooks if p.stem in args.chapters]
    summary = write_labs(args.out, notebooks, args.nbgrader)
    for row in summary:
        print(f"{row['chapter']:<22} {len(row['exercises'])} exercises, {row['self_checks']} self-checks, "
              f"~{row['minutes']} min")
    print(f"Student notebooks in {args.out / 'student'}, keys in {args.out / 'key'}"
          + (f", nbgrader sources in {args.out / 'nbgrader' / 'source'}" if args.nbgrader else ""))


if __name__ == "__main__":
    main()
