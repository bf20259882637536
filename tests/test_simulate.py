"""`simulate`: the Result contract, determinism across batch layout and chunking, loss-temperature annealing,
plain-callable energies, isolation of chains that become non-finite, and input validation."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from conftest import random_points, zero_energy

import langevin_sphere as ls

M, D = 3, 3
INFONCE = ls.energies.InfoNCE(tau=0.3)
RUN = dict(schedule=ls.schedules.geometric(1.0, 0.5), step_size=0.01, n_steps=400, record_every=20)
KEY = jax.random.key(7)


@pytest.fixture(scope="module")
def X64():
    return random_points(np.random.default_rng(3), (64, 2 * M, D))  # 64 chains of M = 3 pairs in R^3


@pytest.fixture(scope="module")
def run64(X64):
    return ls.simulate(INFONCE, X64, KEY, **RUN)


@pytest.fixture(scope="module")
def run4(X64):
    return ls.simulate(INFONCE, X64[:4], KEY, **RUN)


def assert_same_run(a, b):
    """Bitwise equality of everything recorded."""
    for field in ("t", "beta", "energy", "grad_norm", "final", "failed_step"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)


def test_result_fields(X64, run64):
    B, R = 64, RUN["n_steps"] // RUN["record_every"] + 1
    res = run64
    assert res.t.shape == res.beta.shape == (R,)
    assert res.energy.shape == res.grad_norm.shape == (B, R)
    assert res.final.shape == (B, 2 * M, D) and res.failed_step.shape == (B,)
    assert res.tau is None and res.x is None and res.n_chains == B
    np.testing.assert_allclose(res.t, np.arange(R) * RUN["record_every"] * RUN["step_size"], rtol=1e-12)
    np.testing.assert_allclose(res.beta, np.exp(0.5 * res.t), rtol=1e-5)
    np.testing.assert_array_equal(res.failed_step, -1)
    np.testing.assert_allclose(np.linalg.norm(res.final, axis=-1), 1.0, atol=1e-6)
    # The first record is X0, the last one is `final`; energies and gradient norms are those of the recorded states.
    value_and_grad = jax.jit(jax.vmap(lambda x: ls.energies.value_and_grad(INFONCE, x)))
    np.testing.assert_allclose(res.energy[:, 0], value_and_grad(X64)[0], rtol=1e-6)
    e_final, g_final = value_and_grad(res.final)
    np.testing.assert_allclose(res.energy[:, -1], e_final, rtol=1e-6)
    np.testing.assert_allclose(res.grad_norm[:, -1], np.linalg.norm(g_final, axis=(1, 2)), rtol=1e-5)
    assert np.mean(res.energy[:, -1]) < np.mean(res.energy[:, 0])  # annealing lowers the energy


def test_same_key_is_bitwise_reproducible_and_other_keys_differ(X64, run4):
    assert_same_run(run4, ls.simulate(INFONCE, X64[:4], KEY, **RUN))
    other = ls.simulate(INFONCE, X64[:4], jax.random.key(8), **RUN)
    assert not np.allclose(other.energy[:, 1:], run4.energy[:, 1:])


def test_chain_trajectory_independent_of_batch_size_and_chunking(X64, run64, run4):
    # Chain b's noise is fold_in(fold_in(key, b), k): bitwise the same with 4 or 64 chains (measured on CPU: equal).
    np.testing.assert_array_equal(run64.energy[:4], run4.energy)
    np.testing.assert_array_equal(run64.final[:4], run4.final)
    # ... and whatever the number of records per compiled chunk (7 does not divide the 20 records).
    for chunk_records in (1, 7):
        assert_same_run(run4, ls.simulate(INFONCE, X64[:4], KEY, chunk_records=chunk_records, **RUN))


def test_tau_schedule_anneals_the_loss_temperature(X64):
    tau_schedule = ls.schedules.linear(0.5, 0.1, 3.0)  # tau: 0.5 -> 0.1 over t in [0, 3], then 0.1
    res = ls.simulate(ls.energies.InfoNCE(tau=0.5), X64[:8], KEY, tau_schedule=tau_schedule, record_x=True, **RUN)
    np.testing.assert_allclose(res.tau, np.interp(res.t, [0.0, 3.0], [0.5, 0.1]), rtol=1e-5)
    assert res.x.shape == (8, len(res.t), 2 * M, D)
    np.testing.assert_array_equal(res.x[:, -1], res.final)
    # Every recorded energy is InfoNCE at the recorded tau(t), evaluated on the recorded configuration.
    energy_at = jax.jit(jax.vmap(jax.vmap(lambda x, tau: ls.energies.InfoNCE(tau)(x), (0, None)), (1, 0), out_axes=1))
    # (float32 InfoNCE resolves E only to ~2 ulp(1/tau) ~ 2.4e-6 absolute at tau = 0.1)
    np.testing.assert_allclose(res.energy, energy_at(res.x, res.tau), rtol=1e-5, atol=3e-6)


def test_plain_callable_energy_matches_the_module():
    mu, kappa = np.array([0.0, 0.0, 1.0], np.float32), 2.0
    X0 = random_points(np.random.default_rng(1), (8, 2, 3))
    kw = dict(schedule=ls.schedules.constant(3.0), step_size=0.01, n_steps=100, record_every=10)
    module = ls.simulate(ls.energies.VonMisesFisher(mu, kappa), X0, KEY, **kw)

    def plain(X):  # any JAX-traceable X (n, d) -> scalar
        return -kappa * jnp.sum(X @ mu)

    assert_same_run(module, ls.simulate(plain, X0, KEY, **kw))


def test_non_finite_chains_are_isolated():
    """E = vMF + NaN where x[0, 0] > 0.99: chains entering that cap fail; the others are untouched (bitwise)."""
    mu, kappa = np.array([1.0, 0.0, 0.0], np.float32), 2.0
    vmf = ls.energies.VonMisesFisher(mu, kappa)

    def with_nan(X):
        return vmf(X) + jnp.where(X[0, 0] > 0.99, jnp.nan, 0.0)

    X0 = random_points(np.random.default_rng(2), (16, 2, 3))
    assert X0[:, 0, 0].max() < 0.99
    kw = dict(schedule=ls.schedules.constant(2.0), step_size=0.01, n_steps=150, record_every=1, record_x=True)
    finite = ls.simulate(vmf, X0, KEY, **kw)
    with pytest.warns(RuntimeWarning, match="non-finite"):
        res = ls.simulate(with_nan, X0, KEY, **kw)

    # In the finite run, chain b enters the cap first after step k_b (record k_b + 1): that is where it must fail.
    in_cap = finite.x[:, 1:, 0, 0] > 0.99  # (B, n_steps): after step k
    expected_failed = np.where(in_cap.any(axis=1), np.argmax(in_cap, axis=1), -1)
    np.testing.assert_array_equal(res.failed_step, expected_failed)
    failed = res.failed_step >= 0
    assert 0 < failed.sum() < len(failed), f"want some failing and some surviving chains, got {failed.sum()} failing"

    # Survivors: finite records, bitwise equal to the run of the finite energy.
    assert np.all(np.isfinite(res.energy[~failed]))
    np.testing.assert_array_equal(res.energy[~failed], finite.energy[~failed])
    np.testing.assert_array_equal(res.final[~failed], finite.final[~failed])
    # Failed chains: identical up to the failing step, NaN afterwards, frozen at the last finite state.
    for b in np.flatnonzero(failed):
        k = res.failed_step[b]
        np.testing.assert_array_equal(res.energy[b, : k + 1], finite.energy[b, : k + 1])
        assert np.all(np.isnan(res.energy[b, k + 1 :])) and np.all(np.isnan(res.grad_norm[b, k + 1 :]))
        np.testing.assert_array_equal(res.final[b], finite.x[b, k])


GOOD = dict(schedule=ls.schedules.constant(1.0), step_size=0.01, n_steps=10, record_every=5)


@pytest.mark.parametrize(
    "change, error, message",
    [
        ({"X0": np.ones((4, 3), np.float32) / np.sqrt(3)}, ValueError, "X0"),
        ({"X0": np.ones((2, 4, 3), np.float32)}, ValueError, "X0 must be a unit"),
        ({"X0": np.full((2, 4, 3), np.nan, np.float32)}, ValueError, "X0 must be a unit"),
        ({"step_size": 0.0}, ValueError, "step_size"),
        ({"step_size": -1e-3}, ValueError, "step_size"),
        ({"step_size": float("nan")}, ValueError, "step_size"),
        ({"n_steps": 0}, ValueError, "n_steps"),
        ({"n_steps": 2.5}, TypeError, "n_steps"),
        ({"record_every": 3}, ValueError, "record_every must divide n_steps"),
        ({"record_every": 0}, ValueError, "record_every"),
        ({"chunk_records": 0}, ValueError, "chunk_records"),
        ({"schedule": lambda t: 0.0 * t}, ValueError, "schedule"),
        ({"schedule": lambda t: 0.05 - t}, ValueError, "schedule"),  # beta < 0 for t > 0.05, within t_max = 0.1
        ({"energy": lambda X: jnp.sum(X, axis=0)}, ValueError, "energy must return a scalar"),
        ({"energy": "InfoNCE"}, TypeError, "energy"),
        ({"energy": zero_energy, "tau_schedule": ls.schedules.constant(0.2)}, ValueError, "tau_schedule"),
        ({"tau_schedule": lambda t: -1.0 + 0.0 * t}, ValueError, "tau_schedule"),
        ({"step_size": 2.0}, ValueError, "step_size=2 is too large"),  # noise sqrt(2 h (d-1) / beta) = 2.8 rad
        (  # drift h |grad E| ~ 0.05 * 100 rad at beta = 1e6 (noise negligible)
            {
                "energy": ls.energies.VonMisesFisher(jnp.array([0.0, 0.0, 1.0]), 100.0),
                "step_size": 0.05,
                "schedule": ls.schedules.constant(1e6),
            },
            ValueError,
            "step_size=0.05 is too large",
        ),
        ({"X0": np.zeros((2, 2 * M, D), np.float32)}, ValueError, "X0 must be a unit"),
        ({"X0": np.ones((2, 2 * M, D), np.int32)}, TypeError, "floating-point"),
        ({"X0": random_points(np.random.default_rng(0), (2, 2 * M + 1, D))}, ValueError, "n = 2M rows"),
    ],
)
def test_bad_inputs_raise_naming_the_parameter(change, error, message):
    args = dict(energy=INFONCE, X0=random_points(np.random.default_rng(0), (2, 2 * M, D)), key=KEY, **GOOD)
    args.update(change)
    with pytest.raises(error, match=message):
        ls.simulate(args.pop("energy"), args.pop("X0"), args.pop("key"), **args)


def test_records_are_functions_of_the_state(X64):
    """User records are evaluated on the recorded states: the Wang-Isola metrics and the distance to a reference
    equal their direct computation on the recorded configurations."""
    ref = X64[0]
    res = ls.simulate(
        INFONCE,
        X64[:4],
        KEY,
        record_x=True,
        **RUN,
        records={
            "align": ls.records.alignment(),
            "unif": ls.records.uniformity(t=2.0),
            "dist": ls.records.distance_to(ref),
            "neg": ls.records.hardest_negative,
        },
    )
    x = jnp.asarray(res.x.reshape(-1, 2 * M, D))
    np.testing.assert_allclose(res.records["align"].ravel(), jax.vmap(ls.energies.alignment)(x), rtol=1e-5)
    np.testing.assert_allclose(res.records["unif"].ravel(), jax.vmap(ls.energies.uniformity)(x), rtol=1e-5)
    theta = 2 * np.arctan2(np.linalg.norm(res.x - ref, axis=-1), np.linalg.norm(res.x + ref, axis=-1))
    np.testing.assert_allclose(res.records["dist"], np.sqrt(np.sum(theta**2, axis=-1)), rtol=1e-5, atol=1e-6)
    sim = np.einsum("brid,brjd->brij", res.x[:, :, :M], res.x[:, :, M:])  # u_i . v_j
    np.testing.assert_allclose(
        res.records["neg"], np.max(np.where(np.eye(M, dtype=bool), -np.inf, sim), axis=(-2, -1)), rtol=1e-6
    )
    assert res.records["dist"][0, 0] == 0.0 and res.records["energy"] is res.energy
    with pytest.raises(ValueError, match="records\\['energy'\\] must be a new name"):
        ls.simulate(INFONCE, X64[:4], KEY, records={"energy": ls.records.energy}, **RUN)


def test_any_energy_field_can_be_annealed(X64):
    """anneal={"t": schedule} anneals KCL's kernel scale: every recorded energy is KCL at t(time) of the recorded
    configuration; tau_schedule is the shortcut for anneal={"tau": ...}."""
    t_schedule = ls.schedules.linear(1.0, 3.0, 2.0)
    res = ls.simulate(ls.energies.KCL(t=1.0, gamma=1.0), X64[:4], KEY, anneal={"t": t_schedule}, record_x=True, **RUN)
    for r in (0, 5, len(res.t) - 1):
        kcl = ls.energies.KCL(t=float(t_schedule(res.t[r])), gamma=1.0)
        np.testing.assert_allclose(res.energy[:, r], jax.vmap(kcl)(jnp.asarray(res.x[:, r])), rtol=1e-5)
    with pytest.raises(ValueError, match="does not have"):
        ls.simulate(ls.energies.KCL(), X64[:4], KEY, anneal={"tau": t_schedule}, **RUN)


def test_records_that_cannot_fit_are_refused_before_compiling(monkeypatch):
    """1024 chains x 32 rows x 1e7 steps recorded at every step with record_x asks for ~7.5e3 GiB: refused at once
    with the estimate and the fix. (Run under `ulimit -v 8388608`, the same call fails in 0.2 s naming the
    address-space limit.)"""
    x0 = ls.sphere.uniform(jax.random.key(0), (1024, 32, 3))
    kw = dict(schedule=ls.schedules.constant(50.0), step_size=1e-3, n_steps=10**7, record_every=1, record_x=True)
    monkeypatch.setattr(ls.devices, "host_memory_available", lambda: (8 * 2**30, "address-space limit (ulimit -v)"))
    with pytest.raises(
        ValueError,
        match=r"records need 7.48e\+03 GiB .* more than the 8 GiB left \(address-space "
        r"limit.*record_every \(now 1\).*record_x=False",
    ):
        ls.simulate(INFONCE, x0, KEY, **kw)


def test_a_checkpoint_that_cannot_fit_on_disk_is_refused(monkeypatch, tmp_path):
    import shutil

    x0 = ls.sphere.uniform(jax.random.key(0), (8, 6, 3))
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage._replace(free=1000))
    with pytest.raises(
        ValueError, match="checkpoint .* needs up to .* GiB on its disk .* more than the 9.31e-07 GiB free"
    ):
        ls.simulate(INFONCE, x0, KEY, checkpoint=tmp_path / "c.npz", **RUN)


def test_keys_of_another_generator_work(X64):
    """A chain's key may be of any JAX PRNG implementation (here rbg); runs stay reproducible."""
    key = jax.random.key(7, impl="rbg")
    a = ls.simulate(INFONCE, X64[:3], key, **RUN)
    np.testing.assert_array_equal(a.final, ls.simulate(INFONCE, X64[:3], key, **RUN).final)
    assert np.all(np.isfinite(a.energy))


def test_few_chains_run_no_padding_block():
    """A device never runs more chains than its share: 2 chains are one block of 2, not a block of 8 with 6 padding
    chains (4x the work at M = 1024, d = 512)."""
    from langevin_sphere.core.simulate import Placement

    for n, block in ((1, 1), (2, 2), (5, 5), (8, 8), (9, 8), (20, 8)):
        plan = Placement.plan(n, jax.devices()[:1], ls.layouts.Chains())
        assert plan.block == block and plan.n_pad == -n % block, (n, plan)
