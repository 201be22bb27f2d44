"""Reverse mode (calclib.reverse: Node, backward, vjp, jacrev, trace, build_graph) against independent references:
JAX in float64, sympy and hand computation; plus the engine's promises about large graphs and memory."""

from __future__ import annotations

import gc
import weakref

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import sympy as sp

import calclib as cl
from calclib import reverse
from calclib.core import primal
from calclib.forward import Dual
from calclib.linear import linear_transpose, linearize
from calclib.reverse import Node

from references import assert_close, jax_args

jax.config.update("jax_enable_x64", True)


# ---------------------------------------------------------------------------------------------------
# Every primitive, row by row and as a VJP
# ---------------------------------------------------------------------------------------------------
def test_vjp_of_every_primitive_from_the_saved_values_only(prim_case, prim_reference, monkeypatch):
    """A graph node keeps only the values its rule reads (the others as Unsaved shapes): with every array
    dropped that way, however small, every VJP is still right (a rule reading an unsaved value would fail)."""
    monkeypatch.setattr(reverse, "SAVE_ALL_BELOW", 0)
    out, pullback = cl.vjp(prim_case.np_fn(), *prim_case.args)
    for cotangent, expected in zip(prim_reference["cotangents"], prim_reference["vjps"]):
        for got, want in zip(pullback(cotangent), expected):
            assert_close(got, want)


def test_linearize_of_every_primitive_matches_jax_jvp(prim_case, prim_reference):
    """The recorded primitives, replayed: every rule reads the values the recording kept."""
    out, f_jvp = linearize(prim_case.np_fn(), *prim_case.args)
    assert_close(out, prim_reference["out"])
    assert_close(f_jvp(*prim_reference["tangents"]), prim_reference["jvp"])


def test_transpose_of_every_primitive_linearization_matches_jax_vjp(prim_case, prim_reference):
    """The JVP rules, traced by reverse mode, give the VJP: every rule is linear in its tangents."""
    out, f_jvp = linearize(prim_case.np_fn(), *prim_case.args)
    f_transpose = linear_transpose(f_jvp, *prim_case.args)
    for cotangent, expected in zip(prim_reference["cotangents"], prim_reference["vjps"]):
        for got, want in zip(f_transpose(cotangent), expected):
            assert_close(got, want)


def test_jacobian_reverse_of_every_primitive_matches_jax(prim_case, prim_reference):
    f = prim_case.np_fn()
    for i, expected in enumerate(prim_reference["jacobians"]):
        assert_close(cl.jacobian(f, argnums=i, mode="reverse")(*prim_case.args), expected)
        assert_close(reverse.jacrev(f, argnums=i)(*prim_case.args), expected)


def test_vjp_of_every_primitive_matches_jax(prim_case, prim_reference):
    out, pullback = cl.vjp(prim_case.np_fn(), *prim_case.args)
    assert_close(out, prim_reference["out"])
    # the same pullback, several times: a backward pass must not disturb the recorded graph
    pairs = list(zip(prim_reference["cotangents"], prim_reference["vjps"]))
    for c, expected in pairs + pairs[:1]:
        cts = pullback(c)
        assert isinstance(cts, tuple) and len(cts) == len(prim_case.args) == len(expected)
        for ct, ct_ref in zip(cts, expected):
            assert_close(ct, ct_ref)


# ---------------------------------------------------------------------------------------------------
# vjp: structure and errors
# ---------------------------------------------------------------------------------------------------
def test_vjp_hand_example():
    out, pullback = cl.vjp(lambda x, y: x * y + np.sin(x), 2.0, 3.0)
    assert out == 6.0 + np.sin(2.0)
    gx, gy = pullback(1.0)
    assert type(gx) is float and gx == pytest.approx(3.0 + np.cos(2.0), rel=1e-15)
    assert gy == 2.0
    gx2, gy2 = pullback(-2.0)          # linear in the cotangent
    assert gx2 == pytest.approx(-2 * gx, rel=1e-15) and gy2 == -4.0


def test_vjp_rejects_a_cotangent_of_the_wrong_shape():
    _, pullback = cl.vjp(lambda x: x * 2, np.ones(3))
    with pytest.raises(ValueError, match="shape"):
        pullback(np.ones(2))
    with pytest.raises(TypeError):
        cl.vjp("not a function", 1.0)


