"""Tests of calclib.symbolic against independent references: hand-derived formulas, mpmath's numerical
derivatives at 30 digits, and hand-written NumPy."""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
import sympy as sp

from calclib import symbolic as sym

x, y, z = sp.symbols("x y z")


# ---------------------------------------------------------------------------------------------------
# Derivatives
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expr, n, expected",
    [
        ("x**3", 1, 3 * x**2),
        ("x**3", 2, 6 * x),
        ("x**3", 4, sp.Integer(0)),
        ("exp(-2*x) + 3*sin(3*x)", 1, -2 * sp.exp(-2 * x) + 9 * sp.cos(3 * x)),
        ("2*x^3 - 3*x^2 + 5", 1, 6 * x**2 - 6 * x),
        ("log(x)", 2, -1 / x**2),
        ("x**2", 0, x**2),
    ],
)
def test_derivative_against_hand_derived_formulas(expr, n, expected):
    assert sp.simplify(sym.derivative(expr, "x", n) - expected) == 0


@pytest.mark.parametrize("text", ["exp(x)*sin(x)", "x**4.5", "atan(x)/(1 + x**2)", "sqrt(1 + sin(x)**2)"])
@pytest.mark.parametrize("n", [1, 2])
def test_derivative_agrees_with_mpmath_numerically(text, n):
    expr = sym.from_string(text)
    g = sp.lambdify(x, expr, "mpmath")
    for point in (0.7, 1.5):
        exact = mp.diff(g, mp.mpf(point), n)
        value = sym.derivative(expr, x, n).evalf(30, subs={x: sp.Float(point, 30)})
        assert abs(float(value) - float(exact)) <= 1e-12 * max(1.0, abs(float(exact)))


def test_derivative_accepts_expressions_and_symbols():
    assert sym.derivative(x**2 * y, y) == x**2
    assert sym.derivative(sp.sin(x), "x") == sp.cos(x)


def test_a_variable_name_finds_the_symbol_with_assumptions():
    r = sp.Symbol("r", positive=True)
    assert sym.derivative(r**2, "r") == 2 * r  # not 0, though Symbol("r") != r
    assert sym.gradient(r * y, "r y") == sp.Matrix([y, r])


def test_derivative_order_must_be_a_natural_number():
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match="order"):
            sym.derivative("x**2", "x", bad)
    with pytest.raises(ValueError, match="one variable"):
        sym.derivative("x*y", "x y")


def test_gradient_jacobian_hessian_shapes_and_values():
    g = sym.gradient("x**2 * y + sin(z)", "x y z")
    assert g.shape == (3, 1)
    assert g == sp.Matrix([2 * x * y, x**2, sp.cos(z)])
    J = sym.jacobian(["x*y", "x + 2*y", "exp(x)"], ["x", "y"])
    assert J.shape == (3, 2)
    assert J == sp.Matrix([[y, x], [1, 2], [sp.exp(x), 0]])
    assert sym.jacobian("x*y", "x y") == sp.Matrix([[y, x]])
    assert sym.jacobian(sp.Matrix([x * y, y]), (x, y)) == sp.Matrix([[y, x], [0, 1]])
    H = sym.hessian("x**3 * y + y**2", [x, y])
    assert H == sp.Matrix([[6 * x * y, 3 * x**2], [3 * x**2, 2]])
    assert H == H.T


def test_hessian_of_the_syllabus_quadratic_and_its_eigenvalues():
    H = sym.hessian("2*x**2 + 3*y**2 - x*y", "x y")
    assert H == sp.Matrix([[4, -1], [-1, 6]])
    eigenvalues = sorted(float(v) for v in H.eigenvals())
    assert eigenvalues == pytest.approx([5 - math.sqrt(2), 5 + math.sqrt(2)])
    assert eigenvalues == pytest.approx([3.59, 6.41], abs=0.005)


def test_rosenbrock_gradient_matches_the_hand_derivation():
    g = sym.gradient("(1 - x)**2 + 100*(y - x**2)**2", "x y")
    hand = sp.Matrix([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])
    assert sp.expand(g - hand) == sp.zeros(2, 1)


