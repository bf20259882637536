"""The documentation's result tables, printed from stored results (``langevin-sphere report [--runs DIR]``).

Every table of the results pages (``docs/results/*.md`` and ``docs/integrators.md``) is one block of :func:`report`:
a heading line (``### ...``), a markdown table, and a notes paragraph that carries the numbers the prose around the
table quotes. A page holds each block's table and notes between ``<!-- report: <heading> -->`` and
``<!-- /report -->``; ``langevin-sphere report --write docs`` (:func:`write_pages`) rewrites those regions after new
results, and ``tests/test_report.py`` checks that the pages hold what the report prints.

Sources, all under the runs folder (``experiments/`` in the repository) and beside it:

- ``results/<experiment>/summary.json`` and ``basins.json``: schedule comparisons, speed sweeps, basin tables;
- ``studies/<study>/study.json``: critical depth, Kramers escape times, c-sweeps, finite-time tails;
- ``benchmarks/cpu-2core/bench.json`` beside the runs folder: throughput (``langevin-sphere bench --out``).

A missing source is an error naming the file and the table that needs it. The functions that build tables take the
loaded JSON (dicts) and return strings; only :func:`load_sources` reads results (through
:mod:`langevin_sphere.io`) and only :func:`write_pages` reads and writes the pages. Nothing here simulates or imports
JAX arrays.

End states: when a schedule entry (or a basin table) carries ``"outcomes"`` (``success``, ``minimum``, ``plateau``,
``saddle``, ``unconverged``, each ``{count, fraction, lo, hi}``), the schedule tables split the failures into
trapped in a minimum / on a plateau / unconverged (and at a saddle, where any); otherwise they show one "trapped"
column (every chain whose quenched final energy is not within eps of E*).

A schedule *ends hot* when 1 / beta(t_end) > eps: its thermal energy exceeds the success threshold, so its final
state is a thermal one and the quench of that state decides success. Tables mark its final beta "(hot)".
"""

from __future__ import annotations

import collections
import math
import re
import textwrap
from pathlib import Path

from ..core import io
from ..landscape import diagnostics, optima
from . import atlas

__all__ = [
    "SOURCES",
    "write_pages",
    "load_sources",
    "ends_hot",
    "default_experiment",
    "basin_tables",
    "schedule_comparison",
    "speed_sweeps",
    "catalogues",
    "escape_minimum",
    "escape_plateau",
    "kramers",
    "c_sweep_two_well",
    "tails",
    "c_sweep_dhel",
    "weak_order",
    "performance_p0",
    "performance_calls",
    "performance_devices",
    "performance_sweep",
    "performance_large_batches",
    "matrix_free_check",
    "matrix_free_cost",
    "atlas_overview",
    "atlas_traps",
    "atlas_practitioner",
    "blocks",
    "report",
]

# The stored results behind the documentation's tables, relative to the runs folder: name -> path.
SOURCES = {
    "default": "results/default/summary.json",
    "default_basins": "results/default/basins.json",
    "A": "results/compare_circle_M6/summary.json",
    "A_basins": "results/compare_circle_M6/basins.json",
    "B": "results/compare_dhel_circle_M8/summary.json",
    "B_basins": "results/compare_dhel_circle_M8/basins.json",
    "benign": "results/simplex_M4_d3/summary.json",
    "benign_basins": "results/simplex_M4_d3/basins.json",
    "sweep_rate_A": "results/sweep_rate_circle_M6/summary.json",
    "sweep_slope_A": "results/sweep_slope_circle_M6/summary.json",
    "sweep_c_A": "results/sweep_c_circle_M6/summary.json",
    "sweep_rate_B_slowest": "results/sweep_rate_slowest_dhel_circle_M8/summary.json",
    "sweep_rate_B_slow": "results/sweep_rate_slow_dhel_circle_M8/summary.json",
    "sweep_rate_B": "results/sweep_rate_dhel_circle_M8/summary.json",
    "kramers": "studies/kramers_two_well/study.json",
    "c_sweep_two_well": "studies/c_sweep_two_well/study.json",
    "tails": "studies/tails_two_well/study.json",
    "c_sweep_dhel": "studies/c_sweep_dhel-circle-M8-tau0.1/study.json",
    "catalogue_default": "landscapes/infonce-circle-M8-tau0.05/c_star.json",
    "catalogue_A": "landscapes/infonce-circle-M6-tau0.05/c_star.json",
    "catalogue_B": "landscapes/dhel-circle-M8-tau0.1/c_star.json",
    "escape": "studies/escape_dhel-circle-M8-tau0.1_infonce-circle-M6-tau0.05/study.json",
    "weak_order": "studies/weak_order/study.json",
    "matrix_free_check": "studies/matrix_free_check/study.json",
    "matrix_free_cost": "studies/matrix_free_cost/study.json",
    "C": "results/compare_dhel_S2_M6/summary.json",
    "C_basins": "results/compare_dhel_S2_M6/basins.json",
    "D": "results/compare_kcl_S2_M4/summary.json",
    "D_basins": "results/compare_kcl_S2_M4/basins.json",
}
BENCH = "benchmarks/cpu-2core/bench.json"  # beside the runs folder, unless given

_WIDTH = 118  # notes are wrapped like the pages' prose


# ----------------------------------------------------------------------------------------------------------- reading
def load_sources(runs: str | Path = "experiments", bench: str | Path | None = None) -> dict:
    """Every stored result the report needs, as loaded JSON: ``{name: dict}`` (names of :data:`SOURCES`, and
    ``"bench"``). ``bench`` defaults to ``benchmarks/cpu-2core/bench.json`` beside the runs folder.

    Raises:
        FileNotFoundError: naming every missing file (the report is never printed from part of its sources).
    """
    runs = Path(runs)
    paths = {name: runs / rel for name, rel in SOURCES.items()}
    paths["bench"] = Path(bench) if bench is not None else (runs if runs.name else runs.absolute()).parent / BENCH
    missing = [f"{p} ({name})" for name, p in paths.items() if not p.is_file()]
    if missing:
        raise FileNotFoundError(
            f"the report needs stored results that are missing: {', '.join(missing)}; "
            "experiments/run_all.sh and `langevin-sphere bench --out` write them"
        )
    src = {name: io.load_json(p) for name, p in paths.items()}
    src["atlas"] = atlas.table(runs / "atlas")
    if not src["atlas"]:
        raise FileNotFoundError(
            f"the report needs the stored atlas, and {runs / 'atlas'} holds no landscape; "
            "`langevin-sphere atlas experiments/atlas/<part>.toml` writes it"
        )
    src["best_known"] = optima.best_known_entries()
    return src


# -------------------------------------------------------------------------------------------------------- formatting
def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def _notes(*sentences: str) -> list[str]:
    text = " ".join(s.strip() for s in sentences if s)
    return textwrap.wrap(text, width=_WIDTH, break_long_words=False, break_on_hyphens=False)


def _block(heading: str, table: list[str], notes: list[str]) -> str:
    lines = [f"### {heading}", "", *table]
    if notes:
        lines += ["", *notes]
    return "\n".join(lines)


def _ci(fraction: float, lo: float, hi: float) -> str:
    return f"{fraction:.3f} [{lo:.3f}, {hi:.3f}]"


def _pct_ci(fraction: float, lo: float, hi: float) -> str:
    return f"{100 * fraction:.1f}% [{100 * lo:.1f}%, {100 * hi:.1f}%]"


def _sci(x: float, strip: bool = False) -> str:
    """3 significant digits, exponent written short: 1.31e6, 8.90e5, 775, 79.2 (``strip``: 1e5, 2.2e4)."""
    if x == 0:
        return "0"
    if abs(x) >= 1000 or abs(x) < 1e-3:
        mantissa, exponent = f"{x:.2e}".split("e")
        if strip:
            mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa}e{int(exponent)}"
    return f"{x:.3g}"


def _beta(x: float) -> str:
    """An inverse temperature: 3 significant digits below 100, integers up to 1e4, short exponents above."""
    if x >= 1e4:
        return _sci(x, strip=True)
    if x >= 100:
        return f"{x:.0f}"
    return f"{x:.3g}"


def _value(x: float) -> str:
    """A swept parameter: 1/128 for small inverse powers of 2, 1e4 for large ones, else as written."""
    if 0 < x < 0.2 and math.log2(1 / x).is_integer():
        return f"1/{round(1 / x)}"
    if x >= 1000:
        return _sci(x, strip=True)
    return f"{x:g}"


def ends_hot(final_beta: float, eps: float) -> bool:
    """True when the schedule ends with thermal energy 1 / beta(t_end) above the success threshold eps."""
    return final_beta * eps < 1.0


def _final_beta(final_beta: float, eps: float) -> str:
    return _beta(final_beta) + (" (hot)" if ends_hot(final_beta, eps) else "")


_HOT_RULE = (
    "1 / beta(t_end) > eps, a thermal energy above the success threshold, so the final state is a thermal "
    "one and its quench decides success."
)
_HOT = "Final beta marked (hot): " + _HOT_RULE


def _source_short(source: str) -> str:
    return source.split(" (")[0]


# ------------------------------------------------------------------------------------------------------- end states
_KINDS = (
    ("minimum", "trapped in a minimum"),
    ("plateau", "on a plateau"),
    ("saddle", "at a saddle"),
    ("unconverged", "unconverged"),
)


def _has_outcomes(entries: list[dict]) -> bool:
    return bool(entries) and all(isinstance(e, dict) and "outcomes" in e for e in entries)


