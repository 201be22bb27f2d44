"""Evaluation traces as tables (as in Baydin et al. 2018), rendered as HTML in Jupyter and on the website."""

from __future__ import annotations

import html
from typing import Any, Sequence

import numpy as np

from .core import Primitive, primal

def describe(prim: Primitive, args: Sequence, params: dict, names: dict[int, str]) -> tuple[str, str]:
    """(operation, inputs) of one trace row: inputs are node names, or the constant's value."""
    labels = [names.get(id(a), format_value(a)) for a in args]
    if prim.name == "getitem":
        return f"[{_index_text(params['index'])}]", labels[0]
    return prim.symbol, ", ".join(labels)


def _index_text(index: Any) -> str:
    items = index if isinstance(index, tuple) else (index,)
    out = []
    for i in items:
        if isinstance(i, slice):
            out.append(f"{'' if i.start is None else i.start}:{'' if i.stop is None else i.stop}"
                       + ("" if i.step is None else f":{i.step}"))
        else:
            out.append(str(i))
    return ", ".join(out)


def format_value(v: Any) -> str:
    """A number with 4 significant digits; an array by its shape (and entries if small)."""
    v = primal(v)
    arr = np.asarray(v)
    if arr.ndim == 0:
        return f"{float(arr):.4g}" if np.issubdtype(arr.dtype, np.number) else str(v)
    if arr.size <= 4:
        return "[" + ", ".join(f"{float(a):.4g}" for a in arr.ravel()) + "]"
    return f"array{arr.shape}"


class TraceTable:
    """A table of rows with a title; ``_repr_html_`` for Jupyter, ``__repr__`` as plain text."""

    def __init__(self, columns: list[str], rows: list[tuple], title: str = ""):
        self.columns, self.title = columns, title
        # plain Python floats for scalar values, so rows print and format like numbers
        self.rows = [tuple(float(c) if isinstance(c, (np.floating, np.ndarray)) and np.ndim(c) == 0 else c
                           for c in row) for row in rows]

    def _cells(self) -> list[list[str]]:
        return [[c if isinstance(c, str) else format_value(c) for c in row] for row in self.rows]

    def __repr__(self) -> str:
        cells = [self.columns] + self._cells()
        widths = [max(len(r[i]) for r in cells) for i in range(len(self.columns))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return (self.title + "\n" if self.title else "") + "\n".join(lines)

    def _repr_html_(self) -> str:
        # Inline styles: the table looks the same in Jupyter and on the website, whatever the theme.
        cell = 'style="padding: 0.15em 0.9em; border-bottom: 1px solid #ddd; text-align: left"'
        head = "".join(f"<th {cell}>{html.escape(c)}</th>" for c in self.columns)
        body = "".join("<tr>" + "".join(f"<td {cell}>{html.escape(c)}</td>" for c in r) + "</tr>"
                       for r in self._cells())
        caption = (f'<caption style="caption-side: top; text-align: left; font-style: italic">'
                   f"{html.escape(self.title)}</caption>") if self.title else ""
        return (f'<table class="calclib-trace" style="border-collapse: collapse; font-family: monospace">'
                f"{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
