r"""Figures of automatic differentiation: forward mode's chain and directions, reverse mode's costs, widget pages.

The chapters *Forward mode* and *Reverse mode* compute with :mod:`calclib.forward`, :mod:`calclib.reverse`
and :func:`calclib.api.count_passes`; these helpers only draw what was computed (tangents, JVPs, pass counts,
timings) and never compute a derivative themselves. Each returns a plotly figure, finished by
:func:`calclib.plotting.layout.finish` (wrapped title, legend above the plot, alt text in
``layout.meta["alt"]``), whose slider switches between states computed ahead of time, so it works on the
static website.

=============================  ===================================================================
helper                         draws
=============================  ===================================================================
chain_links_figure             the links ``y_i = f_i(y_{i-1})`` of a chain, tangent lines at the current
                               point, a slider over the starting point
directional_derivative_figure  a direction on the contours of ``f(x1, x2)`` and the slice ``f(x + t v)``
                               with slope ``J_f(x) v``, a slider over the directions
mode_comparison_figure         passes and measured time, forward ÷ reverse mode, of Jacobians; a slider
                               over the number of outputs
cheap_gradient_figure          time of a gradient ÷ time of ``f``, in both modes, against ``n``
trace_html, graph_html         the HTML of the live widgets: a forward trace, a graph with adjoints
=============================  ===================================================================
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

from .layout import add_state_slider, finish

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = ["chain_links_figure", "directional_derivative_figure", "mode_comparison_figure",
           "cheap_gradient_figure", "typed_function", "trace_html", "graph_html"]

_BLUE, _RED = "#1f77b4", "#d62728"
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _sub(i: int) -> str:
    """``i`` as subscript digits: ``_sub(12) == "₁₂"``."""
    return str(i).translate(_SUBSCRIPTS)


def _unbroken(text: str) -> str:
    """``text`` with no-break spaces, so that :func:`~calclib.plotting.layout.wrap_title` keeps it on one line."""
    return text.replace(" ", "\u00a0")


def _two_lines(first: str, second: str) -> str:
    """A title of exactly two lines (no line broken again), for a slider whose titles must keep one height."""
    return f"{_unbroken(first)}<br>{_unbroken(second)}"


def _finish_two_lines(fig: "go.Figure", title: str, **kwargs) -> "go.Figure":
    """:func:`~calclib.plotting.layout.finish` with a title made by :func:`_two_lines`, room kept for both lines."""
    first, second = title.split("<br>")
    finish(fig, title=first, **kwargs)
    return fig.update_layout(title_text=title, margin_t=fig.layout.margin.t + 20)


def _rows(arrays: Sequence, count: int, size: int, what: str) -> list[np.ndarray]:
    """``arrays`` as ``count`` float arrays of shape ``(size,)``, or a ValueError saying what to pass."""
    rows = [np.asarray(a, dtype=float) for a in arrays]
    if len(rows) != count or any(r.shape != (size,) for r in rows):
        shapes = [r.shape for r in rows]
        raise ValueError(f"{what}: pass {count} arrays of shape ({size},), one entry per starting point; "
                         f"got {len(rows)} with shapes {shapes}")
    return rows


def _padded(lo: float, hi: float, fraction: float) -> tuple[float, float]:
    """``[lo, hi]`` widened by ``fraction`` of its width on each side (by 0.5 if it is a single point)."""
    pad = fraction * (hi - lo) if hi > lo else 0.5
    return lo - pad, hi + pad


# --- forward mode ----------------------------------------------------------------------------------------

def chain_links_figure(xs: Sequence[float], values: Sequence[np.ndarray], local: Sequence[np.ndarray],
                       derivative: np.ndarray, links: Sequence[tuple[Callable[[np.ndarray], np.ndarray], str]],
                       *, alt: str | None = None, height: int = 440) -> "go.Figure":
    r"""The links of a chain :math:`y_0 \to y_1 \to \dots \to y_k`, one panel each, with a slider over
    the starting point :math:`x = y_0`.

    Panel :math:`i` draws the graph of :math:`f_i`, the current point :math:`(y_{i-1}, y_i)` in red and
    the tangent line there, dashed, of slope :math:`f_i'(y_{i-1})`; the title multiplies the local
    derivatives into :math:`dy_k/dy_0`. Each slider step (one per starting point) moves the points and
    tangents and rewrites the title.

    Parameters
    ----------
    xs : sequence of float, length K
        The starting points, in slider order.
    values : sequence of k + 1 arrays of shape (K,)
        :math:`y_0, \dots, y_k` at every starting point (the value column of a forward trace).
    local : sequence of k arrays of shape (K,)
        The local derivatives :math:`f_i'(y_{i-1})`.
    derivative : array of shape (K,)
        :math:`dy_k/dy_0`, the tangent of the last value (shown in the title).
    links : sequence of k pairs (f_i, name)
        Each link's function (elementwise on arrays, to draw its graph) and its name, e.g.
        ``(np.sin, "y₂ = sin y₁")``.
    alt : str, optional
        Alt text; by default it is written from the data.

    Returns
    -------
    plotly.graph_objects.Figure
        Traces ``0 … k-1`` the graphs of the links; then for each link its tangent segment and its point
        (traces ``k + 2i`` and ``k + 2i + 1``), which the slider moves.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    xs = np.atleast_1d(np.asarray(xs, dtype=float))
    k, size = len(links), xs.size
    if k == 0 or xs.ndim != 1 or size == 0:
        raise ValueError("chain_links_figure needs at least one link (f_i, name) and a 1-D array of starting points")
    ys = _rows(values, k + 1, size, "values (y_0 … y_k)")
    slopes = _rows(local, k, size, "local derivatives f_i'(y_{i-1})")
    (dk,) = _rows([derivative], 1, size, "derivative dy_k/dy_0")
    half = [0.25 * (y.max() - y.min()) or 0.5 for y in ys[:k]]

    fig = make_subplots(1, k, subplot_titles=[name for _, name in links], horizontal_spacing=0.08)
    for i, (g, _) in enumerate(links):
        grid = np.linspace(*_padded(ys[i].min(), ys[i].max(), 0.1), 120)
        gy = np.asarray(g(grid), dtype=float)
        fig.add_trace(go.Scatter(x=grid, y=gy, mode="lines", line=dict(color=_BLUE, width=3), showlegend=False,
                                 hoverinfo="skip"), 1, i + 1)
        fig.update_xaxes(title_text=f"y{_sub(i)}", range=[grid[0], grid[-1]], row=1, col=i + 1)
        fig.update_yaxes(range=list(_padded(gy.min(), gy.max(), 0.15)), row=1, col=i + 1)

    def moving(j: int) -> tuple[list, list]:   # tangent segment and point of every link at starting point j
        mx, my = [], []
        for i in range(k):
            a, b, s = ys[i][j], ys[i + 1][j], slopes[i][j]
            mx += [[a - half[i], a + half[i]], [a]]
            my += [[b - s * half[i], b + s * half[i]], [b]]
        return mx, my

    def title(j: int) -> str:
        product = " × ".join(f"{slopes[i][j]:.3f}" for i in reversed(range(k)))
        return _two_lines(f"x = {xs[j]:.2f}:", f"dy{_sub(k)}/dy₀ = {product} = {dk[j]:.4f}")

    mx, my = moving(0)
    for i in range(k):
        fig.add_trace(go.Scatter(x=mx[2 * i], y=my[2 * i], mode="lines", line=dict(color="black", dash="dash"),
                                 showlegend=False), 1, i + 1)
        fig.add_trace(go.Scatter(x=mx[2 * i + 1], y=my[2 * i + 1], mode="markers",
                                 marker=dict(color=_RED, size=10), showlegend=False), 1, i + 1)
    moved = list(range(k, 3 * k))
    steps = [dict(method="update", label=f"{x:.2f}",
                  args=[dict(zip(("x", "y"), moving(j))), {"title.text": title(j)}, moved])
             for j, x in enumerate(xs)]
    if alt is None:
        names = ", ".join(name for _, name in links)
        alt = (f"{k} side-by-side graphs of the links of a chain: {names}. Each shows a red point at the "
               f"current values and a dashed tangent line whose slope is the local derivative. A slider moves "
               f"the starting point x from {xs[0]:g} to {xs[-1]:g}; the title multiplies the {k} local "
               f"derivatives into dy{k}/dy0, which is {dk[0]:.4g} at x = {xs[0]:g} and {dk[-1]:.4g} at "
               f"x = {xs[-1]:g}.")
    _finish_two_lines(fig, title(0), alt=alt, height=height, legend=False)
    fig.update_layout(margin_t=fig.layout.margin.t + 25)     # room for the panels' titles
    return add_state_slider(fig, steps, prefix="x = ")


