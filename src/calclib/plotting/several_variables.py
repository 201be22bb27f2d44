r"""Figures of the chapter *Several variables*: surfaces with tangent planes, Taylor polynomials, critical points.

Every function takes numbers the chapter computed (values and gradients from :func:`calclib.api.value_and_grad`,
polynomial values, verdicts of :func:`calclib.optimize.classify_critical_point`) and only draws them; it
returns the figure, it never shows it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Mapping, Sequence

import numpy as np

from .layout import add_state_slider, finish

if TYPE_CHECKING:
    import plotly.graph_objects as go
    from matplotlib.figure import Figure

__all__ = ["tangent_plane_grid", "tangent_plane_figure", "taylor_slider", "critical_points_figure",
           "level_curves_with_gradient"]

Function2 = Callable[[np.ndarray], np.ndarray]


def _point(at: Sequence[float], name: str) -> np.ndarray:
    p = np.asarray(at, dtype=float)
    if p.shape != (2,):
        raise ValueError(f"{name} must be a point (x, y) of two numbers; got shape {p.shape}")
    return p


def tangent_plane_grid(value: float, slopes: Sequence[float], at: Sequence[float], xs: np.ndarray,
                       ys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The tangent plane :math:`z = f(a) + f_x(a)(x - a_1) + f_y(a)(y - a_2)` on the grid ``xs × ys``.

    Returns the grids ``X, Y`` and the plane's heights ``Z``, each of shape ``(len(ys), len(xs))``.

    >>> X, Y, Z = tangent_plane_grid(20.0, (4.0, 8.0), (2.0, 4.0), np.array([2.0, 3.0]), np.array([4.0]))
    >>> Z.tolist()
    [[20.0, 24.0]]
    """
    slopes, at = _point(slopes, "slopes"), _point(at, "at")
    gx, gy = np.meshgrid(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float))
    return gx, gy, value + slopes[0] * (gx - at[0]) + slopes[1] * (gy - at[1])


def _flat(color: str) -> list:
    return [[0, color], [1, color]]


