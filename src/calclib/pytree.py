r"""Pytrees: nested tuples, lists and dicts of arrays, flattened to a list of leaves and rebuilt.

A **pytree** is a value built from the containers ``tuple``, ``list`` and ``dict`` (and
``namedtuple``, ``collections.OrderedDict``, ``collections.defaultdict``), nested to any depth.
Everything else in it is a **leaf**: for calclib's transformations, an array or a number. The
parameters of a neural network, ``{"W1": W1, "b1": b1, "W2": W2, "b2": b2}``, are a pytree with four
leaves; ``(W, [b, 0.5])`` is one with three; a single array is a pytree with one leaf, itself.

**Flattening** a pytree gives its leaves in a fixed order (depth first, dict entries in sorted key
order) and its **structure**, a :class:`PyTreeDef`: the tree with its leaves taken out.
**Unflattening** puts new leaves back into the same structure. This is how :mod:`calclib.api`
differentiates with respect to a pytree: it differentiates with respect to each leaf, then rebuilds
the results with the structure, so that ``cl.grad(loss)(params, x, y)`` returns a dict with the keys
of ``params``, each gradient shaped like its parameter.

Same names and conventions as ``jax.tree_util`` (and :func:`ravel_pytree` as
``jax.flatten_util.ravel_pytree``), with two differences:

* ``None`` is a leaf here (JAX treats it as an empty container), so that a parameter left at ``None``
  is caught, with its path, when a transformation checks its leaves;
* a dict is rebuilt with its keys in their original order (JAX rebuilds it in sorted order); the
  order of the leaves, and equality of structures, ignore the order of the keys, as in JAX.

Subclasses of the containers other than those named above are leaves, as in JAX.

Examples
--------
>>> import numpy as np
>>> params = {"W": np.ones((2, 3)), "b": (np.zeros(2), 0.5)}
>>> leaves, treedef = tree_flatten(params)
>>> treedef
PyTreeDef({'W': *, 'b': (*, *)})
>>> [np.shape(leaf) for leaf in leaves]
[(2, 3), (2,), ()]
>>> tree_unflatten(treedef, [1, 2, 3])
{'W': 1, 'b': (2, 3)}
>>> tree_map(lambda p: 2 * p, {"a": 1.0, "b": [2.0, 3.0]})
{'a': 2.0, 'b': [4.0, 6.0]}
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from typing import Any, Callable, Iterable

import numpy as np

from .core import Tracer

__all__ = ["PyTreeDef", "tree_flatten", "tree_unflatten", "tree_map", "tree_leaves", "tree_structure",
           "tree_leaves_with_path", "tree_flatten_with_path", "is_container", "is_array_like", "ravel_pytree"]


def _kind(x: Any) -> str | None:
    """The kind of container ``x`` is (``"tuple"``, ``"dict"``, ...), or ``None`` for a leaf."""
    t = type(x)
    if t is tuple or t is list or t is dict:
        return t.__name__
    if t is OrderedDict:
        return "OrderedDict"
    if t is defaultdict:
        return "defaultdict"
    if isinstance(x, tuple) and hasattr(t, "_fields"):
        return "namedtuple"
    return None


def is_array_like(x: Any) -> bool:
    """Whether ``x`` is one array of numbers for calclib's optimizers and :func:`calclib.check_grad`: a
    leaf, or (nested) lists and tuples of numbers in a rectangular layout, as ``np.asarray`` reads them.

    A start ``[1.0, -2.0]`` is then one vector; a dict, or a tuple holding arrays (of any shapes), is a
    pytree. (The transformations of :mod:`calclib.api` follow JAX instead: every list is a pytree.)

    Examples
    --------
    >>> is_array_like([1.0, -2.0]), is_array_like([[1, 2], [3, 4]]), is_array_like(np.ones(3))
    (True, True, True)
    >>> is_array_like((np.ones(2), np.ones(3))), is_array_like({"w": 1.0}), is_array_like([[1.0], [2.0, 3.0]])
    (False, False, False)
    """
    if not is_container(x):
        return True
    if not isinstance(x, (list, tuple)) or _holds_dict(x):
        return False
    if not all(isinstance(v, (int, float, np.number)) for v in tree_leaves(x)):
        return False
    try:
        np.asarray(x, dtype=float)
    except ValueError:   # lists of different lengths
        return False
    return True


def _holds_dict(x: Any) -> bool:
    return isinstance(x, dict) or (isinstance(x, (list, tuple)) and any(_holds_dict(v) for v in x))


def is_container(x: Any) -> bool:
    """Whether ``x`` is a container of a pytree (a tuple, list, dict, ...), not a leaf.

    Examples
    --------
    >>> is_container((1.0, 2.0)), is_container(np.ones(2)), is_container(None)
    (True, False, False)
    """
    return _kind(x) is not None


class PyTreeDef:
    """The structure of a pytree: its containers, with a place (``*``) for each leaf.

    Two structures are equal when they have the same containers, the same dict keys (in any order)
    and the same number of leaves in the same places. ``num_leaves`` is the number of leaves.
    """

    __slots__ = ("kind", "meta", "children", "num_leaves")

    def __init__(self, kind: str | None, meta: Any = None, children: tuple[PyTreeDef, ...] = ()):
        self.kind, self.meta, self.children = kind, meta, children
        self.num_leaves = 1 if kind is None else sum(c.num_leaves for c in children)

    def _key(self) -> tuple:
        """What equality compares: the kind, the keys (in leaf order) or the namedtuple type, the children."""
        meta = self.meta
        if self.kind in ("dict", "OrderedDict"):
            meta = meta[0]
        elif self.kind == "defaultdict":
            meta = (meta[0], meta[2])
        return (self.kind, meta, tuple(c._key() for c in self.children))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PyTreeDef) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def unflatten(self, leaves: Iterable) -> Any:
        """The pytree of this structure with ``leaves`` in its places (as :func:`tree_unflatten`)."""
        return tree_unflatten(self, leaves)

    def __repr__(self) -> str:
        return f"PyTreeDef({self._show()})"

    def _show(self) -> str:
        if self.kind is None:
            return "*"
        parts = [c._show() for c in self.children]
        if self.kind in ("dict", "OrderedDict", "defaultdict"):
            body = ", ".join(f"{k!r}: {p}" for k, p in zip(self.meta[0], parts))
            return "{" + body + "}" if self.kind == "dict" else f"{self.kind}({{{body}}})"
        if self.kind == "list":
            return "[" + ", ".join(parts) + "]"
        if self.kind == "namedtuple":
            return f"{self.meta.__name__}(" + ", ".join(f"{k}={p}" for k, p in zip(self.meta._fields, parts)) + ")"
        return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


LEAF = PyTreeDef(None)  #: the structure of a pytree that is a single leaf


def _dict_keys(d: dict, kind: str) -> tuple:
    """The keys in leaf order: sorted (insertion order for an OrderedDict, or if the keys cannot be sorted)."""
    if kind == "OrderedDict":
        return tuple(d)
    try:
        return tuple(sorted(d))
    except TypeError:
        return tuple(d)


def _flatten(tree: Any, path: str, leaves: list, paths: list | None,
             is_leaf: Callable[[Any], bool] | None) -> PyTreeDef:
    kind = None if is_leaf is not None and is_leaf(tree) else _kind(tree)
    if kind is None:
        leaves.append(tree)
        if paths is not None:
            paths.append(path)
        return LEAF
    if kind in ("dict", "OrderedDict", "defaultdict"):
        keys = _dict_keys(tree, kind)
        meta: Any = (keys, tuple(tree)) + ((tree.default_factory,) if kind == "defaultdict" else ())
        items = [(f"[{k!r}]", tree[k]) for k in keys]
    elif kind == "namedtuple":
        meta = type(tree)
        items = [(f".{name}", value) for name, value in zip(tree._fields, tree)]
    else:
        meta = None
        items = [(f"[{i}]", value) for i, value in enumerate(tree)]
    children = tuple(_flatten(value, path + step, leaves, paths, is_leaf) for step, value in items)
    return PyTreeDef(kind, meta, children)


def tree_flatten(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> tuple[list, PyTreeDef]:
    """The leaves of ``tree`` (depth first, dict entries by sorted key) and its structure.

    ``is_leaf(x)``, if given, may declare a container to be a leaf.

    Examples
    --------
    >>> tree_flatten({"b": [1.0, 2.0], "a": 3.0})
    ([3.0, 1.0, 2.0], PyTreeDef({'a': *, 'b': [*, *]}))
    """
    leaves: list = []
    return leaves, _flatten(tree, "", leaves, None, is_leaf)


def tree_flatten_with_path(tree: Any) -> tuple[list[tuple[str, Any]], PyTreeDef]:
    """As :func:`tree_flatten`, each leaf with its path, written as Python would index it (``"['W1']"``,
    ``"[0][2]"``, ``".field"`` for a namedtuple; ``""`` for a tree that is a leaf).

    Unlike JAX, which returns key objects, the paths are strings: they are for messages.

    Examples
    --------
    >>> tree_flatten_with_path({"W": [1.0, 2.0]})[0]
    [("['W'][0]", 1.0), ("['W'][1]", 2.0)]
    """
    leaves: list = []
    paths: list = []
    treedef = _flatten(tree, "", leaves, paths, None)
    return list(zip(paths, leaves)), treedef


def tree_leaves_with_path(tree: Any) -> list[tuple[str, Any]]:
    """The leaves of ``tree`` with their paths (see :func:`tree_flatten_with_path`).

    Examples
    --------
    >>> [path for path, leaf in tree_leaves_with_path({"layers": [(1.0, 2.0)], "b": 0.0})]
    ["['b']", "['layers'][0][0]", "['layers'][0][1]"]
    """
    return tree_flatten_with_path(tree)[0]


def tree_leaves(tree: Any) -> list:
    """The leaves of ``tree``, in flattening order.

    Examples
    --------
    >>> tree_leaves((1.0, {"x": 2.0, "w": [3.0]}))
    [1.0, 3.0, 2.0]
    """
    return tree_flatten(tree)[0]


def tree_structure(tree: Any) -> PyTreeDef:
    """The structure of ``tree``: its containers, without the leaves.

    Examples
    --------
    >>> tree_structure((np.ones(3), [0.0]))
    PyTreeDef((*, [*]))
    """
    return tree_flatten(tree)[1]


def _build(treedef: PyTreeDef, leaves: Iterable) -> Any:
    if treedef.kind is None:
        return next(leaves)  # type: ignore[call-overload]
    children = [_build(c, leaves) for c in treedef.children]
    kind = treedef.kind
    if kind == "tuple":
        return tuple(children)
    if kind == "list":
        return children
    if kind == "namedtuple":
        return treedef.meta(*children)
    by_key = dict(zip(treedef.meta[0], children))
    items = [(k, by_key[k]) for k in treedef.meta[1]]     # the keys in their original order
    if kind == "defaultdict":
        return defaultdict(treedef.meta[2], items)
    return OrderedDict(items) if kind == "OrderedDict" else dict(items)


def tree_unflatten(treedef: PyTreeDef, leaves: Iterable) -> Any:
    """The pytree of structure ``treedef`` with ``leaves`` in its places, in flattening order.

    Examples
    --------
    >>> tree_unflatten(tree_structure({"a": 0, "b": (0, 0)}), [1.0, 2.0, 3.0])
    {'a': 1.0, 'b': (2.0, 3.0)}
    """
    if not isinstance(treedef, PyTreeDef):
        raise TypeError(f"tree_unflatten needs a PyTreeDef (from tree_flatten) first, got {type(treedef).__name__}")
    leaves = list(leaves)
    if len(leaves) != treedef.num_leaves:
        raise ValueError(f"the structure {treedef} has {treedef.num_leaves} leaves, but {len(leaves)} were given")
    return _build(treedef, iter(leaves))


def tree_map(f: Callable, tree: Any, *rest: Any, is_leaf: Callable[[Any], bool] | None = None) -> Any:
    """A pytree of the same structure as ``tree``, with ``f(leaf, *the same leaves of rest)`` at each leaf.

    The trees in ``rest`` must have the same structure as ``tree``.

    Examples
    --------
    >>> params = {"w": np.array([1.0, 2.0]), "b": 0.5}
    >>> grads = {"w": np.array([0.5, -1.0]), "b": 1.0}
    >>> tree_map(lambda p, g: p - 0.1 * g, params, grads)
    {'w': array([0.95, 2.1 ]), 'b': 0.4}
    """
    leaves, treedef = tree_flatten(tree, is_leaf)
    others = []
    for k, other in enumerate(rest, start=2):
        other_leaves, other_def = tree_flatten(other, is_leaf)
        if other_def != treedef:
            raise ValueError(f"tree_map needs trees of the same structure, but tree {k} is {other_def} "
                             f"and the first is {treedef}")
        others.append(other_leaves)
    return _build(treedef, iter([f(*xs) for xs in zip(leaves, *others)]))


def ravel_pytree(tree: Any) -> tuple[np.ndarray, Callable[[Any], Any]]:
    """All the numbers of a pytree in one flat float64 vector, and the function that rebuilds the tree.

    The vector is the concatenation of the raveled leaves in flattening order (as
    ``jax.flatten_util.ravel_pytree``). ``unravel(v)`` returns a pytree of the same structure with
    fresh arrays of the leaves' shapes, a Python float where the leaf was a scalar; applied to a value
    being differentiated, it slices and reshapes it, so that ``f(unravel(v))`` can be differentiated
    with respect to ``v``.

    Examples
    --------
    >>> flat, unravel = ravel_pytree({"W": np.ones((2, 2)), "b": 3})
    >>> flat
    array([1., 1., 1., 1., 3.])
    >>> unravel(np.arange(5.0))
    {'W': array([[0., 1.],
           [2., 3.]]), 'b': 4.0}
    """
    leaves, treedef = tree_flatten(tree)
    arrays = [np.asarray(leaf, dtype=float) for leaf in leaves]
    shapes = [a.shape for a in arrays]
    sizes = [a.size for a in arrays]
    flat = np.concatenate([a.ravel() for a in arrays]) if arrays else np.zeros(0)
    total = int(sum(sizes))

    def unravel(vector: Any) -> Any:
        traced = isinstance(vector, Tracer)
        v = vector if traced else np.asarray(vector)    # complex stays complex (the complex step)
        if tuple(v.shape) != (total,):
            raise ValueError(f"unravel needs a vector of shape ({total},), got shape {tuple(v.shape)}")
        pieces, start = [], 0
        for shape, size in zip(shapes, sizes):
            piece = v[start:start + size].reshape(shape)
            if not traced:
                piece = piece.item() if piece.ndim == 0 else piece.copy()
            pieces.append(piece)
            start += size
        return tree_unflatten(treedef, pieces)

    return flat, unravel
