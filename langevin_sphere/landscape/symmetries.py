"""The symmetries of contrastive energies acting on configurations: alignment of one configuration onto another.

A contrastive energy of M pairs X = [U; V] (n = 2M rows) is invariant under a global orthogonal map Q in O(d)
(X -> X Q), a simultaneous relabelling of the pairs, and (for symmetric losses) U <-> V. Comparing two end states
(are they the same minimum? how far is a chain from the optimum?) must be done up to these maps: :func:`align`
finds the copy of one configuration nearest to another, :func:`distance_to_optimum` the geodesic distance to the
optimum's orbit. Host-side numpy; the continuous part of the group also enters the Hessian analysis of
:func:`langevin_sphere.landscape.symmetry_projector`.

Reference: P. H. Schonemann, *A generalized solution of the orthogonal Procrustes problem*, Psychometrika 31, 1-10
(1966); H. W. Kuhn, *The Hungarian method for the assignment problem*, Naval Res. Logist. Q. 2, 83-97 (1955).
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

__all__ = ["align", "aligned", "distance_to_optimum"]


def _procrustes(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The orthogonal Q (d, d) minimising |a - b Q|_F (Schonemann 1966): Q = U V^T with b^T a = U S V^T."""
    u, _, vt = np.linalg.svd(b.T @ a)
    return u @ vt


