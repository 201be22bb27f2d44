"""Labs: every chapter as a student notebook, an instructor key and an nbgrader assignment, from one source.

The exercises live once, in the chapter notebooks, marked with cell tags:

``solution``
    a code cell of an exercise's solution. In the student notebook it becomes a *stub*: functions and
    classes keep their signatures and docstrings but raise ``NotImplementedError`` with a hint; the values
    the statement asks for start as ``None``.
``self-check``
    a visible check the student runs after the exercise; it calls :func:`calclib.checks.check_function` or
    :func:`calclib.checks.check_value`, which compare the student's work with calclib's own computation on
    fresh inputs. Kept in every version.
``exercise-check`` (with ``remove-cell``)
    a hidden check of the solution; a hidden test in nbgrader, absent from the student notebook.

The statement cell of each exercise sets its points in its metadata (``lab.points``, and
``lab.written_points`` for a part graded by hand). Every version is written in plain Jupyter Markdown
(:mod:`booktools.markdown`): MyST roles and directives become Markdown, glued numbers their values, and
cross-references links to the website, so JupyterLab, Colab and VS Code show them as the website does.
Hidden cells (``remove-cell``) are left out of the student notebook and the key.

Command line::

    python -m booktools.labs [--out _build/labs] [--nbgrader] [chapter ...]

writes ``student/<chapter>.ipynb`` (solutions replaced by stubs, outputs cleared), ``key/<chapter>.ipynb``
(the student notebook with the solutions filled in) and, with ``--nbgrader``, an nbgrader course folder
``nbgrader/`` (``nbgrader_config.py`` and ``source/<chapter>/<chapter>.ipynb``, see
:mod:`booktools.grading`), ready for ``nbgrader generate_assignment``.
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

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
def _docstring_end(node: ast.AST) -> int | None:
    """Last line of a function's or class's docstring, or None if it has none."""
    first = node.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        return first.end_lineno
    return None


def _first_line(node: ast.stmt) -> int:
    """First line of a statement (1-based), its decorators included."""
    decorators = getattr(node, "decorator_list", None)
    return decorators[0].lineno if decorators else node.lineno


def assigned_names(node: ast.stmt) -> list[str]:
    """Names a top-level statement assigns (``a, b = ...``, ``a: float = ...``, ``a += ...``)."""
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        targets = [node.target]
    else:
        return []
    return [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]


def _stub_function(node: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str], message: str) -> list[str]:
    """A function's decorators, signature and docstring, and a body that raises NotImplementedError."""
    start = _first_line(node) - 1
    header_end = _docstring_end(node) or node.body[0].lineno - 1
    indent = " " * node.body[0].col_offset
    return [*lines[start:header_end], f"{indent}raise NotImplementedError({message!r})", ""]


def _stub_class(node: ast.ClassDef, lines: list[str], where: str, hint_text: str) -> list[str]:
    """A class's header and docstring, each method stubbed, and aliases such as ``__radd__ = __add__``."""
    start = _first_line(node) - 1
    out = lines[start:_docstring_end(node) or node.lineno]
    for item in node.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out.extend(_stub_function(item, lines, f"{where}: write {node.name}.{item.name}.{hint_text}"))
        elif isinstance(item, ast.Assign) and isinstance(item.value, ast.Name):
            out.extend([*lines[item.lineno - 1:item.end_lineno], ""])
    if out == lines[start:node.lineno]:  # no docstring, no methods: keep the class valid Python
        out.append(" " * (node.col_offset + 4) + "pass")
    return [*out, ""]


