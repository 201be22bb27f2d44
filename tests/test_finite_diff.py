"""Tests of calclib.finite_diff against independent references: mpmath at 40 digits, analytic formulas,
sympy and JAX in float64."""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import calclib as cl
from calclib import finite_diff as fd

mp.mp.dps = 40

# ---------------------------------------------------------------------------------------------------
# References
# ---------------------------------------------------------------------------------------------------

# name: (f in NumPy, f in mpmath); the reference derivative is mpmath's, at 40 digits
TARGETS = {
    "exp(x) sin(x) at 0.7": (lambda x: np.exp(x) * np.sin(x), lambda t: mp.exp(t) * mp.sin(t), 0.7),
    "x**4.5 at 1.5": (lambda x: x**4.5, lambda t: t ** mp.mpf("4.5"), 1.5),
}


def mp_derivative(g, x: float, n: int = 1) -> float:
    return float(mp.diff(g, mp.mpf(x), n))


def relative_error(value: float, exact: float) -> float:
    return abs(value - exact) / abs(exact)


# ---------------------------------------------------------------------------------------------------
# Accuracy targets of the chapter (these are correctness, not speed)
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", TARGETS)
def test_central_with_its_own_step_reaches_1e_9(name):
    f, g, x = TARGETS[name]
    assert relative_error(fd.central_difference(f, x), mp_derivative(g, x)) <= 1e-9


@pytest.mark.parametrize("name", TARGETS)
def test_complex_step_reaches_1e_15(name):
    f, g, x = TARGETS[name]
    assert relative_error(fd.complex_step(f, x), mp_derivative(g, x)) <= 1e-15


@pytest.mark.parametrize("name", TARGETS)
def test_richardson_reaches_1e_12_with_8_evaluations(name):
    f, g, x = TARGETS[name]
    counted = fd.CountingFunction(f)
    assert relative_error(fd.richardson(counted, x), mp_derivative(g, x)) <= 1e-12
    assert counted.calls <= 8


@pytest.mark.parametrize("name", TARGETS)
def test_richardson_per_partial_reaches_1e_12_with_8_evaluations(name):
    f, g, x = TARGETS[name]
    counted = fd.CountingFunction(lambda v: f(v[0]))
    grad = fd.gradient(counted, [x], method="richardson")
    assert relative_error(grad[0], mp_derivative(g, x)) <= 1e-12
    assert counted.calls <= 8


@pytest.mark.parametrize("name", TARGETS)
@pytest.mark.parametrize("method", ["forward-difference", "backward-difference"])
def test_one_sided_with_their_own_step_reach_about_sqrt_eps(name, method):
    f, g, x = TARGETS[name]
    assert relative_error(fd.derivative(f, x, method), mp_derivative(g, x)) <= 1e-7


@pytest.mark.parametrize("name", TARGETS)
def test_second_difference_reaches_about_sqrt_eps(name):
    f, g, x = TARGETS[name]
    assert relative_error(fd.second_difference(f, x), mp_derivative(g, x, 2)) <= 1e-6


def test_backward_difference_from_the_left_end_of_a_domain():
    # sqrt is not defined right of... rather: log1p(-x) is defined only for x < 1; differentiate near 1
    f = lambda x: np.log1p(-x)  # noqa: E731
    x = 1 - 1e-3
    assert relative_error(fd.backward_difference(f, x, h=1e-7), -1 / (1 - x)) < 1e-3
    assert np.isnan(fd.forward_difference(f, x, h=1e-2))


@pytest.mark.parametrize(
    "method, scale",
    [("forward-difference", np.sqrt(fd.EPS)), ("backward-difference", np.sqrt(fd.EPS)), ("central", np.cbrt(fd.EPS))],
)
def test_default_steps_are_relative(method, scale):
    """The default step is scale * max(1, |x|): the same as passing that step explicitly."""
    for x in [0.3, 5.0, -40.0]:
        h = scale * max(1.0, abs(x))
        assert fd.derivative(np.exp, x, method) == fd.derivative(np.exp, x, method, h=h)


