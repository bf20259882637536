"""float64 mode (``jax.enable_x64``): the simulator, the closed-form gradient and the noise run in double precision."""

import jax
import jax.numpy as jnp
import numpy as np
from conftest import random_points

import langevin_sphere as ls


def test_float64_run_keeps_double_precision():
    with jax.enable_x64(True):
        e = ls.energies.InfoNCE(tau=0.2)
        X = jnp.asarray(random_points(np.random.default_rng(0), (4, 8, 3), np.float64))
        closed = jax.jit(jax.vmap(e.value_and_grad))(X)  # jitted: one float64 program, not one per operation
        autodiff = jax.jit(jax.vmap(ls.sphere.riemannian_value_and_grad(e)))(X)
        np.testing.assert_allclose(closed[0], autodiff[0], rtol=1e-13)
        np.testing.assert_allclose(closed[1], autodiff[1], atol=1e-13)
        U = ls.optima.simplex(4, 3)
        np.testing.assert_allclose(e(jnp.asarray(np.concatenate([U, U]))), ls.optima.simplex_energy(4, 0.2), rtol=1e-13)

        res = ls.simulate(
            e,
            X,
            jax.random.key(0),
            schedule=ls.schedules.geometric(1.0, 1.0),
            step_size=1e-3,
            n_steps=200,
            record_every=50,
        )
        assert res.final.dtype == np.float64 and res.energy.dtype == np.float64
        np.testing.assert_allclose(np.linalg.norm(res.final, axis=-1), 1.0, atol=1e-14)
        assert np.all(np.isfinite(res.energy)) and np.all(res.energy[:, -1] < res.energy[:, 0])


def test_float64_brownian_motion_law():
    """E = 0 on S^2, beta = 1: E[x_t . x_0] = exp(-2 t) at t = 0.25 over 2048 chains, within 4 standard errors."""
    with jax.enable_x64(True):
        X0 = jnp.asarray(random_points(np.random.default_rng(1), (2048, 1, 3), np.float64))
        res = ls.simulate(
            lambda x: 0.0 * jnp.sum(x),
            X0,
            jax.random.key(2),
            schedule=ls.schedules.constant(1.0),
            step_size=1e-3,
            n_steps=250,
            record_every=250,
        )
        dots = np.sum(res.final * np.asarray(X0), axis=-1).ravel()
        se = dots.std(ddof=1) / np.sqrt(dots.size)
        assert abs(dots.mean() - np.exp(-0.5)) < 4 * se
