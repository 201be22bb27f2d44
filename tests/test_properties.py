"""Property-based tests: random expressions built from every supported operation, differentiated by calclib's
forward and reverse modes and by JAX (float64), must agree to 1e-10 relative.

A random expression is a small tree of tuples. :func:`evaluate` runs it with an array namespace ``xp``:
``numpy`` (what calclib traces) or ``jax.numpy`` (the independent reference), so each tree gives a pair
(numpy_fn, jax_fn) of the same mathematics. Operations with a restricted domain are written so the
domain holds (``log(0.5 + u²)``, ``tan(tanh(u))``, positive bases of ``**``), and a plain NumPy evaluation
first checks the margins to every kink (|u| for abs, ties of maximum/minimum, the condition of where,
divisors), rejecting the rare example that sits on one.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import calclib as cl

from references import assert_close

jax.config.update("jax_enable_x64", True)

N = 6                       # the vector input x has N entries; s is a scalar input
MODES = ("reverse", "forward")
SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                                      HealthCheck.data_too_large])


# ---------------------------------------------------------------------------------------------------
# Random expressions
# ---------------------------------------------------------------------------------------------------
UNARY = ["neg", "sin", "cos", "tanh", "arctan", "exp", "abs", "log", "sqrt", "tan", "square", "np.square",
         "cube", "inv_square", "real_power", "sinh", "expm1", "log1p", "reciprocal", "builtin_abs"]
BINARY = ["+", "-", "*", "/", "array_power", "maximum", "minimum", "rsub_const", "rdiv_const"]
REDUCE = ["sum", "mean", "dot", "matmul", "index", "sum_axis", "x.sum"]
STRUCTURAL = ["reverse", "fancy", "roll", "reshape_T", "transpose_method", "const_matvec", "vec_constmat",
              "stack_sum", "concat_mix", "where", "mean_rows", "matmat", "bool_mask_concat"]

floats = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False)


def _const_matrix(seed, shape):
    return np.random.default_rng(seed).normal(size=shape) / np.sqrt(shape[-1])


@st.composite
def vector_expr(draw, depth):
    if depth <= 0 or draw(st.integers(0, 5)) == 0:
        leaf = draw(st.sampled_from(["x", "x", "x", "const"]))
        return ("x",) if leaf == "x" else ("const_v", np.array(draw(st.lists(floats, min_size=N, max_size=N))))
    kind = draw(st.sampled_from(["unary", "binary", "binary", "structural", "structural"]))
    if kind == "unary":
        return ("unary", draw(st.sampled_from(UNARY)), draw(vector_expr(depth - 1)))
    if kind == "binary":
        op = draw(st.sampled_from(BINARY))
        a = draw(vector_expr(depth - 1))
        b = draw(st.one_of(vector_expr(depth - 1), scalar_expr(depth - 1)))
        return ("binary", op, a, b) if draw(st.booleans()) else ("binary", op, b, a)
    op = draw(st.sampled_from(STRUCTURAL))
    a = draw(vector_expr(depth - 1))
    if op == "fancy":
        return ("fancy", np.array(draw(st.lists(st.integers(0, N - 1), min_size=N, max_size=N))), a)
    if op in ("roll", "concat_mix"):
        return (op, draw(st.integers(1, N - 1)), a, draw(vector_expr(depth - 1)))
    if op in ("const_matvec", "vec_constmat"):
        return (op, _const_matrix(draw(st.integers(0, 100)), (N, N)), a)
    if op == "stack_sum":
        axis = draw(st.sampled_from([0, 1, -1]))
        w = _const_matrix(draw(st.integers(0, 100)), (2, N) if axis == 0 else (N, 2))
        return (op, axis, w, a, draw(vector_expr(depth - 1)))
    if op == "where":
        cond = draw(st.one_of(vector_expr(depth - 1), st.lists(st.booleans(), min_size=N, max_size=N).map(np.array)))
        return (op, cond, a, draw(st.one_of(vector_expr(depth - 1), scalar_expr(depth - 1))))
    if op in ("matmat", "bool_mask_concat"):
        return (op, a, draw(vector_expr(depth - 1)))
    return (op, a)


@st.composite
def scalar_expr(draw, depth):
    if depth <= 0 or draw(st.integers(0, 4)) == 0:
        leaf = draw(st.sampled_from(["s", "x[i]", "const"]))
        if leaf == "s":
            return ("s",)
        if leaf == "x[i]":
            return ("index", draw(st.integers(-N, N - 1)), ("x",))
        return ("const_s", draw(floats))
    kind = draw(st.sampled_from(["unary", "binary", "reduce", "reduce"]))
    if kind == "unary":
        return ("unary", draw(st.sampled_from(UNARY)), draw(scalar_expr(depth - 1)))
    if kind == "binary":
        return ("binary", draw(st.sampled_from(BINARY)), draw(scalar_expr(depth - 1)), draw(scalar_expr(depth - 1)))
    op = draw(st.sampled_from(REDUCE))
    a = draw(vector_expr(depth - 1))
    if op in ("dot", "matmul"):
        return (op, a, draw(vector_expr(depth - 1)))
    if op == "index":
        return (op, draw(st.integers(-N, N - 1)), a)
    if op == "sum_axis":
        return (op, draw(st.sampled_from([0, 1, -1])), draw(st.integers(0, 1)), a)
    return (op, a)


class Guards:
    """Margins to kinks and domain edges, collected by a plain NumPy evaluation."""

    def __init__(self):
        self.ok = True

    def at_least(self, value, margin):
        self.ok &= bool(np.all(np.abs(value) >= margin))

    def at_most(self, value, bound):
        self.ok &= bool(np.all(np.abs(value) <= bound))


def evaluate(e, xp, x, s, guards: Guards | None = None):
    """The expression ``e`` at (x, s), written with namespace ``xp`` (numpy or jax.numpy)."""
    def ev(node):
        return evaluate(node, xp, x, s, guards)

    def check(method, value, bound):
        if guards is not None:
            getattr(guards, method)(value, bound)

    kind = e[0]
    if kind == "x":
        return x
    if kind == "s":
        return s
    if kind == "const_v":
        return e[1]
    if kind == "const_s":   # a NumPy scalar: 0.0 ** -2 is inf (then not `usable`), not Python's ZeroDivisionError
        return np.float64(e[1])
    if kind == "unary":
        op, u = e[1], ev(e[2])
        if op == "neg":
            return -u
        if op in ("sin", "cos", "tanh", "arctan"):
            return getattr(xp, op)(u)
        if op in ("exp", "sinh", "expm1"):
            check("at_most", u, 20.0)
            return getattr(xp, op)(u)
        if op in ("abs", "builtin_abs"):
            check("at_least", u, 1e-3)
            return xp.abs(u) if op == "abs" else abs(u)
        if op == "log":
            return xp.log(0.5 + u * u)
        if op == "log1p":
            return xp.log1p(u * u)
        if op == "sqrt":
            return xp.sqrt(0.5 + u * u)
        if op == "tan":
            return xp.tan(xp.tanh(u))
        if op == "square":
            return u ** 2
        if op == "np.square":
            return xp.square(u)
        if op == "cube":
            return u ** 3
        if op == "inv_square":
            check("at_least", u, 0.05)
            return u ** -2
        if op == "real_power":
            return (0.5 + u * u) ** -1.5
        if op == "reciprocal":
            check("at_least", u, 0.05)
            return xp.reciprocal(u)
        raise AssertionError(op)
    if kind == "binary":
        op, a, b = e[1], ev(e[2]), ev(e[3])
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            check("at_least", b, 0.05)
            return a / b
        if op == "array_power":
            return (0.5 + a * a) ** xp.tanh(b)
        if op in ("maximum", "minimum"):
            if guards is not None:
                guards.at_least(a - b, 1e-7 * (1 + np.maximum(np.abs(a), np.abs(b))))
            return getattr(xp, op)(a, b)
        if op == "rsub_const":
            return 1.5 - a * b
        if op == "rdiv_const":
            return 2.0 / (1.0 + a * a) + b
        raise AssertionError(op)
    if kind == "sum":
        return xp.sum(ev(e[1]))
    if kind == "x.sum":
        return ev(e[1]).sum()
    if kind == "mean":
        return xp.mean(ev(e[1]))
    if kind == "dot":
        return xp.dot(ev(e[1]), ev(e[2]))
    if kind == "matmul":
        return ev(e[1]) @ ev(e[2])
    if kind == "index":
        return ev(e[2])[e[1]]
    if kind == "sum_axis":
        return xp.sum(xp.reshape(ev(e[3]), (2, 3)), axis=e[1])[e[2]]
    if kind == "reverse":
        return ev(e[1])[::-1]
    if kind == "fancy":
        return ev(e[2])[e[1]]
    if kind == "roll":
        a, b = ev(e[2]), ev(e[3])
        return xp.concatenate([a[e[1]:], b[:e[1]]])
    if kind == "concat_mix":
        a, b = ev(e[2]), ev(e[3])
        return xp.concatenate([a[:e[1]], b[e[1]:]], axis=0)
    if kind == "reshape_T":
        return ev(e[1]).reshape(2, 3).T.reshape(-1)
    if kind == "transpose_method":
        return xp.transpose(ev(e[1]).reshape(3, 2)).ravel()
    if kind == "const_matvec":
        return e[1] @ ev(e[2])
    if kind == "vec_constmat":
        return xp.dot(ev(e[2]), e[1])
    if kind == "stack_sum":
        axis, w, a, b = e[1], e[2], ev(e[3]), ev(e[4])
        return xp.sum(xp.stack([a, b], axis=axis) * w, axis=axis)
    if kind == "where":
        cond = e[1]
        if isinstance(cond, tuple):
            c = ev(cond)
            check("at_least", c, 1e-7)
            cond = c > 0
        return xp.where(cond, ev(e[2]), ev(e[3]))
    if kind == "mean_rows":
        m = xp.mean(xp.reshape(ev(e[1]), (2, 3)), axis=0)
        return xp.concatenate([m, m[::-1]])
    if kind == "matmat":
        a, b = ev(e[1]), ev(e[2])
        return xp.concatenate([(a.reshape(2, 3) @ b.reshape(2, 3).T).reshape(-1), a[:2] * b[-2:]])
    if kind == "bool_mask_concat":
        a, b = ev(e[1]), ev(e[2])
        mask = np.arange(N) % 3 == 0
        return xp.concatenate([a[mask], b[~mask]])
    raise AssertionError(kind)


def functions(expr):
    """(numpy_fn, jax_fn) of the same expression, both f(x, s)."""
    return (lambda x, s: evaluate(expr, np, x, s)), (lambda x, s: evaluate(expr, jnp, x, s))


def usable(expr, x, s):
    """Away from kinks, inside the domains, finite and of moderate size."""
    guards = Guards()
    with np.errstate(all="ignore"):
        value = evaluate(expr, np, x, s, guards)
    return guards.ok and bool(np.all(np.isfinite(value))) and bool(np.all(np.abs(value) < 1e8))


points = st.tuples(st.lists(floats, min_size=N, max_size=N).map(np.array), floats.map(np.float64))


def jax_point(x, s):
    return jnp.asarray(x), jnp.asarray(s)


def finite_reference(*arrays):
    for a in arrays:
        a = np.asarray(a)
        assume(np.all(np.isfinite(a)) and np.all(np.abs(a) < 1e10))


# ---------------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------------
@settings(max_examples=30, **SETTINGS)
@given(expr=scalar_expr(4), point=points)
def test_gradients_agree_forward_reverse_and_jax(expr, point):
    x, s = point
    assume(usable(expr, x, s))
    f, fj = functions(expr)
    ref_value, ref = jax.jit(jax.value_and_grad(fj, argnums=(0, 1)))(*jax_point(x, s))
    finite_reference(*ref)
    for mode in MODES:
        value, (gx, gs) = cl.value_and_grad(f, argnums=(0, 1), mode=mode)(x, s)
        assert type(value) is float and type(gs) is float and gx.dtype == np.float64
        assert_close(value, ref_value)
        assert_close(gx, ref[0])
        assert_close(gs, ref[1])


@settings(max_examples=20, **SETTINGS)
@given(expr=vector_expr(3), point=points)
def test_jacobians_agree_forward_reverse_and_jacfwd(expr, point):
    x, s = point
    assume(usable(expr, x, s))
    f, fj = functions(expr)
    refs = jax.jit(jax.jacfwd(fj, argnums=(0, 1)))(*jax_point(x, s))
    finite_reference(*refs)
    for argnums, ref in zip((0, 1), refs):
        J_forward = cl.jacobian(f, argnums=argnums, mode="forward")(x, s)
        J_reverse = cl.jacobian(f, argnums=argnums, mode="reverse")(x, s)
        assert_close(J_forward, ref)
        assert_close(J_reverse, ref)
        assert_close(J_forward, J_reverse)


@settings(max_examples=20, **SETTINGS)
@given(expr=st.one_of(vector_expr(3), scalar_expr(4)), point=points, seed=st.integers(0, 2**16))
def test_jvp_and_vjp_match_jax(expr, point, seed):
    x, s = point
    assume(usable(expr, x, s))
    f, fj = functions(expr)
    rng = np.random.default_rng(seed)
    tx, ts = rng.normal(size=N), float(rng.normal())
    c = rng.normal(size=np.shape(f(x, s)))

    @jax.jit
    def reference(x, s, tx, ts, c):
        out, t = jax.jvp(fj, (x, s), (tx, ts))
        return out, t, jax.vjp(fj, x, s)[1](c)

    out_ref, t_ref, cts_ref = reference(*jax_point(x, s), jnp.asarray(tx), jnp.asarray(ts), jnp.asarray(c))
    finite_reference(t_ref, *cts_ref)
    out, t = cl.jvp(f, (x, s), (tx, ts))
    assert_close(out, out_ref)
    assert_close(t, t_ref)

    out, pullback = cl.vjp(f, x, s)
    assert_close(out, out_ref)
    cts = pullback(c)
    assert isinstance(cts, tuple) and isinstance(cts_ref, tuple) and len(cts) == len(cts_ref) == 2
    assert_close(cts[0], cts_ref[0])
    assert_close(cts[1], cts_ref[1])


@settings(max_examples=30, **SETTINGS)
@given(expr=st.one_of(vector_expr(3), scalar_expr(4)), point=points, seed=st.integers(0, 2**16))
def test_vjp_matches_jax_with_the_tricks_for_large_arrays_on_every_array(expr, point, seed):
    """The backward pass saves passes over large arrays only (adjoints kept scaled, ``calclib.rules.LARGE``): with
    the threshold at 0 the tricks run on these small arrays, and must give the same cotangents and Hessians."""
    x, s = point
    assume(usable(expr, x, s))
    f, fj = functions(expr)
    c = np.random.default_rng(seed).normal(size=np.shape(f(x, s)))
    cts_ref = jax.jit(lambda x, s, c: jax.vjp(fj, x, s)[1](c))(*jax_point(x, s), jnp.asarray(c))
    finite_reference(*cts_ref)
    large = cl.rules.LARGE
    try:
        cl.rules.LARGE = 0
        cts = cl.vjp(f, x, s)[1](c)
        hess = cl.hessian(lambda x: np.sum(f(x, s)))(x)
    finally:
        cl.rules.LARGE = large
    assert_close(cts[0], cts_ref[0])
    assert_close(cts[1], cts_ref[1])
    assert_close(hess, cl.hessian(lambda x: np.sum(f(x, s)))(x))


@settings(max_examples=15, **SETTINGS)
@given(expr=scalar_expr(3), point=points)
def test_hessian_matches_jax_and_is_symmetric(expr, point):
    x, s = point
    assume(usable(expr, x, s))
    f, fj = functions(expr)
    ref = jax.jit(jax.hessian(fj))(*jax_point(x, s))
    finite_reference(ref)
    H = cl.hessian(f)(x, s)
    assert H.shape == (N, N)
    assert_close(H, ref)
    np.testing.assert_allclose(H, H.T, rtol=1e-9, atol=1e-12 * max(1.0, float(np.max(np.abs(ref)))))
    # reverse over reverse gives the same matrix
    assert_close(cl.jacobian(cl.grad(f), mode="reverse")(x, s), ref)


@settings(max_examples=15, **SETTINGS)
@given(expr=scalar_expr(3), point=points)
def test_second_derivatives_in_all_four_mode_combinations(expr, point):
    x, s = point
    assume(usable(expr, x, s))
    f, fj = functions(expr)
    g = lambda t: f(x, t)  # noqa: E731
    gj = lambda t: fj(jnp.asarray(x), t)  # noqa: E731
    ref = float(jax.jit(jax.grad(jax.grad(gj)))(s))
    finite_reference(ref)
    for outer in MODES:
        for inner in MODES:
            assert_close(cl.grad(cl.grad(g, mode=inner), mode=outer)(s), ref)


def depends_on_s(e) -> bool:
    return isinstance(e, tuple) and (e == ("s",) or any(depends_on_s(part) for part in e[1:]))


@settings(max_examples=15, **SETTINGS)
@given(e1=scalar_expr(2), e2=scalar_expr(3).filter(depends_on_s), point=points, inner=st.sampled_from(MODES),
       outer=st.sampled_from(MODES))
def test_closures_over_outer_traced_values(e1, e2, point, inner, outer):
    """F(s) = e1(x, s) · d/dt e2(x, t·s)|_{t=1}: the inner derivative closes over the outer variable s."""
    x, s = point
    assume(usable(e1, x, s) and usable(e2, x, s))
    f1, f1j = functions(e1)
    f2, f2j = functions(e2)

    def F(s):
        return f1(x, s) * cl.grad(lambda t: f2(x, t * s), mode=inner)(1.0)

    def Fj(s):
        return f1j(jnp.asarray(x), s) * jax.grad(lambda t: f2j(jnp.asarray(x), t * s))(1.0)

    ref = float(jax.jit(jax.grad(Fj))(s))
    finite_reference(ref)
    assert_close(cl.grad(F, mode=outer)(s), ref)


def _one_op_expressions():
    """One small expression per operation of the generator, so each is checked even if hypothesis skips it."""
    v, w, sc = ("x",), ("unary", "sin", ("x",)), ("index", 2, ("x",))
    exprs = {f"unary {op}": ("sum", ("unary", op, ("binary", "+", v, ("const_s", 0.3)))) for op in UNARY}
    exprs.update({f"binary {op}": ("sum", ("binary", op, w, v)) for op in BINARY})
    exprs.update({f"binary {op} scalar": ("binary", op, sc, ("s",)) for op in BINARY})
    exprs.update({
        "sum": ("sum", v), "x.sum": ("x.sum", w), "mean": ("mean", w), "dot": ("dot", v, w), "matmul": ("matmul", w, v),
        "index": ("index", -1, w), "sum_axis": ("sum_axis", 0, 1, w), "reverse": ("dot", ("reverse", v), w),
        "fancy": ("dot", ("fancy", np.array([0, 0, 5, 2, 2, 2]), v), w),
        "roll": ("dot", ("roll", 2, v, w), w), "concat_mix": ("dot", ("concat_mix", 4, w, v), w),
        "reshape_T": ("dot", ("reshape_T", v), w), "transpose_method": ("dot", ("transpose_method", v), w),
        "const_matvec": ("dot", ("const_matvec", _const_matrix(0, (N, N)), v), w),
        "vec_constmat": ("dot", ("vec_constmat", _const_matrix(1, (N, N)), v), w),
        "stack_sum 0": ("dot", ("stack_sum", 0, _const_matrix(2, (2, N)), v, w), v),
        "stack_sum -1": ("dot", ("stack_sum", -1, _const_matrix(3, (N, 2)), v, w), v),
        "where traced": ("dot", ("where", w, v, ("s",)), v),
        "where mask": ("dot", ("where", np.arange(N) % 2 == 0, w, v), v),
        "mean_rows": ("dot", ("mean_rows", v), w), "matmat": ("dot", ("matmat", v, w), w),
        "bool_mask_concat": ("dot", ("bool_mask_concat", v, w), w),
        "const_v": ("dot", ("const_v", np.arange(N) / 3.0), w), "const_s": ("binary", "*", ("const_s", 1.7), sc),
    })
    return exprs


ONE_OP = _one_op_expressions()


@pytest.mark.parametrize("name", ONE_OP)
def test_every_operation_of_the_generator(name):
    expr = ONE_OP[name]
    x, s = np.array([0.9, -1.3, 0.4, 1.7, -0.6, 1.1]), 0.8
    assert usable(expr, x, s)
    f, fj = functions(expr)
    ref = jax.jit(jax.grad(fj, argnums=(0, 1)))(*jax_point(x, s))
    for mode in MODES:
        gx, gs = cl.grad(f, argnums=(0, 1), mode=mode)(x, s)
        assert_close(gx, ref[0])
        assert_close(gs, ref[1])


def test_the_generator_names_every_operation():
    covered = {e.split()[1] if e.split()[0] in ("unary", "binary") else e.split()[0] for e in ONE_OP}
    assert set(UNARY) | set(BINARY) | set(REDUCE) | set(STRUCTURAL) <= covered


@pytest.mark.parametrize("mode", MODES)
def test_a_handwritten_expression_through_the_generator(mode):
    """The evaluator itself, checked once by hand: sum(sin(x)) · s has ∇ₓ = s cos x, ∂ₛ = Σ sin x."""
    expr = ("binary", "*", ("sum", ("unary", "sin", ("x",))), ("s",))
    x, s = np.linspace(-1, 1, N), 0.5
    gx, gs = cl.grad(functions(expr)[0], argnums=(0, 1), mode=mode)(x, s)
    np.testing.assert_allclose(gx, s * np.cos(x), rtol=1e-15)
    assert gs == pytest.approx(np.sum(np.sin(x)), rel=1e-15)
