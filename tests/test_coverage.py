"""The NumPy coverage of issue 11, beyond the JAX twin table of conftest.py: the generated list of supported
functions, the conventions at non-differentiable points (against JAX), derivatives JAX gets wrong or cannot
take (against mpmath), higher orders, and the errors for what stays out."""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp
import mpmath
import numpy as np
import pytest
import scipy.special as sp

import calclib as cl
from calclib import numpy_dispatch, rules

from conftest import CASES, spd
from references import assert_close

jax.config.update("jax_enable_x64", True)

AD_MODES = ("reverse", "forward")


# ---------------------------------------------------------------------------------------------------
# The generated list
# ---------------------------------------------------------------------------------------------------
def test_every_primitive_has_its_rule_in_one_line_from_the_tables():
    comments = rules.rule_comments()
    assert set(comments) == set(rules.PRIMITIVES)
    for name, rule in comments.items():
        assert rule and "\n" not in rule, name
    assert comments["det"].startswith("det A → det A · tr(A⁻¹ dA)")
    assert comments["power"] == "xᵖ → p xᵖ⁻¹, y ln x (0 at 0⁰)"        # a rule continued on a second line


def test_supported_functions_lists_every_primitive_function_and_method():
    rows = numpy_dispatch.supported_functions()
    names = [row.name for row in rows]
    assert len(names) == len(set(names)), "each name once"
    assert {row.primitive for row in rows} >= set(rules.PRIMITIVES)          # every entry of the registry
    for func in numpy_dispatch.ARRAY_FUNCTIONS:
        assert numpy_dispatch._function_name(func) in names
    for ufunc in numpy_dispatch.UFUNC_PRIMITIVES | numpy_dispatch.UFUNC_CONSTANT | set(numpy_dispatch.UFUNC_ALIASES):
        assert f"np.{ufunc}" in names or f"scipy.special.{ufunc}" in names
    for row in rows:
        assert row.rule and "\n" not in row.rule and len(row.rule) < 250, row
        if row.primitive is not None:
            assert rules.rule_comments()[row.primitive] in row.rule
    by_name = {row.name: row for row in rows}
    assert by_name["np.linalg.det"].primitive == "det"
    assert by_name["x.max()"].primitive == "max" and by_name["np.amax"].primitive == "max"
    assert "ties" in by_name["np.max"].rule and "stable" in by_name["np.sort"].rule
    assert by_name["scipy.special.erf"].rule.startswith("erf x")
    assert by_name["np.floor"].rule.startswith("piecewise constant")
    assert set(numpy_dispatch.SUPPORTED) <= set(names)


def test_every_new_array_function_has_a_jax_twin_case():
    """Each NumPy function of the dispatch (but the ones without derivative) is used by a case of the
    twin table, so it is tested forward, reverse and second order against JAX."""
    import inspect

    sources = "\n".join(inspect.getsource(case.build) for case in CASES)
    no_derivative = {"argmin", "argsort", "argwhere", "nonzero", "flatnonzero", "count_nonzero", "searchsorted",
                     "digitize", "any", "all", "isclose", "allclose", "array_equal", "full_like", "shape", "ndim",
                     "size", "result_type", "fix", "around", "hsplit", "vsplit", "eigvalsh", "iscomplex", "isreal",
                     "iscomplexobj", "isrealobj", "angle"}
    missing = [name for func in numpy_dispatch.ARRAY_FUNCTIONS
               if (name := func.__name__) not in no_derivative and f"{name}(" not in sources]
    assert not missing, missing


