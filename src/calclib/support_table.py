r"""What calclib differentiates, as tables: every supported NumPy function with its rule, the conventions
where there is no derivative, and the errors for what stays out.

The rows come from calclib's own registry (:func:`calclib.numpy_dispatch.supported_functions`, which reads
the tables of :mod:`calclib.rules`), so a table is always the list of what the installed calclib does. Each
function returns a :class:`Table`: HTML in a notebook or on the website, the same rows as plain text in a
terminal.

>>> table = Table(["f", "f'"], [["sin x", "cos x"]])
>>> print(repr(table))
f | f'
sin x | cos x
"""

from __future__ import annotations

import html
import inspect
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

__all__ = ["Table", "Tables", "code_html", "numbers", "conventions_table", "errors_table", "supported_table",
           "group_of"]


def code_html(text: str) -> str:
    """``text`` as HTML code that may break after a dot or an underscore (``np.linalg.matrix_power``), so a
    long name wraps on a phone instead of widening the page."""
    return "<code>" + re.sub(r"([._])", r"\1<wbr>", html.escape(text)) + "</code>"


def numbers(v: Any) -> str:
    """A number, or a tuple of numbers, in 4 significant digits; ``NaN`` and ``∞`` spelled out.

    >>> numbers(0.5), numbers([1.0, np.inf, np.nan])
    ('0.5', '(1, ∞, NaN)')
    """
    v = np.atleast_1d(np.asarray(v, dtype=float))
    text = ", ".join("NaN" if np.isnan(a) else ("∞" if np.isinf(a) else f"{a:.4g}") for a in v)
    return text if v.size == 1 else f"({text})"


def _plain(cell: Any) -> str:
    return re.sub(r"<[^>]+>", "", html.unescape(str(cell)))


@dataclass
class Table:
    """Rows of HTML cells under a header: shown as an HTML table (scrolling sideways inside its own box
    when wider than the page), or as plain text lines ``a | b | c``."""

    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    css_class: str = "calclib-table"

    def _repr_html_(self) -> str:
        cell = "<td style='padding:2px 8px; overflow-wrap:break-word'>{}</td>"
        head = "".join(f"<th style='text-align:left; padding:2px 8px'>{h}</th>" for h in self.header)
        body = "".join("<tr>" + "".join(cell.format(c) for c in row) + "</tr>" for row in self.rows)
        return (f"<div style='overflow-x:auto; max-width:100%'><table class='{self.css_class}' style='border-"
                f"collapse:collapse; font-size:0.9em'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")

    def __repr__(self) -> str:
        return "\n".join(" | ".join(_plain(c) for c in row) for row in [self.header, *self.rows])


@dataclass
class Tables:
    """A summary line, then titled tables (the grouped list of supported functions)."""

    summary: str
    groups: list[tuple[str, Table]] = field(default_factory=list)

    def _repr_html_(self) -> str:
        parts = [f"<p>{html.escape(self.summary)}</p>"]
        for title, table in self.groups:
            parts += [f"<h4 style='margin-top:1.2em'>{html.escape(title)} ({len(table.rows)})</h4>",
                      table._repr_html_()]
        return "\n".join(parts)

    def __repr__(self) -> str:
        lines = [self.summary]
        for title, table in self.groups:
            lines += ["", f"{title} ({len(table.rows)})", repr(table)]
        return "\n".join(lines)


def conventions_table(examples: Sequence[tuple[str, Callable, Any, str]]) -> Table:
    """calclib's gradient of each ``(text, f, x, convention)`` at ``x``, beside the convention it follows.

    >>> conventions_table([("np.abs(x)", np.abs, 0.0, "1 at 0")]).rows[0][1:]
    ['0', '1', '1 at 0']
    """
    from .api import grad

    rows = [[code_html(text), numbers(x), numbers(grad(f)(x)), rule] for text, f, x, rule in examples]
    return Table(["f(x)", "at x =", "calclib's gradient", "convention (as JAX)"], rows, "calclib-conventions")


