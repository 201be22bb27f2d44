"""calclib.optimize's eigen-analysis of momentum (momentum_matrix, momentum_rate, optimal_momentum) against
independent references: the 2 × 2 matrix rebuilt from the update rule, numpy.linalg.eigvals, the measured
convergence of gradient_descent, a brute-force grid and the closed forms of Polyak's heavy ball."""

import numpy as np
import pytest

from calclib.optimize import gradient_descent, momentum_matrix, momentum_rate, optimal_momentum

RNG = np.random.default_rng(2017)


def rotated_quadratic(eigenvalues, seed=0):
    """A = Q diag(λ) Qᵀ with a random orthogonal Q, and f(x) = ½ xᵀAx."""
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(len(eigenvalues),) * 2))
    A = q @ np.diag(eigenvalues) @ q.T
    return A, (lambda x: 0.5 * x @ A @ x)


def eig_radius(eps, alpha, lam):
    return max(abs(np.linalg.eigvals(np.array([[alpha, -eps * lam], [alpha, 1 - eps * lam]]))))


def measured_rate(path, skip):
    """exp(slope) of a least-squares line through log‖x_k‖ after `skip` steps (x* = 0)."""
    err = np.linalg.norm(path, axis=1)
    k = np.arange(len(err))
    use = (k >= skip) & (err > 1e-200)
    return float(np.exp(np.polyfit(k[use], np.log(err[use]), 1)[0]))


def test_matrix_is_one_step_of_the_update_rule():
    for _ in range(20):
        eps, alpha, lam = RNG.uniform(0.01, 1), RNG.uniform(0, 0.99), RNG.uniform(0.1, 10)
        v, x = RNG.normal(size=2)
        v_new = alpha * v - eps * lam * x                      # the gradient of ½λx² is λx
        assert np.allclose(momentum_matrix(eps, alpha, lam) @ [v, x], [v_new, x + v_new], rtol=1e-14)


def test_matrix_runs_gradient_descent_along_each_eigenvector():
    lam = np.array([0.5, 3.0, 7.0])
    A, f = rotated_quadratic(lam, seed=1)
    eps, alpha, x0 = 0.1, 0.6, RNG.normal(size=3)
    run = gradient_descent(f, x0, eps, momentum=alpha, steps=30, tol=0, grad=lambda x: A @ x)
    _, q = np.linalg.eigh(A)
    coords = run.path @ q                                       # x in the eigenbasis
    for i, li in enumerate(np.linalg.eigvalsh(A)):
        state = np.array([0.0, coords[0, i]])
        for k in range(30):
            state = momentum_matrix(eps, alpha, li) @ state
            assert np.isclose(state[1], coords[k + 1, i], rtol=1e-9, atol=1e-12)


def test_rate_is_the_largest_spectral_radius_from_numpy():
    for _ in range(200):
        eps, alpha = 10 ** RNG.uniform(-3, 0.5), RNG.uniform(0, 0.999)
        lam = 10 ** RNG.uniform(-2, 1, size=RNG.integers(1, 6))
        expected = max(eig_radius(eps, alpha, li) for li in lam)
        assert np.isclose(momentum_rate(eps, alpha, lam), expected, rtol=1e-7, atol=1e-12)


def test_rate_broadcasts_over_grids():
    eps, alpha = np.linspace(0.05, 3, 7), np.linspace(0, 0.95, 5)
    grid = momentum_rate(eps[None, :], alpha[:, None], [0.2, 1.0])
    assert grid.shape == (5, 7)
    for i, a in enumerate(alpha):
        for j, e in enumerate(eps):
            assert np.isclose(grid[i, j], max(eig_radius(e, a, 0.2), eig_radius(e, a, 1.0)), rtol=1e-7)


def test_plain_gradient_descent_and_the_stability_region():
    lam = np.array([1.0, 4.0, 10.0])
    for eps in (0.01, 0.1, 0.19, 0.21):
        assert np.isclose(momentum_rate(eps, 0.0, lam), np.max(np.abs(1 - eps * lam)), rtol=1e-14)
    for _ in range(300):       # ρ < 1 exactly when 0 < ελ < 2(1 + α), away from the boundary
        alpha, s = RNG.uniform(0, 0.99), RNG.uniform(0.001, 4.5)
        if abs(s - 2 * (1 + alpha)) > 1e-6:
            assert (momentum_rate(s, alpha, 1.0) < 1) == (s < 2 * (1 + alpha))