# f and its first three derivatives, for functions whose scale grows with |x| (powers, log), where a step relative to
# max(1, |x|) is the right idea; and sin near 0
SCALED = {
    "x**4.5": (lambda x: x**4.5, lambda x: 4.5 * x**3.5, lambda x: 15.75 * x**2.5, lambda x: 39.375 * x**1.5),
    "log": (np.log, lambda x: 1 / x, lambda x: -1 / x**2, lambda x: 2 / x**3),
    "sin": (np.sin, np.cos, lambda x: -np.sin(x), lambda x: -np.cos(x)),
}


@pytest.mark.parametrize("method, order", [("forward-difference", 2), ("central", 3)])
@pytest.mark.parametrize(
    "name, x", [("x**4.5", 1.5), ("x**4.5", 30.0), ("log", 3.0), ("log", 300.0), ("sin", 0.5), ("sin", 1.0)]
)
def test_default_step_is_near_optimal(method, order, name, x):
    """With its own step, a stencil does about as well as the error model allows at the best step."""
    f, df = SCALED[name][:2]
    value, size = abs(f(x)), abs(SCALED[name][order](x))
    best = fd.optimal_step(method, value, size)
    best_model_error = fd.truncation_error(method, best, size) + fd.roundoff_error(method, best, value)
    assert abs(fd.derivative(f, x, method) - df(x)) <= 5 * best_model_error


def test_a_relative_step_is_too_large_for_sin_far_from_0():
    """The limitation of the default: at x = 30 sin still varies on a scale of 1, not 30."""
    x = 30.0
    own = abs(fd.central_difference(np.sin, x) - np.cos(x))
    best_step = fd.optimal_step("central", abs(np.sin(x)), abs(np.cos(x)))
    better = abs(fd.central_difference(np.sin, x, h=best_step) - np.cos(x))
    assert own > 10 * better


# ---------------------------------------------------------------------------------------------------
# Elementwise over arrays, and the dispatcher
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", fd.METHODS)
def test_every_method_is_elementwise(method):
    xs = np.linspace(0.1, 2.0, 6).reshape(2, 3)
    values = fd.derivative(np.exp, xs, method)
    assert values.shape == (2, 3)
    singles = np.array([fd.derivative(np.exp, float(x), method) for x in xs.flat]).reshape(2, 3)
    np.testing.assert_allclose(values, singles, rtol=1e-14)
    np.testing.assert_allclose(values, np.exp(xs), rtol=1e-6)
    assert isinstance(fd.derivative(np.exp, 1.0, method), float)


@pytest.mark.parametrize(
    "method, function",
    [
        ("central", fd.central_difference),
        ("forward-difference", fd.forward_difference),
        ("backward-difference", fd.backward_difference),
        ("complex-step", fd.complex_step),
        ("richardson", fd.richardson),
    ],
)
def test_dispatcher_calls_the_named_stencil(method, function):
    assert fd.derivative(np.sin, 0.4, method) == function(np.sin, 0.4)
    assert fd.derivative(np.sin, 0.4, method, h=1e-3) == function(np.sin, 0.4, 1e-3)


def test_unknown_method_lists_the_methods():
    with pytest.raises(ValueError) as info:
        fd.derivative(np.sin, 0.0, method="centered")
    for name in fd.METHODS:
        assert name in str(info.value)
    for call in (fd.gradient, fd.jacobian):
        with pytest.raises(ValueError, match="complex-step"):
            call(lambda v: v.sum(), [1.0], method="five-point")


def test_complex_step_is_exact_for_polynomials_and_keeps_tiny_steps_exact():
    assert fd.complex_step(lambda x: x * x * x - 2 * x, 2.0) == pytest.approx(10.0, rel=4 * fd.EPS)
    assert fd.complex_step(np.exp, 1.0, h=1e-200) == pytest.approx(np.e, rel=1e-15)


def test_complex_step_refuses_functions_that_drop_the_imaginary_part():
    with pytest.raises(TypeError, match="complex-safe"):
        fd.complex_step(lambda x: np.abs(x) ** 3, 1.0)
    with pytest.raises(TypeError, match="complex-safe"):
        fd.complex_step(math.sin, 1.0)  # no ComplexWarning is printed either
    with pytest.raises(TypeError, match="complex-safe"):
        fd.gradient(lambda v: np.abs(v).sum(), [1.0, 2.0], method="complex-step")


