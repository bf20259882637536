"""Cost of the matrix-free diagnostics at the sizes of real contrastive batches (``langevin-sphere study
matrix-free-cost``): seconds and peak memory of a quench, a classification and a string at N = 2M(d - 1) ~ 1e4 - 1e5.

Each size runs in its own Python process, so that its peak resident memory (``ru_maxrss``) is its own: the table
gives it beside the resident memory of the process after importing JAX and this package (the floor every run pays).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import jax
import numpy as np

from ... import landscape
from ...core import energies, io, sphere

COST_SIZES = ((128, 32), (256, 64), (256, 128))  # (M, d): N = 7936, 32256, 65024
STRING_SIZE = (256, 64)


def _rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux


def one_size(M: int, d: int, tau: float = 0.1, seed: int = 0, string: bool = False, string_steps: int = 500) -> dict:
    """Quench (float32, |grad| < 1e-5, Krylov) and classify (float64, matrix-free) one uniform start of symmetric
    InfoNCE on (S^{d-1})^{2M}; with ``string``, a minimum-energy path (16 images) between two quenched starts."""
    floor = _rss_bytes()
    energy = energies.InfoNCE(tau=tau)
    x0 = np.asarray(sphere.uniform(jax.random.key(seed), (2, 2 * M, d)))
    row: dict = {"M": M, "d": d, "N": 2 * M * (d - 1), "tau": tau, "rss_floor_bytes": floor}
    start = time.perf_counter()
    q = landscape.quench_many(energy, x0[:1], tol=1e-5, max_steps=2000, batch=1)
    row["quench_seconds"] = time.perf_counter() - start  # compilation included: what one call costs a user
    row["quench_steps"] = int(q.n_steps[0])
    row["quench_grad_norm"] = float(q.grad_norm[0])
    start = time.perf_counter()
    states = landscape.classify(energy, q.x, batch=1)
    row["classify_seconds"] = time.perf_counter() - start
    row["kind"] = str(states.kind[0])
    row["energy"] = float(states.energy[0])
    row["hessian_head"] = [float(v) for v in states.hessian_head[0]]
    row["hessian_max"] = float(states.hessian_max[0])
    row["peak_rss_bytes"] = _rss_bytes()
    if string:
        q2 = landscape.quench_many(energy, x0[1:], tol=1e-5, max_steps=2000, batch=1)
        path_fn = jax.jit(
            lambda a, b: landscape.barriers.minimum_energy_path(
                energy, a, b, 16, max_steps=string_steps, saddle_steps=string_steps
            )
        )
        start = time.perf_counter()
        path = jax.block_until_ready(path_fn(q.x[0], q2.x[0]))
        row["string_seconds"] = time.perf_counter() - start
        row["string_steps"] = int(path.n_steps)
        row["string_converged"] = bool(path.converged)
        row["string_residual"] = float(path.residual)
        row["string_barrier"] = float(path.saddle_energy) - max(float(q.energy[0]), float(q2.energy[0]))
        row["peak_rss_with_string_bytes"] = _rss_bytes()
    return row


def matrix_free_cost_study(out: str | Path, sizes: str = "", tau: float = 0.1) -> dict:
    """Every size of :data:`COST_SIZES` (or ``sizes``, "M:d,M:d") in its own process; writes ``study.json`` after
    each size and skips the sizes it holds (resumable)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "study.json"
    todo = [tuple(int(v) for v in s.split(":")) for s in sizes.split(",")] if sizes else list(COST_SIZES)
    rows = io.load_json(path)["rows"] if path.exists() else []
    have = {(r["M"], r["d"]) for r in rows}
    for M, d in todo:
        if (M, d) in have:
            continue
        string = (M, d) == STRING_SIZE
        code = (
            "import json; from langevin_sphere.research.studies import matrix_free as m; "
            f"print(json.dumps(m.one_size({M}, {d}, tau={tau}, string={string})))"
        )
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        row = json.loads(done.stdout.strip().splitlines()[-1])
        print(json.dumps(row), flush=True)
        rows.append(row)
        device = f"{jax.device_count()} x {jax.devices()[0].platform}"
        io.save_json(path, {"kind": "matrix_free_cost", "device": device, "provenance": io.provenance(), "rows": rows})
    return io.load_json(path)