def _outcome_kinds(entries: list[dict]) -> list[tuple[str, str]]:
    """The failure kinds shown: minimum, plateau, unconverged always; saddle only where some entry has one."""
    return [
        (k, label)
        for k, label in _KINDS
        if k != "saddle" or any(e["outcomes"].get("saddle", {}).get("count", 0) for e in entries)
    ]


def _trapped_count(entry: dict) -> int:
    return int(round(entry["trapped"] * entry["n"]))


def _basin_outcomes(basins: dict) -> dict | None:
    return basins.get("outcomes")


# ------------------------------------------------------------------------------------------------- schedule tables
def _levels(levels: list[dict], eps: float) -> str:
    """Energy levels above E* with their counts, "P" marking plateaus: "1.099 P (1), 1.412 (2)"."""
    return (
        ", ".join(
            f"{x['gap']:.3f}{' P' if x.get('kind') == 'plateau' else ''} ({x['count']})"
            for x in levels
            if x["gap"] > eps
        )
        or "-"
    )


def _final_basins(entry: dict, eps: float) -> str:
    return _levels(entry.get("final_basins", []), eps)


def _schedule_table(summary: dict, basins: dict | None, with_final_basins: bool) -> tuple[list[str], bool]:
    """Rows of one schedule comparison (and the quench of the basin table's starts); returns (lines, any hot)."""
    eps = summary["eps"]
    entries = summary["schedules"]
    split = _has_outcomes(entries)
    kinds = _outcome_kinds(entries + ([basins] if basins and _basin_outcomes(basins) else [])) if split else []
    header = ["schedule", "final beta", "success [95% CI]"]
    header += [f"{label} (of n)" for _, label in kinds] if split else ["trapped"]
    if with_final_basins:
        header.append("final basins above E* (E - E*: chains)")
    rows, hot = [], False
    for s in entries:
        hot |= ends_hot(s["final_beta"], eps)
        row = [s["label"], _final_beta(s["final_beta"], eps)]
        if split:
            o = s["outcomes"]
            row.append(_ci(o["success"]["fraction"], o["success"]["lo"], o["success"]["hi"]))
            row += [f"{o.get(k, {}).get('count', 0)} / {s['n']}" for k, _ in kinds]
        else:
            row += [_ci(s["success"], s["success_lo"], s["success_hi"]), f"{_trapped_count(s)} / {s['n']}"]
        if with_final_basins:
            row.append(_final_basins(s, eps))
        rows.append(row)
    if basins is not None:
        n = basins["n_starts"]
        row = [f"quench of {n} uniform starts (basins.json)", "-"]
        g = basins["global"]
        o = _basin_outcomes(basins) if split else None
        if split and o is not None:
            row.append(_ci(o["success"]["fraction"], o["success"]["lo"], o["success"]["hi"]))
            row += [f"{o.get(k, {}).get('count', 0)} / {n}" for k, _ in kinds]
        elif split:  # a basin table without end-state kinds beside summaries with them
            row.append(_ci(g["fraction"], g["lo"], g["hi"]))
            row += [f"{basins.get('not_converged', 0)} / {n}" if k == "unconverged" else "-" for k, _ in kinds]
        else:
            row += [_ci(g["fraction"], g["lo"], g["hi"]), f"{basins['trapped']['count']} / {n}"]
        if with_final_basins:
            row.append(", ".join(f"{b['gap']:.3f} ({b['count']})" for b in basins["basins"] if not b["global"]))
        rows.append(row)
    return _table(header, rows), hot


def _run_sentence(summary: dict) -> str:
    run, analysis = summary["config"]["run"], summary["config"]["analysis"]
    quench = f", quenches every {analysis['quench_every']} records" if analysis.get("quench_every") else ""
    return (
        f"{summary['landscape']}; {run['n_chains']} chains from uniform starts, t = {run['t_max']:g}, "
        f"step {run['step_size']:g}{quench}; success: quenched final energy within {summary['eps']:g} of "
        f"E* = {summary['E_star']:.6g} ({_source_short(summary['E_star_source'])})."
    )


def _failed_sentence(summary: dict) -> str:
    failed = [(s["label"], int(round(s.get("failed", 0) * s["n"]))) for s in summary["schedules"]]
    failed = [f"{label}: {k}" for label, k in failed if k]
    return f"Chains that failed (NaN / inf): {', '.join(failed)}." if failed else ""


def default_experiment(summary: dict, basins: dict) -> str:
    """The embedded default experiment: one row per schedule with its final basins; timing; the basin table."""
    table, hot = _schedule_table(summary, None, with_final_basins=True)
    entries = summary["schedules"]
    wall = sum(s["wall_time_s"] for s in entries)
    rates = [s["config_steps_per_s"] for s in entries]
    devices = summary.get("provenance", {}).get("devices", "?")
    misses = basins.get("trapped") or {
        k: 1 - basins["global"][j] for k, j in (("fraction", "fraction"), ("lo", "hi"), ("hi", "lo"))
    }
    notes = _notes(
        _run_sentence(summary),
        f"Simulation wall time {wall:.1f} s for the {len(entries)} schedules, {_sci(min(rates))} - {_sci(max(rates))}"
        f" config-steps/s (JAX devices: {devices}).",
        f"A float32 quench of the {basins['n_starts']} uniform starts of the basin table stops above E* from "
        f"{_pct_ci(misses['fraction'], misses['lo'], misses['hi'])} of them"
        + (
            f"; classified, {basins['outcomes']['plateau']['count']} of them are on a plateau and "
            f"{basins['outcomes']['minimum']['count']} in a non-global minimum."
            if "outcomes" in basins
            else "."
        ),
        _failed_sentence(summary),
        _HOT if hot else "",
    )
    return _block("default experiment", table, notes)


def schedule_comparison(summary: dict, basins: dict, name: str) -> str:
    """One landscape's schedule comparison, with the quench of the basin table's starts as the last row."""
    table, hot = _schedule_table(summary, basins, with_final_basins=False)
    notes = _notes(_run_sentence(summary), _failed_sentence(summary), _HOT if hot else "")
    return _block(f"schedule comparison: {name}", table, notes)


def basin_tables(named: list[tuple[str, dict, dict]]) -> str:
    """The basin table of each studied landscape: ``named`` = [(name, summary, basins)]."""
    split = all(_basin_outcomes(b) is not None for _, _, b in named)
    kinds = _outcome_kinds([{"outcomes": b["outcomes"]} for _, _, b in named]) if split else []
    header = ["landscape", "quenched starts", "global basin [95% CI]"]
    header += [f"{label} (of n)" for _, label in kinds] if split else ["trapped", "not converged"]
    header.append("levels above E* (E - E*: starts)")
    rows = []
    for name, summary, b in named:
        n, g = b["n_starts"], b["outcomes"]["success"] if split else b["global"]
        row = [f"{name}: {summary['landscape']}", str(n), _ci(g["fraction"], g["lo"], g["hi"])]
        if split:
            row += [f"{b['outcomes'].get(k, {}).get('count', 0)} / {n}" for k, _ in kinds]
        else:
            row += [f"{b['trapped']['count']} / {n}", str(b.get("not_converged", 0))]
        if "end_state_levels" in b:  # classified end states
            row.append(_levels(b["end_state_levels"], b["eps"]))
        else:
            row.append(", ".join(f"{x['gap']:.3f} ({x['count']})" for x in b["basins"] if not x["global"]) or "-")
        rows.append(row)
    tols = sorted({b["quench_tol"] for _, _, b in named})
    eps = sorted({b["eps"] for _, _, b in named})
    float32 = "; ".join(f"{name} {b['trapped']['count']} / {b['n_starts']}" for name, _, b in named)
    notes = _notes(
        "Uniform random starts drawn from each experiment's seed. "
        + (
            "Classified end states (landscape.classify: float64 quench to the resolution of the energy, Hessian off "
            "the symmetry modes); levels: energies of the classified end states above E*, P marking a plateau; "
            if split
            else f"Quenched to a gradient norm below {', '.join(f'{t:g}' for t in tols)}; a level is an "
            "energy of the quenched states, labelled up to symmetry; "
        )
        + f"global basin: a minimum within {', '.join(f'{e:g}' for e in eps)} of E*.",
        f"The float32 quench alone (to |grad| < {', '.join(f'{t:g}' for t in tols)}) stops above E* from: {float32}."
        if split
        else "",
    )
    return _block("trap landscapes: basin tables", _table(header, rows), notes)


# ---------------------------------------------------------------------------------------------------------- sweeps
_SWEPT = {"rate": "geometric rate r", "slope": "linear slope s", "c": "logarithmic c"}
_SLOWER_IS_LARGER = {"c"}  # a larger c cools more slowly; a larger rate or slope faster


def _not_success(s: dict) -> tuple[float, float, float]:
    """Fraction of chains not at E* and its Wilson interval (the complement of success's)."""
    if "outcomes" in s:
        o = s["outcomes"]["success"]
        return 1 - o["fraction"], 1 - o["hi"], 1 - o["lo"]
    if "trapped" in s and "trapped_lo" in s:
        return s["trapped"], s["trapped_lo"], s["trapped_hi"]
    return 1 - s["success"], 1 - s["success_hi"], 1 - s["success_lo"]


