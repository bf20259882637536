"""Studies of the landscape and of annealing beyond a schedule comparison: critical depth, Kramers escape rates, the
c-sweep of the logarithmic schedule. Each study writes its results to a folder (``study.json`` with a ``"kind"``
field, plus ``.npz`` arrays); :mod:`langevin_sphere.figures` draws them from those files only.

    python -m langevin_sphere.studies critical-depth --out experiments/studies/critical_depth_circle-M8-tau0.05
    python -m langevin_sphere.studies kramers --out experiments/studies/kramers_two_well
    python -m langevin_sphere.studies c-sweep --out experiments/studies/c_sweep_two_well
    langevin-sphere figures --runs experiments/studies --out figures

The saved results of these commands are kept under ``experiments/studies/`` (tracked: c* is a cached, documented
number with its provenance).

This module runs studies and saves numbers; the methods are in ``barriers``, ``landscape``, ``integrators`` and
``simulate``, the drawing in ``figures``.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from . import barriers, diagnostics, energies, integrators, io, landscape, optima, sphere

__all__ = ["TiltedTwoWell", "critical_depth_study", "escape_times", "kramers_study", "c_sweep_study", "landscape_c_sweep_study", "tails_study",
           "main"]


_CONTRASTIVE = {"infonce": energies.InfoNCE, "dhel": energies.DHEL}


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
    return energy, minima, {"n_starts": n_starts, "converged_starts": int(ok.sum()), "level_counts": counts,
                            "E_star": float(levels[0]) if known is None else known[0],
                            "E_star_source": "lowest quenched energy" if known is None else "closed form"}


def critical_depth_study(out: str | Path, *, kind: str = "infonce", M: int = 8, d: int = 2, tau: float = 0.05,
                         n_starts: int = 256,
                         seed: int = 0, n_images: int = 32, step: float = 3e-2, max_steps: int = 100_000,
                         energy_tol: float = 1e-3, log=print) -> dict:
    """c* of a contrastive landscape (``kind`` "infonce", symmetric, or "dhel"; M pairs on S^{d-1}, temperature
    tau), in float64.

    Minima: converged quenches (|grad| < 1e-5) of ``n_starts`` uniform starts (key ``seed``), one per energy level
    (levels closer than ``energy_tol`` are one minimum up to the symmetries), plus the closed-form optimum. Every
    pair is joined by :func:`langevin_sphere.barriers.minimum_energy_path` after :func:`~langevin_sphere.barriers.align`;
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
        res = barriers.critical_depth(energy, minima, n_images=n_images, energy_tol=energy_tol, log=log,
                                      step=step, max_steps=max_steps, tol=1e-5, saddle_tol=1e-6)
        grad_norm = np.asarray(jax.vmap(lambda x: landscape.gradient_norm(energy, x))(minima))
    k = len(minima)
    profiles = {f"energies_{i}_{j}": np.asarray(p.energies) for (i, j), p in res["paths"].items()}
    profiles.update({f"arc_{i}_{j}": np.asarray(p.arc_length) for (i, j), p in res["paths"].items()})
    io.save_npz(out / "paths.npz", {"minima": np.asarray(minima), **profiles})
    summary = {
        "kind": "critical_depth",
        "landscape": {"energy": type(energy).__name__, "M": M, "d": d, "tau": tau},
        "method": {"minima": f"quench_info of {n_starts} uniform starts (key {seed}), one per energy level "
                             f"(tolerance {energy_tol}); closed-form optimum added",
                   "paths": f"string method, {n_images} images, step {step}, velocity tol 1e-5, climbing image to "
                            f"|grad| < 1e-6, float64; minima aligned by O(d) + pair relabelling + U<->V",
                   **meta},
        "energy": res["energy"].tolist(), "gap": (res["energy"] - res["energy"].min()).tolist(),
        "minimum_grad_norm": grad_norm.tolist(),
        "saddle": [[None if not np.isfinite(v) else float(v) for v in row] for row in res["saddle"]],
        "converged": res["converged"].tolist(),
        "depth": [None if not np.isfinite(v) else float(v) for v in res["depth"]],
        "c_star": res["c_star"], "deepest": res["deepest"], "n_minima": k,
        "all_paths_converged": bool(res["converged"][~np.eye(k, dtype=bool)].all()),
        "wall_time_s": time.time() - t0, "provenance": io.provenance(),
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


def escape_times(energy, x0, key, *, beta: float, step_size: float, t_max: float, escaped, integrator=None,
                 chunk_steps: int = 5000):
    """First time each chain at fixed ``beta`` satisfies ``escaped(x)``; t_max (censored) for those that never do.

    Runs ``integrator`` (geodesic Euler-Maruyama by default) on every chain of x0 (B, n, d) with noise key
    fold_in(fold_in(key, b), k) for chain b at step k, checking ``escaped`` after every step, in compiled chunks of
    ``chunk_steps`` steps until every chain escaped or t_max. Returns (times (B,), escaped (B,) bool), numpy.
    """
    integrator = integrator if integrator is not None else integrators.GeodesicEulerMaruyama()
    n_chains = x0.shape[0]
    chain_keys = jax.vmap(lambda b: jax.random.fold_in(key, b))(jnp.arange(n_chains))
    h = jnp.asarray(step_size, x0.dtype)

    @jax.jit
    def chunk(states, first, k0):
        def one(carry, k):
            states, first = carry
            keys = jax.vmap(jax.random.fold_in, in_axes=(0, None))(chain_keys, k)
            states = jax.vmap(integrator.step, in_axes=(None, 0, 0, None, None))(energy, states, keys, h, beta)
            out = jax.vmap(escaped)(states.x)
            first = jnp.where((first < 0) & out, k + 1, first)
            return (states, first), None

        return jax.lax.scan(one, (states, first), k0 + jnp.arange(chunk_steps))[0]

    states = jax.vmap(lambda x: integrator.init(energy, x))(x0)
    first = jnp.full((n_chains,), -1, jnp.int32)
    n_max = int(math.ceil(t_max / step_size))
    k = 0
    while k < n_max and bool(jnp.any(first < 0)):
        states, first = chunk(states, first, jnp.asarray(k, jnp.int32))
        k += chunk_steps
    first = np.asarray(first)
    done = (first >= 0) & (first <= n_max)
    return np.where(done, first * step_size, n_max * step_size), done


def kramers_study(out: str | Path, *, betas=(4.0, 5.5, 7.0, 8.5, 10.0), n_chains: int = 512,
                  step_size: float = 1e-2, a: float = 0.5, b: float = 0.5, t_factor: float = 3.0, seed: int = 0,
                  log=print) -> dict:
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
        times, done = escape_times(energy, x0, jax.random.fold_in(jax.random.key(seed), i), beta=beta,
                                   step_size=step_size, t_max=t_max, escaped=lambda x: x[0, 0] > 0.5)
        n_esc = int(done.sum())
        tau = float(times.sum() / max(n_esc, 1))
        rows.append({"beta": beta, "mean_escape_time": tau, "se_log": 1.0 / math.sqrt(max(n_esc, 1)),
                     "escaped": n_esc, "n_chains": n_chains, "t_max": t_max,
                     "kramers_time": energy.kramers_time(beta)})
        arrays[f"times_{i}"], arrays[f"escaped_{i}"] = times, done
        log(f"beta {beta}: tau = {tau:.4g} (Eyring-Kramers {energy.kramers_time(beta):.4g}), {n_esc}/{n_chains} escaped")
    beta_arr = np.array([r["beta"] for r in rows])
    y = np.log([r["mean_escape_time"] for r in rows])
    w = 1.0 / np.array([r["se_log"] for r in rows]) ** 2
    design = np.stack([np.ones_like(beta_arr), beta_arr], axis=1)
    cov = np.linalg.inv(design.T @ (w[:, None] * design))
    coef = cov @ design.T @ (w * y)
    chi2 = float(np.sum(w * (y - design @ coef) ** 2))
    summary = {
        "kind": "kramers",
        "energy": {"name": "TiltedTwoWell", "a": a, "b": b, "formula": "a (-cos 2 theta - b cos theta), one row on S^1"},
        "barrier_string": barrier, "barrier_closed_form": energy.barrier(),
        "slope": float(coef[1]), "slope_se": float(math.sqrt(cov[1, 1])), "intercept": float(coef[0]),
        "chi2": chi2, "dof": len(rows) - 2,
        "relative_error": float(coef[1] / barrier - 1.0),
        "integrator": "GeodesicEulerMaruyama", "step_size": step_size, "seed": seed,
        "escape": "first step with cos(theta) > 1/2, chains started at the trap theta = pi",
        "rows": rows, "wall_time_s": time.time() - t0, "provenance": io.provenance(),
    }
    io.save_npz(out / "escape_times.npz", {"beta": beta_arr, **arrays})
    io.save_json(out / "study.json", summary)
    log(f"slope {coef[1]:.4f} +- {math.sqrt(cov[1, 1]):.4f} vs barrier {barrier:.4f} "
        f"({100 * summary['relative_error']:+.1f}%), chi2 {chi2:.2f} / {len(rows) - 2} dof")
    return summary


def c_sweep_study(out: str | Path, *, factors=tuple(2.0 ** (k / 2) for k in range(-4, 4)), n_chains: int = 1024,
                  t_max: float = 2000.0, step_size: float = 2e-2, a: float = 0.5, b: float = 0.5, seed: int = 0,
                  log=print) -> dict:
    """Success probability at time t_max of the logarithmic schedule beta(t) = log(t + e) / c against c, around c*.

    Landscape: :class:`TiltedTwoWell`, whose only non-global minimum (the trap) has depth c* = its barrier (measured
    by the string method). Every chain starts at the trap; success = in the global basin (cos theta > -b/4) at t_max.
    c runs over c* x ``factors``. The quasi-static prediction: a two-state master equation with the Eyring-Kramers
    rates at the current beta(t), dp/dt = -p / tau_K,trap + (1 - p) / tau_K,global for the trap occupancy p
    (p(0) = 1), integrated exactly with piecewise-constant rates on a log grid of 4000 times; P(success) = 1 - p.
    Writes ``study.json`` (kind "c_sweep") to ``out``.
    """
    from . import schedules
    from .simulate import simulate

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    energy = TiltedTwoWell(a=a, b=b)
    trap = jnp.array([[-1.0, 0.0]])
    path = barriers.minimum_energy_path(energy, trap, jnp.array([[1.0, 0.0]]), n_images=32)
    c_star = float(barriers.depths(np.array([float(energy(jnp.array([[1.0, 0.0]]))), float(energy(trap))]),
                                   np.array([[np.nan, float(path.saddle_energy)], [float(path.saddle_energy), np.nan]]))[1])
    x0 = jnp.broadcast_to(trap, (n_chains, 1, 2))
    n_steps = int(round(t_max / step_size))
    t_grid = np.concatenate([[0.0], np.geomspace(1e-3, t_max, 4000)])
    rows = []
    for i, f in enumerate(factors):
        c = c_star * f
        res = simulate(energy, x0, jax.random.fold_in(jax.random.key(seed), i), schedule=schedules.logarithmic(c),
                       step_size=step_size, n_steps=n_steps, record_every=n_steps // 100, chunk_records=100)
        ok = int(np.sum(res.final[:, 0, 0] > -b / 4))
        lo, hi = diagnostics.wilson_interval(ok, n_chains)
        p_trap = 1.0
        for t_lo, t_hi in zip(t_grid[:-1], t_grid[1:]):
            beta = math.log(0.5 * (t_lo + t_hi) + math.e) / c
            k_out, k_in = 1.0 / energy.kramers_time(beta), 1.0 / energy.kramers_time(beta, "global")
            p_eq = k_in / (k_in + k_out)
            p_trap = p_eq + (p_trap - p_eq) * math.exp(-(k_in + k_out) * (t_hi - t_lo))
        predicted = 1.0 - p_trap
        rows.append({"c": c, "c_over_c_star": f, "success": ok / n_chains, "success_lo": lo, "success_hi": hi,
                     "n": n_chains, "predicted": predicted})
        log(f"c = {c:.4f} ({f:.3f} c*): success {ok}/{n_chains} = {ok / n_chains:.3f} [{lo:.3f}, {hi:.3f}], "
            f"quasi-static prediction {predicted:.3f}")
    summary = {
        "kind": "c_sweep",
        "energy": {"name": "TiltedTwoWell", "a": a, "b": b, "formula": "a (-cos 2 theta - b cos theta), one row on S^1"},
        "c_star": c_star, "c_star_source": "depth of the trap by the string method (barriers.minimum_energy_path)",
        "t_max": t_max, "step_size": step_size, "schedule": "logarithmic, beta(t) = log(t + e) / c",
        "start": "every chain at the trap theta = pi", "success": "cos(theta) > -b/4 at t_max (global basin)",
        "integrator": "GeodesicEulerMaruyama", "seed": seed, "rows": rows,
        "wall_time_s": time.time() - t0, "provenance": io.provenance(),
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


def tails_study(out: str | Path, *, c_factors=(1.5, 3.0), eps=(0.05, 0.1, 0.2, 0.3), n_chains: int = 2048,
                t_max: float = 3000.0, step_size: float = 2e-2, fit_from: float = 50.0, a: float = 0.5,
                b: float = 0.5, seed: int = 0, log=print) -> dict:
    """Finite-time tails of logarithmic annealing: P(E_t - E* > eps) ~ t^(-alpha), alpha against eps / c.

    On :class:`TiltedTwoWell` (c* = its trap's depth) with beta(t) = log(t + e) / c for c = c* x ``c_factors``
    (above c*), chains from uniform starts. alpha is the slope of -log P(E_t - E* > eps) against log t, fitted on
    t in [fit_from, t_max] by least squares on the recorded times. Predictions: the asymptotic quasi-equilibrium value
    eps / c (P ~ exp(-beta(t) eps)), and the slope of the exact Gibbs tail at beta(t) fitted on the same window
    (which adds the slowly vanishing prefactor term ~ 1 / (2 log t)). Writes ``study.json`` (kind "tails") and
    ``tails.npz`` (t, P per c and eps).
    """
    from . import schedules
    from .simulate import simulate

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
        res = simulate(energy, x0, jax.random.fold_in(jax.random.key(seed), i + 1), schedule=schedules.logarithmic(c),
                       step_size=step_size, n_steps=n_steps, record_every=record_every, chunk_records=50)
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
            rows.append({"c": c, "c_over_c_star": f, "eps": x, "alpha": alpha, "alpha_se": alpha_se,
                         "eps_over_c": x / c, "alpha_quasi_eq": float(alpha_eq),
                         "p_at_t_max": float(p[-1]), "n_chains": n_chains})
            log(f"c = {c:.3f}, eps = {x}: alpha = {alpha:.4f} +- {alpha_se:.4f}, eps/c = {x / c:.4f}, "
                f"quasi-equilibrium fit {alpha_eq:.4f}, P(t_max) = {p[-1]:.4f}")
    summary = {
        "kind": "tails",
        "energy": {"name": "TiltedTwoWell", "a": a, "b": b, "formula": "a (-cos 2 theta - b cos theta), one row on S^1"},
        "c_star": c_star, "E_star": e_star, "t_max": t_max, "fit_window": [fit_from, t_max], "step_size": step_size,
        "schedule": "logarithmic, beta(t) = log(t + e) / c", "start": "uniform", "integrator": "GeodesicEulerMaruyama",
        "alpha_se_note": "SE from 8 disjoint groups of chains (std of their fitted alpha / sqrt(8))",
        "c_factors": list(c_factors), "eps": list(eps), "rows": rows, "seed": seed,
        "wall_time_s": time.time() - t0, "provenance": io.provenance(),
    }
    io.save_npz(out / "tails.npz", arrays)
    io.save_json(out / "study.json", summary)
    return summary


def landscape_c_sweep_study(out: str | Path, *, depth_study: str | Path,
                            factors=tuple(2.0 ** (k / 2) for k in range(-4, 4)), n_chains: int = 256, t_max: float = 50.0, step_size: float = 2e-3, eps: float = 1e-3,
                            seed: int = 0, log=print) -> dict:
    """Success probability at t_max of logarithmic annealing against c, around the c* of a cached critical-depth study.

    The landscape (InfoNCE or DHEL, M, d, tau), c* and E* (its lowest minimum) are read from ``depth_study``'s
    ``study.json`` (:func:`critical_depth_study`). For each c = c* x ``factors``: ``n_chains`` chains from uniform
    starts (the same for every c), beta(t) = log(t + e) / c up to t_max, then every final state is quenched
    (:func:`langevin_sphere.landscape.quench_info`); success = quenched energy within ``eps`` of E*. Writes
    ``study.json`` (kind "c_sweep") to ``out``.
    """
    from . import schedules
    from .simulate import simulate

    depth = io.load_json(Path(depth_study) / "study.json")
    land = depth["landscape"]
    kind = {"InfoNCE": "infonce", "DHEL": "dhel"}[land["energy"]]
    energy = _CONTRASTIVE[kind](tau=land["tau"])
    c_star, e_star = float(depth["c_star"]), float(min(depth["energy"]))
    if not c_star > 1e-12:
        raise ValueError(f"landscape_c_sweep_study: the critical depth in {depth_study} is c* = {c_star:g}: there is no "
                         "scale to sweep c around (every minimum joins a lower one downhill)")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    x0 = sphere.uniform(jax.random.key(seed), (n_chains, 2 * land["M"], land["d"]))
    n_steps = int(round(t_max / step_size))
    quench = jax.jit(jax.vmap(lambda x: landscape.quench_info(energy, x)))
    rows = []
    for i, f in enumerate(factors):
        c = c_star * f
        res = simulate(energy, x0, jax.random.fold_in(jax.random.key(seed), i), schedule=schedules.logarithmic(c),
                       step_size=step_size, n_steps=n_steps, record_every=n_steps // 10, chunk_records=10)
        q = quench(jnp.asarray(res.final))
        ok = int(np.sum(np.asarray(q.energy, np.float64) - e_star <= eps))
        lo, hi = diagnostics.wilson_interval(ok, n_chains)
        rows.append({"c": c, "c_over_c_star": f, "success": ok / n_chains, "success_lo": lo, "success_hi": hi,
                     "n": n_chains, "predicted": None, "final_beta": float(res.beta[-1]),
                     "quench_not_converged": int(np.sum(~(np.asarray(q.grad_norm) < 1e-5)))})
        log(f"c = {c:.4f} ({f:.3f} c*): success {ok}/{n_chains} = {ok / n_chains:.3f} [{lo:.3f}, {hi:.3f}]")
    summary = {
        "kind": "c_sweep", "title": f"{land['energy']} M={land['M']} d={land['d']} tau={land['tau']}",
        "energy": {"name": land["energy"], **land}, "c_star": c_star,
        "c_star_source": f"critical-depth study {Path(depth_study).name} (minimum-energy paths)", "E_star": e_star,
        "t_max": t_max, "step_size": step_size, "eps": eps, "schedule": "logarithmic, beta(t) = log(t + e) / c",
        "start": f"uniform, sphere.uniform(key({seed}))", "success": f"quenched final energy within {eps} of E*",
        "integrator": "GeodesicEulerMaruyama", "seed": seed, "rows": rows,
        "wall_time_s": time.time() - t0, "provenance": io.provenance(),
    }
    io.save_json(out / "study.json", summary)
    return summary


_CLI = {  # study name -> (function, help, {option: (type, default)}); every study takes --out
    "critical-depth": (critical_depth_study, "c* of a contrastive landscape by minimum-energy paths",
                       {"kind": (str, "infonce"), "M": (int, 8), "d": (int, 2), "tau": (float, 0.05),
                        "n_starts": (int, 256)}),
    "kramers": (kramers_study, "mean escape time vs beta from the trap of a closed-form two-well energy",
                {"n_chains": (int, 512)}),
    "c-sweep": (c_sweep_study, "success at a fixed time vs c of the logarithmic schedule, around c* (two-well)",
                {"n_chains": (int, 1024), "t_max": (float, 2000.0)}),
    "landscape-c-sweep": (landscape_c_sweep_study, "success vs c around the cached c* of a contrastive landscape",
                          {"depth_study": (str, None), "n_chains": (int, 256), "t_max": (float, 50.0)}),
    "tails": (tails_study, "finite-time tails P(E_t - E* > eps) ~ t^-alpha of logarithmic annealing",
              {"n_chains": (int, 2048)}),
}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m langevin_sphere.studies", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="study", required=True)
    for name, (_, help_text, options) in _CLI.items():
        q = sub.add_parser(name, help=help_text)
        q.add_argument("--out", required=True)
        for option, (kind, default) in options.items():
            q.add_argument("--" + option.replace("_", "-"), dest=option, type=kind, default=default,
                           required=default is None)
    args = vars(p.parse_args(argv))
    fn, _, options = _CLI[args.pop("study")]
    if args.get("kind") not in (None, *_CONTRASTIVE):
        p.error(f"--kind must be one of {sorted(_CONTRASTIVE)}, got {args['kind']!r}")
    fn(args.pop("out"), **args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
