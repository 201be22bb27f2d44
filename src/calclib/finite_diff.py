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
complex step                      :math:`\operatorname{Im} f(x+ih)/h`         O(h²)        any tiny h
Richardson (L levels)             central differences at h, h/2, …, combined  O(h^{2L})    ≈ ε^{1/(2L+1)}
second difference (for f'')       :math:`(f(x+h) - 2f(x) + f(x-h))/h^2`       O(h²)        ≈ ε^{1/4}
================================  ==========================================  ===========  ============

Every function of one variable here works elementwise on an array of points, so one call gives a whole
curve. The module has six parts:

* **stencils** for :math:`f'(x)` and :math:`f''(x)`, and :func:`derivative`, which picks one by name
  (the names in :data:`METHODS` are the ones the rest of ``calclib`` uses);
* the **error model**: :func:`truncation_error`, :func:`roundoff_error`, :func:`optimal_step`, and the
  measured :func:`error_curve` they explain;
* **several variables**: :func:`gradient`, :func:`jacobian`, :func:`hessian`, one coordinate at a time;
* **how wrong is it?**: :func:`gradient_error` estimates the error of a finite-difference gradient
  from more evaluations (and :func:`measured_noise` the rounding noise of f);
* :func:`num_grad`, the classic loop over every entry of an array;
* :class:`CountingFunction`, to count what all of this costs in evaluations of ``f``.

Outside the domain of ``f`` (``np.log`` at a negative point, say) the results are NaN, silently —
except for the complex step, which differentiates the complex extension of ``f`` (``np.log(-1 + ih)``
is defined), so check the domain before using it.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable

import numpy as np

from ._validation import as_float_array, require_callable, require_positive

EPS = float(np.finfo(np.float64).eps)  #: machine epsilon of float64, 2.22e-16

#: The names of the methods for a first derivative, as :func:`derivative`, :func:`gradient` and
#: :func:`jacobian` (and the rest of ``calclib``) accept them.
METHODS = ("central", "forward-difference", "backward-difference", "complex-step", "richardson")

COMPLEX_STEP = 1e-20  #: default step of the complex step: tiny, since nothing is subtracted
RICHARDSON_LEVELS = 4  #: default number of central differences Richardson combines (8 evaluations)


def _as_values(y: Any, name: str = "f") -> np.ndarray:
    """``y`` as an ndarray of numbers; anything else (None, strings, ...) is a ``TypeError``."""
    if y is None:
        raise TypeError(f"{name} returned None: did it forget a `return`? It must return a number or an array")
    values = np.asarray(y)
    if values.dtype == bool:
        raise TypeError(f"{name} returned a boolean ({y!r:.60}), which has no derivative (a comparison or "
                        f"np.allclose, say): return the number itself")
    if not np.issubdtype(values.dtype, np.number):
        raise TypeError(f"{name} must return numbers, got {type(y).__name__}: {y!r:.60}")
    return values


