"""Classifying the end states of embeddings loaded from a file: which are the global optimum, which are trapped in
another local minimum, which sit on a plateau or a saddle.

A file of embeddings (here written by a short annealing run, in your case exported from a training run) holds
B configurations [U; V] of shape (B, 2M, d). Each is normalised, quenched to the minimum of its gradient-flow basin
and classified by the Hessian's spectrum off the symmetry modes; the energies are compared with the closed-form
optimum (the regular simplex, M <= d + 1).

    python examples/classify_from_file.py [embeddings.npy]
"""

import sys
import tempfile
from pathlib import Path

import jax
import numpy as np

import langevin_sphere as ls

ls.set_host_device_count()


def write_example(path: Path) -> None:
    """Stand-in for your data: 16 annealed configurations of M = 3 pairs in R^3, saved as .npy."""
    x0 = ls.sphere.uniform(jax.random.key(0), (16, 6, 3))
    res = ls.simulate(
        ls.energies.InfoNCE(tau=0.2),
        x0,
        jax.random.key(1),
        schedule=ls.schedules.constant(20.0),
        step_size=1e-2,
        n_steps=500,
        record_every=500,
    )
    np.save(path, res.final)


def main(path: str | None = None):
    if path is None:
        path = str(Path(tempfile.mkdtemp()) / "embeddings.npy")
        write_example(Path(path))
    x = np.load(path)  # (B, 2M, d)
    x = np.asarray(ls.sphere.normalize(x))  # rows of unit length (exported embeddings may not quite be)
    energy = ls.energies.InfoNCE(tau=0.2)
    states = ls.landscape.classify(energy, x)
    e_star = ls.optima.simplex_energy(x.shape[1] // 2, 0.2)
    at_optimum = (states.kind == "minimum") & (np.abs(states.energy - e_star) < 1e-5)
    kinds = {k: int(np.sum(states.kind == k)) for k in ls.landscape.KINDS}
    print(f"{len(x)} configurations from {path}: {kinds}; at the global optimum E* = {e_star:.6f}: {at_optimum.sum()}")
    return states


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
