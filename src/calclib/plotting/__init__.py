r"""The figures of the book, as figure objects: the cells of a chapter say what is drawn, these draw it.

Every helper *returns* a figure and never shows it: a notebook displays it by leaving it as the last
expression of a cell, and a test can inspect its data. Matplotlib figures are created with
:class:`matplotlib.figure.Figure` (not ``pyplot``), so a notebook shows each exactly once.
Plotly figures carry their alt text in ``layout.meta["alt"]`` and are interactive on a static website:
their sliders switch between states computed ahead of time, so no kernel is needed.

==========================================  ============================================================================
module                                      draws
==========================================  ============================================================================
:mod:`~calclib.plotting.curves`             functions of one variable: the catalogue, secants, tangents, inverses
:mod:`~calclib.plotting.layout`             the house style: titles, legends, sliders, Play buttons, widget images
:mod:`~calclib.plotting.contours`           landscapes of two variables: level curves, minima, optimization paths
:mod:`~calclib.plotting.differences`        the finite differences chapter: stencils, the V-shaped error curve
:mod:`~calclib.plotting.symbolic`           the symbolic differentiation chapter: expression swell
:mod:`~calclib.plotting.autodiff`           the AD chapters: chain links, directional slopes, mode costs, traces, graphs
:mod:`~calclib.plotting.descent`            the gradient descent chapter: learning rate × momentum, a widget's run
:mod:`~calclib.plotting.newton`             Newton's method chapter: Taylor models step by step, model ellipses, races
:mod:`~calclib.plotting.several_variables`  the several variables chapter: tangent planes, Taylor, critical points
:mod:`~calclib.plotting.neuron`             the neuron chapter: training animated in 3-D, loss and decision boundary
:mod:`~calclib.plotting.efficiency`         the efficiency chapter: the cost of each way to differentiate
==========================================  ============================================================================

The shared helpers of the first three modules are importable from ``calclib.plotting`` itself; a
chapter imports its own module by name, e.g. ``from calclib.plotting import descent``.
"""

from .curves import WINDOWS, function_grid, inverse_pair, one_sided_slopes, secant_grid, secant_to_tangent
from .contours import (draw_contours, draw_path, landscape_grid, minima_trace, paths_animation,
                       plotly_contour, subsample)
from .layout import add_play_and_slider, add_state_slider, figure_html, finish, wrap_title

__all__ = ["function_grid", "secant_grid", "secant_to_tangent", "one_sided_slopes", "inverse_pair", "WINDOWS",
           "figure_html", "finish", "wrap_title", "add_state_slider", "add_play_and_slider",
           "landscape_grid", "draw_contours", "draw_path", "plotly_contour", "minima_trace", "subsample",
           "paths_animation"]
