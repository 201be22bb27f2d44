"""``autograd.core``: ``make_vjp`` on calclib; autograd's tracing internals are not mapped."""

from __future__ import annotations

from typing import Any, Callable

import calclib as cl


def make_vjp(fun: Callable, x: Any) -> tuple[Callable, Any]:
    """``(vjp, f(x))``, ``vjp(ȳ)`` the gradient ``ȳᵀ J_f(x)`` shaped like ``x``: calclib's ``vjp``."""
    out, pullback = cl.vjp(fun, x)
    return (lambda g: pullback(g)[0]), out


def _internal(name: str) -> Callable:
    def not_mapped(*args, **kwargs):
        raise NotImplementedError(f"autograd.{name} is an autograd internal, not mapped onto calclib")
    return not_mapped


primitive = _internal("core.primitive")
primitive_vjps: dict = {}          # autograd's registry of VJPs (used only by a left-out test)
