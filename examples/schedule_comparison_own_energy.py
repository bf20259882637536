"""A schedule comparison on an energy of your own, without editing the package.

The energy is the Thomson problem: n unit charges on S^2 with the Coulomb energy E(X) = sum_{i<j} 1 / |x_i - x_j|.
For n = 5 its global minimum is the triangular bipyramid, E* = 6.474691495 (Wales & Ulker, Phys. Rev. B 74, 212101,
2006). The same starts are annealed under a cold constant, a geometric and a logarithmic schedule; each final state
is quenched to the minimum of its basin and compared with E*. (Five charges have one minimum up to rotations, so
every schedule reaches it; put your own landscape in its place to see schedules differ.)

    python examples/schedule_comparison_own_energy.py
"""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

import langevin_sphere as ls

ls.set_host_device_count()  # one CPU device per core, right after the import

E_STAR = 6.474691495  # Thomson problem, n = 5


class Thomson(eqx.Module):
    """Coulomb energy of the rows of X (n, d): sum_{i<j} 1 / |x_i - x_j| (an equinox Module: it jits and vmaps)."""

    softening: float = 1e-12

    def __call__(self, x):  # (n, d) -> ()
        diff = x[:, None, :] - x[None, :, :]
        dist = jnp.sqrt(jnp.sum(diff**2, axis=-1) + self.softening)
        upper = jnp.triu(jnp.ones(dist.shape, bool), k=1)
        return jnp.sum(jnp.where(upper, 1.0 / dist, 0.0))


def main(n_chains: int = 64, n_steps: int = 4000):
    energy = Thomson()
    x0 = ls.sphere.uniform(jax.random.key(0), (n_chains, 5, 3))  # (B, n, d): 64 chains of 5 points on S^2
    schedules = {
        "constant beta = 50": ls.schedules.constant(50.0),
        "geometric": ls.schedules.geometric(1.0, 1.0),
        "logarithmic c = 0.5": ls.schedules.logarithmic(0.5),
    }
    for name, schedule in schedules.items():
        res = ls.simulate(
            energy,
            x0,
            jax.random.key(1),
            schedule=schedule,
            step_size=1e-3,
            n_steps=n_steps,
            record_every=n_steps // 4,
            progress=False,
        )
        minima = ls.landscape.quench_many(energy, res.final)  # (B, n, d) -> the minimum of each chain's basin
        reached = np.mean(np.abs(minima.energy - E_STAR) < 1e-4)
        print(
            f"{name:22s} mean final energy {np.nanmean(res.energy[:, -1]):.4f}, "
            f"quenched to E* in {reached:.0%} of {n_chains} chains"
        )
    return reached


if __name__ == "__main__":
    main()
