"""Figures, drawn from saved results only (never by simulating).

``langevin-sphere figures --runs DIR --out figures/`` redraws every experiment folder found under DIR.
Colours are fixed per schedule position, so the same schedule has the same colour in every figure.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.ticker import FormatStrFormatter, NullFormatter

from ..core import io, schedules
from ..landscape import diagnostics
from . import atlas as atlas_lib

__all__ = [
    "energy_traces",
    "success_curves",
    "final_basins",
    "trapped_vs_speed",
    "success_vs_c",
    "from_runs",
    "critical_depth_profiles",
    "kramers_escape",
    "c_sweep",
    "tails",
    "escape_mechanism",
    "from_studies",
    "bench_sweep",
    "experiment_traces",
    "weak_order",
    "atlas",
    "schedules_vs_c_star",
]


def _subplots(*args, figsize=None, **kwargs):
    """A figure and its axes, drawn straight to files: no pyplot, no display backend, no global state."""
    fig = Figure(figsize=figsize)
    return fig, fig.subplots(*args, **kwargs)


_FLOOR = 1e-6  # E - E* is drawn on a log axis; smaller gaps are drawn at this floor


def energy_traces(labels: list[str], runs: list[dict], e_star: float, path: str | Path, title: str = "") -> list[Path]:
    """Energy above the optimum, E_t - E*, per schedule: median and 5-95% / 25-75% bands over chains; beta(t) above.

    Writes ``path`` + ``.png`` and ``.pdf``; returns their paths.
    """
    colours = colormaps["tab10"].colors
    fig, (ax_b, ax_e) = _subplots(2, 1, figsize=(7.0, 6.5), sharex=True, height_ratios=(1, 2.2))
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
    return _save(fig, path)


def _save(fig, path: str | Path) -> list[Path]:
    """Write ``path`` + ``.png`` and ``.pdf`` (names may hold dots, e.g. "tau0.05") and close the figure."""
    path = Path(path)
    written = [path.with_name(path.name + ext) for ext in (".png", ".pdf")]
    for file in written:
        fig.savefig(file, dpi=150)
    return written


def _colour(i: int):
    colours = colormaps["tab10"].colors
    return colours[i % len(colours)]


def success_curves(
    labels: list[str],
    runs: list[dict],
    e_star: float,
    eps: float,
    path: str | Path,
    title: str = "",
    final: list[dict] | None = None,
) -> list[Path]:
    """(F2) Success against diffusion time t, per schedule, from quenched states only, with Wilson 95% bands.

    A run with quench records (``analysis.quench_every``) is drawn as the curve P(quenched E_t - E* <= eps) at those
    records; a run without them as one point at its end, the success of its classified final states (``final``: the
    summary's schedule entries), marked "final state only". The raw energy E_t of a chain at finite beta says
    nothing about its basin and is not drawn. Writes ``path`` + ``.png`` / ``.pdf``.
    """
    fig, ax = _subplots(figsize=(9.5, 4.5))
    only_final = False
    for i, (label, r) in enumerate(zip(labels, runs)):
        c = _colour(i)
        n = r["energy"].shape[0]
        if "quench_energies" in r:
            cur = diagnostics.success_curve(r["quench_energies"] - e_star, eps)
            ax.fill_between(r["quench_t"], cur["lo"], cur["hi"], color=c, alpha=0.2, lw=0, step="post")
            ax.step(r["quench_t"], cur["p"], where="post", color=c, lw=1.8, label=f"{label} ({n} chains)")
        elif final is not None:
            only_final = True
            s = final[i]
            _errorbar(
                ax,
                [r["t"][-1]],
                [(s["success"], s["success_lo"], s["success_hi"])],
                color=c,
                marker="o",
                ms=5,
                ls="none",
                label=f"{label} ({n} chains), final state only",
            )
    ax.set_xlabel("diffusion time $t$")
    ax.set_ylabel(rf"P(quenched $E_t - E^* \leq {eps:g}$) over chains")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3, lw=0.5)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    what = "curves: quenches during the run" if not only_final else "points: classified final states only"
    ax.set_title(f"{title}: success (in the global basin), {what}; bars and bands: Wilson 95%", fontsize=9)
    fig.tight_layout()
    return _save(fig, path)


def final_basins(summary: dict, path: str | Path) -> list[Path]:
    """(F3, right) Final states per schedule: fraction of chains whose classified final state lies at each gap
    E - E* (the global minimum at gap 0), minima and plateaus ("P") apart, grouped bars, log scale.
    Writes ``path`` + ``.png`` / ``.pdf``."""
    scheds = summary["schedules"]

    def key(b):
        gap = round(b["gap"], 2) if b["gap"] > summary["eps"] else 0.0
        return gap, b.get("kind", "minimum")

    keys = sorted({key(b) for s in scheds for b in s["final_basins"]})
    fig, ax = _subplots(figsize=(max(7.0, 0.45 * len(keys) * max(1, len(scheds)) / 3), 4.5))
    width = 0.8 / len(scheds)
    for i, s in enumerate(scheds):
        frac = dict.fromkeys(keys, 0.0)
        for b in s["final_basins"]:
            frac[key(b)] += b["fraction"]
        x = np.arange(len(keys)) + (i - (len(scheds) - 1) / 2) * width
        ax.bar(x, [frac[k] for k in keys], width, color=_colour(i), label=f"{s['label']} ({s['n']} chains)")
    names = [
        "$E^*$" if g == 0.0 and k == "minimum" else f"{g:.2f}" + {"minimum": "", "plateau": " P"}.get(k, " S")
        for g, k in keys
    ]
    ax.set_xticks(np.arange(len(keys)), names, rotation=60, fontsize=7)
    ax.set_yscale("log")
    ax.set_ylim(0.5 / max(s["n"] for s in scheds), 1.5)
    ax.set_xlabel(r"$E - E^*$ of the classified final state (rounded to 0.01; P: plateau, else a minimum)", fontsize=8)
    ax.set_ylabel("fraction of chains")
    ax.grid(alpha=0.3, axis="y", lw=0.5)
    ax.legend(fontsize=7, loc="upper right")
    ax.set_title(f"{summary['name']}: classified final states per schedule", fontsize=10)
    fig.tight_layout()
    return _save(fig, path)


def _landscapes(summaries: list[dict]) -> dict[str, int]:
    """Colour index per landscape: the same landscape has the same colour in F3 and F4 (given the same summaries)."""
    names = sorted({_landscape(s) for s in summaries})
    return {name: i for i, name in enumerate(names)}


def _landscape(summary: dict) -> str:
    return summary.get("landscape", summary["name"])


def _errorbar(ax, x, k_lo_hi, **kw):
    p, lo, hi = (np.array(v, dtype=float) for v in zip(*k_lo_hi))
    ax.errorbar(x, p, yerr=[p - lo, hi - p], capsize=3, **kw)


def trapped_vs_speed(summaries: list[dict], path: str | Path) -> list[Path]:
    """(F3, left) Fraction of chains not at the optimum vs the swept schedule parameter, one panel per swept
    parameter, one colour per landscape (sweeps of one landscape joined into one curve); Wilson 95% bars. Solid,
    filled: trapped in a non-global minimum; dotted, open: on a plateau (classified end states; summaries without
    a classification draw their "trapped" fraction solid). The dashed line and band: the same fraction among
    uniform random starts quenched at once (the landscape's basin table), the infinitely fast limit."""
    sweeps = [s for s in summaries if s.get("sweep")]
    kinds = [k for k in schedules.SWEEPS if any(s["sweep"] == k for s in sweeps)]
    fig, axes = _subplots(1, len(kinds), figsize=(5.0 * len(kinds), 4.3), squeeze=False)
    colour = _landscapes(summaries)
    for ax, kind in zip(axes[0], kinds):
        for name in sorted({_landscape(s) for s in sweeps if s["sweep"] == kind}):
            group = [s for s in sweeps if s["sweep"] == kind and _landscape(s) == name]
            c = _colour(colour[name])
            rows = sorted(
                ((x["speed"], x) for s in group for x in s["schedules"] if x["speed"] is not None), key=lambda p: p[0]
            )
            chains = " / ".join(map(str, sorted({x["n"] for _, x in rows})))
            for outcome, style in (("minimum", dict(ls="-", mfc=c)), ("plateau", dict(ls=":", mfc="none"))):
                pts = [(v, _share(x, outcome)) for v, x in rows if _share(x, outcome) is not None]
                if not pts or (outcome == "plateau" and not any(p[1][0] > 0 for p in pts)):
                    continue
                what = "in a minimum" if outcome == "minimum" else "on a plateau"
                _errorbar(
                    ax,
                    [p[0] for p in pts],
                    [p[1] for p in pts],
                    color=c,
                    marker="o",
                    ms=4,
                    **style,
                    label=f"{name}: {what} ({chains} chains)",
                )
            table = next((s["basin_table"] for s in group if s.get("basin_table")), None)
            if table:
                q = table.get("outcomes", {}).get("minimum", table["trapped"])
                ax.axhline(
                    q["fraction"],
                    color=c,
                    ls="--",
                    lw=1,
                    label=f"quench of {table['n_starts']} uniform starts: {q['fraction']:.2f} in a minimum",
                )
                ax.axhspan(q["lo"], q["hi"], color=c, alpha=0.1, lw=0)
        ax.set_xscale("log")
        ax.set_xlabel(schedules.SWEEPS[kind].label)
        ax.set_ylabel("fraction of chains (classified final states)")
        ax.set_title(f"{schedules.SWEEPS[kind].title}: trapped in a minimum / on a plateau", fontsize=10)
        ax.set_ylim(-0.02, min(1.08, 1.45 * ax.get_ylim()[1]))  # headroom: the legend sits above the curves
        ax.grid(alpha=0.3, which="both", lw=0.5)
        ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return _save(fig, path)


def _share(entry: dict, outcome: str):
    """(fraction, lo, hi) of an outcome of a schedule entry; "trapped" stands for "minimum" in older summaries."""
    if "outcomes" in entry:
        o = entry["outcomes"][outcome]
        return o["fraction"], o["lo"], o["hi"]
    return (entry["trapped"], entry["trapped_lo"], entry["trapped_hi"]) if outcome == "minimum" else None


def success_vs_c(summaries: list[dict], path: str | Path) -> list[Path]:
    """(F4) Success probability (final quench at E*) vs the constant c of logarithmic schedules: one curve per
    experiment with logarithmic schedules (its run length t in the legend), one colour per landscape; Wilson 95%
    bars."""
    fig, ax = _subplots(figsize=(7.0, 4.3))
    colour = _landscapes(summaries)
    markers = "osD^v"
    for i, s in enumerate(s for s in summaries if any(x["kind"] == "logarithmic" for x in s["schedules"])):
        pts = sorted(
            (x["params"]["c"], (x["success"], x["success_lo"], x["success_hi"]))
            for x in s["schedules"]
            if x["kind"] == "logarithmic"
        )
        t_max = s.get("config", {}).get("run", {}).get("t_max")
        n = s["schedules"][0]["n"]
        _errorbar(
            ax,
            [p[0] for p in pts],
            [p[1] for p in pts],
            color=_colour(colour[_landscape(s)]),
            marker=markers[i % len(markers)],
            ms=4,
            ls="-",
            label=f"{_landscape(s)}, t = {t_max:g} ({n} chains)" if t_max else f"{_landscape(s)} ({n} chains)",
        )
    ax.set_xscale("log")
    ax.set_xlabel(r"constant $c$ of $\beta(t) = \log(t + t_0) / c$  (larger = slower cooling)")
    ax.set_ylabel("success probability (final quench at $E^*$)")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3, which="both", lw=0.5)
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    return _save(fig, path)


def experiment_traces(folder: str | Path) -> list[Path]:
    """The energy traces of one experiment folder (``summary.json`` and ``schedule_<i>.npz``), written into it as
    ``energy_traces.png`` / ``.pdf``."""
    folder = Path(folder)
    summary = io.load_json(folder / "summary.json")
    labels = [s["label"] for s in summary["schedules"]]
    runs = [io.load_npz(folder / f"schedule_{i}.npz") for i in range(len(labels))]
    return energy_traces(labels, runs, summary["E_star"], folder / "energy_traces", title=summary["name"])


def from_runs(runs_dir: str | Path, out_dir: str | Path) -> list[Path]:
    """Redraw the figures of every experiment folder (one holding ``summary.json``) under ``runs_dir``.

    The traces (F1, F2) need the folder's ``schedule_<i>.npz``; the final basins and the figures across experiments
    (F3, F4) need only ``summary.json``, so a folder of summaries alone (as kept in ``experiments/results/``)
    redraws those."""
    runs_dir, out_dir = Path(runs_dir), Path(out_dir)
    folders = sorted(p.parent for p in runs_dir.rglob("summary.json"))
    if not folders and not any(runs_dir.rglob("study.json")) and not any(runs_dir.rglob("c_star.json")):
        raise FileNotFoundError(f"no saved results (summary.json) under {runs_dir}; run `langevin-sphere run` first")
    out_dir.mkdir(parents=True, exist_ok=True)
    written, summaries = [], []
    for folder in folders:
        summary = io.load_json(folder / "summary.json")
        labels = [s["label"] for s in summary["schedules"]]
        files = [folder / f"schedule_{i}.npz" for i in range(len(labels))]
        if all(f.exists() for f in files):
            runs = [io.load_npz(f) for f in files]
            written += energy_traces(
                labels, runs, summary["E_star"], out_dir / f"{summary['name']}_energy_traces", title=summary["name"]
            )
            if any("quench_energies" in r for r in runs):  # success curves need quench records
                written += success_curves(
                    labels,
                    runs,
                    summary["E_star"],
                    summary["eps"],
                    out_dir / f"{summary['name']}_success_curves",
                    title=summary["name"],
                    final=summary["schedules"],
                )
        if "final_basins" in summary["schedules"][0]:
            written += final_basins(summary, out_dir / f"{summary['name']}_final_basins")
        summaries.append(summary)
    if any(s.get("sweep") for s in summaries):
        written += trapped_vs_speed(summaries, out_dir / "trapped_vs_speed")
    if any(x["kind"] == "logarithmic" and "success_lo" in x for s in summaries for x in s["schedules"]):
        written += success_vs_c(summaries, out_dir / "success_vs_c")
    for summary in summaries:
        if summary.get("critical_depth") and any(x["kind"] == "logarithmic" for x in summary["schedules"]):
            written += schedules_vs_c_star(summary, out_dir / f"{summary['name']}_vs_c_star")
    written += from_studies(runs_dir, out_dir)  # barriers, Kramers escape times (langevin_sphere.studies)
    return written


def schedules_vs_c_star(summary: dict, path: str | Path) -> list[Path]:
    """One schedule comparison on a landscape of known c*: the outcomes of the logarithmic schedules against c / c*
    (success, trapped in a non-global minimum; Wilson 95% bars), c* marked, and every other schedule (beta or tau
    annealed) as a labelled point at the right."""
    c_star = summary["critical_depth"]["c_star"]
    logs = sorted((x for x in summary["schedules"] if x["kind"] == "logarithmic"), key=lambda x: x["params"]["c"])
    others = [x for x in summary["schedules"] if x["kind"] != "logarithmic"]
    fig = Figure(figsize=(9.0 if others else 6.0, 4.6), layout="constrained")
    ax, ax_o = fig.subplots(1, 2, width_ratios=(1.4, 1), sharey=True) if others else (fig.subplots(), None)
    for outcome, label, marker, colour in (
        ("success", "success (global minimum)", "o", 2),
        ("minimum", "trapped in a non-global minimum", "s", 3),
    ):
        pts = [(x["params"]["c"] / c_star, _share(x, outcome)) for x in logs]
        _errorbar(
            ax,
            [p[0] for p in pts],
            [p[1] for p in pts],
            color=_colour(colour),
            marker=marker,
            ms=4,
            ls="-",
            label=label,
        )
        if others:
            _errorbar(
                ax_o,
                np.arange(len(others)),
                [_share(x, outcome) for x in others],
                color=_colour(colour),
                marker=marker,
                ms=5,
                ls="none",
            )
    ax.axvline(1.0, color="black", ls="--", lw=1, label=f"c = c* = {c_star:.3g}")
    ax.set_xscale("log")
    ax.set_xlabel(r"$c / c^*$ of $\beta(t) = \log(t + e) / c$")
    ax.set_ylabel(f"fraction of {summary['schedules'][0]['n']} chains (final state classified)")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3, which="both", lw=0.5)
    ax.legend(fontsize=8, loc="best")
    if others:
        ax_o.set_xticks(range(len(others)), [x["label"] for x in others], rotation=35, ha="right", fontsize=7)
        ax_o.set_title("other schedules, same compute", fontsize=9)
        ax_o.grid(alpha=0.3, lw=0.5)
    t_max = summary["config"]["run"]["t_max"]
    fig.suptitle(
        "\n".join(
            textwrap.wrap(
                f"{summary['landscape']}: outcomes of {summary['schedules'][0]['n']} chains after t = {t_max:g} "
                "against "
                f"the logarithmic constant c in units of c* (c* from the landscape atlas, "
                f"{summary['critical_depth']['strings']})",
                110,
            )
        ),
        fontsize=10,
    )
    return _save(fig, path)


