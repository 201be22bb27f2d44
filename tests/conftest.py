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


def special(xp):
    """scipy.special for NumPy, jax.scipy.special for JAX."""
    if xp is np:
        import scipy.special

        return scipy.special
    import jax.scipy.special

    return jax.scipy.special


def spd(n, seed=0) -> np.ndarray:
    """A symmetric positive definite matrix with well separated eigenvalues."""
    q = np.linalg.qr(_rng(seed).normal(size=(n, n)))[0]
    return (q * np.linspace(1.0, 2.0 + n, n)) @ q.T


def well_conditioned(n, seed=0) -> np.ndarray:
    return np.eye(n) * 2.0 + 0.4 * _rng(seed).normal(size=(n, n))


TIES = np.array([0.5, 1.2, -0.3, 1.2, 0.9])
TIES_2D = np.array([[0.5, 1.2, 1.2], [0.5, -0.3, 0.9]])
WITH_ZERO = np.array([0.7, -1.3, 0.0, 1.1, 0.6])
NEAR_ZERO = np.array([0.0, 0.05, -0.02, 0.4, -1.1])   # (nearer 0, JAX's sinc'' loses digits: see test_coverage)
IDX = np.array([2, 0, 2, 1])

# The NumPy coverage of issue 11: every primitive and every function built from them, with its JAX twin.
CASES += [
    # --- elementwise ---------------------------------------------------------------------------
    Case("arcsin", lambda xp: lambda x: xp.arcsin(x), (0.7 * sym(5, 200),)),
    Case("arccos", lambda xp: lambda x: xp.arccos(x), (0.7 * sym(5, 201),)),
    Case("arcsinh", lambda xp: lambda x: xp.arcsinh(x), (sym(5, 202),)),
    Case("arccosh", lambda xp: lambda x: xp.arccosh(x), (1 + pos(5, 203),)),
    Case("arctanh", lambda xp: lambda x: xp.arctanh(x), (0.7 * sym(5, 204),)),
    Case("arctan2", lambda xp: lambda x, y: xp.arctan2(x, y), (sym(6, 205), sym(6, 206))),
    Case("arctan2 broadcast", lambda xp: lambda x, y: xp.arctan2(x, y), (sym((2, 3), 207), np.array(-0.6))),
    Case("hypot", lambda xp: lambda x, y: xp.hypot(x, y), (sym(6, 208), sym(6, 209))),
    Case("log2", lambda xp: lambda x: xp.log2(x), (pos(5, 210),)),
    Case("exp2", lambda xp: lambda x: xp.exp2(x), (sym(5, 211),)),
    Case("cbrt", lambda xp: lambda x: xp.cbrt(x), (sym(5, 212),)),
    Case("sinc", lambda xp: lambda x: xp.sinc(x), (sym(5, 213),)),
    Case("sinc at and near 0", lambda xp: lambda x: xp.sinc(x), (NEAR_ZERO,)),
    Case("deg2rad", lambda xp: lambda x: xp.deg2rad(x) * x, (sym(5, 214),)),
    Case("rad2deg", lambda xp: lambda x: xp.rad2deg(x) * x, (sym(5, 215),)),
    Case("radians + degrees", lambda xp: lambda x: xp.radians(x) * xp.degrees(x), (sym(5, 216),)),
    Case("logaddexp", lambda xp: lambda x, y: xp.logaddexp(x, y), (sym(5, 217), sym(5, 218))),
    Case("logaddexp2 broadcast", lambda xp: lambda x, y: xp.logaddexp2(x, y), (sym((2, 3), 219), sym(3, 220))),
    Case("x % y", lambda xp: lambda x, y: x % y, (3 * sym(6, 221), sym(6, 222))),
    Case("np.mod const", lambda xp: lambda x: xp.mod(x, 0.7) * x, (3 * sym(6, 223),)),
    Case("rmod", lambda xp: lambda x: 2.5 % x, (sym(6, 224),)),
    Case("fmod", lambda xp: lambda x, y: xp.fmod(x, y), (3 * sym(6, 225), sym(6, 226))),
    Case("floor_divide //", lambda xp: lambda x: (x // 0.3) * x + xp.floor_divide(x, 0.7), (sym(6, 227),)),
    Case("round and trunc", lambda xp: lambda x: xp.round(x, 1) * x + xp.trunc(3 * x) + x.round() * x, (sym(6, 228),)),
    Case("fabs", lambda xp: lambda x: xp.fabs(x) * x, (sym(6, 229),)),
    Case("float_power", lambda xp: lambda x: xp.float_power(x, 1.5), (pos(5, 230),)),
    Case("expit", lambda xp: lambda x: special(xp).expit(x), (2 * sym(5, 231),)),
    Case("erf", lambda xp: lambda x: special(xp).erf(x), (sym(5, 232),)),
    Case("erfc", lambda xp: lambda x: special(xp).erfc(x), (sym(5, 233),)),
    Case("gammaln", lambda xp: lambda x: special(xp).gammaln(x), (2 * pos(5, 234),)),
    Case("digamma", lambda xp: lambda x: special(xp).digamma(x), (2 * pos(5, 235),)),
    # --- reductions ---------------------------------------------------------------------------
    Case("np.max", lambda xp: lambda x: xp.max(x), (sym(6, 240),)),
    Case("np.max ties", lambda xp: lambda x: xp.max(x * x), (TIES,)),
    Case("x.max axis", lambda xp: lambda x: x.max(axis=1), (sym((3, 4), 241),)),
    Case("np.amax axis 0 keepdims ties", lambda xp: lambda x: xp.amax(x, axis=0, keepdims=True) * x, (TIES_2D,)),
    Case("np.min", lambda xp: lambda x: xp.min(x, axis=(0, 2)), (sym((2, 3, 2), 242),)),
    Case("x.min ties", lambda xp: lambda x: x.min() + xp.amin(x, axis=-1), (TIES_2D,)),
    Case("ptp", lambda xp: lambda x: xp.ptp(x, axis=1), (sym((3, 4), 243),)),
    Case("softmax with np.max", lambda xp: lambda x: xp.exp(x - xp.max(x)) / xp.sum(xp.exp(x - xp.max(x))), (sym(5, 244),)),
    Case("stable logsumexp", lambda xp: lambda x: xp.max(x, axis=1) + xp.log(xp.sum(xp.exp(x - xp.max(x, axis=1, keepdims=True)), axis=1)), (3 * sym((2, 4), 245),)),
    Case("prod", lambda xp: lambda x: xp.prod(x), (sym(7, 246),)),
    Case("prod with a zero", lambda xp: lambda x: xp.prod(x), (WITH_ZERO,)),
    Case("x.prod axis keepdims", lambda xp: lambda x: x.prod(axis=0, keepdims=True) * x, (sym((3, 2), 247),)),
    Case("cumsum", lambda xp: lambda x: xp.cumsum(x), (sym(5, 248),)),
    Case("cumsum axis 1", lambda xp: lambda x: x.cumsum(axis=1) ** 2, (sym((2, 4), 249),)),
    Case("cumsum flattened", lambda xp: lambda x: xp.cumsum(x), (sym((2, 3), 250),)),
    Case("cumprod with a zero", lambda xp: lambda x: xp.cumprod(x), (WITH_ZERO,)),
    Case("cumprod axis 0", lambda xp: lambda x: x.cumprod(axis=0), (sym((5, 2), 251),)),
    Case("var", lambda xp: lambda x: xp.var(x), (sym(6, 252),)),
    Case("std axis ddof", lambda xp: lambda x: xp.std(x, axis=0, ddof=1), (sym((4, 3), 253),)),
    Case("x.var keepdims", lambda xp: lambda x: x.var(axis=1, keepdims=True) * x, (sym((2, 4), 254),)),
    Case("median odd", lambda xp: lambda x: xp.median(x), (sym(5, 255),)),
    Case("median even axis", lambda xp: lambda x: xp.median(x, axis=1), (sym((3, 4), 256),)),
    Case("average weights", lambda xp: lambda x, w: xp.average(x, weights=w), (sym(5, 257), pos(5, 258))),
    Case("average axis", lambda xp: lambda x: xp.average(x, axis=0, weights=W2), (sym((2, 3), 259),)),
    Case("nansum nanmean nanmax", lambda xp: lambda x: xp.nansum(x) + xp.nanmean(x ** 2) * xp.nanmax(x) - xp.nanmin(x), (sym(6, 260),)),
    Case("np.add.reduce", lambda xp: lambda x: xp.sum(x, axis=0) if xp is not np else np.add.reduce(x), (sym((3, 2), 261),)),
    # --- norms --------------------------------------------------------------------------------
    Case("norm", lambda xp: lambda x: xp.linalg.norm(x), (sym(5, 265),)),
    Case("norm of a matrix (flattened)", lambda xp: lambda x: xp.linalg.norm(x), (sym((2, 3), 266),)),
    Case("norm ord 1", lambda xp: lambda x: xp.linalg.norm(x, 1), (sym(5, 267),)),
    Case("norm ord inf", lambda xp: lambda x: xp.linalg.norm(x, np.inf), (sym(5, 268),)),
    Case("norm ord -inf", lambda xp: lambda x: xp.linalg.norm(x, -np.inf), (sym(5, 269),)),
    Case("norm ord 3", lambda xp: lambda x: xp.linalg.norm(x, 3), (sym(5, 270),)),
    Case("norm axis keepdims", lambda xp: lambda x: xp.linalg.norm(x, axis=1, keepdims=True) * x, (sym((2, 3), 271),)),
    Case("norm fro", lambda xp: lambda x: xp.linalg.norm(x, "fro"), (sym((3, 2), 272),)),
    Case("matrix norm 1", lambda xp: lambda x: xp.linalg.norm(x, 1), (sym((3, 3), 273),)),
    Case("matrix norm inf", lambda xp: lambda x: xp.linalg.norm(x, np.inf), (sym((3, 3), 274),)),
    Case("matrix norm -1 batched", lambda xp: lambda x: xp.linalg.norm(x, -1, axis=(1, 2)), (sym((2, 3, 3), 275),)),
    Case("matrix norm nuc", lambda xp: lambda x: xp.linalg.norm(x, "nuc"), (sym((3, 4), 1275),)),
    Case("matrix norm 2", lambda xp: lambda x: xp.linalg.norm(x, 2), (sym((4, 3), 1276),)),
    Case("matrix norm -2 over axes (0, 2)", lambda xp: lambda x: xp.linalg.norm(x, -2, axis=(0, 2)),
         (sym((3, 2, 4), 1277),)),
    # --- products -----------------------------------------------------------------------------
    Case("inner", lambda xp: lambda x, y: xp.inner(x, y), (sym((2, 3), 280), sym((4, 3), 281))),
    Case("vdot", lambda xp: lambda x, y: xp.vdot(x, y), (sym((2, 3), 282), sym((2, 3), 283))),
    Case("dot 3-d", lambda xp: lambda x, y: xp.dot(x, y), (sym((2, 2, 3), 284), sym((3, 2), 285))),
    Case("dot 3-d with vector", lambda xp: lambda x, y: xp.dot(x, y), (sym((2, 2, 3), 286), sym(3, 287))),
    Case("tensordot", lambda xp: lambda x, y: xp.tensordot(x, y), (sym((2, 3, 4), 288), sym((3, 4, 2), 289))),
    Case("tensordot pairs", lambda xp: lambda x, y: xp.tensordot(x, y, axes=([0, 2], [2, 0])), (sym((2, 3, 4), 290), sym((4, 2, 2), 291))),
    Case("einsum matmul", lambda xp: lambda x, y: xp.einsum("ij,jk->ik", x, y), (sym((2, 3), 292), sym((3, 4), 293))),
    Case("einsum sublists", lambda xp: lambda x, y: xp.einsum(x, [0, 1], y, [1, 2], [0, 2]),
         (sym((2, 3), 1292), sym((3, 4), 1293))),
    Case("einsum sublists with Ellipsis", lambda xp: lambda x, y: xp.einsum(x, [Ellipsis, 0], y, [0]),
         (sym((2, 3), 1294), sym(3, 1295))),
    Case("einsum implicit", lambda xp: lambda x, y: xp.einsum("ij,jk", x, y), (sym((2, 3), 294), sym((3, 2), 295))),
    Case("einsum trace ii", lambda xp: lambda x: xp.einsum("ii", x) * xp.einsum("ii->i", x), (sym((3, 3), 296),)),
    Case("einsum sum over one operand", lambda xp: lambda x, y: xp.einsum("ij,k->ik", x, y), (sym((2, 3), 297), sym(2, 298))),
    Case("einsum three operands", lambda xp: lambda x, y, z: xp.einsum("ij,jk,kl->il", x, y, z), (sym((2, 3), 299), sym((3, 2), 300), sym((2, 2), 301))),
    Case("einsum batched ellipsis", lambda xp: lambda x, y: xp.einsum("...ij,...jk->...ik", x, y), (sym((2, 2, 3), 302), sym((1, 3, 2), 303))),
    Case("einsum broadcast length 1", lambda xp: lambda x, y: xp.einsum("ij,j->i", x, y), (sym((2, 3), 304), sym(1, 305))),
    Case("einsum with a constant", lambda xp: lambda x: xp.einsum("ij,jk,k->i", x, B34, W2[:1].repeat(4)), (sym((2, 3), 306),)),
    Case("kron", lambda xp: lambda x, y: xp.kron(x, y), (sym((2, 2), 307), sym((2, 3), 308))),
    Case("cross", lambda xp: lambda x, y: xp.cross(x, y), (sym((2, 3), 309), sym(3, 310))),
    Case("multi_dot", lambda xp: lambda x, y: xp.linalg.multi_dot([x, y, x.T]), (sym((2, 3), 311), sym((3, 3), 312))),
    Case("matrix_power", lambda xp: lambda x: xp.linalg.matrix_power(x, 3), (sym((2, 2), 313),)),
    # --- linear algebra -----------------------------------------------------------------------
    Case("det", lambda xp: lambda a: xp.linalg.det(a), (well_conditioned(3, 320),)),
    Case("det batched", lambda xp: lambda a: xp.linalg.det(a), (np.stack([well_conditioned(2, 321), well_conditioned(2, 322)]),)),
    Case("slogdet", lambda xp: lambda a: xp.linalg.slogdet(a)[1] * xp.linalg.slogdet(a)[0], (well_conditioned(3, 323) - 1.5 * np.eye(3),)),
    Case("inv", lambda xp: lambda a: xp.linalg.inv(a), (well_conditioned(3, 324),)),
    Case("solve matrix", lambda xp: lambda a, b: xp.linalg.solve(a, b), (well_conditioned(3, 325), sym((3, 2), 326))),
    Case("solve vector", lambda xp: lambda a, b: xp.linalg.solve(a, b), (well_conditioned(3, 327), sym(3, 328))),
    Case("solve batched", lambda xp: lambda a, b: xp.linalg.solve(a, b), (np.stack([well_conditioned(2, 329), well_conditioned(2, 330)]), sym((2, 2, 1), 331))),
    Case("cholesky", lambda xp: lambda a: xp.linalg.cholesky(a), (spd(3, 332),)),
    Case("cholesky of a Gram matrix", lambda xp: lambda a: xp.linalg.cholesky(a @ a.T + np.eye(3)), (sym((3, 3), 333),)),
    Case("eigvalsh", lambda xp: lambda a: xp.linalg.eigvalsh(a), (spd(3, 334) - 2 * np.eye(3),)),
    Case("eigh eigenvalues", lambda xp: lambda a: xp.linalg.eigh(a + a.T)[0], (sym((3, 3), 335),)),
    Case("eigh eigenvectors squared", lambda xp: lambda a: xp.linalg.eigh(a)[1] ** 2, (spd(3, 336),)),
    Case("eigh reassembled", lambda xp: lambda a: (lambda w, v: v @ xp.diag(xp.sin(w)) @ v.T)(*xp.linalg.eigh(a)), (spd(3, 337),)),
    # --- shapes and selections ----------------------------------------------------------------
    Case("diag of a vector", lambda xp: lambda x: xp.diag(x) @ A23.T, (sym(3, 340),)),
    Case("diag k", lambda xp: lambda x: xp.diag(x, 1) + xp.diag(x, -1), (sym(2, 341),)),
    Case("diag of a matrix", lambda xp: lambda x: xp.diag(x) * xp.diag(x, 1)[0], (sym((3, 3), 342),)),
    Case("diagonal", lambda xp: lambda x: xp.diagonal(x, 0, 1, 2) + x.diagonal(axis1=0, axis2=2).T, (sym((3, 2, 3), 343),)),
    Case("trace", lambda xp: lambda x: xp.trace(x) * x + x.trace(1), (sym((3, 3), 344),)),
    Case("tril triu", lambda xp: lambda x: xp.tril(x) * 2.0 + xp.triu(x, 1) ** 2, (sym((3, 4), 345),)),
    Case("astype copy", lambda xp: lambda x: x.astype(float) * x.copy() + xp.copy(x), (sym(4, 346),)),
    Case("x.clip", lambda xp: lambda x: x.clip(-0.5, 0.6), (sym(8, 347),)),
    Case("x.squeeze", lambda xp: lambda x: x.squeeze() * W2, (sym((2, 1), 348),)),
    Case("moveaxis", lambda xp: lambda x: xp.moveaxis(x, 0, -1) * C234.transpose(1, 2, 0), (sym((2, 3, 4), 349),)),
    Case("moveaxis several", lambda xp: lambda x: xp.moveaxis(x, [0, 1], [2, 0]) ** 2, (sym((2, 3, 4), 350),)),
    Case("x.swapaxes", lambda xp: lambda x: x.swapaxes(0, 1) * A23.T, (sym((2, 3), 351),)),
    Case("expand_dims tuple", lambda xp: lambda x: xp.expand_dims(x, (0, 2)) ** 2, (sym(3, 352),)),
    Case("repeat", lambda xp: lambda x: xp.repeat(x, 2) * xp.arange(6.0), (sym(3, 353),)),
    Case("repeat axis counts", lambda xp: lambda x: xp.repeat(x, np.array([1, 3]), axis=0), (sym((2, 3), 354),)),
    Case("x.repeat", lambda xp: lambda x: x.repeat(3, axis=1), (sym((2, 2), 355),)),
    Case("tile", lambda xp: lambda x: xp.tile(x, (2, 2)) ** 2, (sym((2, 3), 356),)),
    Case("roll", lambda xp: lambda x: xp.roll(x, 2) * x, (sym(5, 357),)),
    Case("roll axes", lambda xp: lambda x: xp.roll(x, (1, -1), axis=(0, 1)) * A23, (sym((2, 3), 358),)),
    Case("roll flattened", lambda xp: lambda x: xp.roll(x, 4) * A23, (sym((2, 3), 359),)),
    Case("flip", lambda xp: lambda x: xp.flip(x) * A23 + xp.flip(x, 1) + xp.fliplr(x) * xp.flipud(x), (sym((2, 3), 360),)),
    Case("atleast_1d 2d 3d", lambda xp: lambda x, y: xp.atleast_1d(x) * xp.atleast_2d(y) + xp.sum(xp.atleast_3d(y)), (np.array(0.7), sym(3, 361))),
    Case("split", lambda xp: lambda x: (lambda a, b, c: a * b + c)(*xp.split(x, 3)), (sym(6, 362),)),
    Case("split indices axis", lambda xp: lambda x: (lambda a, b: a * 2 + b[:, :1])(*xp.split(x, [1], axis=1)), (sym((2, 3), 363),)),
    Case("array_split", lambda xp: lambda x: xp.concatenate([p ** (i + 1) for i, p in enumerate(xp.array_split(x, 3))]), (sym(7, 364),)),
    Case("take", lambda xp: lambda x: xp.take(x, IDX) ** 2 + x.take(np.array([1, 1]))[0], (sym(4, 365),)),
    Case("take axis", lambda xp: lambda x: xp.take(x, np.array([2, 0, 2]), axis=1), (sym((2, 3), 366),)),
    Case("take_along_axis", lambda xp: lambda x: xp.take_along_axis(x, np.array([[0, 2], [1, 1]]), axis=1), (sym((2, 3), 367),)),
    Case("pad constant", lambda xp: lambda x: xp.pad(x, 1) + xp.pad(x, ((0, 2), (2, 0)), constant_values=0.5), (sym((2, 3), 368),)),
    Case("pad edge and reflect", lambda xp: lambda x: xp.pad(x, (1, 2), mode="edge") * xp.pad(x, (2, 1), mode="reflect"), (sym(4, 369),)),
    Case("pad wrap symmetric", lambda xp: lambda x: xp.pad(x, 2, mode="wrap") + xp.pad(x, 2, mode="symmetric") ** 2, (sym((2, 3), 370),)),
    Case("sort", lambda xp: lambda x: xp.sort(x) * xp.arange(5.0), (sym(5, 371),)),
    Case("sort ties", lambda xp: lambda x: xp.sort(x * x) * xp.arange(5.0), (TIES,)),
    Case("sort axis 0", lambda xp: lambda x: xp.sort(x, axis=0) * A23, (sym((2, 3), 372),)),
    Case("sort flattened", lambda xp: lambda x: xp.sort(x, axis=None), (sym((2, 3), 373),)),
    Case("argmax as index", lambda xp: lambda x: x[xp.argmax(x)] * x[xp.argmin(x)] + x[xp.argsort(x)][0], (sym(5, 374),)),
    Case("argmax along axis", lambda xp: lambda x: xp.take_along_axis(x, xp.argmax(x, axis=1)[:, None], axis=1), (sym((3, 4), 375),)),
    Case("linspace", lambda xp: lambda x: xp.linspace(x[0], x[1], 5) ** 2, (sym(2, 376),)),
    Case("linspace vectors no endpoint", lambda xp: lambda x, y: xp.linspace(x, y, 4, endpoint=False), (sym(3, 377), sym(3, 378))),
    Case("linspace axis 1", lambda xp: lambda x: xp.linspace(x, 2.0, 3, axis=1), (sym(2, 379),)),
    Case("column_stack", lambda xp: lambda x, y: xp.column_stack([x, y]), (sym(3, 380), sym((3, 2), 381))),
]

NAN_INF = np.array([0.0, np.nan, np.inf, -np.inf, 0.0])
WITH_NAN = np.array([np.nan, 0.1, np.nan, -0.2, 0.5, np.nan])


def _svd_parts(xp, a):
    """Functions of a's thin SVD that do not depend on the signs of the singular vectors (LAPACKs differ)."""
    u, s, vh = xp.linalg.svd(a, full_matrices=False)
    outer = u[..., :, :1] * vh[..., :1, :]                       # u₁ v₁ᵀ
    return xp.concatenate([(u ** 2 @ s[..., None])[..., 0], xp.sum(vh ** 2 * s[..., None], axis=-2),
                           xp.reshape(outer, outer.shape[:-2] + (-1,))], axis=-1)


# Issue 11, part 4: what autograd's own tests needed.
CASES += [
    Case("fmax fmin with NaN", lambda xp: lambda x, y: xp.fmax(x, y) * xp.fmin(x, WITH_NAN) + xp.fmax(WITH_NAN, y),
         (sym(6, 400), sym(6, 401))),
    Case("rot90", lambda xp: lambda x: xp.rot90(x, 2) ** 2 + xp.sum(xp.rot90(x) * A23.T)
         + xp.sum(xp.rot90(x, 3) ** 3),
         (sym((2, 3), 402),)),
    Case("rot90 axes", lambda xp: lambda x: xp.rot90(x, 1, axes=(2, 0)) ** 2, (sym((2, 3, 4), 403),)),
    Case("rollaxis", lambda xp: lambda x: xp.rollaxis(x, 2) ** 2 + xp.rollaxis(x, 0, 3)[0, 0, 0], (sym((2, 3, 4), 404),)),
    Case("dsplit", lambda xp: lambda x: (lambda a, b: a * b)(*xp.dsplit(x, 2)), (sym((2, 2, 4), 405),)),
    Case("partition", lambda xp: lambda x: (lambda p: xp.sum(p[:2] ** 2) + 3 * p[2] + xp.sum(p[3:] ** 3))(
         xp.partition(x, 2)), (sym(6, 406),)),
    Case("partition axis 0", lambda xp: lambda x: (lambda p: p[1] * xp.sum(p[:1] ** 2, axis=0))(
         xp.partition(x, 1, axis=0)),
         (sym((4, 3), 407),)),
    Case("diff", lambda xp: lambda x: xp.diff(x, 2, axis=0) * xp.sum(xp.diff(x) ** 2), (sym((4, 3), 408),)),
    Case("gradient", lambda xp: lambda x: xp.gradient(x, 0.5)[0] * xp.gradient(x, axis=1) + xp.gradient(x)[1] ** 2,
         (sym((3, 4), 409),)),
    Case("gradient of two entries", lambda xp: lambda x: xp.gradient(x) * x, (sym(2, 410),)),
    Case("append", lambda xp: lambda x, y: xp.append(x, y) * xp.sum(xp.append(x, x[:1], axis=0) ** 2),
         (sym((2, 3), 411), sym(2, 412))),
    Case("select", lambda xp: lambda x, y: xp.select([x > 0.5, x < -0.5], [x * y, y], default=0.3),
         (sym(6, 413), sym(6, 414))),
    Case("nan_to_num", lambda xp: lambda x: xp.nan_to_num(x + NAN_INF, posinf=2.0, neginf=-3.0) * x
         + xp.nan_to_num(x + NAN_INF, nan=0.5, posinf=1.0, neginf=-1.0),
         (sym(5, 415),)),
    Case("real imag real_if_close", lambda xp: lambda x: xp.real(x) * x + xp.imag(x)
         + (xp.real_if_close(x) if xp is np else x) ** 2, (sym(4, 416),)),
    Case("svd values", lambda xp: lambda a: xp.linalg.svd(a, compute_uv=False), (sym((3, 2), 417),)),
    Case("svd tall", lambda xp: lambda a: _svd_parts(xp, a), (sym((4, 3), 418),)),
    Case("svd wide batched", lambda xp: lambda a: _svd_parts(xp, a), (sym((2, 2, 3), 419),)),
    Case("svd square", lambda xp: lambda a: _svd_parts(xp, a), (sym((3, 3), 420),)),
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