def test_rate_predicts_measured_convergence():
    for kappa, eps, alpha in [(10, 0.1, 0.5), (100, 0.015, 0.8), (100, 0.02, 0.3), (10, 0.19, 0.0)]:
        A, f = rotated_quadratic([1.0, 0.5 * (1 + kappa), kappa], seed=kappa)
        run = gradient_descent(f, np.ones(3), eps, momentum=alpha, steps=2000, tol=0, grad=lambda x: A @ x)
        assert np.isclose(measured_rate(run.path, skip=200), momentum_rate(eps, alpha, [1.0, kappa]), rtol=5e-3)


def test_optimum_closed_forms():
    for lo, hi in [(1.0, 1.0), (1.0, 10.0), (0.3, 77.0), (2.0, 1e4)]:
        eps, alpha, rate = optimal_momentum(lo, hi)
        kappa = hi / lo
        r = (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)
        assert np.isclose(rate, r, rtol=1e-13, atol=1e-15) and np.isclose(alpha, r**2, rtol=1e-12, atol=1e-15)
        assert np.isclose(eps, 4 / (np.sqrt(lo) + np.sqrt(hi)) ** 2, rtol=1e-14)
        assert np.isclose(momentum_rate(eps, alpha, [lo, hi]), rate, rtol=1e-6, atol=1e-7)
        assert rate <= (kappa - 1) / (kappa + 1) + 1e-15       # never worse than plain gradient descent


def test_optimum_against_a_brute_force_grid():
    for kappa in (10.0, 50.0):
        eps_grid = np.linspace(0.001, 4 / kappa * kappa, 801) / kappa   # ε·λmax in (0, 4], λmax = κ
        alpha_grid = np.linspace(0, 0.99, 600)
        rates = np.array([[max(eig_radius(e, a, 1.0), eig_radius(e, a, kappa)) for e in eps_grid[::8]]
                          for a in alpha_grid[::6]])
        i, j = np.unravel_index(np.argmin(rates), rates.shape)
        eps, alpha, rate = optimal_momentum(1.0, kappa)
        assert rate <= rates.min() + 1e-9
        assert rates.min() - rate < 0.02
        assert abs(alpha_grid[::6][i] - alpha) < 0.03 and abs(eps_grid[::8][j] - eps) / eps < 0.05


def test_optimum_is_the_measured_fastest():
    A, f = rotated_quadratic([1.0, 100.0], seed=3)
    eps, alpha, rate = optimal_momentum(1.0, 100.0)
    best = gradient_descent(f, np.ones(2), eps, momentum=alpha, steps=600, tol=0, grad=lambda x: A @ x)
    assert rate < measured_rate(best.path, skip=50) < 1.02 * rate       # k·rᵏ transient: a little above r
    for e, a in [(eps * 0.8, alpha), (eps, alpha * 0.9), (eps * 0.95, alpha * 1.05)]:
        other = gradient_descent(f, np.ones(2), e, momentum=a, steps=600, tol=0, grad=lambda x: A @ x)
        if momentum_rate(e, a, [1.0, 100.0]) > 1:                        # less momentum, same step: unstable
            assert other.status == "diverged"
        else:
            assert other.status == "max_iter" and measured_rate(other.path, skip=50) > rate


@pytest.mark.parametrize("call, match", [
    (lambda: momentum_matrix(0.0, 0.5, 1.0), "learning_rate"),
    (lambda: momentum_matrix(0.1, 1.0, 1.0), "momentum"),
    (lambda: momentum_matrix(0.1, 0.5, -1.0), "eigenvalue"),
    (lambda: momentum_rate(-0.1, 0.5, [1.0]), "learning_rate"),
    (lambda: momentum_rate(0.1, -0.1, [1.0]), "momentum"),
    (lambda: momentum_rate(0.1, 0.5, []), "eigenvalues"),
    (lambda: momentum_rate(0.1, 0.5, [1.0, 0.0]), "eigenvalues"),
    (lambda: momentum_rate(np.ones(3), np.ones(2) * 0.5, [1.0]), "broadcast"),
    (lambda: optimal_momentum(2.0, 1.0), "at most"),
    (lambda: optimal_momentum(0.0, 1.0), "lam_min"),
])
def test_bad_input_is_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()
