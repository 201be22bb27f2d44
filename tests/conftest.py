"""Shared set-up for the tests of the automatic-differentiation engines.

The reference is JAX in float64. Every case below is written once as a function of an array namespace
``xp``: called with ``numpy`` it is the function calclib traces, called with ``jax.numpy`` it is JAX's
independent implementation of the same mathematics.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest

try:
    import jax
except ImportError:  # pragma: no cover - jax is a test requirement; the engine tests skip without it
    jax = None
else:
    jax.config.update("jax_enable_x64", True)  # before any JAX array exists: float64 references


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def pos(shape, seed=0) -> np.ndarray:
    """Entries in [0.5, 2]: inside the domain of log, sqrt, x**p, 1/x."""
    return _rng(seed).uniform(0.5, 2.0, shape)


def sym(shape, seed=0) -> np.ndarray:
    """Entries in ±[0.25, 1.2], well away from 0 (|x|, 1/x) and the poles of tan."""
    r = _rng(seed)
    return r.uniform(0.25, 1.2, shape) * r.choice([-1.0, 1.0], shape)


@dataclass(frozen=True)
class Case:
    """A function written for a namespace ``xp`` (numpy or jax.numpy), and the point to evaluate it at."""

    name: str
    build: Callable            # xp -> f(*args)
    args: tuple

    def np_fn(self):
        return self.build(np)

    def jax_fn(self):
        import jax.numpy as jnp

        return self.build(jnp)


A23 = np.array([[0.3, -1.2, 0.7], [1.1, 0.4, -0.6]])
B34 = _rng(11).normal(size=(3, 4))
C234 = _rng(12).normal(size=(2, 3, 4))
MASK = np.array([True, False, True, True, False])
W2 = np.array([0.7, -1.3])

CASES = [
    # --- elementwise, one argument -------------------------------------------------------------
    Case("negative", lambda xp: lambda x: -x, (sym(5, 1),)),
    Case("np.positive", lambda xp: lambda x: xp.positive(x) * x, (sym(5, 2),)),
    Case("square", lambda xp: lambda x: xp.square(x), (sym(5, 3),)),
    Case("x**2", lambda xp: lambda x: x ** 2, (sym(5, 4),)),
    Case("reciprocal", lambda xp: lambda x: xp.reciprocal(x), (sym(5, 5),)),
    Case("sqrt", lambda xp: lambda x: xp.sqrt(x), (pos(5, 6),)),
    Case("exp", lambda xp: lambda x: xp.exp(x), (sym(5, 7),)),
    Case("expm1", lambda xp: lambda x: xp.expm1(x), (sym(5, 8),)),
    Case("log", lambda xp: lambda x: xp.log(x), (pos(5, 9),)),
    Case("log10", lambda xp: lambda x: xp.log10(x), (pos(5, 10),)),
    Case("log1p", lambda xp: lambda x: xp.log1p(x), (pos(5, 11),)),
    Case("sin", lambda xp: lambda x: xp.sin(x), (sym(5, 12),)),
    Case("cos", lambda xp: lambda x: xp.cos(x), (sym(5, 13),)),
    Case("tan", lambda xp: lambda x: xp.tan(x), (sym(5, 14),)),
    Case("arctan", lambda xp: lambda x: xp.arctan(x), (sym(5, 15),)),
    Case("sinh", lambda xp: lambda x: xp.sinh(x), (sym(5, 16),)),
    Case("cosh", lambda xp: lambda x: xp.cosh(x), (sym(5, 17),)),
    Case("tanh", lambda xp: lambda x: xp.tanh(x), (sym(5, 18),)),
    Case("np.abs", lambda xp: lambda x: xp.abs(x), (sym(5, 19),)),
    Case("builtin abs", lambda xp: lambda x: abs(x) * x, (sym(5, 20),)),
    # --- elementwise, two arguments, with broadcasting ------------------------------------------
    Case("add", lambda xp: lambda x, y: x + y, (sym(5, 21), sym(5, 22))),
    Case("add broadcast", lambda xp: lambda x, y: x + y, (sym((2, 3), 23), sym(3, 24))),
    Case("subtract broadcast", lambda xp: lambda x, y: y - x, (sym((2, 1), 25), sym((1, 3), 26))),
    Case("multiply scalar", lambda xp: lambda x, y: x * y, (sym((2, 3), 27), np.array(0.8))),
    Case("divide", lambda xp: lambda x, y: x / y, (sym(5, 28), sym(5, 29))),
    Case("divide broadcast", lambda xp: lambda x, y: x / y, (np.array(1.7), sym((2, 3), 30))),
    Case("rtruediv const", lambda xp: lambda x: 3.0 / x, (sym(4, 31),)),
    Case("rsub const", lambda xp: lambda x: 3.0 - x, (sym(4, 32),)),
    Case("power array exponent", lambda xp: lambda x, p: x ** p, (pos(5, 33), sym(5, 34))),
    Case("np.power broadcast", lambda xp: lambda x, p: xp.power(x, p), (pos((2, 3), 35), np.array(1.3))),
    Case("x**3", lambda xp: lambda x: x ** 3, (sym(5, 36),)),
    Case("x**-1", lambda xp: lambda x: x ** -1, (sym(5, 37),)),
    Case("x**0.5", lambda xp: lambda x: x ** 0.5, (pos(5, 38),)),
    Case("x**-1.5", lambda xp: lambda x: x ** -1.5, (pos(5, 39),)),
    Case("rpow 2**x", lambda xp: lambda x: 2.0 ** x, (sym(5, 40),)),
    Case("maximum", lambda xp: lambda x, y: xp.maximum(x, y), (sym(6, 41), sym(6, 42))),
    Case("minimum broadcast", lambda xp: lambda x, y: xp.minimum(x, y), (sym((2, 3), 43), sym(3, 44))),
    Case("maximum with constant", lambda xp: lambda x: xp.maximum(x, 0.1), (sym(6, 45),)),
    Case("where traced cond", lambda xp: lambda x, y: xp.where(x > 0, x * y, xp.sin(y)), (sym(6, 46), sym(6, 47))),
    Case("where const mask broadcast", lambda xp: lambda x, y: xp.where(MASK, x, y), (sym(5, 48), np.array(0.4))),
    Case("clip", lambda xp: lambda x: xp.clip(x, -0.5, 0.6), (sym(8, 49),)),
    # --- reductions ---------------------------------------------------------------------------
    Case("sum", lambda xp: lambda x: xp.sum(x ** 2), (sym((2, 3), 50),)),
    Case("sum axis 0", lambda xp: lambda x: xp.sum(x, axis=0), (sym((2, 3), 51),)),
    Case("sum axis -1 keepdims", lambda xp: lambda x: xp.sum(x, axis=-1, keepdims=True) * x, (sym((2, 3), 52),)),
    Case("sum axis tuple", lambda xp: lambda x: xp.sum(x, axis=(0, 2)), (sym((2, 3, 2), 53),)),
    Case("x.sum method", lambda xp: lambda x: x.sum(axis=1), (sym((2, 3), 54),)),
    Case("mean", lambda xp: lambda x: xp.mean(x), (sym((2, 3), 55),)),
    Case("mean axis 1", lambda xp: lambda x: xp.mean(x, axis=1), (sym((2, 3), 56),)),
    Case("mean keepdims", lambda xp: lambda x: x - x.mean(axis=0, keepdims=True), (sym((3, 2), 57),)),
    # --- shape ----------------------------------------------------------------------------------
    Case("reshape", lambda xp: lambda x: xp.reshape(x, (3, 2)) * A23.T, (sym((2, 3), 58),)),
    Case("reshape method -1", lambda xp: lambda x: x.reshape(-1) ** 2, (sym((2, 3), 59),)),
    Case("reshape method args", lambda xp: lambda x: x.reshape(3, 2)[0], (sym(6, 60),)),
    Case(".T", lambda xp: lambda x: x.T * A23.T, (sym((2, 3), 61),)),
    Case("transpose axes", lambda xp: lambda x: xp.transpose(x, (1, 2, 0)) * C234.transpose(1, 2, 0), (sym((2, 3, 4), 62),)),
    Case("swapaxes", lambda xp: lambda x: xp.swapaxes(x, 0, 2) ** 2, (sym((2, 3, 4), 63),)),
    Case("ravel", lambda xp: lambda x: xp.ravel(x) * xp.arange(6.0), (sym((2, 3), 64),)),
    Case("flatten", lambda xp: lambda x: x.flatten() ** 3, (sym((3, 2), 65),)),
    Case("squeeze", lambda xp: lambda x: xp.squeeze(x) * W2, (sym((1, 2, 1), 66),)),
    Case("expand_dims", lambda xp: lambda x: xp.expand_dims(x, 1) * A23, (sym(2, 67),)),
    Case("broadcast_to", lambda xp: lambda x: xp.broadcast_to(x, (2, 3)) * A23, (sym(3, 68),)),
    # --- indexing --------------------------------------------------------------------------------
    Case("index int", lambda xp: lambda x: x[1] * x, (sym(4, 69),)),
    Case("index negative int", lambda xp: lambda x: x[-1] ** 2, (sym(4, 70),)),
    Case("slice", lambda xp: lambda x: x[1:4] * x[:3], (sym(5, 71),)),
    Case("slice negative step", lambda xp: lambda x: x[::-1] * x, (sym(5, 72),)),
    Case("2-d slices", lambda xp: lambda x: x[:, 1:] * x[0, :2], (sym((2, 3), 73),)),
    Case("None and Ellipsis", lambda xp: lambda x: x[None, ..., 1] * 2.0, (sym((2, 3), 74),)),
    Case("fancy repeated", lambda xp: lambda x: x[np.array([0, 2, 2, 1, 0])] ** 2, (sym(3, 75),)),
    Case("fancy list", lambda xp: lambda x: x[[3, 0, 3] if xp is np else np.array([3, 0, 3])] * x[:3], (sym(4, 76),)),
    Case("bool mask", lambda xp: lambda x: xp.sin(x[MASK]), (sym(5, 77),)),
    Case("fancy 2-d", lambda xp: lambda x: x[np.array([1, 0, 1]), np.array([2, 2, 0])], (sym((2, 3), 78),)),
    Case("repeated use of an index", lambda xp: lambda x: x[0] * x[1] + x[0] ** 2 - x[1:].sum(), (sym(3, 79),)),
    # --- products ------------------------------------------------------------------------------
    Case("vec @ vec", lambda xp: lambda x, y: x @ y, (sym(4, 80), sym(4, 81))),
    Case("mat @ vec", lambda xp: lambda a, x: a @ x, (sym((2, 3), 82), sym(3, 83))),
    Case("vec @ mat", lambda xp: lambda x, b: x @ b, (sym(3, 84), sym((3, 4), 85))),
    Case("mat @ mat", lambda xp: lambda a, b: a @ b, (sym((2, 3), 86), sym((3, 4), 87))),
    Case("const @ vec", lambda xp: lambda x: A23 @ x, (sym(3, 88),)),
    Case("vec @ const", lambda xp: lambda x: x @ B34, (sym(3, 89),)),
    Case("batched @ mat", lambda xp: lambda a, b: a @ b, (sym((2, 2, 3), 90), sym((3, 2), 91))),
    Case("np.dot mat mat", lambda xp: lambda a, b: xp.dot(a, b), (sym((2, 3), 92), sym((3, 2), 93))),
    Case("np.dot scalar", lambda xp: lambda a, b: xp.dot(a, b), (np.array(1.3), sym(3, 94))),
    Case(".dot method", lambda xp: lambda x: x.dot(B34), (sym(3, 95),)),
    Case("outer", lambda xp: lambda x, y: xp.outer(x, y), (sym(3, 96), sym(2, 97))),
    # --- building arrays ----------------------------------------------------------------------
    Case("stack", lambda xp: lambda x, y: xp.stack([x, y * x, y]), (sym(3, 98), sym(3, 99))),
    Case("stack of scalars", lambda xp: lambda x: xp.stack([x[0] * x[1], xp.sin(x[2]), 2.0]), (sym(3, 100),)),
    Case("stack axis -1", lambda xp: lambda x, y: xp.stack([x, y], axis=-1), (sym((2, 3), 101), sym((2, 3), 102))),
    Case("stack with constant", lambda xp: lambda x: xp.stack([x, A23[0]], axis=1), (sym(3, 103),)),
    Case("concatenate", lambda xp: lambda x, y: xp.concatenate([x, y ** 2, x]), (sym(2, 104), sym(3, 105))),
    Case("concatenate axis 1", lambda xp: lambda x, y: xp.concatenate([x, A23, y], axis=1), (sym((2, 1), 106), sym((2, 2), 107))),
    Case("concatenate axis -1", lambda xp: lambda x: xp.concatenate([x, x[:, ::-1]], axis=-1), (sym((2, 3), 108),)),
    Case("vstack", lambda xp: lambda x, y: xp.vstack([x, y]), (sym(3, 109), sym((2, 3), 110))),
    Case("hstack", lambda xp: lambda x, y: xp.hstack([x, y]), (sym(3, 111), sym(2, 112))),
    Case("zeros_like + ones_like", lambda xp: lambda x: x * xp.ones_like(x) + xp.zeros_like(x), (sym(3, 113),)),
    # --- scalar functions -------------------------------------------------------------------
    Case("scalar composite", lambda xp: lambda x, y: xp.sin(x * y) / (1.0 + y ** 2) + xp.exp(-x), (np.array(0.7), np.array(-1.3))),
]


CASES_BY_NAME = {c.name: c for c in CASES}
assert len(CASES_BY_NAME) == len(CASES)


def scalarized(f, xp, weights):
    """A scalar function of the case's arguments, nonlinear in f's output: its Hessian uses every rule twice."""
    return lambda *args: xp.sum(xp.sin(f(*args)) * weights)


@functools.lru_cache(maxsize=None)
def jax_reference(name: str) -> dict:
    """JAX's results for a case, all from one compiled function (compiling once per case keeps the suite fast).

    ``out``, ``jvp`` (along ``tangents``), ``jacobians`` (one per argument, by ``jax.jacfwd``), ``vjps`` (one
    tuple per cotangent in ``cotangents``, by ``jax.vjp``) and ``hessian`` (of :func:`scalarized` with respect
    to the first argument, by ``jax.hessian``; ``scalarized`` is the same scalar function in NumPy).
    """
    import jax.numpy as jnp

    case = CASES_BY_NAME[name]
    fj = case.jax_fn()
    rng = np.random.default_rng(7)
    tangents = tuple(rng.normal(size=np.shape(a)) for a in case.args)
    with np.errstate(all="raise"):
        out_shape = np.shape(case.np_fn()(*case.args))
    cotangents = tuple(rng.normal(size=out_shape) for _ in range(2))
    weights = rng.normal(size=out_shape)
    n = len(case.args)

    @jax.jit
    def compute(args, tangents, cotangents):
        out, tangent = jax.jvp(fj, args, tangents)
        jacobians = jax.jacfwd(fj, argnums=tuple(range(n)))(*args)
        pullback = jax.vjp(fj, *args)[1]
        hessian = jax.hessian(scalarized(fj, jnp, weights))(*args)
        return out, tangent, jacobians, tuple(pullback(c) for c in cotangents), hessian

    as_jax = lambda arrays: tuple(jnp.asarray(a) for a in arrays)  # noqa: E731
    out, tangent, jacobians, vjps, hessian = jax.tree_util.tree_map(
        np.asarray, compute(as_jax(case.args), as_jax(tangents), as_jax(cotangents)))
    return dict(out=out, tangents=tangents, jvp=tangent, jacobians=jacobians, cotangents=cotangents, vjps=vjps,
                weights=weights, hessian=hessian, scalarized=scalarized(case.np_fn(), np, weights))


@pytest.fixture(params=CASES, ids=[c.name for c in CASES])
def prim_case(request) -> Case:
    """Every primitive calclib supports, with a JAX twin."""
    return request.param


@pytest.fixture
def prim_reference(prim_case) -> dict:
    """JAX's derivatives of ``prim_case`` (see :func:`jax_reference`)."""
    if jax is None:  # pragma: no cover
        pytest.skip("jax is not installed")
    return jax_reference(prim_case.name)
