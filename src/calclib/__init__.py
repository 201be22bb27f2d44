"""calclib — computing derivatives, written to be read.

The companion package of the book *Computing Derivatives*. Every chapter calls it; none re-implements it.

Submodules (one idea each)
--------------------------
functions     the common functions of one variable, their derivatives and domains
finite_diff   difference quotients, step choice, complex step, Richardson, error model
symbolic      exact derivatives with sympy, lambdify, expression swell
core          primitives, tracers, levels, bind: what every transformation shares
rules         one table: every primitive's derivative rule, one line each
numpy_dispatch  how NumPy calls on traced values reach the primitives
pytree        nested tuples, lists and dicts of arrays: flatten, unflatten, tree_map, as jax.tree_util
forward       forward-mode AD: dual numbers, JVP, Jacobians column by column
reverse       reverse-mode AD: the tape, VJP, backpropagation, Jacobians row by row
linear        linear maps from derivatives: linearize, linear_transpose (reverse mode = forward mode transposed)
memory        the tape's size, and checkpointing: recompute a segment instead of storing it
graph         drawing a traced computation with its values and adjoints
optimize      gradient descent, momentum, line search, Newton, SGD
landscapes    the test functions of the book, written once
plotting      the recurring figures (matplotlib and plotly)
checks        self-checks of the exercises: a student's work against calclib's, on fresh inputs
notebook      glue (numbers computed in a chapter, quoted in its text) and show_source, also in a plain kernel

The function transformations follow JAX's names and conventions: ``grad``, ``value_and_grad``,
``derivative``, ``jacobian``, ``hessian``, ``hvp``, ``jvp``, ``vjp``, ``check_grad``; their arguments may be
pytrees (a dict of a network's parameters), and ``has_aux=True`` returns auxiliary data, as in JAX.
``linearize`` and ``linear_transpose`` (from :mod:`calclib.linear`, as in JAX) take reverse mode apart:
linearize with forward mode, then transpose. ``checkpoint`` (from :mod:`calclib.memory`, as
``jax.checkpoint``) trades the tape's memory for recomputation.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_SUBMODULES = (
    "functions", "finite_diff", "symbolic", "core", "rules", "numpy_dispatch", "pytree", "forward", "reverse",
    "linear", "memory", "graph", "optimize", "landscapes", "plotting", "api", "checks", "notebook",
)
_API = ("grad", "value_and_grad", "derivative", "jacobian", "hessian", "hvp", "jvp", "vjp", "check_grad")
_FROM_SUBMODULES = {"linearize": "linear", "linear_transpose": "linear", "checkpoint": "memory"}

__all__ = [*_SUBMODULES, *_API, *_FROM_SUBMODULES, "__version__"]


def __getattr__(name: str) -> Any:
    """Import submodules on first use, so ``import calclib`` stays fast (plotly and sympy load lazily)."""
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _API:
        return getattr(importlib.import_module(f"{__name__}.api"), name)
    if name in _FROM_SUBMODULES:
        return getattr(importlib.import_module(f"{__name__}.{_FROM_SUBMODULES[name]}"), name)
    raise AttributeError(f"module 'calclib' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
