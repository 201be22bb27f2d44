r"""Optimization with derivatives: gradient descent, momentum, line search, Newton's method, SGD.

Every method walks downhill from a start :math:`x_0`, one update at a time:

* :func:`gradient_descent`: :math:`x \leftarrow x - \varepsilon \nabla f(x)` until
  :math:`\|\nabla f(x)\| <` ``tol``; with **momentum**, :math:`v \leftarrow \alpha v - \varepsilon \nabla f(x)`,
  :math:`x \leftarrow x + v`; **Nesterov** momentum takes :math:`\nabla f` at the look-ahead
  :math:`x + \alpha v`; an **Armijo line search** picks the step length;
* :func:`newton`: solve :math:`H(x)\,p = -\nabla f(x)`, :math:`x \leftarrow x + p`, until
  :math:`\|p\| <` ``tol`` (one variable: :math:`x \leftarrow x - f'(x)/f''(x)`);
* :func:`newton_cg`: truncated Newton, matrix-free: solve :math:`H(x)\,p = -\nabla f(x)` only roughly, by
  conjugate gradients that need nothing but Hessian-vector products (:func:`calclib.hvp`), then an Armijo
  line search along :math:`p`, until :math:`\|\nabla f(x)\| <` ``tol``; :math:`H` is never formed;
* :func:`newton_root`: Newton–Raphson for :math:`g(x) = 0`, :math:`x \leftarrow x - g(x)/g'(x)`;
* :func:`sgd`: :math:`x \leftarrow x - \varepsilon \nabla L_B(x)` on mini-batches :math:`B`, reshuffled
  every epoch;
* :func:`classify_critical_point`: minimum, maximum, saddle or undecided, from the Hessian's eigenvalues.

Derivatives come from ``calclib`` itself: ``grad="reverse"`` (the default) is reverse-mode automatic
differentiation, and any mode name of :func:`calclib.grad` works (``"forward"``, ``"central"``,
``"complex-step"``, ...). You may pass your own function instead, e.g. a gradient derived by hand.

Every method returns a result (:class:`OptimizeResult`, :class:`RootResult`) with the answer *and* the
whole trajectory (``path``, ``values``, ``grad_norms``), for plots and animations. A run that blows
up (an iterate, a value or a gradient turns ``inf`` or ``nan``, or grows by a factor of more than
:data:`BLOWUP`) stops with ``converged=False``, keeps the last good iterate as the answer, and says
in ``message`` at which step it diverged and what to try. No ``RuntimeWarning`` is printed.

Why a run stopped is also in ``status``, one word for programs (see :data:`STATUSES`): test
``res.status == "diverged"``, not the words of ``message``.

**Pytree parameters.** :func:`gradient_descent` and :func:`sgd` (with every variant: momentum,
Nesterov, line search) also take a pytree start (:mod:`calclib.pytree`), such as a network's
``{"W1": W1, "b1": b1, "W2": W2, "b2": b2}`` or a tuple of arrays of different shapes. ``f`` is called
with a pytree of the same structure, and the result's ``x`` has that structure; ``path`` too, each leaf
stacked over the iterates (``res.path["W1"][k]`` is ``W1`` after ``k`` updates), so that the path of
an array start is what it always was. Internally the run works on all the parameters flattened into
one vector, in the order of :func:`calclib.pytree.tree_leaves` (norms, the divergence test and the
Armijo line search see that vector, which is also what messages print); the updates are the same,
leaf by leaf. A (nested) list of numbers, such as ``[1.0, -2.0]``, is still one array.

Examples
--------
>>> res = gradient_descent(lambda x: x**2, 5.0, learning_rate=0.1, steps=25, tol=0, grad=lambda x: 2 * x)
>>> res.nit, round(res.x, 6)
(25, 0.018889)
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterator
from warnings import catch_warnings, simplefilter

import numpy as np

from . import pytree
from ._validation import as_float_array, require_callable, require_positive

__all__ = [
    "OptimizeResult", "RootResult", "gradient_descent", "newton", "newton_cg", "newton_root", "sgd",
    "classify_critical_point", "armijo_step", "momentum_matrix", "momentum_rate", "optimal_momentum",
]

Array = np.ndarray

#: The names of the derivative modes that :func:`calclib.grad` accepts (``grad=`` may be one of them).
MODES = ("reverse", "forward", "central", "forward-difference", "backward-difference", "complex-step", "richardson")

#: Armijo's sufficient decrease: accept :math:`t` when :math:`f(x + td) \le f(x) + c\,t\,\nabla f(x)\cdot d`.
ARMIJO_C = 1e-4
ARMIJO_SHRINK = 0.5  #: backtracking: try :math:`t, t/2, t/4, \ldots`
ARMIJO_MAX_TRIES = 60  #: give up after this many halvings (:math:`2^{-60} \approx 10^{-18}`)

#: The values of ``result.status``, and what each means.
STATUSES = {
    "converged": "the stopping test was met (newton: at a point where the Hessian is positive definite)",
    "completed": "sgd ran every epoch without diverging (it has no stopping test)",
    "max_iter": "the most steps allowed were taken before the stopping test was met",
    "diverged": "an iterate, f or its gradient blew up or left the domain; x is the last good iterate",
    "singular": "the Newton system has no unique solution (f'' = 0, a singular Hessian or Jacobian)",
    "line_search_failed": "no step along the search direction decreased f enough",
    "not_a_minimum": "newton stopped at a critical point whose Hessian is not positive definite "
                     "(a maximum, a saddle, or undecided by the second-derivative test, as x³ at 0)",
}

#: A run has diverged when ‖x‖ or |f(x)| grows beyond ``BLOWUP`` times its size at the start (plus 1).
BLOWUP = 1e10


# ---------------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------------


def _fmt(x: Any) -> str:
    """A short, readable form of a number or an array, for messages."""
    x = np.asarray(x)
    if x.ndim == 0:
        return f"{float(x):.6g}"
    return np.array2string(x, precision=6, separator=", ", threshold=8)


def _steps_text(n: int) -> str:
    """'1 step', '4 steps'."""
    return f"{n} step" if n == 1 else f"{n} steps"


def _public(x: Array) -> float | Array:
    """A Python float for a 0-d array (scalars in, scalars out), the array otherwise."""
    return float(x) if x.ndim == 0 else x


def _frozen(values: list) -> Array:
    """Stack a list of iterates or values into a read-only float array."""
    arr = np.array(values, dtype=float)
    arr.flags.writeable = False
    return arr


class _Shown:
    """Text that reprs as itself (to print a pytree of summaries)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _fmt_x(x: Any) -> str:
    """:func:`_fmt`, or for a pytree its structure with each leaf's value (a number) or shape."""
    if not pytree.is_container(x):
        return _fmt(x)
    return repr(pytree.tree_map(lambda v: _Shown(_fmt(v) if np.ndim(v) == 0 else f"<array {np.shape(v)}>"), x))


def _repr_lines(result: Any, norms_name: str) -> str:
    """The common ``__repr__`` of the result classes: one field per line, trajectories summarized."""
    norms = getattr(result, norms_name)
    path = (f"array of shape {result.path.shape}" if isinstance(result.path, np.ndarray)
            else "pytree like x, each leaf stacked")
    lines = [
        f"{type(result).__name__}({result.method})",
        f"  converged:  {result.converged}",
        f"  status:     {result.status}",
        f"  message:    {result.message}",
        f"  x:          {_fmt_x(result.x)}",
        f"  fun:        {_fmt(result.fun)}",
        f"  nit:        {result.nit}",
        f"  path:       {path} (x_0, ..., x_{result.nit})",
        f"  values:     {_fmt(result.values[0])} → {_fmt(result.values[-1])}",
        f"  {norms_name + ':':<11} {norms[0]:.3g} → {norms[-1]:.3g}",
    ]
    if getattr(result, "hvp_count", None) is not None:
        lines.append(f"  hvp_count:  {result.hvp_count}")
    lines += [f"  warning:    {w}" for w in result.warnings[:3]]
    if len(result.warnings) > 3:
        lines.append(f"  warning:    ... and {len(result.warnings) - 3} more (see .warnings)")
    return "\n".join(lines)


@dataclass(frozen=True, eq=False, repr=False)
class OptimizeResult:
    r"""The outcome of a minimization, with its whole trajectory.

    Attributes
    ----------
    x : float, ndarray or pytree
        The last iterate :math:`x_{\text{nit}}` (a float when the start was a number; a pytree of the
        start's structure when it was one, see the module's introduction).
    fun : float
        :math:`f(x)`.
    nit : int
        The number of updates performed.
    converged : bool
        Whether the stopping test was met (:func:`sgd`: whether every epoch ran without diverging).
    message : str
        Why the run stopped, in words.
    path : ndarray, shape ``(nit + 1,) + x.shape``, or pytree
        The iterates :math:`x_0, x_1, \ldots, x_{\text{nit}}`. For a pytree start, a pytree of the same
        structure whose leaves stack the iterates: shape ``(nit + 1,) + leaf.shape``.
    values : ndarray, shape ``(nit + 1,)``
        :math:`f` at each iterate.
    grad_norms : ndarray, shape ``(nit + 1,)``
        :math:`\|\nabla f\|` at each iterate.
    method : str
        Which method produced it, e.g. ``"gradient descent (momentum 0.8)"``.
    warnings : tuple of str
        Things worth knowing that did not stop the run (e.g. a Newton step that went uphill).
    batch_losses : ndarray or None
        :func:`sgd` only: the mini-batch loss at every update (a noisy curve); ``path``, ``values`` and
        ``grad_norms`` are then recorded once per epoch, on the full data.
    status : str
        Why the run stopped, one word from :data:`STATUSES` (``"converged"``, ``"diverged"``, ...).
    hvp_count : int or None
        :func:`newton_cg` only: the number of Hessian-vector products :math:`H(x_k)\,d` it computed, one per
        conjugate-gradient iteration, over all its steps (each costs a few gradients; :math:`H` itself is
        never formed). ``None`` for the other methods.
    """

    x: float | Array
    fun: float
    nit: int
    converged: bool
    message: str
    path: Array
    values: Array
    grad_norms: Array
    method: str = ""
    warnings: tuple[str, ...] = ()
    batch_losses: Array | None = None
    status: str = ""
    hvp_count: int | None = None

    def __repr__(self) -> str:
        return _repr_lines(self, "grad_norms")


