"""Throughput benchmark: config-steps per second of :func:`langevin_sphere.simulate` beside a baseline.

The baseline is the straightforward implementation, kept here as the reference: ``jit(vmap(lax.scan(...)))`` around
``jax.grad`` of a log-softmax InfoNCE, tangent projection, Gaussian noise from the default generator and the
exponential map. Both run the same problem in the same process, so their ratio is meaningful on any machine.

Reference problem P0: B = 1024 chains, M = 16 pairs, d = 3, symmetric InfoNCE tau = 0.2, beta = 50, float32.
"""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp

from . import energies, schedules, sphere
from .simulate import simulate

__all__ = ["baseline", "run"]


def baseline(energy, x0, key, *, beta: float, step_size: float, n_steps: int):
    """Straightforward reference: one jitted scan per chain, vmapped; returns the final configurations (B, n, d)."""
    grad = jax.grad(energy)

    def chain(x, k):
        def step(x, i):
            g = sphere.project(x, grad(x))
            xi = sphere.project(x, jax.random.normal(jax.random.fold_in(k, i), x.shape))
            return sphere.exp(x, -step_size * g + jnp.sqrt(2 * step_size / beta) * xi), None

        return jax.lax.scan(step, x, jnp.arange(n_steps))[0]

    keys = jax.random.split(key, x0.shape[0])
    return jax.jit(jax.vmap(chain))(x0, keys)


def _time(fn, repeats: int = 2) -> float:
    jax.block_until_ready(fn())  # compile and warm up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        jax.block_until_ready(fn())
        best = min(best, time.perf_counter() - start)
    return best


def run(n_chains: int = 1024, M: int = 16, d: int = 3, tau: float = 0.2, beta: float = 50.0, n_steps: int = 1000,
        log=print) -> list[dict]:
    """Measure both implementations on one problem; returns rows of the table it prints."""
    energy = energies.InfoNCE(tau=tau)
    x0 = sphere.uniform(jax.random.key(0), (n_chains, 2 * M, d))
    key = jax.random.key(1)
    h = 1e-3
    impls = {
        "baseline jit(vmap(scan(grad)))": lambda: baseline(energy, x0, key, beta=beta, step_size=h, n_steps=n_steps),
        "ls.simulate": lambda: simulate(energy, x0, key, schedule=schedules.constant(beta), step_size=h,
                                        n_steps=n_steps, record_every=n_steps, chunk_records=1).final,
    }
    rows = []
    for name, fn in impls.items():
        seconds = _time(fn)
        rows.append({"implementation": name, "B": n_chains, "M": M, "d": d, "n_steps": n_steps,
                     "config_steps_per_s": n_chains * n_steps / seconds})
    base = rows[0]["config_steps_per_s"]
    log(f"{'implementation':34s} {'B':>6s} {'M':>4s} {'d':>4s} {'config-steps/s':>15s} {'vs baseline':>12s}")
    for r in rows:
        r["ratio_to_baseline"] = r["config_steps_per_s"] / base
        log(f"{r['implementation']:34s} {r['B']:6d} {r['M']:4d} {r['d']:4d} {r['config_steps_per_s']:15.4g} "
            f"{r['ratio_to_baseline']:11.2f}x")
    log(f"backend: {jax.default_backend()} ({jax.devices()[0]})")
    return rows
