r"""The book's test functions, written once: the landscapes the optimizers walk on.

Every function is plain NumPy (``+``, ``*``, ``**``, ``np.exp``, ``np.log``, indexing and slicing), so
``calclib``'s differentiation engines can trace it, and so can JAX and sympy's ``lambdify`` checks.

**Arguments.**

* Functions of **one variable** (``parabola``, ``normal_density``, ``exp_minus_log``) take a number or
  an array and act elementwise.
* Functions of **two variables** take one argument ``p``: a point of shape ``(2,)``, with
  :math:`x = p_0` and :math:`y = p_1`, or a whole **grid** of shape ``(2, ...)`` (e.g.
  ``np.stack(np.meshgrid(xs, ys))``), which gives the values on the grid in one call, for contour
  plots. Nothing else is needed: ``p[0]`` and ``p[1]`` are then the two coordinate grids.

==================  ======================================================================  =======================
name                formula                                                                 minimizer(s)
==================  ======================================================================  =======================
parabola            :math:`x^2`                                                             0
paraboloid          :math:`x^2 + y^2`                                                       (0, 0)
rosenbrock          :math:`(a - x)^2 + b (y - x^2)^2`, a = 1, b = 100                       (a, a²) = (1, 1)
sauna               :math:`50 - x^2 (x-6)\, y^2 (y-6) / 50` on the room [0, 5]²             (4, 4), T = 29.52
three_bumps         :math:`10 - [\ldots]`, three wells (see :func:`three_bumps`)            three local minima
quadratic           :math:`2x^2 + 3y^2 - xy`                                                (0, 0)
quartic             :math:`x^4 + 0.8y^4 + 4x^2 + 2y^2 - xy - 0.2x^2 y`                      (0, 0)
normal_density      :math:`e^{-x^2/2} / \sqrt{2\pi}`                                        none (maximum at 0)
exp_minus_log       :math:`e^x - \ln x`, x > 0                                              Ω = 0.567143… (eˣ = 1/x)
==================  ======================================================================  =======================

:data:`LANDSCAPES` holds each of them as a :class:`Landscape`: the function, its formula, a box to plot
it in, and its known minima (and maxima).

Examples
--------
>>> float(rosenbrock(np.array([1.0, 1.0])))
0.0
>>> xs, ys = np.meshgrid(np.linspace(0, 5, 3), np.linspace(0, 5, 3))
>>> sauna(np.stack([xs, ys])).shape           # a grid of shape (2, 3, 3) gives (3, 3) values
(3, 3)
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

Array = np.ndarray

__all__ = [
    "parabola", "paraboloid", "rosenbrock", "rosenbrock_extended", "rosenbrock_gradient", "sauna",
    "three_bumps", "quadratic", "quartic", "normal_density", "exp_minus_log",
    "Landscape", "LANDSCAPES", "get", "names", "OMEGA",
]

#: The omega constant Ω = W(1), the solution of :math:`e^x = 1/x`: the minimizer of :math:`e^x - \ln x`.
OMEGA = 0.5671432904097838


# --- one variable ----------------------------------------------------------------------------------


def parabola(x: Any) -> Any:
    r"""The parabola :math:`f(x) = x^2`, elementwise.

    :math:`f'(x) = 2x`, :math:`f''(x) = 2`; the only minimizer is :math:`x = 0`. Gradient descent
    with step :math:`\varepsilon` multiplies :math:`x` by :math:`1 - 2\varepsilon` at every step.

    >>> parabola(5.0)
    25.0
    """
    return x**2


def normal_density(x: Any) -> Any:
    r"""The standard normal density :math:`\varphi(x) = e^{-x^2/2} / \sqrt{2\pi}`, elementwise.

    :math:`\varphi'(x) = -x\,\varphi(x)` and :math:`\varphi''(x) = (x^2 - 1)\,\varphi(x)`. It has no
    minimizer: its only critical point is the maximum at :math:`x = 0`, and :math:`\varphi''` is zero at
    the inflection points :math:`x = \pm 1`, where Newton's step :math:`-\varphi'/\varphi''` is undefined.

    >>> round(float(normal_density(0.0)), 6)
    0.398942
    """
    return np.exp(-(x**2) / 2) / np.sqrt(2 * np.pi)


def exp_minus_log(x: Any) -> Any:
    r""":math:`f(x) = e^x - \ln x` for :math:`x > 0`, elementwise.

    :math:`f'(x) = e^x - 1/x` and :math:`f''(x) = e^x + 1/x^2 > 0`: convex, with one minimizer where
    :math:`e^x = 1/x`, the omega constant :math:`x = \Omega = 0.5671432904\ldots` (:data:`OMEGA`).
    Outside :math:`x > 0` the logarithm is undefined: evaluate it only there (NumPy would return
    ``nan`` with a ``RuntimeWarning``).

    >>> round(float(exp_minus_log(1.0)), 6)
    2.718282
    """
    return np.exp(x) - np.log(x)


# --- two variables ---------------------------------------------------------------------------------


def paraboloid(p: Array) -> Any:
    r"""The paraboloid :math:`f(x, y) = x^2 + y^2`.

    ``p`` has shape ``(2,)`` (a point) or ``(2, ...)`` (a grid). :math:`\nabla f = (2x, 2y)`,
    :math:`H = 2I`; the only minimizer is :math:`(0, 0)`.

    >>> float(paraboloid(np.array([2.0, 4.0])))
    20.0
    """
    return p[0] ** 2 + p[1] ** 2


def rosenbrock(p: Array, a: float = 1.0, b: float = 100.0) -> Any:
    r"""Rosenbrock's banana function :math:`f(x, y) = (a - x)^2 + b\,(y - x^2)^2`.

    ``p`` has shape ``(2,)`` or ``(2, ...)``. The global minimizer is :math:`(a, a^2)` with
    :math:`f = 0` (:math:`(1, 1)` for the usual :math:`a = 1, b = 100`), at the end of a long, flat,
    curved valley along :math:`y = x^2`, which is what makes it hard for gradient descent.
    Its gradient, derived by hand, is :func:`rosenbrock_gradient`.

    >>> float(rosenbrock(np.array([0.0, 0.0])))
    1.0
    """
    x, y = p[0], p[1]
    return (a - x) ** 2 + b * (y - x**2) ** 2


def rosenbrock_gradient(p: Array, a: float = 1.0, b: float = 100.0) -> Array:
    r"""The gradient of :func:`rosenbrock`, derived by hand with the chain rule.

    .. math::
        \frac{\partial f}{\partial x} = -2(a - x) - 4 b\,x\,(y - x^2), \qquad
        \frac{\partial f}{\partial y} = 2 b\,(y - x^2).

    ``p`` has shape ``(2,)`` or ``(2, ...)``; the result has the same shape (the two partials stacked).

    >>> rosenbrock_gradient(np.array([0.0, 0.0]))
    array([-2.,  0.])
    """
    x, y = p[0], p[1]
    return np.array([-2 * (a - x) - 4 * b * x * (y - x**2), 2 * b * (y - x**2)], dtype=float)


def rosenbrock_extended(x: Array, a: float = 1.0, b: float = 100.0) -> Any:
    r"""Rosenbrock's function in :math:`n \ge 2` variables (a vector ``x`` of shape ``(n,)``).

    .. math:: f(x) = \sum_{i=1}^{n-1} b\,(x_{i+1} - x_i^2)^2 + (a - x_i)^2

    For :math:`a = 1` the global minimizer is :math:`(1, 1, \ldots, 1)` with :math:`f = 0`; for
    :math:`n = 2` this is :func:`rosenbrock`. (Only a single point, not a grid.)

    >>> float(rosenbrock_extended(np.ones(5)))
    0.0
    """
    return np.sum(b * (x[1:] - x[:-1] ** 2) ** 2 + (a - x[:-1]) ** 2)


def sauna(p: Array) -> Any:
    r"""The temperature in the sauna, :math:`T(x, y) = 50 - x^2 (x - 6)\, y^2 (y - 6) / 50` (°C).

    The room is the square :math:`0 \le x, y \le 5` (metres); ``p`` has shape ``(2,)`` or ``(2, ...)``.

    .. math::
        \frac{\partial T}{\partial x} = -\frac{(3x^2 - 12x)\, y^2 (y-6)}{50}, \qquad
        \frac{\partial T}{\partial y} = -\frac{x^2 (x-6)\, (3y^2 - 12y)}{50}.

    Inside the room both vanish only at :math:`(4, 4)`: the coldest point, :math:`T = 50 - 1024/50 =
    29.52`, where :math:`H = 7.68\,I` (so gradient descent is stable only for steps below
    :math:`2/7.68 \approx 0.26`). On the walls :math:`x = 0` and :math:`y = 0`, :math:`T = 50`.
    Outside the room :math:`T` is a cubic with no lower bound.

    >>> round(float(sauna(np.array([4.0, 4.0]))), 10)
    29.52
    """
    x, y = p[0], p[1]
    return 50 - x**2 * (x - 6) * y**2 * (y - 6) / 50


def three_bumps(p: Array) -> Any:
    r"""A landscape with three wells of different depths, to show that the start decides the minimum.

    .. math::
        f(x, y) = 10 - \left[\frac{10}{3 + 3(x - .5)^2 + 3(y - .5)^2}
                 + \frac{2}{1 + 2(x - 3)^2 + 2(y - 1.5)^2}
                 + \frac{3}{1 + .5(x - 3.5)^2 + .5(y - 4)^2}\right]

    ``p`` has shape ``(2,)`` or ``(2, ...)``. Local minimizers (Newton's method in float64):
    :math:`(0.52303, 0.51699)` with :math:`f = 6.27690` (the global one),
    :math:`(3.47888, 3.94752)` with :math:`f = 6.70278`, and
    :math:`(2.98064, 1.54087)` with :math:`f = 6.88206`.

    >>> round(float(three_bumps(np.array([0.5230322579358744, 0.5169891562802605]))), 5)
    6.2769
    """
    x, y = p[0], p[1]
    wide = 10 / (3 + 3 * (x - 0.5) ** 2 + 3 * (y - 0.5) ** 2)
    narrow = 2 / (1 + 2 * (x - 3) ** 2 + 2 * (y - 1.5) ** 2)
    shallow = 3 / (1 + 0.5 * (x - 3.5) ** 2 + 0.5 * (y - 4) ** 2)
    return 10 - (wide + narrow + shallow)


def quadratic(p: Array) -> Any:
    r"""The quadratic form :math:`f(x, y) = 2x^2 + 3y^2 - xy = \tfrac12 p^\top H p`.

    ``p`` has shape ``(2,)`` or ``(2, ...)``. :math:`H = \begin{pmatrix} 4 & -1 \\ -1 & 6\end{pmatrix}`
    with eigenvalues :math:`5 \mp \sqrt2` = 3.59 and 6.41, both positive: the only minimizer is
    :math:`(0, 0)`, which Newton's method reaches in one step from anywhere.

    >>> float(quadratic(np.array([1.0, 3.0])))
    26.0
    """
    x, y = p[0], p[1]
    return 2 * x**2 + 3 * y**2 - x * y


def quartic(p: Array) -> Any:
    r"""The quartic :math:`f(x, y) = x^4 + 0.8y^4 + 4x^2 + 2y^2 - xy - 0.2x^2 y`.

    ``p`` has shape ``(2,)`` or ``(2, ...)``. Its only critical point is the minimizer :math:`(0, 0)`,
    where :math:`H = \begin{pmatrix} 8 & -1 \\ -1 & 4\end{pmatrix}` has eigenvalues
    :math:`6 \pm \sqrt5` = 8.24 and 3.76. Newton's method from (4, 4) needs 7 steps.

    >>> float(quartic(np.array([0.0, 0.0])))
    0.0
    """
    x, y = p[0], p[1]
    return x**4 + 0.8 * y**4 + 4 * x**2 + 2 * y**2 - x * y - 0.2 * x**2 * y


# --- the registry ----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Landscape:
    r"""One test function with what the chapters need to plot it and to check a result.

    Parameters
    ----------
    name : str
        Key in :data:`LANDSCAPES`.
    f : callable
        The function (one of this module's).
    dim : int
        Number of variables: 1 (``f`` takes a number) or 2 (``f`` takes ``p`` of shape ``(2,)``).
    domain : tuple of (low, high) pairs
        A box to plot it in, one pair per variable.
    minima : tuple
        Known local minimizers (floats for ``dim == 1``, pairs for ``dim == 2``); the global one first.
    maxima : tuple
        Known local maximizers, the same way.
    latex : str
        The formula in LaTeX, without dollar signs.
    text : str
        The formula in plain Unicode (for alt text and plotly labels).
    """

    name: str
    f: Callable[..., Any] = field(repr=False)
    dim: int
    domain: tuple[tuple[float, float], ...]
    minima: tuple = ()
    maxima: tuple = ()
    latex: str = ""
    text: str = ""

    def __call__(self, p: Any) -> Any:
        """Evaluate the function (on a point, or on a grid of shape ``(2, ...)``)."""
        return self.f(p)


_ENTRIES = (
    Landscape("parabola", parabola, 1, ((-5.5, 5.5),), minima=(0.0,), latex="x^2", text="x²"),
    Landscape("paraboloid", paraboloid, 2, ((-3.0, 3.0), (-3.0, 3.0)), minima=((0.0, 0.0),),
              latex="x^2 + y^2", text="x² + y²"),
    Landscape("rosenbrock", rosenbrock, 2, ((-2.0, 2.0), (-1.0, 3.5)), minima=((1.0, 1.0),),
              latex="(1 - x)^2 + 100 (y - x^2)^2", text="(1 − x)² + 100(y − x²)²"),
    Landscape("sauna", sauna, 2, ((0.0, 5.0), (0.0, 5.0)), minima=((4.0, 4.0),),
              latex="50 - x^2 (x - 6)\\, y^2 (y - 6) / 50", text="T = 50 − x²(x − 6)·y²(y − 6)/50"),
    Landscape("three_bumps", three_bumps, 2, ((-1.0, 5.0), (-1.0, 5.5)),
              minima=((0.5230322579358744, 0.5169891562802605), (3.4788805301921637, 3.9475151731789038),
                      (2.9806366011182712, 1.5408734039442826)),
              latex=r"10 - \left[\frac{10}{3 + 3(x-.5)^2 + 3(y-.5)^2} + \frac{2}{1 + 2(x-3)^2 + 2(y-1.5)^2}"
                    r" + \frac{3}{1 + .5(x-3.5)^2 + .5(y-4)^2}\right]",
              text="10 − [10/(3+3(x−.5)²+3(y−.5)²) + 2/(1+2(x−3)²+2(y−1.5)²) "
                   "+ 3/(1+.5(x−3.5)²+.5(y−4)²)]"),
    Landscape("quadratic", quadratic, 2, ((-3.5, 3.5), (-3.5, 3.5)), minima=((0.0, 0.0),),
              latex="2x^2 + 3y^2 - xy", text="2x² + 3y² − xy"),
    Landscape("quartic", quartic, 2, ((-5.0, 5.0), (-5.0, 5.0)), minima=((0.0, 0.0),),
              latex="x^4 + 0.8y^4 + 4x^2 + 2y^2 - xy - 0.2x^2 y",
              text="x⁴ + 0.8y⁴ + 4x² + 2y² − xy − 0.2x²y"),
    Landscape("normal_density", normal_density, 1, ((-4.0, 4.0),), maxima=(0.0,),
              latex=r"\frac{1}{\sqrt{2\pi}} e^{-x^2/2}", text="e^(−x²/2)/√(2π)"),
    Landscape("exp_minus_log", exp_minus_log, 1, ((0.05, 2.5),), minima=(OMEGA,),
              latex=r"e^x - \ln x", text="eˣ − ln x"),
)

#: Every landscape by name, in the order the book introduces them.
LANDSCAPES: dict[str, Landscape] = {entry.name: entry for entry in _ENTRIES}


def names() -> list[str]:
    """The names in :data:`LANDSCAPES`, in order."""
    return list(LANDSCAPES)


def get(name: str | Landscape) -> Landscape:
    """The landscape called ``name`` (a :class:`Landscape` is returned unchanged).

    Raises
    ------
    TypeError
        If ``name`` is not a string.
    ValueError
        If there is no such landscape; the message lists the valid names (and the nearest one).
    """
    if isinstance(name, Landscape):
        return name
    if not isinstance(name, str):
        raise TypeError(f"name must be a string such as 'rosenbrock', got {type(name).__name__}")
    key = name.strip().lower().replace(" ", "_").replace("-", "_")
    if key in LANDSCAPES:
        return LANDSCAPES[key]
    close = difflib.get_close_matches(key, LANDSCAPES, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise ValueError(f"no landscape called {name!r}.{hint} Valid names: {', '.join(LANDSCAPES)}")
