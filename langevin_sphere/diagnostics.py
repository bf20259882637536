"""Convergence statistics of many chains: success fractions with binomial confidence intervals, energy quantiles.

Takes recorded arrays (numpy) and returns numbers; it runs no dynamics and draws nothing.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["wilson_interval", "success", "energy_quantiles"]


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
    return {"n": n, "success": ok / n, "success_lo": lo, "success_hi": hi, "trapped": trapped / n,
            "failed": (n - ok - trapped) / n}


def energy_quantiles(energy: np.ndarray, qs=(0.05, 0.25, 0.5, 0.75, 0.95)) -> dict[str, np.ndarray]:
    """Mean and quantiles over chains (axis 0) of a (B, R) energy record, ignoring NaN of failed chains."""
    out = {"mean": np.nanmean(energy, axis=0)}
    for q in qs:
        out[f"q{round(100 * q):02d}"] = np.nanquantile(energy, q, axis=0)
    return out
