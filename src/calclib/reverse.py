r"""Reverse-mode automatic differentiation: the graph, the backward pass, vector-Jacobian products.

The forward pass runs the function once and records every primitive as a :class:`Node` of a graph
(its inputs and its value). The backward pass walks the graph from the output back to the inputs,
carrying *adjoints* :math:`\bar v = \partial y / \partial v`: starting from :math:`\bar y = 1`, each node
passes :math:`\bar x_i \mathrel{+}= \frac{\partial v}{\partial x_i}\,\bar v` to its inputs (local
derivatives from :mod:`calclib.rules`), and a value used in several places sums the adjoints arriving
along its outgoing edges. One backward pass gives the whole gradient of a scalar output, whatever the
number of inputs: reverse mode wins when there are few outputs. Backpropagation is this algorithm
applied to a neural network's loss.

Like micrograd, but vectorized over NumPy arrays, iterative (no recursion limit: a graph of a million
nodes is fine) and without reference cycles (nodes point to their inputs only), so the graph is freed
as soon as the last reference to the output goes.

Examples
--------
>>> import numpy as np
>>> out, pullback = vjp(lambda x, y: x * y + np.sin(x), 2.0, 3.0)
>>> [round(g, 6) for g in pullback(1.0)]          # (y + cos x, x)
[2.583853, 2.0]
"""

from __future__ import annotations

import itertools
import operator
from typing import Any, Callable, Sequence

import numpy as np

from ._trace_table import TraceTable, describe
from .core import (Primitive, Tracer, as_float, check_domain, check_output, count, finish, is_recording, new_level,
                   record, recording, shape_of, shown)
from .numpy_dispatch import ArrayTracer
from .rules import LARGE, IndexedAdjoint, Scaled, add_into, plus, scaled

__all__ = ["Node", "GraphNode", "Unsaved", "vjp", "backward", "pull_adjoint", "Adjoints", "jacrev", "trace",
           "topological_order", "build_graph", "Graph"]


_serial_numbers = itertools.count()


class Node(ArrayTracer):
    """A traced value, what ``f`` computes with in the forward pass: its value and its node in the graph.

    The two are separate objects, as a PyTorch tensor and its ``grad_fn`` are: the graph holds only the
    :class:`GraphNode` s, so a value that no rule reads is freed as soon as ``f`` is done with it.
    """

    __slots__ = ("primal", "_level", "graph_node")

    def __init__(self, primal: Any, level: int, graph_node: "GraphNode | None" = None):
        self.primal, self._level = primal, level
        self.graph_node = GraphNode(None, (), primal, None, ()) if graph_node is None else graph_node  # an input

    def __repr__(self) -> str:
        prim = self.graph_node.prim
        return f"Node({prim.name if prim else 'input'}, value={shown(self.primal)})"

    @classmethod
    def process(cls, prim: Primitive, args: tuple, params: dict, level: int) -> "Node":
        """Compute primitive ``prim`` and record it in the graph (the forward pass)."""
        parents, inputs, large = [], [], False
        for i, a in enumerate(args):
            if isinstance(a, Node) and a._level == level:   # traced here: a parent in the graph
                parents.append((i, a.graph_node))
                a = a.primal
                large = large or _is_large(a)
            inputs.append(a)                                # (a constant, or traced at another level, as is)
        out = prim.impl(*inputs, **params)
        if prim.domain is not None:
            check_domain(prim, inputs, out)
        saved = out
        recorded = is_recording(level)   # a trace table or drawing is being made: keep every value, record the node
        if (large or _is_large(out)) and prim.unread is not None and not recorded:
            saved = _drop_unread(prim, parents, inputs, out)
        node = GraphNode(prim, tuple(inputs), saved, params, tuple(parents))
        if recorded:
            record(level, node)
        return cls(out, level, node)