@dataclass(frozen=True, eq=False, repr=False)
class RootResult:
    r"""The outcome of Newton–Raphson for :math:`g(x) = 0`, with its whole trajectory.

    Attributes
    ----------
    x : float or ndarray
        The last iterate (a float when the start was a number).
    fun : float or ndarray
        The residual :math:`g(x)`, zero at a root.
    nit : int
        The number of updates performed.
    converged : bool
        Whether the Newton step became negligible (see :func:`newton_root`).
    message : str
        Why the run stopped, in words.
    path : ndarray, shape ``(nit + 1,) + x.shape``
        The iterates.
    values : ndarray, shape ``(nit + 1,) + g(x).shape``
        :math:`g` at each iterate.
    residual_norms : ndarray, shape ``(nit + 1,)``
        :math:`\|g\|` at each iterate: it roughly squares at every step near a simple root.
    method : str
        ``"newton_root"``.
    warnings : tuple of str
        Always empty; there for symmetry with :class:`OptimizeResult`.
    status : str
        Why the run stopped, one word from :data:`STATUSES`.
    """

    x: float | Array
    fun: float | Array
    nit: int
    converged: bool
    message: str
    path: Array
    values: Array
    residual_norms: Array
    method: str = "newton_root"
    warnings: tuple[str, ...] = ()
    status: str = ""

    def __repr__(self) -> str:
        return _repr_lines(self, "residual_norms")


class _Trajectory:
    """The iterates of a run with f (or g) and a norm at each; turns into a result at the end."""

    def __init__(self, x: Array, value: Any, norm: float) -> None:
        self.points, self.values, self.norms = [x], [value], [norm]

    def add(self, x: Array, value: Any, norm: float) -> None:
        """Record one more iterate."""
        self.points.append(x)
        self.values.append(value)
        self.norms.append(norm)

    @property
    def nit(self) -> int:
        """Updates performed so far."""
        return len(self.points) - 1

    def result(self, status: str, message: str, method: str, warnings: list[str] | tuple = (),
               cls: type = OptimizeResult, **extra: Any) -> Any:
        """Freeze into an :class:`OptimizeResult` (or ``cls``) that stopped for reason ``status``."""
        assert status in STATUSES, status
        x = self.points[-1]
        return cls(_public(x), _public(np.asarray(self.values[-1])), self.nit, status in ("converged", "completed"),
                   message, _frozen(self.points), _frozen(self.values), _frozen(self.norms), method,
                   tuple(warnings), status=status, **extra)


# ---------------------------------------------------------------------------------------------------
# Checking input; evaluating f and its derivatives
# ---------------------------------------------------------------------------------------------------


@contextmanager
def _quietly() -> Iterator[None]:
    """Silence NumPy's floating-point warnings and calclib's ``DomainWarning`` during a run.

    A run reports overflow, ``nan`` and leaving the domain of ``f`` in its ``message`` instead.
    """
    from .api import DomainWarning

    with np.errstate(all="ignore"), catch_warnings():
        simplefilter("ignore", DomainWarning)
        yield


def _start(x0: Any, name: str = "x0") -> Array:
    """``x0`` as a float array, refused if it contains inf or nan."""
    if _is_pytree(x0):
        raise TypeError(f"{name} is a pytree (a {type(x0).__name__} of arrays), but this method needs one array: "
                        f"gradient_descent and sgd accept pytrees; otherwise flatten it with "
                        f"calclib.pytree.ravel_pytree")
    x = as_float_array(x0, name)
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be finite (no inf or nan), got {_fmt(x)}")
    return x.copy()


def _is_pytree(x0: Any) -> bool:
    """Whether a start is pytree parameters (a dict, a tuple of arrays, ...), not one array: a (nested)
    list of numbers is one array, as always (see :func:`calclib.pytree.is_array_like`)."""
    return not pytree.is_array_like(x0)


class _Flattened:
    """Pytree parameters as one flat vector for the loops, and back (see the module's introduction)."""

    def __init__(self, x0: Any, name: str) -> None:
        pairs, self.treedef = pytree.tree_flatten_with_path(x0)
        arrays = []
        for path, leaf in pairs:
            a = as_float_array(leaf, f"{name}{path}")
            if not np.all(np.isfinite(a)):
                raise ValueError(f"{name}{path} must be finite (no inf or nan), got {_fmt(a)}")
            arrays.append(a)
        self.shapes = [a.shape for a in arrays]
        self.bounds = np.cumsum([0] + [a.size for a in arrays])
        self.x = np.concatenate([a.ravel() for a in arrays]) if arrays else np.zeros(0)

    def tree(self, v: Array) -> Any:
        """The pytree of the flat vector ``v`` (fresh arrays; a float where a leaf is a scalar)."""
        leaves = []
        for shape, a, b in zip(self.shapes, self.bounds[:-1], self.bounds[1:]):
            piece = np.array(v[a:b], dtype=float).reshape(shape)
            leaves.append(float(piece) if piece.ndim == 0 else piece)
        return pytree.tree_unflatten(self.treedef, leaves)

    def vector(self, tree: Any, name: str) -> Array:
        """A pytree of the parameters' structure (a gradient) as one flat vector."""
        leaves, treedef = pytree.tree_flatten(tree)
        if treedef != self.treedef:
            raise ValueError(f"{name} must return a pytree of the structure of the parameters, {self.treedef}, "
                             f"got {treedef}")
        pieces = []
        for leaf, shape in zip(leaves, self.shapes):
            piece = np.asarray(leaf, dtype=float)
            if piece.shape != shape:
                raise ValueError(f"{name} must return arrays shaped like the parameters: expected {shape}, "
                                 f"got {piece.shape}")
            pieces.append(piece.ravel())
        return np.concatenate(pieces) if pieces else np.zeros(0)

    def function(self, f: Callable) -> Callable:
        """``f`` of the pytree, as a function of the flat vector."""
        return lambda v, *args: f(self.tree(v), *args)

    def gradient(self, gradient: Callable) -> Callable:
        """A gradient returning a pytree, as a function of the flat vector returning one."""
        return lambda v, *args: self.vector(gradient(self.tree(v), *args), "grad")

    def result(self, res: OptimizeResult) -> OptimizeResult:
        """The result with ``x`` and ``path`` in the parameters' structure."""
        path = np.reshape(res.path, (len(res.path), -1))
        leaves = [path[:, a:b].reshape((len(path),) + shape)
                  for shape, a, b in zip(self.shapes, self.bounds[:-1], self.bounds[1:])]
        return replace(res, x=self.tree(np.reshape(res.x, -1)), path=pytree.tree_unflatten(self.treedef, leaves))


def _parameters(x0: Any, name: str = "x0") -> tuple[Array, _Flattened | None]:
    """The start as a flat float vector and its pytree (``None``, and the array as always, for an array)."""
    if not _is_pytree(x0):
        return _start(x0, name), None
    tree = _Flattened(x0, name)
    return tree.x.copy(), tree


