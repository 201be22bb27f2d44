r"""calclib's public API: function transformations named and behaving as in JAX.

Each transformation takes a function written with plain NumPy and returns a new function:

===============================  ==============================================================
``grad(f)``                      :math:`\nabla f`, same shape as the argument (``f`` returns a scalar)
``value_and_grad(f)``            :math:`(f(x), \nabla f(x))` from one forward and one backward pass
``derivative(f)``                :math:`f'` of a scalar function, at every point of an array at once
``jacobian(f)``                  :math:`J_f`, shape ``out.shape + x.shape``
``hessian(f)``                   :math:`\nabla^2 f`, exact: forward mode over reverse mode
``hvp(f, primals, tangents)``    :math:`\nabla^2 f(x)\,v` without forming :math:`\nabla^2 f`, as JAX's cookbook
``jvp(f, primals, tangents)``    :math:`(f(x), J_f(x)\,v)`, as ``jax.jvp``
``vjp(f, *primals)``             :math:`(f(x), \bar y \mapsto \bar y^\top J_f(x))`, as ``jax.vjp``
``check_grad(f, x)``             every mode side by side, each with its error
===============================  ==============================================================

**Pytrees.** As in JAX, an argument may be a pytree (:mod:`calclib.pytree`): tuples, lists and dicts of
arrays and numbers, nested. Derivatives come back in the same structure: ``grad(loss)(params, x, y)``
with ``params = {"W1": ..., "b1": ...}`` returns a dict of the same keys, each gradient shaped like its
parameter. ``jacobian``, ``jvp`` and ``vjp`` also accept functions that return pytrees; a Jacobian is
then the output's tree with, at each output leaf, the input's tree (``J[out_key][in_key]`` has shape
``out.shape + x.shape``), as ``jax.jacfwd`` and ``jax.jacrev`` give it.

**Auxiliary data.** With ``has_aux=True`` (``grad``, ``value_and_grad``, ``jacobian``, ``hessian``,
``jvp``, ``vjp``), ``f`` returns a pair ``(output, aux)``: only ``output`` is differentiated, and ``aux``
(a pytree of anything: accuracies, predictions, a string) is handed back next to the result, with the
values traced by this transformation replaced by plain arrays, as in JAX.

``mode`` chooses how derivatives are computed: ``"reverse"`` and ``"forward"`` (automatic
differentiation, exact up to rounding) or a finite-difference method from :mod:`calclib.finite_diff`
(``"central"``, ``"forward-difference"``, ``"backward-difference"``, ``"complex-step"``,
``"richardson"``), which picks a near-optimal step itself unless ``h=`` is given.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Sequence

import numpy as np

from . import forward, pytree, reverse
from ._trace_table import TraceTable
from ._validation import require_callable
from .core import (DomainWarning, Tracer, as_float, check_output, count, count_passes, finish, new_level, primal,
                   recording, shape_of)

__all__ = ["grad", "value_and_grad", "derivative", "jacobian", "hessian", "hvp", "jvp", "vjp", "check_grad",
           "count_passes", "DomainWarning", "MODES", "DIFFERENCE_MODES"]

# count_passes (from calclib.core): the transformations count their passes where they make them.

AD_MODES = ("reverse", "forward")
DIFFERENCE_MODES = ("central", "forward-difference", "backward-difference", "complex-step", "richardson")
MODES = AD_MODES + DIFFERENCE_MODES


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}: choose one of {', '.join(repr(m) for m in MODES)}")


def _check_argnums(argnums: int | Sequence[int], nargs: int) -> tuple[int, ...]:
    if type(argnums) is int and -nargs <= argnums < nargs:   # the common case, checked on every call: one int
        return (argnums % nargs,)
    try:
        nums = (argnums,) if isinstance(argnums, (int, np.integer)) else tuple(argnums)
    except TypeError:
        nums = ()
    if not nums or not all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in nums):
        raise ValueError(f"argnums must be an int or a tuple of ints, got {argnums!r}")
    for a in nums:
        if not -nargs <= a < nargs:
            raise ValueError(f"argnums={argnums!r} but the function was called with {nargs} argument(s)")
    return tuple(a % nargs for a in nums)


def _replace(args: tuple, i: int, value: Any) -> tuple:
    return args[:i] + (value,) + args[i + 1:]


def _scalar_output(out: Any, what: str) -> None:
    if np.ndim(primal(out)) != 0:
        raise ValueError(
            f"{what} needs f to return a scalar, but it returned an array of shape {np.shape(primal(out))}. "
            f"For a vector-valued f use cl.jacobian(f); to differentiate a sum, return np.sum(...)."
        )


def _finite_difference(mode: str):
    from . import finite_diff  # imported here: finite_diff does not need the AD engines

    return finite_diff


# ---------------------------------------------------------------------------------------------------
# Pytrees: every transformation works on the leaves of the arguments and of f's output
# ---------------------------------------------------------------------------------------------------
def _arg_name(f: Callable, i: int) -> str:
    """How messages name argument ``i`` of ``f``: its parameter's name if it has one, else ``args[i]``."""
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):   # a ufunc, a builtin
        params = []
    if i < len(params) and params[i].kind in (inspect.Parameter.POSITIONAL_ONLY,
                                              inspect.Parameter.POSITIONAL_OR_KEYWORD):
        return params[i].name
    return f"args[{i}]"


