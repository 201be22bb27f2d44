r"""Figures of momentum's eigen-analysis (gradient descent chapter) and of Newton–CG (Newton's method chapter).

:func:`stability_map` draws the rate :math:`\max_\lambda \rho(R(\lambda))` of gradient descent with momentum on
quadratics (:func:`calclib.optimize.momentum_rate`) over the plane of the scaled learning rate
:math:`\varepsilon\lambda_{\max}` and the momentum :math:`\alpha`, with a slider over condition numbers;
:func:`newton_cg_gradient_norms` draws :math:`\|\nabla f(x_k)\|` per step of several runs (Newton against
Newton–CG). The numbers are computed by :mod:`calclib.optimize`; these functions only draw them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np

from ..optimize import momentum_rate, optimal_momentum
from .layout import add_state_slider, finish

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = ["stability_grid", "stability_map", "newton_cg_gradient_norms"]

#: :func:`newton_cg_gradient_norms` draws a gradient norm of exactly 0 here (about float64's rounding level).
GRADIENT_FLOOR = 1e-16

#: The colours of the runs of :func:`newton_cg_gradient_norms`, in order.
RUN_COLORS = ("#d62728", "#1f77b4", "#2ca02c", "#ff7f0e")


def stability_grid(kappa: float, n_steps: int = 121, n_momenta: int = 80) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The rate of momentum on a grid of :math:`(\varepsilon\lambda_{\max}, \alpha)`, for condition number ``kappa``.

    The eigenvalues are scaled to :math:`\lambda_{\max} = 1`, :math:`\lambda_{\min} = 1/\kappa`, so the rate is
    ``momentum_rate(s, alpha, [1 / kappa, 1])`` at :math:`s = \varepsilon\lambda_{\max}`.

    Returns
    -------
    (s, alpha, rate)
        ``s`` in :math:`(0, 4]` (``n_steps`` values), ``alpha`` in :math:`[0, 0.99]` (``n_momenta`` values)
        and ``rate`` of shape ``(n_momenta, n_steps)``: row ``i`` is ``alpha[i]``.

    Examples
    --------
    >>> s, alpha, rate = stability_grid(10.0, n_steps=5, n_momenta=3)
    >>> s.round(6).tolist(), alpha.tolist(), rate.shape
    ([0.8, 1.6, 2.4, 3.2, 4.0], [0.0, 0.495, 0.99], (3, 5))
    """
    kappa = float(kappa)
    if not np.isfinite(kappa) or kappa < 1:
        raise ValueError(f"kappa must be a condition number λmax/λmin ≥ 1, got {kappa!r}")
    s = np.linspace(0, 4, n_steps + 1)[1:]
    alpha = np.linspace(0, 0.99, n_momenta)
    rate = momentum_rate(s[None, :], alpha[:, None], [1 / kappa, 1.0])
    return s, alpha, rate


