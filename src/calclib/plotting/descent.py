r"""Figures of the gradient descent chapter: runs of :func:`calclib.optimize.gradient_descent` explored.

The runs are computed in the chapter; these functions only draw them. :func:`rate_momentum_explorer`
puts a grid of runs (learning rate × momentum) on one figure with two sliders, :func:`run_figure_html`
draws one run (path and gradient norms) for a widget, and :func:`run_summary` says in one line how a run
ended.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np

from .contours import Box, plotly_contour, subsample
from .layout import add_state_slider, finish

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = ["run_summary", "rate_momentum_explorer", "run_figure_html", "graph_path_animation"]


def run_summary(res: Any, minimum: Sequence[float] = (1.0, 1.0)) -> str:
    """One line on how a run ended: converged, diverged, or how far from ``minimum`` it stopped.

    Parameters
    ----------
    res : OptimizeResult
        A result of :mod:`calclib.optimize` (fields ``converged``, ``status``, ``nit``, ``x``).
    minimum : sequence of float
        The point the distance is measured to, written in the line.
    """
    if res.converged:
        return f"converged in {res.nit} steps"
    if res.status == "diverged":
        return f"diverged at step {res.nit + 1}"
    m = np.asarray(minimum, dtype=float)
    where = ", ".join(f"{v:g}" for v in m)
    return f"after {res.nit} steps: ‖x − ({where})‖ = {np.linalg.norm(res.x - m):.2g}"


def rate_momentum_explorer(name: str, runs: Mapping[tuple[int, int], Any], lrs: Sequence[float],
                           momenta: Sequence[float], *, start: Sequence[float], box: Box,
                           minimum: Sequence[float] = (1.0, 1.0), shown: tuple[int, int] = (0, 0),
                           steps: int | None = None, log: bool = True, height: int = 720) -> "go.Figure":
    """Gradient descent runs for every learning rate × momentum, chosen with two sliders.

    Left panel: the level curves of the landscape (of :math:`\\log_{10} f` when ``log``), the start, the
    minimum and the path of the chosen run, with a line of text saying how it ended (:func:`run_summary`).
    Right panel: :math:`f(x_k)` of that run against the step ``k`` on a log scale. Long paths are drawn at
    most 200 iterates each (:func:`~calclib.plotting.contours.subsample`).

    Parameters
    ----------
    name : str
        A two-variable landscape of :mod:`calclib.landscapes`.
    runs : mapping ``(i, j) -> OptimizeResult``
        The run with learning rate ``lrs[i]`` and momentum ``momenta[j]``, for every ``i`` and ``j``
        (fields ``path`` of shape ``(nit + 1, 2)`` and ``values`` of shape ``(nit + 1,)``).
    lrs, momenta : sequences of float
        The slider values.
    start, minimum : pairs of float
        Marked by a square and a star.
    box : ((x0, x1), (y0, y1))
        The window of the left panel.
    shown : (i, j)
        The run shown first.
    steps : int, optional
        The right panel's step axis ends there (default: the longest run).

    Returns
    -------
    plotly.graph_objects.Figure
        Traces 0–2 are the contour, minimum and start; then one path, one loss curve and one text per run,
        each block in the order of ``runs``. The learning-rate slider restyles the runs' ``opacity``, the
        momentum slider their ``visible``: a run is seen when both match.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    combos = list(runs)
    wanted = {(i, j) for i in range(len(lrs)) for j in range(len(momenta))}
    if set(combos) != wanted:
        raise ValueError(f"runs needs one run for every (i, j) with i < len(lrs) = {len(lrs)} and "
                         f"j < len(momenta) = {len(momenta)}; got keys {sorted(combos)}")
    if shown not in wanted:
        raise ValueError(f"shown = {shown} is not an (i, j) of the grid of runs")
    for key in combos:
        path = np.asarray(runs[key].path)
        if path.ndim != 2 or path.shape[1] != 2 or len(runs[key].values) != len(path):
            raise ValueError(f"run {key} needs a path of shape (k, 2) and k values; got path {path.shape} "
                             f"and {len(runs[key].values)} values")
    i0, j0 = shown
    (x0, x1), (y0, y1) = box
    fig = make_subplots(rows=1, cols=2, column_widths=[0.58, 0.42], horizontal_spacing=0.1,
                        subplot_titles=(f"path on the level curves of {'log₁₀ ' if log else ''}f",
                                        "f(x_k), log scale"))
    fig.add_trace(plotly_contour(name, box=box, log=log), row=1, col=1)
    pt = lambda p: "(" + ", ".join(f"{v:g}" for v in p) + ")"   # noqa: E731
    for p, symbol, size, label in [(minimum, "star", 14, "minimum"), (start, "square", 9, "start")]:
        fig.add_trace(go.Scatter(x=[p[0]], y=[p[1]], mode="markers", name=f"{label} {pt(p)}",
                                 marker={"symbol": symbol, "size": size, "color": "black"}, hoverinfo="name"),
                      row=1, col=1)
    seen = lambda i, j: {"visible": j == j0, "opacity": 1.0 if i == i0 else 0.0}   # noqa: E731
    common = {"hoverinfo": "skip", "showlegend": False}
    for (i, j) in combos:
        idx = subsample(len(runs[i, j].path))
        p = np.asarray(runs[i, j].path)[idx].astype(np.float32)
        fig.add_trace(go.Scatter(x=p[:, 0], y=p[:, 1], mode="lines+markers", line={"color": "crimson", "width": 1.5},
                                 marker={"size": 3}, **common, **seen(i, j)), row=1, col=1)
    for (i, j) in combos:
        idx = subsample(len(runs[i, j].path))
        v = np.maximum(np.asarray(runs[i, j].values, dtype=float)[idx], 1e-16).astype(np.float32)
        fig.add_trace(go.Scatter(x=idx.astype(np.int32), y=v, mode="lines", line={"color": "crimson", "width": 1.5},
                                 **common, **seen(i, j)), row=1, col=2)
    for (i, j) in combos:
        text = f"ε = {lrs[i]:g}, α = {momenta[j]:g}: {run_summary(runs[i, j], minimum)}"
        fig.add_trace(go.Scatter(x=[x0 + 0.0125 * (x1 - x0)], y=[y1 - 0.05 * (y1 - y0)], mode="text",
                                 textposition="middle right", text=[text], textfont={"size": 12},
                                 **common, **seen(i, j)), row=1, col=1)

    n_fixed, n_runs = 3, len(combos)
    run_traces = list(range(n_fixed, n_fixed + 3 * n_runs))
    run_index = [combos[t % n_runs] for t in range(3 * n_runs)]
    lr_steps = [{"label": f"{lr:g}", "method": "restyle",
                 "args": [{"opacity": [1.0 if i == ii else 0.0 for (ii, _) in run_index]}, run_traces]}
                for i, lr in enumerate(lrs)]
    mom_steps = [{"label": f"{mom:g}", "method": "restyle",
                  "args": [{"visible": [j == jj for (_, jj) in run_index]}, run_traces]}
                 for j, mom in enumerate(momenta)]
    last = steps if steps is not None else max(len(r.path) for r in runs.values()) - 1
    first = runs[shown]
    alt = (f"Interactive figure with two sliders, learning rate ({min(lrs):g} to {max(lrs):g}) and momentum "
           f"({min(momenta):g} to {max(momenta):g}). Left: level curves of the {name} landscape on x from "
           f"{x0:g} to {x1:g} and y from {y0:g} to {y1:g} with the start {pt(start)} and the minimum "
           f"{pt(minimum)}; a red path shows the gradient descent run with the chosen learning rate and "
           f"momentum, and a line of text says whether it converged, diverged or how far from {pt(minimum)} "
           f"it ended. Right: the function value along that run against the step, on a log scale. At first "
           f"the learning rate is {lrs[i0]:g} with momentum {momenta[j0]:g}: {run_summary(first, minimum)}.")
    finish(fig, alt=alt, height=height)
    add_state_slider(fig, lr_steps, prefix="learning rate ε = ", active=i0, y=0.0)
    add_state_slider(fig, mom_steps, prefix="momentum α = ", active=j0, y=-0.22)
    fig.update_layout(margin={"b": 230})
    fig.update_xaxes(range=[x0, x1], title_text="x", row=1, col=1)
    fig.update_yaxes(range=[y0, y1], title_text="y", row=1, col=1)
    fig.update_xaxes(range=[0, last], title_text="step k", row=1, col=2)
    fig.update_yaxes(type="log", range=[-14, 3], exponentformat="power", title_text="f(x_k)", row=1, col=2)
    return fig