def _float_leaf(leaf: Any, name: Callable[[], str], path: str) -> Any:
    """A leaf as a float array (ints promoted, tracers pass); anything else is refused, naming its path."""
    if isinstance(leaf, Tracer):
        return leaf
    reason = ""
    if leaf is not None and not isinstance(leaf, str):
        try:
            return as_float(leaf)
        except (TypeError, ValueError) as exc:    # complex numbers, objects
            reason = f" ({exc})"
    what = "None" if leaf is None else f"a {type(leaf).__name__} ({leaf!r:.40})"
    where = (": every leaf of a pytree (each entry of its tuples, lists and dicts) must be a number or an array"
             if path else "")
    raise TypeError(f"{name()}{path} is {what}, not a number or an array of numbers{reason}{where}")


def _float_leaves(tree: Any, name: Callable[[], str]) -> tuple[list, pytree.PyTreeDef]:
    """The leaves of a pytree as float arrays (see :func:`_float_leaf`), and its structure."""
    if not pytree.is_container(tree):      # the common case: one array
        return [_float_leaf(tree, name, "")], pytree.LEAF
    pairs, treedef = pytree.tree_flatten_with_path(tree)
    return [_float_leaf(leaf, name, path) for path, leaf in pairs], treedef


def _rebuild(treedef: pytree.PyTreeDef, leaves: Sequence) -> Any:
    return leaves[0] if treedef.kind is None else pytree.tree_unflatten(treedef, leaves)


class _Arguments:
    """The arguments ``args[i]``, ``i`` in ``nums``, flattened: all their leaves in one list, and how to put
    new leaves back (a transformation differentiates ``f`` as a function of the leaves)."""

    def __init__(self, f: Callable, args: Sequence, nums: Sequence[int], name: Callable[[int], str] | None = None):
        self.f, self.args, self.nums = f, tuple(args), tuple(nums)
        self.name = name or (lambda i: _arg_name(f, i))
        self.leaves: list = []
        self.defs: dict[int, pytree.PyTreeDef] = {}
        self.spans: dict[int, tuple[int, int]] = {}
        for i in dict.fromkeys(self.nums):  # an argument named twice in argnums is flattened once
            leaves, self.defs[i] = _float_leaves(args[i], lambda i=i: self.name(i))
            self.spans[i] = (len(self.leaves), len(self.leaves) + len(leaves))
            self.leaves += leaves

    def call(self, leaves: Sequence) -> Any:
        """``f`` at the arguments with these leaves in place."""
        args = list(self.args)
        for i, (a, b) in self.spans.items():
            args[i] = _rebuild(self.defs[i], leaves[a:b])
        try:
            return self.f(*args)
        except TypeError as exc:
            self._note_lists(exc)
            raise

    def trees(self, leaves: Sequence) -> tuple:
        """One tree per entry of ``nums``, from a value per leaf (the derivatives)."""
        trees, seen = [], set()
        for i in self.nums:
            a, b = self.spans[i]
            values = list(leaves[a:b])
            if i in seen:   # the same argument twice: the same derivative, not the same arrays
                values = [np.array(v) if isinstance(v, np.ndarray) else v for v in values]
            seen.add(i)
            trees.append(_rebuild(self.defs[i], values))
        return tuple(trees)

    def _note_lists(self, exc: TypeError) -> None:
        """A list of numbers is a pytree, not an array (as in JAX): say so when f then fails on it."""
        for i in self.spans:
            arg = self.args[i]
            if type(arg) is list and arg and all(isinstance(v, (int, float, np.number))
                                                 for v in pytree.tree_leaves(arg)):
                exc.add_note(f"Note: {self.name(i)} is a list, which calclib (as JAX) treats as a pytree: f "
                             f"received a list of {len(pytree.tree_leaves(arg))} separate numbers, not an array. "
                             f"To differentiate with respect to one array, pass np.array(...) of it.")
                return