def _sweep_row(name: str, summaries: list[dict]) -> list[str]:
    kind = summaries[0]["sweep"]
    eps = summaries[0]["eps"]
    swept = sorted(
        ((s["speed"], s, summ) for summ in summaries for s in summ["schedules"] if s["speed"] is not None),
        key=lambda x: x[0],
        reverse=kind in _SLOWER_IS_LARGER,
    )
    cells = []
    for i, (v, s, _) in enumerate(swept):
        f, lo, hi = _not_success(s)
        tag = _value(v) + (", hot" if ends_hot(s["final_beta"], eps) else "")
        cells.append(f"{f:.3f} [{lo:.3f}, {hi:.3f}] ({tag})" if i in (0, len(swept) - 1) else f"{f:.3f} ({tag})")
    constant = [s for summ in summaries for s in summ["schedules"] if s["speed"] is None]
    if constant:
        f, lo, hi = _not_success(constant[0])
        const = f"{f:.3f} [{lo:.3f}, {hi:.3f}] (beta = {_beta(constant[0]['final_beta'])})"
    else:
        const = "-"
    runs = [s["config"]["run"] for s in summaries]
    chains = sorted({r["n_chains"] for r in runs})
    steps = sorted({r["step_size"] for r in runs})
    if len(summaries) == 1:
        t = f"t = {runs[0]['t_max']:g}"
    else:
        parts = []
        for summ, r in sorted(zip(summaries, runs), key=lambda x: -x[1]["t_max"]):
            vals = sorted(s["speed"] for s in summ["schedules"] if s["speed"] is not None)
            if len(vals) <= 3:
                shown = ", ".join(_value(v) for v in vals)
            else:
                shown = f"{_value(vals[0])} ... {_value(vals[-1])}"
            parts.append(f"{r['t_max']:g} ({shown})")
        t = "t = " + ", ".join(parts)
    setting = f"{'/'.join(str(c) for c in chains)} chains, step {'/'.join(f'{h:g}' for h in steps)}, {t}"
    entries = [s for summ in summaries for s in summ["schedules"]]
    if all("outcomes" in s for s in entries):
        totals = {
            k: sum(s["outcomes"][k]["count"] for s in entries) for k in ("minimum", "plateau", "saddle", "unconverged")
        }
        where = ", ".join(f"{k} ({v})" for k, v in totals.items() if v) or "-"
    else:
        where = "not classified"
    return [f"{name}, {_SWEPT.get(kind, kind)}", setting, ", ".join(cells), const, where]


def speed_sweeps(named: list[tuple[str, list[dict]]]) -> str:
    """Trapped fraction against schedule speed: one row per (landscape, swept parameter), slowest value first."""
    rows = [_sweep_row(name, summaries) for name, summaries in named]
    hot = any(
        ends_hot(s["final_beta"], summ["eps"])
        for _, group in named
        for summ in group
        for s in summ["schedules"]
        if s["speed"] is not None
    )
    header = [
        "sweep",
        "runs",
        "fraction not at E* [95% CI] (value), slowest first",
        "constant beta",
        "where those chains end (chains, all runs of the row)",
    ]
    eps = sorted({summ["eps"] for _, group in named for summ in group})
    notes = _notes(
        "Not at E*: classified final state not a minimum within "
        f"{', '.join(f'{e:g}' for e in eps)} of E* (in a non-global minimum, on a plateau or unconverged: the last "
        "column says which); Wilson 95% intervals at both ends of each sweep and for the constant schedule (the same "
        "starts, constant beta for the whole run).",
        "Values marked hot: " + _HOT_RULE if hot else "",
    )
    return _block("speed sweeps", _table(header, rows), notes)


# --------------------------------------------------------------------------------------------------------- studies
def catalogues(named: list[tuple[str, str, dict]]) -> str:
    """The catalogue of every studied landscape: its classified end states, c* on all its minima with the strings'
    convergence, and whether the kinds of the basin-table starts survive another quench tolerance and float width."""
    rows = []
    for name, landscape, cat in named:
        e_star = cat["E_star"]
        gaps = ", ".join(f"{cat_e - e_star:.3f}" for cat_e in cat["minimum_energies"][1:]) or "-"
        plateaus = ", ".join(f"{e - e_star:.3f}" for e in cat["plateau_energies"]) or "-"
        if cat["deepest"] is None:
            c_cell, deepest = "0 (no non-global minimum)", "-"
        else:
            c_cell, deepest = f"{cat['c_star']:.3g}", f"{cat['deepest_energy'] - e_star:.3f}"
        rob = cat.get("robustness")
        if rob:
            ref = rob["variants"][rob["reference"]]["kinds"]
            kinds = ", ".join(f"{v} {k}" for k, v in ref.items() if v)
            n_diff = max(len(v["differences"]) for v in rob["variants"].values())
            agree = f"{kinds}; {'the same in all 4' if rob['agree'] else f'{n_diff} differ'}"
        else:
            agree = "-"
        strings = f"{cat['strings_converged']} / {cat['strings_total']}"
        if cat.get("depth_setting_strings"):
            strings += f"; {cat['depth_setting_converged']} / {cat['depth_setting_strings']} that set a depth"
        rows.append(
            [
                f"{landscape} ({name})",
                f"{cat['kinds']['minimum']} / {cat['kinds']['plateau']}",
                gaps,
                plateaus,
                f"{c_cell} ({strings})",
                deepest,
                agree,
            ]
        )
    header = [
        "landscape",
        "minima / plateaus",
        "minima above E* (E - E*)",
        "plateaus (E - E*)",
        "c* (strings converged / all)",
        "deepest minimum (E - E*)",
        "kinds of the 512 basin-table starts",
    ]
    notes = _notes(
        "Catalogues in experiments/landscapes/<name>/ (minima.npz, c_star.json): every end state seen (the "
        "basin-table starts, every chain's final state of every stored run, string images) classified by "
        "landscape.classify and kept once up to symmetry. c* = the largest depth of a non-global minimum, by "
        "minimum-energy paths between all minima (float64); an unconverged string is still a path, so where one "
        "sets a depth c* is an upper bound; where every string that sets a depth converged, c* is exact up to their "
        "convergence. Kinds of the basin-table starts: classified after a float32 quench to "
        "|grad| < 1e-5 and after a float64 quench to |grad| < 1e-8, each with tolerance 1e-5 and 1e-8."
    )
    return _block("landscape catalogues", _table(header, rows), notes)


def escape_minimum(study: dict) -> str:
    """(F7) Mean escape time from the deepest minimum of B against beta, and the Arrhenius slope against the barrier."""
    m = study["minimum"]
    rows = [
        [
            f"{r['beta']:.1f}",
            f"{r['beta_barrier']:.2g}",
            str(r["n_chains"]),
            str(r["escaped"]),
            f"{r['mean_escape_time']:.4g}",
        ]
        for r in m["rows"]
    ]
    header = ["beta", "beta x barrier", "chains", "escaped", "mean escape time"]
    target = (
        m["paths"][[p["target"] for p in m["paths"]].index(m["barrier_to"])]["target_above_start"]
        if any(p["target"] == m["barrier_to"] for p in m["paths"])
        else None
    )
    notes = _notes(
        f"{m['landscape']['describe']}: chains start at the deepest minimum of its catalogue (E - E* = "
        f"{m['start_gap']:.3f}, depth {m['start_depth']:.3g}), equilibrated in its basin; escape: {m['escape']}; "
        f"h = {m['step_size']:g}.",
        f"The lowest saddle out of the basin (strings to every other minimum, float64) is {m['barrier']:.5f} above it, "
        f"towards the minimum {target:+.3f} from it."
        if target is not None
        else "",
        f"Slope of log(mean escape time) against beta: {m['slope']:.5f} ± {m['slope_se']:.5f} (chi2 {m['chi2']:.1f} "
        f"on {m['dof']} dof), {100 * m['relative_error']:+.1f}% from the barrier; without the lowest beta "
        f"{m['fit_without_first_beta']['slope']:.5f} ± {m['fit_without_first_beta']['slope_se']:.5f}.",
    )
    return _block("escape from a minimum of B (F7)", _table(header, rows), notes)


def escape_plateau(study: dict) -> str:
    """(F7) Mean escape time from a plateau of A against beta: a power law, not Arrhenius."""
    p = study["plateau"]
    rows = [
        [f"{r['beta']:g}", str(r["n_chains"]), str(r["escaped"]), f"{r['mean_escape_time']:.4g}"] for r in p["rows"]
    ]
    header = ["beta", "chains", "escaped", "mean escape time"]
    pl, ex = p["power_law"], p["exponential"]
    notes = _notes(
        f"InfoNCE, circle, M={p['landscape']['M']}, tau={p['landscape']['tau']:g}: chains start on a plateau where a "
        f"float32 quench stops (E - E* = {p['level_gap']:.3f}, collapsed pairs {p['clusters']}); escape: "
        f"{p['escape']}; h = {p['step_size']:g}.",
        f"Power law: mean escape time ~ beta^({pl['exponent']:.3f} ± {pl['exponent_se']:.3f}), chi2 {pl['chi2']:.1f} "
        f"on {pl['dof']} dof; exponential (Arrhenius): chi2 {ex['chi2']:.0f} on {ex['dof']} dof.",
    )
    return _block("escape from a plateau of A (F7)", _table(header, rows), notes)


