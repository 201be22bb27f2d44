"""Pytrees (calclib.pytree) and their use by the transformations and the optimizers (issue 11, item 2).

References: jax.tree_util for flattening; JAX in float64 (grad, value_and_grad, jacfwd, jacrev, hessian,
jvp, vjp, with has_aux) for derivatives, compared tree by tree; hand-written NumPy loops with hand-derived
backpropagation for the optimizers.
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict, namedtuple

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.flatten_util import ravel_pytree as jax_ravel_pytree

import calclib as cl
from calclib import optimize as O
from calclib import pytree as pt

from references import assert_close

jax.config.update("jax_enable_x64", True)

AD_MODES = ("reverse", "forward")
Point = namedtuple("Point", ["x", "y"])


def assert_tree_close(actual, expected, rtol=1e-10, atol=1e-12):
    """Same structure as JAX sees it (containers, keys), then every leaf close, in the same order."""
    assert jax.tree_util.tree_structure(actual) == jax.tree_util.tree_structure(expected), (
        jax.tree_util.tree_structure(actual), jax.tree_util.tree_structure(expected))
    for a, e in zip(jax.tree_util.tree_leaves(actual), jax.tree_util.tree_leaves(expected)):
        assert isinstance(a, (float, np.ndarray)), type(a)        # plain results, never tracers
        assert not isinstance(a, np.ndarray) or a.dtype == np.float64
        assert_close(a, e, rtol, atol)


def to_jax(tree):
    return jax.tree_util.tree_map(jnp.asarray, tree)


def _params(seed=0):
    """A dict of tuples of arrays, a list and scalars: every kind of container, nested."""
    r = np.random.default_rng(seed)
    return {"dense": (r.normal(size=(3, 2)), r.normal(size=3)), "scales": [r.uniform(0.5, 1.5), r.normal(size=2)],
            "bias": 0.3}


def _model(xp):
    def f(p, x):
        W, b = p["dense"]
        s, v = p["scales"]
        h = xp.tanh(W @ x + b) * s
        return xp.sum(h ** 2) + xp.sum(v * x) * p["bias"] + xp.sin(p["bias"]) * s
    return f


X0 = np.array([0.4, -1.1])


# ---------------------------------------------------------------------------------------------------
# calclib.pytree against jax.tree_util
# ---------------------------------------------------------------------------------------------------
TREES = {
    "dict of tuples": {"b": (1.0, np.ones(2)), "a": [np.zeros((2, 2)), 3]},
    "nested lists": [[1.0, [2.0, (3.0,)]], 4.0],
    "namedtuple": Point(np.ones(3), {"z": 2.0, "y": 1.0}),
    "OrderedDict": OrderedDict([("z", 1.0), ("a", (2.0, 3.0))]),
    "one leaf": np.arange(3.0),
    "empty containers": ((), {}, [1.0]),
}


@pytest.mark.parametrize("name", TREES)
def test_flatten_gives_jax_leaves_and_structure(name):
    tree = TREES[name]
    leaves, treedef = pt.tree_flatten(tree)
    ref_leaves, ref_def = jax.tree_util.tree_flatten(tree)
    assert len(leaves) == len(ref_leaves) == treedef.num_leaves == ref_def.num_leaves
    for a, b in zip(leaves, ref_leaves):
        assert a is b                               # the same objects, in the same order
    rebuilt = pt.tree_unflatten(treedef, leaves)
    assert jax.tree_util.tree_structure(rebuilt) == ref_def
    assert type(rebuilt) is type(tree)
    if name not in ("namedtuple", "OrderedDict"):  # JAX prints these differently
        assert repr(treedef) == repr(ref_def)


def test_dicts_are_rebuilt_in_their_original_key_order_but_compare_as_jax():
    tree = {"W2": 1.0, "b2": 2.0, "W1": 3.0, "b1": 4.0}
    leaves, treedef = pt.tree_flatten(tree)
    assert leaves == [3.0, 1.0, 4.0, 2.0]                        # sorted keys, as JAX
    assert list(pt.tree_map(lambda v: -v, tree)) == ["W2", "b2", "W1", "b1"]   # the order the user wrote
    assert pt.tree_structure({"b1": 0, "W1": 0, "b2": 0, "W2": 0}) == treedef
    assert pt.tree_structure({"W1": 0, "b1": 0}) != pt.tree_structure({"W1": 0, "c1": 0})
    assert pt.tree_structure((0, 0)) != pt.tree_structure([0, 0])
    assert pt.tree_structure((0, (0,))) != pt.tree_structure((0, 0))


def test_defaultdict_keeps_its_factory_and_paths_read_like_indexing():
    tree = defaultdict(list, {"w": [1.0, np.ones(2)]})
    rebuilt = pt.tree_unflatten(*reversed(pt.tree_flatten(tree)))
    assert type(rebuilt) is defaultdict and rebuilt.default_factory is list
    paths = [path for path, _ in pt.tree_leaves_with_path({"W1": (1.0, [2.0]), "p": Point(3.0, 4.0)})]
    assert paths == ["['W1'][0]", "['W1'][1][0]", "['p'].x", "['p'].y"]
    assert pt.tree_leaves_with_path(5.0) == [("", 5.0)]


def test_tree_map_over_several_trees_and_is_leaf():
    a, b = {"w": np.ones(2), "b": 1.0}, {"w": np.array([1.0, 2.0]), "b": 3.0}
    out = pt.tree_map(lambda x, y: x - 0.5 * y, a, b)
    ref = jax.tree_util.tree_map(lambda x, y: x - 0.5 * y, a, b)
    assert_tree_close(out, ref)
    with pytest.raises(ValueError, match="same structure"):
        pt.tree_map(lambda x, y: x + y, a, {"w": 1.0})
    assert pt.tree_map(len, {"pair": (1, 2)}, is_leaf=lambda x: isinstance(x, tuple)) == {"pair": 2}
    assert pt.tree_map(lambda v: v, {"gone": None}) == {"gone": None}      # None is a leaf here


def test_unflatten_checks_the_number_of_leaves():
    treedef = pt.tree_structure((0, [0, 0]))
    with pytest.raises(ValueError, match="3 leaves, but 2"):
        pt.tree_unflatten(treedef, [1, 2])
    with pytest.raises(TypeError, match="PyTreeDef"):
        pt.tree_unflatten([1, 2], [1, 2])


def test_ravel_pytree_matches_jax_flatten_util():
    tree = {"b": np.arange(3.0), "a": (np.ones((2, 2)), 5)}
    flat, unravel = pt.ravel_pytree(tree)
    ref, _ = jax_ravel_pytree(tree)
    np.testing.assert_array_equal(flat, np.asarray(ref))
    back = unravel(flat * 2)
    assert_tree_close(back, jax.tree_util.tree_map(lambda v: 2.0 * np.asarray(v, float), tree))
    assert type(back["a"][1]) is float
    with pytest.raises(ValueError, match=r"\(8,\)"):
        unravel(np.ones(7))


def test_unravel_can_be_differentiated_through_and_keeps_complex_values():
    tree = {"W": np.ones((2, 2)), "b": (np.arange(2.0), 0.5)}
    flat, unravel = pt.ravel_pytree(tree)
    f = lambda p: np.sum(np.sin(p["W"]) * p["b"][0]) * p["b"][1]  # noqa: E731
    fj = lambda p: jnp.sum(jnp.sin(p["W"]) * p["b"][0]) * p["b"][1]  # noqa: E731
    ref_flat, ref_unravel = jax_ravel_pytree(to_jax(tree))
    for mode in AD_MODES:
        assert_close(cl.grad(lambda v: f(unravel(v)), mode=mode)(flat), jax.grad(lambda v: fj(ref_unravel(v)))(ref_flat))
    back = unravel(flat + 1j)
    assert back["W"].dtype == complex and back["b"][1] == 0.5 + 1j


def test_is_array_like_is_what_the_optimizers_read_as_one_vector():
    for x in (1.0, [1.0, 2.0], ((1, 2), (3, 4)), np.ones(3), [np.float64(1.0), 2]):
        assert pt.is_array_like(x), x
    for x in ({"w": 1.0}, (np.ones(2), np.ones(3)), [np.ones(2)], [[1.0], [2.0, 3.0]], [1.0, None], [[{"a": 1.0}]]):
        assert not pt.is_array_like(x), x


# ---------------------------------------------------------------------------------------------------
# grad and value_and_grad
# ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", AD_MODES)
def test_grad_of_a_nested_pytree_matches_jax(mode):
    p = _params()
    got = cl.grad(_model(np), mode=mode)(p, X0)
    ref = jax.grad(_model(jnp))(to_jax(p), jnp.asarray(X0))
    assert_tree_close(got, ref)
    assert list(got) == list(p)                              # the keys in the order of the parameters
    value, got = cl.value_and_grad(_model(np), argnums=(0, 1), mode=mode)(p, X0)
    ref_value, ref = jax.value_and_grad(_model(jnp), argnums=(0, 1))(to_jax(p), jnp.asarray(X0))
    assert type(value) is float
    assert_close(value, ref_value)
    assert isinstance(got, tuple) and len(got) == 2
    assert_tree_close(got, ref)


@pytest.mark.parametrize("mode, rtol", [("central", 1e-6), ("richardson", 1e-9)])
def test_grad_of_a_pytree_by_finite_differences(mode, rtol):
    p = _params(1)
    ref = jax.grad(_model(jnp))(to_jax(p), jnp.asarray(X0))
    assert_tree_close(cl.grad(_model(np), mode=mode)(p, X0), ref, rtol=rtol, atol=rtol)


def test_argnums_tuple_over_several_pytrees_and_plain_arrays():
    def make(xp):
        def f(a, x, b, c):
            return xp.sum(a[0] * x) * b["k"][1] + xp.sum(a[1] ** 2) * c + b["k"][0]
        return f

    a, x, b, c = (np.ones(3), np.arange(2.0)), np.array([1.0, -2.0, 0.5]), {"k": [2.0, np.array(3.0)]}, 1.5
    args = (a, x, b, c)
    for argnums in [(0, 2), (2, 0, 3), (1,), (-2, 0)]:
        got = cl.grad(make(np), argnums=argnums)(*args)
        assert_tree_close(got, jax.grad(make(jnp), argnums=argnums)(*to_jax(args)))


def test_the_same_argument_twice_in_argnums_gives_its_gradient_twice():
    f = lambda x, y: x ** 2 * y  # noqa: E731
    for mode in AD_MODES:
        assert cl.grad(f, argnums=(0, 0), mode=mode)(3.0, 2.0) == (12.0, 12.0)
    g1, g2 = cl.grad(lambda p: np.sum(p["w"] ** 2), argnums=(0, 0))({"w": np.ones(2)})
    np.testing.assert_array_equal(g1["w"], [2.0, 2.0])
    assert not np.shares_memory(g1["w"], g2["w"])


def test_a_tuple_of_arrays_of_different_shapes_is_a_pytree_not_a_ragged_array():
    W, b = np.arange(6.0).reshape(2, 3), np.array([1.0, -1.0])
    f = lambda p: np.sum((p[0] @ np.ones(3) + p[1]) ** 2)  # noqa: E731
    fj = lambda p: jnp.sum((p[0] @ jnp.ones(3) + p[1]) ** 2)  # noqa: E731
    for params in [(W, b), [W, b]]:
        for mode in AD_MODES + ("central",):
            got = cl.grad(f, mode=mode)(params)
            assert type(got) is type(params)
            assert_tree_close(got, jax.grad(fj)(to_jax(params)), rtol=1e-6 if mode == "central" else 1e-10)


def test_integer_leaves_are_promoted_and_results_are_plain():
    got = cl.grad(lambda p: p["n"] ** 2 * np.sum(p["v"]))({"n": 3, "v": np.array([1, 2])})
    assert type(got["n"]) is float and got["n"] == 18.0
    assert got["v"].dtype == np.float64
    np.testing.assert_array_equal(got["v"], [9.0, 9.0])


def test_grad_of_grad_with_pytrees_matches_jax():
    def make(xp, grad):
        inner = grad(lambda p: xp.sum(p["w"] ** 3) * p["b"])
        return lambda p: xp.sum(inner(p)["w"] ** 2) + inner(p)["b"]

    p = {"w": np.array([0.5, -1.0, 2.0]), "b": 0.7}
    assert_tree_close(cl.grad(make(np, cl.grad))(p), jax.grad(make(jnp, jax.grad))(to_jax(p)))


# ---------------------------------------------------------------------------------------------------
# has_aux
# ---------------------------------------------------------------------------------------------------
def _with_aux(xp):
    def f(p, x):
        prediction = xp.tanh(p["W"] @ x + p["b"])
        loss = xp.sum((prediction - 1.0) ** 2)
        return loss, {"prediction": prediction, "loss": loss, "note": "step", "count": 3}
    return f


@pytest.mark.parametrize("mode", AD_MODES + ("central",))
def test_has_aux_as_jax(mode):
    r = np.random.default_rng(3)
    p, x = {"W": r.normal(size=(2, 3)), "b": r.normal(size=2)}, r.normal(size=3)
    tol = 1e-6 if mode == "central" else 1e-10
    (value, aux), g = cl.value_and_grad(_with_aux(np), has_aux=True, mode=mode)(p, x)
    (ref_value, ref_aux), ref_g = jax.value_and_grad(_with_aux(jnp), has_aux=True)(to_jax(p), jnp.asarray(x))
    assert_close(value, ref_value)
    assert_tree_close(g, ref_g, rtol=tol, atol=tol)
    assert aux["note"] == ref_aux["note"] == "step" and aux["count"] == 3
    assert_tree_close({k: aux[k] for k in ("prediction", "loss")}, {k: ref_aux[k] for k in ("prediction", "loss")})
    g2, aux2 = cl.grad(_with_aux(np), has_aux=True, mode=mode)(p, x)
    assert_tree_close(g2, ref_g, rtol=tol, atol=tol)
    assert isinstance(aux2["prediction"], np.ndarray) and isinstance(aux2["loss"], float)   # tracers stripped


def test_aux_of_an_inner_grad_stays_differentiable_by_an_outer_one_as_in_jax():
    def make(xp, grad):
        inner = grad(lambda x: (xp.sin(x) * x, x ** 3), has_aux=True)
        return lambda x: inner(x)[0] + inner(x)[1]     # f'(x) + x³, differentiated again

    for x in (0.3, 1.7):
        assert_close(cl.grad(make(np, cl.grad))(x), jax.grad(make(jnp, jax.grad))(x))


def test_has_aux_for_jacobian_hessian_jvp_and_vjp_as_in_jax():
    def make(xp):
        return lambda p: ({"y": p[0] * xp.sin(p[1]), "z": xp.sum(p[1] ** 2)}, p[1] * 2)

    p = (1.5, np.array([0.3, -0.8]))
    jp = to_jax(p)
    for mode, ref_fn in [("forward", jax.jacfwd), ("reverse", jax.jacrev)]:
        J, aux = cl.jacobian(make(np), mode=mode, has_aux=True)(p)
        ref_J, ref_aux = ref_fn(make(jnp), has_aux=True)(jp)
        assert_tree_close(J, ref_J)
        assert_tree_close(aux, ref_aux)
    J, aux = cl.jacobian(make(np), mode="central", has_aux=True)(p)
    assert_tree_close(J, ref_J, rtol=1e-6, atol=1e-8)
    assert_tree_close(aux, ref_aux)

    def scalar(xp):
        return lambda p: (p[0] ** 2 * xp.sum(xp.exp(p[1])), {"x0": p[0]})

    H, aux = cl.hessian(scalar(np), has_aux=True)(p)
    ref_H, ref_aux = jax.hessian(scalar(jnp), has_aux=True)(jp)
    assert_tree_close(H, ref_H)
    assert_tree_close(aux, ref_aux)

    tangent = (1.0, np.array([0.5, 2.0]))
    out, t, aux = cl.jvp(make(np), (p,), (tangent,), has_aux=True)
    ref_out, ref_t, ref_aux = jax.jvp(make(jnp), (jp,), (to_jax(tangent),), has_aux=True)
    assert_tree_close((out, t, aux), (ref_out, ref_t, ref_aux))

    out, pullback, aux = cl.vjp(make(np), p, has_aux=True)
    ref_out, ref_pullback, ref_aux = jax.vjp(make(jnp), jp, has_aux=True)
    cotangent = {"y": np.array([2.0, 0.5]), "z": -1.0}
    assert_tree_close((out, aux), (ref_out, ref_aux))
    assert_tree_close(pullback(cotangent), ref_pullback(to_jax(cotangent)))


# ---------------------------------------------------------------------------------------------------
# jacobian and hessian: output tree of input trees
# ---------------------------------------------------------------------------------------------------
def _tree_function(xp):
    def f(p):
        W, b = p["dense"]
        s, v = p["scales"]
        return {"h": xp.tanh(W @ v + b) * s, "pair": (xp.sum(W ** 2) * p["bias"], v * s)}
    return f


@pytest.mark.parametrize("mode, ref_fn, rtol", [("forward", jax.jacfwd, 1e-10), ("reverse", jax.jacrev, 1e-10),
                                                ("central", jax.jacfwd, 1e-6)])
def test_jacobian_of_a_pytree_function_is_nested_as_jax(mode, ref_fn, rtol):
    p = _params(2)
    J = cl.jacobian(_tree_function(np), mode=mode)(p)
    ref = ref_fn(_tree_function(jnp))(to_jax(p))
    assert_tree_close(J, ref, rtol=rtol, atol=rtol)
    assert J["h"]["dense"][0].shape == (3, 3, 2)               # out.shape + leaf.shape
    assert np.shape(J["pair"][0]["bias"]) == ()


@pytest.mark.parametrize("mode", AD_MODES)
def test_jacobian_of_an_array_function_of_a_pytree_and_a_pytree_function_of_an_array(mode):
    x = np.array([0.2, 1.3, -0.4])
    f_in = lambda p: p[0] * np.sin(p[1]["a"])  # noqa: E731
    fj_in = lambda p: p[0] * jnp.sin(p[1]["a"])  # noqa: E731
    p = (2.0, {"a": x})
    assert_tree_close(cl.jacobian(f_in, mode=mode)(p), jax.jacfwd(fj_in)(to_jax(p)))
    f_out = lambda x: [x[0] * x, {"s": np.sum(x ** 2)}]  # noqa: E731
    fj_out = lambda x: [x[0] * x, {"s": jnp.sum(x ** 2)}]  # noqa: E731
    assert_tree_close(cl.jacobian(f_out, mode=mode)(x), jax.jacrev(fj_out)(jnp.asarray(x)))
    assert_tree_close(cl.jacobian(lambda y, p: f_in(p) * y, argnums=1, mode=mode)(3.0, p),
                      jax.jacfwd(lambda y, p: fj_in(p) * y, argnums=1)(3.0, to_jax(p)))


def test_jacobian_with_respect_to_an_empty_tuple_is_the_output_tree_of_empty_tuples():
    for mode in AD_MODES:
        assert cl.jacobian(lambda t, x: {"y": x * 2}, mode=mode)((), 1.0) == {"y": ()}


def test_hessian_of_a_pytree_matches_jax():
    def make(xp):
        def f(p, x):
            W, b = p["dense"]
            s, v = p["scales"]
            return xp.sum(xp.tanh(W @ x + b) ** 2) * s + xp.sum(v ** 3) * p["bias"] ** 2
        return f

    p = _params(4)
    assert_tree_close(cl.hessian(make(np))(p, X0), jax.hessian(make(jnp))(to_jax(p), jnp.asarray(X0)))
    assert_tree_close(cl.hessian(make(np), argnums=1)(p, X0),
                      jax.hessian(make(jnp), argnums=1)(to_jax(p), jnp.asarray(X0)))
    H = cl.hessian(make(np))(p, X0)
    assert H["dense"][0]["dense"][1].shape == (3, 2, 3)     # x[a].shape + x[b].shape


# ---------------------------------------------------------------------------------------------------
# jvp and vjp
# ---------------------------------------------------------------------------------------------------
def test_jvp_with_pytree_primals_tangents_and_output_matches_jax():
    p = _params(5)
    r = np.random.default_rng(6)
    tangent = jax.tree_util.tree_map(lambda v: r.normal(size=np.shape(v)), p)
    out, t = cl.jvp(_tree_function(np), (p,), (tangent,))
    ref_out, ref_t = jax.jvp(_tree_function(jnp), (to_jax(p),), (to_jax(tangent),))
    assert_tree_close((out, t), (ref_out, ref_t))
    out, t = cl.jvp(_model(np), (p, X0), (tangent, np.array([1.0, 0.0])))
    ref_out, ref_t = jax.jvp(_model(jnp), (to_jax(p), jnp.asarray(X0)), (to_jax(tangent), jnp.array([1.0, 0.0])))
    assert_close(out, ref_out)
    assert_close(t, ref_t)


def test_vjp_with_pytree_primals_and_output_matches_jax():
    p = _params(7)
    out, pullback = cl.vjp(_tree_function(np), p)
    ref_out, ref_pullback = jax.vjp(_tree_function(jnp), to_jax(p))
    assert_tree_close(out, ref_out)
    r = np.random.default_rng(8)
    for _ in range(2):    # the graph is kept: the pullback can be called again
        cotangent = jax.tree_util.tree_map(lambda v: r.normal(size=np.shape(v)), out)
        got = pullback(cotangent)
        assert isinstance(got, tuple) and len(got) == 1
        assert_tree_close(got, ref_pullback(to_jax(cotangent)))
    out, pullback = cl.vjp(lambda a, b: (a["u"] * b, b), {"u": np.ones(2)}, 3.0)
    ga, gb = pullback((np.array([1.0, 2.0]), 1.0))
    np.testing.assert_array_equal(ga["u"], [3.0, 6.0])
    assert gb == 4.0


def test_vjp_and_jvp_refuse_structures_that_do_not_match():
    out, pullback = cl.vjp(lambda p: {"a": p * 2, "b": p}, np.ones(2))
    with pytest.raises(ValueError, match="structure"):
        pullback({"a": np.ones(2)})
    with pytest.raises(ValueError, match=r"cotangent\['b'\] has shape \(3,\)"):
        pullback({"a": np.ones(2), "b": np.ones(3)})
    with pytest.raises(ValueError, match="structure"):
        cl.jvp(lambda p: p[0], ((1.0, 2.0),), ((1.0,),))
    with pytest.raises(ValueError, match=r"tangents\[0\]\['w'\] has shape \(2,\)"):
        cl.jvp(lambda p: p["w"], ({"w": np.ones(3)},), ({"w": np.ones(2)},))


# ---------------------------------------------------------------------------------------------------
# Errors that teach
# ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", AD_MODES + ("central",))
def test_returning_loss_and_aux_without_has_aux_says_pass_has_aux(mode):
    f = lambda x: (np.sum(x ** 2), x)  # noqa: E731
    for transform in (cl.grad, cl.value_and_grad):
        with pytest.raises(TypeError, match="f returned a tuple: if the second element is auxiliary data, "
                                            "pass has_aux=True"):
            transform(f, mode=mode)(np.ones(2))
    with pytest.raises(TypeError, match="jacobian"):
        cl.grad(lambda x: {"loss": np.sum(x)})(np.ones(2))
    with pytest.raises(TypeError, match=r"has_aux=True needs f to return a pair \(output, aux\)"):
        cl.grad(lambda x: np.sum(x), has_aux=True)(np.ones(2))


@pytest.mark.parametrize("bad, words", [(None, "is None"), ("0.1", "is a str"), (1 + 2j, "is a complex")])
def test_a_leaf_that_is_not_a_number_is_named_by_its_path(bad, words):
    def loss(params, x):
        return np.sum(params["W1"] @ x) + np.sum(params["layers"][1][0])

    params = {"W1": np.ones((2, 2)), "layers": [0.0, [np.ones(2)]]}
    x = np.ones(2)
    with pytest.raises(TypeError, match=r"params\['W1'\] " + words):
        cl.grad(loss)({**params, "W1": bad}, x)
    with pytest.raises(TypeError, match=r"params\['layers'\]\[1\]\[0\] " + words):
        cl.grad(loss, mode="forward")({**params, "layers": [0.0, [bad]]}, x)
    with pytest.raises(TypeError, match=r"primals\[0\]\['W1'\] " + words):
        cl.vjp(loss, {**params, "W1": bad}, x)
    with pytest.raises(TypeError, match=r"x0\['W1'\]"):
        O.gradient_descent(lambda p: loss(p, x), {**params, "W1": bad}, 0.1)


def test_a_list_of_numbers_is_a_pytree_and_the_error_says_so():
    assert cl.grad(lambda x: x[0] * x[1])([2.0, 3.0]) == [3.0, 2.0]       # as jax.grad
    with pytest.raises(TypeError) as info:
        cl.grad(lambda x: np.sum(x ** 2))([1.0, 2.0])
    assert any("np.array" in note and "pytree" in note for note in info.value.__notes__)


def test_check_grad_compares_the_modes_on_a_pytree():
    p = {"w": np.array([1.0, 2.0]), "b": (3.0, np.ones(2))}
    table = cl.check_grad(lambda p: np.sum(np.sin(p["w"]) ** 2) * p["b"][0] + np.sum(p["b"][1] ** 3), p)
    assert [row[0] for row in table.rows] == list(cl.api.MODES)
    with pytest.raises(AssertionError, match="gradients disagree"):      # and it still catches a disagreement
        cl.check_grad(_wrong_gradient_function, {"w": np.array([0.3, 0.7])}, modes=("central",))
    with pytest.raises(TypeError, match=r"x\['w'\] is None"):
        cl.check_grad(lambda p: 0.0, {"w": None})
    with pytest.raises(TypeError, match="cl.grad"):
        cl.derivative(np.sin)((np.ones(2), np.ones(3)))


def _wrong_gradient_function(p):
    """sin(w) with a forward pass that is cos: reverse mode differentiates cos, the differences sin."""
    return np.sum(np.cos(p["w"])) if isinstance(p["w"], cl.core.Tracer) else float(np.sum(np.sin(p["w"])))


def test_an_output_leaf_that_cannot_be_differentiated_is_named():
    with pytest.raises(TypeError, match=r"output\['b'\].*None"):
        cl.jacobian(lambda x: {"a": x, "b": None})(np.ones(2))


# ---------------------------------------------------------------------------------------------------
# Optimizers with pytree parameters: a 2-layer MLP against a hand-written NumPy loop
# ---------------------------------------------------------------------------------------------------
def _mlp_data(seed=0, m=24):
    r = np.random.default_rng(seed)
    X = r.normal(size=(m, 3))
    y = np.sin(X @ np.array([1.0, -0.5, 0.3]))
    params = {"W1": 0.5 * r.normal(size=(3, 4)), "b1": np.zeros(4), "W2": 0.5 * r.normal(size=4), "b2": 0.0}
    return X, y, params


def _mlp_loss(p, X, y):
    hidden = np.tanh(X @ p["W1"] + p["b1"])
    return np.mean((hidden @ p["W2"] + p["b2"] - y) ** 2)


def _mlp_grad_by_hand(p, X, y):
    """Backpropagation written out: the reference the AD gradient is checked against."""
    hidden = np.tanh(X @ p["W1"] + p["b1"])
    r = hidden @ p["W2"] + p["b2"] - y
    d_out = 2 * r / len(y)
    d_hidden = np.outer(d_out, p["W2"]) * (1 - hidden ** 2)
    return {"W1": X.T @ d_hidden, "b1": d_hidden.sum(axis=0), "W2": hidden.T @ d_out, "b2": float(d_out.sum())}


def test_mlp_gradient_with_dict_params_matches_jax_and_the_hand_derivation():
    X, y, p = _mlp_data()
    got = cl.grad(_mlp_loss)(p, X, y)
    assert list(got) == ["W1", "b1", "W2", "b2"] and got["W1"].shape == (3, 4) and type(got["b2"]) is float

    def loss_j(p, X, y):
        return jnp.mean((jnp.tanh(X @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"] - y) ** 2)

    assert_tree_close(got, jax.grad(loss_j)(to_jax(p), jnp.asarray(X), jnp.asarray(y)))
    assert_tree_close(got, _mlp_grad_by_hand(p, X, y), rtol=1e-12)


@pytest.mark.parametrize("momentum, nesterov", [(0.0, False), (0.8, False), (0.8, True)])
def test_gradient_descent_on_an_mlp_with_dict_params_follows_the_hand_written_loop(momentum, nesterov):
    X, y, p0 = _mlp_data(1)
    lr, steps = 0.1, 150
    res = O.gradient_descent(lambda p: _mlp_loss(p, X, y), p0, lr, steps=steps, tol=0, momentum=momentum,
                             nesterov=nesterov)
    # the same method, by hand, with the hand-derived gradient
    p = {k: np.array(v, dtype=float) for k, v in p0.items()}
    v = {k: np.zeros_like(a) for k, a in p.items()}
    path, losses = [p], [_mlp_loss(p, X, y)]
    for _ in range(steps):
        at = {k: p[k] + momentum * v[k] for k in p} if nesterov else p
        g = _mlp_grad_by_hand(at, X, y)
        v = {k: momentum * v[k] - lr * g[k] for k in p}
        p = {k: p[k] + v[k] for k in p}
        path.append(p)
        losses.append(_mlp_loss(p, X, y))
    assert res.nit == steps and res.status == "max_iter"
    assert list(res.x) == ["W1", "b1", "W2", "b2"] and type(res.x["b2"]) is float
    assert_tree_close(res.x, p, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(res.values, losses, rtol=1e-9)
    assert losses[-1] < 0.5 * losses[0]                              # it did learn
    for key in p:
        assert res.path[key].shape == (steps + 1,) + np.shape(p0[key])
        np.testing.assert_allclose(res.path[key], np.array([q[key] for q in path]), rtol=1e-9, atol=1e-12)
        assert not res.path[key].flags.writeable
    np.testing.assert_array_equal(res.path["W1"][0], p0["W1"])


def test_a_pytree_run_takes_exactly_the_steps_of_the_flattened_run():
    X, y, p0 = _mlp_data(2)
    flat0, unravel = pt.ravel_pytree(p0)
    for kwargs in [dict(momentum=0.9), dict(line_search="armijo"), dict()]:
        tree_run = O.gradient_descent(lambda p: _mlp_loss(p, X, y), p0, 0.5, steps=40, **kwargs)
        flat_run = O.gradient_descent(lambda v: _mlp_loss(unravel(v), X, y), flat0, 0.5, steps=40, **kwargs)
        assert tree_run.nit == flat_run.nit and tree_run.status == flat_run.status
        np.testing.assert_array_equal(tree_run.values, flat_run.values)
        np.testing.assert_array_equal(tree_run.grad_norms, flat_run.grad_norms)
        np.testing.assert_array_equal(pt.ravel_pytree(tree_run.x)[0], flat_run.x)
        assert tree_run.message == flat_run.message


def test_gradient_descent_with_a_tuple_of_different_shapes_and_a_hand_gradient():
    target = (np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([-1.0, 0.5, 2.0]))
    f = lambda p: np.sum((p[0] - target[0]) ** 2) + np.sum((p[1] - target[1]) ** 2)  # noqa: E731
    start = (np.zeros((2, 2)), np.zeros(3))
    for grad in (None, "forward", lambda p: (2 * (p[0] - target[0]), 2 * (p[1] - target[1]))):
        res = O.gradient_descent(f, start, 0.25, grad=grad, tol=1e-10)
        assert res.status == "converged" and isinstance(res.x, tuple)
        assert_tree_close(res.x, target, rtol=1e-9)
        assert res.path[0].shape == (res.nit + 1, 2, 2) and res.path[1].shape == (res.nit + 1, 3)
        assert "pytree like x" in repr(res)
    with pytest.raises(ValueError, match="structure of the parameters"):
        O.gradient_descent(f, start, 0.25, grad=lambda p: np.zeros(7))
    with pytest.raises(ValueError, match=r"expected \(3,\), got \(2,\)"):
        O.gradient_descent(f, start, 0.25, grad=lambda p: (p[0], np.zeros(2)))


def test_a_list_of_numbers_is_still_one_array_for_the_optimizers():
    res = O.gradient_descent(lambda p: p[0] ** 2 + 2 * p[1] ** 2, [1.0, -1.0], 0.1)
    assert isinstance(res.x, np.ndarray) and res.path.shape == (res.nit + 1, 2)


def test_sgd_with_dict_params_follows_the_hand_written_loop():
    X, y, p0 = _mlp_data(3, m=20)
    batch, lr, epochs, seed = 6, 0.2, 15, 4
    res = O.sgd(lambda p, b: _mlp_loss(p, *b), p0, (X, y), batch, lr, epochs, seed)
    rng = np.random.default_rng(seed)
    p = {k: np.array(v, dtype=float) for k, v in p0.items()}
    batch_losses, per_epoch = [], [p]
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch):
            rows = order[start:start + batch]
            batch_losses.append(_mlp_loss(p, X[rows], y[rows]))
            g = _mlp_grad_by_hand(p, X[rows], y[rows])
            p = {k: p[k] - lr * g[k] for k in p}
        per_epoch.append(p)
    assert res.status == "completed" and res.nit == epochs
    np.testing.assert_allclose(res.batch_losses, batch_losses, rtol=1e-9)
    assert_tree_close(res.x, p, rtol=1e-9, atol=1e-12)
    for key in p:
        np.testing.assert_allclose(res.path[key], np.array([q[key] for q in per_epoch]), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(res.values, [_mlp_loss(q, X, y) for q in per_epoch], rtol=1e-9)


def test_methods_that_need_one_array_refuse_a_pytree_and_say_what_to_do():
    with pytest.raises(TypeError, match="ravel_pytree"):
        O.newton(lambda p: p["a"] ** 2, {"a": 1.0})
    with pytest.raises(TypeError, match="ravel_pytree"):
        O.classify_critical_point(lambda p: p[0][0] ** 2, (np.zeros(1), np.zeros(2)))