def _count(n: Any, name: str, minimum: int = 0) -> int:
    """A whole number ≥ ``minimum`` (``steps``, ``epochs``, ``batch_size``)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"{name} must be a whole number, got {type(n).__name__}: {n!r}")
    if n < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {n}")
    return int(n)


def _tolerance(tol: Any, name: str = "tol") -> float:
    """A finite number ≥ 0."""
    try:
        t = float(tol)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a number ≥ 0, got {type(tol).__name__}") from exc
    if not np.isfinite(t) or t < 0:
        raise ValueError(f"{name} must be a finite number ≥ 0, got {tol!r}")
    return t


def _line_search(line_search: Any) -> str | None:
    """``None`` or ``"armijo"``."""
    if line_search not in (None, "armijo"):
        raise ValueError(f"line_search must be None or 'armijo', got {line_search!r}")
    return line_search


def _norm(v: Any) -> float:
    """Euclidean norm of an array of any shape (a matrix counts as a long vector); inf/nan if v has any."""
    v = np.asarray(v, dtype=float)
    return math.sqrt(float(np.vdot(v, v)))


def _derivative_function(f: Callable, given: Any, name: str, transform: str) -> Callable:
    """``given`` if it is a function; else ``calclib.<transform>(f, mode=given)`` (default ``"reverse"``).

    ``transform`` is ``"grad"``, ``"derivative"``, ``"jacobian"`` or ``"hessian"`` (calclib's API).
    """
    if given is None:
        given = "reverse"
    if callable(given):
        return given
    if not isinstance(given, str):
        raise TypeError(f"{name} must be a function or a mode name such as 'reverse', got {type(given).__name__}")
    if given not in MODES:
        raise ValueError(f"unknown {name} mode {given!r}; choose one of {', '.join(map(repr, MODES))}, "
                         f"or pass a function")
    from . import api

    return getattr(api, transform)(f, mode=given)


def _hessian_function(f: Callable, hessian: Any) -> Callable:
    """``hessian`` if it is a function, else calclib's exact Hessian ``calclib.hessian(f)``."""
    if hessian is None:
        from . import api

        return api.hessian(f)
    if not callable(hessian):
        raise TypeError(f"hessian must be a function returning the Hessian matrix (or None), "
                        f"got {type(hessian).__name__}")
    return hessian


def _value(f: Callable, x: Array, name: str = "f") -> float:
    """:math:`f(x)` as a float; ``f`` must return one number."""
    y = np.asarray(f(_public(x)))
    if y.size != 1 or y.dtype.kind not in "fiu":
        raise ValueError(f"{name} must return a single real number, got {y.dtype} array of shape {y.shape}")
    return float(y.reshape(()))


def _vector(fn: Callable, x: Array, shape: tuple, name: str, *args: Any) -> Array:
    """Call a derivative function and check that its result has the expected shape."""
    out = np.asarray(fn(_public(x), *args), dtype=float)
    if out.size != x.size:
        raise ValueError(f"{name} must return an array of shape {shape} (one entry per entry of x), "
                         f"got shape {out.shape}")
    return out.reshape(shape)


def _why_diverged(x: Array, value: float, grad_norm: float, scale: tuple[float, float],
                  name: str = "f(x)") -> str | None:
    """The reason a new iterate counts as divergence, or ``None`` if it is fine.

    ``grad_norm`` is ‖∇f(x)‖ (pass 0.0 when there is no gradient to check). ``scale`` is
    (1 + ‖x₀‖, 1 + |f(x₀)|): growth beyond :data:`BLOWUP` times these is divergence. ``name`` names
    ``value`` in the message.
    """
    x_norm = _norm(x)
    if not math.isfinite(x_norm):
        return "the iterate overflowed to inf/nan"
    if not math.isfinite(value):
        return f"{name} = {value} at x = {_fmt(x)} (outside the domain, or an overflow)"
    if not math.isfinite(grad_norm):
        return f"the gradient is not finite at x = {_fmt(x)}"
    if x_norm > BLOWUP * scale[0]:
        return f"‖x‖ = {x_norm:.3g} grew without bound"
    if abs(value) > BLOWUP * scale[1]:
        return f"|{name}| = {abs(value):.3g} grew without bound"
    return None


def _diverged_message(step: int, reason: str, last: Array, hint: str) -> str:
    """The message of a run stopped by divergence."""
    return (f"diverged at step {step}: {reason}. Stopped and returned x_{step - 1} = {_fmt(last)}, "
            f"the last iterate before that (not a minimizer). {hint}")


# ---------------------------------------------------------------------------------------------------
# Gradient descent
# ---------------------------------------------------------------------------------------------------


def armijo_step(f: Callable, x: Any, direction: Any, gradient: Any, t0: float = 1.0,
                fx: float | None = None) -> float | None:
    r"""Backtracking (Armijo) line search: the first :math:`t = t_0, t_0/2, t_0/4, \ldots` with

    .. math:: f(x + t d) \le f(x) + c\, t\, \nabla f(x) \cdot d, \qquad c = 10^{-4},

    a step that decreases :math:`f` by at least a fraction :math:`c` of what the slope promises.
    :math:`d` must be a descent direction (:math:`\nabla f(x) \cdot d < 0`); then a small enough
    :math:`t` always works.

    Parameters
    ----------
    f : callable
        The function to minimize.
    x, direction, gradient : float or array
        The point, the direction :math:`d` and :math:`\nabla f(x)` (all the same shape).
    t0 : float
        The first step length tried (gradient descent: the learning rate; Newton: 1).
    fx : float, optional
        :math:`f(x)`, if already known.

    Returns
    -------
    float or None
        The accepted :math:`t`, or ``None`` if 60 halvings found none (then :math:`x` is a minimizer up
        to rounding, or :math:`d` is not a descent direction).

    Examples
    --------
    >>> armijo_step(lambda x: x**2, 1.0, direction=-2.0, gradient=2.0, t0=1.0)
    0.5
    """
    x, d = np.asarray(x, dtype=float), np.asarray(direction, dtype=float)
    fx = _value(f, x) if fx is None else fx
    slope = float(np.sum(np.asarray(gradient, dtype=float) * d))
    t = float(t0)
    with _quietly():
        for _ in range(ARMIJO_MAX_TRIES):
            trial = _value(f, x + t * d)
            if np.isfinite(trial) and trial <= fx + ARMIJO_C * t * slope:
                return t
            t *= ARMIJO_SHRINK
    return None


def _descent_method(momentum: float, nesterov: bool, line_search: str | None) -> str:
    """The name of the variant, for ``result.method``."""
    if line_search:
        return "gradient descent (Armijo line search)"
    if momentum:
        return f"gradient descent ({'Nesterov ' if nesterov else ''}momentum {momentum:g})"
    return "gradient descent"


def _stop_message(run: _Trajectory, steps: int, tol: float) -> str:
    """The message of a gradient-descent run that did not diverge."""
    norm = run.norms[-1]
    if norm < tol:
        return f"converged in {_steps_text(run.nit)}: ‖∇f(x)‖ = {norm:.3g} < tol = {tol:g}"
    if tol == 0:
        return f"ran all {_steps_text(steps)} (tol = 0: no stopping test); ‖∇f(x)‖ = {norm:.3g}"
    msg = f"stopped after the maximum of {_steps_text(steps)}: ‖∇f(x)‖ = {norm:.3g} is still ≥ tol = {tol:g}"
    uphill = int(np.sum(np.diff(run.values) > 0))
    if uphill > run.nit // 4:
        msg += (f"; f went up at {uphill} of the {run.nit} steps: the iterates oscillate, "
                f"the learning rate is probably too large")
    return msg


def gradient_descent(f: Callable, x0: Any, learning_rate: float, steps: int = 1000, tol: float = 1e-6,
                     momentum: float = 0.0, nesterov: bool = False, line_search: str | None = None,
                     grad: Callable | str | None = None) -> OptimizeResult:
    r"""Minimize ``f`` by gradient descent (steepest descent), optionally with momentum or line search.

    Plain gradient descent takes a step of length proportional to the slope, downhill:

    .. math:: x_{k+1} = x_k - \varepsilon\, \nabla f(x_k).

    With **momentum** :math:`\alpha` a velocity remembers past steps, which speeds the walk along long
    valleys and damps the zig-zag across them:

    .. math:: v_{k+1} = \alpha v_k - \varepsilon \nabla f(x_k), \qquad x_{k+1} = x_k + v_{k+1},
              \qquad v_0 = 0.

    **Nesterov** momentum evaluates the gradient at the look-ahead point :math:`x_k + \alpha v_k`
    instead. With ``line_search="armijo"`` each step is :math:`x_k - t\,\nabla f(x_k)` with :math:`t`
    from :func:`armijo_step`: :math:`t = \varepsilon, \varepsilon/2, \ldots` (shrink 0.5) until
    :math:`f` decreases by at least :math:`c\,t\,\|\nabla f\|^2`, :math:`c = 10^{-4}`.

    The run stops when :math:`\|\nabla f(x_k)\| <` ``tol`` (``tol=0``: never, all ``steps`` run), after
    ``steps`` updates, or when it diverges (see the module's introduction).

    Parameters
    ----------
    f : callable
        The function to minimize: ``f(x)`` returns one number. Plain NumPy, so calclib can
        differentiate it.
    x0 : float, array or pytree
        The start; a pytree (a dict or tuple of arrays, say) gives ``f`` parameters of that structure
        (see the module's introduction).
    learning_rate : float
        The step size :math:`\varepsilon > 0`.
    steps : int
        The most updates to perform.
    tol : float
        Stop when :math:`\|\nabla f(x)\| <` ``tol``.
    momentum : float
        :math:`\alpha \in [0, 1)`; 0 is plain gradient descent.
    nesterov : bool
        Use Nesterov's look-ahead gradient (needs ``momentum > 0``).
    line_search : None or "armijo"
        Backtracking line search along :math:`-\nabla f` (not combined with momentum).
    grad : callable or str, optional
        :math:`\nabla f`: a function of ``x`` (e.g. derived by hand), or a calclib mode name
        (default ``"reverse"``: reverse-mode AD).

    Returns
    -------
    OptimizeResult
        ``x``, ``fun``, ``nit``, ``converged``, ``message`` and the trajectory ``path``, ``values``,
        ``grad_norms``.

    Examples
    --------
    The parabola :math:`x^2` from 5 with :math:`\varepsilon = 0.1`: every step multiplies x by 0.8.

    >>> res = gradient_descent(lambda x: x**2, 5.0, 0.1, steps=25, tol=0, grad=lambda x: 2 * x)
    >>> bool(np.isclose(res.x, 5 * 0.8**25)), res.path.shape
    (True, (26,))

    Parameters in a dict: ``x`` and ``path`` have its keys.

    >>> res = gradient_descent(lambda p: np.sum((p["w"] - 1) ** 2) + p["b"] ** 2,
    ...                        {"w": np.zeros(2), "b": 1.0}, 0.25, steps=50, tol=1e-8)
    >>> res.x["w"].round(6), round(res.x["b"], 6), res.path["w"].shape == (res.nit + 1, 2)
    (array([1., 1.]), 0.0, True)
    """
    require_callable(f)
    x, tree = _parameters(x0)
    lr = require_positive(learning_rate, "learning_rate")
    steps, tol = _count(steps, "steps"), _tolerance(tol)
    alpha, line_search = _momentum(momentum, nesterov), _line_search(line_search)
    if line_search and alpha:
        raise ValueError("line_search='armijo' and momentum cannot be combined: choose one of them")
    gradient = _derivative_function(f, grad, "grad", "grad")
    if tree is not None:   # a pytree: the loop works on the flat vector
        f, gradient = tree.function(f), tree.gradient(gradient)
    method = _descent_method(alpha, nesterov, line_search)
    hint = f"Try a smaller learning_rate (it was {lr:g})" + (" or a smaller momentum." if alpha else ".")
    with _quietly():
        res = _descend(f, gradient, x, lr, steps, tol, alpha, nesterov, line_search, method, hint)
    return res if tree is None else tree.result(res)


def _momentum(momentum: Any, nesterov: Any) -> float:
    """Check :math:`\\alpha \\in [0, 1)` and that Nesterov has some momentum to look ahead with."""
    alpha = _tolerance(momentum, "momentum")
    if alpha >= 1:
        raise ValueError(f"momentum must be in [0, 1) (the velocity must fade), got {momentum!r}")
    if not isinstance(nesterov, (bool, np.bool_)):
        raise TypeError(f"nesterov must be True or False, got {nesterov!r}")
    if nesterov and alpha == 0:
        raise ValueError("nesterov=True needs momentum > 0 (e.g. momentum=0.9)")
    return alpha


def _evaluate(f: Callable, gradient: Callable, x: Array) -> tuple[float, Array, float]:
    r""":math:`f(x)`, :math:`\nabla f(x)` and :math:`\|\nabla f(x)\|` (no gradient where x is not finite)."""
    fx = _value(f, x)
    if not math.isfinite(_norm(x)):
        return fx, x, math.nan
    g = _vector(gradient, x, x.shape, "grad")
    return fx, g, _norm(g)


def _check_first(x: Array, fx: float, g_norm: float, name: str = "f") -> tuple[float, float]:
    """Refuse a start where f or its derivative is not finite; return the scale for :func:`_why_diverged`."""
    if not (math.isfinite(fx) and math.isfinite(g_norm)):
        raise ValueError(f"{name} or its derivative is not finite at x0 = {_fmt(x)} (f(x0) = {fx}): "
                         f"start inside the domain of {name}")
    return 1 + _norm(x), 1 + abs(fx)


def _descend(f: Callable, gradient: Callable, x: Array, lr: float, steps: int, tol: float, alpha: float,
             nesterov: bool, line_search: str | None, method: str, hint: str) -> OptimizeResult:
    """The loop of :func:`gradient_descent` (inputs already checked)."""
    fx, g, g_norm = _evaluate(f, gradient, x)
    scale = _check_first(x, fx, g_norm)
    run, velocity = _Trajectory(x, fx, g_norm), np.zeros_like(x)
    for step in range(1, steps + 1):
        if g_norm < tol:
            break
        if line_search:
            t = armijo_step(f, x, -g, g, t0=lr, fx=fx)
            if t is None:
                msg = (f"the line search failed at step {step}: no step along −∇f decreases f "
                       f"(‖∇f‖ = {g_norm:.3g})")
                return run.result("line_search_failed", msg, method)
            velocity = -t * g
        else:
            g_used = _vector(gradient, x + alpha * velocity, x.shape, "grad") if nesterov else g
            velocity = alpha * velocity - lr * g_used
        x_new = x + velocity
        fx_new, g_new, norm_new = _evaluate(f, gradient, x_new)
        reason = _why_diverged(x_new, fx_new, norm_new, scale)
        if reason:
            return run.result("diverged", _diverged_message(step, reason, x, hint), method)
        x, fx, g, g_norm = x_new, fx_new, g_new, norm_new
        run.add(x, fx, g_norm)
    return run.result("converged" if g_norm < tol else "max_iter", _stop_message(run, steps, tol), method)


# ---------------------------------------------------------------------------------------------------
# Momentum on a quadratic: the eigen-analysis (Polyak 1964; Goh, "Why momentum really works", 2017)
# ---------------------------------------------------------------------------------------------------


def _momentum_parameter(momentum: Any) -> float:
    """``momentum`` checked to be a finite number in [0, 1)."""
    try:
        alpha = float(momentum)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"momentum must be a number in [0, 1), got {type(momentum).__name__}") from exc
    if not (math.isfinite(alpha) and 0 <= alpha < 1):
        raise ValueError(f"momentum must be in [0, 1) (the velocity must fade), got {momentum!r}")
    return alpha


