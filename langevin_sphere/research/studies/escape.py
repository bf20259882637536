"""Escape times from a DHEL minimum (Arrhenius in beta) and from an InfoNCE plateau, with the exit tests,
the sub-stepping integrator wrapper and the censored estimates (``langevin-sphere study escape``).
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import ClassVar

import jax
import jax.numpy as jnp
import numpy as np

from ... import landscape
from ...core import energies, integrators, io, schedules, sphere
from ...core.simulate import simulate
from ...landscape import barriers, optima
from .. import config
from .critical_depth import _CONTRASTIVE
from .two_well import escape_times


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


def _strings_out(energy, minima, start, is_minimum, e_start_cat, new, n_zero, log):
    """Stage 2 of :func:`_minimum_escape`: float64 strings from the start minimum to every other minimum (of the
    catalogue, and those the exploration found); returns the path rows, the saddles' Hessian spectra, the path
    arrays, the start's energy and its Hessian spectrum."""
    # 2. strings from the start to every other minimum, in float64. A string that ends on a critical point of index
    # >= 2 kept a symmetry of its geodesic start (the two pairs of a cluster splitting at once): it is run again from
    # the geodesic with noise on its interior images (which breaks the symmetry), and the lower converged index-1
    # result is kept
    targets = [(f"catalogue {j}", minima[j]) for j in range(len(minima)) if j != start and is_minimum[j]]
    targets += [(f"found (E - E_start = {e - e_start_cat:.5f})", x) for e, x in new]
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
    return paths, saddles, arrays, e_start, lam_start


def _escape_rows(
    energy,
    x_start,
    key,
    barrier,
    prefactor,
    exploration,
    explore_beta,
    arrays,
    *,
    beta_barrier,
    n_chains,
    step_size,
    check_time,
    k,
    t_equilibrate,
    t_factor,
    radius,
    log,
) -> list[dict]:
    """Stage 3 of :func:`_minimum_escape`: the mean escape time at each beta = beta_barrier / barrier, from chains
    equilibrated in the basin; the times and exit flags go into ``arrays``."""
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
    return rows


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

    paths, saddles, arrays, e_start, lam_start = _strings_out(
        energy, minima, start, is_minimum, e_cat[start], new, n_zero, log
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

    rows = _escape_rows(
        energy,
        x_start,
        key,
        barrier,
        prefactor,
        exploration,
        explore_beta,
        arrays,
        beta_barrier=beta_barrier,
        n_chains=n_chains,
        step_size=step_size,
        check_time=check_time,
        k=k,
        t_equilibrate=t_equilibrate,
        t_factor=t_factor,
        radius=radius,
        log=log,
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
