r"""Drawing a computational graph with its values and adjoints, as plain SVG.

A traced function is a graph: inputs on the left, each primitive (a *gate*: ``×``, ``+``, ``max``, ...)
a node fed by the nodes it uses, the output on the right. The forward pass writes a value on every
node; the backward pass writes an adjoint :math:`\bar v = \partial f/\partial v`. The drawing puts both
on each node (value in green, adjoint in red, as in CS231n's circuit diagrams), laid out in columns by
depth. It is SVG made here, so it shows in Jupyter and on the website with no graphviz binary.

Examples
--------
>>> import numpy as np
>>> drawing = draw(lambda x, y, z, w: 2 * (x * y + np.maximum(z, w)), (3.0, -4.0, 2.0, -1.0),
...                names=("x", "y", "z", "w"))
>>> drawing.output_value, drawing.gradient
(-20.0, (-8.0, 6.0, 2.0, 0.0))
"""

from __future__ import annotations

import html
from typing import Any, Callable, Sequence

import numpy as np

from ._trace_table import format_value
from .reverse import Graph, GraphNode, build_graph

__all__ = ["draw", "GraphDrawing"]

NODE_W, NODE_H, COL_GAP, ROW_GAP, MARGIN = 120, 64, 70, 26, 20


def _label(graph: Graph, node: GraphNode) -> str:
    """The gate's symbol, with any constant operand written in (``× 2``, ``+ 1``)."""
    if node.prim is None:
        return graph.names[id(node)]
    traced = {i for i, _ in node.parents}
    constants = [format_value(a) for i, a in enumerate(node.inputs) if i not in traced]
    return f"{node.prim.symbol} {' '.join(constants)}".strip()


def _depths(graph: Graph) -> dict[int, int]:
    """Column of each node: the longest path from an input (nodes are in evaluation order)."""
    depth: dict[int, int] = {id(leaf): 0 for leaf in graph.leaves}
    for node in graph.nodes:
        if node.prim is not None:
            depth[id(node)] = 1 + max((depth[id(p)] for _, p in node.parents), default=0)
    return depth


class GraphDrawing:
    """An SVG drawing of a traced function (``_repr_svg_`` for Jupyter and the website)."""

    def __init__(self, graph: Graph):
        self.graph = graph
        self.output_value = float(graph.output.primal)
        self.gradient = tuple(float(graph.adjoints[id(leaf)]) if np.ndim(leaf.primal) == 0
                              else graph.adjoints[id(leaf)] for leaf in graph.leaves)
        self.svg = self._render()

    def _render(self) -> str:
        graph = self.graph
        depth = _depths(graph)
        columns: dict[int, list[GraphNode]] = {}
        for node in graph.nodes:
            columns.setdefault(depth[id(node)], []).append(node)
        pos: dict[int, tuple[float, float]] = {}
        n_rows = max(len(c) for c in columns.values())
        height = 2 * MARGIN + n_rows * NODE_H + (n_rows - 1) * ROW_GAP
        for col, nodes in columns.items():
            offset = (height - (len(nodes) * NODE_H + (len(nodes) - 1) * ROW_GAP)) / 2
            for row, node in enumerate(nodes):
                pos[id(node)] = (MARGIN + col * (NODE_W + COL_GAP), offset + row * (NODE_H + ROW_GAP))
        width = 2 * MARGIN + len(columns) * NODE_W + (len(columns) - 1) * COL_GAP
        parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
                 f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="13" role="img">',
                 f"<title>{html.escape(self._alt())}</title>",
                 '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
                 'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
                 'fill="#555"/></marker></defs>']
        for node in graph.nodes:  # edges first, under the boxes
            x1, y1 = pos[id(node)]
            for _, parent in node.parents:
                x0, y0 = pos[id(parent)]
                parts.append(f'<line x1="{x0 + NODE_W}" y1="{y0 + NODE_H / 2}" x2="{x1}" y2="{y1 + NODE_H / 2}" '
                             f'stroke="#555" stroke-width="1.2" marker-end="url(#arrow)"/>')
        for node in graph.nodes:
            x, y = pos[id(node)]
            is_input, is_output = node.prim is None, node is graph.output
            fill = "#e8f0fe" if is_input else ("#fff4e0" if is_output else "#f6f6f6")
            parts.append(f'<rect x="{x}" y="{y}" width="{NODE_W}" height="{NODE_H}" rx="8" fill="{fill}" '
                         f'stroke="#333"/>')
            title = _label(graph, node) + ("" if is_input else f"  ({graph.names[id(node)]})")
            parts.append(f'<text x="{x + NODE_W / 2}" y="{y + 18}" text-anchor="middle" font-weight="bold">'
                         f"{html.escape(title)}</text>")
            parts.append(f'<text x="{x + NODE_W / 2}" y="{y + 37}" text-anchor="middle" fill="#1a7f37">'
                         f"value {html.escape(format_value(node.primal))}</text>")
            parts.append(f'<text x="{x + NODE_W / 2}" y="{y + 55}" text-anchor="middle" fill="#c62828">'
                         f"adjoint {html.escape(format_value(graph.adjoints[id(node)]))}</text>")
        parts.append("</svg>")
        return "\n".join(parts)

    def _alt(self) -> str:
        names = ", ".join(self.graph.names[id(leaf)] for leaf in self.graph.leaves)
        return (f"Computational graph with inputs {names}: {len(self.graph.nodes) - len(self.graph.leaves)} "
                f"operations; output value {format_value(self.output_value)}; each node shows its value "
                f"(green) and its adjoint (red)")

    def _repr_svg_(self) -> str:
        return self.svg

    def __repr__(self) -> str:
        return f"<GraphDrawing: {self._alt()}>"


def draw(f: Callable, x: Any, names: Sequence[str] | None = None) -> GraphDrawing:
    """Trace ``f`` at ``x``, run the backward pass, and draw the graph with values and adjoints.

    Parameters
    ----------
    f : callable
        Scalar-valued; ``f(x1, x2, ...)`` when ``x`` is a tuple of numbers, else ``f(x)``.
    x : tuple or array_like
        The point.
    names : sequence of str, optional
        Names of the inputs (default x1, x2, ...).

    Returns
    -------
    GraphDrawing
        Shows itself in Jupyter; ``.svg`` is the SVG text, ``.output_value`` and ``.gradient`` the numbers.
    """
    return GraphDrawing(build_graph(f, x, names))
