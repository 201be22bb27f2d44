r"""Figures of the chapter on finite differences: the stencils on the graph and the V of the error.

=====================  ==========  ===============================================================
helper                 library     shows
=====================  ==========  ===============================================================
stencil_figure         plotly      forward secant and central chord on f (left), their errors on the V
                                   against h (right), with a slider over h
v_curve_figure         matplotlib  the V: error of each difference quotient against the step h
v_curve_alt            (text)      the alt text of :func:`v_curve_figure`, with the best steps measured
=====================  ==========  ===============================================================

Every helper *returns* a figure and never shows it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Mapping

import numpy as np

from .layout import add_state_slider, finish, wrap_title

if TYPE_CHECKING:
    import plotly.graph_objects as go
    from matplotlib.figure import Figure

__all__ = ["stencil_figure", "v_curve_figure", "v_curve_alt"]

#: Errors below this are drawn at this height on log axes (an exact 0 has no logarithm).
ERROR_FLOOR = 1e-17


def _vector(values, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array of numbers, got shape {array.shape}")
    return array


def _same_length(reference: np.ndarray, ref_name: str, **arrays) -> None:
    for name, array in arrays.items():
        if array.shape != reference.shape:
            raise ValueError(f"{name} must have one value per entry of {ref_name} "
                             f"({reference.size}), got shape {array.shape}")


def stencil_figure(f: Callable, x0: float, slope: float, h_slider, forward, central, h_curve,
                   curves: Mapping[str, np.ndarray], *, label: str = "f(x)",
                   y_range: tuple[float, float] | None = None) -> "go.Figure":
    r"""The forward secant and central chord on the graph of ``f``, and their errors on the V, over a slider.

    Left panel: the graph of ``f`` on :math:`[x_0 - 1.1, x_0 + 1.1]`, its dashed tangent of slope
    ``slope``, the forward secant through :math:`x_0, x_0 + h` (orange) and the central chord through
    :math:`x_0 - h, x_0 + h` (green), each with its two points. Right panel: the error curves of both
    methods against :math:`h` on log-log axes, with a marker per method at the current :math:`h`, at
    height :math:`|D(h) - f'(x_0)|`. The slider moves through ``h_slider``; each step replaces the six
    moving traces (indices 2, 3, 4, 5, 8, 9) and the title, so the figure needs no kernel.

    Parameters
    ----------
    f : callable
        The function, vectorized over NumPy arrays.
    x0, slope : float
        The point and the exact derivative :math:`f'(x_0)` there.
    h_slider : array of shape (k,)
        The steps of the slider, largest first.
    forward, central : arrays of shape (k,)
        The forward and central differences at ``x0`` for each step of ``h_slider``.
    h_curve : array of shape (m,)
        The steps of the error curves.
    curves : mapping with keys ``"forward-difference"`` and ``"central"``
        The absolute errors over ``h_curve``, each of shape (m,).
    label : str
        The name of ``f`` in the legend and the alt text.
    y_range : (float, float), optional
        The range of the left panel's y axis (default: from the graph).

    Examples
    --------
    >>> hs = np.array([1.0, 0.1])
    >>> fig = stencil_figure(np.exp, 0.0, 1.0, hs, (np.exp(hs) - 1) / hs, np.sinh(hs) / hs,
    ...                      hs, {"forward-difference": [0.7, 0.05], "central": [0.2, 0.002]})
    >>> len(fig.data), len(fig.layout.sliders[0].steps)
    (10, 2)
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    h_slider = _vector(h_slider, "h_slider")
    forward, central = _vector(forward, "forward"), _vector(central, "central")
    _same_length(h_slider, "h_slider", forward=forward, central=central)
    h_curve = _vector(h_curve, "h_curve")
    missing = {"forward-difference", "central"} - set(curves)
    if missing:
        raise ValueError(f"curves needs the error curves of {sorted(missing)} (a dict method -> errors)")
    curve = {m: _vector(curves[m], f"curves[{m!r}]") for m in ("forward-difference", "central")}
    _same_length(h_curve, "h_curve", **{f"curves[{m!r}]": e for m, e in curve.items()})
    x0, slope = float(x0), float(slope)

    xs = np.linspace(x0 - 1.1, x0 + 1.1, 89)
    ends = np.array([xs[0], xs[-1]])
    y0 = float(f(x0))
    err_f, err_c = np.abs(forward - slope), np.abs(central - slope)

    def state(k: int) -> list[dict]:
        h = h_slider[k]
        return [dict(x=ends, y=y0 + forward[k] * (ends - x0)),                      # forward secant
                dict(x=[x0, x0 + h], y=[y0, f(x0 + h)]),                            # its two points
                dict(x=ends, y=f(x0 + h) + central[k] * (ends - x0 - h)),           # central chord
                dict(x=[x0 - h, x0 + h], y=[f(x0 - h), f(x0 + h)]),                 # its two points
                dict(x=[h], y=[max(err_f[k], ERROR_FLOOR)]),                        # forward error on its V
                dict(x=[h], y=[max(err_c[k], ERROR_FLOOR)])]                        # central error on its V

    def title(k: int) -> str:
        return f"h = {h_slider[k]:.2g}: forward error {err_f[k]:.1e}, central error {err_c[k]:.1e}"

    fig = make_subplots(rows=1, cols=2, column_widths=[0.45, 0.55], horizontal_spacing=0.14,
                        subplot_titles=("the stencils on f", "error against h"))
    graph = np.asarray(f(xs), dtype=float)
    fig.add_trace(go.Scatter(x=np.round(xs, 4), y=np.round(graph, 4), name=label,
                             line=dict(color="#1f77b4", width=3)), 1, 1)
    fig.add_trace(go.Scatter(x=ends, y=y0 + slope * (ends - x0), name="tangent",
                             line=dict(color="black", dash="dash")), 1, 1)
    first = state(0)
    styles = [("forward secant", "#ff7f0e", "lines"), ("forward points", "#ff7f0e", "markers"),
              ("central chord", "#2ca02c", "lines"), ("central points", "#2ca02c", "markers")]
    for (name, color, mode), data in zip(styles, first[:4]):
        fig.add_trace(go.Scatter(**data, name=name, mode=mode, line=dict(color=color),
                                 marker=dict(size=9, color=color, line=dict(color="black", width=1))), 1, 1)
    for method, color in [("forward-difference", "#ff7f0e"), ("central", "#2ca02c")]:
        fig.add_trace(go.Scatter(x=h_curve, y=np.maximum(curve[method], ERROR_FLOOR), mode="lines",
                                 name=f"{method} error", line=dict(color=color, width=1), opacity=0.6,
                                 showlegend=False), 1, 2)
    for data, color in zip(first[4:], ["#ff7f0e", "#2ca02c"]):
        fig.add_trace(go.Scatter(**data, mode="markers", showlegend=False,
                                 marker=dict(size=12, color=color, line=dict(color="black", width=1))), 1, 2)
    moving = [2, 3, 4, 5, 8, 9]  # the traces a slider step replaces
    steps = []
    for k, h in enumerate(h_slider):
        data = state(k)
        steps.append(dict(method="update", label=f"{h:.2g}",
                          args=[{"x": [list(map(float, d["x"])) for d in data],
                                 "y": [list(map(float, d["y"])) for d in data]},
                                {"title.text": wrap_title(title(k))}, moving]))
    if y_range is None:
        pad = 0.1 * (graph.max() - graph.min() + 1e-12)
        y_range = (float(graph.min() - pad), float(graph.max() + pad))
    fig.update_xaxes(title_text="x", range=[xs[0], xs[-1]], row=1, col=1)
    fig.update_yaxes(title_text="f(x)", range=list(y_range), row=1, col=1)
    fig.update_xaxes(title_text="step h", type="log", exponentformat="power", row=1, col=2,
                     range=[np.log10(min(h_curve.min(), h_slider.min())) - 0.3,
                            np.log10(max(h_curve.max(), h_slider.max())) + 0.3])
    fig.update_yaxes(title_text="absolute error", type="log", range=[-17.2, 0.8], exponentformat="power",
                     row=1, col=2)
    best_f = h_curve[np.argmin(curve["forward-difference"])]
    best_c = h_curve[np.argmin(curve["central"])]
    alt = (f"Interactive figure with a slider over the step h from {h_slider[0]:.2g} down to "
           f"{h_slider[-1]:.2g}. Left: the graph of {label} near x0 = {x0:g} with its dashed tangent, an "
           "orange forward secant through x0 and x0 + h and a green central chord through x0 - h and x0 + h; "
           "both approach the tangent as h shrinks. Right: the forward and central error curves against h on "
           "log-log axes, V-shaped, with a marker for each method at the current h that slides down the right "
           f"arm of its V, reaches the bottom (near h = {best_f:.0e} for forward and {best_c:.0e} for central) "
           "and climbs the left arm as round-off takes over.")
    finish(fig, alt=alt, title=title(0), height=600)
    return add_state_slider(fig, steps, prefix="h = ")


