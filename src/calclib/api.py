r"""calclib's public API: function transformations named and behaving as in JAX.

Each transformation takes a function written with plain NumPy and returns a new function:

===============================  ==============================================================
``grad(f)``                      :math:`\nabla f`, same shape as the argument (``f`` returns a scalar)
``value_and_grad(f)``            :math:`(f(x), \nabla f(x))` from one forward and one backward pass
``derivative(f)``                :math:`f'` of a scalar function, at every point of an array at once
``jacobian(f)``                  :math:`J_f`, shape ``out.shape + x.shape``
``hessian(f)``                   :math:`\nabla^2 f`, exact: forward mode over reverse mode
``jvp(f, primals, tangents)``    :math:`(f(x), J_f(x)\,v)`, as ``jax.jvp``
``vjp(f, *primals)``             :math:`(f(x), \bar y \mapsto \bar y^\top J_f(x))`, as ``jax.vjp``
``check_grad(f, x)``             every mode side by side, each with its error
===============================  ==============================================================

``mode`` chooses how derivatives are computed: ``"reverse"`` and ``"forward"`` (automatic
differentiation, exact up to rounding) or a finite-difference method from :mod:`calclib.finite_diff`
(``"central"``, ``"forward-difference"``, ``"backward-difference"``, ``"complex-step"``,
``"richardson"``), which picks a near-optimal step itself unless ``h=`` is given.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from . import forward, reverse
from ._trace_table import TraceTable
from ._validation import require_callable
from .core import DomainWarning, as_float, check_output, count, count_passes, finish, new_level, primal, recording

__all__ = ["grad", "value_and_grad", "derivative", "jacobian", "hessian", "jvp", "vjp", "check_grad",
           "count_passes", "DomainWarning", "MODES", "DIFFERENCE_MODES"]

# count_passes (from calclib.core): the transformations count their passes where they make them.

AD_MODES = ("reverse", "forward")
DIFFERENCE_MODES = ("central", "forward-difference", "backward-difference", "complex-step", "richardson")
MODES = AD_MODES + DIFFERENCE_MODES

jvp = forward.jvp
vjp = reverse.vjp

def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}: choose one of {', '.join(repr(m) for m in MODES)}")


def _check_argnums(argnums: int | Sequence[int], nargs: int) -> tuple[int, ...]:
    try:
        nums = (argnums,) if isinstance(argnums, (int, np.integer)) else tuple(argnums)
    except TypeError:
        nums = ()
    if not nums or not all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in nums):
        raise ValueError(f"argnums must be an int or a tuple of ints, got {argnums!r}")
    for a in nums:
        if not -nargs <= a < nargs:
            raise ValueError(f"argnums={argnums!r} but the function was called with {nargs} argument(s)")
    return tuple(a % nargs for a in nums)


def _replace(args: tuple, i: int, value: Any) -> tuple:
    return args[:i] + (value,) + args[i + 1:]


def _scalar_output(out: Any, what: str) -> None:
    if np.ndim(primal(out)) != 0:
        raise ValueError(
            f"{what} needs f to return a scalar, but it returned an array of shape {np.shape(primal(out))}. "
            f"For a vector-valued f use cl.jacobian(f); to differentiate a sum, return np.sum(...)."
        )


def _finite_difference(mode: str):
    from . import finite_diff  # imported here: finite_diff does not need the AD engines

    return finite_diff


def value_and_grad(f: Callable, argnums: int | Sequence[int] = 0, mode: str = "reverse",
                   h: float | None = None) -> Callable:
    r"""A function returning :math:`(f(x), \nabla f(x))`.

    In reverse mode this costs one forward pass (recording the graph) and one backward pass, whatever
    the number of inputs. ``argnums`` chooses the argument(s) to differentiate with respect to; a tuple
    gives a tuple of gradients, as in JAX.

    Examples
    --------
    >>> value_and_grad(lambda x: np.sum(x ** 2))(np.array([1.0, 2.0]))
    (5.0, array([2., 4.]))
    """
    require_callable(f)
    _check_mode(mode)

    def value_and_grad_fn(*args: Any) -> tuple[Any, Any]:
        nums = _check_argnums(argnums, len(args))
        if mode == "reverse":
            out, pullback = reverse.vjp(lambda *xs: f(*_place(args, nums, xs)), *(args[i] for i in nums),
                                        retain_graph=False)
            _scalar_output(out, "grad")
            grads = pullback(1.0)
        else:
            args = _place(args, nums, [as_float(args[i]) for i in nums])  # ints promoted, as in AD
            out = _call(f, args)
            check_output(out)
            out = finish(out)
            _scalar_output(out, "grad")
            grads = tuple(_grad_other_mode(f, args, i, mode, h) for i in nums)
        return out, grads[0] if isinstance(argnums, (int, np.integer)) else tuple(grads)

    return value_and_grad_fn


def _place(args: tuple, nums: tuple[int, ...], values: Sequence) -> tuple:
    args = tuple(args)
    for i, v in zip(nums, values):
        args = _replace(args, i, v)
    return args


def _call(f: Callable, args: tuple) -> Any:
    count("function evaluations")
    with np.errstate(all="ignore"):
        return f(*args)


def _grad_other_mode(f: Callable, args: tuple, i: int, mode: str, h: float | None) -> Any:
    """∇ with respect to argument ``i`` by forward mode (one pass per entry) or finite differences."""
    def f_i(x):
        return f(*_replace(args, i, x))

    if mode == "forward":
        return forward.jacfwd(f_i)(as_float(args[i]))
    fd = _finite_difference(mode)
    counted = _counting(f_i)
    return finish(fd.gradient(counted, args[i], method=mode, h=h))


def _counting(f: Callable) -> Callable:
    def counted(*a, **k):
        count("function evaluations")
        return f(*a, **k)
    return counted


def grad(f: Callable, argnums: int | Sequence[int] = 0, mode: str = "reverse", h: float | None = None) -> Callable:
    r"""The gradient :math:`\nabla f`: a function returning an array shaped like the argument.

    Parameters
    ----------
    f : callable
        Written with plain NumPy; returns a scalar.
    argnums : int or tuple of int
        Which argument(s) to differentiate with respect to (a tuple gives a tuple of gradients).
    mode : str
        ``"reverse"`` (default), ``"forward"``, or a finite-difference method (see :data:`MODES`).
    h : float, optional
        Step for the finite-difference modes (default: chosen by the method).

    Examples
    --------
    >>> grad(lambda x: np.sum(x ** 2))(np.array([1.0, 2.0, 3.0]))
    array([2., 4., 6.])
    >>> grad(lambda x: x ** 3)(2.0)
    12.0
    >>> grad(grad(lambda x: x ** 3))(2.0)      # nested: f''(x) = 6x
    12.0
    """
    value_and_grad_fn = value_and_grad(f, argnums, mode, h)

    def grad_fn(*args: Any) -> Any:
        return value_and_grad_fn(*args)[1]

    return grad_fn


def derivative(f: Callable, mode: str = "reverse", h: float | None = None) -> Callable:
    r"""The derivative :math:`f'` of a function of one variable, evaluated at many points in one pass.

    ``f`` must act elementwise (each output entry depends only on the same input entry, as ``np.sin``
    does); then :math:`f'` at every point of ``x`` comes from one pass: reverse mode differentiates
    :math:`\sum_i f(x_i)`, forward mode pushes a tangent of ones.

    Only a change of shape is detected: a function that returns an array of the same shape but mixes
    entries (``x[::-1]``, ``x * np.sum(x)``) is not elementwise, and ``derivative`` then returns
    :math:`\mathbf{1}^\top J` (reverse) or :math:`J\mathbf{1}` (forward) rather than an error. Use
    :func:`jacobian` for such functions.

    Examples
    --------
    >>> derivative(np.sin)(np.array([0.0, np.pi]))
    array([ 1., -1.])
    """
    require_callable(f)
    _check_mode(mode)

    def derivative_fn(x: Any) -> Any:
        x = as_float(x)
        if mode == "reverse":
            out, pullback = reverse.vjp(f, x, retain_graph=False)
            _check_elementwise(out, x)
            return pullback(np.ones(np.shape(out)))[0]
        if mode == "forward":
            out, tangent = forward.jvp(f, (x,), (np.ones(np.shape(x)),))
            _check_elementwise(out, x)
            return tangent
        fd = _finite_difference(mode)
        return finish(fd.derivative(_counting(f), x, method=mode, h=h))

    return derivative_fn


def _check_elementwise(out: Any, x: Any) -> None:
    if np.shape(out) != np.shape(x):
        raise ValueError(
            f"derivative needs f to act elementwise (one output per input point), but an input of shape "
            f"{np.shape(x)} gave an output of shape {np.shape(out)}: use cl.grad or cl.jacobian instead"
        )


def jacobian(f: Callable, argnums: int = 0, mode: str = "reverse", h: float | None = None) -> Callable:
    r"""The Jacobian :math:`J_f`, an array of shape ``out.shape + x.shape``.

    ``mode="forward"``: one forward pass per input entry (column by column); ``mode="reverse"``: one
    forward pass, then one backward pass per output entry (row by row). Finite-difference modes: 2n
    (central) or n + 1 (one-sided) evaluations.

    Examples
    --------
    >>> jacobian(lambda x: np.stack([x[0] * x[1], np.sin(x[0])]))(np.array([0.0, 2.0]))
    array([[2., 0.],
           [1., 0.]])
    """
    require_callable(f)
    _check_mode(mode)
    if not isinstance(argnums, (int, np.integer)):
        raise ValueError(f"jacobian takes one argnums (an int), got {argnums!r}")

    def jacobian_fn(*args: Any) -> Any:
        (i,) = _check_argnums(argnums, len(args))
        x = as_float(args[i])
        if mode == "forward":
            return forward.jacfwd(f, i)(*_replace(args, i, x))
        if mode == "reverse":
            return reverse.jacrev(f, i)(*_replace(args, i, x))
        fd = _finite_difference(mode)
        return finish(fd.jacobian(_counting(lambda xi: f(*_replace(args, i, xi))), x, method=mode, h=h))

    return jacobian_fn


def hessian(f: Callable, argnums: int = 0) -> Callable:
    r"""The Hessian :math:`\nabla^2 f`, exact: forward mode over reverse mode.

    Column :math:`j` is the derivative of :math:`\nabla f` in direction :math:`e_j`, computed by pushing a
    forward-mode tangent through the reverse-mode gradient: n passes of (forward + backward).
    Shape ``x.shape + x.shape``.

    Examples
    --------
    >>> hessian(lambda p: 2 * p[0] ** 2 + 3 * p[1] ** 2 - p[0] * p[1])(np.array([1.0, 3.0]))
    array([[ 4., -1.],
           [-1.,  6.]])
    """
    require_callable(f)
    return jacobian(grad(f, argnums=argnums), argnums=argnums, mode="forward")


def _non_analytic_primitives(f: Callable, x: Any) -> set[str]:
    """The primitives of ``f`` at ``x`` that have no complex derivative (read off the traced graph)."""
    level = new_level()
    with recording(level) as recorded:
        f(reverse.Node(x, level))
    count("forward passes")
    return {node.prim.name for node in recorded if not node.prim.analytic}


def check_grad(f: Callable, x: Any, modes: Sequence[str] = MODES) -> TraceTable:
    r"""Every way of computing :math:`\nabla f(x)` side by side, each with its error against reverse mode.

    Reverse mode is the reference. Forward mode must agree to 1e-10 (relative); each finite-difference
    method must agree within its own error estimate (truncation + round-off, from
    :func:`calclib.finite_diff.gradient`). Raises ``AssertionError`` naming the first mode that does not.
    The complex step is skipped (and says why) when ``f`` uses ``abs``, ``maximum`` or ``minimum``,
    which are not complex-analytic.

    Returns a table (HTML in Jupyter): mode, gradient (or its norm for long vectors), max abs error,
    allowed error.
    """
    require_callable(f)
    x = as_float(x)
    reference = np.asarray(grad(f)(x), dtype=float)
    scale = max(1.0, float(np.max(np.abs(reference))) if reference.size else 1.0)
    rows, failures = [], []
    for mode in modes:
        _check_mode(mode)
        if mode == "complex-step" and (kinks := _non_analytic_primitives(f, x)):
            rows.append((mode, f"not applicable: f uses {', '.join(sorted(kinks))}, which has no complex "
                               f"derivative", "", ""))
            continue
        try:
            if mode in AD_MODES:
                g = np.asarray(grad(f, mode=mode)(x), dtype=float)
                allowed = 1e-10 * scale
            else:
                g, err = _finite_difference(mode).gradient(f, x, method=mode, return_error=True)
                g = np.asarray(g, dtype=float)
                allowed = float(np.max(np.asarray(err))) + 1e-13 * scale
        except Exception as exc:  # complex step through np.abs, say
            rows.append((mode, f"not applicable: {exc}", "", ""))
            continue
        error = float(np.max(np.abs(g - reference))) if g.size else 0.0
        shown = g if g.size <= 4 else f"‖g‖ = {np.linalg.norm(g):.6g}"
        rows.append((mode, shown, f"{error:.2e}", f"{allowed:.2e}"))
        if not error <= allowed:
            failures.append(f"{mode}: max error {error:.2e} exceeds its bound {allowed:.2e}")
    table = TraceTable(["mode", "gradient", "max abs error vs reverse", "allowed"], rows,
                       title=f"check_grad at x = {np.array2string(x, precision=4, threshold=6)}")
    if failures:
        raise AssertionError("gradients disagree:\n" + "\n".join(failures) + f"\n{table!r}")
    return table
