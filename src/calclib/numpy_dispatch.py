"""NumPy dispatch: how ``np.sin(x)`` on a traced value becomes ``bind(sin, x)``.

NumPy hands every call on an object that is not an ndarray back to the object, through two protocols:
``__array_ufunc__`` (``np.sin``, ``+``, ``np.maximum``, ...) and ``__array_function__`` (``np.sum``,
``np.stack``, ...). :class:`ArrayTracer` implements both, plus the operators and array methods
(``x + y``, ``x[1:]``, ``x.T``, ``x.sum()``), by mapping each call to a primitive of
:data:`calclib.rules.PRIMITIVES` and :func:`calclib.core.bind`-ing it, or by building it from several
(``np.std`` from mean, multiply, sum and sqrt; ``np.sort`` as indexing by the sorting permutation;
``np.tensordot`` as an einsum). Nothing here knows derivatives. :func:`supported_functions` lists
everything supported, with each derivative rule in one line.

Functions whose result does not depend smoothly on the values (``np.argmax``, ``np.round``, ``//``,
comparisons) are computed on the values, with derivative 0, as in JAX. What calclib cannot trace gets an
error that says what to write instead: ``np.array([x, y])`` of traced values (NumPy turns them into a
plain array; use ``np.stack``), SciPy functions that call ``np.asarray`` on their input
(``scipy.special.logsumexp``, ``softmax``), in-place writes, ``out=``.
"""

from __future__ import annotations

import functools
import string
import sys
from typing import Any, Callable, NamedTuple

import numpy as np

from .core import Tracer, bind, primal, shape_of
from .rules import PARTIALS, PRIMITIVES, rule_comments, scatter
from .rules import LUFactors   # np.linalg.solve keeps the LU factors of its matrix for the derivatives

__all__ = ["ArrayTracer", "SUPPORTED", "UFUNC_PRIMITIVES", "UFUNC_ALIASES", "UFUNC_CONSTANT", "ARRAY_FUNCTIONS",
           "PRIMITIVE_OF", "supported_functions"]


def _bind(name: str, *args: Any, **params: Any) -> Any:
    """``bind`` the primitive called ``name``."""
    return bind(PRIMITIVES[name], *args, **params)


# ---------------------------------------------------------------------------------------------------
# What NumPy calls are supported, and how they map to primitives
# ---------------------------------------------------------------------------------------------------
UFUNC_PRIMITIVES = (set(PARTIALS) - {"polygamma"}) | {"matmul"}  # ufuncs (NumPy's, scipy.special's) that are primitives
# ufuncs that are another under a second name
UFUNC_ALIASES = {"radians": "deg2rad", "degrees": "rad2deg", "fabs": "absolute", "conjugate": "positive",
                 "float_power": "power"}
# ufuncs whose result is piecewise constant (zero derivative, as JAX): computed on primal values.
UFUNC_CONSTANT = {"greater", "greater_equal", "less", "less_equal", "equal", "not_equal", "isfinite",
                  "isnan", "isinf", "sign", "floor", "ceil", "rint", "trunc", "floor_divide", "logical_and",
                  "logical_or", "logical_xor", "logical_not", "signbit", "heaviside"}


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def _axes(axis, ndim: int) -> tuple[int, ...]:
    """``axis`` (None, an int or a tuple, maybe negative) as a sorted tuple of axes in ``range(ndim)``."""
    if axis is None:
        return tuple(range(ndim))
    return tuple(sorted(int(a) % ndim for a in np.atleast_1d(axis))) if ndim else ()


def _no_out(out, name):
    if out is not None:
        raise TypeError(f"{name}(..., out=...) writes into an array in place, which cannot be traced: drop out=")


def _refuse(name: str, **options) -> None:
    """A clear error for an option of a NumPy function that calclib does not trace."""
    for option, value in options.items():
        if value is not None:
            raise TypeError(f"{name}(..., {option}=...) is not supported on values calclib differentiates: "
                            f"leave {option} out (select the entries first, by indexing or np.where)")


def _shape(a) -> tuple[int, ...]:
    return np.shape(primal(a))


def _on_values(func: Callable, what: str) -> Callable:
    """A NumPy function whose result has no derivative (indices, counts, booleans): computed on the values."""
    def handler(*args, **kwargs):
        return func(*(primal(a) for a in args), **{k: primal(v) for k, v in kwargs.items()})
    handler.__doc__ = f"{what}: no derivative (computed on the values, as JAX)."
    return handler


# --- reductions ------------------------------------------------------------------------------------
def _sum(a, axis=None, dtype=None, out=None, keepdims=False, **kw):
    """Σ over ``axis``: its adjoint is broadcast back."""
    _no_out(out, "np.sum")
    return _bind("sum", a, axis=_axis(axis), keepdims=keepdims)


def _mean(a, axis=None, dtype=None, out=None, keepdims=False, **kw):
    """The mean over ``axis``: its adjoint is broadcast back, divided by the count."""
    _no_out(out, "np.mean")
    return _bind("mean", a, axis=_axis(axis), keepdims=keepdims)


def _max(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    """The max over ``axis``; the derivative goes to the entries that attain it, shared equally at a tie."""
    _no_out(out, "np.max")
    _refuse("np.max", initial=initial, where=where)
    return _bind("max", a, axis=_axis(axis), keepdims=keepdims)


def _min(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    """The min over ``axis``; the derivative goes to the entries that attain it, shared equally at a tie."""
    _no_out(out, "np.min")
    _refuse("np.min", initial=initial, where=where)
    return _bind("min", a, axis=_axis(axis), keepdims=keepdims)


def _ptp(a, axis=None, out=None, keepdims=False):
    """max − min over ``axis``."""
    return _max(a, axis, out, keepdims) - _min(a, axis, out, keepdims)


def _reduced_last(a, axis):
    """``a`` with the axes of ``axis`` moved to the end and merged into one (for reductions built by hand),
    and the shape of the rest."""
    shape = _shape(a)
    axes = _axes(axis, len(shape))
    rest = [k for k in range(len(shape)) if k not in axes]
    x = _transpose(a, rest + list(axes)) if rest + list(axes) != list(range(len(shape))) else a
    kept = tuple(shape[k] for k in rest)
    return _reshape(x, kept + (int(np.prod([shape[k] for k in axes])),)), axes


def _kept(result, shape, axes, keepdims):
    """The result of a reduction over ``axes`` of an array of ``shape``, with ``keepdims`` as NumPy has it."""
    if not keepdims:
        return result
    return _reshape(result, tuple(1 if k in axes else n for k, n in enumerate(shape)))


def _prod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    r"""Π over ``axis``, multiplying halves pairwise (log₂ n products): the product rule then gives
    ∂Π/∂xₖ = the product of the others, right at zeros too (as JAX)."""
    _no_out(out, "np.prod")
    _refuse("np.prod", initial=initial, where=where)
    shape = _shape(a)
    x, axes = _reduced_last(a, axis)
    if x.shape[-1] == 0:
        return _kept(np.ones(x.shape[:-1]), shape, axes, keepdims)
    while x.shape[-1] > 1:
        if x.shape[-1] % 2:                       # an odd count: pad with a 1
            x = _concatenate([x, np.ones(x.shape[:-1] + (1,))], axis=-1)
        half = x.shape[-1] // 2
        x = x[..., :half] * x[..., half:]
    return _kept(x[..., 0], shape, axes, keepdims)


def _cumsum(a, axis=None, dtype=None, out=None):
    """Running sums: the adjoint is the running sum from the other end."""
    _no_out(out, "np.cumsum")
    if axis is None:
        a, axis = _reshape(a, -1), 0
    return _bind("cumsum", a, axis=int(axis) % max(len(_shape(a)), 1))


def _cumprod(a, axis=None, dtype=None, out=None):
    """Running products by doubling (Hillis–Steele: log₂ n products of shifted copies), so that the product
    rule gives the derivative, at zeros too."""
    _no_out(out, "np.cumprod")
    if axis is None:
        a, axis = _reshape(a, -1), 0
    x = _moveaxis(a, axis, -1)
    n, shift = x.shape[-1], 1
    while shift < n:                               # now x[k] = x[k − 2·shift + 1] ⋯ x[k]
        x = x * _concatenate([np.ones(x.shape[:-1] + (shift,)), x[..., :n - shift]], axis=-1)
        shift *= 2
    return _moveaxis(x, -1, axis)


def _var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None, correction=None):
    """Σ(x − mean)² / (n − ddof), from mean, subtract, multiply and sum."""
    _no_out(out, "np.var")
    _refuse("np.var", where=where, mean=mean)
    ddof = ddof if correction is None else correction
    axis = _axis(axis)
    count = int(np.prod([_shape(a)[k] for k in _axes(axis, len(_shape(a)))]))
    d = a - _mean(a, axis=axis, keepdims=True)
    return _sum(d * d, axis=axis, keepdims=keepdims) / (count - ddof)


def _std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None, correction=None):
    """√var (its gradient is NaN where all the entries are equal, as JAX; over a single entry the std is 0
    whatever that entry is, so its derivative is 0)."""
    var = _var(a, axis, dtype, out, ddof, keepdims, where=where, mean=mean, correction=correction)
    if int(np.prod([_shape(a)[k] for k in _axes(_axis(axis), len(_shape(a)))])) == 1:
        return var      # 0 (or NaN for ddof=1), like its square root, and constant: √ would make 0/0 of it
    return np.sqrt(var)


