"""A schedule-comparison experiment: one landscape, several annealing schedules, the same initial chains.

config -> energy + schedules -> simulate (per schedule) -> quench of the final states -> statistics -> files.

Files written to the output folder (all readable without this package):

- ``config.toml``: the config as given; a folder holding another config is refused, never mixed.
- ``basins.json`` / ``basins.npz``: the landscape's basin table (:func:`langevin_sphere.landscape.basin_table`):
  ``analysis.basin_starts`` uniform random starts (drawn from the seed, independent of the chains) quenched,
  their minima labelled up to symmetry, energies, gaps to E* and basin fractions with Wilson 95% intervals; the
  trapped fraction of the table is what a quench (beta = infinity at once) leaves.
- ``schedule_<i>.npz``: t, beta, energy (B, R), grad_norm (B, R), final (B, n, d), failed_step (B,),
  quench_energy (B,), quench_grad_norm (B,) of schedule i, and with ``analysis.quench_every`` the quenches during
  the run: quench_t (Q,), quench_energies (B, Q), quench_grad_norms (B, Q). A schedule whose file exists is not
  run again.
- ``schedule_<i>.checkpoint.npz`` while schedule i runs: re-running the same command on the same folder resumes from
  it, with a result bit-identical to an uninterrupted run.
- ``summary.json``: E* and its source, the basin table's global and trapped fractions, per schedule the success
  fraction (quenched final energy within eps of E*) with its Wilson 95% interval, the trapped fraction, the final
  basin distribution, the first hitting time of the global basin (Kaplan-Meier, censored where a chain never hits),
  the trapping events (counts; the events themselves in ``trapping_events.json``), quantiles of the
  rotation-invariant distance of the final states to the optimum set (where its configuration is known), the
  swept parameter's value (``speed``) when ``analysis.sweep`` is set, wall time; provenance (versions, seed).
- ``traces.csv``: mean and quantiles over chains of the energy at every record, per schedule.
- ``energy_traces.png`` / ``.pdf`` (written by ``langevin-sphere run``, not here: running an experiment does not
  import matplotlib): the figure of :func:`langevin_sphere.figures.experiment_traces`.
"""

from __future__ import annotations

import time
from pathlib import Path

import jax
import numpy as np

from .. import landscape
from ..core import io, sphere
from ..core.simulate import simulate
from ..landscape import diagnostics, optima, symmetries
from . import config as config_lib

__all__ = ["run"]


def _lead() -> bool:
    """Whether this process writes the files: the only one, or process 0 of a ``jax.distributed`` run."""
    return jax.process_index() == 0


def _best_known(cfg: config_lib.Config) -> dict | None:
    """The landscape's entry of the best-known table (:func:`langevin_sphere.optima.best_known`), or None."""
    e = cfg.energy
    if e.frozen_anchors:
        return None
    if e.kind == "kcl":  # tabulated under tau = 1 / (2t), for gamma = 16
        return optima.best_known("kcl", e.M, e.d, 1.0 / (2.0 * e.t)) if e.gamma == 16 else None
    return optima.best_known(e.kind, e.M, e.d, e.tau, symmetric=e.symmetric)


def _critical_depth(cfg: config_lib.Config) -> dict | None:
    """c* of the landscape where the best-known table has it (the landscape atlas), else None."""
    cached = _best_known(cfg)
    if cached is None or cached.get("c_star") is None:
        return None
    return {
        "c_star": cached["c_star"],
        "c_star_is": cached["c_star_is"],
        "strings": cached["c_star_strings"],
        "source": cached["provenance"].split(":")[0],
    }


def _optimum(cfg: config_lib.Config) -> tuple[float | None, str]:
    e = cfg.energy
    if e.kind == "infonce" and not (e.frozen_anchors and e.anchors == "random"):
        known = optima.infonce_optimum(e.M, e.d, e.tau)
        if known is not None:
            source = f"{optima.optimum_source(e.M, e.d)} (closed form)"
            if e.frozen_anchors:  # V = U attains the unconstrained minimum, so it is the minimum with U fixed
                source += ", V = the fixed regular anchors U"
            return known[0], source
    if not e.frozen_anchors:
        cached = _best_known(cfg)
        if cached is not None:
            table = "best_known.json" if "x" in cached else "best_known.toml"
            return cached["E_star"], f"best known, cached in langevin_sphere/{table} ({cached['provenance']})"
    return None, "lowest quenched energy found in this run (no closed form for this landscape)"


