"""Chains sharded over devices give the same result as on one device (per-chain keys; no communication).

Runs in a subprocess with 8 forced host devices (XLA_FLAGS=--xla_force_host_platform_device_count=8): correctness,
not speed (they share this machine's cores).
"""

import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import os, tempfile
    import jax, numpy as np
    import langevin_sphere as ls
    assert jax.device_count() == 8, jax.devices()
    x0 = ls.sphere.uniform(jax.random.key(0), (61, 8, 3))       # 61 chains: 8 blocks of 8 (padded) over 8 devices
    kw = dict(schedule=ls.schedules.geometric(1.0, 2.0), step_size=1e-3, n_steps=200, record_every=20,
              quench_every=5)
    energy = ls.energies.InfoNCE(tau=0.2)
    path = os.path.join(tempfile.mkdtemp(), "run.npz")  # checkpointed: the same result (test_checkpoint)
    many = ls.simulate(energy, x0, jax.random.key(1), checkpoint=path, **kw)
    one = ls.simulate(energy, x0, jax.random.key(1), devices=jax.devices()[:1], **kw)
    plain = {k: v for k, v in kw.items() if k != "quench_every"}  # the quench on several devices: `many`
    two = ls.simulate(energy, x0, jax.random.key(1), devices=jax.devices()[:2], **plain)
    for name in ("energy", "grad_norm", "final", "failed_step"):  # the dynamics: bit for bit
        a, b, c = (np.asarray(getattr(r, name)) for r in (many, one, two))
        assert a.shape == b.shape == c.shape, (name, a.shape, b.shape)
        np.testing.assert_array_equal(a, b, err_msg=name)
        np.testing.assert_array_equal(a, c, err_msg=name)
    # the quench solves small linear systems whose LAPACK blocking depends on the batch per device: round-off only
    np.testing.assert_allclose(many.quench_energy, one.quench_energy, rtol=1e-5)
    # the checkpoint written on 8 devices resumes on 1
    resumed = ls.simulate(energy, x0, jax.random.key(1), checkpoint=path, devices=jax.devices()[:1], **kw)
    np.testing.assert_array_equal(resumed.energy, one.energy)
    # 13 chains: 2 per device on 7 devices (1 padding chain); the device that would hold only padding is left out
    few = ls.simulate(energy, x0[:13], jax.random.key(1), **plain)
    np.testing.assert_array_equal(few.final, one.final[:13])
    from langevin_sphere.core.simulate import Placement
    chains = ls.layouts.Chains()
    for n, want in ((13, (7, 2, 1)), (2, (2, 1, 0)), (61, (8, 8, 3)), (100, (7, 8, 12))):
        plan = Placement.plan(n, jax.devices(), chains)
        assert (plan.mesh.size, plan.block, plan.n_pad) == want, (n, plan)
    print("OK", many.energy.shape)
    """
)


def test_sharded_over_8_host_devices_equals_one_device():
    env = {k: v for k, v in os.environ.items() if k != "JAX_NUM_CPU_DEVICES"}
    env.update(XLA_FLAGS="--xla_force_host_platform_device_count=8", JAX_PLATFORMS="cpu")
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-4000:]
    assert "OK (61, 11)" in out.stdout
