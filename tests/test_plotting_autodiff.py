"""Tests of calclib.plotting.autodiff: each figure holds the data it was given, checked against formulas."""

from __future__ import annotations

import numpy as np
import pytest

import calclib as cl
from calclib.plotting import autodiff

LINKS = [(np.square, "y₁ = y₀²"), (np.sin, "y₂ = sin y₁"), (np.exp, "y₃ = exp y₂")]


def _text(title):
    """A figure title as plain text: the lines joined, no-break spaces as spaces."""
    return title.replace("<br>", " ").replace("\u00a0", " ")


def chain(x):
    return np.exp(np.sin(x**2))


def baydin(x1, x2):
    return np.log(x1) + x1 * x2 - np.sin(x2)


@pytest.fixture(scope="module")
def chain_data():
    xs = np.linspace(0.5, 2.0, 7)
    table = cl.forward.trace(chain, xs, np.ones_like(xs))
    ys = [np.asarray(r[3]) for r in table.rows[:4]]
    local = [cl.derivative(g)(ys[i]) for i, (g, _) in enumerate(LINKS)]
    return xs, ys, local, np.asarray(table.rows[3][4])


# --- chain_links_figure ----------------------------------------------------------------------------------

def test_chain_figure_draws_each_link_and_its_tangent(chain_data):
    xs, ys, local, dk = chain_data
    fig = autodiff.chain_links_figure(xs, ys, local, dk, LINKS)
    for i, (g, _) in enumerate(LINKS):                       # traces 0..2: the graphs of the links
        curve = fig.data[i]
        np.testing.assert_allclose(curve.y, g(np.asarray(curve.x)), rtol=1e-12)
    steps = fig.layout.sliders[0].steps
    assert len(steps) == len(xs) and [s.label for s in steps] == [f"{x:.2f}" for x in xs]
    analytic = [2 * xs, np.cos(xs**2), np.exp(np.sin(xs**2))]   # f_i'(y_{i-1}) by hand
    for j, step in enumerate(steps):
        changes, layout, moved = step.args
        assert list(moved) == list(range(3, 9))
        for i in range(3):
            seg_x, seg_y = changes["x"][2 * i], changes["y"][2 * i]
            slope = (seg_y[1] - seg_y[0]) / (seg_x[1] - seg_x[0])
            assert slope == pytest.approx(analytic[i][j], rel=1e-9)
            (px,), (py,) = changes["x"][2 * i + 1], changes["y"][2 * i + 1]
            assert px == pytest.approx([xs[j], xs[j]**2, np.sin(xs[j]**2)][i])
            assert py == pytest.approx(LINKS[i][0](px))
        product = 2 * xs[j] * np.cos(xs[j]**2) * np.exp(np.sin(xs[j]**2))
        assert f"{product:.4f}" in _text(layout["title.text"])


def test_chain_figure_alt_text_and_layout(chain_data):
    xs, ys, local, dk = chain_data
    fig = autodiff.chain_links_figure(xs, ys, local, dk, LINKS)
    alt = fig.layout.meta["alt"]
    assert "y₂ = sin y₁" in alt and f"{dk[0]:.4g}" in alt and f"{dk[-1]:.4g}" in alt and "0.5" in alt
    assert fig.layout.sliders[0].currentvalue.prefix == "x = "
    assert [a.text for a in fig.layout.annotations] == [name for _, name in LINKS]
    for title in [fig.layout.title.text] + [s.args[1]["title.text"] for s in fig.layout.sliders[0].steps]:
        lines = title.replace("\u00a0", " ").split("<br>")
        assert len(lines) == 2 and lines[0].startswith("x = ") and all(len(line) <= 44 for line in lines)


def test_chain_figure_refuses_mismatched_data(chain_data):
    xs, ys, local, dk = chain_data
    with pytest.raises(ValueError, match="pass 4 arrays of shape"):
        autodiff.chain_links_figure(xs, ys[:3], local, dk, LINKS)
    with pytest.raises(ValueError, match="local derivatives"):
        autodiff.chain_links_figure(xs, ys, [v[:-1] for v in local], dk, LINKS)
    with pytest.raises(ValueError, match="at least one link"):
        autodiff.chain_links_figure(xs, ys[:1], [], dk, [])


# --- directional_derivative_figure -----------------------------------------------------------------------

def test_direction_figure_slices_and_slopes():
    point = np.array([2.0, 5.0])
    thetas = np.radians([0, 90, 200])
    dirs = np.stack([np.cos(thetas), np.sin(thetas)], axis=1)
    slopes = [cl.jvp(baydin, tuple(point), tuple(v))[1] for v in dirs]
    fig = autodiff.directional_derivative_figure(baydin, point, dirs, slopes)
    gradient = np.array([1 / 2 + 5, 2 - np.cos(5.0)])            # (1/x1 + x2, x1 - cos x2)
    steps = fig.layout.sliders[0].steps
    assert [s.label for s in steps] == ["0°", "90°", "200°"]
    for step, v in zip(steps, dirs):
        changes, layout, moved = step.args
        assert list(moved) == [1, 2, 3, 4]
        ts, slice_ = np.asarray(changes["x"][2]), np.asarray(changes["y"][2])
        np.testing.assert_allclose(slice_, baydin(2 + ts * v[0], 5 + ts * v[1]), rtol=1e-12)
        (t0, t1), (y0, y1) = changes["x"][3], changes["y"][3]
        assert (y1 - y0) / (t1 - t0) == pytest.approx(gradient @ v, rel=1e-10)
        assert (y1 + y0) / 2 == pytest.approx(baydin(2.0, 5.0))   # the tangent passes through f(x) at t = 0
        assert f"{gradient @ v:.4f}" in _text(layout["title.text"])
        assert layout["title.text"].count("<br>") == 1        # every step's title has the same two lines
    contour = fig.data[0]
    assert contour.x[0] == pytest.approx(0.7) and contour.y[-1] == pytest.approx(6.3)
    np.testing.assert_allclose(np.asarray(contour.z)[3, 7], baydin(contour.x[7], contour.y[3]))
    alt = fig.layout.meta["alt"]
    assert "(2, 5)" in alt and "3 directions" in alt and f"{min(slopes):.4g}" in alt


