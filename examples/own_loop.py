"""Your own loop on the kernel: ``build_kernel`` gives a pure ``init`` / ``step`` for one chain; the loop is yours.

Here: 16 chains of symmetric InfoNCE (M = 4 pairs on S^2, tau = 0.2) under a logarithmic schedule, one
``lax.scan`` over steps vmapped over chains, keeping the lowest energy each chain has visited. The same kernel
drives ``ls.simulate``, and chain b's key is ``fold_in(key, b)`` there too, so the final states agree (to float32
round-off: simulate passes the numbers of the energy and schedule to its compiled run as arguments, so that a second
call compiles nothing; here they are compiled in as constants).

    python examples/own_loop.py
"""

import jax
import jax.numpy as jnp
import numpy as np

import langevin_sphere as ls

ls.set_host_device_count()


def main(n_chains: int = 16, n_steps: int = 2000, step_size: float = 1e-2):
    energy = ls.energies.InfoNCE(tau=0.2)
    schedule = ls.schedules.logarithmic(0.1)
    kernel = ls.kernel.build_kernel(ls.sde.Langevin(energy, schedule), None, step_size)

    key = jax.random.key(0)
    x0 = ls.sphere.uniform(jax.random.key(1), (n_chains, 8, 3))  # (B, n = 2M, d)
    chain_keys = jax.vmap(lambda b: jax.random.fold_in(key, b))(jnp.arange(n_chains))  # (B,) as simulate does

    def chain(x, chain_key):  # one chain: (n, d) -> final state, lowest energy seen
        def body(carry, k):
            state, best = carry
            state, _ = kernel.step(state, k, chain_key)
            return (state, jnp.minimum(best, state.energy)), None

        state = kernel.init(x)
        (state, best), _ = jax.lax.scan(body, (state, state.energy), jnp.arange(n_steps))
        return state.x, best

    final, best = jax.jit(jax.vmap(chain))(x0, chain_keys)

    res = ls.simulate(
        energy, x0, key, schedule=schedule, step_size=step_size, n_steps=n_steps, record_every=n_steps, layout="chains"
    )
    e_star = ls.optima.simplex_energy(4, 0.2)  # M = 4 <= d + 1: the regular simplex, closed form
    print(f"lowest energy visited, mean over chains: {float(jnp.mean(best)):.5f} (E* = {e_star:.5f})")
    print(f"largest difference to ls.simulate's final states: {np.max(np.abs(np.asarray(final) - res.final)):.2e}")
    return np.max(np.abs(np.asarray(final) - res.final))


if __name__ == "__main__":
    main()
