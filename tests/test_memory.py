"""calclib.memory (tape_size, checkpoint, checkpoint_tradeoff) against independent references: JAX in float64
(jax.grad, with and without jax.checkpoint), tracemalloc, byte counts worked out by hand from array sizes, and
analytic counts of evaluations."""

from __future__ import annotations

import tracemalloc

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import calclib as cl
from calclib.memory import Checkpointed, TapeStats, checkpoint_tradeoff, tape_size

jax.config.update("jax_enable_x64", True)

K = 20                      # steps of the chain
N = 2 ** 16                 # entries of the large arrays: 512 KiB each, above reverse.SAVE_ALL_BELOW
ARRAY = N * 8               # bytes of one of them
SCALAR = 8                  # the value of np.sum, saved by its node


def step(x, xp=np):
    """x ↦ sin(x)·x + 0.1x. Its nodes save, of large arrays, x (read by sin and ×) and sin(x) (read by ×)."""
    return xp.sin(x) * x + 0.1 * x


def chain(x, k=K, xp=np):
    for _ in range(k):
        x = step(x, xp)
    return x


def checkpointed_chain(segments, k=K, step_fn=step):
    """The chain as ``segments`` checkpointed segments of k/segments steps (k divisible by segments), and the
    checkpointed segments (to read their evaluation counts)."""
    parts = [cl.checkpoint(lambda y, n=k // segments: chain_of(step_fn, y, n)) for _ in range(segments)]

    def f(x):
        for part in parts:
            x = part(x)
        return x

    return f, parts


def chain_of(step_fn, y, n):
    for _ in range(n):
        y = step_fn(y)
    return y


def jax_chain_loss(segments=None):
    """The same loss in JAX, the segments checkpointed with jax.checkpoint."""
    def segment(y, n):
        return chain(y, n, jnp)

    def loss(x):
        if segments is None:
            return jnp.sum(chain(x, K, jnp))
        part = jax.checkpoint(lambda y: segment(y, K // segments))
        for _ in range(segments):
            x = part(x)
        return jnp.sum(x)

    return loss


def assert_relative(actual, expected, rtol=1e-10):
    """Relative agreement entry by entry (no absolute floor: the chain's gradients are tiny, ~1e-18)."""
    np.testing.assert_allclose(np.asarray(actual, dtype=float), np.asarray(expected, dtype=float), rtol=rtol, atol=0)


X_SMALL = np.linspace(0.4, 2.9, 7)
X_LARGE = np.linspace(0.4, 2.9, N)


# ---------------------------------------------------------------------------------------------------
# Gradients: the same with and without checkpointing, and as JAX's
# ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("segments", [1, 2, 4, 5, 20])
@pytest.mark.parametrize("x", [X_SMALL, X_LARGE[::997]], ids=["7 points", "66 points"])
def test_gradient_of_a_checkpointed_chain_is_the_plain_one_and_jaxs(segments, x):
    f, _ = checkpointed_chain(segments)
    plain = cl.grad(lambda x: np.sum(chain(x)))(x)
    checkpointed = cl.grad(lambda x: np.sum(f(x)))(x)
    assert np.array_equal(checkpointed, plain)                       # identical, to the last bit
    assert_relative(checkpointed, jax.grad(jax_chain_loss())(jnp.asarray(x)))
    assert_relative(checkpointed, jax.grad(jax_chain_loss(segments))(jnp.asarray(x)))


def test_gradient_of_a_large_checkpointed_chain_is_the_plain_one():
    """With arrays above SAVE_ALL_BELOW the nodes drop what their rules do not read: still the same gradient."""
    f, _ = checkpointed_chain(4)
    assert np.array_equal(cl.grad(lambda x: np.sum(f(x)))(X_LARGE), cl.grad(lambda x: np.sum(chain(x)))(X_LARGE))


@pytest.mark.parametrize("x0", [0.7, 2.5, -1.5])
def test_gradient_of_a_scalar_checkpointed_chain_is_jaxs(x0):
    f, _ = checkpointed_chain(5)
    value, gradient = cl.value_and_grad(f)(x0)
    assert value == cl.value_and_grad(chain)(x0)[0]
    assert gradient == cl.grad(chain)(x0)
    assert_relative(gradient, jax.grad(lambda t: chain(t, K, jnp))(x0))
    assert_relative(gradient, jax.grad(jax.checkpoint(lambda t: chain(t, K, jnp)))(x0))


def test_gradient_with_respect_to_a_dict_and_a_constant_argument_is_jaxs():
    """Several traced inputs (a pytree) are pulled back by one recomputation; a plain argument stays constant."""
    def layer(p, x, xp):
        return xp.tanh(p["w"] * x + p["b"]) * p["w"]

    cl_layer = cl.checkpoint(lambda p, x: layer(p, x, np))
    params = {"w": np.array([0.5, -1.2, 2.0]), "b": np.array([0.1, 0.2, -0.3])}
    x = np.array([1.0, 2.0, -0.5])
    got = cl.grad(lambda p: np.sum(cl_layer(p, x) ** 2))(params)
    want = jax.grad(lambda p: jnp.sum(jax.checkpoint(lambda p, x: layer(p, x, jnp))(p, x) ** 2))(params)
    assert set(got) == {"w", "b"}
    for key in got:
        assert_relative(got[key], want[key])
    assert cl_layer.evaluations == 2                                  # one forward, one recomputation for both


def test_two_arguments_both_traced_are_pulled_back_together():
    f = cl.checkpoint(lambda x, y: np.sin(x * y) + x)
    got = cl.grad(lambda x, y: np.sum(f(x, y) * f(y, x)), argnums=(0, 1))(X_SMALL, X_SMALL[::-1])
    jf = jax.checkpoint(lambda x, y: jnp.sin(x * y) + x)
    want = jax.grad(lambda x, y: jnp.sum(jf(x, y) * jf(y, x)), argnums=(0, 1))(X_SMALL, X_SMALL[::-1])
    for g, w in zip(got, want):
        assert_relative(g, w)
    assert f.evaluations == 4                                         # two calls, each recomputed once


# ---------------------------------------------------------------------------------------------------
# Outside reverse mode, forward mode, nesting
# ---------------------------------------------------------------------------------------------------
def test_plain_evaluation_just_calls_f():
    f = cl.checkpoint(lambda x: chain(x))
    assert np.array_equal(f(X_SMALL), chain(X_SMALL))
    assert f.evaluations == 1
    assert isinstance(f, Checkpointed) and f.__name__ == "<lambda>"


def test_forward_mode_through_a_checkpoint_is_jaxs_jvp():
    f, parts = checkpointed_chain(4)
    v = np.cos(X_SMALL)
    out, tangent = cl.jvp(f, (X_SMALL,), (v,))
    j_out, j_tangent = jax.jvp(jax.checkpoint(lambda x: chain(x, K, jnp)), (X_SMALL,), (v,))
    assert_relative(out, j_out)
    assert_relative(tangent, j_tangent)
    assert [p.evaluations for p in parts] == [1] * 4                  # no recomputation: nothing was recorded


def test_second_derivatives_through_a_checkpoint_are_jaxs():
    """grad of grad (reverse over reverse) and the Hessian (forward over reverse)."""
    f = cl.checkpoint(lambda t: np.sin(t) * t ** 3)
    jf = jax.checkpoint(lambda t: jnp.sin(t) * t ** 3)
    for x0 in (0.7, -2.0):
        assert_relative(cl.grad(cl.grad(f))(x0), jax.grad(jax.grad(jf))(x0))
        assert_relative(cl.hessian(f)(x0), jax.hessian(jf)(x0))
    x = np.array([0.3, 1.1, -0.8])
    g = cl.checkpoint(lambda x: np.sum(np.sin(x) * x[::-1]))
    jg = jax.checkpoint(lambda x: jnp.sum(jnp.sin(x) * x[::-1]))
    assert_relative(cl.hessian(g)(x), jax.hessian(jg)(x))


def test_nested_checkpoints_give_the_same_gradient_and_one_more_evaluation_per_level():
    """A checkpoint of two checkpointed halves: in the backward pass the outer segment is recomputed
    (recording the two inner checkpoint nodes, running each half once more), then each half is recomputed
    from its own checkpoint: every step runs 3 times, one per level plus the forward pass."""
    steps = [0]

    def counted(y):
        steps[0] += 1
        return step(y)

    half = [cl.checkpoint(lambda y: chain_of(counted, y, K // 2)) for _ in range(2)]
    outer = cl.checkpoint(lambda y: half[1](half[0](y)))
    gradient = cl.grad(lambda x: np.sum(outer(x)))(X_SMALL)
    assert np.array_equal(gradient, cl.grad(lambda x: np.sum(chain(x)))(X_SMALL))
    assert (outer.evaluations, half[0].evaluations, half[1].evaluations) == (2, 3, 3)
    assert steps[0] == 3 * K


# ---------------------------------------------------------------------------------------------------
# tape_size: exact counts by hand, and tracemalloc
# ---------------------------------------------------------------------------------------------------
def test_tape_of_a_tiny_graph_by_hand():
    """sum(sin(x)·x) for x of 3 entries (small arrays: every node keeps its inputs and output): sin(x) and
    sin(x)·x, 3 × 8 bytes each, and the sum's 8-byte value; x itself is the caller's, not counted."""
    x = np.array([0.5, 1.0, 2.0])
    stats = tape_size(lambda x: np.sum(np.sin(x) * x), x)
    assert (stats.nodes, stats.arrays, stats.saved_bytes, stats.peak_bytes, stats.checkpoints) == (3, 3, 56, 56, 0)


def test_tape_of_a_large_graph_keeps_only_what_the_rules_read():
    """Same function, x of N entries: sin keeps x (not counted), × keeps sin(x) and x, the sum keeps its value
    only (its rule reads no array): one array of N × 8 bytes, and 8."""
    x = np.linspace(0.0, 1.0, N)
    stats = tape_size(lambda x: np.sum(np.sin(x) * x), x)
    assert (stats.nodes, stats.arrays, stats.saved_bytes) == (3, 2, ARRAY + SCALAR)


def test_a_view_counts_as_the_array_it_views():
    """sin(y[1:]) saves the view y[1:]: it keeps all of y alive, N × 8 bytes; a view of the input, nothing."""
    x = np.linspace(0.0, 1.0, N)
    assert tape_size(lambda x: np.sum(np.sin(x[1:])), x).saved_bytes == SCALAR
    assert tape_size(lambda x: np.sum(np.sin((2 * x)[1:])), x).saved_bytes == ARRAY + SCALAR


def test_a_constant_output_has_an_empty_tape():
    assert tape_size(lambda x: np.ones(3), X_SMALL) == TapeStats(0, 0, 0, 0, 0)


def chain_tape_arrays(segments):
    """The chain's tape in arrays of N entries, worked out from what each step saves (x and sin x: 2 arrays per
    step, the first x being the caller's input): (saved after the forward pass, peak in the backward pass)."""
    if segments is None:
        return 2 * K - 1, 2 * K - 1
    longest = -(-K // segments)
    saved = segments - 1                       # the inputs of segments 2..s (the first is the caller's x)
    return saved, saved + 2 * longest - 1      # + the tape of one recomputed segment (its input is counted)


def loss_of(segments):
    if segments is None:
        return lambda x: np.sum(chain(x))
    f, _ = checkpointed_chain(segments)
    return lambda x: np.sum(f(x))


@pytest.mark.parametrize("segments", [None, 1, 2, 4, 5, 10, 20])
def test_tape_of_the_chain_is_the_count_by_hand(segments):
    saved, peak = chain_tape_arrays(segments)
    stats = tape_size(loss_of(segments), X_LARGE)
    assert stats.saved_bytes == saved * ARRAY + SCALAR
    assert stats.peak_bytes == peak * ARRAY + SCALAR
    assert stats.checkpoints == (segments or 0)


def traced_bytes(loss, x):
    """tracemalloc: the memory that vjp's forward pass leaves allocated (the tape), and the peak above the start
    during one backward pass. A first run, untraced, fills the one-time caches (lazy imports and the like)."""
    cl.vjp(loss, x)[1](1.0)
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        out, pullback = cl.vjp(loss, x)
        after_forward = tracemalloc.get_traced_memory()[0] - start
        tracemalloc.reset_peak()
        pullback(1.0)
        peak = tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()
    return after_forward, peak


@pytest.mark.parametrize("segments", [None, 1, 4, 20])
def test_tape_size_agrees_with_tracemalloc(segments):
    """After the forward pass, what is allocated is the tape (Python's objects add a few kB to its MB of arrays); the
    peak of the backward pass is the peak tape plus the adjoints and temporaries of the rules in flight (a few
    arrays)."""
    loss = loss_of(segments)
    stats = tape_size(loss, X_LARGE)
    after_forward, peak = traced_bytes(loss, X_LARGE)
    assert after_forward == pytest.approx(stats.saved_bytes, abs=0.01 * ARRAY + 0.005 * stats.saved_bytes)
    assert stats.peak_bytes <= peak <= stats.peak_bytes + 7 * ARRAY


def test_checkpointing_cuts_the_measured_peak_as_s_plus_k_over_s():
    """tracemalloc alone: with 4 segments the backward pass's peak is far below the plain one, and below the
    peaks with 1 and 20 segments (which keep a whole chain's worth: one long segment, or every input)."""
    peaks = {s: traced_bytes(loss_of(s), X_LARGE)[1] / ARRAY for s in (None, 1, 4, 20)}
    assert peaks[4] < 0.5 * peaks[None]
    assert peaks[4] < peaks[1] and peaks[4] < peaks[20]


# ---------------------------------------------------------------------------------------------------
# Recomputation counts and the trade-off
# ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("segments", [1, 2, 4, 5, 20])
def test_each_segment_runs_once_forward_and_once_per_backward_pass(segments):
    f, parts = checkpointed_chain(segments)
    cl.grad(lambda x: np.sum(f(x)))(X_SMALL)
    assert [p.evaluations for p in parts] == [2] * segments
    out, pullback = cl.vjp(lambda x: np.sum(f(x)), X_SMALL)
    pullback(1.0)
    pullback(2.0)                                                     # a second backward pass: recomputed again
    assert [p.evaluations for p in parts] == [5] * segments


@pytest.mark.parametrize("segments", [None, 1, 3, 4, 7, 20])
def test_tradeoff_counts_the_step_evaluations_and_the_tape(segments):
    """2k evaluations of step with checkpoints (k forward, k recomputed), k without; the peak tape as counted
    by hand (uneven segments: the longest, ⌈k/s⌉ steps, is the one that counts)."""
    tape_bytes, evaluations, seconds = checkpoint_tradeoff(step, X_LARGE, K, segments)
    assert evaluations == (K if segments is None else 2 * K)
    assert tape_bytes == chain_tape_arrays(segments)[1] * ARRAY + SCALAR
    assert seconds > 0


# ---------------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [3, None, "sin", np.ones(2)])
def test_checkpoint_of_something_not_callable_is_a_clear_error(bad):
    with pytest.raises(TypeError, match="must be a function"):
        cl.checkpoint(bad)


def test_a_checkpointed_function_must_return_one_array():
    f = cl.checkpoint(lambda x: (x, 2 * x))
    with pytest.raises(TypeError, match="the checkpointed function returned tuple"):
        cl.grad(lambda x: np.sum(f(x)[0]))(X_SMALL)
    with pytest.raises(TypeError, match="the checkpointed function returned None"):
        cl.checkpoint(lambda x: None)(1.0)


def test_bad_arguments_of_tape_size_and_the_tradeoff_are_clear_errors():
    with pytest.raises(TypeError, match="must be a function"):
        tape_size("f", X_SMALL)
    with pytest.raises(TypeError, match="step must be a function"):
        checkpoint_tradeoff(None, X_SMALL, 4, 2)
    for k, segments, words in [(0, None, "k must be"), (2.5, None, "k must be"), (4, 0, "segments must be"),
                               (4, 5, "from 1 to k = 4"), (4, True, "segments must be")]:
        with pytest.raises(ValueError, match=words):
            checkpoint_tradeoff(step, X_SMALL, k, segments)
