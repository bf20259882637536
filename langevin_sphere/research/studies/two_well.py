"""The closed-form two-well energy on the circle that the Kramers, c-sweep and tails studies use, and the
escape-time driver: chains run until an exit test holds, with the time of each chain's first exit.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from ...core import energies, schedules
from ...core.kernel import build_kernel
from ...core.sde import Langevin


class TiltedTwoWell(energies.Energy):
    r"""Closed-form two-well energy on the circle, row by row: E = a sum_rows (-cos 2 theta - b cos theta).

    With x = (cos theta, sin theta): -cos 2 theta = x_2^2 - x_1^2. For 0 < b < 4: the global minimum at theta = 0
    (E = -a (1 + b)), a trap at theta = pi (E = -a (1 - b)), two saddles at cos theta = -b/4 with E = a (1 + b^2/8):
    the barrier out of the trap is a (2 - b + b^2/8), that out of the global well a (2 + b + b^2/8).
    """

    a: float = 0.5
    b: float = 0.5

    def __call__(self, x):
        return self.a * jnp.sum(x[:, 1] ** 2 - x[:, 0] ** 2 - self.b * x[:, 0])

    def barrier(self) -> float:
        return self.a * (2.0 - self.b + self.b**2 / 8.0)

    def kramers_time(self, beta: float, well: str = "trap") -> float:
        """Eyring-Kramers mean escape time from the trap (or the ``"global"`` well) over both saddles (1D overdamped
        Langevin): pi / sqrt(E''(well) |E''(saddle)|) exp(beta barrier), E'' = a (4 cos 2 theta + b cos theta)."""
        c = -self.b / 4.0
        sign = 1.0 if well == "global" else -1.0
        curv_well = self.a * (4.0 + sign * self.b)
        curv_saddle = self.a * (4.0 * (2 * c * c - 1.0) + self.b * c)
        barrier = self.barrier() + (2.0 * self.a * self.b if well == "global" else 0.0)
        return math.pi / math.sqrt(curv_well * abs(curv_saddle)) * math.exp(beta * barrier)


def escape_times(
    energy, x0, key, *, beta: float, step_size: float, t_max: float, escaped, integrator=None, chunk_steps: int = 5000
):
    """First time each chain at fixed ``beta`` satisfies ``escaped(x)``; t_max (censored) for those that never do.

    Runs ``integrator`` (geodesic Euler-Maruyama by default) on every chain of x0 (B, n, d) with noise key
    fold_in(fold_in(key, b), k) for chain b at step k, checking ``escaped`` after every step, in compiled chunks of
    ``chunk_steps`` steps until every chain escaped or t_max. Returns (times (B,), escaped (B,) bool), numpy.
    """
    kernel = build_kernel(Langevin(energy, schedules.constant(beta)), integrator, step_size, x0.dtype)
    n_chains = x0.shape[0]
    chain_keys = jax.vmap(lambda b: jax.random.fold_in(key, b))(jnp.arange(n_chains))

    @jax.jit
    def chunk(states, first, k0):
        def one(carry, k):
            states, first = carry
            states = jax.vmap(kernel.step, in_axes=(0, None, 0))(states, k, chain_keys)[0]
            out = jax.vmap(escaped)(states.x)
            first = jnp.where((first < 0) & out, k + 1, first)
            return (states, first), None

        return jax.lax.scan(one, (states, first), k0 + jnp.arange(chunk_steps))[0]

    states = jax.vmap(kernel.init)(x0, chain_keys)
    first = jnp.full((n_chains,), -1, jnp.int32)
    n_max = int(math.ceil(t_max / step_size))
    k = 0
    while k < n_max and bool(jnp.any(first < 0)):
        states, first = chunk(states, first, jnp.asarray(k, jnp.int32))
        k += chunk_steps
    first = np.asarray(first)
    done = (first >= 0) & (first <= n_max)
    return np.where(done, first * step_size, n_max * step_size), done
