r"""The core of calclib's automatic differentiation: primitives, tracers, levels and :func:`bind`.

A function written with NumPy is a composition of **primitives** (``sin``, ``multiply``, ``sum``, ...).
Each primitive is one :class:`Primitive` record: how to compute it, its JVP (forward mode), its VJP
(reverse mode), and a few facts (its symbol in trace tables, its domain, whether it is
complex-analytic). The records are made in :mod:`calclib.rules`, one line of rule per primitive.

A **tracer** stands in for an array while a function runs; each transformation has its own kind of
tracer (forward mode: :class:`calclib.forward.Dual`; reverse mode: :class:`calclib.reverse.Node`),
which says, in :meth:`Tracer.process`, what a primitive does to it. :func:`bind` hands a primitive to
the right tracer. (How ``np.sin(x)`` on a tracer reaches :func:`bind` is NumPy's business:
:mod:`calclib.numpy_dispatch`.)

**Levels** make transformations nest. Every transformation call takes a new, higher level; when a
primitive meets tracers of several levels, the highest (innermost) handles it and treats the others as
constants. Its own computation then runs on the lower-level values, which dispatch again: that is how
``grad(grad(f))`` and the forward-over-reverse Hessian work, with no special code.

This module also holds what every transformation shares: checking inputs (:func:`as_float`), shaping
results (:func:`finish`), counting passes (:func:`count_passes`) and recording traces
(:func:`recording`). It imports nothing else from calclib.

Examples
--------
>>> import numpy as np
>>> square = Primitive("square", impl=np.square, jvp=None, vjp=None)
>>> bind(square, 3.0)          # no tracer among the arguments: just compute it
np.float64(9.0)
"""

from __future__ import annotations

import contextlib
import itertools
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import numpy as np

__all__ = ["Primitive", "Tracer", "DomainWarning", "bind", "new_level", "primal", "recording", "is_recording",
           "record", "count_passes", "count", "as_float", "check_output", "finish", "scale", "shape_of", "shown"]


# ---------------------------------------------------------------------------------------------------
# Primitives
# ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Primitive:
    r"""One primitive and everything calclib knows about it.

    Attributes
    ----------
    name : str
        NumPy's name for it (``"sin"``, ``"matmul"``, ``"getitem"``, ...).
    impl : callable
        ``impl(*args, **params)``: the value. It is called on plain arrays, or on tracers of lower
        levels (it must then dispatch, as NumPy functions do).
    jvp : callable
        ``jvp(primals, tangents, out, params)``: the output's tangent :math:`\dot y`, given the inputs'
        tangents (``None`` for a constant input). Forward mode.
    vjp : callable
        ``vjp(i, g, inputs, out, params)``: the contribution :math:`\bar x_i` to the adjoint of input
        ``i``, given the output's adjoint :math:`\bar y` = ``g``. Reverse mode.
    symbol : str
        How trace tables and graph drawings write it (``"×"``, ``"sin"``).
    domain : str or None
        Where its result is real and finite (``"x > 0"``), if not everywhere.
    in_domain_check : callable or None
        ``check(args) -> bool``: whether the domain check applies to these arguments (default: always).
    analytic : bool
        Complex-analytic (the complex step differentiates through it); ``abs`` and ``max`` are not.
    unread : callable or None
        ``unread(traced, n) -> positions``: the positions in ``(*inputs, out)`` (``n`` inputs), among the
        inputs at the positions ``traced`` and the output, that the VJPs of those inputs do not read.
        Reverse mode keeps the others only, so an intermediate array that no rule reads is freed as soon
        as ``f`` is done with it, as PyTorch saves only the tensors a backward formula names.
        ``None``: they read everything.
    """

    name: str
    impl: Callable
    jvp: Callable | None
    vjp: Callable | None
    symbol: str = ""
    domain: str | None = None
    in_domain_check: Callable | None = None
    analytic: bool = True
    unread: Callable | None = None

    def __repr__(self) -> str:
        return f"Primitive({self.name!r})"


class DomainWarning(UserWarning):
    """A traced operation got an input outside its domain (``log`` of a negative number, say): the result
    there is NaN or infinite."""


