"""Trapping events recorded during a run: quenches between chunks (inherent structures) -> diagnostics."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import langevin_sphere as ls

M, TAU = 8, 0.05
ENERGY = ls.energies.InfoNCE(tau=TAU)
E_STAR = ls.optima.polygon_energy(M, TAU)


def test_a_chain_in_a_trap_is_a_trapping_event_and_one_at_the_optimum_is_not():
    # start 16 of uniform(key(0), (256, 16, 2)) quenches to the plateau 0.75286 above E* (tests/test_landscape.py)
    start = ls.sphere.uniform(jax.random.key(0), (256, 2 * M, 2))[16]
    trap, e_trap = ls.landscape.quench(ENERGY, start)
    assert float(e_trap) - E_STAR == pytest.approx(0.75286, abs=1e-3)
    _, x_star = ls.optima.infonce_optimum(M, 2, TAU)
    x0 = jnp.stack([trap, jnp.asarray(x_star, jnp.float32)])  # chain 0 trapped, chain 1 at the optimum

    res = ls.simulate(
        ENERGY,
        x0,
        jax.random.key(1),
        schedule=ls.schedules.geometric(1e5, 1.0),
        step_size=1e-3,
        n_steps=2000,
        record_every=100,
        quench_every=5,
    )
    np.testing.assert_allclose(res.quench_t, [0.0, 0.5, 1.0, 1.5, 2.0])
    assert res.quench_energy.shape == (2, 5) and np.all(res.quench_grad_norm < 1e-5)

    labels = np.round(res.quench_energy - E_STAR, 3)  # basin label: its quenched energy (gaps differ by > 1e-3)
    events = ls.diagnostics.trapping_events(labels, res.quench_energy, res.quench_t, E_STAR, eps=1e-3, window=1.0)
    assert len(events) == 1
    (event,) = events
    assert event["chain"] == 0 and not event["escaped"] and event["exit"] is None
    assert event["gap"] == pytest.approx(0.75286, abs=1e-3) and event["entry"] == 0.0 and event["duration"] == 2.0


def test_quench_every_must_divide_the_records():
    x0 = ls.sphere.uniform(jax.random.key(0), (1, 4, 2))
    with pytest.raises(ValueError, match="quench_every must divide"):
        ls.simulate(
            ENERGY,
            x0,
            jax.random.key(1),
            schedule=ls.schedules.constant(10.0),
            step_size=1e-3,
            n_steps=100,
            record_every=10,
            quench_every=3,
        )


def _random_symmetry(rng, x):
    """A random O(2) map of all rows, a random relabelling of the pairs, and maybe U <-> V."""
    q, _ = np.linalg.qr(rng.standard_normal((2, 2)))
    perm = rng.permutation(M)
    u, v = x[:M][perm], x[M:][perm]
    if rng.random() < 0.5:
        u, v = v, u
    return (np.concatenate([u, v]) @ q).astype(np.float32)


def test_basin_labels_are_invariant_under_rotations_reflections_and_relabelling():
    rng = np.random.default_rng(0)
    starts = ls.sphere.uniform(jax.random.key(0), (256, 2 * M, 2))
    quench = jax.jit(jax.vmap(lambda x: ls.landscape.quench(ENERGY, x)))
    signature = jax.jit(jax.vmap(ls.landscape.basin_signature))
    # starts 3, 16 and 15 quench to three different traps (gaps 0.861, 0.753, 1.000); start 0 to the octagon
    minima, _ = quench(starts[jnp.array([0, 3, 16, 15])])
    copies = np.stack([_random_symmetry(rng, np.asarray(m)) for m in minima for _ in range(3)])  # 12 copies
    x = jnp.concatenate([minima, jnp.asarray(copies)])
    e = jax.vmap(ENERGY)(x)
    labels, levels = ls.landscape.basin_labels(e, signature(x))
    assert len(levels) == 4 and labels[0] == 0  # the octagon is the lowest basin
    np.testing.assert_array_equal(labels[4:], np.repeat(labels[:4], 3))  # every copy has its original's label
    assert levels[0] == pytest.approx(E_STAR, abs=1e-5)
