"""calclib.plotting.newton: the figures hold Newton's models and iterates, checked against the formulas."""

import html

import numpy as np
import pytest

import calclib as cl
from calclib.optimize import newton
from calclib.plotting import newton as figures


def f(x):
    return np.exp(x) - np.log(x)


def df(x):
    return np.exp(x) - 1 / x


def d2f(x):
    return np.exp(x) + 1 / x**2


def test_each_frame_is_the_taylor_model_and_its_minimum_is_the_next_iterate():
    res = newton(f, 1.75)
    xs = np.linspace(0.06, 2.5, 50)
    fig = figures.taylor_model_animation(f, df, d2f, res.path, xs=xs, window=(1.5, 7.5), label="f")
    assert len(fig.frames) == res.nit
    for k, frame in enumerate(fig.frames):
        xk = res.path[k]
        q = f(xk) + df(xk) * (xs - xk) + 0.5 * d2f(xk) * (xs - xk) ** 2     # the model, written out again
        drawn = np.asarray(frame.data[0].y, dtype=float)
        shown = q <= 7.5
        np.testing.assert_allclose(drawn[shown], q[shown], atol=1e-5)
        assert np.isnan(drawn[~shown]).all()
        np.testing.assert_allclose(frame.data[2].x[0], res.path[k + 1], rtol=1e-12)   # the diamond is x_{k+1}
    assert [s.label for s in fig.layout.sliders[0].steps] == [str(k) for k in range(res.nit)]
    assert f"x0 = {res.path[0]:g}" in fig.layout.meta["alt"]


def test_taylor_model_refuses_a_model_without_a_minimum():
    with pytest.raises(ValueError, match="no minimum"):
        figures.taylor_model(np.sin, np.cos, lambda x: -np.sin(x), 1.0, np.zeros(3))
    with pytest.raises(ValueError, match="at least two iterates"):
        figures.taylor_model_animation(f, df, d2f, [1.0], xs=np.ones(3), window=(0, 1), label="f")


def quartic(p):
    x, y = p[0], p[1]
    return x**4 + 0.8 * y**4 + 4 * x**2 + 2 * y**2 - x * y


def test_model_ellipses_are_centred_on_the_next_iterate():
    res = newton(quartic, np.array([4.0, 4.0]))
    fig = figures.model_ellipses_figure(quartic, res.path, cl.grad(quartic), cl.hessian(quartic), box=5,
                                        formula="a quartic", n=81)
    nit = res.nit
    assert len(fig.data) == 1 + 2 * nit and len(fig.layout.sliders[0].steps) == nit
    grid = np.asarray(fig.data[0].x)
    for k in range(nit - 1):
        z = np.asarray(fig.data[1 + k].z)
        i, j = np.unravel_index(np.argmin(z), z.shape)            # the model's lowest grid point ...
        nxt = res.path[k + 1]
        assert abs(grid[j] - nxt[0]) <= 0.13 and abs(grid[i] - nxt[1]) <= 0.13   # ... is next to x_{k+1}
    visible = fig.layout.sliders[0].steps[2].args[0]["visible"]
    assert visible[0] and visible[1 + 2] and visible[1 + nit + 2] and sum(visible) == 3
    with pytest.raises(ValueError, match="shape"):
        figures.model_ellipses_figure(quartic, res.path[:, :1], cl.grad(quartic), cl.hessian(quartic), box=5,
                                      formula="q")


def test_paths_race_draws_each_run_and_refuses_a_bad_path():
    path = np.column_stack([np.linspace(-1.2, 1, 7), np.linspace(1, 1, 7)])
    fig = figures.paths_race_figure(cl.landscapes.get("rosenbrock").f, {"a": path}, box=((-2, 2), (-1, 3)),
                                    minimum=(1, 1), title="t", alt="paths", every={"a": np.array([0, 3, 6])})
    np.testing.assert_allclose(fig.data[1].x, path[[0, 3, 6], 0])
    assert fig.data[2].name == "minimum (1, 1)"
    with pytest.raises(ValueError, match=r"shape \(k, 2\)"):
        figures.paths_race_figure(lambda p: p[0]**2 + p[1]**2, {"a": path.T}, box=((0, 1), (0, 1)), minimum=(0, 0), title="t", alt="a")


def test_runs_comparison_names_every_run_and_refuses_a_one_variable_run():
    land = cl.landscapes.get("quartic")
    start = np.array([4.0, 4.0])
    runs = {"Newton": newton(land.f, start), "gradient descent": cl.optimize.gradient_descent(land.f, start, 5e-3, steps=50)}
    page = figures.runs_comparison_html(land, runs, start)
    assert page.startswith("<pre>") and '<img alt="Level curves of the quartic landscape' in page
    for label, run in runs.items():
        assert html.escape(f"{label}: {run.message}") in page.split("</pre>")[0]
    one_d = {"Newton": newton(lambda x: (x - 1.0) ** 2, 0.0)}
    with pytest.raises(ValueError, match="two-variable"):
        figures.runs_comparison_html(land, one_d, start)
