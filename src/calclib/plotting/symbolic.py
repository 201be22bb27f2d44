r"""Figures of the chapter on symbolic differentiation: expression swell.

=====================  ==========  ===============================================================
helper                 library     shows
=====================  ==========  ===============================================================
swell_figure           plotly      tree sizes of f_n, f_n' and shared f_n' against n, one legend group
                                   per family, buttons for a logarithmic or linear y axis
=====================  ==========  ===============================================================

Every helper *returns* a figure and never shows it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping, Sequence

from .layout import finish

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = ["swell_figure", "SWELL_COLUMNS"]

#: The columns of a :func:`calclib.symbolic.swell_table` that are drawn, with their line dash.
SWELL_COLUMNS = {"function": "dot", "derivative": "solid", "shared": "dash"}

_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"]


def swell_figure(tables: Mapping[str, Mapping[str, Sequence[int]]],
                 families: Sequence[str] | None = None) -> "go.Figure":
    r"""Expression swell: the tree sizes of :math:`f_n`, :math:`f_n'` and shared :math:`f_n'` against n.

    One colour and one legend group per family, with three curves each (in this order): the function
    (dotted), its derivative as the rules produce it (solid) and the derivative with common
    sub-expressions shared (dashed); trace ``3 * i + j`` is family ``i``, column ``j``. Clicking a family's
    title in the legend hides or shows its three curves. Two buttons under the plot switch the y axis
    between a logarithmic scale (the default) and a linear one.

    Parameters
    ----------
    tables : mapping family -> table
        Tables of :func:`calclib.symbolic.swell_table`: each has the columns ``"n"``, ``"function"``,
        ``"derivative"`` and ``"shared"``, all of one length.
    families : sequence of str, optional
        The families to draw, in this order (default: all of ``tables``).

    Examples
    --------
    >>> table = {"n": [1, 2], "function": [2, 4], "derivative": [1, 9], "shared": [1, 5]}
    >>> fig = swell_figure({"toy": table})
    >>> [trace.name for trace in fig.data], list(fig.data[1].y)
    (['function', 'derivative', 'shared'], [1, 9])
    """
    import plotly.graph_objects as go

    families = list(tables) if families is None else list(families)
    if not families:
        raise ValueError("swell_figure needs at least one family (a dict family -> swell_table(...))")
    for fam in families:
        if fam not in tables:
            raise ValueError(f"no table for the family {fam!r}: tables has {sorted(tables)}")
        missing = {"n", *SWELL_COLUMNS} - set(tables[fam])
        if missing:
            raise ValueError(f"the table of {fam!r} lacks the columns {sorted(missing)} "
                             "(pass calclib.symbolic.swell_table(...))")
        lengths = {len(tables[fam][c]) for c in ("n", *SWELL_COLUMNS)}
        if len(lengths) != 1:
            raise ValueError(f"the columns of the table of {fam!r} must all have one length, "
                             f"got lengths {sorted(lengths)}")
    fig = go.Figure()
    for i, fam in enumerate(families):
        color = _COLORS[i % len(_COLORS)]
        for column, dash in SWELL_COLUMNS.items():
            fig.add_trace(go.Scatter(
                x=list(tables[fam]["n"]), y=list(tables[fam][column]), mode="lines+markers", name=column,
                legendgroup=fam, legendgrouptitle_text=fam, line=dict(color=color, dash=dash),
                hovertemplate=f"{fam}, {column}<br>n = %{{x}}: %{{y}} nodes<extra></extra>"))
    buttons = [dict(label=label, method="relayout", args=[{"yaxis.type": kind}])
               for label, kind in [("log scale", "log"), ("linear scale", "linear")]]
    n_max = max(max(tables[fam]["n"]) for fam in families)
    alt = (f"Interactive line chart of expression sizes against n from 1 to {n_max} for {len(families)} "
           "families, each in its own colour with three curves: the function (dotted), its derivative (solid) "
           "and the derivative with shared sub-expressions (dashed). On the default logarithmic scale, at the "
           "largest n, the derivative has "
           + ", ".join(f"{tables[fam]['derivative'][-1]} nodes for the {fam} family" for fam in families)
           + "; shared, " + ", ".join(f"{tables[fam]['shared'][-1]}" for fam in families)
           + ". Clicking a family in the legend hides or shows its curves; buttons under the plot switch the "
           "vertical axis between logarithmic and linear.")
    finish(fig, alt=alt, title="Expression swell: tree sizes of f_n, f_n' and shared f_n'", height=520,
           xaxis=dict(title="n", dtick=1), yaxis=dict(title="tree nodes", type="log"),
           updatemenus=[dict(type="buttons", direction="right", buttons=buttons, showactive=True, x=0,
                             xanchor="left", y=0, yanchor="top", pad=dict(t=45))])
    fig.update_layout(legend_groupclick="togglegroup", margin=dict(b=max(fig.layout.margin.b or 0, 110)))
    return fig