def _eigenvalues(eigenvalues: Any) -> Array:
    """``eigenvalues`` as a non-empty 1-D float array of finite numbers > 0."""
    lam = as_float_array(eigenvalues, "eigenvalues").ravel()
    if lam.size == 0:
        raise ValueError("eigenvalues must hold at least one eigenvalue of A")
    if not np.all(np.isfinite(lam)) or np.any(lam <= 0):
        raise ValueError(f"eigenvalues must be finite and > 0 (A positive definite), got {_fmt(lam)}")
    return lam


def _spectral_radius(step: Array, alpha: Array) -> Array:
    r"""The spectral radius of :math:`R` from :math:`s = \varepsilon\lambda` and :math:`\alpha` (broadcast).

    The eigenvalues of :math:`R` solve :math:`\mu^2 - (1 + \alpha - s)\mu + \alpha = 0`: a complex pair of
    modulus :math:`\sqrt\alpha` when the discriminant is negative, else two real roots, the larger in
    modulus :math:`(|1 + \alpha - s| + \sqrt{(1 + \alpha - s)^2 - 4\alpha})/2`.
    """
    trace = 1 + alpha - step
    disc = trace**2 - 4 * alpha
    real = (np.abs(trace) + np.sqrt(np.maximum(disc, 0.0))) / 2
    return np.where(disc < 0, np.sqrt(alpha), real)


def momentum_matrix(learning_rate: float, momentum: float, eigenvalue: float) -> Array:
    r"""The 2 × 2 matrix of one momentum step along an eigenvector of a quadratic.

    On :math:`f(x) = \tfrac12 x^\top A x`, the update of :func:`gradient_descent` with momentum,
    :math:`v_{k+1} = \alpha v_k - \varepsilon A x_k`, :math:`x_{k+1} = x_k + v_{k+1}`, acts on the
    coordinates :math:`(v, x)` along an eigenvector of :math:`A` with eigenvalue :math:`\lambda` by

    .. math::
        \begin{pmatrix} v_{k+1} \\ x_{k+1} \end{pmatrix} = R(\lambda)
        \begin{pmatrix} v_k \\ x_k \end{pmatrix}, \qquad
        R(\lambda) = \begin{pmatrix} \alpha & -\varepsilon\lambda \\ \alpha & 1 - \varepsilon\lambda \end{pmatrix},

    since :math:`x_{k+1} = x_k + \alpha v_k - \varepsilon\lambda x_k`. Its trace is
    :math:`1 + \alpha - \varepsilon\lambda` and its determinant :math:`\alpha`.

    Parameters
    ----------
    learning_rate : float
        :math:`\varepsilon > 0`.
    momentum : float
        :math:`\alpha \in [0, 1)`.
    eigenvalue : float
        :math:`\lambda > 0`, an eigenvalue of :math:`A`.

    Returns
    -------
    ndarray, shape (2, 2)

    Examples
    --------
    >>> momentum_matrix(0.1, 0.5, 4.0)
    array([[ 0.5, -0.4],
           [ 0.5,  0.6]])
    """
    eps = require_positive(learning_rate, "learning_rate")
    alpha = _momentum_parameter(momentum)
    lam = require_positive(eigenvalue, "eigenvalue")
    return np.array([[alpha, -eps * lam], [alpha, 1 - eps * lam]])


def momentum_rate(learning_rate: Any, momentum: Any, eigenvalues: Any) -> float | Array:
    r"""The asymptotic rate of gradient descent with momentum on a quadratic: :math:`\max_\lambda \rho(R(\lambda))`.

    Along every eigenvector of :math:`A` the error evolves by :math:`R(\lambda)` of
    :func:`momentum_matrix`, so after many steps it shrinks by a factor :math:`\rho(R(\lambda))`, the
    spectral radius (the largest modulus of an eigenvalue), per step; the slowest direction decides:

    .. math:: \text{rate} = \max_{\lambda} \rho(R(\lambda)), \qquad
              \rho(R) < 1 \iff 0 < \varepsilon\lambda < 2(1 + \alpha) \quad (0 \le \alpha < 1).

    The eigenvalues :math:`\mu` of :math:`R` solve :math:`\mu^2 - (1 + \alpha - \varepsilon\lambda)\mu + \alpha = 0`.
    When they are complex, :math:`|\mu| = \sqrt\alpha`; as a function of :math:`\lambda`, :math:`\rho` falls,
    stays at :math:`\sqrt\alpha`, then rises, so over a whole interval
    :math:`[\lambda_{\min}, \lambda_{\max}]` the maximum is at one of its ends. ``momentum = 0`` gives plain
    gradient descent, :math:`\max_\lambda |1 - \varepsilon\lambda|`.

    Parameters
    ----------
    learning_rate : float or array
        :math:`\varepsilon > 0`.
    momentum : float or array
        :math:`\alpha \in [0, 1)`; broadcast with ``learning_rate`` (e.g. two grids, for a map).
    eigenvalues : float or sequence of float
        The eigenvalues :math:`\lambda > 0` of :math:`A` (or just :math:`\lambda_{\min}, \lambda_{\max}`).

    Returns
    -------
    float or ndarray
        The rate (> 1: the run diverges), a float for scalar parameters, else shaped like their broadcast.

    Examples
    --------
    >>> momentum_rate(0.1, 0.0, [1.0, 10.0])        # plain GD: max(|1 − 0.1|, |1 − 1|)
    0.9
    >>> round(momentum_rate(4 / (1 + 10**0.5) ** 2, ((10**0.5 - 1) / (10**0.5 + 1)) ** 2, [1.0, 10.0]), 6)
    0.519494
    """
    eps = as_float_array(learning_rate, "learning_rate")
    alpha = as_float_array(momentum, "momentum")
    if not np.all(np.isfinite(eps)) or np.any(eps <= 0):
        raise ValueError(f"learning_rate must be finite and > 0, got {_fmt(eps)}")
    if not np.all(np.isfinite(alpha)) or np.any(alpha < 0) or np.any(alpha >= 1):
        raise ValueError(f"momentum must be in [0, 1) (the velocity must fade), got {_fmt(alpha)}")
    lam = _eigenvalues(eigenvalues)
    try:
        eps, alpha = np.broadcast_arrays(eps, alpha)
    except ValueError as exc:
        raise ValueError(f"learning_rate (shape {eps.shape}) and momentum (shape {alpha.shape}) must "
                         f"broadcast together") from exc
    rho = _spectral_radius(eps[..., None] * lam, alpha[..., None]).max(axis=-1)
    return float(rho) if rho.ndim == 0 else rho


