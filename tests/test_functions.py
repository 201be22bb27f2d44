"""Tests of calclib.functions: every analytic derivative against sympy's exact one, domains, errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from calclib import functions as F
from calclib.finite_diff import central_difference

X = sp.Symbol("x", real=True)

# The reference formulas, written here independently of the catalogue's own `sympy` strings.
REFERENCE = {
    "constant": sp.Integer(2),
    "linear": sp.Rational(1, 2) * X + 1,
    "square": X**2,
    "cube": X**3,
    "reciprocal": 1 / X,
    "sqrt": sp.sqrt(X),
    "exp": sp.exp(X),
    "ln": sp.log(X),
    "log10": sp.log(X) / sp.log(10),
    "sin": sp.sin(X),
    "cos": sp.cos(X),
    "abs": sp.Abs(X),
    "sigmoid": 1 / (1 + sp.exp(-X)),
    "relu": sp.Max(X, 0),
    "tanh": sp.tanh(X),
}

# Points inside the domain of the derivative, and points outside the domain of the function.
INSIDE = {
    "reciprocal": [-3.0, -0.5, 0.25, 2.0],
    "sqrt": [1e-3, 0.25, 2.0, 9.0],
    "ln": [1e-3, 0.5, 1.0, 7.5],
    "log10": [1e-3, 0.5, 1.0, 7.5],
    "abs": [-2.5, -0.1, 0.1, 3.0],
    "relu": [-2.5, -0.1, 0.1, 3.0],
}
DEFAULT_INSIDE = [-2.5, -0.7, 0.0, 0.3, 1.9]
OUTSIDE = {"reciprocal": [0.0], "sqrt": [-1.0, -1e-9], "ln": [0.0, -2.0], "log10": [0.0, -2.0]}
NOT_DIFFERENTIABLE = {"reciprocal": [0.0], "sqrt": [0.0], "ln": [0.0], "log10": [0.0], "abs": [0.0], "relu": [0.0]}


def test_catalogue_has_every_function_of_the_syllabus():
    assert F.names() == list(REFERENCE)
    assert set(F.CATALOGUE) == set(REFERENCE)


@pytest.mark.parametrize("name", list(REFERENCE))
def test_value_and_derivative_match_sympy(name):
    fn = F.get(name)
    expr = REFERENCE[name]
    dexpr = sp.diff(expr, X)
    for x in INSIDE.get(name, DEFAULT_INSIDE):
        exact = float(expr.subs(X, sp.Float(x, 30)).evalf(30))
        dexact = float(dexpr.subs(X, sp.Float(x, 30)).evalf(30))
        assert fn(x) == pytest.approx(exact, rel=1e-13, abs=1e-15), (name, x)
        assert fn.derivative(x) == pytest.approx(dexact, rel=1e-12, abs=1e-15), (name, x)


@pytest.mark.parametrize("name", list(REFERENCE))
def test_sympy_string_of_each_entry_is_the_same_function(name):
    fn = F.get(name)
    lam = sp.lambdify(X, fn.to_sympy(X), "numpy")
    x = np.array(INSIDE.get(name, DEFAULT_INSIDE))
    np.testing.assert_allclose(np.broadcast_to(lam(x), x.shape), fn(x), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", list(REFERENCE))
def test_array_in_array_out_and_float_for_a_number(name):
    fn = F.get(name)
    x = np.array(INSIDE.get(name, DEFAULT_INSIDE)).reshape(2, 2) if name in INSIDE else np.ones((2, 3))
    assert fn(x).shape == x.shape and fn.derivative(x).shape == x.shape
    assert isinstance(fn(1.0), float) and isinstance(fn.derivative(1.0), float)
    assert isinstance(fn(1), float)  # integers are promoted


@pytest.mark.parametrize("name", sorted(OUTSIDE))
def test_nan_outside_the_domain_without_a_warning(name):
    fn = F.get(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values = fn(OUTSIDE[name])
        slopes = fn.derivative(OUTSIDE[name])
    assert np.all(np.isnan(values)) and np.all(np.isnan(slopes))
    assert not np.any(fn.in_domain(OUTSIDE[name]))


@pytest.mark.parametrize("name", sorted(NOT_DIFFERENTIABLE))
def test_nan_where_the_derivative_does_not_exist(name):
    fn = F.get(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(fn.derivative(0.0))
    assert fn.differentiable_at(0.0) is False


def test_sqrt_is_defined_at_zero_but_not_differentiable_there():
    sqrt = F.get("sqrt")
    assert sqrt(0.0) == 0.0 and sqrt.in_domain(0.0) is True
    assert np.isnan(sqrt.derivative(0.0))
    # the difference quotient from the right grows without bound: a vertical tangent
    assert sqrt(1e-12) / 1e-12 == pytest.approx(1e6)


def test_corner_conventions():
    relu, absolute = F.get("relu"), F.get("abs")
    assert relu.derivative(0.0, convention=True) == 0.0
    assert absolute.derivative(0.0, convention=True) == 0.0
    np.testing.assert_array_equal(relu.derivative([-1.0, 0.0, 2.0], convention=True), [0.0, 0.0, 1.0])
    # the convention does not touch points where the derivative exists, nor other functions
    assert F.get("square").derivative(0.0, convention=True) == 0.0
    assert np.isnan(F.get("sqrt").derivative(0.0, convention=True))


def test_corner_conventions_against_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    assert float(jax.grad(jax.nn.relu)(0.0)) == F.get("relu").derivative(0.0, convention=True)
    # documented disagreements: a tie in maximum splits the gradient; |x| takes the right slope
    assert float(jax.grad(lambda x: jax.numpy.maximum(x, 0.0))(0.0)) == 0.5
    assert float(jax.grad(jax.numpy.abs)(0.0)) == 1.0


def test_sigmoid_is_stable_and_accurate_in_the_tails():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = F.sigmoid(np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0]))
        ds = F.get("sigmoid").derivative(np.array([-1000.0, -40.0, 40.0, 1000.0]))
    assert s[0] == 0.0 and s[2] == 0.5 and s[4] == 1.0
    exact = float((1 / (1 + sp.exp(40))).evalf(30))
    assert s[1] == pytest.approx(exact, rel=1e-14)
    dexact = float(sp.diff(REFERENCE["sigmoid"], X).subs(X, 40).evalf(30))
    assert ds[1] == pytest.approx(dexact, rel=1e-13) and ds[2] == pytest.approx(dexact, rel=1e-13)
    assert ds[0] == 0.0 and ds[3] == 0.0
    assert F.sigmoid(0) == 0.5


def test_tanh_derivative_has_no_overflow():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert F.get("tanh").derivative(800.0) == 0.0


def test_exp_overflow_is_a_silent_inf():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert F.get("exp")(1000.0) == np.inf


def test_nan_input_gives_nan():
    for fn in F.CATALOGUE.values():
        assert np.isnan(fn(np.nan)) and np.isnan(fn.derivative(np.nan))


def test_families():
    c = F.constant(-3)
    assert c(5.0) == -3.0 and c.derivative(5.0) == 0.0 and c.latex == "-3"
    line = F.linear(m=2, b=-1)
    assert line(3.0) == 5.0 and line.derivative([1.0, 7.0]).tolist() == [2.0, 2.0]
    assert line.latex == "2x - 1"
    assert float(sp.diff(line.to_sympy(X), X)) == 2.0


@pytest.mark.parametrize("bad", ["1.0", None, [1, "a"], 1 + 2j, True])
def test_non_numeric_input_is_a_type_error(bad):
    with pytest.raises(TypeError, match="real number"):
        F.get("sin")(bad)
    with pytest.raises(TypeError):
        F.get("sin").derivative(bad)


def test_unknown_name_lists_the_valid_names():
    with pytest.raises(ValueError, match="sigmoid") as info:
        F.get("sigmod")
    assert "Did you mean 'sigmoid'" in str(info.value)
    assert all(name in str(info.value) for name in F.CATALOGUE)
    with pytest.raises(TypeError):
        F.get(3)
    assert F.get("  LN ") is F.get("ln")
    assert F.get(F.get("ln")) is F.get("ln")


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["square", "cube", "exp", "sin", "cos", "sigmoid", "tanh", "ln", "sqrt", "reciprocal"]),
       st.floats(min_value=0.05, max_value=3.0))
def test_derivative_agrees_with_central_difference(name, x):
    fn = F.get(name)
    assert fn.derivative(x) == pytest.approx(central_difference(fn, x, h=1e-6), rel=1e-6, abs=1e-8)


def test_catalogue_functions_can_be_differentiated_by_calclib():
    """Inside cl.grad / cl.derivative a catalogue function applies its formula, so AD agrees with the
    catalogue's analytic derivative (an independent, hand-written formula)."""
    import calclib as cl

    points = np.array([0.3, 0.9, 1.7, 2.5])
    for name in ["square", "cube", "reciprocal", "sqrt", "exp", "ln", "log10", "sin", "cos", "sigmoid", "tanh"]:
        f = F.get(name)
        for mode in ("reverse", "forward"):
            np.testing.assert_allclose(cl.derivative(f, mode=mode)(points), f.derivative(points), rtol=1e-12,
                                       err_msg=f"{name} in {mode} mode")
    np.testing.assert_allclose(cl.grad(lambda z: np.sum(F.sigmoid(z)))(points),
                               F.get("sigmoid").derivative(points), rtol=1e-12)
