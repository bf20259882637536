"""Checkpoints of a run: its state, step and records so far, written atomically, refused to any other run.

``Checkpoint(path, every)`` is what :func:`langevin_sphere.simulate` writes every ``every`` chunks; calling it again
with the same arguments and path resumes, and the result is bit-identical to an uninterrupted run (a chain's noise
depends only on (key, chain, step)). Each checkpoint carries a fingerprint of everything that determines the run's
result, so a checkpoint written by a run with other arguments is refused, never half-used.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from . import io

__all__ = ["Checkpoint", "fingerprint"]


def fingerprint(sde, x0, key, integrator, h, n_steps, record_every, record_names, quench_every, layout) -> str:
    """A digest of everything that determines a run's result.

    Callables cannot be compared, so schedules enter through their values on a grid of times and the energy through
    its value on the first chains (and its printed form when it is an equinox Module); records through their names.
    """
    energy, schedule = sde.energy, sde.beta
    tau_schedule = sde.anneal.get("tau")
    t_grid = jnp.linspace(0.0, n_steps * h, 17, dtype=x0.dtype)
    probe = x0[: min(4, x0.shape[0])]
    parts = {
        "x0": hashlib.sha256(np.asarray(x0).tobytes()).hexdigest(),
        "shape": list(x0.shape),
        "dtype": str(x0.dtype),
        "key": np.asarray(jax.random.key_data(key)).tolist(),
        "energy": repr(energy) if isinstance(energy, eqx.Module) else getattr(energy, "__qualname__", "callable"),
        "energy_values": np.asarray(jax.vmap(energy)(probe)).tolist(),
        "beta": np.asarray(schedule(t_grid)).tolist(),
        "tau": None if tau_schedule is None else np.asarray(tau_schedule(t_grid)).tolist(),
        "integrator": repr(integrator),
        "step_size": h,
        "n_steps": n_steps,
        "record_every": record_every,
        "record_x": "x" in record_names,
        "quench_every": quench_every,
    }
    others = sorted(set(record_names) - {"energy", "grad_norm", "n_accepted", "x"})
    if others:  # (absent for the default records, so that earlier checkpoints stay valid)
        parts["records"] = others
    extra = sorted(set(sde.anneal) - {"tau"})
    if extra:
        parts["anneal"] = {name: np.asarray(sde.anneal[name](t_grid)).tolist() for name in extra}
    if layout != "chains":
        parts["layout"] = layout
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


@dataclasses.dataclass(frozen=True)
class Checkpoint:
    """A checkpoint file (``.npz``) written every ``every`` chunks of a run; left in place at the end."""

    path: Path
    every: int = 1

    def __post_init__(self):
        object.__setattr__(self, "path", Path(self.path))
        if isinstance(self.every, bool) or not isinstance(self.every, int) or self.every < 1:
            raise ValueError(f"simulate: checkpoint_every must be an integer >= 1, got checkpoint_every={self.every!r}")

    def due(self, n_chunks: int, finished: bool) -> bool:
        return finished or n_chunks % self.every == 0

    def save(self, fingerprint: str, states, failed, records, quenches, done: int) -> None:
        """Write the checkpoint (host arrays, gathered by every process); in a multi-process run only process 0
        writes, and every process reads it on resume (a file system they share)."""
        if jax.process_index() != 0:
            return
        arrays = {"fingerprint": np.asarray(fingerprint), "done": np.asarray(done), "failed": np.asarray(failed)}
        for i, leaf in enumerate(jax.tree.leaves(states)):
            arrays[f"state_{i}"] = np.asarray(leaf)
        for prefix, recs in (("record_", records), ("quench_", quenches)):
            for name in recs[0] if recs else ():
                arrays[prefix + name] = np.concatenate([r[name] for r in recs], axis=0)
        io.save_npz(self.path, arrays)

    def load(self, fingerprint: str, like):
        """(states, failed, records, quenches, done) from the file, or None when there is none yet."""
        if not self.path.exists():
            return None
        try:
            data = io.load_npz(self.path)
        except Exception as err:  # noqa: BLE001 - a damaged file is reported, never half-used
            raise ValueError(f"simulate: cannot read the checkpoint {self.path}: {err}") from err
        if str(data["fingerprint"]) != fingerprint:
            raise ValueError(
                f"simulate: the checkpoint {self.path} was written by a run with other arguments (energy, X0, key, "
                "schedules, integrator, step_size, n_steps, record_every, records or quench_every differ); refusing "
                "to resume from it. Delete it or pass another path."
            )
        leaves, treedef = jax.tree.flatten(like)
        states = jax.tree.unflatten(treedef, [jnp.asarray(data[f"state_{i}"]) for i in range(len(leaves))])
        records = [{k[len("record_") :]: v for k, v in data.items() if k.startswith("record_")}]
        quenches = [{k[len("quench_") :]: v for k, v in data.items() if k.startswith("quench_")}]
        return states, jnp.asarray(data["failed"]), records, [q for q in quenches if q], int(data["done"])