def stability_map(kappas: Sequence[float], *, shown: int = 0, n_steps: int = 121, n_momenta: int = 80,
                  height: int = 600) -> "go.Figure":
    r"""A heatmap of momentum's rate over :math:`(\varepsilon\lambda_{\max}, \alpha)`, one state per :math:`\kappa`.

    For each condition number the figure holds a heatmap of the rate (:func:`stability_grid`; where it is
    :math:`\ge 1`, the run diverges, the cell is left empty), drawn as a contour trace coloured cell by
    cell (``coloring="heatmap"``: the site's plotly.js has no heatmap trace) with level lines every 0.1,
    a star at Polyak's optimum (:func:`calclib.optimize.optimal_momentum`) and a circle at plain gradient
    descent's best step :math:`\varepsilon\lambda_{\max} = 2\kappa/(\kappa + 1)`, :math:`\alpha = 0`. The
    stability boundary :math:`\varepsilon\lambda_{\max} = 2(1 + \alpha)` is the same for every :math:`\kappa`
    (a dashed line). A slider switches between the condition numbers.

    Parameters
    ----------
    kappas : sequence of float
        The condition numbers :math:`\lambda_{\max}/\lambda_{\min} \ge 1` of the slider.
    shown : int
        The index of the one shown first.
    n_steps, n_momenta : int
        The grid (see :func:`stability_grid`).

    Returns
    -------
    plotly.graph_objects.Figure
        Trace 0 is the boundary; then, for each :math:`\kappa` in order, its heatmap (a contour trace),
        optimum and plain-GD marker (traces ``1 + 3i``, ``2 + 3i``, ``3 + 3i``). The slider restyles ``visible``.
    """
    import plotly.graph_objects as go

    kappas = [float(k) for k in kappas]
    if not kappas:
        raise ValueError("stability_map needs at least one condition number")
    if not 0 <= shown < len(kappas):
        raise ValueError(f"shown = {shown} is not an index of kappas (0 to {len(kappas) - 1})")
    fig = go.Figure()
    a_line = np.linspace(0, 1, 51)
    fig.add_trace(go.Scatter(x=2 * (1 + a_line), y=a_line, mode="lines",
                             name="stability boundary ε·λmax = 2(1 + α)",
                             line={"color": "black", "dash": "dash", "width": 2}, hoverinfo="skip"))
    for i, kappa in enumerate(kappas):
        s, alpha, rate = stability_grid(kappa, n_steps, n_momenta)
        z = np.where(rate < 1, rate, np.nan).astype(np.float32)
        eps, mom, best = optimal_momentum(1 / kappa, 1.0)
        gd_rate = (kappa - 1) / (kappa + 1)
        seen = i == shown
        fig.add_trace(go.Contour(x=s.astype(np.float32), y=alpha.astype(np.float32), z=z, zmin=0, zmax=1,
                                 colorscale="Viridis", visible=seen, showscale=True, connectgaps=False,
                                 contours={"coloring": "heatmap", "start": 0.1, "end": 0.9, "size": 0.1},
                                 line={"width": 0.6, "color": "rgba(255, 255, 255, 0.6)"},
                                 colorbar={"title": {"text": "rate ρ"}, "len": 0.8}, name=f"rate, κ = {kappa:g}",
                                 hovertemplate=("ε·λmax = %{x:.3f}<br>α = %{y:.3f}<br>rate = %{z:.4f}"
                                                "<extra></extra>")))
        fig.add_trace(go.Scatter(x=[eps], y=[mom], mode="markers", visible=seen,
                                 name=f"optimum: rate (√κ − 1)/(√κ + 1) = {best:.3f}",
                                 marker={"symbol": "star", "size": 16, "color": "white",
                                         "line": {"color": "black", "width": 1.5}}))
        fig.add_trace(go.Scatter(x=[2 * kappa / (kappa + 1)], y=[0.0], mode="markers", visible=seen,
                                 name=f"best plain GD: rate (κ − 1)/(κ + 1) = {gd_rate:.3f}",
                                 marker={"symbol": "circle", "size": 11, "color": "crimson",
                                         "line": {"color": "white", "width": 1.5}}))
    n = len(kappas)
    steps = [{"label": f"{kappa:g}", "method": "restyle",
              "args": [{"visible": [True] + [j == i for j in range(n) for _ in range(3)]}]}
             for i, kappa in enumerate(kappas)]
    k0 = kappas[shown]
    eps0, mom0, best0 = optimal_momentum(1 / k0, 1.0)
    alt = (f"Interactive heatmap with a slider over the condition number κ ({', '.join(f'{k:g}' for k in kappas)}). "
           f"The horizontal axis is the learning rate times the largest eigenvalue, from 0 to 4, the vertical axis "
           f"the momentum α from 0 to 0.99; the colour is the convergence rate of gradient descent with momentum on a "
           f"quadratic with condition number κ, dark for fast and yellow for rates near 1. The region to the right of "
           f"the dashed line ε·λmax = 2(1 + α) diverges and is left blank. A white star marks the optimum and a "
           f"red "
           f"circle on the bottom edge plain gradient descent's best step. At first κ = {k0:g}: the optimum is at "
           f"ε·λmax = {eps0:.2f}, α = {mom0:.2f} with rate {best0:.3f}, against {(k0 - 1) / (k0 + 1):.3f} without "
           f"momentum.")
    finish(fig, alt=alt, title="Rate of momentum on a quadratic, max over λ of ρ(R(λ))", height=height,
           xaxis={"title": {"text": "ε · λmax"}, "range": [0, 4]},
           yaxis={"title": {"text": "momentum α"}, "range": [0, 1]})
    add_state_slider(fig, steps, prefix="condition number κ = ", active=shown)
    return fig


def newton_cg_gradient_norms(runs: Mapping[str, Any], *, title: str, alt: str, height: int = 420) -> "go.Figure":
    r""":math:`\|\nabla f(x_k)\|` against the step :math:`k`, log scale, one line per run (e.g. Newton and Newton–CG).

    Parameters
    ----------
    runs : mapping label -> OptimizeResult
        Results with ``grad_norms`` (one per iterate).
    title, alt : str
        The figure's title and its alt text (see :func:`calclib.plotting.layout.finish`).

    Returns
    -------
    plotly.graph_objects.Figure
        One line trace per run, in order: ``x`` the steps ``0 .. nit``, ``y`` the gradient norms (a norm of
        exactly 0, which a log axis cannot show, is drawn at :data:`GRADIENT_FLOOR`).
    """
    import plotly.graph_objects as go

    if not runs:
        raise ValueError("newton_cg_gradient_norms needs at least one run")
    fig = go.Figure()
    for (label, res), color in zip(runs.items(), RUN_COLORS * len(runs)):
        norms = np.asarray(res.grad_norms, dtype=float)
        fig.add_trace(go.Scatter(x=np.arange(len(norms)), y=np.maximum(norms, GRADIENT_FLOOR), mode="lines+markers",
                                 name=label, line={"color": color, "width": 2}, marker={"size": 5},
                                 hovertemplate="step %{x}: ‖∇f‖ = %{y:.2e}<extra></extra>"))
    return finish(fig, alt=alt, title=title, height=height,
                  xaxis={"title": {"text": "step k"}},
                  yaxis={"title": {"text": "‖∇f(x_k)‖"}, "type": "log", "exponentformat": "power"})
