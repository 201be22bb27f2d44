"""calclib.plotting.several_variables: each figure holds the chapter's numbers, checked against formulas."""

import numpy as np
import pytest

import calclib as cl
from calclib import landscapes
from calclib.plotting import several_variables as svp


def paraboloid(p):
    return p[0] ** 2 + p[1] ** 2


def test_tangent_plane_grid_is_the_linear_formula():
    X, Y, Z = svp.tangent_plane_grid(20.0, (4.0, 8.0), (2.0, 4.0), np.linspace(0, 3, 4), np.linspace(3, 5, 3))
    assert Z.shape == (3, 4)
    assert np.allclose(Z, 20 + 4 * (X - 2) + 8 * (Y - 4))
    with pytest.raises(ValueError, match="two numbers"):
        svp.tangent_plane_grid(1.0, (1.0, 2.0, 3.0), (0.0, 0.0), np.zeros(2), np.zeros(2))


def test_tangent_plane_figure_surface_plane_slices_and_point():
    at = np.array([2.0, 4.0])
    value, slopes = cl.value_and_grad(paraboloid)(at)
    xs, ys = np.linspace(-1, 5, 41), np.linspace(1, 7, 41)
    fig = svp.tangent_plane_figure(paraboloid, at, value, slopes, xs=xs, ys=ys, plane_xs=[0.5, 3.5],
                                   plane_ys=[2.5, 5.5], alt="a bowl and its plane", title="t", z_range=(0, 75))
    surface, plane, slice_x, tangent_x, slice_y, tangent_y, point = fig.data
    gx, gy = np.meshgrid(xs, ys)
    assert np.allclose(surface.z, gx**2 + gy**2, atol=1e-4)
    # the plane 20 + 4(x − 2) + 8(y − 4) at its corners
    assert np.allclose(plane.z, [[20 + 4 * (-1.5) + 8 * (-1.5), 20 + 4 * 1.5 + 8 * (-1.5)],
                                 [20 + 4 * (-1.5) + 8 * 1.5, 20 + 4 * 1.5 + 8 * 1.5]])
    assert np.allclose(slice_x.z, np.asarray(slice_x.x) ** 2 + 16) and set(slice_x.y) == {4.0}
    assert np.allclose(slice_y.z, 4 + np.asarray(slice_y.y) ** 2) and set(slice_y.x) == {2.0}
    # the tangent lines have the slopes 2a = 4 and 2b = 8 and pass through (2, 4, 20)
    assert np.allclose(np.diff(tangent_x.z) / np.diff(tangent_x.x), 4.0)
    assert np.allclose(np.diff(tangent_y.z) / np.diff(tangent_y.y), 8.0)
    assert (point.x[0], point.y[0], point.z[0]) == (2.0, 4.0, 20.0) and point.name == "(2, 4, 20)"
    assert "slope f_x = 4" in slice_x.name and "slope f_y = 8" in slice_y.name
    assert fig.layout.meta["alt"] == "a bowl and its plane"
    assert list(fig.layout.scene.zaxis.range) == [0, 75]


def test_tangent_plane_figure_without_slices_sauna():
    at = np.array([4.0, 4.0])
    value, slopes = cl.value_and_grad(landscapes.sauna)(at)
    room = np.linspace(0, 5, 11)
    fig = svp.tangent_plane_figure(landscapes.sauna, at, value, slopes, xs=room, ys=room, plane_xs=[2.8, 5],
                                   plane_ys=[2.8, 5], slices=False, alt="sauna", title="t", point_label="coldest")
    assert len(fig.data) == 3
    rx, ry = np.meshgrid(room, room)
    assert np.allclose(fig.data[0].z, 50 - rx**2 * (rx - 6) * ry**2 * (ry - 6) / 50, atol=1e-4)
    assert np.allclose(fig.data[1].z, 29.52)   # horizontal: both slopes are zero at the coldest point
    assert fig.data[2].name == "coldest" and "29.52" in fig.data[1].name