def _error_curves(h, errors: Mapping[str, np.ndarray]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    h = _vector(h, "h")
    if not errors:
        raise ValueError("errors must map at least one method name to its errors over h")
    curves = {m: _vector(e, f"errors[{m!r}]") for m, e in errors.items()}
    _same_length(h, "h", **{f"errors[{m!r}]": e for m, e in curves.items()})
    return h, curves


def v_curve_figure(h, errors: Mapping[str, np.ndarray], title: str = "") -> "Figure":
    r"""The V of the error: :math:`|D(h) - f'(x)|` of each method against the step :math:`h`, log-log.

    One series of dots per method (colours C1, C2, ...); steps where the error is exactly 0 are left out
    (a log axis has no 0).

    Parameters
    ----------
    h : array of shape (m,)
        The steps.
    errors : mapping method name -> array of shape (m,)
        The absolute errors, e.g. from :func:`calclib.finite_diff.error_curve`.
    title : str
        The title over the axes.

    Examples
    --------
    >>> fig = v_curve_figure([1e-2, 1e-1], {"central": [1e-9, 1e-5]}, "x**3 at 1")
    >>> fig.axes[0].get_xscale(), fig.axes[0].get_title()
    ('log', 'x**3 at 1')
    """
    from matplotlib.figure import Figure

    h, curves = _error_curves(h, errors)
    fig = Figure(figsize=(6, 3.4), dpi=80, layout="constrained")
    ax = fig.add_subplot()
    for k, (method, e) in enumerate(curves.items()):
        ax.loglog(h[e > 0], e[e > 0], ".", ms=4, color=f"C{k + 1}", label=method)
    ax.set(xlabel="step h", ylabel="absolute error", title=title)
    ax.grid(alpha=0.3)
    ax.legend()
    return fig


def v_curve_alt(h, errors: Mapping[str, np.ndarray], title: str = "") -> str:
    """The alt text of :func:`v_curve_figure`: what is drawn, and each method's best step and error.

    >>> v_curve_alt([1e-2, 1e-1], {"central": [1e-9, 1e-5]}, "x**3 at 1")
    'Error of central against the step h for x**3 at 1, log-log; smallest error: central 1e-09 at h = 1e-02.'
    """
    h, curves = _error_curves(h, errors)
    best = ", ".join(f"{m} {e[np.argmin(e)]:.0e} at h = {h[np.argmin(e)]:.0e}" for m, e in curves.items())
    return (f"Error of {' and '.join(curves)} against the step h for {title}, log-log; "
            f"smallest error: {best}.")