def optimal_momentum(lam_min: float, lam_max: float) -> tuple[float, float, float]:
    r"""The best learning rate and momentum on quadratics with eigenvalues in :math:`[\lambda_{\min}, \lambda_{\max}]`.

    Polyak's heavy ball (1964): with :math:`\kappa = \lambda_{\max}/\lambda_{\min}`,

    .. math::
        \alpha^* = \left(\frac{\sqrt\kappa - 1}{\sqrt\kappa + 1}\right)^2, \qquad
        \varepsilon^* = \left(\frac{2}{\sqrt{\lambda_{\max}} + \sqrt{\lambda_{\min}}}\right)^2, \qquad
        \text{rate} = \sqrt{\alpha^*} = \frac{\sqrt\kappa - 1}{\sqrt\kappa + 1},

    against :math:`(\kappa - 1)/(\kappa + 1)` for plain gradient descent with its best step
    :math:`2/(\lambda_{\min} + \lambda_{\max})`. At the optimum both :math:`R(\lambda_{\min})` and
    :math:`R(\lambda_{\max})` have a double eigenvalue, :math:`\pm\sqrt{\alpha^*}`.

    Parameters
    ----------
    lam_min, lam_max : float
        The smallest and largest eigenvalue of :math:`A`, :math:`0 < \lambda_{\min} \le \lambda_{\max}`.

    Returns
    -------
    (learning_rate, momentum, rate) : tuple of float

    Examples
    --------
    >>> eps, alpha, rate = optimal_momentum(1.0, 100.0)
    >>> round(eps, 6), round(alpha, 6), round(rate, 6)
    (0.033058, 0.669421, 0.818182)
    """
    lo = require_positive(lam_min, "lam_min")
    hi = require_positive(lam_max, "lam_max")
    if lo > hi:
        raise ValueError(f"lam_min must be at most lam_max, got lam_min = {lam_min!r} > lam_max = {lam_max!r}")
    root_lo, root_hi = math.sqrt(lo), math.sqrt(hi)
    rate = (root_hi - root_lo) / (root_hi + root_lo)      # (√κ − 1)/(√κ + 1)
    return (2 / (root_hi + root_lo)) ** 2, rate**2, rate


# ---------------------------------------------------------------------------------------------------
# Newton's method
# ---------------------------------------------------------------------------------------------------


def _as_matrix(h: Any, n: int, name: str) -> Array:
    """A Hessian or Jacobian as an n × n float matrix (a number for one variable)."""
    m = np.asarray(h, dtype=float)
    if m.size != n * n:
        raise ValueError(f"{name} must return an {n} × {n} matrix for x with {n} entries, got shape {m.shape}")
    return m.reshape(n, n)


def _solve_newton(matrix: Array, rhs: Array) -> Array | None:
    r"""Solve :math:`M p = r` (never inverting :math:`M`); ``None`` if :math:`M` is singular.

    Singular means: not finite, exactly singular, or so ill-conditioned (condition number above
    :math:`1/\epsilon_{\text{mach}} \approx 4.5\cdot10^{15}`) that the solution would be noise.
    """
    if not np.all(np.isfinite(matrix)) or np.linalg.cond(matrix) > 1 / np.finfo(float).eps:
        return None
    try:
        return np.linalg.solve(matrix, rhs)
    except np.linalg.LinAlgError:
        return None


def _singular_message(x: Array, matrix: Array, step: int, what: str) -> str:
    """The message when the Newton system cannot be solved at ``x``."""
    if x.ndim == 0:
        symbol = "f''(x)" if what == "second derivative" else "g'(x)"
        return (f"stopped at step {step}: the {what} is zero at x = {_fmt(x)} ({symbol} = {_fmt(matrix[0, 0])}), "
                f"so the Newton step is undefined (division by zero)")
    eig = np.linalg.eigvals(matrix) if np.all(np.isfinite(matrix)) else matrix.ravel()
    return (f"stopped at step {step}: the {what} is singular at x = {_fmt(x)} (eigenvalues {_fmt(np.real(eig))}), "
            f"so the Newton step is undefined (the linear system has no unique solution)")


def _uphill_warning(x: Array, hess: Array, step: int) -> str:
    """The warning when the Newton direction is not a descent direction."""
    if x.ndim == 0:
        curvature = f"f''(x) = {_fmt(hess[0, 0])} ≤ 0"
    else:
        eigenvalues = np.linalg.eigvalsh((hess + hess.T) / 2)
        curvature = f"the Hessian is not positive definite, eigenvalues {_fmt(eigenvalues)}"
    return (f"step {step} at x = {_fmt(x)} heads uphill ({curvature}): the quadratic model has a maximum "
            f"or a saddle, and Newton's method steps to it")


def newton(f: Callable, x0: Any, steps: int = 100, tol: float = 1e-4, line_search: str | None = None,
           hessian: Callable | None = None, grad: Callable | str | None = None) -> OptimizeResult:
    r"""Minimize ``f`` by Newton's method: jump to the minimum of the local quadratic model.

    Near :math:`x_k`, :math:`f(x_k + p) \approx f(x_k) + \nabla f(x_k)\cdot p + \tfrac12 p^\top H(x_k) p`;
    its critical point solves the **Newton system**

    .. math:: H(x_k)\, p_k = -\nabla f(x_k), \qquad x_{k+1} = x_k + p_k,

    which for one variable is :math:`x_{k+1} = x_k - f'(x_k)/f''(x_k)`. The system is solved with
    ``np.linalg.solve`` (Gaussian elimination), never by inverting :math:`H`. On a quadratic the model
    is exact and one step lands on the critical point; near a minimum the error roughly squares at
    every step (quadratic convergence).

    **Stopping and counting.** Near the solution the Newton step :math:`p_k` estimates the error of
    :math:`x_k`, and taking it squares that error. So each iteration computes :math:`p_k`, takes it, and
    stops if :math:`\|p_k\| <` ``tol`` (as ``scipy.optimize.newton`` does): the step that passed the test is
    applied, ``nit`` counts it, and ``x`` is :math:`x_{\text{nit}}`, whose error is about
    :math:`\|p_{\text{nit}}\|^2`. (:math:`e^x - \ln x` from 1.75: 5 steps; the fifth, of length
    :math:`1.0\cdot10^{-6}`, ends about :math:`10^{-12}` from the minimizer.)

    **Failure.** Where :math:`H` is singular (:math:`f'' = 0` in one variable) the step is undefined:
    the run stops with ``status="singular"`` and says so. Where :math:`H` is not positive definite, the
    Newton step can go *uphill* (:math:`\nabla f \cdot p > 0`): Newton's method finds critical points,
    maxima and saddles included. Such steps are listed in ``warnings``; and a run that ends at a critical
    point whose Hessian is not positive definite (a maximum, a saddle, or :math:`x^3` at 0, where the
    second-derivative test cannot decide) is not reported as converged: ``status="not_a_minimum"``.
    With ``line_search="armijo"`` Newton stays a descent method: when :math:`p_k` is not a descent
    direction it uses :math:`-\nabla f(x_k)` instead, and the step length :math:`t` comes from
    :func:`armijo_step` starting at :math:`t = 1` (the full Newton step).

    Parameters
    ----------
    f : callable
        The function to minimize (one number out).
    x0 : float or array
        The start.
    steps : int
        The most updates to perform.
    tol : float
        Stop when the Newton step is shorter than ``tol``.
    line_search : None or "armijo"
        Damp the steps with a backtracking line search (see above).
    hessian : callable, optional
        :math:`H(x)` (for one variable :math:`f''(x)`); default ``calclib.hessian(f)``, exact
        (forward-over-reverse AD).
    grad : callable or str, optional
        :math:`\nabla f`, a function or a calclib mode name (default ``"reverse"``).

    Returns
    -------
    OptimizeResult

    Examples
    --------
    >>> res = newton(lambda x: x**2, 3.0, grad=lambda x: 2 * x, hessian=lambda x: 2.0)
    >>> res.x, res.nit, res.status
    (0.0, 1, 'converged')
    >>> newton(lambda x: x**3, 0.0).status          # a critical point, but not a minimum
    'not_a_minimum'
    """
    require_callable(f)
    x = _start(x0)
    steps, tol, line_search = _count(steps, "steps"), _tolerance(tol), _line_search(line_search)
    gradient = _derivative_function(f, grad, "grad", "grad")
    hess = _hessian_function(f, hessian)
    method = "Newton" + (" (Armijo line search)" if line_search else "")
    with _quietly():
        return _newton_loop(f, gradient, hess, x, steps, tol, line_search, method)


def _descent_direction(p: Array, g: Array, hess: Array, x: Array, step: int, line_search: str | None,
                       warnings: list[str]) -> Array:
    """The Newton step ``p``, or −∇f when ``p`` goes uphill and a line search wants descent; notes uphill steps."""
    if np.sum(g * p) > 0:
        if line_search:
            warnings.append(f"step {step}: the Newton direction is not a descent direction at x = {_fmt(x)}; "
                            f"used −∇f instead")
            return -g
        warnings.append(_uphill_warning(x, hess, step))
    return p


