"""Hessian-vector products (calclib.hvp) and the matrix-free truncated Newton (calclib.optimize.newton_cg).

References: JAX in float64 (``jax.jvp(jax.grad(f), ...)``, the cookbook's forward-over-reverse HVP),
calclib's own dense ``hessian(f)(x) @ v``, analytic formulas, scipy.optimize's Newton-CG with SciPy's
hand-written Rosenbrock derivatives (``rosen_der``, ``rosen_hess_prod``), and calclib's ``newton``.
Each function is written once as a function of an array namespace ``xp`` (NumPy for calclib,
jax.numpy for JAX), as in conftest.py.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.optimize

import calclib as cl
from calclib import api
from calclib import landscapes as L
from calclib import optimize as O

from references import assert_close

jax.config.update("jax_enable_x64", True)


# ---------------------------------------------------------------------------------------------------
# The test functions, once per namespace
# ---------------------------------------------------------------------------------------------------
def rosenbrock(xp):
    return lambda p: (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2


def rosenbrock_extended(xp):
    return lambda x: xp.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def quartic(xp):
    return lambda p: p[0] ** 4 + 0.8 * p[1] ** 4 + 4 * p[0] ** 2 + 2 * p[1] ** 2 - p[0] * p[1] - 0.2 * p[0] ** 2 * p[1]


def sum_sin_squared(xp):
    return lambda x: xp.sum(xp.sin(x) ** 2)


def log_sum_exp(xp):
    def f(x):
        m = xp.max(x)
        return m + xp.log(xp.sum(xp.exp(x - m)))
    return f


def jax_hvp(fj, x, v):
    """The cookbook's HVP in JAX: jvp of grad, forward over reverse."""
    return np.asarray(jax.jvp(jax.grad(fj), (jnp.asarray(x),), (jnp.asarray(v),))[1])


CASES = [  # (name, function of xp, calclib's own version or None, n)
    ("rosenbrock", rosenbrock, L.rosenbrock, 2),
    ("rosenbrock n=10", rosenbrock_extended, L.rosenbrock_extended, 10),
    ("quartic", quartic, L.quartic, 2),
    ("sum sin² n=50", sum_sin_squared, None, 50),
    ("log-sum-exp", log_sum_exp, None, 7),
]


# ---------------------------------------------------------------------------------------------------
# hvp
# ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, make, landscape, n", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("seed", [0, 1])
def test_hvp_matches_jax_and_the_dense_hessian(name, make, landscape, n, seed):
    rng = np.random.default_rng(seed)
    x, v = rng.normal(size=n), rng.normal(size=n)
    f = landscape if landscape is not None else make(np)
    hv = cl.hvp(f, (x,), (v,))
    assert isinstance(hv, np.ndarray) and hv.shape == (n,)
    assert_close(hv, jax_hvp(make(jnp), x, v))
    assert_close(hv, cl.hessian(f)(x) @ v)


def test_hvp_of_rosenbrock_against_its_hessian_by_hand():
    x, v = np.array([-1.2, 1.0]), np.array([0.3, -2.0])
    h = np.array([[2 - 400 * (x[1] - x[0] ** 2) + 800 * x[0] ** 2, -400 * x[0]], [-400 * x[0], 200.0]])
    assert_close(cl.hvp(L.rosenbrock, (x,), (v,)), h @ v)


def test_hvp_of_a_quadratic_is_the_matrix_times_v():
    rng = np.random.default_rng(3)
    m = rng.normal(size=(6, 6))
    a, b = m + m.T, rng.normal(size=6)
    x, v = rng.normal(size=6), rng.normal(size=6)
    assert_close(cl.hvp(lambda x: 0.5 * x @ a @ x + b @ x, (x,), (v,)), a @ v)


def test_hvp_of_a_scalar_function_is_the_second_derivative_times_v():
    hv = cl.hvp(lambda x: x ** 3 * np.sin(x), (2.0,), (1.5,))
    d2 = 6 * 2.0 * np.sin(2.0) + 6 * 2.0 ** 2 * np.cos(2.0) - 2.0 ** 3 * np.sin(2.0)  # (x³ sin x)'' at 2
    assert type(hv) is float
    assert_close(hv, 1.5 * d2)


