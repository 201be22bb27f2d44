"""Comparison helpers shared by the engine tests (results against JAX float64 or sympy references)."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np


def assert_close(actual, expected, rtol=1e-10, atol=1e-12):
    """Agreement to ``rtol`` relative; entries near 0 are compared to ``atol`` times the result's scale."""
    expected = np.asarray(expected, dtype=float)
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    assert np.shape(actual) == np.shape(expected), (np.shape(actual), np.shape(expected))
    np.testing.assert_allclose(np.asarray(actual, dtype=float), expected, rtol=rtol, atol=atol * scale)


def jax_args(args):
    """The same arguments as JAX arrays."""
    return tuple(jnp.asarray(a) for a in args)
