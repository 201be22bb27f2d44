"""calclib.plotting.differences: the stencil figure and the V curve hold the data they claim to draw."""

import numpy as np
import pytest

from calclib import finite_diff as fd
from calclib.plotting import differences

X0 = 0.7


def f(x):
    return np.exp(x) * np.sin(x)


def df(x):
    return np.exp(x) * (np.sin(x) + np.cos(x))


@pytest.fixture(scope="module")
def stencil():
    h_slider = np.logspace(0, -16, 9)
    h_grid = np.logspace(-16, 0, 33)
    forward = np.array([(f(X0 + h) - f(X0)) / h for h in h_slider])          # by the formula, not calclib
    central = np.array([(f(X0 + h) - f(X0 - h)) / (2 * h) for h in h_slider])
    curves = {m: fd.error_curve(f, df, X0, h_grid, m) for m in ("forward-difference", "central")}
    fig = differences.stencil_figure(f, X0, df(X0), h_slider, forward, central, h_grid, curves,
                                     label="e^x sin x")
    return fig, h_slider, h_grid, forward, central, curves


def test_stencil_traces_hold_graph_tangent_and_error_curves(stencil):
    fig, h_slider, h_grid, forward, central, curves = stencil
    assert len(fig.data) == 10
    xs = np.asarray(fig.data[0].x)
    assert np.allclose(fig.data[0].y, np.exp(xs) * np.sin(xs), atol=1e-3)
    tangent = fig.data[1]
    assert np.allclose(tangent.y, f(X0) + df(X0) * (np.asarray(tangent.x) - X0))
    assert np.allclose(fig.data[6].x, h_grid)
    assert np.allclose(fig.data[6].y, np.maximum(curves["forward-difference"], 1e-17))
    assert np.allclose(fig.data[7].y, np.maximum(curves["central"], 1e-17))
    # the first state: h = 1, the error markers at |D(1) - f'(x0)|
    assert fig.data[8].x[0] == 1.0
    assert np.isclose(fig.data[8].y[0], abs((f(X0 + 1) - f(X0)) - df(X0)))
    assert np.isclose(fig.data[9].y[0], abs((f(X0 + 1) - f(X0 - 1)) / 2 - df(X0)))


def test_stencil_slider_steps_match_the_states(stencil):
    fig, h_slider, _, forward, central, _ = stencil
    steps = fig.layout.sliders[0].steps
    assert len(steps) == len(h_slider)
    for k, step in enumerate(steps):
        data, title, moving = step.args
        assert list(moving) == [2, 3, 4, 5, 8, 9]
        h = h_slider[k]
        assert np.allclose(data["x"][1], [X0, X0 + h]) and np.allclose(data["y"][1], [f(X0), f(X0 + h)])
        secant = np.array(data["y"][0])
        assert np.isclose((secant[1] - secant[0]) / (data["x"][0][1] - data["x"][0][0]), forward[k])
        assert np.isclose(data["y"][5][0], max(abs(central[k] - df(X0)), 1e-17))
        assert f"{h:.2g}" in title["title.text"]
    assert steps[-1].args[0]["x"][4] == [1e-16]


def test_stencil_alt_names_the_measured_best_steps(stencil):
    fig, _, h_grid, _, _, curves = stencil
    alt = fig.layout.meta["alt"]
    best_f = h_grid[np.argmin(curves["forward-difference"])]
    best_c = h_grid[np.argmin(curves["central"])]
    assert f"near h = {best_f:.0e} for forward and {best_c:.0e} for central" in alt
    assert "e^x sin x" in alt and "x0 = 0.7" in alt


def test_stencil_rejects_mismatched_input(stencil):
    _, h_slider, h_grid, forward, central, curves = stencil
    with pytest.raises(ValueError, match="one value per entry of h_slider"):
        differences.stencil_figure(f, X0, df(X0), h_slider, forward[:-1], central, h_grid, curves)
    with pytest.raises(ValueError, match="central"):
        differences.stencil_figure(f, X0, df(X0), h_slider, forward, central, h_grid,
                                   {"forward-difference": curves["forward-difference"]})
    with pytest.raises(ValueError, match="one value per entry of h_curve"):
        differences.stencil_figure(f, X0, df(X0), h_slider, forward, central, h_grid[:-1], curves)
    with pytest.raises(ValueError, match="1-D"):
        differences.stencil_figure(f, X0, df(X0), np.ones((2, 2)), forward, central, h_grid, curves)


def test_v_curve_figure_plots_the_positive_errors():
    h = np.logspace(-12, -1, 12)
    errors = {"forward-difference": h / 2, "central": np.where(h < 1e-10, 0.0, h**2)}
    fig = differences.v_curve_figure(h, errors, "x at 1")
    lines = fig.axes[0].get_lines()
    assert [line.get_label() for line in lines] == ["forward-difference", "central"]
    assert np.allclose(lines[0].get_ydata(), h / 2)
    assert np.allclose(lines[1].get_xdata(), h[h >= 1e-10])       # the exact zeros are left out
    assert fig.axes[0].get_xscale() == "log" and fig.axes[0].get_yscale() == "log"


def test_v_curve_alt_gives_the_smallest_error_and_its_step():
    h = np.array([1e-8, 1e-6, 1e-4])
    alt = differences.v_curve_alt(h, {"central": [3e-8, 2e-11, 5e-9]}, "f(x) = x**3 at x = 1")
    assert "central 2e-11 at h = 1e-06" in alt and "f(x) = x**3 at x = 1" in alt


def test_v_curve_rejects_bad_input():
    with pytest.raises(ValueError, match="one value per entry of h"):
        differences.v_curve_figure([1e-3, 1e-2], {"central": [1.0]})
    with pytest.raises(ValueError, match="at least one method"):
        differences.v_curve_alt([1e-3], {})
