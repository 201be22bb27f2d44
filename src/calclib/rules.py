r"""One table of derivative rules: every primitive, one line each, read by forward *and* reverse mode.

A function written with NumPy is a composition of *primitives* (``sin``, ``multiply``, ``sum``, ...).
Automatic differentiation needs, for each primitive, only its local derivative; the chain rule does
the rest. Forward mode pushes tangents through with it, reverse mode pulls adjoints back through it,
and both read the rule from here, so each rule is written once. Four kinds of rule cover every
primitive:

Elementwise primitives: :data:`PARTIALS`
    For :math:`y = g(x_1, \dots, x_k)` applied entry by entry, the rule lists the partial derivatives
    :math:`\partial y / \partial x_i` as functions of the inputs and the output ``y``. A number stands for
    a constant partial. Forward mode computes :math:`\dot y = \sum_i \frac{\partial y}{\partial x_i}\dot x_i`;
    reverse mode computes :math:`\bar x_i \mathrel{+}= \frac{\partial y}{\partial x_i}\,\bar y`.

Linear primitives: :data:`LINEAR`
    ``sum``, ``reshape``, indexing, ``stack``, ``where``, ... are linear in their arguments taken
    together, :math:`y = L(x_1, \dots, x_k)`. So the tangent is the primitive itself applied to the
    tangents, :math:`\dot y = L(\dot x_1, \dots, \dot x_k)` (zeros for constants), and the adjoint is its
    *transpose* applied to :math:`\bar y`: the transpose of indexing is scattering, of summing is
    broadcasting, of stacking is taking the slices apart.

Multilinear primitives: :data:`MULTILINEAR`
    ``matmul`` and ``einsum`` are linear in each argument separately (as HIPS autograd's ``def_linear``
    says), so :math:`\dot Y = \dot A B + A \dot B`, one term per argument with the others fixed, and the
    adjoint of each argument is a transpose: :math:`\bar A = \bar Y B^\top`, :math:`\bar B = A^\top \bar Y`.

Other primitives: :data:`NONLINEAR`
    Reductions that select (``max``, ``min``) and matrix functions (``det``, ``inv``, ``solve``,
    ``cholesky``, ``eigh``), with their JVP and VJP written out as functions, each with its formula
    (Jacobi's :math:`\mathrm{d}\det A = \det A\,\operatorname{tr}(A^{-1}\mathrm{d}A)`, ...).

From these four tables, :data:`PRIMITIVES` makes one :class:`calclib.core.Primitive` record per
primitive: how to compute it, its JVP, its VJP, and its other facts (:data:`SYMBOLS` for trace tables,
:data:`DOMAIN`, :data:`NON_ANALYTIC`). Adding a primitive is one line here; the comment on the line is
its rule in words (:func:`rule_comments`, for the generated list of supported functions). Many NumPy
functions are not primitives but built from them in :mod:`calclib.numpy_dispatch` (``np.std``,
``np.linalg.norm``, ``np.sort`` as indexing by the sorting permutation, ...).

The rules call NumPy functions, which dispatch on their arguments: when the values are themselves being
traced by an outer transformation, the rules are differentiated too. That is how ``grad(grad(f))`` and
``hessian`` work.

Kinks follow JAX: :math:`|x|' = 1` at 0, ``maximum``/``minimum`` split a tie half and half, the entries
that tie for a ``max`` share its derivative equally,
:math:`\sqrt{x}\,' = \infty` at 0, and :math:`0^0` has partials 0. Where a rule chooses between two
formulas with ``np.where``, the formula not chosen is also evaluated, on inputs made safe first (the
"double where"): otherwise an infinite value there, times a zero adjoint, would give NaN in a second
derivative.
"""

from __future__ import annotations

import dis
import functools
import inspect
import math
import pathlib
import re
import types
from typing import Any, Callable

import numpy as np

from .core import Primitive, Tracer, bind, primal, shape_of

try:  # scipy.special's ufuncs (erf, expit, gammaln, ...) are primitives too, when SciPy is installed
    from scipy import special
except ImportError:  # pragma: no cover - without SciPy no traced value can reach them
    special = None