def test_hvp_of_a_pytree_argument_matches_jax():
    def make(xp):
        return lambda p: xp.sum(xp.tanh(p["w"]) ** 2 * p["b"]) + p["b"] ** 3
    p = {"w": np.array([0.3, -1.1, 0.7]), "b": 0.8}
    v = {"w": np.array([1.0, 0.5, -2.0]), "b": -0.4}
    hv = cl.hvp(make(np), (p,), (v,))
    as_jax = {"w": jnp.asarray(p["w"]), "b": 0.8}, {"w": jnp.asarray(v["w"]), "b": -0.4}
    ref = jax.jvp(jax.grad(make(jnp)), (as_jax[0],), (as_jax[1],))[1]
    assert set(hv) == {"w", "b"}
    assert_close(hv["w"], ref["w"])
    assert_close(hv["b"], ref["b"])


KINKS = [  # forward over reverse at the points where a rule chooses (ties, 0): JAX's conventions
    ("max with a tie", lambda xp: lambda x: xp.max(x) ** 2 + xp.sum(x ** 3), np.array([1.0, 1.0, -0.5])),
    ("maximum at a tie", lambda xp: lambda x: xp.sum(xp.maximum(x, 0.0) ** 3), np.array([0.0, 1.0, -0.5])),
    ("|x| x² at 0", lambda xp: lambda x: xp.sum(xp.abs(x) * x ** 2), np.array([0.0, 0.4, -0.5])),
    ("sinc at 0", lambda xp: lambda x: xp.sum(xp.sinc(x) * x), np.array([0.0, 0.05, 0.7])),
    ("x**3 at 0", lambda xp: lambda x: xp.sum(x ** 3 + x ** 2.0), np.array([0.0, 0.0, 2.0])),
    ("hypot", lambda xp: lambda x: xp.sum(xp.hypot(x, 2 * x + 1) ** 2), np.array([0.0, 0.4, -0.5])),
    ("sort", lambda xp: lambda x: xp.sum(xp.sort(x) * xp.arange(1.0, 4.0) * x), np.array([0.3, -1.0, 0.8])),
    ("cholesky", lambda xp: lambda x: xp.sum(xp.linalg.cholesky(xp.outer(x, x) + 2 * xp.eye(3))),
     np.array([0.3, -1.0, 0.8])),
]


@pytest.mark.parametrize("name, make, x", KINKS, ids=[k[0] for k in KINKS])
def test_forward_over_reverse_through_every_kind_of_rule_matches_jax(name, make, x):
    v = np.array([1.0, -2.0, 0.5])
    assert_close(cl.hvp(make(np), (x,), (v,)), jax_hvp(make(jnp), x, v))


def test_hvp_costs_a_few_passes_whatever_n_and_forms_no_hessian():
    f = sum_sin_squared(np)
    counts = {}
    for n in (5, 50):
        x = np.linspace(-1, 1, n)
        with api.count_passes() as counts[n]:
            cl.hvp(f, (x,), (np.ones(n),))
        with api.count_passes() as dense:
            cl.hessian(f)(x)
        assert dense["forward passes"] >= n          # the Hessian: a pass per column
    assert counts[5] == counts[50]                    # one jvp pass around one gradient (forward + backward)
    assert counts[50]["forward passes"] == 2 and counts[50]["backward passes"] == 1


def test_hvp_is_exported_from_the_top_level():
    assert cl.hvp is api.hvp
    assert "hvp" in cl.__all__ and "hvp" in dir(cl) and "hvp" in api.__all__
    assert "``hvp``" in cl.__doc__