def test_complex_step_pitfall_abs_inside_an_analytic_expression_is_silently_wrong():
    """The documented pitfall: x*|x| has derivative 2|x|, but np.abs of x + ih is real: half of it."""
    assert fd.complex_step(lambda x: x * np.abs(x), 2.0) == pytest.approx(2.0)  # the true value is 4


def test_richardson_levels():
    one_level = fd.richardson(np.exp, 1.0, h=1e-3, levels=1)
    assert one_level == fd.central_difference(np.exp, 1.0, h=1e-3)
    errors = [abs(fd.richardson(np.exp, 1.0, h=0.2, levels=k) - np.e) for k in (1, 2, 3)]
    assert errors[0] > 100 * errors[1] > 100 * 100 * errors[2]
    with pytest.raises(ValueError, match="levels"):
        fd.richardson(np.exp, 1.0, levels=0)
    with pytest.raises(TypeError, match="levels"):
        fd.richardson(np.exp, 1.0, levels=2.5)


# ---------------------------------------------------------------------------------------------------
# Error model and the V-shaped curve
# ---------------------------------------------------------------------------------------------------


def test_error_model_formulas():
    eps = fd.EPS
    assert fd.truncation_error("forward-difference", 1e-3, derivative_size=4.0) == pytest.approx(2e-3)
    assert fd.truncation_error("central", 1e-2, derivative_size=6.0) == pytest.approx(1e-4)
    assert fd.roundoff_error("central", 1e-5, value_size=3.0) == pytest.approx(3 * eps / 1e-5)
    assert fd.roundoff_error("second-difference", 1e-4) == pytest.approx(4 * eps / 1e-8)
    assert fd.roundoff_error("complex-step", 1e-20, value_size=2.0) == pytest.approx(2 * eps)
    np.testing.assert_allclose(fd.truncation_error("central", np.array([1e-2, 1e-1])), [1e-4 / 6, 1e-2 / 6])
    assert fd.optimal_step("forward-difference", 2.0, 5.0) == pytest.approx(math.sqrt(2 * eps * 2 / 5))
    assert fd.optimal_step("central", 2.0, 5.0) == pytest.approx((3 * eps * 2 / 5) ** (1 / 3))
    assert fd.optimal_step("second-difference", 1.0, 1.0) == pytest.approx((48 * eps) ** 0.25)


@pytest.mark.parametrize("method", ["forward-difference", "backward-difference", "central", "second-difference"])
def test_optimal_step_minimises_the_model(method):
    hs = np.logspace(-12, 0, 4001)
    total = fd.truncation_error(method, hs, 3.0) + fd.roundoff_error(method, hs, 2.0)
    assert fd.optimal_step(method, 2.0, 3.0) == pytest.approx(hs[np.argmin(total)], rel=0.01)


def test_error_model_has_no_formula_for_richardson_and_checks_its_input():
    with pytest.raises(ValueError, match="error_curve"):
        fd.truncation_error("richardson", 1e-3)
    with pytest.raises(ValueError, match="central"):
        fd.roundoff_error("five-point", 1e-3)
    with pytest.raises(ValueError, match="> 0"):
        fd.truncation_error("central", [1e-3, 0.0])


@pytest.mark.parametrize("method, order", [("forward-difference", 1), ("central", 2)])
def test_error_curve_follows_the_model(method, order):
    """Measured errors of exp at 1: truncation on the right, round-off on the left, best step in between."""
    x, e = 1.0, np.e
    large = np.array([1e-3, 1e-2]) if order == 1 else np.array([1e-2, 3e-2])
    measured = fd.error_curve(np.exp, np.exp, x, large, method)
    np.testing.assert_allclose(measured, fd.truncation_error(method, large, e), rtol=0.1)
    small = np.logspace(-13, -11, 9)
    measured_small = fd.error_curve(np.exp, e, x, small, method)
    model_small = fd.roundoff_error(method, small, e)
    assert np.all(measured_small < 4 * model_small)  # an order of magnitude, not a bound
    assert np.median(measured_small / model_small) > 0.02
    hs = np.logspace(-14, -1, 261)
    curve = fd.error_curve(np.exp, np.exp, x, hs, method)
    best = hs[np.argmin(curve)]
    assert 0.05 < best / fd.optimal_step(method, e, e) < 20


