"""Convergence statistics of many chains: success fractions with binomial confidence intervals, energy quantiles,
hitting times, trapping events and the distance to the optimum set.

Takes recorded arrays (numpy) and returns numbers; it runs no dynamics and draws nothing.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "wilson_interval",
    "success",
    "outcomes",
    "energy_quantiles",
    "success_curve",
    "first_hitting_time",
    "kaplan_meier",
    "trapping_events",
]


def wilson_interval(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion k / n (95% for z = 1.96).

    Reference: E. B. Wilson, *Probable inference, the law of succession, and statistical inference*,
    J. Am. Stat. Assoc. 22, 209-212 (1927).

    Examples:
      >>> [round(v, 4) for v in wilson_interval(0, 10)]
      [0.0, 0.2775]
    """
    if n <= 0:
        return (0.0, 1.0)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def success(gap: np.ndarray, eps: float) -> dict[str, float]:
    """Fraction of chains whose energy gap E - E* is <= eps, with its Wilson 95% interval.

    Chains with a non-finite gap (failed chains) count as failures; ``trapped`` counts finite gaps > eps.
    """
    gap = np.asarray(gap, dtype=np.float64)
    n = gap.size
    ok = int(np.sum(np.isfinite(gap) & (gap <= eps)))
    trapped = int(np.sum(np.isfinite(gap) & (gap > eps)))
    lo, hi = wilson_interval(ok, n)
    return {
        "n": n,
        "success": ok / n,
        "success_lo": lo,
        "success_hi": hi,
        "trapped": trapped / n,
        "failed": (n - ok - trapped) / n,
    }


def outcomes(kind: np.ndarray, energy: np.ndarray, e_star: float, eps: float) -> dict[str, dict]:
    """What became of each chain: success / trapped in a minimum / on a plateau / at a saddle / unconverged.

    ``success`` is a minimum within ``eps`` of E*; ``minimum`` a minimum more than ``eps`` above it (trapped behind a
    barrier); ``plateau``, ``saddle`` and ``unconverged`` as classified by :func:`langevin_sphere.landscape.classify`.
    Each entry: ``{"count", "fraction", "lo", "hi"}`` with the Wilson 95% interval; the counts add up to the chains.

    Examples:
      >>> o = outcomes(np.array(["minimum", "minimum", "plateau", "minimum"]), np.array([0.0, 0.5, 0.7, 1e-4]), 0.0,
      ...              1e-3)
      >>> [(k, v["count"]) for k, v in o.items()]
      [('success', 2), ('minimum', 1), ('plateau', 1), ('saddle', 0), ('unconverged', 0)]
    """
    kind, gap = np.asarray(kind).astype(str), np.asarray(energy, np.float64) - e_star
    at_min = kind == "minimum"
    masks = {
        "success": at_min & (gap <= eps),
        "minimum": at_min & ~(gap <= eps),
        "plateau": kind == "plateau",
        "saddle": kind == "saddle",
        "unconverged": ~np.isin(kind, ["minimum", "plateau", "saddle"]),
    }
    n = kind.size
    out = {}
    for name, mask in masks.items():
        lo, hi = wilson_interval(int(mask.sum()), n)
        out[name] = {"count": int(mask.sum()), "fraction": float(mask.sum()) / max(n, 1), "lo": lo, "hi": hi}
    return out


def energy_quantiles(energy: np.ndarray, qs=(0.05, 0.25, 0.5, 0.75, 0.95)) -> dict[str, np.ndarray]:
    """Mean and quantiles over chains (axis 0) of a (B, R) energy record, ignoring NaN of failed chains."""
    out = {"mean": np.nanmean(energy, axis=0)}
    for q in qs:
        out[f"q{round(100 * q):02d}"] = np.nanquantile(energy, q, axis=0)
    return out


def success_curve(gap: np.ndarray, eps: float, z: float = 1.96) -> dict[str, np.ndarray]:
    """P(E_t - E* <= eps) over chains at every record, with Wilson confidence bands.

    Args:
      gap: (B, R) energy above the optimum of every chain at every record (NaN for failed chains: failures).
      eps: success threshold.

    Returns:
      ``{"p": (R,), "lo": (R,), "hi": (R,), "n": B}``.
    """
    gap = np.asarray(gap, dtype=np.float64)
    hits = np.sum(np.isfinite(gap) & (gap <= eps), axis=0)
    n = gap.shape[0]
    bands = np.array([wilson_interval(int(k), n, z) for k in hits]).reshape(-1, 2)
    return {"p": hits / n, "lo": bands[:, 0], "hi": bands[:, 1], "n": n}