def test_tangent_plane_figure_rejects_bad_grids():
    with pytest.raises(ValueError, match="1-D arrays"):
        svp.tangent_plane_figure(paraboloid, (0, 0), 0.0, (0, 0), xs=np.zeros((2, 2)), ys=np.zeros(3),
                                 plane_xs=[0, 1], plane_ys=[0, 1], alt="a", title="t")
    with pytest.raises(ValueError, match="point"):
        svp.tangent_plane_figure(paraboloid, (0, 0, 0), 0.0, (0, 0), xs=np.zeros(3), ys=np.zeros(3),
                                 plane_xs=[0, 1], plane_ys=[0, 1], alt="a", title="t")


def test_taylor_slider_steps_are_the_polynomials():
    from math import factorial

    xs = np.linspace(-4 * np.pi, 4 * np.pi, 101)
    orders = [1, 3, 5]
    curves = {k: sum((-1) ** (j // 2) * xs**j / factorial(j) for j in range(1, k + 1, 2)) for k in orders}
    err = {k: float(np.max(np.abs(curves[k] - np.sin(xs))[np.abs(xs) <= np.pi])) for k in orders}
    fig = svp.taylor_slider(xs, np.sin(xs), curves, err, alt="sine and its Taylor polynomials")
    assert np.allclose(fig.data[0].y, np.sin(xs))
    assert np.allclose(fig.data[1].y, xs)                      # order 1: the tangent line y = x
    steps = fig.layout.sliders[0].steps
    assert [s.label for s in steps] == ["1", "3", "5"]
    assert np.allclose(steps[1].args[0]["y"][0], xs - xs**3 / 6, atol=1e-5)
    assert f"{err[5]:.1e}" in steps[2].args[1]["title.text"]
    assert fig.layout.meta["alt"] == "sine and its Taylor polynomials"


def test_taylor_slider_rejects_mismatches():
    xs = np.linspace(0, 1, 5)
    with pytest.raises(ValueError, match="one max_err per order"):
        svp.taylor_slider(xs, xs, {1: xs, 3: xs}, {1: 0.0}, alt="a")
    with pytest.raises(ValueError, match="shape of xs"):
        svp.taylor_slider(xs, xs, {1: xs[:3]}, {1: 0.0}, alt="a")


def test_critical_points_figure_buttons_show_one_surface():
    examples = {"x² + y²": paraboloid, "x² − y²": lambda p: p[0] ** 2 - p[1] ** 2}
    verdicts = {name: cl.optimize.classify_critical_point(fn, np.zeros(2)) for name, fn in examples.items()}
    fig = svp.critical_points_figure(examples, verdicts, alt="two surfaces", side=np.linspace(-1, 1, 5))
    gx, gy = np.meshgrid(np.linspace(-1, 1, 5), np.linspace(-1, 1, 5))
    assert np.allclose(fig.data[1].z, gx**2 - gy**2)
    assert [t.visible for t in fig.data] == [True, False, None]
    buttons = fig.layout.updatemenus[0].buttons
    assert [b.label for b in buttons] == ["x² + y² (minimum)", "x² − y² (saddle)"]
    assert buttons[1].args[0]["visible"] == [False, True, True]
    assert "saddle" in buttons[1].args[1]["title.text"]
    with pytest.raises(ValueError, match="one verdict per example"):
        svp.critical_points_figure(examples, {"x² + y²": "minimum"}, alt="a")


def test_level_curves_with_gradient_arrow_is_the_unit_gradient():
    fig = svp.level_curves_with_gradient(paraboloid, (2.0, 4.0), (4.0, 8.0))
    ax = fig.axes[0]
    arrow = ax.collections[-1]                                   # the quiver comes after the contour
    assert np.allclose(arrow.U, 4 / np.sqrt(80)) and np.allclose(arrow.V, 8 / np.sqrt(80))
    assert tuple(ax.lines[0].get_xydata()[0]) == (2.0, 4.0)
    html = cl.plotting.figure_html(fig, "level curves")
    assert html.startswith('<img alt="level curves"')
    with pytest.raises(ValueError, match="two numbers"):
        svp.level_curves_with_gradient(paraboloid, (2.0, 4.0), (1.0,))
