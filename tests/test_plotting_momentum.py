"""calclib.plotting.momentum: the figures hold the data of the formulas (checked against closed forms and runs)."""

import numpy as np
import pytest

from calclib import landscapes as L
from calclib.optimize import newton, newton_cg
from calclib.plotting import momentum

KAPPAS = [4.0, 16.0, 100.0]


def radius(s, alpha):
    return max(abs(np.linalg.eigvals(np.array([[alpha, -s], [alpha, 1 - s]]))))


def test_stability_grid_is_the_rate_over_the_spectrum():
    s, alpha, rate = momentum.stability_grid(16.0, n_steps=20, n_momenta=9)
    assert s.shape == (20,) and alpha.shape == (9,) and rate.shape == (9, 20)
    assert np.isclose(s[-1], 4.0) and s[0] > 0 and alpha[0] == 0 and np.isclose(alpha[-1], 0.99)
    for i, a in enumerate(alpha):
        for j, sj in enumerate(s):
            assert np.isclose(rate[i, j], max(radius(sj / 16, a), radius(sj, a)), rtol=1e-7, atol=1e-12)


def test_stability_map_traces():
    fig = momentum.stability_map(KAPPAS, shown=1, n_steps=40, n_momenta=20)
    assert len(fig.data) == 1 + 3 * len(KAPPAS)
    boundary = fig.data[0]
    assert np.allclose(boundary.x, 2 * (1 + np.asarray(boundary.y)))
    for i, kappa in enumerate(KAPPAS):
        heat, star, circle = fig.data[1 + 3 * i: 4 + 3 * i]
        assert heat.visible == star.visible == circle.visible == (i == 1)
        s, alpha = np.asarray(heat.x, dtype=float), np.asarray(heat.y, dtype=float)
        z = np.asarray(heat.z, dtype=float)
        for (r, c) in [(0, 0), (5, 10), (19, 39), (10, 25)]:
            expected = max(radius(s[c] / kappa, alpha[r]), radius(s[c], alpha[r]))
            if expected < 1:
                assert np.isclose(z[r, c], expected, rtol=1e-6)
            else:
                assert np.isnan(z[r, c])
        unstable = s[None, :] >= 2 * (1 + alpha[:, None]) + 1e-6
        assert np.all(np.isnan(z[unstable]))
        r = (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)
        assert np.isclose(star.x[0], 4 / (1 + 1 / np.sqrt(kappa)) ** 2) and np.isclose(star.y[0], r**2)
        assert f"{r:.3f}" in star.name
        assert np.isclose(circle.x[0], 2 / (1 / kappa + 1)) and circle.y[0] == 0
        assert f"{(kappa - 1) / (kappa + 1):.3f}" in circle.name
    steps = fig.layout.sliders[0].steps
    assert [st.label for st in steps] == ["4", "16", "100"] and fig.layout.sliders[0].active == 1
    for i, st in enumerate(steps):
        visible = st.args[0]["visible"]
        assert visible[0] and sum(visible) == 4 and all(visible[1 + 3 * i: 4 + 3 * i])
    assert "κ = 16" in fig.layout.meta["alt"]


def test_stability_map_bad_input():
    with pytest.raises(ValueError, match="shown"):
        momentum.stability_map([10.0], shown=1)
    with pytest.raises(ValueError, match="kappa"):
        momentum.stability_grid(0.5)


def test_gradient_norms_figure_holds_the_runs():
    start = np.array([-1.2, 1.0])
    runs = {"Newton": newton(L.rosenbrock, start, line_search="armijo"), "Newton–CG": newton_cg(L.rosenbrock, start)}
    fig = momentum.newton_cg_gradient_norms(runs, title="t", alt="two lines")
    assert [t.name for t in fig.data] == list(runs)
    for trace, res in zip(fig.data, runs.values()):
        assert np.array_equal(trace.x, np.arange(res.nit + 1))
        assert np.allclose(trace.y, np.maximum(res.grad_norms, 1e-16), rtol=1e-15)
        assert np.all(np.asarray(trace.y) >= 1e-16)
    assert fig.layout.yaxis.type == "log" and fig.layout.meta["alt"] == "two lines"
    with pytest.raises(ValueError, match="at least one"):
        momentum.newton_cg_gradient_norms({}, title="t", alt="a")