def test_vjp_of_a_constant_function_gives_zero_cotangents():
    out, pullback = cl.vjp(lambda x, y: np.ones(2) * 3.0, np.ones(3), 2.0)
    np.testing.assert_array_equal(out, [3.0, 3.0])
    gx, gy = pullback(np.ones(2))
    np.testing.assert_array_equal(gx, np.zeros(3))
    assert gy == 0.0


def test_returned_cotangents_are_fresh_arrays():
    """Modifying one returned gradient must change neither the caller's cotangent nor another gradient."""
    c = np.array([1.0, 2.0, 3.0])
    for f in (lambda x, y: x + y, lambda x, y: x, lambda x, y: (x * 1.0)[0:3] + y):
        _, pullback = cl.vjp(f, np.zeros(3), np.zeros(3))
        gx, gy = pullback(c)
        gx += 100.0
        np.testing.assert_array_equal(c, [1.0, 2.0, 3.0])
        assert not np.shares_memory(gx, gy)
        gx2, _ = pullback(c)
        assert np.all(gx2 < 100.0)


def test_adjoints_that_repeat_one_number_are_handled_as_that_number():
    """The adjoint of a sum is one number broadcast: constants, broadcasting and indexing after it give JAX's
    gradients, and the gradients returned are fresh writable arrays, not the inputs or read-only views."""
    def f(x, b):
        return np.sum(3 * (x * b) - 2) + np.mean(100 * (x - b)) + np.sum(x[1:] * 1.0) + np.sum(b * x)

    def fj(x, b):
        return jnp.sum(3 * (x * b) - 2) + jnp.mean(100 * (x - b)) + jnp.sum(x[1:] * 1.0) + jnp.sum(b * x)

    x, b = np.array([[0.5], [-1.0], [2.0]]), np.array([[1.5, -0.5, 2.0, 3.0]])
    for gc_, gj in zip(cl.grad(f, argnums=(0, 1))(x, b), jax.grad(fj, argnums=(0, 1))(jnp.asarray(x), jnp.asarray(b))):
        assert_close(gc_, gj)
    y = np.array([1.0, 2.0, 3.0])
    gx = cl.grad(lambda x: np.sum(x * y))(np.zeros(3))     # x̄ = y · 1: must not be y itself
    gx += 1.0
    np.testing.assert_array_equal(y, [1.0, 2.0, 3.0])
    gs = cl.grad(lambda x: np.sum(5 * x))(np.zeros(3))       # a repeated number, made an array
    gs[0] = 0.0
    np.testing.assert_array_equal(gs, [0.0, 5.0, 5.0])


def test_adjoints_add_up_over_every_path():
    """A value used many times (a diamond and a fan-out through indexing) sums its adjoints."""
    def f(x):
        a = x * x
        b = np.sin(a) + a                     # a used twice
        return np.sum(b * x) + x[0] * x[0] * x[0] + np.sum(x[1:] * x[:-1])

    def fj(x):
        a = x * x
        b = jnp.sin(a) + a
        return jnp.sum(b * x) + x[0] ** 3 + jnp.sum(x[1:] * x[:-1])

    x = np.array([0.3, -1.2, 0.8, 2.0])
    assert_close(cl.grad(f)(x), jax.grad(fj)(jnp.asarray(x)))


def test_topological_order_puts_inputs_first():
    def f(x):
        a = x * 2.0
        b = a + x
        return np.sum(np.sin(b) * a)

    graph = reverse.build_graph(f, np.ones(2))
    order = reverse.topological_order(graph.output)
    position = {id(n): k for k, n in enumerate(order)}
    assert order[-1] is graph.output and order[0] is graph.leaves[0]
    for node in order:
        for _, parent in node.parents:
            assert position[id(parent)] < position[id(node)]
    assert len(order) == len({id(n) for n in order}) == 6   # x, a, b, sin, ×, sum


# ---------------------------------------------------------------------------------------------------
# The reverse trace ★: f(x, y, z, w) = 2 (x y + max(z, w)) at (3, −4, 2, −1)
# ---------------------------------------------------------------------------------------------------
def _sympy_gradient():
    x, y, z, w = sp.symbols("x y z w")
    f = 2 * (x * y + sp.Max(z, w))
    point = {x: 3, y: -4, z: 2, w: -1}
    return float(f.subs(point)), [float(sp.diff(f, v).subs(point)) for v in (x, y, z, w)]


