r"""Measuring the CPU time of calls: batched, repeated, medians (the efficiency chapter's timings).

A measurement of a derivative follows four rules here:

1. **Warm up**: the first call of a function often does extra work (filling caches, tracing it for JAX),
   so :func:`warm_up` calls it once before anything is timed. That call also tells how many calls make
   one *sample* of at least ``min_sample`` seconds: a clock cannot time a single microsecond well, so
   fast calls are batched (:func:`sample` times ``number`` calls in a row).
2. **Median**: :func:`median_time` reports the median of several samples, which one slow sample does not
   move.
3. **Ratios measured in the same run**: :func:`median_ratio` times a computation and a reference back to
   back, again and again, and takes the median of the ratios; a burst of load on the machine shifts a
   ratio much less than either time.
4. **CPU time**, not the wall clock: :data:`clock` is :func:`time.process_time`, the processor time of
   this process. On a busy machine a program often waits while the processor runs something else; the
   wall clock (:func:`time.perf_counter`, used by :mod:`calclib.timing`) counts that waiting, the CPU time
   does not. For code that runs on one core (NumPy's elementwise operations) the two agree on an idle
   machine; for code that uses several cores the CPU time adds them up, and then measures work.

Examples
--------
>>> seconds, result = median_time(lambda: sum(range(1000)))
>>> result, 0 < seconds < 0.01
(499500, True)
>>> 1 < median_ratio(lambda: sum(range(40_000)), lambda: sum(range(10_000))) < 10
True
"""

from __future__ import annotations

import statistics
import time
from typing import Any, Callable

__all__ = ["clock", "warm_up", "sample", "median_time", "median_ratio"]

#: The clock of every measurement here: CPU seconds of this process (:func:`time.process_time`).
clock: Callable[[], float] = time.process_time


def _require_call(fn: Any, name: str = "fn") -> Callable[[], Any]:
    if not callable(fn):
        raise TypeError(f"{name} must be a function of no arguments, e.g. lambda: f(x); got {type(fn).__name__}")
    return fn


def _require_count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a whole number ≥ 1, got {value!r}")
    return value


def _require_seconds(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{name} must be a number of seconds > 0, got {value!r}")
    return float(value)


def warm_up(fn: Callable[[], Any], min_sample: float = 2e-3) -> tuple[Any, int]:
    """Call ``fn()`` once; return its result and how many calls make one sample of ≥ ``min_sample`` seconds.

    The number of calls is ``max(1, int(min_sample / t))`` for the CPU time ``t`` of this first call (at
    least 0.1 µs, so an immeasurably fast call gives a large batch rather than a division by zero).

    Parameters
    ----------
    fn : callable with no arguments
        The computation, e.g. ``lambda: f(x)``.
    min_sample : float
        Seconds that one sample should last at least.

    Returns
    -------
    (result, number) : tuple
        What ``fn()`` returned, and the number of calls per sample (an int ≥ 1).

    Examples
    --------
    >>> result, number = warm_up(lambda: 2 + 2)
    >>> result, number > 1
    (4, True)
    """
    _require_call(fn)
    min_sample = _require_seconds(min_sample, "min_sample")
    start = clock()
    result = fn()
    once = max(clock() - start, 1e-7)
    return result, max(1, int(min_sample / once))


def sample(fn: Callable[[], Any], number: int) -> float:
    """CPU seconds per call of ``fn()``, from ``number`` calls in a row: (time of the batch) ÷ ``number``.

    Examples
    --------
    >>> 0 <= sample(lambda: sum(range(100)), 1000) < 0.01
    True
    """
    _require_call(fn)
    number = _require_count(number, "number")
    start = clock()
    for _ in range(number):
        fn()
    return (clock() - start) / number


def median_time(fn: Callable[[], Any], repeats: int = 3, min_sample: float = 2e-3) -> tuple[float, Any]:
    """Median CPU seconds per call of ``fn()`` over ``repeats`` samples, after one warm-up call.

    Parameters
    ----------
    fn : callable with no arguments
    repeats : int
        Number of samples (batches of calls, each about ``min_sample`` seconds or longer).
    min_sample : float
        Seconds per sample at least (see :func:`warm_up`).

    Returns
    -------
    (seconds, result) : tuple
        The median seconds per call, and the result of the warm-up call (to check what was computed).
    """
    _require_call(fn)
    repeats = _require_count(repeats, "repeats")
    result, number = warm_up(fn, min_sample)
    return statistics.median(sample(fn, number) for _ in range(repeats)), result


def median_ratio(fn: Callable[[], Any], reference: Callable[[], Any], repeats: int = 5,
                 min_sample: float = 2e-3) -> float:
    """Median over ``repeats`` rounds of (CPU time of ``fn``) ÷ (CPU time of ``reference``), timed back to back.

    Each function is warmed up once (which also fixes its batch size); then each round times one sample of
    ``fn`` and, right after it, one of ``reference``.

    Parameters
    ----------
    fn, reference : callables with no arguments
        E.g. ``lambda: cl.grad(f)(x)`` and ``lambda: f(x)``: the result is "the gradient costs r × f".
    repeats : int
        Number of rounds; the median ratio is returned.
    min_sample : float
        Seconds per sample at least (see :func:`warm_up`).
    """
    _require_call(fn)
    _require_call(reference, "reference")
    repeats = _require_count(repeats, "repeats")
    (_, n_fn), (_, n_ref) = warm_up(fn, min_sample), warm_up(reference, min_sample)
    return statistics.median(sample(fn, n_fn) / sample(reference, n_ref) for _ in range(repeats))
