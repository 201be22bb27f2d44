r"""Figures of the efficiency chapter: what derivatives cost, as measured times and exact pass counts.

The measurements themselves are made in the chapter (with :mod:`calclib.measure` and
:func:`calclib.api.count_passes`); these helpers only draw them. Times are given as dictionaries keyed by
what was measured, exactly as the chapter collects them:

==========================  ==========  ==================================================================
helper                      library     shows
==========================  ==========  ==================================================================
race_bars                   matplotlib  time ÷ time of f and relative error of each method, per function
jacobian_times_slider       plotly      time of forward- and reverse-mode Jacobians against n, a slider over m
gradient_cost_curves        plotly      time of a gradient ÷ time of f against n, for each function and method
passes_and_times_html       HTML        a table of pass counts and times, for the live widget
==========================  ==========  ==================================================================
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Mapping, Sequence

import numpy as np

from .layout import add_state_slider, finish, wrap_title

if TYPE_CHECKING:
    import plotly.graph_objects as go
    from matplotlib.figure import Figure

__all__ = ["race_bars", "jacobian_times_slider", "gradient_cost_curves", "passes_and_times_html"]

METHOD_COLORS = ("#2ca02c", "#ff7f0e", "#1f77b4", "#d62728", "#9467bd", "#8c564b")
MODE_COLORS = {"forward": "#1f77b4", "reverse": "#d62728"}
FUNCTION_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
METHOD_DASHES = {"reverse mode": "solid", "forward mode": "dot", "central differences": "dash"}
ERROR_FLOOR = 1e-17     # an error of exactly 0 is drawn as a bar to this height, labelled "0"


def _require_keys(data: Mapping, keys: Sequence[tuple], what: str, example: str) -> None:
    """A ValueError naming the first missing keys of ``data`` (a dictionary of measurements)."""
    missing = [key for key in keys if key not in data]
    if missing:
        raise ValueError(f"{what} has no entry for {', '.join(map(repr, missing[:3]))}"
                         f"{' …' if len(missing) > 3 else ''}: pass a dictionary {example}")


def _require_sizes(values: Sequence[int], name: str) -> list[int]:
    sizes = [int(v) for v in values]
    if not sizes or any(v < 1 for v in sizes) or sorted(set(sizes)) != sizes:
        raise ValueError(f"{name} must be increasing whole numbers ≥ 1, e.g. [1, 2, 4, 8]; got {list(values)}")
    return sizes


def race_bars(ratios: Mapping[tuple[str, str], float], errors: Mapping[tuple[str, str], float],
              functions: Sequence[str], methods: Sequence[str]) -> "Figure":
    """Two bar charts side by side: the speed and the accuracy of each method, for each function.

    Left: time of the method ÷ time of one evaluation of :math:`f` (a dotted line at 1 is :math:`f`
    itself). Right: the largest error over the points ÷ the largest :math:`|f'|`. One group of bars per
    function, one colour per method; both axes logarithmic. An error of exactly 0 (which a log axis cannot
    show) is drawn as a bar at ``1e-17`` labelled "0".

    Parameters
    ----------
    ratios, errors : dict ``(function name, method) -> float``
        Measured time ratios (positive) and relative errors (≥ 0), for every function and method.
    functions, methods : sequences of str
        The names, in the order of the groups and of the bars within a group.

    Returns
    -------
    matplotlib.figure.Figure
        Axes 0 (speed) and 1 (accuracy); bar container ``k`` of each axes is method ``k``.

    Examples
    --------
    >>> fig = race_bars({("x²", "AD"): 2.0}, {("x²", "AD"): 0.0}, ["x²"], ["AD"])
    >>> [float(b.get_height()) for b in fig.axes[0].containers[0]]
    [2.0]
    """
    from matplotlib.figure import Figure

    functions, methods = list(functions), list(methods)
    if not functions or not methods:
        raise ValueError("race_bars needs at least one function name and one method name")
    keys = [(name, method) for name in functions for method in methods]
    _require_keys(ratios, keys, "ratios", "{(function name, method): time ÷ time of f}")
    _require_keys(errors, keys, "errors", "{(function name, method): max |error| ÷ max |f'|}")
    if any(not ratios[k] > 0 for k in keys) or any(not errors[k] >= 0 for k in keys):
        raise ValueError("race_bars needs time ratios > 0 and errors ≥ 0 (a log axis cannot show others)")

    fig = Figure(figsize=(10, 4))
    axes = fig.subplots(1, 2)
    positions = np.arange(len(functions))
    width = 0.8 / len(methods)
    for k, method in enumerate(methods):
        offset = (k - (len(methods) - 1) / 2) * width
        color = METHOD_COLORS[k % len(METHOD_COLORS)]
        axes[0].bar(positions + offset, [ratios[name, method] for name in functions], width, color=color,
                    label=method)
        axes[1].bar(positions + offset, [max(errors[name, method], ERROR_FLOOR) for name in functions], width,
                    color=color)
        for i, name in enumerate(functions):      # label the errors that are exactly 0
            if errors[name, method] == 0:
                axes[1].text(i + offset, 1.3 * ERROR_FLOOR, "0", ha="center", va="bottom", fontsize=8)
    axes[0].axhline(1, color="gray", linestyle=":", linewidth=1)
    axes[0].set_ylabel("time ÷ time of f")
    axes[1].set_ylabel("max |error| ÷ max |f'|")
    axes[1].set_ylim(ERROR_FLOOR, max(1e-8, 3 * max(errors[k] for k in keys)))
    for ax, title in zip(axes, ("speed", "accuracy")):
        ax.set_yscale("log")
        ax.set_xticks(positions, functions, fontsize=10)
        ax.spines[["top", "right"]].set_visible(False)
        ax.set_title(title, fontsize=11)
    fig.legend(loc="lower center", ncol=len(methods), fontsize=9.5, frameon=False, bbox_to_anchor=(0.5, -0.06))
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def _jacobian_title(m: int) -> str:
    return wrap_title(f"Jacobian of f : ℝⁿ → ℝᵐ, m = {m}: forward n passes, reverse 1 + {m}")


def jacobian_times_slider(ns: Sequence[int], ms: Sequence[int], times: Mapping[tuple[str, int, int], float],
                          passes: Mapping[tuple[str, int, int], int], *, repeats: int = 5) -> "go.Figure":
    """The measured time of the forward- and reverse-mode Jacobian against the number of inputs n, log-log,
    with a slider over the number of outputs m.

    For each m the figure holds two curves (forward mode blue, reverse mode red) through the points
    ``(n, time in ms)``; hovering shows the number of passes. The slider shows the two curves of one m
    (and retitles the figure); the y axis is the same for every m, so the curves can be compared.

    Parameters
    ----------
    ns, ms : increasing sequences of int
        The numbers of inputs (x axis) and of outputs (slider).
    times : dict ``(mode, n, m) -> float``
        CPU seconds of one Jacobian, for mode ``"forward"`` and ``"reverse"`` and every n and m.
    passes : dict ``(mode, n, m) -> int``
        Forward plus backward passes of the same Jacobian (from :func:`calclib.api.count_passes`).
    repeats : int
        The number of samples each time is the median of (for the axis title).

    Returns
    -------
    plotly.graph_objects.Figure
        Traces ``2k`` (forward) and ``2k + 1`` (reverse) are ``m = ms[k]``, y in milliseconds; slider step
        ``k`` makes those two visible.
    """
    import plotly.graph_objects as go

    ns, ms = _require_sizes(ns, "ns"), _require_sizes(ms, "ms")
    modes = ("forward", "reverse")
    keys = [(mode, n, m) for m in ms for n in ns for mode in modes]
    _require_keys(times, keys, "times", "{(mode, n, m): seconds} for mode 'forward' and 'reverse', every n and m")
    _require_keys(passes, keys, "passes", "{(mode, n, m): forward + backward passes}")
    if any(not times[k] > 0 for k in keys):
        raise ValueError("times must be positive seconds (the y axis is logarithmic)")

    fig = go.Figure()
    for k, m in enumerate(ms):
        for mode in modes:
            fig.add_trace(go.Scatter(
                x=ns, y=[times[mode, n, m] * 1e3 for n in ns], mode="lines+markers", name=f"{mode} mode",
                visible=(k == 0), line=dict(color=MODE_COLORS[mode], width=3),
                customdata=[passes[mode, n, m] for n in ns],
                hovertemplate=f"{mode} mode<br>n = %{{x}}, m = {m}<br>%{{customdata}} passes<br>"
                              "%{y:.3g} ms<extra></extra>"))
    steps = [dict(method="update", label=str(m),
                  args=[{"visible": [j // 2 == k for j in range(2 * len(ms))]}, {"title.text": _jacobian_title(m)}])
             for k, m in enumerate(ms)]
    all_ms = [times[key] * 1e3 for key in keys]
    forward_wins = sum(times["forward", n, m] < times["reverse", n, m] for n in ns for m in ms)
    alt = (f"Log-log plot of the measured time of the Jacobian of f : ℝⁿ → ℝᵐ against the number of inputs n "
           f"from {ns[0]} to {ns[-1]}, for forward mode (blue) and reverse mode (red). A slider chooses the "
           f"number of outputs m from {ms[0]} to {ms[-1]}; hovering a point shows its number of passes, n "
           f"in forward mode and 1 + m in reverse mode. Forward-mode time grows with n, reverse-mode time "
           f"with m. Forward mode was faster for {forward_wins} of the {len(ns) * len(ms)} pairs (n, m).")
    finish(fig, alt=alt, title=f"Jacobian of f : ℝⁿ → ℝᵐ, m = {ms[0]}: forward n passes, reverse 1 + {ms[0]}",
           height=480)
    fig.update_xaxes(type="log", title_text="n (number of inputs)", tickvals=ns)
    fig.update_yaxes(type="log", title_text=f"CPU time (ms, median of {repeats})",
                     range=[np.log10(min(all_ms)) - 0.1, np.log10(max(all_ms)) + 0.1])
    return add_state_slider(fig, steps, prefix="m (outputs) = ")


def gradient_cost_curves(ratios: Mapping[tuple[str, str], Sequence[float]], n_reverse: Sequence[int],
                         n_small: Sequence[int]) -> "go.Figure":
    r"""Time of a gradient ÷ time of :math:`f` against the number of inputs n, log-log: one colour per
    function, one line style per method (reverse mode solid, forward mode dotted, central differences
    dashed), and a grey line :math:`2n` for comparison.

    Curves that grow like n (central differences, forward mode) run parallel to the grey line; the
    reverse-mode curves stay within a bounded multiple of :math:`f`. Clicking a legend entry hides or
    shows one curve.

    Parameters
    ----------
    ratios : dict ``(function name, method) -> list of float``
        For each function, the ratios of ``"reverse mode"`` at the sizes ``n_reverse``, and (if measured)
        of ``"forward mode"`` and ``"central differences"`` at the sizes ``n_small``. The function names
        are taken from the keys, in their order.
    n_reverse, n_small : increasing sequences of int
        The numbers of inputs of the reverse-mode curves and of the others.

    Returns
    -------
    plotly.graph_objects.Figure
        The curves in the order reverse, forward, central (each for every function), then the :math:`2n`
        line; each curve's ``y`` is the list of ratios given.
    """
    import plotly.graph_objects as go

    n_reverse, n_small = _require_sizes(n_reverse, "n_reverse"), _require_sizes(n_small, "n_small")
    names = list(dict.fromkeys(name for name, _ in ratios))
    if not names or any(method not in METHOD_DASHES for _, method in ratios):
        raise ValueError(f"ratios needs keys (function name, method) with method one of {list(METHOD_DASHES)}")
    _require_keys(ratios, [(name, "reverse mode") for name in names], "ratios",
                  "{(function name, 'reverse mode'): [ratio at each n of n_reverse]}")
    sizes = {"reverse mode": n_reverse, "forward mode": n_small, "central differences": n_small}
    for (name, method), values in ratios.items():
        if len(values) != len(sizes[method]) or not all(v > 0 for v in values):
            raise ValueError(f"ratios[{name!r}, {method!r}] must hold one positive ratio for each of the "
                             f"{len(sizes[method])} sizes {sizes[method]}; it has {len(values)}")

    fig = go.Figure()
    for method in METHOD_DASHES:
        for i, name in enumerate(names):
            if (name, method) in ratios:
                fig.add_trace(go.Scatter(
                    x=sizes[method], y=list(ratios[name, method]), mode="lines+markers",
                    name=f"{name}, {method}", legendgroup=method,
                    hovertemplate=f"{name}, {method}<br>n = %{{x:,}}<br>%{{y:.3g}} × f<extra></extra>",
                    line=dict(color=FUNCTION_COLORS[i % len(FUNCTION_COLORS)], dash=METHOD_DASHES[method],
                              width=2.5)))
    fig.add_trace(go.Scatter(x=n_small, y=[2 * n for n in n_small], mode="lines", name="2n (for comparison)",
                             line=dict(color="gray", dash="longdashdot", width=1.5), hoverinfo="skip"))

    reverse = np.array([ratios[name, "reverse mode"] for name in names], dtype=float)
    growing = [values[-1] / values[0] for (_, method), values in ratios.items() if method != "reverse mode"]
    alt = (f"Log-log plot of the time of a gradient divided by the time of the function, against the number of "
           f"inputs n, for {len(names)} functions: {', '.join(names)}. Reverse-mode curves (solid), measured from "
           f"n = {n_reverse[0]:,} to {n_reverse[-1]:,}, stay between {reverse.min():.2g} and {reverse.max():.2g} "
           f"times f; at n = {n_reverse[-1]:,} they are at {', '.join(f'{v:.2g}' for v in reverse[:, -1])}.")
    if growing:
        alt += (f" Forward-mode (dotted) and central-difference (dashed) curves, measured from n = {n_small[0]:,} "
                f"to {n_small[-1]:,}, grow by a factor of {min(growing):.2g} to {max(growing):.2g} while n grows by "
                f"{n_small[-1] / n_small[0]:.2g}, parallel to a gray reference line 2n.")
    alt += " Clicking a legend entry hides or shows a curve."
    finish(fig, alt=alt, title="Time of ∇f ÷ time of f", height=640)
    # ten legend entries: under the plot, where wrapping onto more rows on a phone covers nothing
    fig.update_layout(legend=dict(orientation="h", x=0, xanchor="left", y=-0.2, yanchor="top",
                                  font=dict(size=11), groupclick="toggleitem"), margin=dict(t=50))
    fig.update_xaxes(type="log", title_text="n (number of inputs)", exponentformat="power")
    fig.update_yaxes(type="log", title_text="time of the gradient ÷ time of f", exponentformat="power")
    return fig


def passes_and_times_html(n: int, m: int, rows: Sequence[tuple[str, int, int, float]], *,
                          repeats: int = 3) -> str:
    """An HTML table of the passes and times of a Jacobian of f : ℝⁿ → ℝᵐ in each mode, and the faster one.

    For a widget (``widgets.HTML``) that recomputes it when n or m changes.

    Parameters
    ----------
    n, m : int
        Inputs and outputs of f.
    rows : sequence of ``(mode, forward passes, backward passes, seconds)``
        One row per mode, e.g. ``("forward", 64, 0, 0.0012)``; with two rows, the text also gives the ratio
        of the first time to the second.
    repeats : int
        The number of samples each time is the median of (for the column head).

    Examples
    --------
    >>> text = passes_and_times_html(4, 1, [("forward", 4, 0, 2e-3), ("reverse", 1, 1, 1e-3)])
    >>> "Faster here: <b>reverse mode</b>" in text and "2 × as long in forward mode" in text
    True
    """
    rows = [tuple(row) for row in rows]
    if not rows or any(len(row) != 4 for row in rows):
        raise ValueError("rows must be (mode, forward passes, backward passes, seconds), one row per mode")
    if any(not row[3] > 0 for row in rows):
        raise ValueError("the times (last entry of each row) must be positive seconds")
    faster = min(rows, key=lambda r: r[3])[0]
    td = '<td style="padding: 0.2em 1em;">'
    cells = "".join(f"<tr>{td}{html.escape(str(mode))} mode</td>{td}{fp}</td>{td}{bp}</td>{td}{t * 1e3:.3g} ms"
                    "</td></tr>" for mode, fp, bp, t in rows)
    ratio = (f" ({rows[0][3] / rows[1][3]:.2g} × as long in {rows[0][0]} mode as in {rows[1][0]} mode)"
             if len(rows) == 2 else "")
    return (f"<p>f : ℝ<sup>{n}</sup> → ℝ<sup>{m}</sup></p>"
            '<table style="margin: 0.5em 0;"><tr><th>mode</th><th>forward passes</th><th>backward passes</th>'
            f"<th>CPU time (median of {repeats})</th></tr>{cells}</table><p>Faster here: <b>{faster} mode</b>"
            f"{ratio}.</p>")