# ---------------------------------------------------------------------------------------------------
# Conventions at the points where the derivative does not exist: JAX's
# ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", AD_MODES)
@pytest.mark.parametrize("f, x", [
    (lambda xp: lambda x: xp.max(x), np.array([1.0, 1.0, 0.5, 1.0])),                  # ties share equally
    (lambda xp: lambda x: xp.min(x, axis=0).sum(), np.array([[0.0, 2.0], [0.0, 1.0]])),
    (lambda xp: lambda x: xp.max(x), np.array([-np.inf, -np.inf])),
    (lambda xp: lambda x: xp.sort(x)[0] + 2 * xp.sort(x)[1], np.array([1.0, 1.0, 0.5])),   # stable: ties keep order
    (lambda xp: lambda x: xp.median(x), np.array([1.0, 1.0, 1.0])),
    (lambda xp: lambda x: xp.median(x), np.array([1.0, 2.0, 0.5, 3.0])),
    (lambda xp: lambda x: xp.linalg.norm(x), np.zeros(3)),                             # NaN at 0, as JAX
    (lambda xp: lambda x: xp.linalg.norm(x, 1), np.zeros(3)),
    (lambda xp: lambda x: xp.linalg.norm(x, np.inf), np.array([1.0, -1.0, 0.5])),
    (lambda xp: lambda x: xp.std(x), np.ones(3)),                                      # NaN: √0
    (lambda xp: lambda x: xp.prod(x), np.array([0.0, 0.0, 3.0])),
    (lambda xp: lambda x: xp.prod(x), np.array([0.0, 2.0, 3.0])),
    (lambda xp: lambda x: xp.cumprod(x).sum(), np.array([2.0, 0.0, 3.0, 0.0])),
    (lambda xp: lambda x: xp.hypot(x[0], x[1]), np.zeros(2)),                          # ½, ½ at 0
    (lambda xp: lambda x: xp.cbrt(x), np.array(0.0)),                                  # ∞
    (lambda xp: lambda x: xp.clip(x, 0.0, 1.0).sum(), np.array([0.0, 1.0, 0.5, 2.0])),
    (lambda xp: lambda x: xp.sum(x % 1.0), np.array([-5.5, 2.0, 0.25])),
    (lambda xp: lambda x: xp.sum(xp.nanmax(x) + xp.nansum(x) + xp.nanmean(x)), np.array([1.0, np.nan, 3.0, 3.0])),
])
def test_non_differentiable_points_follow_jax(f, x, mode):
    expected = np.asarray(jax.grad(f(jnp))(jnp.asarray(x)))
    actual = cl.grad(f(np), mode=mode)(x)
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(np.isnan(actual), np.isnan(expected))


def test_argmax_used_as_an_index_sends_the_gradient_to_the_first_maximum():
    x = np.array([0.5, 2.0, 2.0, 1.0])
    f = lambda xp: lambda x: x[xp.argmax(x)] ** 2  # noqa: E731
    assert_close(cl.grad(f(np))(x), jax.grad(f(jnp))(jnp.asarray(x)))
    np.testing.assert_array_equal(cl.grad(f(np))(x), [0.0, 4.0, 0.0, 0.0])


def test_repeated_eigenvalues_give_finite_eigenvalue_gradients_and_infinite_eigenvector_ones():
    """Documented in the rule: the eigenvalues stay differentiable in every direction used here; the
    eigenvectors of a repeated eigenvalue are not unique, and their derivative is infinite or NaN (as in JAX)."""
    a = np.diag([1.0, 1.0, 3.0])
    np.testing.assert_allclose(cl.grad(lambda a: np.sum(np.linalg.eigvalsh(a) ** 2))(a), 2 * a)
    g = cl.grad(lambda a: np.sum(np.linalg.eigh(a)[1][:, 0] ** 4))(a)
    assert not np.all(np.isfinite(g))


# ---------------------------------------------------------------------------------------------------
# Derivatives JAX gets slightly wrong, or cannot take: against mpmath
# ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("x", [0.0, 1e-4, -3e-4, 0.0999, -0.1001, 0.3])
def test_sinc_near_zero_to_every_order_against_mpmath(x):
    """Near 0 the quotient (cos πx − sinc x)/x cancels (JAX's second derivative at 1e-4 is off by 3e-9); the
    series branch (|x| < 0.1) is right to every order: up to the fourth derivative, to 1e-12."""
    mpmath.mp.dps = 40
    sinc = lambda t: mpmath.sin(mpmath.pi * t) / (mpmath.pi * t) if t != 0 else mpmath.mpf(1)  # noqa: E731
    d = np.sinc
    for order in (1, 2, 3, 4):
        d = cl.grad(d)
        expected = float(mpmath.diff(sinc, mpmath.mpf(x), order))
        assert d(x) == pytest.approx(expected, rel=1e-12, abs=1e-12), order
    assert abs(float(jax.grad(jax.grad(jnp.sinc))(1e-4)) - float(mpmath.diff(sinc, mpmath.mpf(1e-4), 2))) > 1e-9