def align(
    X_ref: Float[Array, "n d"],
    X: Float[Array, "n d"],
    *,
    pairs: bool = True,
    swap_views: bool = True,
    n_starts: int = 16,
    seed: int = 0,
) -> np.ndarray:
    """The copy of ``X`` under the symmetries of the energy that is nearest to ``X_ref`` (Frobenius norm).

    Symmetries: a global orthogonal map Q in O(d) (X -> X Q), and for a configuration of M pairs (``pairs``, n = 2M,
    rows 0..M-1 = U, M..2M-1 = V) a simultaneous relabelling of the pairs and, with ``swap_views``, U <-> V.
    Alternates the assignment of pairs (Hungarian algorithm on the pair-to-pair distances) and orthogonal Procrustes
    until the assignment is stable, from ``n_starts`` initial maps (identity, reflections, rotations in the first
    two coordinates, random orthogonal maps), and keeps the best: a local search, exact for O(d) alone.
    Host-side numpy.

    Returns:
      (n, d) numpy array, the aligned copy of X (its energy is that of X).

    Examples:
      >>> import numpy as np
      >>> x = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]])      # M = 2 pairs on the circle
      >>> rot = np.array([[0.0, 1.0], [-1.0, 0.0]])
      >>> y = (x @ rot)[[1, 0, 3, 2]]                                       # rotated and relabelled
      >>> bool(np.allclose(align(x, y), x))
      True
    """
    from scipy.optimize import linear_sum_assignment  # scipy is a dependency of jax

    a = np.asarray(X_ref, np.float64)
    x = np.asarray(X, np.float64)
    n, d = a.shape
    if x.shape != a.shape:
        raise ValueError(f"align: X_ref and X must have the same shape (n, d), got {a.shape} and {x.shape}")
    if pairs and n % 2:
        raise ValueError(f"align: pairs=True needs n = 2M rows, got n={n}")
    m = n // 2
    rng = np.random.default_rng(seed)
    starts = [np.eye(d)]
    flip = np.eye(d)
    flip[0, 0] = -1.0
    starts.append(flip)
    for k in range(1, max(n_starts // 2, 1)):
        r = np.eye(d)
        c, s = np.cos(2 * np.pi * k / (n_starts // 2)), np.sin(2 * np.pi * k / (n_starts // 2))
        r[:2, :2] = [[c, -s], [s, c]]
        starts += [r, r @ flip]
    if d > 2:
        starts += [np.linalg.qr(rng.standard_normal((d, d)))[0] for _ in range(n_starts)]

    candidates = [x]
    if pairs and swap_views:
        candidates.append(np.concatenate([x[m:], x[:m]]))
    best, best_cost = x, np.inf
    for cand in candidates:
        for q in starts:
            perm = np.arange(m)
            y = cand
            for _ in range(50):
                yq = cand @ q
                if pairs:
                    cost = np.sum((a[:m, None] - yq[None, :m]) ** 2, -1) + np.sum((a[m:, None] - yq[None, m:]) ** 2, -1)
                    new_perm = linear_sum_assignment(cost)[1]
                    y = np.concatenate([cand[:m][new_perm], cand[m:][new_perm]])
                q = _procrustes(a, y)
                if not pairs or np.array_equal(new_perm, perm):
                    break
                perm = new_perm
            cost = np.sum((a - y @ q) ** 2)
            if cost < best_cost - 1e-12:
                best, best_cost = y @ q, cost
    return best


def aligned(X_ref: Float[Array, "n d"], X: Float[Array, "n d"], symmetries: tuple[str, ...]) -> Float[Array, "n d"]:
    """The copy of ``X`` nearest to ``X_ref`` under ``symmetries`` (see
    :func:`langevin_sphere.barriers.critical_depth`; :func:`align` when
    they hold "orthogonal", ``X`` itself otherwise), with unit rows, in ``X``'s dtype: the far end of a string."""
    x = jnp.asarray(X)
    if "orthogonal" in symmetries:
        x = jnp.asarray(align(X_ref, x, pairs="pairs" in symmetries, swap_views="swap" in symmetries), x.dtype)
    return x / jnp.linalg.norm(x, axis=-1, keepdims=True)


def distance_to_optimum(
    x: np.ndarray, x_star: np.ndarray, *, pairs: bool = True, swap_views: bool = True
) -> np.ndarray:
    r"""Geodesic distance on (S^{d-1})^n from each configuration to the orbit of the optimum under the symmetries.

    .. math:: \mathrm{dist}(X, \mathcal{O}) = \min_{g} \Big(\sum_{r} \theta(x_r, (g X^*)_r)^2\Big)^{1/2},
              \qquad \theta(x, y) = 2\,\mathrm{atan2}(|x - y|, |x + y|),

    g running over global orthogonal maps O(d), simultaneous relabellings of the pairs and (``swap_views``)
    U <-> V: the same group for every row, so the distance is invariant under rotations and relabellings of X.
    The minimising copy of X* is found by :func:`align` (orthogonal Procrustes alternated
    with an assignment of pairs, from several starts): a local search, so the value is an upper bound on the orbit
    distance, exact for O(d) once the assignment is right. Units: radians.

    Args:
      x: (n, d) or (B, n, d) configurations (NaN rows, e.g. failed chains, give NaN).
      x_star: (n, d) one optimal configuration.
      pairs, swap_views: the symmetries of the energy (see :func:`align`).

    Returns:
      () or (B,) distances in radians.

    Examples:
      >>> import numpy as np
      >>> square = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])
      >>> x_star = np.concatenate([square, square])                 # M = 4 pairs on the circle, U = V
      >>> c, s = np.cos(0.3), np.sin(0.3)
      >>> x = (x_star @ np.array([[c, s], [-s, c]]))[[2, 3, 0, 1, 6, 7, 4, 5]]   # rotated, pairs relabelled
      >>> float(distance_to_optimum(x, x_star)) < 1e-6
      True
    """
    x = np.asarray(x, np.float64)
    x_star = np.asarray(x_star, np.float64)
    batch = x.reshape((-1,) + x_star.shape)
    out = np.full(batch.shape[0], np.nan)
    for b, xb in enumerate(batch):
        if not np.all(np.isfinite(xb)):
            continue
        y = align(xb, x_star, pairs=pairs, swap_views=swap_views)
        theta = 2.0 * np.arctan2(np.linalg.norm(xb - y, axis=-1), np.linalg.norm(xb + y, axis=-1))
        out[b] = np.sqrt(np.sum(theta**2))
    return out.reshape(x.shape[:-2])