def _basin_starts(cfg: config_lib.Config, energy, out: Path, e_star: float | None) -> dict | None:
    """The basin table's per-start arrays (computed once, kept in basins.npz)."""
    if cfg.analysis.basin_starts == 0:
        return None
    path = out / "basins.npz"
    if path.exists():
        return io.load_npz(path)
    start = time.perf_counter()
    tab = landscape.basin_table(
        energy, cfg.basin_starts(), e_star=e_star, eps=cfg.analysis.eps, swap_views=cfg.energy.swap_views
    )
    arrays = {k: tab[k] for k in ("start_energy", "start_label", "start_grad_norm")}
    arrays["wall_time"] = time.perf_counter() - start
    if _lead():
        io.save_npz(path, arrays)
    return arrays


def _end_states(path: Path, energy, x, symmetries) -> landscape.EndStates:
    """The classified end states of configurations ``x`` (:func:`langevin_sphere.landscape.classify`), computed
    once and kept in ``path``."""
    if path.exists():
        arrays = io.load_npz(path)
        return landscape.EndStates(**{k: arrays[k] for k in landscape.EndStates._fields})
    states = landscape.classify(energy, np.asarray(x), symmetries=symmetries)
    if _lead():
        io.save_npz(path, states._asdict())
    return states


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
    elif _lead():
        try:
            io.atomic_write_bytes(saved, text.encode())
        except OSError as err:
            raise config_lib.ConfigError(f"cannot write to the output folder {out}: {err.strerror}") from None


def run(cfg: config_lib.Config, text: str, out: str | Path, *, progress: bool = True, log=print) -> dict:
    """Run (or resume) the experiment described by ``cfg`` into folder ``out``; returns the summary dict."""
    out = Path(out)
    _prepare(out, text)
    energy = cfg.energy.build(cfg.seed)
    n_chains, quench_every = cfg.run.n_chains, cfg.analysis.quench_every or None
    key_init, key_noise = jax.random.split(jax.random.key(cfg.seed))
    x0 = sphere.uniform(key_init, (n_chains, *cfg.energy.shape))  # the same initial chains for every schedule
    e_star, source = _optimum(cfg)
    log(f"basin table: quenching {cfg.analysis.basin_starts} uniform random starts")
    basins = _basin_starts(cfg, energy, out, e_star)

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
            energy,
            x0,
            key_noise,
            schedule=sched.build(),
            anneal=sched.build_anneal(),
            integrator=cfg.run.build_integrator(),
            step_size=cfg.run.step_size,
            n_steps=cfg.run.n_steps,
            record_every=cfg.run.record_every,
            chunk_records=cfg.run.chunk_records,
            progress=progress,
            checkpoint=ckpt,
            quench_every=quench_every,
            layout=cfg.run.layout,
        )
        sim_time = time.perf_counter() - start
        quenched = landscape.quench_many(energy, res.final)  # float32, compiled once for every schedule
        record = {
            "t": res.t,
            "beta": res.beta,
            "energy": res.energy,
            "grad_norm": res.grad_norm,
            "final": res.final,
            "failed_step": res.failed_step,
            "quench_energy": np.asarray(quenched.energy),
            "quench_grad_norm": np.asarray(quenched.grad_norm),
            "wall_time": time.perf_counter() - start,
            "sim_time": sim_time,
        }
        if quench_every:
            record.update(
                quench_t=res.quench_t, quench_energies=res.quench_energy, quench_grad_norms=res.quench_grad_norm
            )
        if _lead():
            io.save_npz(path, record)
            ckpt.unlink(missing_ok=True)
        runs.append(record)

    log("classifying the end states (float64 quench, Hessian off the symmetry modes)")
    sym = cfg.energy.symmetries
    ends = [_end_states(out / f"endstates_{i}.npz", energy, r["final"], sym) for i, r in enumerate(runs)]
    basin_ends = None
    if basins is not None:
        basin_ends = _end_states(out / "basins_endstates.npz", energy, cfg.basin_starts(), sym)
    if e_star is None:
        found = [np.nanmin(np.where(s.kind == "minimum", s.energy, np.nan)) for s in ends + [basin_ends] if s]
        e_star = float(np.nanmin(found))
    summary = _summarise(cfg, runs, ends, e_star, source)
    if basins is not None:
        table = landscape.tabulate_basins(basins["start_energy"], basins["start_label"], e_star, cfg.analysis.eps)
        table.update(
            name=cfg.name,
            e_star_source=source,
            quench_tol=1e-5,
            not_converged=int(np.sum(~(basins["start_grad_norm"] < 1e-5))),
            wall_time_s=float(basins["wall_time"]),
            outcomes=diagnostics.outcomes(basin_ends.kind, basin_ends.energy, e_star, cfg.analysis.eps),
            outcomes_of="the same starts classified: float64 quench to resolution, Hessian off the "
            "symmetry modes (landscape.classify); the rows above are float32 quenches to 1e-5",
            end_state_levels=_final_basins(basin_ends, e_star, cfg.analysis.eps),
        )
        if _lead():
            io.save_json(out / "basins.json", table)
        summary["basin_table"] = {k: table[k] for k in ("n_starts", "global", "trapped", "not_converged", "outcomes")}
        summary["basin_table"]["gaps"] = [b["gap"] for b in table["end_state_levels"] if b["gap"] > cfg.analysis.eps]
    events = {s["label"]: s.pop("events") for s in summary["schedules"]}
    if _lead():  # one process writes; the others computed the same numbers
        io.save_json(
            out / "trapping_events.json",
            {"window": cfg.analysis.window, "eps": cfg.analysis.eps, "E_star": e_star, "events": events},
        )
        io.save_json(out / "summary.json", summary)
        _save_traces(out / "traces.csv", cfg, runs)
    return summary