def _call_quietly(f: Callable, x: np.ndarray) -> Any:
    """``f(x)`` without NumPy's warnings: NaN outside the domain of f, silently; and no ComplexWarning
    when a complex step goes through a real-only function (that is refused with a clear TypeError)."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
        return f(x)


def _evaluate(f: Callable, x: np.ndarray, name: str = "f") -> np.ndarray:
    """Call ``f`` and check that it returned numbers of the same shape as ``x``."""
    y = _as_values(_call_quietly(f, x), name)
    if y.shape != np.shape(x):
        raise ValueError(
            f"{name} must act elementwise (return one value per point): given points of shape "
            f"{np.shape(x)} it returned shape {y.shape}"
        )
    return y


def _point_result(values: np.ndarray) -> float | np.ndarray:
    """Python float for a single point, array otherwise."""
    return float(values) if np.ndim(values) == 0 else values


def _check_method(method: str, methods: tuple[str, ...] = METHODS) -> str:
    """Return ``method`` if it is one of ``methods``, else raise a ``ValueError`` listing them."""
    if method not in methods:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(map(repr, methods))}")
    return method


# ---------------------------------------------------------------------------------------------------
# Stencils for one variable
# ---------------------------------------------------------------------------------------------------


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
    with np.errstate(all="ignore"):
        return _point_result((_evaluate(f, x + dx) - _evaluate(f, x)) / dx)


def _step(h, x: np.ndarray, scale: float) -> np.ndarray:
    """The step: ``h`` if given, else ``scale * max(1, |x|)`` (a relative step, near-optimal)."""
    if h is None:
        return scale * np.maximum(1.0, np.abs(x))
    require_positive(h, "h")
    return np.full_like(x, float(h))


@np.errstate(all="ignore")
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


@np.errstate(all="ignore")
def backward_difference(f: Callable[[np.ndarray], np.ndarray], x, h: float | None = None) -> float | np.ndarray:
    r"""Backward-difference approximation of :math:`f'(x)`.

    .. math:: f'(x) \approx \frac{f(x) - f(x - h)}{h}, \qquad \text{error} = -\tfrac{h}{2} f''(\xi) + O(\varepsilon/h)

    The mirror image of :func:`forward_difference`: it only looks to the left of ``x``, which is what
    one needs at the right end of a domain.

    Parameters
    ----------
    f : callable
        Function of one variable, acting elementwise on arrays.
    x : float or array
        Point(s) at which to differentiate.
    h : float, optional
        Step > 0. Default :math:`\sqrt{\varepsilon}\,\max(1, |x|)`, as for the forward difference.

    Returns
    -------
    float or ndarray
        Same shape as ``x``.

    Examples
    --------
    >>> round(backward_difference(np.exp, 0.0), 7)
    1.0
    """
    require_callable(f)
    x = as_float_array(x, "x")
    step = _step(h, x, np.sqrt(EPS))
    step = x - (x - step)  # the step the computer really took
    return _point_result((_evaluate(f, x) - _evaluate(f, x - step)) / step)


def _central_quotient(f: Callable, x: np.ndarray, step: np.ndarray) -> np.ndarray:
    """:math:`(f(x+h) - f(x-h))/(2h)` with the step the computer really takes; ``step`` is an array."""
    step = (x + step) - x
    return (_evaluate(f, x + step) - _evaluate(f, x - step)) / (2 * step)


@np.errstate(all="ignore")
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
    return _point_result(_central_quotient(f, x, _step(h, x, np.cbrt(EPS))))


def _require_complex(values: np.ndarray) -> np.ndarray:
    """Refuse a real result of ``f`` at a complex point: ``f`` has thrown the imaginary part away."""
    if not np.iscomplexobj(values):
        raise TypeError(
            "the complex step needs f to keep the imaginary part of its input, but f returned real "
            "values for a complex x (np.abs, math.* functions and float(...) do that); write f with "
            "complex-safe operations: +, -, *, /, **, np.sin, np.exp, np.log, ..."
        )
    return values


@np.errstate(all="ignore")
def complex_step(f: Callable[[np.ndarray], np.ndarray], x, h: float = COMPLEX_STEP) -> float | np.ndarray:
    r"""Complex-step approximation of :math:`f'(x)`: no subtraction, so no cancellation.

    .. math::

        f(x + ih) = f(x) + ih f'(x) - \tfrac{h^2}{2} f''(x) - i\tfrac{h^3}{6} f'''(x) + \dots
        \quad\Longrightarrow\quad
        f'(x) \approx \frac{\operatorname{Im} f(x + ih)}{h}, \qquad \text{error} = \tfrac{h^2}{6} f'''(x)

    Nothing is subtracted, so round-off does not grow as :math:`h` shrinks: with :math:`h = 10^{-20}`
    the truncation error is far below :math:`\varepsilon` and the result is as accurate as :math:`f`.

    The price: ``f`` must be *analytic* (a power series in x) and written with operations that carry
    complex numbers through, such as ``+ - * / **``, ``np.sin``, ``np.exp``, ``np.log``. ``np.abs(x)``
    (which returns the modulus, a real number) and ``math.sin`` break it: a real result is refused
    with a ``TypeError``, but ``x * np.abs(x)`` silently gives a wrong answer.

    Parameters
    ----------
    f : callable
        Analytic function of one variable, acting elementwise on (complex) arrays.
    x : float or array
        Real point(s) at which to differentiate.
    h : float, optional
        Imaginary step > 0, default ``1e-20``.

    Returns
    -------
    float or ndarray
        Same shape as ``x``.

    Examples
    --------
    >>> complex_step(np.exp, 0.0)
    1.0
    >>> complex_step(lambda x: x**3, 2.0)
    12.0
    """
    require_callable(f)
    x = as_float_array(x, "x")
    h = require_positive(h, "h")
    values = _require_complex(_evaluate(f, x + 1j * h))
    return _point_result(values.imag / h)


def _richardson_last_row(estimates: list) -> list:
    r"""The last row of Richardson's table built on ``estimates`` at steps h, h/2, h/4, ...

    Entry ``j`` of the row has truncation error :math:`O(h^{2j+2})`:
    :math:`T_{k,j} = T_{k,j-1} + (T_{k,j-1} - T_{k-1,j-1}) / (4^j - 1)` removes the :math:`h^{2j}` term
    of a central difference (whose error is a series in :math:`h^2`). The last entry is the best.
    """
    column = list(estimates)
    row = [column[-1]]
    for j in range(1, len(column)):
        column = [fine + (fine - coarse) / (4**j - 1) for coarse, fine in zip(column[:-1], column[1:])]
        row.append(column[-1])
    return row


def _require_levels(levels: Any) -> int:
    """Return ``levels`` if it is an integer >= 1, else raise."""
    if isinstance(levels, bool) or not isinstance(levels, (int, np.integer)):
        raise TypeError(f"levels must be an integer >= 1, got {type(levels).__name__}")
    if levels < 1:
        raise ValueError(f"levels must be an integer >= 1, got {levels}")
    return int(levels)


@np.errstate(all="ignore")
def richardson(
    f: Callable[[np.ndarray], np.ndarray], x, h: float | None = None, levels: int = RICHARDSON_LEVELS
) -> float | np.ndarray:
    r"""Richardson extrapolation of central differences: :math:`f'(x)` to about 13 digits.

    The central difference is :math:`D(h) = f'(x) + c_1 h^2 + c_2 h^4 + \dots`. Halving the step
    and combining removes the leading term,

    .. math:: \frac{4 D(h/2) - D(h)}{3} = f'(x) + O(h^4),

    and repeating this on ``levels`` steps :math:`h, h/2, \dots, h/2^{L-1}` leaves an error
    :math:`O(h^{2L})`. The cost is :math:`2L` evaluations of ``f`` (8 for the default ``levels=4``).
    Because the error falls so fast, the step can stay large, where round-off is small.

    Parameters
    ----------
    f : callable
        Function of one variable, acting elementwise on arrays.
    x : float or array
        Point(s) at which to differentiate.
    h : float, optional
        Largest step > 0. Default :math:`\varepsilon^{1/(2L+1)} \max(1, |x|)` (0.018 for L = 4),
        which balances the :math:`O(h^{2L})` truncation against the :math:`O(\varepsilon/h)` round-off.
        ``f`` must be defined on :math:`[x-h, x+h]`.
    levels : int, optional
        Number :math:`L \ge 1` of central differences to combine; ``levels=1`` is a plain central
        difference.

    Returns
    -------
    float or ndarray
        Same shape as ``x``.

    Examples
    --------
    >>> abs(richardson(np.exp, 1.0) - np.e) < 1e-12
    True
    """
    require_callable(f)
    x = as_float_array(x, "x")
    levels = _require_levels(levels)
    step = _step(h, x, EPS ** (1 / (2 * levels + 1)))
    estimates = [_central_quotient(f, x, step / 2**k) for k in range(levels)]
    return _point_result(_richardson_last_row(estimates)[-1])


@np.errstate(all="ignore")
def second_difference(f: Callable[[np.ndarray], np.ndarray], x, h: float | None = None) -> float | np.ndarray:
    r"""Second-difference approximation of the second derivative :math:`f''(x)`.

    .. math:: f''(x) \approx \frac{f(x + h) - 2 f(x) + f(x - h)}{h^2}, \qquad
              \text{error} = \tfrac{h^2}{12} f''''(\xi) + O(\varepsilon/h^2)

    Round-off is now divided by :math:`h^2`, so the best step is larger and the best error worse
    (about :math:`\sqrt{\varepsilon}`, 8 digits) than for a first derivative.

    Parameters
    ----------
    f : callable
        Function of one variable, acting elementwise on arrays.
    x : float or array
        Point(s) at which to differentiate twice.
    h : float, optional
        Step > 0. Default :math:`\varepsilon^{1/4} \max(1, |x|)`.

    Returns
    -------
    float or ndarray
        Same shape as ``x``.

    Examples
    --------
    >>> round(second_difference(lambda x: x**3, 1.0), 6)
    6.0
    """
    require_callable(f)
    x = as_float_array(x, "x")
    step = _step(h, x, EPS**0.25)
    step = (x + step) - x
    return _point_result((_evaluate(f, x + step) - 2 * _evaluate(f, x) + _evaluate(f, x - step)) / step**2)


def derivative(
    f: Callable[[np.ndarray], np.ndarray], x, method: str = "central", h: float | None = None
) -> float | np.ndarray:
    r"""The derivative :math:`f'(x)` by the finite-difference method named ``method``.

    =========================  ===========================  =========================================  ===========
    ``method``                 function                     default step                               evaluations
    =========================  ===========================  =========================================  ===========
    ``"central"``              :func:`central_difference`   :math:`\sqrt[3]{\varepsilon}\max(1, |x|)`  2
    ``"forward-difference"``   :func:`forward_difference`   :math:`\sqrt{\varepsilon}\max(1, |x|)`     2
    ``"backward-difference"``  :func:`backward_difference`  :math:`\sqrt{\varepsilon}\max(1, |x|)`     2
    ``"complex-step"``         :func:`complex_step`         :math:`10^{-20}`                           1 (complex)
    ``"richardson"``           :func:`richardson`           :math:`\varepsilon^{1/9}\max(1, |x|)`      8
    =========================  ===========================  =========================================  ===========

    Parameters
    ----------
    f : callable
        Function of one variable, acting elementwise on arrays.
    x : float or array
        Point(s) at which to differentiate.
    method : str, optional
        One of :data:`METHODS`; default ``"central"``.
    h : float, optional
        Step > 0; default: the method's own near-optimal step.

    Returns
    -------
    float or ndarray
        Same shape as ``x``.

    Examples
    --------
    >>> derivative(lambda x: x**2, 3.0, method="complex-step")
    6.0
    """
    stencils = {
        "central": central_difference,
        "forward-difference": forward_difference,
        "backward-difference": backward_difference,
        "complex-step": complex_step,
        "richardson": richardson,
    }
    stencil = stencils[_check_method(method)]
    return stencil(f, x) if h is None else stencil(f, x, h)


# ---------------------------------------------------------------------------------------------------
# The error model
# ---------------------------------------------------------------------------------------------------

#: method -> (c, p, r, q): truncation error ≈ c·abs(f⁽ᵏ⁾(x))·hᵖ and round-off error ≈ r·ε·abs(f(x)) / h^q,
#: where f^(k) is the derivative in the stencil's leading Taylor term.
ERROR_MODEL = {
    "forward-difference": (1 / 2, 1, 1.0, 1),
    "backward-difference": (1 / 2, 1, 1.0, 1),
    "central": (1 / 6, 2, 1.0, 1),
    "complex-step": (1 / 6, 2, 1.0, 0),
    "second-difference": (1 / 12, 2, 4.0, 2),
}


def _model(method: str) -> tuple[float, int, float, int]:
    if method == "richardson":
        raise ValueError(
            "the error model has no simple formula for 'richardson' (its error depends on many "
            "derivatives); measure it with error_curve instead"
        )
    return ERROR_MODEL[_check_method(method, tuple(ERROR_MODEL))]


def _positive_steps(h: Any) -> np.ndarray:
    steps = as_float_array(h, "h")
    if not np.all(steps > 0):
        raise ValueError("every step h must be > 0")
    return steps


def truncation_error(method: str, h, derivative_size: float = 1.0) -> float | np.ndarray:
    r"""The truncation error of a stencil, from the first Taylor term it leaves out.

    ===================================================  ================================  ===================
    ``method``                                           truncation error                  ``derivative_size``
    ===================================================  ================================  ===================
    ``"forward-difference"``, ``"backward-difference"``  :math:`\tfrac12 |f''|\,h`         :math:`|f''(x)|`
    ``"central"``, ``"complex-step"``                    :math:`\tfrac16 |f'''|\,h^2`      :math:`|f'''(x)|`
    ``"second-difference"`` (for f'')                    :math:`\tfrac1{12} |f''''|\,h^2`  :math:`|f''''(x)|`
    ===================================================  ================================  ===================

    On a log-log plot of error against h it is a straight line of slope 1 or 2 (the order).

    Parameters
    ----------
    method : str
        A key of :data:`ERROR_MODEL`.
    h : float or array
        Step(s) > 0.
    derivative_size : float, optional
        The size of the derivative in the leading term (see the table), default 1.

    Returns
    -------
    float or ndarray
        Same shape as ``h``.

    Examples
    --------
    >>> truncation_error("central", 1e-3, derivative_size=6.0)
    1e-06
    """
    c, p, _, _ = _model(method)
    return _point_result(c * abs(derivative_size) * _positive_steps(h) ** p)


def roundoff_error(method: str, h, value_size: float = 1.0) -> float | np.ndarray:
    r"""The round-off error of a stencil: rounding errors in the values of f, divided by the step.

    Each computed value of :math:`f` is off by about one unit in its last place, :math:`\varepsilon|f|`.
    Subtracting nearly equal values keeps those errors while the difference itself shrinks, and the
    division by :math:`h` (or :math:`h^2`) magnifies them:

    ===================================================  =========================================  ===============
    ``method``                                           round-off error                            ``value_size``
    ===================================================  =========================================  ===============
    ``"forward-difference"``, ``"backward-difference"``  :math:`\varepsilon |f| / h`                :math:`|f(x)|`
    ``"central"``                                        :math:`\varepsilon |f| / h`                :math:`|f(x)|`
    ``"second-difference"``                              :math:`4 \varepsilon |f| / h^2`            :math:`|f(x)|`
    ``"complex-step"``                                   :math:`\varepsilon |f'|` (no subtraction)  :math:`|f'(x)|`
    ===================================================  =========================================  ===============

    On a log-log plot it is a straight line of slope -1 (-2 for the second difference; flat for the
    complex step). These are orders of magnitude, not bounds: the errors of the values may add up or
    partly cancel.

    Parameters
    ----------
    method : str
        A key of :data:`ERROR_MODEL`.
    h : float or array
        Step(s) > 0.
    value_size : float, optional
        :math:`|f(x)|` (for ``"complex-step"``: :math:`|f'(x)|`), default 1.

    Returns
    -------
    float or ndarray
        Same shape as ``h``.

    Examples
    --------
    >>> float(roundoff_error("central", 1e-5)) == EPS / 1e-5
    True
    """
    _, _, r, q = _model(method)
    return _point_result(r * EPS * abs(value_size) / _positive_steps(h) ** q)


def optimal_step(method: str, value_size: float = 1.0, derivative_size: float = 1.0) -> float:
    r"""The step that minimises truncation + round-off in the error model.

    Setting the derivative of :math:`c M h^p + r \varepsilon F / h^q` to zero
    (:math:`M` = ``derivative_size``, :math:`F` = ``value_size``) gives

    .. math:: h^* = \Bigl(\frac{q\, r\, \varepsilon F}{p\, c\, M}\Bigr)^{1/(p+q)}:
              \quad \sqrt{2\varepsilon |f|/|f''|} \text{ (forward)}, \quad
              \sqrt[3]{3\varepsilon |f|/|f'''|} \text{ (central)}, \quad
              \sqrt[4]{48\varepsilon |f|/|f''''|} \text{ (second difference)}.

    The complex step has no round-off growth to balance; for it this returns the step
    :math:`\sqrt{6\varepsilon|f'|/|f'''|}` below which truncation is under round-off, so every smaller
    step is as good.

    Parameters
    ----------
    method : str
        A key of :data:`ERROR_MODEL`.
    value_size, derivative_size : float, optional
        :math:`|f(x)|` and the derivative of the leading truncation term, as in :func:`roundoff_error`
        and :func:`truncation_error`; both > 0, default 1.

    Returns
    -------
    float

    Examples
    --------
    >>> optimal_step("central") == (3 * EPS) ** (1 / 3)
    True
    """
    c, p, r, q = _model(method)
    value_size = require_positive(value_size, "value_size")
    derivative_size = require_positive(derivative_size, "derivative_size")
    if q == 0:  # complex step: where c M h^p = r ε F
        return float((r * EPS * value_size / (c * derivative_size)) ** (1 / p))
    return float((q * r * EPS * value_size / (p * c * derivative_size)) ** (1 / (p + q)))


def error_curve(f: Callable[[np.ndarray], np.ndarray], df_exact, x: float, hs, method: str = "central") -> np.ndarray:
    r"""Measured absolute errors :math:`|D_h f(x) - f'(x)|` of a method over an array of steps.

    The data of the V-shaped log-log plot: on the right truncation dominates (slope = order of the
    method), on the left round-off (slope -1); compare with :func:`truncation_error`,
    :func:`roundoff_error` and :func:`optimal_step`.

    Parameters
    ----------
    f : callable
        Function of one variable.
    df_exact : float or callable
        The exact derivative at ``x``, or a function that computes it. For
        ``method="second-difference"``, the exact *second* derivative.
    x : float
        The point.
    hs : array
        Steps > 0.
    method : str, optional
        One of :data:`METHODS`, or ``"second-difference"``; default ``"central"``.

    Returns
    -------
    ndarray
        Same shape as ``hs``: the absolute error at each step (0 where the method is exact).

    Examples
    --------
    >>> errors = error_curve(np.exp, np.exp, 1.0, [1e-1, 1e-3], "forward-difference")
    >>> bool(errors[1] < errors[0])
    True
    """
    require_callable(f)
    point = as_float_array(x, "x")
    if point.ndim != 0:
        raise ValueError(f"x must be a single point, got an array of shape {point.shape}")
    hs = _positive_steps(hs)
    exact = df_exact(float(point)) if callable(df_exact) else df_exact
    exact = float(as_float_array(exact, "df_exact"))
    if method == "second-difference":
        errors = [abs(second_difference(f, point, h) - exact) for h in hs.flat]
    else:
        _check_method(method, (*METHODS, "second-difference"))
        errors = [abs(derivative(f, point, method, h) - exact) for h in hs.flat]
    return np.array(errors, dtype=float).reshape(hs.shape)


# ---------------------------------------------------------------------------------------------------
# Several variables: one coordinate at a time
# ---------------------------------------------------------------------------------------------------

_STEP_SCALE = {  # default step = scale * max(1, |x_i|), as for one variable
    "forward-difference": np.sqrt(EPS),
    "backward-difference": np.sqrt(EPS),
    "central": np.cbrt(EPS),
    "richardson": EPS ** (1 / (2 * RICHARDSON_LEVELS + 1)),
}


def _steps(method: str, x: np.ndarray, h) -> np.ndarray:
    """One step per entry of ``x`` for ``method``: ``h`` if given, else the method's default."""
    if method == "complex-step":
        return _step(COMPLEX_STEP if h is None else h, x, 0.0)
    return _step(h, x, _STEP_SCALE[method])