def test_hvp_bad_input():
    f, x = lambda x: np.sum(x ** 2), np.ones(2)
    with pytest.raises(TypeError, match=r"tuples.*hvp\(f, \(x,\), \(v,\)\)"):
        cl.hvp(f, x, x)
    with pytest.raises(ValueError, match="shape"):
        cl.hvp(f, (x,), (np.ones(3),))
    with pytest.raises(ValueError, match="scalar"):
        cl.hvp(lambda x: x ** 2, (x,), (x,))
    with pytest.raises(TypeError, match="function"):
        cl.hvp("f", (x,), (x,))
    with pytest.raises(ValueError, match="primals"):
        cl.hvp(f, (), ())
    with pytest.raises(TypeError, match="tangents"):
        cl.hvp(f, (x,), ("v",))


# ---------------------------------------------------------------------------------------------------
# newton_cg
# ---------------------------------------------------------------------------------------------------
def scipy_newton_cg(x0):
    return scipy.optimize.minimize(scipy.optimize.rosen, x0, jac=scipy.optimize.rosen_der, method="Newton-CG",
                                   hessp=scipy.optimize.rosen_hess_prod, options={"xtol": 1e-12})


@pytest.mark.parametrize("f, x0", [(L.rosenbrock, np.array([-1.2, 1.0])),
                                   (L.rosenbrock_extended, np.full(10, 0.5)),
                                   (L.rosenbrock_extended, np.zeros(10))],
                         ids=["n=2 from (-1.2, 1)", "n=10 from 0.5", "n=10 from 0"])
def test_newton_cg_matches_scipy_and_newton_on_rosenbrock(f, x0):
    res = O.newton_cg(f, x0, tol=1e-10)
    ref = scipy_newton_cg(x0)
    exact = O.newton(f, x0, tol=1e-10, line_search="armijo")
    assert res.status == "converged" and ref.success and exact.status == "converged"
    for other in (ref.x, exact.x, np.ones(len(x0))):    # (1, ..., 1): the minimizer
        np.testing.assert_allclose(res.x, other, atol=1e-6)
    assert res.nit <= 1.5 * ref.nit + 5              # scipy's Newton-CG: 86, 37, 54 steps
    assert res.nit <= 4 * exact.nit                  # exact Newton (a dense solve per step): 22, 26, 26
    assert 0 < res.hvp_count <= res.nit * 2 * len(x0)
    assert np.all(np.diff(res.values) <= 0)          # the line search only goes downhill
    assert res.grad_norms[-1] < 1e-10 and res.fun == res.values[-1] == f(res.x)


