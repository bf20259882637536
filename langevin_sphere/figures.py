"""Figures, drawn from saved results only (never by simulating).

``langevin-sphere figures --runs DIR --out figures/`` redraws every experiment folder found under DIR.
Colours are fixed per schedule position, so the same schedule has the same colour in every figure.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from . import diagnostics, io  # noqa: E402

__all__ = ["energy_traces", "from_runs"]

_FLOOR = 1e-6  # E - E* is drawn on a log axis; smaller gaps are drawn at this floor


def energy_traces(labels: list[str], runs: list[dict], e_star: float, path: str | Path, title: str = "") -> list[Path]:
    """Energy above the optimum, E_t - E*, per schedule: median and 5-95% / 25-75% bands over chains; beta(t) above.

    Writes ``path`` + ``.png`` and ``.pdf``; returns their paths.
    """
    colours = plt.get_cmap("tab10").colors
    fig, (ax_b, ax_e) = plt.subplots(2, 1, figsize=(7.0, 6.5), sharex=True, height_ratios=(1, 2.2))
    for i, (label, r) in enumerate(zip(labels, runs)):
        c = colours[i % len(colours)]
        t = r["t"]
        gap = np.maximum(r["energy"] - e_star, _FLOOR)
        q = diagnostics.energy_quantiles(gap)
        ax_b.plot(t, r["beta"], color=c, label=label)
        ax_e.fill_between(t, q["q05"], q["q95"], color=c, alpha=0.12, lw=0)
        ax_e.fill_between(t, q["q25"], q["q75"], color=c, alpha=0.25, lw=0)
        ax_e.plot(t, q["q50"], color=c, lw=1.8, label=f"{label} (median, {r['energy'].shape[0]} chains)")
    ax_b.set_yscale("log")
    ax_b.set_ylabel(r"inverse temperature $\beta(t)$")
    ax_b.legend(fontsize=8, loc="upper left")
    ax_e.set_yscale("log")
    ax_e.set_xlabel("diffusion time $t$")
    ax_e.set_ylabel(r"$E(X_t) - E^*$  (bands: 25-75%, 5-95%)")
    ax_e.legend(fontsize=8, loc="lower left")
    for ax in (ax_b, ax_e):
        ax.grid(alpha=0.3, which="both", lw=0.5)
    fig.suptitle(title + f"   ($E^*$ = {e_star:.6g})", fontsize=10)
    fig.tight_layout()
    path = Path(path)
    written = [path.with_name(path.name + ext) for ext in (".png", ".pdf")]  # names may hold dots ("tau0.05")
    for file in written:
        fig.savefig(file, dpi=150)
    plt.close(fig)
    return written


def from_runs(runs_dir: str | Path, out_dir: str | Path) -> list[Path]:
    """Redraw the figures of every experiment folder (one holding ``summary.json``) under ``runs_dir``."""
    runs_dir, out_dir = Path(runs_dir), Path(out_dir)
    folders = sorted(p.parent for p in runs_dir.rglob("summary.json"))
    if not folders:
        raise FileNotFoundError(f"no saved results (summary.json) under {runs_dir}; run `langevin-sphere run` first")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for folder in folders:
        summary = io.load_json(folder / "summary.json")
        labels = [s["label"] for s in summary["schedules"]]
        runs = [io.load_npz(folder / f"schedule_{i}.npz") for i in range(len(labels))]
        written += energy_traces(labels, runs, summary["E_star"], out_dir / f"{summary['name']}_energy_traces",
                                 title=summary["name"])
    return written