# ---------------------------------------------------------------------------------------------------
# Elementwise primitives: name -> (∂y/∂x₁, ∂y/∂x₂, ...), each a number or a function of (*inputs, y).
# ---------------------------------------------------------------------------------------------------
PARTIALS: dict[str, tuple[Any, ...]] = {
    "add":        (1, 1),                                                   # x + z → 1, 1
    "subtract":   (1, -1),                                                  # x − z → 1, −1
    "multiply":   (lambda x, z, y: z, lambda x, z, y: x),                   # x z → z, x
    "divide":     (lambda x, z, y: np.divide(1.0, z), lambda x, z, y: -y / z),  # x / z → 1/z, −y/z
    "power":      (lambda x, p, y: np.where(p == 0, 0.0, p * x ** np.where(p == 0, 1.0, p - 1)),  # xᵖ → p xᵖ⁻¹,
                   lambda x, p, y: np.where(x == 0, 0.0, y * np.log(np.where(x == 0, 1.0, x)))),  # y ln x (0 at 0⁰)
    "negative":   (-1,),                                                    # −x → −1
    "positive":   (1,),                                                     # +x → 1
    "square":     (lambda x, y: 2 * x,),                                    # x² → 2x
    "reciprocal": (lambda x, y: -y * y,),                                   # 1/x → −y²
    "sqrt":       (lambda x, y: 0.5 / y,),                                  # √x → 1/(2y)  (∞ at 0)
    "cbrt":       (lambda x, y: 1 / (3 * y * y),),                          # ∛x → 1/(3y²)  (∞ at 0)
    "exp":        (lambda x, y: y,),                                        # eˣ → y
    "exp2":       (lambda x, y: y * np.log(2.0),),                          # 2ˣ → y ln 2
    "expm1":      (lambda x, y: y + 1,),                                    # eˣ − 1 → y + 1
    "log":        (lambda x, y: 1 / x,),                                    # ln x → 1/x
    "log2":       (lambda x, y: 1 / (x * np.log(2.0)),),                    # log₂ x → 1/(x ln 2)
    "log10":      (lambda x, y: 1 / (x * np.log(10.0)),),                   # log₁₀ x → 1/(x ln 10)
    "log1p":      (lambda x, y: 1 / (1 + x),),                              # ln(1 + x) → 1/(1 + x)
    "logaddexp":  (lambda x, z, y: np.exp(x - y), lambda x, z, y: np.exp(z - y)),       # ln(eˣ + eᶻ) → eˣ⁻ʸ, eᶻ⁻ʸ
    "logaddexp2": (lambda x, z, y: np.exp2(x - y), lambda x, z, y: np.exp2(z - y)),     # log₂(2ˣ + 2ᶻ) → 2ˣ⁻ʸ, 2ᶻ⁻ʸ
    "sin":        (lambda x, y: np.cos(x),),                                # sin x → cos x
    "cos":        (lambda x, y: -np.sin(x),),                               # cos x → −sin x
    "tan":        (lambda x, y: 1 + y * y,),                                # tan x → 1 + y²
    "arcsin":     (lambda x, y: 1 / np.sqrt(1 - x * x),),                   # arcsin x → 1/√(1 − x²)
    "arccos":     (lambda x, y: -1 / np.sqrt(1 - x * x),),                  # arccos x → −1/√(1 − x²)
    "arctan":     (lambda x, y: 1 / (1 + x * x),),                          # arctan x → 1/(1 + x²)
    "arctan2":    (lambda x, z, y: z / (x * x + z * z),                     # atan2(x, z), the angle of (z, x)
                   lambda x, z, y: -x / (x * x + z * z)),                   # → z/(x² + z²), −x/(x² + z²)
    "hypot":      (lambda x, z, y: _ratio(x, y), lambda x, z, y: _ratio(z, y)),  # √(x² + z²) → x/y, z/y
    "sinh":       (lambda x, y: np.cosh(x),),                               # sinh x → cosh x
    "cosh":       (lambda x, y: np.sinh(x),),                               # cosh x → sinh x
    "tanh":       (lambda x, y: 1 - y * y,),                                # tanh x → 1 − y²
    "arcsinh":    (lambda x, y: 1 / np.sqrt(x * x + 1),),                   # arsinh x → 1/√(x² + 1)
    "arccosh":    (lambda x, y: 1 / np.sqrt(x * x - 1),),                   # arcosh x → 1/√(x² − 1)
    "arctanh":    (lambda x, y: 1 / (1 - x * x),),                          # artanh x → 1/(1 − x²)
    "sinc":       (lambda x, y: _sinc_derivative(x),),                      # sin(πx)/(πx) → (cos πx − y)/x
    "deg2rad":    (np.pi / 180,),                                           # x · π/180 → π/180
    "rad2deg":    (180 / np.pi,),                                           # x · 180/π → 180/π
    "remainder":  (1, lambda x, z, y: -np.floor(x / z)),                    # x mod z, as % → 1, −⌊x/z⌋
    "fmod":       (1, lambda x, z, y: -np.trunc(x / z)),                    # C's fmod (sign of x) → 1, −trunc(x/z)
    "absolute":   (lambda x, y: np.where(x >= 0, 1.0, -1.0),),              # |x| → sign x  (1 at 0, as JAX)
    "maximum":    (lambda x, z, y: (x > z) + 0.5 * (x == z),                # max(x, z) → 1 for the larger,
                   lambda x, z, y: (z > x) + 0.5 * (x == z)),               # ½ each at a tie (as JAX)
    "minimum":    (lambda x, z, y: (x < z) + 0.5 * (x == z),                # min(x, z) → 1 for the smaller,
                   lambda x, z, y: (z < x) + 0.5 * (x == z)),               # ½ each at a tie (as JAX)
    "fmax":       (lambda x, z, y: _first(x > z, z),                        # max(x, z), NaN ignored → 1 for
                   lambda x, z, y: 1 - _first(x > z, z)),                   # the one chosen (z at a tie, as JAX)
    "fmin":       (lambda x, z, y: _first(x < z, z),                        # min(x, z), NaN ignored → 1 for
                   lambda x, z, y: 1 - _first(x < z, z)),                   # the one chosen (z at a tie, as JAX)
    # scipy.special
    "expit":      (lambda x, y: y * (1 - y),),                              # σ(x) = 1/(1 + e⁻ˣ) → y (1 − y)
    "erf":        (lambda x, y: 2 / np.sqrt(np.pi) * np.exp(-x * x),),      # erf x → 2/√π e^(−x²)
    "erfc":       (lambda x, y: -2 / np.sqrt(np.pi) * np.exp(-x * x),),     # 1 − erf x → −2/√π e^(−x²)
    "gammaln":    (lambda x, y: special.psi(x),),                           # ln |Γ(x)| → ψ(x), the digamma function
    "psi":        (lambda x, y: polygamma(1, x),),                          # ψ(x) (digamma) → ψ⁽¹⁾(x) (trigamma)
    "polygamma":  (lambda n, x, y: _not_differentiable("in the order n of polygamma"),  # ψ⁽ⁿ⁾(x) → ψ⁽ⁿ⁺¹⁾(x)
                   lambda n, x, y: polygamma(n + 1, x)),                                 # (n a constant integer)
}


def _first(x_wins, z):
    """1.0 where fmax/fmin chooses its first argument: it wins, or the second is NaN (as JAX's fmax and fmin)."""
    return (x_wins | np.isnan(z)) * 1.0


def _ratio(x, y):
    """``x / y``, and ½ where ``y == 0``: the partials of ``hypot`` at the origin are ½ and ½, as in JAX."""
    zero = y == 0
    return np.where(zero, 0.5, x / np.where(zero, 1.0, y))


def _sinc_derivative(x):
    r"""The derivative of :math:`\operatorname{sinc} x = \sin(\pi x)/(\pi x)`:

    .. math:: \operatorname{sinc}'(x) = \frac{\cos \pi x - \operatorname{sinc} x}{x}
              = \sum_{k \ge 1} (-1)^k \frac{2k\,\pi^{2k}}{(2k+1)!}\, x^{2k-1}.

    Near 0 the quotient cancels (at 0 it is 0/0): for :math:`|x| < 0.1` the series is used instead, to
    :math:`x^{13}` (the next term is below :math:`10^{-16}` of the sum there), which also gives every higher
    derivative at and near 0 (:math:`\operatorname{sinc}''(0) = -\pi^2/3`, as JAX).
    """
    small = np.abs(x) < 0.1
    safe = np.where(small, 1.0, x)    # the branch not taken is evaluated too: keep it finite ("double where")
    x2, series = x * x, 0.0
    for c in reversed(_SINC_SERIES):  # Horner's scheme in x²
        series = series * x2 + c
    return np.where(small, series * x, (np.cos(np.pi * safe) - np.sinc(safe)) / safe)


_SINC_SERIES = [(-1) ** k * 2 * k * np.pi ** (2 * k) / math.factorial(2 * k + 1) for k in range(1, 8)]


def polygamma(n, x):
    r""":math:`\psi^{(n)}(x)`, the n-th derivative of the digamma function :math:`\psi = \Gamma'/\Gamma`.

    SciPy's ``polygamma``, as a primitive that traced values dispatch to (SciPy's own converts its
    arguments to plain arrays): the derivative rules of ``psi`` and ``polygamma`` call it, so every order
    of derivative of ``gammaln`` works.
    """
    if isinstance(n, Tracer) or isinstance(x, Tracer):
        return bind(PRIMITIVES["polygamma"], n, x)
    return special.polygamma(n, x)


def _not_differentiable(what: str):
    raise TypeError(f"calclib has no derivative {what}: keep it a constant (a plain number)")


def _ufunc(name: str) -> Callable:
    """The function of the elementwise primitive ``name``: NumPy's, else SciPy's (``scipy.special``), else ours."""
    if hasattr(np, name):
        return getattr(np, name)
    if name == "polygamma":
        return polygamma
    if special is None:  # pragma: no cover
        def missing(*args):
            raise ImportError(f"{name} is a function of scipy.special: install SciPy")
        return missing
    return getattr(special, name)


# ---------------------------------------------------------------------------------------------------
# Linear primitives: the primitive itself (on primals and, by linearity, on tangents) and its transpose
# (on adjoints). A transpose is called as transpose(ȳ, i, shapes, **params) and returns x̄ᵢ; ``shapes``
# are the shapes of the inputs.
# ---------------------------------------------------------------------------------------------------
def _sum(x, axis=None, keepdims=False):
    return np.sum(x, axis=axis, keepdims=keepdims)


def _sum_transpose(g, i, shapes, axis=None, keepdims=False):
    """Transpose of summing over ``axis``: broadcast the adjoint back over the summed axes."""
    if axis is None and _is_number(g):
        return repeat_number(g, shapes[0])
    if axis is not None and not keepdims:
        g = np.reshape(g, _kept_shape(shapes[0], axis))
    return np.broadcast_to(g, shapes[0])


def _mean(x, axis=None, keepdims=False):
    return np.mean(x, axis=axis, keepdims=keepdims)