def _newton_loop(f: Callable, gradient: Callable, hess_fn: Callable, x: Array, steps: int, tol: float,
                 line_search: str | None, method: str) -> OptimizeResult:
    """The loop of :func:`newton` (inputs already checked)."""
    what = "second derivative" if x.ndim == 0 else "Hessian"
    fx, g, g_norm = _evaluate(f, gradient, x)
    scale, warnings = _check_first(x, fx, g_norm), []
    run = _Trajectory(x, fx, g_norm)
    hint = ("f may be unbounded below; or try a start closer to a minimum." if line_search
            else "Try line_search='armijo' or a start closer to a minimum.")
    if not np.any(g):  # x0 is a critical point already: the step is 0, whatever H is
        hess = _as_matrix(hess_fn(_public(x)), x.size, "hessian")
        return _at_critical_point(run, hess, "∇f(x0) = 0 exactly", method, warnings)
    for step in range(1, steps + 1):
        hess = _as_matrix(hess_fn(_public(x)), x.size, "hessian")
        newton_step = _solve_newton(hess, -g.ravel())
        if newton_step is None:
            return run.result("singular", _singular_message(x, hess, step, what), method, warnings)
        p = _descent_direction(newton_step.reshape(x.shape), g, hess, x, step, line_search, warnings)
        t = armijo_step(f, x, p, g, 1.0, fx) if line_search else 1.0
        if t is None:
            msg = f"the line search failed at step {step}: no step along the direction decreases f"
            return run.result("line_search_failed", msg, method, warnings)
        x_new = x + t * p
        fx_new, g_new, norm_new = _evaluate(f, gradient, x_new)
        reason = _why_diverged(x_new, fx_new, norm_new, scale)
        if reason:
            return run.result("diverged", _diverged_message(step, reason, x, hint), method, warnings)
        x, fx, g = x_new, fx_new, g_new
        run.add(x, fx, norm_new)
        if not np.any(g):
            return _at_critical_point(run, hess, "∇f = 0 exactly after the last step", method, warnings)
        if _norm(newton_step) < tol:   # the step just taken was shorter than tol
            found = f"the last Newton step had length {_norm(newton_step):.3g} < tol = {tol:g}"
            return _at_critical_point(run, hess, found, method, warnings)
    msg = (f"stopped after the maximum of {_steps_text(steps)}: the last Newton step had length "
           f"{_norm(newton_step):.3g} ≥ tol = {tol:g}" if steps else "steps=0: no step taken")
    return run.result("max_iter", msg, method, warnings)


def _at_critical_point(run: _Trajectory, hess: Array, found: str, method: str,
                       warnings: list[str]) -> OptimizeResult:
    """The result of a Newton run that reached a critical point: ``converged`` only if it is a minimum.

    The second-derivative test on ``hess`` (the Hessian where the last step was computed) decides:
    positive definite means a minimum; otherwise Newton's method found a maximum, a saddle, or a point
    the test cannot decide (:math:`f'' = 0`, as :math:`x^3` at 0), and says so (``"not_a_minimum"``).
    """
    x = run.points[-1]
    kind = _second_derivative_test(hess)
    if kind == "minimum":
        return run.result("converged", _newton_message(run.nit, found, warnings), method, warnings)
    curvature = (f"f''(x) = {_fmt(hess[0, 0])}" if x.ndim == 0
                 else f"Hessian eigenvalues {_fmt(np.linalg.eigvalsh((hess + hess.T) / 2))}")
    what = {"maximum": "a maximum, not a minimum", "saddle": "a saddle point, not a minimum",
            "undecided": "not known to be a minimum: the second-derivative test cannot decide (an inflection "
                         "point such as x³ at 0, or a flat minimum such as x⁴ at 0)"}[kind]
    msg = (f"stopped after {_steps_text(run.nit)} at x = {_fmt(x)}, a critical point ({found}), but "
           f"{curvature} there, so it is {what}. Try another start, or line_search='armijo'")
    uphill = sum("heads uphill" in w for w in warnings)
    if uphill:
        msg += f" ({uphill} step(s) went uphill on the way: see .warnings)"
    return run.result("not_a_minimum", msg, method, warnings)


def _second_derivative_test(hess: Array, tol: float = 1e-8) -> str:
    """``"minimum"``, ``"maximum"``, ``"saddle"`` or ``"undecided"`` from the eigenvalues of ``hess``."""
    if not np.all(np.isfinite(hess)):
        return "undecided"
    eigenvalues = np.linalg.eigvalsh((hess + hess.T) / 2)
    zero = tol * max(1.0, float(np.max(np.abs(eigenvalues))))
    positive, negative = np.any(eigenvalues > zero), np.any(eigenvalues < -zero)
    if positive and negative:
        return "saddle"
    if np.all(np.abs(eigenvalues) > zero):
        return "minimum" if positive else "maximum"
    return "undecided"


def _newton_message(nit: int, found: str, warnings: list[str]) -> str:
    """The message of a Newton run that converged to a minimum (noting steps that went uphill)."""
    msg = f"converged in {_steps_text(nit)}: {found}, at a minimum (the Hessian is positive definite)"
    uphill = sum("heads uphill" in w for w in warnings)
    if uphill:
        msg += f"; {uphill} step(s) on the way went uphill (see .warnings)"
    return msg


# ---------------------------------------------------------------------------------------------------
# Truncated Newton (Newton–CG): the Newton system solved roughly, with Hessian-vector products only
# ---------------------------------------------------------------------------------------------------

#: The default of ``cg_tol`` in :func:`newton_cg`: CG stops when :math:`\|r\| \le \min(0.5, \sqrt{\|g\|})\,\|g\|`.
CG_TOL = 0.5


def newton_cg(f: Callable, x0: Any, steps: int = 100, tol: float = 1e-6, cg_tol: float = CG_TOL,
              cg_steps: int | None = None) -> OptimizeResult:
    r"""Minimize ``f`` by truncated Newton (Newton–CG): Newton steps that never form the Hessian.

    Each step solves the Newton system :math:`H(x_k)\, p = -\nabla f(x_k)` (see :func:`newton`) only
    approximately, by the conjugate-gradient method (CG) started at :math:`p = 0`. CG touches
    :math:`H` only through products :math:`H d`, and :func:`calclib.hvp` gives each for the cost of a few
    gradients and :math:`O(n)` memory, where :func:`newton` builds the :math:`n \times n` matrix (n passes,
    :math:`n^2` numbers) and solves with it. CG stops early, when its residual :math:`r = H p + \nabla f`
    is small relative to the gradient (the *forcing* condition, Nocedal & Wright, *Numerical
    Optimization*, Alg. 7.1):

    .. math:: \|r\| \le \eta_k\, \|\nabla f(x_k)\|, \qquad
              \eta_k = \min\!\big(\text{cg\_tol}, \sqrt{\|\nabla f(x_k)\|}\big),

    loose far from the minimum and tighter near it, which keeps Newton's fast (superlinear) convergence.

    **Negative curvature.** CG solves :math:`Hp = -g` by minimizing the quadratic model
    :math:`g \cdot p + \tfrac12 p^\top H p`, which has no minimum when :math:`H` is not positive definite.
    CG notices when a search direction :math:`d` has :math:`d^\top H d \le 0` and stops there, returning
    the last iterate (a descent direction), or :math:`-\nabla f` if that happens at once. Then an Armijo
    line search (:func:`armijo_step`, from :math:`t = 1`) takes :math:`x_{k+1} = x_k + t p`, so every step goes
    downhill, where :func:`newton` without a line search may step to a saddle or a maximum. Each
    such step is listed in ``warnings``.

    **Stopping.** The run stops when :math:`\|\nabla f(x_k)\| <` ``tol`` (``converged``), after ``steps``
    updates (``max_iter``), when the line search finds no decrease, or when it diverges (see the
    module's introduction). Without the Hessian the second-derivative test is not made: like
    gradient descent, the run also stops at a saddle if it lands exactly on one (check with
    :func:`classify_critical_point`).

    Parameters
    ----------
    f : callable
        The function to minimize (one number out), written with NumPy: its gradient and Hessian-vector
        products come from calclib's AD (:func:`calclib.grad`, :func:`calclib.hvp`).
    x0 : float or array
        The start (a number or an array of any shape; the run works on its entries).
    steps : int
        The most (outer, Newton) updates to perform.
    tol : float
        Stop when :math:`\|\nabla f(x)\| <` ``tol``; 0 is no test (the run then ends after ``steps``,
        at :math:`\nabla f = 0` exactly, or when rounding leaves the line search nothing to decrease).
    cg_tol : float
        The largest forcing term :math:`\eta`, in (0, 1): CG stops when :math:`\|r\| \le \eta_k \|\nabla f\|`.
    cg_steps : int, optional
        The most CG iterations (Hessian-vector products) per step; default :math:`2n` (in exact
        arithmetic CG solves an :math:`n \times n` positive definite system in :math:`n`; rounding may
        need more). When it runs out, the last CG iterate is the step.

    Returns
    -------
    OptimizeResult
        As :func:`newton`'s, with ``hvp_count``, the number of Hessian-vector products used.

    Examples
    --------
    The quadratic :math:`2x^2 + 3y^2 - xy`: with a tight ``cg_tol``, CG solves the 2 × 2 system in 2
    products, and one (exact) Newton step lands on the minimizer :math:`(0, 0)`.

    >>> res = newton_cg(lambda p: 2 * p[0]**2 + 3 * p[1]**2 - p[0] * p[1], [1.0, 3.0], cg_tol=1e-9)
    >>> res.nit, res.hvp_count, res.status, bool(np.allclose(res.x, 0.0))
    (1, 2, 'converged', True)

    :math:`x^4 - 3x^2` from 0.1, where :math:`f'' < 0`: CG meets the negative curvature and steps along
    :math:`-f'`, downhill to the minimizer :math:`\sqrt{3/2}`; :func:`newton` goes to the maximum at 0.

    >>> res = newton_cg(lambda x: x**4 - 3 * x**2, 0.1)
    >>> round(res.x, 6), res.status, len(res.warnings), newton(lambda x: x**4 - 3 * x**2, 0.1).status
    (1.224745, 'converged', 2, 'not_a_minimum')
    """
    require_callable(f)
    x = _start(x0)
    steps, tol = _count(steps, "steps"), _tolerance(tol)
    cg_tol = _forcing_tolerance(cg_tol)
    cg_steps = 2 * max(x.size, 1) if cg_steps is None else _count(cg_steps, "cg_steps", 1)
    gradient = _derivative_function(f, None, "grad", "grad")
    method = "Newton-CG (truncated Newton, Armijo line search)"
    with _quietly():
        return _newton_cg_loop(f, gradient, x, steps, tol, cg_tol, cg_steps, method)