def test_error_curve_of_the_complex_step_is_flat_and_tiny():
    hs = np.logspace(-30, -9, 22)
    assert np.all(fd.error_curve(np.exp, np.exp, 1.0, hs, "complex-step") <= 2 * fd.EPS * np.e)


def test_error_curve_of_second_difference_and_checks():
    errors = fd.error_curve(np.exp, np.exp, 0.0, [1e-1, 1e-4], "second-difference")
    assert errors[0] == pytest.approx(1e-2 / 12, rel=0.01)
    assert errors[1] < 1e-7
    with pytest.raises(ValueError, match="single point"):
        fd.error_curve(np.exp, np.exp, [0.0, 1.0], [1e-3])
    with pytest.raises(ValueError):
        fd.error_curve(np.exp, np.exp, 0.0, [1e-3], "five-point")


# ---------------------------------------------------------------------------------------------------
# Several variables
# ---------------------------------------------------------------------------------------------------


def rosenbrock(p):
    return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2


def rosenbrock_gradient(p):
    x, y = p
    return np.array([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])


@pytest.mark.parametrize(
    "method, rtol",
    [
        ("central", 1e-9),
        ("forward-difference", 1e-6),
        ("backward-difference", 1e-6),
        ("complex-step", 1e-15),
        ("richardson", 1e-12),
    ],
)
def test_gradient_of_rosenbrock(method, rtol):
    p = np.array([0.1, 3.0])
    np.testing.assert_allclose(fd.gradient(rosenbrock, p, method), rosenbrock_gradient(p), rtol=rtol)


def test_gradient_has_the_shape_of_x():
    W = np.arange(6.0).reshape(2, 3) / 10
    g = fd.gradient(lambda A: np.sum(np.sin(A) ** 2), W)
    assert g.shape == (2, 3)
    np.testing.assert_allclose(g, np.sin(2 * W), rtol=1e-9, atol=1e-12)
    assert fd.gradient(lambda t: t**3, 2.0).shape == ()
    assert float(fd.gradient(lambda t: t**3, 2.0, "complex-step")) == 12.0