class GraphNode:
    """A primitive in the graph, as the backward pass needs it: the primitive, its parameters, its
    *parents* (the graph nodes of its traced inputs: ``((argument index, GraphNode), ...)``) and the
    values its VJP rule reads, ``inputs`` and ``primal`` (the output).

    Only those values are kept (:attr:`calclib.core.Primitive.unread`, as PyTorch's "saved tensors"); the
    other arrays of :data:`SAVE_ALL_BELOW` bytes or more are kept as their shapes (:class:`Unsaved`). In
    ``sum(100 * (x[1:] - x[:-1]**2)**2 + (1 - x[:-1])**2)`` that is ``x[:-1]`` (a view of x),
    ``x[1:] - x[:-1]**2`` and ``1 - x[:-1]``: of the seven arrays the function makes, two are kept.
    While a trace table or drawing is made, every value is kept, to be shown.
    """

    __slots__ = ("prim", "inputs", "primal", "params", "parents", "serial")

    def __init__(self, prim: Primitive | None, inputs: tuple, out: Any, params: dict | None, parents: tuple):
        self.prim, self.inputs, self.primal, self.params = prim, inputs, out, params
        self.parents = parents
        self.serial = next(_serial_numbers)                # nodes are numbered as they are made

    def __repr__(self) -> str:
        return f"GraphNode({self.prim.name if self.prim else 'input'})"

    def release(self) -> None:
        """Forget the values saved for the backward pass (``vjp(..., retain_graph=False)``)."""
        if self.prim is not None:
            self.primal = self.inputs = None


SAVE_ALL_BELOW = LARGE   # bytes: smaller arrays are kept, read or not (freeing them saves less than it costs)


def _is_large(value: Any) -> bool:
    """An array of :data:`SAVE_ALL_BELOW` bytes or more. A node whose traced inputs and output are all
    smaller keeps them all, without asking which its rule reads (that costs more than it saves)."""
    return type(value) is np.ndarray and value.nbytes >= SAVE_ALL_BELOW


def _drop_unread(prim: Primitive, parents: list, inputs: list, out: Any) -> Any:
    """Replace, in ``inputs`` (in place) and ``out`` (returned), the large arrays that the VJPs of the traced
    inputs do not read (:attr:`calclib.core.Primitive.unread`) by :class:`Unsaved` shapes."""
    n = len(inputs)
    for k in prim.unread(tuple([i for i, _ in parents]), n):   # positions in (*inputs, out)
        value = out if k == n else inputs[k]
        if _is_large(value):
            if k == n:
                out = Unsaved(value)
            else:
                inputs[k] = Unsaved(value)
    return out


class Unsaved:
    """A value that no rule reads, kept as its shape only (the rules ask :func:`calclib.core.shape_of`)."""

    __slots__ = ("shape",)

    def __init__(self, value: Any):
        self.shape = shape_of(value)

    def __repr__(self) -> str:
        return f"Unsaved(shape={self.shape})"


def pull_adjoint(node: GraphNode, i: int, g: Any) -> Any:
    """The adjoint contribution to input ``i`` of ``node``, given the node's adjoint ``g``: the primitive's
    VJP rule, from :mod:`calclib.rules`. A VJP is linear in ``g``, so ``g = c * ḡ`` kept as a factor (a
    :class:`calclib.rules.Scaled`) pulls back as ``c`` times the pullback of ``ḡ``."""
    if isinstance(g, Scaled):
        return scaled(g.c, pull_adjoint(node, i, g.g))
    return node.prim.vjp(i, g, node.inputs, node.primal, node.params)


def topological_order(output: GraphNode) -> list[GraphNode]:
    """Every node the output depends on, inputs before the nodes that use them.

    A node is made after its inputs, so the order in which the nodes were made is a topological order:
    find the nodes the output depends on (from the output back through the parents, with a stack, so a
    graph of a million nodes needs no recursion), then sort them by their serial numbers.
    """
    found = {output}
    stack = [output]
    while stack:
        for _, parent in stack.pop().parents:
            if parent not in found:
                found.add(parent)
                stack.append(parent)
    return sorted(found, key=_serial)


_serial = operator.attrgetter("serial")


def backward(output: GraphNode, seed: Any = 1.0, leaves: Sequence[GraphNode] = (),
             retain_graph: bool = True) -> list[Any]:
    r"""The backward pass: the adjoints of ``leaves`` for output adjoint ``seed`` (a VJP).

    Visit the nodes from the output back to the inputs (reverse topological order), so that a node's
    adjoint is complete, every use having contributed, before the node passes
    :math:`\bar x_i = \frac{\partial v}{\partial x_i}\,\bar v` on to each of its inputs.
    ``retain_graph=False`` frees each node's saved values once they are used, as PyTorch does.
    """
    count("backward passes")
    adjoints = Adjoints(output, seed, keep=leaves)
    for node in reversed(topological_order(output)):
        g = adjoints.take(node)
        for i, parent in node.parents:
            adjoints.add(parent, pull_adjoint(node, i, g))
        if not retain_graph:
            node.release()
    return [adjoints.result(leaf) for leaf in leaves]