def _forcing_tolerance(cg_tol: Any) -> float:
    """``cg_tol`` checked to be in (0, 1): the forcing term must be below 1 for the steps to converge."""
    eta = _tolerance(cg_tol, "cg_tol")
    if not 0 < eta < 1:
        raise ValueError(f"cg_tol must be in (0, 1) (CG stops when ‖r‖ ≤ cg_tol · ‖∇f‖), got {cg_tol!r}; "
                         f"the usual choice is {CG_TOL}")
    return eta


def _hessian_times(f: Callable, x: Array) -> Callable[[Array], Array]:
    r"""The map :math:`d \mapsto H(x)\,d` by :func:`calclib.hvp` (looked up at each call, never the matrix)."""
    from . import api

    point = _public(x)

    def times(d: Array) -> Array:
        return np.asarray(api.hvp(f, (point,), (_public(d),)), dtype=float).reshape(x.shape)

    return times


def _truncated_cg(hessian_times: Callable[[Array], Array], g: Array, tol: float,
                  max_iter: int) -> tuple[Array | None, int, str]:
    r"""Approximately solve :math:`H p = -g` by conjugate gradients from :math:`p = 0` (N&W Alg. 7.1).

    Stops when the residual :math:`r = Hp + g` has :math:`\|r\| \le` ``tol``, after ``max_iter``
    iterations, or at a direction :math:`d` with :math:`d^\top H d \le 0` (returning :math:`-g` if that is the
    first one, else the last iterate). Returns ``(p, products used, note)``: ``note`` describes the
    negative curvature met (``""`` if none); ``p`` is ``None`` if a product was not finite.
    """
    p, r = np.zeros_like(g), g.copy()
    d, r_r = -r, float(np.vdot(r, r))
    for j in range(1, max_iter + 1):
        h_d = hessian_times(d)
        curvature = float(np.vdot(d, h_d))
        if not math.isfinite(curvature):
            return None, j, ""
        if curvature <= 0:
            used = "−∇f" if j == 1 else f"the CG iterate after {_steps_text(j - 1)}"
            return (-g if j == 1 else p), j, f"CG met negative curvature (dᵀHd = {curvature:.3g} ≤ 0), used {used}"
        alpha = r_r / curvature
        p, r = p + alpha * d, r + alpha * h_d
        r_r_new = float(np.vdot(r, r))
        if math.sqrt(r_r_new) <= tol:
            break
        d, r_r = -r + (r_r_new / r_r) * d, r_r_new
    return p, j, ""


def _newton_cg_message(run: _Trajectory, g: Array, steps: int, tol: float, warnings: list[str]) -> str:
    """The message of a Newton-CG run that did not fail: gradient descent's, noting negative curvature."""
    if not np.any(g):
        msg = (f"converged in {_steps_text(run.nit)}: ∇f(x) = 0 exactly, a critical point (without the Hessian "
               f"newton_cg cannot tell a minimum from a saddle or a maximum: check with classify_critical_point)")
    else:
        msg = _stop_message(run, steps, tol)
    if warnings:
        msg += f"; CG met negative curvature at {len(warnings)} step(s) (see .warnings)"
    return msg


def _newton_cg_loop(f: Callable, gradient: Callable, x: Array, steps: int, tol: float, cg_tol: float,
                    cg_steps: int, method: str) -> OptimizeResult:
    """The loop of :func:`newton_cg` (inputs already checked)."""
    fx, g, g_norm = _evaluate(f, gradient, x)
    scale, warnings, products = _check_first(x, fx, g_norm), [], 0
    run = _Trajectory(x, fx, g_norm)
    hint = "f may be unbounded below; or try a start closer to a minimum."
    for step in range(1, steps + 1):
        if g_norm < tol or not np.any(g):
            break
        forcing = min(cg_tol, math.sqrt(g_norm)) * g_norm
        p, used, note = _truncated_cg(_hessian_times(f, x), g, forcing, cg_steps)
        products += used
        if p is None:
            reason = f"a Hessian-vector product is not finite at x = {_fmt(x)}"
            return run.result("diverged", _diverged_message(step, reason, x, hint), method, warnings,
                              hvp_count=products)
        if note:
            warnings.append(f"step {step} at x = {_fmt(x)}: {note}")
        t = armijo_step(f, x, p, g, 1.0, fx)
        if t is None:
            msg = f"the line search failed at step {step}: no step along the Newton-CG direction decreases f"
            return run.result("line_search_failed", msg, method, warnings, hvp_count=products)
        x_new = x + t * p
        fx_new, g_new, norm_new = _evaluate(f, gradient, x_new)
        reason = _why_diverged(x_new, fx_new, norm_new, scale)
        if reason:
            return run.result("diverged", _diverged_message(step, reason, x, hint), method, warnings,
                              hvp_count=products)
        x, fx, g, g_norm = x_new, fx_new, g_new, norm_new
        run.add(x, fx, g_norm)
    status = "converged" if g_norm < tol or not np.any(g) else "max_iter"
    return run.result(status, _newton_cg_message(run, g, steps, tol, warnings), method, warnings,
                      hvp_count=products)


# ---------------------------------------------------------------------------------------------------
# Newton–Raphson for roots
# ---------------------------------------------------------------------------------------------------


def newton_root(g: Callable, x0: Any, steps: int = 100, tol: float = 1e-12,
                derivative: Callable | str | None = None) -> RootResult:
    r"""Solve :math:`g(x) = 0` by Newton–Raphson: follow the tangent line to zero.

    .. math:: x_{k+1} = x_k - \frac{g(x_k)}{g'(x_k)}
              \qquad\text{or, for } g: \mathbb{R}^n \to \mathbb{R}^n, \qquad
              J_g(x_k)\, p_k = -g(x_k),\; x_{k+1} = x_k + p_k.

    Minimizing :math:`f` with :func:`newton` is Newton–Raphson applied to :math:`g = f'`. The run stops
    after taking a negligible step, :math:`\|p_k\| <` ``tol`` :math:`\cdot \max(1, \|x_{k+1}\|)` (relative
    for large :math:`x`, since float64 cannot resolve less), counting steps as :func:`newton` does; or where
    :math:`g'(x_k) = 0` (singular Jacobian), where the tangent is flat and has no zero.

    Parameters
    ----------
    g : callable
        ``g(x)``: a number for a number, or an array of shape ``(n,)`` for ``x`` of shape ``(n,)``.
    x0 : float or array
        The start.
    steps : int
        The most updates to perform.
    tol : float
        Relative step length at which to stop.
    derivative : callable or str, optional
        :math:`g'(x)` (a number), or the Jacobian (an n × n matrix) for a vector ``g``; or a calclib
        mode name. Default: ``calclib.derivative(g)`` for a number, ``calclib.jacobian(g)`` for a vector
        (reverse mode).

    Returns
    -------
    RootResult
        ``x``, ``fun`` (the residual :math:`g(x)`), ``nit``, ``converged``, ``message``, ``path``,
        ``values``, ``residual_norms``.

    Examples
    --------
    :math:`\sqrt2` as the root of :math:`x^2 - 2`:

    >>> res = newton_root(lambda x: x**2 - 2, 1.0, derivative=lambda x: 2 * x)
    >>> res.x, res.nit, res.status
    (1.414213562373095, 6, 'converged')
    """
    require_callable(g, "g")
    x = _start(x0)
    steps, tol = _count(steps, "steps"), _tolerance(tol)
    jac = _derivative_function(g, derivative, "derivative", "derivative" if x.ndim == 0 else "jacobian")
    with _quietly():
        return _root_loop(g, jac, x, steps, tol)


def _residual(g: Callable, x: Array) -> Array:
    """:math:`g(x)`, checked to have one entry per entry of ``x``."""
    r = np.asarray(g(_public(x)), dtype=float)
    if r.size != x.size:
        raise ValueError(f"g must return as many numbers as x has ({x.size}), got shape {r.shape}; "
                         f"to minimize a function use newton(f, x0) instead")
    return r.reshape(x.shape)


def _root_loop(g: Callable, jac: Callable, x: Array, steps: int, tol: float) -> RootResult:
    """The loop of :func:`newton_root` (inputs already checked)."""
    what = "derivative" if x.ndim == 0 else "Jacobian"
    r = _residual(g, x)
    if not np.all(np.isfinite(r)):
        raise ValueError(f"g is not finite at x0 = {_fmt(x)}: start inside the domain of g")
    run, scale = _Trajectory(x, r, _norm(r)), (1 + _norm(x), 1 + _norm(r))
    if not np.any(r):
        return run.result("converged", "converged in 0 steps: g(x0) = 0 exactly", "newton_root", cls=RootResult)
    for step in range(1, steps + 1):
        matrix = _as_matrix(jac(_public(x)), x.size, "derivative")
        p = _solve_newton(matrix, -r.ravel())
        if p is None:
            return run.result("singular", _singular_message(x, matrix, step, what), "newton_root", cls=RootResult)
        p = p.reshape(x.shape)
        x_new = x + p
        r_new = _residual(g, x_new)
        reason = _why_diverged(x_new, _norm(r_new), 0.0, scale, name="‖g(x)‖")
        if reason:
            hint = "Try a start closer to the root."
            return run.result("diverged", _diverged_message(step, reason, x, hint), "newton_root", cls=RootResult)
        x, r = x_new, r_new
        run.add(x, r, _norm(r))
        if not np.any(r) or _norm(p) < tol * max(1.0, _norm(x)):   # the step just taken was negligible
            msg = (f"converged in {_steps_text(run.nit)}: the last step had length {_norm(p):.3g}, "
                   f"|g(x)| = {_norm(r):.3g}")
            return run.result("converged", msg, "newton_root", cls=RootResult)
    msg = (f"stopped after the maximum of {_steps_text(steps)}: the last step had length {_norm(p):.3g} "
           f"(not yet below tol), |g(x)| = {_norm(r):.3g}" if steps else "steps=0: no step taken")
    return run.result("max_iter", msg, "newton_root", cls=RootResult)


