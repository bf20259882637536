"""The Langevin kernel: a pure ``init`` and ``step`` for one chain, built from an SDE, an integrator and a step size.

    kernel = build_kernel(sde, integrator, step_size)
    state = kernel.init(x)                              # x: (n, d); kernel.init(x, chain_key) for a random start
    state, info = kernel.step(state, k, chain_key)      # step k: from t_k = k h to t_{k+1}

As blackjax builds a ``SamplingAlgorithm(init, step)`` and jax-md an ``(init_fn, apply_fn)`` pair, this is the one
place where the step index becomes time and the chain's key becomes the step's noise: step k of a chain with key
``chain_key`` draws from ``fold_in(chain_key, k)``, so a trajectory depends only on (key, chain, step), never on
how many chains run beside it, the chunking or the devices. :func:`langevin_sphere.simulate` drives this kernel,
and so does every other loop of the package (studies, benchmarks, tests).

``lanes_step`` is the same step for B chains stored chains-last ((n, d, B) arrays, keys (B,)), present when the
integrator registers one (:func:`langevin_sphere.integrators.lanes_step`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, PRNGKeyArray

from . import integrators as integrators_lib
from . import noise
from .sde import Langevin

__all__ = ["Kernel", "build_kernel"]

_INIT_WORD = 0xFFFFFFFF  # fold_in(chain_key, 2^32 - 1) seeds a random initial state: no step ever uses it


class Kernel(NamedTuple):
    """A built kernel: pure functions of one chain (``lanes_step``: of a chains-last block, or None)."""

    init: Callable[..., Any]  # (x (n, d), chain_key=None) -> state
    step: Callable[[Any, Array, PRNGKeyArray], tuple[Any, Any]]
    lanes_step: Callable[[Any, Array, PRNGKeyArray], tuple[Any, Any]] | None
    step_size: float | Array  # as given: a float, or an array inside a compiled run
    sde: Langevin
    integrator: integrators_lib.Integrator
    dtype: Any = jnp.float32  # the float type of configurations and times


def build_kernel(
    sde: Langevin, integrator: integrators_lib.Integrator | None, step_size: float, dtype=jnp.float32
) -> Kernel:
    """The kernel of ``integrator`` (default geodesic Euler-Maruyama) on ``sde`` with step h = ``step_size``.

    Times are computed as t_k = k * h in ``dtype`` (the configurations' float type), t_{k+1} = t_k + h. The step
    size, like the numbers inside ``sde`` and ``integrator``, may be a traced array (as in the compiled run of
    :func:`langevin_sphere.simulate`, which passes them as arguments so that other values compile nothing).

    Examples:
      >>> import jax, langevin_sphere as ls
      >>> sde = ls.sde.Langevin(ls.energies.InfoNCE(tau=0.5), ls.schedules.constant(10.0))
      >>> kernel = build_kernel(sde, None, 1e-2)
      >>> key = jax.random.key(0)
      >>> state = kernel.init(ls.sphere.uniform(key, (6, 3)), key)
      >>> state, info = kernel.step(state, 0, key)
      >>> state.x.shape
      (6, 3)
    """
    integrator = integrator if integrator is not None else integrators_lib.GeodesicEulerMaruyama()
    h = jnp.asarray(step_size, dtype)

    def times(k):
        t0 = jnp.asarray(k, jnp.int32).astype(dtype) * h
        return t0, t0 + h

    def init(x, chain_key=None):  # the key only for integrators with a random initial state (none built in)
        key = None if chain_key is None else noise.fold_in(chain_key, jnp.asarray(_INIT_WORD, jnp.uint32))
        return integrator.init(sde, x, jnp.asarray(0.0, dtype), key)

    def step(state, k, chain_key):
        t0, t1 = times(k)
        return integrator.step(sde, state, t0, t1, noise.fold_in(chain_key, k))

    def lanes(state, k, chain_keys):
        t0, t1 = times(k)
        return integrators_lib.lanes_step(integrator, sde, state, t0, t1, noise.fold_in(chain_keys, k))

    has_lanes = integrators_lib.has_lanes_step(integrator)
    return Kernel(
        init=init,
        step=step,
        lanes_step=lanes if has_lanes else None,
        step_size=step_size,
        sde=sde,
        integrator=integrator,
        dtype=dtype,
    )


def run(kernel: Kernel, x0: Float[Array, "B n d"], chain_keys: PRNGKeyArray, n_steps: int, k0: int = 0):
    """``n_steps`` steps of every chain from x0 (B, n, d) with keys (B,), in one compiled scan: the final states.

    The plain loop, for tests and small studies; :func:`langevin_sphere.simulate` adds records, chunks, devices,
    checkpoints and the isolation of non-finite chains.
    """

    @jax.jit
    def go(x0, chain_keys):
        def chain(x, key):
            state = kernel.init(x, key)
            return jax.lax.scan(lambda s, k: (kernel.step(s, k, key)[0], None), state, k0 + jnp.arange(n_steps))[0]

        return jax.vmap(chain)(x0, chain_keys)

    return go(x0, chain_keys)
