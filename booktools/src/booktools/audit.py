"""Static checks of a chapter's cells: what a grader may test, and what hidden cells may do.

Two promises of the labs are checked here by reading the code (``ast``), before anything runs:

* **A grader tests only what the statement asks.** Every name that a self-check or a hidden check reads
  from the exercise's solution must appear in the exercise statement (as inline code, ``name`` or
  ``name(...)``). Otherwise a student who did exactly what was asked fails a test with a ``NameError``.
* **Hidden cells never change what a student sees.** A hidden cell (tag ``remove-cell``) may not define a
  name that a visible cell reads (the reader could not see where it came from), and may not draw from
  a random generator that visible cells also use (the student notebook drops hidden checks, so its
  numbers would differ from the page's).
"""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass

from .labs import (TAG_HIDDEN_CHECK, TAG_REMOVE, TAG_SELF_CHECK, TAG_SOLUTION, Exercise, _source, _tags,
                   exercises)

IDENTIFIER_IN_CODE = re.compile(r"`([A-Za-z_][A-Za-z0-9_.]*)(?:\([^`]*\))?`")


def _parse(src: str) -> ast.Module:
    """A code cell as Python, with IPython's magics and shell lines blanked."""
    lines = ["" if ln.lstrip().startswith(("%", "!")) else ln for ln in src.splitlines()]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return ast.Module(body=[], type_ignores=[])


def bound_names(src: str) -> set[str]:
    """Names a cell binds at top level: assignments, ``def``, ``class``, imports, ``for``/``with`` targets."""
    names: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            return  # names inside a function or class body are its own
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(_parse(src))
    return names


def loaded_names(src: str) -> set[str]:
    """Global names a cell reads (names bound inside its own functions and comprehensions excluded)."""
    tree = _parse(src)
    local: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            args = node.args
            local.update(a.arg for a in [*args.args, *args.kwonlyargs, *args.posonlyargs])
            local.update(a.arg for a in (args.vararg, args.kwarg) if a)
            if not isinstance(node, ast.Lambda):
                local.update(n.id for b in node.body for n in ast.walk(b)
                             if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store))
        elif isinstance(node, ast.comprehension):
            local.update(n.id for n in ast.walk(node.target) if isinstance(n, ast.Name))
    loads = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return loads - local - set(dir(builtins))


def statement_names(nb: dict, exercise: Exercise) -> set[str]:
    """Identifiers written as inline code in the exercise's statement (``name`` or ``name(x, y)``)."""
    statement = _source(nb["cells"][exercise.cells[0]])
    statement = statement.split("{solution-start}")[0]
    return {m.group(1).split(".")[0] for m in IDENTIFIER_IN_CODE.finditer(statement)}


def graded_names(nb: dict, exercise: Exercise) -> set[str]:
    """Names defined by the exercise's solution that its self-checks or hidden checks read."""
    defined = set().union(*(bound_names(_source(nb["cells"][i])) for i in exercise.solution_cells))
    checks = [*exercise.self_checks, *exercise.hidden_checks]
    read = set().union(*(loaded_names(_source(nb["cells"][i])) for i in checks)) if checks else set()
    # a check cell may define its own helpers; those are not the student's
    own = set().union(*(bound_names(_source(nb["cells"][i])) for i in checks)) if checks else set()
    return (defined & read) - own


def unstated_graded_names(nb: dict) -> dict[str, list[str]]:
    """Exercise label -> graded names its statement never mentions (should be empty)."""
    found = {}
    for ex in exercises(nb):
        missing = sorted(graded_names(nb, ex) - statement_names(nb, ex))
        if missing:
            found[ex.label] = missing
    return found


def _hidden(cell: dict) -> bool:
    return cell["cell_type"] == "code" and TAG_REMOVE in _tags(cell)


def hidden_names_used_visibly(nb: dict) -> dict[int, list[str]]:
    """Hidden cell index -> names it binds that a visible cell reads and no visible cell binds."""
    cells = nb["cells"]
    visible_bound: set[str] = set()
    visible_read: set[str] = set()
    for cell in cells:
        if cell["cell_type"] == "code" and not _hidden(cell):
            visible_bound |= bound_names(_source(cell))
            visible_read |= loaded_names(_source(cell))
    found = {}
    for i, cell in enumerate(cells):
        if _hidden(cell):
            leaked = sorted((bound_names(_source(cell)) & visible_read) - visible_bound)
            if leaked:
                found[i] = leaked
    return found