# ---- studies (langevin_sphere.studies): critical depth, Kramers escape times ---------------------------------------


def _finish(fig, ax, path: str | Path, legend: dict) -> list[Path]:
    ax.grid(alpha=0.3, which="both", lw=0.5)
    ax.legend(**legend)
    fig.tight_layout()
    return _save(fig, path)


def critical_depth_profiles(study: dict, paths: dict, path: str | Path) -> list[Path]:
    """Energy along the minimum-energy path from every non-global minimum to the global one (E - E*, against the
    fraction of geodesic arc length), with each minimum's depth and c* in the legend; from a "critical_depth" study."""
    e = np.asarray(study["energy"])
    glob = int(np.argmin(e))
    fig, ax = _subplots(figsize=(7.0, 4.5))
    for j in range(len(e)):
        if j == glob:
            continue
        i, k = sorted((glob, j))
        prof, arc = paths[f"energies_{i}_{k}"], paths[f"arc_{i}_{k}"]
        s = arc / arc[-1]
        if i == glob:  # the path runs from i to k: draw it from the minimum j to the global one
            prof, s = prof[::-1], 1.0 - s[::-1]
        depth, done = study["depth"][j], study["converged"][i][k]
        ax.plot(
            s,
            prof - e[glob],
            color=_colour(j),
            marker=".",
            ms=3,
            lw=1.2,
            ls="-" if done else "--",
            label=f"minimum {j}: $E - E^*$ = {e[j] - e[glob]:.4f}, depth = {depth:.2g}"
            + ("" if done else " (string not converged)"),
        )
    ax.set_xlabel(
        "fraction of geodesic arc length along the path (minimum $\\to$ global minimum)\n"
        "depth = lowest saddle over all the paths between minima to a lower one, minus E",
        fontsize=8,
    )
    ax.set_ylabel(r"$E - E^*$ along the minimum-energy path")
    land = study["landscape"]
    ax.set_title(
        f"{land['energy']} M={land['M']} d={land['d']} tau={land['tau']}: c* = {study['c_star']:.3g} "
        f"({study['n_minima']} minima)",
        fontsize=9,
    )
    return _finish(fig, ax, path, dict(fontsize=6.5, loc="best"))


