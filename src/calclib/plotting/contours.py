r"""Landscapes of two variables seen from above: level curves, minima, and optimization paths on them.

An optimizer of :mod:`calclib.optimize` returns its whole path (``result.path``, shape ``(nit + 1, 2)``);
these helpers only draw such paths, they never compute one. Matplotlib versions (:func:`draw_contours`,
:func:`draw_path`) draw into an axis the caller made; plotly versions return traces or whole figures that
stay interactive on the website (:func:`paths_animation`: Play and a step slider over several paths).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from .. import landscapes as _landscapes
from .layout import add_play_and_slider, finish

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = ["landscape_grid", "draw_contours", "draw_path", "plotly_contour", "minima_trace", "subsample",
           "paths_animation"]

Box = tuple[tuple[float, float], tuple[float, float]]
COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")


def landscape_grid(name: str, box: Box | None = None, n: int = 160) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The grid ``(X, Y)`` (each ``n × n``) over ``box`` (default: the landscape's domain) and ``f`` on it.

    >>> X, Y, Z = landscape_grid("paraboloid", n=3)
    >>> Z.shape, float(Z[1, 1])
    ((3, 3), 0.0)
    """
    land = _landscapes.get(name)
    if land.dim != 2:
        raise ValueError(f"{name!r} is a function of {land.dim} variable; contours need a landscape of two")
    (x0, x1), (y0, y1) = box or land.domain
    xs, ys = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    return xs, ys, np.asarray(land(np.stack([xs, ys])), dtype=float)


def draw_contours(ax: Any, name: str, box: Box | None = None, levels: int | Sequence[float] = 20,
                  log: bool = False) -> None:
    """Level curves of a landscape on a matplotlib axis, with its known minima as black stars.

    ``log=True`` spaces the levels logarithmically (for Rosenbrock's narrow valley).
    """
    from matplotlib.colors import LogNorm

    xs, ys, zs = landscape_grid(name, box)
    ax.contour(xs, ys, zs, levels=levels, norm=LogNorm() if log else None, cmap="viridis", linewidths=0.7)
    for m in _landscapes.get(name).minima:
        ax.plot(*m, marker="*", color="black", markersize=11, zorder=5)
    ax.set(xlim=(xs.min(), xs.max()), ylim=(ys.min(), ys.max()), xlabel="x", ylabel="y", aspect="equal")


def draw_path(ax: Any, path: np.ndarray, label: str, color: str, marker: str = "o", every: int = 1) -> None:
    """An optimization path ``(k, 2)`` on a matplotlib axis: a line through the iterates, a dot at every
    ``every``-th one."""
    path = np.asarray(path, dtype=float)
    if path.ndim != 2 or path.shape[1] != 2:
        raise ValueError(f"a path of a two-variable landscape has shape (steps, 2); got {path.shape}")
    ax.plot(path[:, 0], path[:, 1], "-", color=color, lw=1.2, label=label)
    ax.plot(path[::every, 0], path[::every, 1], marker, color=color, ms=3)


def plotly_contour(name: str, box: Box | None = None, n: int = 120, log: bool = False,
                   showscale: bool = False) -> "go.Contour":
    """A plotly contour trace of a landscape (float32 values, so the page stays small); ``log=True`` draws
    the level curves of :math:`\\log_{10} f`."""
    import plotly.graph_objects as go

    xs, ys, zs = landscape_grid(name, box, n)
    z = np.log10(np.maximum(zs, 1e-12)) if log else zs
    return go.Contour(x=xs[0].astype(np.float32), y=ys[:, 0].astype(np.float32), z=z.astype(np.float32),
                      colorscale="Viridis", ncontours=30, showscale=showscale, opacity=0.75,
                      contours={"coloring": "lines"}, line={"width": 1.2}, hoverinfo="skip",
                      name=f"level curves of {'log₁₀ ' if log else ''}f", showlegend=False)


