"""A schedule-comparison experiment: one landscape, several annealing schedules, the same initial chains.

config -> energy + schedules -> simulate (per schedule) -> quench of the final states -> statistics -> files.

Files written to the output folder (all readable without this package):

- ``config.toml``: the config as given; a folder holding another config is refused, never mixed.
- ``schedule_<i>.npz``: t, beta, energy (B, R), grad_norm (B, R), final (B, n, d), failed_step (B,),
  quench_energy (B,), quench_grad_norm (B,) of schedule i. A schedule whose file exists is not run again.
- ``schedule_<i>.checkpoint.npz`` while schedule i runs: re-running the same command on the same folder resumes from
  it, with a result bit-identical to an uninterrupted run.
- ``summary.json``: E* and its source, per schedule the success fraction (quenched final energy within eps of E*) with
  its Wilson 95% interval, the trapped fraction, the final basin energies, wall time; provenance (versions, seed).
- ``traces.csv``: mean and quantiles over chains of the energy at every record, per schedule.
- ``energy_traces.png`` / ``.pdf``: the figure of :func:`langevin_sphere.figures.energy_traces`.
"""

from __future__ import annotations

import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from . import config as config_lib
from . import diagnostics, figures, io, landscape, optima, sphere
from .simulate import simulate

__all__ = ["run"]


def _optimum(cfg: config_lib.Config) -> tuple[float | None, str]:
    e = cfg.energy
    if e.kind == "infonce":
        known = optima.infonce_optimum(e.M, e.d, e.tau)
        if known is not None:
            source = "regular simplex (closed form)" if e.M <= e.d + 1 else "regular polygon (closed form)"
            return known[0], source
    return None, "lowest quenched energy found in this run (no closed form for this landscape)"


def _prepare(out: Path, text: str) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise config_lib.ConfigError(f"cannot create the output folder {out}: {err.strerror}") from None
    saved = out / "config.toml"
    if saved.exists():
        if saved.read_text() != text:
            raise config_lib.ConfigError(
                f"{out} holds results of a different config ({saved}); refusing to mix them. "
                "Use another --out folder, or delete that one."
            )
    else:
        try:
            io.atomic_write_bytes(saved, text.encode())
        except OSError as err:
            raise config_lib.ConfigError(f"cannot write to the output folder {out}: {err.strerror}") from None


def run(cfg: config_lib.Config, text: str, out: str | Path, *, progress: bool = True, log=print) -> dict:
    """Run (or resume) the experiment described by ``cfg`` into folder ``out``; returns the summary dict."""
    out = Path(out)
    _prepare(out, text)
    energy = cfg.energy.build()
    n, d, n_chains = 2 * cfg.energy.M, cfg.energy.d, cfg.run.n_chains
    key_init, key_noise = jax.random.split(jax.random.key(cfg.seed))
    x0 = sphere.uniform(key_init, (n_chains, n, d))  # the same initial chains for every schedule
    quench = jax.jit(jax.vmap(lambda x: landscape.quench_info(energy, x)))

    runs = []
    for i, sched in enumerate(cfg.schedules):
        path = out / f"schedule_{i}.npz"
        if path.exists():
            log(f"[{sched.label}] found {path.name}: not run again")
            runs.append(io.load_npz(path))
            continue
        ckpt = out / f"schedule_{i}.checkpoint.npz"
        resumed = " (resuming from its checkpoint)" if ckpt.exists() else ""
        log(f"[{sched.label}] {n_chains} chains x {cfg.run.n_steps} steps{resumed}")
        start = time.perf_counter()
        res = simulate(
            energy, x0, key_noise, schedule=sched.build(), step_size=cfg.run.step_size, n_steps=cfg.run.n_steps,
            record_every=cfg.run.record_every, chunk_records=cfg.run.chunk_records, progress=progress,
            checkpoint=ckpt,
        )
        sim_time = time.perf_counter() - start
        quenched = quench(jnp.asarray(res.final))
        record = {
            "t": res.t, "beta": res.beta, "energy": res.energy, "grad_norm": res.grad_norm, "final": res.final,
            "failed_step": res.failed_step, "quench_energy": np.asarray(quenched.energy),
            "quench_grad_norm": np.asarray(quenched.grad_norm), "wall_time": time.perf_counter() - start,
            "sim_time": sim_time,
        }
        io.save_npz(path, record)
        ckpt.unlink()
        runs.append(record)

    e_star, source = _optimum(cfg)
    if e_star is None:
        e_star = float(min(np.nanmin(r["quench_energy"]) for r in runs))
    summary = _summarise(cfg, runs, e_star, source)
    io.save_json(out / "summary.json", summary)
    _save_traces(out / "traces.csv", cfg, runs)
    figures.energy_traces([s.label for s in cfg.schedules], runs, e_star, out / "energy_traces", title=cfg.name)
    return summary


def _summarise(cfg, runs, e_star: float, source: str) -> dict:
    per_schedule = []
    for sched, r in zip(cfg.schedules, runs):
        gap = r["quench_energy"] - e_star
        stats = diagnostics.success(gap, cfg.analysis.eps)
        finite = gap[np.isfinite(gap)]
        levels, counts = np.unique(np.round(finite, 3), return_counts=True)
        per_schedule.append({
            "label": sched.label, "kind": sched.kind, "params": sched.params, **stats,
            "final_energy_median": float(np.nanmedian(r["energy"][:, -1])),
            "final_beta": float(r["beta"][-1]),
            "basin_gaps": {f"{g:.3f}": int(c) for g, c in zip(levels, counts)},
            "quench_grad_norm_max": float(np.nanmax(r["quench_grad_norm"])),
            "failed_chains": np.flatnonzero(r["failed_step"] >= 0).tolist(),
            "wall_time_s": float(r["wall_time"]),
            "config_steps_per_s": float(cfg.run.n_chains * cfg.run.n_steps / r["sim_time"]),
        })
    return {
        "name": cfg.name, "seed": cfg.seed, "config": cfg.to_dict(), "E_star": e_star, "E_star_source": source,
        "eps": cfg.analysis.eps, "schedules": per_schedule, "provenance": io.provenance(),
    }


def _save_traces(path: Path, cfg, runs) -> None:
    header = ["schedule", "t", "beta", "mean", "q05", "q25", "q50", "q75", "q95"]
    rows = []
    for sched, r in zip(cfg.schedules, runs):
        q = diagnostics.energy_quantiles(r["energy"])
        for j, t in enumerate(r["t"]):
            rows.append([sched.label, f"{t:.6g}", f"{r['beta'][j]:.6g}"] + [f"{q[c][j]:.8g}" for c in header[3:]])
    io.save_csv(path, header, rows)
