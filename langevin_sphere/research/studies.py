"""Studies of the landscape and of annealing beyond a schedule comparison: critical depth, Kramers escape rates, the
c-sweep of the logarithmic schedule. Each study writes its results to a folder (``study.json`` with a ``"kind"``
field, plus ``.npz`` arrays); :mod:`langevin_sphere.figures` draws them from those files only.

    langevin-sphere study kramers --out experiments/studies/kramers_two_well
    langevin-sphere study c-sweep --out experiments/studies/c_sweep_two_well
    langevin-sphere study escape \\
        --out experiments/studies/escape_dhel-circle-M8-tau0.1_infonce-circle-M6-tau0.05
    langevin-sphere figures --runs experiments/studies --out figures

The saved results of these commands are kept under ``experiments/studies/``. The critical depth of a studied
landscape is kept in its catalogue (``langevin-sphere catalogue``, :mod:`langevin_sphere.catalogue`), which joins
every minimum ever seen; ``critical-depth`` here joins only the minima of one multi-start search.

This module runs studies and saves numbers; the methods are in ``barriers``, ``landscape``, ``integrators`` and
``simulate``, the drawing in ``figures``.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path
from typing import ClassVar

import jax
import jax.numpy as jnp
import numpy as np

from .. import landscape
from ..core import energies, integrators, io, schedules, sphere
from ..core.kernel import build_kernel
from ..core.sde import Langevin
from ..core.simulate import simulate
from ..landscape import barriers, diagnostics, optima
from . import config

__all__ = [
    "TiltedTwoWell",
    "critical_depth_study",
    "escape_times",
    "kramers_study",
    "c_sweep_study",
    "landscape_c_sweep_study",
    "tails_study",
    "escape_study",
    "weak_order_study",
    "basin_exit",
    "level_exit",
    "rotation_distance",
    "main",
]


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


class TiltedTwoWell(energies.Energy):
    r"""Closed-form two-well energy on the circle, row by row: E = a sum_rows (-cos 2 theta - b cos theta).

    With x = (cos theta, sin theta): -cos 2 theta = x_2^2 - x_1^2. For 0 < b < 4: the global minimum at theta = 0
    (E = -a (1 + b)), a trap at theta = pi (E = -a (1 - b)), two saddles at cos theta = -b/4 with E = a (1 + b^2/8):
    the barrier out of the trap is a (2 - b + b^2/8), that out of the global well a (2 + b + b^2/8).
    """

    a: float = 0.5
    b: float = 0.5

    def __call__(self, x):
        return self.a * jnp.sum(x[:, 1] ** 2 - x[:, 0] ** 2 - self.b * x[:, 0])

    def barrier(self) -> float:
        return self.a * (2.0 - self.b + self.b**2 / 8.0)

    def kramers_time(self, beta: float, well: str = "trap") -> float:
        """Eyring-Kramers mean escape time from the trap (or the ``"global"`` well) over both saddles (1D overdamped
        Langevin): pi / sqrt(E''(well) |E''(saddle)|) exp(beta barrier), E'' = a (4 cos 2 theta + b cos theta)."""
        c = -self.b / 4.0
        sign = 1.0 if well == "global" else -1.0
        curv_well = self.a * (4.0 + sign * self.b)
        curv_saddle = self.a * (4.0 * (2 * c * c - 1.0) + self.b * c)
        barrier = self.barrier() + (2.0 * self.a * self.b if well == "global" else 0.0)
        return math.pi / math.sqrt(curv_well * abs(curv_saddle)) * math.exp(beta * barrier)


def escape_times(
    energy, x0, key, *, beta: float, step_size: float, t_max: float, escaped, integrator=None, chunk_steps: int = 5000
):
    """First time each chain at fixed ``beta`` satisfies ``escaped(x)``; t_max (censored) for those that never do.

    Runs ``integrator`` (geodesic Euler-Maruyama by default) on every chain of x0 (B, n, d) with noise key
    fold_in(fold_in(key, b), k) for chain b at step k, checking ``escaped`` after every step, in compiled chunks of
    ``chunk_steps`` steps until every chain escaped or t_max. Returns (times (B,), escaped (B,) bool), numpy.
    """
    kernel = build_kernel(Langevin(energy, schedules.constant(beta)), integrator, step_size, x0.dtype)
    n_chains = x0.shape[0]
    chain_keys = jax.vmap(lambda b: jax.random.fold_in(key, b))(jnp.arange(n_chains))

    @jax.jit
    def chunk(states, first, k0):
        def one(carry, k):
            states, first = carry
            states = jax.vmap(kernel.step, in_axes=(0, None, 0))(states, k, chain_keys)[0]
            out = jax.vmap(escaped)(states.x)
            first = jnp.where((first < 0) & out, k + 1, first)
            return (states, first), None

        return jax.lax.scan(one, (states, first), k0 + jnp.arange(chunk_steps))[0]

    states = jax.vmap(kernel.init)(x0, chain_keys)
    first = jnp.full((n_chains,), -1, jnp.int32)
    n_max = int(math.ceil(t_max / step_size))
    k = 0
    while k < n_max and bool(jnp.any(first < 0)):
        states, first = chunk(states, first, jnp.asarray(k, jnp.int32))
        k += chunk_steps
    first = np.asarray(first)
    done = (first >= 0) & (first <= n_max)
    return np.where(done, first * step_size, n_max * step_size), done


def kramers_study(
    out: str | Path,
    *,
    betas=(4.0, 5.5, 7.0, 8.5, 10.0),
    n_chains: int = 512,
    step_size: float = 1e-2,
    a: float = 0.5,
    b: float = 0.5,
    t_factor: float = 3.0,
    seed: int = 0,
    log=print,
) -> dict:
    """Mean escape time from the trap of :class:`TiltedTwoWell` against beta, and the barrier by the string method.

    Chains start at the trap (theta = pi) and escape when they reach the global well (cos theta > 1/2, well past the
    saddles at cos theta = -b/4). Per beta, the mean escape time is the exponential maximum-likelihood estimate with
    censoring at t_max = t_factor x the Eyring-Kramers time: (sum of times, censored included) / (escapes), with
    SE(log tau) = 1 / sqrt(escapes). The slope of log tau against beta, fitted by weighted least squares, estimates
    the barrier (Arrhenius / Eyring-Kramers); it is compared with the barrier of the minimum-energy path.
    Writes ``study.json`` (kind "kramers") and ``escape_times.npz`` to ``out``.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    energy = TiltedTwoWell(a=a, b=b)
    trap, well = jnp.array([[-1.0, 0.0]]), jnp.array([[1.0, 0.0]])
    path = barriers.minimum_energy_path(energy, trap, well, n_images=32)
    barrier = float(path.saddle_energy - energy(trap))
    log(f"string method: barrier {barrier:.6f} (closed form {energy.barrier():.6f}), converged {bool(path.converged)}")
    x0 = jnp.broadcast_to(trap, (n_chains, 1, 2))
    rows, arrays = [], {}
    for i, beta in enumerate(betas):
        t_max = t_factor * energy.kramers_time(beta)
        times, done = escape_times(
            energy,
            x0,
            jax.random.fold_in(jax.random.key(seed), i),
            beta=beta,
            step_size=step_size,
            t_max=t_max,
            escaped=lambda x: x[0, 0] > 0.5,
        )
        n_esc = int(done.sum())
        tau = float(times.sum() / max(n_esc, 1))
        rows.append(
            {
                "beta": beta,
                "mean_escape_time": tau,
                "se_log": 1.0 / math.sqrt(max(n_esc, 1)),
                "escaped": n_esc,
                "n_chains": n_chains,
                "t_max": t_max,
                "kramers_time": energy.kramers_time(beta),
            }
        )
        arrays[f"times_{i}"], arrays[f"escaped_{i}"] = times, done
        log(
            f"beta {beta}: tau = {tau:.4g} (Eyring-Kramers {energy.kramers_time(beta):.4g}), {n_esc}/{n_chains} escaped"
        )
    beta_arr = np.array([r["beta"] for r in rows])
    y = np.log([r["mean_escape_time"] for r in rows])
    w = 1.0 / np.array([r["se_log"] for r in rows]) ** 2
    design = np.stack([np.ones_like(beta_arr), beta_arr], axis=1)
    cov = np.linalg.inv(design.T @ (w[:, None] * design))
    coef = cov @ design.T @ (w * y)
    chi2 = float(np.sum(w * (y - design @ coef) ** 2))
    summary = {
        "kind": "kramers",
        "energy": {
            "name": "TiltedTwoWell",
            "a": a,
            "b": b,
            "formula": "a (-cos 2 theta - b cos theta), one row on S^1",
        },
        "barrier_string": barrier,
        "barrier_closed_form": energy.barrier(),
        "slope": float(coef[1]),
        "slope_se": float(math.sqrt(cov[1, 1])),
        "intercept": float(coef[0]),
        "chi2": chi2,
        "dof": len(rows) - 2,
        "relative_error": float(coef[1] / barrier - 1.0),
        "integrator": "GeodesicEulerMaruyama",
        "step_size": step_size,
        "seed": seed,
        "escape": "first step with cos(theta) > 1/2, chains started at the trap theta = pi",
        "rows": rows,
        "wall_time_s": time.time() - t0,
        "provenance": io.provenance(),
    }
    io.save_npz(out / "escape_times.npz", {"beta": beta_arr, **arrays})
    io.save_json(out / "study.json", summary)
    log(
        f"slope {coef[1]:.4f} +- {math.sqrt(cov[1, 1]):.4f} vs barrier {barrier:.4f} "
        f"({100 * summary['relative_error']:+.1f}%), chi2 {chi2:.2f} / {len(rows) - 2} dof"
    )
    return summary


