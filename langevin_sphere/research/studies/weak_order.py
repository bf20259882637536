"""The weak order of the integrators: bias of a stationary average against the step size on the von
Mises-Fisher law and a coupled pair, with weighted polynomial fits (``langevin-sphere study weak-order``).
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from ...core import energies, integrators, io, schedules
from ...core.simulate import simulate
from .escape import _weighted_line


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