def directional_derivative_figure(f: Callable[[np.ndarray, np.ndarray], np.ndarray], point: Sequence[float],
                                  directions: np.ndarray, slopes: Sequence[float], *,
                                  box: tuple[tuple[float, float], tuple[float, float]] | None = None,
                                  ts: np.ndarray | None = None, n: int = 60, alt: str | None = None,
                                  height: int = 520) -> "go.Figure":
    r"""A JVP as a directional derivative: a slider turns the direction :math:`v` around a point :math:`x`.

    Left: the level curves of :math:`f(x_1, x_2)` over ``box``, the point and the direction :math:`v` as
    a red arrow. Right: the slice :math:`t \mapsto f(x + t v)` and its tangent line at :math:`t = 0`,
    dashed, whose slope is the given JVP :math:`J_f(x)\,v`. One slider step per direction, labelled by the
    angle of :math:`v`.

    Parameters
    ----------
    f : callable
        ``f(x1, x2)``, elementwise on arrays (to draw the contours and the slices).
    point : (x1, x2)
        The point :math:`x`.
    directions : array of shape (K, 2)
        The directions :math:`v`, in slider order.
    slopes : sequence of K floats
        The JVPs :math:`J_f(x)\,v`, one per direction (e.g. from :func:`calclib.forward.jvp`).
    box : ((x1 min, x1 max), (x2 min, x2 max)), optional
        The contour window; default: the point ± 1.3.
    ts : array, optional
        The values of :math:`t` on the slice; default: 61 points from -1.2 to 1.2.
    n : int
        Grid points per axis of the contours.
    alt : str, optional
        Alt text; by default it is written from the data.

    Returns
    -------
    plotly.graph_objects.Figure
        Trace 0 the contours; 1 the arrow, 2 the point (left); 3 the slice, 4 its tangent line (right).
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    point = np.asarray(point, dtype=float)
    directions = np.asarray(directions, dtype=float)
    slopes = np.asarray(slopes, dtype=float)
    if point.shape != (2,):
        raise ValueError(f"point must be (x1, x2), two numbers; got shape {point.shape}")
    if directions.ndim != 2 or directions.shape[1] != 2 or len(directions) == 0:
        raise ValueError(f"directions must have shape (K, 2), one direction v per row; got {directions.shape}")
    if slopes.shape != (len(directions),):
        raise ValueError(f"slopes must hold one JVP per direction, shape ({len(directions)},); got {slopes.shape}")
    ts = np.linspace(-1.2, 1.2, 61) if ts is None else np.asarray(ts, dtype=float)
    (a0, a1), (b0, b1) = box or ((point[0] - 1.3, point[0] + 1.3), (point[1] - 1.3, point[1] + 1.3))
    g1, g2 = np.linspace(a0, a1, n), np.linspace(b0, b1, n)
    value = float(f(*point))
    slices = [np.asarray(f(point[0] + ts * v[0], point[1] + ts * v[1]), dtype=float) for v in directions]
    degrees = np.degrees(np.arctan2(directions[:, 1], directions[:, 0])) % 360

    def moving(j: int) -> tuple[list, list]:   # traces 1..4: arrow, point; slice, tangent line
        v = directions[j]
        return ([[point[0], point[0] + v[0]], [point[0]], ts, [ts[0], ts[-1]]],
                [[point[1], point[1] + v[1]], [point[1]], slices[j],
                 [value + slopes[j] * ts[0], value + slopes[j] * ts[-1]]])

    def title(j: int) -> str:
        v = directions[j]
        return _two_lines(f"θ = {degrees[j]:.0f}°, v = ({v[0]:.2f}, {v[1]:.2f}):", f"J_f(x) v = {slopes[j]:.4f}")

    fig = make_subplots(1, 2, horizontal_spacing=0.14)
    G1, G2 = np.meshgrid(g1, g2)
    fig.add_trace(go.Contour(x=g1, y=g2, z=f(G1, G2), colorscale="Blues", showscale=False, ncontours=18,
                             contours=dict(coloring="lines"), hoverinfo="skip", name="level curves of f"), 1, 1)
    mx, my = moving(0)
    fig.add_trace(go.Scatter(x=mx[0], y=my[0], mode="lines+markers", name="direction v",
                             line=dict(color=_RED, width=3),
                             marker=dict(symbol="arrow", angleref="previous", size=[0, 14])), 1, 1)
    fig.add_trace(go.Scatter(x=mx[1], y=my[1], mode="markers", name=f"x = ({point[0]:g}, {point[1]:g})",
                             marker=dict(color="black", size=9)), 1, 1)
    fig.add_trace(go.Scatter(x=mx[2], y=my[2], mode="lines", name="f(x + t v)", line=dict(color=_BLUE, width=3)),
                  1, 2)
    fig.add_trace(go.Scatter(x=mx[3], y=my[3], mode="lines", name="slope J_f(x) v",
                             line=dict(color="black", dash="dash")), 1, 2)
    steps = [dict(method="update", label=f"{d:.0f}°",
                  args=[dict(zip(("x", "y"), moving(j))), {"title.text": title(j)}, [1, 2, 3, 4]])
             for j, d in enumerate(degrees)]
    lo, hi = min(s.min() for s in slices), max(s.max() for s in slices)
    fig.update_xaxes(title_text="x₁", range=[a0, a1], row=1, col=1)
    fig.update_yaxes(title_text="x₂", range=[b0, b1], scaleanchor="x", row=1, col=1)
    fig.update_xaxes(title_text="t", row=1, col=2)
    fig.update_yaxes(title_text="f(x + t v)", range=[lo - 0.5, hi + 0.5], row=1, col=2)
    if alt is None:
        alt = (f"Left: level curves of f around the point ({point[0]:g}, {point[1]:g}) with a red arrow for the "
               f"direction v. Right: the values of f along the line x + t v for t from {ts[0]:g} to {ts[-1]:g}, "
               f"with a dashed tangent line at t = 0 whose slope is the Jacobian-vector product. A slider turns "
               f"v through {len(directions)} directions, from {degrees[0]:.0f} to {degrees[-1]:.0f} degrees; "
               f"the slope goes from {slopes.min():.4g} to {slopes.max():.4g}.")
    return add_state_slider(_finish_two_lines(fig, title(0), alt=alt, height=height), steps, prefix="θ = ")


# --- reverse mode ----------------------------------------------------------------------------------------

def mode_comparison_figure(ns: Sequence[int], ms: Sequence[int], forward: np.ndarray, reverse: np.ndarray,
                           ratio: np.ndarray, *, alt: str | None = None, height: int = 520) -> "go.Figure":
    r"""Forward against reverse mode for Jacobians of :math:`f : \mathbb{R}^n \to \mathbb{R}^m`, a slider
    over :math:`m`.

    Left (log-log): the passes each mode makes, against :math:`n`. Right: the measured time of the
    forward-mode Jacobian divided by the reverse-mode time, with a dotted line at 1 (above it reverse
    mode is faster). Each slider step shows one number of outputs :math:`m`.

    Parameters
    ----------
    ns : sequence of int, length N
        The numbers of inputs (the x axis).
    ms : sequence of int, length M
        The numbers of outputs (the slider).
    forward, reverse : arrays of shape (M, N)
        Passes counted in forward and in reverse mode (forward and backward passes alike), row ``i`` for
        ``ms[i]``.
    ratio : array of shape (M, N)
        Time in forward mode ÷ time in reverse mode.
    alt : str, optional
        Alt text; by default it is written from the data.

    Returns
    -------
    plotly.graph_objects.Figure
        Traces: 0 forward passes, 1 reverse passes, 2 the time ratio (all three moved by the slider), 3 the
        line at 1.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    ns, ms = [int(n) for n in ns], [int(m) for m in ms]
    tables = {}
    for name, table in (("forward", forward), ("reverse", reverse), ("ratio", ratio)):
        tables[name] = np.asarray(table, dtype=float)
        if tables[name].shape != (len(ms), len(ns)):
            raise ValueError(f"{name} must have shape (len(ms), len(ns)) = ({len(ms)}, {len(ns)}), a row per "
                             f"number of outputs m; got {tables[name].shape}")
    if not ns or not ms:
        raise ValueError("mode_comparison_figure needs at least one n and one m")
    if np.any(tables["ratio"] <= 0):
        raise ValueError("ratio must be positive: time in forward mode ÷ time in reverse mode")

    def title(m: int) -> str:
        return f"f : ℝⁿ → ℝᵐ with m = {m} output" + "s" * (m > 1)

    def curves(i: int) -> list:
        return [tables["forward"][i].tolist(), tables["reverse"][i].tolist(), tables["ratio"][i].tolist()]

    fig = make_subplots(1, 2, horizontal_spacing=0.14)
    first = curves(0)
    fig.add_trace(go.Scatter(x=ns, y=first[0], mode="lines+markers", name="forward: n passes",
                             line=dict(color=_BLUE, width=3)), 1, 1)
    fig.add_trace(go.Scatter(x=ns, y=first[1], mode="lines+markers", name="reverse: 1 + m passes",
                             line=dict(color=_RED, width=3)), 1, 1)
    fig.add_trace(go.Scatter(x=ns, y=first[2], mode="lines+markers", name="time forward ÷ reverse",
                             line=dict(color="black", width=3)), 1, 2)
    fig.add_trace(go.Scatter(x=[ns[0], ns[-1]], y=[1, 1], mode="lines", name="equal time",
                             line=dict(color="gray", dash="dot")), 1, 2)
    steps = [dict(method="update", label=str(m), args=[{"y": curves(i)}, {"title.text": title(m)}, [0, 1, 2]])
             for i, m in enumerate(ms)]
    most = max(tables["forward"].max(), tables["reverse"].max(), 70)
    fig.update_xaxes(type="log", title_text="n (inputs)", tickvals=ns)
    fig.update_yaxes(type="log", title_text="passes for the Jacobian", range=[-0.1, np.log10(most) + 0.1],
                     tickvals=[1, 2, 5, 10, 20, 50, 100], row=1, col=1)
    fig.update_yaxes(type="log", title_text="time forward ÷ time reverse", row=1, col=2,
                     tickvals=[0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100, 300],
                     range=[np.log10(tables["ratio"].min()) - 0.2, np.log10(tables["ratio"].max()) + 0.2])
    if alt is None:
        alt = (f"Two log-log panels against the number of inputs n from {ns[0]} to {ns[-1]}. Left: passes needed "
               f"for the Jacobian, n in forward mode and 1 + m in reverse mode. Right: measured time of the "
               f"forward-mode Jacobian divided by the reverse-mode time, with a dotted line at 1; for m = {ms[0]} "
               f"it goes from {tables['ratio'][0, 0]:.2g} at n = {ns[0]} to {tables['ratio'][0, -1]:.2g} at "
               f"n = {ns[-1]}. A slider chooses the number of outputs m from {ms[0]} to {ms[-1]}.")
    return add_state_slider(finish(fig, alt=alt, title=title(ms[0]), height=height), steps, prefix="m = ")


