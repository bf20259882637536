"""Basins: which quenched configurations are the same local minimum, up to the energies' symmetries, and the
table of basins reached by a set of starts.

This module compares configurations; it does not quench them (``quenching``) or classify them (``classification``).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from ..core import energies
from . import diagnostics
from .hessian import EnergyFn
from .quenching import quench_many

__all__ = ["basin_signature", "basin_labels", "full_configuration", "basin_table", "energy_levels", "tabulate_basins"]


def basin_signature(x: Float[Array, "n d"], *, swap_views: bool = True) -> Float[Array, " S"]:
    """A signature of a configuration of M pairs that is invariant under the symmetries of the contrastive energies.

    The symmetries: a global orthogonal map (O(d), rotations and reflections, acting on every row), a simultaneous
    relabelling of the pairs (the same permutation of U and V) and, when ``swap_views``, the exchange U <-> V
    (a symmetry of symmetric InfoNCE, DHEL and KCL). The Gram blocks U U^T, V V^T, U V^T are O(d)-invariant and a
    relabelling permutes them simultaneously, so their sorted entries are invariant:

        [sort(offdiag U U^T) ; sort(offdiag V V^T) ; sort(diag U V^T) ; sort(offdiag U V^T)]

    with the first two blocks sorted together when ``swap_views``. Sorted multisets are not a complete invariant; with
    the quenched energy they tell apart the minima met here (see :func:`basin_labels`). Shape (S,) with
    S = 2 * M (M - 1) + M^2 (vmappable).
    """
    m = x.shape[0] // 2
    u, v = x[:m], x[m:]
    off = ~np.eye(m, dtype=bool)  # a static (numpy) mask, so the indexing has a static shape under jit
    uu, vv, uv = (u @ u.T)[off], (v @ v.T)[off], u @ v.T
    within = jnp.sort(jnp.concatenate([uu, vv])) if swap_views else jnp.concatenate([jnp.sort(uu), jnp.sort(vv)])
    return jnp.concatenate([within, jnp.sort(jnp.diagonal(uv)), jnp.sort(uv[off])])


def basin_labels(energy, signature, *, energy_tol: float = 1e-4, signature_tol: float = 1e-3):
    """Integer basin labels for quenched configurations: equal labels = the same minimum up to the symmetries.

    Two minima get the same label when their energies differ by at most ``energy_tol`` and their
    :func:`basin_signature` by at most ``signature_tol`` (max norm). Labels are numbered by increasing energy
    (label 0 is the lowest minimum found). Host-side numpy, after the run.

    Args:
      energy: (N,) quenched energies.
      signature: (N, S) basin signatures.

    Returns:
      (labels (N,) int, representative energies (K,)) with K distinct basins; non-finite energies get label -1.
    """
    energy, signature = np.asarray(energy, np.float64), np.asarray(signature, np.float64)
    labels = np.full(energy.shape, -1)
    reps: list[int] = []
    for i in np.argsort(energy, kind="stable"):
        if not np.isfinite(energy[i]):
            continue
        for k, j in enumerate(reps):
            if (
                abs(energy[i] - energy[j]) <= energy_tol
                and np.max(np.abs(signature[i] - signature[j])) <= signature_tol
            ):
                labels[i] = k
                break
        else:
            labels[i] = len(reps)
            reps.append(i)
    return labels, energy[reps]


def full_configuration(energy, x: Float[Array, "... m d"]) -> Float[Array, "... n d"]:
    """The configuration [U; V] that ``energy`` sees: ``x`` itself, or the anchors prepended for a FrozenAnchors
    energy (whose argument is V alone). Basin signatures are taken of this, so the anchors' geometry counts."""
    if isinstance(energy, energies.FrozenAnchors):
        anchors = jnp.broadcast_to(energy.anchors.astype(x.dtype), x.shape[:-2] + energy.anchors.shape)
        return jnp.concatenate([anchors, x], axis=-2)
    return x


@eqx.filter_jit
def _signatures(energy, x, swap_views):
    return jax.vmap(lambda y: basin_signature(full_configuration(energy, y), swap_views=swap_views))(x)


