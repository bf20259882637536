"""The critical depth c* of a contrastive landscape from one multi-start search: quench uniform starts,
keep one minimum per energy level, join every pair by a minimum-energy path (``langevin-sphere study critical-depth``).
"""

from __future__ import annotations

import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from ... import landscape
from ...core import io, sphere
from ...landscape import barriers, optima
from .. import config

_CONTRASTIVE = {kind: config.energy_class(kind) for kind in ("infonce", "dhel")}  # the landscapes of c*


def _landscape_minima(kind: str, M: int, d: int, tau: float, n_starts: int, seed: int, energy_tol: float):
    """Quench ``n_starts`` uniform starts; one representative minimum per distinct energy level (and the closed-form
    optimum of InfoNCE when there is one)."""
    energy = _CONTRASTIVE[kind](tau=tau)
    known = optima.infonce_optimum(M, d, tau) if kind == "infonce" else None
    x0 = sphere.uniform(jax.random.key(seed), (n_starts, 2 * M, d))
    info = jax.jit(jax.vmap(lambda y: landscape.quench_info(energy, y, tol=1e-7, max_steps=5000)))(x0)
    e = np.asarray(info.energy, np.float64)
    ok = np.asarray(info.grad_norm) < 1e-5
    reps, levels = [], []
    for i in np.argsort(e):
        if ok[i] and all(abs(e[i] - lv) > energy_tol for lv in levels):
            reps.append(int(i))
            levels.append(e[i])
    minima = np.asarray(info.x)[reps]
    if known is not None and abs(levels[0] - known[0]) > energy_tol:
        minima = np.concatenate([np.asarray(known[1], minima.dtype)[None], minima])
    counts = [int(np.sum(np.abs(e[ok] - lv) <= energy_tol)) for lv in levels]
    return (
        energy,
        minima,
        {
            "n_starts": n_starts,
            "converged_starts": int(ok.sum()),
            "level_counts": counts,
            "E_star": float(levels[0]) if known is None else known[0],
            "E_star_source": "lowest quenched energy" if known is None else "closed form",
        },
    )


def critical_depth_study(
    out: str | Path,
    *,
    kind: str = "infonce",
    M: int = 8,
    d: int = 2,
    tau: float = 0.05,
    n_starts: int = 256,
    seed: int = 0,
    n_images: int = 32,
    step: float = 3e-2,
    max_steps: int = 100_000,
    energy_tol: float = 1e-3,
    log=print,
) -> dict:
    """c* of a contrastive landscape (``kind`` "infonce", symmetric, or "dhel"; M pairs on S^{d-1}, temperature
    tau), in float64.

    Minima: converged quenches (|grad| < 1e-5) of ``n_starts`` uniform starts (key ``seed``), one per energy level
    (levels closer than ``energy_tol`` are one minimum up to the symmetries), plus the closed-form optimum. Every
    pair is joined by :func:`langevin_sphere.barriers.minimum_energy_path` after
    :func:`~langevin_sphere.barriers.align`;
    :func:`~langevin_sphere.barriers.critical_depth` gives the depths. Writes ``study.json`` (kind
    "critical_depth") and ``paths.npz`` (the energy profiles) to ``out``.
    """
    if kind not in _CONTRASTIVE:
        raise ValueError(f"critical_depth_study: kind must be one of {sorted(_CONTRASTIVE)}, got {kind=}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    with jax.enable_x64(True):
        energy, minima, meta = _landscape_minima(kind, M, d, tau, n_starts, seed, energy_tol)
        minima = jnp.asarray(minima, jnp.float64)
        log(f"{len(minima)} minima, energies {np.round(np.asarray(jax.vmap(energy)(minima)), 6).tolist()}")
        res = barriers.critical_depth(
            energy,
            minima,
            n_images=n_images,
            energy_tol=energy_tol,
            log=log,
            step=step,
            max_steps=max_steps,
            tol=1e-5,
            saddle_tol=1e-6,
        )
        grad_norm = np.asarray(jax.vmap(lambda x: landscape.gradient_norm(energy, x))(minima))
    k = len(minima)
    profiles = {f"energies_{i}_{j}": np.asarray(p.energies) for (i, j), p in res["paths"].items()}
    profiles.update({f"arc_{i}_{j}": np.asarray(p.arc_length) for (i, j), p in res["paths"].items()})
    io.save_npz(out / "paths.npz", {"minima": np.asarray(minima), **profiles})
    summary = {
        "kind": "critical_depth",
        "landscape": {"energy": type(energy).__name__, "M": M, "d": d, "tau": tau},
        "method": {
            "minima": f"quench_info of {n_starts} uniform starts (key {seed}), one per energy level "
            f"(tolerance {energy_tol}); closed-form optimum added",
            "paths": f"string method, {n_images} images, step {step}, velocity tol 1e-5, climbing image to "
            f"|grad| < 1e-6, float64; minima aligned by O(d) + pair relabelling + U<->V",
            **meta,
        },
        "energy": res["energy"].tolist(),
        "gap": (res["energy"] - res["energy"].min()).tolist(),
        "minimum_grad_norm": grad_norm.tolist(),
        "saddle": [[None if not np.isfinite(v) else float(v) for v in row] for row in res["saddle"]],
        "converged": res["converged"].tolist(),
        "depth": [None if not np.isfinite(v) else float(v) for v in res["depth"]],
        "c_star": res["c_star"],
        "deepest": res["deepest"],
        "n_minima": k,
        "all_paths_converged": bool(res["converged"][~np.eye(k, dtype=bool)].all()),
        "wall_time_s": time.time() - t0,
        "provenance": io.provenance(),
    }
    io.save_json(out / "study.json", summary)
    log(f"c* = {res['c_star']:.6g} (minimum {res['deepest']}), depths {summary['depth']}")
    return summary
