"""Conformance of every registered integrator (``ls.integrators.REGISTRY``) through ``simulate``: the Brownian-motion
law, unit norms, determinism across the batch and the chunking, and the isolation of a chain that becomes non-finite.
and the von Mises-Fisher law with the integrator's declared weak order (the bias of a stationary average shrinks
as h^p, p = ``weak_order``; none for p = 0).

A new integrator added to the registry runs all of these without a new line here.
"""

import math
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from conftest import assert_within_se, mean_se, random_points, zero_energy
from scipy import special

import langevin_sphere as ls
from langevin_sphere.research import studies

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
    res = ls.simulate(
        zero_energy,
        X0,
        KEY,
        schedule=ls.schedules.constant(beta),
        step_size=h,
        n_steps=n_steps,
        record_every=n_steps // 2,
        record_x=True,
        integrator=make(name),
    )
    corr = np.sum(res.x * res.x[:, :1], axis=-1)
    for r in (1, 2):
        mean, se = mean_se(corr[:, r].ravel())
        assert_within_se(mean, math.exp(-(d - 1) * res.t[r] / beta), se, what=f"{name}: E[x_t . x_0] at t={res.t[r]}")


@pytest.mark.parametrize("name", INTEGRATORS)
def test_unit_norms_after_many_steps(name):
    X0 = random_points(np.random.default_rng(2), (8, 8, 3))
    res = ls.simulate(
        ls.energies.InfoNCE(tau=0.2),
        X0,
        KEY,
        schedule=ls.schedules.constant(20.0),
        step_size=5e-3,
        n_steps=2000,
        record_every=2000,
        integrator=make(name),
    )
    np.testing.assert_allclose(np.linalg.norm(res.final, axis=-1), 1.0, atol=2e-6)


@pytest.mark.parametrize("name", INTEGRATORS)
def test_chain_independent_of_batch_and_chunking(name):
    X0 = random_points(np.random.default_rng(3), (9, 6, 3))
    kw = dict(
        schedule=ls.schedules.geometric(1.0, 1.0), step_size=1e-2, n_steps=60, record_every=10, integrator=make(name)
    )
    energy = ls.energies.InfoNCE(tau=0.3)
    full = ls.simulate(energy, X0, KEY, **kw)
    part = ls.simulate(energy, X0[:3], KEY, chunk_records=1, **kw)
    np.testing.assert_array_equal(full.energy[:3], part.energy)
    np.testing.assert_array_equal(full.final[:3], part.final)


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


# The weak-order check runs at h and h/4 (a factor 4 keeps the orders apart by more than the next-order term): the
# step sizes where the bias is resolved with 1024 x 64 rows (vMF on S^2, beta kappa = 8; the weak-order study measured
# geodesic Euler-Maruyama at -0.0047 for h = 0.01, geodesic Leimkuhler-Matthews at +0.00065 for h = 0.1), and the
# averaging times that give SEs of about 1.4e-4, 2e-5 and 6e-5 (p = 1, 2, 0).
ORDER_STEP = {0: 0.1, 1: 0.01, 2: 0.1}
ORDER_TIME = {0: 10.0, 1: 4.0, 2: 100.0}


def stationary_mean(integrator, kappa, h, *, chains=1024, rows=64, t_burn=1.7, t_avg=40.0, seed=0):
    """E[mu . x] under vMF(mu, kappa) on S^2 (beta = 1) at step h: (mean, SE) over per-chain time averages, started
    from the exact law (inverse CDF of mu . x), so that the burn-in only removes the step's own O(h^p) offset."""
    x0 = studies.weak_order._vmf_sample(np.random.default_rng(seed), (chains, rows), kappa).astype(np.float32)
    energy = ls.energies.VonMisesFisher(jnp.array([0.0, 0.0, 1.0]), kappa)
    record_every = max(1, round(0.08 / h))
    n_steps = round((t_burn + t_avg) / (h * record_every)) * record_every
    res = ls.simulate(
        energy,
        x0,
        jax.random.key(seed),
        schedule=ls.schedules.constant(1.0),
        step_size=h,
        n_steps=n_steps,
        record_every=record_every,
        integrator=integrator,
    )
    per_chain = (-res.energy[:, res.t >= t_burn] / (kappa * rows)).astype(np.float64).mean(axis=1)
    return mean_se(per_chain)


# A study (a million rows per step size, 20-70 s each on 2 cores): -m slow. The default suite keeps the law itself
# (test_laws: the vMF stationary mean and its first-order bias) and each integrator's Brownian-motion law above.
@pytest.mark.slow
@pytest.mark.parametrize("name", INTEGRATORS)
def test_von_mises_fisher_law_with_the_declared_weak_order(name):
    """At h and h/4: for weak order p >= 1 the bias is resolved at h, and bias(h/4) is 4^-p bias(h) within 3 SE and
    neither 4^-(p-1) nor 4^-(p+1) bias(h) (the neighbouring orders are rejected); for p = 0 both means are
    A_3(kappa) within 3 SE."""
    integrator, kappa = make(name), 8.0
    p, h = integrator.weak_order, ORDER_STEP[integrator.weak_order]
    exact = float(special.ive(1.5, kappa) / special.ive(0.5, kappa))  # A_3(kappa) = coth(kappa) - 1/kappa
    # a Metropolis-adjusted step accepts or rejects a whole configuration: few rows per chain keep it moving
    shape = dict(chains=8192, rows=8) if p == 0 else dict(chains=1024, rows=64)
    m1, se1 = stationary_mean(integrator, kappa, h, t_avg=ORDER_TIME[p], **shape)
    m2, se2 = stationary_mean(integrator, kappa, h / 4, t_avg=ORDER_TIME[p], seed=1, **shape)
    b1, b2 = m1 - exact, m2 - exact
    print(f"{name} (order {p}): bias {b1:+.2e} +- {se1:.1e} at h = {h}, {b2:+.2e} +- {se2:.1e} at h/4")
    if p == 0:
        assert_within_se(m1, exact, se1, what=f"{name}: E[mu . x] at h = {h}")
        assert_within_se(m2, exact, se2, what=f"{name}: E[mu . x] at h = {h / 4}")
        return
    assert abs(b1) > 5 * se1, "the bias should be resolved at h"
    for q in (p - 1, p, p + 1):
        distance = abs(b2 - 4.0**-q * b1) / math.sqrt(se2**2 + (4.0**-q * se1) ** 2)
        if q == p:
            assert distance < 3, f"bias(h/4) / bias(h) = {b2 / b1:.4f}, want 4^-{p} ({distance:.1f} SE away)"
        else:
            assert distance > 3, f"bias(h/4) / bias(h) = {b2 / b1:.4f} is consistent with order {q}"
