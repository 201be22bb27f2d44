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

from typing import Any, Callable, Sequence

import numpy as np

from . import rules
from ._trace_table import TraceTable, describe
from ._tracing import Tracer, check_domain, evaluate, new_level, recording
from .forward import _as_float, _finish, _scale

__all__ = ["Node", "vjp", "backward", "jacrev", "trace", "topological_order"]


class Node(Tracer):
    """A value in the graph: the primitive that made it, that primitive's inputs and parameters."""

    __slots__ = ("primal", "_level", "prim", "inputs", "params", "parents")
    _recording: list | None = None  # set by build_graph() to list nodes in evaluation order

    def __init__(self, primal: Any, level: int, prim: str | None = None, inputs: tuple = (),
                 params: dict | None = None, parents: tuple = ()):
        self.primal, self._level = primal, level
        self.prim, self.inputs, self.params = prim, inputs, params   # inputs: the primal values
        self.parents = parents                                       # ((argument index, Node), ...)

    def __repr__(self) -> str:
        return f"Node({self.prim or 'input'}, value={self.primal!r})"

    @classmethod
    def process(cls, prim: str, args: tuple, params: dict, level: int) -> "Node":
        """Compute primitive ``prim`` and record it in the graph (the forward pass)."""
        parents = tuple((i, a) for i, a in enumerate(args) if isinstance(a, Node) and a._level == level)
        inputs = tuple(a.primal if isinstance(a, Node) and a._level == level else a for a in args)
        out = evaluate(prim, inputs, params)
        check_domain(prim, inputs, out)
        node = cls(out, level, prim, inputs, params, parents)
        if cls._recording is not None:
            cls._recording.append(node)
        return node


def pull_adjoint(node: Node, i: int, g: Any) -> Any:
    """The adjoint contribution to input ``i`` of ``node`` given the node's adjoint ``g`` (one VJP)."""
    prim, inputs = node.prim, node.inputs
    if prim == "where":  # selection: the adjoint goes to the branch that was chosen
        c = inputs[0]
        chosen = np.where(c, g, 0.0) if i == 1 else np.where(c, 0.0, g)
        return rules.unbroadcast(chosen, np.shape(inputs[i]))
    if prim == "square" and not isinstance(g, Tracer) and not isinstance(inputs[0], Tracer) \
            and np.shape(g) == np.shape(inputs[0]):
        contribution = np.multiply(inputs[0], g)   # 2 x ȳ with one new array instead of two (the
        contribution *= 2.0                        # most common rule in losses; same result)
        return contribution
    if prim in rules.PARTIALS:  # x̄ᵢ += ∂v/∂xᵢ · v̄, summed back over broadcast axes
        partial = rules.PARTIALS[prim][i]
        d = partial(*inputs, node.primal) if callable(partial) else partial
        return rules.unbroadcast(_scale(d, g), np.shape(inputs[i]))
    if prim in rules.LINEAR:  # the transpose of a linear map
        return rules.LINEAR[prim][1](g, np.shape(inputs[0]), **node.params)
    if prim == "matmul":
        return rules.unbroadcast(rules.MATMUL_TRANSPOSES[i](g, *inputs), np.shape(inputs[i]))
    if prim == "stack":
        return rules.STACK_TRANSPOSE(g, i, **node.params)
    if prim == "concatenate":
        axis = node.params.get("axis", 0)
        sizes = [np.shape(x)[axis] for x in inputs]
        return rules.CONCATENATE_TRANSPOSE(g, i, sizes, axis)
    raise NotImplementedError(prim)