def _median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """The middle entry of np.sort (the mean of the two middle ones for an even count): the derivative goes to
    the middle of the sorted order (as JAX)."""
    _no_out(out, "np.median")
    shape = _shape(a)
    x, axes = _reduced_last(a, axis)
    n = x.shape[-1]
    middle = _sort(x, axis=-1)[..., (n - 1) // 2: n // 2 + 1]
    return _kept(_mean(middle, axis=-1), shape, axes, keepdims)


def _average(a, axis=None, weights=None, returned=False, *, keepdims=False):
    """Σ w x / Σ w over ``axis`` (the mean without weights)."""
    if weights is None:
        avg, total = _mean(a, axis=axis, keepdims=keepdims), None
        if returned:
            total = np.full(np.shape(primal(avg)), float(np.size(primal(a)) / max(np.size(primal(avg)), 1)))
    else:
        if _shape(weights) != _shape(a):      # NumPy: 1-d weights along a single axis
            weights = _reshape(weights, [-1 if k == int(axis) % len(_shape(a)) else 1 for k in range(len(_shape(a)))])
        total = _sum(weights * np.ones(_shape(a)), axis=_axis(axis), keepdims=keepdims)
        avg = _sum(a * weights, axis=_axis(axis), keepdims=keepdims) / total
    return (avg, total) if returned else avg


# --- shapes ----------------------------------------------------------------------------------------
def _reshape(a, *shape, **kw):
    """Reshape: its adjoint is reshaped back."""
    newshape = kw.get("shape", kw.get("newshape", shape[0] if len(shape) == 1 else shape))
    newshape = tuple(np.atleast_1d(newshape).astype(int).tolist()) if not isinstance(newshape, int) else (newshape,)
    # Resolve -1 now, so the recorded shape is concrete.
    return _bind("reshape", a, newshape=np.empty(_shape(a), dtype=np.int8).reshape(newshape).shape)


def _transpose(a, axes=None):
    """Permute the axes: the adjoint is permuted back."""
    ndim = np.ndim(primal(a))
    return _bind("transpose", a, axes=None if axes is None else tuple(int(ax) % ndim for ax in axes))


def _swapaxes(a, axis1, axis2):
    """Swap two axes (a transpose)."""
    axes = list(range(np.ndim(primal(a))))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return _transpose(a, axes)


def _moveaxis(a, source, destination):
    """Move axes to new positions (a transpose)."""
    ndim = np.ndim(primal(a))
    source = [int(s) % ndim for s in np.atleast_1d(source)]
    destination = [int(d) % ndim for d in np.atleast_1d(destination)]
    order = [k for k in range(ndim) if k not in source]
    for d, s in sorted(zip(destination, source)):
        order.insert(d, s)
    return _transpose(a, order)


def _squeeze(a, axis=None):
    """Drop axes of length 1 (a reshape)."""
    return _reshape(a, np.squeeze(np.empty(_shape(a)), _axis(axis)).shape)


def _expand_dims(a, axis):
    """Insert axes of length 1 (a reshape)."""
    return _reshape(a, np.expand_dims(np.empty(_shape(a)), _axis(axis)).shape)


def _atleast(nd: int) -> Callable:
    numpy_version = {1: np.atleast_1d, 2: np.atleast_2d, 3: np.atleast_3d}[nd]

    def handler(*arys):
        results = [_reshape(a, numpy_version(np.empty(_shape(a))).shape) for a in arys]
        return results[0] if len(results) == 1 else tuple(results)
    handler.__doc__ = f"At least {nd} dimensions (a reshape)."
    return handler


def _ravel(a, order="C"):
    """Flatten (a reshape)."""
    return _reshape(a, -1)


def _flip(m, axis=None):
    """Reverse the order along ``axis``: indexing with a step of −1."""
    axes = _axes(axis, len(_shape(m)))
    return m[tuple(slice(None, None, -1) if k in axes else slice(None) for k in range(len(_shape(m))))]


def _rot90(m, k=1, axes=(0, 1)):
    """Rotate by 90° k times in the plane of ``axes``: flips and a transpose (as NumPy builds it)."""
    k, ndim = int(k) % 4, len(_shape(m))
    a0, a1 = (int(ax) % ndim for ax in axes)
    if k == 0:
        return m
    if k == 2:
        return _flip(_flip(m, a0), a1)
    order = list(range(ndim))
    order[a0], order[a1] = order[a1], order[a0]
    return _transpose(_flip(m, a1), order) if k == 1 else _flip(_transpose(m, order), a1)


def _rollaxis(a, axis, start=0):
    """Move ``axis`` to the position ``start`` (a transpose)."""
    ndim = len(_shape(a))
    axis, start = int(axis) % ndim, int(start) + (ndim if start < 0 else 0)
    if axis < start:
        start -= 1
    order = [k for k in range(ndim) if k != axis]
    order.insert(start, axis)
    return _transpose(a, order)


def _roll(a, shift, axis=None):
    """Shift the entries cyclically: two slices joined (their adjoints: the two blocks)."""
    if axis is None:
        return _reshape(_roll(_reshape(a, -1), shift, 0), _shape(a))
    for s, ax in np.broadcast(np.atleast_1d(shift), np.atleast_1d(axis)):
        ax = int(ax) % len(_shape(a))
        n = _shape(a)[ax]
        s = int(s) % n if n else 0
        if s:
            before = (slice(None),) * ax
            a = _concatenate([a[before + (slice(n - s, None),)], a[before + (slice(0, n - s),)]], axis=ax)
    return a


def _gather(a, index: np.ndarray):
    """``a.ravel()[index]``: for functions that only rearrange or repeat entries (tile, pad, repeat), the
    derivative follows the entries (the adjoint adds up the copies)."""
    return _reshape(a, -1)[index]


def _repeat(a, repeats, axis=None):
    """Repeat entries: a fancy index, whose adjoint adds up the copies."""
    if axis is None:
        a, axis = _reshape(a, -1), 0
    axis = int(axis) % len(_shape(a))
    index = np.repeat(np.arange(_shape(a)[axis]), repeats)
    return a[(slice(None),) * axis + (index,)]


def _tile(A, reps):
    """Tile copies: a fancy index, whose adjoint adds up the copies."""
    return _gather(A, np.tile(np.arange(int(np.prod(_shape(A)))).reshape(_shape(A)), reps))


def _take(a, indices, axis=None, out=None, mode="raise"):
    """``a[indices]`` along ``axis``: the adjoint is scattered back (repeated indices add up)."""
    _no_out(out, "np.take")
    indices = np.asarray(primal(indices))
    if axis is None:
        a, axis = _reshape(a, -1), 0
    axis = int(axis) % len(_shape(a))
    n = _shape(a)[axis]
    if mode == "wrap":
        indices = indices % n
    elif mode == "clip":
        indices = np.clip(indices, 0, n - 1)
    return a[(slice(None),) * axis + (indices,)]


def _along_axis(indices: np.ndarray, axis: int) -> tuple:
    """The index that picks ``indices`` along ``axis`` (and every entry along the other axes)."""
    nd = indices.ndim
    return tuple(indices if k == axis else np.arange(n).reshape([-1 if j == k else 1 for j in range(nd)])
                 for k, n in enumerate(indices.shape))


def _take_along_axis(arr, indices, axis=-1):
    """``arr`` picked along ``axis`` by ``indices`` (a fancy index)."""
    indices = np.asarray(primal(indices))
    if axis is None:
        return _reshape(arr, -1)[indices]
    return arr[_along_axis(indices, int(axis) % len(_shape(arr)))]


def _sort(a, axis=-1, kind=None, order=None, *, stable=None):
    """The entries in sorted order, ``x[p]`` for the sorting permutation ``p``: the derivative follows the
    permutation. The sort is stable, so tied entries keep their order (as JAX)."""
    if order is not None:
        raise TypeError("np.sort(..., order=...) sorts structured arrays, which cannot be traced: leave order out")
    if axis is None:
        a, axis = _reshape(a, -1), 0
    axis = int(axis) % len(_shape(a))
    values = np.asarray(primal(a))
    perm = np.argsort(values, axis=axis)   # faster than a stable sort, and the same permutation unless entries tie
    if not np.all(np.diff(np.take_along_axis(values, perm, axis=axis), axis=axis) > 0):
        perm = np.argsort(values, axis=axis, kind="stable")
    return _bind("permute", a, perm=perm, axis=axis)


def _pad(array, pad_width, mode="constant", **kwargs):
    """Pad: 'constant' puts the array into an array of the constant (its adjoint: the middle block); 'edge',
    'reflect', 'symmetric' and 'wrap' repeat entries (a fancy index: the adjoint adds up the copies)."""
    shape = _shape(array)
    if mode == "constant":
        widths = np.broadcast_to(np.asarray(pad_width, dtype=int), (len(shape), 2))
        out_shape = tuple(int(b + n + e) for (b, e), n in zip(widths, shape))
        middle = tuple(slice(int(b), int(b) + n) for (b, _), n in zip(widths, shape))
        constant = np.pad(np.zeros(shape), pad_width, mode="constant", **{k: primal(v) for k, v in kwargs.items()})
        return scatter(array, out_shape, middle) + constant
    if mode in ("edge", "reflect", "symmetric", "wrap"):
        return _gather(array, np.pad(np.arange(int(np.prod(shape))).reshape(shape), pad_width, mode=mode, **kwargs))
    raise TypeError(f"np.pad(..., mode={mode!r}) is not supported on values calclib differentiates: use mode "
                    f"'constant', 'edge', 'reflect', 'symmetric' or 'wrap'")


def _split(ary, indices_or_sections, axis=0):
    """Split into blocks along ``axis``: slices (their adjoints go back into place)."""
    return _pieces(ary, indices_or_sections, axis, np.split)


def _array_split(ary, indices_or_sections, axis=0):
    """Split into blocks of nearly equal size: slices."""
    return _pieces(ary, indices_or_sections, axis, np.array_split)


def _pieces(ary, indices_or_sections, axis, numpy_split):
    axis = int(axis) % len(_shape(ary))
    start, pieces = 0, []
    for piece in numpy_split(np.arange(_shape(ary)[axis]), indices_or_sections):  # NumPy's rules and errors
        pieces.append(ary[(slice(None),) * axis + (slice(start, start + len(piece)),)])
        start += len(piece)
    return pieces


def _hsplit(ary, indices_or_sections):
    """np.split along axis 1 (axis 0 for 1-d arrays)."""
    return _split(ary, indices_or_sections, axis=1 if len(_shape(ary)) > 1 else 0)


def _vsplit(ary, indices_or_sections):
    """np.split along axis 0."""
    return _split(ary, indices_or_sections, axis=0)


def _dsplit(ary, indices_or_sections):
    """np.split along axis 2."""
    if len(_shape(ary)) < 3:
        raise ValueError("dsplit only works on arrays of 3 or more dimensions")
    return _split(ary, indices_or_sections, axis=2)


def _partition(a, kth, axis=-1, kind="introselect", order=None):
    """The entries rearranged so that the k-th is in its sorted place, ``x[p]`` for the permutation ``p`` of
    np.argpartition: the derivative follows the permutation (as np.sort's)."""
    if order is not None:
        raise TypeError("np.partition(..., order=...) works on structured arrays, which cannot be traced")
    if axis is None:
        a, axis = _reshape(a, -1), 0
    axis = int(axis) % len(_shape(a))
    return _bind("permute", a, perm=np.argpartition(np.asarray(primal(a)), kth, axis=axis), axis=axis)


def _diff(a, n=1, axis=-1, prepend=None, append=None):
    """Differences of neighbours along ``axis``, n times: x[1:] − x[:-1] (slices)."""
    _refuse("np.diff", prepend=prepend, append=append)
    axis = int(axis) % len(_shape(a))
    before = (slice(None),) * axis
    for _ in range(n):
        a = a[before + (slice(1, None),)] - a[before + (slice(None, -1),)]
    return a


def _gradient(f, *varargs, axis=None, edge_order=1):
    """Central differences (f[k+1] − f[k−1]) / 2h inside, one-sided ones at the ends, along each axis (slices:
    a linear function of f)."""
    _refuse("np.gradient", edge_order=None if edge_order == 1 else edge_order)
    ndim = len(_shape(f))
    axes = list(range(ndim)) if axis is None else [int(ax) % ndim for ax in np.atleast_1d(axis)]
    if not all(np.ndim(h) == 0 for h in varargs) or len(varargs) not in (0, 1, len(axes)):
        raise TypeError("np.gradient with coordinate arrays is not supported on values calclib differentiates: "
                        "give one spacing (a number), or one per axis")
    if len(varargs) <= 1:                   # one spacing for every axis (1 by default)
        varargs = (varargs[0] if varargs else 1.0,) * len(axes)
    results = []
    for ax, h in zip(axes, (float(h) for h in varargs)):
        if _shape(f)[ax] < 2:
            raise ValueError("Shape of array too small to calculate a numerical gradient, at least 2 elements "
                             "are required.")
        before = (slice(None),) * ax
        part = lambda start, stop: f[before + (slice(start, stop),)]  # noqa: E731
        results.append(_concatenate([part(1, 2) - part(0, 1), (part(2, None) - part(None, -2)) / 2,
                                     part(-1, None) - part(-2, -1)], axis=ax) / h)
    return results[0] if len(results) == 1 else tuple(results)


def _copy(a, order="K", subok=False):
    """A copy: the value itself (a traced value is never written in place)."""
    return a


def _linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, *, device=None):
    """start + t (stop − start) for t = 0, 1/(num − 1), ..., 1: linear in start and stop (derivatives 1 − t, t)."""
    div = num - 1 if endpoint else num
    t = np.arange(num) / div if div > 0 else np.zeros(num)
    ndim = len(np.broadcast_shapes(_shape(start), _shape(stop)))
    delta = stop - start
    y = start + np.reshape(t, (-1,) + (1,) * ndim) * delta
    if axis != 0:
        y = _moveaxis(y, 0, axis)
    return (y, delta / div if div > 0 else np.nan) if retstep else y