def run_figure_html(name: str, res: Any, *, learning_rate: float, momentum: float) -> str:
    """One gradient descent run as HTML for a widget: its message, then its path and gradient norms.

    Left: the level curves of the landscape (logarithmic levels for Rosenbrock's function), the path
    (a dot every ``nit // 100`` steps) and its start as a black square. Right: :math:`\\|\\nabla f(x_k)\\|`
    against ``k`` on a log scale. The image's alt text names the landscape, the start, the learning rate,
    the momentum and the run's message.

    Parameters
    ----------
    name : str
        A two-variable landscape of :mod:`calclib.landscapes`.
    res : OptimizeResult
        The run: ``path`` of shape ``(nit + 1, 2)``, ``grad_norms``, ``message``, ``nit``.
    learning_rate, momentum : float
        The run's settings, written in the alt text.
    """
    import html

    from matplotlib.figure import Figure

    from .contours import draw_contours, draw_path
    from .layout import figure_html

    path = np.asarray(res.path, dtype=float)
    if path.ndim != 2 or path.shape[1] != 2:
        raise ValueError(f"run_figure_html needs a run on a two-variable landscape (path of shape (k, 2)); "
                         f"got a path of shape {path.shape}")
    fig = Figure(figsize=(9, 3.8), layout="constrained")
    left, right = fig.subplots(1, 2)
    rosen = name == "rosenbrock"
    draw_contours(left, name, levels=np.logspace(-2, 3, 16) if rosen else 25, log=rosen)
    draw_path(left, path, "path", "crimson", every=max(1, res.nit // 100))
    left.plot(*path[0], "ks")
    right.semilogy(res.grad_norms, color="crimson")
    right.set(xlabel="step k", ylabel="‖∇f(x_k)‖", title="gradient norm")
    alt = (f"Level curves of {name} with the gradient descent path from ({path[0, 0]:g}, {path[0, 1]:g}), "
           f"learning rate {learning_rate:.1e}, momentum {momentum:g}, and its gradient norm "
           f"against the step. {res.message}")
    return (f'<p style="font-family: monospace">{html.escape(res.message)}</p>' + figure_html(fig, alt))


def graph_path_animation(f: Any, path: Sequence[float], *, xs: np.ndarray, alt: str, title: str | None = None,
                         duration: int = 300, height: int = 460) -> "go.Figure":
    """The iterates of a run in one variable, drawn step by step on the graph of ``f`` (Play, a slider).

    Frame ``"k"`` shows the points :math:`(x_j, f(x_j))` for :math:`j \\le k`, joined in order, the newest
    one large: the walk down the graph that a 2-D landscape shows with :func:`calclib.plotting.contours.
    paths_animation`.

    Parameters
    ----------
    f : callable
        The function, evaluated on ``xs`` (vectorized) and at the iterates.
    path : sequence of float, shape ``(k + 1,)``
        The iterates, e.g. ``result.path`` of a run on a function of one variable.
    xs : array
        Where the graph is drawn.
    alt : str
        What the animation shows (required).

    Returns
    -------
    plotly.graph_objects.Figure
        Trace 0 is the graph, trace 1 the iterates; one frame per step.

    Examples
    --------
    >>> fig = graph_path_animation(lambda x: x**2, [2.0, 1.0, 0.5], xs=np.linspace(-2, 2, 5), alt="x² walk")
    >>> [list(fr.data[0].x) for fr in fig.frames]
    [[2.0], [2.0, 1.0], [2.0, 1.0, 0.5]]
    """
    import plotly.graph_objects as go

    from .layout import add_play_and_slider

    path = np.asarray(path, dtype=float)
    if path.ndim != 1 or not len(path):
        raise ValueError(f"graph_path_animation needs the iterates of a run in one variable (shape (k + 1,)); "
                         f"got shape {path.shape}")
    xs = np.asarray(xs, dtype=float)
    values = np.asarray(f(path), dtype=float)

    def iterates(k: int) -> "go.Scatter":
        return go.Scatter(x=path[: k + 1].tolist(), y=values[: k + 1].tolist(), mode="lines+markers",
                          line={"color": "#d62728", "width": 1.5}, name="iterates x_k", hoverinfo="x+y",
                          marker={"size": [6] * k + [12], "color": "#d62728"})

    fig = go.Figure([go.Scatter(x=xs, y=np.asarray(f(xs), dtype=float), mode="lines", name="f",
                                line={"color": "#555555"}, hoverinfo="skip"), iterates(0)])
    fig.frames = [go.Frame(data=[iterates(k)], traces=[1], name=str(k)) for k in range(len(path))]
    finish(fig, alt=alt, title=title, height=height, xaxis={"title": "x"}, yaxis={"title": "f(x)"})
    return add_play_and_slider(fig, [str(k) for k in range(len(path))], prefix="step ", duration=duration)
