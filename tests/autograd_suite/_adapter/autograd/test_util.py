"""``autograd.test_util`` written on calclib: each AD mode against central differences, to any order.

As autograd's own (same tolerances, step and random directions from ``numpy.random``): ``check_grads``
checks forward mode (``"fwd"``: calclib's ``jvp`` along a random direction) and reverse mode (``"rev"``:
calclib's ``vjp`` of a random cotangent, through ``⟨ȳ, J v⟩ = ⟨Jᵀȳ, v⟩``) against the difference
quotient ``(f(x + εv/2) − f(x − εv/2))/ε``; for ``order > 1`` it checks the function ``(x, v) ↦ J v``
(resp. ``(x, ȳ) ↦ Jᵀȳ``) the same way, recursively. Arguments and outputs may be pytrees.
"""

from __future__ import annotations

from itertools import product

import numpy as np

import calclib as cl
from calclib import pytree

from .wrap_util import unary_to_nary

TOL = 1e-6
RTOL = 1e-6
EPS = 1e-6


def scalar_close(a, b) -> bool:
    return abs(a - b) < TOL or abs(a - b) / abs(a + b) < RTOL


# --- vector-space operations on pytrees (autograd's vspace) -----------------------------------------
def _randn(tree):
    return pytree.tree_map(lambda leaf: np.array(np.random.randn(*np.shape(leaf))), tree)


def _axpy(a, x, y):
    """``a x + y`` for pytrees."""
    return pytree.tree_map(lambda xi, yi: a * xi + yi, x, y)


def _inner(x, y) -> float:
    return sum(float(np.sum(np.multiply(xi, yi))) for xi, yi in zip(pytree.tree_leaves(x), pytree.tree_leaves(y)))


def _space(tree):
    """What autograd's vspace compares: the structure and the shape of each leaf."""
    return pytree.tree_structure(tree), [np.shape(leaf) for leaf in pytree.tree_leaves(tree)]


def make_numerical_jvp(f, x):
    f(x)

    def jvp(v):
        """(f(x + v ε/2) − f(x − v ε/2)) / ε"""
        f_x_plus, f_x_minus = f(_axpy(EPS / 2, v, x)), f(_axpy(-EPS / 2, v, x))
        return pytree.tree_map(lambda p, m: (p + -1.0 * m) * (1.0 / EPS), f_x_plus, f_x_minus)
    return jvp


def check_vjp(f, x):
    y, pullback = cl.vjp(f, x)
    jvp = make_numerical_jvp(f, x)
    x_v, y_v = _randn(x), _randn(y)
    vjp_y = pullback(y_v)[0]
    assert _space(vjp_y) == _space(x), (_space(vjp_y), _space(x))
    vjv_exact = _inner(x_v, vjp_y)
    vjv_numeric = _inner(y_v, jvp(x_v))
    assert scalar_close(vjv_numeric, vjv_exact), \
        f"Derivative (VJP) check of {getattr(f, '__name__', f)} failed with arg {x}:\n" \
        f"analytic: {vjv_exact}\nnumeric:  {vjv_numeric}"


def check_jvp(f, x):
    x_v = _randn(x)
    check_equivalent(cl.jvp(f, (x,), (x_v,))[1], make_numerical_jvp(f, x)(x_v))


def check_equivalent(x, y):
    assert _space(x) == _space(y), f"VSpace mismatch:\nx: {_space(x)}\ny: {_space(y)}"
    v = _randn(x)
    assert scalar_close(_inner(x, v), _inner(y, v)), f"Value mismatch:\nx: {x}\ny: {y}"


@unary_to_nary
def check_grads(f, x, modes=["fwd", "rev"], order=2):
    assert all(m in ["fwd", "rev"] for m in modes)
    if "fwd" in modes:
        check_jvp(f, x)
        if order > 1:
            def jvp_f(x, v):
                return cl.jvp(f, (x,), (v,))[1]
            check_grads(jvp_f, (0, 1), modes, order=order - 1)(x, _randn(x))
    if "rev" in modes:
        check_vjp(f, x)
        if order > 1:
            def vjp_f(x, v):
                return cl.vjp(f, x)[1](v)[0]
            check_grads(vjp_f, (0, 1), modes, order=order - 1)(x, _randn(f(x)))


def combo_check(fun, *args, **kwargs):
    """Tests all combinations of args and kwargs given."""
    _check_grads = lambda f: check_grads(f, *args, **kwargs)  # noqa: E731

    def _combo_check(*args, **kwargs):
        kwarg_key_vals = [[(k, x) for x in xs] for k, xs in kwargs.items()]
        for _args in product(*args):
            for _kwargs in product(*kwarg_key_vals):
                _check_grads(fun)(*_args, **dict(_kwargs))
    return _combo_check