def kramers_escape(study: dict, path: str | Path) -> list[Path]:
    """Mean escape time from a trap against beta (log scale, 95% bars), the weighted fit of log tau = A + slope beta,
    the Eyring-Kramers prediction, and the barrier of the minimum-energy path; from a "kramers" study."""
    rows = study["rows"]
    beta = np.array([r["beta"] for r in rows])
    tau = np.array([r["mean_escape_time"] for r in rows])
    se = np.array([r["se_log"] for r in rows])
    fig, ax = _subplots(figsize=(6.5, 4.3))
    ax.errorbar(
        beta,
        tau,
        yerr=[tau - tau * np.exp(-1.96 * se), tau * np.exp(1.96 * se) - tau],
        fmt="o",
        color=_colour(0),
        ms=4,
        capsize=2,
        label=f"simulated mean escape time ({rows[0]['n_chains']} chains per $\\beta$)",
    )
    grid = np.linspace(beta.min(), beta.max(), 50)
    ax.plot(
        grid,
        np.exp(study["intercept"] + study["slope"] * grid),
        color=_colour(0),
        lw=1,
        label=f"fit: slope = {study['slope']:.3f} $\\pm$ {study['slope_se']:.3f}",
    )
    ax.plot(
        beta,
        [r["kramers_time"] for r in rows],
        color=_colour(1),
        ls="--",
        lw=1,
        label=f"Eyring-Kramers, barrier = {study['barrier_string']:.4f} (string method)",
    )
    ax.set_yscale("log")
    ax.set_xlabel(r"inverse temperature $\beta$")
    ax.set_ylabel("mean escape time from the trap (diffusion time)")
    ax.set_title(
        f"{study['energy']['name']} a={study['energy']['a']} b={study['energy']['b']}: slope / barrier - 1 = "
        f"{100 * study['relative_error']:+.1f}%",
        fontsize=9,
    )
    return _finish(fig, ax, path, dict(fontsize=7, loc="upper left"))