def _sinc(x):
    """sin(πx)/(πx) (a NumPy function, not a ufunc): the primitive ``sinc``."""
    return _bind("sinc", x)


# --- building arrays -------------------------------------------------------------------------------
def _stack(arrays, axis=0, out=None, **kw):
    """Stack arrays along a new axis: the adjoint of each is its slice."""
    _no_out(out, "np.stack")
    return _bind("stack", *arrays, axis=axis)


def _concatenate(arrays, axis=0, out=None, **kw):
    """Join arrays along ``axis``: the adjoint of each is its block."""
    _no_out(out, "np.concatenate")
    arrays = tuple(arrays)
    if axis is None:  # NumPy flattens the arrays first
        arrays, axis = tuple(_reshape(a, -1) for a in arrays), 0
    return _bind("concatenate", *arrays, axis=axis)


def _vstack(tup, **kw):
    """Join rows (np.concatenate along axis 0, 1-d arrays as rows)."""
    return _concatenate([np.reshape(t, (1, -1)) if np.ndim(t) < 2 else t for t in tup], axis=0)


def _hstack(tup, **kw):
    """Join along axis 1 (axis 0 for 1-d arrays): np.concatenate."""
    # As NumPy: 0-d pieces become 1-d (np.atleast_1d), then join along axis 0 if 1-d, else axis 1.
    pieces = [np.reshape(t, (1,)) if np.ndim(t) == 0 else t for t in tup]
    return _concatenate(pieces, axis=0 if pieces and np.ndim(pieces[0]) == 1 else 1)


