r"""The common functions of one variable, their derivatives and their domains.

Every entry of :data:`CATALOGUE` is a :class:`CommonFunction`: a name, the formula in LaTeX, the
function and its analytic derivative (both NumPy, elementwise), and the set of points where each is
defined. Outside that set the value is ``nan``, returned silently: the function is never evaluated
there, so NumPy prints no ``RuntimeWarning``.

===========  ===============================  =========================================  =====================
name         :math:`f(x)`                     :math:`f'(x)`                              :math:`f'` defined for
===========  ===============================  =========================================  =====================
constant     :math:`c`                        :math:`0`                                  all x
linear       :math:`m x + b`                  :math:`m`                                  all x
square       :math:`x^2`                      :math:`2x`                                 all x
cube         :math:`x^3`                      :math:`3x^2`                               all x
reciprocal   :math:`1/x`                      :math:`-1/x^2`                             x ≠ 0
sqrt         :math:`\sqrt{x}`                 :math:`1/(2\sqrt{x})`                      x > 0 (f: x ≥ 0)
exp          :math:`e^x`                      :math:`e^x`                                all x
ln           :math:`\ln x`                    :math:`1/x`                                x > 0
log10        :math:`\log_{10} x`              :math:`1/(x \ln 10)`                       x > 0
sin          :math:`\sin x`                   :math:`\cos x`                             all x
cos          :math:`\cos x`                   :math:`-\sin x`                            all x
abs          :math:`|x|`                      :math:`\operatorname{sign} x`              x ≠ 0
sigmoid      :math:`1/(1 + e^{-x})`           :math:`\sigma(x)(1 - \sigma(x))`           all x
relu         :math:`\max(x, 0)`               :math:`1` if x > 0, :math:`0` if x < 0     x ≠ 0
tanh         :math:`\tanh x`                  :math:`1 - \tanh^2 x`                      all x
===========  ===============================  =========================================  =====================

Corners. :math:`|x|` and ReLU have no derivative at 0: the one-sided limits of the difference
quotient differ (−1 and 1 for :math:`|x|`, 0 and 1 for ReLU). :meth:`CommonFunction.derivative`
returns ``nan`` there; ``derivative(x, convention=True)`` returns the value machine learning uses
instead: ReLU'(0) = 0, and :math:`\operatorname{sign}(0) = 0` for :math:`|x|`. Frameworks do not agree
with each other (JAX, float64): ``jax.grad(jax.nn.relu)(0.)`` is 0,
``jax.grad(lambda x: jnp.maximum(x, 0.))(0.)`` is 0.5 (a tie splits the gradient), and
``jax.grad(jnp.abs)(0.)`` is 1. Each of 0, 0.5 and 1 is a *subgradient* (a slope of a line touching the
graph from below), so any of them is a defensible choice.

Examples
--------
>>> ln = get("ln")
>>> ln([0.5, 1.0, -1.0])            # -1 is outside the domain: nan, and no warning
array([-0.69314718,  0.        ,         nan])
>>> get("relu").derivative(0.0), get("relu").derivative(0.0, convention=True)
(nan, 0.0)
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from .core import Tracer
from ._validation import as_float_array

Array = np.ndarray
Mask = Callable[[Array], Array]

__all__ = ["CommonFunction", "CATALOGUE", "get", "names", "constant", "linear", "sigmoid"]


def _everywhere(x: Array) -> Array:
    """Every real number (nan is not a number, so it is outside every domain)."""
    return ~np.isnan(x)


def _nonzero(x: Array) -> Array:
    return x != 0


def _nonnegative(x: Array) -> Array:
    return x >= 0


def _positive(x: Array) -> Array:
    return x > 0


def _point_result(values: Array) -> float | Array:
    """Python float for a single point, array otherwise (the convention of all of calclib)."""
    return float(values) if np.ndim(values) == 0 else values


def _on_mask(g: Callable[[Array], Array], x: Array, mask: Array) -> Array:
    """Evaluate ``g`` only where ``mask`` holds; ``nan`` elsewhere.

    ``g`` never sees a point outside its domain, so there is nothing for NumPy to warn about.
    Overflow inside the domain (``exp(1000)``) is an honest ``inf`` and stays silent too.
    """
    out = np.full(x.shape, np.nan)
    with np.errstate(over="ignore", under="ignore"):
        out[mask] = g(x[mask])
    return out


@dataclass(frozen=True, eq=False)
class CommonFunction:
    r"""A function of one variable with its analytic derivative and its domain.

    Parameters
    ----------
    name : str
        Key in :data:`CATALOGUE`, e.g. ``"ln"``.
    latex : str
        The formula of :math:`f(x)` in LaTeX, without dollar signs, e.g. ``r"\ln x"``.
    f, df : callable
        :math:`f` and :math:`f'`, elementwise on float arrays. They are only called on points of their
        domain (a 1-D array of them), so they need no guards of their own.
    domain : callable
        ``domain(x)`` is a boolean array: where :math:`f` is defined.
    derivative_domain : callable
        Where :math:`f'` is defined; a subset of ``domain`` (e.g. :math:`\sqrt{x}`: x ≥ 0 but x > 0).
    dlatex : str
        The formula of :math:`f'(x)` in LaTeX.
    domain_text, derivative_domain_text : str
        The two domains in words, e.g. ``"x > 0"``.
    convention : mapping float → float
        Values used for :math:`f'` at corners when ``derivative(x, convention=True)`` is asked for.
    sympy : str
        The formula as sympy source in the variable ``x`` (for checks with exact derivatives).
    note : str
        One line on anything surprising about this function.
    text : str
        The formula in plain Unicode, for alt text and plotly labels, e.g. ``"ln x"``.

    Examples
    --------
    >>> sq = get("square")
    >>> sq(3.0), sq.derivative(3.0)
    (9.0, 6.0)
    """

    name: str
    latex: str
    f: Callable[[Array], Array] = field(repr=False)
    df: Callable[[Array], Array] = field(repr=False)
    domain: Mask = field(default=_everywhere, repr=False)
    derivative_domain: Mask = field(default=_everywhere, repr=False)
    dlatex: str = ""
    domain_text: str = "all real x"
    derivative_domain_text: str = "all real x"
    convention: Mapping[float, float] = field(default_factory=dict)
    sympy: str = ""
    note: str = ""
    text: str = ""

    def __call__(self, x: Any) -> float | Array:
        """:math:`f(x)`, elementwise; ``nan`` outside the domain. Float for a number, array for an array.

        Inside a function calclib is differentiating, the formula itself is applied (so ``cl.grad`` sees
        ``np.exp``, ``np.where``, ...), and a point outside the domain gets calclib's DomainWarning.
        """
        if isinstance(x, Tracer):
            return self.f(x)
        x = as_float_array(x)
        return _point_result(_on_mask(self.f, x, self.in_domain(x)))

    def derivative(self, x: Any, convention: bool = False) -> float | Array:
        r""":math:`f'(x)`, elementwise; ``nan`` where the derivative does not exist.

        Parameters
        ----------
        x : float or array
            Point(s).
        convention : bool
            If true, the points listed in :attr:`convention` (corners such as 0 for ReLU and
            :math:`|x|`) get the conventional value instead of ``nan``.
        """
        x = as_float_array(x)
        out = _on_mask(self.df, x, self.derivative_domain(x) & self.in_domain(x))
        if convention:
            for point, value in self.convention.items():
                out[x == point] = value
        return _point_result(out)

    def in_domain(self, x: Any) -> bool | Array:
        """Where :math:`f` is defined: a boolean array (a bool for a number)."""
        x = as_float_array(x)
        mask = np.asarray(self.domain(x), dtype=bool)
        return bool(mask) if mask.ndim == 0 else mask

    def differentiable_at(self, x: Any) -> bool | Array:
        """Where :math:`f'` exists: a boolean array (a bool for a number)."""
        x = as_float_array(x)
        mask = np.asarray(self.derivative_domain(x), dtype=bool) & np.asarray(self.domain(x), dtype=bool)
        return bool(mask) if mask.ndim == 0 else mask

    def to_sympy(self, x: Any = None):
        """The formula as a sympy expression in ``x`` (default: a real symbol named ``x``)."""
        import sympy as sp

        x = sp.Symbol("x", real=True) if x is None else x
        return sp.sympify(self.sympy, locals={"x": x})


# --- the stable sigmoid ----------------------------------------------------------------------------------

def sigmoid(x: Any) -> float | Array:
    r"""The logistic sigmoid :math:`\sigma(x) = 1/(1 + e^{-x})`, computed without overflow.

    With :math:`z = e^{-|x|} \in (0, 1]` (which never overflows):
    :math:`\sigma(x) = 1/(1+z)` for :math:`x \ge 0` and :math:`z/(1+z)` for :math:`x < 0`.
    The naive formula overflows in :math:`e^{-x}` for :math:`x < -709`.

    Examples
    --------
    >>> sigmoid(0.0), sigmoid(-1000.0)
    (0.5, 0.0)
    """
    if isinstance(x, Tracer):  # being differentiated: apply the formula itself
        return _sigmoid(x)
    x = as_float_array(x)
    return _point_result(_sigmoid(x))


def _sigmoid(x: Array) -> Array:
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def _sigmoid_prime(x: Array) -> Array:
    r""":math:`\sigma' = \sigma(1-\sigma) = z/(1+z)^2` with :math:`z = e^{-|x|}` (σ' is even, and this
    form keeps full relative accuracy in the tails, where :math:`1 - \sigma` would cancel to 0)."""
    z = np.exp(-np.abs(x))
    return z / (1.0 + z) ** 2


def _tanh_prime(x: Array) -> Array:
    r""":math:`1 - \tanh^2 x = \operatorname{sech}^2 x = 4z/(1+z)^2` with :math:`z = e^{-2|x|}` (no overflow)."""
    z = np.exp(-2.0 * np.abs(x))
    return 4.0 * z / (1.0 + z) ** 2


# --- the parametrised families ---------------------------------------------------------------------------

def _num(v: float) -> str:
    return f"{v:g}"


def constant(c: float = 2.0) -> CommonFunction:
    r"""The constant function :math:`f(x) = c`, with :math:`f'(x) = 0`."""
    c = float(c)
    return CommonFunction(
        name="constant", latex=_num(c), text=_num(c), dlatex="0",
        f=lambda x: np.full_like(x, c), df=np.zeros_like,
        sympy=repr(c), note="a constant does not change: its rate of change is 0 everywhere",
    )


def linear(m: float = 0.5, b: float = 1.0) -> CommonFunction:
    r"""The linear function :math:`f(x) = m x + b`, with :math:`f'(x) = m` (the slope) everywhere."""
    m, b = float(m), float(b)
    sign = "+" if b >= 0 else "-"
    return CommonFunction(
        name="linear", latex=f"{_num(m)}x {sign} {_num(abs(b))}", text=f"{_num(m)}x {sign} {_num(abs(b))}",
        dlatex=_num(m),
        f=lambda x: m * x + b, df=lambda x: np.full_like(x, m),
        sympy=f"{m!r}*x + {b!r}", note="every secant of a line is the line itself",
    )


# --- the catalogue ---------------------------------------------------------------------------------------

_LN10 = float(np.log(10.0))

_ENTRIES = (
    constant(),
    linear(),
    CommonFunction("square", "x^2", lambda x: x**2, lambda x: 2 * x, dlatex="2x", text="x²", sympy="x**2"),
    CommonFunction("cube", "x^3", lambda x: x**3, lambda x: 3 * x**2, dlatex="3x^2", text="x³", sympy="x**3"),
    CommonFunction(
        "reciprocal", r"\frac{1}{x}", lambda x: 1 / x, lambda x: -1 / x**2, dlatex=r"-\frac{1}{x^2}",
        domain=_nonzero, derivative_domain=_nonzero, domain_text="x ≠ 0", derivative_domain_text="x ≠ 0",
        text="1/x", sympy="1/x", note="undefined at 0: the graph has two branches",
    ),
    CommonFunction(
        "sqrt", r"\sqrt{x}", np.sqrt, lambda x: 0.5 / np.sqrt(x), dlatex=r"\frac{1}{2\sqrt{x}}",
        domain=_nonnegative, derivative_domain=_positive, domain_text="x ≥ 0", derivative_domain_text="x > 0",
        text="√x", sympy="sqrt(x)", note="defined at 0 but not differentiable there: the tangent is vertical",
    ),
    CommonFunction("exp", "e^{x}", np.exp, np.exp, dlatex="e^{x}", text="eˣ", sympy="exp(x)",
                   note="its own derivative"),
    CommonFunction(
        "ln", r"\ln x", np.log, lambda x: 1 / x, dlatex=r"\frac{1}{x}",
        domain=_positive, derivative_domain=_positive, domain_text="x > 0", derivative_domain_text="x > 0",
        text="ln x", sympy="log(x)", note="the inverse of exp",
    ),
    CommonFunction(
        "log10", r"\log_{10} x", np.log10, lambda x: 1 / (x * _LN10), dlatex=r"\frac{1}{x \ln 10}",
        domain=_positive, derivative_domain=_positive, domain_text="x > 0", derivative_domain_text="x > 0",
        text="log₁₀ x", sympy="log(x, 10)", note="log10(x) = ln(x)/ln(10): the constant multiple rule",
    ),
    CommonFunction("sin", r"\sin x", np.sin, np.cos, dlatex=r"\cos x", text="sin x", sympy="sin(x)"),
    CommonFunction("cos", r"\cos x", np.cos, lambda x: -np.sin(x), dlatex=r"-\sin x", text="cos x", sympy="cos(x)"),
    CommonFunction(
        "abs", "|x|", np.abs, np.sign, dlatex=r"\mathrm{sign}(x)",
        derivative_domain=_nonzero, derivative_domain_text="x ≠ 0", convention={0.0: 0.0},
        text="|x|", sympy="Abs(x)",
        note="corner at 0 (one-sided slopes −1 and 1); convention sign(0) = 0, jax.grad(jnp.abs)(0.) = 1",
    ),
    CommonFunction(
        "sigmoid", r"\sigma(x) = \frac{1}{1 + e^{-x}}", _sigmoid, _sigmoid_prime,
        dlatex=r"\sigma(x)\,(1 - \sigma(x))", text="σ(x) = 1/(1 + e⁻ˣ)", sympy="1/(1 + exp(-x))",
        note="computed stably: never overflows",
    ),
    CommonFunction(
        "relu", r"\mathrm{ReLU}(x) = \max(x, 0)", lambda x: np.maximum(x, 0.0),
        lambda x: (x > 0).astype(float), dlatex=r"\begin{cases} 1 & x > 0 \\ 0 & x < 0 \end{cases}",
        derivative_domain=_nonzero, derivative_domain_text="x ≠ 0", convention={0.0: 0.0},
        text="ReLU(x) = max(x, 0)", sympy="Max(x, 0)",
        note="corner at 0 (one-sided slopes 0 and 1); ML convention ReLU'(0) = 0, as jax.nn.relu",
    ),
    CommonFunction("tanh", r"\tanh x", np.tanh, _tanh_prime, dlatex=r"1 - \tanh^2 x", text="tanh x", sympy="tanh(x)",
                   note="tanh(x) = 2σ(2x) − 1"),
)

#: Every common function by name, in the order the book introduces them.
CATALOGUE: dict[str, CommonFunction] = {fn.name: fn for fn in _ENTRIES}


def names() -> list[str]:
    """The names in :data:`CATALOGUE`, in order."""
    return list(CATALOGUE)


def get(name: str | CommonFunction) -> CommonFunction:
    """The catalogue entry called ``name`` (a :class:`CommonFunction` is returned unchanged).

    Raises
    ------
    TypeError
        If ``name`` is not a string.
    ValueError
        If there is no such entry; the message lists the valid names (and the nearest one).
    """
    if isinstance(name, CommonFunction):
        return name
    if not isinstance(name, str):
        raise TypeError(f"name must be a string such as 'sin', got {type(name).__name__}")
    key = name.strip().lower()
    if key in CATALOGUE:
        return CATALOGUE[key]
    close = difflib.get_close_matches(key, CATALOGUE, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise ValueError(f"no common function called {name!r}.{hint} Valid names: {', '.join(CATALOGUE)}")
