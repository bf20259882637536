"""Classification of quenched end states: ``minimum``, ``plateau``, ``saddle`` or ``unconverged``.

A converged quench is a minimum when the Riemannian Hessian is positive off the symmetry zero modes, a saddle when
it has a negative eigenvalue, and a plateau when further near-zero eigenvalues remain and the energy can still
decrease along them (probed along the soft modes).

This module classifies; the quench is ``quenching``, the Hessian ``hessian``.
"""

from __future__ import annotations

from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from .hessian import EnergyFn, batch_size, batches, reduced_spectrum
from .krylov import lowest_eigenpairs
from .quenching import quench_many

__all__ = ["KINDS", "DENSE_MAX_N", "EndStates", "classify"]

DENSE_MAX_N = 720
"""Largest N = n (d - 1) that ``classify(method="auto")`` classifies with the dense Hessian. The float64 quench to
1e-11 and the full spectrum were cheaper dense than matrix-free on every stored catalogue up to N = 720 (the seconds
of ``langevin-sphere atlas-check``); at N = 7936 the matrix-free classification takes 32 s, where one dense
eigendecomposition costs ~9 N^3 = 4.5e12 flop and one is needed per quench iteration."""


KINDS = ("minimum", "plateau", "saddle", "unconverged")


class EndStates(NamedTuple):
    """Result of :func:`classify` for B configurations (numpy arrays, float64).

    Attributes:
      x: (B, n, d) the end state: the configuration quenched in float64 to the float resolution of its energy.
      energy: (B,) E(x) in float64.
      grad_norm: (B,) Riemannian gradient norm at x.
      kind: (B,) str, one of :data:`KINDS`.
      hessian_head: (B, 4) the four smallest eigenvalues of the Riemannian Hessian off the symmetry modes.
      hessian_max: (B,) its largest eigenvalue (the scale of the soft-mode threshold).
      n_soft: (B,) eigenvalues off the symmetry modes with |lambda| <= soft_ratio * hessian_max.
      leads_to: (B,) for a plateau, the lowest energy that its probes reached downhill (NaN otherwise).
    """

    x: np.ndarray
    energy: np.ndarray
    grad_norm: np.ndarray
    kind: np.ndarray
    hessian_head: np.ndarray
    hessian_max: np.ndarray
    n_soft: np.ndarray
    leads_to: np.ndarray