def test_least_squares_gradient_matches_the_formula():
    """The syllabus' f(x) = ½‖y − Ax‖², ∇f = −Aᵀ(y − Ax)."""
    rng = np.random.default_rng(1)
    A, y, x = rng.normal(size=(5, 3)), rng.normal(size=5), rng.normal(size=3)
    f = lambda v: 0.5 * np.sum((y - A @ v) ** 2)  # noqa: E731
    exact = -A.T @ (y - A @ x)
    np.testing.assert_allclose(fd.gradient(f, x, "complex-step"), exact, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(fd.num_grad(f, x), exact, rtol=1e-8, atol=1e-9)


@pytest.mark.parametrize("method", fd.METHODS)
def test_jacobian_shape_and_values_against_jax(method):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy
    M = np.array([[1.0, -2.0, 0.5], [0.3, 0.1, -1.0]])

    def f_np(X):  # (2, 3) -> (4,)
        s = np.sum(M * np.sin(X))
        return np.array([s, np.exp(X[0, 0] * X[1, 2]), X[0, 1] ** 3, s * X[1, 1]])

    def f_jax(X):
        s = jnp.sum(M * jnp.sin(X))
        return jnp.array([s, jnp.exp(X[0, 0] * X[1, 2]), X[0, 1] ** 3, s * X[1, 1]])

    X = np.array([[0.2, -0.7, 1.1], [0.4, 0.9, -0.3]])
    J = fd.jacobian(f_np, X, method)
    assert J.shape == (4, 2, 3)
    reference = np.asarray(jax.jacfwd(f_jax)(jnp.asarray(X)))
    tolerance = {"forward-difference": 1e-6, "backward-difference": 1e-6, "central": 1e-9}.get(method, 1e-12)
    np.testing.assert_allclose(J, reference, rtol=tolerance, atol=tolerance)


def test_jacobian_of_scalar_function_is_the_gradient():
    p = np.array([0.1, 3.0])
    np.testing.assert_array_equal(fd.jacobian(rosenbrock, p), fd.gradient(rosenbrock, p))


def test_hessian_against_sympy():
    sympy = pytest.importorskip("sympy")
    x, y = sympy.symbols("x y")
    expr = x**4 + 0.8 * y**4 + 4 * x**2 + 2 * y**2 - x * y - 0.2 * x**2 * y
    point = {x: 0.7, y: -1.3}
    exact = np.array(sympy.hessian(expr, (x, y)).subs(point), dtype=float)
    f = sympy.lambdify([(x, y)], expr, "numpy")
    H = fd.hessian(f, [0.7, -1.3])
    assert H.shape == (2, 2)
    np.testing.assert_array_equal(H, H.T)
    np.testing.assert_allclose(H, exact, rtol=1e-7)


def test_hessian_of_the_syllabus_quadratic():
    H = fd.hessian(lambda p: 2 * p[0] ** 2 + 3 * p[1] ** 2 - p[0] * p[1], [1.0, 3.0])
    np.testing.assert_allclose(H, [[4, -1], [-1, 6]], atol=1e-6)
    np.testing.assert_allclose(np.linalg.eigvalsh(H), [5 - math.sqrt(2), 5 + math.sqrt(2)], atol=1e-6)


def test_num_grad_is_the_classic_loop():
    W = np.array([[1.0, 2.0], [3.0, 4.0]])
    before = W.copy()
    counted = fd.CountingFunction(lambda A: np.sum(A**3))
    g = fd.num_grad(counted, W)
    np.testing.assert_array_equal(W, before)  # the caller's array is untouched
    np.testing.assert_allclose(g, 3 * W**2, rtol=1e-9)
    assert counted.calls == 2 * W.size
    with pytest.raises(ValueError):
        fd.num_grad(lambda A: A, W)  # not a scalar
    with pytest.raises(ValueError):
        fd.num_grad(np.sum, W, h=0.0)


# ---------------------------------------------------------------------------------------------------
# Counting evaluations
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, calls",
    [("forward-difference", lambda n: n + 1), ("backward-difference", lambda n: n + 1), ("central", lambda n: 2 * n),
     ("complex-step", lambda n: n), ("richardson", lambda n: 8 * n)],
)
@pytest.mark.parametrize("n", [1, 5])
def test_cost_of_gradient_and_jacobian(method, calls, n):
    f = fd.CountingFunction(lambda v: np.sum(np.sin(v)))
    fd.gradient(f, np.ones(n), method)
    assert f.calls == calls(n)
    f.reset()
    fd.jacobian(f, np.ones(n), method)
    assert f.calls == calls(n)


def test_cost_of_one_variable_stencils_and_hessian():
    f = fd.CountingFunction(np.exp)
    for method, calls in [("central", 2), ("forward-difference", 2), ("complex-step", 1), ("richardson", 8)]:
        f.reset()
        fd.derivative(f, np.linspace(0, 1, 50), method)
        assert f.calls == calls  # one call per array of points
    g = fd.CountingFunction(lambda v: np.sum(v**2))
    fd.hessian(g, np.ones(4))
    assert g.calls == 2 * 4 * 5
    assert "calls=40" in repr(g)


# ---------------------------------------------------------------------------------------------------
# The error estimate of gradient(..., return_error=True)
# ---------------------------------------------------------------------------------------------------

# Ridge functions a * g(w.x + c): smooth, of any dimension, with exact derivatives in mpmath.
RIDGES = [
    (np.sin, mp.cos),
    (np.cos, lambda u: -mp.sin(u)),
    (np.exp, mp.exp),
    (np.tanh, lambda u: 1 - mp.tanh(u) ** 2),
    (lambda u: np.log1p(u**2), lambda u: 2 * u / (1 + u**2)),
    (lambda u: u**3, lambda u: 3 * u**2),
    (lambda u: 1 / (1 + u**2), lambda u: -2 * u / (1 + u**2) ** 2),
]