def kramers(study: dict) -> str:
    """Mean escape time from the two-well's trap against beta, and the Arrhenius slope against the barrier."""
    rows, ratios = [], []
    for r in study["rows"]:
        ratio = r["mean_escape_time"] / r["kramers_time"]
        ratios.append(ratio)
        rows.append(
            [
                f"{r['beta']:g}",
                str(r["n_chains"]),
                str(r["escaped"]),
                f"{r['mean_escape_time']:.4g}",
                f"{r['kramers_time']:.4g}",
                f"{ratio:.3f}",
            ]
        )
    header = ["beta", "chains", "escaped by t_max", "mean escape time", "Eyring-Kramers time", "ratio"]
    e = study["energy"]
    notes = _notes(
        f"Two-well E = a (-cos 2 theta - b cos theta), a = {e['a']:g}, b = {e['b']:g}; {study['escape']}; "
        f"{study['integrator']}, h = {study['step_size']:g}.",
        f"Slope of log(mean escape time) against beta: {study['slope']:.3f} ± {study['slope_se']:.3f} "
        f"(chi2 {study['chi2']:.2f} on {study['dof']} dof), against the barrier {study['barrier_string']:.7g} of the "
        f"string method (closed form {study['barrier_closed_form']:g}, difference "
        f"{abs(study['barrier_string'] - study['barrier_closed_form']):.0e}): relative error "
        f"{100 * study['relative_error']:+.1f}%.",
        f"Measured times are {min(ratios):.2f} - {max(ratios):.2f} times the Eyring-Kramers times.",
    )
    return _block("Kramers escape times (two-well)", _table(header, rows), notes)


def c_sweep_two_well(study: dict) -> str:
    """Success against the logarithmic constant c, with the two-state master-equation prediction."""
    rows, outside, diffs = [], [], []
    for r in study["rows"]:
        p = r["predicted"]
        if p < r["success_lo"]:
            inside = "no, below"
        elif p > r["success_hi"]:
            inside = "no, above"
        else:
            inside = "yes"
        if inside != "yes":
            outside.append(inside.split(", ")[1])
        diffs.append((abs(p - r["success"]), r["c_over_c_star"]))
        rows.append(
            [
                f"{r['c_over_c_star']:.3g}",
                f"{r['c']:.3g}",
                str(r["n"]),
                _ci(r["success"], r["success_lo"], r["success_hi"]),
                f"{p:.3f}",
                inside,
            ]
        )
    header = ["c / c*", "c", "chains", "success [95% CI]", "master equation", "prediction inside the CI"]
    n = len(study["rows"])
    sides = sorted(set(outside))
    side = f", all {sides[0]} the measurement" if len(sides) == 1 else ""
    worst = max(diffs)
    best = max(study["rows"], key=lambda r: r["success"])
    cross = _crossing(study["rows"], 0.5)
    notes = _notes(
        f"{study['schedule']}; c* = {study['c_star']:.7g}, the {study['c_star_source']}; {study['start']}; success: "
        f"{study['success']}, t_max = {study['t_max']:g}, h = {study['step_size']:g}.",
        f"The two-state master equation with Eyring-Kramers rates at beta(t) lies inside the Wilson 95% interval for "
        f"{n - len(outside)} of {n} values of c and outside for {len(outside)}{side}; the largest difference is "
        f"{worst[0]:.3f} (c = {worst[1]:.3g} c*).",
        f"Success crosses 1/2 at c = {cross:.2f} c* (linear interpolation) and peaks at {best['success']:.3f} at "
        f"c = {best['c_over_c_star']:.3g} c*."
        if cross is not None
        else "",
    )
    return _block("c-sweep (two-well)", _table(header, rows), notes)


def _crossing(rows: list[dict], level: float) -> float | None:
    """First c / c* where success crosses ``level`` upwards, by linear interpolation between the sweep's points."""
    pts = sorted((r["c_over_c_star"], r["success"]) for r in rows)
    for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
        if y0 < level <= y1:
            return x0 + (level - y0) * (x1 - x0) / (y1 - y0)
    return None


def tails(study: dict) -> str:
    """Fitted tail exponents alpha of P(E_t - E* > eps) ~ t^(-alpha) against the Gibbs tail's slope."""
    rows, z, rel = [], [], []
    for r in study["rows"]:
        zi = (r["alpha"] - r["alpha_quasi_eq"]) / r["alpha_se"]
        z.append((abs(zi), zi, r["c_over_c_star"], r["eps"]))
        rel.append((r["alpha"] - r["alpha_quasi_eq"]) / r["alpha_quasi_eq"])
        rows.append(
            [
                f"{r['c_over_c_star']:g}",
                f"{r['eps']:g}",
                f"{r['alpha']:.4f} ± {r['alpha_se']:.4f}",
                f"{r['alpha_quasi_eq']:.4f}",
                f"{zi:+.2f}",
                f"{r['eps_over_c']:.4f}",
                f"{r['p_at_t_max']:.3f}",
            ]
        )
    header = [
        "c / c*",
        "eps",
        "fitted alpha ± SE",
        "Gibbs-tail slope",
        "difference (SE)",
        "eps / c",
        "P(E - E* > eps) at t_max",
    ]
    n = len(rows)
    within = sum(a <= 3 for a, *_ in z)
    worst = max(z)
    w0, w1 = study["fit_window"]
    notes = _notes(
        f"{study['schedule']}, c* = {study['c_star']:g}, {study['start']} starts, {study['rows'][0]['n_chains']} "
        f"chains per c, h = {study['step_size']:g}; alpha fitted on t in [{w0:g}, {w1:g}]; {study['alpha_se_note']}.",
        f"Fitted alpha from {min(r['alpha'] for r in study['rows']):.3f} to "
        f"{max(r['alpha'] for r in study['rows']):.3f}; it matches the slope of the Gibbs tail at beta(t) on the same "
        f"window within 3 SE for {within} of {n} (c, eps); the largest deviation is {worst[1]:+.2f} SE "
        f"(c = {worst[2]:g} c*, eps = {worst[3]:g}); relative differences from {100 * min(rel):+.1f}% to "
        f"{100 * max(rel):+.1f}%.",
    )
    return _block("finite-time tails (two-well)", _table(header, rows), notes)


def c_sweep_dhel(study: dict, catalogue: dict) -> str:
    """Success against c on landscape B (DHEL), final states quenched; c* compared with the catalogue's."""
    eps = study["eps"]
    rows, hot = [], False
    for r in study["rows"]:
        hot |= ends_hot(r["final_beta"], eps)
        rows.append(
            [
                f"{r['c_over_c_star']:.3g}",
                f"{r['c']:.3g}",
                _final_beta(r["final_beta"], eps),
                str(r["n"]),
                _ci(r["success"], r["success_lo"], r["success_hi"]),
                str(r.get("quench_not_converged", 0)),
            ]
        )
    header = ["c / c*", "c", "final beta", "chains", "success [95% CI]", "quench not converged"]
    half = max((r["success_hi"] - r["success_lo"]) / 2 for r in study["rows"])
    notes = _notes(
        f"{study['title']}: {study['schedule']}; c* = {study['c_star']:.4g} from the {study['c_star_source']}; "
        f"{study['start']}; success: {study['success']}, t_max = {study['t_max']:g}, h = {study['step_size']:g}; "
        f"largest Wilson 95% half-width {half:.3f}.",
        f"The catalogue of B ({catalogue['n_minima']} minima, every pair joined) gives c* = "
        f"{catalogue['c_star']:.4g}: on its scale the values of c / c* above are "
        f"{catalogue['c_star'] / study['c_star']:.4f}"
        " times smaller.",
        _HOT if hot else "",
    )
    return _block("c-sweep (DHEL, landscape B)", _table(header, rows), notes)


# ------------------------------------------------------------------------------------------------------ performance
_IMPLEMENTATIONS = {
    "baseline": "baseline (`jit(vmap(lax.scan))`, `jax.grad`)",
    "ls.simulate": (
        "`ls.simulate` as called, default layout (closed-form gradient, Threefry noise with d - 1 "
        "normals per row, polynomial exp map)"
    ),
    "ls.simulate, chains": '`ls.simulate(..., layout="chains")`, one chain at a time',
    "ls.simulate, lanes": '`ls.simulate(..., layout="lanes")`, chains-last',
    "ls.simulate, autodiff": "`ls.simulate` with the energy as a plain callable (`jax.grad`)",
    "ls.simulate, 1 device": "`ls.simulate` on one device",
    "baseline, all devices": "the baseline with its chains sharded over every local device",
    "PyTorch + geoopt": "PyTorch + geoopt `SphereExact` (autograd, `proju`, `expmap`; torch threads)",
}


def _n_devices(bench: dict) -> int:
    if "scaling" in bench:
        return bench["scaling"]["n_devices"]
    return len(bench.get("provenance", {}).get("devices", "cpu:0").split(","))


def _devices_of(row: dict, bench: dict) -> int:
    """CPU devices a bench row ran on: its own field where recorded; else the baseline (plain ``jit``, no sharding)
    and the "1 device" rows ran on one, ``ls.simulate`` on every local device."""
    if "devices" in row:
        return int(row["devices"])
    if row["implementation"] == "baseline" or row["implementation"].endswith("1 device"):
        return 1
    return _n_devices(bench)


def _fraction_of_limit(rate: float, M: int, d: int, limits: dict) -> float:
    exps, flops = M * M + M, 6.0 * M * M * d + 12.0 * M * M
    return max(rate * exps / limits["exp_per_s"], rate * flops / limits["flop_per_s"])


_LAWS = {"vmf_bk2": "vMF, beta kappa = 2", "vmf_bk8": "vMF, beta kappa = 8", "pair_bk8": "coupled pair, beta kappa = 8"}
_SCHEMES = {
    "euler_maruyama": "geodesic Euler-Maruyama",
    "leimkuhler_matthews": "geodesic Leimkuhler-Matthews",
    "leimkuhler_matthews_uncorrected": "the same without its curvature correction (c = 0)",
    "mala": "MALA",
}