def _error_of(f: Callable, x: np.ndarray) -> str:
    from .api import grad

    try:
        grad(f)(x)
    except Exception as error:           # what a student sees, whatever it is
        message = str(error).split(" Supported: ")[0]        # the list of what is supported: the big table
        return f"<code>{type(error).__name__}</code>: {html.escape(message)}"
    return "(no error)"


def errors_table(attempts: Sequence[tuple[str, Callable]], x: Any = (1.0, 2.0, 3.0)) -> Table:
    """The error that ``calclib.grad(f)(x)`` raises for each ``(text, f)``, its message cut before the list
    of supported functions; ``(no error)`` where it raises none."""
    x = np.asarray(x, dtype=float)
    rows = [[code_html(text), _error_of(f, x)] for text, f in attempts]
    return Table(["inside f", "cl.grad(f) raises"], rows, "calclib-errors")


NO_DERIVATIVE = "No derivative: piecewise constant, indices, booleans"


def registry_sections() -> dict[str, str]:
    """``'np.sum' -> 'reductions'``: the comment above each entry of ``numpy_dispatch.ARRAY_FUNCTIONS``."""
    from . import numpy_dispatch

    source = inspect.getsource(numpy_dispatch).split("\nARRAY_FUNCTIONS", 1)[1].split("\n}", 1)[0]
    sections, section = {}, "other NumPy functions"
    for line in source.splitlines():
        if line.strip().startswith("#"):
            section = line.strip(" #")
        for name in re.findall(r"(np\.[\w.]+):", line):
            sections.setdefault(name, section)
    return sections


def group_of(row: Any, sections: dict[str, str]) -> str:
    """The group a row of ``supported_functions()`` is listed in: operators, ufuncs, products, a section of
    the registry, array methods, no derivative, or primitives inside other functions."""
    from . import numpy_dispatch, rules

    name = row.name
    if name.startswith("the ") or " (" in name:
        return "Primitives inside other functions"
    if name.startswith("x."):
        return "Array methods"
    if not name.startswith(("np.", "scipy.")):
        return "Operators and indexing"
    if name.startswith("scipy.special."):
        return "scipy.special (ufuncs)"
    if name[3:] in numpy_dispatch.UFUNC_CONSTANT or sections.get(name, "").startswith("piecewise constant"):
        return NO_DERIVATIVE
    if row.primitive in rules.MULTILINEAR:
        return "Products"
    if row.primitive in rules.PARTIALS or isinstance(getattr(np, name[3:], None), np.ufunc):
        return "Elementwise functions (ufuncs)"
    section = sections.get(name, "other NumPy functions")
    return "Linear algebra: np.linalg" if section == "np.linalg" else section[0].upper() + section[1:]


def supported_table() -> Tables:
    """Every supported function, grouped (operators and ufuncs first), with its rule and its primitive."""
    from . import numpy_dispatch, rules

    sections = registry_sections()
    rows = numpy_dispatch.supported_functions()
    groups: dict[str, list] = {}
    for row in rows:
        groups.setdefault(group_of(row, sections), []).append(row)
    first = ["Operators and indexing", "Elementwise functions (ufuncs)", "scipy.special (ufuncs)"]
    last = ["Array methods", NO_DERIVATIVE, "Primitives inside other functions"]
    middle = [g for g in dict.fromkeys(group_of(r, sections) for r in rows if r.name in sections)
              if g not in first + last]
    order = [g for g in first + middle + last if g in groups] + [g for g in groups if g not in first + middle + last]
    summary = (f"{len(rows)} entries in {len(groups)} groups: "
               + "; ".join(f"{g} ({len(groups[g])})" for g in order)
               + f". They rest on {len(rules.PRIMITIVES)} primitives.")

    def rule_html(rule: str) -> str:
        return re.sub(r"``(.+?)``", r"<code>\1</code>", html.escape(rule))

    header = ["function", "derivative rule", "primitive"]
    return Tables(summary, [(g, Table(header, [[code_html(r.name), rule_html(r.rule),
                                                code_html(r.primitive) if r.primitive else "—"]
                                               for r in groups[g]], "calclib-support")) for g in order])