def topological_order(output: Node) -> list[Node]:
    """Every node the output depends on, inputs before the nodes that use them (iterative DFS)."""
    order: list[Node] = []
    visited: set[int] = set()
    stack: list[tuple[Node, bool]] = [(output, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        stack.extend((parent, False) for _, parent in node.parents if id(parent) not in visited)
    return order


def backward(output: Node, seed: Any = 1.0, leaves: tuple[Node, ...] = ()) -> list[Any]:
    """The backward pass: adjoints of ``leaves`` for output adjoint ``seed`` (a VJP).

    Visits the nodes in reverse topological order; each node's adjoint is complete (all its uses have
    contributed) before it is passed on to its inputs. Adjoints that this pass allocated for one node
    (``owned``) are updated in place, which saves a copy of a large array per extra use.
    """
    adjoints: dict[int, Any] = {id(output): seed}
    owned: set[int] = set()   # keys whose adjoint array was allocated here, for that node alone
    leaf_ids = {id(leaf) for leaf in leaves}
    kept: dict[int, Any] = {}
    for node in reversed(topological_order(output)):
        g = adjoints.pop(id(node), None)
        if g is None:
            continue
        if id(node) in leaf_ids:
            # never hand out a view or the caller's own seed array
            kept[id(node)] = g if id(node) in owned or isinstance(g, Tracer) else np.array(g, dtype=float)
        owned.discard(id(node))
        for i, parent in node.parents:
            key = id(parent)
            if node.prim == "getitem" and key in owned and not isinstance(g, Tracer) \
                    and not isinstance(adjoints[key], Tracer) and rules._is_basic_index(node.params["index"]):
                adjoints[key][node.params["index"]] += g     # scatter straight into the adjoint
                continue
            contribution = pull_adjoint(node, i, g)
            if key not in adjoints:
                adjoints[key] = contribution
                if node.prim == "getitem" and not isinstance(contribution, Tracer):
                    owned.add(key)   # a fresh array of zeros made for this parent
            elif key in owned and not isinstance(contribution, Tracer) and not isinstance(adjoints[key], Tracer):
                adjoints[key] += contribution
            else:
                adjoints[key] = adjoints[key] + contribution
                if isinstance(adjoints[key], Tracer):
                    owned.discard(key)   # a traced value now: never update it in place
                else:
                    owned.add(key)
    return [kept.get(id(leaf), np.zeros(np.shape(leaf.primal))) for leaf in leaves]


def vjp(f: Callable, *primals: Any) -> tuple[Any, Callable]:
    r"""Vector-Jacobian product: ``(f(*primals), pullback)`` with ``pullback(ȳ) = ȳᵀ J_f`` (a tuple).

    Same as ``jax.vjp``: the forward pass runs once, and each call of ``pullback`` is one backward pass,
    returning one cotangent per primal.

    Examples
    --------
    >>> out, pullback = vjp(lambda x: np.sum(x ** 2), np.array([1.0, 2.0]))
    >>> pullback(1.0)
    (array([2., 4.]),)
    """
    if not callable(f):
        raise TypeError(f"f must be a function, got {type(f).__name__}")
    level = new_level()
    leaves = tuple(Node(_as_float(p), level) for p in primals)
    with np.errstate(all="ignore"):
        out = f(*leaves)
    if isinstance(out, np.ndarray) and out.dtype == object:
        raise TypeError("the function returned an object array: build arrays of traced values with np.stack")
    traced = isinstance(out, Node) and out._level == level
    out_value = out.primal if traced else out

    def pullback(cotangent: Any) -> tuple[Any, ...]:
        cotangent = _as_float(cotangent)
        if np.shape(cotangent) != np.shape(out_value):
            raise ValueError(f"the cotangent has shape {np.shape(cotangent)} but the output has shape "
                             f"{np.shape(out_value)}: they must match")
        if not traced:
            return tuple(_finish(np.zeros(np.shape(leaf.primal))) for leaf in leaves)
        with np.errstate(all="ignore"):
            grads = backward(out, cotangent, leaves)
        return tuple(_finish(g) for g in grads)

    return _finish(out_value), pullback


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
        return _finish(np.reshape(np.stack(rows), out_shape + x_shape))

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

    def __init__(self, leaves: list[Node], output: Node, nodes: list[Node], adjoints: dict[int, Any],
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

    def describe(self, node: Node) -> tuple[str, str]:
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
    leaves = [Node(_as_float(xi), level) for xi in (x if several else (x,))]
    with recording(Node) as evaluated:
        out = f(*leaves)
    if not (isinstance(out, Node) and out._level == level):
        raise ValueError("the output does not depend on the inputs: there is no graph to show")
    if np.ndim(out.primal) != 0:
        raise ValueError(f"the output has shape {np.shape(out.primal)}: a trace needs a scalar output")
    order = topological_order(out)
    needed = {id(n) for n in order}
    nodes = leaves + [n for n in evaluated if id(n) in needed]   # in evaluation order
    adjoints: dict[int, Any] = {id(out): 1.0}
    with np.errstate(all="ignore"):
        for node in reversed(order):
            g = adjoints.get(id(node))
            if g is None:
                continue
            for i, parent in node.parents:
                c = pull_adjoint(node, i, g)
                adjoints[id(parent)] = c if id(parent) not in adjoints else adjoints[id(parent)] + c
    for n in nodes:
        adjoints.setdefault(id(n), np.zeros(np.shape(n.primal)))
    return Graph(leaves, out, nodes, adjoints, several, names)