def stub_source(solution: str, exercise: Exercise | None = None, hint: str = "",
                wanted: set[str] | None = None) -> str:
    """The student's version of a solution cell: the interface kept, the work replaced by
    ``raise NotImplementedError`` with a hint.

    Functions keep their decorators, signature and docstring; classes keep their header, docstring and
    every method's signature and docstring. The values the cell must compute (those named in ``wanted``,
    the statement's names, when given) start as ``None``, so a self-check says "has no value yet", and
    one ``raise`` names them.
    """
    tree = ast.parse(solution)
    lines = solution.splitlines()
    where = f"Exercise '{exercise.title}'" if exercise else "This exercise"
    hint_text = f" Hint: {hint}" if hint else ""
    out: list[str] = []
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out.extend(_stub_function(node, lines, f"{where}: write {node.name}.{hint_text}"))
        elif isinstance(node, ast.ClassDef):
            out.extend(_stub_class(node, lines, where, hint_text))
        else:
            names.extend(n for n in assigned_names(node) if n not in names)
    asked = [n for n in names if wanted is None or n in wanted]
    if names or not out:
        what = f"compute {', '.join(asked)}" if asked else "write your solution here"
        out.append(f"# Your code here: {what}.")
        out.extend(f"{name} = None" for name in asked)
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


def _solution_body(block: str) -> str:
    """The body of a ``{solution}`` block: without its fences and option lines."""
    lines = block.strip().splitlines()[1:-1]
    return "\n".join(ln for ln in lines if not re.match(r"^:[a-z-]+:", ln)).strip()


def prose_solution(nb: dict, exercise: Exercise, markdown: Callable[[str], str] = lambda s: s) -> str:
    """The written part of an exercise's solution: its ``{solution}`` blocks and the markdown cells inside
    its solution gate, each turned into plain Markdown by ``markdown``."""
    parts = []
    gated = _inside_gated_solution(nb)
    for i in exercise.cells:
        cell = nb["cells"][i]
        if cell["cell_type"] != "markdown":
            continue
        src = _source(cell)
        if i in gated:
            parts.append(markdown(src))
        for match in SOLUTION_BLOCK_RE.finditer(src):
            if exercise.label in match.group(0).splitlines()[0]:
                parts.append(markdown(_solution_body(match.group(0))))
    return "\n\n".join(p.strip() for p in parts if p.strip())


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
# A chapter, ready to be written as a lab
# =====================================================================================================
@dataclass
class Chapter:
    """A chapter notebook with what its plain-Markdown versions need: the book's labels and links
    (``index``) and the numbers its text glues in (``glue``, from an executed copy of the chapter)."""

    path: Path
    nb: dict
    index: Any
    glue: dict

    @property
    def page(self) -> str:
        return f"book/{self.path.stem}"

    def markdown(self, solutions: str = "drop") -> Callable[[str], str]:
        """MyST -> plain Jupyter Markdown for this chapter's cells."""
        from .markdown import to_plain_markdown

        return lambda src: to_plain_markdown(src, page=self.page, index=self.index, glue=self.glue,
                                             solutions=solutions)

    def wanted(self, exercise: Exercise) -> set[str]:
        """The names the exercise asks for: named in its statement and defined by its solution."""
        from .audit import bound_names, statement_names

        defined = set().union(*(bound_names(_source(self.nb["cells"][i])) for i in exercise.solution_cells))
        return statement_names(self.nb, exercise) & defined