class _Output:
    """The structure of ``f``'s output, found as ``f`` runs, and the one flat array the engines see.

    An output that is a single array goes to the engines as it is. A pytree of outputs goes as the
    concatenation of its raveled leaves (exact: the derivatives of ``concatenate`` and ``reshape`` only
    move numbers), and the results are cut back into the tree.
    """

    def __init__(self) -> None:
        self.treedef, self.shapes = pytree.LEAF, ()

    def flatten(self, out: Any) -> Any:
        if not pytree.is_container(out):
            self.treedef = pytree.LEAF
            return out
        pairs, self.treedef = pytree.tree_flatten_with_path(out)
        for path, leaf in pairs:
            check_output(leaf, f"f (at output{path})")
        self.shapes = tuple(tuple(shape_of(leaf)) for _, leaf in pairs)
        return np.concatenate([np.reshape(leaf, -1) for _, leaf in pairs]) if pairs else np.zeros(0)

    def pieces(self, flat: Any, trailing: tuple = ()) -> list:
        """``flat`` (shape ``(total,) + trailing``) cut into one array per output leaf."""
        pieces, start = [], 0
        for shape in self.shapes:
            size = int(np.prod(shape, dtype=int))
            piece = np.reshape(flat[start:start + size], shape + tuple(trailing))
            pieces.append(finish(np.array(piece) if isinstance(piece, np.ndarray) else piece))
            start += size
        return pieces

    def unflatten(self, flat: Any) -> Any:
        """The output's tree from the flat result."""
        return flat if self.treedef.kind is None else pytree.tree_unflatten(self.treedef, self.pieces(flat))

    def join(self, cotangent: Any) -> Any:
        """A cotangent tree (the output's structure) as one flat array."""
        if self.treedef.kind is None:
            return cotangent
        pairs, treedef = pytree.tree_flatten_with_path(cotangent)
        if treedef != self.treedef:
            raise ValueError(f"the cotangent has the structure {treedef} but f's output has the structure "
                             f"{self.treedef}: give one cotangent per output leaf, in the same containers")
        flat = []
        for (path, leaf), shape in zip(pairs, self.shapes):
            leaf = _float_leaf(leaf, lambda: "the cotangent", path)
            if tuple(shape_of(leaf)) != shape:
                raise ValueError(f"the cotangent{path} has shape {tuple(shape_of(leaf))} but the output{path} has "
                                 f"shape {shape}: they must match")
            flat.append(np.reshape(leaf, -1))
        return np.concatenate(flat) if flat else np.zeros(0)


def _what(value: Any) -> str:
    if pytree.is_container(value):
        return f"a {type(value).__name__} of {len(value)} values"
    return f"a {type(value).__name__}"


def _split_aux(out: Any, has_aux: bool, traced: Sequence, aux: list) -> Any:
    """``f``'s output without its aux; the aux of the first call is kept in ``aux``, with the tracers of
    this transformation (the level of ``traced``, the leaves ``f`` was called with) replaced by values."""
    if not has_aux:
        return out
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise TypeError(f"has_aux=True needs f to return a pair (output, aux), but it returned {_what(out)}: "
                        f"write `return loss, aux`, or drop has_aux=True")
    if not aux:
        level = max((x._level for x in traced if isinstance(x, Tracer)), default=None)
        aux.append(_strip(out[1], level))
    return out[0]


def _strip(aux: Any, level: int | None) -> Any:
    """``aux`` with the tracers of ``level`` and above replaced by their values (outer levels stay)."""
    def plain(v: Any) -> Any:
        if level is None or not isinstance(v, Tracer):
            return v
        while isinstance(v, Tracer) and v._level >= level:
            v = v.primal
        return v if isinstance(v, Tracer) else finish(v)

    return pytree.tree_map(plain, aux)


def _function_of_leaves(arguments: _Arguments, output: _Output, has_aux: bool, aux: list) -> Callable:
    """``f`` as a function of the arguments' leaves, returning one flat array (its aux kept in ``aux``)."""
    def f_of_leaves(*xs: Any) -> Any:
        return output.flatten(_split_aux(arguments.call(xs), has_aux, xs, aux))

    return f_of_leaves


def _one_number(out: Any, has_aux: bool) -> Any:
    """Refuse a pytree output in ``grad``, saying what to write instead."""
    if not pytree.is_container(out):
        return out
    if isinstance(out, tuple) and len(out) == 2 and not has_aux:
        raise TypeError("f returned a tuple: if the second element is auxiliary data, pass has_aux=True (then "
                        "grad returns (gradient, aux) and value_and_grad ((value, aux), gradient)). Otherwise "
                        "grad needs f to return one number: for several outputs use cl.jacobian(f)")
    who = "the output in f's pair (output, aux)" if has_aux else "f"
    aux_hint = "" if has_aux else "; to return extra data next to the loss, return (loss, aux) and pass has_aux=True"
    raise TypeError(f"grad needs f to return one number, but {who} returned {_what(out)}: to differentiate "
                    f"several outputs use cl.jacobian(f) (it accepts tuples, lists and dicts); to make one array "
                    f"of them use np.stack([...]){aux_hint}")


