"""Geometry of S^{d-1}: exponential and logarithmic maps, geodesic distance, projection, uniform sampling."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from conftest import assert_within_se, float64, mean_se, random_points, random_tangent

from langevin_sphere import sphere

exp = jax.jit(sphere.exp)
log = jax.jit(sphere.log)
distance = jax.jit(sphere.distance)


@pytest.mark.parametrize("d", [2, 3, 16])
def test_exp_stays_on_sphere(rng, d):
    norms = np.logspace(-9, 1, 41)  # up to 10: the geodesic wraps around the sphere for |v| > pi
    x = random_points(rng, (norms.size, d))
    y = exp(x, random_tangent(rng, x, norms))
    np.testing.assert_allclose(np.linalg.norm(y, axis=-1), 1.0, atol=1e-6)


def test_exp_at_zero_is_identity_without_nan(rng):
    x = random_points(rng, (5, 3))
    zero = np.zeros_like(x)
    np.testing.assert_allclose(exp(x, zero), x, atol=1e-7)
    # The differential of Exp_x at v = 0 is the identity of the tangent space: d/dv normalize(x + v) = P_x.
    jac = jax.jit(jax.jacfwd(sphere.exp, argnums=1))(x[0], zero[0])
    np.testing.assert_allclose(jac, np.eye(3) - np.outer(x[0], x[0]), atol=1e-6)
    grad = jax.jit(jax.grad(lambda v: jnp.sum(sphere.exp(x, v) ** 3)))(zero)
    assert np.all(np.isfinite(grad))


def test_exp_moves_a_geodesic_distance_of_norm_v(rng):
    norms = np.linspace(1e-3, np.pi - 1e-2, 64)
    x = random_points(rng, (norms.size, 4))
    y = exp(x, random_tangent(rng, x, norms))
    # float32 rows carry ~6e-8 absolute error each, so the distance is accurate to a few 1e-7 absolutely.
    np.testing.assert_allclose(distance(x, y), norms, rtol=1e-5, atol=3e-7)


def test_distance_is_accurate_for_nearly_equal_and_antipodal_points(rng):
    norms = np.logspace(-7, -2, 11)
    x = random_points(rng, (norms.size, 3), np.float64)
    v = random_tangent(rng, x, norms, np.float64)
    # In float64 the formula keeps full relative accuracy where arccos(x . y) has lost every digit.
    np.testing.assert_allclose(float64(lambda x, v: sphere.distance(x, sphere.exp(x, v)), x, v), norms, rtol=1e-9)
    # In float32 the error stays at the rounding level of the points (arccos(x . y) would be 0 below |v| ~ 3e-4).
    x32, v32 = x.astype(np.float32), v.astype(np.float32)
    np.testing.assert_allclose(distance(x32, exp(x32, v32)), norms, rtol=1e-3, atol=2e-7)
    np.testing.assert_allclose(distance(x32, -x32), np.pi, rtol=1e-6)
    np.testing.assert_array_equal(distance(x32, x32), 0.0)


def test_log_inverts_exp(rng):
    norms = np.linspace(0.0, 3.0, 64)  # Log is ill-conditioned near the cut locus |v| = pi
    x = random_points(rng, (norms.size, 5))
    v = random_tangent(rng, x, norms)
    np.testing.assert_allclose(log(x, exp(x, v)), v, atol=2e-5)
    y = random_points(rng, x.shape)
    np.testing.assert_allclose(exp(x, log(x, y)), y, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(log(x, y), axis=-1), distance(x, y), rtol=1e-5)
    np.testing.assert_array_equal(log(x, x), 0.0)


def test_project_is_the_tangent_projection(rng):
    x = random_points(rng, (10, 4))
    v = rng.standard_normal(x.shape).astype(np.float32)
    p = sphere.project(x, v)
    np.testing.assert_allclose(np.sum(p * x, axis=-1), 0.0, atol=1e-6)
    np.testing.assert_allclose(sphere.project(x, p), p, atol=1e-6)  # idempotent
    np.testing.assert_allclose(v - p, np.sum(v * x, axis=-1, keepdims=True) * x, atol=1e-6)


@pytest.mark.parametrize("d", [2, 5])
def test_uniform_moments(key, d):
    n = 20_000
    x = np.asarray(sphere.uniform(key, (n, d)), dtype=np.float64)
    np.testing.assert_allclose(np.linalg.norm(x, axis=-1), 1.0, atol=1e-6)
    mean, se = mean_se(x)
    assert_within_se(mean, 0.0, se, what="E[x]")
    outer = (x[:, :, None] * x[:, None, :]).reshape(n, d * d)
    second, se2 = mean_se(outer)
    assert_within_se(second, (np.eye(d) / d).ravel(), se2, what="E[x x^T]")  # isotropy: E[x x^T] = I / d


def test_uniform_rejects_d_below_2(key):
    with pytest.raises(ValueError, match="shape"):
        sphere.uniform(key, (4, 1))
