"""Tests of calclib.optimize: every ★ of the syllabus pinned, against independent references.

References: scipy.optimize (the same minimizers), sympy (exact critical points and derivatives),
numbers computed by hand, and JAX in float64. Long runs use the hand-derived ``rosenbrock_gradient``;
shorter ones go through calclib's own differentiation (the default ``grad="reverse"``).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import scipy.optimize
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import calclib as cl
from calclib import landscapes as L
from calclib import optimize as O

X, Y = sp.symbols("x y", real=True)
ONES = np.ones(2)


def _sauna_gradient(p):  # by hand, for comparing with the default (AD) gradient
    x, y = p
    return np.array([-(3 * x**2 - 12 * x) * y**2 * (y - 6) / 50, -(x**2) * (x - 6) * (3 * y**2 - 12 * y) / 50])


def _rosenbrock_hessian(p):
    x, y = p
    return np.array([[2 - 400 * (y - x**2) + 800 * x**2, -400 * x], [-400 * x, 200.0]])


# --- the result object ----------------------------------------------------------------------------------


def test_result_is_a_frozen_dataclass_with_the_trajectory():
    res = O.gradient_descent(L.paraboloid, [2.9, -2.9], 0.025)
    assert dataclasses.is_dataclass(res)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.x = 0
    assert res.path.shape == (res.nit + 1, 2)
    assert res.values.shape == res.grad_norms.shape == (res.nit + 1,)
    np.testing.assert_array_equal(res.path[0], [2.9, -2.9])
    np.testing.assert_array_equal(res.path[-1], res.x)
    assert res.fun == res.values[-1] == L.paraboloid(res.x)
    np.testing.assert_allclose(res.grad_norms, 2 * np.linalg.norm(res.path, axis=1), rtol=1e-14)
    assert not res.path.flags.writeable
    text = repr(res)
    assert "converged:  True" in text and "nit:" in text and f"({res.nit + 1}, 2)" in text


def test_scalars_in_scalars_out():
    res = O.gradient_descent(L.parabola, 5, 0.1, steps=3, tol=0)
    assert isinstance(res.x, float) and isinstance(res.fun, float)
    assert res.path.shape == (4,)
    np.testing.assert_allclose(res.path, [5, 4, 3.2, 2.56], rtol=1e-15)


# --- ★ gradient descent ---------------------------------------------------------------------------------


def test_star_parabola_25_steps_from_5():
    res = O.gradient_descent(L.parabola, 5.0, learning_rate=0.1, steps=25, tol=0)
    assert res.nit == 25
    assert res.x == pytest.approx(5 * 0.8**25, abs=1e-12)
    np.testing.assert_allclose(res.path, 5 * 0.8 ** np.arange(26), rtol=1e-13, atol=1e-15)
    assert res.status == "max_iter" and not res.converged and "ran all 25 steps" in res.message


def test_star_paraboloid_from_2_9_minus_2_9():
    res = O.gradient_descent(L.paraboloid, [2.9, -2.9], learning_rate=0.025)
    # x_k = 0.95^k x_0 exactly; stop at the first k with 2·0.95^k·‖x_0‖ < 1e-6.
    k = int(np.ceil(np.log(1e-6 / (2 * np.hypot(2.9, 2.9))) / np.log(0.95)))
    assert res.converged and res.nit == k == 311
    np.testing.assert_allclose(res.path, np.outer(0.95 ** np.arange(k + 1), [2.9, -2.9]), rtol=1e-12)
    ref = scipy.optimize.minimize(L.paraboloid, [2.9, -2.9], method="BFGS")
    np.testing.assert_allclose(res.x, ref.x, atol=1e-6)


def test_star_rosenbrock_from_0_1_3_plain_is_slow_momentum_helps():
    plain = O.gradient_descent(L.rosenbrock, [0.1, 3], 1e-3, steps=50_000, grad=L.rosenbrock_gradient)
    heavy = O.gradient_descent(L.rosenbrock, [0.1, 3], 1e-3, steps=50_000, momentum=0.8, grad=L.rosenbrock_gradient)
    assert plain.converged and heavy.converged
    assert plain.nit == pytest.approx(30_165, abs=10)
    assert heavy.nit == pytest.approx(6_259, abs=10)
    # After 1000 steps plain gradient descent is still crawling along the valley y ≈ x².
    np.testing.assert_allclose(plain.path[1000], [1.107445, 1.226837], atol=1e-6)
    assert plain.values[1000] == pytest.approx(0.0115607, rel=1e-5)
    for res in (plain, heavy):
        np.testing.assert_allclose(res.x, ONES, atol=1e-5)


def test_star_rosenbrock_momentum_through_calclib_reverse_mode():
    by_hand = O.gradient_descent(L.rosenbrock, [0.1, 3], 1e-3, steps=1000, tol=0, momentum=0.8,
                                 grad=L.rosenbrock_gradient)
    by_ad = O.gradient_descent(L.rosenbrock, [0.1, 3], 1e-3, steps=1000, tol=0, momentum=0.8)
    np.testing.assert_allclose(by_ad.path, by_hand.path, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(by_ad.x, [0.951706, 0.905546], atol=1e-6)


def test_star_sauna_learning_rate_0_1_converges_0_3_does_not():
    good = O.gradient_descent(L.sauna, [1, 3], 0.1)
    bad = O.gradient_descent(L.sauna, [1, 3], 0.3)
    assert good.converged and good.nit == 15
    np.testing.assert_allclose(good.x, [4, 4], atol=1e-6)  # the coldest point (sympy: test_landscapes)
    assert good.fun == pytest.approx(29.52, abs=1e-10)
    # 0.3 > 2 / 7.68 (the Hessian at (4, 4) is 7.68 I): the iterates end in a 2-cycle across the valley.
    assert not bad.converged and bad.nit == 1000
    np.testing.assert_allclose(bad.path[-2:], [[2.74317697, 4], [4.72904525, 4]], atol=1e-7)
    assert bad.status == "max_iter" and "oscillate" in bad.message and "learning rate" in bad.message
    ref = scipy.optimize.minimize(L.sauna, [1, 3], jac=_sauna_gradient, bounds=[(0, 5), (0, 5)])
    np.testing.assert_allclose(good.x, ref.x, atol=1e-5)


def test_star_sauna_default_gradient_is_the_hand_derived_one():
    by_hand = O.gradient_descent(L.sauna, [1, 3], 0.1, grad=_sauna_gradient)
    np.testing.assert_allclose(O.gradient_descent(L.sauna, [1, 3], 0.1).path, by_hand.path, rtol=1e-12)


@pytest.mark.parametrize("start, minimum", [((1, 3), 2), ((1.2, 3), 1), ((0.6, 3), 0)])
def test_star_three_bumps_start_decides_the_minimum(start, minimum):
    res = O.gradient_descent(L.three_bumps, start, 0.1)
    assert res.converged
    expected = L.LANDSCAPES["three_bumps"].minima[minimum]
    np.testing.assert_allclose(res.x, expected, atol=1e-5)
    polished = scipy.optimize.minimize(L.three_bumps, res.x, method="BFGS", options={"gtol": 1e-10})
    np.testing.assert_allclose(res.x, polished.x, atol=1e-5)


def test_target_rosenbrock_plain_step_1e_3_needs_32076_iterations_momentum_a_fifth():
    plain = O.gradient_descent(L.rosenbrock, [-1.2, 1], 1e-3, steps=40_000, grad=L.rosenbrock_gradient)
    heavy = O.gradient_descent(L.rosenbrock, [-1.2, 1], 1e-3, steps=40_000, momentum=0.9, grad=L.rosenbrock_gradient)
    assert plain.converged and heavy.converged
    assert plain.nit == pytest.approx(32_076, abs=10)
    assert heavy.nit < plain.nit / 5
    assert heavy.nit == pytest.approx(3_020, abs=10)
    ref = scipy.optimize.minimize(scipy.optimize.rosen, [-1.2, 1], jac=scipy.optimize.rosen_der, method="BFGS")
    np.testing.assert_allclose(heavy.x, ref.x, atol=1e-5)


def test_nesterov_uses_the_look_ahead_gradient():
    f, g = L.paraboloid, (lambda p: 2 * p)
    res = O.gradient_descent(f, [1.0, -2.0], 0.1, steps=2, tol=0, momentum=0.5, nesterov=True, grad=g)
    x0 = np.array([1.0, -2.0])
    v1 = -0.1 * g(x0)
    x1 = x0 + v1
    v2 = 0.5 * v1 - 0.1 * g(x1 + 0.5 * v1)
    np.testing.assert_allclose(res.path, [x0, x1, x1 + v2], rtol=1e-15)
    fast = O.gradient_descent(L.rosenbrock, [-1.2, 1], 1e-3, steps=10_000, momentum=0.9, nesterov=True,
                              grad=L.rosenbrock_gradient)
    assert fast.converged and fast.nit == pytest.approx(3_067, abs=10)


def test_armijo_line_search_decreases_f_every_step():
    res = O.gradient_descent(L.rosenbrock, [-1.2, 1], learning_rate=1.0, steps=200, line_search="armijo")
    assert np.all(np.diff(res.values) < 0)
    assert O.armijo_step(lambda x: x**2, 1.0, direction=-2.0, gradient=2.0, t0=1.0) == 0.5
    assert O.armijo_step(lambda x: x**2, 1.0, direction=-2.0, gradient=2.0, t0=0.25) == 0.25


def test_gradient_modes_agree():
    paths = [O.gradient_descent(L.three_bumps, (1, 3), 0.1, steps=20, tol=0, grad=mode).path for mode in O.MODES]
    for path in paths[1:]:
        np.testing.assert_allclose(path, paths[0], rtol=1e-6)


@settings(max_examples=20, deadline=None)
@given(st.floats(0.5, 5), st.floats(0.5, 5), st.floats(-0.4, 0.4), st.floats(-3, 3), st.floats(-3, 3))
def test_gradient_descent_on_a_convex_quadratic_reaches_the_solution_of_Hx_eq_b(a, c, r, b1, b2):
    H = np.array([[a, r], [r, c]])
    b = np.array([b1, b2])
    res = O.gradient_descent(lambda x: 0.5 * x @ H @ x - b @ x, np.zeros(2), 1 / (a + c + 1), steps=20_000,
                             tol=1e-9, grad=lambda x: H @ x - b)
    assert res.converged
    np.testing.assert_allclose(res.x, np.linalg.solve(H, b), atol=1e-8 / min(np.linalg.eigvalsh(H)))


# --- ★ Newton ---------------------------------------------------------------------------------------------


def test_star_newton_exp_minus_log_from_1_75_applies_its_last_step():
    """4 steps reach 1e-6 of Ω = W(1); the fifth, shorter than tol = 1e-4, is taken too and ends 1e-12 away."""
    res = O.newton(L.exp_minus_log, 1.75)
    assert res.converged and res.status == "converged" and res.nit == 5
    assert round(res.x, 4) == 0.5671
    omega = float(sp.LambertW(1))
    assert abs(res.path[4] - omega) == pytest.approx(1.0e-6, rel=0.05)   # where the old test stopped
    assert abs(res.x - omega) < 2e-12
    assert 1e-7 < abs(res.path[5] - res.path[4]) < 1e-4                  # the step that passed the test
    # by hand: x ← x − (eˣ − 1/x)/(eˣ + 1/x²)
    x, path = 1.75, [1.75]
    for _ in range(5):
        x -= (np.exp(x) - 1 / x) / (np.exp(x) + 1 / x**2)
        path.append(x)
    np.testing.assert_allclose(res.path, path, rtol=1e-14)
    ref = scipy.optimize.newton(lambda t: np.exp(t) - 1 / t, 1.75, fprime=lambda t: np.exp(t) + 1 / t**2)
    assert res.x == pytest.approx(ref, abs=1e-11)


@pytest.mark.parametrize("f, kind", [(lambda x: x**2, "minimum"), (lambda x: -(x**2), "maximum")])
def test_star_newton_x2_and_minus_x2_in_one_step(f, kind):
    res = O.newton(f, 3.0)
    assert res.nit == 1 and res.x == 0.0
    assert O.classify_critical_point(f, res.x) == kind
    if kind == "maximum":   # Newton finds the critical point, and says it is not a minimum
        assert not res.converged and res.status == "not_a_minimum" and "a maximum" in res.message
        assert len(res.warnings) == 1 and "uphill" in res.warnings[0] and "uphill" in res.message
    else:
        assert res.converged and res.status == "converged" and res.warnings == ()


@pytest.mark.parametrize("f, x0, kind", [(lambda x: x**3, 0.0, "undecided"), (lambda x: 3 * x - x**3, 0.5, "maximum"),
                                         (lambda p: p[0] ** 2 - p[1] ** 2, [1.0, 2.0], "saddle")])
def test_newton_does_not_call_a_critical_point_that_is_not_a_minimum_converged(f, x0, kind):
    res = O.newton(f, x0)
    assert O.classify_critical_point(f, res.x) == kind          # the independent second-derivative test
    assert not res.converged and res.status == "not_a_minimum"
    assert {"undecided": "cannot decide", "maximum": "a maximum", "saddle": "a saddle"}[kind] in res.message


def test_star_newton_fails_on_the_normal_density_at_1():
    res = O.newton(L.normal_density, 1.0)
    assert not res.converged and res.status == "singular" and res.nit == 0 and res.x == 1.0
    assert "second derivative is zero at x = 1" in res.message and "undefined" in res.message


def test_star_newton_quadratic_in_one_step():
    res = O.newton(L.quadratic, [1.0, 3.0])
    assert res.converged and res.nit == 1
    np.testing.assert_allclose(res.x, [0, 0], atol=1e-15)
    np.testing.assert_allclose(cl.hessian(L.quadratic)(res.x), [[4, -1], [-1, 6]])


def test_star_newton_quartic_from_4_4_in_8_steps():
    res = O.newton(L.quartic, [4.0, 4.0])
    assert res.converged and res.nit == 8   # the eighth step is the one shorter than tol
    np.testing.assert_allclose(res.x, [0, 0], atol=1e-7)
    H = cl.hessian(L.quartic)(res.x)
    np.testing.assert_allclose(sorted(np.linalg.eigvalsh(H)), [6 - np.sqrt(5), 6 + np.sqrt(5)], atol=1e-6)
    np.testing.assert_allclose(sorted(np.linalg.eigvalsh(H)), [3.76, 8.24], atol=5e-3)
    assert O.classify_critical_point(L.quartic, res.x) == "minimum"
    ref = scipy.optimize.minimize(L.quartic, [4, 4], jac=cl.grad(L.quartic), hess=cl.hessian(L.quartic),
                                  method="trust-exact")
    np.testing.assert_allclose(res.x, ref.x, atol=1e-6)


def test_newton_path_matches_jax_float64():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    f = lambda p: p[0] ** 4 + 0.8 * p[1] ** 4 + 4 * p[0] ** 2 + 2 * p[1] ** 2 - p[0] * p[1] - 0.2 * p[0] ** 2 * p[1]
    hessian, grad = jax.jit(jax.hessian(f)), jax.jit(jax.grad(f))
    p, path = np.array([4.0, 4.0]), []
    for _ in range(9):
        path.append(p)
        p = p - np.linalg.solve(np.asarray(hessian(jnp.asarray(p))), np.asarray(grad(jnp.asarray(p))))
    np.testing.assert_allclose(O.newton(L.quartic, [4.0, 4.0]).path, path, rtol=1e-10, atol=1e-14)


def test_target_newton_armijo_on_rosenbrock_reaches_1e_8_within_25_iterations():
    res = O.newton(L.rosenbrock, [-1.2, 1.0], tol=1e-10, line_search="armijo")
    errors = np.linalg.norm(res.path - ONES, axis=1)
    first = int(np.argmax(errors < 1e-8))
    assert errors[first] < 1e-8 and first <= 25
    assert first == 21
    assert np.all(np.diff(res.values) <= 0)  # a descent method
    ref = scipy.optimize.minimize(scipy.optimize.rosen, [-1.2, 1], jac=scipy.optimize.rosen_der,
                                  hess=scipy.optimize.rosen_hess, method="trust-exact")
    np.testing.assert_allclose(res.x, ref.x, atol=1e-8)


def test_newton_with_hand_derivatives_matches_the_default():
    by_hand = O.newton(L.rosenbrock, [-1.2, 1.0], tol=1e-10, line_search="armijo", grad=L.rosenbrock_gradient,
                       hessian=_rosenbrock_hessian)
    np.testing.assert_allclose(by_hand.path, O.newton(L.rosenbrock, [-1.2, 1.0], tol=1e-10, line_search="armijo").path,
                               rtol=1e-10, atol=1e-14)


def test_newton_armijo_stays_a_descent_method_at_an_indefinite_hessian():
    saddle = lambda p: p[0] ** 2 - p[1] ** 2 + p[1] ** 4  # minima at (0, ±1/√2), saddle at the origin
    plain = O.newton(saddle, [0.5, 0.3])
    damped = O.newton(saddle, [0.5, 0.3], line_search="armijo")
    assert plain.status == "not_a_minimum" and O.classify_critical_point(saddle, plain.x) == "saddle"
    assert any("uphill" in w for w in plain.warnings)
    assert damped.converged and O.classify_critical_point(saddle, damped.x) == "minimum"
    np.testing.assert_allclose(np.abs(damped.x), [0, 1 / np.sqrt(2)], atol=1e-6)
    assert np.all(np.diff(damped.values) < 0)
    assert any("−∇f instead" in w for w in damped.warnings)


def test_newton_singular_hessian_is_named():
    res = O.newton(lambda p: (p[0] + p[1]) ** 2, [1.0, 2.0])
    assert res.status == "singular" and not res.converged and "Hessian is singular" in res.message


# --- Newton–Raphson for roots ---------------------------------------------------------------------------


def test_newton_root_sqrt2_and_a_vector_system():
    res = O.newton_root(lambda x: x**2 - 2, 1.0)
    assert res.converged and res.x == pytest.approx(np.sqrt(2), rel=1e-15)
    np.testing.assert_allclose(res.path[:4], [1, 1.5, 17 / 12, 577 / 408], rtol=1e-15)  # by hand
    system = lambda p: np.stack([p[0] ** 2 + p[1] ** 2 - 4, p[0] - p[1]])
    res2 = O.newton_root(system, [1.0, 2.0])
    np.testing.assert_allclose(res2.x, [np.sqrt(2), np.sqrt(2)], rtol=1e-15)
    ref = scipy.optimize.fsolve(system, [1.0, 2.0])
    np.testing.assert_allclose(res2.x, ref, rtol=1e-12)
    assert res2.values.shape == (res2.nit + 1, 2) and res2.residual_norms[-1] < 1e-14


def test_newton_root_on_f_prime_is_newton_on_f():
    root = O.newton_root(cl.derivative(L.exp_minus_log), 1.75, tol=1e-4)
    np.testing.assert_allclose(root.path, O.newton(L.exp_minus_log, 1.75).path, rtol=1e-14)


def test_newton_root_flat_tangent():
    res = O.newton_root(lambda x: x**2 + 1, 0.0)
    assert res.status == "singular" and not res.converged and "derivative is zero at x = 0" in res.message


# --- SGD ------------------------------------------------------------------------------------------------


def _regression(m=200, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 2))
    y = X @ np.array([2.0, -1.0]) + 0.5 + 0.1 * rng.normal(size=m)
    return np.column_stack([X, np.ones(m)]), y


def _mse(w, batch):
    X, y = batch
    return 0.5 * np.mean((y - X @ w) ** 2)


def test_sgd_fits_least_squares_and_is_reproducible():
    X, y = _regression()
    res = O.sgd(_mse, np.zeros(3), (X, y), batch_size=20, learning_rate=0.1, epochs=30, seed=0)
    again = O.sgd(_mse, np.zeros(3), (X, y), batch_size=20, learning_rate=0.1, epochs=30, seed=0)
    np.testing.assert_array_equal(res.path, again.path)
    exact = np.linalg.lstsq(X, y, rcond=None)[0]
    np.testing.assert_allclose(res.x, exact, atol=0.02)
    assert res.nit == 30 and res.path.shape == (31, 3) and res.batch_losses.shape == (300,)
    assert res.values[-1] < 0.01 * res.values[0] and res.converged


def test_sgd_with_one_batch_is_gradient_descent():
    X, y = _regression(50)
    grad = lambda w, batch: -batch[0].T @ (batch[1] - batch[0] @ w) / len(batch[1])
    sgd = O.sgd(_mse, np.zeros(3), (X, y), batch_size=50, learning_rate=0.2, epochs=10, seed=3, grad=grad)
    gd = O.gradient_descent(lambda w: _mse(w, (X, y)), np.zeros(3), 0.2, steps=10, tol=0,
                            grad=lambda w: grad(w, (X, y)))
    np.testing.assert_allclose(sgd.path, gd.path, rtol=1e-12)


def test_sgd_shuffles_each_epoch_with_the_seed():
    seen = []

    def grad(w, batch):
        seen.append(batch[0].copy())
        return 0.0

    O.sgd(lambda w, batch: 0.0 * w, 0.0, (np.arange(6.0),), batch_size=3, learning_rate=0.1, epochs=2, seed=7,
          grad=grad)
    rng = np.random.default_rng(7)
    first, second = rng.permutation(6), rng.permutation(6)
    # calls: full data, two batches of epoch 1, full data, two batches of epoch 2, full data
    np.testing.assert_array_equal(np.concatenate(seen[1:3]), first)
    np.testing.assert_array_equal(np.concatenate(seen[4:6]), second)
    assert not np.array_equal(first, second)


def test_sgd_divergence():
    X, y = _regression(40)
    res = O.sgd(_mse, np.zeros(3), (X, y), batch_size=10, learning_rate=50.0, epochs=200, seed=0)
    assert res.status == "diverged" and not res.converged and "smaller learning_rate" in res.message
    assert np.all(np.isfinite(res.path))


# --- classification -------------------------------------------------------------------------------------


@pytest.mark.parametrize("f, x, kind", [
    (L.quadratic, [0.0, 0.0], "minimum"),
    (lambda p: -L.quadratic(p), [0.0, 0.0], "maximum"),
    (lambda p: p[0] ** 2 - p[1] ** 2, [0.0, 0.0], "saddle"),
    (lambda x: x**4, 0.0, "undecided"),
    (lambda x: -(x**4), 0.0, "undecided"),
    (lambda x: x**3, 0.0, "undecided"),
    (lambda p: p[0] ** 2 + p[1] ** 4, [0.0, 0.0], "undecided"),
    (L.sauna, [4.0, 4.0], "minimum"),
    (L.normal_density, 0.0, "maximum"),
    (L.exp_minus_log, L.OMEGA, "minimum"),
])
def test_classify_critical_point(f, x, kind):
    assert O.classify_critical_point(f, x) == kind


def test_classify_agrees_with_sympy_on_the_sauna_critical_points():
    T = 50 - X**2 * (X - 6) * Y**2 * (Y - 6) / 50
    for point in [(4, 4), (6, 6), (4, 6), (6, 4)]:
        eig = sp.hessian(T, (X, Y)).subs({X: point[0], Y: point[1]}).eigenvals(multiple=True)  # exact
        signs = {sp.sign(e) for e in eig}
        expected = {frozenset({1}): "minimum", frozenset({-1}): "maximum", frozenset({-1, 1}): "saddle"}.get(
            frozenset(signs), "undecided")
        assert O.classify_critical_point(L.sauna, np.array(point, dtype=float)) == expected


# --- divergence and bad input ---------------------------------------------------------------------------


def test_divergence_is_reported_without_warnings_or_nan():
    res = O.gradient_descent(L.parabola, 5.0, learning_rate=1.5)  # x ← −2x
    assert res.status == "diverged" and not res.converged
    assert res.message.startswith("diverged at step") and "smaller learning_rate" in res.message
    assert np.isfinite(res.x) and np.all(np.isfinite(res.path)) and np.all(np.isfinite(res.values))
    step = int(res.message.split()[3].rstrip(":"))
    assert res.nit == step - 1 and res.path[-1] == res.x


def test_divergence_to_inf_and_nan_returns_the_last_finite_iterate():
    res = O.gradient_descent(lambda x: np.exp(x**2), 3.0, learning_rate=1.0)  # overflows at once
    assert res.status == "diverged" and res.nit == 0 and res.x == 3.0 and "diverged at step 1" in res.message
    res = O.newton_root(np.log, 3.0)  # x₁ = 3 − 3 ln 3 < 0: outside the domain of ln
    assert res.status == "diverged" and "diverged at step 1" in res.message and "domain" in res.message
    assert res.x == 3.0 and res.path.shape == (1,)


def test_sauna_with_a_large_step_leaves_the_room_and_diverges():
    res = O.gradient_descent(L.sauna, [1, 3], 0.5)
    assert res.status == "diverged" and not res.converged and "learning_rate (it was 0.5)" in res.message


@pytest.mark.parametrize("kwargs, error, match", [
    ({"learning_rate": 0.0}, ValueError, "learning_rate"),
    ({"learning_rate": -0.1}, ValueError, "learning_rate"),
    ({"learning_rate": "big"}, TypeError, "learning_rate"),
    ({"x0": [np.nan, 1.0]}, ValueError, "x0 must be finite"),
    ({"x0": "start"}, TypeError, "x0"),
    ({"steps": 2.5}, TypeError, "steps"),
    ({"steps": -1}, ValueError, "steps"),
    ({"tol": -1}, ValueError, "tol"),
    ({"momentum": 1.0}, ValueError, "momentum"),
    ({"nesterov": True}, ValueError, "momentum > 0"),
    ({"line_search": "wolfe"}, ValueError, "armijo"),
    ({"line_search": "armijo", "momentum": 0.5}, ValueError, "cannot be combined"),
    ({"grad": "backwards"}, ValueError, "choose one of"),
    ({"grad": 3}, TypeError, "grad"),
    ({"grad": lambda p: np.zeros(3)}, ValueError, "shape"),
    ({"f": "x**2"}, TypeError, "must be a function"),
    ({"f": lambda p: p * 2}, ValueError, "single real number"),
])
def test_bad_input_to_gradient_descent(kwargs, error, match):
    args = {"f": L.paraboloid, "x0": [1.0, 2.0], "learning_rate": 0.1, **kwargs}
    with pytest.raises(error, match=match):
        O.gradient_descent(**args)


def test_bad_input_elsewhere():
    with pytest.raises(ValueError, match="domain"):
        O.gradient_descent(L.exp_minus_log, -1.0, 0.1)
    with pytest.raises(TypeError, match="hessian"):
        O.newton(L.quadratic, [1.0, 1.0], hessian="exact")
    with pytest.raises(ValueError, match="2 × 2"):
        O.newton(L.quadratic, [1.0, 1.0], hessian=lambda p: np.eye(3))
    with pytest.raises(ValueError, match="as many numbers"):
        O.newton_root(lambda p: np.sum(p**2), [1.0, 1.0])
    with pytest.raises(TypeError, match="tuple of arrays"):
        O.sgd(_mse, np.zeros(3), np.ones((4, 3)), 2, 0.1, 1, 0)
    with pytest.raises(ValueError, match="first dimension"):
        O.sgd(_mse, np.zeros(3), (np.ones((4, 3)), np.ones(5)), 2, 0.1, 1, 0)
    with pytest.raises(ValueError, match="batch_size"):
        O.sgd(_mse, np.zeros(3), (np.ones((4, 3)), np.ones(4)), 5, 0.1, 1, 0)
    with pytest.raises(TypeError, match="loss"):
        O.sgd(None, np.zeros(3), (np.ones((4, 3)), np.ones(4)), 2, 0.1, 1, 0)


def test_every_result_has_a_status_that_agrees_with_converged():
    runs = [O.gradient_descent(L.parabola, 5.0, 0.1), O.gradient_descent(L.parabola, 5.0, 0.1, steps=3),
            O.gradient_descent(L.parabola, 5.0, 1.5), O.newton(L.exp_minus_log, 1.75), O.newton(L.normal_density, 1.0),
            O.newton_root(lambda x: x**2 - 2, 1.0), O.newton_root(lambda x: x**2 + 1, 0.0),
            O.sgd(lambda m, b: np.mean((b[0] - m) ** 2), 0.0, (np.arange(5.0),), 5, 0.25, 3, seed=0)]
    statuses = [r.status for r in runs]
    assert statuses == ["converged", "max_iter", "diverged", "converged", "singular", "converged", "singular",
                        "completed"]
    for r in runs:
        assert r.status in O.STATUSES and r.converged == (r.status in ("converged", "completed"))
        assert f"status:     {r.status}" in repr(r)
