r"""Linear maps from derivatives: linearize, then transpose (reverse mode is transposed forward mode).

At a point :math:`x`, the derivative of :math:`f:\mathbb{R}^n\to\mathbb{R}^m` is a *linear map*,
:math:`L = J_f(x)`. Forward mode computes :math:`v \mapsto L v` (a JVP); reverse mode computes
:math:`w \mapsto L^\top w` (a VJP). The two are one map and its transpose, which the dot product
ties together:

.. math:: \langle L v, w\rangle = \langle v, L^\top w\rangle \quad\text{for all } v, w .

So, as JAX's Autodidax puts it, reverse mode is "linearize, then transpose":

:func:`linearize`
    ``(f(x), v ↦ J_f(x) v)``: evaluates ``f`` once, records its primitives, and gives the linear map,
    which pushes tangents through the recorded primitives' JVP rules (forward mode, no call of ``f``).
:func:`linear_transpose`
    ``w ↦ Lᵀ w`` for a linear function ``L``: the VJP of ``L``. A linear map is its own derivative
    (:math:`J_L = L` at every point), so its VJP at any point (we take 0) is :math:`w \mapsto L^\top w`.
    ``linear_transpose(linearize(f, x)[1], x)`` is therefore ``vjp(f, x)[1]``.

Why the transpose runs backwards: a computation is a chain :math:`y_0 = x \to y_1 \to \dots \to y_k = f(x)`,
:math:`y_i = f_i(y_{i-1})`, with step Jacobians :math:`J_i` (:func:`chain_jacobians`). The chain rule
makes :math:`L = J_k \cdots J_1`, and transposing a product reverses it:

.. math:: L v = J_k(\cdots(J_1 v)), \qquad L^\top w = J_1^\top(\cdots(J_k^\top w)).

Forward mode multiplies from :math:`J_1` on, in the order ``f`` runs; reverse mode multiplies from
:math:`J_k^\top` on, so it must first run ``f`` to the end and keep what each step needs: the tape.

Examples
--------
>>> import numpy as np
>>> out, f_jvp = linearize(lambda x: x[0] * x, np.array([2.0, 3.0]))   # J = [[2x₀, 0], [x₁, x₀]]
>>> f_jvp(np.array([1.0, 0.0]))                                       # the first column of J
array([4., 3.])
>>> linear_transpose(f_jvp, np.zeros(2))(np.array([1.0, 0.0]))        # the first row of J: Jᵀ e₁
(array([4., 0.]),)
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from . import api, forward, pytree, reverse
from ._validation import require_callable
from .core import as_float, check_output, count, finish, new_level, recording, shape_of

__all__ = ["linearize", "linear_transpose", "chain_jacobians"]


# ---------------------------------------------------------------------------------------------------
# Linearize: record f once, then push tangents through the recorded primitives
# ---------------------------------------------------------------------------------------------------
def linearize(f: Callable, *primals: Any) -> tuple[Any, Callable]:
    r"""``(f(x), f_jvp)`` with ``f_jvp(v) = J_f(x) v``: the linear map of ``f`` at ``x``, as ``jax.linearize``.

    ``f`` runs once, traced by reverse mode's :class:`calclib.reverse.Node`, which records every
    primitive as a graph node with its inputs, its output and its parameters: the *values* at ``x``,
    which the derivative rules read. That recording determines the linear map: each node
    :math:`y = g(x_1, \dots, x_k)` stands for :math:`\dot y = \sum_i \frac{\partial g}{\partial x_i}\,\dot x_i`,
    with the partials at the recorded values. ``f_jvp`` applies these steps in the order ``f`` made
    them, each by the primitive's JVP rule (:func:`calclib.forward.push_tangent`, the rules of
    :mod:`calclib.rules`), which computes the partials from the recorded values as it goes: forward
    mode over the recording. (JAX records the linear equations themselves, the partials already
    computed.) A call of ``f_jvp`` is one pass over the recorded nodes and no call of ``f``;
    ``jvp(f, (x,), (v,))`` would evaluate ``f`` again for each ``v``.

    ``f_jvp`` is linear in its tangents, so :func:`linear_transpose` can transpose it: the
    result is reverse mode, ``vjp(f, x)[1]``.

    Parameters
    ----------
    f : callable
        ``f(*primals)``, written with NumPy, returning an array (or a number).
    *primals : array_like
        The point :math:`x`: one number or array per argument of ``f``. (A pytree, a dict of
        parameters say, is one vector after :func:`calclib.pytree.ravel_pytree`.)

    Returns
    -------
    (out, f_jvp)
        ``out = f(*primals)``, and ``f_jvp(*tangents)``, one tangent per primal, each of its primal's
        shape, returning :math:`J_f(x)\,v` of ``out``'s shape.

    Examples
    --------
    >>> out, f_jvp = linearize(lambda x, y: np.sin(x) * y, 0.0, 3.0)   # ∂/∂x = y cos x, ∂/∂y = sin x
    >>> out, f_jvp(1.0, 0.0), f_jvp(0.0, 1.0)
    (0.0, 3.0, 0.0)
    """
    require_callable(f)
    level = new_level()
    leaves = tuple(reverse.Node(_primal_array(p, f"primals[{i}]"), level) for i, p in enumerate(primals))
    with recording(level):           # while recording, every node keeps all its values: the rules read them
        out = f(*leaves)
    count("forward passes")
    check_output(out)
    if not (isinstance(out, reverse.Node) and out._level == level):   # f does not depend on x: L = 0
        return finish(out), _zero_map(leaves, np.shape(out))
    steps = reverse.topological_order(out.graph_node)   # the nodes out depends on, in the order f made them
    inputs = [leaf.graph_node for leaf in leaves]

    def f_jvp(*tangents: Any) -> Any:
        """:math:`J_f(x)\\,v`: the tangents pushed through the recorded primitives."""
        tangent_of = dict(zip(inputs, _check_tangents(tangents, leaves)))
        for node in steps:
            if node.prim is not None:   # (an input's tangent is given)
                tangent_of[node] = _push(node, tangent_of)
        return finish(tangent_of[out.graph_node])

    return finish(out.primal), f_jvp


def _primal_array(p: Any, name: str) -> np.ndarray:
    """A primal as a float array; a pytree (tuple, list, dict) is refused, saying how to flatten it."""
    if pytree.is_container(p):
        raise TypeError(f"{name} is a {type(p).__name__}, which calclib (as JAX) treats as a pytree, but linearize "
                        f"takes numbers and arrays: pass np.array(...) of a list of numbers, or flatten a pytree "
                        f"with `vector, unravel = cl.pytree.ravel_pytree(tree)` and linearize "
                        f"`lambda v: f(unravel(v))` at `vector`")
    try:
        return as_float(p)
    except TypeError as exc:
        raise TypeError(f"{name}: {exc}") from None


def _push(node: reverse.GraphNode, tangent_of: dict) -> Any:
    """One step of the linear map: the node's output tangent from its traced inputs' tangents."""
    tangents = [None] * len(node.inputs)          # None: a constant input (no tangent)
    for i, parent in node.parents:
        tangents[i] = tangent_of[parent]
    return forward.push_tangent(node.prim, node.inputs, tuple(tangents), node.primal, node.params)


def _check_tangents(tangents: Sequence, leaves: Sequence[reverse.Node]) -> list:
    """The tangents as float arrays, one per primal and of its shape, or a clear error."""
    if len(tangents) != len(leaves):
        raise TypeError(f"f_jvp takes one tangent per primal: linearize had {len(leaves)} primal(s), f_jvp got "
                        f"{len(tangents)} tangent(s)")
    checked = []
    for i, (t, leaf) in enumerate(zip(tangents, leaves)):
        try:
            t = as_float(t)
        except TypeError as exc:
            raise TypeError(f"tangents[{i}]: {exc}") from None
        if shape_of(t) != shape_of(leaf.primal):
            raise ValueError(f"tangents[{i}] has shape {shape_of(t)} but primals[{i}] has shape "
                             f"{shape_of(leaf.primal)}: a tangent has its primal's shape")
        checked.append(t)
    return checked


def _zero_map(leaves: Sequence[reverse.Node], out_shape: tuple) -> Callable:
    """The linear map of a function that does not depend on its inputs: every tangent goes to 0."""
    def f_jvp(*tangents: Any) -> Any:
        _check_tangents(tangents, leaves)
        return finish(np.zeros(out_shape))

    return f_jvp


# ---------------------------------------------------------------------------------------------------
# Transpose: the VJP of a linear map
# ---------------------------------------------------------------------------------------------------
def linear_transpose(f_lin: Callable, *primals_like: Any) -> Callable:
    r"""The transpose :math:`w \mapsto L^\top w` of a linear map :math:`L` (``f_lin``), as ``jax.linear_transpose``.

    The transpose is the map with :math:`\langle L v, w\rangle = \langle v, L^\top w\rangle` for all
    :math:`v, w`, that is :math:`L^\top w = w^\top J_L`: a VJP. A linear map's Jacobian is the same at every
    point, :math:`J_L = L`, so the VJP at any point is the transpose; this takes it at 0
    (:func:`calclib.vjp`): ``f_lin`` is traced once, and each call of the transpose is one backward pass.
    Transposing the ``f_jvp`` of :func:`linearize` gives reverse mode: that is why reverse mode is
    forward mode transposed.

    ``f_lin`` is checked, with three plain evaluations, to map 0 to 0 and ``a + b`` to
    ``f_lin(a) + f_lin(b)`` at two random points: a nonlinear (or affine) function raises ``ValueError``.
    (For a nonlinear function the VJP at 0 would be the transpose of its derivative at 0, not of the
    function.) The check is numerical: a function that is linear at those points only passes it.

    Parameters
    ----------
    f_lin : callable
        A linear function ``f_lin(*v)`` of arrays (or pytrees), written with NumPy.
    *primals_like : array_like or pytree
        Arguments of ``f_lin``'s shapes and structure (their values are not used).

    Returns
    -------
    f_transpose : callable
        ``f_transpose(w)``, with ``w`` of ``f_lin``'s output structure and shapes, returning the tuple
        :math:`L^\top w`, one entry per argument of ``f_lin``, each of its argument's shape.

    Examples
    --------
    >>> A = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> linear_transpose(lambda v: A @ v, np.zeros(2))(np.array([1.0, 0.0, 0.0]))   # Aᵀ e₁
    (array([1., 2.]),)
    >>> linear_transpose(lambda x, y: 2 * x - y, 1.0, 1.0)(1.0)
    (2.0, -1.0)
    """
    require_callable(f_lin, "f_lin")
    if not primals_like:
        raise TypeError("linear_transpose needs f_lin's arguments, or arrays of their shapes: "
                        "linear_transpose(f_lin, np.zeros(n))")
    zeros = tuple(_zeros_like(p, i) for i, p in enumerate(primals_like))
    out_at_zero, pullback = api.vjp(f_lin, *zeros)
    _check_linear(f_lin, zeros, out_at_zero)

    def f_transpose(out_cotangent: Any) -> tuple:
        """:math:`L^\\top w`: one backward pass through ``f_lin``, one entry per argument of ``f_lin``."""
        return pullback(out_cotangent)

    return f_transpose


def _zeros_like(tree: Any, i: int) -> Any:
    def zeros(leaf: Any) -> np.ndarray:
        try:
            return np.zeros(shape_of(as_float(leaf)))
        except TypeError as exc:
            raise TypeError(f"primals_like[{i}]: {exc}") from None

    return pytree.tree_map(zeros, tree)


def _check_linear(f_lin: Callable, zeros: tuple, out_at_zero: Any) -> None:
    """Raise ``ValueError`` unless ``f_lin(0) = 0`` and ``f_lin(a + b) = f_lin(a) + f_lin(b)`` at random a, b."""
    at_zero = _flat(out_at_zero)
    if not np.all(at_zero == 0):
        raise ValueError(f"f_lin must be linear, but f_lin(0) = {_shown(at_zero)}, not 0 (a linear map sends 0 "
                         f"to 0: an affine function adds a constant; inf or NaN: the map has infinite entries). "
                         f"Transpose a JVP, e.g. the f_jvp of cl.linearize(f, x)")
    rng = np.random.default_rng(0)
    a, b = (pytree.tree_map(lambda z: rng.normal(size=np.shape(z)), zeros) for _ in range(2))
    a_plus_b = pytree.tree_map(np.add, a, b)
    f_a, f_b, f_ab = (_flat(f_lin(*v)) for v in (a, b, a_plus_b))
    scale = max(1.0, float(np.max(np.abs(np.concatenate([f_a, f_b, f_ab])), initial=0.0)))
    if not np.allclose(f_ab, f_a + f_b, rtol=0.0, atol=1e-8 * scale):
        raise ValueError(f"f_lin must be linear, but f_lin(a + b) = {_shown(f_ab)} differs from f_lin(a) + "
                         f"f_lin(b) = {_shown(f_a + f_b)} at random a, b: transpose a linear function, e.g. "
                         f"the f_jvp of cl.linearize(f, x), not f itself")


def _flat(tree: Any) -> np.ndarray:
    """All the numbers of an output pytree in one vector."""
    leaves = [np.ravel(np.asarray(leaf, dtype=float)) for leaf in pytree.tree_leaves(tree)]
    return np.concatenate(leaves) if leaves else np.zeros(0)


def _shown(v: np.ndarray) -> str:
    return np.array2string(v, precision=4, threshold=6)


# ---------------------------------------------------------------------------------------------------
# The chain y₀ → y₁ → … → y_k, one Jacobian per step
# ---------------------------------------------------------------------------------------------------
def chain_jacobians(fs: Sequence[Callable], x0: Any) -> list[np.ndarray]:
    r"""The Jacobians :math:`J_1, \dots, J_k` of the steps of the chain :math:`y_i = f_i(y_{i-1})`, :math:`y_0 = x_0`.

    :math:`J_i = J_{f_i}(y_{i-1})`, as a matrix of shape ``(y_i.size, y_{i-1}.size)`` (arrays
    raveled in NumPy's order; a number is a 1 × 1 matrix). By the chain rule the composition
    :math:`f = f_k \circ \dots \circ f_1` has :math:`J_f(x_0) = J_k \cdots J_1`, so

    .. math:: J_f\,v = J_k(\cdots(J_1 v)) \;\text{(forward mode)}, \qquad
              J_f^\top w = J_1^\top(\cdots(J_k^\top w)) \;\text{(reverse mode)}.

    Each :math:`J_i` is computed by :func:`calclib.jacobian` (reverse mode, one row at a time).

    Examples
    --------
    >>> A = np.array([[1.0, 2.0], [0.0, 1.0]])
    >>> J1, J2, J3 = chain_jacobians([lambda x: A @ x, np.sin, np.sum], np.zeros(2))
    >>> J1, J2, J3                      # A, diag(cos(A x₀)) = I, and a row of ones
    (array([[1., 2.],
           [0., 1.]]), array([[1., 0.],
           [0., 1.]]), array([[1., 1.]]))
    >>> J3 @ J2 @ J1                    # the gradient of sum(sin(A x)) at 0, as a row
    array([[1., 3.]])
    """
    if isinstance(fs, (str, bytes)) or not isinstance(fs, Sequence) or not fs:
        raise TypeError(f"fs must be a non-empty list of functions, the steps f_1, ..., f_k, got {fs!r:.60}")
    y = _primal_array(x0, "x0")
    jacobians = []
    for i, f in enumerate(fs):
        require_callable(f, f"fs[{i}]")
        y_next = as_float(f(y))
        J = api.jacobian(f)(y)
        jacobians.append(np.reshape(J, (np.size(y_next), np.size(y))))
        y = y_next
    return jacobians