def value_and_grad(f: Callable, argnums: int | Sequence[int] = 0, mode: str = "reverse",
                   h: float | None = None, has_aux: bool = False) -> Callable:
    r"""A function returning :math:`(f(x), \nabla f(x))`.

    In reverse mode this costs one forward pass (recording the graph) and one backward pass, whatever
    the number of inputs. ``argnums`` chooses the argument(s) to differentiate with respect to; a tuple
    gives a tuple of gradients, as in JAX. An argument may be a pytree (a dict of parameters, say): its
    gradient is a pytree of the same structure. With ``has_aux=True``, ``f`` returns ``(value, aux)``
    and the result is ``((value, aux), gradient)``, as ``jax.value_and_grad``.

    Examples
    --------
    >>> value_and_grad(lambda x: np.sum(x ** 2))(np.array([1.0, 2.0]))
    (5.0, array([2., 4.]))
    >>> value_and_grad(lambda p: p["a"] * p["b"])({"a": 2.0, "b": 3.0})
    (6.0, {'a': 3.0, 'b': 2.0})
    >>> value_and_grad(lambda x: (x ** 2, "aux"), has_aux=True)(3.0)
    ((9.0, 'aux'), 6.0)
    """
    require_callable(f)
    _check_mode(mode)

    def value_and_grad_fn(*args: Any) -> tuple[Any, Any]:
        nums = _check_argnums(argnums, len(args))
        arguments, aux = _Arguments(f, args, nums), []

        def f_of_leaves(*xs: Any) -> Any:
            return _one_number(_split_aux(arguments.call(xs), has_aux, xs, aux), has_aux)

        leaves = tuple(arguments.leaves)
        if mode == "reverse":
            out, pullback = reverse.vjp(f_of_leaves, *leaves, retain_graph=False)
            _scalar_output(out, "grad")
            grads = pullback(1.0)
        else:
            out = _call(f_of_leaves, leaves)
            check_output(out)
            out = finish(out)
            _scalar_output(out, "grad")
            grads = tuple(_grad_other_mode(f_of_leaves, leaves, k, mode, h) for k in range(len(leaves)))
        grads = arguments.trees(grads)
        value = (out, aux[0]) if has_aux else out
        return value, grads[0] if isinstance(argnums, (int, np.integer)) else grads

    return value_and_grad_fn


def _call(f: Callable, args: tuple) -> Any:
    count("function evaluations")
    with np.errstate(all="ignore"):
        return f(*args)


def _grad_other_mode(f: Callable, args: tuple, i: int, mode: str, h: float | None) -> Any:
    """∇ with respect to argument ``i`` by forward mode (one pass per entry) or finite differences."""
    def f_i(x):
        return f(*_replace(args, i, x))

    if mode == "forward":
        return forward.jacfwd(f_i)(as_float(args[i]))
    fd = _finite_difference(mode)
    counted = _counting(f_i)
    return finish(fd.gradient(counted, args[i], method=mode, h=h))


def _counting(f: Callable) -> Callable:
    def counted(*a, **k):
        count("function evaluations")
        return f(*a, **k)
    return counted


def grad(f: Callable, argnums: int | Sequence[int] = 0, mode: str = "reverse", h: float | None = None,
         has_aux: bool = False) -> Callable:
    r"""The gradient :math:`\nabla f`: a function returning an array shaped like the argument.

    Parameters
    ----------
    f : callable
        Written with plain NumPy; returns a scalar (with ``has_aux=True``, a pair ``(scalar, aux)``).
    argnums : int or tuple of int
        Which argument(s) to differentiate with respect to (a tuple gives a tuple of gradients).
    mode : str
        ``"reverse"`` (default), ``"forward"``, or a finite-difference method (see :data:`MODES`).
    h : float, optional
        Step for the finite-difference modes (default: chosen by the method).
    has_aux : bool
        ``f`` returns ``(value, aux)``; the result is then ``(gradient, aux)``, as ``jax.grad``.

    Notes
    -----
    An argument may be a pytree (:mod:`calclib.pytree`): tuples, lists and dicts of arrays, nested.
    Its gradient is a pytree of the same structure, each leaf shaped like the leaf it belongs to.

    Examples
    --------
    >>> grad(lambda x: np.sum(x ** 2))(np.array([1.0, 2.0, 3.0]))
    array([2., 4., 6.])
    >>> grad(lambda x: x ** 3)(2.0)
    12.0
    >>> grad(grad(lambda x: x ** 3))(2.0)      # nested: f''(x) = 6x
    12.0
    >>> grad(lambda p: np.sum(p["w"] ** 2) + p["b"])({"w": np.array([1.0, 2.0]), "b": 0.5})
    {'w': array([2., 4.]), 'b': 1.0}
    >>> grad(lambda x: (x ** 2, {"x": x}), has_aux=True)(3.0)    # aux: plain values
    (6.0, {'x': 3.0})
    """
    value_and_grad_fn = value_and_grad(f, argnums, mode, h, has_aux)

    def grad_fn(*args: Any) -> Any:
        value, g = value_and_grad_fn(*args)
        return (g, value[1]) if has_aux else g

    return grad_fn


