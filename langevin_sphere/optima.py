"""Known global minima (E*) of the contrastive energies, in closed form, with the configurations that attain them.

- M <= d + 1: U = V = a regular simplex (u_i . u_j = -1/(M-1)) minimises InfoNCE (symmetric and one-sided),
  E* = log(1 + (M-1) exp(-M / ((M-1) tau)))  (Koromilas et al. 2024, arXiv:2405.18045).
- d = 2 (the circle): U = V = the regular M-gon, E* = log sum_{j<M} exp((cos(2 pi j / M) - 1) / tau).
- elsewhere: the best energy found by a documented multi-start search with a converged quench, cached with its
  provenance in ``best_known.toml`` beside this module (:func:`best_known`).

This module only evaluates formulas and builds configurations; searching for unknown minima is ``landscape``'s job.
"""

from __future__ import annotations

import math
import tomllib
from importlib import resources

import numpy as np

__all__ = ["simplex_energy", "polygon_energy", "simplex", "polygon", "infonce_optimum", "best_known"]


def _check(M: int, tau: float) -> None:
    if not isinstance(M, (int, np.integer)) or M < 2:
        raise ValueError(f"M (number of pairs) must be an integer >= 2, got M={M!r}")
    if not (tau > 0 and math.isfinite(tau)):
        raise ValueError(f"tau must be a finite number > 0, got tau={tau!r}")


def simplex_energy(M: int, tau: float) -> float:
    """InfoNCE energy of U = V = a regular simplex of M points: log(1 + (M-1) exp(-M / ((M-1) tau))).

    It is the global minimum when M <= d + 1.

    Examples:
      >>> round(simplex_energy(2, 1.0), 6)     # two antipodal points: log(1 + e^-2)
      0.126928
    """
    _check(M, tau)
    return math.log1p((M - 1) * math.exp(-M / ((M - 1) * tau)))


def polygon_energy(M: int, tau: float) -> float:
    """InfoNCE energy of U = V = the regular M-gon on the circle: log sum_{j<M} exp((cos(2 pi j/M) - 1) / tau).

    Examples:
      >>> abs(polygon_energy(3, 0.3) - simplex_energy(3, 0.3)) < 1e-12   # the triangle is the 2-simplex
      True
    """
    _check(M, tau)
    z = np.array([(math.cos(2 * math.pi * j / M) - 1.0) / tau for j in range(M)])
    return float(math.log(np.sum(np.exp(z))))  # every term <= 1 and the j = 0 term is 1: no overflow, no underflow


def simplex(M: int, d: int) -> np.ndarray:
    """A regular simplex of M unit vectors in R^d (needs M <= d + 1): rows with u_i . u_j = -1/(M-1). Shape (M, d)."""
    if M < 2 or M > d + 1:
        raise ValueError(f"a regular simplex of M points in R^d needs 2 <= M <= d + 1, got M={M}, d={d}")
    centred = np.eye(M) - 1.0 / M  # vertices e_i - centroid, in the (M-1)-dim subspace orthogonal to (1, ..., 1)
    q, _ = np.linalg.qr(centred.T)  # orthonormal basis of R^M; the first M-1 columns span that subspace
    coords = centred @ q[:, : M - 1]  # (M, M-1)
    coords /= np.linalg.norm(coords, axis=1, keepdims=True)
    out = np.zeros((M, d))
    out[:, : M - 1] = coords
    return out


def polygon(M: int, phase: float = 0.0) -> np.ndarray:
    """The regular M-gon on the circle S^1, shape (M, 2)."""
    angles = phase + 2 * math.pi * np.arange(M) / M
    return np.stack([np.cos(angles), np.sin(angles)], axis=1)


def infonce_optimum(M: int, d: int, tau: float) -> tuple[float, np.ndarray] | None:
    """Closed-form global minimum of InfoNCE for M pairs in R^d, as (E*, X*) with X* = [U; V] of shape (2M, d).

    Returns ``None`` where no closed form is known (d >= 3 and M > d + 1).
    """
    _check(M, tau)
    if M <= d + 1:
        u = simplex(M, d)
        return simplex_energy(M, tau), np.concatenate([u, u])
    if d == 2:
        u = polygon(M)
        return polygon_energy(M, tau), np.concatenate([u, u])
    return None


def best_known(kind: str, M: int, d: int, tau: float, *, symmetric: bool = True) -> dict | None:
    """The best-known minimum of a landscape without a closed form, from the cache ``best_known.toml``.

    Each entry records E_star, the search that found it (starts, seed, quench tolerance) and the closed-form check
    where one exists. Returns the entry as a dict (keys ``E_star``, ``provenance``, ...), or None if not cached.

    Examples:
      >>> best_known("infonce", 2, 2, 1.0) is None     # closed form there: see infonce_optimum
      True
    """
    text = resources.files("langevin_sphere").joinpath("best_known.toml").read_text()
    for entry in tomllib.loads(text).get("landscape", []):
        if (entry["kind"], entry["M"], entry["d"], entry.get("symmetric", True)) == (kind, M, d, symmetric) and (
            math.isclose(entry["tau"], tau, rel_tol=1e-9)
        ):
            return entry
    return None