# ---------------------------------------------------------------------------------------------------
# Stochastic gradient descent
# ---------------------------------------------------------------------------------------------------


def _check_data(data: Any) -> tuple[Array, ...]:
    """``data`` as a tuple of arrays with the same first dimension (the examples)."""
    if isinstance(data, np.ndarray) or not isinstance(data, (tuple, list)) or len(data) == 0:
        raise TypeError(f"data must be a tuple of arrays such as (X, y) (for a single array write (X,)), "
                        f"got {type(data).__name__}")
    arrays = tuple(np.asarray(a) for a in data)
    lengths = {a.shape[0] if a.ndim else None for a in arrays}
    if None in lengths or len(lengths) != 1:
        raise ValueError(f"the arrays in data must share their first dimension (one row per example), "
                         f"got shapes {[a.shape for a in arrays]}")
    return arrays


def _minibatches(data: tuple[Array, ...], batch_size: int, rng: np.random.Generator):
    """Shuffle the examples, then yield them ``batch_size`` at a time (the last batch may be smaller)."""
    order = rng.permutation(len(data[0]))
    for start in range(0, len(order), batch_size):
        rows = order[start:start + batch_size]
        yield tuple(a[rows] for a in data)


def sgd(loss: Callable, params0: Any, data: Any, batch_size: int, learning_rate: float, epochs: int,
        seed: int | None, grad: Callable | str | None = None) -> OptimizeResult:
    r"""Minimize an average loss by stochastic (mini-batch) gradient descent.

    The loss over the data is an average over examples, :math:`L(\theta) = \frac1m \sum_i \ell(\theta; z_i)`.
    Instead of the full gradient, each update uses a mini-batch :math:`B` of ``batch_size`` examples:

    .. math:: \theta \leftarrow \theta - \varepsilon\, \nabla_\theta L_B(\theta).

    One **epoch** shuffles the examples (``np.random.default_rng(seed)``, so a run is reproducible) and
    walks through them batch by batch: :math:`\lceil m / \text{batch\_size} \rceil` updates.
    ``batch_size = m`` is plain gradient descent; ``batch_size = 1`` is classic SGD.

    Parameters
    ----------
    loss : callable
        ``loss(params, batch)``: one number, the loss on ``batch``, a tuple of arrays like ``data``.
    params0 : float, array or pytree
        The starting parameters: one vector, or a pytree such as ``{"W1": W1, "b1": b1}`` (``loss`` and
        ``grad`` then get and return that structure, as do ``x`` and ``path``).
    data : tuple of arrays
        E.g. ``(X, y)``, all with the same first dimension :math:`m` (one row per example).
    batch_size : int
        Examples per update, 1 ≤ ``batch_size`` ≤ m.
    learning_rate : float
        :math:`\varepsilon > 0`.
    epochs : int
        Passes over the data.
    seed : int or None
        Seed of the shuffling.
    grad : callable or str, optional
        ``grad(params, batch)``, the gradient with respect to ``params``; or a calclib mode name
        (default ``"reverse"``).

    Returns
    -------
    OptimizeResult
        Recorded once per epoch, on the full data: ``path`` (parameters), ``values`` (loss),
        ``grad_norms``; ``nit`` is the number of epochs. ``batch_losses`` holds the mini-batch loss at
        every update. SGD has no stopping test: ``converged`` means every epoch ran without diverging.

    Examples
    --------
    Fit the mean of five numbers (the minimizer of the mean squared error):

    >>> y = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    >>> res = sgd(lambda m, b: np.mean((b[0] - m) ** 2), 0.0, (y,), batch_size=5, learning_rate=0.25,
    ...           epochs=30, seed=0, grad=lambda m, b: -2 * np.mean(b[0] - m))
    >>> round(res.x, 6)
    3.0

    A line fitted with its parameters in a dict:

    >>> X = np.array([0.0, 1.0, 2.0, 3.0]); Y = 2 * X + 1
    >>> line = lambda p, b: np.mean((p["w"] * b[0] + p["b"] - b[1]) ** 2)
    >>> res = sgd(line, {"w": 0.0, "b": 0.0}, (X, Y), batch_size=4, learning_rate=0.1, epochs=2000, seed=0)
    >>> round(res.x["w"], 6), round(res.x["b"], 6)
    (2.0, 1.0)
    """
    require_callable(loss, "loss")
    (params, tree), data = _parameters(params0, "params0"), _check_data(data)
    batch_size, epochs = _count(batch_size, "batch_size", 1), _count(epochs, "epochs", 1)
    if batch_size > len(data[0]):
        raise ValueError(f"batch_size must be at most the number of examples, {len(data[0])}, got {batch_size}")
    lr = require_positive(learning_rate, "learning_rate")
    gradient = _derivative_function(loss, grad, "grad", "grad")
    if tree is not None:   # a pytree: the loop works on the flat vector
        loss, gradient = tree.function(loss), tree.gradient(gradient)
    with _quietly():
        res = _sgd_loop(loss, gradient, params, data, batch_size, lr, epochs, np.random.default_rng(seed))
    return res if tree is None else tree.result(res)


def _full_loss_and_norm(loss: Callable, gradient: Callable, params: Array, data: tuple) -> tuple[float, float]:
    """The loss and the gradient's norm on all the data."""
    value = _value(lambda p: loss(p, data), params, "loss")
    return value, _norm(_vector(gradient, params, params.shape, "grad", data))


def _sgd_loop(loss: Callable, gradient: Callable, params: Array, data: tuple, batch_size: int, lr: float,
              epochs: int, rng: np.random.Generator) -> OptimizeResult:
    """The loop of :func:`sgd` (inputs already checked)."""
    method = f"SGD (batch size {batch_size}, learning rate {lr:g})"
    run, batch_losses = _Trajectory(params, *_full_loss_and_norm(loss, gradient, params, data)), []
    scale = (1 + _norm(params), 1 + abs(run.values[0]))
    for epoch in range(1, epochs + 1):
        for batch in _minibatches(data, batch_size, rng):
            batch_loss = _value(lambda p: loss(p, batch), params, "loss")
            new = params - lr * _vector(gradient, params, params.shape, "grad", batch)
            reason = _why_diverged(new, batch_loss, 0.0, scale, name="the mini-batch loss")
            if reason:
                msg = (f"diverged in epoch {epoch} (update {len(batch_losses) + 1}): {reason}. Stopped and "
                       f"returned the parameters after epoch {epoch - 1}. Try a smaller learning_rate (it was {lr:g}).")
                return run.result("diverged", msg, method, batch_losses=_frozen(batch_losses))
            params = new
            batch_losses.append(batch_loss)
        run.add(params, *_full_loss_and_norm(loss, gradient, params, data))
    msg = (f"ran {epochs} epochs ({len(batch_losses)} updates): loss {run.values[0]:.4g} → {run.values[-1]:.4g}, "
           f"‖∇L‖ = {run.norms[-1]:.3g}")
    return run.result("completed", msg, method, batch_losses=_frozen(batch_losses))


# ---------------------------------------------------------------------------------------------------
# Classifying critical points
# ---------------------------------------------------------------------------------------------------


def classify_critical_point(f: Callable, x: Any, tol: float = 1e-8, hessian: Callable | None = None) -> str:
    r"""Minimum, maximum, saddle or undecided: the second-derivative test at a critical point.

    At a critical point (:math:`\nabla f(x) = 0`) the eigenvalues :math:`\lambda_i` of the (symmetric)
    Hessian :math:`H(x)` decide, by Taylor's theorem, :math:`f(x + h) \approx f(x) + \tfrac12 h^\top H h`:

    * all :math:`\lambda_i > 0`: ``"minimum"`` (:math:`H` positive definite);
    * all :math:`\lambda_i < 0`: ``"maximum"``;
    * some positive and some negative: ``"saddle"``;
    * otherwise (a zero eigenvalue, the rest of one sign): ``"undecided"``, the second order cannot
      tell (e.g. :math:`x^4`, :math:`-x^4` and :math:`x^3` at 0 all have :math:`f'' = 0`).

    For one variable :math:`H = f''(x)`. An eigenvalue counts as zero when
    :math:`|\lambda| \le` ``tol`` :math:`\cdot \max(1, \max_i |\lambda_i|)`. The function does not check
    that :math:`x` is a critical point: away from one the answer says nothing about extrema.

    Parameters
    ----------
    f : callable
        The function.
    x : float or array
        A critical point of ``f``.
    tol : float
        Relative threshold below which an eigenvalue counts as zero.
    hessian : callable, optional
        :math:`H(x)`; default ``calclib.hessian(f)`` (exact).

    Returns
    -------
    str
        ``"minimum"``, ``"maximum"``, ``"saddle"`` or ``"undecided"``.

    Examples
    --------
    >>> classify_critical_point(lambda p: p[0]**2 - p[1]**2, [0.0, 0.0],
    ...                         hessian=lambda p: np.array([[2.0, 0.0], [0.0, -2.0]]))
    'saddle'
    """
    require_callable(f)
    x, tol = _start(x, "x"), _tolerance(tol)
    hess_fn = _hessian_function(f, hessian)
    with _quietly():
        matrix = _as_matrix(hess_fn(_public(x)), x.size, "hessian")
    if not np.all(np.isfinite(matrix)):
        raise ValueError(f"the Hessian is not finite at x = {_fmt(x)}: is x inside the domain of f?")
    return _second_derivative_test(matrix, tol)
