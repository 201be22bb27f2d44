r"""Forward-mode automatic differentiation: dual numbers and Jacobian-vector products.

Carry, next to every value :math:`v` of the computation, its *tangent* :math:`\dot v`: the directional
derivative of :math:`v` when the input moves in direction :math:`\dot x`. Each primitive
:math:`y = g(x_1, \dots, x_k)` updates the tangent by the chain rule,

.. math:: \dot y = \sum_i \frac{\partial g}{\partial x_i}\,\dot x_i ,

with the partial derivatives read from :mod:`calclib.rules`. At the end, the output's tangent is the
Jacobian-vector product :math:`J_f(x)\,\dot x`. One pass gives one direction, so the full Jacobian of
:math:`f:\mathbb{R}^n\to\mathbb{R}^m` takes :math:`n` passes, one per column: forward mode wins when
there are few inputs.

Examples
--------
>>> import numpy as np
>>> out, tangent = jvp(lambda x: np.sin(x) * x, (1.0,), (1.0,))   # d/dx x sin x = sin x + x cos x
>>> round(tangent, 6), round(float(np.sin(1.0) + np.cos(1.0)), 6)
(1.381773, 1.381773)
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ._trace_table import TraceTable, describe
from .core import Primitive, as_float, check_domain, check_output, count, finish, new_level, record, recording, shown
from .numpy_dispatch import ArrayTracer

__all__ = ["Dual", "jvp", "jacfwd", "trace", "push_tangent"]


class Dual(ArrayTracer):
    """A dual number :math:`v + \\dot v\\,\\varepsilon` with :math:`\\varepsilon^2 = 0`: a value and its tangent."""

    __slots__ = ("primal", "tangent", "_level")

    def __init__(self, primal: Any, tangent: Any, level: int):
        self.primal, self.tangent, self._level = primal, tangent, level

    def __repr__(self) -> str:
        return f"Dual(primal={shown(self.primal)}, tangent={shown(self.tangent)})"

    @classmethod
    def process(cls, prim: Primitive, args: tuple, params: dict, level: int) -> "Dual":
        """Compute primitive ``prim`` and its tangent: the forward-mode chain rule, one step."""
        mine = [isinstance(a, Dual) and a._level == level for a in args]
        primals = tuple(a.primal if m else a for a, m in zip(args, mine))
        tangents = tuple(a.tangent if m else None for a, m in zip(args, mine))
        out = prim.impl(*primals, **params)
        if prim.domain is not None:
            check_domain(prim, primals, out)
        result = cls(out, push_tangent(prim, primals, tangents, out, params), level)
        record(level, (result, prim, args, params))   # for trace tables, when one is being made
        return result


def push_tangent(prim: Primitive, primals: tuple, tangents: tuple, out: Any, params: dict) -> Any:
    """The tangent of ``prim``'s output, given the tangents of its inputs (``None`` for constants): the
    primitive's JVP rule, from :mod:`calclib.rules`."""
    return prim.jvp(primals, tangents, out, params)


def _unwrap(out: Any, level: int) -> tuple[Any, Any]:
    """Split a function's output into (primal, tangent) at ``level``; a constant output has tangent 0."""
    check_output(out)
    if isinstance(out, Dual) and out._level == level:
        return out.primal, out.tangent
    return out, np.zeros(np.shape(out))


def jvp(f: Callable, primals: Sequence, tangents: Sequence) -> tuple[Any, Any]:
    r"""Jacobian-vector product: :math:`(f(x),\; J_f(x)\,v)` in one forward pass.

    Same signature and returns as ``jax.jvp``.

    Parameters
    ----------
    f : callable
        Function of ``len(primals)`` arrays, written with NumPy, returning an array.
    primals : tuple
        The point :math:`x` (one entry per argument of ``f``).
    tangents : tuple
        The direction :math:`v`, same structure and shapes as ``primals``.

    Returns
    -------
    (out, tangent_out)
        ``f(*primals)`` and the directional derivative, same shape as ``out``.

    Examples
    --------
    >>> out, t = jvp(lambda x, y: x * y, (3.0, 4.0), (1.0, 0.0))   # ∂(xy)/∂x = y
    >>> out, t
    (12.0, 4.0)
    """
    if not callable(f):
        raise TypeError(f"f must be a function, got {type(f).__name__}")
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("primals and tangents must be tuples (as in jax.jvp): jvp(f, (x,), (v,))")
    if len(primals) != len(tangents):
        raise ValueError(f"got {len(primals)} primals but {len(tangents)} tangents: give one tangent per primal")
    level = new_level()
    duals = []
    for i, (p, t) in enumerate(zip(primals, tangents)):
        p, t = as_float(p), as_float(t)
        if np.shape(p) != np.shape(t):
            raise ValueError(f"tangent {i} has shape {np.shape(t)} but its primal has shape {np.shape(p)}")
        duals.append(Dual(p, t, level))
    with np.errstate(all="ignore"):
        out = f(*duals)
    count("forward passes")
    out, tangent = _unwrap(out, level)
    return finish(out), finish(tangent)