# ---------------------------------------------------------------------------------------------------
# Tracers, levels, bind
# ---------------------------------------------------------------------------------------------------
class Tracer:
    """A value being traced at some level; subclasses say what a primitive does to it (:meth:`process`).

    The NumPy protocols that route ``np.sin(tracer)`` to :func:`bind` are added by
    :class:`calclib.numpy_dispatch.ArrayTracer`, the base of the tracers that transformations use.
    """

    __slots__ = ()
    primal: Any    # the value (plain, or a tracer of a lower level)
    _level: int

    @classmethod
    def process(cls, prim: Primitive, args: tuple, params: dict, level: int) -> "Tracer":  # pragma: no cover
        """Apply ``prim`` to ``args``, some of which are tracers of this class at ``level``."""
        raise NotImplementedError


_levels = itertools.count(1)


def new_level() -> int:
    """A fresh level, higher than every level in use: one per transformation call."""
    return next(_levels)


def primal(value: Any) -> Any:
    """The plain value under any number of tracers."""
    while isinstance(value, Tracer):
        value = value.primal
    return value


def bind(prim: Primitive, *args: Any, **params: Any) -> Any:
    """Apply primitive ``prim``: hand it to the highest-level tracer among ``args``, or compute it."""
    top = None
    for a in args:
        if isinstance(a, Tracer) and (top is None or a._level > top._level):
            top = a
    if top is None:
        return prim.impl(*args, **params)
    return type(top).process(prim, args, params, top._level)


def check_domain(prim: Primitive, args: tuple, out: Any) -> None:
    """Warn, naming the operation, when finite inputs gave a NaN or infinite output."""
    if prim.domain is None or isinstance(out, Tracer) or np.all(np.isfinite(out)):
        return
    if prim.in_domain_check is not None and not prim.in_domain_check(args):
        return
    inputs_finite = np.ones(np.shape(out), dtype=bool)
    for a in args:  # inputs may have different (broadcastable) shapes
        inputs_finite = inputs_finite & np.isfinite(primal(a))
    bad = inputs_finite & ~np.isfinite(out)
    if np.any(bad):
        warnings.warn(
            f"{prim.name} was evaluated outside its domain ({prim.domain}) at {int(np.sum(bad))} point(s): "
            f"the value and derivative there are NaN or infinite",
            DomainWarning, stacklevel=6,  # the line of the function being differentiated
        )


# ---------------------------------------------------------------------------------------------------
# Recording a trace (tables, drawings), one recorder per level
# ---------------------------------------------------------------------------------------------------
_recorders: dict[int, list[list]] = {}   # level -> the lists of the recording() blocks open for it


@contextlib.contextmanager
def recording(level: int) -> Iterator[list]:
    """Collect, in evaluation order, what the tracers of ``level`` record inside the block (for trace
    tables and graph drawings). Blocks nest: each gets every record made while it is open. NumPy's
    floating-point warnings are silenced there, as in every transformation.

    Examples
    --------
    >>> level = new_level()
    >>> with recording(level) as outer:
    ...     record(level, "a")
    ...     with recording(level) as inner:
    ...         record(level, "b")
    ...     record(level, "c")
    >>> outer, inner
    (['a', 'b', 'c'], ['b'])
    """
    recorded: list = []
    _recorders.setdefault(level, []).append(recorded)
    try:
        with np.errstate(all="ignore"):
            yield recorded
    finally:
        _recorders[level].remove(recorded)
        if not _recorders[level]:
            del _recorders[level]


def is_recording(level: int) -> bool:
    """Whether a :func:`recording` block is open for ``level`` (a trace table or drawing is being made)."""
    return level in _recorders


def record(level: int, item: Any) -> None:
    """Add ``item`` to every :func:`recording` block open for ``level`` (nothing if there is none)."""
    if _recorders:   # usually none: nothing to do
        for recorded in _recorders.get(level, ()):
            recorded.append(item)


# ---------------------------------------------------------------------------------------------------
# Counting passes, where they happen
# ---------------------------------------------------------------------------------------------------
_PASSES = {"forward passes": 0, "backward passes": 0, "function evaluations": 0}