def tangent_plane_figure(fn: Function2, at: Sequence[float], value: float, slopes: Sequence[float], *,
                         xs: np.ndarray, ys: np.ndarray, plane_xs: np.ndarray, plane_ys: np.ndarray,
                         alt: str, title: str, slices: bool = True, colorscale: str = "Blues",
                         point_label: str | None = None, height: int = 620, axis_titles: Sequence[str] = ("x", "y", "z"),
                         eye: tuple[float, float, float] = (1.7, -1.5, 0.8), z_range: Sequence[float] | None = None,
                         **surface: object) -> "go.Figure":
    r"""A surface :math:`z = f(x, y)` in 3-D, its tangent plane at ``at``, and (``slices=True``) the two slices
    through ``at`` with their tangent lines.

    Parameters
    ----------
    fn : callable
        ``fn(np.stack([X, Y]))`` gives :math:`f` on a grid (as a landscape of :mod:`calclib.landscapes`).
    at : (2,) array
        The point :math:`a` where the plane touches.
    value, slopes : float and (2,) array
        :math:`f(a)` and :math:`(f_x(a), f_y(a))`, e.g. from ``cl.value_and_grad(fn)(at)``.
    xs, ys : 1-D arrays
        Where the surface is drawn (and the slices, on 61 points of the same ranges).
    plane_xs, plane_ys : 1-D arrays
        The corners of the drawn piece of plane.
    alt, title : str
        The alt text and the title.
    slices : bool
        Draw the slice :math:`y = a_2` (slope :math:`f_x`) and :math:`x = a_1` (slope :math:`f_y`), each with
        its tangent line (which lies in the plane).
    point_label : str, optional
        The legend entry of the point (default: its coordinates).
    axis_titles, eye, z_range
        The three axis titles, the camera's position, and the range of z (default: plotly's).
    **surface
        More options for the surface trace (``cmin``, ``cmax``, ``hovertemplate``, ...).

    Returns
    -------
    plotly.graph_objects.Figure
        Trace 0 is the surface, trace 1 the plane, then the slices and their tangents, the last the point.
    """
    import plotly.graph_objects as go

    at, slopes = _point(at, "at"), _point(slopes, "slopes")
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    if xs.ndim != 1 or ys.ndim != 1 or len(xs) < 2 or len(ys) < 2:
        raise ValueError("xs and ys must be 1-D arrays of at least 2 grid values each")
    sx, sy = np.meshgrid(xs, ys)
    px, py, pz = tangent_plane_grid(value, slopes, at, plane_xs, plane_ys)
    plane_name = (f"tangent plane z = {value:g} + {slopes[0]:g}(x − {at[0]:g}) + {slopes[1]:g}(y − {at[1]:g})"
                  if slices else f"tangent plane z = {value:.2f}")
    traces = [
        go.Surface(x=xs, y=ys, z=np.round(np.asarray(fn(np.stack([sx, sy])), dtype=float), 4),
                   colorscale=colorscale, showlegend=True, name=surface.pop("name", "surface z = f(x, y)"),
                   legendgroup="surface", **{"opacity": 0.6, "showscale": False, **surface}),
        go.Surface(x=px, y=py, z=pz, colorscale=_flat("#ff7f0e"), opacity=0.35 if slices else 0.6,
                   showscale=False, name=plane_name, showlegend=True, legendgroup="plane"),
    ]
    if slices:
        line = np.linspace(-2.0, 2.0, 2)
        x_slice, y_slice = np.linspace(xs[0], xs[-1], 61), np.linspace(ys[0], ys[-1], 61)
        along_x = np.asarray(fn(np.stack([x_slice, np.full_like(x_slice, at[1])])), dtype=float)
        along_y = np.asarray(fn(np.stack([np.full_like(y_slice, at[0]), y_slice])), dtype=float)
        traces += [
            go.Scatter3d(x=x_slice, y=np.full_like(x_slice, at[1]), z=along_x, mode="lines",
                         line=dict(color="#2ca02c", width=6), legendgroup="slice-x",
                         name=f"slice y = {at[1]:g} and its tangent, slope f_x = {slopes[0]:g}"),
            go.Scatter3d(x=at[0] + line, y=np.full(2, at[1]), z=value + slopes[0] * line, mode="lines",
                         line=dict(color="#0b3d0b", width=10), showlegend=False, legendgroup="slice-x"),
            go.Scatter3d(x=np.full_like(y_slice, at[0]), y=y_slice, z=along_y, mode="lines",
                         line=dict(color="#d62728", width=6), legendgroup="slice-y",
                         name=f"slice x = {at[0]:g} and its tangent, slope f_y = {slopes[1]:g}"),
            go.Scatter3d(x=np.full(2, at[0]), y=at[1] + line, z=value + slopes[1] * line, mode="lines",
                         line=dict(color="#5c0a0a", width=10), showlegend=False, legendgroup="slice-y"),
        ]
    point = point_label or f"({at[0]:g}, {at[1]:g}, {value:g})"
    traces.append(go.Scatter3d(x=[at[0]], y=[at[1]], z=[value], mode="markers",
                               marker=dict(size=5, color="black"), name=point))
    fig = go.Figure(traces)
    return finish(fig, alt=alt, title=title, height=height, margin=dict(l=0, r=0),
                  scene=dict(xaxis_title=axis_titles[0], yaxis_title=axis_titles[1], zaxis_title=axis_titles[2],
                             camera=dict(eye=dict(zip("xyz", eye))),
                             zaxis=dict(range=list(z_range)) if z_range is not None else {}))


def taylor_slider(xs: np.ndarray, reference: np.ndarray, curves: Mapping[int, np.ndarray],
                  max_err: Mapping[int, float], *, alt: str, name: str = "sin x",
                  y_range: tuple[float, float] = (-2.5, 2.5)) -> "go.Figure":
    """A function and its Taylor polynomials of the orders in ``curves``, one at a time, chosen with a slider.

    Parameters
    ----------
    xs : (n,) array
        The x values.
    reference : (n,) array
        The function's values at ``xs`` (black).
    curves : {order k: (n,) array}
        The values of the polynomial :math:`T_k` at ``xs`` (red); the slider steps through them in order.
    max_err : {order k: float}
        The largest error of :math:`T_k` on the interval the title names, written in the title.
    alt : str
        The alt text.

    Returns
    -------
    plotly.graph_objects.Figure
        Trace 0 is the function, trace 1 the polynomial; slider step ``k`` restyles trace 1 to ``curves[k]``.
    """
    import plotly.graph_objects as go

    xs, reference = np.asarray(xs, dtype=float), np.asarray(reference, dtype=float)
    orders = list(curves)
    if not orders or set(orders) != set(max_err):
        raise ValueError("taylor_slider needs at least one order, and one max_err per order of curves")
    if reference.shape != xs.shape or any(np.shape(curves[k]) != xs.shape for k in orders):
        raise ValueError(f"reference and every curve must have the shape of xs, {xs.shape}")

    def title(k: int) -> str:
        return f"Taylor polynomial of {name} of order {k}: largest error on [−π, π] = {max_err[k]:.1e}"

    fig = go.Figure([
        go.Scatter(x=xs, y=reference, mode="lines", name=name, line=dict(color="black", width=3)),
        go.Scatter(x=xs, y=np.asarray(curves[orders[0]]), mode="lines", name="Taylor polynomial T_k(x)",
                   line=dict(color="#d62728", width=2.5)),
    ])
    finish(fig, alt=alt, title=title(orders[0]),
           xaxis=dict(title="x", range=[xs[0], xs[-1]], tickvals=np.arange(-4, 5) * np.pi,
                      ticktext=["−4π", "−3π", "−2π", "−π", "0", "π", "2π", "3π", "4π"]),
           yaxis=dict(title="y", range=list(y_range)))
    steps = [dict(method="update", label=str(k),
                  args=[{"y": [np.round(curves[k], 5)]}, {"title.text": title(k)}, [1]]) for k in orders]
    return add_state_slider(fig, steps, prefix="order k = ")