def _final_basins(states: landscape.EndStates, e_star: float, eps: float) -> list[dict]:
    """Final-state distribution: chains per (kind, energy level) of the classified end states (levels within 1e-4),
    by increasing gap; the gaps within ``eps`` of E* are one level at gap 0."""
    energy = np.where(states.energy - e_star <= eps, e_star, states.energy)
    out = []
    for kind in ("minimum", "plateau", "saddle"):
        mine = states.kind == kind
        labels = landscape.energy_levels(np.where(mine, energy, np.nan))
        for k in np.unique(labels[labels >= 0]):
            count = int(np.sum(labels == k))
            out.append(
                {
                    "gap": float(np.min(energy[labels == k]) - e_star),
                    "kind": kind,
                    "count": count,
                    "fraction": count / len(energy),
                }
            )
    return sorted(out, key=lambda b: (b["gap"], b["kind"]))


def _hitting(cfg, r: dict, e_star: float) -> dict | None:
    """First hitting time of the global basin from the quench records (None without them: the raw energy of a
    chain at finite beta says nothing about its basin)."""
    if "quench_energies" not in r:
        return None
    gap, t, what = r["quench_energies"] - e_star, r["quench_t"], "quenched energy at the quench records"
    times, observed = diagnostics.first_hitting_time(gap, t, cfg.analysis.eps)
    km = diagnostics.kaplan_meier(times, observed)
    below = np.flatnonzero(km["survival"] <= 0.5)
    return {
        "based_on": what,
        "hit_fraction": float(np.mean(observed)),
        "median": float(km["t"][below[0]]) if below.size else None,
        "km_t": km["t"],
        "km_survival": km["survival"],
        "km_lo": km["lo"],
        "km_hi": km["hi"],
    }


def _events(cfg, r: dict, e_star: float) -> list[dict]:
    if "quench_energies" not in r:
        return []
    labels = landscape.energy_levels(r["quench_energies"])
    return diagnostics.trapping_events(
        labels, r["quench_energies"], r["quench_t"], e_star, cfg.analysis.eps, cfg.analysis.window
    )