def c_sweep(study: dict, path: str | Path) -> list[Path]:
    """Success probability at a fixed time against the constant c of the logarithmic schedule (Wilson 95% bars), the
    quasi-static two-state prediction, and c* (the critical depth) marked; from a "c_sweep" study."""
    rows = study["rows"]
    c = np.array([r["c"] for r in rows])
    fig, ax = _subplots(figsize=(6.5, 4.3))
    _errorbar(
        ax,
        c,
        [(r["success"], r["success_lo"], r["success_hi"]) for r in rows],
        color=_colour(0),
        marker="o",
        ms=4,
        ls="-",
        label=f"simulated ({rows[0]['n']} chains per c, start: {study.get('start', 'the trap')})",
    )
    if rows[0].get("predicted") is not None:
        ax.plot(
            c,
            [r["predicted"] for r in rows],
            color=_colour(1),
            ls="--",
            lw=1,
            label=r"two-state master equation, Eyring-Kramers rates at $\beta(t)$",
        )
    ax.axvline(study["c_star"], color="k", lw=1, ls=":", label=f"$c^*$ = {study['c_star']:.4f} (string method)")
    ax.set_xscale("log")
    ax.set_xlabel(r"constant $c$ of $\beta(t) = \log(t + e) / c$  (energy units)")
    ax.set_ylabel(f"P(in the global basin at t = {study['t_max']:g})")
    ax.set_ylim(-0.02, 1.02)
    title = study.get("title", f"{study['energy']['name']} a={study['energy'].get('a')} b={study['energy'].get('b')}")
    ax.set_title(f"{title}, logarithmic schedules", fontsize=9)
    return _finish(fig, ax, path, dict(fontsize=7, loc="lower right"))


