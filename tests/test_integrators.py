"""Conformance of every registered integrator (``ls.integrators.REGISTRY``) through ``simulate``: the Brownian-motion
law, unit norms, determinism across the batch and the chunking, and the isolation of a chain that becomes non-finite.
The von Mises-Fisher law with each integrator's declared bias order is in test_weak_order.py.

A new integrator added to the registry runs all of these without a new line here.
"""

import math
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from conftest import assert_within_se, mean_se, random_points, zero_energy

import langevin_sphere as ls

INTEGRATORS = sorted(ls.integrators.REGISTRY)
KEY = jax.random.key(11)


def make(name):
    return ls.integrators.REGISTRY[name]()


@pytest.mark.parametrize("name", INTEGRATORS)
def test_protocol(name):
    integrator = make(name)
    assert isinstance(integrator, ls.integrators.Integrator)
    assert isinstance(integrator.weak_order, int) and integrator.weak_order >= 0
    sde = ls.sde.Langevin(ls.energies.VonMisesFisher(jnp.array([0.0, 0.0, 1.0]), 1.0), ls.schedules.constant(2.0))
    x = jnp.asarray(random_points(np.random.default_rng(0), (4, 3)))
    state = integrator.init(sde, x, 0.0, KEY)
    new, info = integrator.step(sde, state, 0.0, 0.01, KEY)
    assert type(new) is type(state) and isinstance(info, tuple)
    assert new.x.shape == x.shape and new.energy.shape == () and new.grad.shape == x.shape


@pytest.mark.parametrize("name", INTEGRATORS)
def test_brownian_motion_law(name):
    """E = 0: E[x_t . x_0] = exp(-(d-1) t / beta) on S^{d-1} (x . x_0 is an eigenfunction of the Laplace-Beltrami
    operator, eigenvalue -(d-1)); 64 chains x 64 independent rows, d = 3, beta = 2, h = 1e-3 (the step's own bias,
    ~1e-4, is below 0.05 SE)."""
    d, beta, h, n_steps = 3, 2.0, 1e-3, 400
    X0 = random_points(np.random.default_rng(1), (64, 64, d))
    res = ls.simulate(zero_energy, X0, KEY, schedule=ls.schedules.constant(beta), step_size=h, n_steps=n_steps,
                      record_every=n_steps // 2, record_x=True, integrator=make(name))
    corr = np.sum(res.x * res.x[:, :1], axis=-1)
    for r in (1, 2):
        mean, se = mean_se(corr[:, r].ravel())
        assert_within_se(mean, math.exp(-(d - 1) * res.t[r] / beta), se, what=f"{name}: E[x_t . x_0] at t={res.t[r]}")


@pytest.mark.parametrize("name", INTEGRATORS)
def test_unit_norms_after_many_steps(name):
    X0 = random_points(np.random.default_rng(2), (8, 8, 3))
    res = ls.simulate(ls.energies.InfoNCE(tau=0.2), X0, KEY, schedule=ls.schedules.constant(20.0), step_size=5e-3,
                      n_steps=4000, record_every=4000, integrator=make(name))
    np.testing.assert_allclose(np.linalg.norm(res.final, axis=-1), 1.0, atol=2e-6)


@pytest.mark.parametrize("name", INTEGRATORS)
def test_chain_independent_of_batch_and_chunking(name):
    X0 = random_points(np.random.default_rng(3), (9, 6, 3))
    kw = dict(schedule=ls.schedules.geometric(1.0, 1.0), step_size=1e-2, n_steps=60, record_every=10,
              integrator=make(name))
    energy = ls.energies.InfoNCE(tau=0.3)
    full = ls.simulate(energy, X0, KEY, **kw)
    part = ls.simulate(energy, X0[:3], KEY, chunk_records=1, **kw)
    np.testing.assert_array_equal(full.energy[:3], part.energy)
    np.testing.assert_array_equal(full.final[:3], part.final)
    assert not np.array_equal(full.final[0], ls.simulate(energy, X0[:1], jax.random.key(12), **kw).final[0])


@pytest.mark.parametrize("name", INTEGRATORS)
def test_a_non_finite_chain_loses_no_other_chains_data(name):
    """E = vMF + NaN on the cap x[0, 0] > 0.9. A chain whose trajectory under the finite energy never enters the cap
    is bitwise the same under both; the others either freeze at their last finite state (a step into NaN) or reject
    the move (a Metropolis-adjusted step): either way every recorded energy of a surviving chain is finite."""
    vmf = ls.energies.VonMisesFisher(jnp.array([1.0, 0.0, 0.0]), 2.0)

    def with_nan(x):
        return vmf(x) + jnp.where(x[0, 0] > 0.9, jnp.nan, 0.0)

    X0 = random_points(np.random.default_rng(4), (16, 2, 3))
    X0 = X0[X0[:, 0, 0] < 0.9]
    kw = dict(schedule=ls.schedules.constant(2.0), step_size=0.02, n_steps=100, record_every=1, integrator=make(name))
    finite = ls.simulate(vmf, X0, KEY, record_x=True, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the failing chains are named in a warning
        res = ls.simulate(with_nan, X0, KEY, **kw)
    untouched = ~np.any(finite.x[:, :, 0, 0] > 0.9, axis=1)
    assert 0 < untouched.sum() < len(untouched)
    np.testing.assert_array_equal(res.energy[untouched], finite.energy[untouched])
    np.testing.assert_array_equal(res.final[untouched], finite.final[untouched])
    alive = res.failed_step < 0
    assert np.all(np.isfinite(res.energy[alive])) and np.all(np.isfinite(res.final))
    assert np.all(np.isnan(res.energy[~alive, -1]))
