r"""Figures of the chapter *A neuron*: a neuron's prediction surface over its data, step by step of training.

The chapter trains the neuron (:func:`calclib.optimize.gradient_descent` returns every iterate in
``result.path``) and evaluates its prediction on a grid; these functions only draw the numbers they are given
and return the figure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np

from .layout import add_play_and_slider, finish, wrap_title

if TYPE_CHECKING:
    import plotly.graph_objects as go
    from matplotlib.figure import Figure

__all__ = ["training_animation", "training_panel"]

#: One group of data points: (legend name, inputs of shape (2, n), heights of shape (n,), a colour or n values).
Points = tuple[str, np.ndarray, np.ndarray, "str | np.ndarray"]


def training_animation(points: Sequence[Points], grid: tuple[np.ndarray, np.ndarray],
                       surfaces: Sequence[np.ndarray], steps: Sequence[int], titles: Sequence[str], *,
                       alt: str, surface_name: str, colorscale: str | list = "Viridis",
                       z_title: str = "y", z_range: Sequence[float] | None = None,
                       eye: tuple[float, float, float] = (1.6, -1.5, 0.6), opacity: float = 0.55,
                       cmin: float | None = None, cmax: float | None = None, height: int = 640) -> "go.Figure":
    r"""Data points in 3-D and a neuron's prediction surface after each of ``steps`` steps of training
    (Play, and a slider over the steps).

    Parameters
    ----------
    points : sequence of ``(name, xy, z, color)``
        Each group of points: its legend entry, the inputs ``xy`` of shape ``(2, n)``, the heights ``z`` of
        shape ``(n,)`` (targets or labels), and a colour name or ``n`` values for a colour scale.
    grid : (GX, GY)
        The input grid of the surface, two arrays of the same shape ``(r, c)``.
    surfaces : sequence of arrays of shape ``(r, c)``
        The prediction :math:`\hat y` on the grid after each step of ``steps``.
    steps : sequence of int
        The numbers of gradient-descent steps, one per surface: the slider's labels.
    titles : sequence of str
        One title per step (e.g. the fitted formula and the loss); the title changes with the frame.
    alt : str
        What the figure shows; the steps shown are added to it.
    surface_name, colorscale, opacity, cmin, cmax
        The surface's legend entry and colours.
    z_title, z_range, eye
        The vertical axis's title and range, and the camera's position.

    Returns
    -------
    plotly.graph_objects.Figure
        One trace per group of points, then the surface (the first step's); frame ``str(k)`` restyles the
        surface to the prediction after ``k`` steps and sets the title.
    """
    import plotly.graph_objects as go

    gx, gy = (np.asarray(a, dtype=float) for a in grid)
    if gx.shape != gy.shape or gx.ndim != 2:
        raise ValueError(f"grid must be two 2-D arrays of one shape (np.meshgrid); got {gx.shape} and {gy.shape}")
    surfaces = [np.asarray(s, dtype=float) for s in surfaces]
    if not surfaces or not len(surfaces) == len(steps) == len(titles):
        raise ValueError(f"training_animation needs one surface and one title per step; got {len(surfaces)} "
                         f"surfaces, {len(steps)} steps and {len(titles)} titles")
    if any(s.shape != gx.shape for s in surfaces):
        raise ValueError(f"every surface must have the grid's shape {gx.shape}")
    traces = []
    for name, xy, z, color in points:
        xy, z = np.asarray(xy, dtype=float), np.asarray(z, dtype=float)
        if xy.ndim != 2 or xy.shape[0] != 2 or z.shape != (xy.shape[1],):
            raise ValueError(f"the points {name!r} need inputs of shape (2, n) and n heights; got {xy.shape} "
                             f"and {z.shape}")
        marker = dict(size=3, color=color)
        if not isinstance(color, str):
            marker["colorscale"] = "Viridis"
        traces.append(go.Scatter3d(x=xy[0], y=xy[1], z=z, mode="markers", name=name, marker=marker))
    scale = [[0, colorscale], [1, colorscale]] if isinstance(colorscale, str) and colorscale.startswith("#") \
        else colorscale
    surface_index = len(traces)
    traces.append(go.Surface(x=gx, y=gy, z=np.round(surfaces[0], 4), opacity=opacity, showscale=False,
                             colorscale=scale, cmin=cmin, cmax=cmax, name=surface_name, showlegend=True))
    fig = go.Figure(traces)
    fig.frames = [go.Frame(data=[go.Surface(z=np.round(s, 4))], traces=[surface_index], name=str(k),
                           layout=dict(title=dict(text=wrap_title(t)))) for s, k, t in zip(surfaces, steps, titles)]
    alt = f"{alt.strip()} The slider shows the prediction after {', '.join(map(str, steps))} steps."
    finish(fig, alt=alt, title=titles[0], height=height, margin=dict(l=0, r=0),
           scene=dict(xaxis_title="x₁", yaxis_title="x₂", zaxis_title=z_title,
                      zaxis=dict(range=list(z_range)) if z_range is not None else {},
                      camera=dict(eye=dict(zip("xyz", eye)))))
    return add_play_and_slider(fig, [str(k) for k in steps], prefix="gradient-descent steps: ", redraw=True)


def training_panel(values: np.ndarray, loss_min: float, inputs: np.ndarray, labels: np.ndarray,
                   w: np.ndarray, b: float) -> "Figure":
    r"""Two panels (matplotlib): the loss above its minimum against the step, and the two classes with the
    decision boundary :math:`w_1 x_1 + w_2 x_2 + b = 0` of a trained sigmoid neuron.

    Parameters
    ----------
    values : (k + 1,) array
        The loss at every iterate (``result.values``).
    loss_min : float
        The smallest loss (drawn as the baseline of the log scale).
    inputs : (2, n) array
        The examples, one per column.
    labels : (n,) or (1, n) array of 0 and 1
    w : (1, 2) or (2,) array, b : float
        The neuron's weights and bias.
    """
    from matplotlib.figure import Figure

    inputs, labels = np.asarray(inputs, dtype=float), np.ravel(labels)
    if inputs.ndim != 2 or inputs.shape[0] != 2 or labels.shape != (inputs.shape[1],):
        raise ValueError(f"training_panel needs inputs of shape (2, n) and n labels; got {inputs.shape} and "
                         f"{labels.shape}")
    w = np.ravel(w)
    fig = Figure(figsize=(9, 3.4), layout="constrained")
    left, right = fig.subplots(1, 2)
    left.semilogy(np.asarray(values, dtype=float) - loss_min + 1e-16)
    left.set(xlabel="step", ylabel="L − L_min", title="log loss above its minimum")
    right.scatter(*inputs[:, labels == 0], s=10, color="#1f77b4", label="class 0")
    right.scatter(*inputs[:, labels == 1], s=10, color="#d62728", label="class 1")
    if abs(w[1]) > 1e-12:
        line = np.linspace(-4, 4, 2)
        right.plot(line, -(w[0] * line + b) / w[1], "k--", label="decision boundary")
    right.set(xlim=(-4, 4), ylim=(-4, 4), xlabel="x₁", ylabel="x₂", aspect="equal")
    right.legend(fontsize=8)
    return fig