def tails(study: dict, arrays: dict, path: str | Path) -> list[Path]:
    """Left: P(E_t - E* > eps) against t (log-log) per c and eps, with the quasi-equilibrium Gibbs tail at beta(t).
    Right: the fitted exponent alpha against eps / c, with alpha = eps / c and the quasi-equilibrium fit; from a
    "tails" study."""
    fig, (ax_p, ax_a) = _subplots(1, 2, figsize=(11.0, 4.3))
    lo = study["fit_window"][0]
    for i, f in enumerate(study["c_factors"]):
        t = arrays[f"t_{i}"]
        for j, x in enumerate(study["eps"]):
            colour, ls = _colour(j), ("-", "--", ":")[i % 3]
            ax_p.plot(
                t[1:],
                np.maximum(arrays[f"p_{i}_{j}"][1:], 1e-4),
                color=colour,
                ls=ls,
                lw=1.2,
                label=f"c = {f:g} c*, eps = {x:g}",
            )
            ax_p.plot(t[t >= lo], arrays[f"p_eq_{i}_{j}"], color=colour, ls=ls, lw=3, alpha=0.3)
    ax_p.axvline(lo, color="k", lw=0.8, ls=":")
    ax_p.set_xscale("log")
    ax_p.set_yscale("log")
    ax_p.set_xlabel("diffusion time $t$")
    ax_p.set_ylabel(r"$P(E_t - E^* > \varepsilon)$ (thin: simulated; thick: Gibbs at $\beta(t)$)")
    rows = study["rows"]
    ratio = np.array([r["eps_over_c"] for r in rows])
    ax_a.errorbar(
        ratio,
        [r["alpha"] for r in rows],
        yerr=[1.96 * r["alpha_se"] for r in rows],
        fmt="o",
        ms=4,
        capsize=2,
        color=_colour(0),
        label=f"fitted on t in [{lo:g}, {study['t_max']:g}] ({rows[0]['n_chains']} chains)",
    )
    ax_a.plot(
        ratio,
        [r["alpha_quasi_eq"] for r in rows],
        "s",
        ms=4,
        mfc="none",
        color=_colour(1),
        label="Gibbs tail at $\\beta(t)$, same window",
    )
    grid = np.linspace(0, ratio.max() * 1.1, 10)
    ax_a.plot(grid, grid, color="k", lw=1, ls="--", label=r"$\alpha = \varepsilon / c$")
    ax_a.set_xlabel(r"$\varepsilon / c$")
    ax_a.set_ylabel(r"tail exponent $\alpha$ of $P(E_t - E^* > \varepsilon) \sim t^{-\alpha}$")
    ax_p.grid(alpha=0.3, which="both", lw=0.5)
    ax_p.legend(fontsize=6.5, loc="lower left")
    fig.suptitle(
        f"{study['energy']['name']} a={study['energy']['a']} b={study['energy']['b']}, logarithmic "
        f"schedules above c* = {study['c_star']:.4f}",
        fontsize=9,
    )
    return _finish(fig, ax_a, path, dict(fontsize=7, loc="upper left"))


def escape_mechanism(study: dict, path: str | Path) -> list[Path]:
    """(F7) What "trapped" means: mean escape time against beta from a minimum of DHEL (left, semi-log: Arrhenius,
    with the weighted fit and the slope of the string method's barrier) and from a plateau of InfoNCE (middle:
    log-log, right: semi-log, each with the power-law and the exponential fit); 95% bars. From an "escape" study."""
    fig, axes = _subplots(1, 3, figsize=(15.0, 4.6))
    m, p = study.get("minimum"), study.get("plateau")
    if m is None or p is None:
        return []

    def points(ax, part, se_key, colour, label):
        beta = np.array([r["beta"] for r in part["rows"]])
        tau = np.array([r["mean_escape_time"] for r in part["rows"]])
        se = np.array([r[se_key] for r in part["rows"]])
        ax.errorbar(
            beta,
            tau,
            yerr=[tau - tau * np.exp(-1.96 * se), tau * np.exp(1.96 * se) - tau],
            fmt="o",
            color=colour,
            ms=4,
            capsize=2,
            label=label,
        )
        return beta, tau, se

    ax = axes[0]
    land = m["landscape"]
    chains = sorted({r["n_chains"] for r in m["rows"]})
    beta, tau, se = points(
        ax,
        m,
        "se_log",
        _colour(0),
        f"simulated, 95% bars ({min(chains)}-{max(chains)} chains\nper $\\beta$, censored at $t_{{max}}$)",
    )
    grid = np.linspace(beta.min(), beta.max(), 50)
    ax.plot(
        grid,
        np.exp(m["intercept"] + m["slope"] * grid),
        color=_colour(0),
        lw=1.2,
        label=f"weighted fit: slope = {m['slope']:.4f} $\\pm$ {m['slope_se']:.4f}, $\\chi^2$ = {m['chi2']:.2g} / "
        f"{m['dof']}",
    )
    w = 1.0 / se**2
    anchor = np.sum(w * (np.log(tau) - m["barrier"] * beta)) / np.sum(w)  # the barrier's slope, best intercept
    ax.plot(
        grid,
        np.exp(anchor + m["barrier"] * grid),
        color=_colour(1),
        ls="--",
        lw=1.2,
        label=f"slope = string barrier {m['barrier']:.4f} (lowest saddle\nout of the basin); "
        f"fitted slope {100 * m['relative_error']:+.1f}% from it",
    )
    ax.set_yscale("log")
    ax.set_xlabel(r"inverse temperature $\beta$ (1 / energy)")
    ax.set_ylabel("mean escape time (diffusion time)")
    depth = f" (depth {m['start_depth']:.3f})" if m.get("start_depth") is not None else ""
    ax.set_title(
        f"{land['energy']} M={land['M']} tau={land['tau']}: minimum at $E - E^*$ = {m['start_gap']:.3f}{depth}\n"
        f"leaves its basin over its lowest saddle (Arrhenius), semi-log",
        fontsize=9,
    )
    ax.legend(fontsize=7, loc="lower right")

    lp = p["landscape"]
    fits = (
        (
            "power law",
            p["power_law"]["exponent"],
            p["power_law"]["exponent_se"],
            p["power_law"]["chi2"],
            lambda b: np.exp(p["power_law"]["log_prefactor"]) * b ** p["power_law"]["exponent"],
            r"$\tau \propto \beta^{%.2f \pm %.2f}$",
        ),
        (
            "exponential",
            p["exponential"]["rate"],
            p["exponential"]["rate_se"],
            p["exponential"]["chi2"],
            lambda b: np.exp(p["exponential"]["log_prefactor"] + p["exponential"]["rate"] * b),
            r"$\tau \propto e^{(%.2g \pm %.1g)\,\beta}$",
        ),
    )
    for ax, xscale, kind in ((axes[1], "log", "log-log"), (axes[2], "linear", "semi-log")):
        beta, _, _ = points(
            ax, p, "se_log_sample", _colour(2), f"simulated, 95% bars ({p['rows'][0]['n_chains']} chains per $\\beta$)"
        )
        grid = np.geomspace(beta.min(), beta.max(), 100)
        for j, (name, value, value_se, chi2, curve, fmt) in enumerate(fits):
            ax.plot(
                grid,
                curve(grid),
                color=_colour(3 + j),
                ls=("-", "--")[j],
                lw=1.2,
                label=f"{name} fit: {fmt % (value, value_se)}, $\\chi^2$ = {chi2:.3g} / {p['power_law']['dof']}",
            )
        ax.set_xscale(xscale)
        ax.set_yscale("log")
        ax.set_xlabel(r"inverse temperature $\beta$ (1 / energy)")
        ax.set_ylabel("mean time to leave the plateau (diffusion time)")
        ax.set_title(
            f"{lp['energy']} M={lp['M']} tau={lp['tau']}: plateau at $E - E^*$ = {p['level_gap']:.3f} "
            f"(collapsed pairs)\nleaves it by diffusion, no barrier, {kind}",
            fontsize=9,
        )
        ax.legend(fontsize=7, loc="upper left")
    for ax in axes:
        ax.grid(alpha=0.3, which="both", lw=0.5)
    fig.tight_layout()
    return _save(fig, path)