def cheap_gradient_figure(ns: Sequence[int], reverse: Sequence[float], forward: Sequence[float], *,
                          title: str = "Cost of the gradient, in evaluations of f", alt: str | None = None,
                          height: int = 440) -> "go.Figure":
    r"""The cost of a gradient in evaluations of :math:`f`, against the number of inputs :math:`n`
    (log-log): reverse mode's :math:`(f, \nabla f)` and forward mode's :math:`\nabla f`.

    Parameters
    ----------
    ns : sequence of int, length N
    reverse, forward : sequences of N floats
        Time of the gradient ÷ time of one evaluation of :math:`f`; a ``nan`` in ``forward`` (a size not
        measured) is left out of its curve.
    title : str
        The title (wrapped).
    alt : str, optional
        Alt text; by default it is written from the data.

    Returns
    -------
    plotly.graph_objects.Figure
        Trace 0 reverse mode, trace 1 forward mode (its measured sizes only).
    """
    import plotly.graph_objects as go

    ns = np.asarray(ns, dtype=float)
    reverse, forward = np.asarray(reverse, dtype=float), np.asarray(forward, dtype=float)
    if ns.ndim != 1 or ns.size == 0 or reverse.shape != ns.shape or forward.shape != ns.shape:
        raise ValueError(f"ns, reverse and forward must be 1-D of the same length, one entry per n; got shapes "
                         f"{ns.shape}, {reverse.shape} and {forward.shape}")
    measured = np.isfinite(forward)
    fig = go.Figure([
        go.Scatter(x=ns, y=reverse, mode="lines+markers", name="reverse: (f, ∇f) ÷ f", line=dict(color=_RED, width=3)),
        go.Scatter(x=ns[measured], y=forward[measured], mode="lines+markers", name="forward: ∇f ÷ f",
                   line=dict(color=_BLUE, width=3)),
    ])
    if alt is None:
        alt = (f"Log-log plot of the time of a gradient divided by the time of one evaluation of f, against n from "
               f"{ns[0]:g} to {ns[-1]:g}. The reverse-mode ratio stays between {reverse.min():.3g} and "
               f"{reverse.max():.3g}"
               + (f"; the forward-mode ratio, for n up to {ns[measured].max():g}, rises from "
                  f"{forward[measured][0]:.3g} to {forward[measured][-1]:.3g}." if measured.any() else ".")
               + " Click a legend entry to hide a curve.")
    return finish(fig, alt=alt, title=title, height=height,
                  xaxis=dict(type="log", title="n (inputs)"),
                  yaxis=dict(type="log", title="time ÷ time of f",
                             tickvals=[1, 3, 10, 30, 100, 300, 1000, 3000, 10_000, 30_000]))