def test_reverse_trace_with_python_max():
    value, gradient = _sympy_gradient()
    assert (value, gradient) == (-20.0, [-8.0, 6.0, 2.0, 0.0])
    table = reverse.trace(lambda x, y, z, w: 2 * (x * y + max(z, w)), (3.0, -4.0, 2.0, -1.0))
    assert table.columns == ["node", "operation", "inputs", "value", "adjoint"]
    # Python's max returns the node z itself: no max row. Adjoints by hand: ȳ = 1, v̄3 = 1, v̄2 = 2, v̄1 = 2,
    # x̄ = 2y = −8, ȳ = 2x = 6, z̄ = 2, w̄ = 0.
    expected = [
        ("x1", "input", "", 3.0, -8.0), ("x2", "input", "", -4.0, 6.0), ("x3", "input", "", 2.0, 2.0),
        ("x4", "input", "", -1.0, 0.0), ("v1", "×", "x1, x2", -12.0, 2.0), ("v2", "+", "v1, x3", -10.0, 2.0),
        ("v3", "×", "2, v2", -20.0, 1.0), ("y", "output", "v3", -20.0, 1.0),
    ]
    assert [(r[0], r[1], r[2], float(r[3]), float(r[4])) for r in table.rows] == expected
    assert [float(r[-1]) for r in table.rows[:4]] == gradient


def test_reverse_trace_with_np_maximum():
    _, gradient = _sympy_gradient()
    table = reverse.trace(lambda x, y, z, w: 2 * (x * y + np.maximum(z, w)), (3.0, -4.0, 2.0, -1.0))
    expected = [
        ("x1", "input", "", 3.0, -8.0), ("x2", "input", "", -4.0, 6.0), ("x3", "input", "", 2.0, 2.0),
        ("x4", "input", "", -1.0, 0.0), ("v1", "×", "x1, x2", -12.0, 2.0), ("v2", "max", "x3, x4", 2.0, 2.0),
        ("v3", "+", "v1, v2", -10.0, 2.0), ("v4", "×", "2, v3", -20.0, 1.0), ("y", "output", "v4", -20.0, 1.0),
    ]
    assert [(r[0], r[1], r[2], float(r[3]), float(r[4])) for r in table.rows] == expected
    assert [float(r[-1]) for r in table.rows[:4]] == gradient
    assert "max" in repr(table) and "<table" in table._repr_html_()


def test_reverse_trace_of_baydin_example_adjoints():
    """Baydin et al.'s f = ln x1 + x1 x2 − sin x2 at (2, 5): adjoints x̄1 = 1/x1 + x2, x̄2 = x1 − cos x2."""
    x1, x2 = sp.symbols("x1 x2")
    f = sp.log(x1) + x1 * x2 - sp.sin(x2)
    point = {x1: 2, x2: 5}
    table = reverse.trace(lambda a, b: np.log(a) + a * b - np.sin(b), (2.0, 5.0))
    assert float(table.rows[0][-1]) == pytest.approx(float(sp.diff(f, x1).subs(point)), rel=1e-15)
    assert float(table.rows[1][-1]) == pytest.approx(float(sp.diff(f, x2).subs(point)), rel=1e-15)
    assert float(table.rows[-1][3]) == pytest.approx(float(f.subs(point)), rel=1e-15)


def test_build_graph_refuses_what_it_cannot_show():
    with pytest.raises(ValueError, match="does not depend"):
        reverse.build_graph(lambda x: 3.0, 1.0)
    with pytest.raises(ValueError, match="scalar"):
        reverse.build_graph(lambda x: x * 2, np.ones(2))


# ---------------------------------------------------------------------------------------------------
# Regression tests for engine bugs found while writing these tests (fixed during the session)
# ---------------------------------------------------------------------------------------------------
def test_transpose_with_negative_axes_in_reverse_mode():
    x = np.arange(6.0).reshape(2, 3) / 7
    f = lambda x: np.sum(np.sin(np.transpose(x, (-1, 0))) * np.arange(6.0).reshape(3, 2))  # noqa: E731
    fj = lambda x: jnp.sum(jnp.sin(jnp.transpose(x, (-1, 0))) * jnp.arange(6.0).reshape(3, 2))  # noqa: E731
    assert_close(cl.grad(f)(x), jax.grad(fj)(jnp.asarray(x)))