def weak_order(study: dict) -> str:
    """Bias of a stationary average against h per integrator: power-law slope, the linear coefficient of a cubic
    fit, the chi2 of a first- against a second-order model, and the cost to reach abs(bias) <= 1e-3."""
    rows = []
    for case, law in _LAWS.items():
        for name, scheme in _SCHEMES.items():
            got = [r for r in study["rows"] if r["case"] == case and r["integrator"] == name]
            if not got:
                continue
            hs = ", ".join(f"{r['h']:g}" for r in got)
            biases = ", ".join(f"{r['bias']:+.2e}" for r in got)
            lo, hi = f"{min(r['se'] for r in got):.1e}", f"{max(r['se'] for r in got):.1e}"
            ses = lo if lo == hi else f"{lo}-{hi}"
            if name == "mala":
                z = max(abs(r["bias"]) / r["se"] for r in got)
                acc = ", ".join(f"{r['acceptance']:.2f}" for r in got)
                rows.append(
                    [
                        law,
                        scheme,
                        hs,
                        biases,
                        ses,
                        f"none: all within {z:.1f} SE of 0",
                        "-",
                        "-",
                        f"any h (acceptance {acc})",
                    ]
                )
                continue
            fit = study["fits"][f"{case}/{name}"]
            slope = f"{fit['slope']:.2f} ± {fit['slope_se']:.2f}" if "slope" in fit else "(bias changes sign)"
            full = fit["full"]
            o1, o2 = fit["order1"], fit["order2"]
            if "slope" in fit:
                cost = _sci(fit["grads_per_time_for_1e_3"])
            elif max(abs(r["bias"]) for r in got) < 1e-3:
                cost = f"<= {1 / max(r['h'] for r in got):.3g} (abs(bias) < 1e-3 at every h)"
            else:
                cost = "-"
            a1 = f"{full['coef']['a1']:+.2e} ± {full['se']['a1']:.1e}"
            if "a1_predicted" in fit:
                a1 += f" (predicted {fit['a1_predicted']:+.2e})"
            rows.append(
                [law, scheme, hs, biases, ses, slope, a1, f"{o1['chi2']:.1f} / {o2['chi2']:.1f} ({o2['dof']})", cost]
            )
    header = [
        "law",
        "integrator",
        "step sizes h",
        "bias",
        "SE",
        "slope of log abs(bias)",
        "a1 (all powers)",
        "chi2: order 1 / order 2 (dof)",
        "gradients per unit time for abs(bias) <= 1e-3",
    ]
    n = study["n_chains"]
    notes = _notes(
        f"Observable {study['observable']}; beta = 1, so h is in units of diffusion time and beta kappa = kappa. "
        f"{n} chains of {study['rows_per_chain']} rows each (independent rows for vMF, independent coupled pairs "
        "for the pair), started from the exact law, burn-in 10 autocorrelation times, SE over per-chain time "
        f"averages; {study['float']}.",
        "Slope: weighted fit of log abs(bias) against log h (where every bias has one sign and exceeds 3 SE). chi2: "
        "weighted polynomial fits with as many parameters each, order 1 = a1 h + a2 h^2 (+ a3 h^3 with six step "
        "sizes) against order 2 = a2 h^2 + a3 h^3 (+ a4 h^4). a1: the fit with all these powers, zero for a scheme "
        "of weak order 2; for the scheme without its correction, predicted -(5/12) kappa Var (d = 3, beta = 1), the "
        "term the correction c = 5 (d-2) / 24 cancels. Cost: 1 / h* with h* where the fitted "
        "power law reaches abs(bias) = 1e-3, one gradient per step (MALA also evaluates the energy, and its "
        "acceptance falls as the configuration grows: one accept/reject per chain).",
    )
    return _block("weak order of the integrators", _table(header, rows), notes)


def performance_p0(bench: dict) -> str:
    """The reference problem P0: each implementation's throughput, the cores it used, and ratios to the baseline
    (and to PyTorch + geoopt, where the run had that row)."""
    p0 = bench["p0"]
    base = next(r for r in p0 if r["implementation"] == "baseline")
    torch = next((r for r in p0 if r["implementation"] == "PyTorch + geoopt"), None)
    lim = bench["limits"]
    rows, like = [], []

    all_base = next((r for r in p0 if r["implementation"] == "baseline, all devices"), None)

    def row(label, n, rate, ratio):  # ratio: to the baseline on as many devices (the bench's ratio_to_baseline)
        out = [label, str(n), _sci(rate), f"{ratio:.2f}x"]
        if torch is not None:
            out.append(f"{rate / torch['config_steps_per_s']:.2f}x")
        return out + [f"{_fraction_of_limit(rate, base['M'], base['d'], lim):.3f}"]

    for r in p0:
        n = _devices_of(r, bench)
        if n == 1 and r is not base:
            like.append(
                f"`{r['implementation'].removesuffix(', 1 device')}` "
                f"{r['config_steps_per_s'] / base['config_steps_per_s']:.2f}x"
            )
        label = _IMPLEMENTATIONS.get(r["implementation"], f"`{r['implementation']}`")
        rows.append(row(label, n, r["config_steps_per_s"], r["ratio_to_baseline"]))
    lanes_one = bench.get("scaling", {}).get("lanes", {}).get("one_device")
    if lanes_one is not None and _n_devices(bench) > 1:
        label = '`ls.simulate(..., layout="lanes")` on one device (scaling run)'
        rows.append(row(label, 1, lanes_one, lanes_one / base["config_steps_per_s"]))
        like.append(f"the lanes layout {lanes_one / base['config_steps_per_s']:.2f}x")
    header = (
        [
            f"implementation (P0: B = {base['B']}, M = {base['M']}, d = {base['d']})",
            "CPU devices (torch: threads)" if torch else "CPU devices",
            "config-steps/s",
            "vs baseline (same devices)" if all_base is not None else "vs baseline (1 device)",
        ]
        + (["vs PyTorch + geoopt"] if torch else [])
        + ["fraction of limit"]
    )
    n_dev = _n_devices(bench)
    notes = _notes(
        f"Like with like: a row on {n_dev} devices is compared with the baseline on {n_dev} devices (its chains "
        f"sharded over the same CPU devices), a row on one with the plain `jit` baseline on one."
        if n_dev > 1 and all_base is not None
        else f"The baseline ran on one CPU device (a plain `jit`); the rows on {n_dev} devices compare {n_dev} cores "
        "with its one."
        if n_dev > 1
        else "",
        f"Like with like, on one device each: {' and '.join(like)} the baseline." if like and n_dev > 1 else "",
        f"PyTorch + geoopt ran on {torch['devices']} torch threads, as many as the library's {n_dev} CPU devices (a "
        "JAX CPU device runs a block's small operations on one thread; large fused ones may use more)."
        if torch is not None
        else "",
        f"Limits measured on {lim.get('device', '?')}: {_sci(lim['exp_per_s'])} exp/s, {_sci(lim['flop_per_s'])} "
        f"matmul FLOP/s, {_sci(lim['bytes_per_s'])} B/s copy bandwidth; fraction of limit: the larger of the exp and "
        "FLOP utilisations (M^2 + M exps and about 6 M^2 d + 12 M^2 FLOPs per config-step).",
        f"JAX devices of the run: {bench.get('provenance', {}).get('devices', '?')}.",
    )
    return _block("performance: P0", _table(header, rows), notes)


def performance_calls(bench: dict) -> str:
    """Successive short calls of ``simulate`` at P0 (compilation included) against its steady state and the PyTorch
    + geoopt loop, from one bench run."""
    calls = bench["per_call"]
    p0 = {r["implementation"]: r for r in bench["p0"]}
    steady = p0["ls.simulate"]["config_steps_per_s"]
    torch = p0.get("PyTorch + geoopt")
    own = calls.get("own_chunks_config_steps_per_s")
    rows = [
        [f"call {i + 1}", f"{seconds:.2f}", _sci(rate), f"{rate / steady:.2f}"]
        + ([f"{rate / own[i]:.2f}"] if own else [])
        + ([f"{rate / torch['config_steps_per_s']:.2f}x"] if torch else [])
        for i, (seconds, rate) in enumerate(zip(calls["seconds"], calls["config_steps_per_s"]))
    ]
    header = [
        f"`ls.simulate`, {calls['n_steps']} P0 steps per call (B = {calls['B']}, M = {calls['M']}, d = {calls['d']})",
        "seconds",
        "config-steps/s",
        "of steady state",
    ]
    header += (["of its own chunks' rate"] if own else []) + (["vs PyTorch + geoopt"] if torch else [])
    later = calls["config_steps_per_s"][1:]
    notes = _notes(
        f"Successive calls in one process, each with its own X0, key and beta, on {calls['devices']} CPU devices; the "
        "time of a call is everything from the call to its records on the host (validation, placement, compilation, "
        f"the run). Steady state: {_sci(steady)} config-steps/s (the P0 table, compilation excluded)."
        + (
            " Of its own chunks' rate: against the rate of the call's chunks after the first, the steady state in "
            "the same seconds (a shared machine's load changes from minute to minute): the fraction of the call's "
            "time spent running chains."
            if own
            else ""
        ),
        "The first call compiles the program of its structure"
        + (" (JAX's persistent compilation cache was on)" if calls.get("persistent_cache") else "")
        + f"; the later calls compile nothing and run at {min(later) / steady:.2f}-{max(later) / steady:.2f} of the "
        "steady state."
        if later
        else "",
        f"PyTorch + geoopt: {_sci(torch['config_steps_per_s'])} config-steps/s on {torch['devices']} threads."
        if torch
        else "",
    )
    return _block("performance: successive calls", _table(header, rows), notes)


