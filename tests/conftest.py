"""Shared helpers of the test suite: random tangent vectors, independent-sample statistics, float64 evaluation.

Everything runs on CPU in float32 with fixed PRNG keys. Statistical tests compare a mean of *independent* samples
(independent chains, independent rows, or per-chain time averages) with a closed form, within k standard errors.
"""

from __future__ import annotations

import os

os.environ.setdefault("JAX_PLATFORMS", "cpu")  # the suite is a CPU, float32 suite unless the caller says otherwise
# one CPU device: the command line's one-device-per-core split must not change the suite's device count midway
os.environ.setdefault("JAX_NUM_CPU_DEVICES", "1")
# no persistent compilation cache in the user's home from the command lines the tests run (test_cli tests the cache)
os.environ.setdefault("LANGEVIN_SPHERE_COMPILATION_CACHE", "0")

import jax
import jax.numpy as jnp
import numpy as np
import pytest


def zero_energy(X):
    """E = 0: Langevin dynamics reduce to Brownian motion on (S^{d-1})^n with generator (1/beta) Laplace-Beltrami."""
    return 0.0 * jnp.sum(X)


def random_points(rng, shape, dtype=np.float32):
    """Uniform points on S^{d-1} of the given shape (..., d) from a numpy Generator (cheap: no JAX compilation)."""
    x = rng.standard_normal(shape)
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(dtype)


def random_tangent(rng, x, norms=None, dtype=np.float32):
    """Random tangent vectors at the rows of ``x`` (..., d), of the given ``norms`` (broadcast over the rows) if any.

    Built in float64 (tangent to the rows of x to ~1e-16) and then cast to ``dtype``.
    """
    x = np.asarray(x, dtype=np.float64)
    v = rng.standard_normal(x.shape)
    v -= np.sum(v * x, axis=-1, keepdims=True) * x
    if norms is not None:
        v *= np.asarray(norms, dtype=np.float64)[..., None] / np.linalg.norm(v, axis=-1, keepdims=True)
    return v.astype(dtype)


def mean_se(samples, axis=0):
    """Mean and standard error of independent samples along ``axis`` (in float64)."""
    samples = np.asarray(samples, dtype=np.float64)
    n = samples.shape[axis]
    return samples.mean(axis), samples.std(axis, ddof=1) / np.sqrt(n)


def assert_within_se(measured, expected, se, k=3.0, what="value"):
    """|measured - expected| <= k * se, elementwise, with the numbers in the failure message."""
    measured, expected, se = (np.asarray(a, dtype=np.float64) for a in (measured, expected, se))
    z = np.abs(measured - expected) / se
    assert np.all(z <= k), f"{what}: measured {measured} vs expected {expected}, SE {se}: {z} SE (limit {k})"


def float64(fn, *args):
    """Evaluate ``fn(*args)`` with 64-bit JAX floats (args converted to float64), returned as numpy float64."""
    with jax.enable_x64(True):
        args64 = [jnp.asarray(np.asarray(a, dtype=np.float64)) for a in args]
        return np.asarray(fn(*args64), dtype=np.float64)


@pytest.fixture
def key():
    return jax.random.key(0)


@pytest.fixture
def rng():
    """numpy Generator for test inputs (fixed seed); JAX keys are kept for the code under test."""
    return np.random.default_rng(0)


# Tests of 10 - 30 s on 2 cores (subprocesses, whole command-line runs, 8-device runs) start first, so that the
# parallel suite never ends waiting on one of them while the other worker is idle (worksteal balances the rest).
LONG_FIRST = (
    "tests/test_sharding.py",
    "tests/test_cli.py",
    "tests/test_atlas.py::test_matrix_free",
    "tests/test_float64.py",
    "tests/test_lanes.py::test_lanes_run",
    "tests/test_docs.py",
)


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: not item.nodeid.startswith(LONG_FIRST))  # stable: the rest keep their order