def minima_trace(name: str, label: str = "minimum") -> "go.Scatter":
    """The known minima of a landscape as black stars (a plotly trace)."""
    import plotly.graph_objects as go

    known = np.array(_landscapes.get(name).minima, dtype=float).reshape(-1, 2)
    return go.Scatter(x=known[:, 0], y=known[:, 1], mode="markers", name=label, hoverinfo="skip",
                      marker={"symbol": "star", "size": 13, "color": "black"})


def subsample(n_points: int, keep_first: int = 100, total: int = 200) -> np.ndarray:
    """Indices of at most ``total`` of ``n_points`` iterates: all of the first ``keep_first``, then evenly
    spaced up to the last one (a long run drawn on a web page).

    >>> subsample(5).tolist()
    [0, 1, 2, 3, 4]
    >>> idx = subsample(10_000); len(idx), int(idx[-1])
    (200, 9999)
    """
    if n_points <= total:
        return np.arange(n_points)
    tail = np.linspace(keep_first, n_points - 1, total - keep_first).round().astype(int)
    return np.unique(np.concatenate([np.arange(keep_first), tail]))


def paths_animation(name: str, paths: Sequence[np.ndarray], labels: Sequence[str], *, alt: str,
                    title: str | None = None, box: Box | None = None, log: bool = False, every: int = 1,
                    stride: int = 1, duration: int = 120, height: int = 600) -> "go.Figure":
    """Several optimization paths on the level curves of a landscape, drawn step by step (Play, a slider).

    Parameters
    ----------
    name : str
        A two-variable landscape of :mod:`calclib.landscapes`.
    paths : sequence of arrays of shape ``(k_i + 1, 2)``
        The iterates of each run, e.g. ``result.path``; a run that stopped earlier stays at its end.
    labels : sequence of str
        One legend entry per path.
    alt : str
        What the animation shows (required).
    every : int
        One frame per ``every`` steps (and one at the end).
    stride : int
        Draw every ``stride``-th iterate of a path (and its current one), to keep long runs light; the
        frames still count steps.

    Returns
    -------
    plotly.graph_objects.Figure
        Trace 0 is the contour, traces ``1 … len(paths)`` the paths, the last the minima; frame ``"k"`` shows
        every path up to step ``k``.
    """
    import plotly.graph_objects as go

    paths = [np.asarray(p, dtype=float) for p in paths]
    if len(paths) != len(labels) or not paths:
        raise ValueError("paths_animation needs one label per path, and at least one path")
    last = max(len(p) for p in paths) - 1
    steps = list(range(0, last + 1, max(1, int(every))))
    steps += [] if steps[-1] == last else [last]

    def traces(k: int) -> list:
        out = []
        for i, (p, label) in enumerate(zip(paths, labels)):
            upto = min(k, len(p) - 1)
            shown = np.unique(np.append(np.arange(0, upto + 1, max(1, int(stride))), upto))
            q = p[shown].astype(np.float32)
            c = COLORS[i % len(COLORS)]
            out.append(go.Scatter(x=q[:, 0], y=q[:, 1], mode="lines+markers", line={"color": c, "width": 2},
                                  marker={"size": [4] * (len(q) - 1) + [11], "color": c}, name=label,
                                  hoverinfo="skip"))
        return out

    (x0, x1), (y0, y1) = box or _landscapes.get(name).domain
    fig = go.Figure([plotly_contour(name, box, log=log), *traces(0), minima_trace(name)])
    fig.frames = [go.Frame(data=traces(k), traces=list(range(1, len(paths) + 1)), name=str(k)) for k in steps]
    finish(fig, alt=alt, title=title, height=height,
           xaxis={"range": [x0, x1], "title": "x", "constrain": "domain"},
           yaxis={"range": [y0, y1], "title": "y", "scaleanchor": "x"})
    return add_play_and_slider(fig, [str(k) for k in steps], prefix="step ", duration=duration, redraw=True)