def classify(
    energy: EnergyFn,
    x: Float[Array, "B n d"],
    *,
    symmetries: tuple[str, ...] = ("orthogonal",),
    tol: float = 1e-8,
    soft_ratio: float = 1e-6,
    flat_energy: float = 1e-6,
    energy_tol: float = 1e-6,
    amplitudes: tuple[float, ...] = (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.4, 2.0),
    max_soft: int = 8,
    max_steps: int = 5000,
    batch: int | None = None,
    method: str = "auto",
) -> EndStates:
    r"""The kind of the end state of each configuration: ``minimum``, ``plateau``, ``saddle`` or ``unconverged``.

    Every configuration (float32 or float64) is quenched in float64 (scoped ``jax.enable_x64``; never a global
    switch) by :func:`quench_info` to the float64 resolution of its energy (gradient tolerance 1e-11, so the end
    state does not depend on how, or in which float width, the configuration was quenched before). Then, with the
    Riemannian Hessian's eigenvalues lam_1 <= lam_2 <= ... off the symmetry modes (:func:`reduced_spectrum`) and
    its largest eigenvalue lam_max:

    - ``unconverged``: |grad E| >= ``tol`` at the end of the quench;
    - ``saddle``: a clearly negative eigenvalue, lam_1 < -``soft_ratio`` lam_max;
    - ``plateau``: soft modes, |lam_k| <= ``soft_ratio`` lam_max, along which the energy can decrease: some
      displacement Exp_X(a v_k) along a soft eigenvector (largest row move a in ``amplitudes`` radians, both signs)
      that raises E by at most ``flat_energy`` (checked at a / 2 and a) and whose quench ends more than
      ``energy_tol`` below E(X). The barrier out of a plateau is thus below ``flat_energy``: for the dynamics at
      beta up to 1 / flat_energy (1e6 by default) it is no barrier at all. The probes of a configuration are
      quenched in order (softest mode first, growing amplitude) and stop at the first batch in which one leads
      lower;
    - ``minimum``: otherwise (strictly positive off the symmetry modes, or soft modes that lead nowhere lower).

    The thresholds are relative to the stiffest mode (soft_ratio, scale-free) and absolute in energy
    (flat_energy, energy_tol: thermal energies 1 / beta are absolute). On the circle landscapes of this package the
    gaps are wide: the InfoNCE cluster states at tau = 0.05 have soft eigenvalues 1e-10 - 5e-7 against lam_max
    ~ 10 - 20 (ratio < 5e-8), their minima and the optima ratios above 1e-3.

    Large configurations (``method="krylov"``, and ``"auto"`` when N = n (d - 1) > :data:`DENSE_MAX_N`) are
    classified matrix-free, with the same kinds and thresholds: the quench is :func:`quench_info`'s Krylov variant,
    and the spectrum is the max(4, ``max_soft``) lowest eigenpairs and the largest eigenvalue off the symmetry
    modes by LOBPCG (:func:`~langevin_sphere.landscape.krylov.lowest_eigenpairs`; memory O(N max_soft), no N x N
    array). ``n_soft`` then counts soft modes among those pairs only (a lower bound when it equals max(4,
    max_soft)), and a configuration is ``unconverged`` when the LOBPCG residual r of some pair does not decide which
    side of the soft level (soft_ratio lam_max) its eigenvalue is on (a Ritz pair has an eigenvalue within r of its
    Ritz value): its spectrum does not decide the kind.

    Args:
      energy: X (n, d) -> scalar; it must evaluate in float64 when given float64 input (true of the energies here).
      x: (B, n, d) configurations, unit rows.
      symmetries: continuous symmetries whose zero modes are removed (see :func:`symmetry_projector`).
      tol: convergence tolerance on |grad E| of the float64 end state.
      soft_ratio, flat_energy, energy_tol, amplitudes: the plateau test above.
      max_soft: at most this many soft modes (the softest) are probed.
      max_steps: iteration cap of each float64 quench.
      batch: configurations per compiled call (the batch is padded to a multiple: one compilation). A vmapped
        quench iterates until its slowest configuration stops, and each iteration decomposes every configuration's
        N x N Hessian (N = n (d - 1)); so the default (None) shrinks the batch as N grows (:func:`batch_size`):
        64 up to N = 24, 1 from N = 96 on, where one decomposition outweighs the per-call overhead.
      method: ``"dense"``, ``"krylov"`` or ``"auto"`` (see above).

    Returns:
      :class:`EndStates` (numpy, float64).

    Examples:
      >>> import jax
      >>> from langevin_sphere import energies, sphere
      >>> x = sphere.uniform(jax.random.key(0), (4, 6, 3))      # M = 3 pairs in R^3: the only minimum is the triangle
      >>> classify(energies.InfoNCE(tau=0.2), x, batch=4).kind.tolist()
      ['minimum', 'minimum', 'minimum', 'minimum']
    """
    x = np.asarray(x, np.float64)
    if x.ndim != 3 or x.shape[-1] < 2:
        raise ValueError(f"classify: expects configurations of shape (B, n, d) with d >= 2, got shape {x.shape}")
    n_conf, n, d = x.shape
    batch = batch_size(n * (d - 1)) if batch is None else batch
    if not (tol > 0 and soft_ratio > 0 and flat_energy > 0 and energy_tol > 0 and batch >= 1 and amplitudes):
        raise ValueError(
            "classify: needs tol, soft_ratio, flat_energy, energy_tol > 0, batch >= 1 and amplitudes, "
            f"got {tol=}, {soft_ratio=}, {flat_energy=}, {energy_tol=}, {batch=}, {amplitudes=}"
        )
    if method not in ("auto", "dense", "krylov"):
        raise ValueError(f"classify: method must be 'auto', 'dense' or 'krylov', got {method=}")
    krylov = method == "krylov" or (method == "auto" and n * (d - 1) > DENSE_MAX_N)
    x = x / np.linalg.norm(x, axis=-1, keepdims=True)  # float32 rows are unit only to 1e-7
    with jax.enable_x64(True):
        q_method = "krylov" if krylov else "dense"
        q = quench_many(energy, x, tol=1e-11, max_steps=max_steps, batch=batch, method=q_method)
        if krylov:  # the max(4, max_soft) lowest pairs and lam_max by LOBPCG; residuals above the soft level: undecided
            block = min(max(4, max_soft) + 4, (n * d - 1) // 5)  # LOBPCG's block needs 5 block < n d
            k = min(max(4, max_soft), block)
            if k < 4:
                raise ValueError(f"classify: method='krylov' needs n d >= 21, got n d = {n * d} (use 'dense')")
            parts = [
                jax.tree.map(np.asarray, _low_spectrum(energy, jnp.asarray(y), k, block - k, tuple(symmetries)))
                for y in q.x
            ]
            low = jax.tree.map(lambda *a: np.stack(a), *parts)
            lam, vec, lam_max = low.lam, low.vec, low.lam_max
            # a Ritz pair with residual r has an eigenvalue within r (Bauer-Fike): the kind is decided unless some
            # pair's |lam| lies within r of the soft level
            level = soft_ratio * np.abs(lam_max)[:, None]
            resolved = np.all(np.abs(np.abs(lam) - level) > low.residual, axis=1)
        else:
            spec = [
                jax.tree.map(np.asarray, _spectrum_batch(energy, jnp.asarray(part), tuple(symmetries)))
                for part in batches(q.x, batch)
            ]
            lam, vec = (np.concatenate(a)[:n_conf] for a in zip(*spec))
            lam_max = np.max(np.where(np.isfinite(lam), lam, -np.inf), axis=1)
            resolved = np.ones(n_conf, bool)

        lam_max = np.where(np.isfinite(lam_max), lam_max, 0.0)
        soft_level = soft_ratio * np.abs(lam_max)
        converged = np.isfinite(q.energy) & (q.grad_norm < tol) & resolved
        saddle = converged & (lam[:, 0] < -soft_level)
        soft = np.isfinite(lam) & (np.abs(lam) <= soft_level[:, None])  # (B, N)
        n_soft = soft.sum(axis=1)

        # plateau test: displacements along the softest modes, cheap enough in energy, then quenched
        probes, owner, e_ref = [], [], []
        for i in np.flatnonzero(converged & ~saddle & (n_soft > 0)):
            for k in np.flatnonzero(soft[i])[:max_soft]:
                v = vec[i, k] / np.max(np.linalg.norm(vec[i, k], axis=-1))
                for a in amplitudes:
                    for sign in (1.0, -1.0):
                        probes += [_exp64(q.x[i], s * sign * a * v) for s in (0.5, 1.0)]
                        owner.append(i)
                        e_ref.append(q.energy[i])
        leads_to = np.full(n_conf, np.nan)
        if owner:
            probes = np.stack(probes).reshape(len(owner), 2, n, d)
            e_probe = np.concatenate(
                [
                    np.asarray(_energy_batch(energy, jnp.asarray(p)))
                    for p in batches(probes.reshape(-1, n, d), 2 * batch)
                ]
            )
            e_probe = e_probe[: 2 * len(owner)].reshape(len(owner), 2)
            cheap = np.all(e_probe - np.asarray(e_ref)[:, None] <= flat_energy, axis=1)
            owner, todo = np.asarray(owner)[cheap], probes[cheap, 1]
            while owner.size:  # in order; a configuration found to lead lower needs no further probe
                ends = quench_many(
                    energy, todo[:batch], tol=1e-11, max_steps=max_steps, batch=batch, method=q_method
                ).energy
                for i, e_end in zip(owner[:batch], ends):
                    if np.isfinite(e_end) and e_end < q.energy[i] - energy_tol:
                        leads_to[i] = np.fmin(leads_to[i], e_end)
                left = ~np.isfinite(leads_to[owner[batch:]])
                owner, todo = owner[batch:][left], todo[batch:][left]

    kind = np.full(n_conf, "minimum", dtype=object)
    kind[np.isfinite(leads_to)] = "plateau"
    kind[saddle] = "saddle"
    kind[~converged] = "unconverged"
    head = np.full((n_conf, 4), np.nan)
    k = min(4, lam.shape[1])
    head[:, :k] = np.where(np.isfinite(lam[:, :k]), lam[:, :k], np.nan)
    return EndStates(
        x=q.x,
        energy=np.asarray(q.energy, np.float64),
        grad_norm=np.asarray(q.grad_norm, np.float64),
        kind=kind.astype(str),
        hessian_head=head,
        hessian_max=lam_max,
        n_soft=n_soft,
        leads_to=leads_to,
    )


@eqx.filter_jit
def _spectrum_batch(energy, x, symmetries):
    return jax.vmap(lambda y: reduced_spectrum(energy, y, symmetries))(x)


@eqx.filter_jit
def _low_spectrum(energy, x, k, guard, symmetries):
    return lowest_eigenpairs(energy, x, k, jax.random.key(0), symmetries=symmetries, guard=guard)


@eqx.filter_jit
def _energy_batch(energy, x):
    return jax.vmap(energy)(x)


def _exp64(x: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Exp_x(v) row by row in numpy float64 (host side: the probes of :func:`classify`)."""
    r = np.linalg.norm(v, axis=-1, keepdims=True)
    y = np.cos(r) * x + np.sinc(r / np.pi) * v
    return y / np.linalg.norm(y, axis=-1, keepdims=True)