def test_newton_cg_never_forms_the_hessian(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("newton_cg formed a Hessian or a Jacobian")
    monkeypatch.setattr(api, "hessian", refuse)
    monkeypatch.setattr(api, "jacobian", refuse)
    monkeypatch.setattr(O, "_hessian_function", refuse)
    res = O.newton_cg(L.rosenbrock_extended, np.zeros(10), tol=1e-8)
    assert res.status == "converged"
    np.testing.assert_allclose(res.x, np.ones(10), atol=1e-6)
    with pytest.raises(AssertionError, match="formed a Hessian"):   # the patch does bite
        O.newton(L.rosenbrock_extended, np.zeros(10))


def test_hvp_count_is_the_number_of_hessian_vector_products(monkeypatch):
    calls, real_hvp = [], api.hvp

    def counted(f, primals, tangents):
        calls.append(np.shape(tangents[0]))
        return real_hvp(f, primals, tangents)

    monkeypatch.setattr(api, "hvp", counted)
    res = O.newton_cg(L.rosenbrock, [-1.2, 1.0])
    assert res.hvp_count == len(calls) > res.nit and set(calls) == {(2,)}
    calls.clear()
    res = O.newton_cg(L.quartic, [4.0, 4.0], steps=5, tol=0, cg_steps=1)   # one CG iteration per step
    assert res.nit == res.hvp_count == len(calls) == 5


def test_newton_cg_solves_a_quadratic_in_one_step_with_a_tight_cg_tol():
    rng = np.random.default_rng(5)
    m = rng.normal(size=(5, 5))
    a, b = m @ m.T + 5 * np.eye(5), rng.normal(size=5)
    res = O.newton_cg(lambda x: 0.5 * x @ a @ x + b @ x, np.zeros(5), tol=1e-9, cg_tol=1e-13)
    assert res.nit == 1 and res.status == "converged" and res.hvp_count <= 10
    assert_close(res.x, np.linalg.solve(a, -b), rtol=1e-9)


def saddle(p):
    """x⁴ − 3x² + y²: minima at (±√(3/2), 0), a saddle at (0, 0); ∂²f/∂x² = 12x² − 6 < 0 near 0."""
    return p[0] ** 4 - 3 * p[0] ** 2 + p[1] ** 2


@pytest.mark.parametrize("x0, used", [([0.1, 0.0], "used −∇f"), ([0.1, 1.0], "used the CG iterate after 1 step")])
def test_negative_curvature_start_still_goes_downhill_to_a_minimum(x0, used):
    res = O.newton_cg(saddle, x0)
    assert res.status == "converged"
    assert np.all(np.diff(res.values) < 0)                        # every step decreased f
    np.testing.assert_allclose(res.x, [np.sqrt(1.5), 0.0], atol=1e-8)
    assert res.fun == pytest.approx(-2.25, abs=1e-14)              # f(±√(3/2), 0) = 9/4 − 9/2
    assert any("negative curvature" in w for w in res.warnings)
    assert used in res.warnings[0] and "negative curvature" in res.message
    assert O.newton(saddle, x0).status == "not_a_minimum"          # exact Newton heads for the saddle


def test_newton_cg_scalars_in_scalars_out():
    res = O.newton_cg(lambda x: x ** 4 - 3 * x ** 2, 0.1)
    assert isinstance(res.x, float) and res.path.shape == (res.nit + 1,)
    assert res.x == pytest.approx(np.sqrt(1.5), abs=1e-10)


def test_newton_cg_stops_and_says_why():
    res = O.newton_cg(L.rosenbrock, [-1.2, 1.0], steps=2)
    assert res.status == "max_iter" and res.nit == 2 and "maximum of 2 steps" in res.message
    res = O.newton_cg(lambda x: -np.sum(x ** 2), np.array([1.0, -0.5]))   # unbounded below
    assert res.status == "diverged" and np.all(np.isfinite(res.x)) and "grew without bound" in res.message
    res = O.newton_cg(lambda p: np.cos(p[0]) + p[1] ** 2, [0.0, 0.0])      # ∇f(x0) = 0: a maximum in x
    assert res.nit == 0 and res.hvp_count == 0 and "classify_critical_point" in res.message
    res = O.newton_cg(L.rosenbrock, [-1.2, 1.0])
    assert f"hvp_count:  {res.hvp_count}" in repr(res) and "Newton-CG" in res.method
    exact = O.newton(L.quartic, [1.0, 1.0])
    assert exact.hvp_count is None and "hvp_count" not in repr(exact)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"f": 3}, TypeError, "function"),
    ({"x0": [1.0, np.nan]}, ValueError, "finite"),
    ({"x0": {"w": np.ones(2)}}, TypeError, "pytree"),
    ({"x0": "a"}, TypeError, "x0"),
    ({"steps": -1}, ValueError, "steps"),
    ({"steps": 2.5}, TypeError, "steps"),
    ({"tol": -1e-6}, ValueError, "tol"),
    ({"cg_tol": 0.0}, ValueError, r"cg_tol must be in \(0, 1\)"),
    ({"cg_tol": 1.0}, ValueError, r"cg_tol must be in \(0, 1\)"),
    ({"cg_tol": "tight"}, TypeError, "cg_tol"),
    ({"cg_steps": 0}, ValueError, "cg_steps"),
    ({"cg_steps": 2.0}, TypeError, "cg_steps"),
    ({"f": lambda x: x}, ValueError, "single real number"),
    ({"f": lambda x: np.sum(np.log(x))}, ValueError, "not finite at x0"),
])
def test_newton_cg_bad_input(kwargs, error, match):
    args = {"f": L.rosenbrock, "x0": [-1.0, -2.0]} | kwargs
    with pytest.raises(error, match=match):
        O.newton_cg(**args)
