r"""Figures of the chapter on Newton's method: the quadratic models it minimizes, step by step.

=============================  ==========  =========================================================
helper                         library     shows
=============================  ==========  =========================================================
taylor_model_animation         plotly      f and its quadratic Taylor model at each iterate (Play)
model_ellipses_figure          plotly      level curves of f and of the model at each iterate (slider)
paths_race_figure              plotly      several optimizers' paths on one landscape's level curves
=============================  ==========  =========================================================

The runs are computed in the chapter (:func:`calclib.optimize.newton` and friends); these only draw them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Mapping, Sequence

import numpy as np

from .layout import add_play_and_slider, add_state_slider, finish

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = ["taylor_model", "taylor_model_animation", "model_ellipses_figure", "paths_race_figure", "runs_comparison_html"]


def taylor_model(f: Callable, df: Callable, d2f: Callable, xk: float, xs: np.ndarray) -> tuple[np.ndarray, float, float]:
    r"""The quadratic Taylor model of ``f`` at ``xk`` on ``xs``, and its minimizer and minimum.

    .. math:: q_k(x) = f(x_k) + f'(x_k)(x - x_k) + \tfrac12 f''(x_k)(x - x_k)^2, \qquad
              x_{k+1} = x_k - f'(x_k)/f''(x_k), \qquad q_k(x_{k+1}) = f(x_k) - \frac{f'(x_k)^2}{2 f''(x_k)}.

    >>> q, x_next, q_min = taylor_model(lambda x: x**4, lambda x: 4 * x**3, lambda x: 12 * x**2, 1.0, np.array([0.0, 1.0]))
    >>> q.tolist(), round(x_next, 4), round(q_min, 4)
    ([3.0, 1.0], 0.6667, 0.3333)
    """
    fk, gk, hk = float(f(xk)), float(df(xk)), float(d2f(xk))
    if hk <= 0:
        raise ValueError(f"f''({xk:g}) = {hk:g} ≤ 0: the model is not a parabola that opens upwards, it has no minimum")
    q = fk + gk * (xs - xk) + 0.5 * hk * (xs - xk) ** 2
    return q, xk - gk / hk, fk - gk**2 / (2 * hk)


def taylor_model_animation(f: Callable, df: Callable, d2f: Callable, path: Sequence[float], *, xs: np.ndarray,
                           window: tuple[float, float], label: str, duration: int = 1400) -> "go.Figure":
    r"""Newton's method in one variable as an animation: at each iterate :math:`x_k` its Taylor model.

    Frame ``k`` draws the model :math:`q_k` (:func:`taylor_model`, dashed, clipped to the window), the
    iterate :math:`x_k` (black dot), the model's minimum :math:`x_{k+1}` (orange diamond) with a dotted
    drop to :math:`f(x_{k+1})`, and the iterates so far (grey). Play steps through the frames.

    Parameters
    ----------
    f, df, d2f : callables
        The function and its first two derivatives (NumPy-vectorized).
    path : sequence of float, length ``nit + 1``
        The iterates :math:`x_0, \dots, x_{nit}` (``result.path``).
    xs : array
        Where the curves are drawn (inside the domain of ``f``).
    window : (low, high)
        The y range shown.
    label : str
        The legend entry of ``f``, e.g. ``"f(x) = eˣ − ln x"``.
    """
    import plotly.graph_objects as go

    path = np.asarray(path, dtype=float).ravel()
    xs = np.asarray(xs, dtype=float)
    if len(path) < 2:
        raise ValueError(f"taylor_model_animation needs at least two iterates (result.path); got {len(path)}")
    low, high = window

    def frame_data(k):
        q, x_next, q_min = taylor_model(f, df, d2f, path[k], xs)
        q = np.round(np.where(q <= high, q, np.nan), 5)
        return [go.Scatter(x=xs, y=q), go.Scatter(x=[path[k]], y=[float(f(path[k]))]),
                go.Scatter(x=[x_next], y=[q_min]), go.Scatter(x=[x_next, x_next], y=[q_min, float(f(x_next))]),
                go.Scatter(x=path[: k + 1], y=f(path[: k + 1]))]

    def title(k):
        return f"step {k + 1}: model at x_{k} = {path[k]:.6f}, its minimum x_{k + 1} = {path[k + 1]:.6f}"

    steps = range(len(path) - 1)
    first = frame_data(0)
    fig = go.Figure([
        go.Scatter(x=xs, y=f(xs), mode="lines", name=label, line=dict(color="#1f77b4", width=3)),
        go.Scatter(first[0], mode="lines", name="quadratic model q_k", line=dict(color="#ff7f0e", dash="dash", width=2.5)),
        go.Scatter(first[1], mode="markers", name="iterate x_k", marker=dict(color="black", size=10)),
        go.Scatter(first[2], mode="markers", name="minimum of q_k = x_{k+1}",
                   marker=dict(color="#ff7f0e", size=12, symbol="diamond")),
        go.Scatter(first[3], mode="lines", showlegend=False, line=dict(color="#ff7f0e", dash="dot")),
        go.Scatter(first[4], mode="markers", name="earlier iterates", marker=dict(color="grey", size=7)),
    ])
    fig.frames = [go.Frame(data=frame_data(k), traces=[1, 2, 3, 4, 5], name=str(k),
                           layout=dict(title=dict(text=title(k)))) for k in steps]
    alt = (f"Animated graph of {label} for x between {xs[0]:g} and {xs[-1]:g}. A Play button and a slider step "
           f"through {len(steps)} steps of Newton's method from x0 = {path[0]:g}: at each iterate, a black dot, a "
           f"dashed orange parabola touches the curve (the quadratic Taylor model), and an orange diamond marks "
           f"the parabola's lowest point, which is the next iterate. The first model's minimum lands at "
           f"{path[1]:.3g}; the later models fit the curve better and their minima approach {path[-1]:.3g}.")
    finish(fig, alt=alt, title=title(0), height=560, xaxis=dict(title="x", range=[float(xs[0]) - 0.06, float(xs[-1])]),
           yaxis=dict(title="y", range=[low, high]))
    add_play_and_slider(fig, [str(k) for k in steps], prefix="Newton step (from 0): ", duration=duration, redraw=True)
    return fig


def model_ellipses_figure(f: Callable, path: np.ndarray, grad: Callable, hess: Callable, *, box: float,
                          formula: str, n: int = 41) -> "go.Figure":
    r"""Newton's method in two variables: at each iterate the level curves of its quadratic model (slider).

    The level curves of :math:`\log_{10}(1 + f)` fill the square :math:`[-b, b]^2`; step ``k`` of the slider
    shows, in red, the level curves of :math:`\sqrt{q_k - \min q_k}` (ellipses, evenly spaced) of the model
    :math:`q_k(x_k + s) = \nabla f(x_k)^\top s + \tfrac12 s^\top H(x_k) s` and the iterates up to
    :math:`x_{k+1}`, the ellipses' centre.

    Parameters
    ----------
    f : callable
        ``f(X)`` for ``X`` of shape ``(2, ...)``.
    path : (nit + 1, 2) array
        The iterates.
    grad, hess : callables
        :math:`\nabla f` and :math:`H` at one point (e.g. ``calclib.grad(f)``, ``calclib.hessian(f)``).
    box : float
        Half the side of the square drawn.
    formula : str
        ``f`` in words, for the alt text.
    """
    import plotly.graph_objects as go

    path = np.asarray(path, dtype=float)
    if path.ndim != 2 or path.shape[1] != 2 or len(path) < 2:
        raise ValueError(f"model_ellipses_figure needs at least two iterates of shape (2,); got a path of shape {path.shape}")
    grid = np.linspace(-box, box, n)
    gx, gy = np.meshgrid(grid, grid)
    nit = len(path) - 1

    def model_levels(k):
        g, h = np.asarray(grad(path[k])), np.asarray(hess(path[k]))
        s = np.stack([gx - path[k][0], gy - path[k][1]])
        q = g[0] * s[0] + g[1] * s[1] + 0.5 * np.einsum("i...,ij,j...->...", s, h, s)
        return np.round(np.sqrt(np.maximum(q - q.min(), 0)), 2)

    traces = [go.Contour(x=grid, y=grid, z=np.round(np.log10(1 + f(np.stack([gx, gy]))), 3), colorscale="Blues",
                         reversescale=True, contours=dict(start=0, end=3.2, size=0.2), name="log10(1 + f)",
                         colorbar=dict(title="log₁₀(1 + f)"), hoverinfo="skip")]
    traces += [go.Contour(x=grid, y=grid, z=model_levels(k), visible=(k == 0), showscale=False,
                          contours=dict(coloring="lines", start=1, end=40, size=3), line=dict(width=1.5),
                          colorscale=[[0, "#d62728"], [1, "#d62728"]], name=f"model at x_{k}", hoverinfo="skip")
               for k in range(nit)]
    traces += [go.Scatter(x=path[: k + 2, 0], y=path[: k + 2, 1], mode="lines+markers", visible=(k == 0),
                          line=dict(color="black"), marker=dict(size=8), name="Newton iterates") for k in range(nit)]

    def title(k):
        return (f"step {k + 1}: from x_{k} = ({path[k][0]:.4f}, {path[k][1]:.4f}) "
                f"to ({path[k + 1][0]:.2e}, {path[k + 1][1]:.2e})")

    steps = [dict(method="update", label=str(k + 1),
                  args=[{"visible": [True] + [j == k for j in range(nit)] * 2}, {"title.text": title(k)}])
             for k in range(nit)]
    fig = go.Figure(traces)
    alt = (f"Contour plot of {formula} on the square from {-box:g} to {box:g}, with a slider over the {nit} Newton "
           f"steps from ({path[0][0]:g}, {path[0][1]:g}). At each step, red ellipses show the level curves of the "
           "quadratic Taylor model at the current iterate, and a black path joins the iterates so far; the "
           f"ellipses' centre is the next iterate. The run ends at ({path[-1][0]:.2g}, {path[-1][1]:.2g}).")
    finish(fig, alt=alt, title=title(0), height=640, legend=False,
           xaxis=dict(title="x", range=[-box, box]), yaxis=dict(title="y", range=[-box, box], scaleanchor="x"))
    return add_state_slider(fig, steps, prefix="Newton step ")


def paths_race_figure(f: Callable, runs: Mapping[str, np.ndarray], *, box: tuple[tuple[float, float], tuple[float, float]],
                      minimum: Sequence[float], title: str, alt: str, every: Mapping[str, np.ndarray] | None = None,
                      colors: Sequence[str] = ("#ff7f0e", "#d62728", "#9467bd")) -> "go.Figure":
    r"""Several optimizers' paths on the level curves of :math:`\log_{10}(f + 10^{-3})`.

    Parameters
    ----------
    f : callable
        ``f(X)`` for ``X`` of shape ``(2, ...)``.
    runs : mapping label -> (k + 1, 2) array
        Each run's path, drawn in the order given with its label (e.g. the number of iterations).
    box : ((x0, x1), (y0, y1))
        The window.
    minimum : (x, y)
        Marked by a star.
    every : mapping label -> array of int, optional
        The iterations drawn of a long path (default: all).
    title, alt : str
        The figure's title and alt text.
    """
    import plotly.graph_objects as go

    (x0, x1), (y0, y1) = box
    gx, gy = np.meshgrid(np.linspace(x0, x1, 60), np.linspace(y0, y1, 60))
    z = np.log10(f(np.stack([gx, gy])) + 1e-3)
    traces = [go.Contour(x=gx[0], y=gy[:, 0], z=np.round(z, 4), colorscale="Viridis",
                         contours=dict(start=-1, end=3.5, size=0.25), colorbar=dict(title="log₁₀ f"), hoverinfo="skip")]
    for (label, path), color in zip(runs.items(), colors):
        path = np.asarray(path, dtype=float)
        if path.ndim != 2 or path.shape[1] != 2:
            raise ValueError(f"the path of {label!r} must have shape (k, 2); got {path.shape}")
        keep = np.asarray((every or {}).get(label, np.arange(len(path))))
        traces.append(go.Scatter(x=path[keep, 0], y=path[keep, 1], mode="lines+markers", name=label,
                                 line=dict(color=color, width=2), marker=dict(size=5),
                                 text=[f"iteration {k}" for k in keep],
                                 hovertemplate="%{text}<br>(%{x:.4f}, %{y:.4f})<extra></extra>"))
    traces.append(go.Scatter(x=[minimum[0]], y=[minimum[1]], mode="markers", name=f"minimum ({minimum[0]:g}, {minimum[1]:g})",
                             marker=dict(symbol="star", size=16, color="white", line=dict(color="black", width=1))))
    fig = go.Figure(traces)
    return finish(fig, alt=alt, title=title, height=620, xaxis=dict(title="x", range=[x0, x1]),
                  yaxis=dict(title="y", range=[y0, y1]))


def runs_comparison_html(landscape: object, runs: Mapping[str, object], start: Sequence[float]) -> str:
    r"""Several runs on one landscape's level curves, as HTML for a widget: their messages, then the figure.

    Parameters
    ----------
    landscape : calclib.landscapes.Landscape
        A two-variable landscape (its ``f``, ``domain``, ``text`` and ``name`` are used).
    runs : mapping label -> OptimizeResult
        Each run's ``path`` (``(nit + 1, 2)``), ``nit`` and ``message``; drawn in red, purple and orange.
    start : (x, y)
        The start of the runs, named in the alt text.
    """
    import html

    from matplotlib.figure import Figure

    from .layout import figure_html

    (xa, xb), (ya, yb) = landscape.domain
    gx, gy = np.meshgrid(np.linspace(xa, xb, 120), np.linspace(ya, yb, 120))
    fig = Figure(figsize=(6, 4.5), layout="constrained")
    ax = fig.add_subplot()
    ax.contour(gx, gy, landscape.f(np.stack([gx, gy])), levels=30, cmap="viridis", linewidths=0.7)
    for (label, run), colour in zip(runs.items(), ["#d62728", "#9467bd", "#ff7f0e"]):
        path = np.asarray(run.path, dtype=float)
        if path.ndim != 2 or path.shape[1] != 2:
            raise ValueError(f"the run {label!r} is not on a two-variable landscape: its path has shape {path.shape}")
        ax.plot(path[:, 0], path[:, 1], ".-", color=colour, label=f"{label}: {run.nit} steps")
    ax.set(xlim=(xa, xb), ylim=(ya, yb), xlabel="x", ylabel="y", title=landscape.text)
    ax.legend(fontsize=8)
    messages = "\n".join(f"{label}: {run.message}" for label, run in runs.items())
    alt = (f"Level curves of the {landscape.name} landscape with the paths of {', '.join(runs)} from "
           f"({start[0]:g}, {start[1]:g}). {messages}")
    return f"<pre>{html.escape(messages)}</pre>" + figure_html(fig, alt)
