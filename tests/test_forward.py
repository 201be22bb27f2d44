"""Forward mode (calclib.forward: Dual, jvp, jacfwd, trace) against independent references: JAX in float64,
sympy's exact derivatives and hand computation."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import sympy as sp

import calclib as cl
from calclib import forward
from calclib.forward import Dual

from references import assert_close, jax_args

jax.config.update("jax_enable_x64", True)


# ---------------------------------------------------------------------------------------------------
# Every primitive, column by column and as a JVP
# ---------------------------------------------------------------------------------------------------
def test_jacobian_forward_of_every_primitive_matches_jax(prim_case, prim_reference):
    f = prim_case.np_fn()
    for i, expected in enumerate(prim_reference["jacobians"]):
        assert_close(cl.jacobian(f, argnums=i, mode="forward")(*prim_case.args), expected)
        assert_close(forward.jacfwd(f, argnums=i)(*prim_case.args), expected)


def test_jvp_of_every_primitive_matches_jax(prim_case, prim_reference):
    out, tangent = cl.jvp(prim_case.np_fn(), prim_case.args, prim_reference["tangents"])
    assert_close(out, prim_reference["out"])
    assert_close(tangent, prim_reference["jvp"])


# ---------------------------------------------------------------------------------------------------
# jvp: structure, conventions and errors
# ---------------------------------------------------------------------------------------------------
def test_jvp_several_arguments_matches_hand_derivative():
    # d/dt (x y) along (1, 0) = y; along (0, 1) = x; along (a, b) = a y + b x
    assert cl.jvp(lambda x, y: x * y, (3.0, 4.0), (1.0, 0.0)) == (12.0, 4.0)
    assert cl.jvp(lambda x, y: x * y, (3.0, 4.0), (0.0, 1.0)) == (12.0, 3.0)
    assert cl.jvp(lambda x, y: x * y, (3.0, 4.0), (2.0, -1.0)) == (12.0, 2 * 4.0 - 3.0)


def test_jvp_results_are_python_floats_or_float_arrays():
    out, t = cl.jvp(np.sin, (1,), (1,))          # integers promoted
    assert type(out) is float and type(t) is float
    assert t == pytest.approx(np.cos(1.0), rel=1e-15)
    out, t = cl.jvp(lambda x: x * 2, (np.array([1, 2]),), (np.array([1, 0]),))
    assert isinstance(out, np.ndarray) and out.dtype == np.float64 and isinstance(t, np.ndarray)
    np.testing.assert_array_equal(t, [2.0, 0.0])


def test_jvp_of_a_function_that_ignores_its_input_has_zero_tangent():
    out, t = cl.jvp(lambda x: np.ones(3) * 2.0, (np.array([1.0, 2.0]),), (np.array([1.0, 1.0]),))
    np.testing.assert_array_equal(out, [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(t, np.zeros(3))


def test_jvp_rejects_mismatched_input():
    with pytest.raises(TypeError, match="tuple"):
        cl.jvp(np.sin, 1.0, 1.0)
    with pytest.raises(ValueError, match="tangent"):
        cl.jvp(lambda x, y: x * y, (1.0, 2.0), (1.0,))
    with pytest.raises(ValueError, match="shape"):
        cl.jvp(np.sin, (np.ones(3),), (np.ones(2),))
    with pytest.raises(TypeError):
        cl.jvp("sin", (1.0,), (1.0,))
    with pytest.raises(TypeError):
        cl.jvp(np.sin, ("a",), (1.0,))


def test_dual_number_arithmetic_by_hand():
    level = cl.core.new_level()
    x = Dual(np.float64(2.0), np.float64(1.0), level)
    y = x * x * x + 1.0 / x       # y = x³ + 1/x, y' = 3x² − 1/x²
    assert isinstance(y, Dual)
    assert y.primal == pytest.approx(8.5, rel=1e-15)
    assert y.tangent == pytest.approx(12.0 - 0.25, rel=1e-15)
    assert "Dual(" in repr(y)


def test_jacfwd_shape_is_out_shape_plus_in_shape():
    x = np.arange(6.0).reshape(2, 3)
    J = forward.jacfwd(lambda x: np.sum(x, axis=0) * x[0])(x)
    assert J.shape == (3, 2, 3)
    assert_close(J, jax.jacfwd(lambda x: jnp.sum(x, axis=0) * x[0])(jnp.asarray(x)))


def test_jacfwd_of_an_empty_input():
    J = forward.jacfwd(lambda x: np.sum(x) + np.ones(2))(np.zeros(0))
    assert J.shape == (2, 0)


def test_jacfwd_negative_argnums_as_jax():
    f = lambda a, b: a * b ** 2  # noqa: E731
    expected = jax.jacfwd(f, argnums=-1)(2.0, 3.0)
    assert_close(forward.jacfwd(f, argnums=-1)(2.0, 3.0), expected)


# ---------------------------------------------------------------------------------------------------
# Nesting forward over forward
# ---------------------------------------------------------------------------------------------------
def test_forward_over_forward_second_and_third_derivatives_match_jax():
    f = lambda x: np.exp(np.sin(x)) * x ** 3  # noqa: E731
    fj = lambda x: jnp.exp(jnp.sin(x)) * x ** 3  # noqa: E731
    d1 = lambda x: cl.jvp(f, (x,), (1.0,))[1]  # noqa: E731
    d2 = lambda x: cl.jvp(d1, (x,), (1.0,))[1]  # noqa: E731
    d3 = lambda x: cl.jvp(d2, (x,), (1.0,))[1]  # noqa: E731
    for x in (0.3, -1.1, 2.0):
        assert_close(d2(x), jax.grad(jax.grad(fj))(x))
        assert_close(d3(x), jax.grad(jax.grad(jax.grad(fj)))(x))


def test_forward_perturbation_confusion():
    """d/dx [x · d/dy (x + y)] = 1 (Siskind & Pearlmutter): the inner tangent must not leak into the outer."""
    def outer(x):
        inner = cl.jvp(lambda y: x + y, (1.0,), (1.0,))[1]
        return x * inner

    for x in (1.0, -2.5, 7.0):
        assert cl.jvp(outer, (x,), (1.0,))[1] == 1.0
    fj = lambda x: x * jax.jvp(lambda y: x + y, (1.0,), (1.0,))[1]  # noqa: E731
    assert float(jax.jvp(fj, (1.0,), (1.0,))[1]) == 1.0


# ---------------------------------------------------------------------------------------------------
# np.where: forward mode must select tangents, not multiply them by 0/1
# ---------------------------------------------------------------------------------------------------
def test_where_guarding_sqrt_in_forward_mode_matches_jax():
    f = lambda x: np.sum(np.where(x > 0, np.sqrt(np.abs(x)), 0.0))  # noqa: E731
    fj = lambda x: jnp.sum(jnp.where(x > 0, jnp.sqrt(jnp.abs(x)), 0.0))  # noqa: E731
    x = np.array([0.0, 4.0])
    expected = jax.jacfwd(fj)(jnp.asarray(x))          # [0, 0.25], the true derivative
    np.testing.assert_array_equal(expected, [0.0, 0.25])
    assert_close(cl.jacobian(f, mode="forward")(x), expected)


# ---------------------------------------------------------------------------------------------------
# The evaluation trace (Baydin et al. 2018, Table 2): f(x1, x2) = ln x1 + x1 x2 − sin x2 at (2, 5)
# ---------------------------------------------------------------------------------------------------
def test_forward_trace_of_baydin_example_row_by_row():
    x1, x2 = sp.symbols("x1 x2")
    point = {x1: 2, x2: 5}

    def d(e):  # directional derivative along (1, 0), exactly
        return float(sp.diff(e, x1).subs(point))

    exprs = {
        "x1": x1, "x2": x2, "v1": sp.log(x1), "v2": x1 * x2, "v3": sp.log(x1) + x1 * x2,
        "v4": sp.sin(x2), "v5": sp.log(x1) + x1 * x2 - sp.sin(x2),
    }
    expected_rows = [
        ("x1", "input", ""), ("x2", "input", ""), ("v1", "log", "x1"), ("v2", "×", "x1, x2"),
        ("v3", "+", "v1, v2"), ("v4", "sin", "x2"), ("v5", "−", "v3, v4"), ("y", "output", "v5"),
    ]
    table = forward.trace(lambda a, b: np.log(a) + a * b - np.sin(b), (2.0, 5.0), (1.0, 0.0))
    assert table.columns == ["node", "operation", "inputs", "value", "tangent"]
    assert [r[:3] for r in table.rows] == expected_rows
    for row in table.rows:
        e = exprs[row[0] if row[0] != "y" else "v5"]
        assert float(row[3]) == pytest.approx(float(e.subs(point)), rel=1e-14, abs=1e-15), row
        assert float(row[4]) == pytest.approx(d(e), rel=1e-14, abs=1e-15), row
    y, tangent = float(table.rows[-1][3]), float(table.rows[-1][4])
    assert round(y, 3) == 11.652
    assert tangent == pytest.approx(5.5, rel=1e-15)      # ∂y/∂x1 = 1/x1 + x2
    text = repr(table)
    assert "log" in text and "11.65" in text
    assert "<table" in table._repr_html_()


def test_forward_trace_default_direction_is_the_first_coordinate():
    table = forward.trace(lambda x: np.sum(x * x), np.array([3.0, 4.0]))
    assert table.rows[0][0] == "x"
    np.testing.assert_array_equal(table.rows[0][4], [1.0, 0.0])
    assert float(table.rows[-1][3]) == 25.0 and float(table.rows[-1][4]) == 6.0