def performance_devices(bench: dict) -> str:
    """P0 on one device and on every local device (chains sharded), per layout."""
    sc = bench["scaling"]
    n = sc["n_devices"]
    rows = [
        [label, _sci(sc[k]["one_device"]), _sci(sc[k]["all_devices"]), f"{sc[k]['efficiency_per_device']:.2f}"]
        for k, label in (("chains", "chains (one chain at a time)"), ("lanes", "lanes (chains-last)"))
        if k in sc
    ]
    header = ["layout (P0)", "1 device", f"{n} devices", "efficiency per device"]
    notes = _notes(f"Config-steps/s; efficiency per device = rate on {n} devices / ({n} x rate on 1 device).")
    return _block("performance: CPU devices", _table(header, rows), notes)


def performance_sweep(bench: dict) -> str:
    """Sweep over M and d: both layouts, the better one in bold with its ratio to the baseline."""
    cells: dict[tuple[int, int], dict[str, dict]] = {}
    for r in bench["sweep"]:
        cells.setdefault((r["M"], r["d"]), {})[r["implementation"]] = r
    Ms = sorted({m for m, _ in cells})
    ds = sorted({d for _, d in cells})
    rows = []
    for m in Ms:
        row = [str(m)]
        for d in ds:
            c = cells.get((m, d))
            if not c:
                row.append("-")
                continue
            chains, lanes, base = (
                c.get("ls.simulate, chains", c.get("ls.simulate")),
                c.get("ls.simulate, lanes"),
                c["baseline"],
            )
            a = chains["config_steps_per_s"]
            b = lanes["config_steps_per_s"] if lanes else 0.0
            sa, sb = _sci(a), _sci(b) if lanes else "-"
            if a >= b:
                sa = f"**{sa}**"
            else:
                sb = f"**{sb}**"
            best = chains if a >= b else lanes
            ratio = best.get("ratio_to_baseline", max(a, b) / base["config_steps_per_s"])
            row.append(f"{sa} / {sb} ({ratio:.2f}x)")
        rows.append(row)
    library = next(r for r in bench["sweep"] if r["implementation"] != "baseline")
    n = _devices_of(library, bench)
    paired = any(r["implementation"] == "baseline, all devices" for r in bench["sweep"])
    notes = _notes(
        "Config-steps/s of the per-chain layout / the lanes layout (-: fewer chains than a lanes block, not run), the "
        "better one in bold, and in parentheses its ratio to the baseline "
        + (
            f"on as many devices ({n}: the baseline's chains sharded over the same CPU devices), like with like."
            if n > 1 and paired
            else f"on one device ({n} cores against 1: this run has no baseline on {n} devices)."
            if n > 1
            else "; everything on one CPU device."
        )
    )
    return _block("performance: sweep over M and d", _table(["M \\ d", *map(str, ds)], rows), notes)


def performance_large_batches(bench: dict) -> str:
    """Few chains at contrastive batch sizes (matmul-bound): the library and the baseline on one device and on all
    local devices, each rate with its fraction of its own devices' matmul FLOP/s and its ratio to the baseline on
    as many devices."""
    cells: dict[tuple[int, int], dict[str, dict]] = {}
    for r in bench["large_batches"]:
        cells.setdefault((r["M"], r["d"]), {})[r["implementation"]] = r
    n = max(r["devices"] for r in bench["large_batches"])
    order = ["baseline", "ls.simulate, 1 device", "baseline, all devices", "ls.simulate, chains"]
    labels = {
        "baseline": "baseline, 1 device",
        "ls.simulate, 1 device": "`ls.simulate`, 1 device",
        "baseline, all devices": f"baseline, {n} devices",
        "ls.simulate, chains": f"`ls.simulate`, {n} devices" if n > 1 else "`ls.simulate`",
    }
    names = [k for k in order if any(k in c for c in cells.values())]

    def cell(r: dict | None) -> str:
        if r is None:
            return "-"
        out = f"{_sci(r['config_steps_per_s'])} ({r['flop_fraction']:.2f})"
        if r["implementation"].startswith("ls.simulate"):
            out += f", {r['ratio_to_baseline']:.2f}x"
        return out

    rows = [
        [f"{m}, {d} ({next(iter(c.values()))['B']})", *(cell(c.get(k)) for k in names)]
        for (m, d), c in sorted(cells.items())
    ]
    lim = bench["limits"]
    notes = _notes(
        "Config-steps/s, in parentheses the fraction of the measured matmul FLOP/s of the devices the row ran on "
        "(about 6 M^2 d + 12 M^2 FLOPs per config-step); after the library's rate, its ratio to the baseline on as "
        "many devices, like with like, all from one bench run.",
        f"Matmul FLOP/s measured on {lim.get('device', '?')}: {_sci(lim['flop_per_s'])} on one device"
        + (f", {_sci(lim['flop_per_s_all_devices'])} on all {n} at once" if "flop_per_s_all_devices" in lim else "")
        + ".",
        "B: 2 chains per device up to M = 256, one beyond (a few chains, as a user studying one large batch runs).",
    )
    header = ["M, d (B)", *(labels[k] for k in names)]
    return _block("performance: large batches", _table(header, rows), notes)


# ------------------------------------------------------------------------------------------------------------- atlas
_LOSS = atlas.LOSS_NAMES


def _span(values) -> str:
    values = sorted(set(values))
    return ", ".join(f"{v:g}" for v in values)


def _traps(r: dict) -> bool:
    """Whether an atlas row has non-global minima (starts count by their catalogue entry: catalogue.kinds)."""
    return r["n_non_global"] > 0


def atlas_overview(rows: list[dict]) -> str:
    """One row per (loss, d) of the atlas: what was surveyed, where non-global minima were found, the largest
    trapped fraction and c*, the controls against their closed forms, the robustness checks and the CPU time."""
    groups: dict[tuple[str, int], list[dict]] = {}
    for r in rows:
        groups.setdefault((r["loss"], r["d"]), []).append(r)
    table_rows, seconds = [], 0.0
    for (loss, d), rs in groups.items():
        traps = [r for r in rs if _traps(r)]
        worst = max(traps, key=lambda r: r["trapped"], default=None)
        deep = max((r for r in traps if r["c_star"] is not None), key=lambda r: r["c_star"], default=None)
        controls = [r for r in rs if r["E_star_closed_form"] is not None]
        dev = max((abs(r["E_star"] - r["E_star_closed_form"]) for r in controls), default=None)
        robust = [r for r in rs if r["robust"] is not None]
        seconds += sum(r["seconds"] for r in rs)
        table_rows.append(
            [
                f"{_LOSS[loss]}, S^{d - 1}",
                _span(r["M"] for r in rs),
                _span(r["tau"] for r in rs),
                str(len(rs)),
                str(sum(bool(r["flat"]) for r in rs)),
                str(len(traps)),
                "-"
                if worst is None
                else f"{_pct_ci(worst['trapped'], worst['trapped_lo'], worst['trapped_hi'])} "
                f"(M = {worst['M']}, tau = {worst['tau']:g})",
                "-"
                if deep is None
                else f"{deep['c_star']:.3g} (M = {deep['M']}, tau = {deep['tau']:g}; strings {deep['strings']})",
                "-" if dev is None else f"{len(controls)}: {_sci(dev)}",
                "-" if not robust else f"{sum(bool(r['robust']) for r in robust)} / {len(robust)}",
                f"{sum(r['seconds'] for r in rs):.0f}",
            ]
        )
    header = [
        "loss, sphere",
        "M",
        "tau",
        "landscapes",
        "flat (E* < 1e-9)",
        "with non-global minima",
        "most starts trapped [95% CI]",
        "largest c*",
        "closed-form controls: max abs(E* - formula)",
        "robust (4 variants agree)",
        "wall time (s)",
    ]
    counts = collections.Counter(r["starts"] for r in rows)  # starts per landscape: not the same in every part
    usual = counts.most_common(1)[0][0] if rows else 0
    n = f"{usual} uniform random starts" + "".join(
        f" ({c} on {k} of the landscapes)" for c, k in sorted(counts.items()) if c != usual
    )
    descent = [r for r in rows if r["descent_steps"]]

    def where(d: int) -> str:  # the sphere, and its M values when descent ran on only some of them
        ms = sorted({r["M"] for r in descent if r["d"] == d})
        every = len(ms) == len({r["M"] for r in rows if r["d"] == d})
        return f"S^{d - 1}" + ("" if every else f" at M = {', '.join(map(str, ms))}")

    spheres = " and ".join(where(d) for d in sorted({r["d"] for r in descent}))
    notes = _notes(
        f"Each landscape: {n}, quenched (float32, abs(grad) < 1e-5) and classified "
        "(landscape.classify: float64 to abs(grad) < 1e-11, Riemannian Hessian off the O(d) modes); distinct states "
        "up to O(d), pair relabelling and view swap. A start is trapped when it ends in a minimum more than "
        "1e-9 + 1e-6 abs(E*) above the lowest one found; a landscape with abs(E*) < 1e-9 is flat at that "
        "resolution (every end state at one level). Robust: the first 32 starts, where a landscape has "
        "non-global minima or plateaus, classified after float32 and float64 quenches with tolerances 1e-5 and "
        "1e-8 give the same kinds and states. c*: minimum-energy paths (float64) between all pairs of minima where "
        "a landscape has at most 6 minima, and between each minimum and its 3 nearest and its nearest lower one "
        "where it has 7 to 32 (an upper bound); strings converged / all. Controls: the regular simplex "
        "(M <= d + 1) and the cross-polytope (M = 2d) for symmetric InfoNCE. "
        + (
            f"On {spheres}, where a configuration has up to {max(2 * r['M'] * (r['d'] - 1) for r in descent)} tangent "
            f"directions, each start first takes {max(r['descent_steps'] for r in descent)} steps of Riemannian "
            "gradient descent (landscape.descend), also in the robustness variants, and the quench decomposes the "
            "Hessian only near the minimum. "
            if descent
            else ""
        )
        + "Wall time: the sum over the landscapes "
        f"of one survey each, {seconds / 60:.0f} minutes in all, measured on 2 cores that two or three surveys "
        "(and at times a schedule comparison) shared; every row in experiments/atlas/atlas.csv (`langevin-sphere atlas "
        "experiments/atlas/<part>.toml` rebuilds or extends it)."
    )
    return _block("landscape atlas: where the losses have non-global minima", _table(header, table_rows), notes)