class Adjoints:
    r"""The adjoints of a backward pass so far, :math:`\bar v = \sum` of the contributions along the
    edges out of :math:`v`.

    The sums save copies of large arrays: an adjoint array that this pass made for one node alone
    ("owned") is updated in place, ``+=``, and the adjoint of ``x[index]`` is added into it at
    ``index`` (a :class:`calclib.rules.IndexedAdjoint`) instead of becoming an array of zeros first;
    an adjoint ``c * ḡ`` not yet multiplied out (a :class:`calclib.rules.Scaled`) is added as ``-= ḡ``
    for c = −1.
    Traced adjoints (a derivative being differentiated) are never updated in place.
    """

    def __init__(self, output: GraphNode, seed: Any, keep: Sequence[GraphNode] = ()):
        self._sums: dict[GraphNode, Any] = {output: seed}   # graph nodes hash by identity
        self._owned: set[GraphNode] = set()
        self._keep = set(keep)

    def add(self, node: GraphNode, contribution: Any) -> None:
        """:math:`\\bar v \\mathrel{+}=` ``contribution``."""
        total = self._sums.get(node)
        if total is None:                             # the first contribution
            if isinstance(contribution, IndexedAdjoint):
                contribution = contribution.to_array()    # a new array, made for this node alone
                self._owned.add(node)
            self._sums[node] = contribution           # else maybe shared (ȳ itself, a view): not owned
        elif node in self._owned and not isinstance(contribution, Tracer):
            add_into(total, contribution)             # total += ȳ (or total[index] += ȳ), in place
        else:
            if isinstance(contribution, IndexedAdjoint):
                contribution = contribution.to_array()
            self._sums[node] = total = plus(total, contribution)   # a new array: owned, unless it is traced
            if isinstance(total, np.ndarray) and total.ndim > 0:
                self._owned.add(node)
            else:
                self._owned.discard(node)

    def take(self, node: GraphNode) -> Any:
        """The complete adjoint of ``node``, forgotten here unless it is one of the adjoints to keep."""
        if node in self._keep:
            return self._sums.get(node)
        self._owned.discard(node)
        return self._sums.pop(node)

    def result(self, node: GraphNode) -> Any:
        """The adjoint of ``node`` to hand out: never a view, or an array the caller passed in."""
        g = self._sums.get(node)
        if g is None:
            return np.zeros(shape_of(node.primal))
        if isinstance(g, Scaled):
            return g.to_array()
        return g if node in self._owned or isinstance(g, Tracer) else np.array(g, dtype=float)


def vjp(f: Callable, *primals: Any, retain_graph: bool = True) -> tuple[Any, Callable]:
    r"""Vector-Jacobian product: ``(f(*primals), pullback)`` with ``pullback(ȳ) = ȳᵀ J_f`` (a tuple).

    Same as ``jax.vjp``: the forward pass runs once, and each call of ``pullback`` is one backward pass,
    returning one cotangent per primal. With ``retain_graph=False`` (what ``grad`` uses) ``pullback``
    can be called once, and frees the graph's saved values as it goes: less memory.

    Examples
    --------
    >>> out, pullback = vjp(lambda x: np.sum(x ** 2), np.array([1.0, 2.0]))
    >>> pullback(1.0)
    (array([2., 4.]),)
    """
    if not callable(f):
        raise TypeError(f"f must be a function, got {type(f).__name__}")
    level = new_level()
    leaves = tuple(Node(as_float(p), level) for p in primals)
    with np.errstate(all="ignore"):
        out = f(*leaves)
    count("forward passes")
    check_output(out)
    traced = isinstance(out, Node) and out._level == level
    out_value = out.primal if traced else out
    used = []

    def pullback(cotangent: Any) -> tuple[Any, ...]:
        cotangent = as_float(cotangent)
        if shape_of(cotangent) != shape_of(out_value):
            raise ValueError(f"the cotangent has shape {np.shape(cotangent)} but the output has shape "
                             f"{np.shape(out_value)}: they must match")
        if used and not retain_graph:
            raise RuntimeError("this pullback was made with retain_graph=False and has been used once: call "
                               "vjp again, or use vjp(f, x) (retain_graph=True) to call it several times")
        used.append(True)
        if not traced:
            return tuple(finish(np.zeros(np.shape(leaf.primal))) for leaf in leaves)
        with np.errstate(all="ignore"):
            grads = backward(out.graph_node, cotangent, [leaf.graph_node for leaf in leaves], retain_graph)
        return tuple(finish(g) for g in grads)

    return finish(out_value), pullback


