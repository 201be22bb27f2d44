"""calclib's function transformations (grad, value_and_grad, derivative, jacobian, hessian, jvp, vjp,
count_passes) against independent references: JAX in float64, sympy and analytic formulas."""

from __future__ import annotations

import math
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import sympy as sp

import calclib as cl
from calclib import api, reverse
from calclib.api import DomainWarning

from references import assert_close

jax.config.update("jax_enable_x64", True)

AD_MODES = ("reverse", "forward")


def assert_tuple_close(actual, expected, rtol=1e-10):
    assert isinstance(actual, tuple) and len(actual) == len(expected)
    for a, e in zip(actual, expected):
        assert_close(a, e, rtol)


# ---------------------------------------------------------------------------------------------------
# ★ f(x, y, z, w) = 2 (x y + max(z, w)) at (3, −4, 2, −1): f = −20, ∇f = (−8, 6, 2, 0)
# ---------------------------------------------------------------------------------------------------
def _pinned_reference():
    x, y, z, w = sp.symbols("x y z w")
    f = 2 * (x * y + sp.Max(z, w))
    point = {x: 3, y: -4, z: 2, w: -1}
    return float(f.subs(point)), tuple(float(sp.diff(f, v).subs(point)) for v in (x, y, z, w))


@pytest.mark.parametrize("mode", AD_MODES)
@pytest.mark.parametrize("maximum", [max, np.maximum], ids=["python max", "np.maximum"])
def test_pinned_gradient(mode, maximum):
    value, gradient = _pinned_reference()
    assert (value, gradient) == (-20.0, (-8.0, 6.0, 2.0, 0.0))

    def f(x, y, z, w):
        return 2 * (x * y + maximum(z, w))

    point = (3.0, -4.0, 2.0, -1.0)
    out, grads = cl.value_and_grad(f, argnums=(0, 1, 2, 3), mode=mode)(*point)
    assert type(out) is float and out == value
    assert grads == gradient and all(type(g) is float for g in grads)
    # one argument at a time, and the vector form
    assert tuple(cl.grad(f, argnums=i, mode=mode)(*point) for i in range(4)) == gradient
    g = cl.grad(lambda v: f(v[0], v[1], v[2], v[3]), mode=mode)(np.array(point))
    np.testing.assert_array_equal(g, gradient)
    fj = lambda x, y, z, w: 2 * (x * y + jnp.maximum(z, w))  # noqa: E731
    assert tuple(float(v) for v in jax.grad(fj, argnums=(0, 1, 2, 3))(*point)) == gradient


# ---------------------------------------------------------------------------------------------------
# Conventions at kinks: as JAX, in both modes
# ---------------------------------------------------------------------------------------------------
KINKS = {
    "abs at 0": (lambda x: np.abs(x), lambda x: jnp.abs(x), 0.0, 1.0),
    "builtin abs at 0": (lambda x: abs(x), lambda x: abs(x), 0.0, 1.0),
    "maximum(x, 0) at 0": (lambda x: np.maximum(x, 0.0), lambda x: jnp.maximum(x, 0.0), 0.0, 0.5),
    "maximum(0, x) at 0": (lambda x: np.maximum(0.0, x), lambda x: jnp.maximum(0.0, x), 0.0, 0.5),
    "minimum(x, 0) at 0": (lambda x: np.minimum(x, 0.0), lambda x: jnp.minimum(x, 0.0), 0.0, 0.5),
    "minimum(0, x) at 0": (lambda x: np.minimum(0.0, x), lambda x: jnp.minimum(0.0, x), 0.0, 0.5),
    "maximum(x, x)": (lambda x: np.maximum(x, x), lambda x: jnp.maximum(x, x), 1.5, 1.0),
    "clip at the lower bound": (lambda x: np.clip(x, 0.0, 1.0), lambda x: jnp.clip(x, 0.0, 1.0), 0.0, 0.5),
    "clip at the upper bound": (lambda x: np.clip(x, 0.0, 1.0), lambda x: jnp.clip(x, 0.0, 1.0), 1.0, 0.5),
    "sqrt at 0": (lambda x: np.sqrt(x), lambda x: jnp.sqrt(x), 0.0, np.inf),
    "relu at 0 via where": (lambda x: np.where(x > 0, x, 0.0), lambda x: jnp.where(x > 0, x, 0.0), 0.0, 0.0),
}