def derivative(f: Callable, mode: str = "reverse", h: float | None = None) -> Callable:
    r"""The derivative :math:`f'` of a function of one variable, evaluated at many points in one pass.

    ``f`` must act elementwise (each output entry depends only on the same input entry, as ``np.sin``
    does); then :math:`f'` at every point of ``x`` comes from one pass: reverse mode differentiates
    :math:`\sum_i f(x_i)`, forward mode pushes a tangent of ones.

    Only a change of shape is detected: a function that returns an array of the same shape but mixes
    entries (``x[::-1]``, ``x * np.sum(x)``) is not elementwise, and ``derivative`` then returns
    :math:`\mathbf{1}^\top J` (reverse) or :math:`J\mathbf{1}` (forward) rather than an error. Use
    :func:`jacobian` for such functions.

    Examples
    --------
    >>> derivative(np.sin)(np.array([0.0, np.pi]))
    array([ 1., -1.])
    """
    require_callable(f)
    _check_mode(mode)

    def derivative_fn(x: Any) -> Any:
        if not pytree.is_array_like(x):
            raise TypeError(f"derivative evaluates f' at the points of one array, but got a {type(x).__name__} of "
                            f"arrays (a pytree): for a function of several parameters use cl.grad or cl.jacobian, "
                            f"which accept pytrees")
        x = as_float(x)
        if mode == "reverse":
            out, pullback = reverse.vjp(f, x, retain_graph=False)
            _check_elementwise(out, x)
            return pullback(np.ones(np.shape(out)))[0]
        if mode == "forward":
            out, tangent = forward.jvp(f, (x,), (np.ones(np.shape(x)),))
            _check_elementwise(out, x)
            return tangent
        fd = _finite_difference(mode)
        return finish(fd.derivative(_counting(f), x, method=mode, h=h))

    return derivative_fn


def _check_elementwise(out: Any, x: Any) -> None:
    if np.shape(out) != np.shape(x):
        raise ValueError(
            f"derivative needs f to act elementwise (one output per input point), but an input of shape "
            f"{np.shape(x)} gave an output of shape {np.shape(out)}: use cl.grad or cl.jacobian instead"
        )


def jacobian(f: Callable, argnums: int = 0, mode: str = "reverse", h: float | None = None,
             has_aux: bool = False) -> Callable:
    r"""The Jacobian :math:`J_f`, an array of shape ``out.shape + x.shape``.

    ``mode="forward"``: one forward pass per input entry (column by column); ``mode="reverse"``: one
    forward pass, then one backward pass per output entry (row by row). Finite-difference modes: 2n
    (central) or n + 1 (one-sided) evaluations.

    Pytrees, as ``jax.jacfwd`` and ``jax.jacrev``: when the argument ``x`` is a pytree, or ``f`` returns
    one, the Jacobian is the output's tree with, at each output leaf, the tree of ``x`` holding the
    blocks :math:`\partial\,\text{out} / \partial x_{\text{leaf}}` (shape ``out.shape + leaf.shape``).
    With ``has_aux=True``, ``f`` returns ``(output, aux)`` and the result is ``(jacobian, aux)``.

    Examples
    --------
    >>> jacobian(lambda x: np.stack([x[0] * x[1], np.sin(x[0])]))(np.array([0.0, 2.0]))
    array([[2., 0.],
           [1., 0.]])
    >>> jacobian(lambda p: {"y": p[0] * p[1]})((2.0, np.array([1.0, 3.0])))
    {'y': (array([1., 3.]), array([[2., 0.],
           [0., 2.]]))}
    """
    require_callable(f)
    _check_mode(mode)
    if not isinstance(argnums, (int, np.integer)):
        raise ValueError(f"jacobian takes one argnums (an int), got {argnums!r}")

    def jacobian_fn(*args: Any) -> Any:
        nums = _check_argnums(argnums, len(args))
        arguments, output, aux = _Arguments(f, args, nums), _Output(), []
        f_of_leaves = _function_of_leaves(arguments, output, has_aux, aux)
        leaves = tuple(arguments.leaves)
        if not leaves or (has_aux and mode not in AD_MODES):
            _call(f_of_leaves, leaves)      # the output's structure (and aux) at the point itself
        if mode == "forward":
            blocks = [forward.jacfwd(f_of_leaves, k)(*leaves) for k in range(len(leaves))]
        elif mode == "reverse":
            blocks = _jacrev_blocks(f_of_leaves, leaves)
        else:
            fd = _finite_difference(mode)
            blocks = [finish(fd.jacobian(_counting(lambda xk, k=k: f_of_leaves(*_replace(leaves, k, xk))),
                                         leaves[k], method=mode, h=h)) for k in range(len(leaves))]
        J = _jacobian_tree(output, arguments.defs[nums[0]], blocks)
        return (J, aux[0]) if has_aux else J

    return jacobian_fn