def critical_points_figure(examples: Mapping[str, Function2], verdicts: Mapping[str, str], *, alt: str,
                           side: np.ndarray | None = None) -> "go.Figure":
    """Surfaces of several functions around their critical point (0, 0), one at a time, chosen with buttons.

    Parameters
    ----------
    examples : {formula: function}
        Each function takes ``np.stack([X, Y])``.
    verdicts : {formula: str}
        What :func:`calclib.optimize.classify_critical_point` said about (0, 0), in the buttons and the title.
    alt : str
        The alt text.
    side : 1-D array, optional
        The grid of x and of y (default 41 points on [−1.2, 1.2]).

    Returns
    -------
    plotly.graph_objects.Figure
        One surface per example (only the first visible), then the red point (0, 0); button ``i`` shows
        surface ``i``.
    """
    import plotly.graph_objects as go

    if not examples or set(examples) != set(verdicts):
        raise ValueError("critical_points_figure needs at least one example, and one verdict per example")
    side = np.linspace(-1.2, 1.2, 41) if side is None else np.asarray(side, dtype=float)
    cx, cy = np.meshgrid(side, side)
    surfaces = [go.Surface(x=side, y=side, z=np.round(fn(np.stack([cx, cy])), 4), colorscale="Viridis",
                           showscale=False, visible=(i == 0), name=name, opacity=0.9)
                for i, (name, fn) in enumerate(examples.items())]
    origin = go.Scatter3d(x=[0], y=[0], z=[0], mode="markers", marker=dict(size=5, color="red"),
                          name="critical point (0, 0)")

    def title(name: str) -> str:
        return f"f(x, y) = {name}: the critical point (0, 0) is classified as {verdicts[name]}"

    buttons = [dict(label=f"{name} ({verdicts[name]})", method="update",
                    args=[{"visible": [j == i for j in range(len(examples))] + [True]}, {"title.text": title(name)}])
               for i, name in enumerate(examples)]
    fig = go.Figure(surfaces + [origin])
    finish(fig, alt=alt, title=title(next(iter(examples))), height=640, legend=False,
           scene=dict(xaxis_title="x", yaxis_title="y", zaxis_title="f",
                      camera=dict(eye=dict(x=1.5, y=-1.5, z=0.9))))
    # the buttons wrap onto several rows on a phone: they go under the plot, where nothing else is
    fig.update_layout(updatemenus=[dict(type="buttons", direction="right", buttons=buttons, x=0, xanchor="left",
                                        y=0, yanchor="top", pad=dict(r=4, t=4), showactive=True)],
                      margin=dict(l=0, r=0, b=110))
    return fig


def level_curves_with_gradient(fn: Function2, at: Sequence[float], gradient: Sequence[float],
                               half_width: float = 2.5) -> "Figure":
    """Level curves of ``fn`` on the square of half-width ``half_width`` around ``at``, the point in red, and a
    red arrow of length 1 along ``gradient`` (the direction of steepest ascent); a matplotlib figure.

    Values that are not finite (a point off the function's domain) are left blank.
    """
    from matplotlib.figure import Figure

    here, gradient = _point(at, "at"), _point(gradient, "gradient")
    grid = np.linspace(-half_width, half_width, 101)
    gx, gy = np.meshgrid(here[0] + grid, here[1] + grid)
    with np.errstate(all="ignore"):
        zz = np.broadcast_to(np.asarray(fn(np.stack([gx, gy])), dtype=float), gx.shape)
    fig = Figure(figsize=(4.2, 3.6), layout="constrained")
    ax = fig.add_subplot()
    if np.isfinite(zz).any() and np.nanmax(zz) > np.nanmin(zz):
        ax.contour(gx, gy, np.where(np.isfinite(zz), zz, np.nan), levels=15, cmap="viridis")
    norm = np.linalg.norm(gradient)
    if norm > 0:
        ax.quiver(*here, *(gradient / norm), color="red", angles="xy", scale_units="xy", scale=1)
    ax.plot(*here, "ro")
    ax.set(xlabel="x", ylabel="y", title="level curves and the direction of ∇f", aspect="equal")
    return fig