def _mean_transpose(g, i, shapes, axis=None, keepdims=False):
    """Transpose of averaging: broadcast back, divided by the number of entries each mean averaged."""
    axes = range(len(shapes[0])) if axis is None else np.atleast_1d(axis)
    count = int(np.prod([shapes[0][a] for a in axes]))
    return _sum_transpose(g / count, i, shapes, axis, keepdims)


def _kept_shape(shape, axis):
    axes = {a % len(shape) for a in np.atleast_1d(axis)}
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _reshape(x, newshape):
    return np.reshape(x, newshape)


def _reshape_transpose(g, i, shapes, newshape):
    return np.reshape(g, shapes[0])


def _transpose(x, axes=None):
    return np.transpose(x, axes)


def _transpose_transpose(g, i, shapes, axes=None):
    return np.transpose(g, None if axes is None else np.argsort(axes))


def _getitem(x, index):
    return x[index]


def _getitem_transpose(g, i, shapes, index):
    """Transpose of ``x[index]``: zeros of x's shape with ``g`` added at ``index``.

    For plain arrays it is returned as an :class:`IndexedAdjoint`, made into an array only if it must be:
    the backward pass adds it straight into an adjoint it owns, without an array of zeros per use.
    """
    if isinstance(g, Tracer):  # scatter is a primitive itself, so reverse mode can be differentiated again
        return bind(PRIMITIVES["scatter"], g, out_shape=shapes[0], index=index)
    return IndexedAdjoint(g, shapes[0], index)


def scatter(g, out_shape, index):
    """Zeros of ``out_shape`` with ``g`` added at ``index`` (repeated indices add up)."""
    if isinstance(g, Tracer):  # dispatch, as a NumPy function would
        return bind(PRIMITIVES["scatter"], g, out_shape=out_shape, index=index)
    out = np.zeros(out_shape, dtype=np.result_type(g, float))
    IndexedAdjoint(g, out_shape, index).add_into(out)
    return out


def _scatter_transpose(g, i, shapes, out_shape, index):
    return g[index]


def _stack(*arrays, axis=0):
    return np.stack(arrays, axis=axis)


def _stack_transpose(g, i, shapes, axis=0):
    """Adjoint of the i-th array in ``np.stack(arrays, axis)``: the i-th slice along ``axis``."""
    return g[(slice(None),) * (axis % np.ndim(g)) + (i,)]


def _concatenate(*arrays, axis=0):
    return np.concatenate(arrays, axis=axis)


def _concatenate_transpose(g, i, shapes, axis=0):
    """Adjoint of the i-th array in ``np.concatenate(arrays, axis)``: its block along ``axis``."""
    sizes = [shape[axis] for shape in shapes]
    start = int(np.sum(sizes[:i]))
    return g[(slice(None),) * (axis % np.ndim(g)) + (slice(start, start + sizes[i]),)]


def _where(x, z, condition):
    return np.where(condition, x, z)


def _where_transpose(g, i, shapes, condition):
    """The adjoint goes to the branch that was chosen: where(c, ȳ, 0) to x, where(c, 0, ȳ) to z.

    (Multiplying ȳ by c instead would turn an infinite adjoint on the branch not taken into 0·∞ = NaN.)
    """
    chosen = np.where(condition, g, 0.0) if i == 0 else np.where(condition, 0.0, g)
    return unbroadcast(chosen, shapes[i])


def _cumsum(x, axis):
    return np.cumsum(x, axis=axis)


def _cumsum_transpose(g, i, shapes, axis):
    r"""Transpose of the running sum :math:`y_k = \sum_{j \le k} x_j`: the running sum from the other end,
    :math:`\bar x_j = \sum_{k \ge j} \bar y_k`."""
    backwards = (slice(None),) * (axis % len(shapes[0])) + (slice(None, None, -1),)
    return np.cumsum(g[backwards], axis=axis)[backwards]


def _permute(x, perm, axis):
    return np.take_along_axis(x, perm, axis=axis)


def _permute_transpose(g, i, shapes, perm, axis):
    """Transpose of rearranging the entries along ``axis`` by the permutation ``perm`` (as ``np.sort`` does):
    rearranging them back, by the inverse permutation (no entry is used twice, so nothing adds up)."""
    k = np.expand_dims(np.arange(perm.shape[axis]), tuple(d for d in range(perm.ndim) if d != axis))
    inverse = np.empty_like(perm)
    np.put_along_axis(inverse, perm, np.broadcast_to(k, perm.shape), axis=axis)   # inverse[perm[k]] = k
    return bind(PRIMITIVES["permute"], g, perm=inverse, axis=axis)


# name -> (the primitive, its transpose).
LINEAR: dict[str, tuple[Callable, Callable]] = {
    "sum":         (_sum, _sum_transpose),                  # Σ x over axis    ↔ broadcast back
    "mean":        (_mean, _mean_transpose),                # mean             ↔ broadcast back / count
    "reshape":     (_reshape, _reshape_transpose),          # reshape          ↔ reshape back
    "transpose":   (_transpose, _transpose_transpose),      # permute axes     ↔ inverse permutation
    "getitem":     (_getitem, _getitem_transpose),          # x[index]         ↔ scatter into zeros
    "scatter":     (scatter, _scatter_transpose),           # scatter          ↔ x[index]
    "stack":       (_stack, _stack_transpose),              # stack arrays     ↔ take slice i
    "concatenate": (_concatenate, _concatenate_transpose),  # join arrays      ↔ take block i
    "where":       (_where, _where_transpose),              # where(c, x, z)   ↔ route to the chosen branch
    "cumsum":      (_cumsum, _cumsum_transpose),            # running sum      ↔ running sum from the end
    "permute":     (_permute, _permute_transpose),          # x[perm] (sort)   ↔ permute back
}


# ---------------------------------------------------------------------------------------------------
# Multilinear primitives: linear in each argument separately. name -> (the primitive, (transpose for
# argument 0, transpose for argument 1, ...)), each transpose a function of (ȳ, *inputs, **params).
# ---------------------------------------------------------------------------------------------------
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


def _einsum(*operands, subscripts, optimize=False):
    return np.einsum(subscripts, *operands, optimize=optimize)


def _einsum_transpose(i, g, *operands, subscripts, optimize=False):
    r"""Adjoint of operand ``i`` of an einsum: the einsum of :math:`\bar Y` with the other operands, into the
    subscripts of operand ``i`` (the subscripts swapped).

    For ``Y = einsum("ij,jk->ik", A, B)``: ``Ā = einsum("ik,jk->ij", Ȳ, B)`` and
    ``B̄ = einsum("ij,ik->jk", A, Ȳ)``. A letter that only operand ``i`` has (summed over in the forward
    pass, as ``j`` in ``"ij->i"``) is broadcast back, as the transpose of a sum is; so is an axis of length
    1 that einsum broadcast. The subscripts are explicit and have no letter twice in one operand
    (:mod:`calclib.numpy_dispatch` sees to that).
    """
    inputs, output = subscripts.split("->")
    letters = inputs.split(",")
    others = [j for j in range(len(operands)) if j != i]
    if not output and len(others) == 1 and _is_number(g) and sorted(letters[others[0]]) == sorted(letters[i]):
        # Σ x z over every letter (an inner product, "ij,ij->"): x̄ = ȳ z, a number times z (see `scaled`)
        z, spec = operands[others[0]], letters[others[0]]
        z = z if spec == letters[i] else np.transpose(z, [spec.index(c) for c in letters[i]])
        if shape_of(z) == shape_of(operands[i]):
            return scaled(g, z)
    known = set(output).union(*(letters[j] for j in others))
    target = "".join(c for c in letters[i] if c in known)
    spec = ",".join([output] + [letters[j] for j in others]) + "->" + target
    x_bar = np.einsum(spec, g, *(operands[j] for j in others), optimize=optimize)
    shape = shape_of(operands[i])
    if target != letters[i]:   # letters of operand i alone: a new axis of length 1, to broadcast
        sizes = iter(shape_of(x_bar))
        x_bar = np.reshape(x_bar, [next(sizes) if c in known else 1 for c in letters[i]])
    if shape_of(x_bar) != shape:   # broadcast up to operand i's shape (the VJP sums down what was broadcast)
        x_bar = np.broadcast_to(x_bar, np.broadcast_shapes(shape_of(x_bar), shape))
    return x_bar