# --- the live widgets --------------------------------------------------------------------------------------

def typed_function(expression: str, names: Sequence[str]) -> Callable:
    """The function ``lambda names: expression`` of a typed NumPy expression (``np`` is NumPy).

    For a live notebook only: the expression is evaluated as Python, as if typed into a cell.

    >>> float(typed_function("x1 * np.exp(x2)", ("x1", "x2"))(2.0, 0.0))
    2.0
    """
    if not isinstance(expression, str) or not expression.strip():
        raise ValueError("type an expression, e.g. np.log(x1) + x1 * x2")
    names = tuple(names)
    bad = [name for name in names if not name.isidentifier()]
    if not names or bad:
        raise ValueError(f"variable names must be Python names such as x or x1; got {bad or 'none'}")
    return eval(f"lambda {', '.join(names)}: {expression}", {"np": np})   # noqa: S307 (the reader's own input)


def _numbers(text: str, what: str) -> tuple[float, ...]:
    try:
        return tuple(float(s) for s in text.split(","))
    except ValueError:
        raise ValueError(f"{what} must be numbers separated by commas, such as 2, 5; got {text!r}") from None


def _error_html(exc: Exception) -> str:
    return f"<pre>{html.escape(type(exc).__name__)}: {html.escape(str(exc))}</pre>"


