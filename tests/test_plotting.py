"""Tests of calclib.plotting: each helper returns a figure whose data can be checked against calclib."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from matplotlib.figure import Figure

from calclib import functions as F
from calclib import plotting as P
from calclib.finite_diff import average_rate_of_change

DXS = [1.25, 1.0, 0.5, 0.25, 0.1, 0.01, 0.001]


def _curves(ax):
    """The graphs in an axes (the lines with a legend label), not the grey x and y axes."""
    return [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]


def _line_slope(xs, ys) -> float:
    return (ys[-1] - ys[0]) / (xs[-1] - xs[0])


# --- function_grid -------------------------------------------------------------------------------------

def test_function_grid_draws_every_function_and_its_derivative():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning from points outside a domain
        fig = P.function_grid()
    assert isinstance(fig, Figure)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == len(F.CATALOGUE)
    assert all(len(_curves(ax)) == 2 for ax in visible)
    assert all(ax.get_title() for ax in visible)


def test_function_grid_respects_domains():
    fig = P.function_grid(["ln", "abs"], derivative=True)
    ln_ax, abs_ax = fig.axes[:2]
    x, y = _curves(ln_ax)[0].get_xdata(), _curves(ln_ax)[0].get_ydata()
    assert np.all(np.isnan(y[x <= 0])) and np.all(np.isfinite(y[x > 0]))
    x, dy = _curves(abs_ax)[1].get_xdata(), _curves(abs_ax)[1].get_ydata()
    assert np.isnan(dy[x == 0]).all() and (x == 0).any()


def test_function_grid_options_and_callables():
    fig = P.function_grid(["sin", np.cos, lambda x: x**4], derivative=False, ncols=2)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 3 and all(len(_curves(ax)) == 1 for ax in visible)
    assert visible[1].get_title() == r"$\mathrm{cos}(x)$"
    fig = P.function_grid([lambda x: x**4], window=(-1, 1))
    x, dy = _curves(fig.axes[0])[1].get_xdata(), _curves(fig.axes[0])[1].get_ydata()
    np.testing.assert_allclose(dy, 4 * x**3, atol=1e-8)  # derivative of a plain callable: central difference
    with pytest.raises(ValueError):
        P.function_grid([])
    with pytest.raises(ValueError, match="Valid names"):
        P.function_grid(["sine"])
    with pytest.raises(TypeError):
        P.function_grid([42])


# --- secant_grid ----------------------------------------------------------------------------------------

def test_secant_grid_slopes_are_average_rates_of_change():
    dxs = (1.5, 0.5, 0.1)
    fig = P.secant_grid(["square", "ln", "sin"], x0={"ln": 2.0}, dxs=dxs)
    for ax, name, x0 in zip(fig.axes, ["square", "ln", "sin"], [1.0, 2.0, 1.0]):
        fn = F.get(name)
        lines = ax.get_lines()
        # curve, then (secant, end point) per step, then tangent and the point of tangency
        assert len(lines) == 1 + 2 * len(dxs) + 2
        secants = lines[1:1 + 2 * len(dxs):2]
        expected = average_rate_of_change(fn, x0, np.array(dxs))
        got = [_line_slope(ln.get_xdata(), ln.get_ydata()) for ln in secants]
        np.testing.assert_allclose(got, expected, rtol=1e-12)
        tangent = lines[-2]
        assert _line_slope(tangent.get_xdata(), tangent.get_ydata()) == pytest.approx(fn.derivative(x0), rel=1e-12)


# --- secant_to_tangent (plotly) -----------------------------------------------------------------------------

def test_secant_to_tangent_structure_and_alt_text():
    fig = P.secant_to_tangent("square", 0.25, DXS)
    assert len(fig.data) == 4
    steps = fig.layout.sliders[0].steps
    assert len(steps) == len(DXS)
    assert [s.label for s in steps] == [f"{d:g}" for d in DXS]
    alt = fig.layout.meta["alt"]
    assert isinstance(alt, str) and len(alt) > 40 and "x0 = 0.25" in alt
    assert len(fig.to_json()) < 60_000  # light enough to embed in a page


def test_secant_to_tangent_slopes_equal_average_rate_of_change():
    fn = F.get("square")
    fig = P.secant_to_tangent(fn, 0.25, DXS)
    expected = average_rate_of_change(fn, 0.25, np.array(DXS))
    for k, step in enumerate(fig.layout.sliders[0].steps):
        data, layout, traces = step.args
        assert list(traces) == [2, 3]
        (sx, px), (sy, py) = data["x"], data["y"]
        assert _line_slope(sx, sy) == pytest.approx(expected[k], rel=1e-12)
        assert _line_slope(px, py) == pytest.approx(expected[k], rel=1e-9)  # the secant joins two points of f
        np.testing.assert_allclose(py, fn(np.array(px)), rtol=1e-15)
        assert f"{expected[k]:.6g}" in layout["title.text"]
    # the first step is what the page shows before the slider moves
    assert _line_slope(fig.data[2].x, fig.data[2].y) == pytest.approx(1.75)
    assert _line_slope(fig.data[1].x, fig.data[1].y) == pytest.approx(0.5)  # the tangent: f'(0.25) = 0.5


def test_secant_to_tangent_with_a_plain_callable_and_negative_steps():
    fig = P.secant_to_tangent(lambda x: x**3, 1.0, [-0.5, -0.1], df=lambda x: 3 * x**2, alt="custom")
    assert fig.layout.meta == {"alt": "custom"}
    data = fig.layout.sliders[0].steps[1].args[0]
    assert _line_slope(data["x"][0], data["y"][0]) == pytest.approx(average_rate_of_change(lambda x: x**3, 1.0, -0.1))
    fig = P.secant_to_tangent(np.sin, 0.0, [1.0])  # tangent from a central difference
    assert _line_slope(fig.data[1].x, fig.data[1].y) == pytest.approx(1.0, rel=1e-9)


def test_secant_to_tangent_bad_input():
    with pytest.raises(ValueError, match="non-zero"):
        P.secant_to_tangent("square", 0.0, [1.0, 0.0])
    with pytest.raises(ValueError, match="defined"):
        P.secant_to_tangent("ln", 0.5, [-1.0])  # 0.5 - 1 is outside the domain of ln
    with pytest.raises(ValueError):
        P.secant_to_tangent("square", 0.0, [])
    with pytest.raises(TypeError):
        P.secant_to_tangent("square", "zero", [1.0])
    with pytest.raises(TypeError):
        P.secant_to_tangent(3.0, 0.0, [1.0])


# --- one_sided_slopes ----------------------------------------------------------------------------------------

def test_one_sided_slopes_of_corners_jumps_and_vertical_tangents():
    hs = np.logspace(0, -6, 7)

    def jump(x):
        return np.where(x >= 0, 1.0, 0.0)

    cases = [("|x|", "abs", 0.0), ("ReLU", "relu", 0.0), ("√x", "sqrt", 0.0), ("jump", jump, 0.0)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = P.one_sided_slopes(cases, hs)
    assert len(fig.axes) == 8
    bottoms = fig.axes[4:]
    right = [ax.lines[0].get_ydata() for ax in bottoms]
    left = [ax.lines[1].get_ydata() for ax in bottoms]
    np.testing.assert_allclose(right[0], 1.0) and np.testing.assert_allclose(left[0], -1.0)
    np.testing.assert_allclose(right[1], 1.0) and np.testing.assert_allclose(left[1], 0.0)
    np.testing.assert_allclose(right[2], 1 / np.sqrt(hs), rtol=1e-12)
    assert np.all(np.isnan(left[2]))
    np.testing.assert_allclose(left[3], 1 / hs, rtol=1e-12) and np.testing.assert_allclose(right[3], 0.0)
    with pytest.raises(ValueError):
        P.one_sided_slopes(cases, [-1e-3])
    with pytest.raises(ValueError):
        P.one_sided_slopes([("bad", "abs")])


# --- inverse_pair -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("f, g, x0, window", [("exp", "ln", 0.5, (-2, 1.5)), ("square", "sqrt", 1.5, (0, 2))])
def test_inverse_pair_tangent_slopes_are_reciprocal(f, g, x0, window):
    fig = P.inverse_pair(f, g, x0, window=window)
    lines = fig.axes[0].get_lines()
    assert len(lines) == 6
    sf = _line_slope(lines[3].get_xdata(), lines[3].get_ydata())
    sg = _line_slope(lines[4].get_xdata(), lines[4].get_ydata())
    assert sf == pytest.approx(F.get(f).derivative(x0), rel=1e-12)
    assert sg == pytest.approx(1 / sf, rel=1e-12)


def test_inverse_pair_draws_into_a_given_axes():
    fig = Figure()
    a, b = fig.subplots(1, 2)
    assert P.inverse_pair("exp", "ln", 0.0, ax=b) is fig
    assert len(b.lines) == 6 and len(a.lines) == 0


def test_helpers_do_not_register_figures_with_pyplot():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    P.function_grid(["sin"])
    P.secant_grid(["sin"])
    P.one_sided_slopes([("|x|", "abs", 0.0)])
    P.inverse_pair("exp", "ln", 0.0)
    assert plt.get_fignums() == before


def test_the_sites_plotly_bundle_matches_plotly_and_draws_every_trace_type_the_book_uses():
    """The website's plotly.js is a bundle of only the trace types the book draws (book/_assets/plotly): it
    must be the plotly.js version the Python plotly writes figures for, and have every trace type used."""
    import json
    import re
    from pathlib import Path

    import plotly

    root = Path(__file__).resolve().parents[1]
    bundle = json.loads((root / "book" / "_assets" / "plotly" / "bundle.json").read_text())
    full = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text()[:200]
    assert f"plotly.js v{bundle['plotly.js']}" in full, "rebuild book/_assets/plotly for this plotly (see its README)"
    header = (root / "book" / "_assets" / "plotly" / "plotly-calclib.min.js").read_text()[:300]
    assert f"plotly.js v{bundle['plotly.js']}" in header and ", ".join(bundle["traces"]) in header
    sources = [*(root / "src" / "calclib").rglob("*.py"), *(root / "book").glob("*.ipynb")]   # plotting/ too
    used = {name.lower() for path in sources for name in re.findall(r"\bgo\.([A-Z]\w*)\(", path.read_text())}
    used -= {"figure", "frame", "layout"}
    assert used and used <= set(bundle["traces"]), f"trace types not in the site's plotly.js: {used - set(bundle['traces'])}"
    assert not any(re.search(r"\bpx\.\w+\(|plotly\.express", path.read_text()) for path in sources), \
        "plotly.express figures: add their trace types to booktools/plotly-bundle/build.js"


# --- contours and paths ---------------------------------------------------------------------------------

def test_landscape_grid_evaluates_the_landscape_at_every_grid_point():
    from calclib import landscapes as L
    X, Y, Z = P.landscape_grid("rosenbrock", n=7)
    expected = (1 - X) ** 2 + 100 * (Y - X**2) ** 2
    np.testing.assert_allclose(Z, expected, rtol=1e-12)
    with pytest.raises(ValueError, match="two"):
        P.landscape_grid("parabola")
    assert L.get("rosenbrock").domain == ((X.min(), X.max()), (Y.min(), Y.max()))


def test_paths_animation_frames_show_each_path_up_to_its_step():
    from calclib import landscapes as L
    from calclib.optimize import gradient_descent
    runs = [gradient_descent(L.paraboloid, np.array(s), 0.1, steps=k) for s, k in (((2.0, 1.0), 12), ((-1.0, 2.0), 5))]
    fig = P.paths_animation("paraboloid", [r.path for r in runs], ["a", "b"], alt="two paths", every=4)
    names = [f.name for f in fig.frames]
    assert names == ["0", "4", "8", "12"]
    frame8 = fig.frames[2].data
    np.testing.assert_allclose(frame8[0].x, runs[0].path[:9, 0], rtol=1e-6)
    np.testing.assert_allclose(frame8[1].x, runs[1].path[:, 0], rtol=1e-6)   # stopped at 5: stays at its end
    assert [s.label for s in fig.layout.sliders[0].steps] == names
    assert fig.layout.meta["alt"] == "two paths"
    with pytest.raises(ValueError, match="one label per path"):
        P.paths_animation("paraboloid", [runs[0].path], ["a", "b"], alt="x")


def test_layout_wraps_titles_and_requires_alt_text():
    import plotly.graph_objects as go
    fig = P.finish(go.Figure(), alt="nothing", title="a fairly long title that cannot fit on a phone in one line")
    assert all(len(line) <= P.layout.TITLE_WIDTH for line in fig.layout.title.text.split("<br>"))
    with pytest.raises(ValueError, match="alt text"):
        P.finish(go.Figure(), alt=" ")
