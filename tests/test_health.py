"""Long-run numerical health in float32: unit norms, no energy drift at a minimum, time from the integer step."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import langevin_sphere as ls


@pytest.mark.parametrize("n_steps", [100_000, pytest.param(1_000_000, marks=pytest.mark.slow)])
def test_rows_stay_unit_after_many_float32_steps(n_steps):
    x0 = ls.sphere.uniform(jax.random.key(0), (2, 4, 3))
    res = ls.simulate(
        ls.energies.InfoNCE(tau=0.2),
        x0,
        jax.random.key(1),
        schedule=ls.schedules.constant(10.0),
        step_size=1e-3,
        n_steps=n_steps,
        record_every=n_steps // 10,
        record_x=True,
    )
    assert res.x.dtype == np.float32
    deviation = np.abs(np.linalg.norm(res.x.astype(np.float64), axis=-1) - 1.0)
    assert deviation.max() <= 1e-5  # the exponential map renormalises: no accumulation with the number of steps
    assert np.all(np.isfinite(res.energy))


def test_no_energy_drift_at_the_optimum_at_very_high_beta():
    M, d, tau = 4, 3, 0.2
    e_star, x_star = ls.optima.infonce_optimum(M, d, tau)
    x0 = jnp.asarray(np.broadcast_to(x_star, (4, 2 * M, d)), jnp.float32)
    res = ls.simulate(
        ls.energies.InfoNCE(tau=tau),
        x0,
        jax.random.key(2),
        schedule=ls.schedules.constant(1e9),
        step_size=1e-3,
        n_steps=20_000,
        record_every=2_000,
    )
    # thermal excess ~ (dimension) / (2 beta) ~ 1e-8 and float32 round-off ~ 1e-7: no drift above that
    assert np.abs(res.energy - e_star).max() < 1e-6
    assert res.grad_norm.max() < 1e-4


def test_time_is_computed_from_the_integer_step_not_summed():
    h, n_steps = 2e-4, 100_000  # summing h in float32 100000 times would be off by ~1e-3
    x0 = ls.sphere.uniform(jax.random.key(0), (1, 4, 2))
    res = ls.simulate(
        ls.energies.InfoNCE(tau=0.5),
        x0,
        jax.random.key(1),
        schedule=ls.schedules.linear(1.0, 21.0, 20.0),
        step_size=h,
        n_steps=n_steps,
        record_every=25_000,
    )
    np.testing.assert_allclose(res.t, np.arange(5) * 25_000 * h, rtol=0, atol=1e-12)
    np.testing.assert_allclose(res.beta, 1.0 + res.t, rtol=1e-6)