@pytest.mark.parametrize("name", KINKS)
@pytest.mark.parametrize("mode", AD_MODES)
def test_kink_conventions_match_jax(name, mode):
    f, fj, x, expected = KINKS[name]
    reference = float(jax.grad(fj)(x))
    assert reference == expected == float(jax.jvp(fj, (x,), (1.0,))[1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")            # no RuntimeWarning (and no DomainWarning) at a kink
        assert cl.grad(f, mode=mode)(x) == reference
        assert cl.derivative(f, mode=mode)(np.array([x, x])).tolist() == [reference, reference]
    assert cl.jvp(f, (x,), (1.0,))[1] == reference
    assert cl.vjp(f, x)[1](1.0)[0] == reference


@pytest.mark.parametrize("mode", AD_MODES)
def test_power_with_zero_base_matches_jax(mode):
    assert float(jax.grad(lambda x: x ** 0)(0.0)) == 0.0
    assert cl.grad(lambda x: x ** 0, mode=mode)(0.0) == 0.0
    assert float(jax.grad(lambda p: 0.0 ** p)(2.0)) == 0.0
    assert cl.grad(lambda p: 0.0 ** p, mode=mode)(2.0) == 0.0


# ---------------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", AD_MODES)
def test_grad_of_a_non_scalar_output_points_to_jacobian(mode):
    for transform in (cl.grad, cl.value_and_grad):
        with pytest.raises(ValueError, match="jacobian"):
            transform(lambda x: x * 2, mode=mode)(np.ones(3))
        with pytest.raises(ValueError, match="jacobian"):
            transform(lambda x: np.sum(x) * np.ones(1), mode=mode)(np.ones(3))


@pytest.mark.parametrize("argnums", [1, -2, (0, 1), (0, 0, 5), "0", (0, "1"), (0, 1.5), ()])
def test_bad_argnums_are_value_errors(argnums):
    f = lambda x: np.sum(x ** 2)  # noqa: E731
    for make in (lambda: cl.grad(f, argnums=argnums), lambda: cl.value_and_grad(f, argnums=argnums)):
        with pytest.raises(ValueError, match="argnums"):
            make()(np.ones(2))
    with pytest.raises(ValueError, match="argnums"):
        cl.jacobian(f, argnums=argnums)(np.ones(2))


@pytest.mark.parametrize("argnums", [1.0, None])
def test_non_iterable_non_int_argnums_is_a_value_error(argnums):
    with pytest.raises(ValueError, match="argnums"):
        cl.grad(lambda x: x * x, argnums=argnums)(1.0)


def test_argnums_may_count_from_the_end_as_in_jax():
    f = lambda x, y: x * y ** 3  # noqa: E731
    assert cl.grad(f, argnums=-1)(2.0, 3.0) == float(jax.grad(f, argnums=-1)(2.0, 3.0)) == 54.0
    assert cl.jacobian(f, argnums=-1, mode="forward")(2.0, 3.0) == 54.0
    assert cl.hessian(f, argnums=-1)(2.0, 3.0) == float(jax.hessian(f, argnums=-1)(2.0, 3.0)) == 36.0


def test_unknown_mode_lists_the_modes():
    for transform in (cl.grad, cl.value_and_grad, cl.derivative, cl.jacobian):
        with pytest.raises(ValueError, match="sideways") as info:
            transform(np.sin, mode="sideways")
        for mode in api.MODES:
            assert repr(mode) in str(info.value)
    with pytest.raises(ValueError, match="sideways"):
        cl.check_grad(np.sin, 1.0, modes=("sideways",))


def test_non_callables_are_type_errors():
    for transform in (cl.grad, cl.value_and_grad, cl.derivative, cl.jacobian, cl.hessian):
        with pytest.raises(TypeError, match="function"):
            transform(np.array([1.0, 2.0]))
    with pytest.raises(TypeError):
        cl.jvp(3.0, (1.0,), (1.0,))
    with pytest.raises(TypeError):
        cl.vjp(3.0, 1.0)
    with pytest.raises(TypeError):
        cl.check_grad("np.sin", 1.0)


UNSUPPORTED = {
    "np.convolve": lambda x: np.sum(np.convolve(x, x)),
    "np.linalg.pinv": lambda x: np.sum(np.linalg.pinv(x.reshape(2, 2))),
    "np.linalg.qr": lambda x: np.sum(np.linalg.qr(x.reshape(2, 2))[1]),
    "np.interp": lambda x: np.sum(np.interp(x, [0.0, 1.0], [1.0, 2.0])),
    "np.maximum.accumulate": lambda x: np.sum(np.maximum.accumulate(x)),
    "np.spacing": lambda x: np.sum(np.spacing(x)),
}


@pytest.mark.parametrize("name", UNSUPPORTED)
@pytest.mark.parametrize("mode", AD_MODES)
def test_unsupported_numpy_functions_are_named(name, mode):
    with pytest.raises(TypeError, match="not supported") as info:
        cl.grad(UNSUPPORTED[name], mode=mode)(np.array([1.0, 2.0, 3.0, 5.0]))
    assert name in str(info.value).split(" is not supported")[0]
    assert "np.stack" in str(info.value)    # ... and the message lists what is supported


@pytest.mark.parametrize("mode", AD_MODES)
def test_building_a_plain_array_from_traced_values_points_to_stack(mode):
    for f in (lambda x: np.sum(np.array([x[0], x[1]])), lambda x: np.sum(np.asarray(x))):
        with pytest.raises(TypeError, match=r"np\.stack"):
            cl.grad(f, mode=mode)(np.array([1.0, 2.0]))


@pytest.mark.parametrize("mode", AD_MODES)
def test_leaving_numpy_is_a_type_error(mode):
    for f in (lambda x: float(x), lambda x: math.sin(x), lambda x: math.exp(x) * x, lambda x: int(x) * x):
        with pytest.raises(TypeError, match="np.sin"):
            cl.grad(f, mode=mode)(1.0)


@pytest.mark.parametrize("mode", AD_MODES)
def test_log_of_a_negative_number_warns_by_name_and_gives_nan(mode):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value, g = cl.value_and_grad(lambda x: np.log(x) + x, mode=mode)(-2.0)
    assert math.isnan(value)
    assert g == 1.0 + 1.0 / -2.0      # the formula 1/x is still evaluated: 0.5
    categories = {w.category for w in caught}
    assert categories == {DomainWarning}, [str(w.message) for w in caught]
    assert all("log" in str(w.message) for w in caught)
    assert not any(issubclass(w.category, RuntimeWarning) for w in caught)


def test_domain_warnings_in_every_transformation():
    assert DomainWarning is cl.core.DomainWarning and issubclass(DomainWarning, UserWarning)
    x = np.array([1.0, -1.0, 4.0])
    for call in (lambda: cl.derivative(np.sqrt)(x), lambda: cl.derivative(np.sqrt, mode="forward")(x),
                 lambda: cl.jacobian(np.sqrt, mode="reverse")(x), lambda: cl.jvp(np.sqrt, (x,), (x,))):
        with pytest.warns(DomainWarning, match="sqrt"):
            result = call()
        assert np.isnan(np.asarray(result)).any()
    with pytest.warns(DomainWarning, match="divide"):
        assert cl.grad(lambda x: 1.0 / x)(0.0) == -np.inf


@pytest.mark.parametrize("f", [lambda x: np.sum(x / 0.0), lambda x: np.sum(x ** 0.5)], ids=["x / 0.0", "x ** 0.5"])
def test_domain_warning_for_arguments_of_different_shapes(f):
    with pytest.warns(DomainWarning):
        value = cl.value_and_grad(f)(np.array([-1.0, 4.0]))[0]
    assert not np.isfinite(value)


def test_integer_inputs_are_promoted_to_float64():
    seen = []

    def f(x):
        seen.append(x.dtype)
        return np.sum(x * x) / 2 + np.sum(x ** -1)

    x = np.array([1, 2, 4])
    g = cl.grad(f)(x)
    assert g.dtype == np.float64 and set(seen) == {np.dtype(np.float64)}
    np.testing.assert_allclose(g, x - 1.0 / x ** 2, rtol=1e-15)
    g = cl.grad(lambda x: np.sum(x * x) / 2 + np.sum(1.0 / x), mode="forward")(x)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, x - 1.0 / x ** 2, rtol=1e-15)
    assert cl.grad(lambda x: x * x)(3) == 6.0 and type(cl.grad(lambda x: x * x)(3)) is float
    np.testing.assert_array_equal(cl.derivative(lambda x: x ** 3)(np.array([1, 2])), [3.0, 12.0])
    np.testing.assert_array_equal(cl.jacobian(lambda x: x * x, mode="forward")(np.array([1, 2])), [[2, 0], [0, 4]])
    np.testing.assert_array_equal(cl.hessian(lambda x: np.sum(x ** 3))(np.array([1, 2])), [[6, 0], [0, 12]])
    assert cl.vjp(lambda x: x / 2, 3)[1](1)[0] == 0.5


def test_forward_mode_value_uses_the_promoted_input():
    seen = []

    def f(x):
        seen.append(x.dtype)
        return np.sum(x ** -1)

    value, g = cl.value_and_grad(f, mode="forward")(np.array([1, 2]))
    assert value == 1.5
    np.testing.assert_array_equal(g, [-1.0, -0.25])
    assert set(seen) == {np.dtype(np.float64)}


def test_results_are_float_arrays_or_python_floats():
    f = lambda x: np.sum(np.sin(x))  # noqa: E731
    x = np.array([0.1, 0.2])
    for mode in AD_MODES:
        g = cl.grad(f, mode=mode)(x)
        assert type(g) is np.ndarray and g.dtype == np.float64
        assert type(cl.grad(np.sin, mode=mode)(0.5)) is float
        value, g = cl.value_and_grad(np.sin, mode=mode)(0.5)
        assert type(value) is float and type(g) is float
        assert type(cl.derivative(np.sin, mode=mode)(0.5)) is float
        J = cl.jacobian(np.sin, mode=mode)(x)
        assert type(J) is np.ndarray and J.dtype == np.float64
        assert type(cl.jacobian(lambda t: t * t, mode=mode)(3.0)) is float
    H = cl.hessian(f)(x)
    assert type(H) is np.ndarray and H.dtype == np.float64
    assert type(cl.hessian(np.sin)(0.3)) is float


# ---------------------------------------------------------------------------------------------------
# argnums tuples, value_and_grad
# ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", AD_MODES)
def test_argnums_tuple_gives_a_tuple_of_gradients_as_jax(mode):
    def make(xp):
        return lambda W, x, b, s: xp.sum(xp.tanh(W @ x + b) * s) + s ** 2

    rng = np.random.default_rng(0)
    args = (rng.normal(size=(3, 2)), rng.normal(size=2), rng.normal(size=3), 0.7)
    jargs = tuple(jnp.asarray(a) for a in args)
    for argnums in [(0, 1, 2, 3), (2, 0), (3,), (1, -1)]:
        got = cl.grad(make(np), argnums=argnums, mode=mode)(*args)
        assert_tuple_close(got, jax.grad(make(jnp), argnums=argnums)(*jargs))
        value, got = cl.value_and_grad(make(np), argnums=argnums, mode=mode)(*args)
        ref_value, ref = jax.value_and_grad(make(jnp), argnums=argnums)(*jargs)
        assert type(value) is float
        assert_close(value, ref_value)
        assert_tuple_close(got, ref)
    value, g = cl.value_and_grad(make(np), mode=mode)(*args)        # an int argnums: a bare gradient
    assert type(value) is float and isinstance(g, np.ndarray) and g.shape == (3, 2)


# ---------------------------------------------------------------------------------------------------
# derivative: f' at every point of an array
# ---------------------------------------------------------------------------------------------------
DERIVATIVE_FUNCTIONS = {
    "x sin x + exp(-x²)": (lambda x: x * np.sin(x) + np.exp(-x ** 2), lambda x: x * jnp.sin(x) + jnp.exp(-x ** 2)),
    "tanh(x)**3 / (1 + x²)": (lambda x: np.tanh(x) ** 3 / (1 + x ** 2), lambda x: jnp.tanh(x) ** 3 / (1 + x ** 2)),
    "sqrt(1 + x²) log(2 + cos x)": (lambda x: np.sqrt(1 + x * x) * np.log(2 + np.cos(x)),
                                    lambda x: jnp.sqrt(1 + x * x) * jnp.log(2 + jnp.cos(x))),
}


@pytest.mark.parametrize("name", DERIVATIVE_FUNCTIONS)
def test_derivative_on_an_array_of_points_matches_vmap_grad(name):
    f, fj = DERIVATIVE_FUNCTIONS[name]
    x = np.linspace(-2.5, 2.5, 11).reshape(11)
    X = x.reshape(1, 11)                       # any shape works elementwise
    expected = jax.vmap(jax.grad(fj))(jnp.asarray(x))
    for mode in AD_MODES:
        assert_close(cl.derivative(f, mode=mode)(x), expected)
        assert_close(cl.derivative(f, mode=mode)(X), np.asarray(expected).reshape(1, 11))
    assert_close(cl.derivative(f, mode="central")(x), expected, rtol=1e-6, atol=1e-8)
    assert_close(cl.derivative(f, mode="richardson")(x), expected, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("mode", AD_MODES)
def test_derivative_of_a_non_elementwise_function_is_refused(mode):
    x = np.array([1.0, 2.0, 3.0])
    for f in (np.sum, lambda x: x[:2], lambda x: np.outer(x, x), lambda x: np.stack([x, x])):
        with pytest.raises(ValueError, match="elementwise"):
            cl.derivative(f, mode=mode)(x)


@pytest.mark.xfail(strict=True, reason="engine gap (design question): derivative only compares shapes, so a "
                   "same-shaped non-elementwise f (x[::-1], x * sum(x)) silently returns 1ᵀJ (reverse) or J·1 "
                   "(forward) instead of raising")
@pytest.mark.parametrize("mode", AD_MODES)
def test_derivative_of_a_same_shaped_non_elementwise_function_is_refused(mode):
    with pytest.raises(ValueError, match="elementwise"):
        cl.derivative(lambda x: x[::-1], mode=mode)(np.array([1.0, 2.0, 3.0]))


# ---------------------------------------------------------------------------------------------------
# jacobian and hessian
# ---------------------------------------------------------------------------------------------------
def test_jacobian_modes_agree_with_jax():
    def make(xp):
        return lambda x, A: xp.stack([x[0] * x[1] * x[2], xp.sin(x[0]) + x[2] ** 2, xp.sum(A @ x)])

    x, A = np.array([0.5, -1.5, 2.0]), np.arange(6.0).reshape(2, 3)
    expected = jax.jit(jax.jacfwd(make(jnp)))(jnp.asarray(x), jnp.asarray(A))
    for mode in AD_MODES:
        assert_close(cl.jacobian(make(np), mode=mode)(x, A), expected)
    expected_A = jax.jit(jax.jacrev(make(jnp), argnums=1))(jnp.asarray(x), jnp.asarray(A))
    assert_close(cl.jacobian(make(np), argnums=1, mode="reverse")(x, A), expected_A)
    assert_close(cl.jacobian(make(np), argnums=1, mode="forward")(x, A), expected_A)
    assert_close(cl.jacobian(make(np), mode="central")(x, A), expected, rtol=1e-6, atol=1e-8)
    with pytest.raises(ValueError, match="argnums"):
        cl.jacobian(make(np), argnums=(0, 1))


def test_hessian_docstring_example_and_symmetry():
    H = cl.hessian(lambda p: 2 * p[0] ** 2 + 3 * p[1] ** 2 - p[0] * p[1])(np.array([1.0, 3.0]))
    np.testing.assert_array_equal(H, [[4.0, -1.0], [-1.0, 6.0]])
    f = lambda x: np.sum(np.exp(x[:-1] * x[1:]))  # noqa: E731
    fj = lambda x: jnp.sum(jnp.exp(x[:-1] * x[1:]))  # noqa: E731
    x = np.array([0.3, -0.8, 1.1, 0.4])
    H = cl.hessian(f)(x)
    assert_close(H, jax.jit(jax.hessian(fj))(jnp.asarray(x)))
    assert_close(H, H.T)


def test_hessian_with_respect_to_a_matrix_argument():
    f = lambda W, x: np.sum(np.tanh(W @ x) ** 2)  # noqa: E731
    fj = lambda W, x: jnp.sum(jnp.tanh(W @ x) ** 2)  # noqa: E731
    W, x = np.array([[0.2, -0.5], [1.0, 0.3]]), np.array([0.7, -1.2])
    H = cl.hessian(f)(W, x)
    assert H.shape == (2, 2, 2, 2)
    assert_close(H, jax.jit(jax.hessian(fj))(jnp.asarray(W), jnp.asarray(x)))
    assert_close(cl.hessian(f, argnums=1)(W, x), jax.jit(jax.hessian(fj, argnums=1))(jnp.asarray(W), jnp.asarray(x)))


def test_hessian_of_every_primitive_matches_jax(prim_case, prim_reference):
    """Forward over reverse: the reverse rules of every primitive, differentiated by forward mode."""
    H = cl.hessian(prim_reference["scalarized"])(*prim_case.args)
    assert_close(H, prim_reference["hessian"])
    n = int(np.size(prim_case.args[0]))
    assert_close(np.reshape(H, (n, n)), np.reshape(H, (n, n)).T, rtol=1e-9)


def test_hessian_with_indexing_of_mixed_order():
    f = lambda x: x[0] + x[1] ** 2 + x[2]  # noqa: E731
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(cl.hessian(f)(x), jax.hessian(f)(jnp.asarray(x)))


# ---------------------------------------------------------------------------------------------------
# Nesting
# ---------------------------------------------------------------------------------------------------
def _scalar_fn(xp):
    return lambda x: xp.sin(x) * xp.exp(x / 3) + x ** 4 / (1 + x * x)


@pytest.mark.parametrize("x", [-1.3, 0.4, 2.2])
def test_second_and_third_derivatives_in_every_combination_of_modes(x):
    f, fj = _scalar_fn(np), _scalar_fn(jnp)
    d2_ref = float(jax.jit(jax.grad(jax.grad(fj)))(x))
    d3_ref = float(jax.jit(jax.grad(jax.grad(jax.grad(fj))))(x))
    for outer in AD_MODES:
        for inner in AD_MODES:
            assert_close(cl.grad(cl.grad(f, mode=inner), mode=outer)(x), d2_ref)
            for innermost in AD_MODES:
                d3 = cl.grad(cl.grad(cl.grad(f, mode=innermost), mode=inner), mode=outer)(x)
                assert_close(d3, d3_ref)
    assert_close(cl.hessian(f)(x), d2_ref)
    assert_close(cl.jacobian(cl.grad(f), mode="forward")(x), d2_ref)
    assert_close(cl.derivative(cl.derivative(f))(np.array([x, x])), [d2_ref, d2_ref])


def test_reverse_over_reverse_and_forward_over_reverse_hessians_agree_with_jax():
    f = lambda x: np.sum(np.tanh(x[:-1]) * x[1:] ** 2) + np.mean(x) ** 3  # noqa: E731
    fj = lambda x: jnp.sum(jnp.tanh(x[:-1]) * x[1:] ** 2) + jnp.mean(x) ** 3  # noqa: E731
    x = np.array([0.4, -1.1, 0.9, 1.7, -0.3])
    expected = jax.jit(jax.hessian(fj))(jnp.asarray(x))
    assert_close(cl.jacobian(cl.grad(f), mode="reverse")(x), expected)     # reverse over reverse
    assert_close(cl.jacobian(cl.grad(f), mode="forward")(x), expected)     # forward over reverse
    assert_close(cl.jacobian(cl.grad(f, mode="forward"), mode="reverse")(x), expected)
    assert_close(cl.jacobian(cl.grad(f, mode="forward"), mode="forward")(x), expected)


def test_grad_inside_jvp_is_a_hessian_vector_product():
    f = lambda x: np.sum(np.exp(x) * np.sin(x[::-1])) + (x @ x) ** 2  # noqa: E731
    fj = lambda x: jnp.sum(jnp.exp(x) * jnp.sin(x[::-1])) + (x @ x) ** 2  # noqa: E731
    x, v = np.array([0.3, -0.7, 1.2]), np.array([1.0, -2.0, 0.5])
    g, hv = cl.jvp(cl.grad(f), (x,), (v,))
    g_ref, hv_ref = jax.jit(lambda x, v: jax.jvp(jax.grad(fj), (x,), (v,)))(jnp.asarray(x), jnp.asarray(v))
    assert_close(g, g_ref)
    assert_close(hv, hv_ref)
    # jvp inside grad: ∇ₓ (∇f(x) · v) is the same Hessian-vector product (H symmetric)
    assert_close(cl.grad(lambda x: cl.jvp(f, (x,), (v,))[1])(x), hv_ref)
    # vjp inside jvp and grad
    _, pullback = cl.vjp(cl.grad(f), x)
    assert_close(pullback(v)[0], hv_ref)


@pytest.mark.parametrize("outer", AD_MODES)
@pytest.mark.parametrize("inner", AD_MODES)
def test_perturbation_confusion(outer, inner):
    """Siskind & Pearlmutter: d/dx [x · d/dy (x + y)] = 1 at any x; a confused AD gives 2."""
    def f(x):
        return x * cl.grad(lambda y: x + y, mode=inner)(1.0)

    fj = lambda x: x * jax.grad(lambda y: x + y)(1.0)  # noqa: E731
    for x in (1.0, -3.0, 0.25):
        assert float(jax.grad(fj)(x)) == 1.0
        assert cl.grad(f, mode=outer)(x) == 1.0
    # and a closure that must carry the outer perturbation: d/dx [d/dy (x y²)]_{y=x} = d/dx 2x² = 4x
    g = lambda x: cl.grad(lambda y: x * y * y, mode=inner)(x)  # noqa: E731
    assert cl.grad(g, mode=outer)(1.5) == float(jax.grad(lambda x: jax.grad(lambda y: x * y * y)(x))(1.5)) == 6.0


# ---------------------------------------------------------------------------------------------------
# count_passes, checked against calls that are counted independently
# ---------------------------------------------------------------------------------------------------
class CallCounter:
    def __init__(self, f):
        self.f, self.calls = f, 0

    def __call__(self, *args):
        self.calls += 1
        return self.f(*args)


@pytest.fixture
def backward_calls(monkeypatch):
    calls = []
    original = reverse.backward

    def counting_backward(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(reverse, "backward", counting_backward)
    return calls


@pytest.mark.parametrize("n, m", [(1, 1), (3, 2), (5, 4), (2, 6)])
def test_count_passes_for_jacobians(n, m, backward_calls):
    W = np.random.default_rng(n * 10 + m).normal(size=(m, n))
    f = CallCounter(lambda x: np.tanh(W @ x))
    x = np.linspace(-1, 1, n)
    with api.count_passes() as counts:
        J_forward = cl.jacobian(f, mode="forward")(x)
    assert counts["forward passes"] == n == f.calls and counts["backward passes"] == 0 == len(backward_calls)
    f.calls = 0
    with api.count_passes() as counts:
        J_reverse = cl.jacobian(f, mode="reverse")(x)
    assert counts["forward passes"] == 1 == f.calls
    assert counts["backward passes"] == m == len(backward_calls)
    assert_close(J_forward, J_reverse)


def test_count_passes_for_grad_and_derivative(backward_calls):
    f = CallCounter(lambda x: np.sum(np.sin(x) * x))
    x = np.ones(7)
    with api.count_passes() as counts:
        cl.grad(f)(x)
    assert (counts["forward passes"], counts["backward passes"]) == (1, 1) == (f.calls, len(backward_calls))
    assert counts["function evaluations"] == 0
    f.calls = 0
    with api.count_passes() as counts:
        cl.grad(f, mode="forward")(x)
    assert counts["forward passes"] == 7 and counts["backward passes"] == 0
    backward_calls.clear()
    f.calls = 0
    g = CallCounter(np.sin)
    with api.count_passes() as counts:
        cl.derivative(g)(np.ones(50))
    assert (counts["forward passes"], counts["backward passes"]) == (1, 1) == (g.calls, len(backward_calls))
    with api.count_passes() as counts:
        pass
    assert counts == {"forward passes": 0, "backward passes": 0, "function evaluations": 0}


def test_count_passes_reports_even_when_the_block_raises():
    with pytest.raises(ValueError):
        with api.count_passes() as counts:
            cl.grad(lambda x: x)(np.ones(2))        # non-scalar output: the forward pass happened
    assert counts["forward passes"] == 1 and counts["backward passes"] == 0


# ---------------------------------------------------------------------------------------------------
# Neural-network use
# ---------------------------------------------------------------------------------------------------
def _mlp_loss(xp):
    def loss(X, W1, b1, W2, b2, y):
        hidden = xp.tanh(X @ W1 + b1)
        prediction = hidden @ W2 + b2
        return xp.mean((prediction[:, 0] - y) ** 2)
    return loss


@pytest.mark.parametrize("mode", AD_MODES)
def test_two_layer_tanh_mlp_gradients_match_jax(mode):
    rng = np.random.default_rng(42)
    X, y = rng.normal(size=(16, 3)), rng.normal(size=16)
    params = (rng.normal(size=(3, 5)) * 0.7, rng.normal(size=5) * 0.1, rng.normal(size=(5, 1)) * 0.7, np.array([0.2]))
    loss, loss_j = _mlp_loss(np), _mlp_loss(jnp)
    value, grads = cl.value_and_grad(loss, argnums=(1, 2, 3, 4), mode=mode)(X, *params, y)
    jargs = [jnp.asarray(a) for a in (X, *params, y)]
    ref_value, ref = jax.jit(jax.value_and_grad(loss_j, argnums=(1, 2, 3, 4)))(*jargs)
    assert_close(value, ref_value)
    assert_tuple_close(grads, ref)
    assert [g.shape for g in grads] == [(3, 5), (5,), (5, 1), (1,)]


@pytest.mark.parametrize("mode", AD_MODES)
def test_logistic_regression_log_loss_matches_jax_and_the_formula(mode):
    def make(xp):
        def loss(w, b, X, y):
            p = 1 / (1 + xp.exp(-(X @ w + b)))
            return -xp.mean(y * xp.log(p) + (1 - y) * xp.log(1 - p))
        return loss

    rng = np.random.default_rng(7)
    X, y = rng.normal(size=(20, 4)), (rng.uniform(size=20) < 0.5).astype(float)
    w, b = rng.normal(size=4), 0.3
    gw, gb = cl.grad(make(np), argnums=(0, 1), mode=mode)(w, b, X, y)
    ref = jax.jit(jax.grad(make(jnp), argnums=(0, 1)))(jnp.asarray(w), b, jnp.asarray(X), jnp.asarray(y))
    assert_tuple_close((gw, gb), ref)
    p = 1 / (1 + np.exp(-(X @ w + b)))                 # the analytic gradient: Xᵀ(p − y)/N
    assert_close(gw, X.T @ (p - y) / len(y))
    assert_close(gb, np.mean(p - y))


# ---------------------------------------------------------------------------------------------------
# Difference modes through the same API (calclib.finite_diff), lightly
# ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode, rtol", [("central", 1e-7), ("forward-difference", 1e-5),
                                        ("backward-difference", 1e-5), ("complex-step", 1e-13),
                                        ("richardson", 1e-10)])
def test_difference_modes_through_grad(mode, rtol):
    f = lambda x: np.sum(np.sin(x) * np.exp(x / 2))  # noqa: E731
    fj = lambda x: jnp.sum(jnp.sin(x) * jnp.exp(x / 2))  # noqa: E731
    x = np.array([0.3, -1.2, 2.0])
    expected = np.asarray(jax.grad(fj)(jnp.asarray(x)))
    np.testing.assert_allclose(cl.grad(f, mode=mode)(x), expected, rtol=rtol, atol=rtol)
    value, g = cl.value_and_grad(f, mode=mode)(x)
    assert value == pytest.approx(float(fj(jnp.asarray(x))), rel=1e-14)
    np.testing.assert_allclose(g, expected, rtol=rtol, atol=rtol)
    with api.count_passes() as counts:
        cl.grad(f, mode=mode)(x)
    assert counts["function evaluations"] > 0 and counts["backward passes"] == 0


def test_check_grad_agrees_on_a_smooth_function():
    table = cl.check_grad(lambda x: np.sum(np.cos(x) * x ** 2), np.array([0.5, 1.5, -0.7]))
    assert [row[0] for row in table.rows] == list(api.MODES)
    table = cl.check_grad(lambda x: np.sum(x ** 3), np.array([1.0, 2.0]), modes=AD_MODES)
    assert len(table.rows) == 2


# ---------------------------------------------------------------------------------------------------
# Bugs of issue 10, each against JAX (the test failed before the fix)
# ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("f, fj, x", [
    (lambda y: np.power(0.0, y), lambda y: jnp.power(0.0, y), 0.5),              # ∂/∂p of 0^p: log 0 untaken
    (lambda x: x ** (2.0 + 0 * x), lambda x: x ** (2.0 + 0 * x), 0.0),           # traced exponent at x = 0
])
@pytest.mark.parametrize("outer", AD_MODES)
def test_second_derivatives_of_power_at_zero_are_finite_as_in_jax(f, fj, x, outer):
    """The double-where guard: the branch of a rule not chosen gets safe inputs, so no 0·∞ = NaN."""
    expected = float(jax.grad(jax.grad(fj))(x))
    assert cl.grad(cl.grad(f), mode=outer)(x) == pytest.approx(expected, abs=1e-14)
    assert cl.hessian(f)(np.asarray(x)) == pytest.approx(expected, abs=1e-14)
    assert math.isfinite(expected)


