"""The counter-based noise stream: bit-identical to JAX's Threefry, the right Gaussian law, tangent covariance P_x;
and the float32 polynomial exponential map against float64 cos/sin."""

import jax
import jax.extend.random as jex_random
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.stats
from conftest import random_points, random_tangent

from langevin_sphere import noise, sphere


def test_threefry_is_bit_identical_to_jax():
    rng = np.random.default_rng(0)
    for _ in range(5):
        key = rng.integers(0, 2**32, 2, dtype=np.uint32)
        x = rng.integers(0, 2**32, (2, 257), dtype=np.uint32)
        want = np.asarray(jex_random.threefry_2x32(jnp.asarray(key), jnp.asarray(x.ravel()))).reshape(2, -1)
        y0, y1 = noise.threefry2x32(jnp.asarray(key), jnp.asarray(x[0]), jnp.asarray(x[1]))
        np.testing.assert_array_equal(np.stack([y0, y1]), want)


def test_fold_in_is_bit_identical_to_jax():
    keys = jax.random.split(jax.random.key(3), 64)
    for data in (0, 1, 12345, 2**31 - 1):
        want = jax.vmap(jax.random.fold_in, in_axes=(0, None))(keys, data)
        np.testing.assert_array_equal(jax.random.key_data(noise.fold_in(keys, data)), jax.random.key_data(want))


def test_fold_in_of_other_key_types_falls_back():
    keys = jax.random.split(jax.random.key(3, impl="rbg"), 4)
    want = jax.vmap(jax.random.fold_in, in_axes=(0, None))(keys, 5)
    np.testing.assert_array_equal(jax.random.key_data(noise.fold_in(keys, 5)), jax.random.key_data(want))


def test_normal_law():
    """200,000 numbers: mean, variance, kurtosis within 4 standard errors; Kolmogorov-Smirnov p > 1e-3."""
    z = np.asarray(noise.normal(jax.random.key(11), (400, 500)), np.float64).ravel()
    n = z.size
    assert abs(z.mean()) < 4 / np.sqrt(n)
    assert abs(z.var() - 1) < 4 * np.sqrt(2 / n)
    assert abs(np.mean(z**4) - 3) < 4 * np.sqrt(96 / n)
    assert scipy.stats.kstest(z, "norm").pvalue > 1e-3
    # consecutive numbers (the two words of one cipher block, and neighbouring blocks) are uncorrelated
    pairs = z.reshape(-1, 2)
    assert abs(np.mean(pairs[:, 0] * pairs[:, 1])) < 4 / np.sqrt(n / 2)
    assert abs(np.mean(z[:-1] * z[1:])) < 4 / np.sqrt(n)


def test_streams_of_neighbouring_keys_are_uncorrelated():
    keys = jax.vmap(lambda b: jax.random.fold_in(jax.random.key(0), b))(jnp.arange(2000))
    z = np.asarray(jax.vmap(lambda k: noise.normal(k, (16,)))(keys), np.float64)  # (2000, 16)
    r = np.mean(z[:-1] * z[1:])  # chain b against chain b + 1, number for number
    assert abs(r) < 4 / np.sqrt(z[:-1].size)


@pytest.mark.parametrize("d", [2, 3, 5])
def test_tangent_normal_has_covariance_P_x(d):
    """Cov(xi) = I - x x^T at a fixed x (also with x_1 < 0 and x = +-e_1), within 4 standard errors."""
    n = 40_000
    for x in (
        random_points(np.random.default_rng(d), (d,)),
        -np.eye(d, dtype=np.float32)[0],
        np.eye(d, dtype=np.float32)[0],
    ):
        xs = jnp.broadcast_to(jnp.asarray(x), (n, d))
        xi = np.asarray(noise.tangent_normal(jax.random.key(d), xs), np.float64)
        assert np.max(np.abs(xi @ x)) < 1e-5
        cov = xi.T @ xi / n
        want = np.eye(d) - np.outer(x, x)
        se = np.sqrt((1 + want**2) / n)  # Var of a product of two jointly Gaussian coordinates
        assert np.all(np.abs(cov - want) < 4 * se + 1e-6)


def test_float64_falls_back_to_jax_normal():
    with jax.enable_x64(True):
        z = noise.normal(jax.random.key(0), (10,), jnp.float64)
        assert z.dtype == jnp.float64
        np.testing.assert_array_equal(z, jax.random.normal(jax.random.key(0), (10,), jnp.float64))


def test_float32_exp_map_polynomial_matches_cos_sin():
    """Exp_x(v) in float32 (polynomial cos, sinc) against float64 numpy for |v| from 0 to 30 rad."""
    rng = np.random.default_rng(5)
    x = random_points(rng, (2000, 3))
    norms = np.concatenate([[0.0, 1e-9, 1e-4], np.geomspace(1e-3, 30.0, 1997)])
    v = random_tangent(rng, x, norms)
    got = np.asarray(sphere.exp(jnp.asarray(x), jnp.asarray(v)), np.float64)
    x64, v64 = x.astype(np.float64), v.astype(np.float64)
    r = np.linalg.norm(v64, axis=-1, keepdims=True)
    want = np.cos(r) * x64 + np.sinc(r / np.pi) * v64
    err = np.max(np.abs(got - want), axis=-1)
    assert np.all(err[norms <= np.pi] < 1e-6) and np.all(err < 5e-6)
    grad = jax.grad(lambda v: jnp.sum(sphere.exp(jnp.asarray(x[0]), v)))(jnp.zeros(3))
    assert np.all(np.isfinite(grad))