def atlas_traps(rows: list[dict]) -> str:
    """Every atlas landscape with non-global minima: the minima, the trapped fraction, the gaps and c*."""
    table_rows = []
    for r in sorted(
        (r for r in rows if _traps(r)), key=lambda r: (list(_LOSS).index(r["loss"]), r["d"], r["M"], r["tau"])
    ):
        c = (
            "-"
            if r["c_star"] is None
            else (f"{r['c_star']:.3g} ({r['strings']}{'' if str(r['c_star_is']).startswith('exact') else ', bound'})")
        )
        if r["c_star"] is None and r["n_minima"] > 6:
            c = f"not run ({r['c_star_is']})"  # the survey's reason: more minima than its settings join
        table_rows.append(
            [
                f"{_LOSS[r['loss']]}, S^{r['d'] - 1}, M = {r['M']}, tau = {r['tau']:g}",
                _sci(r["E_star"]),
                f"{r['n_minima']} ({r['n_non_global']})",
                _pct_ci(r["trapped"], r["trapped_lo"], r["trapped_hi"]),
                "-" if r["runner_up_gap"] is None else f"{_sci(r['runner_up_gap'])} / {_sci(r['max_gap'])}",
                c,
                "-" if r["robust"] is None else ("yes" if r["robust"] else "no"),
            ]
        )
    header = [
        "landscape",
        "E*",
        "minima (non-global)",
        "starts trapped [95% CI]",
        "gap of the runner-up / of the highest minimum",
        "c* (strings converged / all)",
        "robust",
    ]
    notes = _notes(
        "Gaps and c* in the loss's energy units (KCL: t = 1 / (2 tau), gamma = 16). A minimum here has a positive "
        "Riemannian Hessian off the symmetry modes in float64; the trapped fraction is that of uniform random "
        "starts under the zero-temperature gradient flow, an upper bound of what annealing traps. "
        "(bound): c* is an upper bound, because a string that sets a depth did not converge or, on landscapes with "
        "more than 6 minima, because strings join each minimum only to its 3 nearest minima and its nearest lower "
        "one (barriers.neighbour_pairs). A start counts as its catalogue entry: a soft state filed in a plateau "
        "family (states at one energy with soft modes, one of which leads lower) is on a plateau, also where its "
        "own probes found no way down (KCL at tau = 0.05: a pair left antipodal among aligned ones, which a path "
        "around the other rows realigns over a rise below 1e-4). Robust no: the kinds agree, "
        "but float32 and float64 quenches send some of the first 32 starts to different minima (basin boundaries "
        "too flat for the float32 flow), so that trapped fraction depends on the quench's float width."
    )
    return _block("landscape atlas: the landscapes with non-global minima", _table(header, table_rows), notes)


BEST_KNOWN_TAUS = (0.1, 0.2, 0.5)


def best_known_infonce(entries: list[dict]) -> str:
    """The best-known table of symmetric InfoNCE at tau = 0.1, 0.2, 0.5 (:func:`langevin_sphere.optima.best_known`'s
    entries): per (d, M) and tau, the lowest float64 minimum found, how many starts reached it and the runner-up's
    gap."""
    cells = {
        (e["d"], e["M"], e["tau"]): e
        for e in entries
        if e["kind"] == "infonce" and e["symmetric"] and e["tau"] in BEST_KNOWN_TAUS
    }
    table_rows = []
    for d, m in sorted({(d, m) for d, m, _ in cells}):
        row = [f"S^{d - 1}", str(m)]
        for tau in BEST_KNOWN_TAUS:
            e = cells.get((d, m, tau))
            if e is None:
                row.append("-")
                continue
            gap = "none" if e["runner_up_gap"] is None else _sci(e["runner_up_gap"])
            row.append(f"{e['E_star']:.9f} ({e['starts_at_E_star']}/{e['starts']}; {gap})")
        closed = any(e["closed_form"] is not None for (dd, mm, _), e in cells.items() if (dd, mm) == (d, m))
        row.append(("simplex" if m <= d + 1 else "cross-polytope") if closed else "-")
        table_rows.append(row)
    header = [
        "sphere",
        "M",
        *(f"tau = {tau:g}: E* (starts reaching it; runner-up gap)" for tau in BEST_KNOWN_TAUS),
        "closed form",
    ]
    notes = _notes(
        "Symmetric InfoNCE on (S^{d-1})^{2M}: the lowest minimum found from the atlas's uniform starts, in float64 "
        "(quench converged to abs(grad) < 1e-11, Hessian positive off the O(d) modes), to 1e-9; the starts that "
        "reached it (within 1e-9 + 1e-6 abs(E*)) of all, and the gap of the next minimum (none: no other minimum "
        "found). Closed form: the entry is the regular simplex (M <= d + 1) or the cross-polytope (M = 2d) and "
        "agrees with its formula. From the atlas (256 starts) and, where a cell counts 64 starts, from "
        "experiments/best_known/ (gradient descent before the quench). Where a landscape has more than one "
        "minimum, the start counts were checked on its first 32 or 64 starts, quenched in float32 and float64 and "
        "classified with tolerances 1e-5 and 1e-8 (catalogue.robustness): "
        + _robust_cells(list(cells.values()))
        + " The configurations are in "
        'langevin_sphere/landscape/best_known.json (ls.optima.best_known("infonce", M, d, tau)); -: not surveyed.'
    )
    return _block("best-known minima of symmetric InfoNCE", _table(header, table_rows), notes)


def _robust_cells(entries: list[dict]) -> str:
    """Which best-known cells with several minima failed or lack the robustness check of their start counts."""

    def name(e):
        return f"S^{e['d'] - 1} M = {e['M']} tau = {e['tau']:g}"

    several = [e for e in entries if (e["n_minima"] or 1) > 1]
    failed = [name(e) for e in several if e.get("robust") and not e["robust"]["agree"]]
    missing = [name(e) for e in several if not e.get("robust")]
    return (
        f"the four variants agree in {len(several) - len(failed) - len(missing)} of {len(several)} such cells"
        + (f"; they differ in {', '.join(failed)} (counts there depend on the quench)" if failed else "")
        + (f"; not checked: {', '.join(missing)}" if missing else "")
        + "."
    )


def matrix_free_check(check: dict) -> str:
    """The matrix-free classification of the stored catalogues against the stored (dense) one, summed over the
    landscapes by range of N, with the seconds of both paths."""
    rows = []
    for lo, hi in [(0, 96), (97, 400), (401, 720)]:
        got = [r for r in check["rows"] if lo <= r["N"] <= hi]
        if not got:
            continue
        entries = sum(r["entries"] for r in got)
        starts = sum(r["starts"] for r in got)
        rows.append(
            [
                f"{lo}-{hi}",
                str(len(got)),
                f"{sum(r['same_kind_as_stored'] for r in got)} / {entries}",
                f"{sum(r['same_label'] for r in got)} / {entries}",
                f"{sum(r['starts_same_kind_and_label'] for r in got)} / {starts}",
                f"{max(r['max_rel_head'] for r in got):.1e}",
                f"{sum(r['seconds_dense'] for r in got):.0f}",
                f"{sum(r['seconds_krylov'] for r in got):.0f}",
            ]
        )
    header = [
        "N = 2M(d - 1)",
        "landscapes",
        "entries: same kind",
        "entries: same label",
        "stored starts behind them",
        "max rel. error, 4 lowest eigenvalues",
        "dense s",
        "matrix-free s",
    ]
    notes = _notes(
        "Every stored catalogue entry (minimum, plateau or saddle) of the atlas and the experiment catalogues with",
        "N <= 720 and n d >= 21, classified again by `classify(method='krylov')` (float64 Krylov quench, LOBPCG",
        "spectrum): its kind, its catalogue label (the stored entry it matches) and its four lowest Hessian",
        "eigenvalues off the symmetry modes against the stored dense result; the eigenvalue error is relative, or of",
        "the soft level 1e-6 lam_max for soft modes. The starts column counts the stored starts whose end state the",
        "entries stand for. Seconds: the dense and the matrix-free classification of all entries, compilation",
        "included, on 2 CPU cores.",
        _check_differences(check["rows"]),
        "Printed by `langevin-sphere atlas-check --out experiments/studies/matrix_free_check/study.json`.",
    )
    return _block("matrix-free classification against the stored catalogues", _table(header, rows), notes)


