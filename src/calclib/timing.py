r"""Timing a function the way the book's measurements do: batched calls, repeated, the least disturbed kept.

A clock cannot time one call of a microsecond well, so fast calls are *batched*: a first call (which also
warms caches and compiles nothing) tells how many calls fill ``budget`` seconds. Other work on the machine
only ever makes a run slower, so :func:`best_time` keeps the fastest of ``repeat`` batches; a ratio of two
functions (:func:`time_ratio`) times them back to back, batch by batch, and keeps the median ratio, which a
burst of load shifts much less than either time.
"""

from __future__ import annotations

import statistics
import timeit
from typing import Any, Callable

__all__ = ["best_time", "time_ratio"]


def _calls_per_batch(fn: Callable[[], Any], budget: float) -> int:
    """Call ``fn`` once; how many calls take about ``budget`` seconds."""
    start = timeit.default_timer()
    fn()
    once = max(timeit.default_timer() - start, 1e-7)
    return max(1, int(budget / once))


def best_time(fn: Callable[[], Any], budget: float = 0.01, repeat: int = 3) -> float:
    """Seconds per call of ``fn()``: the fastest of ``repeat`` batches, each about ``budget`` seconds long.

    Parameters
    ----------
    fn : callable with no arguments
    budget : float
        Seconds per batch (calls are batched so that the clock's resolution does not matter).
    repeat : int
        Number of batches; the fastest is kept.

    Examples
    --------
    >>> t = best_time(lambda: sum(range(100)))
    >>> 0 < t < 0.01
    True
    """
    if not callable(fn):
        raise TypeError(f"best_time needs a function of no arguments, e.g. lambda: f(x); got {type(fn).__name__}")
    if budget <= 0 or repeat < 1:
        raise ValueError("best_time needs budget > 0 seconds and repeat ≥ 1")
    number = _calls_per_batch(fn, budget)
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def time_ratio(fn: Callable[[], Any], reference: Callable[[], Any], budget: float = 0.002,
               repeat: int = 5) -> float:
    """The median over ``repeat`` rounds of (time of ``fn``) ÷ (time of ``reference``), timed back to back.

    Examples
    --------
    >>> r = time_ratio(lambda: sum(range(2000)), lambda: sum(range(1000)))
    >>> r > 0      # about 2 on a quiet machine; a busy one can make any single ratio far off
    True
    """
    if not (callable(fn) and callable(reference)):
        raise TypeError("time_ratio needs two functions of no arguments, e.g. lambda: f(x)")
    n_fn, n_ref = _calls_per_batch(fn, budget), _calls_per_batch(reference, budget)
    ratios = [timeit.timeit(fn, number=n_fn) / n_fn / (timeit.timeit(reference, number=n_ref) / n_ref)
              for _ in range(repeat)]
    return statistics.median(ratios)