def _distance(cfg, r: dict) -> dict | None:
    """Quantiles over chains of the rotation-invariant distance (radians) of the final states to the optimum set,
    where the optimum's configuration is known (InfoNCE with a known optimum, anchors free)."""
    e = cfg.energy
    known = optima.infonce_optimum(e.M, e.d, e.tau) if e.kind == "infonce" and not e.frozen_anchors else None
    if known is None:
        return None
    dist = symmetries.distance_to_optimum(r["final"], known[1], swap_views=e.symmetric)
    return {
        "of": "final states (not quenched), radians on (S^{d-1})^n",
        **{f"q{q:02d}": float(np.nanpercentile(dist, q)) for q in (5, 25, 50, 75, 95)},
    }


def _summarise(cfg, runs, ends, e_star: float, source: str) -> dict:
    per_schedule = []
    for sched, r, states in zip(cfg.schedules, runs, ends):
        out = diagnostics.outcomes(states.kind, states.energy, e_star, cfg.analysis.eps)
        stats = {
            "n": len(states.kind),
            "success": out["success"]["fraction"],
            "success_lo": out["success"]["lo"],
            "success_hi": out["success"]["hi"],
            "trapped": out["minimum"]["fraction"],
            "trapped_lo": out["minimum"]["lo"],
            "trapped_hi": out["minimum"]["hi"],
            "plateau": out["plateau"]["fraction"],
            "plateau_lo": out["plateau"]["lo"],
            "plateau_hi": out["plateau"]["hi"],
            "unconverged": out["unconverged"]["fraction"],
        }
        events = _events(cfg, r, e_star)
        per_schedule.append(
            {
                "label": sched.label,
                "kind": sched.kind,
                "params": sched.params,
                **stats,
                "outcomes": out,
                "speed": sched.speed(cfg.analysis.sweep) if cfg.analysis.sweep else None,
                "final_energy_median": float(np.nanmedian(r["energy"][:, -1])),
                "final_beta": float(r["beta"][-1]),
                "final_basins": _final_basins(states, e_star, cfg.analysis.eps),
                "ends_hot": bool(r["beta"][-1] * cfg.analysis.eps < 1.0),
                "first_hitting_time": _hitting(cfg, r, e_star),
                "distance_to_optimum": _distance(cfg, r),
                "trapping_events": {
                    "window": cfg.analysis.window,
                    "count": len(events),
                    "chains": len({e["chain"] for e in events}),
                    "escaped": sum(e["escaped"] for e in events),
                    "still_trapped": sum(not e["escaped"] for e in events),
                }
                if "quench_energies" in r
                else None,
                "events": events,
                "quench_grad_norm_max": float(np.nanmax(r["quench_grad_norm"])),
                "failed_chains": np.flatnonzero(r["failed_step"] >= 0).tolist(),
                "wall_time_s": float(r["wall_time"]),
                "config_steps_per_s": float(cfg.run.n_chains * cfg.run.n_steps / r["sim_time"]),
            }
        )
    return {
        "name": cfg.name,
        "landscape": cfg.energy.describe(),
        "seed": cfg.seed,
        "config": cfg.to_dict(),
        "E_star": e_star,
        "E_star_source": source,
        "critical_depth": _critical_depth(cfg),
        "eps": cfg.analysis.eps,
        "sweep": cfg.analysis.sweep,
        "schedules": per_schedule,
        "provenance": io.provenance(),
    }


def _save_traces(path: Path, cfg, runs) -> None:
    header = ["schedule", "t", "beta", "mean", "q05", "q25", "q50", "q75", "q95"]
    rows = []
    for sched, r in zip(cfg.schedules, runs):
        q = diagnostics.energy_quantiles(r["energy"])
        for j, t in enumerate(r["t"]):
            rows.append([sched.label, f"{t:.6g}", f"{r['beta'][j]:.6g}"] + [f"{q[c][j]:.8g}" for c in header[3:]])
    io.save_csv(path, header, rows)