def _column_stack(tup):
    """1-d arrays as columns, then np.hstack."""
    return _hstack([np.reshape(t, (-1, 1)) if np.ndim(t) < 2 else t for t in tup])


def _as_array(a):
    """A (nested) list or tuple of traced values and numbers as one traced array (np.stack of its entries)."""
    if isinstance(a, (list, tuple)):
        return _stack([_as_array(entry) for entry in a])
    return a


def _append(arr, values, axis=None):
    """``values`` appended to ``arr``: np.concatenate (of both flattened, without ``axis``)."""
    arr, values = _as_array(arr), _as_array(values)
    if axis is None:
        return _concatenate([_reshape(arr, -1), _reshape(values, -1)])
    return _concatenate([arr, values], axis=axis)


def _select(condlist, choicelist, default=0):
    """The first choice whose condition holds, else ``default``: np.where, from the last choice back."""
    result = default
    for condition, choice in reversed(list(zip(condlist, choicelist))):
        result = _where(condition, choice, result)
    return result


def _nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    """NaN and ±∞ replaced by numbers (np.where): derivative 1 at the finite entries, 0 at the others (as JAX)."""
    values = np.asarray(primal(x))
    return _where(np.isfinite(values), x, np.nan_to_num(values, nan=nan, posinf=posinf, neginf=neginf))


def _real(val):
    """The real part of a real value: the value itself."""
    return val


def _imag(val):
    """The imaginary part of a real value: zeros (no derivative)."""
    return np.zeros(_shape(val))


def _where(condition, x=None, y=None):
    """x where the condition holds, else y: the adjoint goes to the branch chosen."""
    if x is None or y is None:
        raise TypeError("np.where(condition) with one argument returns indices: use it on plain arrays only")
    return _bind("where", x, y, condition=np.asarray(primal(condition), dtype=bool))


def _clip(a, a_min=None, a_max=None, out=None, **kw):
    """np.maximum(a, a_min), then np.minimum(·, a_max): derivative 1 inside, 0 outside, ½ at the bounds (as JAX)."""
    _no_out(out, "np.clip")
    a_min, a_max = kw.get("min", a_min), kw.get("max", a_max)
    if a_min is not None:
        a = np.maximum(a, a_min)
    return a if a_max is None else np.minimum(a, a_max)


def _broadcast_to(a, shape, subok=False):
    """Broadcast (multiplying by ones: a traced value cannot be a read-only view); the adjoint is summed back."""
    return a * np.ones(shape)


def _diagonal(a, offset=0, axis1=0, axis2=1):
    """The diagonal (a fancy index): its adjoint goes back onto the diagonal."""
    x = _moveaxis(a, (axis1, axis2), (-2, -1))
    rows, cols = np.indices(_shape(x)[-2:])
    return x[..., np.diagonal(rows, offset), np.diagonal(cols, offset)]


def _diag(v, k=0):
    """1-d: the matrix with v on the diagonal (scatter into zeros); 2-d: the diagonal (np.diagonal)."""
    if len(_shape(v)) == 2:
        return _diagonal(v, k)
    if len(_shape(v)) != 1:
        raise ValueError("np.diag needs a 1-d or a 2-d array")
    n = _shape(v)[0] + abs(k)
    rows, cols = np.indices((n, n))
    return scatter(v, (n, n), (np.diagonal(rows, k), np.diagonal(cols, k)))


def _trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    """The sum of the diagonal: the adjoint is ȳ on the diagonal."""
    _no_out(out, "np.trace")
    return _sum(_diagonal(a, offset, axis1, axis2), axis=-1)


def _tril(m, k=0):
    """The lower triangle, zeros above (np.where with a constant mask)."""
    return _where(np.tri(*_shape(m)[-2:], k=k, dtype=bool), m, 0.0)


def _triu(m, k=0):
    """The upper triangle, zeros below (np.where with a constant mask)."""
    return _where(~np.tri(*_shape(m)[-2:], k=k - 1, dtype=bool), m, 0.0)


def _round(a, decimals=0, out=None):
    """Rounding: piecewise constant, derivative 0 (as JAX)."""
    _no_out(out, "np.round")
    return np.round(primal(a), decimals)


# --- products --------------------------------------------------------------------------------------
def _dot(a, b, out=None):
    """Σ over the last axis of a and the second-to-last of b: a product (0-d), matmul (up to 2-d), tensordot."""
    _no_out(out, "np.dot")
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return np.multiply(a, b)
    if np.ndim(a) > 2 or np.ndim(b) > 2:
        return _tensordot(a, b, axes=([-1], [-1 if np.ndim(b) == 1 else -2]))
    return _bind("matmul", a, b)


def _outer(a, b, out=None):
    """aᵢ bⱼ: a product of reshaped vectors."""
    _no_out(out, "np.outer")
    return np.reshape(a, (-1, 1)) * np.reshape(b, (1, -1))


def _inner(a, b):
    """Σ over the last axes of a and b (a tensordot; a product for 0-d)."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return np.multiply(a, b)
    return _tensordot(a, b, axes=([-1], [-1]))


def _vdot(a, b):
    """Σ aᵢ bᵢ over the flattened arrays (an einsum)."""
    return _einsum("i,i->", _reshape(a, -1), _reshape(b, -1))


def _tensordot(a, b, axes=2):
    """Σ over the paired axes of a and b: an einsum."""
    na, nb = np.ndim(primal(a)), np.ndim(primal(b))
    if isinstance(axes, (int, np.integer)):
        axes_a, axes_b = list(range(na - axes, na)), list(range(int(axes)))
    else:
        axes_a, axes_b = ([int(k)] if np.ndim(k) == 0 else [int(j) for j in k] for k in axes)
    axes_a, axes_b = [k % na for k in axes_a], [k % nb for k in axes_b]
    letters = iter(string.ascii_letters)
    sa = [next(letters) for _ in range(na)]
    sb = [next(letters) for _ in range(nb)]
    for i, j in zip(axes_a, axes_b):
        sb[j] = sa[i]
    out = [sa[k] for k in range(na) if k not in axes_a] + [sb[k] for k in range(nb) if k not in axes_b]
    return _einsum(f"{''.join(sa)},{''.join(sb)}->{''.join(out)}", a, b)


def _einsum(*operands, out=None, optimize=False, **kw):
    """Einstein summation, linear in each operand: the adjoint of one is an einsum of ȳ with the others."""
    _no_out(out, "np.einsum")
    subscripts, *arrays = operands if isinstance(operands[0], str) else _einsum_sublists(operands)
    subscripts = subscripts.replace(" ", "")
    inputs, arrow, output = subscripts.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(arrays):
        raise ValueError(f"np.einsum: the subscripts {subscripts!r} name {len(terms)} operands, but "
                         f"{len(arrays)} arrays were given")
    if not arrow:   # implicit output: '...', then the letters that appear once, in alphabetical order
        letters = inputs.replace("...", "").replace(",", "")
        output = ("..." if "..." in inputs else "") + "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    if "..." in subscripts + output:   # name the axes of '...' with unused letters
        free = [c for c in string.ascii_letters if c not in subscripts]
        ranks = [len(_shape(x)) - len(t) + 3 if "..." in t else 0 for t, x in zip(terms, arrays)]
        dots = "".join(free[:max(ranks)])
        terms = [t.replace("...", dots[len(dots) - r:] if r else "") for t, r in zip(terms, ranks)]
        output = output.replace("...", dots)
    terms, arrays = zip(*(_distinct_letters(t, x) for t, x in zip(terms, arrays)))
    return _bind("einsum", *arrays, subscripts=",".join(terms) + "->" + output, optimize=optimize)


def _einsum_sublists(operands: tuple) -> tuple:
    """NumPy's other form, ``np.einsum(x, [0, 1], y, [1, 2], [0, 2])``, as ``('ab,bc->ac', x, y)``: axis
    number k becomes the k-th letter, ``Ellipsis`` becomes ``'...'``; an odd number of arguments ends with
    the output's sublist."""
    def letters(sublist) -> str:
        try:
            return "".join("..." if k is Ellipsis else string.ascii_letters[int(k)] for k in sublist)
        except (TypeError, ValueError, IndexError):
            raise TypeError(f"np.einsum: {sublist!r} is not a list of axis numbers (0 to 51) or Ellipsis; write "
                            f"the subscripts as a string instead, np.einsum('ij,jk->ik', x, y)") from None

    arrays, sublists = operands[0:len(operands) - len(operands) % 2:2], operands[1::2]
    inputs = ",".join(letters(sub) for sub in sublists[:len(arrays)])
    output = "->" + letters(operands[-1]) if len(operands) % 2 else ""
    return (inputs + output, *arrays)


