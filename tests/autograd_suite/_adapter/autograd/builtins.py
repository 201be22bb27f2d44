"""``autograd.builtins``: calclib traces Python's tuples, lists and dicts (pytrees) as they are."""

import builtins

from calclib.core import primal

tuple, list, dict = builtins.tuple, builtins.list, builtins.dict


def isinstance(x, types) -> bool:
    """``isinstance`` of the value a tracer stands for (autograd's sees through its boxes the same way)."""
    return builtins.isinstance(primal(x), types)
