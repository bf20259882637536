"""Finite-time tails P(E_t - E* > eps) ~ t^-alpha of logarithmic annealing on the two-well energy
(``langevin-sphere study tails``).
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import jax
import numpy as np

from ...core import io, schedules, sphere
from ...core.simulate import simulate
from .two_well import TiltedTwoWell


def _tail_exponent(log_t: np.ndarray, p: np.ndarray) -> float:
    """alpha of p ~ t^(-alpha): minus the least-squares slope of log p against log t (points with p = 0 left out)."""
    ok = p > 0
    return float(-np.polyfit(log_t[ok], np.log(p[ok]), 1)[0])


def _gibbs_tail(energy: TiltedTwoWell, beta: float, eps, n_grid: int = 20_000) -> np.ndarray:
    """P(E - E* > eps) under the Gibbs law exp(-beta E) d theta of the one-row two-well, by quadrature."""
    theta = np.linspace(-np.pi, np.pi, n_grid, endpoint=False)
    e = energy.a * (np.sin(theta) ** 2 - np.cos(theta) ** 2 - energy.b * np.cos(theta))
    gap = e - e.min()
    w = np.exp(-beta * gap)
    return np.array([w[gap > x].sum() / w.sum() for x in np.atleast_1d(eps)])


def tails_study(
    out: str | Path,
    *,
    c_factors=(1.5, 3.0),
    eps=(0.05, 0.1, 0.2, 0.3),
    n_chains: int = 2048,
    t_max: float = 3000.0,
    step_size: float = 2e-2,
    fit_from: float = 50.0,
    a: float = 0.5,
    b: float = 0.5,
    seed: int = 0,
    log=print,
) -> dict:
    """Finite-time tails of logarithmic annealing: P(E_t - E* > eps) ~ t^(-alpha), alpha against eps / c.

    On :class:`TiltedTwoWell` (c* = its trap's depth) with beta(t) = log(t + e) / c for c = c* x ``c_factors``
    (above c*), chains from uniform starts. alpha is the slope of -log P(E_t - E* > eps) against log t, fitted on
    t in [fit_from, t_max] by least squares on the recorded times. Predictions: the asymptotic quasi-equilibrium value
    eps / c (P ~ exp(-beta(t) eps)), and the slope of the exact Gibbs tail at beta(t) fitted on the same window
    (which adds the slowly vanishing prefactor term ~ 1 / (2 log t)). Writes ``study.json`` (kind "tails") and
    ``tails.npz`` (t, P per c and eps).
    """

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    energy = TiltedTwoWell(a=a, b=b)
    c_star = energy.barrier()  # = the depth of the trap; checked against the string method in c_sweep_study / tests
    e_star = -a * (1.0 + b)
    x0 = sphere.uniform(jax.random.key(seed), (n_chains, 1, 2))
    n_steps = int(round(t_max / step_size))
    record_every = n_steps // 500
    rows, arrays = [], {}
    for i, f in enumerate(c_factors):
        c = c_star * f
        res = simulate(
            energy,
            x0,
            jax.random.fold_in(jax.random.key(seed), i + 1),
            schedule=schedules.logarithmic(c),
            step_size=step_size,
            n_steps=n_steps,
            record_every=record_every,
            chunk_records=50,
        )
        gap = res.energy - e_star
        window = (res.t >= fit_from) & (res.t > 0)
        log_t = np.log(res.t[window])
        arrays[f"t_{i}"] = res.t
        for j, x in enumerate(eps):
            p = np.mean(gap > x, axis=0)
            arrays[f"p_{i}_{j}"] = p
            alpha = _tail_exponent(log_t, (gap[:, window] > x).mean(axis=0))
            groups = [_tail_exponent(log_t, (g[:, window] > x).mean(axis=0)) for g in np.array_split(gap, 8)]
            alpha_se = float(np.std(groups, ddof=1) / math.sqrt(len(groups)))
            p_eq = np.array([_gibbs_tail(energy, math.log(t + math.e) / c, x)[0] for t in res.t[window]])
            arrays[f"p_eq_{i}_{j}"] = p_eq
            alpha_eq = -np.polyfit(log_t, np.log(p_eq), 1)[0]
            rows.append(
                {
                    "c": c,
                    "c_over_c_star": f,
                    "eps": x,
                    "alpha": alpha,
                    "alpha_se": alpha_se,
                    "eps_over_c": x / c,
                    "alpha_quasi_eq": float(alpha_eq),
                    "p_at_t_max": float(p[-1]),
                    "n_chains": n_chains,
                }
            )
            log(
                f"c = {c:.3f}, eps = {x}: alpha = {alpha:.4f} +- {alpha_se:.4f}, eps/c = {x / c:.4f}, "
                f"quasi-equilibrium fit {alpha_eq:.4f}, P(t_max) = {p[-1]:.4f}"
            )
    summary = {
        "kind": "tails",
        "energy": {
            "name": "TiltedTwoWell",
            "a": a,
            "b": b,
            "formula": "a (-cos 2 theta - b cos theta), one row on S^1",
        },
        "c_star": c_star,
        "E_star": e_star,
        "t_max": t_max,
        "fit_window": [fit_from, t_max],
        "step_size": step_size,
        "schedule": "logarithmic, beta(t) = log(t + e) / c",
        "start": "uniform",
        "integrator": "GeodesicEulerMaruyama",
        "alpha_se_note": "SE from 8 disjoint groups of chains (std of their fitted alpha / sqrt(8))",
        "c_factors": list(c_factors),
        "eps": list(eps),
        "rows": rows,
        "seed": seed,
        "wall_time_s": time.time() - t0,
        "provenance": io.provenance(),
    }
    io.save_npz(out / "tails.npz", arrays)
    io.save_json(out / "study.json", summary)
    return summary