class _EveryOperand:
    """``transposes[i]`` for every ``i``: one transpose function serves all the operands (einsum has any number)."""

    def __init__(self, transpose: Callable):
        self.transpose = transpose

    def __getitem__(self, i: int) -> Callable:
        return functools.partial(self.transpose, i)


MULTILINEAR: dict[str, tuple[Callable, Any]] = {
    "matmul": (np.matmul, (_matmul_transpose_left, _matmul_transpose_right)),   # Y = A B → Ā = Ȳ Bᵀ, B̄ = Aᵀ Ȳ
    "einsum": (_einsum, _EveryOperand(_einsum_transpose)),                     # einsum → einsum, subscripts swapped
}


# ---------------------------------------------------------------------------------------------------
# Other primitives, with their JVP and VJP written out: reductions that select (max, min), the 2-norm,
# and matrix functions (det, inv, solve, cholesky, eigh). name -> (the primitive, JVP, VJP), called as
# jvp(primals, tangents, out, params) and vjp(i, ȳ, inputs, out, params). The rules use NumPy functions
# that dispatch (np.linalg.solve, @, ...), so they are differentiated again for second derivatives.
# ---------------------------------------------------------------------------------------------------
def _max(x, axis=None, keepdims=False):
    return np.max(x, axis=axis, keepdims=keepdims)


def _min(x, axis=None, keepdims=False):
    return np.min(x, axis=axis, keepdims=keepdims)


def _ties(x, y, axis, keepdims):
    """Where in ``x`` the max (or min) ``y`` is attained, and how many times along the reduced axes.

    The convention of JAX: entries that tie share the derivative equally, 1/count each. (They are found
    from the values, so they are constants for every derivative: max is piecewise linear.)
    """
    if axis is not None and not keepdims:
        y = np.reshape(primal(y), _kept_shape(shape_of(x), axis))
    hit = np.equal(primal(x), primal(y))
    return hit, np.sum(hit, axis=axis, keepdims=True)


def _selection_jvp(primals, tangents, out, params):
    r""":math:`\dot y = \sum_k w_k \dot x_k` over the reduced axes, with :math:`w_k = 1/\text{count}` where
    :math:`x_k` attains the max, 0 elsewhere."""
    hit, count = _ties(primals[0], out, **params)
    total = np.sum(np.where(hit, tangents[0], 0.0), axis=params["axis"], keepdims=params["keepdims"])
    return total / np.reshape(count, shape_of(out))


def _selection_vjp(i, g, inputs, out, params):
    r""":math:`\bar x_k = \bar y / \text{count}` where :math:`x_k` attains the max, 0 elsewhere."""
    hit, count = _ties(inputs[0], out, **params)
    if params["axis"] is not None and not params["keepdims"]:
        g = np.reshape(g, shape_of(count))
    return hit * (g / count)


def _norm(x, axis=None, keepdims=False):
    return np.linalg.norm(x, axis=axis, keepdims=keepdims)


def _norm_jvp(primals, tangents, out, params):
    r"""For :math:`y = \|x\|_2 = \sqrt{\sum_k x_k^2}`: :math:`\dot y = \sum_k x_k \dot x_k / y`."""
    return np.sum(primals[0] * tangents[0], axis=params["axis"], keepdims=params["keepdims"]) / out


def _norm_vjp(i, g, inputs, out, params):
    r""":math:`\bar x = \bar y\, x / y`, the direction of :math:`x` (NaN at :math:`x = 0`, where the norm
    has no derivative, as in JAX). For one norm, :math:`\bar y / y` is a number: it is kept as a factor
    (:func:`scaled`), so that the gradient is one new array, made where it is added."""
    scale = g / out
    if _is_number(scale):
        return scaled(scale, inputs[0])
    if params["axis"] is not None and not params["keepdims"]:
        scale = np.reshape(scale, _kept_shape(shape_of(inputs[0]), params["axis"]))
    return inputs[0] * scale


def _swap(a):
    """The transpose of a matrix (of each matrix in a stack)."""
    return np.swapaxes(a, -1, -2)


def _sym(a):
    """The symmetric part (A + Aᵀ)/2."""
    return (a + _swap(a)) / 2


def _as_matrices(v, shape):
    """A number per matrix, shaped to multiply a stack of matrices: (..., 1, 1)."""
    return np.reshape(v, tuple(shape) + (1, 1))


def _det_jvp(primals, tangents, out, params):
    r"""Jacobi's formula: :math:`\mathrm{d}\det A = \det A \,\operatorname{tr}(A^{-1}\,\mathrm{d}A)`."""
    return out * np.trace(np.linalg.solve(primals[0], tangents[0]), axis1=-2, axis2=-1)


def _det_vjp(i, g, inputs, out, params):
    r""":math:`\bar A = \bar y \det A \; A^{-\top}` (A must be invertible: at a singular A the rule's
    :math:`A^{-1}` does not exist, and NumPy raises ``LinAlgError``)."""
    return _as_matrices(g * out, shape_of(out)) * _swap(np.linalg.inv(inputs[0]))


def _logabsdet(a):
    return np.linalg.slogdet(a)[1]


def _logabsdet_jvp(primals, tangents, out, params):
    r""":math:`\mathrm{d}\ln|\det A| = \operatorname{tr}(A^{-1}\,\mathrm{d}A)`."""
    return np.trace(np.linalg.solve(primals[0], tangents[0]), axis1=-2, axis2=-1)


def _logabsdet_vjp(i, g, inputs, out, params):
    r""":math:`\bar A = \bar y\, A^{-\top}`."""
    return _as_matrices(g, shape_of(out)) * _swap(np.linalg.inv(inputs[0]))


def _inv_jvp(primals, tangents, out, params):
    r"""Differentiating :math:`A A^{-1} = I`: :math:`\mathrm{d}(A^{-1}) = -A^{-1}\,\mathrm{d}A\,A^{-1}`."""
    return -(out @ tangents[0] @ out)


def _inv_vjp(i, g, inputs, out, params):
    r""":math:`\bar A = -A^{-\top}\,\bar Y\,A^{-\top}`."""
    return -(_swap(out) @ g @ _swap(out))


