"""Tests of calclib.landscapes: every formula against sympy, the known minima, grids, the registry."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import calclib as cl
from calclib import landscapes as L

X, Y = sp.symbols("x y", real=True)

# The formulas as the syllabus writes them, typed here independently of the module.
REFERENCE_2D = {
    "paraboloid": X**2 + Y**2,
    "rosenbrock": (1 - X) ** 2 + 100 * (Y - X**2) ** 2,
    "sauna": 50 - X**2 * (X - 6) * Y**2 * (Y - 6) / 50,
    "three_bumps": 10 - (10 / (3 + 3 * (X - sp.Rational(1, 2)) ** 2 + 3 * (Y - sp.Rational(1, 2)) ** 2)
                         + 2 / (1 + 2 * (X - 3) ** 2 + 2 * (Y - sp.Rational(3, 2)) ** 2)
                         + 3 / (1 + sp.Rational(1, 2) * (X - sp.Rational(7, 2)) ** 2
                                + sp.Rational(1, 2) * (Y - 4) ** 2)),
    "quadratic": 2 * X**2 + 3 * Y**2 - X * Y,
    "quartic": X**4 + sp.Rational(4, 5) * Y**4 + 4 * X**2 + 2 * Y**2 - X * Y - sp.Rational(1, 5) * X**2 * Y,
}
REFERENCE_1D = {
    "parabola": X**2,
    "normal_density": sp.exp(-(X**2) / 2) / sp.sqrt(2 * sp.pi),
    "exp_minus_log": sp.exp(X) - sp.log(X),
}
POINTS_2D = [(0.3, -1.2), (1.0, 3.0), (4.0, 4.0), (-1.2, 1.0), (2.5, 0.7)]


def _numeric(expr, variables=(X, Y)):
    return sp.lambdify(variables, expr, "numpy")


def _gradient(expr):
    return [sp.diff(expr, v) for v in (X, Y)]


def _hessian(expr):
    return sp.hessian(expr, (X, Y))


# --- values, gradients, grids -----------------------------------------------------------------------


@pytest.mark.parametrize("name", list(REFERENCE_2D))
def test_two_variable_values_match_sympy(name):
    f, ref = L.get(name), _numeric(REFERENCE_2D[name])
    for p in POINTS_2D:
        assert float(f(np.array(p))) == pytest.approx(float(ref(*p)), rel=1e-13, abs=1e-13)


@pytest.mark.parametrize("name", list(REFERENCE_1D))
def test_one_variable_values_match_sympy(name):
    f, ref = L.get(name), _numeric(REFERENCE_1D[name], (X,))
    xs = np.array([0.25, 0.5, 1.0, 1.75, 3.0])
    np.testing.assert_allclose(f(xs), ref(xs), rtol=1e-13)
    assert float(f(1.75)) == pytest.approx(float(ref(1.75)), rel=1e-13)


@pytest.mark.parametrize("name", list(REFERENCE_2D))
def test_grid_of_shape_2_by_dots_gives_the_values_pointwise(name):
    f = L.get(name)
    xs, ys = np.meshgrid(np.linspace(-1, 4, 7), np.linspace(0, 5, 5))
    grid = np.stack([xs, ys])  # shape (2, 5, 7)
    values = f(grid)
    assert values.shape == (5, 7)
    pointwise = np.array([[f(np.array([x, y])) for x, y in zip(row_x, row_y)] for row_x, row_y in zip(xs, ys)])
    np.testing.assert_allclose(values, pointwise, rtol=1e-14)


@pytest.mark.parametrize("name", list(REFERENCE_2D))
def test_calclib_gradient_of_each_landscape_matches_sympy(name):
    grad = cl.grad(L.get(name))
    exact = _numeric(sp.Matrix(_gradient(REFERENCE_2D[name])))
    for p in POINTS_2D:
        np.testing.assert_allclose(grad(np.array(p)), np.ravel(exact(*p)).astype(float), rtol=1e-12, atol=1e-10)


@pytest.mark.parametrize("name", ["rosenbrock", "sauna", "three_bumps", "quadratic", "quartic"])
def test_landscapes_are_plain_arithmetic_that_jax_can_trace(name):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    f = L.get(name)
    exact = _numeric(sp.Matrix(_gradient(REFERENCE_2D[name])))
    p = (0.7, 2.2)
    np.testing.assert_allclose(np.asarray(jax.grad(f.f)(jnp.array(p))), np.ravel(exact(*p)).astype(float), rtol=1e-12)


# --- Rosenbrock ---------------------------------------------------------------------------------------


def test_rosenbrock_gradient_by_hand_matches_sympy_and_calclib():
    exact = _numeric(sp.Matrix(_gradient(REFERENCE_2D["rosenbrock"])))
    for p in POINTS_2D:
        np.testing.assert_allclose(L.rosenbrock_gradient(np.array(p)), np.ravel(exact(*p)).astype(float), rtol=1e-13)
        np.testing.assert_allclose(L.rosenbrock_gradient(np.array(p)), cl.grad(L.rosenbrock)(np.array(p)), rtol=1e-13)


def test_rosenbrock_gradient_with_other_a_and_b_matches_sympy():
    a, b = sp.Rational(3, 2), 7
    exact = _numeric(sp.Matrix(_gradient((a - X) ** 2 + b * (Y - X**2) ** 2)))
    p = np.array([0.4, -0.9])
    np.testing.assert_allclose(L.rosenbrock_gradient(p, a=1.5, b=7), np.ravel(exact(*p)).astype(float), rtol=1e-13)
    assert float(L.rosenbrock(np.array([1.5, 2.25]), a=1.5, b=7)) == 0.0


def test_rosenbrock_gradient_works_on_grids():
    xs, ys = np.meshgrid(np.linspace(-2, 2, 4), np.linspace(-1, 3, 3))
    g = L.rosenbrock_gradient(np.stack([xs, ys]))
    assert g.shape == (2, 3, 4)
    np.testing.assert_allclose(g[:, 1, 2], L.rosenbrock_gradient(np.array([xs[1, 2], ys[1, 2]])))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-2, 2), min_size=2, max_size=6))
def test_extended_rosenbrock_is_scipys_rosen(values):
    x = np.array(values)
    assert float(L.rosenbrock_extended(x)) == pytest.approx(scipy.optimize.rosen(x), rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(cl.grad(L.rosenbrock_extended)(x), scipy.optimize.rosen_der(x), rtol=1e-10, atol=1e-10)


def test_extended_rosenbrock_in_two_variables_is_rosenbrock():
    p = np.array([-1.2, 1.0])
    assert float(L.rosenbrock_extended(p)) == pytest.approx(float(L.rosenbrock(p)), rel=1e-15)
    assert float(L.rosenbrock_extended(np.ones(7))) == 0.0


# --- critical points, exactly -----------------------------------------------------------------------


def test_sauna_coldest_point_is_the_only_critical_point_inside_the_room():
    T = REFERENCE_2D["sauna"]
    a, b = sp.symbols("a b", positive=True)  # the open room: x, y > 0 (on the walls x = 0, y = 0, T = 50)
    solutions = sp.solve([d.subs({X: a, Y: b}) for d in _gradient(T)], [a, b], dict=True)
    assert {(s[a], s[b]) for s in solutions} == {(4, 4), (6, 6)}  # (6, 6) lies outside the 5 m × 5 m room
    assert T.subs({X: 4, Y: 4}) == sp.Rational(738, 25)  # 29.52 °C
    assert _hessian(T).subs({X: 4, Y: 4}) == sp.Matrix([[sp.Rational(192, 25), 0], [0, sp.Rational(192, 25)]])
    assert L.LANDSCAPES["sauna"].minima == ((4.0, 4.0),)
    assert float(L.sauna(np.array([4.0, 4.0]))) == pytest.approx(29.52, abs=1e-12)


def test_quadratic_hessian_and_quadratic_form():
    f = REFERENCE_2D["quadratic"]
    H = _hessian(f)
    assert H == sp.Matrix([[4, -1], [-1, 6]])
    assert sorted(H.eigenvals()) == [5 - sp.sqrt(2), 5 + sp.sqrt(2)]
    np.testing.assert_allclose(sorted(float(e) for e in H.eigenvals()), [3.59, 6.41], atol=5e-3)
    p = np.array([1.0, 3.0])
    assert float(L.quadratic(p)) == pytest.approx(0.5 * p @ np.array([[4.0, -1], [-1, 6]]) @ p)


def test_quartic_has_one_critical_point_with_eigenvalues_8_24_and_3_76():
    f = REFERENCE_2D["quartic"]
    assert sp.solve(_gradient(f), [X, Y], dict=True) == [{X: 0, Y: 0}]
    H0 = _hessian(f).subs({X: 0, Y: 0})
    assert sorted(H0.eigenvals()) == [6 - sp.sqrt(5), 6 + sp.sqrt(5)]
    np.testing.assert_allclose(sorted(float(e) for e in H0.eigenvals()), [3.76, 8.24], atol=5e-3)


def test_normal_density_second_derivative_vanishes_at_plus_minus_one():
    phi = REFERENCE_1D["normal_density"]
    assert set(sp.solve(sp.diff(phi, X, 2), X)) == {-1, 1}
    assert sp.solve(sp.diff(phi, X), X) == [0]


def test_omega_is_the_minimizer_of_exp_minus_log():
    assert L.OMEGA == pytest.approx(float(sp.LambertW(1)), rel=1e-15)
    f = REFERENCE_1D["exp_minus_log"]
    assert float(sp.diff(f, X).subs(X, sp.LambertW(1)).evalf(30)) == pytest.approx(0, abs=1e-25)


def test_three_bumps_minima_are_local_minima():
    f = REFERENCE_2D["three_bumps"]
    grad, hess = _numeric(sp.Matrix(_gradient(f))), _numeric(_hessian(f))
    minima = L.LANDSCAPES["three_bumps"].minima
    values = [float(L.three_bumps(np.array(m))) for m in minima]
    assert values == sorted(values)  # the global minimum first
    for m in minima:
        assert np.linalg.norm(np.asarray(grad(*m), dtype=float)) < 1e-12
        assert np.all(np.linalg.eigvalsh(np.asarray(hess(*m), dtype=float)) > 0)
        ref = scipy.optimize.minimize(L.three_bumps, np.array(m) + 0.1, method="BFGS", options={"gtol": 1e-10})
        np.testing.assert_allclose(ref.x, m, atol=1e-7)


@pytest.mark.parametrize("name", L.names())
def test_registry_minima_are_critical_points_inside_the_plot_box(name):
    entry = L.get(name)
    for point in entry.minima + entry.maxima:
        p = np.atleast_1d(np.asarray(point, dtype=float))
        for value, (lo, hi) in zip(p, entry.domain):
            assert lo <= value <= hi
        arg = float(point) if entry.dim == 1 else np.array(point, dtype=float)
        assert np.linalg.norm(np.atleast_1d(cl.grad(entry.f)(arg))) < 1e-9


# --- the registry -------------------------------------------------------------------------------------


def test_registry_has_every_landscape_of_the_syllabus():
    assert L.names() == ["parabola", "paraboloid", "rosenbrock", "sauna", "three_bumps", "quadratic", "quartic",
                         "normal_density", "exp_minus_log"]
    assert all(L.get(n).dim == len(L.get(n).domain) for n in L.names())
    assert L.get(L.LANDSCAPES["sauna"]) is L.LANDSCAPES["sauna"]
    assert L.get("Three bumps") is L.LANDSCAPES["three_bumps"]


def test_unknown_landscape_names_the_valid_ones():
    with pytest.raises(ValueError, match="Did you mean 'rosenbrock'"):
        L.get("rosenbrok")
    with pytest.raises(TypeError, match="must be a string"):
        L.get(3)
