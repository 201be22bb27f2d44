r"""Finite differences: derivatives from function values alone.

A derivative is a limit of difference quotients. A computer cannot take the limit, so it stops at a
small step :math:`h` and pays twice: a *truncation* error from stopping early, which Taylor's theorem
measures, and a *round-off* error from subtracting two nearly equal floating-point numbers, which grows
as :math:`h` shrinks.

================================  ==========================================  ===========  ============
name                              formula                                     truncation   best step
================================  ==========================================  ===========  ============
forward difference                :math:`(f(x+h) - f(x))/h`                   O(h)         ≈ √ε
backward difference               :math:`(f(x) - f(x-h))/h`                   O(h)         ≈ √ε
central difference                :math:`(f(x+h) - f(x-h))/(2h)`              O(h²)        ≈ ∛ε
================================  ==========================================  ===========  ============

Every function here works elementwise on an array of points, so one call gives a whole curve.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ._validation import as_float_array, require_callable, require_positive

EPS = float(np.finfo(np.float64).eps)  #: machine epsilon of float64, 2.22e-16


def _evaluate(f: Callable, x: np.ndarray, name: str = "f") -> np.ndarray:
    """Call ``f`` and check that it returned numbers of the same shape as ``x``."""
    with np.errstate(all="ignore"):
        y = f(x)
    y = np.asarray(y, dtype=float) if not isinstance(y, np.ndarray) else y
    if y.shape != np.shape(x):
        raise ValueError(
            f"{name} must act elementwise (return one value per point): given points of shape "
            f"{np.shape(x)} it returned shape {y.shape}"
        )
    return y


def _point_result(values: np.ndarray) -> float | np.ndarray:
    """Python float for a single point, array otherwise."""
    return float(values) if np.ndim(values) == 0 else values


def average_rate_of_change(f: Callable[[np.ndarray], np.ndarray], x, dx) -> float | np.ndarray:
    r"""Average rate of change of ``f`` over :math:`[x, x + \Delta x]`.

    .. math:: \frac{\Delta f}{\Delta x} = \frac{f(x + \Delta x) - f(x)}{\Delta x}

    The slope of the secant line through :math:`(x, f(x))` and :math:`(x+\Delta x, f(x+\Delta x))`.

    Parameters
    ----------
    f : callable
        Function of one variable, acting elementwise on arrays.
    x : float or array
        Left end of the interval (one value or an array of points).
    dx : float or array
        Width :math:`\Delta x` of the interval; non-zero (negative means the interval lies to the left).

    Returns
    -------
    float or ndarray
        Same shape as ``np.broadcast(x, dx)``.

    Examples
    --------
    >>> average_rate_of_change(lambda x: x**2, 0.25, 1.25)
    1.75
    """
    require_callable(f)
    x = as_float_array(x, "x")
    dx = as_float_array(dx, "dx")
    if np.any(dx == 0):
        raise ValueError("dx must be non-zero: the average rate of change over an interval of width 0 is undefined")
    x, dx = np.broadcast_arrays(x, dx)
    return _point_result((_evaluate(f, x + dx) - _evaluate(f, x)) / dx)


def _step(h, x: np.ndarray, scale: float) -> np.ndarray:
    """The step: ``h`` if given, else ``scale * max(1, |x|)`` (a relative step, near-optimal)."""
    if h is None:
        return scale * np.maximum(1.0, np.abs(x))
    require_positive(h, "h")
    return np.full_like(x, float(h))


def forward_difference(f: Callable[[np.ndarray], np.ndarray], x, h: float | None = None) -> float | np.ndarray:
    r"""Forward-difference approximation of :math:`f'(x)`.

    .. math:: f'(x) \approx \frac{f(x + h) - f(x)}{h}, \qquad \text{error} = \tfrac{h}{2} f''(\xi) + O(\varepsilon/h)

    Parameters
    ----------
    f : callable
        Function of one variable, acting elementwise on arrays.
    x : float or array
        Point(s) at which to differentiate.
    h : float, optional
        Step > 0. Default :math:`\sqrt{\varepsilon}\,\max(1, |x|)`, which balances the O(h)
        truncation error against the O(ε/h) round-off error.

    Returns
    -------
    float or ndarray
        Same shape as ``x``.

    Examples
    --------
    >>> round(forward_difference(np.exp, 0.0), 7)
    1.0
    """
    require_callable(f)
    x = as_float_array(x, "x")
    step = _step(h, x, np.sqrt(EPS))
    # (x + step) - x is the step the computer really took; dividing by it removes one round-off error.
    step = (x + step) - x
    return _point_result((_evaluate(f, x + step) - _evaluate(f, x)) / step)


def central_difference(f: Callable[[np.ndarray], np.ndarray], x, h: float | None = None) -> float | np.ndarray:
    r"""Central-difference approximation of :math:`f'(x)`.

    .. math:: f'(x) \approx \frac{f(x + h) - f(x - h)}{2h}, \qquad \text{error} = \tfrac{h^2}{6} f'''(\xi) + O(\varepsilon/h)

    The even terms of the two Taylor series cancel, so the truncation error is O(h²).

    Parameters
    ----------
    f : callable
        Function of one variable, acting elementwise on arrays.
    x : float or array
        Point(s) at which to differentiate.
    h : float, optional
        Step > 0. Default :math:`\sqrt[3]{\varepsilon}\,\max(1, |x|)`, which balances the O(h²)
        truncation error against the O(ε/h) round-off error.

    Returns
    -------
    float or ndarray
        Same shape as ``x``.

    Examples
    --------
    >>> round(central_difference(np.sin, 0.0), 10)
    1.0
    """
    require_callable(f)
    x = as_float_array(x, "x")
    step = _step(h, x, np.cbrt(EPS))
    step = (x + step) - x
    return _point_result((_evaluate(f, x + step) - _evaluate(f, x - step)) / (2 * step))
