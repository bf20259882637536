"""Recording a statistic of your own: a record is any function of one chain's state, evaluated inside the compiled
scan at every record (as diffrax's ``SaveAt(fn=...)``); ``simulate`` returns it as a (B, R, ...) array.

The statistic here is the norm of the anchors' mean, |(1/M) sum_i u_i|: 0 for a configuration balanced on the sphere
(the regular simplex that minimises InfoNCE for M <= d + 1), up to 1 when every anchor points the same way.

    python examples/custom_statistic.py
"""

import jax
import jax.numpy as jnp

import langevin_sphere as ls

ls.set_host_device_count()


def anchor_centroid_norm(state):  # state.x: (n = 2M, d) -> ()
    m = state.x.shape[0] // 2
    return jnp.linalg.norm(jnp.mean(state.x[:m], axis=0))


def main(n_chains: int = 32, n_steps: int = 3000):
    x0 = ls.sphere.uniform(jax.random.key(0), (n_chains, 8, 3))  # M = 4 pairs on S^2
    res = ls.simulate(
        ls.energies.InfoNCE(tau=0.2),
        x0,
        jax.random.key(1),
        schedule=ls.schedules.geometric(1.0, 2.0),
        step_size=1e-2,
        n_steps=n_steps,
        record_every=500,
        records={"centroid": anchor_centroid_norm, "alignment": ls.records.alignment()},
    )
    centroid = res.records["centroid"]  # (B, R)
    for t, c in zip(res.t, centroid.mean(axis=0)):
        print(f"t = {t:5.1f}   mean |anchor centroid| = {c:.4f}")
    return centroid


if __name__ == "__main__":
    main()