def test_gradient_agrees_with_finite_differences():
    """An independent numerical check: the complex step of calclib.finite_diff."""
    from calclib import finite_diff as fd

    expr = sym.from_string("exp(x*y) * sin(y) + x**2 / (1 + y**2)")
    grad = sym.lambdify(sym.gradient(expr, "x y"), "x y")
    f = sym.lambdify(expr, "x y")
    point = np.array([0.3, -0.8])
    np.testing.assert_allclose(grad(*point)[:, 0], fd.gradient(lambda p: f(*p), point, "complex-step"), rtol=1e-14)


# ---------------------------------------------------------------------------------------------------
# Reading input
# ---------------------------------------------------------------------------------------------------


def test_from_string_reads_formulas():
    assert sym.from_string("x^2 + 3*x") == x**2 + 3 * x
    assert sym.from_string("sin(x)") == sp.sin(x)


@pytest.mark.parametrize("text", ["sin(x", "2x", "x y", "", "x +* 2"])
def test_from_string_quotes_what_it_could_not_read(text):
    with pytest.raises(ValueError) as info:
        sym.from_string(text)
    assert repr(text) in str(info.value)
    with pytest.raises(ValueError, match="could not read"):
        sym.derivative(text, "x")


def test_from_string_refuses_non_formulas():
    with pytest.raises(ValueError, match="not a formula"):
        sym.from_string("[1, 2]")
    with pytest.raises(TypeError, match="string"):
        sym.from_string(3)


def test_bad_expressions_and_variables():
    with pytest.raises(TypeError, match="to_sympy"):
        sym.derivative(lambda t: t**2, "x")
    with pytest.raises(TypeError, match="sympy expression"):
        sym.gradient(None, "x")
    with pytest.raises(TypeError, match="variable"):
        sym.gradient("x*y", ["x", 3])
    with pytest.raises(ValueError, match="at least one variable"):
        sym.gradient("x*y", [])
    with pytest.raises(TypeError, match="variables"):
        sym.hessian("x*y", 7)


def test_to_sympy_calls_the_function_with_symbols():
    assert sym.to_sympy(lambda t: t**2 + 3 * t) == x**2 + 3 * x
    assert sym.to_sympy(lambda a, b: a * sp.exp(b), "x y") == x * sp.exp(y)
    assert sym.to_sympy(lambda t: 5) == 5


def test_to_sympy_explains_numpy_functions():
    with pytest.raises(TypeError, match="sympy.sin"):
        sym.to_sympy(lambda t: np.sin(t))
    with pytest.raises(TypeError, match="sympy.sin"):
        sym.to_sympy(lambda t: math.exp(t))
    with pytest.raises(TypeError, match="function"):
        sym.to_sympy("x**2")


# ---------------------------------------------------------------------------------------------------
# lambdify
# ---------------------------------------------------------------------------------------------------


def test_lambdify_matches_hand_written_numpy():
    expr = sym.derivative("exp(-2*x) + 3*sin(3*x)", "x")
    df = sym.lambdify(expr, "x")
    xs = np.linspace(-1, 1, 11)
    np.testing.assert_allclose(df(xs), -2 * np.exp(-2 * xs) + 9 * np.cos(3 * xs), rtol=1e-15, atol=1e-15)
    assert isinstance(sym.lambdify(expr, "x")(0.5), float)
    assert "x" in df.__doc__


@pytest.mark.parametrize("family", sorted(sym.SWELL_FAMILIES))
def test_lambdify_with_cse_gives_the_same_numbers(family):
    df = sp.diff(sym.swell_example(family, 4), x)
    xs = np.linspace(0.1, 0.9, 7)
    np.testing.assert_allclose(sym.lambdify(df, "x", cse=True)(xs), sym.lambdify(df, "x")(xs), rtol=1e-12)


def test_lambdify_broadcasts_constants_and_matrices():
    np.testing.assert_array_equal(sym.lambdify(sym.derivative("3*x", "x"), "x")(np.zeros(4)), [3.0] * 4)
    grad = sym.lambdify(sym.gradient("x**2 + y", "x y"), "x y")
    values = grad(np.array([1.0, 2.0, 3.0]), 0.5)
    assert values.shape == (2, 1, 3)
    np.testing.assert_array_equal(values[:, 0, :], [[2.0, 4.0, 6.0], [1.0, 1.0, 1.0]])
    assert grad(1.0, 2.0).shape == (2, 1)
    with pytest.raises(TypeError, match="argument"):
        grad(1.0)