class LUFactors:
    """The LU factorization of the matrix A of ``np.linalg.solve(A, B)`` (SciPy's ``lu_factor``), computed once
    from A's value and kept as the ``lu`` parameter of the ``solve`` primitive, as JAX keeps it: the JVP and the
    VJP solve with A and Aᵀ again in O(n²), instead of factoring A again in O(n³).

    ``solve(b)`` is :math:`A^{-1}b`; ``T`` is the factorization of :math:`A^\top` (the same factors, solved
    transposed).
    """

    __slots__ = ("factors", "trans")

    def __init__(self, factors: tuple, trans: int = 0):
        self.factors, self.trans = factors, trans

    @classmethod
    def of(cls, a: Any) -> "LUFactors | None":
        """The factorization of the matrix ``a`` (a plain array), or ``None`` where ``np.linalg.solve`` is used
        instead: a stack of matrices, or no SciPy. A singular matrix raises NumPy's ``LinAlgError``, as
        ``np.linalg.solve`` does."""
        if np.ndim(a) != 2 or np.iscomplexobj(a):
            return None
        try:
            import warnings

            from scipy.linalg import LinAlgWarning, lu_factor
        except ImportError:  # pragma: no cover - SciPy is optional
            return None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LinAlgWarning)
            lu, piv = lu_factor(a, check_finite=False)
        if not np.all(np.diagonal(lu)):
            raise np.linalg.LinAlgError("Singular matrix")
        return cls((lu, piv))

    @property
    def T(self) -> "LUFactors":
        return LUFactors(self.factors, 1 - self.trans)

    def solve(self, b: np.ndarray) -> np.ndarray:
        from scipy.linalg import lu_solve

        return lu_solve(self.factors, b, trans=self.trans, check_finite=False)

    def __repr__(self) -> str:
        return f"LUFactors(n={len(self.factors[1])}{', transposed' if self.trans else ''})"


def _solve(a, b, lu=None):
    """:math:`A^{-1}B`: with the factors ``lu`` of A when given (re-bound as the primitive for traced values, so
    that the factors serve every level), else ``np.linalg.solve``."""
    if lu is None or len(shape_of(b)) != 2:
        return np.linalg.solve(a, b)
    if isinstance(a, Tracer) or isinstance(b, Tracer):
        return bind(PRIMITIVES["solve"], a, b, lu=lu)
    return lu.solve(b)


def _solve_jvp(primals, tangents, out, params):
    r"""For :math:`X = A^{-1}B`: :math:`\dot X = A^{-1}(\dot B - \dot A X)` (one more solve with the same A, with
    its LU factors)."""
    (a, _), (da, db) = primals, tangents
    rhs = db if da is None else (-(da @ out) if db is None else db - da @ out)
    return _solve(a, rhs, params.get("lu"))


def _solve_vjp(i, g, inputs, out, params):
    r"""The VJP of :math:`X = A^{-1}B`: :math:`\bar B = A^{-\top}\bar X` (a solve with :math:`A^\top`, with the
    LU factors of A) and :math:`\bar A = -\bar B X^\top`, each summed over broadcast (batch) axes."""
    lu = params.get("lu")
    b_bar = _solve(_swap(inputs[0]), g, None if lu is None else lu.T)
    return unbroadcast(b_bar if i == 1 else -(b_bar @ _swap(out)), shape_of(inputs[i]))


def _lower_half_diagonal(n: int) -> np.ndarray:
    """Φ's mask: the lower triangle with the diagonal halved (Φ(X) = X * mask)."""
    return np.tril(np.ones((n, n))) - 0.5 * np.eye(n)


def _cholesky_jvp(primals, tangents, out, params):
    r"""For :math:`A = LL^\top`: :math:`\dot L = L\,\Phi(L^{-1}\dot S L^{-\top})`, with
    :math:`\dot S = (\dot A + \dot A^\top)/2` and :math:`\Phi` taking the lower triangle and half the diagonal.

    A is symmetric, so only the symmetric part of a perturbation counts (JAX's convention, too).
    """
    s = _sym(tangents[0])
    x = np.linalg.solve(out, _swap(np.linalg.solve(out, s)))       # L⁻¹ Ṡ L⁻ᵀ
    return out @ (x * _lower_half_diagonal(shape_of(out)[-1]))


def _cholesky_vjp(i, g, inputs, out, params):
    r""":math:`\bar A = \operatorname{sym}\big(L^{-\top}\,\Phi(L^\top \bar L)\,L^{-1}\big)`, the transpose of the
    JVP."""
    l_inv = np.linalg.inv(out)
    return _sym(_swap(l_inv) @ ((_swap(out) @ g) * _lower_half_diagonal(shape_of(out)[-1])) @ l_inv)


def _eigvalsh(a):
    return np.linalg.eigvalsh(a)


def _eigvalsh_jvp(primals, tangents, out, params):
    r"""For :math:`A = V \operatorname{diag}(w) V^\top`: :math:`\dot w_k = v_k^\top \dot A\, v_k`, the diagonal of
    :math:`V^\top \dot A V`. (Right for distinct eigenvalues; at a repeated eigenvalue :math:`w` is not
    differentiable, and this is one of its one-sided derivatives.)"""
    v = np.linalg.eigh(primals[0])[1]
    return np.sum(v * (_sym(tangents[0]) @ v), axis=-2)


def _eigvalsh_vjp(i, g, inputs, out, params):
    r""":math:`\bar A = V \operatorname{diag}(\bar w)\, V^\top`."""
    v = np.linalg.eigh(inputs[0])[1]
    return (v * np.expand_dims(g, -2)) @ _swap(v)


def _eigh_vectors(a):
    return np.linalg.eigh(a)[1]


def _eigengap_reciprocals(a):
    r""":math:`F_{ij} = 1/(w_j - w_i)` for :math:`i \ne j`, 0 on the diagonal (infinite for a repeated eigenvalue)."""
    w = np.linalg.eigvalsh(a)
    eye = np.eye(shape_of(a)[-1])
    return 1 / (np.expand_dims(w, -2) - np.expand_dims(w, -1) + eye) - eye


def _eigh_vectors_jvp(primals, tangents, out, params):
    r""":math:`\dot V = V\,\big(F \circ (V^\top \dot S V)\big)`, :math:`F_{ij} = 1/(w_j - w_i)`.

    The eigenvectors of a repeated eigenvalue are not unique (any rotation of them will do): there the
    derivative is infinite or NaN, as in JAX.
    """
    return out @ (_eigengap_reciprocals(primals[0]) * (_swap(out) @ _sym(tangents[0]) @ out))


def _eigh_vectors_vjp(i, g, inputs, out, params):
    r""":math:`\bar A = \operatorname{sym}\big(V (F \circ V^\top \bar V) V^\top\big)`."""
    return _sym(out @ (_eigengap_reciprocals(inputs[0]) * (_swap(out) @ g)) @ _swap(out))


def _svd(a):
    """U, s, Vᵀ of the thin SVD A = U diag(s) Vᵀ (``full_matrices=False``): k = min(m, n) singular values."""
    return np.linalg.svd(a, full_matrices=False)


def _svd_values(a):
    return np.linalg.svd(a, compute_uv=False)


def _svd_u(a):
    return _svd(a)[0]


def _svd_vh(a):
    return _svd(a)[2]


def _svd_gaps(s):
    r""":math:`F_{ij} = 1/(s_j^2 - s_i^2)` for :math:`i \ne j`, 0 on the diagonal (infinite for a repeated
    singular value)."""
    eye = np.eye(shape_of(s)[-1])
    return 1 / (np.expand_dims(s * s, -2) - np.expand_dims(s * s, -1) + eye) - eye


def _svd_values_jvp(primals, tangents, out, params):
    r"""For :math:`A = U S V^\top`: :math:`\dot s_k = u_k^\top \dot A\, v_k`, the diagonal of
    :math:`U^\top \dot A V`."""
    u, _, vh = _svd(primals[0])
    return np.sum(u * (tangents[0] @ _swap(vh)), axis=-2)


def _svd_values_vjp(i, g, inputs, out, params):
    r""":math:`\bar A = U \operatorname{diag}(\bar s)\, V^\top`."""
    u, _, vh = _svd(inputs[0])
    return (u * np.expand_dims(g, -2)) @ vh