def test_gammaln_to_the_third_order_through_polygamma():
    """gammaln → digamma → polygamma(1) → polygamma(2): each rule's derivative is the next primitive."""
    x = np.array([0.7, 1.5, 4.0])

    def third_order(grad, special, xp):
        f = lambda x: xp.sum(special.gammaln(x))  # noqa: E731
        return grad(lambda x: xp.sum(grad(lambda y: xp.sum(grad(f)(y) ** 2))(x) * x))

    assert_close(third_order(cl.grad, sp, np)(x), third_order(jax.grad, jsp, jnp)(jnp.asarray(x)))
    assert cl.grad(cl.grad(sp.gammaln))(1.5) == pytest.approx(float(sp.polygamma(1, 1.5)), rel=1e-14)
    assert cl.grad(cl.grad(cl.grad(sp.gammaln)))(1.5) == pytest.approx(float(sp.polygamma(2, 1.5)), rel=1e-14)


def test_logsumexp_and_softmax_written_with_np_max_are_stable():
    x = np.array([1000.0, 1001.0, -np.inf])
    lse = lambda x: np.max(x) + np.log(np.sum(np.exp(x - np.max(x))))  # noqa: E731
    g = cl.grad(lse)(x)
    np.testing.assert_allclose(g, [1 / (1 + np.e), np.e / (1 + np.e), 0.0], rtol=1e-14)


def test_item_keeps_the_derivative():
    x = np.array([[0.5, 2.0], [1.5, -1.0]])
    assert_close(cl.grad(lambda x: x[1:, :1].item() ** 2 + x.item(0, 1) * x.item(3))(x),
                 np.array([[0.0, -1.0], [3.0, 2.0]]))


def test_ufunc_reductions_are_the_functions_they_name():
    x = np.array([[0.5, 2.0, -1.0], [1.5, -1.0, 0.25]])
    pairs = [(lambda x: np.add.reduce(x, axis=1), lambda x: np.sum(x, axis=1)),
             (lambda x: np.multiply.reduce(x), lambda x: np.prod(x, axis=0)),
             (lambda x: np.maximum.reduce(x, axis=None), lambda x: np.max(x)),
             (lambda x: np.add.accumulate(x, axis=1), lambda x: np.cumsum(x, axis=1))]
    for f, g in pairs:
        assert_close(cl.jacobian(f)(x), cl.jacobian(g)(x))