def trace_html(expression: str, point: str, direction: str) -> str:
    """The forward-mode trace (:func:`calclib.forward.trace`) of a typed expression, as an HTML table.

    The variables are ``x1, x2, …``, one per entry of ``point``; an error (a typo, a point and a direction
    of different lengths) is returned as its message in a ``<pre>``, so a widget shows it instead of a
    traceback.

    Parameters
    ----------
    expression : str
        A NumPy expression in ``x1, x2, …``, e.g. ``"np.log(x1) + x1 * x2 - np.sin(x2)"``.
    point, direction : str
        Numbers separated by commas, e.g. ``"2, 5"`` and ``"1, 0"``.
    """
    from .. import forward

    try:
        x, v = _numbers(point, "the point"), _numbers(direction, "the direction")
        if len(x) != len(v):
            raise ValueError(f"the point has {len(x)} entries and the direction {len(v)}: give them the same number")
        func = typed_function(expression, [f"x{i + 1}" for i in range(len(x))])
        return forward.trace(func, x, v)._repr_html_()
    except Exception as exc:    # shown in the widget instead of a traceback
        return _error_html(exc)


def graph_html(expression: str, values: str) -> str:
    """The computational graph (:func:`calclib.graph.draw`) of a typed expression, with values and adjoints,
    as an inline SVG that fits the page width.

    An error (a typo, a value that is not a number) is returned as its message in a ``<pre>``.

    Parameters
    ----------
    expression : str
        A NumPy expression, e.g. ``"2 * (x * y + np.maximum(z, w))"``.
    values : str
        The variables and their values, e.g. ``"x=3, y=-4, z=2, w=-1"``; the order is the graph's.
    """
    from .. import graph

    try:
        pairs = [item.split("=") for item in values.split(",")]
        if any(len(pair) != 2 for pair in pairs):
            raise ValueError(f"give the values as name=number, separated by commas, such as x=3, y=-4; got {values!r}")
        names = tuple(name.strip() for name, _ in pairs)
        point = _numbers(",".join(value for _, value in pairs), "the values")
        svg = graph.draw(typed_function(expression, names), point, names=names).svg
        return svg.replace("<svg ", '<svg style="max-width: 100%; height: auto" ', 1)   # fit the page width
    except Exception as exc:    # shown in the widget instead of a traceback
        return _error_html(exc)