def c_sweep_study(
    out: str | Path,
    *,
    factors=tuple(2.0 ** (k / 2) for k in range(-4, 4)),
    n_chains: int = 1024,
    t_max: float = 2000.0,
    step_size: float = 2e-2,
    a: float = 0.5,
    b: float = 0.5,
    seed: int = 0,
    log=print,
) -> dict:
    """Success probability at time t_max of the logarithmic schedule beta(t) = log(t + e) / c against c, around c*.

    Landscape: :class:`TiltedTwoWell`, whose only non-global minimum (the trap) has depth c* = its barrier (measured
    by the string method). Every chain starts at the trap; success = in the global basin (cos theta > -b/4) at t_max.
    c runs over c* x ``factors``. The quasi-static prediction: a two-state master equation with the Eyring-Kramers
    rates at the current beta(t), dp/dt = -p / tau_K,trap + (1 - p) / tau_K,global for the trap occupancy p
    (p(0) = 1), integrated exactly with piecewise-constant rates on a log grid of 4000 times; P(success) = 1 - p.
    Writes ``study.json`` (kind "c_sweep") to ``out``.
    """

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    energy = TiltedTwoWell(a=a, b=b)
    trap = jnp.array([[-1.0, 0.0]])
    path = barriers.minimum_energy_path(energy, trap, jnp.array([[1.0, 0.0]]), n_images=32)
    c_star = float(
        barriers.depths(
            np.array([float(energy(jnp.array([[1.0, 0.0]]))), float(energy(trap))]),
            np.array([[np.nan, float(path.saddle_energy)], [float(path.saddle_energy), np.nan]]),
        )[1]
    )
    x0 = jnp.broadcast_to(trap, (n_chains, 1, 2))
    n_steps = int(round(t_max / step_size))
    t_grid = np.concatenate([[0.0], np.geomspace(1e-3, t_max, 4000)])
    rows = []
    for i, f in enumerate(factors):
        c = c_star * f
        res = simulate(
            energy,
            x0,
            jax.random.fold_in(jax.random.key(seed), i),
            schedule=schedules.logarithmic(c),
            step_size=step_size,
            n_steps=n_steps,
            record_every=n_steps // 100,
            chunk_records=100,
        )
        ok = int(np.sum(res.final[:, 0, 0] > -b / 4))
        lo, hi = diagnostics.wilson_interval(ok, n_chains)
        p_trap = 1.0
        for t_lo, t_hi in zip(t_grid[:-1], t_grid[1:]):
            beta = math.log(0.5 * (t_lo + t_hi) + math.e) / c
            k_out, k_in = 1.0 / energy.kramers_time(beta), 1.0 / energy.kramers_time(beta, "global")
            p_eq = k_in / (k_in + k_out)
            p_trap = p_eq + (p_trap - p_eq) * math.exp(-(k_in + k_out) * (t_hi - t_lo))
        predicted = 1.0 - p_trap
        rows.append(
            {
                "c": c,
                "c_over_c_star": f,
                "success": ok / n_chains,
                "success_lo": lo,
                "success_hi": hi,
                "n": n_chains,
                "predicted": predicted,
            }
        )
        log(
            f"c = {c:.4f} ({f:.3f} c*): success {ok}/{n_chains} = {ok / n_chains:.3f} [{lo:.3f}, {hi:.3f}], "
            f"quasi-static prediction {predicted:.3f}"
        )
    summary = {
        "kind": "c_sweep",
        "energy": {
            "name": "TiltedTwoWell",
            "a": a,
            "b": b,
            "formula": "a (-cos 2 theta - b cos theta), one row on S^1",
        },
        "c_star": c_star,
        "c_star_source": "depth of the trap by the string method (barriers.minimum_energy_path)",
        "t_max": t_max,
        "step_size": step_size,
        "schedule": "logarithmic, beta(t) = log(t + e) / c",
        "start": "every chain at the trap theta = pi",
        "success": "cos(theta) > -b/4 at t_max (global basin)",
        "integrator": "GeodesicEulerMaruyama",
        "seed": seed,
        "rows": rows,
        "wall_time_s": time.time() - t0,
        "provenance": io.provenance(),
    }
    io.save_json(out / "study.json", summary)
    return summary


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


def landscape_c_sweep_study(
    out: str | Path,
    *,
    depth_study: str | Path,
    factors=tuple(2.0 ** (k / 2) for k in range(-4, 4)),
    n_chains: int = 256,
    t_max: float = 50.0,
    step_size: float = 2e-3,
    eps: float = 1e-3,
    seed: int = 0,
    log=print,
) -> dict:
    """Success probability at t_max of logarithmic annealing against c, around the c* of a cached critical depth.

    The landscape (InfoNCE or DHEL, M, d, tau), c* and E* (its lowest minimum) are read from ``depth_study``: a
    landscape catalogue's folder (``c_star.json``, :func:`langevin_sphere.catalogue.build`) or a critical-depth
    study's (``study.json``, :func:`critical_depth_study`). For each c = c* x ``factors``: ``n_chains`` chains from
    uniform
    starts (the same for every c), beta(t) = log(t + e) / c up to t_max, then every final state is quenched
    (:func:`langevin_sphere.landscape.quench_info`); success = quenched energy within ``eps`` of E*. Writes
    ``study.json`` (kind "c_sweep") to ``out``.
    """

    folder = Path(depth_study)
    depth = io.load_json(folder / "c_star.json" if (folder / "c_star.json").exists() else folder / "study.json")
    land = depth["landscape"]
    kind = {"InfoNCE": "infonce", "DHEL": "dhel"}[land["energy"]]
    energy = _CONTRASTIVE[kind](tau=land["tau"])
    c_star, e_star = float(depth["c_star"]), float(min(depth["energy"]))
    if not c_star > 1e-12:
        raise ValueError(
            f"landscape_c_sweep_study: the critical depth in {depth_study} is c* = {c_star:g}: there is no "
            "scale to sweep c around (every minimum joins a lower one downhill)"
        )
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    x0 = sphere.uniform(jax.random.key(seed), (n_chains, 2 * land["M"], land["d"]))
    n_steps = int(round(t_max / step_size))
    quench = jax.jit(jax.vmap(lambda x: landscape.quench_info(energy, x)))
    rows = []
    for i, f in enumerate(factors):
        c = c_star * f
        res = simulate(
            energy,
            x0,
            jax.random.fold_in(jax.random.key(seed), i),
            schedule=schedules.logarithmic(c),
            step_size=step_size,
            n_steps=n_steps,
            record_every=n_steps // 10,
            chunk_records=10,
        )
        q = quench(jnp.asarray(res.final))
        ok = int(np.sum(np.asarray(q.energy, np.float64) - e_star <= eps))
        lo, hi = diagnostics.wilson_interval(ok, n_chains)
        rows.append(
            {
                "c": c,
                "c_over_c_star": f,
                "success": ok / n_chains,
                "success_lo": lo,
                "success_hi": hi,
                "n": n_chains,
                "predicted": None,
                "final_beta": float(res.beta[-1]),
                "quench_not_converged": int(np.sum(~(np.asarray(q.grad_norm) < 1e-5))),
            }
        )
        log(f"c = {c:.4f} ({f:.3f} c*): success {ok}/{n_chains} = {ok / n_chains:.3f} [{lo:.3f}, {hi:.3f}]")
    summary = {
        "kind": "c_sweep",
        "title": f"{land['energy']} M={land['M']} d={land['d']} tau={land['tau']}",
        "energy": {"name": land["energy"], **land},
        "c_star": c_star,
        "c_star_source": f"critical-depth study {Path(depth_study).name} (minimum-energy paths)",
        "E_star": e_star,
        "t_max": t_max,
        "step_size": step_size,
        "eps": eps,
        "schedule": "logarithmic, beta(t) = log(t + e) / c",
        "start": f"uniform, sphere.uniform(key({seed}))",
        "success": f"quenched final energy within {eps} of E*",
        "integrator": "GeodesicEulerMaruyama",
        "seed": seed,
        "rows": rows,
        "wall_time_s": time.time() - t0,
        "provenance": io.provenance(),
    }
    io.save_json(out / "study.json", summary)
    return summary