def test_lambdify_is_quiet_outside_the_domain():
    f = sym.lambdify("log(x) + sqrt(x)", "x")
    values = f(np.array([-1.0, 0.0, 1.0]))  # a RuntimeWarning would be an error under pytest's config
    assert np.isnan(values[0]) and values[1] == -np.inf and values[2] == 1.0


# ---------------------------------------------------------------------------------------------------
# Expression swell
# ---------------------------------------------------------------------------------------------------


def test_expression_size_counts_tree_nodes_and_operations():
    assert sym.expression_size("x") == 1
    assert sym.expression_size("x**2*sin(x)") == 6  # Mul, Pow, x, 2, sin, x
    assert sym.expression_size("x**2*sin(x)", "ops") == 3
    assert sym.expression_size(sp.Matrix([x, x**2])) == 1 + 3
    expr = sp.diff(sym.swell_example("logistic-map", 4), x)
    assert sym.expression_size(expr, "ops") == sp.count_ops(expr)
    assert sym.expression_size(expr, cse=True) < sym.expression_size(expr)
    with pytest.raises(ValueError, match="nodes"):
        sym.expression_size("x", measure="leaves")


def test_expression_size_with_cse_counts_definitions_and_result():
    expr = sp.sin(x + y) * sp.cos(x + y)
    definitions, reduced = sp.cse(expr)
    assert len(definitions) == 1  # x0 = x + y
    assert sym.expression_size(expr, cse=True) == 3 + sum(1 for _ in sp.preorder_traversal(reduced[0]))


def test_swell_examples():
    assert sym.swell_example("product", 3) == sp.sin(x) * sp.sin(2 * x) * sp.sin(3 * x)
    assert sym.swell_example("composition", 2) == sp.sin(sp.sin(x))
    assert sp.expand(sym.swell_example("logistic-map", 3) - 16 * x * (1 - x) * (1 - 2 * x) ** 2) == 0
    assert sym.swell_example("logistic-map", 1) == x
    with pytest.raises(ValueError, match="logistic-map"):
        sym.swell_example("tower", 3)
    with pytest.raises(ValueError, match="n must"):
        sym.swell_example("product", 0)


def test_swell_table_shows_swell_and_what_sharing_does():
    table = sym.swell_table("logistic-map", n_max=7, simplify=False)
    assert table["n"] == list(range(1, 8))
    assert set(table) == {"n", "function", "derivative", "shared"}
    d, shared = np.array(table["derivative"]), np.array(table["shared"])
    assert np.all(np.diff(d) > 0)
    assert d[-1] / d[-2] > 2.4  # exponential growth of the derivative as written by the rules
    assert np.all(shared <= d) and shared[-1] < d[-1] / 10  # sharing keeps it small
    assert shared[-1] - shared[-2] < 2 * (shared[-2] - shared[-3])  # ... and growing slowly
    product = sym.swell_table("product", n_max=6, simplify=False)
    ratio = np.array(product["derivative"]) / np.array(product["function"])
    assert np.all(np.diff(ratio) > 0) and ratio[-1] > 5  # n terms of n factors: quadratic vs linear


def test_swell_table_with_simplification_and_ops():
    table = sym.swell_table("composition", n_max=3, measure="ops")
    assert set(table) == {"n", "function", "derivative", "shared", "simplified"}
    assert all(len(column) == 3 for column in table.values())
    assert table["function"] == [1, 2, 3]  # sin, sin(sin), sin(sin(sin))
    with pytest.raises(ValueError, match="n_max"):
        sym.swell_table(n_max=0)


def test_lambdify_returns_numpys_array_without_copying_it():
    """The wrapper adds no pass over the data: for x² at 10⁶ points the memory it allocates is the one array
    NumPy computes (a copy would double it), and an argument is never handed back as the result."""
    import tracemalloc

    x = np.linspace(-2.0, 2.0, 1_000_000)
    square = sym.lambdify("x**2", "x")
    square(x)                                     # warm up (sympy's caches, NumPy's first call)
    tracemalloc.start()
    result = square(x)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert np.array_equal(result, x**2)
    assert peak < 1.5 * x.nbytes, f"lambdify allocated {peak / x.nbytes:.2f} arrays for one result"
    identity = sym.lambdify("x", "x")(x)
    assert identity is not x and not np.shares_memory(identity, x) and np.array_equal(identity, x)