def _value(f: Callable, point: np.ndarray, shape: tuple | None = None) -> np.ndarray:
    """``f(point)`` as an array, checked to have ``shape`` (if given); NaN outside the domain, silently."""
    y = _as_values(_call_quietly(f, point))
    if shape == () and y.shape != ():
        raise ValueError(
            f"f must return a single number (a scalar) for a gradient or Hessian, but it returned an "
            f"array of shape {y.shape}; for a vector-valued f use jacobian"
        )
    if shape is not None and y.shape != shape:
        raise ValueError(f"f must return arrays of one shape, got {shape} and then {y.shape}")
    return y


def _f_moved(f: Callable, x: np.ndarray, i: int, t: float | complex, shape: tuple | None) -> np.ndarray:
    """f at a copy of ``x`` whose entry ``i`` (counting in ``x.flat`` order) is moved by ``t``."""
    moved = x.astype(np.result_type(x, t))  # a copy; complex if t is complex
    moved.flat[i] += t
    return _value(f, moved, shape)


def _partial(f: Callable, x: np.ndarray, i: int, method: str, h: float, fx, shape) -> np.ndarray:
    r"""The partial derivative :math:`\partial f/\partial x_i` at ``x`` by ``method`` with step ``h``.

    The one-variable stencils applied to :math:`t \mapsto f(x + t e_i)`. ``fx`` is :math:`f(x)`,
    computed once by the caller and reused by the one-sided stencils (None for the others).
    """
    xi = x.flat[i]
    if method == "forward-difference":
        h = (xi + h) - xi
        return (_f_moved(f, x, i, h, shape) - fx) / h
    if method == "backward-difference":
        h = xi - (xi - h)
        return (fx - _f_moved(f, x, i, -h, shape)) / h
    if method == "central":
        h = (xi + h) - xi
        return (_f_moved(f, x, i, h, shape) - _f_moved(f, x, i, -h, shape)) / (2 * h)
    if method == "complex-step":
        return _require_complex(_f_moved(f, x, i, 1j * h, shape)).imag / h
    centrals = [_partial(f, x, i, "central", h / 2**k, fx, shape) for k in range(RICHARDSON_LEVELS)]
    return _richardson_last_row(centrals)[-1]