def basin_table(
    energy: EnergyFn,
    x: Float[Array, "B n d"],
    *,
    e_star: float | None = None,
    eps: float = 1e-3,
    tol: float = 1e-5,
    swap_views: bool = True,
    energy_tol: float = 1e-4,
    signature_tol: float = 1e-3,
) -> dict:
    """Quench many starts, label their basins up to symmetry and tabulate them: the landscape's basin statistics.

    Each start is quenched (:func:`quench_many`, converged to |grad| < ``tol``), its minimum labelled by quenched
    energy and :func:`basin_signature` of :func:`full_configuration` (:func:`basin_labels`), and the basins counted.
    With uniform random starts the fraction of a basin estimates the uniform measure of its domain of attraction under
    the gradient flow; the fraction of starts that miss the global basin is what a quench (beta = infinity at once)
    leaves trapped. Binomial 95% intervals are Wilson's (:func:`langevin_sphere.diagnostics.wilson_interval`).

    Args:
      energy: X (n, d) -> scalar (a :class:`~langevin_sphere.energies.FrozenAnchors` energy takes V only).
      x: (B, n, d) starts, unit rows.
      e_star: the global minimum; the lowest quenched energy when None (then said so in ``e_star_source``).
      eps: a minimum within eps of E* is the global basin.
      tol: quench tolerance on the Riemannian gradient norm.
      swap_views: U <-> V is a symmetry of the energy (True for symmetric contrastive energies with both views free).
      energy_tol, signature_tol: see :func:`basin_labels`.

    Returns:
      A dict: ``n_starts``, ``e_star``, ``e_star_source``, ``eps``, ``not_converged`` (starts with |grad| >= tol),
      ``global`` and ``trapped`` ({"count", "fraction", "lo", "hi"}), ``basins`` (one dict per basin by increasing
      energy level: energy, gap, count, fraction, lo, hi, global, signature_classes; see :func:`tabulate_basins`),
      and the per-start arrays ``start_energy`` (B,),
      ``start_label`` (B,) and ``start_grad_norm`` (B,) (numpy).

    Examples:
      >>> import jax
      >>> from langevin_sphere import energies, optima, sphere
      >>> x = sphere.uniform(jax.random.key(0), (16, 6, 3))     # M = 3 pairs in R^3: one basin, the triangle
      >>> tab = basin_table(energies.InfoNCE(tau=0.2), x, e_star=optima.simplex_energy(3, 0.2))
      >>> tab["global"]["count"], len(tab["basins"])
      (16, 1)
    """
    x = np.asarray(x)  # quench_many takes numpy
    if x.ndim != 3:
        raise ValueError(f"basin_table: expects starts of shape (B, n, d), got shape {x.shape}")
    info = quench_many(energy, x, tol=tol)  # compiled once per energy type, shape and tolerance
    sig = _signatures(energy, jnp.asarray(info.x), swap_views)
    e_min = np.asarray(info.energy, np.float64)
    labels, levels = basin_labels(e_min, np.asarray(sig), energy_tol=energy_tol, signature_tol=signature_tol)
    source = "given"
    if e_star is None:
        e_star, source = float(np.nanmin(e_min)), f"lowest quenched energy of these {len(e_min)} starts"
    table = tabulate_basins(e_min, labels, e_star, eps)
    return {
        **table,
        "e_star_source": source,
        "tol": tol,
        "not_converged": int(np.sum(~(np.asarray(info.grad_norm) < tol))),
        "start_energy": e_min,
        "start_label": labels,
        "start_grad_norm": np.asarray(info.grad_norm, np.float64),
    }


def energy_levels(energy, tol: float = 1e-4) -> np.ndarray:
    """Labels of quenched energies by level: energies within ``tol`` of a level's lowest share its label (numbered by
    increasing energy, -1 for non-finite). Any shape. What quench records without configurations allow.

    Examples:
      >>> energy_levels(np.array([0.5, 0.0, 0.50003, 1.0])).tolist()
      [1, 0, 1, 2]
    """
    flat = np.asarray(energy, np.float64).reshape(-1)
    labels, _ = basin_labels(flat, np.zeros((flat.size, 1)), energy_tol=tol)
    return labels.reshape(np.shape(energy))


def tabulate_basins(energy, labels, e_star: float, eps: float = 1e-3, energy_tol: float = 1e-4) -> dict:
    """Counts of quenched starts per energy level, with Wilson 95% intervals: the table of :func:`basin_table`.

    Rows are energy levels (:func:`energy_levels`); each says how many basin labels (classes up to symmetry) it
    merges: on the plateaus of small-tau landscapes a converged quench stops at slightly different points of one
    flat family of minima, which a signature tells apart while the energy does not. Every start within ``eps`` of E*
    is the one global row.

    Args:
      energy: (B,) quenched energies; labels: (B,) basin labels from :func:`basin_labels` (-1: failed start).
      e_star: the global minimum; a level within ``eps`` of it is the global basin.

    Returns:
      ``{"n_starts", "e_star", "eps", "global", "trapped", "basins"}`` as described in :func:`basin_table`.

    Examples:
      >>> tab = tabulate_basins(np.array([0.0, 0.0, 0.5, 0.0]), np.array([0, 0, 1, 0]), e_star=0.0)
      >>> [(b["gap"], b["count"]) for b in tab["basins"]], tab["trapped"]["fraction"]
      ([(0.0, 3), (0.5, 1)], 0.25)
    """

    energy, labels = np.asarray(energy, np.float64), np.asarray(labels)
    n = len(energy)

    def share(k):
        lo, hi = diagnostics.wilson_interval(int(k), n)
        return {"count": int(k), "fraction": int(k) / n, "lo": lo, "hi": hi}

    at_global = np.isfinite(energy) & (energy - e_star <= eps)
    levels = np.where(at_global, -2, energy_levels(energy, energy_tol))  # -2: the global row
    basins = []
    for level in np.unique(levels[levels != -1]):
        members = levels == level
        lowest = float(np.min(energy[members]))
        basins.append(
            {
                "energy": lowest,
                "gap": 0.0 if level == -2 else lowest - e_star,
                **share(np.sum(members)),
                "global": bool(level == -2),
                "signature_classes": int(np.unique(labels[members]).size),
            }
        )
    basins.sort(key=lambda b: b["energy"])
    return {
        "n_starts": n,
        "e_star": float(e_star),
        "eps": eps,
        "global": share(np.sum(at_global)),
        "trapped": share(np.sum(~at_global)),
        "basins": basins,
    }