def execute_chapter(path: Path, timeout: int = 300) -> dict:
    """The chapter executed top to bottom in this environment's ``python3`` kernel (for its glued numbers)."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.reads(path.read_text(), as_version=4)
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return nbformat.to_dict(nb) if hasattr(nbformat, "to_dict") else json.loads(nbformat.writes(nb))


def load_chapter(path: Path, index: Any = None, executed: dict | None = None) -> Chapter:
    """A chapter with its index and glued numbers; executes it unless an executed copy is given."""
    from .markdown import book_index, glue_values

    root = find_root(path)
    return Chapter(path, json.loads(path.read_text()), index or book_index(root),
                   glue_values(executed if executed is not None else execute_chapter(path)))


# =====================================================================================================
# The three versions
# =====================================================================================================
def _notice(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": text, "id": "booktools-labs-notice"}


def _chapter_link(chapter: Chapter) -> str:
    title = chapter_title(chapter.nb)
    return f"[{title}]({chapter.index.site_url}{chapter.page}.html)"


def _plain_cells(chapter: Chapter, *, with_solutions: bool) -> list[dict]:
    """The chapter's cells for a reader of plain Jupyter: markdown converted, hidden cells dropped,
    solutions kept (key) or replaced by stubs (student), outputs cleared, no empty cells."""
    nb = chapter.nb
    owner = {i: ex for ex in exercises(nb) for i in ex.cells}
    gated = _inside_gated_solution(nb)
    to_markdown = chapter.markdown("keep" if with_solutions else "drop")
    cells = []
    last_stub: tuple[Exercise, str] | None = None   # when cells[-1] is a stub: its exercise and solution
    for i, cell in enumerate(nb["cells"]):
        tags, src = _tags(cell), _source(cell)
        if cell["cell_type"] == "markdown":
            if i in gated and not with_solutions:
                continue
            text = to_markdown(src if with_solutions else _remove_prose_solutions(src))
            if text.strip():
                cells.append(_blank(cell, text))
                last_stub = None
        elif TAG_REMOVE in tags:
            continue  # hidden on the website: checks of the text's numbers and of the solutions
        elif TAG_SOLUTION in tags and not with_solutions:
            ex = owner.get(i)
            hint = cell.get("metadata", {}).get("lab", {}).get("hint", "")
            if last_stub and last_stub[0] is ex and ex is not None:
                # A solution shown in several cells is one stub: the student writes it in one place, and
                # it raises NotImplementedError even where one of the cells only defines functions.
                src = last_stub[1] + "\n\n" + src
                first = cells.pop()
                hint = hint or first["metadata"].get("lab", {}).get("hint", "")
            stub = _blank(cell, stub_source(src, ex, hint, chapter.wanted(ex) if ex else None))
            stub["metadata"]["tags"] = [t for t in tags if t != TAG_SOLUTION] + ["exercise-stub"]
            cells.append(stub)
            last_stub = (ex, src)
        elif src.strip():
            cells.append(_blank(cell, src))
            last_stub = None
    return cells


def _plain_notebook(chapter: Chapter, cells: list[dict], notice: str) -> dict:
    out = copy.deepcopy({k: v for k, v in chapter.nb.items() if k != "cells"})
    out["metadata"].pop("widgets", None)
    out["metadata"]["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    out["cells"] = [_notice(notice), *cells]
    return out


def student_notebook(chapter: Chapter) -> dict:
    """The chapter for a student, in plain Jupyter Markdown: each solution replaced by a stub that keeps
    its interface, prose solutions and hidden cells removed, outputs cleared."""
    return _plain_notebook(chapter, _plain_cells(chapter, with_solutions=False),
                           f"*Student version of the chapter {_chapter_link(chapter)} of* Computing Derivatives. "
                           f"Each exercise has a cell that raises `NotImplementedError` until you write your code "
                           f"there, and a self-check to run after it. Needs `calclib` "
                           f"(`pip install` it from the book's repository).")


def instructor_key(chapter: Chapter) -> dict:
    """The student notebook with the solutions filled in (code and prose), for instructors."""
    return _plain_notebook(chapter, _plain_cells(chapter, with_solutions=True),
                           f"*Instructor key of the chapter {_chapter_link(chapter)}*: the student notebook with "
                           f"every solution filled in. Do not distribute.")


def nbgrader_notebook(chapter: Chapter) -> dict:
    """The chapter as an nbgrader source notebook (see :mod:`booktools.grading`)."""
    from .grading import nbgrader_source

    return nbgrader_source(chapter.nb, chapter.markdown("drop"), chapter.wanted)


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
def find_root(start: Path | None = None) -> Path:
    """The book's root: the nearest folder, from ``start`` (default: the working directory) upwards, that
    holds ``_toc.yml``; else the repository this file is in."""
    here = (start or Path.cwd()).resolve()
    for folder in [here, *here.parents]:
        if (folder / "_toc.yml").exists():
            return folder
    return ROOT


def chapters(root: Path | None = None) -> list[Path]:
    """The chapter notebooks listed in ``_toc.yml``, in order."""
    root = root or find_root()
    toc = (root / "_toc.yml").read_text()
    files = re.findall(r"file:\s*(\S+)", toc)
    return [root / f"{f}.ipynb" for f in files if (root / f"{f}.ipynb").exists()]


class LabError(ValueError):
    """A chapter cannot be written as a lab; the message names the chapter and what is missing."""


def lab_chapters(root: Path, names: Sequence[str] = ()) -> list[Path]:
    """The chapters to write as labs (all chapters with exercises, or those named), checked first:
    an unknown name, a notebook missing from ``_toc.yml`` or an exercise without a self-check is a
    :class:`LabError` naming the chapter and what to do."""
    listed = chapters(root)
    labs = [p for p in listed if exercises(json.loads(p.read_text()))]
    chosen = labs
    if names:
        unknown = []
        for name in names:
            stem = Path(name).stem
            if stem in {p.stem for p in labs}:
                continue
            if (root / "book" / f"{stem}.ipynb").exists() and stem not in {p.stem for p in listed}:
                raise LabError(f"chapter '{stem}': book/{stem}.ipynb is not listed in _toc.yml; add "
                               f"`- file: book/{stem}` to _toc.yml first")
            unknown.append(name)
        if unknown:
            raise LabError(f"no lab named {', '.join(unknown)}; the labs are: {', '.join(p.stem for p in labs)}")
        chosen = [p for p in labs if p.stem in {Path(n).stem for n in names}]
    for path in chosen:
        unchecked = [e.label for e in exercises(json.loads(path.read_text())) if not e.self_checks]
        if unchecked:
            raise LabError(f"chapter '{path.stem}': exercise(s) {', '.join(unchecked)} have no self-check cell "
                           f"(a code cell tagged 'self-check' after the solution); see CONTRIBUTING.md")
    return chosen


def executed_copy(path: Path, build_dir: Path | None) -> dict | None:
    """The chapter as the last book build executed it (``_build/jupyter_execute``), if that copy is newer
    than the chapter; else None."""
    if build_dir is None:
        return None
    copy_path = build_dir / "jupyter_execute" / "book" / path.name
    if not (copy_path.exists() and copy_path.stat().st_mtime >= path.stat().st_mtime):
        return None
    nb = json.loads(copy_path.read_text())
    glued = copy_path.with_suffix(".glue.json")  # myst-nb moves the glued outputs out of the notebook
    if glued.exists():
        outputs = list(json.loads(glued.read_text()).values())
        nb["cells"].append({"cell_type": "code", "metadata": {}, "source": "", "outputs": outputs,
                            "execution_count": None})
    return nb


def write_labs(out_dir: Path, notebooks: Iterable[Path], nbgrader: bool = False, keys: bool = True,
               build_dir: Path | None = None, log: Callable[[str], None] = lambda line: None) -> list[dict]:
    """Write student notebooks and keys (and an nbgrader course folder); return one row per chapter.

    Everything is written into a temporary folder beside ``out_dir`` first and moved into place only when
    every chapter succeeded, so a failure leaves no half-written labs.
    """
    import shutil
    import tempfile

    from .grading import NBGRADER_CONFIG
    from .markdown import book_index

    notebooks = list(notebooks)
    if not notebooks:
        return []
    root = find_root(notebooks[0].parent)
    index = book_index(root)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    summary = []
    with tempfile.TemporaryDirectory(dir=out_dir.parent, prefix=f".{out_dir.name}-") as tmp:
        staging = Path(tmp)
        for path in notebooks:
            log(f"{path.stem}: running the chapter for the numbers its text quotes ...")
            chapter = load_chapter(path, index, executed_copy(path, build_dir))
            versions = {"student": student_notebook(chapter)}
            if keys:
                versions["key"] = instructor_key(chapter)
            if nbgrader:
                versions[f"nbgrader/source/{path.stem}"] = nbgrader_notebook(chapter)
            for folder, version in versions.items():
                target = staging / folder / path.name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(json.dumps(version, indent=1, ensure_ascii=False) + "\n")
            found = exercises(chapter.nb)
            summary.append({"chapter": path.stem, "title": chapter_title(chapter.nb),
                            "exercises": [e.title for e in found],
                            "self_checks": sum(len(e.self_checks) for e in found), "goals": learning_goals(chapter.nb),
                            "minutes": estimated_minutes(chapter.nb)})
        if nbgrader:
            (staging / "nbgrader" / "nbgrader_config.py").write_text(NBGRADER_CONFIG.format(course="computing-derivatives"))
        for folder in staging.iterdir():  # all chapters written: move them into place
            target = out_dir / folder.name
            target.mkdir(parents=True, exist_ok=True)
            for item in folder.rglob("*"):
                if item.is_file():
                    dest = target / item.relative_to(folder)
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.move(str(item), dest)
    return summary


def estimated_minutes(nb: dict) -> int:
    """Time for a lab: reading at 100 words a minute (it is maths) plus 15 minutes an exercise, rounded to 5."""
    words = sum(len(_source(c).split()) for c in nb["cells"] if c["cell_type"] == "markdown")
    minutes = words / 100 + 15 * len(exercises(nb))
    return int(5 * round(minutes / 5))


def lab_overview(root: Path | None = None) -> str:
    """The labs, for the instructors' page, as MyST Markdown: per chapter its title (a link), the estimated
    time, the learning goals and the exercises (each a link to it).

    The goals and titles are the chapters' own MyST (bold, maths, ``{py:func}`` roles), so the page must
    render it as MyST (``nb_render_markdown_format: myst``); no table, so that it fits a phone's width.
    """
    blocks = []
    for number, path in enumerate(chapters(root), start=1):
        nb = json.loads(path.read_text())
        found = exercises(nb)
        if not found:
            continue
        goals = "\n".join(f"- {goal}" for goal in learning_goals(nb))
        exs = "\n".join(f"{i}. {{ref}}`{e.title} <{e.label}>`" if e.label else f"{i}. {e.title}"
                         for i, e in enumerate(found, start=1))
        blocks.append(f"**{{doc}}`{chapter_title(nb)} <{path.stem}>`** (lab `{path.stem}`, about "
                      f"{estimated_minutes(nb)} min, {len(found)} exercises)\n\n"
                      f"Learning goals:\n\n{goals}\n\nExercises:\n\n{exs}\n")
    return "\n".join(blocks)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m booktools.labs", description=__doc__.split("\n\n")[0])
    parser.add_argument("chapters", nargs="*", help="chapter names (default: every chapter in _toc.yml with exercises)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: _build/labs)")
    parser.add_argument("--nbgrader", action="store_true", help="also write an nbgrader course folder")
    args = parser.parse_args(argv)
    root = find_root()
    out = args.out or root / "_build" / "labs"
    try:
        notebooks = lab_chapters(root, args.chapters)
        summary = write_labs(out, notebooks, args.nbgrader, build_dir=root / "_build",
                             log=lambda line: print(line, flush=True))
    except (LabError, ValueError) as exc:
        parser.exit(2, f"python -m booktools.labs: error: {exc}\n")
    for row in summary:
        print(f"{row['chapter']:<22} {len(row['exercises'])} exercises, {row['self_checks']} self-checks, "
              f"~{row['minutes']} min")
    print(f"Student notebooks in {out / 'student'}, keys in {out / 'key'}"
          + (f", the nbgrader course in {out / 'nbgrader'} (source/<chapter>/, nbgrader_config.py)"
             if args.nbgrader else ""))


if __name__ == "__main__":
    main()