def count(what: str, n: int = 1) -> None:
    """Note ``n`` more ``what`` (``"forward passes"``, ``"backward passes"``, ``"function evaluations"``)."""
    _PASSES[what] += n


@contextlib.contextmanager
def count_passes() -> Iterator[dict[str, int]]:
    """Count the work done inside the ``with`` block: forward (tracing) passes of ``f``, backward passes,
    and plain function evaluations (finite differences).

    Examples
    --------
    >>> with count_passes() as counts:
    ...     count("forward passes", 3)
    >>> counts["forward passes"], counts["backward passes"]
    (3, 0)
    """
    before = dict(_PASSES)
    counts: dict[str, int] = {}
    try:
        yield counts
    finally:
        counts.update({k: _PASSES[k] - before[k] for k in _PASSES})


# ---------------------------------------------------------------------------------------------------
# Helpers shared by the transformations
# ---------------------------------------------------------------------------------------------------
def scale(d: Any, v: Any) -> Any:
    """``d * v``, skipping the multiplication when ``d`` is the number 1 or -1."""
    if isinstance(d, int) and d in (1, -1):
        return v if d == 1 else -v
    return d * v


def shape_of(v: Any) -> tuple[int, ...]:
    """``np.shape(v)``, faster for arrays, NumPy scalars and tracers (which carry ``.shape``)."""
    shape = getattr(v, "shape", None)
    return np.shape(v) if shape is None else shape


def as_float(x: Any) -> Any:
    """``x`` as a float64 array (not copied if it already is one); tracers pass through.

    Raises ``TypeError`` for anything that is not real numbers.
    """
    if isinstance(x, Tracer) or (type(x) is np.ndarray and x.dtype == np.float64):
        return x
    if type(x) is float:   # a Python float (the seed 1.0 of every gradient): nothing to check
        return np.array(x, dtype=np.float64)
    arr = np.asarray(x)
    if arr.dtype == object:
        raise TypeError("the input contains objects that are not numbers: pass arrays of numbers")
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool) or np.iscomplexobj(arr):
        raise TypeError(f"expected real numbers or arrays of real numbers, got dtype {arr.dtype}")
    return np.asarray(arr, dtype=np.float64)


def check_output(out: Any, what: str = "f") -> None:
    """Refuse an output that cannot be differentiated: ``None`` (no ``return``), a bool, or objects.

    JAX and autograd raise here too; returning a zero derivative would hide the mistake.
    """
    if out is None:
        raise TypeError(f"{what} returned None: did it forget a `return`? Differentiate a function that "
                        f"returns a number or an array, e.g. `lambda x: np.sum(x ** 2)`")
    value = primal(out)
    if isinstance(value, (bool, np.bool_)) or (isinstance(value, np.ndarray) and value.dtype == bool):
        raise TypeError(f"{what} returned a boolean ({value!r}), which has no derivative (a comparison or "
                        f"np.allclose, say): return the number itself, e.g. np.sum((y - t) ** 2)")
    if isinstance(value, np.ndarray) and value.dtype == object:
        raise TypeError(f"{what} returned an object array: build arrays of traced values with np.stack")
    if not isinstance(value, (int, float, complex, np.number, np.ndarray)):
        raise TypeError(f"{what} returned {type(value).__name__}, not a number or an array: return "
                        f"np.stack([...]) of the values to differentiate")


def finish(v: Any) -> Any:
    """Results are NumPy arrays, or Python floats for scalars (traced values of outer levels pass through)."""
    if isinstance(v, Tracer):
        return v
    v = np.asarray(v, dtype=float)
    return float(v) if v.ndim == 0 else v


def shown(value: Any) -> str:
    """How a value reads inside a tracer's repr: numbers as numbers, arrays as NumPy prints them.

    Examples
    --------
    >>> shown(np.float64(9.0)), shown(np.array(3.0)), shown(np.array([1.0, 2.5]))
    ('9.0', '3.0', '[1. , 2.5]')
    """
    if isinstance(value, Tracer) or not isinstance(value, (np.ndarray, np.generic, int, float)):
        return repr(value)
    arr = np.asarray(value)
    return repr(arr.item()) if arr.ndim == 0 else np.array2string(arr, separator=", ")