def jacfwd(f: Callable, argnums: int = 0) -> Callable:
    r"""The Jacobian of ``f`` by forward mode, one column per pass.

    Column :math:`j` of :math:`J_f(x)` is the JVP with the basis vector :math:`e_j`, so an input of
    :math:`n` entries costs :math:`n` forward passes.

    Returns a function of the same arguments as ``f``, returning an array of shape
    ``out.shape + x.shape`` (``x = args[argnums]``).

    Examples
    --------
    >>> jacfwd(lambda x: x ** 2)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    def jacobian_fn(*args):
        i = argnums % len(args)
        x = as_float(args[i])
        shape = np.shape(x)
        columns = []
        for j in range(int(np.prod(shape))):
            direction = np.zeros(int(np.prod(shape)))
            direction[j] = 1.0
            direction = direction.reshape(shape)

            def along(xj, _args=args):
                return f(*_args[:i], xj, *_args[i + 1:])

            out, column = jvp(along, (x,), (direction,))
            columns.append(column)
        if not columns:
            return np.zeros(np.shape(f(*args)) + shape)
        out_shape = np.shape(columns[0])
        stacked = np.stack(columns, axis=-1)  # out.shape + (n,)
        return finish(np.reshape(stacked, out_shape + shape))

    return jacobian_fn


def trace(f: Callable, x: Any, v: Any = None) -> TraceTable:
    """The forward-mode evaluation trace of ``f`` at ``x`` in direction ``v``, as a table.

    One row per primitive in the order evaluated: node, operation, inputs, primal value and tangent, as
    in the tables of Baydin et al. (2018). Renders as HTML in Jupyter and on the website.

    Parameters
    ----------
    f : callable
        ``f(x)`` of one array, or ``f(x1, x2, ...)`` of several numbers when ``x`` is a tuple.
    x : array_like or tuple
        The point; a tuple ``(x1, x2, ...)`` names the inputs x1, x2, ... in the table.
    v : array_like or tuple, optional
        The direction (same structure as ``x``); default: the first coordinate direction.

    Examples
    --------
    >>> table = trace(lambda x1, x2: np.log(x1) + x1 * x2 - np.sin(x2), (2.0, 5.0), (1.0, 0.0))
    >>> round(table.rows[-1][-1], 4)   # ∂y/∂x1 = 1/x1 + x2
    5.5
    """
    several = isinstance(x, tuple)
    xs = [as_float(xi) for xi in (x if several else (x,))]
    if v is None:
        vs = [np.zeros(np.shape(xi)) for xi in xs]
        vs[0].flat[0] = 1.0
    else:
        vs = [as_float(vi) for vi in (v if several else (v,))]
    level = new_level()
    leaves = [Dual(xi, vi, level) for xi, vi in zip(xs, vs)]
    with recording(level) as recorded:
        out = f(*leaves)
    count("forward passes")
    names: dict[int, str] = {}
    rows = []
    for i, leaf in enumerate(leaves):
        names[id(leaf)] = f"x{i + 1}" if several else "x"
        rows.append((names[id(leaf)], "input", "", leaf.primal, leaf.tangent))
    for k, (node, prim, args, params) in enumerate(recorded, start=1):
        names[id(node)] = f"v{k}"
        rows.append((names[id(node)], *describe(prim, args, params, names), node.primal, node.tangent))
    if isinstance(out, Dual) and id(out) in names:
        rows.append(("y", "output", names[id(out)], out.primal, out.tangent))
    return TraceTable(["node", "operation", "inputs", "value", "tangent"], rows,
                      title="Forward-mode evaluation trace: primal values and tangents")