def hidden_check_dependencies(nb: dict) -> dict[int, list[str]]:
    """Hidden check (``exercise-check``) index -> names it reads that nbgrader's assignment will not have.

    nbgrader keeps the visible cells, the solutions and the hidden *set-up* cells (``remove-cell`` without
    ``assert``), but not the hidden checks of the text's numbers: a hidden check may read only names
    defined in the former, or by itself.
    """
    from .labs import _has_assert

    cells = nb["cells"]
    available: set[str] = set()
    for cell in cells:
        tags = _tags(cell)
        if cell["cell_type"] != "code" or TAG_HIDDEN_CHECK in tags:
            continue
        if TAG_REMOVE in tags and _has_assert(_source(cell)):
            continue
        available |= bound_names(_source(cell))
    found = {}
    for i, cell in enumerate(cells):
        if TAG_HIDDEN_CHECK in _tags(cell):
            src = _source(cell)
            missing = sorted(loaded_names(src) - available - bound_names(src))
            if missing:
                found[i] = missing
    return found


RNG_CONSTRUCTOR = re.compile(r"^\s*([A-Za-z_]\w*)\s*=\s*(?:np\.random\.)?default_rng\([^()]*\)\s*(?:#.*)?$", re.M)
GLOBAL_RNG_CALL = re.compile(r"\bnp\.random\.(?!default_rng\b|Generator\b|SeedSequence\b)\w+\(")


def hidden_random_draws(nb: dict) -> dict[int, list[str]]:
    """Hidden cell index -> shared random generators it draws from (visible cells' generators, or
    NumPy's global random state). A hidden cell that needs random numbers makes its own generator."""
    cells = nb["cells"]
    shared = {m.group(1) for c in cells if c["cell_type"] == "code" and not _hidden(c)
              for m in RNG_CONSTRUCTOR.finditer(_source(c))}
    found = {}
    for i, cell in enumerate(cells):
        if not _hidden(cell):
            continue
        src = _source(cell)
        own = {m.group(1) for m in RNG_CONSTRUCTOR.finditer(src)}
        used = sorted((loaded_names(src) & shared) - own)
        if GLOBAL_RNG_CALL.search(src):
            used.append("np.random (global state)")
        if used:
            found[i] = used
    return found


WRITTEN_PART = re.compile(r"\b([Ss]how that|[Pp]rove|[Ee]xplain)\b")


def lab_metadata(nb: dict, exercise: Exercise) -> dict:
    """The ``lab`` metadata of the exercise's statement cell: ``points`` (autograded points) and, for an
    exercise with a written part graded by hand, ``written_points``."""
    return nb["cells"][exercise.cells[0]].get("metadata", {}).get("lab", {})


def missing_points(nb: dict) -> dict[str, str]:
    """Exercise label -> what is missing from its points (should be empty).

    Every exercise sets ``lab.points`` (an integer >= 1) on its statement cell; one whose statement asks
    to show, prove or explain something also sets ``lab.written_points``, the points of its hand-graded
    answer cell.
    """
    found = {}
    for ex in exercises(nb):
        meta = lab_metadata(nb, ex)
        statement = _source(nb["cells"][ex.cells[0]]).split("{solution-start}")[0]
        if not (isinstance(meta.get("points"), int) and meta["points"] >= 1):
            found[ex.label] = "set lab.points (autograded points, an integer >= 1) on the statement cell"
        elif WRITTEN_PART.search(statement) and not meta.get("written_points"):
            found[ex.label] = "the statement asks for a written answer: set lab.written_points"
    return found


@dataclass
class ChapterAudit:
    """Everything :mod:`booktools.audit` finds wrong in one chapter (all empty when it is right)."""

    unstated_graded_names: dict[str, list[str]]
    hidden_names_used_visibly: dict[int, list[str]]
    hidden_random_draws: dict[int, list[str]]
    missing_points: dict[str, str]
    hidden_check_dependencies: dict[int, list[str]]

    def ok(self) -> bool:
        return not (self.unstated_graded_names or self.hidden_names_used_visibly or self.hidden_random_draws
                    or self.missing_points or self.hidden_check_dependencies)


def audit(nb: dict) -> ChapterAudit:
    """All static checks of a chapter."""
    return ChapterAudit(unstated_graded_names(nb), hidden_names_used_visibly(nb), hidden_random_draws(nb),
                        missing_points(nb), hidden_check_dependencies(nb))


__all__ = ["audit", "ChapterAudit", "bound_names", "loaded_names", "graded_names", "statement_names",
           "unstated_graded_names", "hidden_names_used_visibly", "hidden_random_draws", "missing_points",
           "lab_metadata", "hidden_check_dependencies",
           "TAG_SOLUTION", "TAG_SELF_CHECK", "TAG_HIDDEN_CHECK"]
