r"""The memory of reverse mode, and checkpointing: recompute instead of store.

Reverse mode runs ``f`` forward once and keeps, on the *tape* (the graph of :mod:`calclib.reverse`), the
values that the backward pass will read. The backward pass visits the steps in reverse order, so for a
chain :math:`y_{i+1} = \mathrm{step}(y_i)` of :math:`k` steps every :math:`y_i` must still be there when
its turn comes: the tape grows like :math:`k`. :func:`tape_size` measures it.

**Checkpointing** (Griewank & Walther, *Evaluating Derivatives*, ch. 12; ``jax.checkpoint``, also called
*remat*) trades memory for work. A checkpointed segment keeps only its inputs on the tape; when the
backward pass reaches it, it runs the segment again from those inputs, recording a fresh tape for that
segment alone, pulls the adjoint back through it, and lets that tape go. Split the chain into :math:`s`
segments of :math:`k/s` steps: the tape keeps :math:`s` checkpoints, plus, during the backward pass, the
tape of one segment at a time,

.. math:: \text{memory} \propto s + \frac{k}{s}, \qquad \text{smallest } (2\sqrt{k}) \text{ at } s = \sqrt{k},

and every step runs twice (:math:`2k` evaluations instead of :math:`k`), whatever :math:`s`.
:func:`checkpoint_tradeoff` measures both for the book's figure. (Nesting checkpoints, as Griewank's
*Revolve* does, lowers the memory further at the price of more recomputation.)

Examples
--------
>>> import numpy as np
>>> from calclib import grad
>>> step = checkpoint(lambda y: np.sin(y) * y)
>>> x = np.array([1.0, 2.0])
>>> bool(np.all(grad(lambda x: np.sum(step(x)))(x) == grad(lambda x: np.sum(np.sin(x) * x))(x)))
True
>>> step.evaluations          # once forward, once more in the backward pass
2
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Callable, NamedTuple

import numpy as np

from ._validation import require_callable
from .core import Primitive, Tracer, as_float, bind, check_output, count, new_level
from .measure import median_time
from .pytree import PyTreeDef, tree_flatten, tree_unflatten
from .reverse import GraphNode, Node, topological_order, vjp

__all__ = ["TapeStats", "tape_size", "checkpoint", "Checkpointed", "CHECKPOINT", "Tradeoff", "checkpoint_tradeoff"]


# ---------------------------------------------------------------------------------------------------
# Measuring the tape
# ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TapeStats:
    """What the tape of ``f`` at ``args`` holds after the forward pass (see :func:`tape_size`).

    Attributes
    ----------
    nodes : int
        Primitives on the tape: the graph nodes the output depends on, the inputs not counted. A
        checkpointed segment is one node, whatever it computes.
    arrays : int
        Distinct array buffers the tape keeps alive (a view counts as the array it views).
    saved_bytes : int
        Their bytes: ``sum(a.nbytes)`` over those buffers.
    peak_bytes : int
        ``saved_bytes`` plus the largest tape that the backward pass rebuilds at one time (the
        ``peak_bytes`` of the largest checkpointed segment; 0 without checkpoints).
    checkpoints : int
        Checkpointed segments on the tape.
    """

    nodes: int
    arrays: int
    saved_bytes: int
    peak_bytes: int
    checkpoints: int


def tape_size(f: Callable, *args: Any) -> TapeStats:
    r"""Run reverse mode's forward pass of ``f`` at ``args`` and measure the tape it records.

    What is counted, exactly:

    - the arrays (``np.ndarray`` and NumPy scalars) that the tape's nodes keep for the backward pass: the
      inputs and outputs a node saves (the values its rule does not read are dropped by
      :mod:`calclib.reverse`, as :class:`calclib.reverse.Unsaved` shapes, and not counted) and the arrays in
      its parameters (the mask of ``np.where``, an index array);
    - each buffer once: a view (``x[1:]``) counts as the array it views, an array saved by two nodes once;
    - not the arrays of ``args`` themselves, nor views of them: the caller keeps them alive anyway;
    - not Python's own objects (a graph node is about a hundred bytes), nor Python numbers, nor the
      adjoints that the backward pass holds while it runs (about two arrays of the output's size).

    ``peak_bytes`` adds the largest tape that a checkpointed segment rebuilds in the backward pass; to
    know it, each checkpointed segment is run (and measured) once more here, from its saved inputs. The
    whole tape is counted as alive until the backward pass ends, as it is for ``vjp`` (``grad`` frees it
    as it goes, so its peak is lower).

    Parameters
    ----------
    f : callable
        ``f(*args)``, written with NumPy, returning an array.
    *args : array_like
        The point (arrays or numbers, as for :func:`calclib.reverse.vjp`).

    Returns
    -------
    TapeStats

    Examples
    --------
    >>> x = np.ones(3)                          # sin saves x, multiply saves sin(x) and x, sum saves its value:
    >>> tape_size(lambda x: np.sum(np.sin(x) * x), x)  # 3 + 3 entries of 8 bytes, one scalar: 56 bytes
    TapeStats(nodes=3, arrays=3, saved_bytes=56, peak_bytes=56, checkpoints=0)
    """
    require_callable(f)
    leaves, out, level = _forward_pass(f, args)
    if not (isinstance(out, Node) and out._level == level):
        return TapeStats(0, 0, 0, 0, 0)                  # the output does not depend on the inputs: no tape
    nodes = [node for node in topological_order(out.graph_node) if node.prim is not None]
    inputs = {id(_buffer(leaf.primal)) for leaf in leaves}
    buffers = {id(b): b for node in nodes for b in map(_buffer, _saved_arrays(node)) if id(b) not in inputs}
    saved_bytes = sum(b.nbytes for b in buffers.values())
    segments = [node for node in nodes if node.prim is CHECKPOINT]
    rebuilt = max((tape_size(*node.params["segment"].of_traced(node.inputs)).peak_bytes for node in segments),
                  default=0)
    return TapeStats(len(nodes), len(buffers), saved_bytes, saved_bytes + rebuilt, len(segments))


def _forward_pass(f: Callable, args: tuple) -> tuple[list[Node], Any, int]:
    """The forward pass of :func:`calclib.reverse.vjp`: the leaves (traced inputs), ``f``'s output, the level."""
    level = new_level()
    leaves = [Node(as_float(a), level) for a in args]
    with np.errstate(all="ignore"):
        out = f(*leaves)
    count("forward passes")
    check_output(out)
    return leaves, out, level


def _saved_arrays(node: GraphNode) -> list:
    """The arrays a graph node keeps: its saved inputs and output, and the arrays among its parameters."""
    params = [v for value in (node.params or {}).values() for v in (value if type(value) is tuple else (value,))]
    return [v for v in (*node.inputs, node.primal, *params) if isinstance(v, (np.ndarray, np.generic))]


def _buffer(value: Any) -> Any:
    """The array that owns ``value``'s memory (``value`` itself, or the array it is a view of)."""
    while isinstance(getattr(value, "base", None), np.ndarray):
        value = value.base
    return value


# ---------------------------------------------------------------------------------------------------
# Checkpointing
# ---------------------------------------------------------------------------------------------------
class Checkpointed:
    """A function checkpointed by :func:`checkpoint`: call it as the function itself.

    Attributes
    ----------
    fun : callable
        The function.
    evaluations : int
        How many times ``fun`` has run: once per call, plus once per backward pass through a
        checkpointed call (the recomputation).
    """

    def __init__(self, fun: Callable):
        functools.update_wrapper(self, fun)             # fun's name and docstring
        self.fun, self.evaluations = fun, 0

    def __repr__(self) -> str:
        return f"checkpoint({getattr(self.fun, '__name__', self.fun)!r})"

    def __call__(self, *args: Any) -> Any:
        """Under reverse mode, one node that saves the arguments only; otherwise ``fun(*args)``."""
        leaves, treedef = tree_flatten(args)              # arguments may be pytrees (a dict of parameters)
        top = max((a for a in leaves if isinstance(a, Tracer)), key=lambda a: a._level, default=None)
        if not isinstance(top, Node):                     # plain values, or forward mode innermost: nothing to save
            return self.evaluate(*args)
        traced = tuple(i for i, a in enumerate(leaves) if isinstance(a, Node) and a._level == top._level)
        return bind(CHECKPOINT, *leaves, segment=_Segment(self, treedef, traced))

    def evaluate(self, *args: Any) -> Any:
        """``fun(*args)``, counted."""
        self.evaluations += 1
        out = self.fun(*args)
        check_output(out, "the checkpointed function")
        return out


class _Segment:
    """The parameter of a checkpoint node: the checkpointed function, the layout of its arguments (``treedef``)
    and the positions of the traced ones among their leaves; during a backward pass, the cotangents of the
    traced inputs, pulled back once for all of them."""

    def __init__(self, checkpointed: Checkpointed, treedef: PyTreeDef, traced: tuple[int, ...]):
        self.checkpointed, self.treedef, self.traced = checkpointed, treedef, traced
        self._seed: Any = None
        self._pending: dict[int, Any] = {}

    def run(self, *leaves: Any) -> Any:
        """The forward pass: the checkpointed function of the leaves (which may be tracers of lower levels)."""
        return self.checkpointed(*tree_unflatten(self.treedef, leaves))

    def of_traced(self, inputs: tuple) -> tuple:
        """``(segment, *xs)``: the function of the traced inputs alone (the others fixed), and their values."""
        def segment(*xs: Any) -> Any:
            leaves = list(inputs)
            for i, x in zip(self.traced, xs):
                leaves[i] = x
            return self.checkpointed.evaluate(*tree_unflatten(self.treedef, leaves))

        return (segment, *(inputs[i] for i in self.traced))

    def cotangent(self, i: int, g: Any, inputs: tuple) -> Any:
        r""":math:`\bar x_i` for output adjoint :math:`\bar y` = ``g``: on the first call of a backward pass,
        re-run the segment from its saved inputs (a fresh tape) and pull ``g`` back to every traced input."""
        if self._seed is not g or i not in self._pending:
            segment, *xs = self.of_traced(inputs)
            _, pullback = vjp(segment, *xs, retain_graph=False)
            self._seed, self._pending = g, dict(zip(self.traced, pullback(g)))
        cotangent = self._pending.pop(i)
        if not self._pending:
            self._seed = None                              # the pass is done with this node
        return cotangent


def _run_segment(*leaves: Any, segment: _Segment) -> Any:
    return segment.run(*leaves)


def _checkpoint_vjp(i: int, g: Any, inputs: tuple, out: Any, params: dict) -> Any:
    return params["segment"].cotangent(i, g, inputs)


CHECKPOINT = Primitive(
    "checkpoint", impl=_run_segment, vjp=_checkpoint_vjp, symbol="checkpoint",
    jvp=None,                         # never needed: under forward mode the checkpointed function just runs
    unread=lambda traced, n: (n,),    # the output is not saved: the recomputation makes it again
)
"""The primitive of a checkpointed call: its value is ``fun(*args)``, its VJP recomputes ``fun`` from the
saved arguments (``params["segment"]``) and runs a backward pass through it."""


def checkpoint(f: Callable) -> Checkpointed:
    r"""``f`` checkpointed (``jax.checkpoint``): under reverse mode, its intermediates are not kept on the tape.

    A call under reverse mode records one node, which saves only the arguments; the backward pass runs
    ``f`` again on them (recording a fresh tape for ``f`` alone) to get the VJP. Outside reverse mode
    (plain values, forward mode), it just calls ``f``. Derivatives are the same as without checkpointing,
    to the last bit; the price is one more evaluation of ``f`` per backward pass
    (:attr:`Checkpointed.evaluations` counts them).

    Parameters
    ----------
    f : callable
        ``f(*args)``, written with NumPy; the arguments may be arrays or pytrees of arrays, the result
        one array (or number). Usable as a decorator, ``@checkpoint``.

    Returns
    -------
    Checkpointed
        A function of the same arguments, with the same values.

    Examples
    --------
    >>> from calclib import grad
    >>> f = checkpoint(lambda x: np.sin(x) * x)
    >>> round(grad(f)(2.0), 12) == round(float(np.sin(2.0) + 2 * np.cos(2.0)), 12)   # (x sin x)' = sin x + x cos x
    True
    >>> f.evaluations
    2
    """
    require_callable(f)
    return Checkpointed(f)


# ---------------------------------------------------------------------------------------------------
# The trade-off, for the book's figure
# ---------------------------------------------------------------------------------------------------
class Tradeoff(NamedTuple):
    """Memory and work of the gradient of a chain (see :func:`checkpoint_tradeoff`)."""

    tape_bytes: int      # the peak tape: TapeStats.peak_bytes
    evaluations: int     # calls of step in one gradient (the forward pass and the recomputations)
    seconds: float       # CPU seconds of one gradient (median, calclib.measure.median_time)


def checkpoint_tradeoff(step: Callable, x0: Any, k: int, segments: int | None = None) -> Tradeoff:
    r"""Memory and work of :math:`\nabla_x \sum y_k` for the chain :math:`y_0 = x`, :math:`y_{i+1} =
    \mathrm{step}(y_i)`, split into ``segments`` checkpointed segments.

    The segments have :math:`k/s` steps each (the first :math:`k \bmod s` one more). ``segments=None``
    checkpoints nothing: plain reverse mode, the baseline. Expect a peak tape :math:`\propto s + k/s`
    (for ``segments=None``, :math:`\propto k`) and :math:`2k` evaluations of ``step`` (:math:`k`).

    Parameters
    ----------
    step : callable
        One step, array to array of the same shape.
    x0 : array_like
        The start :math:`x`.
    k : int
        Number of steps, ≥ 1.
    segments : int or None
        Number of checkpointed segments, from 1 to ``k``; ``None`` for no checkpointing.

    Returns
    -------
    Tradeoff
        ``(tape_bytes, evaluations, seconds)``.

    Examples
    --------
    Sixteen steps of ``np.sin`` (which saves its input, not its output) on an array of 256 KiB, the tape
    in arrays of that size: 15 without checkpoints; with 4 segments, 3 checkpoints and 3 arrays of the
    segment being recomputed.

    >>> x0 = np.ones(2 ** 15)
    >>> [(t // x0.nbytes, n) for t, n, _ in (checkpoint_tradeoff(np.sin, x0, 16, s) for s in (None, 1, 4, 16))]
    [(15, 16), (15, 32), (6, 32), (15, 32)]
    """
    require_callable(step, "step")
    lengths = _segment_lengths(k, segments)
    calls = [0]

    def counted_step(y: Any) -> Any:
        calls[0] += 1
        return step(y)

    def loss(x: Any) -> Any:
        for length in lengths:
            part = functools.partial(_repeat, counted_step, length)
            x = part(x) if segments is None else checkpoint(part)(x)
        return np.sum(x)

    from .api import grad                                 # calclib.api is the user's front door; import it late
    tape_bytes = tape_size(loss, x0).peak_bytes
    calls[0] = 0
    grad(loss)(x0)
    evaluations = calls[0]
    seconds, _ = median_time(lambda: grad(loss)(x0))
    return Tradeoff(tape_bytes, evaluations, seconds)


def _repeat(step: Callable, n: int, y: Any) -> Any:
    """``step`` applied ``n`` times to ``y``."""
    for _ in range(n):
        y = step(y)
    return y


def _segment_lengths(k: Any, segments: Any) -> list[int]:
    """The lengths of ``segments`` nearly equal segments of ``k`` steps (``[k]`` for ``segments=None``)."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a whole number of steps ≥ 1, got {k!r}")
    if segments is None:
        return [int(k)]
    if isinstance(segments, bool) or not isinstance(segments, (int, np.integer)) or not 1 <= segments <= k:
        raise ValueError(f"segments must be a whole number from 1 to k = {k} (or None: no checkpointing), "
                         f"got {segments!r}")
    return [k // segments + (i < k % segments) for i in range(segments)]