def _svd_u_jvp(primals, tangents, out, params):
    r""":math:`\dot U = U\,\big(F \circ (\dot P S + S \dot P^\top)\big) + (I - UU^\top)\,\dot A V S^{-1}`, with
    :math:`\dot P = U^\top \dot A V` (the second term only for a tall A, m > n; as JAX)."""
    u, s, vh = _svd(primals[0])
    p = _swap(u) @ tangents[0] @ _swap(vh)
    du = u @ (_svd_gaps(s) * (p * np.expand_dims(s, -2) + np.expand_dims(s, -1) * _swap(p)))
    if shape_of(u)[-2] > shape_of(u)[-1]:
        dav = tangents[0] @ _swap(vh)
        du = du + (dav - u @ (_swap(u) @ dav)) / np.expand_dims(s, -2)
    return du


def _svd_u_vjp(i, g, inputs, out, params):
    r""":math:`\bar A = U \big((J + J^\top) S\big) V^\top + (I - UU^\top)\,\bar U S^{-1} V^\top`,
    :math:`J = F \circ (U^\top \bar U)`: the transpose of the JVP."""
    u, s, vh = _svd(inputs[0])
    j = _svd_gaps(s) * (_swap(u) @ g)
    a_bar = u @ ((j + _swap(j)) * np.expand_dims(s, -2)) @ vh
    if shape_of(u)[-2] > shape_of(u)[-1]:
        a_bar = a_bar + ((g - u @ (_swap(u) @ g)) / np.expand_dims(s, -2)) @ vh
    return a_bar


def _svd_vh_jvp(primals, tangents, out, params):
    r""":math:`\dot V = V\,\big(F \circ (S \dot P + \dot P^\top S)\big) + (I - VV^\top)\,\dot A^\top U S^{-1}`
    (the second term only for a wide A, n > m), and :math:`\dot{V^\top} = \dot V^\top`."""
    u, s, vh = _svd(primals[0])
    p = _swap(u) @ tangents[0] @ _swap(vh)
    dv = _swap(vh) @ (_svd_gaps(s) * (np.expand_dims(s, -1) * p + _swap(p) * np.expand_dims(s, -2)))
    if shape_of(vh)[-1] > shape_of(vh)[-2]:
        dau = _swap(tangents[0]) @ u
        dv = dv + (dau - _swap(vh) @ (vh @ dau)) / np.expand_dims(s, -2)
    return _swap(dv)


def _svd_vh_vjp(i, g, inputs, out, params):
    r""":math:`\bar A = U \big(S (K + K^\top)\big) V^\top + U S^{-1} \bar V^\top (I - VV^\top)`,
    :math:`K = F \circ (V^\top \bar V)`, :math:`\bar V = \bar{V^\top}{}^\top`: the transpose of the JVP."""
    u, s, vh = _svd(inputs[0])
    k = _svd_gaps(s) * (vh @ _swap(g))
    a_bar = u @ (np.expand_dims(s, -1) * (k + _swap(k))) @ vh
    if shape_of(vh)[-1] > shape_of(vh)[-2]:
        a_bar = a_bar + u @ ((g - (g @ _swap(vh)) @ vh) / np.expand_dims(s, -1))
    return a_bar


NONLINEAR: dict[str, tuple[Callable, Callable, Callable]] = {
    "max":       (_max, _selection_jvp, _selection_vjp),                 # max over axis → to the max; ties share
    "min":       (_min, _selection_jvp, _selection_vjp),                 # min over axis → to the min; ties share
    "norm":      (_norm, _norm_jvp, _norm_vjp),                          # ‖x‖₂ (and 'fro') → x/‖x‖ (NaN at 0)
    "det":       (np.linalg.det, _det_jvp, _det_vjp),                    # det A → det A · tr(A⁻¹ dA); Ā = ȳ det A A⁻ᵀ
    "logabsdet": (_logabsdet, _logabsdet_jvp, _logabsdet_vjp),           # ln|det A| (slogdet) → tr(A⁻¹ dA); Ā = ȳ A⁻ᵀ
    "inv":       (np.linalg.inv, _inv_jvp, _inv_vjp),                    # A⁻¹ → −A⁻¹ dA A⁻¹; Ā = −A⁻ᵀ Ȳ A⁻ᵀ
    "solve":     (_solve, _solve_jvp, _solve_vjp),                       # A⁻¹B → A⁻¹(dB − dA X); B̄ = A⁻ᵀX̄, Ā = −B̄Xᵀ
    "cholesky":  (np.linalg.cholesky, _cholesky_jvp, _cholesky_vjp),     # L, A = LLᵀ → L Φ(L⁻¹ dA L⁻ᵀ)
    "eigvalsh":  (_eigvalsh, _eigvalsh_jvp, _eigvalsh_vjp),              # eigenvalues w of symmetric A → diag(Vᵀ dA V)
    "eigh":      (_eigh_vectors, _eigh_vectors_jvp, _eigh_vectors_vjp),  # eigenvectors V → V (F ∘ Vᵀ dA V)
    "svdvals":   (_svd_values, _svd_values_jvp, _svd_values_vjp),        # singular values s of A → diag(Uᵀ dA V)
    "svd_u":     (_svd_u, _svd_u_jvp, _svd_u_vjp),                       # U of A = U S Vᵀ → U (F ∘ (P S + S Pᵀ)) + …
    "svd_vh":    (_svd_vh, _svd_vh_jvp, _svd_vh_vjp),                    # Vᵀ of A = U S Vᵀ → (V (F ∘ (S P + Pᵀ S)) + …)ᵀ
}

# ---------------------------------------------------------------------------------------------------
# The other facts of each primitive
# ---------------------------------------------------------------------------------------------------
# How a trace table writes it (default: its name).
SYMBOLS = {"add": "+", "subtract": "−", "multiply": "×", "divide": "/", "power": "^", "negative": "−",
           "matmul": "@", "maximum": "max", "minimum": "min", "absolute": "abs", "getitem": "index",
           "remainder": "mod", "psi": "digamma", "expit": "σ"}


def _non_integer_exponent(args: tuple) -> bool:
    return not (np.ndim(args[1]) == 0 and float(primal(args[1])).is_integer())


# Primitives whose result can leave the real numbers for finite inputs: their outputs are checked,
# and a DomainWarning names the operation when they do. (text, and when the check applies)
DOMAIN: dict[str, tuple[str, Callable | None]] = {
    "log": ("x > 0", None), "log10": ("x > 0", None), "log1p": ("x > -1", None), "sqrt": ("x >= 0", None),
    "power": ("x > 0 for a non-integer exponent", _non_integer_exponent),
    "divide": ("a non-zero divisor", None), "reciprocal": ("x != 0", None),
    "log2": ("x > 0", None), "arcsin": ("-1 <= x <= 1", None), "arccos": ("-1 <= x <= 1", None),
    "arccosh": ("x >= 1", None), "arctanh": ("-1 < x < 1", None), "remainder": ("a non-zero divisor", None),
    "fmod": ("a non-zero divisor", None), "gammaln": ("x not 0, -1, -2, ...", None),
    "psi": ("x not 0, -1, -2, ...", None), "polygamma": ("x not 0, -1, -2, ...", None),
    "logabsdet": ("an invertible matrix", None),
}

