"""The chains-last layout (``simulate(..., layout="lanes")``): the same dynamics as the default layout, to float32
round-off, checked against the default layout and the autodiff gradient (the Brownian-motion law: test_laws.py)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from conftest import random_points, zero_energy

import langevin_sphere as ls


@pytest.mark.parametrize("symmetric", [True, False])
@pytest.mark.parametrize("tau", [0.2, 0.01])  # 0.01: below the one-exp range, the autodiff fallback
def test_infonce_lanes_gradient_matches_the_per_chain_one(symmetric, tau):
    energy = ls.energies.InfoNCE(tau=tau, symmetric=symmetric)
    x = ls.sphere.uniform(jax.random.key(0), (5, 12, 3))  # 5 chains of M = 6 pairs
    e1, g1 = jax.jit(jax.vmap(energy.value_and_grad))(x)
    e2, g2 = jax.jit(energy.lanes_value_and_grad)(jnp.moveaxis(x, 0, -1))
    np.testing.assert_allclose(e2, e1, atol=1e-6)
    np.testing.assert_allclose(jnp.moveaxis(g2, -1, 0), g1, atol=1e-6)
    # and the autodiff Riemannian gradient of the same energy
    g_ad = jax.jit(jax.vmap(ls.sphere.riemannian_value_and_grad(energy)))(x)[1]
    np.testing.assert_allclose(jnp.moveaxis(g2, -1, 0), g_ad, atol=2e-5 / tau)


def test_lanes_run_follows_the_default_layout():
    """The same noise and the same drift: over 100 steps the two layouts stay within float32 round-off."""
    energy = ls.energies.InfoNCE(tau=0.2)
    x0 = ls.sphere.uniform(jax.random.key(0), (24, 16, 3))
    kw = dict(schedule=ls.schedules.geometric(1.0, 1.0), step_size=1e-3, n_steps=100, record_every=10)
    chains = ls.simulate(energy, x0, jax.random.key(1), **kw)
    lanes = ls.simulate(energy, x0, jax.random.key(1), layout="lanes", **kw)
    np.testing.assert_allclose(lanes.energy, chains.energy, atol=1e-5)
    np.testing.assert_allclose(lanes.final, chains.final, atol=1e-5)
    # blocks of a fixed size: a chain's lane never changes, so its trajectory is bitwise that of any B (the same
    # compiled block; chunking independence: test_integrators)
    part = ls.simulate(energy, x0[:7], jax.random.key(1), layout="lanes", **kw)
    np.testing.assert_array_equal(part.final, lanes.final[:7])
    np.testing.assert_array_equal(part.energy, lanes.energy[:7])


def test_lanes_isolates_non_finite_chains():
    mu = np.array([1.0, 0.0, 0.0], np.float32)
    vmf = ls.energies.VonMisesFisher(mu, 2.0)
    X0 = random_points(np.random.default_rng(2), (16, 2, 3))
    kw = dict(schedule=ls.schedules.constant(2.0), step_size=0.01, n_steps=150, record_every=1, layout="lanes")
    finite = ls.simulate(vmf, X0, jax.random.key(0), **kw)
    with pytest.warns(RuntimeWarning, match="non-finite"):
        res = ls.simulate(lambda X: vmf(X) + jnp.where(X[0, 0] > 0.99, jnp.nan, 0.0), X0, jax.random.key(0), **kw)
    failed = res.failed_step >= 0
    assert 0 < failed.sum() < len(failed)
    assert np.all(np.isfinite(res.energy[~failed])) and np.all(np.isfinite(res.final))  # frozen, not NaN
    np.testing.assert_allclose(res.energy[~failed], finite.energy[~failed], atol=1e-5)
    for b in np.flatnonzero(failed):
        assert np.all(np.isnan(res.energy[b, res.failed_step[b] + 1 :]))


def test_layout_arguments_are_checked():
    x0 = ls.sphere.uniform(jax.random.key(0), (2, 4, 3))
    kw = dict(schedule=ls.schedules.constant(1.0), step_size=1e-2, n_steps=4, record_every=2)
    with pytest.raises(ValueError, match="layout must be"):
        ls.simulate(zero_energy, x0, jax.random.key(0), layout="rows", **kw)
    with pytest.raises(ValueError, match="chains-last step"):
        ls.simulate(zero_energy, x0, jax.random.key(0), layout="lanes", integrator=ls.integrators.MALA(), **kw)


def test_auto_layout_takes_lanes_only_where_it_is_the_faster_one():
    kernel = ls.kernel.build_kernel(
        ls.sde.Langevin(ls.energies.InfoNCE(tau=0.2), ls.schedules.constant(1.0)), None, 1e-3
    )
    get = ls.layouts.get
    assert isinstance(get("auto", kernel, (1024, 32, 3), "cpu", 2), ls.layouts.Lanes)  # P0 on 2 devices
    assert isinstance(get("auto", kernel, (1023, 32, 3), "cpu", 2), ls.layouts.Chains)  # a block short per device
    assert isinstance(get("auto", kernel, (4096, 64, 3), "cpu", 1), ls.layouts.Chains)  # n d = 192 > 128
    assert isinstance(get("auto", kernel, (4096, 32, 3), "gpu", 1), ls.layouts.Chains)
    plain = ls.kernel.build_kernel(ls.sde.Langevin(lambda x: jnp.sum(x), ls.schedules.constant(1.0)), None, 1e-3)
    assert isinstance(get("auto", plain, (4096, 32, 3), "cpu", 1), ls.layouts.Chains)  # no chains-last gradient
    glm = ls.kernel.build_kernel(kernel.sde, ls.integrators.GeodesicLeimkuhlerMatthews(), 1e-3)
    assert isinstance(get("auto", glm, (4096, 32, 3), "cpu", 1), ls.layouts.Chains)  # no chains-last step


def test_a_chunk_that_cannot_fit_is_refused_before_it_runs(monkeypatch):
    """XLA's analysis of the compiled chunk against the memory left: here 1 MiB (and the rough pre-check that
    decides whether to analyse at all lowered to 0), so the 512-lane block of 7 chains is refused with the numbers
    and the fix; with the real memory left the same run goes through."""
    import importlib

    from langevin_sphere.core import devices

    simulate = importlib.import_module("langevin_sphere.core.simulate")  # the module (the package exports the function)

    energy = ls.energies.InfoNCE(tau=0.2)
    x0 = ls.sphere.uniform(jax.random.key(0), (7, 16, 3))
    kw = dict(schedule=ls.schedules.constant(1.0), step_size=1e-3, n_steps=20, record_every=10, layout="lanes")
    monkeypatch.setattr(simulate, "_CHECK_CHUNK_BYTES", 0)
    assert ls.simulate(energy, x0, jax.random.key(1), **kw).energy.shape == (7, 3)
    monkeypatch.setattr(devices, "host_memory_available", lambda: (2**20, "test limit"))
    with pytest.raises(ValueError, match=r"layout='lanes', blocks of 512 chains .* 505 of them padding.*test limit"):
        ls.simulate(energy, x0, jax.random.key(1), **kw)

    def no_quench(*args):
        raise AssertionError("the t = 0 quench ran before the chunk was checked")

    monkeypatch.setattr(simulate, "_quench", no_quench)  # refused before the (costly, at large N) first quench
    with pytest.raises(ValueError, match=r"layout='lanes', blocks of 512 chains"):
        ls.simulate(energy, x0, jax.random.key(1), quench_every=1, **kw)