def _jacrev_blocks(f: Callable, leaves: tuple) -> list:
    r""":math:`\partial f / \partial x_k` for every leaf: one forward pass, one backward pass per output entry."""
    out, pullback = reverse.vjp(f, *leaves)
    out_shape = np.shape(out)
    m = int(np.prod(out_shape, dtype=int))
    rows = []
    for k in range(m):
        seed = np.zeros(m)
        seed[k] = 1.0
        rows.append(pullback(seed.reshape(out_shape)))
    blocks = []
    for k, leaf in enumerate(leaves):
        shape = tuple(out_shape) + tuple(shape_of(leaf))
        blocks.append(finish(np.reshape(np.stack([row[k] for row in rows]), shape)) if rows else np.zeros(shape))
    return blocks


def _jacobian_tree(output: _Output, x_def: pytree.PyTreeDef, blocks: list) -> Any:
    """The Jacobian as JAX nests it: the output's tree, with the tree of ``x`` at each output leaf."""
    if output.treedef.kind is None:
        return _rebuild(x_def, blocks)
    per_output = [[] for _ in output.shapes]
    for block in blocks:                     # shape (total output size,) + leaf.shape
        for row, piece in zip(per_output, output.pieces(block, tuple(shape_of(block))[1:])):
            row.append(piece)
    return pytree.tree_unflatten(output.treedef, [_rebuild(x_def, row) for row in per_output])


def hessian(f: Callable, argnums: int = 0, has_aux: bool = False) -> Callable:
    r"""The Hessian :math:`\nabla^2 f`, exact: forward mode over reverse mode.

    Column :math:`j` is the derivative of :math:`\nabla f` in direction :math:`e_j`, computed by pushing a
    forward-mode tangent through the reverse-mode gradient: n passes of (forward + backward).
    Shape ``x.shape + x.shape``; for a pytree ``x``, a tree of trees, ``H[a][b]`` of shape
    ``x[a].shape + x[b].shape``, as ``jax.hessian``.

    Examples
    --------
    >>> hessian(lambda p: 2 * p[0] ** 2 + 3 * p[1] ** 2 - p[0] * p[1])(np.array([1.0, 3.0]))
    array([[ 4., -1.],
           [-1.,  6.]])
    """
    require_callable(f)
    return jacobian(grad(f, argnums=argnums, has_aux=has_aux), argnums=argnums, mode="forward", has_aux=has_aux)


def hvp(f: Callable, primals: Sequence, tangents: Sequence) -> Any:
    r"""Hessian-vector product :math:`\nabla^2 f(x)\,v`, without forming the Hessian: forward over reverse.

    The Hessian times :math:`v` is the directional derivative of the gradient in direction :math:`v`,

    .. math:: \nabla^2 f(x)\, v = \frac{d}{dt}\, \nabla f(x + t v)\Big|_{t=0},

    so it is one forward-mode tangent pushed through the reverse-mode gradient,
    ``jvp(grad(f), primals, tangents)[1]``, as in JAX's Autodiff Cookbook. That is one forward pass of
    ``f`` (recording the graph) and one backward pass, both on dual numbers: a few gradients' worth of
    work (about 2 to 4), whatever the number n of variables. :func:`hessian` needs n such passes and
    n² numbers of memory; ``hvp`` never forms :math:`\nabla^2 f`, which is what matrix-free methods
    (conjugate gradients, :func:`calclib.optimize.newton_cg`) need.

    Parameters
    ----------
    f : callable
        :math:`f: \mathbb{R}^n \to \mathbb{R}`, written with NumPy, returning one number.
    primals : tuple
        The point, ``(x,)``: ``x`` a number, an array of shape ``(n,)`` (or any shape), or a pytree.
    tangents : tuple
        The vector, ``(v,)``: ``v`` of the same shape (structure) as ``x``.

    Returns
    -------
    float, ndarray or pytree
        :math:`\nabla^2 f(x)\,v`, shaped like ``x`` (a float when ``x`` is a number).

    Notes
    -----
    With several primals ``(x, y)``, as in JAX, ``grad(f)`` is the gradient in the first argument and
    the tangents move all of them: the result is :math:`\frac{d}{dt} \nabla_x f(x + tv, y + tw)`. For the
    gradient as well, call ``jvp(grad(f), primals, tangents)``: it returns :math:`(\nabla f(x), \nabla^2 f(x)\,v)`.

    Examples
    --------
    :math:`f = x_1^3 + x_2^3` has :math:`\nabla^2 f = \operatorname{diag}(6x_1, 6x_2)`:

    >>> hvp(lambda x: np.sum(x ** 3), (np.array([1.0, 2.0]),), (np.array([1.0, -1.0]),))
    array([  6., -12.])
    >>> hvp(lambda x: x ** 3, (2.0,), (1.0,))      # one variable: f''(2) · 1 = 12
    12.0
    """
    require_callable(f)
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError(f"primals and tangents must be tuples, as in JAX's cookbook: hvp(f, (x,), (v,)); got "
                        f"{type(primals).__name__} and {type(tangents).__name__}")
    if not primals:
        raise ValueError("hvp needs a point: primals = (x,) with x the argument of f")
    return jvp(grad(f), primals, tangents)[1]


