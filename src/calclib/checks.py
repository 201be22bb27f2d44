"""Self-checks that teach: how a student's exercise is compared with calclib's own computation.

Every exercise of the book ends with a visible cell that calls :func:`check_function` (for a function
the student wrote) or :func:`check_value` (for a number or array they computed). Both compare with a
reference computed *now*, by calclib, on fresh random inputs, so no stored answer can be copied, and
both fail with one sentence a student can act on: which input, what was expected, what was received.

Graders (nbgrader's hidden tests) wrap their asserts in :func:`graded`, so that an unanswered
exercise fails with the same "still a stub" message instead of a ``NameError`` or a bare
``AssertionError``.

Examples
--------
>>> check_value(0.7, 7 / 10, name="p_hat")
✓ p_hat is right
True
"""

from __future__ import annotations

import contextlib
import inspect
import sys
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np

__all__ = ["CheckFailed", "check_function", "check_value", "graded"]

STUB_MESSAGE = "{name} is still a stub: replace `raise NotImplementedError` with your code."


class CheckFailed(AssertionError):
    """A self-check failed. In Jupyter it shows as one message, not a traceback from inside calclib."""

    def _render_traceback_(self) -> list[str]:  # IPython calls this instead of printing a traceback
        return [f"✗ {self}"]


def _describe(value: Any) -> str:
    if callable(value):
        return getattr(value, "__name__", "a function")
    arr = np.asarray(value)
    if arr.ndim == 0:
        return f"{float(arr):.10g}" if np.issubdtype(arr.dtype, np.number) else repr(value)
    return np.array2string(arr, precision=6, threshold=8)


def _args_text(args: tuple) -> str:
    return ", ".join(_describe(a) for a in args)


def check_function(student: Any, reference: Callable, inputs: Callable[[np.random.Generator], Iterable[tuple]]
                   | Sequence[tuple], *, name: str | None = None, rtol: float = 1e-7, atol: float = 1e-10,
                   hint: str = "") -> bool:
    """Compare a student's function with calclib's (the ``reference``) on fresh inputs.

    Parameters
    ----------
    student : callable
        The student's function.
    reference : callable
        What it should compute, usually a calclib function or a formula built from calclib.
    inputs : callable or sequence of tuples
        Argument tuples; a callable receives a new unseeded random generator, so each run checks
        inputs nobody could have stored answers for.
    name : str, optional
        How to call the function in messages (default: its ``__name__``).
    rtol, atol : float
        Tolerances of ``np.allclose``.
    hint : str
        One sentence shown when the check fails.

    Returns
    -------
    bool
        True (and a ✓ line printed) when every input agrees; otherwise raises :class:`CheckFailed` saying
        which input failed, what was expected and what was received.

    Examples
    --------
    >>> check_function(lambda x: 2 * x, lambda x: x + x, [(1.0,), (2.5,)], name="double")
    ✓ double agrees with calclib on 2 inputs
    True
    """
    label = name or getattr(student, "__name__", "your function")
    if student is None or student is Ellipsis:
        raise CheckFailed(f"{label} has no value yet: define it in the exercise cell." + (f" Hint: {hint}" if hint else ""))
    if not callable(student):
        raise CheckFailed(f"{label} should be a function (defined with def), but it is a {type(student).__name__}.")
    cases = list(inputs(np.random.default_rng()) if callable(inputs) else inputs)
    try:
        signature = inspect.signature(student)
    except (TypeError, ValueError):
        signature = None
    for args in cases:
        if signature is not None:
            try:
                signature.bind(*args)
            except TypeError:
                raise CheckFailed(f"{label}{signature} cannot be called with {len(args)} argument(s) "
                                  f"({_args_text(args)}): check the parameters the exercise asks for.") from None
        try:
            with np.errstate(all="ignore"):
                received = student(*args)
        except NotImplementedError:
            raise CheckFailed(STUB_MESSAGE.format(name=label)
                              + (f" Hint: {hint}" if hint else "")) from None
        except Exception as exc:
            raise CheckFailed(f"{label}({_args_text(args)}) raised {type(exc).__name__}: {exc}") from None
        with np.errstate(all="ignore"):
            expected = reference(*args)
        _compare(label, f"on input ({_args_text(args)})", received, expected, rtol, atol, hint)
    print(f"✓ {label} agrees with calclib on {len(cases)} input{'s' if len(cases) != 1 else ''}")
    return True


def check_value(student_value: Any, expected: Any, *, name: str, rtol: float = 1e-7, atol: float = 1e-10,
                hint: str = "") -> bool:
    """Compare a value the student computed with the one calclib computes now.

    Examples
    --------
    >>> check_value(0.7, 7 / 10, name="p_hat")
    ✓ p_hat is right
    True
    """
    if student_value is None or student_value is Ellipsis:
        raise CheckFailed(f"{name} has no value yet: compute it in the exercise cell." + (f" Hint: {hint}" if hint else ""))
    _compare(name, "", student_value, expected, rtol, atol, hint)
    print(f"✓ {name} is right")
    return True


def _compare(label: str, where: str, received: Any, expected: Any, rtol: float, atol: float, hint: str) -> None:
    tail = f" Hint: {hint}" if hint else ""
    where = f" {where}" if where else ""
    try:
        if isinstance(received, (str, bytes)):  # NumPy would quietly turn "0.7" into a number
            raise TypeError
        got = np.asarray(received, dtype=float)
    except (TypeError, ValueError):
        raise CheckFailed(f"{label}{where} gave {type(received).__name__} {received!r:.60}, but a number or an "
                          f"array of numbers was expected.{tail}") from None
    want = np.asarray(expected, dtype=float)
    if got.shape != want.shape:
        raise CheckFailed(f"{label}{where} has shape {got.shape}, expected shape {want.shape}.{tail}")
    if not np.allclose(got, want, rtol=rtol, atol=atol, equal_nan=True):
        raise CheckFailed(f"{label}{where}: expected {_describe(want)}, received {_describe(got)}.{tail}")


def _caller_namespace(depth: int) -> dict:
    """The global namespace of the notebook (or module) that called us."""
    return sys._getframe(depth).f_globals


@contextlib.contextmanager
def graded(*names: str) -> Iterator[None]:
    """Run a grader's checks of the names an exercise asks for, failing like a self-check.

    Before the checks: each name must exist and have a value (not ``None`` or ``...``). During them: a
    stub that raises ``NotImplementedError`` becomes "still a stub". Any other failure passes through
    unchanged (an ``AssertionError`` is a wrong answer).

    Parameters
    ----------
    *names : str
        The names the exercise statement asks the student to define.

    Examples
    --------
    >>> answer = 42
    >>> with graded("answer"):
    ...     assert answer == 42
    >>> with graded("missing_name"):
    ...     pass
    Traceback (most recent call last):
    ...
    calclib.checks.CheckFailed: missing_name is not defined: run the exercise's cell (and the cells above it) first.
    """
    namespace = _caller_namespace(3)  # graded -> contextmanager.__enter__ -> the caller
    for name in names:
        if name not in namespace:
            raise CheckFailed(f"{name} is not defined: run the exercise's cell (and the cells above it) first.")
        if namespace[name] is None or namespace[name] is Ellipsis:
            raise CheckFailed(f"{name} has no value yet: compute it in the exercise cell.")
    try:
        yield
    except NotImplementedError:
        stubs = [n for n in names if callable(namespace.get(n))]
        raise CheckFailed(STUB_MESSAGE.format(name=" / ".join(stubs) or "this exercise")) from None