def from_studies(runs_dir: str | Path, out_dir: str | Path) -> list[Path]:
    """Redraw the figure of every study folder (one holding ``study.json`` with a "kind") under ``runs_dir``."""
    written = []
    for file in sorted(Path(runs_dir).rglob("c_star.json")):  # landscape catalogues (langevin_sphere.catalogue)
        study = io.load_json(file)
        if study.get("n_minima", 0) > 1 and (file.parent / "paths.npz").exists():
            Path(out_dir).mkdir(parents=True, exist_ok=True)
            written += critical_depth_profiles(
                study, io.load_npz(file.parent / "paths.npz"), Path(out_dir) / f"catalogue_{file.parent.name}_profiles"
            )
    for file in sorted(Path(runs_dir).rglob("study.json")):
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        study, name = io.load_json(file), file.parent.name
        if study.get("kind") == "critical_depth":
            written += critical_depth_profiles(
                study, io.load_npz(file.parent / "paths.npz"), Path(out_dir) / f"{name}_profiles"
            )
        elif study.get("kind") == "kramers":
            written += kramers_escape(study, Path(out_dir) / name)
        elif study.get("kind") == "c_sweep":
            written += c_sweep(study, Path(out_dir) / name)
        elif study.get("kind") == "tails":
            written += tails(study, io.load_npz(file.parent / "tails.npz"), Path(out_dir) / name)
        elif study.get("kind") == "escape":
            written += escape_mechanism(study, Path(out_dir) / name)
        elif study.get("kind") == "weak_order":
            written += weak_order(study, Path(out_dir) / name)
    return written


_SCHEMES = {
    "euler_maruyama": ("geodesic Euler-Maruyama", "o", 0),
    "leimkuhler_matthews": ("geodesic Leimkuhler-Matthews", "s", 1),
    "leimkuhler_matthews_uncorrected": ("the same, c = 0 (no curvature correction)", "D", 7),
    "mala": ("MALA (|bias| + 2 SE shown)", "v", 2),
}
_CASES = {
    "vmf_bk2": r"von Mises-Fisher on $S^2$, $\beta\kappa = 2$: $E[\mu\cdot x]$",
    "vmf_bk8": r"von Mises-Fisher on $S^2$, $\beta\kappa = 8$: $E[\mu\cdot x]$",
    "pair_bk8": r"coupled pair, $E = -\kappa\, x_1\cdot x_2$, $\beta\kappa = 8$: $E[x_1\cdot x_2]$",
}


def weak_order(study: dict, path: str | Path) -> list[Path]:
    """|bias| of the stationary average against the step size h, one panel per test law, one marker per integrator,
    with the weighted power-law fits (slope +- SE in the legend); MALA, which has no bias, as |bias| + 2 SE."""
    cases = [c for c in _CASES if any(r["case"] == c for r in study["rows"])]
    fig, axes = _subplots(1, len(cases), figsize=(5.2 * len(cases), 5.6), squeeze=False)
    for ax, case in zip(axes[0], cases):
        for name, (label, marker, colour) in _SCHEMES.items():
            rows = [r for r in study["rows"] if r["case"] == case and r["integrator"] == name]
            if not rows:
                continue
            h = np.array([r["h"] for r in rows])
            bias, se = np.array([r["bias"] for r in rows]), np.array([r["se"] for r in rows])
            fit = study["fits"].get(f"{case}/{name}", {})
            if name == "mala":
                ax.plot(h, np.abs(bias) + 2 * se, marker, color=_colour(colour), ls="none", label=label)
                continue
            if "slope" in fit:
                label += f": slope {fit['slope']:.2f} $\\pm$ {fit['slope_se']:.2f}"
                hh = np.geomspace(h.min(), h.max(), 50)
                ax.plot(hh, fit["coefficient"] * hh ** fit["slope"], "-", color=_colour(colour), lw=1, alpha=0.7)
            for sel, face in ((bias >= 0, _colour(colour)), (bias < 0, "white")):  # bias < 0: open markers
                if sel.any():
                    ax.errorbar(
                        h[sel],
                        np.abs(bias[sel]),
                        yerr=2 * se[sel],
                        fmt=marker,
                        color=_colour(colour),
                        ms=5,
                        capsize=2,
                        mfc=face,
                        label=label,
                    )
                    label = None
        ax.set_xscale("log")
        ax.set_yscale("log")
        lo, hi = (
            min(r["h"] for r in study["rows"] if r["case"] == case),
            max(r["h"] for r in study["rows"] if r["case"] == case),
        )
        ax.set_xticks([t for t in (0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2) if lo <= t <= hi * 1.01])
        ax.xaxis.set_major_formatter(FormatStrFormatter("%g"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("step size h (diffusion time, beta = 1)")
        ax.set_ylabel("|bias| of the stationary average (2 SE bars)")
        ax.set_title(_CASES[case], fontsize=9)
        ax.grid(alpha=0.3, which="both", lw=0.5)
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16))  # below the axes: no data hidden
    fig.suptitle(
        "Weak order: |bias| of the stationary average against the step size h (float32; open markers: bias < 0)",
        fontsize=10,
    )
    fig.tight_layout()
    return _save(fig, path)


