"""autograd's calling convention, on calclib: ``op(fun, argnum=0)(*args, **kwargs)``."""

from __future__ import annotations

import functools
from typing import Callable


def unary_to_nary(unary: Callable) -> Callable:
    """``unary(f, x)`` (an operator on a function of one argument) as ``op(fun, argnum=0, ...)``.

    As in autograd: ``op(fun, argnum)(*args, **kwargs)`` applies ``unary`` to ``fun`` as a function of
    ``args[argnum]`` alone (the others and ``kwargs`` fixed); a tuple or list ``argnum`` makes ``x`` the
    tuple of those arguments.
    """
    @functools.wraps(unary)
    def nary_operator(fun: Callable, argnum=0, *op_args, **op_kwargs) -> Callable:
        assert type(argnum) in (int, tuple, list), argnum

        def nary_f(*args, **kwargs):
            def unary_f(x):
                new = list(args)
                for i, xi in ([(argnum, x)] if isinstance(argnum, int) else zip(argnum, x)):
                    new[i] = xi
                return fun(*new, **kwargs)
            x = args[argnum] if isinstance(argnum, int) else tuple(args[i] for i in argnum)
            return unary(unary_f, x, *op_args, **op_kwargs)
        return nary_f
    return nary_operator