def first_hitting_time(gap: np.ndarray, t: np.ndarray, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """First recorded time at which each chain's gap is <= eps.

    Returns (times (B,), observed (B,) bool): chains that never hit are censored at the last record time
    (``observed`` False), which is what :func:`kaplan_meier` expects.
    """
    hit = np.isfinite(gap) & (gap <= eps)
    observed = hit.any(axis=1)
    times = np.where(observed, np.asarray(t)[np.argmax(hit, axis=1)], np.asarray(t)[-1])
    return times, observed


def kaplan_meier(times: np.ndarray, observed: np.ndarray, z: float = 1.96) -> dict[str, np.ndarray]:
    """Kaplan-Meier estimate of the survival S(t) = P(T > t) of a first hitting time T with right censoring.

    S(t) = prod_{t_i <= t} (1 - d_i / n_i) over the distinct observed times t_i (d_i hits, n_i at risk), with
    Greenwood's variance Var S = S^2 sum d_i / (n_i (n_i - d_i)) for the pointwise band S +- z sqrt(Var S), clipped
    to [0, 1].

    Returns ``{"t": (K,), "survival": (K,), "lo": (K,), "hi": (K,)}`` at the distinct observed times.

    Reference: E. L. Kaplan, P. Meier, *Nonparametric estimation from incomplete observations*,
    J. Am. Stat. Assoc. 53, 457-481 (1958).

    Examples:
      >>> kaplan_meier(np.array([1.0, 2.0, 3.0, 3.0]), np.array([True, True, False, True]))["survival"].tolist()
      [0.75, 0.5, 0.25]
    """
    times, observed = np.asarray(times, dtype=np.float64), np.asarray(observed, dtype=bool)
    event_times = np.unique(times[observed])
    at_risk = np.array([np.sum(times >= s) for s in event_times])
    hits = np.array([np.sum((times == s) & observed) for s in event_times])
    survival = np.cumprod(1.0 - hits / at_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        green = np.cumsum(np.where(at_risk > hits, hits / (at_risk * (at_risk - hits)), 0.0))
    half = z * survival * np.sqrt(green)
    return {
        "t": event_times,
        "survival": survival,
        "lo": np.clip(survival - half, 0, 1),
        "hi": np.clip(survival + half, 0, 1),
    }


def trapping_events(
    basin: np.ndarray, basin_energy: np.ndarray, t: np.ndarray, e_star: float, eps: float, window: float
) -> list[dict]:
    """Trapping events from a sequence of quenches (the inherent-structure method).

    A chain is *trapped* while its quenched configuration lies in one non-global basin (quenched energy more than
    ``eps`` above E*) for at least ``window`` of diffusion time. Each maximal stay in one basin that lasts that long
    is an event; it ends with an *escape* when the chain's quench leaves that basin, or is still open at the end.

    Args:
      basin: (B, Q) integer basin label of every chain at every quench (e.g. from a basin signature; equal labels =
        same basin).
      basin_energy: (B, Q) quenched energy (NaN for a failed chain: it ends any event).
      t: (Q,) times of the quenches.
      e_star: the global minimum energy.
      eps: energies within eps of E* are the global basin.
      window: minimal stay W to count as trapped.

    Returns:
      One dict per event: chain, basin, energy, gap (energy - E*), entry (first quench time in the basin),
      exit (first quench time outside it, or None if still trapped at the end), escaped (bool), duration.

    Examples:
      >>> ev = trapping_events(np.array([[0, 1, 1, 1, 0]]), np.array([[5.0, 5.4, 5.4, 5.4, 5.0]]),
      ...                      np.arange(5.0), e_star=5.0, eps=1e-3, window=2.0)
      >>> [(e["entry"], e["exit"], round(e["gap"], 3)) for e in ev]
      [(1.0, 4.0, 0.4)]
    """
    basin, basin_energy, t = np.asarray(basin), np.asarray(basin_energy, dtype=np.float64), np.asarray(t)
    n_chains, n_q = basin.shape
    trapped = np.isfinite(basin_energy) & (basin_energy - e_star > eps)
    events = []
    for b in range(n_chains):  # a loop over chains and quench records, after the run: never over steps
        start = None
        for q in range(n_q + 1):
            same = q < n_q and trapped[b, q] and start is not None and basin[b, q] == basin[b, start]
            if same:
                continue
            if start is not None:
                end_time = t[q] if q < n_q else t[-1]
                if end_time - t[start] >= window:
                    escaped = q < n_q and np.isfinite(basin_energy[b, q])
                    events.append(
                        {
                            "chain": b,
                            "basin": int(basin[b, start]),
                            "energy": float(basin_energy[b, start]),
                            "gap": float(basin_energy[b, start] - e_star),
                            "entry": float(t[start]),
                            "exit": float(t[q]) if escaped else None,
                            "escaped": bool(escaped),
                            "duration": float(end_time - t[start]),
                        }
                    )
            start = q if q < n_q and trapped[b, q] else None
    return events


def distance_to_optimum(x, x_star, *, pairs: bool = True, swap_views: bool = True):
    """Deprecated name: the distance to the optimum's orbit is :func:`langevin_sphere.symmetries.distance_to_optimum`
    (it needs the symmetries' alignment, which is geometry, not statistics)."""
    import warnings

    from . import symmetries

    warnings.warn(
        "diagnostics.distance_to_optimum moved to langevin_sphere.symmetries.distance_to_optimum",
        DeprecationWarning,
        stacklevel=2,
    )
    return symmetries.distance_to_optimum(x, x_star, pairs=pairs, swap_views=swap_views)
