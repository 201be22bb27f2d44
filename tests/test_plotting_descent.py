"""calclib.plotting.descent: the figures hold the runs' data (checked against the runs and formulas)."""

import re

import numpy as np
import pytest

from calclib import landscapes as L
from calclib.optimize import gradient_descent
from calclib.plotting import descent

LRS, MOMENTA = [1e-3, 3e-3], [0.0, 0.9]
START = np.array([-1.2, 1.0])


@pytest.fixture(scope="module")
def runs():
    return {(i, j): gradient_descent(L.rosenbrock, START, lr, steps=300, momentum=m, grad=L.rosenbrock_gradient)
            for i, lr in enumerate(LRS) for j, m in enumerate(MOMENTA)}


def explorer(runs, **kw):
    return descent.rate_momentum_explorer("rosenbrock", runs, LRS, MOMENTA, start=START,
                                          box=((-2.0, 2.0), (-1.0, 3.0)), **kw)


def test_run_summary_says_how_a_run_ended(runs):
    stalled = runs[0, 0]
    assert not stalled.converged
    dist = np.hypot(stalled.x[0] - 1, stalled.x[1] - 1)
    assert descent.run_summary(stalled) == f"after {stalled.nit} steps: ‖x − (1, 1)‖ = {dist:.2g}"
    blown = gradient_descent(L.rosenbrock, START, 0.1, steps=100)
    assert blown.status == "diverged"
    assert descent.run_summary(blown) == f"diverged at step {blown.nit + 1}"
    easy = gradient_descent(lambda p: p @ p, [1.0, 1.0], 0.25, steps=100)
    assert descent.run_summary(easy) == f"converged in {easy.nit} steps"


def test_explorer_traces_are_the_runs(runs):
    fig = explorer(runs, shown=(1, 0))
    combos = list(runs)
    n = len(combos)
    assert len(fig.data) == 3 + 3 * n
    assert (fig.data[1].x[0], fig.data[1].y[0]) == (1.0, 1.0) and (fig.data[2].x[0], fig.data[2].y[0]) == (-1.2, 1.0)
    for t, key in enumerate(combos):
        path, values = runs[key].path, runs[key].values
        trace, loss, text = fig.data[3 + t], fig.data[3 + n + t], fig.data[3 + 2 * n + t]
        assert len(trace.x) == min(len(path), 200)
        np.testing.assert_allclose([trace.x[0], trace.y[0]], path[0], rtol=1e-6)
        np.testing.assert_allclose([trace.x[-1], trace.y[-1]], path[-1], rtol=1e-6)
        np.testing.assert_allclose(loss.y[-1], max(values[-1], 1e-16), rtol=1e-6)
        assert loss.x[-1] == len(path) - 1
        assert text.text[0].startswith(f"ε = {LRS[key[0]]:g}, α = {MOMENTA[key[1]]:g}: ")
        assert trace.visible == (key[1] == 0) and trace.opacity == (1.0 if key[0] == 1 else 0.0)


def test_explorer_sliders_select_one_run(runs):
    fig = explorer(runs)
    lr_slider, mom_slider = fig.layout.sliders
    assert [s.label for s in lr_slider.steps] == ["0.001", "0.003"]
    assert [s.label for s in mom_slider.steps] == ["0", "0.9"]
    combos = list(runs)
    for i in range(len(LRS)):
        for j in range(len(MOMENTA)):
            opacity = lr_slider.steps[i].args[0]["opacity"]
            visible = mom_slider.steps[j].args[0]["visible"]
            seen = [combos[t % len(combos)] for t, (o, v) in enumerate(zip(opacity, visible)) if o == 1.0 and v]
            assert seen == [(i, j)] * 3


def test_explorer_alt_text_names_the_numbers(runs):
    alt = explorer(runs).layout.meta["alt"]
    assert "0.001 to 0.003" in alt and "0 to 0.9" in alt and "(-1.2, 1)" in alt
    assert descent.run_summary(runs[0, 0]) in alt


def test_explorer_bad_input(runs):
    partial = {k: v for k, v in runs.items() if k != (1, 1)}
    with pytest.raises(ValueError, match="one run for every"):
        explorer(partial)
    with pytest.raises(ValueError, match="shown"):
        explorer(runs, shown=(5, 0))


def test_run_figure_html():
    res = gradient_descent(L.three_bumps, [1.0, 3.0], 0.1, steps=200)
    out = descent.run_figure_html("three_bumps", res, learning_rate=0.1, momentum=0.5)
    assert out.startswith('<p style="font-family: monospace">')
    alt = re.search(r'alt="([^"]*)"', out).group(1)
    assert "three_bumps" in alt and "(1, 3)" in alt and "1.0e-01" in alt and "momentum 0.5" in alt
    assert "data:image/png;base64," in out


def test_run_figure_html_needs_a_two_variable_run():
    res = gradient_descent(lambda x: (x[0] - 1) ** 2, [0.0], 0.1, steps=50)
    with pytest.raises(ValueError, match="shape"):
        descent.run_figure_html("paraboloid", res, learning_rate=0.1, momentum=0.0)


def test_graph_path_animation_draws_each_step_on_the_graph():
    from calclib.plotting.descent import graph_path_animation

    path = 5.0 * 0.8 ** np.arange(26)               # gradient descent on x², ε = 0.1: x_k = 5 · 0.8^k
    xs = np.linspace(-5.5, 5.5, 101)
    fig = graph_path_animation(lambda x: x**2, path, xs=xs, alt="the walk", title="x² from 5")
    assert np.allclose(fig.data[0].y, xs**2)
    assert len(fig.frames) == 26 and [fr.name for fr in fig.frames] == [str(k) for k in range(26)]
    last = fig.frames[-1].data[0]
    assert np.allclose(last.x, path) and np.allclose(last.y, path**2)
    assert fig.layout.meta["alt"] == "the walk" and fig.layout.sliders[0].steps[-1].label == "25"
    with pytest.raises(ValueError, match="one variable"):
        graph_path_animation(lambda x: x, np.zeros((3, 2)), xs=xs, alt="a")


def test_paths_animation_stride_thins_the_drawn_points_but_counts_steps():
    from calclib.plotting.contours import paths_animation

    path = np.column_stack([np.linspace(2.0, 0.0, 101), np.linspace(-2.0, 0.0, 101)])
    fig = paths_animation("paraboloid", [path], ["run"], every=10, stride=5, alt="a run")
    assert [fr.name for fr in fig.frames] == [str(k) for k in range(0, 101, 10)]
    drawn = fig.frames[3].data[0]                       # step 30: iterates 0, 5, …, 30
    assert np.allclose(drawn.x, path[0:31:5, 0]) and np.allclose(drawn.y, path[0:31:5, 1])