# ---- the escape mechanism: a deep minimum of DHEL (Arrhenius) against a plateau of InfoNCE ------------------------


class _EveryK(integrators.Integrator):
    """``k`` steps of ``inner`` of size h / k as one step of size h.

    :func:`escape_times` tests its criterion after every step of its integrator; wrapped in this, an expensive
    criterion (a quench) is tested every k steps of the dynamics. Substep j of a step with key ``key`` draws its
    noise from fold_in(key, j).
    """

    inner: integrators.Integrator
    k: int  # a Python int: static under jit and vmap
    weak_order: ClassVar[int] = 1  # that of the inner geodesic Euler-Maruyama

    def init(self, sde, x, t0=0.0, key=None):
        return self.inner.init(sde, x, t0, key)

    def step(self, sde, state, t0, t1, key):
        dt = (t1 - t0) / self.k

        def one(s, j):
            return self.inner.step(sde, s, t0 + j * dt, t0 + (j + 1) * dt, jax.random.fold_in(key, j))[0], None

        return jax.lax.scan(one, state, jnp.arange(self.k))[0], integrators.NoInfo()


def rotation_distance(x, ref):
    """Largest row distance (radians) between ``x`` (n, d) turned by the best rotation Q in SO(d) and ``ref`` (n, d).

    Q maximises tr(Q^T x^T ref) (Kabsch: x^T ref = U S V^T, Q = U diag(1, .., 1, det(U V^T)) V^T). Rotations only,
    no reflections and no relabelling: the dynamics moves a configuration continuously along its SO(d) orbit, while a
    relabelled copy of a minimum is another minimum, reached only over a saddle.

    Examples:
      >>> import jax.numpy as jnp
      >>> ref = jnp.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
      >>> rot = jnp.array([[0.6, -0.8], [0.8, 0.6]])
      >>> round(float(rotation_distance(ref @ rot, ref)), 5), round(float(rotation_distance(ref[::-1], ref)), 4)
      (0.0, 3.1416)
    """
    u, _, vt = jnp.linalg.svd(x.T @ ref)
    flip = jnp.sign(jnp.linalg.det(u @ vt))
    q = (u * jnp.concatenate([jnp.ones(x.shape[-1] - 1, x.dtype), flip[None].astype(x.dtype)])) @ vt
    return jnp.max(sphere.distance(x @ q, ref))


def basin_exit(energy, x_min, *, rotations: bool = True, radius: float = 0.1, tol: float = 1e-4, max_steps: int = 200):
    """Escape criterion "the quench of X leads to another minimum than ``x_min``": returns X (n, d) -> bool.

    X is quenched (:func:`langevin_sphere.landscape.quench_info`, the gradient flow to the minimum of its basin); it
    has escaped when the quench converged (|grad| < ``tol``) more than ``radius`` radians (largest row distance) from
    ``x_min``, up to a global rotation when ``rotations`` (:func:`rotation_distance`; for an energy invariant under
    SO(d)). This is the zero-temperature committor: a chain on the saddle's far side counts as escaped, one that only
    strayed far inside the basin does not, and a quench that has not converged decides nothing (not escaped).
    """
    ref = jnp.asarray(x_min)

    def escaped(x):
        q = landscape.quench_info(energy, x, tol=tol, max_steps=max_steps)
        r = ref.astype(x.dtype)
        dist = rotation_distance(q.x, r) if rotations else jnp.max(sphere.distance(q.x, r))
        return (q.grad_norm < tol) & (dist > radius)

    return escaped


def level_exit(energy, level: float, *, drop: float = 0.02, tol: float = 1e-5, max_steps: int = 300):
    """Escape criterion "the quench of X ends below ``level`` - ``drop``": returns X (n, d) -> bool.

    For a plateau (a state that is no minimum, left along exponentially flat directions) the basin is no
    neighbourhood of a point; what is left is its energy level. The quench
    (:func:`langevin_sphere.landscape.quench_info`
    to |grad| < ``tol``) stops on the plateau as long as the chain has not moved to where the energy visibly falls.
    """

    def escaped(x):
        q = landscape.quench_info(energy, x, tol=tol, max_steps=max_steps)
        return (q.grad_norm < tol) & (q.energy < level - drop)

    return escaped


def _mean_escape(times: np.ndarray, done: np.ndarray) -> dict:
    """Mean escape time with censoring: the exponential maximum-likelihood estimate (sum of all times, censored
    ones included) / (escapes), SE(log tau) = 1 / sqrt(escapes). The sample statistics ``se_log_sample`` (sd / (mean
    sqrt(n)), for a law that need not be exponential), ``median_escape_time`` and ``cv`` are those of the recorded
    times, censored ones at their censoring time: meaningful only when nothing is censored."""
    n_esc = int(done.sum())
    tau = float(times.sum() / max(n_esc, 1))
    sample = float(np.std(times, ddof=1) / (np.mean(times) * math.sqrt(len(times)))) if len(times) > 1 else math.inf
    return {
        "mean_escape_time": tau,
        "se_log": 1.0 / math.sqrt(max(n_esc, 1)),
        "se_log_sample": sample,
        "escaped": n_esc,
        "n_chains": int(len(times)),
        "median_escape_time": float(np.median(times)),
        "cv": float(np.std(times) / np.mean(times)),
    }


def _weighted_line(x, y, se) -> dict:
    """Weighted least squares y = a + b x with weights 1 / se^2: a, b, their SEs, chi2 and dof."""
    x, y, w = np.asarray(x, float), np.asarray(y, float), 1.0 / np.asarray(se, float) ** 2
    design = np.stack([np.ones_like(x), x], axis=1)
    cov = np.linalg.inv(design.T @ (w[:, None] * design))
    coef = cov @ design.T @ (w * y)
    chi2 = float(np.sum(w * (y - design @ coef) ** 2))
    return {
        "intercept": float(coef[0]),
        "slope": float(coef[1]),
        "intercept_se": float(math.sqrt(cov[0, 0])),
        "slope_se": float(math.sqrt(cov[1, 1])),
        "chi2": chi2,
        "dof": len(x) - 2,
    }


def _nonzero_spectrum(energy, x, n_zero: int) -> np.ndarray:
    """Riemannian Hessian eigenvalues at x without the ``n_zero`` of smallest modulus (the symmetry zero modes)."""
    lam = np.linalg.eigvalsh(np.asarray(landscape.riemannian_hessian(energy, x)))
    return np.sort(lam[np.argsort(np.abs(lam))[n_zero:]])