def _prepare(f: Callable, x: Any, method: str, h) -> tuple[np.ndarray, np.ndarray]:
    """Validate the common arguments; return ``x`` as a float array and the step of each entry."""
    require_callable(f)
    x = as_float_array(x, "x")
    _check_method(method)
    return x, _steps(method, x, h)


def _needs_fx(method: str) -> bool:
    return method in ("forward-difference", "backward-difference")


@np.errstate(all="ignore")
def jacobian(f: Callable[[np.ndarray], Any], x, method: str = "central", h: float | None = None) -> np.ndarray:
    r"""Jacobian of ``f`` at ``x`` by finite differences, one column (one input entry) at a time.

    .. math:: J_{\dots, j} = \frac{\partial f}{\partial x_j} \approx
              \frac{f(x + h_j e_j) - f(x - h_j e_j)}{2 h_j} \quad (\text{method}=\texttt{"central"})

    Every stencil of :func:`derivative` is applied along each coordinate :math:`e_j` in turn, with the
    step :math:`h_j` chosen from :math:`|x_j|` as for one variable. Cost: :math:`n + 1` evaluations of
    ``f`` for one-sided differences, :math:`2n` for central, :math:`n` (complex) for the complex step,
    :math:`8n` for Richardson, where :math:`n` = ``x.size``.

    Parameters
    ----------
    f : callable
        Function from an array shaped like ``x`` to an array (or a number); the output must have the
        same shape for every input.
    x : array
        The point, of any shape.
    method : str, optional
        One of :data:`METHODS`; default ``"central"``.
    h : float, optional
        Step > 0 for every coordinate; default: the method's own step, per coordinate.

    Returns
    -------
    ndarray
        Shape ``f(x).shape + x.shape``: entry ``[k, j]`` is :math:`\partial f_k / \partial x_j`.

    Examples
    --------
    >>> jacobian(lambda v: np.array([v[0] * v[1], v[0] + 2 * v[1]]), [3.0, 4.0], method="complex-step")
    array([[4., 3.],
           [1., 2.]])
    """
    x, steps = _prepare(f, x, method, h)
    fx = _value(f, x) if _needs_fx(method) or x.size == 0 else None
    shape = None if fx is None else fx.shape
    columns = []
    for i in range(x.size):
        columns.append(_partial(f, x, i, method, steps.flat[i], fx, shape))
        shape = columns[0].shape
    if not columns:
        return np.zeros(fx.shape + x.shape)
    return np.stack(columns, axis=-1).reshape(shape + x.shape)