def bench_sweep(rows: list[dict], path: str | Path, device: str) -> list[Path]:
    """config-steps/s against M, one colour per d; solid the lanes layout, dotted the per-chain one, dashed the
    baseline; from ``bench.json``'s sweep. Writes PNG and PDF."""
    fig, ax = _subplots(figsize=(6.5, 4.5))
    colours = colormaps["tab10"].colors
    for i, d in enumerate(sorted({r["d"] for r in rows})):
        for name, style in (("ls.simulate, lanes", "-^"), ("ls.simulate, chains", ":o"), ("baseline", "--s")):
            sel = sorted((r for r in rows if r["d"] == d and r["implementation"] == name), key=lambda r: r["M"])
            if sel:
                ax.plot(
                    [r["M"] for r in sel],
                    [r["config_steps_per_s"] for r in sel],
                    style,
                    color=colours[i],
                    label=f"{name}, d = {d}",
                )
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("pairs M (n = 2M unit vectors)")
    ax.set_ylabel("config-steps per second")
    ax.set_title(f"langevin-sphere bench: throughput on {device}, float32", fontsize=10)
    ax.grid(alpha=0.3, which="both", lw=0.5)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = Path(path)
    written = [path.with_name(path.name + ext) for ext in (".png", ".pdf")]
    for file in written:
        fig.savefig(file, dpi=150)
    return written


def _atlas_panels(rows: list[dict]) -> list[tuple[str, int, list[dict]]]:
    """(loss, d, rows) per panel of the atlas figures, in the atlas's order."""
    panels: dict[tuple[str, int], list[dict]] = {}
    for r in rows:
        panels.setdefault((r["loss"], r["d"]), []).append(r)
    return [(loss, d, rs) for (loss, d), rs in panels.items()]


def _loss_name(loss: str) -> str:
    return atlas_lib.LOSS_NAMES[loss] + (" (t = 1/(2 tau))" if loss == "kcl" else "")


def _atlas_heatmap(
    rows: list[dict], value, text, path: str | Path, title: str, bar_label: str, log: bool, cmap: str
) -> list[Path]:
    """One heat map per (loss, d) over (tau, M): colour ``value(row)`` (None: grey), cell text ``text(row)``."""
    from matplotlib.colors import LogNorm, Normalize

    panels = _atlas_panels(rows)
    ncol = min(3, len(panels))
    nrow = -(-len(panels) // ncol)
    fig = Figure(figsize=(4.6 * ncol + 1.0, 4.2 * nrow + 0.6), layout="constrained")
    axes = fig.subplots(nrow, ncol, squeeze=False)
    values = [value(r) for r in rows if value(r) is not None and (value(r) > 0 or not log)]
    if log:
        norm = LogNorm(vmin=min(values), vmax=max(values)) if values else LogNorm(1e-6, 1.0)
    else:
        norm = Normalize(vmin=0.0, vmax=max(values + [1e-3]))
    image = None
    for ax, (loss, d, rs) in zip(axes.flat, panels):
        ms, taus = sorted({r["M"] for r in rs}), sorted({r["tau"] for r in rs})
        grid = np.full((len(ms), len(taus)), np.nan)
        for r in rs:
            v = value(r)
            i, j = ms.index(r["M"]), taus.index(r["tau"])
            shade = None
            if v is not None and (v > 0 or not log):
                grid[i, j] = v
                shade = norm(v)
            ax.text(
                j,
                i,
                text(r),
                ha="center",
                va="center",
                fontsize=7,
                color="white" if shade is not None and shade < 0.5 else "black",
            )
        surveyed = {(r["M"], r["tau"]) for r in rs}
        for i, m in enumerate(ms):
            for j, tau in enumerate(taus):
                if (m, tau) not in surveyed:
                    ax.text(j, i, "not\nsurveyed", ha="center", va="center", fontsize=6, color="dimgrey")
        ax.imshow(np.full(grid.shape, 0.25), cmap="Greys", vmin=0, vmax=1, aspect="auto", origin="lower")
        image = ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, norm=norm, aspect="auto", origin="lower")
        for r in rs:  # landscapes with a closed-form optimum: framed
            if r["E_star_closed_form"] is not None:
                i, j = ms.index(r["M"]), taus.index(r["tau"])
                ax.add_patch(_rectangle(j, i))
        ax.set_xticks(range(len(taus)), [f"{t:g}" for t in taus])
        ax.set_yticks(range(len(ms)), [str(m) for m in ms])
        ax.set_xlabel(r"loss temperature $\tau$")
        ax.set_ylabel("pairs M")
        ax.set_title(f"{_loss_name(loss)}, $S^{{{d - 1}}}$ (d = {d})", fontsize=10)
    for ax in list(axes.flat)[len(panels) :]:
        ax.remove()
    if image is not None:
        fig.colorbar(image, ax=list(axes.flat)[: len(panels)], label=bar_label, shrink=0.8)
    fig.suptitle("\n".join(textwrap.wrap(title, 130)), fontsize=10)
    return _save(fig, path)


def _rectangle(j: int, i: int):
    from matplotlib.patches import Rectangle

    return Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, lw=1.5, ec="black")