def jacrev(f: Callable, argnums: int = 0) -> Callable:
    r"""The Jacobian of ``f`` by reverse mode: one forward pass, then one backward pass per output entry
    (row :math:`i` of :math:`J_f` is the VJP with :math:`e_i`). Shape ``out.shape + x.shape``.

    Examples
    --------
    >>> jacrev(lambda x: x[0] * x)(np.array([2.0, 3.0]))
    array([[4., 0.],
           [3., 2.]])
    """
    def jacobian_fn(*args):
        i = argnums % len(args)
        x = args[i]
        out, pullback = vjp(lambda xi: f(*args[:i], xi, *args[i + 1:]), x)
        out_shape, x_shape = np.shape(out), np.shape(x)
        rows = []
        for i in range(int(np.prod(out_shape))):
            seed = np.zeros(int(np.prod(out_shape)))
            seed[i] = 1.0
            rows.append(pullback(seed.reshape(out_shape))[0])
        if not rows:
            return np.zeros(out_shape + x_shape)
        return finish(np.reshape(np.stack(rows), out_shape + x_shape))

    return jacobian_fn


def trace(f: Callable, x: Any, names: tuple[str, ...] | None = None) -> TraceTable:
    """The reverse-mode trace of ``f`` at ``x``: the forward pass's values and the backward pass's adjoints.

    ``x`` is an array (``f(x)``), or a tuple of numbers (``f(x1, x2, ...)``, named x1, x2, ... unless
    ``names`` gives the inputs' names).
    The adjoint column is :math:`\\bar v = \\partial y / \\partial v` for each node.

    Examples
    --------
    >>> table = trace(lambda x, y, z, w: 2 * (x * y + max(z, w)), (3.0, -4.0, 2.0, -1.0))
    >>> [row[-1] for row in table.rows[:4]]     # the gradient: adjoints of the inputs
    [-8.0, 6.0, 2.0, 0.0]
    """
    graph = build_graph(f, x, names)
    rows = [(graph.names[id(n)], *graph.describe(n), n.primal, graph.adjoints[id(n)]) for n in graph.nodes]
    out_name = "f" if "y" in graph.names.values() else "y"   # don't clash with an input named y
    rows.append((out_name, "output", graph.names[id(graph.output)], graph.output.primal, 1.0))
    return TraceTable(["node", "operation", "inputs", "value", "adjoint"], rows,
                      title="Reverse-mode trace: forward values, then adjoints from the backward pass")


class Graph:
    """A traced computation with names, values and adjoints for every node: what tables and drawings show."""

    def __init__(self, leaves: list[GraphNode], output: GraphNode, nodes: list[GraphNode], adjoints: dict[int, Any],
                 several: bool, names: Sequence[str] | None = None):
        self.leaves, self.output, self.nodes, self.adjoints = leaves, output, nodes, adjoints
        if names is not None and len(names) != len(leaves):
            raise ValueError(f"got {len(names)} names for {len(leaves)} inputs")
        if names is None:
            names = [f"x{i + 1}" for i in range(len(leaves))] if several else ["x"]
        self.names: dict[int, str] = {id(leaf): name for leaf, name in zip(leaves, names)}
        k = 0
        for node in nodes:
            if id(node) not in self.names:
                k += 1
                self.names[id(node)] = f"v{k}"

    def describe(self, node: GraphNode) -> tuple[str, str]:
        if node.prim is None:
            return "input", ""
        args = list(node.inputs)
        for i, parent in node.parents:
            args[i] = parent
        return describe(node.prim, args, node.params or {}, self.names)


def build_graph(f: Callable, x: Any, names: Sequence[str] | None = None) -> Graph:
    """Trace ``f`` at ``x``, run the backward pass, and keep every node with its adjoint (inputs named
    ``names``, or x1, x2, ...)."""
    several = isinstance(x, tuple)
    level = new_level()
    leaves = [Node(as_float(xi), level) for xi in (x if several else (x,))]
    with recording(level) as evaluated:
        out = f(*leaves)
    count("forward passes")
    if not (isinstance(out, Node) and out._level == level):
        raise ValueError("the output does not depend on the inputs: there is no graph to show")
    if np.ndim(out.primal) != 0:
        raise ValueError(f"the output has shape {np.shape(out.primal)}: a trace needs a scalar output")
    needed = set(topological_order(out.graph_node))
    inputs = [leaf.graph_node for leaf in leaves]
    nodes = inputs + [n for n in evaluated if n in needed]   # in evaluation order
    with np.errstate(all="ignore"):
        adjoints = backward(out.graph_node, 1.0, nodes)
    return Graph(inputs, out.graph_node, nodes, {id(n): g for n, g in zip(nodes, adjoints)}, several, names)
