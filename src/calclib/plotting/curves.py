r"""Figures of functions of one variable: the catalogue, secants, tangents, one-sided slopes, inverses.

Every helper *returns* a figure and never shows it: a notebook displays it by leaving it as the last
expression of a cell, and a test can inspect its data. Matplotlib figures are created with
:class:`matplotlib.figure.Figure` (not ``pyplot``), so a notebook shows each exactly once.
Plotly figures carry their alt text in ``layout.meta["alt"]`` and are interactive on a static website:
their sliders switch between states computed ahead of time, so no kernel is needed.

=====================  ==========  ===============================================================
helper                 library     shows
=====================  ==========  ===============================================================
function_grid          matplotlib  the common functions with their derivatives, each on its domain
secant_grid            matplotlib  secants through a point approaching the tangent, one panel per function
secant_to_tangent      plotly      one secant with a slider over Δx, approaching the tangent
one_sided_slopes       matplotlib  left and right difference quotients at a point as the step shrinks
inverse_pair           matplotlib  a function and its inverse, mirrored in y = x, with reciprocal tangent slopes
=====================  ==========  ===============================================================
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, NamedTuple, Sequence

import numpy as np

from .._validation import as_float_array, require_callable
from ..finite_diff import average_rate_of_change, central_difference
from ..functions import CommonFunction, get

if TYPE_CHECKING:  # imported lazily at run time: plotly and matplotlib are only loaded when a figure is drawn
    import plotly.graph_objects as go
    from matplotlib.figure import Figure

__all__ = ["function_grid", "secant_grid", "secant_to_tangent", "one_sided_slopes", "inverse_pair", "WINDOWS"]

FunctionLike = str | CommonFunction | Callable[[np.ndarray], np.ndarray]

#: A viewing window ``(x range, y range or None for automatic)`` for each catalogue function.
WINDOWS: dict[str, tuple[tuple[float, float], tuple[float, float] | None]] = {
    "constant": ((-3, 3), (-1, 3)),
    "linear": ((-3, 3), None),
    "square": ((-2, 2), None),
    "cube": ((-1.6, 1.6), None),
    "reciprocal": ((-3, 3), (-5, 5)),
    "sqrt": ((-1, 4), (-0.5, 2.5)),
    "exp": ((-2, 2), None),
    "ln": ((-1, 4), (-3, 3)),
    "log10": ((-1, 4), (-1.5, 1.5)),
    "sin": ((-2 * np.pi, 2 * np.pi), None),
    "cos": ((-2 * np.pi, 2 * np.pi), None),
    "abs": ((-2, 2), (-1.5, 2.2)),
    "sigmoid": ((-6, 6), (-0.1, 1.1)),
    "relu": ((-2, 2), (-0.5, 2.2)),
    "tanh": ((-3, 3), None),
}

_BLUE, _ORANGE, _GREY = "#1f77b4", "#ff7f0e", "#444444"


# --- small utilities -----------------------------------------------------------------------------------

class _Resolved(NamedTuple):
    name: str          # catalogue key, or the callable's __name__, or "f"
    latex: str         # formula for matplotlib titles
    text: str          # formula in plain Unicode for plotly labels and alt text
    f: Callable
    df: Callable | None


def _resolve(item: FunctionLike, name: str = "function") -> _Resolved:
    """Name, formulas, function and derivative (None if unknown) of a catalogue name, CommonFunction or callable."""
    if isinstance(item, (str, CommonFunction)):
        fn = get(item)
        return _Resolved(fn.name, fn.latex, fn.text or fn.name, fn, fn.derivative)
    require_callable(item, name)
    label = getattr(item, "__name__", "f")
    label = "f" if label == "<lambda>" else label
    if label == "f":
        return _Resolved("f", "f(x)", "f(x)", item, None)
    return _Resolved(label, fr"\mathrm{{{label}}}(x)", f"{label}(x)", item, None)


def _evaluate(f: Callable, x: np.ndarray) -> np.ndarray:
    """``f(x)`` as a float array; points where ``f`` fails numerically become nan without a warning."""
    with np.errstate(all="ignore"):
        return np.asarray(f(x), dtype=float) * np.ones_like(x)


def _grid(lo: float, hi: float, n: int) -> np.ndarray:
    """``n`` points on [lo, hi], plus 0 when it is inside, so a graph breaks exactly where a domain does."""
    x = np.linspace(lo, hi, n)
    return np.union1d(x, [0.0]) if lo < 0 < hi else x


def _auto_ylim(*ys: np.ndarray, pad: float = 0.08) -> tuple[float, float]:
    finite = np.concatenate([y[np.isfinite(y)] for y in ys]) if ys else np.array([])
    if finite.size == 0:
        return (-1.0, 1.0)
    lo, hi = float(finite.min()), float(finite.max())
    span = hi - lo if hi > lo else max(1.0, abs(hi))
    return (lo - pad * span, hi + pad * span)


def _window(label: str, window: tuple[float, float] | None) -> tuple[tuple[float, float], tuple[float, float] | None]:
    if window is not None:
        return (float(window[0]), float(window[1])), None
    return WINDOWS.get(label, ((-3.0, 3.0), None))


def _new_figure(nrows: int, ncols: int, panel: tuple[float, float] = (3.0, 2.4),
                **kwargs: Any) -> tuple[Figure, np.ndarray]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(panel[0] * ncols, panel[1] * nrows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False, **kwargs))
    return fig, axes


def _light_ticks(ax: Any) -> None:
    """At most about 4 small tick labels per linear axis: small panels stay readable and render fast."""
    ax.locator_params(nbins=4)
    ax.tick_params(labelsize=8)


def _tangent_slope(f: Callable, df: Callable | None, x0: float) -> float:
    """:math:`f'(x_0)` from the analytic derivative if there is one, else a central difference."""
    if df is not None:
        return float(df(x0))
    return float(central_difference(f, x0))


# --- matplotlib: the catalogue ----------------------------------------------------------------------------

def function_grid(functions: Iterable[FunctionLike] | None = None, *, ncols: int = 5, n: int = 401,
                  derivative: bool = True, window: tuple[float, float] | None = None) -> Figure:
    r"""A grid of graphs: each function (solid) with its derivative (dashed), each on its domain.

    Points outside a domain are ``nan`` (see :mod:`calclib.functions`), so a graph simply stops there:
    :math:`\ln x` is drawn for :math:`x > 0` only and the derivative of :math:`|x|` breaks at 0.

    Parameters
    ----------
    functions : iterable of names, CommonFunction or callables, optional
        Default: the whole :data:`calclib.functions.CATALOGUE`. A plain callable has no analytic
        derivative, so its derivative is drawn from :func:`calclib.finite_diff.central_difference`.
    ncols : int
        Panels per row.
    n : int
        Points per curve.
    derivative : bool
        Draw the derivative too.
    window : (float, float), optional
        One x range for every panel (default: a window that suits each function, :data:`WINDOWS`).

    Returns
    -------
    matplotlib.figure.Figure
        One axes per function; each axes holds 1 or 2 lines.
    """
    from ..functions import CATALOGUE

    items = list(CATALOGUE) if functions is None else list(functions)
    if not items:
        raise ValueError("functions must contain at least one function (a name like 'sin' or a callable)")
    ncols = max(1, min(int(ncols), len(items)))
    nrows = -(-len(items) // ncols)
    fig, axes = _new_figure(nrows, ncols)
    for ax in axes.flat[len(items):]:
        ax.set_visible(False)
    for k, (item, ax) in enumerate(zip(items, axes.flat)):
        label, latex, _, f, df = _resolve(item, f"functions[{k}]")
        (lo, hi), ylim = _window(label, window)
        x = _grid(lo, hi, n)
        y = _evaluate(f, x)
        ax.plot(x, y, color=_BLUE, lw=2, label="$f(x)$")
        curves = [y]
        if derivative:
            dy = _evaluate(df, x) if df is not None else _evaluate(lambda t: central_difference(f, t), x)
            ax.plot(x, dy, color=_ORANGE, lw=1.6, ls="--", label="$f'(x)$")
            curves.append(dy)
        ax.axhline(0, color="0.8", lw=0.8, zorder=0)
        ax.axvline(0, color="0.8", lw=0.8, zorder=0)
        ax.set_xlim(lo, hi)
        ax.set_ylim(ylim if ylim is not None else _auto_ylim(*curves))
        ax.set_title(f"${latex}$", fontsize=10)
        _light_ticks(ax)
        if k == 0:
            ax.legend(fontsize=8, loc="upper left")
    return fig


def secant_grid(functions: Iterable[FunctionLike], x0: float | Mapping[str, float] = 1.0,
                dxs: Sequence[float] = (1.5, 0.75, 0.3, 0.1), *, ncols: int = 4, n: int = 301) -> Figure:
    r"""One panel per function: secants through :math:`(x_0, f(x_0))` and :math:`(x_0+\Delta x, f(x_0+\Delta x))`
    for shrinking :math:`\Delta x` (light to dark), and the tangent at :math:`x_0` (black, dashed).

    The secant slopes are :func:`calclib.finite_diff.average_rate_of_change`; the tangent slope is the
    analytic derivative (catalogue functions) or a central difference (plain callables).

    Parameters
    ----------
    functions : iterable of names, CommonFunction or callables
    x0 : float or mapping name → float
        The point of tangency (one for all, or one per function name; missing names use 1.0).
    dxs : sequence of float
        The steps :math:`\Delta x`, largest first.
    ncols, n : int
        Panels per row; points per curve.

    Returns
    -------
    matplotlib.figure.Figure
        Each axes holds the curve, ``len(dxs)`` secants and the tangent, in that order.
    """
    from matplotlib import colormaps

    items = list(functions)
    if not items:
        raise ValueError("functions must contain at least one function")
    dxs = np.atleast_1d(as_float_array(dxs, "dxs"))
    ncols = max(1, min(int(ncols), len(items)))
    nrows = -(-len(items) // ncols)
    fig, axes = _new_figure(nrows, ncols)
    for ax in axes.flat[len(items):]:
        ax.set_visible(False)
    colours = colormaps["Greens"](np.linspace(0.35, 0.95, len(dxs)))
    for k, (item, ax) in enumerate(zip(items, axes.flat)):
        label, latex, _, f, df = _resolve(item, f"functions[{k}]")
        p = float(x0.get(label, 1.0)) if isinstance(x0, Mapping) else float(x0)
        (lo, hi), ylim = _window(label, None)
        lo, hi = min(lo, p - 0.2), max(hi, p + float(np.max(dxs)) + 0.2)
        x = _grid(lo, hi, n)
        y = _evaluate(f, x)
        ax.plot(x, y, color=_BLUE, lw=2)
        y0 = float(_evaluate(f, np.array(p)))
        slopes = np.atleast_1d(average_rate_of_change(f, p, dxs))
        ends = np.array([lo, hi])
        for dx, s, c in zip(dxs, slopes, colours):
            ax.plot(ends, y0 + s * (ends - p), color=c, lw=1.2, label=fr"$\Delta x = {dx:g}$")
            ax.plot([p + dx], [float(_evaluate(f, np.array(p + dx)))], "o", color=c, ms=3)
        t = _tangent_slope(f, df, p)
        ax.plot(ends, y0 + t * (ends - p), color="black", ls="--", lw=1.2, label="tangent")
        ax.plot([p], [y0], "o", color="black", ms=4)
        ax.set_xlim(lo, hi)
        ax.set_ylim(ylim if ylim is not None else _auto_ylim(y))
        ax.set_title(f"${latex}$ at $x_0 = {p:g}$", fontsize=10)
        _light_ticks(ax)
        if k == 0:
            ax.legend(fontsize=7, loc="best")
    return fig


# --- plotly: the secant becomes the tangent ---------------------------------------------------------------

def secant_to_tangent(f: FunctionLike, x0: float, dxs: Sequence[float], df: Callable | None = None, *,
                      x_range: tuple[float, float] | None = None, n: int = 300, label: str | None = None,
                      alt: str | None = None) -> go.Figure:
    r"""A plotly figure with a slider over :math:`\Delta x`: the secant through :math:`(x_0, f(x_0))` and
    :math:`(x_0+\Delta x, f(x_0+\Delta x))` turns into the tangent at :math:`x_0` as :math:`\Delta x \to 0`.

    Each slider step is computed ahead of time (``method="update"`` replaces the secant's two points
    and the title), so the slider works on a static web page with no kernel.
    The secant slope of each step is :func:`calclib.finite_diff.average_rate_of_change`.

    Parameters
    ----------
    f : catalogue name, CommonFunction or callable
        The function (elementwise on arrays).
    x0 : float
        The point of tangency.
    dxs : sequence of float
        The steps, in slider order (typically largest first); non-zero, may be negative.
    df : callable, optional
        The derivative, for the tangent. Default: the catalogue derivative, or a central difference.
    x_range : (float, float), optional
        The x axis. Default: :math:`x_0 \pm 1.15 \max|\Delta x|`.
    n : int
        Points on the curve (keep it small: the figure's JSON is embedded in the page).
    label : str, optional
        The function's name in the legend and the alt text.
    alt : str, optional
        Alt text; a description is generated by default.

    Returns
    -------
    plotly.graph_objects.Figure
        Traces: 0 the curve, 1 the tangent, 2 the secant line, 3 its two points; one slider step per Δx.
    """
    import plotly.graph_objects as go

    resolved = _resolve(f, "f")
    fn, cat_df = resolved.f, resolved.df
    label = label or resolved.text
    df = df if df is not None else cat_df
    x0 = float(as_float_array(x0, "x0"))
    dxs = np.atleast_1d(as_float_array(dxs, "dxs")).ravel()
    if dxs.size == 0:
        raise ValueError("dxs must hold at least one step Δx")
    slopes = np.atleast_1d(average_rate_of_change(fn, x0, dxs))  # raises on Δx = 0
    y0 = float(_evaluate(fn, np.array(x0)))
    y1 = _evaluate(fn, x0 + dxs)
    if not (np.isfinite(y0) and np.all(np.isfinite(y1))):
        raise ValueError(f"f must be defined at x0 = {x0:g} and at every x0 + Δx; it is not")
    tangent = _tangent_slope(fn, df, x0)

    if x_range is None:
        half = 1.15 * float(np.max(np.abs(dxs)))
        x_range = (x0 - half, x0 + half)
    lo, hi = float(x_range[0]), float(x_range[1])
    x = _grid(lo, hi, n)
    y = _evaluate(fn, x)
    ylo, yhi = _auto_ylim(y, np.array([y0]), y1, pad=0.15)
    ends = [lo, hi]

    def secant(k: int) -> tuple[list[float], list[float], list[float], list[float]]:
        line_y = [y0 + slopes[k] * (e - x0) for e in ends]
        return ends, line_y, [x0, x0 + float(dxs[k])], [y0, float(y1[k])]

    def title(k: int) -> str:
        return (f"Δx = {dxs[k]:g}: secant slope Δf/Δx = {slopes[k]:.6g}"
                f"   →   tangent slope f′({x0:g}) = {tangent:.6g}")

    sx, sy, px, py = secant(0)
    fig = go.Figure([
        go.Scatter(x=x, y=y, mode="lines", name=f"f(x) = {label}", line=dict(color=_BLUE, width=3)),
        go.Scatter(x=ends, y=[y0 + tangent * (e - x0) for e in ends], mode="lines",
                   name=f"tangent, slope {tangent:.4g}", line=dict(color="black", dash="dash")),
        go.Scatter(x=sx, y=sy, mode="lines", name="secant", line=dict(color="#2ca02c", width=2)),
        go.Scatter(x=px, y=py, mode="markers", name="(x₀, f(x₀)) and (x₀+Δx, f(x₀+Δx))",
                   marker=dict(color="#2ca02c", size=10, line=dict(color="black", width=1))),
    ])
    steps = []
    for k, dx in enumerate(dxs):
        sx, sy, px, py = secant(k)
        steps.append(dict(method="update", label=f"{dx:g}",
                          args=[{"x": [sx, px], "y": [sy, py]}, {"title.text": title(k)}, [2, 3]]))
    if alt is None:
        alt = (f"Graph of f(x) = {label} for x from {lo:.3g} to {hi:.3g}, with the tangent line at x0 = {x0:g} "
               f"(slope {tangent:.4g}) and a secant line through x0 and x0 + Δx. A slider sets Δx from "
               f"{dxs[0]:g} to {dxs[-1]:g}; the secant slope goes from {slopes[0]:.4g} to {slopes[-1]:.4g} "
               f"and the secant approaches the tangent.")
    fig.update_layout(
        title=dict(text=title(0), font=dict(size=14)),
        xaxis=dict(range=[lo, hi], title="x", zeroline=True),
        yaxis=dict(range=[ylo, yhi], title="f(x)", zeroline=True),
        sliders=[dict(active=0, steps=steps, currentvalue=dict(prefix="Δx = "), pad=dict(t=50))],
        legend=dict(orientation="h", y=-0.42, x=0),
        margin=dict(l=60, r=20, t=60, b=20),
        height=520,
        template="plotly_white",
        meta={"alt": alt},
    )
    return fig


# --- matplotlib: corners, vertical tangents, jumps ----------------------------------------------------------

def one_sided_slopes(cases: Sequence[tuple[str, FunctionLike, float]], hs: Sequence[float] | None = None,
                     *, window: float = 1.0) -> Figure:
    r"""Left and right difference quotients at a point, as the step :math:`h` shrinks.

    Top row: the graph near :math:`x_0`. Bottom row, against :math:`h` on a log axis:

    .. math:: \text{right: } \frac{f(x_0+h)-f(x_0)}{h}, \qquad \text{left: } \frac{f(x_0-h)-f(x_0)}{-h}

    both from :func:`calclib.finite_diff.average_rate_of_change` (with steps :math:`h` and :math:`-h`).
    :math:`f'(x_0)` exists exactly when both tend to the same finite number. The y axis is ``symlog``
    (linear near 0, logarithmic beyond ±1) when a slope exceeds 10, so slopes that blow up stay on the page.

    Parameters
    ----------
    cases : sequence of (title, function, x0)
        Function: a catalogue name, a CommonFunction or a callable.
    hs : sequence of float > 0, optional
        Steps; default 30 steps from 1 down to 1e-6.
    window : float
        Half-width of the graph around :math:`x_0` in the top row.

    Returns
    -------
    matplotlib.figure.Figure
        ``2 × len(cases)`` axes; each bottom axes holds the right quotients then the left ones.
    """
    if not cases:
        raise ValueError("cases must hold at least one (title, function, x0) triple")
    hs = np.logspace(0, -6, 30) if hs is None else np.atleast_1d(as_float_array(hs, "hs"))
    if np.any(hs <= 0):
        raise ValueError("hs must be positive steps; the left quotient uses -h itself")
    fig, axes = _new_figure(2, len(cases), panel=(3.1, 2.5))
    for j, case in enumerate(cases):
        if len(case) != 3:
            raise ValueError(f"cases[{j}] must be a (title, function, x0) triple, got {case!r}")
        title, item, x0 = case
        f = _resolve(item, f"cases[{j}] function").f
        x0 = float(x0)
        x = _grid(x0 - window, x0 + window, 401)
        top, bottom = axes[0, j], axes[1, j]
        y = _evaluate(f, x)
        for piece in (x < x0, x >= x0):  # two pieces: a jump shows as a gap, not as a vertical line
            top.plot(x[piece], y[piece], color=_BLUE, lw=2)
        top.plot([x0], [float(_evaluate(f, np.array(x0)))], "o", color="black", ms=5)
        top.set_title(title, fontsize=10)
        top.set_xlabel("x", fontsize=8)
        _light_ticks(top)
        right = np.atleast_1d(average_rate_of_change(f, x0, hs))
        left = np.atleast_1d(average_rate_of_change(f, x0, -hs))
        bottom.plot(hs, right, "o-", color=_ORANGE, ms=3, label="from the right")
        bottom.plot(hs, left, "s-", color=_BLUE, ms=3, label="from the left")
        bottom.set_xscale("log")
        bottom.invert_xaxis()
        both = np.concatenate([right, left])
        both = both[np.isfinite(both)]
        big = both.size and float(np.max(np.abs(both))) > 10
        if big:  # slopes that blow up: logarithmic beyond ±1, linear inside
            bottom.set_yscale("symlog", linthresh=1.0)
            bottom.set_ylim(-2.0, 3.0 * float(np.max(both)))
        else:
            bottom.set_ylim(-1.6, 1.6)
        for name, values, yt in (("left", left, 0.08), ("right", right, 0.92)):
            if not np.any(np.isfinite(values)):
                bottom.text(0.5, yt, f"no {name} quotient: outside the domain", transform=bottom.transAxes,
                            ha="center", va="center", fontsize=7, color="0.3")
        bottom.set_xlabel("step h (shrinking →)", fontsize=8)
        bottom.tick_params(labelsize=8)
        if j == 0:
            bottom.set_ylabel("difference quotient", fontsize=8)
            bottom.legend(fontsize=7)
    return fig


# --- matplotlib: inverse functions --------------------------------------------------------------------------

def inverse_pair(f: FunctionLike, g: FunctionLike, x0: float, *, window: tuple[float, float] = (-2.0, 2.0),
                 df: Callable | None = None, dg: Callable | None = None, labels: tuple[str, str] | None = None,
                 ax: Any = None) -> Figure:
    r"""A function :math:`f`, its inverse :math:`g` (the mirror image in :math:`y = x`), and tangents at
    :math:`(x_0, f(x_0))` and at the mirrored point :math:`(f(x_0), x_0)`.

    The tangent slopes are :math:`f'(x_0)` and :math:`g'(f(x_0)) = 1/f'(x_0)`: mirroring a line in
    :math:`y = x` swaps rise and run.

    Parameters
    ----------
    f, g : catalogue name, CommonFunction or callable
        A function and its inverse.
    x0 : float
        A point of the domain of :math:`f` with :math:`f'(x_0) \ne 0`.
    window : (float, float)
        x range of :math:`f`; :math:`g` is drawn on the image of this range.
    df, dg : callable, optional
        Derivatives (default: catalogue derivatives, or central differences).
    labels : (str, str), optional
        Legend names of f and g.
    ax : matplotlib Axes, optional
        Draw into this axes (e.g. one panel of a larger figure); default: a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        Its axes hold: y = x, f, g, the tangent to f, the tangent to g (and two markers).
    """
    _, lf, _, ff, cdf = _resolve(f, "f")
    _, lg, _, gg, cdg = _resolve(g, "g")
    df, dg = df or cdf, dg or cdg
    if labels is None:
        labels = (f"${lf}$", f"${lg}$")
    x0 = float(x0)
    if ax is None:
        fig, axes = _new_figure(1, 1, panel=(4.2, 4.0))
        ax = axes[0, 0]
    else:
        fig = ax.figure
    x = _grid(window[0], window[1], 301)
    y = _evaluate(ff, x)
    ok = np.isfinite(y)
    ylo, yhi = float(np.min(y[ok])), float(np.max(y[ok]))
    ys = _grid(ylo, yhi, 301)
    lo, hi = min(window[0], ylo), max(window[1], yhi)
    ax.plot([lo, hi], [lo, hi], color="0.6", ls=":", lw=1, label="$y = x$")
    ax.plot(x, y, color=_BLUE, lw=2, label=labels[0])
    ax.plot(ys, _evaluate(gg, ys), color=_ORANGE, lw=2, label=labels[1])
    y0 = float(_evaluate(ff, np.array(x0)))
    sf = _tangent_slope(ff, df, x0)
    sg = _tangent_slope(gg, dg, y0)
    span = np.array([-0.8, 0.8])
    ax.plot(x0 + span, y0 + sf * span, color=_BLUE, ls="--", lw=1.2, label=f"slope {sf:.4g}")
    ax.plot(y0 + span, x0 + sg * span, color=_ORANGE, ls="--", lw=1.2, label=f"slope {sg:.4g}")
    ax.plot([x0, y0], [y0, x0], "o", color="black", ms=4)
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_aspect("equal")
    ax.legend(fontsize=8, loc="upper left")
    return fig
