"""NumPy dispatch: how ``np.sin(x)`` on a traced value becomes ``bind(sin, x)``.

NumPy hands every call on an object that is not an ndarray back to the object, through two protocols:
``__array_ufunc__`` (``np.sin``, ``+``, ``np.maximum``, ...) and ``__array_function__`` (``np.sum``,
``np.stack``, ...). :class:`ArrayTracer` implements both, plus the operators and array methods
(``x + y``, ``x[1:]``, ``x.T``, ``x.sum()``), by mapping each call to a primitive of
:data:`calclib.rules.PRIMITIVES` and :func:`calclib.core.bind`-ing it. Nothing here knows derivatives.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .core import Tracer, bind, primal
from .rules import MULTILINEAR, PARTIALS, PRIMITIVES

__all__ = ["ArrayTracer", "SUPPORTED", "UFUNC_PRIMITIVES", "UFUNC_CONSTANT", "ARRAY_FUNCTIONS"]


def _bind(name: str, *args: Any, **params: Any) -> Any:
    """``bind`` the primitive called ``name``."""
    return bind(PRIMITIVES[name], *args, **params)


# ---------------------------------------------------------------------------------------------------
# What NumPy calls are supported, and how they map to primitives
# ---------------------------------------------------------------------------------------------------
UFUNC_PRIMITIVES = set(PARTIALS) | set(MULTILINEAR)  # ufuncs that are primitives
# ufuncs whose result is piecewise constant (zero derivative): computed on primal values.
UFUNC_CONSTANT = {"greater", "greater_equal", "less", "less_equal", "equal", "not_equal", "isfinite",
                  "isnan", "isinf", "sign", "floor", "ceil", "rint", "logical_and", "logical_or",
                  "logical_not", "signbit"}


def _sum(a, axis=None, dtype=None, out=None, keepdims=False, **kw):
    _no_out(out, "np.sum")
    return _bind("sum", a, axis=_axis(axis), keepdims=keepdims)


def _mean(a, axis=None, dtype=None, out=None, keepdims=False, **kw):
    _no_out(out, "np.mean")
    return _bind("mean", a, axis=_axis(axis), keepdims=keepdims)


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def _no_out(out, name):
    if out is not None:
        raise TypeError(f"{name}(..., out=...) writes into an array in place, which cannot be traced: drop out=")


def _reshape(a, *shape, **kw):
    newshape = kw.get("shape", kw.get("newshape", shape[0] if len(shape) == 1 else shape))
    newshape = tuple(np.atleast_1d(newshape).tolist()) if not isinstance(newshape, int) else (newshape,)
    # Resolve -1 now, so the recorded shape is concrete.
    return _bind("reshape", a, newshape=np.empty(np.shape(a), dtype=np.int8).reshape(newshape).shape)


def _transpose(a, axes=None):
    ndim = np.ndim(primal(a))
    return _bind("transpose", a, axes=None if axes is None else tuple(int(ax) % ndim for ax in axes))


def _dot(a, b, out=None):
    _no_out(out, "np.dot")
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return np.multiply(a, b)
    if np.ndim(a) > 2 or np.ndim(b) > 2:
        raise TypeError("np.dot of arrays with more than 2 dimensions is not supported: use np.matmul or @")
    return _bind("matmul", a, b)


def _stack(arrays, axis=0, out=None, **kw):
    _no_out(out, "np.stack")
    return _bind("stack", *arrays, axis=axis)


def _concatenate(arrays, axis=0, out=None, **kw):
    _no_out(out, "np.concatenate")
    arrays = tuple(arrays)
    if axis is None:  # NumPy flattens the arrays first
        arrays, axis = tuple(_reshape(a, -1) for a in arrays), 0
    return _bind("concatenate", *arrays, axis=axis)


def _where(condition, x=None, y=None):
    if x is None or y is None:
        raise TypeError("np.where(condition) with one argument returns indices: use it on plain arrays only")
    return _bind("where", x, y, condition=np.asarray(primal(condition), dtype=bool))


def _clip(a, a_min=None, a_max=None, out=None, **kw):
    _no_out(out, "np.clip")
    if a_min is not None:
        a = np.maximum(a, a_min)
    return a if a_max is None else np.minimum(a, a_max)


def _swapaxes(a, axis1, axis2):
    axes = list(range(np.ndim(a)))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return _transpose(a, axes)


def _outer(a, b, out=None):
    _no_out(out, "np.outer")
    return np.reshape(a, (-1, 1)) * np.reshape(b, (1, -1))


def _vstack(tup, **kw):
    return _concatenate([np.reshape(t, (1, -1)) if np.ndim(t) < 2 else t for t in tup], axis=0)


def _hstack(tup, **kw):
    """As NumPy: 0-d pieces become 1-d (np.atleast_1d), then join along axis 0 if 1-d, else axis 1."""
    pieces = [np.reshape(t, (1,)) if np.ndim(t) == 0 else t for t in tup]
    return _concatenate(pieces, axis=0 if pieces and np.ndim(pieces[0]) == 1 else 1)


ARRAY_FUNCTIONS: dict[Any, Any] = {
    np.sum: _sum, np.mean: _mean, np.dot: _dot, np.stack: _stack, np.concatenate: _concatenate,
    np.reshape: _reshape, np.transpose: _transpose, np.where: _where, np.clip: _clip,
    np.swapaxes: _swapaxes, np.outer: _outer, np.vstack: _vstack, np.hstack: _hstack,
    np.ravel: lambda a, order="C": _reshape(a, -1),
    np.squeeze: lambda a, axis=None: _reshape(a, np.squeeze(np.empty(np.shape(a)), axis).shape),
    np.expand_dims: lambda a, axis: _reshape(a, np.expand_dims(np.empty(np.shape(a)), axis).shape),
    np.shape: lambda a: np.shape(primal(a)), np.ndim: lambda a: np.ndim(primal(a)),
    np.size: lambda a, axis=None: np.size(primal(a), axis),
    np.zeros_like: lambda a, dtype=None, **kw: np.zeros(np.shape(a), dtype=dtype or float),
    np.ones_like: lambda a, dtype=None, **kw: np.ones(np.shape(a), dtype=dtype or float),
    np.isclose: lambda a, b, **kw: np.isclose(primal(a), primal(b), **kw),
    np.allclose: lambda a, b, **kw: np.allclose(primal(a), primal(b), **kw),
    np.result_type: lambda *a: np.result_type(*(primal(x) for x in a)),
    # A traced value cannot be a read-only view: broadcasting it is multiplying by ones.
    np.broadcast_to: lambda a, shape, subok=False: a * np.ones(shape),
}

SUPPORTED = sorted({f"np.{u}" for u in UFUNC_PRIMITIVES | UFUNC_CONSTANT}
                   | {f"np.{getattr(f, '__name__', str(f))}" for f in ARRAY_FUNCTIONS})


def _unsupported(name: str) -> TypeError:
    return TypeError(
        f"{name} is not supported on values calclib is differentiating. Supported: the operators "
        f"+ - * / ** @, comparisons, indexing, .T, .reshape, and {', '.join(SUPPORTED)}."
    )


# ---------------------------------------------------------------------------------------------------
# The array-like tracer
# ---------------------------------------------------------------------------------------------------
class ArrayTracer(Tracer):
    """A tracer that behaves like a NumPy array: NumPy hands every call on it to :func:`bind`.

    The base of :class:`calclib.forward.Dual` and :class:`calclib.reverse.Node`.
    """

    __slots__ = ()
    __array_priority__ = 1000  # ndarray op tracer → the tracer's reflected method

    # --- NumPy's protocols ---------------------------------------------------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """``np.sin(x)``, ``x + y``, ``np.maximum(x, 0)``, ...: bind the primitive of that name."""
        name = ufunc.__name__
        if method != "__call__":
            raise _unsupported(f"np.{name}.{method}")
        if kwargs.get("out") is not None:
            raise TypeError(f"np.{name}(..., out=...) writes in place, which cannot be traced: drop out=")
        if name in UFUNC_CONSTANT:
            return ufunc(*(primal(i) for i in inputs))
        if name not in UFUNC_PRIMITIVES:
            raise _unsupported(f"np.{name}")
        return _bind(name, *inputs)

    def __array_function__(self, func, types, args, kwargs):
        """``np.sum(x)``, ``np.stack([x, y])``, ...: the shim in :data:`ARRAY_FUNCTIONS` maps it to primitives."""
        handler = ARRAY_FUNCTIONS.get(func)
        if handler is None:
            raise _unsupported(f"np.{getattr(func, '__name__', func)}")
        return handler(*args, **kwargs)

    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            "a value calclib is differentiating was turned into a plain NumPy array, which would lose its "
            "derivative. This happens with np.array([x[0], x[1]]) or np.asarray(x): build arrays from traced "
            "values with np.stack([x[0], x[1]]) (or np.concatenate) instead."
        )

    def __float__(self):
        raise TypeError(
            "float() of a value calclib is differentiating would lose its derivative. Use NumPy functions "
            "(np.sin, not math.sin) and keep values as arrays inside the function you differentiate."
        )

    __int__ = __complex__ = __float__

    # --- array-like attributes -----------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return np.shape(primal(self))

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    @property
    def dtype(self):
        return np.result_type(primal(self))

    @property
    def T(self):
        return _transpose(self)

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a scalar")
        return self.shape[0]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __getitem__(self, index):
        if isinstance(index, Tracer) or (isinstance(index, tuple) and any(isinstance(i, Tracer) for i in index)):
            raise TypeError("indexing with a traced value is not supported: index with plain integers or arrays")
        if isinstance(index, list):
            index = np.asarray(index)
        return _bind("getitem", self, index=index)

    def reshape(self, *shape, **kw):
        return _reshape(self, *shape, **kw)

    def transpose(self, *axes):
        return _transpose(self, axes[0] if len(axes) == 1 else (axes or None))

    def sum(self, axis=None, keepdims=False):
        return _sum(self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        return _mean(self, axis=axis, keepdims=keepdims)

    def dot(self, other):
        return _dot(self, other)

    def ravel(self):
        return _reshape(self, -1)

    def flatten(self):
        return _reshape(self, -1)

    # --- arithmetic ----------------------------------------------------------------------------
    def __add__(self, other): return _bind("add", self, other)
    def __radd__(self, other): return _bind("add", other, self)
    def __sub__(self, other): return _bind("subtract", self, other)
    def __rsub__(self, other): return _bind("subtract", other, self)
    def __mul__(self, other): return _bind("multiply", self, other)
    def __rmul__(self, other): return _bind("multiply", other, self)
    def __truediv__(self, other): return _bind("divide", self, other)
    def __rtruediv__(self, other): return _bind("divide", other, self)
    def __pow__(self, other):
        return _bind("square", self) if isinstance(other, (int, float)) and other == 2 else _bind("power", self, other)
    def __rpow__(self, other): return _bind("power", other, self)
    def __matmul__(self, other): return _bind("matmul", self, other)
    def __rmatmul__(self, other): return _bind("matmul", other, self)
    def __neg__(self): return _bind("negative", self)
    def __pos__(self): return self
    def __abs__(self): return _bind("absolute", self)

    # --- comparisons: on primal values, so `if x > 0:` and Python's max/min work ----------------
    def __lt__(self, other): return primal(self) < primal(other)
    def __le__(self, other): return primal(self) <= primal(other)
    def __gt__(self, other): return primal(self) > primal(other)
    def __ge__(self, other): return primal(self) >= primal(other)
    def __eq__(self, other): return primal(self) == primal(other)
    def __ne__(self, other): return primal(self) != primal(other)
    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        return bool(primal(self))