def test_integer_astype_and_floor_division_have_no_derivative():
    assert cl.grad(lambda x: np.sum(x.astype(int) * x))(np.array([1.5, 2.5])).tolist() == [1.0, 2.0]
    assert cl.grad(lambda x: (x // 1.0) * x)(2.5) == 2.0
    assert cl.grad(lambda x: divmod(x, 1.0)[1])(2.5) == 1.0


def test_std_over_one_entry_is_constant_so_its_derivative_is_zero():
    """std of a single entry is 0 whatever it is: derivative 0 (JAX's NaN there is √'s 0/0)."""
    x = np.array([[0.5, -1.0, 2.0]])
    for mode in AD_MODES:
        np.testing.assert_array_equal(cl.grad(lambda x: np.sum(np.std(x, axis=0)), mode=mode)(x), np.zeros((1, 3)))
        assert cl.grad(np.std, mode=mode)(3.5) == 0.0
    with pytest.warns(cl.core.DomainWarning):        # 0/0: the std with ddof=1 of one entry is NaN (as NumPy's)
        assert np.isnan(cl.grad(lambda x: np.sum(np.std(x, axis=0, ddof=1)))(x)).all()


def test_casting_to_integers_has_no_derivative():
    x = np.array([1.5, 2.5])
    assert cl.grad(lambda x: np.sum(np.int64(x) * x))(x).tolist() == [1.0, 2.0]
    assert cl.grad(lambda x: np.sum(np.asarray(x, dtype=int) * x), mode="forward")(x).tolist() == [1.0, 2.0]


def test_svd_full_matrices_of_a_non_square_matrix_is_refused():
    with pytest.raises(TypeError, match="full_matrices=False"):
        cl.grad(lambda a: np.sum(np.linalg.svd(a)[0]))(np.ones((3, 2)))
    assert cl.grad(lambda a: np.sum(np.linalg.svd(a)[1]))(np.eye(2) * [1.0, 2.0]).tolist() == [[1.0, 0.0], [0.0, 1.0]]


def test_solve_and_det_of_batched_and_broadcast_inputs_against_jax():
    a = np.stack([np.eye(2) * 2 + 0.3, np.eye(2) * 3 - 0.2])
    b = np.array([[0.5, -1.0], [2.0, 0.25]])        # b of shape (2, 2): one matrix for both, broadcast
    f = lambda xp: lambda a, b: xp.sum(xp.sin(xp.linalg.solve(a, b)) * xp.linalg.det(a)[:, None, None])  # noqa: E731
    for i in (0, 1):
        assert_close(cl.grad(f(np), argnums=i)(a, b), jax.grad(f(jnp), argnums=i)(jnp.asarray(a), jnp.asarray(b)))
    assert_close(cl.hessian(f(np))(a, b), jax.hessian(f(jnp))(jnp.asarray(a), jnp.asarray(b)))


def test_cholesky_upper_and_eigh_named_results():
    a = spd(3, 5)
    f = lambda a: np.sum(np.linalg.cholesky(a, upper=True) ** 3) + np.sum(np.linalg.eigh(a).eigenvalues ** 3)  # noqa: E731
    fj = lambda a: jnp.sum(jnp.linalg.cholesky(a).T ** 3) + jnp.sum(jnp.linalg.eigh(a).eigenvalues ** 3)  # noqa: E731
    assert_close(cl.grad(f)(a), jax.grad(fj)(jnp.asarray(a)))
    assert cl.grad(lambda a: np.linalg.slogdet(a).logabsdet)(a) == pytest.approx(np.linalg.inv(a).T, rel=1e-12)


# ---------------------------------------------------------------------------------------------------
# Errors that say what is wrong and what to do
# ---------------------------------------------------------------------------------------------------
def _trace(f, x, mode):
    """Run f on a traced x: reverse mode (vjp) or forward mode (jvp)."""
    if mode == "reverse":
        return cl.vjp(f, x)
    return cl.jvp(f, (x,), (np.ones_like(x),))


@pytest.mark.parametrize("mode", AD_MODES)
@pytest.mark.parametrize("f, error, words", [
    (lambda x: np.sum(np.linalg.eigh(x.reshape(2, 2))[0]), ValueError, r"symmetric.*\(A \+ A\.T\) / 2"),
    (lambda x: np.sum(np.linalg.cholesky(x.reshape(2, 2))), ValueError, "symmetric"),
    (lambda x: np.linalg.det(x), ValueError, "square matrix"),
    (lambda x: np.linalg.norm(x.reshape(2, 2), 3), ValueError, "no matrix norm ord=3.*'fro'"),
    (lambda x: np.linalg.norm(x, "nuc"), ValueError, "matrix norm"),
    (lambda x: np.sum(np.pad(x, 1, mode="mean")), TypeError, "mode 'constant'"),
    (lambda x: np.einsum(x, ["i"], [0]), TypeError, "axis numbers.*as a string"),
    (lambda x: np.einsum("ij,j", x), ValueError, "2 operands"),
    (lambda x: np.max(x, initial=0.0), TypeError, "initial"),
    (lambda x: x.sort(), TypeError, r"np\.sort\(x\)"),
    (lambda x: x.__setitem__(0, 1.0), TypeError, "np.where"),
    (lambda x: np.sum(x.astype(complex)), TypeError, "real numbers"),
    (lambda x: np.sum(np.sort(x, order="f")), TypeError, "order"),
    (lambda x: np.sum(np.cross(x[:2], x[2:])), ValueError, "3 components"),
    (lambda x: np.sum(np.array([x[0], x[1]])), TypeError, r"np\.stack"),
])
def test_bad_input_gets_an_error_that_says_what_to_do(f, error, words, mode):
    with pytest.raises(error, match=words):
        _trace(f, np.array([1.0, 2.0, 3.0, 5.0]), mode)


def test_scipy_functions_that_convert_their_input_point_to_numpy():
    """scipy.special.logsumexp and softmax are not ufuncs: they call np.asarray on their input, which would
    lose the derivative. The error says to write them with np.max, np.exp and np.log."""
    for name, f in (("logsumexp", lambda x: sp.logsumexp(x)), ("softmax", lambda x: np.sum(sp.softmax(x) * x))):
        with pytest.raises(TypeError, match=rf"scipy\.special\.{name} turns its input .*np\.max"):
            cl.grad(f)(np.array([1.0, 2.0]))


def test_singular_matrix_in_det_vjp_is_numpys_error():
    with pytest.raises(np.linalg.LinAlgError):
        cl.grad(np.linalg.det)(np.ones((2, 2)))


def test_domain_warnings_name_the_new_functions():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cl.grad(lambda x: np.sum(np.arcsin(x)))(np.array([0.5, 2.0]))
    assert any("arcsin" in str(w.message) and "-1 <= x <= 1" in str(w.message) for w in caught)


@pytest.mark.parametrize("f", [
    lambda xp: lambda x: xp.max(-x) + xp.min(100.0 * x),
    lambda xp: lambda x: xp.sum(xp.sort(1.0 - x) * xp.linspace(0.0, 1.0, x.size)),
    lambda xp: lambda x: xp.sum(xp.cumsum(-x) ** 2) * 1e-6,
    lambda xp: lambda x: xp.linalg.norm(100.0 * x) + xp.std(-x) + xp.median(-x),
    lambda xp: lambda x: xp.sum(xp.pad(-x, 3, mode="reflect") * xp.roll(xp.pad(x, 3), 5)),
    lambda xp: lambda x: xp.einsum("i,i->", -x, xp.repeat(x[::2], 2)) + xp.sum(xp.take(-x, np.arange(0, x.size, 3))),
    lambda xp: lambda x: xp.sum(xp.reshape(-x, (200, -1)).max(axis=1) * xp.reshape(x, (200, -1)).var(axis=1)),
])
def test_large_arrays_where_the_backward_pass_keeps_constant_factors_aside(f):
    """At 40 000 entries (above rules.LARGE) the adjoint of −x or 100·x is kept as a factor (rules.Scaled)
    until it is added: the new functions' gradients are still JAX's."""
    x = np.random.default_rng(3).normal(size=40_000)
    assert x.nbytes >= rules.LARGE
    assert_close(cl.grad(f(np))(x), jax.grad(f(jnp))(jnp.asarray(x)), rtol=1e-9)


def test_check_grad_skips_the_complex_step_through_functions_without_complex_support():
    table = cl.check_grad(lambda x: np.sum(sp.expit(x) * np.linalg.norm(x) + np.cbrt(x)), np.array([0.3, 1.2]))
    row = next(r for r in table.rows if r[0] == "complex-step")
    assert "not applicable" in row[1] and "expit" in row[1] and "norm" in row[1]
    table = cl.check_grad(lambda x: np.sum(np.arcsin(x) * sp.erf(x)), np.array([0.3, 0.2]))
    assert "not applicable" not in next(r for r in table.rows if r[0] == "complex-step")[1]


def test_solve_factors_its_matrix_once_for_the_value_and_both_gradients(monkeypatch):
    """np.linalg.solve keeps A's LU factors (rules.LUFactors) for its derivatives, as JAX does: the gradient with
    respect to A and b factors A once (O(n³)); the backward pass only solves with the factors (O(n²))."""
    import scipy.linalg

    calls = {"lu_factor": 0, "lu_solve": 0}
    for name in calls:
        def counting(*args, _f=getattr(scipy.linalg, name), _name=name, **kwargs):
            calls[_name] += 1
            return _f(*args, **kwargs)
        monkeypatch.setattr(scipy.linalg, name, counting)
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(5, 5)) + 5 * np.eye(5), rng.normal(size=5)
    f = lambda xp: lambda a, b: xp.sum(xp.sin(xp.linalg.solve(a, b)))  # noqa: E731
    grads = cl.grad(f(np), argnums=(0, 1))(a, b)
    assert calls["lu_factor"] == 1 and calls["lu_solve"] >= 2, calls
    for mine, jax_grad in zip(grads, jax.grad(f(jnp), argnums=(0, 1))(jnp.asarray(a), jnp.asarray(b))):
        assert_close(mine, jax_grad)
    with pytest.raises(np.linalg.LinAlgError):
        cl.grad(lambda a: np.sum(np.linalg.solve(a, b)))(np.ones((5, 5)))