def ridge_sum(terms):
    """f(x) = sum_k a_k g_k(w_k . x + c_k), and its exact gradient (mpmath, rounded once)."""

    def f(x):
        return sum(a * RIDGES[k][0](w @ x + c) for a, k, w, c in terms)

    def exact_gradient(x):
        xm = [mp.mpf(float(v)) for v in x]
        total = [mp.mpf(0)] * len(xm)
        for a, k, w, c in terms:
            u = mp.fsum(mp.mpf(float(wi)) * xi for wi, xi in zip(w, xm)) + mp.mpf(float(c))
            slope = mp.mpf(float(a)) * RIDGES[k][1](u)
            total = [t + slope * mp.mpf(float(wi)) for t, wi in zip(total, w)]
        return np.array([float(t) for t in total])

    return f, exact_gradient


@st.composite
def smooth_functions_and_points(draw):
    n = draw(st.integers(1, 4))
    floats = lambda lo, hi: st.floats(lo, hi).map(lambda v: round(v, 6))  # noqa: E731
    vector = lambda lo, hi: st.lists(floats(lo, hi), min_size=n, max_size=n).map(np.array)  # noqa: E731
    term = st.tuples(floats(-2, 2), st.integers(0, len(RIDGES) - 1), vector(-1.5, 1.5), floats(-1, 1))
    terms = draw(st.lists(term, min_size=1, max_size=3))
    return terms, draw(vector(-2, 2))


@settings(max_examples=60, deadline=None)
@given(smooth_functions_and_points())
def test_error_estimate_bounds_the_actual_error(case):
    terms, x = case
    f, exact_gradient = ridge_sum(terms)
    exact = exact_gradient(x)
    for method in fd.METHODS:
        grad, error = fd.gradient(f, x, method, return_error=True)
        assert grad.shape == error.shape == x.shape
        actual = np.abs(grad - exact)
        assert np.all(actual <= error), (method, actual, error)


def test_error_estimate_is_not_absurdly_loose():
    """Over many random smooth functions: at most a few dozen times the actual error, typically."""
    rng = np.random.default_rng(5)
    ratios = {m: [] for m in fd.METHODS}
    sizes = {m: [] for m in fd.METHODS}
    for _ in range(60):
        n = int(rng.integers(1, 5))
        terms = [(rng.uniform(-2, 2), int(rng.integers(len(RIDGES))), rng.uniform(-1.5, 1.5, n), rng.uniform(-1, 1))
                 for _ in range(int(rng.integers(1, 4)))]
        f, exact_gradient = ridge_sum(terms)
        x = rng.uniform(-2, 2, n)
        exact = exact_gradient(x)
        for method in fd.METHODS:
            grad, error = fd.gradient(f, x, method, return_error=True)
            ratios[method].extend(error / np.maximum(np.abs(grad - exact), 1e-300))
            sizes[method].extend(error / (1 + np.abs(exact)))
    for method in fd.METHODS:
        assert np.median(ratios[method]) < 100, method
    assert max(sizes["central"]) < 1e-7
    assert max(sizes["forward-difference"]) < 1e-4
    assert max(sizes["richardson"]) < 1e-9
    assert max(sizes["complex-step"]) < 1e-13


def test_error_estimate_flags_a_step_that_is_too_large():
    x = np.array([0.3])
    grad, error = fd.gradient(lambda v: np.sin(5 * v[0]), x, "central", h=0.05, return_error=True)
    actual = abs(grad[0] - 5 * np.cos(1.5))
    assert actual <= error[0] <= 10 * actual


def test_measured_noise_is_small_for_smooth_and_large_for_noisy_functions():
    assert fd.measured_noise(lambda v: np.exp(v).sum(), [0.5, 1.0]) < 1e-15
    assert fd.measured_noise(lambda v: v[0] ** 2 + v[1] ** 2, [1.0, 2.0]) <= 4 * fd.EPS * 5
    rng = np.random.default_rng(0)
    noisy = lambda v: np.sum(v**2) + 1e-6 * rng.normal()  # noqa: E731
    assert 1e-7 < fd.measured_noise(noisy, [1.0, 2.0]) < 1e-4


