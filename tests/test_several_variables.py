"""The calclib behaviour the chapter "Several variables" relies on, against independent references."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

import calclib as cl
from calclib import landscapes


def test_grad_argnums_holds_the_other_arguments_constant():
    def f(x1, x2):
        return 2 * (x1 - 1) ** 2 + x1 * x2 + x2**2

    assert cl.grad(f, argnums=0)(2.0, 1.0) == 5.0          # 4(x1 - 1) + x2
    assert cl.grad(f, argnums=1)(2.0, 1.0) == 4.0          # x1 + 2 x2
    assert cl.grad(f, argnums=(0, 1))(2.0, 1.0) == (5.0, 4.0)


def test_jvp_is_the_gradient_dotted_with_the_direction():
    x, h = np.array([2.0, 1.0]), np.array([0.6, 0.8])
    value, tangent = cl.jvp(lambda p: 2 * (p[0] - 1) ** 2 + p[0] * p[1] + p[1] ** 2, (x,), (h,))
    assert value == 5.0 and math.isclose(tangent, 31 / 5, rel_tol=1e-15)


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_jacobian_of_a_composition_is_the_product_of_jacobians(mode):
    def v(x):
        return np.stack([x[0] * x[1], np.sin(x[0]), x[1] ** 2])

    def u(y):
        return np.stack([y[0] + y[1] * y[2], np.exp(y[0] - y[2])])

    x0 = np.array([0.5, 1.5])
    x1, x2 = sp.symbols("x1 x2")
    composed = sp.Matrix([x1 * x2 + sp.sin(x1) * x2**2, sp.exp(x1 * x2 - x2**2)])
    exact = np.array(composed.jacobian([x1, x2]).subs({x1: sp.Rational(1, 2), x2: sp.Rational(3, 2)}), dtype=float)
    assert np.allclose(cl.jacobian(lambda x: u(v(x)), mode=mode)(x0), exact, rtol=1e-14, atol=0)
    product = cl.jacobian(u, mode=mode)(v(x0)) @ cl.jacobian(v, mode=mode)(x0)
    assert np.allclose(product, exact, rtol=1e-14, atol=0)


def test_nested_derivative_of_sin_gives_every_taylor_coefficient():
    d, values = np.sin, []
    for _ in range(25):
        d = cl.derivative(d)
        values.append(d(0.0))
    assert values == [[1.0, 0.0, -1.0, 0.0][k % 4] for k in range(25)]


def test_hessian_of_the_quadratic_and_its_eigenvalues():
    H = cl.hessian(landscapes.quadratic)(np.array([0.7, -1.3]))
    assert np.array_equal(H, [[4.0, -1.0], [-1.0, 6.0]])
    assert np.allclose(np.linalg.eigvalsh(H), [5 - math.sqrt(2), 5 + math.sqrt(2)], rtol=1e-15, atol=0)


def test_hessian_is_symmetric_for_a_non_polynomial_function():
    H = cl.hessian(lambda p: np.sin(p[0] * p[1]) + p[0] * np.exp(p[1]))(np.array([0.5, 1.0]))
    mixed = math.cos(0.5) - 0.5 * math.sin(0.5) + math.e   # ∂²/∂x∂y at (0.5, 1)
    assert math.isclose(H[0, 1], mixed, rel_tol=1e-14) and math.isclose(H[1, 0], mixed, rel_tol=1e-14)


@pytest.mark.parametrize("f, verdict", [
    (lambda p: p[0] ** 2 + p[1] ** 2, "minimum"),
    (lambda p: -p[0] ** 2 - p[1] ** 2, "maximum"),
    (lambda p: p[0] ** 2 - p[1] ** 2, "saddle"),
    (lambda p: p[0] ** 4 + p[1] ** 4, "undecided"),
    (lambda p: p[0] ** 3 + p[1] ** 2, "undecided"),
])
def test_classify_critical_point_at_the_origin(f, verdict):
    assert cl.optimize.classify_critical_point(f, np.zeros(2)) == verdict


def test_sauna_coldest_point_and_wall():
    coldest = np.array([4.0, 4.0])
    assert np.allclose(cl.grad(landscapes.sauna)(coldest), 0.0, rtol=0, atol=1e-12)
    assert np.allclose(cl.hessian(landscapes.sauna)(coldest), 7.68 * np.eye(2), rtol=1e-14, atol=1e-14)
    assert cl.optimize.classify_critical_point(landscapes.sauna, coldest) == "minimum"
    assert cl.optimize.classify_critical_point(landscapes.sauna, [0.0, 2.0]) == "undecided"


def test_grad_with_respect_to_three_matrices():
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(3, 7)), rng.normal(size=(2, 7))
    W1, W2, W3 = rng.normal(size=(4, 3)), rng.normal(size=(5, 4)), rng.normal(size=(2, 5))
    grads = cl.grad(lambda a, b, c: 0.5 * np.sum((Y - c @ b @ a @ X) ** 2), argnums=(0, 1, 2))(W1, W2, W3)
    E = Y - W3 @ W2 @ W1 @ X
    expected = (-(W3 @ W2).T @ E @ X.T, -W3.T @ E @ (W1 @ X).T, -E @ (W2 @ W1 @ X).T)
    for g, e in zip(grads, expected):
        assert g.shape == e.shape and np.allclose(g, e, rtol=1e-12, atol=1e-12)


def test_count_passes_reverse_versus_forward():
    def roughness(x):
        return np.sum((x[1:] - x[:-1]) ** 2)

    x = np.arange(10.0) ** 2
    with cl.api.count_passes() as reverse:
        g = cl.grad(roughness)(x)
    with cl.api.count_passes() as forward:
        cl.grad(roughness, mode="forward")(x)
    assert (reverse["forward passes"], reverse["backward passes"]) == (1, 1)
    assert (forward["forward passes"], forward["backward passes"]) == (10, 0)
    d = 2 * np.diff(x)
    assert np.array_equal(g, np.concatenate([[0.0], d]) - np.concatenate([d, [0.0]]))
