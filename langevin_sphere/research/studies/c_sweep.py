"""Success at a fixed time against the constant c of the logarithmic schedule, around c*: on the two-well
energy and on a stored contrastive landscape (``langevin-sphere study c-sweep``, ``landscape-c-sweep``).
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from ... import landscape
from ...core import io, schedules, sphere
from ...core.simulate import simulate
from ...landscape import barriers, diagnostics
from .critical_depth import _CONTRASTIVE
from .two_well import TiltedTwoWell


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