def jvp(f: Callable, primals: Sequence, tangents: Sequence, has_aux: bool = False) -> tuple:
    r"""Jacobian-vector product: :math:`(f(x),\; J_f(x)\,v)` in one forward pass, as ``jax.jvp``.

    Parameters
    ----------
    f : callable
        Function of ``len(primals)`` arguments, written with NumPy.
    primals : tuple
        The point :math:`x`, one entry per argument of ``f``; each entry may be a pytree.
    tangents : tuple
        The direction :math:`v`: the same structure and shapes as ``primals``.
    has_aux : bool
        ``f`` returns ``(output, aux)``; the result is then ``(out, tangent_out, aux)``.

    Returns
    -------
    (out, tangent_out)
        ``f(*primals)`` and the directional derivative, both with the structure of ``f``'s output.
        Arrays in and out: as :func:`calclib.forward.jvp`, which this extends to pytrees.

    Examples
    --------
    >>> jvp(lambda x, y: x * y, (3.0, 4.0), (1.0, 0.0))   # ∂(xy)/∂x = y
    (12.0, 4.0)
    >>> jvp(lambda p: (p["a"] * p["b"], p["a"]), ({"a": 2.0, "b": 5.0},), ({"a": 1.0, "b": 0.0},))
    ((10.0, 2.0), (5.0, 1.0))
    """
    require_callable(f)
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("primals and tangents must be tuples (as in jax.jvp): jvp(f, (x,), (v,))")
    if len(primals) != len(tangents):
        raise ValueError(f"got {len(primals)} primals but {len(tangents)} tangents: give one tangent per primal")
    arguments = _Arguments(f, primals, range(len(primals)), name=lambda i: f"primals[{i}]")
    t_leaves = []
    for i, t in enumerate(tangents):
        ts, t_def = _float_leaves(t, lambda i=i: f"tangents[{i}]")
        if t_def != arguments.defs[i]:
            raise ValueError(f"tangents[{i}] has the structure {t_def} but primals[{i}] has the structure "
                             f"{arguments.defs[i]}: give a tangent of the same structure, one array per array")
        t_leaves += ts
    for k, (path, _) in enumerate(pytree.tree_leaves_with_path(tuple(primals))):
        if shape_of(arguments.leaves[k]) != shape_of(t_leaves[k]):
            raise ValueError(f"tangent tangents{path} has shape {shape_of(t_leaves[k])} but its primal has shape "
                             f"{shape_of(arguments.leaves[k])}")
    output, aux = _Output(), []
    f_of_leaves = _function_of_leaves(arguments, output, has_aux, aux)
    out, tangent = forward.jvp(f_of_leaves, tuple(arguments.leaves), tuple(t_leaves))
    result = (output.unflatten(out), output.unflatten(tangent))
    return result + (aux[0],) if has_aux else result