def _check_differences(rows: list[dict]) -> str:
    differ = [r for r in rows if r["same_kind_as_stored"] < r["entries"] or r["same_label"] < r["entries"]]
    loose = [r for r in rows if r["max_rel_head"] > 1e-6]
    text = (
        "Every entry agrees."
        if not differ
        else (
            "Entries that differ in kind or label from the stored ones: "
            + "; ".join(
                f"{r['name']} {r['entries'] - r['same_kind_as_stored']} kinds, {r['entries'] - r['same_label']} labels "
                f"of {r['entries']} (against the dense recomputation: {r['entries'] - r['same_kind_as_dense']} kinds"
                + (
                    f"; the dense recomputation itself differs from the stored kind in "
                    f"{r['entries'] - r['dense_same_kind_as_stored']})"
                    if "dense_same_kind_as_stored" in r
                    else ")"
                )
                for r in differ
            )
            + ". A family of soft states is one catalogue entry, a plateau as soon as a descent was found from one of"
            " its points, and keeps its first point, which re-classified alone can be a minimum of the family."
        )
    )
    if loose:
        text += " Eigenvalue errors above 1e-6 in " + ", ".join(r["name"] for r in loose) + "."
    return text


def matrix_free_cost(study: dict) -> str:
    """Seconds and peak memory of the matrix-free quench, classification and string at real batch sizes."""
    rows = []
    for r in study["rows"]:
        string = "-"
        if "string_seconds" in r:
            state = "converged" if r["string_converged"] else "not converged"
            string = f"{r['string_seconds']:.0f} s, {r['string_steps']} it ({state})"
        rows.append(
            [
                str(r["M"]),
                str(r["d"]),
                _sci(r["N"]),
                f"{r['quench_seconds']:.1f} ({r['quench_steps']} it)",
                f"{r['classify_seconds']:.0f}",
                r["kind"],
                f"{r['peak_rss_bytes'] / 2**30:.2f}",
                f"{r['rss_floor_bytes'] / 2**30:.2f}",
                string,
            ]
        )
    header = [
        "M",
        "d",
        "N",
        "quench s (float32)",
        "classify s (float64)",
        "kind",
        "peak memory GiB",
        "of which import",
        "string, 16 images",
    ]
    notes = _notes(
        f"One uniform start of symmetric InfoNCE at tau = {study['rows'][0]['tau']:g} per size, on {study['device']}:",
        "the float32 Krylov quench to |grad E| < 1e-5, then `classify` (float64 quench to 1e-11, LOBPCG for the",
        "lowest eigenpairs off the symmetry modes), each compilation included. Peak memory is the process's peak",
        "resident memory (each size in its own process), beside the resident memory after importing JAX and the",
        "package. No N x N array exists anywhere: memory grows as N times the Krylov and LOBPCG block sizes.",
        "The string runs between two quenched starts, capped at the iterations shown.",
        "Printed by `langevin-sphere study matrix-free-cost --out experiments/studies/matrix_free_cost`.",
    )
    return _block("matrix-free diagnostics at real batch sizes: cost", _table(header, rows), notes)


def atlas_practitioner(rows: list[dict]) -> str:
    """The atlas landscapes at the batch sizes of contrastive training (M >= 64): what the starts end in, the
    minima and their gaps, c*, robustness and cost."""
    table_rows = []
    for r in sorted((r for r in rows if r["M"] >= 64), key=lambda r: (r["loss"], r["d"], r["M"], r["tau"])):
        plateau = r["plateau"] or 0.0
        lo, hi = diagnostics.wilson_interval(round(plateau * r["starts"]), r["starts"])
        c = "-" if r["c_star"] is None else f"{r['c_star']:.3g} ({r['strings']})"
        table_rows.append(
            [
                f"{_LOSS[r['loss']]}, S^{r['d'] - 1}, M = {r['M']}, tau = {r['tau']:g}",
                _sci(2 * r["M"] * (r["d"] - 1)),
                str(r["starts"]),
                _sci(r["E_star"]),
                "flat" if r["flat"] else f"{r['n_minima']} ({r['n_non_global']})",
                _pct_ci(r["trapped"], r["trapped_lo"], r["trapped_hi"]),
                _pct_ci(plateau, lo, hi),
                f"{round((r['unconverged'] or 0.0) * r['starts'])}",
                "-" if not r["runner_up_gap"] else f"{_sci(r['runner_up_gap'])} / {_sci(r['max_gap'])}",
                c,
                "-" if r["robust"] is None else ("yes" if r["robust"] else "no"),
                f"{r['seconds']:.0f}",
            ]
        )
    header = [
        "landscape",
        "N",
        "starts",
        "E*",
        "minima (non-global)",
        "starts trapped [95% CI]",
        "on plateaus [95% CI]",
        "unconverged starts",
        "gap of the runner-up / of the highest minimum",
        "c* (strings converged / all)",
        "robust",
        "wall time (s)",
    ]
    notes = _notes(
        "Uniform starts quenched (float32, Krylov) and classified matrix-free (float64 Krylov quench, LOBPCG",
        "spectrum off the O(d) modes); trapped: in a minimum above E* + 1e-9 + 1e-6 abs(E*); Wilson 95% intervals.",
        "Robust: the kinds and catalogue labels of the robustness starts agree over float32/float64 quenches and",
        "tolerances 1e-5/1e-8. Wall time on 2 CPU cores.",
        "Printed from `experiments/atlas/` (`langevin-sphere atlas experiments/atlas/practitioner.toml`).",
    )
    return _block("landscape atlas at contrastive batch sizes", _table(header, table_rows), notes)


# ----------------------------------------------------------------------------------------------------------- report
def blocks(src: dict) -> list[str]:
    """Every block of the report (heading, table, notes), in the order of the pages, from :func:`load_sources`' dict."""
    return [
        default_experiment(src["default"], src["default_basins"]),
        basin_tables(
            [
                ("default", src["default"], src["default_basins"]),
                ("A", src["A"], src["A_basins"]),
                ("B", src["B"], src["B_basins"]),
                ("benign", src["benign"], src["benign_basins"]),
            ]
        ),
        schedule_comparison(src["A"], src["A_basins"], "landscape A"),
        schedule_comparison(src["B"], src["B_basins"], "landscape B"),
        schedule_comparison(src["benign"], src["benign_basins"], "benign simplex"),
        speed_sweeps(
            [
                ("A", [src["sweep_rate_A"]]),
                ("A", [src["sweep_slope_A"]]),
                ("A", [src["sweep_c_A"]]),
                ("B", [src["sweep_rate_B_slowest"], src["sweep_rate_B_slow"], src["sweep_rate_B"]]),
            ]
        ),
        catalogues(
            [
                ("default", "InfoNCE, circle, M = 8, tau = 0.05", src["catalogue_default"]),
                ("A", "InfoNCE, circle, M = 6, tau = 0.05", src["catalogue_A"]),
                ("B", "DHEL, circle, M = 8, tau = 0.1", src["catalogue_B"]),
            ]
        ),
        escape_minimum(src["escape"]),
        escape_plateau(src["escape"]),
        kramers(src["kramers"]),
        c_sweep_two_well(src["c_sweep_two_well"]),
        tails(src["tails"]),
        c_sweep_dhel(src["c_sweep_dhel"], src["catalogue_B"]),
        weak_order(src["weak_order"]),
        atlas_overview(src["atlas"]),
        atlas_traps(src["atlas"]),
        atlas_practitioner(src["atlas"]),
        schedule_comparison(src["C"], src["C_basins"], "landscape C"),
        schedule_comparison(src["D"], src["D_basins"], "landscape D"),
        best_known_infonce(src["best_known"]),
        performance_p0(src["bench"]),
        *([performance_calls(src["bench"])] if "per_call" in src["bench"] else []),
        performance_devices(src["bench"]),
        performance_sweep(src["bench"]),
        *([performance_large_batches(src["bench"])] if "large_batches" in src["bench"] else []),
        matrix_free_check(src["matrix_free_check"]),
        matrix_free_cost(src["matrix_free_cost"]),
    ]


def report(runs: str | Path = "experiments", bench: str | Path | None = None) -> str:
    """The whole report (markdown): every result table of the documentation under its heading, from the stored
    results."""
    return "\n\n".join(blocks(load_sources(runs, bench))) + "\n"


_MARK = re.compile(  # an empty block (a new mark) has no body line
    r"^<!-- report: (?P<heading>[^\n]+?) -->\n(?:(?P<body>.*?)\n)??<!-- /report -->$", flags=re.S | re.M
)


def write_pages(text: str, docs: str | Path = "docs") -> list[Path]:
    """Write the report's blocks into the documentation pages: each block's body replaces what stands between
    ``<!-- report: <heading> -->`` and ``<!-- /report -->`` in the page that marks it. Returns the pages changed;
    a block that no page marks, or a mark with no block, is an error (a page would go stale)."""
    bodies = {}
    for block in text.strip().split("\n\n### "):
        heading, _, body = block.removeprefix("### ").partition("\n\n")
        bodies[heading] = body.strip("\n")
    seen, changed = set(), []
    for page in sorted(Path(docs).rglob("*.md")):
        old = page.read_text()

        def fill(match: re.Match, page: Path = page) -> str:
            heading = match["heading"]
            if heading not in bodies:
                raise ValueError(f"{page}: the report prints no block {heading!r} (headings: {', '.join(bodies)})")
            seen.add(heading)
            return f"<!-- report: {heading} -->\n{bodies[heading]}\n<!-- /report -->"

        new = _MARK.sub(fill, old)
        if new != old:
            page.write_text(new)
            changed.append(page)
    missing = sorted(set(bodies) - seen)
    if missing:
        raise ValueError(f"no page under {docs} marks the report's blocks {missing}")
    return changed
