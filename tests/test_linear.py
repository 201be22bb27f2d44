"""calclib.linear (linearize, linear_transpose, chain_jacobians) against independent references: JAX in float64
(jax.linearize, jax.linear_transpose, jax.vjp), Jacobians written out by hand, and the dot-product identity.
The same against JAX for every primitive is in tests/test_reverse.py, where JAX's references of the primitives
are already computed (linearize records with reverse mode's nodes)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import calclib as cl
from calclib import reverse
from calclib.linear import chain_jacobians, linear_transpose, linearize

from references import assert_close, jax_args

jax.config.update("jax_enable_x64", True)

RNG = np.random.default_rng(2024)
A = RNG.normal(size=(3, 3))
B = RNG.normal(size=(2, 3))


# ---------------------------------------------------------------------------------------------------
# The functions, each written for a namespace xp (numpy or jax.numpy), with its Jacobian by hand
# ---------------------------------------------------------------------------------------------------
def scalar(xp):
    return lambda x: xp.sin(x) * x ** 2               # f' = cos x · x² + 2x sin x


def scalar_jacobian(x):
    return np.array([[np.cos(x) * x ** 2 + 2 * x * np.sin(x)]])


def sin_Ax_times_x(xp):
    return lambda x: xp.sin(A @ x) * x                 # J = diag(x cos(Ax)) A + diag(sin(Ax))


def sin_Ax_times_x_jacobian(x):
    return np.cos(A @ x)[:, None] * A * x[:, None] + np.diag(np.sin(A @ x))


# a chain of 3 steps, R³ → R³ → R² → R, and the Jacobian of each step
STEPS_NP = [lambda x: np.tanh(A @ x), lambda y: B @ y ** 2, lambda z: np.sum(np.exp(z))]


def chain(xp):
    return lambda x: xp.sum(xp.exp(B @ xp.tanh(A @ x) ** 2))


def step_jacobians(x):
    y1 = np.tanh(A @ x)
    y2 = B @ y1 ** 2
    return [(1 - y1 ** 2)[:, None] * A, B * (2 * y1)[None, :], np.exp(y2)[None, :]]


def chain_jacobian(x):
    J1, J2, J3 = step_jacobians(x)
    return J3 @ J2 @ J1


X3 = np.array([0.4, -1.3, 0.8])
CASES = [   # (name, f for xp, the point, its Jacobian as a matrix by hand)
    ("scalar to scalar", scalar, 0.7, scalar_jacobian),
    ("sin(A x) * x", sin_Ax_times_x, X3, sin_Ax_times_x_jacobian),
    ("chain of 3 steps", chain, X3, chain_jacobian),
]
IDS = [c[0] for c in CASES]


def as_matrix(J, x):
    return np.reshape(J, (-1, np.size(x)))


# ---------------------------------------------------------------------------------------------------
# linearize: out and f_jvp(v) = J v
# ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, build, x, jacobian", CASES, ids=IDS)
def test_linearize_gives_f_and_J_v_like_jax(name, build, x, jacobian):
    out, f_jvp = linearize(build(np), x)
    out_jax, f_jvp_jax = jax.linearize(build(jnp), jnp.asarray(x))
    assert_close(out, out_jax)
    J = jacobian(x)
    for v in (RNG.normal(size=np.shape(x)) for _ in range(3)):
        assert_close(np.ravel(f_jvp(v)), J @ np.ravel(v))
        assert_close(f_jvp(v), f_jvp_jax(jnp.asarray(v)))


def test_linearize_calls_f_once_however_many_tangents():
    calls = []

    def f(x):
        calls.append(1)
        return np.sin(A @ x) * x

    _, f_jvp = linearize(f, X3)
    for v in np.eye(3):
        f_jvp(v)
    assert len(calls) == 1
    assert_close(np.stack([f_jvp(v) for v in np.eye(3)], axis=1), sin_Ax_times_x_jacobian(X3))


def test_linearize_several_arguments_like_jax():
    f = lambda xp: lambda x, W: xp.tanh(W @ x) * x[0]   # noqa: E731
    W = RNG.normal(size=(2, 3))
    out, f_jvp = linearize(f(np), X3, W)
    out_jax, f_jvp_jax = jax.linearize(f(jnp), *jax_args((X3, W)))
    assert_close(out, out_jax)
    v, V = RNG.normal(size=3), RNG.normal(size=(2, 3))
    assert_close(f_jvp(v, V), f_jvp_jax(*jax_args((v, V))))


def test_linearize_keeps_the_values_of_large_arrays():
    """Reverse mode drops large intermediate arrays that no VJP rule reads; the JVP rules may read them."""
    x = RNG.normal(size=reverse.SAVE_ALL_BELOW // 8 + 10)
    v = RNG.normal(size=x.shape)
    f = lambda xp: lambda x: xp.sum(xp.sin(x) * xp.exp(x / 4))   # noqa: E731
    out, f_jvp = linearize(f(np), x)
    assert_close(f_jvp(v), jax.linearize(f(jnp), jnp.asarray(x))[1](jnp.asarray(v)))


def test_linearize_of_a_constant_function_is_the_zero_map():
    out, f_jvp = linearize(lambda x: np.ones(2) * 3.0, X3)
    assert_close(out, np.full(2, 3.0))
    assert_close(f_jvp(np.ones(3)), np.zeros(2))


def test_linearize_of_the_identity_is_the_identity():
    _, f_jvp = linearize(lambda x: x, X3)
    assert_close(f_jvp(np.array([1.0, 2.0, 3.0])), np.array([1.0, 2.0, 3.0]))


# ---------------------------------------------------------------------------------------------------
# linear_transpose: Lᵀ w = Jᵀ w = vjp
# ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, build, x, jacobian", CASES, ids=IDS)
def test_transpose_of_the_linearization_is_J_transpose_and_the_vjp(name, build, x, jacobian):
    out, f_jvp = linearize(build(np), x)
    f_transpose = linear_transpose(f_jvp, x)
    _, f_jvp_jax = jax.linearize(build(jnp), jnp.asarray(x))
    f_transpose_jax = jax.linear_transpose(f_jvp_jax, jnp.asarray(x))
    _, pullback_jax = jax.vjp(build(jnp), jnp.asarray(x))
    J = jacobian(x)
    for w in (RNG.normal(size=np.shape(out)) for _ in range(3)):
        (ct,) = f_transpose(w)
        assert np.shape(ct) == np.shape(x)
        assert_close(np.ravel(ct), J.T @ np.ravel(w))
        assert_close(ct, f_transpose_jax(jnp.asarray(w))[0])
        assert_close(ct, pullback_jax(jnp.asarray(w))[0])
        assert_close(ct, cl.vjp(build(np), x)[1](w)[0])


@pytest.mark.parametrize("name, build, x, jacobian", CASES, ids=IDS)
def test_dot_product_identity(name, build, x, jacobian):
    """<L v, w> = <v, Lᵀ w> on random v, w."""
    out, f_jvp = linearize(build(np), x)
    f_transpose = linear_transpose(f_jvp, x)
    for _ in range(5):
        v, w = RNG.normal(size=np.shape(x)), RNG.normal(size=np.shape(out))
        lhs = np.vdot(f_jvp(v), w)
        rhs = np.vdot(v, f_transpose(w)[0])
        assert abs(lhs - rhs) <= 1e-12 * max(1.0, abs(lhs))


def test_linear_transpose_of_a_matrix_is_the_matrix_transpose_like_jax():
    f_transpose = linear_transpose(lambda v: B @ v, np.zeros(3))
    w = np.array([1.0, -2.0])
    assert_close(f_transpose(w)[0], B.T @ w)
    assert_close(f_transpose(w)[0], jax.linear_transpose(lambda v: jnp.asarray(B) @ v, jnp.zeros(3))(w)[0])


def test_linear_transpose_of_several_arguments_and_pytrees_like_jax():
    def f(xp):
        return lambda x, p: {"s": 2 * x - p["a"], "t": xp.sum(p["b"]) * 3.0}

    p = {"a": 0.0, "b": np.zeros(2)}
    w = {"s": 1.5, "t": -0.5}
    got = linear_transpose(f(np), 0.0, p)(w)
    want = jax.linear_transpose(f(jnp), 0.0, jax.tree_util.tree_map(jnp.asarray, p))(w)
    assert isinstance(got, tuple) and len(got) == 2
    assert_close(got[0], want[0])
    assert_close(got[1]["a"], want[1]["a"])
    assert_close(got[1]["b"], want[1]["b"])


def test_linear_transpose_only_reads_the_shapes_of_primals_like():
    f_transpose = linear_transpose(lambda v: A @ v, np.array([5.0, -7.0, 1e6]))
    assert_close(f_transpose(np.ones(3))[0], A.T @ np.ones(3))


def test_linear_transpose_is_reverse_mode_at_any_point():
    """The transpose does not depend on where it is taken: linearize at x, transpose, get vjp at x."""
    f = sin_Ax_times_x(np)
    for x in (X3, -2 * X3, np.array([3.0, 0.1, -0.2])):
        _, f_jvp = linearize(f, x)
        w = RNG.normal(size=3)
        assert_close(linear_transpose(f_jvp, x)(w)[0], sin_Ax_times_x_jacobian(x).T @ w)


# ---------------------------------------------------------------------------------------------------
# chain_jacobians: J_f = J_3 J_2 J_1, forward right to left, reverse left to right
# ---------------------------------------------------------------------------------------------------
def test_chain_jacobians_are_the_step_jacobians_by_hand():
    Js = chain_jacobians(STEPS_NP, X3)
    assert [J.shape for J in Js] == [(3, 3), (2, 3), (1, 2)]
    for got, want in zip(Js, step_jacobians(X3)):
        assert_close(got, want)


def test_chain_of_jacobians_gives_jvp_and_vjp_like_jax():
    J1, J2, J3 = chain_jacobians(STEPS_NP, X3)
    v, w = RNG.normal(size=3), np.array([0.7])
    _, tangent_jax = jax.jvp(chain(jnp), (jnp.asarray(X3),), (jnp.asarray(v),))
    _, pullback_jax = jax.vjp(chain(jnp), jnp.asarray(X3))
    assert_close(J3 @ (J2 @ (J1 @ v)), np.ravel(tangent_jax))                 # forward: J_1 first
    assert_close(J1.T @ (J2.T @ (J3.T @ w)), pullback_jax(jnp.asarray(w[0]))[0])   # reverse: J_3ᵀ first
    assert_close((J3 @ J2 @ J1).T @ w, cl.vjp(chain(np), X3)[1](w[0])[0])


def test_chain_jacobians_of_scalar_steps_are_one_by_one_matrices():
    Js = chain_jacobians([np.sin, lambda y: y ** 3], 0.5)
    assert_close(Js[0], [[np.cos(0.5)]])
    assert_close(Js[1], [[3 * np.sin(0.5) ** 2]])


# ---------------------------------------------------------------------------------------------------
# Bad input: clear errors
# ---------------------------------------------------------------------------------------------------
def test_not_a_function_is_refused():
    with pytest.raises(TypeError, match="f must be a function"):
        linearize(3.0, 1.0)
    with pytest.raises(TypeError, match="f_lin must be a function"):
        linear_transpose(np.ones(2), np.zeros(2))
    with pytest.raises(TypeError, match=r"fs\[1\] must be a function"):
        chain_jacobians([np.sin, "cos"], 1.0)
    with pytest.raises(TypeError, match="non-empty list of functions"):
        chain_jacobians(np.sin, 1.0)


@pytest.mark.parametrize("f_lin, words", [
    (lambda v: v + 1.0, r"f_lin\(0\) ="),               # affine: 0 does not go to 0
    (lambda v: v ** 2, r"f_lin\(a \+ b\)"),            # 0 goes to 0, but not additive
    (np.sin, r"f_lin\(a \+ b\)"),
    (lambda v: np.maximum(v, 0.0), r"f_lin\(a \+ b\)"),  # relu: positively homogeneous, not additive
], ids=["affine", "square", "sin", "relu"])
def test_a_nonlinear_function_is_refused_by_linear_transpose(f_lin, words):
    with pytest.raises(ValueError, match=words):
        linear_transpose(f_lin, np.zeros(4))


def test_wrong_tangents_are_refused():
    _, f_jvp = linearize(lambda x: np.sin(x) * x, X3)
    with pytest.raises(ValueError, match=r"tangents\[0\] has shape \(2,\) but primals\[0\] has shape \(3,\)"):
        f_jvp(np.ones(2))
    with pytest.raises(TypeError, match="one tangent per primal"):
        f_jvp(np.ones(3), np.ones(3))
    with pytest.raises(TypeError, match=r"tangents\[0\]"):
        f_jvp("abc")


def test_wrong_cotangent_shape_is_refused():
    _, f_jvp = linearize(lambda x: np.sin(x) * x, X3)
    with pytest.raises(ValueError, match="cotangent has shape"):
        linear_transpose(f_jvp, X3)(np.ones(2))


def test_pytrees_and_non_numbers_are_refused_by_linearize_saying_what_to_do():
    with pytest.raises(TypeError, match="ravel_pytree"):
        linearize(lambda p: p["w"] * 2, {"w": 1.0})
    with pytest.raises(TypeError, match=r"np\.array"):
        linearize(lambda x: x * 2, [1.0, 2.0])
    with pytest.raises(TypeError, match=r"primals\[0\]"):
        linearize(lambda x: x * 2, "abc")
    with pytest.raises(TypeError, match="returned None"):
        linearize(lambda x: None, 1.0)
    with pytest.raises(TypeError, match="arrays of their shapes"):
        linear_transpose(lambda v: v)


def test_top_level_names():
    assert cl.linearize is linearize and cl.linear_transpose is linear_transpose
    assert {"linear", "linearize", "linear_transpose"} <= set(dir(cl))
