r"""Symbolic differentiation with sympy: exact derivatives, and their price, expression swell.

A computer algebra system differentiates a *formula* by applying the rules of calculus (sum, product,
chain rule) to its expression tree. The result is exact, but the rules copy sub-expressions: the
product rule turns :math:`fg` into :math:`f'g + fg'`, and repeated copying makes derivatives grow much
faster than the functions they come from. Simplifying helps, at a cost; *sharing* the repeated
sub-expressions (common-subexpression elimination, :func:`sympy.cse`) helps most — and sharing is
exactly what automatic differentiation does.

=================================  ===============================================================
function                           what it does
=================================  ===============================================================
:func:`derivative`                 :math:`d^n f / dx^n`
:func:`gradient`                   :math:`\nabla f`, a column
:func:`jacobian`                   :math:`J = \partial f_i / \partial x_j`
:func:`hessian`                    :math:`H = \partial^2 f / \partial x_i \partial x_j`
:func:`from_string`                a formula typed as text, checked
:func:`to_sympy`                   a Python function made of operators and sympy functions
:func:`lambdify`                   an expression as a fast NumPy function (optionally after ``cse``)
:func:`expression_size`            how big an expression is (tree nodes or operations)
:func:`swell_table`                how big derivatives get as the function grows
=================================  ===============================================================

Every function accepts sympy expressions or strings (``"x**2 * sin(x)"``), and variables as sympy
symbols or names (``"x y"``, ``["x", "y"]``).
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np
import sympy as sp

# ---------------------------------------------------------------------------------------------------
# Reading input: formulas and variables
# ---------------------------------------------------------------------------------------------------


def from_string(text: str) -> sp.Expr:
    """Read a formula written as text, such as ``"x**2 * sin(x)"`` (``^`` also means power).

    A thin, checked layer over :func:`sympy.sympify`. Like ``sympify``, it evaluates the text as Python:
    use it on formulas you typed, not on text from strangers.

    Parameters
    ----------
    text : str
        A formula in Python syntax with sympy's function names (``sin``, ``exp``, ``log``, ``sqrt``...).

    Returns
    -------
    sympy.Expr

    Raises
    ------
    ValueError
        If the text is not a formula; the message quotes it.

    Examples
    --------
    >>> from_string("x^2 + 3*x")
    x**2 + 3*x
    """
    if not isinstance(text, str):
        raise TypeError(f"from_string needs a string such as 'x**2 + 1', got {type(text).__name__}")
    try:
        expr = sp.sympify(text)
    except (sp.SympifyError, SyntaxError, TypeError, ValueError) as exc:
        raise ValueError(
            f"could not read {text!r} as a formula; write it in Python syntax with * for products, "
            f"e.g. '2*x*sin(x)' rather than '2x sin x'"
        ) from exc
    if not isinstance(expr, sp.Expr):
        raise ValueError(f"{text!r} is not a formula (it reads as a {type(expr).__name__})")
    return expr


def _as_expr(expr: Any, name: str = "expr") -> sp.Expr:
    """A sympy expression from an expression, a number or a string; anything else is a ``TypeError``."""
    if isinstance(expr, str):
        return from_string(expr)
    if isinstance(expr, sp.Expr):
        return expr
    if isinstance(expr, (int, float)) and not isinstance(expr, bool):
        return sp.sympify(expr)
    hint = " (for a Python function, use to_sympy(f, 'x') first)" if callable(expr) else ""
    raise TypeError(
        f"{name} must be a sympy expression or a string such as 'x**2 + 1', got "
        f"{type(expr).__name__}{hint}"
    )


def _as_symbols(variables: Any, expr: sp.Basic | None = None) -> tuple[sp.Symbol, ...]:
    """Symbols from ``"x y"``, ``"x, y"``, a Symbol, or a list of names/Symbols.

    A name is matched with a symbol of that name in ``expr`` if there is one, so that ``"x"`` finds
    ``Symbol("x", real=True)`` too.
    """
    if isinstance(variables, (str, sp.Symbol)):
        variables = [variables]
    try:
        items = list(variables)
    except TypeError:
        kind = type(variables).__name__
        raise TypeError(f"variables must be names like 'x y' or sympy Symbols, got {kind}") from None
    in_expr = {} if expr is None else {s.name: s for s in expr.free_symbols if isinstance(s, sp.Symbol)}
    symbols: list[sp.Symbol] = []
    for item in items:
        if isinstance(item, sp.Symbol):
            symbols.append(item)
        elif isinstance(item, str) and item.strip():
            symbols.extend(in_expr.get(n, sp.Symbol(n)) for n in item.replace(",", " ").split())
        else:
            raise TypeError(f"each variable must be a name like 'x' or a sympy Symbol, got {item!r}")
    if not symbols:
        raise ValueError("give at least one variable, e.g. 'x' or 'x y'")
    return tuple(symbols)


# ---------------------------------------------------------------------------------------------------
# Derivatives
# ---------------------------------------------------------------------------------------------------


def derivative(expr: sp.Expr | str, var: sp.Symbol | str, n: int = 1) -> sp.Expr:
    r"""The exact derivative :math:`\dfrac{d^n f}{dx^n}`, by sympy's differentiation rules.

    Parameters
    ----------
    expr : sympy.Expr or str
        The function :math:`f`, e.g. ``"x**3"``.
    var : sympy.Symbol or str
        The variable :math:`x`.
    n : int, optional
        The order, default 1 (0 returns ``expr``).

    Returns
    -------
    sympy.Expr
        Not simplified: what the rules produce (use :func:`sympy.simplify` to tidy it).

    Examples
    --------
    >>> derivative("x**3 * sin(x)", "x")
    x**3*cos(x) + 3*x**2*sin(x)
    >>> derivative("exp(2*x)", "x", n=3)
    8*exp(2*x)
    """
    f = _as_expr(expr)
    symbols = _as_symbols(var, f)
    if len(symbols) != 1:
        raise ValueError(f"derivative takes one variable, got {len(symbols)}: {symbols}; use gradient")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"the order n must be an integer >= 0, got {n!r}")
    return sp.diff(f, symbols[0], int(n))


def gradient(expr: sp.Expr | str, variables: Any) -> sp.Matrix:
    r"""The gradient :math:`\nabla f = (\partial f/\partial x_1, \dots, \partial f/\partial x_n)^T`.

    Parameters
    ----------
    expr : sympy.Expr or str
        A scalar function of several variables.
    variables : str or sequence
        The variables in order: ``"x y"``, ``["x", "y"]`` or sympy symbols.

    Returns
    -------
    sympy.Matrix
        A column, shape ``(n, 1)``.

    Examples
    --------
    >>> gradient("x**2 * y", "x y")
    Matrix([
    [2*x*y],
    [ x**2]])
    """
    f = _as_expr(expr)
    return sp.Matrix([sp.diff(f, x) for x in _as_symbols(variables, f)])


def jacobian(exprs: Any, variables: Any) -> sp.Matrix:
    r"""The Jacobian :math:`J_{ij} = \partial f_i / \partial x_j` of a vector of functions.

    Parameters
    ----------
    exprs : sequence of sympy.Expr or str, or sympy.Matrix, or one expression
        The components :math:`f_1, \dots, f_m` (one expression gives a single row).
    variables : str or sequence
        The variables :math:`x_1, \dots, x_n` in order.

    Returns
    -------
    sympy.Matrix
        Shape ``(m, n)``.

    Examples
    --------
    >>> jacobian(["x*y", "x + 2*y"], "x y")
    Matrix([
    [y, x],
    [1, 2]])
    """
    if isinstance(exprs, (str, sp.Expr)):
        exprs = [exprs]
    if isinstance(exprs, sp.MatrixBase):
        exprs = list(exprs)
    if not isinstance(exprs, Iterable):
        raise TypeError(f"exprs must be a list of expressions or strings, got {type(exprs).__name__}")
    components = sp.Matrix([_as_expr(e, "each component") for e in exprs])
    return components.jacobian(_as_symbols(variables, components))


def hessian(expr: sp.Expr | str, variables: Any) -> sp.Matrix:
    r"""The Hessian :math:`H_{ij} = \partial^2 f / \partial x_i \partial x_j`, symmetric.

    Parameters
    ----------
    expr : sympy.Expr or str
        A scalar function of several variables.
    variables : str or sequence
        The variables in order.

    Returns
    -------
    sympy.Matrix
        Shape ``(n, n)``.

    Examples
    --------
    >>> hessian("2*x**2 + 3*y**2 - x*y", "x y")
    Matrix([
    [ 4, -1],
    [-1,  6]])
    """
    f = _as_expr(expr)
    return sp.hessian(f, _as_symbols(variables, f))


def to_sympy(f: Callable[..., Any], names: Any = "x") -> sp.Expr:
    """The formula of a Python function, found by calling it with sympy symbols.

    ``f`` must be built from operators (``+ - * / **``) and sympy's functions (``sympy.sin``,
    ``sympy.exp``, ...): ``np.sin`` and ``math.sin`` need numbers and cannot take a symbol.

    Parameters
    ----------
    f : callable
        A function of as many arguments as there are names.
    names : str or sequence, optional
        The names of the arguments, default ``"x"``; ``"x y"`` calls ``f(x, y)``.

    Returns
    -------
    sympy.Expr

    Examples
    --------
    >>> to_sympy(lambda x, y: x**2 * y + sp.sin(y), "x y")
    x**2*y + sin(y)
    """
    if not callable(f):
        raise TypeError(f"f must be a function, got {type(f).__name__}")
    symbols = _as_symbols(names)
    try:
        result = f(*symbols)
    except (TypeError, AttributeError) as exc:
        raise TypeError(
            f"calling f with sympy symbols {symbols} failed ({exc}); write f with operators and sympy "
            f"functions (sympy.sin, sympy.exp, ...), not np.sin or math.sin, which need numbers"
        ) from exc
    return _as_expr(sp.sympify(result), "f's result")


# ---------------------------------------------------------------------------------------------------
# From formula to fast numbers
# ---------------------------------------------------------------------------------------------------


def _float_array(value: Any, points: tuple[int, ...], args: tuple) -> Any:
    """``value`` as a float array of shape ``points`` (a float for ``points == ()``). An array NumPy just
    computed, already float and of that shape, is returned as it is: no copy. A constant is broadcast, an
    integer array converted, and an argument itself (the formula ``x``) copied, so the caller's array is
    never returned."""
    array = np.asarray(value)
    if array.shape == points and array.dtype.kind == "f" and not any(value is a for a in args):
        return array if points else array.item()
    full = np.array(np.broadcast_to(array * 1.0, points))
    return full if points else full.item()


def lambdify(expr: Any, variables: Any, cse: bool = False) -> Callable[..., Any]:
    r"""Turn an expression into a NumPy function of ``variables`` (via :func:`sympy.lambdify`).

    The result evaluates the formula with NumPy, elementwise over arrays, as fast as hand-written
    NumPy code. With ``cse=True`` repeated sub-expressions are computed once (see :func:`sympy.cse`),
    which matters for big derivatives. Unlike plain ``sympy.lambdify``, a constant expression such as
    the derivative of ``3*x`` gives an array shaped like the input, and points outside the domain give
    NaN without a ``RuntimeWarning``.

    Parameters
    ----------
    expr : sympy.Expr, str, or sympy.Matrix
        What to evaluate.
    variables : str or sequence
        The arguments of the function, in order (``"x y"`` gives ``f(x, y)``).
    cse : bool, optional
        Eliminate common sub-expressions first; default False.

    Returns
    -------
    callable
        ``f(*arrays)``: for an expression, the broadcast shape of the arguments; for a matrix of
        shape ``(m, n)``, shape ``(m, n) + broadcast shape``.

    Examples
    --------
    >>> df = lambdify(derivative("x**3", "x"), "x")
    >>> df(np.array([1.0, 2.0]))
    array([ 3., 12.])
    >>> lambdify(derivative("3*x", "x"), "x")(np.zeros(2))
    array([3., 3.])
    """
    if isinstance(expr, sp.MatrixBase):
        shape, entries = expr.shape, list(expr)
        symbols = _as_symbols(variables, expr)
    else:
        entries = [_as_expr(expr)]
        shape = None
        symbols = _as_symbols(variables, entries[0])
    compiled = sp.lambdify(symbols, entries, modules="numpy", cse=cse)

    def numeric(*args: Any) -> Any:
        if len(args) != len(symbols):
            raise TypeError(f"this function takes {len(symbols)} argument(s) {symbols}, got {len(args)}")
        with np.errstate(all="ignore"):
            values = compiled(*args)
        points = np.broadcast_shapes(*(np.shape(a) for a in args))
        if shape is None:
            return _float_array(values[0], points, args)
        return np.stack([np.broadcast_to(np.asarray(v) * 1.0, points) for v in values]).reshape(shape + points)

    numeric.__doc__ = f"{expr} as a NumPy function of {', '.join(map(str, symbols))}"
    return numeric


# ---------------------------------------------------------------------------------------------------
# Expression swell
# ---------------------------------------------------------------------------------------------------


def expression_size(expr: Any, measure: str = "nodes", cse: bool = False) -> int:
    r"""The size of an expression, to measure expression swell.

    Two measures:

    * ``"nodes"`` (default): the number of nodes of sympy's expression tree — every operation,
      function, symbol and number counts 1. ``x**2*sin(x)`` is ``Mul(Pow(x, 2), sin(x))``: 6 nodes.
      (sympy writes :math:`a - b` as ``Add(a, Mul(-1, b))`` and :math:`a/b` as ``Mul(a, Pow(b, -1))``.)
    * ``"ops"``: the number of operations as :func:`sympy.count_ops` counts them (``x**2*sin(x)``: 3,
      one each for the power, the product and the sine).

    Parameters
    ----------
    expr : sympy.Expr, str, or sympy.Matrix
        The expression (for a matrix: the sum over its entries).
    measure : {"nodes", "ops"}, optional
        Which size; default ``"nodes"``.
    cse : bool, optional
        Measure the shared form instead: after :func:`sympy.cse`, the sizes of all the
        sub-expression definitions plus that of the reduced expression(s).

    Returns
    -------
    int

    Examples
    --------
    >>> expression_size("x**2*sin(x)"), expression_size("x**2*sin(x)", "ops")
    (6, 3)
    """
    if measure not in ("nodes", "ops"):
        raise ValueError(f"measure must be 'nodes' or 'ops', got {measure!r}")
    entries = list(expr) if isinstance(expr, sp.MatrixBase) else [_as_expr(expr)]
    if cse:
        definitions, reduced = sp.cse(entries)
        entries = [value for _, value in definitions] + list(reduced)
    size = _tree_nodes if measure == "nodes" else sp.count_ops
    return int(sum(size(e) for e in entries))


def _tree_nodes(expr: sp.Basic) -> int:
    """Number of nodes of the expression tree (each operation, function, symbol, number)."""
    return sum(1 for _ in sp.preorder_traversal(expr))


#: The families of :func:`swell_example`, each a function of x that grows with n.
SWELL_FAMILIES = {
    "product": r"f_n = \sin(x)\sin(2x)\cdots\sin(nx): the product rule makes n terms of n factors",
    "composition": r"f_n = \sin(\sin(\cdots\sin(x))), n deep: the chain rule makes a product of n cosines",
    "logistic-map": r"l_1 = x,\ l_{k+1} = 4 l_k (1 - l_k),\ f_n = l_n: each level copies the previous one",
}


def swell_example(family: str, n: int, x: sp.Symbol | str = "x") -> sp.Expr:
    r"""A function of ``x`` that grows with ``n``, from one of the families in :data:`SWELL_FAMILIES`.

    * ``"product"``: :math:`\prod_{k=1}^n \sin(kx)`;
    * ``"composition"``: :math:`\sin(\sin(\cdots\sin(x)))`, ``n`` times;
    * ``"logistic-map"``: :math:`l_n` with :math:`l_1 = x`, :math:`l_{k+1} = 4 l_k (1 - l_k)` — the
      example of Baydin et al. (2018), whose derivative swells exponentially.

    Examples
    --------
    >>> swell_example("logistic-map", 3)
    16*x*(1 - x)*(-4*x*(1 - x) + 1)
    """
    if family not in SWELL_FAMILIES:
        raise ValueError(f"unknown family {family!r}; choose one of {', '.join(map(repr, SWELL_FAMILIES))}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    (x,) = _as_symbols(x)
    if family == "product":
        return sp.Mul(*[sp.sin(k * x) for k in range(1, n + 1)])
    f = x
    for _ in range(n if family == "composition" else n - 1):
        f = sp.sin(f) if family == "composition" else 4 * f * (1 - f)
    return f


def swell_table(
    family: str = "logistic-map", n_max: int = 5, measure: str = "nodes", simplify: bool = True
) -> dict[str, list[int]]:
    r"""Sizes of :math:`f_n` and of its derivative as :math:`n` grows: the data of the swell plot.

    For each :math:`n = 1, \dots,` ``n_max`` of :func:`swell_example`, the size
    (:func:`expression_size`) of

    * ``"function"``: :math:`f_n` itself;
    * ``"derivative"``: :math:`f_n'` as the differentiation rules produce it;
    * ``"simplified"``: :math:`f_n'` after :func:`sympy.simplify` (slow: seconds for the logistic map
      at n = 6; leave out with ``simplify=False``);
    * ``"shared"``: :math:`f_n'` with common sub-expressions shared (:func:`sympy.cse`), which is what
      automatic differentiation does, and which grows only like the function.

    Parameters
    ----------
    family : str, optional
        A key of :data:`SWELL_FAMILIES`; default ``"logistic-map"``.
    n_max : int, optional
        Largest n, default 5.
    measure : {"nodes", "ops"}, optional
        As in :func:`expression_size`.
    simplify : bool, optional
        Include the ``"simplified"`` column (default True).

    Returns
    -------
    dict of str to list of int
        Columns ``"n"``, ``"function"``, ``"derivative"``, ``"shared"`` and (if ``simplify``)
        ``"simplified"``, each of length ``n_max`` — ready for ``pandas.DataFrame`` or a plot.

    Examples
    --------
    >>> table = swell_table("logistic-map", n_max=4, simplify=False)
    >>> table["derivative"]
    [1, 5, 44, 166]
    """
    if isinstance(n_max, bool) or not isinstance(n_max, (int, np.integer)) or n_max < 1:
        raise ValueError(f"n_max must be an integer >= 1, got {n_max!r}")
    x = sp.Symbol("x")
    columns: dict[str, list[int]] = {"n": [], "function": [], "derivative": [], "shared": []}
    if simplify:
        columns["simplified"] = []
    for n in range(1, n_max + 1):
        f = swell_example(family, n, x)
        df = sp.diff(f, x)
        columns["n"].append(n)
        columns["function"].append(expression_size(f, measure))
        columns["derivative"].append(expression_size(df, measure))
        columns["shared"].append(expression_size(df, measure, cse=True))
        if simplify:
            columns["simplified"].append(expression_size(sp.simplify(df), measure))
    return columns
