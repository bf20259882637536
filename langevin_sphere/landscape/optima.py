"""Known global minima (E*) of the contrastive energies, in closed form, with the configurations that attain them.

- M <= d + 1: U = V = a regular simplex (u_i . u_j = -1/(M-1)) minimises InfoNCE (symmetric and one-sided),
  E* = log(1 + (M-1) exp(-M / ((M-1) tau)))  (Koromilas et al. 2024, arXiv:2405.18045).
- d = 2 (the circle): U = V = the regular M-gon, E* = log sum_{j<M} exp((cos(2 pi j / M) - 1) / tau).
- M = 2d: U = V = the cross-polytope {+-e_k}, E* = log(1 + (2d - 2) exp(-1/tau) + exp(-2/tau)). The cross-polytope
  is universally optimal among 2d points (Cohn & Kumar 2007), but InfoNCE is a log-sum-exp, not a pair potential,
  so its optimality here is a measured fact, not a theorem: 256 uniform random starts quenched to |grad E| < 1e-5
  all reached it, none lower, at d = 3 (tau = 0.05, 0.1, 0.2, 0.5, 1; one-sided at 0.2), d = 4 and d = 5 (tau = 0.2).
- elsewhere: the best energy found by a documented multi-start search with a converged quench, cached with its
  provenance beside this module (:func:`best_known`): ``best_known.json``, the table of the landscape atlas
  (:mod:`langevin_sphere.atlas`: the lowest float64 minimum of 256 uniform starts, with its configuration, how many
  starts reached it and the runner-up's gap), and ``best_known.toml``, earlier searches.

This module only evaluates formulas and builds configurations; searching for unknown minima is ``landscape``'s job.
"""

from __future__ import annotations

import json
import math
import tomllib
from importlib import resources

import numpy as np

__all__ = [
    "simplex_energy",
    "polygon_energy",
    "cross_polytope_energy",
    "simplex",
    "polygon",
    "cross_polytope",
    "infonce_optimum",
    "optimum_source",
    "best_known_entries",
    "best_known",
]


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


def cross_polytope_energy(d: int, tau: float) -> float:
    """InfoNCE energy of U = V = the cross-polytope {+-e_k} of M = 2d points: log(1 + (2d-2) e^{-1/tau} + e^{-2/tau}).

    Each row sees itself (u . u = 1), its antipode (-1) and 2d - 2 orthogonal rows (0); symmetric and one-sided
    InfoNCE agree. It is the global minimum found by every multi-start search for M = 2d (see the module docstring).

    Examples:
      >>> abs(cross_polytope_energy(2, 0.3) - polygon_energy(4, 0.3)) < 1e-12   # on the circle: the square
      True
    """
    _check(2 * d, tau)
    return math.log1p((2 * d - 2) * math.exp(-1.0 / tau) + math.exp(-2.0 / tau))


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


def cross_polytope(d: int) -> np.ndarray:
    """The cross-polytope (orthoplex) of M = 2d unit vectors in R^d: rows e_0, ..., e_{d-1}, -e_0, ..., -e_{d-1}."""
    if d < 2:
        raise ValueError(f"a cross-polytope needs d >= 2, got d={d}")
    return np.concatenate([np.eye(d), -np.eye(d)])


def optimum_source(M: int, d: int) -> str | None:
    """Which known configuration is the InfoNCE optimum for M pairs in R^d (None if none is known).

    Examples:
      >>> optimum_source(4, 3), optimum_source(8, 2), optimum_source(6, 3), optimum_source(12, 3)
      ('regular simplex', 'regular polygon', 'cross-polytope', None)
    """
    if M <= d + 1:
        return "regular simplex"
    if d == 2:
        return "regular polygon"
    if M == 2 * d:
        return "cross-polytope"
    return None


def infonce_optimum(M: int, d: int, tau: float) -> tuple[float, np.ndarray] | None:
    """Known global minimum of InfoNCE for M pairs in R^d, as (E*, X*) with X* = [U; V] of shape (2M, d).

    The regular simplex (M <= d + 1, a theorem), the regular polygon (d = 2), the cross-polytope (M = 2d, verified
    by multi-start search: see the module docstring); ``None`` elsewhere (d >= 3, M > d + 1, M != 2d).
    """
    _check(M, tau)
    source = optimum_source(M, d)
    if source == "regular simplex":
        u, e_star = simplex(M, d), simplex_energy(M, tau)
    elif source == "regular polygon":
        u, e_star = polygon(M), polygon_energy(M, tau)
    elif source == "cross-polytope":
        u, e_star = cross_polytope(d), cross_polytope_energy(d, tau)
    else:
        return None
    return e_star, np.concatenate([u, u])


def best_known_entries() -> list[dict]:
    """Every entry of the best-known tables beside this module: ``best_known.json`` (the atlas's), then
    ``best_known.toml`` (earlier searches); see :func:`best_known` for the fields."""
    here = resources.files("langevin_sphere.landscape")
    entries = json.loads(here.joinpath("best_known.json").read_text())["landscapes"]
    return entries + tomllib.loads(here.joinpath("best_known.toml").read_text()).get("landscape", [])


def best_known(kind: str, M: int, d: int, tau: float, *, symmetric: bool = True) -> dict | None:
    """The best-known minimum of a landscape, from the tables beside this module (``kind``: an energy of
    :data:`langevin_sphere.energies.REGISTRY`, or "infonce-onesided" for ``symmetric=False``; KCL is looked up by
    tau = 1 / (2t), the entries being those of gamma = 16).

    ``best_known.json`` (the landscape atlas's table, like the published tables of the Thomson and Tammes problems)
    is searched first: an entry has ``E_star`` (float64, the quench converged to abs(grad) < 1e-11), ``x`` (the
    configuration [U; V], (2M, d) as nested lists), ``found`` (starts that reached it of all), ``runner_up_gap``
    (the next minimum's E - E*, None when no other minimum was found), ``closed_form`` (E* of the simplex or
    cross-polytope where one applies) and ``provenance``. Then ``best_known.toml`` (earlier searches: ``E_star``,
    ``found``, ``provenance``). Returns the entry as a dict, or None if neither holds the landscape.

    Examples:
      >>> best_known("infonce", 2, 2, 1.0) is None     # closed form there: see infonce_optimum
      True
    """
    if kind == "infonce-onesided":  # the atlas's name of the one-sided loss
        kind, symmetric = "infonce", False
    for entry in best_known_entries():
        if (entry["kind"], entry["M"], entry["d"], entry.get("symmetric", True)) == (kind, M, d, symmetric) and (
            math.isclose(entry["tau"], tau, rel_tol=1e-9)
        ):
            return entry
    return None
