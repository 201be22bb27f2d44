r"""One table of derivative rules: every primitive, one line each, read by forward *and* reverse mode.

A function written with NumPy is a composition of *primitives* (``sin``, ``multiply``, ``sum``, ...).
Automatic differentiation needs, for each primitive, only its local derivative; the chain rule does
the rest. Forward mode pushes tangents through with it, reverse mode pulls adjoints back through it,
and both read the rule from here, so each rule is written once.

Elementwise primitives: :data:`PARTIALS`
    For :math:`y = g(x_1, \dots, x_k)` applied entry by entry, the rule lists the partial derivatives
    :math:`\partial y / \partial x_i` as functions of the inputs and the output ``y``. A number stands for
    a constant partial. Forward mode computes :math:`\dot y = \sum_i \frac{\partial y}{\partial x_i}\dot x_i`;
    reverse mode computes :math:`\bar x_i \mathrel{+}= \frac{\partial y}{\partial x_i}\,\bar y`.

Linear (structural) primitives: :data:`LINEAR`
    ``sum``, ``reshape``, indexing, ``matmul``, ... are linear in each argument, so their JVP applies the
    primitive itself to the tangent, and their VJP applies its *transpose* to the adjoint (the transpose
    of indexing is scattering, of summing is broadcasting, of :math:`A \mapsto AB` is
    :math:`\bar Y \mapsto \bar Y B^\top`).

The rules call NumPy functions, which dispatch on their arguments: when the values are themselves being
traced by an outer transformation, the rules are differentiated too. That is how ``grad(grad(f))`` and
``hessian`` work.

Kinks follow JAX: :math:`|x|' = 1` at 0, ``maximum``/``minimum`` split a tie half and half,
:math:`\sqrt{x}\,' = \infty` at 0.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

# ---------------------------------------------------------------------------------------------------
# Elementwise primitives: name -> (∂y/∂x₁, ∂y/∂x₂, ...), each a number or a function of (*inputs, y).
# ---------------------------------------------------------------------------------------------------
PARTIALS: dict[str, tuple[Any, ...]] = {
    "add":        (1, 1),                                                   # x + z
    "subtract":   (1, -1),                                                  # x - z
    "multiply":   (lambda x, z, y: z, lambda x, z, y: x),                   # x z
    "divide":     (lambda x, z, y: np.divide(1.0, z), lambda x, z, y: -y / z),  # x / z
    "power":      (lambda x, p, y: np.where(p == 0, 0.0, p * x ** (p - 1)),                  # x^p (JAX: 0
                   lambda x, p, y: np.where(x == 0, 0.0, y * np.log(x))),                     # at 0⁰)
    "negative":   (-1,),                                                    # -x
    "positive":   (1,),                                                     # +x
    "square":     (lambda x, y: 2 * x,),                                    # x²
    "reciprocal": (lambda x, y: -y * y,),                                   # 1/x
    "sqrt":       (lambda x, y: 0.5 / y,),                                  # √x
    "exp":        (lambda x, y: y,),                                        # eˣ
    "expm1":      (lambda x, y: y + 1,),                                    # eˣ − 1
    "log":        (lambda x, y: 1 / x,),                                    # ln x
    "log10":      (lambda x, y: 1 / (x * np.log(10.0)),),                   # log₁₀ x
    "log1p":      (lambda x, y: 1 / (1 + x),),                              # ln(1 + x)
    "sin":        (lambda x, y: np.cos(x),),                                # sin x
    "cos":        (lambda x, y: -np.sin(x),),                               # cos x
    "tan":        (lambda x, y: 1 + y * y,),                                # tan x
    "arctan":     (lambda x, y: 1 / (1 + x * x),),                          # arctan x
    "sinh":       (lambda x, y: np.cosh(x),),                               # sinh x
    "cosh":       (lambda x, y: np.sinh(x),),                               # cosh x
    "tanh":       (lambda x, y: 1 - y * y,),                                # tanh x
    "absolute":   (lambda x, y: np.where(x >= 0, 1.0, -1.0),),              # |x|   (JAX: 1 at 0)
    "maximum":    (lambda x, z, y: (x > z) + 0.5 * (x == z), lambda x, z, y: (z > x) + 0.5 * (x == z)),
    "minimum":    (lambda x, z, y: (x < z) + 0.5 * (x == z), lambda x, z, y: (z < x) + 0.5 * (x == z)),
}

# Primitives whose result can leave the real numbers for finite inputs: their outputs are checked,
# and a DomainWarning names the operation when they do.
DOMAIN = {"log": "x > 0", "log10": "x > 0", "log1p": "x > -1", "sqrt": "x >= 0", "power": "x > 0 for a "
          "non-integer exponent", "divide": "a non-zero divisor", "reciprocal": "x != 0"}

# How each elementwise primitive is computed (NumPy's own ufuncs).
ELEMENTWISE: dict[str, Callable] = {name: getattr(np, name) for name in PARTIALS}
# np.where(c, x, z) *selects*: its tangent is where(c, ẋ, ż) and it routes the adjoint to the chosen
# branch, where(c, ȳ, 0) and where(c, 0, ȳ). (Multiplying ȳ by c instead would turn an infinite adjoint
# on the branch not taken into 0·∞ = NaN.)
ELEMENTWISE["where"] = np.where


# ---------------------------------------------------------------------------------------------------
# Linear primitives: the primitive itself (used on primals and, by linearity, on tangents) and its
# transpose (used on adjoints). ``shape`` is the shape of the input whose adjoint is being formed.
# ---------------------------------------------------------------------------------------------------
def _sum(x, axis=None, keepdims=False):
    return np.sum(x, axis=axis, keepdims=keepdims)


def _sum_transpose(g, shape, axis=None, keepdims=False):
    """Transpose of summing over ``axis``: broadcast the adjoint back over the summed axes."""
    if axis is not None and not keepdims:
        g = np.reshape(g, _kept_shape(shape, axis))
    return np.broadcast_to(g, shape)


def _mean(x, axis=None, keepdims=False):
    return np.mean(x, axis=axis, keepdims=keepdims)


def _mean_transpose(g, shape, axis=None, keepdims=False):
    axes = range(len(shape)) if axis is None else np.atleast_1d(axis)
    count = int(np.prod([shape[a] for a in axes]))   # how many entries each mean averaged
    return _sum_transpose(g / count, shape, axis, keepdims)


def _kept_shape(shape, axis):
    axes = {a % len(shape) for a in np.atleast_1d(axis)}
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _getitem(x, index):
    return x[index]


def _scatter(g, shape, index):
    """Transpose of ``x[index]``: a zero array of ``shape`` with ``g`` added at ``index``."""
    from ._tracing import bind  # scatter is a primitive itself, so reverse mode can be differentiated again

    return bind("scatter", g, out_shape=shape, index=index)


def scatter(g, out_shape, index):
    """Zeros of ``out_shape`` with ``g`` added at ``index`` (repeated indices add up)."""
    out = np.zeros(out_shape, dtype=np.result_type(g, float))
    if _is_basic_index(index):
        out[index] = g
    else:
        np.add.at(out, index, np.broadcast_to(g, np.shape(out[index])))
    return out


def _is_basic_index(index) -> bool:
    """Slices, integers, None and Ellipsis select each entry at most once."""
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (slice, int, np.integer, type(None), type(Ellipsis))) for i in items)


def _reshape(x, newshape):
    return np.reshape(x, newshape)


def _reshape_transpose(g, shape, newshape):
    return np.reshape(g, shape)


def _transpose(x, axes=None):
    return np.transpose(x, axes)


def _transpose_transpose(g, shape, axes=None):
    return np.transpose(g, None if axes is None else np.argsort(axes))


def _matmul_transpose_left(g, a, b):
    """Adjoint of A in Y = A B:  Ā = Ȳ Bᵀ (vectors handled as rows/columns the way matmul does)."""
    if np.ndim(b) == 1:    # y[..., k] = Σₙ a[..., k, n] b[n]
        return g * b if np.ndim(a) == 1 else np.expand_dims(g, -1) * b
    if np.ndim(a) == 1:    # y[..., n] = Σₖ a[k] b[..., k, n]: sum over the batch and n
        k, n = np.shape(b)[-2:]
        return np.sum(np.reshape(b * np.expand_dims(g, -2), (-1, k, n)), axis=(0, 2))
    return np.matmul(g, np.swapaxes(b, -1, -2))


def _matmul_transpose_right(g, a, b):
    """Adjoint of B in Y = A B:  B̄ = Aᵀ Ȳ."""
    if np.ndim(a) == 1:    # y[..., n] = Σₖ a[k] b[..., k, n]
        return g * a if np.ndim(b) == 1 else np.reshape(a, (-1, 1)) * np.expand_dims(g, -2)
    if np.ndim(b) == 1:    # y[..., k] = Σₙ a[..., k, n] b[n]: sum over the batch too
        return np.sum(np.reshape(np.expand_dims(g, -1) * a, (-1, np.shape(a)[-1])), axis=0)
    return np.matmul(np.swapaxes(a, -1, -2), g)


def _stack_transpose(g, i, axis=0):
    """Adjoint of the i-th array in ``np.stack(arrays, axis)``: the i-th slice along ``axis``."""
    return g[(slice(None),) * (axis % np.ndim(g)) + (i,)]


def _concatenate_transpose(g, i, sizes, axis=0):
    """Adjoint of the i-th array in ``np.concatenate(arrays, axis)``: its block along ``axis``."""
    start = int(np.sum(sizes[:i]))
    index = (slice(None),) * (axis % np.ndim(g)) + (slice(start, start + sizes[i]),)
    return g[index]


# name -> (the primitive, its transpose). Forward mode applies the primitive to tangents; reverse mode
# applies the transpose to adjoints.
LINEAR: dict[str, tuple[Callable, Callable]] = {
    "sum":       (_sum, _sum_transpose),                  # Σ x over axis   ↔ broadcast back
    "mean":      (_mean, _mean_transpose),                # mean            ↔ broadcast back / count
    "reshape":   (_reshape, _reshape_transpose),          # reshape         ↔ reshape back
    "transpose": (_transpose, _transpose_transpose),      # permute axes    ↔ inverse permutation
    "getitem":   (_getitem, _scatter),                    # x[index]        ↔ scatter into zeros
    "scatter":   (scatter, lambda g, shape, out_shape, index: g[index]),  # scatter ↔ x[index]
}

# Bilinear and n-ary primitives, also linear in each argument separately.
MATMUL_TRANSPOSES = (_matmul_transpose_left, _matmul_transpose_right)   # Y = A B
STACK_TRANSPOSE = _stack_transpose                                       # np.stack
CONCATENATE_TRANSPOSE = _concatenate_transpose                           # np.concatenate


def unbroadcast(g, shape: tuple[int, ...]):
    """Sum ``g`` down to ``shape``: the transpose of NumPy's broadcasting.

    If ``x`` of shape ``shape`` was broadcast to ``g``'s shape in the forward pass, every copy of an entry
    received an adjoint; the entry's adjoint is their sum.
    """
    g_shape = np.shape(g)
    if g_shape == shape:
        return g
    extra = len(g_shape) - len(shape)
    axes = tuple(range(extra)) + tuple(i + extra for i, n in enumerate(shape) if n == 1 and g_shape[i + extra] != 1)
    if axes:
        g = np.sum(g, axis=axes, keepdims=True)
    return np.reshape(g, shape)