def atlas(folder: str | Path, out_dir: str | Path) -> list[Path]:
    """The atlas figures from ``folder`` (:func:`langevin_sphere.atlas.table`): heat maps of the fraction of uniform
    starts trapped in non-global minima and of c*, and the number of distinct minima against M."""
    rows = atlas_lib.table(folder)
    if not rows:
        return []
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    counts = sorted({r["starts"] for r in rows})
    n = f"{counts[0]}" if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"

    def trapped_text(r):
        if r["flat"]:
            return "flat"
        k = r["n_minima"]
        return f"{100 * r['trapped']:.0f}%\n{k} {'minimum' if k == 1 else 'minima'}" if k else "no minimum"

    def c_text(r):
        if r["flat"]:
            return "flat"
        if r["c_star"] is not None:
            return f"{r['c_star']:.2g}" + ("" if str(r["c_star_is"]).startswith("exact") else "\n(bound)")
        if r["n_minima"] > 1 and r["max_gap"] > 0 and r["trapped"] > 0:
            return f"{r['n_minima']} minima:\nnot run"
        return "-"

    written = _atlas_heatmap(
        rows,
        lambda r: None if r["flat"] else r["trapped"],
        trapped_text,
        out / "atlas_trapped",
        f"Fraction of {n} uniform random starts whose gradient-flow quench ends in a non-global minimum "
        "(cell: that %, distinct minima up to symmetry; framed: closed-form optimum; grey, flat: E* < 1e-9, one "
        "energy level at float64 resolution; grey, not surveyed: outside the stored grid)",
        "fraction of starts trapped in a non-global minimum",
        log=False,
        cmap="viridis",
    )
    written += _atlas_heatmap(
        rows,
        lambda r: r["c_star"],
        c_text,
        out / "atlas_c_star",
        "Critical depth c* (energy units of each loss) from minimum-energy paths between all pairs of minima "
        "(up to 6 minima) or between nearest minima (7-32 minima: (bound)) (-: no non-global minimum; 'not run': "
        "more than 32 minima; (bound): also where a string that sets a depth did not converge)",
        "c* (energy units)",
        log=True,
        cmap="magma",
    )
    by_loss: dict[str, list[dict]] = {}
    for r in rows:
        by_loss.setdefault(r["loss"], []).append(r)
    fig = Figure(figsize=(4.8 * len(by_loss), 4.6), layout="constrained")
    axes = fig.subplots(1, len(by_loss), squeeze=False)
    for ax, (loss, rs) in zip(axes[0], by_loss.items()):
        series: dict[tuple[int, float], list[tuple[int, int]]] = {}
        for r in rs:
            if not r["flat"]:  # E* < 1e-9: distinct end states at one energy level, not counted as minima
                series.setdefault((r["d"], r["tau"]), []).append((r["M"], r["n_minima"]))
        ds = sorted({d for d, _ in series})
        taus = sorted({t for _, t in series})
        for (d, tau), pts in sorted(series.items()):
            pts.sort()
            dodge = 0.08 * (taus.index(tau) - (len(taus) - 1) / 2)  # equal counts side by side, not on top
            ax.plot(
                [m + dodge for m, _ in pts],
                [k for _, k in pts],
                marker="osD^v"[ds.index(d) % 5],
                color=_colour(taus.index(tau)),
                lw=1,
                ms=4,
                label=f"d = {d}, tau = {tau:g}",
            )
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(FormatStrFormatter("%d"))
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("pairs M")
        ax.set_ylabel(f"distinct minima up to symmetry (in {n} starts)")
        ax.set_title(_loss_name(loss), fontsize=10)
        ax.grid(alpha=0.3, which="both", lw=0.5)
        ax.legend(fontsize=6, ncol=2)
    fig.suptitle(
        "\n".join(
            textwrap.wrap(
                f"Number of distinct local minima (up to O(d), pair relabelling and view swap) reached from {n} "
                "uniform "
                "starts, against the number of pairs M (landscapes flat at E* < 1e-9 left out)",
                110,
            )
        ),
        fontsize=10,
    )
    return written + _save(fig, out / "atlas_minima") + _atlas_gaps(rows, out)


def _atlas_gaps(rows: list[dict], out: Path) -> list[Path]:
    """Symmetric InfoNCE: the largest gap E - E* of a non-global minimum and c* against M, one panel per tau, one
    line per d (landscapes with non-global minima only)."""
    rows = [r for r in rows if r["loss"] == "infonce" and not r["flat"] and (r["n_non_global"] or 0) > 0]
    taus = sorted({r["tau"] for r in rows})
    if not rows:
        return []
    ds = sorted({r["d"] for r in rows})
    fig = Figure(figsize=(3.6 * len(taus), 6.4), layout="constrained")
    axes = fig.subplots(2, len(taus), squeeze=False)
    for col, tau in enumerate(taus):
        for row, (key, label) in enumerate([("max_gap", "largest gap E - E*"), ("c_star", "c* (exact or bound)")]):
            ax = axes[row, col]
            for d in ds:
                pts = sorted((r["M"], r[key]) for r in rows if r["tau"] == tau and r["d"] == d and r[key])
                if pts:
                    ax.plot(
                        [m for m, _ in pts],
                        [v for _, v in pts],
                        marker="osD^vP*X"[ds.index(d) % 8],
                        color=_colour(ds.index(d)),
                        lw=1,
                        ms=4,
                        label=f"d = {d}",
                    )
            if not ax.lines:
                ax.text(
                    0.5,
                    0.5,
                    "no landscape with\nnon-global minima",
                    ha="center",
                    va="center",
                    transform=ax.transAxes,
                    fontsize=8,
                )
            ax.set_xscale("log", base=2)
            ax.set_yscale("log")
            ax.set_xlabel("pairs M")
            ax.set_ylabel(f"{label} (energy units)")
            ax.set_title(f"tau = {tau:g}", fontsize=9)
            ax.grid(alpha=0.3, which="both", lw=0.5)
            if ax.lines:
                ax.legend(fontsize=6)
    fig.suptitle(
        "\n".join(
            textwrap.wrap(
                "Symmetric InfoNCE, landscapes with non-global minima: the largest energy gap E - E* of a non-global "
                "minimum reached from uniform starts (top) and the critical depth c* from minimum-energy paths "
                "(bottom), against the number of pairs M, per temperature tau and dimension d",
                110,
            )
        ),
        fontsize=10,
    )
    return _save(fig, out / "atlas_gaps")