def test_hstack_of_0d_pieces_as_numpy():
    x = np.array([0.3, -1.7])
    f = lambda x: np.hstack([x[0], x[1] ** 2, 2.0])  # noqa: E731
    fj = lambda x: jnp.hstack([x[0], x[1] ** 2, 2.0])  # noqa: E731
    np.testing.assert_array_equal(f(x), np.array([0.3, 1.7 ** 2, 2.0]))   # plain NumPy accepts 0-d pieces
    for mode in AD_MODES:
        assert_close(cl.jacobian(lambda x: np.hstack([x[0], x[1]]), mode=mode)(x), np.eye(2))
        assert_close(cl.jacobian(f, mode=mode)(x), jax.jacfwd(fj)(jnp.asarray(x)))
    assert_close(cl.jacobian(lambda x: np.vstack([x[0], x[1]]))(x), jax.jacfwd(
        lambda x: jnp.vstack([x[0], x[1]]))(jnp.asarray(x)))


def _no_return(x):
    np.sum(x ** 2)


@pytest.mark.parametrize("f, words", [
    (_no_return, "returned None"),
    (lambda x: np.allclose(x, 0.0), "boolean"),
    (lambda x: np.sum(x) > 0, "boolean"),
])
@pytest.mark.parametrize("transform", [
    lambda f: cl.grad(f), lambda f: cl.grad(f, mode="forward"), lambda f: cl.value_and_grad(f),
    lambda f: cl.jacobian(f), lambda f: cl.jacobian(f, mode="forward"), lambda f: cl.hessian(f),
    lambda f: lambda x: cl.vjp(f, x), lambda f: lambda x: cl.jvp(f, (x,), (x,)),
])
def test_a_function_that_returns_nothing_to_differentiate_is_refused(f, words, transform):
    """JAX and autograd raise here too: a silent zero gradient would hide the bug."""
    with pytest.raises(TypeError, match=words):
        transform(f)(np.array([1.0, 2.0]))