@np.errstate(all="ignore")
def gradient(
    f: Callable[[np.ndarray], float],
    x,
    method: str = "central",
    h: float | None = None,
    return_error: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    r"""Gradient :math:`\nabla f(x)` of a scalar function by finite differences, one entry at a time.

    .. math:: \frac{\partial f}{\partial x_i}(x) \approx \frac{f(x + h_i e_i) - f(x - h_i e_i)}{2 h_i}
              \quad (\text{method}=\texttt{"central"}; \text{ the others likewise along } e_i)

    Cost: :math:`n + 1` evaluations of ``f`` for one-sided differences, :math:`2n` for central,
    :math:`n` (complex) for the complex step, :math:`8n` for Richardson (:math:`n` = ``x.size``) —
    which is why finite differences are not how one trains a model with a million parameters.

    Parameters
    ----------
    f : callable
        Function from an array shaped like ``x`` to a single number.
    x : array
        The point, of any shape.
    method : str, optional
        One of :data:`METHODS`; default ``"central"``.
    h : float, optional
        Step > 0 for every coordinate; default: the method's own step, per coordinate.
    return_error : bool, optional
        Also return an estimate of the absolute error of each entry (see :func:`gradient_error`):
        truncation, measured by repeating the stencil with a larger step, plus round-off. It costs
        about five times as much.

    Returns
    -------
    ndarray, or (ndarray, ndarray)
        The gradient, shape ``x.shape``; with ``return_error=True`` also the error estimate, same shape.

    Examples
    --------
    >>> gradient(lambda v: v[0] ** 2 * v[1], [3.0, 2.0], method="complex-step")
    array([12.,  9.])
    >>> g, err = gradient(lambda v: np.sin(v).sum(), [0.0, 1.0], return_error=True)
    >>> bool(np.all(np.abs(g - np.cos([0.0, 1.0])) <= err))
    True
    """
    if return_error:
        return gradient_error(f, x, method, h)
    x, steps = _prepare(f, x, method, h)
    fx = _value(f, x, ()) if _needs_fx(method) else None
    grad = [_partial(f, x, i, method, steps.flat[i], fx, ()) for i in range(x.size)]
    return np.array(grad, dtype=float).reshape(x.shape)


# ---------------------------------------------------------------------------------------------------
# How wrong is a finite-difference gradient? An estimate from the same kind of evaluations
# ---------------------------------------------------------------------------------------------------

TRUNCATION_SAFETY = 2.0  #: safety factor on the truncation part of the estimate of :func:`gradient_error`
ROUNDING_SAFETY = 4.0  #: safety factor on the round-off part of the estimate of :func:`gradient_error`


@np.errstate(all="ignore")
def gradient_error(
    f: Callable[[np.ndarray], float], x, method: str = "central", h: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    r"""The finite-difference gradient and an estimate of the absolute error of each entry.

    The estimate is ``TRUNCATION_SAFETY`` × truncation + ``ROUNDING_SAFETY`` × round-off, meant to be
    an upper bound in practice (not a guarantee), and tight to a factor of about 10–30:

    * **truncation**, measured: a method of order :math:`p` has :math:`D(h) \approx f' + c h^p`, so
      :math:`D(h) - D(rh) \approx (1 - r^p) c h^p` gives the error :math:`c h^p` of :math:`D(h)`
      (:math:`r = 2`; for the complex step :math:`r = 1.25` and :math:`1.5`, so that its rounding,
      which depends on the binary digits of :math:`h`, shows up too). For Richardson: the difference
      of the last two entries of its table.
    * **round-off** of the difference stencils: the noise in a computed value of f — the larger of
      :math:`\varepsilon(\max|f| + \sum_j |x_j \partial_j f|)` (the largest value the stencils
      subtracted, plus what rounding the inputs alone changes) and the noise measured near :math:`x`
      (:func:`measured_noise`, which also sees cancellation inside f) — times what the stencil
      multiplies it by: :math:`1/h` for central, :math:`2/h` one-sided.
    * **round-off** of the complex step: :math:`\varepsilon (|\partial_i f| + \max_j |\partial_j f|)`.
    * **rounding of the point**, for every method: f is evaluated at a point rounded to about
      :math:`\varepsilon \max(1, |x_j|)`, which moves the derivative by about
      :math:`\varepsilon\,|\nabla^2 f\,\max(1, |x|)|` — measured by computing the gradient again at two
      nearby points.

    The cost is that of about five gradients, plus a dozen evaluations.

    Parameters
    ----------
    f, x, method, h
        As for :func:`gradient`.

    Returns
    -------
    (ndarray, ndarray)
        The gradient and the error estimate, both of shape ``x.shape``.

    Examples
    --------
    >>> g, err = gradient_error(lambda v: np.exp(v[0]), [1.0])
    >>> bool(abs(g[0] - np.e) <= err[0] < 1e-8)
    True
    """
    x, steps = _prepare(f, x, method, h)
    f = _LargestValue(f)
    fx = None if method == "complex-step" else _value(f, x, ())
    pairs = [_partial_and_truncation(f, x, i, method, steps.flat[i], fx) for i in range(x.size)]
    grad = np.array([value for value, _ in pairs], dtype=float).reshape(x.shape)
    truncation = np.array([error for _, error in pairs], dtype=float).reshape(x.shape)
    if method == "complex-step":  # nothing subtracted: as accurate as the derivative's own terms
        rounding = EPS * (np.abs(grad) + np.max(np.abs(grad), initial=0.0))
    else:  # the noise in the values subtracted, magnified by the stencil
        value_size = f.largest + np.sum(np.abs(x * grad))
        noise = max(EPS * value_size, measured_noise(f, x))
        rounding = noise * _rounding_gain(method, steps)
    rounding = rounding + _point_rounding_error(f, x, method, steps, grad)
    return grad, TRUNCATION_SAFETY * truncation + ROUNDING_SAFETY * rounding


class _LargestValue:
    """``f``, remembering the largest ``|f|`` it has returned: the size of the values a stencil subtracts."""

    def __init__(self, f: Callable) -> None:
        self.f, self.largest = f, 0.0

    def __call__(self, point: np.ndarray) -> Any:
        value = self.f(point)
        try:
            size = float(np.max(np.abs(value), initial=0.0))
        except (TypeError, ValueError):
            return value  # not numbers: _value explains
        if size > self.largest:  # False for NaN: outside the domain
            self.largest = size
        return value


def _partial_and_truncation(f: Callable, x: np.ndarray, i: int, method: str, h: float, fx) -> tuple:
    """The partial derivative in entry ``i`` and an estimate of its truncation error.

    A method of order p has ``D(h) ≈ f' + c h**p``, so ``|D(h) - D(r h)| / (r**p - 1) ≈ |c h**p|``. The complex
    step is compared with two steps whose binary digits differ from h's (r = 1.25 and 1.5), so the
    estimate also sees its rounding, which changes with those digits.
    """
    if method == "richardson":
        centrals = [_partial(f, x, i, "central", h / 2**k, fx, ()) for k in range(RICHARDSON_LEVELS)]
        row = _richardson_last_row(centrals)
        return row[-1], abs(row[-1] - row[-2])
    order = 1 if _needs_fx(method) else 2
    ratios = (1.25, 1.5) if method == "complex-step" else (2.0,)
    value = _partial(f, x, i, method, h, fx, ())
    others = [_partial(f, x, i, method, r * h, fx, ()) for r in ratios]
    return value, max(abs(value - other) / (r**order - 1) for r, other in zip(ratios, others))


def _rounding_gain(method: str, steps: np.ndarray) -> np.ndarray:
    """By how much an error of size 1 in each value of f can move each partial derivative."""
    if method in ("forward-difference", "backward-difference"):
        return 2 / steps  # |1/h| + |-1/h|
    if method == "central":
        return 1 / steps  # (|1| + |-1|) / 2h
    weights = _richardson_last_row(list(np.eye(RICHARDSON_LEVELS)))[-1]  # Richardson = Σ_k w_k D(h/2^k)
    return np.sum(np.abs(weights) * 2.0 ** np.arange(weights.size)) / steps


def _sign_patterns(shape: tuple) -> tuple[np.ndarray, np.ndarray]:
    """Two directions to probe along: all entries +1, and alternating +1, -1, +1, ..."""
    return np.ones(shape), (-1.0) ** np.arange(int(np.prod(shape))).reshape(shape)


def measured_noise(f: Callable[[np.ndarray], float], x, points: int = 12) -> float:
    r"""How far computed values of ``f`` near ``x`` stray from the smooth function: its rounding noise.

    Values :math:`y_k = f(x + k\delta u)`, :math:`k = 0, \dots,` ``points`` - 1, a relative distance
    :math:`\delta = 10^{-7}` apart along :math:`u = (+1, -1, +1, \dots)`, and their fourth differences
    :math:`\Delta^4 y_k = y_k - 4y_{k+1} + 6y_{k+2} - 4y_{k+3} + y_{k+4}`. The smooth part of f
    contributes :math:`\delta^4 \times` a fourth derivative, negligible; what remains is rounding
    noise, multiplied by weights of root-mean-square size :math:`\sqrt{70}`. So the noise is about
    :math:`\operatorname{rms}(\Delta^4 y) / \sqrt{70}`. One fourth difference alone is often far too
    small by chance; a dozen points make the estimate steady. (A simple form of the ECnoise method of
    Moré and Wild, 2011.)

    Only rounding errors that *change* from point to point count — those are what a difference
    quotient sees; a constant term's rounding cancels in every difference.

    Parameters
    ----------
    f : callable
        Function from an array shaped like ``x`` to a single number.
    x : array
        The point.
    points : int, optional
        Number of evaluations, at least 5; default 12.

    Returns
    -------
    float
        About the typical size of the rounding error of one value of f near ``x`` (0 for exact
        arithmetic, as with small polynomials with integer coefficients at simple points).

    Examples
    --------
    >>> noise = measured_noise(lambda v: np.exp(v[0]), [1.0])
    >>> bool(1e-17 < noise < 1e-15)
    True
    """
    require_callable(f)
    x = as_float_array(x, "x")
    if isinstance(points, bool) or not isinstance(points, (int, np.integer)) or points < 5:
        raise ValueError(f"points must be an integer >= 5, got {points!r}")
    _, u = _sign_patterns(x.shape)
    step = 1e-7 * np.maximum(1.0, np.abs(x)) * u
    values = np.array([_value(f, x + k * step, ()) for k in range(points)], dtype=float)
    fourth_differences = np.diff(values, 4)
    return float(np.sqrt(np.mean(fourth_differences**2)) / np.sqrt(70))


def _point_rounding_error(f: Callable, x: np.ndarray, method: str, steps: np.ndarray, grad: np.ndarray) -> np.ndarray:
    r"""What rounding the point itself does to the gradient: :math:`\approx \varepsilon\,|\nabla^2 f\, \max(1, |x|)|`.

    Evaluating f rounds every intermediate (such as :math:`w \cdot x + c`), which moves the point
    where the derivative is taken by about :math:`\varepsilon \max(1, |x_j|)` in each entry. Measured
    by moving ``x`` that way :math:`10^7` times as far (two directions), computing the gradient there
    by the same method, and scaling the change back. Cost: two more gradients.
    """
    delta = 1e-7
    change = np.zeros(x.shape)
    for u in _sign_patterns(x.shape):
        moved = x + delta * np.maximum(1.0, np.abs(x)) * u
        f_moved = _value(f, moved, ()) if _needs_fx(method) else None
        moved_grad = [_partial(f, moved, i, method, steps.flat[i], f_moved, ()) for i in range(x.size)]
        change = np.maximum(change, np.abs(np.reshape(moved_grad, x.shape) - grad))
    return EPS / delta * change


@np.errstate(all="ignore")
def hessian(f: Callable[[np.ndarray], float], x, h: float | None = None) -> np.ndarray:
    r"""Hessian :math:`\nabla^2 f(x)` of a scalar function by the four-point difference formula.

    .. math:: H_{ij} \approx \frac{f(x + h_i e_i + h_j e_j) - f(x + h_i e_i - h_j e_j)
              - f(x - h_i e_i + h_j e_j) + f(x - h_i e_i - h_j e_j)}{4 h_i h_j}

    For :math:`i = j` this is the second difference with step :math:`2h_i`. Only :math:`i \le j` is
    computed and mirrored, so the result is exactly symmetric. Error :math:`O(h^2)` + :math:`O(\varepsilon/h^2)`;
    the default step :math:`\varepsilon^{1/4}\max(1, |x_i|)` balances them, leaving about 8 digits.
    Cost: :math:`2n(n+1)` evaluations of ``f``.

    Parameters
    ----------
    f : callable
        Function from an array shaped like ``x`` to a single number.
    x : array
        The point, of any shape (usually a vector of length n).
    h : float, optional
        Step > 0 for every coordinate; default :math:`\varepsilon^{1/4}\max(1, |x_i|)`.

    Returns
    -------
    ndarray
        Shape ``x.shape + x.shape``, i.e. ``(n, n)`` for a vector: :math:`\partial^2 f/\partial x_i \partial x_j`.

    Examples
    --------
    >>> H = hessian(lambda p: 2 * p[0]**2 + 3 * p[1]**2 - p[0] * p[1], [1.0, 3.0])
    >>> np.round(H, 6)
    array([[ 4., -1.],
           [-1.,  6.]])
    """
    require_callable(f)
    x = as_float_array(x, "x")
    steps = _step(h, x, EPS**0.25)
    steps = (x + steps) - x
    n = x.size
    H = np.zeros((n, n))
    for i in range(n):
        for j in range(i, n):
            H[i, j] = H[j, i] = _four_point(f, x, i, j, steps.flat[i], steps.flat[j])
    return H.reshape(x.shape + x.shape)


def _four_point(f: Callable, x: np.ndarray, i: int, j: int, hi: float, hj: float) -> float:
    """The four-point estimate of the second partial derivative in entries ``i`` and ``j``."""

    def f_at(si: float, sj: float) -> np.ndarray:
        moved = x.copy()
        moved.flat[i] += si
        moved.flat[j] += sj
        return _value(f, moved, ())

    return float((f_at(hi, hj) - f_at(hi, -hj) - f_at(-hi, hj) + f_at(-hi, -hj)) / (4 * hi * hj))


def num_grad(f: Callable[[np.ndarray], float], x, h: float = 1e-5) -> np.ndarray:
    r"""The classic numerical gradient: nudge each entry of ``x`` in turn, by central differences.

    .. math:: \frac{\partial f}{\partial x_i} \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h}

    Written as in CS231n's gradient check, to be read: walk over every entry (whatever the shape of
    ``x``), move it up by ``h``, evaluate, move it down, evaluate, put it back. That is :math:`2n`
    evaluations of ``f`` for :math:`n` entries — fine for checking a gradient, far too slow to
    train with. (:func:`gradient` does the same with a step chosen per entry.)

    Parameters
    ----------
    f : callable
        Function from an array shaped like ``x`` to a single number.
    x : array
        The point, of any shape; not modified (the loop works on a copy).
    h : float, optional
        Step > 0, default ``1e-5``.

    Returns
    -------
    ndarray
        Shape ``x.shape``.

    Examples
    --------
    >>> np.round(num_grad(lambda W: np.sum(W**2), np.array([[1.0, 2.0], [3.0, 4.0]])), 6)
    array([[2., 4.],
           [6., 8.]])
    """
    require_callable(f)
    x = as_float_array(x, "x").copy()  # our own copy: we change it in place
    h = require_positive(h, "h")
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    while not it.finished:
        ix = it.multi_index
        old_value = x[ix]
        x[ix] = old_value + h
        f_plus = float(_value(f, x, ()))  # f(x + h e_i)
        x[ix] = old_value - h
        f_minus = float(_value(f, x, ()))  # f(x - h e_i)
        x[ix] = old_value  # restore
        grad[ix] = (f_plus - f_minus) / (2 * h)
        it.iternext()
    return grad


# ---------------------------------------------------------------------------------------------------
# Counting evaluations
# ---------------------------------------------------------------------------------------------------


class CountingFunction:
    """Wrap a function and count how many times it is called.

    The cost of a finite-difference derivative is the number of evaluations of ``f``: wrap ``f``,
    compute, and read ``.calls``. (A call with an array of points counts once.)

    Parameters
    ----------
    f : callable
        The function to wrap; the wrapper passes every argument on and returns what ``f`` returns.

    Attributes
    ----------
    calls : int
        Number of calls so far.

    Examples
    --------
    >>> f = CountingFunction(lambda v: np.sum(v**2))
    >>> _ = gradient(f, np.ones(10), method="forward-difference")
    >>> f.calls
    11
    >>> f.reset(); _ = gradient(f, np.ones(10)); f.calls
    20
    """

    def __init__(self, f: Callable) -> None:
        self.f = require_callable(f)
        self.calls = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.f(*args, **kwargs)

    def reset(self) -> None:
        """Set the count back to 0."""
        self.calls = 0

    def __repr__(self) -> str:
        return f"CountingFunction({self.f!r}, calls={self.calls})"