def _distinct_letters(term: str, x):
    """An operand whose subscripts repeat a letter (``'ii'``: its diagonal) as its diagonal, taken first with a
    fancy index, so that the einsum primitive sees every letter once per operand."""
    while len(set(term)) < len(term):
        letter = next(c for c in term if term.count(c) > 1)
        where = [k for k, c in enumerate(term) if c == letter]
        x = _moveaxis(x, where, list(range(len(where))))
        x = x[(np.arange(_shape(x)[0]),) * len(where)]
        term = letter + "".join(c for k, c in enumerate(term) if k not in where)
    return term, x


def _kron(a, b):
    """The Kronecker product: a product of reshaped copies, reshaped."""
    nd = max(np.ndim(a), np.ndim(b))
    sa = (1,) * (nd - np.ndim(a)) + _shape(a)
    sb = (1,) * (nd - np.ndim(b)) + _shape(b)
    a = np.reshape(a, [n for k in sa for n in (k, 1)])
    b = np.reshape(b, [n for k in sb for n in (1, k)])
    return np.reshape(a * b, [i * j for i, j in zip(sa, sb)])


def _cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """The cross product of 3-vectors, from products of components."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = _moveaxis(a, axisa, -1), _moveaxis(b, axisb, -1)
    if _shape(a)[-1] != 3 or _shape(b)[-1] != 3:
        raise ValueError("np.cross of traced values needs vectors of 3 components")
    c = _stack([a[..., 1] * b[..., 2] - a[..., 2] * b[..., 1], a[..., 2] * b[..., 0] - a[..., 0] * b[..., 2],
                a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]], axis=-1)
    return _moveaxis(c, -1, axisc)


# --- np.linalg ------------------------------------------------------------------------------------
class SlogdetResult(NamedTuple):
    sign: Any
    logabsdet: Any


class EighResult(NamedTuple):
    eigenvalues: Any
    eigenvectors: Any


def _square(a, name: str) -> np.ndarray:
    value = np.asarray(primal(a))
    if value.ndim < 2 or value.shape[-1] != value.shape[-2]:
        raise ValueError(f"{name} needs a square matrix (or a stack of them), got shape {value.shape}")
    return value


def _symmetric(a, name: str) -> None:
    """Refuse a matrix that is not symmetric, naming the problem: NumPy would read its lower triangle only."""
    value = _square(a, name)
    gap = float(np.max(np.abs(value - np.swapaxes(value, -1, -2)), initial=0.0))
    if gap > 1e-8 * max(1.0, float(np.max(np.abs(value), initial=0.0))):
        raise ValueError(
            f"{name} needs a symmetric matrix, and this one is not (largest |A - A.T| entry: {gap:.3g}); NumPy would "
            f"silently use its lower triangle only. Pass (A + A.T) / 2, or for a general matrix use np.linalg.solve, "
            f"np.linalg.det or np.linalg.inv")


def _det(a):
    """det A: d det A = det A · tr(A⁻¹ dA)."""
    _square(a, "np.linalg.det")
    return _bind("det", a)


def _slogdet(a):
    """(sign, ln|det A|): the sign is constant; d ln|det A| = tr(A⁻¹ dA)."""
    _square(a, "np.linalg.slogdet")
    return SlogdetResult(np.linalg.slogdet(primal(a))[0], _bind("logabsdet", a))


def _inv(a):
    """A⁻¹: d(A⁻¹) = −A⁻¹ dA A⁻¹."""
    _square(a, "np.linalg.inv")
    return _bind("inv", a)


def _solve(a, b):
    """X = A⁻¹B: dX = A⁻¹(dB − dA X); a vector b is solved as a one-column matrix. A's LU factors are computed
    once and kept for the derivatives (a parameter of the primitive)."""
    _square(a, "np.linalg.solve")
    if np.ndim(primal(b)) == 1:
        return _solve(a, _reshape(b, (-1, 1)))[..., 0]
    return _bind("solve", a, b, lu=LUFactors.of(primal(a)) if np.ndim(primal(b)) == 2 else None)


def _cholesky(a, /, *, upper=False):
    """L with A = LLᵀ (A symmetric positive definite): L̇ = L Φ(L⁻¹ Ȧ L⁻ᵀ)."""
    _symmetric(a, "np.linalg.cholesky")
    lower = _bind("cholesky", a)
    return _swapaxes(lower, -1, -2) if upper else lower


def _eigh(a, UPLO="L"):
    """Eigenvalues and eigenvectors of a symmetric matrix: ẇ = diag(VᵀȦV), V̇ = V(F ∘ VᵀȦV), Fᵢⱼ = 1/(wⱼ − wᵢ)
    (distinct eigenvalues; at a repeated one the eigenvectors' derivative is infinite, as JAX)."""
    _symmetric(a, "np.linalg.eigh")
    return EighResult(_bind("eigvalsh", a), _bind("eigh", a))


def _eigvalsh(a, UPLO="L"):
    """Eigenvalues of a symmetric matrix: ẇ = diag(VᵀȦV)."""
    _symmetric(a, "np.linalg.eigvalsh")
    return _bind("eigvalsh", a)


class SVDResult(NamedTuple):
    U: Any
    S: Any
    Vh: Any


def _svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    """A = U diag(s) Vᵀ: ṡ = diag(UᵀȦV); U̇ and V̇ from F ∘ (ṖS + SṖᵀ), Fᵢⱼ = 1/(sⱼ² − sᵢ²), Ṗ = UᵀȦV (distinct
    nonzero singular values; where two coincide the singular vectors' derivative is infinite, as JAX)."""
    value = np.asarray(primal(a))
    if value.ndim < 2:
        raise ValueError(f"np.linalg.svd needs a matrix (or a stack of them), got shape {value.shape}")
    if not compute_uv:
        return _bind("svdvals", a)
    if full_matrices and value.shape[-1] != value.shape[-2]:
        raise TypeError("np.linalg.svd(A) of a non-square A on values calclib differentiates: the singular vectors "
                        "beyond min(m, n) are not unique and have no derivative; pass full_matrices=False")
    return SVDResult(_bind("svd_u", a), _bind("svdvals", a), _bind("svd_vh", a))


def _multi_dot(arrays, *, out=None):
    """A chain of matmuls."""
    _no_out(out, "np.linalg.multi_dot")
    return functools.reduce(lambda x, y: _bind("matmul", x, y), arrays)


def _matrix_power(a, n):
    """Aⁿ by repeated squaring (matmuls); inv first for n < 0."""
    value = _square(a, "np.linalg.matrix_power")
    if n < 0:
        a, n = _inv(a), -n
    result = None
    while n:
        if n % 2:
            result = a if result is None else result @ a
        n //= 2
        if n:
            a = a @ a
    return np.broadcast_to(np.eye(value.shape[-1]), value.shape) if result is None else result


def _norm(x, ord=None, axis=None, keepdims=False):
    """The 2-norm and 'fro' are a primitive (gradient x/‖x‖, NaN at 0 as JAX); ord 1, inf, -inf, p (vectors) and
    1, inf, -1, -inf (matrices) are built from abs, sum, max and min; 'nuc', 2 and -2 from the singular values."""
    shape = _shape(x)
    if axis is None:
        if ord is None:                         # the 2-norm of the flattened array
            return _bind("norm", x, axis=None, keepdims=keepdims)
        if len(shape) not in (1, 2):
            raise ValueError(f"np.linalg.norm with ord={ord!r} needs a 1-d or 2-d array, or axis=")
        axis = tuple(range(len(shape)))
    axes = tuple(int(k) % len(shape) for k in np.atleast_1d(axis))
    if len(axes) == 1:
        result = _vector_norm(x, ord, axes[0])
    elif len(axes) == 2:
        result = _matrix_norm(x, ord, axes)
    else:
        raise ValueError("np.linalg.norm: axis must be an int or a pair of ints")
    return _kept(result, shape, axes, keepdims)


def _vector_norm(x, ord, axis):
    if ord is None or ord == 2:
        return _bind("norm", x, axis=axis, keepdims=False)
    if ord == np.inf:
        return _max(np.abs(x), axis=axis)
    if ord == -np.inf:
        return _min(np.abs(x), axis=axis)
    if ord == 0:
        return np.sum(primal(x) != 0, axis=axis).astype(float)     # a count: no derivative
    if ord == 1:
        return _sum(np.abs(x), axis=axis)
    if isinstance(ord, str):
        raise ValueError(f"np.linalg.norm: ord={ord!r} is a matrix norm; for a vector use None, 1, 2, inf, -inf or "
                         f"a number p")
    return _sum(np.abs(x) ** ord, axis=axis) ** (1.0 / ord)


def _matrix_norm(x, ord, axes):
    rows, cols = axes
    if ord is None or ord == "fro":
        return _bind("norm", x, axis=axes, keepdims=False)
    if ord in (1, -1):      # the largest (smallest) column sum of |x|
        sums = _sum(np.abs(x), axis=rows, keepdims=True)
    elif ord in (np.inf, -np.inf):   # the largest (smallest) row sum
        sums = _sum(np.abs(x), axis=cols, keepdims=True)
    elif ord in ("nuc", 2, -2):      # from the singular values: their sum, the largest, the smallest
        s = _bind("svdvals", _moveaxis(x, axes, (-2, -1)))
        return _sum(s, axis=-1) if ord == "nuc" else _max(s, axis=-1) if ord == 2 else _min(s, axis=-1)
    else:
        raise ValueError(f"np.linalg.norm: no matrix norm ord={ord!r}; use 'fro' (the default), 'nuc', 1, -1, 2, "
                         f"-2, inf or -inf")
    reduce = _max if ord in (1, np.inf) else _min
    return _reshape(reduce(sums, axis=axes), tuple(n for k, n in enumerate(_shape(x)) if k not in axes))


# --- NaN-aware reductions -------------------------------------------------------------------------
def _nan_to(a, value):
    return _where(np.isnan(primal(a)), np.full(_shape(a), value), a)


def _nansum(a, axis=None, dtype=None, out=None, keepdims=False, **kw):
    """Σ of the entries that are not NaN (derivative 0 at the NaNs)."""
    return _sum(_nan_to(a, 0.0), axis=axis, out=out, keepdims=keepdims)


def _nanmean(a, axis=None, dtype=None, out=None, keepdims=False, **kw):
    """The mean of the entries that are not NaN."""
    count = np.sum(~np.isnan(primal(a)), axis=_axis(axis), keepdims=keepdims)
    return _nansum(a, axis, out=out, keepdims=keepdims) / count


def _nanmax(a, axis=None, out=None, keepdims=False, **kw):
    """The max of the entries that are not NaN."""
    return _max(_nan_to(a, -np.inf), axis=axis, out=out, keepdims=keepdims)


def _nanmin(a, axis=None, out=None, keepdims=False, **kw):
    """The min of the entries that are not NaN."""
    return _min(_nan_to(a, np.inf), axis=axis, out=out, keepdims=keepdims)


ARRAY_FUNCTIONS: dict[Any, Any] = {
    # reductions
    np.sum: _sum, np.mean: _mean, np.max: _max, np.amax: _max, np.min: _min, np.amin: _min, np.ptp: _ptp,
    np.prod: _prod, np.cumsum: _cumsum, np.cumprod: _cumprod, np.var: _var, np.std: _std, np.median: _median,
    np.average: _average, np.nansum: _nansum, np.nanmean: _nanmean, np.nanmax: _nanmax, np.nanmin: _nanmin,
    # shapes
    np.reshape: _reshape, np.transpose: _transpose, np.swapaxes: _swapaxes, np.moveaxis: _moveaxis,
    np.ravel: _ravel, np.squeeze: _squeeze, np.expand_dims: _expand_dims, np.atleast_1d: _atleast(1),
    np.atleast_2d: _atleast(2), np.atleast_3d: _atleast(3), np.broadcast_to: _broadcast_to,
    np.flip: _flip, np.fliplr: lambda m: _flip(m, 1), np.flipud: lambda m: _flip(m, 0), np.roll: _roll,
    np.repeat: _repeat, np.tile: _tile, np.take: _take, np.take_along_axis: _take_along_axis, np.sort: _sort,
    np.pad: _pad, np.split: _split, np.array_split: _array_split, np.hsplit: _hsplit, np.vsplit: _vsplit,
    np.copy: _copy, np.linspace: _linspace, np.sinc: _sinc, np.rot90: _rot90, np.rollaxis: _rollaxis,
    np.dsplit: _dsplit, np.partition: _partition, np.diff: _diff, np.gradient: _gradient,
    # building arrays, selecting
    np.stack: _stack, np.concatenate: _concatenate, np.vstack: _vstack, np.hstack: _hstack,
    np.column_stack: _column_stack, np.where: _where, np.clip: _clip, np.diag: _diag, np.diagonal: _diagonal,
    np.trace: _trace, np.tril: _tril, np.triu: _triu, np.append: _append, np.select: _select,
    np.nan_to_num: _nan_to_num, np.real: _real, np.real_if_close: _real, np.imag: _imag,
    # products
    np.dot: _dot, np.outer: _outer, np.inner: _inner, np.vdot: _vdot, np.tensordot: _tensordot,
    np.einsum: _einsum, np.kron: _kron, np.cross: _cross,
    # np.linalg
    np.linalg.det: _det, np.linalg.slogdet: _slogdet, np.linalg.inv: _inv, np.linalg.solve: _solve,
    np.linalg.cholesky: _cholesky, np.linalg.eigh: _eigh, np.linalg.eigvalsh: _eigvalsh, np.linalg.norm: _norm,
    np.linalg.multi_dot: _multi_dot, np.linalg.matrix_power: _matrix_power, np.linalg.svd: _svd,
    # piecewise constant: no derivative
    np.round: _round, np.around: _round,
    np.fix: _on_values(np.fix, "Rounding towards 0"),
    np.argmax: _on_values(np.argmax, "The index of the max"),
    np.argmin: _on_values(np.argmin, "The index of the min"),
    np.argsort: _on_values(np.argsort, "The sorting permutation"),
    np.argwhere: _on_values(np.argwhere, "Indices"), np.nonzero: _on_values(np.nonzero, "Indices"),
    np.flatnonzero: _on_values(np.flatnonzero, "Indices"),
    np.count_nonzero: _on_values(np.count_nonzero, "A count"),
    np.searchsorted: _on_values(np.searchsorted, "Indices"), np.digitize: _on_values(np.digitize, "Indices"),
    np.any: _on_values(np.any, "A boolean"), np.all: _on_values(np.all, "A boolean"),
    np.isclose: _on_values(np.isclose, "Booleans"), np.allclose: _on_values(np.allclose, "A boolean"),
    np.array_equal: _on_values(np.array_equal, "A boolean"),
    np.iscomplex: _on_values(np.iscomplex, "Booleans"), np.isreal: _on_values(np.isreal, "Booleans"),
    np.iscomplexobj: _on_values(np.iscomplexobj, "A boolean"), np.isrealobj: _on_values(np.isrealobj, "A boolean"),
    np.angle: _on_values(np.angle, "The angle of a real number (0 or π)"),
    np.zeros_like: _on_values(lambda a, dtype=None, **kw: np.zeros(np.shape(a), dtype=dtype or float), "Zeros"),
    np.ones_like: _on_values(lambda a, dtype=None, **kw: np.ones(np.shape(a), dtype=dtype or float), "Ones"),
    np.full_like: _on_values(lambda a, fill_value, dtype=None, **kw: np.full(np.shape(a), fill_value,
                                                                            dtype=dtype or float), "A constant"),
    np.shape: _on_values(np.shape, "The shape"), np.ndim: _on_values(np.ndim, "The number of axes"),
    np.size: _on_values(np.size, "The number of entries"),
    np.result_type: _on_values(np.result_type, "A dtype"),
}
_flip_doc = "Reverse the order along axis {} (indexing with a step of −1)."
ARRAY_FUNCTIONS[np.fliplr].__doc__, ARRAY_FUNCTIONS[np.flipud].__doc__ = _flip_doc.format(1), _flip_doc.format(0)

# The NumPy functions that are one primitive each (their rule is that primitive's line in the tables).
PRIMITIVE_OF = {np.sum: "sum", np.mean: "mean", np.max: "max", np.amax: "max", np.min: "min", np.amin: "min",
                np.cumsum: "cumsum", np.reshape: "reshape", np.transpose: "transpose", np.stack: "stack",
                np.concatenate: "concatenate", np.where: "where", np.einsum: "einsum", np.linalg.det: "det",
                np.linalg.slogdet: "logabsdet", np.linalg.inv: "inv", np.linalg.solve: "solve",
                np.linalg.cholesky: "cholesky", np.linalg.eigvalsh: "eigvalsh", np.sinc: "sinc"}

SUPPORTED = sorted({f"np.{u}" for u in UFUNC_PRIMITIVES | set(UFUNC_ALIASES) | UFUNC_CONSTANT if hasattr(np, u)}
                   | {f"scipy.special.{u}" for u in UFUNC_PRIMITIVES if not hasattr(np, u)}
                   | {"np." + (f.__module__ + ".").replace("numpy.", "").replace("numpy", "") + f.__name__
                      for f in ARRAY_FUNCTIONS})


def _unsupported(name: str) -> TypeError:
    return TypeError(
        f"{name} is not supported on values calclib is differentiating. Supported: the operators "
        f"+ - * / ** @ % //, comparisons, indexing, .T, .reshape and the other array methods, and "
        f"{', '.join(SUPPORTED)}."
    )


def _ufunc_method(name: str, method: str, array, axis=0, dtype=None, out=None, keepdims=False, **kw):
    """``np.add.reduce``, ``np.maximum.reduce``, ``np.add.accumulate``, ...: the reduction they are."""
    handlers = {"reduce": {"add": _sum, "multiply": _prod, "maximum": _max, "minimum": _min},
                "accumulate": {"add": _cumsum, "multiply": _cumprod}}[method]
    if name not in handlers or kw:
        raise _unsupported(f"np.{name}.{method}" + (f" with {', '.join(kw)}" if kw else ""))
    if method == "reduce":
        return handlers[name](array, axis=_axis(axis), keepdims=keepdims)
    return handlers[name](array, axis=axis)


# ---------------------------------------------------------------------------------------------------
# The list of what is supported, generated from the registry
# ---------------------------------------------------------------------------------------------------
class SupportedFunction(NamedTuple):
    """One row of :func:`supported_functions`."""

    name: str                # as a student writes it: "np.sin", "scipy.special.erf", "x % y", "x.max()"
    rule: str                # its derivative rule, in one line
    primitive: str | None    # the primitive it is, if it is one (else it is built from several)


# Operators and the primitives they are.
OPERATORS = {"x + y": "add", "x - y": "subtract", "x * y": "multiply", "x / y": "divide", "x ** y": "power",
             "-x": "negative", "+x": "positive", "abs(x)": "absolute", "x @ y": "matmul", "x % y": "remainder",
             "x[index]": "getitem"}
_CONSTANT_RULE = "piecewise constant: derivative 0 (as JAX)"
# Primitives that no NumPy name is exactly: where they are used.
_PART_OF = {"eigh": "np.linalg.eigh (its eigenvectors)", "scatter": "the adjoint of x[index]",
            "norm": "np.linalg.norm (ord 2 and 'fro')", "permute": "np.sort (by the sorting permutation)",
            "polygamma": "the rules of scipy.special.psi and gammaln"}
_IN_PLACE = {"sort", "fill"}   # methods that refuse, with a message


def _function_name(func) -> str:
    """``np.sum``, ``np.linalg.det``: a NumPy function's name as a student writes it."""
    module = getattr(func, "__module__", None) or "numpy"
    module = "np" if module == "numpy" or module.startswith("numpy._") else module.replace("numpy", "np")
    return f"{module}.{getattr(func, '__name__', func)}"


def _first_line(doc: str | None) -> str:
    return " ".join((doc or "").strip().split("\n\n")[0].split())


def supported_functions() -> list[SupportedFunction]:
    """Every NumPy (and ``scipy.special``) function, operator and array method calclib differentiates, with its
    derivative rule in one line: for the book's list of what works.

    Generated from the registry: the rule of a primitive is the comment on its line of the tables in
    :mod:`calclib.rules` (:func:`calclib.rules.rule_comments`); a function built from several primitives has
    its rule in the first line of its handler's docstring here. Every primitive appears at least once.

    Examples
    --------
    >>> rows = {row.name: row for row in supported_functions()}
    >>> rows["np.sin"].rule
    'sin x → cos x'
    >>> rows["np.linalg.det"].rule
    'det A → det A · tr(A⁻¹ dA); Ā = ȳ det A A⁻ᵀ'
    """
    rules = rule_comments()
    rows = []
    for name in sorted(UFUNC_PRIMITIVES):
        if isinstance(getattr(np, name, None), np.ufunc):
            rows.append(SupportedFunction(f"np.{name}", rules[name], name))
        elif not hasattr(np, name):
            rows.append(SupportedFunction(f"scipy.special.{name}", rules[name], name))
    for alias, name in sorted(UFUNC_ALIASES.items()):
        rows.append(SupportedFunction(f"np.{alias}", f"as np.{name}: {rules[name]}", name))
    rows += [SupportedFunction(f"np.{name}", _CONSTANT_RULE, None) for name in sorted(UFUNC_CONSTANT)]
    for func, handler in ARRAY_FUNCTIONS.items():
        prim = PRIMITIVE_OF.get(func)
        rule = rules[prim] if prim else _first_line(handler.__doc__)
        rows.append(SupportedFunction(_function_name(func), rule, prim))
    rows += [SupportedFunction(op, rules[prim], prim) for op, prim in OPERATORS.items()]
    rows.append(SupportedFunction("x // y", _CONSTANT_RULE, None))
    by_name = {row.name: row for row in rows}
    for method, value in vars(ArrayTracer).items():
        if method.startswith("_") or method in ("shape", "ndim", "size", "dtype") or method in _IN_PLACE:
            continue
        twin = by_name.get(f"np.{method}")
        rule = twin.rule if twin else _first_line(getattr(value, "__doc__", None))
        rows.append(SupportedFunction(f"x.{method}" + ("" if method == "T" else "()"), rule,
                                      twin.primitive if twin else None))
    named = {row.primitive for row in rows}
    rows += [SupportedFunction(_PART_OF.get(name, name), rules[name], name) for name in PRIMITIVES if name not in named]
    return rows


def _calling_library() -> str | None:
    """The function of another library (SciPy, ...) that is converting a traced value to an array, if one
    is: the outermost frame of that library, below the first frame outside NumPy and calclib."""
    frame, found = sys._getframe(2), None
    while frame is not None:
        package = frame.f_globals.get("__name__", "").split(".")
        if package[0] not in ("numpy", "calclib"):
            if package[0] != "scipy":
                break
            public = [part for part in package if not part.startswith("_")]   # scipy.special._logsumexp
            found = ".".join(public + [frame.f_code.co_name])
        frame = frame.f_back
    return found


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
        name = UFUNC_ALIASES.get(ufunc.__name__, ufunc.__name__)
        if kwargs.get("out") is not None:
            raise TypeError(f"np.{name}(..., out=...) writes in place, which cannot be traced: drop out=")
        if method in ("reduce", "accumulate"):      # np.add.reduce is np.sum, np.multiply.accumulate np.cumprod
            return _ufunc_method(ufunc.__name__, method, *inputs, **kwargs)
        if method != "__call__":
            raise _unsupported(f"np.{name}.{method}")
        if name in UFUNC_CONSTANT:
            return ufunc(*(primal(i) for i in inputs))
        if name not in UFUNC_PRIMITIVES:
            raise _unsupported(f"np.{name}")
        return _bind(name, *inputs)

    def __array_function__(self, func, types, args, kwargs):
        """``np.sum(x)``, ``np.stack([x, y])``, ...: the shim in :data:`ARRAY_FUNCTIONS` maps it to primitives."""
        handler = ARRAY_FUNCTIONS.get(func)
        if handler is None:
            raise _unsupported(_function_name(func))
        return handler(*args, **kwargs)

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and np.dtype(dtype).kind in "iub":     # np.int64(x): as x.astype(int)
            return self.astype(dtype)
        library = _calling_library()
        if library is not None:
            raise TypeError(
                f"{library} turns its input into a plain NumPy array (np.asarray), which would lose the derivative: "
                f"only NumPy functions and scipy.special's ufuncs (erf, expit, gammaln, ...) can be traced. Write "
                f"it with NumPy: logsumexp as m = np.max(x); m + np.log(np.sum(np.exp(x - m))), softmax as "
                f"e = np.exp(x - np.max(x)); e / np.sum(e)."
            )
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
        """The axes reversed (a transpose)."""
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

    def __setitem__(self, index, value):
        raise TypeError("writing into a traced array in place (x[i] = v) cannot be traced: build the new array "
                        "instead, with np.where(mask, v, x), np.concatenate or np.stack")

    # --- array methods: as the NumPy functions of the same name ---------------------------------
    def reshape(self, *shape, **kw):
        return _reshape(self, *shape, **kw)

    def transpose(self, *axes):
        return _transpose(self, axes[0] if len(axes) == 1 else (axes or None))

    def sum(self, axis=None, dtype=None, out=None, keepdims=False):
        return _sum(self, axis=axis, out=out, keepdims=keepdims)

    def mean(self, axis=None, dtype=None, out=None, keepdims=False):
        return _mean(self, axis=axis, out=out, keepdims=keepdims)

    def max(self, axis=None, out=None, keepdims=False, **kw):
        return _max(self, axis, out, keepdims, **kw)

    def min(self, axis=None, out=None, keepdims=False, **kw):
        return _min(self, axis, out, keepdims, **kw)

    def prod(self, axis=None, dtype=None, out=None, keepdims=False, **kw):
        return _prod(self, axis, dtype, out, keepdims, **kw)

    def var(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kw):
        return _var(self, axis, dtype, out, ddof, keepdims, **kw)

    def std(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kw):
        return _std(self, axis, dtype, out, ddof, keepdims, **kw)

    def cumsum(self, axis=None, dtype=None, out=None):
        return _cumsum(self, axis, dtype, out)

    def cumprod(self, axis=None, dtype=None, out=None):
        return _cumprod(self, axis, dtype, out)

    def dot(self, other):
        return _dot(self, other)

    def ravel(self, order="C"):
        return _reshape(self, -1)

    def flatten(self, order="C"):
        """Flatten (a reshape)."""
        return _reshape(self, -1)

    def squeeze(self, axis=None):
        return _squeeze(self, axis)

    def swapaxes(self, axis1, axis2):
        return _swapaxes(self, axis1, axis2)

    def clip(self, min=None, max=None, out=None, **kw):
        return _clip(self, min, max, out, **kw)

    def repeat(self, repeats, axis=None):
        return _repeat(self, repeats, axis)

    def take(self, indices, axis=None, out=None, mode="raise"):
        return _take(self, indices, axis, out, mode)

    def diagonal(self, offset=0, axis1=0, axis2=1):
        return _diagonal(self, offset, axis1, axis2)

    def trace(self, offset=0, axis1=0, axis2=1, dtype=None, out=None):
        return _trace(self, offset, axis1, axis2, dtype, out)

    def round(self, decimals=0, out=None):
        return _round(self, decimals, out)

    def copy(self, order="C"):
        """A copy: the value itself (a traced value is never written in place)."""
        return self

    def astype(self, dtype, order="K", casting="unsafe", subok=True, copy=True):
        """To a float type: the value itself (calclib computes in float64). To integers or booleans: the
        values, with no derivative (as JAX)."""
        kind = np.dtype(dtype).kind
        if kind == "f":
            return self
        if kind in "iub":
            return np.asarray(primal(self)).astype(dtype)
        raise TypeError(f"x.astype({np.dtype(dtype)}) of a value calclib differentiates: only real numbers are "
                        f"supported (keep the values float)")

    def item(self, *args):
        """The entry as a 0-d traced value (a Python number would lose the derivative)."""
        if not args:
            if self.size != 1:
                raise ValueError("can only convert an array of size 1 to a Python scalar")
            return _reshape(self, ())
        index = args[0] if len(args) == 1 else args
        return _reshape(self, -1)[index] if isinstance(index, (int, np.integer)) else self[tuple(index)]

    def argmax(self, axis=None, **kw):
        return np.argmax(primal(self), axis=axis, **kw)

    def argmin(self, axis=None, **kw):
        return np.argmin(primal(self), axis=axis, **kw)

    def argsort(self, axis=-1, kind=None, order=None):
        return np.argsort(primal(self), axis=axis, kind=kind, order=order)

    def nonzero(self):
        return np.nonzero(primal(self))

    def any(self, axis=None, **kw):
        return np.any(primal(self), axis=axis, **kw)

    def all(self, axis=None, **kw):
        return np.all(primal(self), axis=axis, **kw)

    def sort(self, axis=-1, kind=None, order=None):
        raise TypeError("x.sort() sorts in place, which cannot be traced: write x = np.sort(x)")

    def fill(self, value):
        raise TypeError("x.fill(v) writes in place, which cannot be traced: write np.full(x.shape, v)")

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
    def __mod__(self, other): return _bind("remainder", self, other)
    def __rmod__(self, other): return _bind("remainder", other, self)
    def __floordiv__(self, other): return np.floor_divide(primal(self), primal(other))   # derivative 0
    def __rfloordiv__(self, other): return np.floor_divide(primal(other), primal(self))
    def __divmod__(self, other): return self // other, self % other
    def __rdivmod__(self, other): return other // self, _bind("remainder", other, self)
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
