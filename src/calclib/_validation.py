"""Checks of user input shared by every module: clear errors instead of tracebacks from deep inside NumPy."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np


def require_callable(f: Any, name: str = "f") -> Callable:
    """Return ``f`` if it is callable, else raise a ``TypeError`` that says what was expected."""
    if not callable(f):
        raise TypeError(
            f"{name} must be a function (something you can call, like `lambda x: x**2`), "
            f"got {type(f).__name__}: {f!r:.60}"
        )
    return f


def as_float_array(x: Any, name: str = "x") -> np.ndarray:
    """Convert ``x`` to a float64 array; integers are promoted, anything non-numeric is refused.

    Raises
    ------
    TypeError
        If ``x`` is not a number or an array of real numbers (e.g. a string, None, a complex number).
    """
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be a number or an array of numbers, got {type(x).__name__}") from exc
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(
            f"{name} must be a real number or an array of real numbers, got {type(x).__name__} "
            f"with dtype {arr.dtype}"
        )
    return arr.astype(np.float64, copy=False)


def require_positive(value: Any, name: str) -> float:
    """Return ``value`` as a float if it is a finite number > 0, else raise a ``ValueError``."""
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a positive number, got {type(value).__name__}") from exc
    if not np.isfinite(v) or v <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return v