def test_direction_figure_refuses_bad_shapes():
    with pytest.raises(ValueError, match=r"shape \(K, 2\)"):
        autodiff.directional_derivative_figure(baydin, (2.0, 5.0), np.ones(3), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="one JVP per direction"):
        autodiff.directional_derivative_figure(baydin, (2.0, 5.0), np.ones((3, 2)), [1.0, 2.0])
    with pytest.raises(ValueError, match="two numbers"):
        autodiff.directional_derivative_figure(baydin, (2.0, 5.0, 1.0), np.ones((3, 2)), [1.0, 2.0, 3.0])


# --- mode_comparison_figure and cheap_gradient_figure ----------------------------------------------------

def test_mode_comparison_steps_show_each_m():
    ns, ms = [1, 2, 4], [1, 3]
    forward = [[n for n in ns] for _ in ms]
    reverse = [[1 + m for _ in ns] for m in ms]
    ratio = [[0.5 * n / m for n in ns] for m in ms]
    fig = autodiff.mode_comparison_figure(ns, ms, forward, reverse, ratio)
    assert list(fig.data[0].y) == [1, 2, 4] and list(fig.data[1].y) == [2, 2, 2]
    steps = fig.layout.sliders[0].steps
    assert [s.label for s in steps] == ["1", "3"]
    changes, layout, moved = steps[1].args
    assert [list(y) for y in changes["y"]] == [[1, 2, 4], [4, 4, 4], [0.5 / 3, 1 / 3, 2 / 3]] and list(moved) == [0, 1, 2]
    assert layout["title.text"].endswith("m = 3 outputs") and fig.layout.title.text.endswith("m = 1 output")
    assert list(fig.data[3].y) == [1, 1]
    assert "n = 4" in fig.layout.meta["alt"] and "2" in fig.layout.meta["alt"]


def test_mode_comparison_refuses_bad_shapes():
    with pytest.raises(ValueError, match=r"forward must have shape \(len\(ms\), len\(ns\)\) = \(2, 3\)"):
        autodiff.mode_comparison_figure([1, 2, 4], [1, 3], np.ones((3, 2)), np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="ratio must be positive"):
        autodiff.mode_comparison_figure([1], [1], [[1]], [[2]], [[0.0]])


def test_cheap_gradient_leaves_out_unmeasured_sizes():
    ns, reverse, forward = [10, 100, 1000], [4.0, 5.0, 4.5], [12.0, 110.0, np.nan]
    fig = autodiff.cheap_gradient_figure(ns, reverse, forward)
    assert list(fig.data[0].y) == reverse and list(fig.data[1].x) == [10, 100] and list(fig.data[1].y) == [12, 110]
    alt = fig.layout.meta["alt"]
    assert "between 4 and 5" in alt and "up to 100" in alt and "110" in alt
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    with pytest.raises(ValueError, match="same length"):
        autodiff.cheap_gradient_figure(ns, reverse[:2], forward)


# --- the widgets' HTML -----------------------------------------------------------------------------------

def test_trace_html_is_the_forward_trace():
    page = autodiff.trace_html("np.log(x1) + x1 * x2 - np.sin(x2)", "2, 5", "1, 0")
    expected = cl.forward.trace(baydin, (2.0, 5.0), (1.0, 0.0))._repr_html_()
    assert page == expected and "5.5" in page
    assert "x3" in autodiff.trace_html("x1 * x2 * x3", "1, 2, 3", "0, 0, 1")


def test_widget_errors_are_messages_not_tracebacks():
    assert autodiff.trace_html("x1 +", "2, 5", "1, 0").startswith("<pre>SyntaxError")
    assert "same number" in autodiff.trace_html("x1 * x2", "2, 5", "1")
    assert "separated by commas" in autodiff.trace_html("x1", "two", "1")
    assert "name=number" in autodiff.graph_html("x * y", "x=3, y")
    assert "&lt;" in autodiff.trace_html("x1 < ", "2", "1")            # the message is escaped
    with pytest.raises(ValueError, match="Python names"):
        autodiff.typed_function("x + 1", ["1x"])
    with pytest.raises(ValueError, match="type an expression"):
        autodiff.typed_function("  ", ["x"])


def test_graph_html_draws_values_and_adjoints():
    page = autodiff.graph_html("2 * (x * y + np.maximum(z, w))", "x=3, y=-4, z=2, w=-1")
    drawing = cl.graph.draw(lambda x, y, z, w: 2 * (x * y + np.maximum(z, w)), (3.0, -4.0, 2.0, -1.0),
                            names=("x", "y", "z", "w"))
    assert page.startswith('<svg style="max-width: 100%; height: auto" ')
    assert page.replace(' style="max-width: 100%; height: auto"', "", 1) == drawing.svg
    assert "adjoint -8" in page and "<title>" in page
