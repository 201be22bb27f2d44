r"""The house style of the book's interactive figures, in one place: titles, legends, sliders, Play buttons.

A figure on the website is read at 1280 px on a desk and at 390 px on a phone, with no kernel behind it.
Every plotly figure of :mod:`calclib.plotting` is finished by these helpers, so that its layout is decided
once, here:

* :func:`finish`: the template, a title wrapped into short lines, a horizontal legend above the plot, the
  alt text in ``layout.meta["alt"]`` (the website turns it into the figure's accessible name);
* :func:`add_state_slider`: a slider over states computed ahead of time (each step restyles traces);
* :func:`add_play_and_slider`: an animation's Play and Pause buttons on their own row, the slider under
  them, so that no control covers another at any width;
* :func:`figure_html`: a matplotlib figure as an ``<img>`` with alt text, for a widget that redraws it.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:
    import plotly.graph_objects as go
    from matplotlib.figure import Figure

__all__ = ["wrap_title", "finish", "add_state_slider", "add_play_and_slider", "figure_html"]

#: Characters per title line: about what fits in a 390 px phone column at the title's 14 px font.
TITLE_WIDTH = 44


def wrap_title(text: str, width: int = TITLE_WIDTH) -> str:
    """``text`` broken into lines of at most ``width`` characters, joined with plotly's ``<br>``.

    >>> wrap_title("after 12 steps: loss 0.0134, slope 2.5", width=20)
    'after 12 steps: loss<br>0.0134, slope 2.5'
    """
    return "<br>".join(textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)) or text


def finish(fig: "go.Figure", *, alt: str, title: str | None = None, height: int = 480,
           legend: bool = True, **layout: Any) -> "go.Figure":
    """Give a plotly figure the book's layout and its alt text; returns ``fig``.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
    alt : str
        What the figure shows and what its controls do, in a few sentences (required: a figure without
        alt text is a blank for a screen-reader user).
    title : str, optional
        Wrapped by :func:`wrap_title`.
    height : int
        Height in pixels; the width follows the page.
    legend : bool
        Show the legend (horizontal, above the plot area, under the title).
    **layout
        Anything else for ``fig.update_layout`` (axes, scenes), applied last.
    """
    if not isinstance(alt, str) or not alt.strip():
        raise ValueError("finish needs alt text: a sentence saying what the figure shows")
    lines = 0
    if title is not None:
        wrapped = wrap_title(title)
        lines = wrapped.count("<br>") + 1
        fig.update_layout(title=dict(text=wrapped, font=dict(size=14), x=0, xanchor="left", xref="paper",
                                     y=1, yanchor="top", yref="container", pad=dict(t=8)))
    fig.update_layout(template="plotly_white", height=height, autosize=True, showlegend=legend,
                      margin=dict(l=50, r=20, t=30 + 20 * lines + (50 if legend else 0), b=40),
                      legend=dict(orientation="h", x=0, xanchor="left", y=1.02, yanchor="bottom"),
                      meta={**(fig.layout.meta or {}), "alt": alt.strip()})
    if layout:
        fig.update_layout(**layout)
    return fig


def add_state_slider(fig: "go.Figure", steps: Sequence[dict], *, prefix: str, active: int = 0,
                     y: float = 0.0) -> "go.Figure":
    """Add a slider whose steps switch between precomputed states; returns ``fig``.

    Each step is a plotly slider step, e.g. ``dict(label="0.1", method="update", args=[trace_changes,
    layout_changes, trace_indices])``. The slider sits under the plot (``y`` in paper units, 0 = the
    bottom of the plot area) with its current value written in front: ``prefix`` + label.
    """
    sliders = list(fig.layout.sliders or []) + [dict(active=active, steps=list(steps), x=0, len=1, y=y,
                                                     yanchor="top", pad=dict(t=50, b=10),
                                                     currentvalue=dict(prefix=prefix, font=dict(size=13)))]
    fig.update_layout(sliders=sliders)
    fig.update_layout(margin=dict(b=max(fig.layout.margin.b or 0, 120)))
    return fig


def add_play_and_slider(fig: "go.Figure", labels: Sequence[str], *, prefix: str, duration: int = 700,
                        redraw: bool = False) -> "go.Figure":
    """Add Play and Pause buttons and a slider over the animation frames named ``labels``; returns ``fig``.

    The buttons get a row of their own under the plot and the slider goes under them, full width: at
    390 px as at 1280 px neither covers the other or the slider's label. ``duration`` is the time per frame
    in ms; ``redraw=True`` is needed for 3-D scenes and contours.
    """
    play = dict(frame=dict(duration=duration, redraw=redraw), fromcurrent=True, transition=dict(duration=0))
    pause = dict(frame=dict(duration=0, redraw=redraw), mode="immediate", transition=dict(duration=0))
    fig.update_layout(updatemenus=[dict(type="buttons", direction="right", showactive=False, x=0, xanchor="left",
                                        y=0, yanchor="top", pad=dict(t=45, r=10),
                                        buttons=[dict(label="▶ Play", method="animate", args=[None, play]),
                                                 dict(label="❚❚ Pause", method="animate", args=[[None], pause])])])
    steps = [dict(method="animate", label=str(k), args=[[str(k)], {**pause, "frame": dict(duration=0,
                                                                                            redraw=redraw)}])
             for k in labels]
    fig.update_layout(sliders=[dict(active=0, steps=steps, x=0, len=1, y=0, yanchor="top", pad=dict(t=95, b=10),
                                    currentvalue=dict(prefix=prefix, font=dict(size=13)))])
    fig.update_layout(margin=dict(b=max(fig.layout.margin.b or 0, 170)))
    return fig


def figure_html(fig: "Figure", alt: str, dpi: int = 80) -> str:
    """A matplotlib figure as an HTML ``<img>`` (a PNG inside the page) with alt text, for widgets.

    A widget that redraws a figure on every change shows it best as ``widgets.HTML(figure_html(fig, alt))``:
    the website keeps the widget's last state, the image scales to a phone's width, and the alt text says
    what it shows (``plt.show()`` inside an ``Output`` widget gives an image without one). A figure made
    with ``pyplot`` is closed, so it is not shown a second time.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    alt : str
        What the figure shows, in a sentence (read by screen readers, shown when images are off).
    dpi : int
        Resolution of the PNG.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = Figure(figsize=(2, 1))
    >>> _ = fig.add_subplot().plot([0, 1], [0, 1])
    >>> figure_html(fig, "A rising line").startswith('<img alt="A rising line" src="data:image/png;base64,')
    True
    """
    import base64
    import html
    import io
    import sys

    if not isinstance(alt, str) or not alt.strip():
        raise ValueError("figure_html needs alt text: a sentence saying what the figure shows")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    if "matplotlib.pyplot" in sys.modules:   # made with pyplot: close it (a no-op for other figures)
        sys.modules["matplotlib.pyplot"].close(fig)
    data = base64.b64encode(buffer.getvalue()).decode()
    return (f'<img alt="{html.escape(alt.strip(), quote=True)}" src="data:image/png;base64,{data}" '
            f'style="max-width: 100%; height: auto">')