@pytest.mark.parametrize("which", ["vector @ batched", "batched @ vector"])
def test_matmul_of_a_vector_with_a_batched_matrix_in_reverse_mode(which):
    C = np.random.default_rng(1).normal(size=(2, 3, 4))
    if which == "vector @ batched":
        f, fj, x = (lambda v: v @ C), (lambda v: v @ jnp.asarray(C)), np.array([1.0, 2.0, 3.0])
    else:
        f, fj, x = (lambda v: C @ v), (lambda v: jnp.asarray(C) @ v), np.array([0.5, -1.0, 2.0, 1.0])
    assert_close(cl.jacobian(f, mode="forward")(x), jax.jacfwd(fj)(jnp.asarray(x)))   # forward is right
    assert_close(cl.jacobian(f, mode="reverse")(x), jax.jacrev(fj)(jnp.asarray(x)))


def test_concatenate_axis_none_in_reverse_mode():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    f = lambda x: np.sum(np.concatenate([x, 2 * x], axis=None) ** 2)  # noqa: E731
    fj = lambda x: jnp.sum(jnp.concatenate([x, 2 * x], axis=None) ** 2)  # noqa: E731
    assert_close(cl.grad(f, mode="forward")(x), jax.grad(fj)(jnp.asarray(x)))
    assert_close(cl.grad(f)(x), jax.grad(fj)(jnp.asarray(x)))


def test_jacrev_negative_argnums_as_jax():
    f = lambda a, b: a * b ** 2  # noqa: E731
    assert_close(reverse.jacrev(f, argnums=-1)(2.0, 3.0), jax.jacrev(f, argnums=-1)(2.0, 3.0))


def test_where_with_an_infinite_adjoint_matches_jax():
    f = lambda x, y: np.sqrt(np.where(np.array(True), x, y))  # noqa: E731
    fj = lambda x, y: jnp.sqrt(jnp.where(jnp.array(True), x, y))  # noqa: E731
    expected = jax.grad(fj, argnums=(0, 1))(0.0, 1.0)          # (inf, 0)
    assert float(expected[0]) == np.inf and float(expected[1]) == 0.0
    gx, gy = cl.grad(f, argnums=(0, 1))(0.0, 1.0)
    assert gx == np.inf
    assert gy == 0.0


# ---------------------------------------------------------------------------------------------------
# Large graphs and memory
# ---------------------------------------------------------------------------------------------------
def test_a_graph_of_a_million_nodes():
    """The backward pass is iterative: 10⁶ nodes in a chain, no RecursionError (the one slow test)."""
    n, c = 10**6, 1.0000001

    def chain(x):
        for _ in range(n):
            x = x * c
        return x

    value, gradient = cl.value_and_grad(chain)(2.0)
    exact = np.exp(n * np.log1p(c - 1))          # d/dx (c^n x) = c^n
    assert gradient == pytest.approx(exact, rel=1e-8)
    assert value == pytest.approx(2 * exact, rel=1e-8)


def test_graph_is_freed_by_reference_counting():
    """Nodes point only to their inputs: no cycles, so the graph dies when grad returns, with gc off."""
    # Node has __slots__ without __weakref__, so the test watches the arrays the nodes hold, and counts nodes.
    refs = []
    live = []

    def count_tracers():
        return sum(isinstance(o, (Node, Dual)) for o in gc.get_objects())

    def f(x):
        y = np.sin(x) * x
        z = np.sum(y[1:] ** 2) + x[0] * np.mean(y)
        if isinstance(y, Node):
            refs.append(weakref.ref(primal(y)))     # the array held by the node y (and by its users' inputs)
            live.append(count_tracers())
        return z

    x = np.array([1.0, 2.0, 3.0])
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        baseline = count_tracers()
        for transform in (cl.grad(f), cl.grad(lambda x: cl.grad(lambda y: f(y * x))(x).sum()), cl.hessian(f)):
            refs.clear()
            live.clear()
            result = transform(x)
            assert refs and live and min(live) > baseline      # the graph existed while f ran ...
            assert all(r() is None for r in refs)             # ... and is gone without the cycle collector
            assert count_tracers() == baseline
            assert np.all(np.isfinite(result))
    finally:
        if was_enabled:
            gc.enable()