@pytest.mark.parametrize("transform", [
    lambda f: cl.grad(f), lambda f: cl.grad(f, mode="forward"), lambda f: cl.value_and_grad(f),
    lambda f: cl.hessian(f),
])
def test_a_list_of_values_is_not_a_scalar_to_differentiate(transform):
    """grad needs one number: a list of traced values is refused, pointing to np.stack (and jacobian)."""
    with pytest.raises(TypeError, match="np.stack"):
        transform(lambda x: [x[0], x[1]])(np.array([1.0, 2.0]))


def test_a_list_output_is_a_pytree_for_jacobian_jvp_and_vjp_as_in_jax():
    """Since pytrees (issue 11): jacobian, jvp and vjp of a function returning a list work as in JAX."""
    x = np.array([1.0, 2.0])
    f, fj = (lambda x: [x[0], x[1] ** 2]), (lambda x: [x[0], x[1] ** 2])
    for mode in AD_MODES:
        J = cl.jacobian(f, mode=mode)(x)
        assert isinstance(J, list) and len(J) == 2
        for got, ref in zip(J, jax.jacfwd(fj)(jnp.asarray(x))):
            assert_close(got, ref)
    out, tangent = cl.jvp(f, (x,), (np.array([1.0, 1.0]),))
    assert out == [1.0, 4.0] and tangent == [1.0, 4.0]
    out, pullback = cl.vjp(f, x)
    (g,) = pullback([1.0, 1.0])
    np.testing.assert_array_equal(g, [1.0, 4.0])


def test_derivative_refuses_a_boolean_function():
    with pytest.raises(TypeError, match="boolean"):
        cl.derivative(lambda x: x > 0)(np.ones(3))