# Not complex-analytic, or not defined by NumPy or SciPy for complex numbers (cbrt, expit, ...): the complex
# step is not valid through these.
NON_ANALYTIC = {"absolute", "maximum", "minimum", "max", "min", "norm", "remainder", "fmod", "hypot", "arctan2",
                "cbrt", "logaddexp", "logaddexp2", "deg2rad", "rad2deg", "expit", "gammaln", "polygamma",
                "cholesky", "eigvalsh", "eigh", "fmax", "fmin", "svdvals", "svd_u", "svd_vh"}


# ---------------------------------------------------------------------------------------------------
# Helpers of the rules
# ---------------------------------------------------------------------------------------------------
def unbroadcast(g, shape: tuple[int, ...]):
    """Sum ``g`` down to ``shape``: the transpose of NumPy's broadcasting.

    If ``x`` of shape ``shape`` was broadcast to ``g``'s shape in the forward pass, every copy of an entry
    received an adjoint; the entry's adjoint is their sum.
    """
    g_shape = shape_of(g)
    if g_shape == shape:
        return g
    u = repeated(g)
    if u is not None:   # a sum of k copies of one number is k times that number
        return repeat_number(u * (g.size // int(np.prod(shape))), shape)
    extra = len(g_shape) - len(shape)
    axes = tuple(range(extra)) + tuple(i + extra for i, n in enumerate(shape) if n == 1 and g_shape[i + extra] != 1)
    if axes:
        g = np.sum(g, axis=axes, keepdims=True)
    return np.reshape(g, shape)


class IndexedAdjoint:
    """Zeros of ``shape`` with ``g`` added at ``index``: the adjoint of ``x[index]``, not yet an array."""

    __slots__ = ("g", "shape", "index")

    def __init__(self, g: Any, shape: tuple[int, ...], index: Any):
        self.g, self.shape, self.index = g, shape, index

    def add_into(self, out: np.ndarray) -> np.ndarray:
        """``out[index] += g`` in place (repeated fancy indices add up, as they must)."""
        if _is_basic_index(self.index):   # each entry selected at most once
            add_into(out, self.g, self.index)
        else:
            g = self.g.to_array() if isinstance(self.g, Scaled) else self.g
            np.add.at(out, self.index, np.broadcast_to(g, np.shape(out[self.index])))
        return out

    def to_array(self) -> np.ndarray:
        """The adjoint as a new array. For a large ``x[a:b]`` (the shifts ``x[1:]``, ``x[:-1]`` of a
        difference), ``g`` is written straight into an empty array and only the entries outside ``a:b`` are
        zeroed: one pass over memory instead of two (zeros, then ``+= g``)."""
        g = self.g.g if isinstance(self.g, Scaled) else self.g
        dtype = np.result_type(g, float)
        if isinstance(self.index, slice) and self.shape and math.prod(self.shape) * dtype.itemsize >= LARGE:
            start, stop, step = self.index.indices(self.shape[0])
            if step == 1 and start < stop:
                out = np.empty(self.shape, dtype)
                out[:start] = 0
                out[stop:] = 0
                if isinstance(self.g, Scaled):
                    self.g.to_array(out=out[start:stop])
                else:
                    np.copyto(out[start:stop], self.g)
                return out
        return self.add_into(np.zeros(self.shape, dtype=dtype))


LARGE = 2 ** 18   # bytes: arrays from this size on are worth a trick to save a pass (NumPy's own threshold for
                  # reusing temporaries); below it, Python's bookkeeping costs more than the pass


class Scaled:
    """``c * g`` for a number ``c``, not yet multiplied out: the adjoint that a constant partial derivative passes
    on (−1 for ``x - z``, 100 for ``100 * x``). Further constants multiply ``c`` alone, and adding it into a sum
    makes no new array (``total -= g`` for c = −1); see :func:`scaled`."""

    __slots__ = ("c", "g")

    def __init__(self, c: Any, g: np.ndarray):
        self.c, self.g = c, g

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of ``c * g`` (so that :func:`unbroadcast` passes it through when nothing was broadcast)."""
        return self.g.shape

    def to_array(self, out: np.ndarray | None = None) -> np.ndarray:
        """``c * g`` as a new array (or written into ``out``)."""
        return np.negative(self.g, out=out) if self.c == -1 else np.multiply(self.g, self.c, out=out)


def scaled(c: Any, g: Any) -> Any:
    """``c * g`` for a number ``c``, multiplied out only where that makes no array: a :class:`Scaled` when ``g``
    is a plain array (a VJP is linear, so ``c`` can wait until the adjoint is added into a sum)."""
    if c == 1:
        return g
    if isinstance(g, Scaled):
        return scaled(c * g.c, g.g)
    if isinstance(g, IndexedAdjoint):
        return IndexedAdjoint(scaled(c, g.g), g.shape, g.index)
    u = repeated(g)
    if u is not None:
        return repeat_number(c * u, g.shape)
    if type(g) is np.ndarray and g.dtype == np.float64 and g.nbytes >= LARGE:
        return Scaled(c, g)
    return c * g   # a small array: multiplying at once is cheaper than keeping track


def add_into(total: np.ndarray, g: Any, index: Any = Ellipsis) -> None:
    """``total[index] += g`` in place, for any kind of adjoint ``g`` (``total`` is an array the pass owns)."""
    if isinstance(g, IndexedAdjoint):
        g.add_into(total)
    elif isinstance(g, Scaled) and g.c == -1:
        total[index] -= g.g
    elif isinstance(g, Scaled):
        total[index] += g.c * g.g
    else:
        total[index] += g


def plus(a: Any, b: Any) -> Any:
    """``a + b`` as a new value, for any kinds of adjoint (one new array when one of them is a :class:`Scaled`)."""
    if isinstance(a, Scaled):
        a, b = b, a
    if isinstance(a, Scaled):
        a = a.to_array()
    if isinstance(b, Scaled):
        return a - b.g if b.c == -1 else a + b.c * b.g
    return a + b


def _is_basic_index(index) -> bool:
    """Slices, integers, None and Ellipsis select each entry at most once."""
    if isinstance(index, slice):
        return True
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (slice, int, np.integer, type(None), type(Ellipsis))) for i in items)


def _times(d: Any, g: Any, saved: tuple) -> Any:
    """``d * g``, with as few passes over memory as it takes (the product of a partial and an adjoint is the
    most common step of a backward pass):

    - a constant partial times an adjoint that repeats one number (:func:`repeated`) is that number times
      the constant, broadcast again: no array is made (so ``100 * ...`` costs nothing under ``sum``);
    - an array times a repeated number multiplies by the number, not by a broadcast array, and not at
      all when the number is 1;
    - otherwise the product goes in place into ``d`` when ``d`` is a new float array the rule just made
      (one large array fewer).
    """
    u = repeated(g)
    if u is not None and not isinstance(d, Tracer):
        if _is_number(d):
            return repeat_number(d * u, g.shape)
        if shape_of(d) == g.shape:
            if u == 1:
                return d
            g = u
    if type(d) is int and d in (1, -1):
        return g if d == 1 else -g
    if (type(d) is np.ndarray and d.base is None and d.dtype == np.float64 and (type(g) is float or getattr(g, "dtype", None) == np.float64)
            and not isinstance(g, Tracer) and (d.shape == shape_of(g) or np.ndim(g) == 0) and all(d is not s for s in saved)):
        return np.multiply(d, g, out=d)
    return d * g


def repeated(g: Any) -> Any:
    """The number ``g`` repeats, if ``g`` is one number broadcast to a shape (all its strides are 0, as for the
    adjoint of ``sum``), else ``None``: such an adjoint can be multiplied and summed as one number."""
    if type(g) is np.ndarray and g.ndim and g.size and not any(g.strides):
        return g.flat[0]
    return None


def repeat_number(v: Any, shape: tuple[int, ...]) -> np.ndarray:
    """The number ``v`` repeated to ``shape`` without copying: a read-only view with strides 0 (what
    ``np.broadcast_to`` makes, in a third of its time)."""
    out = np.ndarray(shape, np.float64, np.array(v, np.float64), 0, (0,) * len(shape))
    out.flags.writeable = False
    return out


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.number)) or (type(v) is np.ndarray and v.ndim == 0)


# ---------------------------------------------------------------------------------------------------
# The registry: from the three tables, one Primitive record per primitive
# ---------------------------------------------------------------------------------------------------
def _elementwise(name: str, partials: tuple) -> tuple[Callable, Callable, Callable]:
    r"""NumPy's ufunc ``name``; JVP :math:`\dot y = \sum_i \partial_i g\,\dot x_i`; VJP
    :math:`\bar x_i = \partial_i g\,\bar y` summed over broadcast axes."""
    def jvp(primals, tangents, out, params):          # ẏ = Σᵢ ∂y/∂xᵢ · ẋᵢ
        total = None
        for partial, t in zip(partials, tangents):
            if t is not None:
                term = _times(partial(*primals, out) if callable(partial) else partial, t, (*primals, out))
                total = term if total is None else total + term
        return total if shape_of(total) == shape_of(out) else total * np.ones(shape_of(out))

    def vjp(i, g, inputs, out, params):               # x̄ᵢ = ∂y/∂xᵢ · ȳ, summed over broadcast axes
        partial = partials[i]
        d = partial(*inputs, out) if callable(partial) else partial
        if _is_number(d):                             # a number: kept as a factor (see `scaled`)
            return scaled(d, unbroadcast(g, shape_of(inputs[i])))
        return unbroadcast(_times(d, g, (*inputs, out)), shape_of(inputs[i]))

    reads = [_arguments_read(partial, len(partials) + 1) for partial in partials]

    @functools.lru_cache(maxsize=None)
    def unread(traced, n):                            # what no x̄ᵢ of a traced i reads: see `_arguments_read`
        read = frozenset().union(*(reads[i] for i in traced))
        return tuple(k for k in (*traced, n) if k not in read)

    return _ufunc(name), jvp, vjp, unread


def _arguments_read(partial: Any, n_args: int) -> frozenset[int]:
    """The positions in ``(*inputs, y)`` that a partial derivative reads: none for a number; for a function,
    the arguments its code loads (all of them if its code is not that simple). Read off the rule itself, as
    PyTorch's code generator reads which of ``self``, ``other``, ``result`` each formula in its
    ``derivatives.yaml`` names, and saves only those for the backward pass: ``x²`` → ``2x`` saves ``x`` and not
    ``y``, ``eˣ`` → ``y`` saves ``y`` and not ``x``, ``100 · x`` saves neither array.
    """
    if not callable(partial):
        return frozenset()
    code = getattr(partial, "__code__", None)
    if (code is None or code.co_cellvars or code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS)
            or any(isinstance(c, types.CodeType) for c in code.co_consts)):
        return frozenset(range(n_args))
    loaded = set()
    for instruction in dis.get_instructions(code):
        if instruction.opname.startswith("LOAD_FAST"):   # LOAD_FAST_LOAD_FAST (Python 3.13) loads two names
            value = instruction.argval
            loaded.update(value if isinstance(value, tuple) else (value,))
    return frozenset(k for k, name in enumerate(code.co_varnames[:code.co_argcount]) if name in loaded)


def _linear(name: str, impl: Callable, transpose: Callable) -> tuple[Callable, Callable, Callable]:
    r"""A linear :math:`L`: JVP :math:`\dot y = L(\dot x_1, \dots, \dot x_k)`, VJP :math:`\bar x_i = (L^\top \bar y)_i`."""
    def jvp(primals, tangents, out, params):          # ẏ = L(ẋ₁, ..., ẋₖ), zeros for constants
        filled = [np.zeros(shape_of(p)) if t is None else t for p, t in zip(primals, tangents)]
        return bind(PRIMITIVES[name], *filled, **params)

    def vjp(i, g, inputs, out, params):               # x̄ᵢ = (Lᵀ ȳ)ᵢ
        return transpose(g, i, [shape_of(x) for x in inputs], **params)

    def unread(traced, n):                            # a transpose reads only the shapes of the inputs
        return (*traced, n)

    return impl, jvp, vjp, unread


def _multilinear(name: str, impl: Callable, transposes: tuple) -> tuple[Callable, Callable, Callable]:
    r"""Linear in each argument: JVP :math:`\dot y = \sum_i L(x_1, \dots, \dot x_i, \dots, x_k)`, VJP
    :math:`\bar x_i = L_i^\top \bar y` (the transpose of :math:`x_i \mapsto L(\dots, x_i, \dots)`)."""
    def jvp(primals, tangents, out, params):          # ẏ = Σᵢ L(x₁, ..., ẋᵢ, ..., xₖ)
        terms = [bind(PRIMITIVES[name], *primals[:i], t, *primals[i + 1:], **params)
                 for i, t in enumerate(tangents) if t is not None]
        return sum(terms[1:], terms[0])

    def vjp(i, g, inputs, out, params):               # x̄ᵢ = Lᵢᵀ ȳ, summed over broadcast (batch) axes
        return unbroadcast(transposes[i](g, *inputs, **params), shape_of(inputs[i]))

    return impl, jvp, vjp


def _record(name: str, impl: Callable, jvp: Callable, vjp: Callable, unread: Callable | None = None) -> Primitive:
    """The :class:`Primitive` record: the three functions (and what the VJP does not read), and the facts from
    the tables above."""
    domain, applies = DOMAIN.get(name, (None, None))
    return Primitive(name, impl, jvp, vjp, symbol=SYMBOLS.get(name, name), domain=domain,
                     in_domain_check=applies, analytic=name not in NON_ANALYTIC, unread=unread)


PRIMITIVES: dict[str, Primitive] = {
    **{name: _record(name, *_elementwise(name, rule)) for name, rule in PARTIALS.items()},
    **{name: _record(name, *_linear(name, *rule)) for name, rule in LINEAR.items()},
    **{name: _record(name, *_multilinear(name, *rule)) for name, rule in MULTILINEAR.items()},
    **{name: _record(name, *rule) for name, rule in NONLINEAR.items()},
}


def rule_comments() -> dict[str, str]:
    """Each primitive's rule in one line: the comment on its line of :data:`PARTIALS`, :data:`LINEAR`,
    :data:`MULTILINEAR` or :data:`NONLINEAR` (joined with the comment of a continuation line).

    The tables are the one place a rule is written; this reads them back, for the generated list of
    supported functions (:func:`calclib.numpy_dispatch.supported_functions`).

    Examples
    --------
    >>> rule_comments()["sin"]
    'sin x → cos x'
    """
    comments: dict[str, str] = {}
    name = None
    for line in pathlib.Path(__file__).read_text(encoding="utf-8").splitlines():
        if re.match(r"(PARTIALS|LINEAR|MULTILINEAR|NONLINEAR): dict", line):
            name = ""                                    # inside a table
        elif name is not None and line.startswith("}"):
            name = None                                  # the table ended
        elif name is not None and "#" in line and not line.lstrip().startswith("#"):
            entry, comment = re.match(r'\s*(?:"(\w+)":)?', line).group(1), " ".join(line.split("#", 1)[1].split())
            if entry:
                name, comments[entry] = entry, comment
            elif name:                                   # a rule continued on the next line
                comments[name] += " " + comment
    return comments