def vjp(f: Callable, *primals: Any, has_aux: bool = False, retain_graph: bool = True) -> tuple:
    r"""Vector-Jacobian product: ``(f(*primals), pullback)``, ``pullback(ȳ) = ȳᵀ J_f`` (a tuple), as ``jax.vjp``.

    The forward pass runs once, and each call of ``pullback`` is one backward pass, returning one
    cotangent per primal. Each primal may be a pytree, and ``f`` may return one: the cotangent ``ȳ``
    then has the structure of the output, and the cotangents returned have the structures of the
    primals. With ``has_aux=True``, ``f`` returns ``(output, aux)`` and the result is
    ``(out, pullback, aux)``. ``retain_graph=False``: ``pullback`` can be called once (less memory),
    as in :func:`calclib.reverse.vjp`, which this extends to pytrees.

    Examples
    --------
    >>> out, pullback = vjp(lambda x: np.sum(x ** 2), np.array([1.0, 2.0]))
    >>> pullback(1.0)
    (array([2., 4.]),)
    >>> out, pullback = vjp(lambda p: {"s": p[0] + p[1], "d": p[0] - p[1]}, (1.0, 2.0))
    >>> pullback({"s": 1.0, "d": 0.5})
    ((1.5, 0.5),)
    """
    require_callable(f)
    arguments = _Arguments(f, primals, range(len(primals)), name=lambda i: f"primals[{i}]")
    output, aux = _Output(), []
    f_of_leaves = _function_of_leaves(arguments, output, has_aux, aux)
    out, flat_pullback = reverse.vjp(f_of_leaves, *arguments.leaves, retain_graph=retain_graph)

    def pullback(cotangent: Any) -> tuple:
        return arguments.trees(flat_pullback(output.join(cotangent)))

    result = (output.unflatten(out), pullback)
    return result + (aux[0],) if has_aux else result


def _non_analytic_primitives(f: Callable, x: Any) -> set[str]:
    """The primitives of ``f`` at ``x`` that have no complex derivative (read off the traced graph)."""
    level = new_level()
    with recording(level) as recorded:
        f(reverse.Node(x, level))
    count("forward passes")
    return {node.prim.name for node in recorded if not node.prim.analytic}


def check_grad(f: Callable, x: Any, modes: Sequence[str] = MODES) -> TraceTable:
    r"""Every way of computing :math:`\nabla f(x)` side by side, each with its error against reverse mode.

    Reverse mode is the reference. Forward mode must agree to 1e-10 (relative); each finite-difference
    method must agree within its own error estimate (truncation + round-off, from
    :func:`calclib.finite_diff.gradient`). Raises ``AssertionError`` naming the first mode that does not.
    The complex step is skipped (and says why) when ``f`` uses ``abs``, ``maximum`` or ``minimum``,
    which are not complex-analytic.

    Returns a table (HTML in Jupyter): mode, gradient (or its norm for long vectors), max abs error,
    allowed error. ``x`` may be a pytree (a dict of parameters, say; a list of numbers is one vector):
    the gradients are then compared on all its numbers flattened into one vector, in the order of
    :func:`calclib.pytree.ravel_pytree`.

    Examples
    --------
    >>> table = check_grad(lambda p: np.sum(p["w"] ** 2) * p["b"], {"w": np.array([1.0, 2.0]), "b": 3.0})
    >>> [row[0] for row in table.rows][:3]
    ['reverse', 'forward', 'central']
    """
    require_callable(f)
    if not pytree.is_array_like(x):
        for path, leaf in pytree.tree_leaves_with_path(x):
            _float_leaf(leaf, lambda: "x", path)
        x, unravel = pytree.ravel_pytree(x)
        f = (lambda f: lambda v: f(unravel(v)))(f)
    x = as_float(x)
    reference = np.asarray(grad(f)(x), dtype=float)
    scale = max(1.0, float(np.max(np.abs(reference))) if reference.size else 1.0)
    rows, failures = [], []
    for mode in modes:
        _check_mode(mode)
        if mode == "complex-step" and (kinks := _non_analytic_primitives(f, x)):
            rows.append((mode, f"not applicable: f uses {', '.join(sorted(kinks))}, which has no complex "
                               f"derivative", "", ""))
            continue
        try:
            if mode in AD_MODES:
                g = np.asarray(grad(f, mode=mode)(x), dtype=float)
                allowed = 1e-10 * scale
            else:
                g, err = _finite_difference(mode).gradient(f, x, method=mode, return_error=True)
                g = np.asarray(g, dtype=float)
                allowed = float(np.max(np.asarray(err))) + 1e-13 * scale
        except Exception as exc:  # complex step through np.abs, say
            rows.append((mode, f"not applicable: {exc}", "", ""))
            continue
        error = float(np.max(np.abs(g - reference))) if g.size else 0.0
        shown = g if g.size <= 4 else f"‖g‖ = {np.linalg.norm(g):.6g}"
        rows.append((mode, shown, f"{error:.2e}", f"{allowed:.2e}"))
        if not error <= allowed:
            failures.append(f"{mode}: max error {error:.2e} exceeds its bound {allowed:.2e}")
    table = TraceTable(["mode", "gradient", "max abs error vs reverse", "allowed"], rows,
                       title=f"check_grad at x = {np.array2string(x, precision=4, threshold=6)}")
    if failures:
        raise AssertionError("gradients disagree:\n" + "\n".join(failures) + f"\n{table!r}")
    return table