def _first_exits(out: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """Per chain, the index of the first True of ``out`` (B, R) (-1: none), and the lengths of every completed run
    of Trues that ends with a False (excursions out of the basin that came back)."""
    first = np.where(out.any(axis=1), np.argmax(out, axis=1), -1)
    runs = []
    for row in out:
        length = 0
        for v in row:
            if v:
                length += 1
            elif length:
                runs.append(length)
                length = 0
    return first, runs


def _explore(
    energy, x_start, e_start: float, key, *, beta: float, t: float, n: int, k_rec: int, step_size: float, log
) -> tuple[dict, np.ndarray, np.ndarray]:
    """``n`` chains from ``x_start`` at ``beta`` for time ``t``, quenched every ``k_rec`` steps (``simulate`` with
    ``quench_every``). Returns a summary (first-exit destinations, excursions out of the basin that came back, and
    the censored mean first exit when the same trajectories are checked every 1, 2, 4, 8 records), and the energies
    and configurations of the first exits quenched in float64 (from the recorded states)."""

    n_rec = int(round(t / (k_rec * step_size)))
    res = simulate(
        energy,
        jnp.broadcast_to(x_start, (n, *x_start.shape)),
        key,
        schedule=schedules.constant(beta),
        step_size=step_size,
        n_steps=n_rec * k_rec,
        record_every=k_rec,
        record_x=True,
        quench_every=1,
    )
    out = np.abs(res.quench_energy - e_start) > 1e-3  # (B, R): the quench left the start's energy level
    first, excursions = _first_exits(out)
    t_rec = np.asarray(res.quench_t)  # (R,), t = 0 first
    by_check = {}
    for s in (1, 2, 4, 8):  # the same trajectories read every s-th record: what a coarser check misses
        f = _first_exits(out[:, ::s])[0]
        times = np.where(f >= 0, t_rec[::s][np.maximum(f, 0)], t_rec[-1])
        by_check[f"{s * k_rec * step_size:g}"] = _mean_escape(times, f >= 0)["mean_escape_time"]
    with jax.enable_x64(True):
        exits = jnp.asarray(np.stack([res.x[b, i] for b, i in enumerate(first) if i >= 0]), jnp.float64)
        q = jax.jit(jax.vmap(lambda y: landscape.quench_info(energy, y, tol=1e-9, max_steps=3000)))(exits)
        e_exit, x_exit = np.asarray(q.energy), np.asarray(q.x)
    dest, count = np.unique(np.round(e_exit - e_start, 4), return_counts=True)
    summary = {
        "beta": beta,
        "t": t,
        "n_chains": n,
        "record_time": k_rec * step_size,
        "left": int((first >= 0).sum()),
        "first_destinations_above_start": dest.tolist(),
        "first_destination_counts": count.tolist(),
        "excursions_back": len(excursions),
        "excursions_back_median": float(np.median(excursions) * k_rec * step_size) if excursions else None,
        "mean_first_exit_by_check_time": by_check,
    }
    log(
        f"exploration at beta {beta:.1f}: {summary['left']}/{n} left within t = {t:g}; first destinations "
        f"(E - E_start) {dict(zip(dest.tolist(), count.tolist()))}; mean first exit (censored) by check interval "
        f"{ {c: round(v, 2) for c, v in by_check.items()} }; {len(excursions)} excursions came back (median "
        f"{summary['excursions_back_median']})"
    )
    return summary, e_exit, x_exit


def _string_from(energy, x_a, x_b, n_zero: int, initial=None) -> tuple[dict, np.ndarray, barriers.MinimumEnergyPath]:
    """String from x_a to x_b (float64, the settings of the critical-depth study) and its saddle's spectrum."""
    p = barriers.minimum_energy_path(
        energy, x_a, x_b, 32, step=3e-2, tol=1e-5, saddle_tol=1e-6, max_steps=100_000, initial=initial
    )
    lam = _nonzero_spectrum(energy, p.saddle, n_zero)
    e_a = float(energy(x_a))
    row = {
        "target_above_start": float(energy(x_b)) - e_a,
        "barrier": float(p.saddle_energy) - e_a,
        "path_max_above_start": float(np.max(np.asarray(p.energies))) - e_a,
        "converged": bool(p.converged),
        "residual": float(p.residual),
        "saddle_grad_norm": float(p.saddle_grad_norm),
        "saddle_index": int(np.sum(lam < -1e-6 * np.max(np.abs(lam)))),
        "saddle_hessian_head": lam[:3].tolist(),
    }
    return row, lam, p


def _minimum_escape(
    catalogue,
    *,
    minimum,
    beta_barrier,
    n_chains,
    step_size,
    check_time,
    t_equilibrate,
    t_factor,
    n_explore,
    explore_time,
    radius,
    seed,
    log,
) -> tuple[dict, dict]:
    """Part 1 of :func:`escape_study`: the barrier out of a minimum by strings, and its mean escape time vs beta."""

    meta = io.load_json(Path(catalogue) / "c_star.json")
    stored = io.load_npz(Path(catalogue) / "minima.npz")
    land = meta["landscape"]
    energy = _CONTRASTIVE[{name: kind for kind, name in config.ENERGY_NAMES.items()}[land["energy"]]](tau=land["tau"])
    minima = np.asarray(stored["x"], np.float64)
    e_cat = np.asarray(stored["energy"], np.float64)
    is_minimum = np.asarray(stored["kind"]) == "minimum"
    start = int(meta["deepest"] if minimum is None else minimum)
    n_zero = land["d"] * (land["d"] - 1) // 2  # the zero modes of SO(d) at every critical point
    key = jax.random.key(seed)
    x_start = jnp.asarray(minima[start], jnp.float32)
    k = max(1, int(round(check_time / step_size)))
    check_time = k * step_size

    # 1. where do chains go first? Quenches every check_time / 4, at the first beta (from the catalogue's lowest
    # barrier out of the start, which only sets this beta)
    cached = min(
        p["barrier_from_i"] if p["i"] == start else p["barrier_from_j"]
        for p in meta["pairs"]
        if start in (p["i"], p["j"])
    )
    explore_beta = beta_barrier[0] / cached
    exploration, e_exit, x_exit = _explore(
        energy,
        x_start,
        e_cat[start],
        jax.random.fold_in(key, 10_000),
        beta=explore_beta,
        t=explore_time,
        n=n_explore,
        k_rec=max(1, k // 4),
        step_size=step_size,
        log=log,
    )
    new = []
    for i in np.argsort(e_exit):
        if np.all(np.abs(e_cat - e_exit[i]) > 1e-4) and all(abs(e_exit[i] - e) > 1e-4 for e, _ in new):
            new.append((float(e_exit[i]), x_exit[i]))

    # 2. strings from the start to every other minimum, in float64. A string that ends on a critical point of index
    # >= 2 kept a symmetry of its geodesic start (the two pairs of a cluster splitting at once): it is run again from
    # the geodesic with noise on its interior images (which breaks the symmetry), and the lower converged index-1
    # result is kept
    targets = [(f"catalogue {j}", minima[j]) for j in range(len(minima)) if j != start and is_minimum[j]]
    targets += [(f"found (E - E_start = {e - e_cat[start]:.5f})", x) for e, x in new]
    paths, arrays, saddles = [], {}, []
    with jax.enable_x64(True):
        xs = jnp.asarray(minima[start])
        e_start = float(energy(xs))
        lam_start = _nonzero_spectrum(energy, xs, n_zero)
        for j, (name, xt) in enumerate(targets):
            xj = jnp.asarray(barriers.align(minima[start], xt))
            xj = xj / jnp.linalg.norm(xj, axis=-1, keepdims=True)
            row, lam_s, p = _string_from(energy, xs, xj, n_zero)
            if not (row["converged"] and row["saddle_index"] == 1):
                init = barriers.geodesic_path(xs, xj, 32)
                bump = jnp.sin(jnp.linspace(0.0, jnp.pi, 32))[:, None, None]
                init = sphere.normalize(init + 0.05 * bump * jax.random.normal(jax.random.key(j), init.shape))
                row2, lam2, p2 = _string_from(energy, xs, xj, n_zero, initial=init)
                first_try = {k2: row[k2] for k2 in ("barrier", "converged", "saddle_index")}
                if (
                    row2["converged"]
                    and row2["saddle_index"] == 1
                    and (row2["barrier"] <= row["barrier"] or not row["converged"])
                ):
                    row, lam_s, p = row2, lam2, p2
                row["symmetry_broken_retry"] = {"first": first_try, "kept": "retry" if p is p2 else "first"}
            paths.append({"target": name, **row})
            saddles.append(lam_s)
            arrays[f"path_energies_{j}"] = np.asarray(p.energies) - e_start
            arrays[f"path_arc_{j}"] = np.asarray(p.arc_length)
            log(
                f"string to {name}: barrier {row['barrier']:.6f}, converged {row['converged']}, saddle "
                f"index {row['saddle_index']} (Hessian head {np.round(lam_s[:3], 4).tolist()})"
                + (f", first try {row['symmetry_broken_retry']['first']}" if "symmetry_broken_retry" in row else "")
            )
    usable = [j for j, r in enumerate(paths) if r["converged"] and r["saddle_index"] == 1]
    j_best = min(usable, key=lambda j: paths[j]["barrier"])
    barrier, lam_saddle = paths[j_best]["barrier"], saddles[j_best]
    # harmonic Eyring-Kramers time over that saddle, SO(d) zero modes removed at both points
    prefactor = float(2 * math.pi / abs(lam_saddle[0]) * math.sqrt(np.prod(lam_saddle[1:]) / np.prod(lam_start)))
    log(
        f"lowest barrier out of the basin: {barrier:.6f} (to {paths[j_best]['target']}); harmonic Eyring-Kramers "
        f"prefactor {prefactor:.4g}"
    )

    # 3. mean escape time against beta, from chains equilibrated in the basin (the quasi-stationary start)
    check = basin_exit(energy, x_start, radius=radius)
    integrator = _EveryK(integrators.GeodesicEulerMaruyama(), k)
    rows = []
    for i, bb in enumerate(beta_barrier):
        beta = float(bb / barrier)
        n = n_chains[i] if isinstance(n_chains, (list, tuple)) else n_chains
        t0 = time.time()
        n_eq = int(round(t_equilibrate / step_size))
        warm = simulate(
            energy,
            jnp.broadcast_to(x_start, (n, *x_start.shape)),
            jax.random.fold_in(key, 20_000 + i),
            schedule=schedules.constant(beta),
            step_size=step_size,
            n_steps=n_eq,
            record_every=n_eq,
        )
        x0 = jnp.asarray(warm.final)
        home = ~np.asarray(jax.jit(jax.vmap(check))(x0))
        # t_max: t_factor x the escape time extrapolated with the string barrier from the previous beta (from the
        # exploration's censored mean first exit at the first beta); only the censoring depends on it
        by_check = exploration["mean_first_exit_by_check_time"]
        beta_prev, tau_prev = (
            (explore_beta, by_check[min(by_check, key=lambda c: abs(float(c) - check_time))])
            if not rows
            else (rows[-1]["beta"], rows[-1]["mean_escape_time"])
        )
        t_max = t_factor * tau_prev * math.exp((beta - beta_prev) * barrier)
        times, done = escape_times(
            energy,
            x0[home],
            jax.random.fold_in(key, i),
            beta=beta,
            step_size=check_time,
            t_max=t_max,
            escaped=check,
            integrator=integrator,
            chunk_steps=max(1, int(t_max / check_time / 10)),
        )
        row = {
            "beta": beta,
            "beta_barrier": float(bb),
            **_mean_escape(times, done),
            "t_max": t_max,
            "started": n,
            "left_while_equilibrating": int(n - home.sum()),
            "kramers_time_harmonic": prefactor * math.exp(bb),
            "wall_time_s": time.time() - t0,
        }
        rows.append(row)
        arrays[f"times_{i}"], arrays[f"escaped_{i}"] = times, done
        log(
            f"beta {beta:.1f} (beta x barrier {bb}): tau = {row['mean_escape_time']:.4g} +- "
            f"{100 * row['se_log']:.0f}% (harmonic Eyring-Kramers {row['kramers_time_harmonic']:.4g}), "
            f"{row['escaped']}/{int(home.sum())} escaped by t = {t_max:.4g}, {row['wall_time_s']:.0f} s"
        )
    fit = _weighted_line(
        [r["beta"] for r in rows], np.log([r["mean_escape_time"] for r in rows]), [r["se_log"] for r in rows]
    )

    # 4. does the check interval bias the slope? The same trajectories checked every check_time / 2 .. 4 check_time,
    # at the second-highest beta (the first beta's comparison is in the exploration)
    i_s = max(0, len(rows) - 2)
    sensitivity, _, _ = _explore(
        energy,
        x_start,
        e_cat[start],
        jax.random.fold_in(key, 10_001),
        beta=rows[i_s]["beta"],
        t=1.5 * rows[i_s]["mean_escape_time"],
        n=n_explore * 3 // 2,
        k_rec=max(1, k // 2),
        step_size=step_size,
        log=log,
    )
    summary = {
        "landscape": {**land, "catalogue": Path(catalogue).name},
        "start_minimum": start,
        "start_energy": e_start,
        "start_gap": e_start - float(meta["E_star"]),
        "start_depth": meta["depth"][start],
        "start_hessian_head": lam_start[:3].tolist(),
        "exploration": {**exploration, "found_minima_above_start": [e - e_start for e, _ in new]},
        "check_time_sensitivity": sensitivity,
        "paths": paths,
        "barrier": barrier,
        "barrier_to": paths[j_best]["target"],
        "kramers_prefactor_harmonic": prefactor,
        "step_size": step_size,
        "check_time": check_time,
        "t_equilibrate": t_equilibrate,
        "radius": radius,
        "t_factor": t_factor,
        "escape": f"first check (every {check_time:g} of diffusion time) at which the quench of the chain converges "
        f"more than {radius} rad (largest row, up to a rotation) from the start minimum; chains start "
        f"equilibrated in the basin (t = {t_equilibrate:g} at the same beta from the minimum)",
        "rows": rows,
        **fit,
        "relative_error": fit["slope"] / barrier - 1.0,
        "fit_without_first_beta": _weighted_line(
            [r["beta"] for r in rows[1:]],
            np.log([r["mean_escape_time"] for r in rows[1:]]),
            [r["se_log"] for r in rows[1:]],
        )
        if len(rows) > 2
        else None,
    }
    arrays["start"] = minima[start]
    log(
        f"slope {fit['slope']:.5f} +- {fit['slope_se']:.5f} vs barrier {barrier:.5f} "
        f"({100 * summary['relative_error']:+.1f}%), chi2 {fit['chi2']:.2f} / {fit['dof']} dof"
    )
    return summary, arrays


def _clusters(x: np.ndarray, m: int, tol: float = 1e-2) -> list[list[int]]:
    """Groups of pairs whose anchors coincide (within ``tol`` rad) and whose positives coincide: collapsed pairs."""
    u, v = x[:m], x[m:]
    groups, seen = [], set()
    for i in range(m):
        if i in seen:
            continue
        g = [
            j
            for j in range(m)
            if j not in seen
            and np.arccos(np.clip(u[i] @ u[j], -1, 1)) < tol
            and np.arccos(np.clip(v[i] @ v[j], -1, 1)) < tol
        ]
        seen.update(g)
        groups.append(g)
    return groups


def _plateau_escape(
    *, M, d, tau, n_starts, betas, n_chains, step_size, tau_first, checks_per_tau, t_factor, drop, seed, log
) -> tuple[dict, dict]:
    """Part 2 of :func:`escape_study`: the mean time to leave a plateau of symmetric InfoNCE, against beta."""
    energy = energies.InfoNCE(tau=tau)
    e_star = optima.infonce_optimum(M, d, tau)[0]
    starts = sphere.uniform(jax.random.key(0), (n_starts, 2 * M, d))
    q = jax.jit(jax.vmap(lambda y: landscape.quench_info(energy, y)))(starts)
    e_q, ok = np.asarray(q.energy, np.float64), np.asarray(q.grad_norm) < 1e-5
    above = ok & (e_q - e_star > 1e-3)
    pick = int(np.flatnonzero(above)[np.argmin(e_q[above])])  # the lowest level above E*
    x_p = np.asarray(q.x[pick])
    level = float(energy(jnp.asarray(x_p)))
    with jax.enable_x64(True):
        xp64 = jnp.asarray(x_p, jnp.float64)
        xp64 = xp64 / jnp.linalg.norm(xp64, axis=-1, keepdims=True)
        lam = np.sort(np.linalg.eigvalsh(np.asarray(landscape.riemannian_hessian(energy, xp64))))
        grad64 = float(landscape.gradient_norm(energy, xp64))
    groups = _clusters(x_p, M)
    log(
        f"plateau: start {pick} of {n_starts}, E - E* = {level - e_star:.4f}, clusters of pairs "
        f"{[g for g in groups if len(g) > 1]}, Hessian head {np.round(lam[:4], 8).tolist()} (float64)"
    )
    check = level_exit(energy, level, drop=drop)
    key = jax.random.key(seed)
    x0 = jnp.asarray(x_p, jnp.float32)
    rows, arrays, tau_guess = [], {}, tau_first
    for i, beta in enumerate(betas):
        n = n_chains[i] if isinstance(n_chains, (list, tuple)) else n_chains
        if i:  # design only (check interval, t_max): the last mean escape time scaled linearly in beta
            tau_guess = rows[-1]["mean_escape_time"] * beta / rows[-1]["beta"]
        k = max(1, int(round(tau_guess / checks_per_tau / step_size)))
        t_max = t_factor * tau_guess
        t0 = time.time()
        times, done = escape_times(
            energy,
            jnp.broadcast_to(x0, (n, *x0.shape)),
            jax.random.fold_in(key, i),
            beta=float(beta),
            step_size=k * step_size,
            t_max=t_max,
            escaped=check,
            integrator=_EveryK(integrators.GeodesicEulerMaruyama(), k),
            chunk_steps=max(1, int(t_max / (k * step_size) / 40)),
        )
        row = {
            "beta": float(beta),
            **_mean_escape(times, done),
            "check_time": k * step_size,
            "t_max": t_max,
            "wall_time_s": time.time() - t0,
        }
        rows.append(row)
        arrays[f"times_{i}"], arrays[f"escaped_{i}"] = times, done
        log(
            f"beta {beta:g}: tau = {row['mean_escape_time']:.4g} +- {100 * row['se_log_sample']:.0f}% (sample), "
            f"median {row['median_escape_time']:.4g}, cv {row['cv']:.2f}, {row['escaped']}/{n} escaped by "
            f"t = {t_max:.4g}, checks every {k * step_size:.3g}, {row['wall_time_s']:.0f} s"
        )
    beta_arr = np.array([r["beta"] for r in rows])
    y = np.log([r["mean_escape_time"] for r in rows])
    se = np.array([r["se_log_sample"] for r in rows])
    power = _weighted_line(np.log(beta_arr), y, se)  # log tau = a + p log beta
    expo = _weighted_line(beta_arr, y, se)  # log tau = a + kappa beta
    log(
        f"power law: exponent {power['slope']:.3f} +- {power['slope_se']:.3f}, chi2 {power['chi2']:.1f} / "
        f"{power['dof']}; exponential: rate {expo['slope']:.3g} +- {expo['slope_se']:.2g}, chi2 {expo['chi2']:.1f} / "
        f"{expo['dof']}"
    )
    summary = {
        "landscape": {"energy": "InfoNCE", "symmetric": True, "M": M, "d": d, "tau": tau},
        "E_star": e_star,
        "start": f"quench_info of sphere.uniform(key(0), ({n_starts}, {2 * M}, {d})), the lowest converged level above "
        f"E* + 1e-3 (start {pick})",
        "start_index": pick,
        "level": level,
        "level_gap": level - e_star,
        "clusters": [g for g in groups if len(g) > 1],
        "hessian_head_float64": lam[:6].tolist(),
        "grad_norm_float64": grad64,
        "step_size": step_size,
        "drop": drop,
        "escape": f"first check at which the quench (|grad| < 1e-5) of the chain ends more than {drop} below the "
        f"plateau's level; checks every ~1/{checks_per_tau} of the expected escape time",
        "se_note": "SE(log tau) from the sample (sd / (mean sqrt(n))): the escape times are not exponential",
        "rows": rows,
        "power_law": {
            "exponent": power["slope"],
            "exponent_se": power["slope_se"],
            "log_prefactor": power["intercept"],
            "chi2": power["chi2"],
            "dof": power["dof"],
        },
        "exponential": {
            "rate": expo["slope"],
            "rate_se": expo["slope_se"],
            "log_prefactor": expo["intercept"],
            "chi2": expo["chi2"],
            "dof": expo["dof"],
        },
    }
    arrays["start"] = x_p
    return summary, arrays


def escape_study(
    out: str | Path,
    *,
    part: str = "both",
    catalogue: str | Path = "experiments/landscapes/dhel-circle-M8-tau0.1",
    minimum: int | None = None,
    beta_barrier=(3.0, 4.0, 5.0, 6.0, 7.0),
    n_chains=(512, 256, 160, 128, 192),
    step_size: float = 2e-2,
    check_time: float = 1.0,
    t_equilibrate: float = 50.0,
    t_factor: float = 0.8,
    n_explore: int = 32,
    explore_time: float = 150.0,
    radius: float = 0.1,
    plateau_M: int = 6,
    plateau_tau: float = 0.05,
    plateau_betas=(100, 300, 1000, 3000, 10000, 30000),
    plateau_chains=96,
    plateau_step: float = 5e-3,
    plateau_tau_first: float = 1.5,
    checks_per_tau: int = 25,
    plateau_t_factor: float = 20.0,
    drop: float = 0.02,
    seed: int = 0,
    log=print,
) -> dict:
    """What "trapped" means: mean escape time against beta from a minimum of DHEL (barrier) and from a plateau of
    InfoNCE (no barrier). Writes ``study.json`` (kind "escape"), ``minimum.npz`` and ``plateau.npz`` to ``out``.

    **Minimum** (``part`` "minimum"): the start is minimum ``minimum`` (default: the deepest, of depth c*) of the
    landscape catalogue ``catalogue`` (``c_star.json``, ``minima.npz``: landscape, minima, E*).
    (1) ``n_explore`` chains at the first beta run for ``explore_time`` with a quench every check_time / 4: where
    the chains go first, the minima they reach that the catalogue lacks, how often they cross back.
    (2) Strings in float64 (:func:`~langevin_sphere.barriers.minimum_energy_path` after
    :func:`~langevin_sphere.barriers.align`) from the start to every minimum of the catalogue and every minimum
    found; a string that ends on a critical point of index >= 2 is run again from a symmetry-broken start. The
    barrier that governs escape is the lowest saddle of a converged string whose climbing image is an index-1
    saddle: the lowest way out of the basin, which may lead to a higher minimum (not the depth).
    (3) For beta = ``beta_barrier`` / barrier: ``n_chains`` chains equilibrated in the basin (``t_equilibrate`` at
    that beta from the minimum; those whose quench has already left are dropped, which leaves the quasi-stationary
    start), then :func:`escape_times` with the committor-like criterion :func:`basin_exit` tested every
    ``check_time`` (:class:`_EveryK`), float32 geodesic Euler-Maruyama at ``step_size``, censored at t_factor x the
    expected time. tau = (sum of times, censored included) / escapes, SE(log tau) = 1 / sqrt(escapes);
    log tau = A + slope beta by weighted least squares, compared with the barrier (Arrhenius, Eyring-Kramers).
    (4) Check-interval sensitivity: ``simulate`` with a quench every check_time / 2 at the second-highest beta; the
    same trajectories read every 1, 2, 4, 8 records give the mean first exit for each check interval (step (1)
    gives it at the first beta).

    **Plateau** (``part`` "plateau"): symmetric InfoNCE, M = ``plateau_M`` pairs on the circle, tau =
    ``plateau_tau``; the start is the lowest converged quench level above E* (regular polygon) of the uniform
    starts ``sphere.uniform(key(0), (64, 2M, 2))``: clusters of collapsed pairs. For each beta in
    ``plateau_betas``: ``plateau_chains`` chains from it, escape = the quench ends more than ``drop`` below its
    level (:func:`level_exit`), tested ~``checks_per_tau`` times per expected escape time, t_max =
    ``plateau_t_factor`` x expected (so that nearly every chain escapes: the times are not exponential). Fits of
    log tau against log beta (power law) and against beta (exponential), with their chi2.

    ``part="minimum"`` or ``"plateau"`` recomputes that part and keeps the other from an existing ``study.json``.
    """
    if part not in ("both", "minimum", "plateau"):
        raise ValueError(f"escape_study: part must be 'both', 'minimum' or 'plateau', got {part=}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    old = io.load_json(out / "study.json") if (out / "study.json").exists() else {}
    summary = {"kind": "escape", **{k: old[k] for k in ("minimum", "plateau") if k in old}}
    if part in ("both", "minimum"):
        t0 = time.time()
        s, arrays = _minimum_escape(
            catalogue,
            minimum=minimum,
            beta_barrier=beta_barrier,
            n_chains=n_chains,
            step_size=step_size,
            check_time=check_time,
            t_equilibrate=t_equilibrate,
            t_factor=t_factor,
            n_explore=n_explore,
            explore_time=explore_time,
            radius=radius,
            seed=seed,
            log=log,
        )
        io.save_npz(out / "minimum.npz", arrays)
        summary["minimum"] = {**s, "seed": seed, "wall_time_s": time.time() - t0, "provenance": io.provenance()}
        io.save_json(out / "study.json", summary)
    if part in ("both", "plateau"):
        t0 = time.time()
        s, arrays = _plateau_escape(
            M=plateau_M,
            d=2,
            tau=plateau_tau,
            n_starts=64,
            betas=plateau_betas,
            n_chains=plateau_chains,
            step_size=plateau_step,
            tau_first=plateau_tau_first,
            checks_per_tau=checks_per_tau,
            t_factor=plateau_t_factor,
            drop=drop,
            seed=seed,
            log=log,
        )
        io.save_npz(out / "plateau.npz", arrays)
        summary["plateau"] = {**s, "seed": seed, "wall_time_s": time.time() - t0, "provenance": io.provenance()}
        io.save_json(out / "study.json", summary)
    return summary


# ---- weak order: the bias of a stationary average against the step size, per integrator ---------------------------


def _vmf_sample(rng: np.random.Generator, shape: tuple[int, ...], k: float) -> np.ndarray:
    """Exact vMF(e_3, k) samples on S^2, shape (*shape, 3): w = mu . x has density ~ e^{k w} on [-1, 1], drawn by
    its inverse CDF w = 1 + log(u + (1 - u) e^{-2k}) / k; the azimuth is uniform."""
    u = rng.uniform(size=shape)
    w = 1.0 + np.log(u + (1.0 - u) * np.exp(-2.0 * k)) / k
    phi = rng.uniform(0.0, 2.0 * np.pi, size=shape)
    r = np.sqrt(np.clip(1.0 - w * w, 0.0, None))
    return np.stack([r * np.cos(phi), r * np.sin(phi), w], axis=-1)


def _vmf3_variance(k: float) -> float:
    """Var(mu . x) under vMF(mu, k) on S^2: 1/k^2 - 1/sinh(k)^2 (the derivative of A_3(k) = coth k - 1/k)."""
    return 1.0 / k**2 - 1.0 / math.sinh(k) ** 2


def _rotate_to(x: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """Rotate samples around e_3 onto the unit vectors ``axis`` (same leading shape), row by row (Householder)."""
    e3 = np.array([0.0, 0.0, 1.0])
    v = e3 - axis
    vv = np.sum(v * v, -1, keepdims=True)
    safe = np.where(vv < 1e-12, 1.0, vv)
    hx = x - 2.0 * np.sum(v * x, -1, keepdims=True) * v / safe  # reflects e_3 onto axis
    return np.where(vv < 1e-12, x, hx)


_WEAK_ORDER_INTEGRATORS = {
    **{name: cls for name, cls in integrators.REGISTRY.items()},
    # the second-order scheme without its curvature correction: weak order 1, with the first-order coefficient the
    # correction cancels, -(5 (d-2) / 12) kappa Var(observable) / beta (see GeodesicLeimkuhlerMatthews)
    "leimkuhler_matthews_uncorrected": lambda: integrators.GeodesicLeimkuhlerMatthews(curvature_correction=False),
}

WEAK_ORDER_CASES = {
    # case -> kappa (beta = 1), tau_int of the observable (sets the burn-in, records and run length), and per
    # integrator its step sizes and the SE aimed at (a tenth of its smallest expected |bias| or less, or one per step
    # size; MALA has none). The largest steps stay within simulate's guard (noise sqrt(2 h (d-1) / beta) <= 1 rad).
    "vmf_bk2": dict(
        kappa=2.0,
        tau=0.7,
        runs={
            "euler_maruyama": ((0.02, 0.04, 0.07, 0.1, 0.15), 5e-4),
            "leimkuhler_matthews": ((0.08, 0.11, 0.15, 0.19, 0.24), (1.5e-5, 2e-5, 2e-5, 2e-5, 2e-5)),
            "mala": ((0.05, 0.1, 0.15, 0.2, 0.24), 5e-5),
            "leimkuhler_matthews_uncorrected": ((0.04, 0.08, 0.12, 0.16, 0.24), 5e-5),
        },
    ),
    "vmf_bk8": dict(
        kappa=8.0,
        tau=0.17,
        runs={
            "euler_maruyama": ((0.005, 0.01, 0.02, 0.03, 0.05), 2e-4),
            "leimkuhler_matthews": ((0.02, 0.04, 0.055, 0.07, 0.085, 0.1), (3e-6, 1e-5, 1e-5, 1e-5, 1e-5, 1e-5)),
            "mala": ((0.02, 0.04, 0.055, 0.07, 0.1), 2e-5),
            "leimkuhler_matthews_uncorrected": ((0.01, 0.02, 0.04, 0.07, 0.1), 2e-5),
        },
    ),
    "pair_bk8": dict(
        kappa=8.0,
        tau=0.09,
        runs={
            "euler_maruyama": ((0.0025, 0.005, 0.01, 0.015, 0.025), 2e-4),
            "leimkuhler_matthews": ((0.0125, 0.025, 0.0375, 0.05, 0.075, 0.1), 2e-5),
            "mala": ((0.0125, 0.025, 0.0375, 0.05, 0.075), 4e-5),
            "leimkuhler_matthews_uncorrected": ((0.0125, 0.025, 0.0375, 0.05, 0.075), 2e-5),
        },
    ),
}


def _weak_order_run(
    case: str, name: str, h: float, *, rows: int, n_chains: int, se_target: float, seed: int, t_max: float
) -> dict:
    """One stationary run: per-chain time averages of the observable after burn-in, started from the exact law."""
    spec = WEAK_ORDER_CASES[case]
    k = spec["kappa"]  # beta = 1: beta kappa = kappa
    exact = 1.0 / math.tanh(k) - 1.0 / k  # A_3(k) = E[mu . x] under vMF(mu, k) on S^2
    var = _vmf3_variance(k)
    rng = np.random.default_rng(seed)
    if case.startswith("vmf"):
        mu = np.array([0.0, 0.0, 1.0], np.float32)
        energy = energies.VonMisesFisher(mu, k)
        x0 = _vmf_sample(rng, (n_chains, rows), k)

        def observable(e):
            return -e / (k * rows)
    else:  # rows (2i, 2i + 1) coupled: E = -kappa sum_i x_2i . x_2i+1; x_2i uniform, x_2i+1 | x_2i ~ vMF(x_2i, k)

        def energy(x):
            return -k * jnp.sum(x[0::2] * x[1::2])

        first = rng.standard_normal((n_chains, rows // 2, 3))
        first /= np.linalg.norm(first, axis=-1, keepdims=True)
        second = _rotate_to(_vmf_sample(rng, (n_chains, rows // 2), k), first)
        x0 = np.stack([first, second], axis=2).reshape(n_chains, rows, 3)

        def observable(e):
            return -e / (k * rows / 2)

    independent = rows if case.startswith("vmf") else rows // 2
    t_burn = 10.0 * spec["tau"]
    t_avg = min(t_max, max(20.0, 2.0 * spec["tau"] * var / (se_target**2 * independent * n_chains)))
    record_every = max(1, round(spec["tau"] / 2 / h))
    n_steps = round((t_burn + t_avg) / (h * record_every)) * record_every
    integrator = _WEAK_ORDER_INTEGRATORS[name]()
    start = time.time()
    res = simulate(
        energy,
        jnp.asarray(x0, jnp.float32),
        jax.random.key(seed),
        schedule=schedules.constant(1.0),
        step_size=h,
        n_steps=n_steps,
        record_every=record_every,
        integrator=integrator,
    )
    per_chain = observable(res.energy[:, res.t >= t_burn].astype(np.float64)).mean(axis=1)
    mean = float(per_chain.mean())
    row = {
        "case": case,
        "integrator": name,
        "h": h,
        "mean": mean,
        "exact": exact,
        "bias": mean - exact,
        "variance": var,
        "se": float(per_chain.std(ddof=1) / math.sqrt(n_chains)),
        "t_avg": t_avg,
        "n_steps": n_steps,
        "chains": n_chains,
        "rows": rows,
        "se_target": se_target,
        "seed": seed,
        "wall_time_s": time.time() - start,
    }
    if res.n_accepted is not None:
        row["acceptance"] = float(res.n_accepted[:, -1].mean() / n_steps)
    return row


def _polynomial(h, bias, se, powers) -> dict:
    """Weighted fit bias = sum_k a_k h^k over ``powers``: coefficients, SEs, chi2 and dof."""
    design = h[:, None] ** np.asarray(powers)[None, :]
    w = 1.0 / se**2
    cov = np.linalg.inv(design.T @ (w[:, None] * design))
    coef = cov @ design.T @ (w * bias)
    return {
        "coef": {f"a{k}": float(c) for k, c in zip(powers, coef)},
        "se": {f"a{k}": float(math.sqrt(cov[i, i])) for i, k in enumerate(powers)},
        "chi2": float(np.sum(w * (bias - design @ coef) ** 2)),
        "dof": len(h) - len(powers),
    }


def _bias_fits(rows: list[dict]) -> dict:
    """Fits of bias(h) for one integrator on one law.

    - ``slope``: weighted power law log|bias| = log a + p log h (SE of log|bias| = SE / |bias|; only where every
      bias has one sign and exceeds 3 SE), with the cost to |bias| <= 1e-3 in gradient evaluations per unit
      diffusion time, 1 / h* for h* = (1e-3 / a)^(1/p);
    - ``order1`` (a1 h + a2 h^2, and + a3 h^3 with six or more step sizes) against ``order2`` (a2 h^2 + a3 h^3, and
      + a4 h^4): as many parameters each, so their chi2 say which order the data follow;
    - ``full``: both together (a1 h + ... + a4 h^4 or a3 h^3), whose a1 is zero for a scheme of weak order 2 (the
      higher terms keep the curvature of the larger steps from posing as a linear term).
    """
    h = np.array([r["h"] for r in rows])
    bias, se = np.array([r["bias"] for r in rows]), np.array([r["se"] for r in rows])
    out: dict = {"min_bias_over_se": float(np.min(np.abs(bias) / se))}
    if np.all(np.sign(bias) == np.sign(bias[0])) and out["min_bias_over_se"] > 3:
        fit = _weighted_line(np.log(h), np.log(np.abs(bias)), se / np.abs(bias))
        a, p = math.exp(fit["intercept"]), fit["slope"]
        out.update(
            slope=p,
            slope_se=fit["slope_se"],
            chi2=fit["chi2"],
            dof=fit["dof"],
            coefficient=a,
            sign=int(np.sign(bias[0])),
            grads_per_time_for_1e_3=1.0 / (1e-3 / a) ** (1.0 / p),
        )
    top = 4 if len(h) >= 6 else 3
    out["order1"] = _polynomial(h, bias, se, tuple(range(1, top)))
    out["order2"] = _polynomial(h, bias, se, tuple(range(2, top + 1)))
    if len(h) > top:
        out["full"] = _polynomial(h, bias, se, tuple(range(1, top + 1)))
    return out


def weak_order_fits(rows: list[dict]) -> dict:
    """:func:`_bias_fits` of every (law, integrator) of a weak-order study with four step sizes or more, but MALA
    (which has no bias)."""
    groups: dict[str, list[dict]] = {}
    for r in rows:
        if r["integrator"] != "mala":
            groups.setdefault(f"{r['case']}/{r['integrator']}", []).append(r)
    fits = {key: _bias_fits(got) for key, got in sorted(groups.items()) if len(got) >= 4}
    for key, fit in fits.items():
        case, name = key.split("/")
        if name == "leimkuhler_matthews_uncorrected":  # the first-order term the curvature correction cancels (d = 3)
            k = WEAK_ORDER_CASES[case]["kappa"]
            fit["a1_predicted"] = -(5.0 / 12.0) * k * _vmf3_variance(k)
    return fits


def weak_order_study(
    out: str | Path,
    *,
    n_chains: int = 4096,
    rows: int = 32,
    t_max: float = 5000.0,
    seed: int = 0,
    cases: str = "vmf_bk2,vmf_bk8,pair_bk8",
    log=print,
) -> dict:
    """Bias of E[mu . x] against the step size for every integrator on the von Mises-Fisher law on S^2 (beta kappa
    = 2 and 8) and on a coupled pair of rows (E = -kappa x_1 . x_2, whose E[x_1 . x_2] is the same closed form).

    Each run starts from the exact law, burns in 10 autocorrelation times and averages over enough time that the
    SE is about a tenth of the expected bias at the smallest step (``WEAK_ORDER_CASES``); the fits are those of
    :func:`_bias_fits`. Writes ``study.json`` after every run, and skips the runs it already holds (resumable and
    extensible: a step size added to the grid runs alone). Returns the study.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "study.json"
    stored = io.load_json(path)["rows"] if path.exists() else []
    done = {(r["case"], r["integrator"], r["h"]): r for r in stored}
    rows_out: list[dict] = [r for r in stored if r["case"] not in cases.split(",")]  # other cases: kept as stored

    def save():
        result = {
            "kind": "weak_order",
            "observable": "E[mu . x] (vMF, beta = 1) or E[x_1 . x_2] (coupled pair)",
            "rows": rows_out,
            "fits": weak_order_fits(rows_out),
            "n_chains": n_chains,
            "rows_per_chain": rows,
            "seed": seed,
            "float": "float32",
            "provenance": io.provenance(),
        }
        io.save_json(path, result)
        return result

    for case in cases.split(","):
        for name, (hs, targets) in WEAK_ORDER_CASES[case]["runs"].items():
            targets = targets if isinstance(targets, tuple) else (targets,) * len(hs)
            got = []
            for h, target in zip(hs, targets):
                row = done.get((case, name, h))
                if row is None or row.get("se_target", row["se"]) > 1.5 * target:  # resumable: a stored run kept
                    # when it aimed at this SE (MALA's SE stays above its aim where acceptance slows the chain)
                    run_seed = (
                        seed
                        + round(h * 1e4)
                        + 7
                        + 100_000
                        * (list(WEAK_ORDER_CASES).index(case) * 10 + list(_WEAK_ORDER_INTEGRATORS).index(name))
                    )
                    row = _weak_order_run(
                        case, name, h, rows=rows, n_chains=n_chains, se_target=target, seed=run_seed, t_max=t_max
                    )
                    log(
                        f"{case} {name} h={h}: bias {row['bias']:+.3e} +- {row['se']:.1e} "
                        f"({row['n_steps']} steps, {row['wall_time_s']:.0f} s)"
                    )
                got.append(row)
                rows_out.append(row)
                save()
            if name != "mala":
                fit = _bias_fits(got)
                log(
                    f"{case} {name}: slope {fit.get('slope', float('nan')):.2f} +- "
                    f"{fit.get('slope_se', float('nan')):.2f}"
                    f"; chi2 order 1 {fit['order1']['chi2']:.1f}, order 2 {fit['order2']['chi2']:.1f} "
                    f"(dof {fit['order2']['dof']})"
                )
    return save()


_CLI = {  # study name -> (function, help, {option: (type, default)}); every study takes --out
    "critical-depth": (
        critical_depth_study,
        "c* of a contrastive landscape by minimum-energy paths",
        {"kind": (str, "infonce"), "M": (int, 8), "d": (int, 2), "tau": (float, 0.05), "n_starts": (int, 256)},
    ),
    "kramers": (
        kramers_study,
        "mean escape time vs beta from the trap of a closed-form two-well energy",
        {"n_chains": (int, 512)},
    ),
    "c-sweep": (
        c_sweep_study,
        "success at a fixed time vs c of the logarithmic schedule, around c* (two-well)",
        {"n_chains": (int, 1024), "t_max": (float, 2000.0)},
    ),
    "landscape-c-sweep": (
        landscape_c_sweep_study,
        "success vs c around the cached c* of a contrastive landscape",
        {"depth_study": (str, None), "n_chains": (int, 256), "t_max": (float, 50.0)},
    ),
    "tails": (
        tails_study,
        "finite-time tails P(E_t - E* > eps) ~ t^-alpha of logarithmic annealing",
        {"n_chains": (int, 2048)},
    ),
    "weak-order": (
        weak_order_study,
        "bias of a stationary average vs the step size, per integrator (vMF, coupled pair)",
        {
            "n_chains": (int, 4096),
            "rows": (int, 32),
            "t_max": (float, 5000.0),
            "cases": (str, "vmf_bk2,vmf_bk8,pair_bk8"),
        },
    ),
    "escape": (
        escape_study,
        "mean escape time vs beta: a DHEL minimum (Arrhenius) and an InfoNCE plateau",
        {"part": (str, "both"), "catalogue": (str, "experiments/landscapes/dhel-circle-M8-tau0.1"), "seed": (int, 0)},
    ),
}


def main(argv=None, prog: str = "python -m langevin_sphere.research.studies") -> int:
    p = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="study", required=True)
    for name, (_, help_text, options) in _CLI.items():
        q = sub.add_parser(name, help=help_text)
        q.add_argument("--out", required=True)
        for option, (kind, default) in options.items():
            q.add_argument(
                "--" + option.replace("_", "-"), dest=option, type=kind, default=default, required=default is None
            )
    args = vars(p.parse_args(argv))
    fn, _, options = _CLI[args.pop("study")]
    if args.get("kind") not in (None, *_CONTRASTIVE):
        p.error(f"--kind must be one of {sorted(_CONTRASTIVE)}, got {args['kind']!r}")
    fn(args.pop("out"), **args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