# ---------------------------------------------------------------------------------------------------
# Bad input, and points outside the domain
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", fd.METHODS)
def test_bad_input_messages(method):
    with pytest.raises(TypeError, match="must be a function"):
        fd.derivative(3.0, 1.0, method)
    with pytest.raises(TypeError, match="real number"):
        fd.derivative(np.sin, "one", method)
    with pytest.raises(ValueError, match="> 0"):
        fd.derivative(np.sin, 1.0, method, h=0.0)
    with pytest.raises(ValueError, match="> 0"):
        fd.gradient(np.sum, [1.0, 2.0], method, h=-1e-3)
    with pytest.raises(TypeError, match="must be a function"):
        fd.gradient("f", [1.0], method)
    with pytest.raises(TypeError, match="real number"):
        fd.jacobian(np.sin, [1.0 + 2j], method)


def test_wrong_output_shapes_are_explained():
    with pytest.raises(ValueError, match="elementwise"):
        fd.central_difference(lambda x: np.sum(x), np.ones(3))
    with pytest.raises(ValueError, match="use jacobian"):
        fd.gradient(lambda v: v**2, [1.0, 2.0])
    with pytest.raises(ValueError, match="scalar"):
        fd.hessian(lambda v: v**2, [1.0, 2.0])
    with pytest.raises(ValueError, match="one shape"):
        fd.jacobian(lambda v: np.ones(3) if v[1] > 1 else np.ones(2), [1.0, 1.0])
    with pytest.raises(TypeError, match="forgot a `return`|forget a `return`"):
        fd.central_difference(lambda x: None, 1.0)
    with pytest.raises(TypeError, match="boolean"):
        fd.gradient(lambda v: np.allclose(v, 0.0), [1.0, 2.0])
    for mode in ("central", "complex-step", "richardson"):        # the same words through the transformations
        with pytest.raises(TypeError, match="return"):
            cl.jacobian(lambda v: None, mode=mode)(np.ones(2))
        with pytest.raises(TypeError, match="boolean"):
            cl.derivative(lambda x: x > 0, mode=mode)(1.0)
    with pytest.raises(TypeError, match="must return numbers"):
        fd.gradient(lambda v: "zero", [1.0])


def test_outside_the_domain_gives_nan_silently():
    # pytest turns RuntimeWarning into an error, so these lines also check that nothing is printed
    for method in ("central", "forward-difference", "backward-difference", "richardson"):
        values = fd.derivative(np.log, np.array([-1.0, 0.0, 2.0]), method)
        assert np.isnan(values[0]) and values[2] == pytest.approx(0.5, rel=1e-6)
        grad = fd.gradient(lambda v: np.log(v[0]) + v[1] ** 2, [-1.0, 2.0], method)
        assert np.all(np.isnan(grad))  # f itself is NaN there
    assert np.isnan(fd.central_difference(np.sqrt, 0.0))
    # the complex step differentiates the complex extension, which lives beyond the real domain
    assert fd.complex_step(np.log, -1.0) > 1e19  # log(-1 + ih) = iπ + ...: garbage, not NaN
    assert np.isnan(fd.complex_step(np.log, np.nan))
    assert np.isnan(fd.second_difference(np.sqrt, 0.0))
    assert np.all(np.isnan(fd.hessian(lambda v: np.sqrt(v).sum(), [-1.0, -2.0])))
    assert np.isnan(fd.average_rate_of_change(np.log, -2.0, 1.0))
    grad, error = fd.gradient(lambda v: np.sum(np.sqrt(v)), [0.0, 2.0], return_error=True)
    assert np.isnan(grad[0]) and grad[1] == pytest.approx(0.5 / np.sqrt(2))


@pytest.mark.parametrize("method", fd.METHODS)
def test_gradient_with_error_is_the_same_gradient(method):
    point = np.array([0.3, -1.2, 2.0])
    f = lambda v: np.exp(v[0]) * np.sin(v[1]) + v[2] ** 3 * v[0]  # noqa: E731
    grad, error = fd.gradient(f, point, method, return_error=True)
    np.testing.assert_array_equal(grad, fd.gradient(f, point, method))
    assert np.all(error > 0)
